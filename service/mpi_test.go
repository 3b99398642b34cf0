package service

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/registry"
	"github.com/stilt-mpi/stilt-mpi/registry/pgtest"
)

// TestMPIRunDrainsQueue: `mpirun -n 2 stilt-mpi run` with [registry] url
// (PostgreSQL) registers the demo batch once and both ranks claim from the
// queue: every simulation completes exactly once and the scene file is
// written.
func TestMPIRunDrainsQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs mpirun; skipped with -short")
	}
	if _, err := exec.LookPath("mpirun"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mpirun missing in CI")
		}
		t.Skip("mpirun not installed")
	}
	url := pgtest.URL(t)
	bin := filepath.Join(t.TempDir(), "stilt-mpi")
	if out, err := exec.Command("go", "build", "-tags", "libsqlite3", "-o", bin, "../cmd/stilt-mpi").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cfgPath := demoProject(t, fmt.Sprintf("\n[registry]\nurl = %q\n", url))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mpirun", "-n", "2", "--oversubscribe", bin, "run", cfgPath)
	cmd.Env = append(os.Environ(), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", "OMPI_MCA_mpi_yield_when_idle=1", "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mpirun: %v\n%s", err, out)
	}
	cfg, err := batch.LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := registry.OpenURL(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	specs, _ := batch.Plan(cfg)
	for _, s := range specs {
		sim, err := store.Get(context.Background(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sim.Status != registry.StatusComplete || sim.Attempts != 1 {
			t.Errorf("%s: %s after %d attempts\n%s", s.ID, sim.Status, sim.Attempts, out)
		}
	}
	for _, fp := range cfg.Footprints() {
		if _, err := os.Stat(batch.ScenePath(cfg, batch.DefaultScene, fp.Name)); err != nil {
			t.Errorf("scene file: %v\n%s", err, out)
		}
	}
	// a second run finds nothing to do and changes nothing
	re := exec.CommandContext(ctx, "mpirun", "-n", "2", "--oversubscribe", bin, "run", cfgPath)
	re.Env = cmd.Env
	out2, err := re.CombinedOutput()
	if err != nil {
		t.Fatalf("rerun: %v\n%s", err, out2)
	}
	c, _ := store.Counts(context.Background())
	if c.ByStatus[registry.StatusComplete] != len(specs) {
		t.Errorf("after rerun: %+v", c.ByStatus)
	}

	// `status` and `export` read the PostgreSQL registry named in run.toml:
	// export rebuilds a lost scene file byte for byte
	st, err := exec.CommandContext(ctx, bin, "status", cfgPath).CombinedOutput()
	if err != nil || !strings.Contains(string(st), "complete") {
		t.Errorf("status: %v\n%s", err, st)
	}
	scene := batch.ScenePath(cfg, batch.DefaultScene, cfg.Footprints()[0].Name)
	before, err := os.ReadFile(scene)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(scene)
	if ex, err := exec.CommandContext(ctx, bin, "export", cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, ex)
	}
	if after, err := os.ReadFile(scene); err != nil || !bytes.Equal(before, after) {
		t.Errorf("export rebuilt %s: %v; byte-identical: %v", scene, err, bytes.Equal(before, after))
	}
}
