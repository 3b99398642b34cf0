package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/registry"
)

// EnvRegistryURL names the environment variable that overrides [registry]
// url (Kubernetes passes the secret's URL this way).
const EnvRegistryURL = "STILT_REGISTRY_URL"

// RegistryURL returns the registry URL a worker uses: flag, else
// $STILT_REGISTRY_URL, else [registry] url, else the SQLite path as
// sqlite://PATH.
func RegistryURL(cfg *config.Config, flag string) string {
	switch {
	case flag != "":
		return flag
	case os.Getenv(EnvRegistryURL) != "":
		return os.Getenv(EnvRegistryURL)
	case cfg.Registry.URL != "":
		return cfg.Registry.URL
	}
	return "sqlite://" + cfg.RegistryPath()
}

// WorkerConfig configures RunWorker.
type WorkerConfig struct {
	RegistryURL string // see RegistryURL; must be PostgreSQL
	Follow      bool   // Serve instead of Drain
	Register    bool   // register cfg's simulations first (idempotent)
	MaxAttempts int    // claims per simulation before it fails (default 3)
	Version     string // recorded in the run row
	Options            // worker options; WorkerID and RunID default to the run id
}

// RunWorker is `stilt-mpi pull-worker` / `serve`: it opens the queue,
// begins a run (one row per worker process), builds the simulation runner
// for cfg with a private scratch directory, and drains or serves until done
// or ctx is cancelled. The run ends complete, or interrupted when ctx was
// cancelled.
func RunWorker(ctx context.Context, cfg *config.Config, wc WorkerConfig) (Report, error) {
	if wc.Log == nil {
		wc.Log = io.Discard
	}
	o := registry.DefaultPostgresOptions()
	if wc.MaxAttempts > 0 {
		o.MaxAttempts = wc.MaxAttempts
	}
	url := wc.RegistryURL
	if url == "" {
		url = RegistryURL(cfg, "")
	}
	if !isPG(url) {
		return Report{}, batch.BadInputError{Err: fmt.Errorf("%s: %w", cfg.Path, errNeedPG)}
	}
	q, err := registry.OpenPostgresWith(ctx, url, o)
	if err != nil {
		return Report{}, err
	}
	defer q.Close()
	specs, err := batch.Plan(cfg)
	if err != nil {
		return Report{}, batch.BadInputError{Err: err}
	}
	if wc.Register {
		if _, err := Register(ctx, q, cfg, ""); err != nil {
			return Report{}, err
		}
	}
	if wc.Host == "" {
		wc.Host, _ = os.Hostname()
	}
	run, err := q.BeginRun(ctx, registry.RunInfo{Ranks: 1, ConfigHash: cfg.Hash(), Version: wc.Version, Host: wc.Host})
	if err != nil {
		return Report{}, err
	}
	if wc.WorkerID == "" {
		wc.WorkerID = run.ID
	}
	if wc.RunID == "" {
		wc.RunID = run.ID
	}
	scratch := filepath.Join(cfg.ScratchDir(), "stilt-mpi-"+strconv.Itoa(os.Getuid()), "worker-"+run.ID)
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		q.EndRun(context.WithoutCancel(ctx), run.ID, registry.RunFailed)
		return Report{}, fmt.Errorf("worker scratch %s: %w", scratch, err)
	}
	defer os.RemoveAll(scratch)
	runFn, err := BatchRunFunc(cfg, specs, scratch, wc.Host, run.ID)
	if err != nil {
		q.EndRun(context.WithoutCancel(ctx), run.ID, registry.RunFailed)
		return Report{}, err
	}
	if wc.OnCommitted == nil {
		wc.OnCommitted = SceneWriter(cfg, q, specs)
	}
	fmt.Fprintf(wc.Log, "worker %s (run %s) on %s: %s\n", wc.WorkerID, run.ID, wc.Host, q.URL())
	var rep Report
	if wc.Follow {
		rep, err = Serve(ctx, q, runFn, wc.Options)
	} else {
		rep, err = Drain(ctx, q, runFn, wc.Options)
	}
	if err == nil && rep.HookFailed > 0 {
		// every result is committed, but an output the run promises is
		// missing: not a clean exit
		err = fmt.Errorf("worker %s: %d scene file write(s) failed (logged above); every result is in the registry: rebuild the scene files with `stilt-mpi export %s`",
			wc.WorkerID, rep.HookFailed, cfg.Path)
	}
	status := registry.RunComplete
	switch {
	case err != nil:
		status = registry.RunFailed
	case ctx.Err() != nil:
		status = registry.RunInterrupted
	}
	if eerr := q.EndRun(context.WithoutCancel(ctx), run.ID, status); eerr != nil && err == nil {
		err = eerr
	}
	fmt.Fprintf(wc.Log, "worker %s: %s: claimed %d, complete %d, failed %d, handed back %d, lease lost %d\n",
		wc.WorkerID, status, rep.Claimed, rep.Complete, rep.Failed, rep.Interrupted, rep.LeaseLost)
	return rep, err
}

var errNeedPG = errors.New(`service mode needs a PostgreSQL registry: set [registry] url = "postgres://..." or $` + EnvRegistryURL)

func isPG(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}
