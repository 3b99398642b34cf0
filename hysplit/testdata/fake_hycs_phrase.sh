#!/bin/bash
# TEST DOUBLE for hycs_std (not HYSPLIT): logs the failure phrase given in
# $FAKE_HYCS_PHRASE on stdout, yet writes a parsable particle file and exits 0.
. "$(dirname "$(readlink -f "$0")")/fake_hycs_common.sh"
banner
write_particles
echo " ERROR: $FAKE_HYCS_PHRASE"
