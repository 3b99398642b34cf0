#!/usr/bin/env bash
# make demo: the main job on built-in defaults. Synthetic ARL met, the native
# transport engine, an SQLite registry, 2 MPI ranks; outputs under demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
BIN=bin/stilt-mpi
OUT=demo-out
mkdir -p "$OUT"
echo "== synthetic meteorology"
"$BIN" met synth -o "$OUT/met" --grid latlon --hours 30 --start 2019-05-29T12:00:00Z
"$BIN" met info "$OUT"/met/* | head -20
echo "== validate"
"$BIN" validate examples/demo.toml
echo "== run (2 MPI ranks, native engine)"
mpirun -n 2 --oversubscribe "$BIN" run examples/demo.toml
echo "== status"
"$BIN" status examples/demo.toml
echo "== quicklook"
scene=$(ls "$OUT"/scenes/*.nc | head -1)
"$BIN" plot "$scene" -o "$OUT/quicklook.png" --log
echo "demo outputs: $OUT/registry.sqlite, $OUT/scenes/*.nc, $OUT/quicklook.png"
