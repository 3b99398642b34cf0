#!/bin/bash
# TEST DOUBLE for hycs_std (not HYSPLIT): writes rows with 10 columns where SETUP.CFG asks for 11.
echo " HYSPLIT version: fake test double"
{
  echo "   40.7659988      -111.848000       5.00000000    "
  echo "        -1.       1.  -111.8468    40.7660     0.3167    0.0227518       150.00  1.02394    1.0000      0.218"
} > PARTICLE_STILT.DAT
echo " Complete Hysplit"
