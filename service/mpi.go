package service

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/registry"
)

// RunMPI is `stilt-mpi run` with a PostgreSQL registry ([registry] url): the
// ranks of an MPI job drain the shared queue instead of receiving a static
// set from rank 0, so several jobs (and pull workers) can work on one batch
// at once. Rank 0 registers the simulations first (idempotent); then every
// rank claims, runs and records simulations with leases, exactly as a pull
// worker does, until none is left.
func RunMPI(ctx context.Context, w batch.World, cfg *config.Config, version string, log io.Writer) (Report, error) {
	url := RegistryURL(cfg, "")
	regErr := ""
	if w.Rank() == 0 {
		if err := registerOnce(ctx, cfg, url); err != nil {
			regErr = err.Error()
		}
	}
	// every rank learns whether registration worked before claiming
	b, err := w.Bcast([]byte(regErr), 0)
	if err != nil {
		return Report{}, err
	}
	if len(b) > 0 {
		return Report{}, batch.PlanError{Err: fmt.Errorf("registering %s: %s", cfg.Path, b)}
	}
	host, _ := os.Hostname()
	opts := Options{WorkerID: fmt.Sprintf("%s-rank%d-%d", host, w.Rank(), os.Getpid())}
	if w.Rank() == 0 {
		opts.Log = log
	}
	return RunWorker(ctx, cfg, WorkerConfig{RegistryURL: url, Version: version, Options: opts})
}

func registerOnce(ctx context.Context, cfg *config.Config, url string) error {
	store, err := registry.OpenURL(ctx, url)
	if err != nil {
		return err
	}
	defer store.Close()
	_, err = Register(ctx, store, cfg, "")
	return err
}
