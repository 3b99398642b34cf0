#!/bin/bash
# TEST DOUBLE for hycs_std (not HYSPLIT): writes only the header line of PARTICLE_STILT.DAT.
echo " HYSPLIT version: fake test double"
echo "   40.7659988      -111.848000       5.00000000    " > PARTICLE_STILT.DAT
echo " Complete Hysplit"
