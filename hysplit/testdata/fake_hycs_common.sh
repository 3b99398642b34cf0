# Sourced by the fake_hycs_*.sh test doubles (not HYSPLIT): helpers that
# write hycs_std-shaped outputs in the current directory.
banner() {
  echo " HYSPLIT version: fake test double"
  echo " NOTICE main: using namelist file - SETUP.CFG"
}
write_particles() {
  {
    echo "   40.7659988      -111.848000       5.00000000    "
    for t in -1 -2; do
      for i in 1 2 3; do
        echo "        $t.       $i.  -111.8468    40.7660     0.3167    0.0227518       150.00  1.02394    1.0000      0.218        7.5164"
      done
    done
  } > PARTICLE_STILT.DAT
  echo "legacy" > PARTICLE.DAT
}
