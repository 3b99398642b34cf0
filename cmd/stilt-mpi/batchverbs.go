package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/registry"
	"github.com/stilt-mpi/stilt-mpi/service"
)

// asExit maps batch errors onto the CLI's exit codes.
func asExit(err error) error {
	var bad batch.BadInputError
	if errors.As(err, &bad) {
		return badInput(err)
	}
	return err
}

func init() {
	var jsonOut, failed bool
	status := &cobra.Command{
		Use:   "status RUN.toml",
		Short: "counts by status and scene, failures grouped by error class (safe during a run)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := batch.LoadConfig(args[0])
			if err != nil {
				return asExit(err)
			}
			ctx := context.Background()
			store, err := openRunRegistry(ctx, cfg)
			if err != nil {
				writeSlurmStatus(cmd.OutOrStdout(), cfg.OutputDir()) // a pending job has no registry yet
				return err
			}
			defer store.Close()
			counts, err := store.Counts(ctx)
			if err != nil {
				return err
			}
			fails, err := store.Failures(ctx)
			if err != nil {
				return err
			}
			if failed && !jsonOut {
				for _, g := range fails {
					fmt.Fprintf(cmd.OutOrStdout(), "%s (%d): %s\n", g.Class, g.Count, g.Example)
					for _, id := range g.SimIDs {
						fmt.Fprintf(cmd.OutOrStdout(), "  %s\n", id)
					}
				}
				return nil
			}
			if jsonOut {
				jobs, err := slurmStatusJSON(cfg.OutputDir())
				if err != nil {
					jobs = nil
				}
				if fails == nil {
					fails = []registry.FailureGroup{}
				}
				out := map[string]any{"counts": counts, "failures": fails, "slurm": jobs}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			if err := registry.FormatStatus(cmd.OutOrStdout(), counts, fails, false); err != nil {
				return err
			}
			writeSlurmStatus(cmd.OutOrStdout(), cfg.OutputDir())
			return nil
		},
	}
	status.Flags().BoolVar(&jsonOut, "json", false, "machine-readable output")
	status.Flags().BoolVar(&failed, "failed", false, "list failed simulations by error class")
	rootCmd.AddCommand(status)

	rootCmd.AddCommand(&cobra.Command{
		Use:   "merge RUN.toml",
		Short: "fold the shard registries of a job array into the main registry and write finished scenes",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := batch.LoadConfig(args[0])
			if err != nil {
				return asExit(err)
			}
			return asExit(batch.Merge(context.Background(), cfg, cmd.ErrOrStderr()))
		},
	})

	var scene string
	var perSim bool
	export := &cobra.Command{
		Use:   "export RUN.toml",
		Short: "rebuild scene NetCDF files from the registry (and R-STILT-style per-simulation files)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := batch.LoadConfig(args[0])
			if err != nil {
				return asExit(err)
			}
			ctx := context.Background()
			store, err := openRunRegistry(ctx, cfg)
			if err != nil {
				return err
			}
			defer store.Close()
			return asExit(batch.Export(ctx, cfg, store, scene, perSim, cmd.ErrOrStderr()))
		},
	}
	export.Flags().StringVar(&scene, "scene", "", "only this scene")
	export.Flags().BoolVar(&perSim, "per-simulation", false, "also write <sim_id>_foot.nc per simulation")
	rootCmd.AddCommand(export)

	var simID, workdir string
	var dry bool
	simulate := &cobra.Command{
		Use:   "simulate RUN.toml --sim-id ID",
		Short: "run one simulation end to end (met, transport, footprints) into a work directory",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if simID == "" {
				return badInput(fmt.Errorf("--sim-id is required"))
			}
			cfg, err := batch.LoadConfig(args[0])
			if err != nil {
				return asExit(err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			res, err := batch.SimulateOne(ctx, cfg, simID, workdir, dry, cmd.ErrOrStderr())
			if err != nil {
				return asExit(err)
			}
			if res.Status == batch.StatusFailed {
				return fmt.Errorf("%s failed: %s: %s", simID, res.ErrClass, res.ErrMsg)
			}
			return nil
		},
	}
	simulate.Flags().StringVar(&simID, "sim-id", "", "simulation id (met_YYYYMMDDHHMM_location)")
	simulate.Flags().StringVar(&workdir, "workdir", "", "directory for the run and its outputs (default <output>/simulations/<sim_id>)")
	simulate.Flags().BoolVar(&dry, "dry-run", false, "stop after writing the run directory")
	rootCmd.AddCommand(simulate)
	_ = os.Stderr
}

// openRunRegistry opens the registry of a run for reading: its PostgreSQL
// registry in service mode ($STILT_REGISTRY_URL or
// [registry] url, resolved as the workers do), else the SQLite file,
// read-only (safe while the run writes). The error names the registry.
func openRunRegistry(ctx context.Context, cfg *config.Config) (registry.Store, error) {
	url := service.RegistryURL(cfg, "")
	path, isFile := strings.CutPrefix(url, "sqlite://")
	if !isFile {
		path, isFile = strings.CutPrefix(url, "file:")
	}
	if !isFile {
		return registry.OpenURL(ctx, url) // its errors name the URL, without password
	}
	store, err := registry.OpenReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (has `stilt-mpi run` been started?)", path, err)
	}
	return store, nil
}
