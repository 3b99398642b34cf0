// Package slurm turns a stilt-mpi run into SLURM batch jobs and follows them:
// it generates deterministic sbatch scripts from Options (modes mpi, array and
// bench), submits them with sbatch and reports job (and job array) state from
// squeue, falling back to scontrol.
//
// The generated scripts forward the time-limit signal (--signal=B:TERM@grace)
// from the batch shell to the job steps with `scancel --signal=TERM`, because
// killing srun itself with TERM makes srun abort the step with SIGKILL and the
// runner would get no chance to checkpoint.
package slurm
