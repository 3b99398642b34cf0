// Package report reads the result files of stilt-mpi's SLURM scaling runs
// (one JSON per job size, written by `stilt-mpi bench record` at the end of
// each bench job) and turns them into a table and an efficiency plot.
//
// Runner contract (optional): the bench job exports STILT_STATS_FILE; if the
// runner writes a JSON object there with any of the keys "simulations"
// (completed), "failed" and "idle_fraction" (0..1, time ranks waited for
// work), they are copied into the record. Without it the record has no
// simulation count and speedup falls back to wall-time ratios.
package report
