#!/bin/bash
# TEST DOUBLE for hycs_std (not HYSPLIT): a successful run.
. "$(dirname "$(readlink -f "$0")")/fake_hycs_common.sh"
banner
echo "MESSAGE file" > MESSAGE
write_particles
echo " Percent complete: 100.0"
echo " Complete Hysplit"
