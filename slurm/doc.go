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
//
// Job record and status: `stilt-mpi slurm --submit` appends what it
// submitted (mode, job ids, scripts, the dependency of the merge job) to
// <output>/slurm/jobs.json (RecordSubmission, Submissions); StatusLines and
// Client.JobReports report the state of the latest submission's jobs for
// `stilt-mpi status`. SLURM forgets finished jobs after MinJobAge (no
// accounting on the test cluster), so an old job shows "state unknown".
//
// Verified on a single-node SLURM 22.05.8 with the real `stilt-mpi run` on a
// 10-receptor synthetic batch (integration test, package slurm):
//
//   - `srun -n 2 --mpi=pmix stilt-mpi run` is one MPI world of 2 ranks and
//     completes the registry;
//   - the generated mpi script (`stilt-mpi slurm --submit --wait`) completes
//     it, with the script running the submitting executable;
//   - a 3-task array plus its afterany merge job gives the same registry
//     (status and blob sha256 per simulation) and the same scene files
//     (ncdump foot and sim_id values) as a single run;
//   - a job stopped part-way by `scancel --signal=TERM`, by plain `scancel`
//     or by TERM to the batch shell (the time-limit path, forwarded by the
//     script's trap) is resumed by a resubmission: every simulation ends
//     complete and those finished before the stop keep finished_at, run id
//     and blobs.
package slurm
