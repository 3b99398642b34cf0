package main

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/registry"
	"github.com/stilt-mpi/stilt-mpi/service"
)

func init() {
	var scene, regURL string
	register := &cobra.Command{
		Use:   "register RUN.toml",
		Short: "register the receptors' simulations as pending in the registry (idempotent; PostgreSQL or SQLite)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := batch.LoadConfig(args[0])
			if err != nil {
				return asExit(err)
			}
			ctx := context.Background()
			store, err := registry.OpenURL(ctx, service.RegistryURL(cfg, regURL))
			if err != nil {
				return err
			}
			defer store.Close()
			rep, err := service.Register(ctx, store, cfg, scene)
			if err != nil {
				return asExit(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "registered %d new simulations (%d already registered, %d duplicates in the receptor file)\n",
				rep.Inserted, len(rep.Existing), len(rep.Duplicates))
			return nil
		},
	}
	register.Flags().StringVar(&scene, "scene", "", "scene id for every simulation (overrides [scenes])")
	register.Flags().StringVar(&regURL, "registry-url", "", "registry URL (default $"+service.EnvRegistryURL+", else [registry] url/path)")
	rootCmd.AddCommand(register)

	for _, follow := range []bool{false, true} {
		var wc service.WorkerConfig
		var regURL string
		use, short := "pull-worker RUN.toml", "claim and run pending simulations from a PostgreSQL registry until none is pending or running"
		if follow {
			use, short = "serve RUN.toml", "long-lived pull worker: wait for new simulations (back-off 1 s..60 s); SIGTERM hands in-flight work back"
		}
		c := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  exactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				cfg, err := batch.LoadConfig(args[0])
				if err != nil {
					return asExit(err)
				}
				if wc.Batch < 1 || wc.Lease <= 0 || wc.MaxAttempts < 1 {
					return badInput(fmt.Errorf("--batch, --lease and --max-attempts must be positive"))
				}
				ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
				defer stop()
				wc.Follow = follow
				wc.RegistryURL = service.RegistryURL(cfg, regURL)
				wc.Version = version
				wc.Log = cmd.ErrOrStderr()
				_, err = service.RunWorker(ctx, cfg, wc)
				return asExit(err)
			},
		}
		f := c.Flags()
		f.StringVar(&regURL, "registry-url", "", "registry URL (default $"+service.EnvRegistryURL+", else [registry] url)")
		f.IntVar(&wc.Batch, "batch", 1, "simulations claimed at a time")
		f.DurationVar(&wc.Lease, "lease", 2*time.Minute, "claim lease, renewed every lease/3 while running")
		f.IntVar(&wc.MaxAttempts, "max-attempts", 3, "claims per simulation before a lost or interrupted one is marked failed")
		f.StringVar(&wc.WorkerID, "worker-id", "", "worker id (default: this worker's run id)")
		f.BoolVar(&wc.Register, "register", false, "register the receptors' simulations first (idempotent)")
		if follow {
			f.DurationVar(&wc.IdleMax, "max-idle", 60*time.Second, "longest wait between polls of an empty queue")
		}
		rootCmd.AddCommand(c)
	}
}
