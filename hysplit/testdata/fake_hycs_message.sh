#!/bin/bash
# TEST DOUBLE for hycs_std (not HYSPLIT): writes the failure phrase
# $FAKE_HYCS_PHRASE only to MESSAGE, writes no particle file, exits 0.
. "$(dirname "$(readlink -f "$0")")/fake_hycs_common.sh"
banner
echo " *ERROR* metpos: $FAKE_HYCS_PHRASE" > MESSAGE
