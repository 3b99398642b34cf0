#!/usr/bin/env bash
# make bench: (1) the Go benchmarks of the packages, short; (2) a batch
# scaling run of `stilt-mpi run` on synthetic met with 1, 2 and 4
# (oversubscribed) ranks on a CPU-bound batch: wall time, speedup, parallel
# efficiency, idle fraction per rank and rank 0's cost per committed result
# (from the summary rank 0 prints at the end of a run).
#
# Environment (defaults in brackets):
#   BIN [bin/stilt-mpi]  BENCHTIME [3x]  SKIP_GO_BENCH [0]  SKIP_SCALING [0]
#   RANKS ["1 2 4"]  NREC [48]  NUMPAR [100]  NHOURS [-6]  REPEAT [1]
#   BENCH_OUT [${TMPDIR:-/tmp}/stilt-bench-<utc time>]: logs and tables
# Results are printed and written to $BENCH_OUT/{go-bench.txt,scaling.md}.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/stilt-mpi}
BENCHTIME=${BENCHTIME:-3x}
RANKS=${RANKS:-"1 2 4"}
NREC=${NREC:-48}
NUMPAR=${NUMPAR:-100}
NHOURS=${NHOURS:--6}
REPEAT=${REPEAT:-1}
OUT=${BENCH_OUT:-${TMPDIR:-/tmp}/stilt-bench-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Blocked receives poll; yield so that waiting ranks leave the cores to the
# ones computing (matters when ranks >= cores, see bench/RESULTS-registry.md).
export OMPI_MCA_mpi_yield_when_idle=1
NCORES=$(nproc)

echo "== machine: $NCORES cores, load: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)" | tee "$OUT/machine.txt"

if [ "${SKIP_GO_BENCH:-0}" != 1 ]; then
	echo "== Go benchmarks (-benchtime $BENCHTIME)"
	go test -tags libsqlite3 -run XXX -bench . -benchtime "$BENCHTIME" \
		./footprint ./met ./registry ./transport ./particle ./hysplit ./observations ./batch 2>&1 |
		tee "$OUT/go-bench.txt"
fi

[ "${SKIP_SCALING:-0}" = 1 ] && exit 0
[ -x "$BIN" ] || { echo "bench: $BIN not built (make build)" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "bench: mpirun not found: scaling run skipped" >&2; exit 0; }

W="$OUT/scaling"
rm -rf "$W"
mkdir -p "$W"
echo "== batch scaling: $NREC receptors, numpar $NUMPAR, n_hours $NHOURS, ranks: $RANKS"
"$BIN" met synth -o "$W/met" >/dev/null
# receptors inside the default synthetic grid (-113..-111.05 E, 40..41.45 N),
# at 06-11 UTC so that 6 h back stays inside the 00-11 UTC met
awk -v n="$NREC" 'BEGIN {
	print "time,latitude,longitude,altitude,scene"
	for (i = 0; i < n; i++)
		printf "2019-05-30 %02d:00:00,%.3f,%.3f,%d,s%d\n", 6 + i % 6, 40.3 + 0.02 * (i % 50), -112.4 + 0.025 * (i % 40), 5 + (i % 4) * 10, i % 4
}' >"$W/receptors.csv"
cat >"$W/run.toml" <<EOF
[project]
name = "bench"
output_dir = "out"
seed = 3
scratch_dir = "$W/scratch"
[receptors]
path = "receptors.csv"
[scenes]
rule = "column"
column = "scene"
[met.syn]
directory = "met"
discover = "header"
[transport]
engine = "native"
[params]
n_hours = $NHOURS
numpar = $NUMPAR
[footprints.f]
xmin = -113.0
xmax = -111.0
ymin = 40.0
ymax = 41.5
xres = 0.02
[mpi]
progress_interval = "10s"
EOF

TABLE="$OUT/scaling.md"
ROWS=()
for n in $RANKS; do
	for ((rep = 1; rep <= REPEAT; rep++)); do
		rm -rf "$W/out" "$W/scratch"
		load=$(cut -d' ' -f1 /proc/loadavg)
		log="$W/run-n$n-$rep.log"
		t0=$(date +%s.%N)
		if [ "$n" = 1 ]; then
			"$BIN" run "$W/run.toml" >"$log" 2>&1
		else
			# one rank per core, pinned (mpirun's default); more ranks than
			# cores cannot be pinned one per core
			bind=core
			[ "$n" -gt "$(nproc)" ] && bind=none
			mpirun -n "$n" --oversubscribe --bind-to "$bind" "$BIN" run "$W/run.toml" >"$log" 2>&1
		fi
		t1=$(date +%s.%N)
		done_n=$(sed -n 's/^progress: \([0-9]*\)\/.*/\1/p' "$log" | tail -1)
		if [ "$done_n" != "$NREC" ]; then
			echo "bench: run on $n ranks finished $done_n of $NREC simulations; see $log" >&2
			exit 1
		fi
		wall=$(echo "$t1 - $t0" | bc -l)
		loop=$(sed -n 's/^rank 0: .* of \([0-9.]*\) s wall.*/\1/p' "$log")
		busy=$(sed -n 's/^rank [0-9]*: .* busy \([0-9.]*\) s of.*/\1/p' "$log" | paste -sd+ - | bc -l)
		idle=$(sed -n 's/^rank \([0-9]*\): .* idle \([-0-9.]*%\)$/r\1=\2/p' "$log" | paste -sd, -)
		per=$(sed -n 's/^rank 0 overhead: \([0-9.]*\) ms.*/\1/p' "$log")
		scenes=$(sed -n 's/^rank 0 scene files: [0-9]* written in \([0-9.]*\) s$/\1/p' "$log")
		ROWS+=("$n $rep $wall $loop $busy $per $load $idle ${scenes:-?}")
	done
done
# Machine ceiling: the same batch as NCORES independent processes without
# MPI (`run --shard i/K`, started together): what K cores give to K
# uncoordinated processes on this (possibly shared) machine.
CEIL=()
for ((rep = 1; rep <= REPEAT; rep++)); do
	rm -rf "$W/out" "$W/scratch"
	t0=$(date +%s.%N)
	pids=()
	for ((i = 0; i < NCORES; i++)); do
		"$BIN" run --shard "$i/$NCORES" "$W/run.toml" >"$W/shard-$i-$rep.log" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	t1=$(date +%s.%N)
	CEIL+=("$(echo "$t1 - $t0" | bc -l)")
done
# T1: the fastest single-rank run (the machine may be shared: see load)
T1=""
for row in "${ROWS[@]}"; do
	set -- $row
	if [ "$1" = 1 ] && { [ -z "$T1" ] || [ "$(echo "$3 < $T1" | bc -l)" = 1 ]; }; then T1=$3; fi
done
{
	echo "| ranks | rep | process wall s | loop wall s | speedup | efficiency | busy/(ranks x loop wall) | idle per rank | rank-0 commit ms/result | scene files s | load before |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for row in "${ROWS[@]}"; do
		set -- $row
		n=$1
		eff_n=$((n < NCORES ? n : NCORES))
		speed=$(echo "${T1:-$3} / $3" | bc -l)
		printf '| %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %s |\n' "$n" "$2" "$3" "$4" "$speed" \
			"$(echo "$speed / $eff_n" | bc -l)" "$(echo "$5 / ($n * $4)" | bc -l)" "$8" "$6" "$9" "$7"
	done
	echo
	for c in "${CEIL[@]}"; do
		printf '| %d independent shard processes (no MPI) | | %.2f | | %.2f | %.2f | | | | | |\n' "$NCORES" "$c" \
			"$(echo "${T1:-$c} / $c" | bc -l)" "$(echo "${T1:-$c} / $c / $NCORES" | bc -l)"
	done
	echo
	echo "speedup = fastest 1-rank process wall / process wall; efficiency = speedup / min(ranks, $NCORES cores);"
	echo "busy = sum over ranks of the wall time of their simulations, as rank 0 recorded it;"
	echo "commit = rank 0's registry commit per result; scene files = time of rank 0's scene writer (background)."
} >"$TABLE"
cat "$TABLE"
echo "bench outputs: $OUT"
