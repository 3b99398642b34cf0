package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/mpi"
	"github.com/stilt-mpi/stilt-mpi/service"
)

func init() {
	var opt batch.RunOptions
	cmd := &cobra.Command{
		Use:   "run RUN.toml",
		Short: "run every pending simulation of a batch (under mpirun/srun, or as one process)",
		Long: `run reads the receptors and the registry on rank 0, hands blocks of pending
simulations to every rank, commits each result to the registry as it arrives
and writes one NetCDF file per finished scene. Complete simulations are
skipped (--no-skip recomputes them); a rerun after a crash or SIGTERM resumes.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			comm, err := mpi.Init(mpi.ThreadFunneled)
			if err != nil {
				return err
			}
			rankProcs() // the ranks of a node share its cores
			opt.Version = version
			opt.Log = os.Stderr
			world := batch.MPIWorld{C: comm}
			if cfg, cerr := config.Load(args[0]); cerr == nil && cfg.Registry.URL != "" {
				// PostgreSQL registry: the ranks drain the shared queue
				var rep service.Report
				rep, err = service.RunMPI(ctx, world, cfg, version, os.Stderr)
				if err == nil {
					fmt.Fprintf(os.Stderr, "rank %d: %d claimed, %d complete, %d failed, %d handed back\n", comm.Rank(), rep.Claimed, rep.Complete, rep.Failed, rep.Interrupted)
				}
			} else {
				err = batch.Run(ctx, world, args[0], opt)
			}
			var bad batch.BadInputError
			var planErr batch.PlanError
			if err != nil && comm.Size() > 1 && !errors.As(err, &planErr) && !errors.Is(err, batch.ErrInterrupted) {
				// a failed rank must not leave the others waiting
				os.Stderr.WriteString("stilt-mpi: rank error: " + err.Error() + "\n")
				code := 1
				if errors.As(err, &bad) {
					code = 2
				}
				comm.Abort(code)
			}
			if ferr := comm.Finalize(); err == nil && ferr != nil {
				err = ferr
			}
			if errors.Is(err, batch.ErrInterrupted) {
				// a clean stop (SIGTERM: time limit, scancel): every rank
				// exits 0 so that the launcher does not abort the job; the
				// log says what is left and that a rerun resumes
				return nil
			}
			if errors.As(err, &bad) {
				return badInput(err)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&opt.NoSkip, "no-skip", false, "recompute simulations that are already complete")
	cmd.Flags().StringVar(&opt.Shard, "shard", "", "run only shard i of K (i/K; SLURM job arrays), with its own registry file")
	rootCmd.AddCommand(cmd)
}
