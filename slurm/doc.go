// Package slurm turns a stilt-mpi run into SLURM batch jobs and follows them:
// it generates deterministic sbatch scripts from Options (modes mpi, array and
// bench), submits them with sbatch and reports job (and job array) state from
// squeue, falling back to scontrol.
//
// The generated scripts forward the time-limit signal (--signal=B:TERM@grace)
// from the batch shell to the job steps with `scancel --signal=TERM`, because
// killing srun itself with TERM makes srun abort the step with SIGKILL and the
// runner would get no chance to checkpoint.
//
// Environment the scripts give the runner (`stilt-mpi run`):
//
//	STILT_SCRATCH     node-local scratch directory (created on the batch node
//	                  only; ranks on other nodes must create it themselves)
//	STILT_OUTPUT_DIR  bench mode: a fresh output directory per job size, so
//	                  that one size does not skip the work of another
//	STILT_STATS_FILE  bench mode: where the runner may write
//	                  {"simulations": N, "failed": F, "idle_fraction": x}
//	                  for the bench record (see bench/report)
//
// Array mode expects `stilt-mpi run RUN.toml --shard I/K` and
// `stilt-mpi merge RUN.toml`; bench mode calls `stilt-mpi bench record`.
package slurm
