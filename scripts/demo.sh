#!/usr/bin/env bash
# make demo: the main job on built-in defaults. Synthetic ARL met, the native
# transport engine, an SQLite registry, 2 MPI ranks (or one process when
# mpirun is missing); outputs under examples/demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
BIN=$PWD/bin/stilt-mpi
CFG=examples/demo.run.toml
OUT=examples/demo-out
echo "== synthetic meteorology (examples/demo-met)"
"$BIN" met synth -o examples/demo-met
"$BIN" met info examples/demo-met/* | awk "NR<=12"
echo "== validate $CFG"
"$BIN" validate "$CFG"
echo "== run: 2 MPI ranks, native engine"
if command -v mpirun >/dev/null 2>&1; then
  mpirun -n 2 --oversubscribe "$BIN" run "$CFG"
else
  "$BIN" run "$CFG"
fi
echo "== status"
"$BIN" status "$CFG"
echo "== quicklook"
"$BIN" plot "$OUT/scenes/all.nc" -o "$OUT/quicklook.png" --log
echo
echo "outputs: $OUT/registry.sqlite (registry and stored footprints), $OUT/scenes/all.nc (scene NetCDF),"
echo "         $OUT/quicklook.png; rerun 'make demo' to see completed simulations skipped."
