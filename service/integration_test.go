package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/met"
	"github.com/stilt-mpi/stilt-mpi/registry"
	"github.com/stilt-mpi/stilt-mpi/registry/pgtest"
)

// selfWorld is a test double for a one-rank MPI world (rank 0 computes
// everything; no messages are exchanged).
type selfWorld struct{}

func (selfWorld) Rank() int                            { return 0 }
func (selfWorld) Size() int                            { return 1 }
func (selfWorld) Send(buf []byte, dest, tag int) error { return errors.New("selfWorld: no other rank") }
func (selfWorld) Recv(src, tag int) ([]byte, int, int, error) {
	return nil, 0, 0, errors.New("selfWorld: no other rank")
}
func (selfWorld) Iprobe() (bool, error)                      { return false, nil }
func (selfWorld) Bcast(buf []byte, root int) ([]byte, error) { return buf, nil }

// demoProject copies the demo configuration and receptors into a fresh
// directory with synthetic met (demo-met), appending extra TOML to run.toml.
func demoProject(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"demo.run.toml", "receptors.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "examples", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "demo.run.toml" {
			b = append(b, extra...)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := met.Synth(filepath.Join(dir, "demo-met"), met.SynthSpec{}); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "demo.run.toml")
}

// TestPullWorkersMatchRun: the demo project run by `run` (one rank, SQLite)
// and by two concurrent pull workers (PostgreSQL) gives the same stored
// footprints (SHA-256) and a byte-identical scene file.
func TestPullWorkersMatchRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 8 native simulations; skipped with -short")
	}
	url := pgtest.URL(t)
	ctx := context.Background()
	t.Setenv("TMPDIR", t.TempDir())

	runCfg := demoProject(t, "")
	if err := batch.Run(ctx, selfWorld{}, runCfg, batch.RunOptions{Log: io.Discard}); err != nil {
		t.Fatal(err)
	}
	cfgA, _ := batch.LoadConfig(runCfg)
	ref, err := registry.OpenReadOnly(cfgA.RegistryPath())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()

	pullCfg := demoProject(t, fmt.Sprintf("\n[registry]\nurl = %q\n", url))
	cfgB, err := batch.LoadConfig(pullCfg)
	if err != nil {
		t.Fatal(err)
	}
	q := openQueue(t, url, registry.PostgresOptions{})
	if rep, err := Register(ctx, q, cfgB, ""); err != nil || rep.Inserted != 4 {
		t.Fatalf("register: %+v %v", rep, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[w] = RunWorker(ctx, cfgB, WorkerConfig{RegistryURL: url, Options: Options{WorkerID: fmt.Sprintf("w%d", w)}})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	specs, _ := batch.Plan(cfgB)
	for _, s := range specs {
		a, errA := ref.LoadBlobs(ctx, s.ID)
		b, errB := q.LoadBlobs(ctx, s.ID)
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v / %v", s.ID, errA, errB)
		}
		if len(a) != len(b) || len(a) == 0 {
			ga, _ := ref.Get(ctx, s.ID)
			gb, _ := q.Get(ctx, s.ID)
			t.Logf("run: %s %s %s; pull: %s %s %s", ga.Status, ga.ErrorClass, ga.ErrorMessage, gb.Status, gb.ErrorClass, gb.ErrorMessage)
			t.Fatalf("%s: %d blobs from run, %d from pull workers", s.ID, len(a), len(b))
		}
		for i := range a {
			if a[i].Name != b[i].Name || a[i].SHA256 != b[i].SHA256 {
				t.Errorf("%s blob %s: run %s, pull workers %s", s.ID, a[i].Name, a[i].SHA256, b[i].SHA256)
			}
		}
	}
	for _, fp := range cfgB.Footprints() {
		pa, pb := batch.ScenePath(cfgA, batch.DefaultScene, fp.Name), batch.ScenePath(cfgB, batch.DefaultScene, fp.Name)
		a, errA := os.ReadFile(pa)
		b, errB := os.ReadFile(pb)
		if errA != nil || errB != nil {
			t.Fatalf("scene files: %v / %v", errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("scene file %s differs from the run's %s", pb, pa)
		}
	}
	c, _ := q.Counts(ctx)
	if c.ByStatus[registry.StatusComplete] != 4 {
		t.Fatalf("counts %+v", c.ByStatus)
	}
}

// TestSceneWriteFailureFailsWorker: when the scene file cannot be written
// (here a regular file stands where the scenes directory goes), the worker
// commits every simulation but exits with an error that says how to rebuild
// the scene files; `export` then rebuilds them from the registry.
func TestSceneWriteFailureFailsWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 4 native simulations; skipped with -short")
	}
	url := pgtest.URL(t)
	ctx := context.Background()
	t.Setenv("TMPDIR", t.TempDir())
	cfg, err := batch.LoadConfig(demoProject(t, fmt.Sprintf("\n[registry]\nurl = %q\n", url)))
	if err != nil {
		t.Fatal(err)
	}
	scenes := filepath.Join(cfg.OutputDir(), "scenes")
	if err := os.MkdirAll(cfg.OutputDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(scenes, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	q := openQueue(t, url, registry.PostgresOptions{})
	if rep, err := Register(ctx, q, cfg, ""); err != nil || rep.Inserted != 4 {
		t.Fatalf("register: %+v %v", rep, err)
	}
	var log strings.Builder
	rep, err := RunWorker(ctx, cfg, WorkerConfig{RegistryURL: url, Options: Options{WorkerID: "w0", Log: &log}})
	if err == nil || !strings.Contains(err.Error(), "stilt-mpi export") {
		t.Fatalf("worker error %v, want one naming `stilt-mpi export`\n%s", err, log.String())
	}
	if rep.Complete != 4 || rep.HookFailed == 0 {
		t.Fatalf("report %+v", rep)
	}
	if c, _ := q.Counts(ctx); c.ByStatus[registry.StatusComplete] != 4 {
		t.Fatalf("counts %+v: the results must stay committed", c.ByStatus)
	}
	os.Remove(scenes)
	if err := batch.Export(ctx, cfg, q, "", false, io.Discard); err != nil {
		t.Fatalf("export: %v", err)
	}
	for _, fp := range cfg.Footprints() {
		if _, err := os.Stat(batch.ScenePath(cfg, batch.DefaultScene, fp.Name)); err != nil {
			t.Errorf("export did not rebuild the scene file: %v", err)
		}
	}
}
