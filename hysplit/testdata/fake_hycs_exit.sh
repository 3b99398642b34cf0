#!/bin/bash
# TEST DOUBLE for hycs_std (not HYSPLIT): writes output, then exits with status 3.
. "$(dirname "$(readlink -f "$0")")/fake_hycs_common.sh"
banner
write_particles
echo "something went wrong" >&2
exit 3
