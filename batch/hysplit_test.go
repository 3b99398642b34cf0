package batch

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/footprint"
	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/particle"
)

// TestHysplitEngineEndToEnd runs receptor A of shared/hysplit through the
// whole simulation path with NOAA's hycs_std (STILT_HYSPLIT_DIR: a folder
// with exec/hycs_std and bdyfiles/), twice: same seed, same particles; the
// stored footprint equals the footprint computed from the exported
// trajectory.
func TestHysplitEngineEndToEnd(t *testing.T) {
	cfg, specs := hysplitProject(t, "n_hours = -3\nnumpar = 100", "")
	id := specs[0].ID
	var grids [2]*footprint.Grid
	var tabs [2]*particle.Table
	for k := 0; k < 2; k++ {
		r, err := NewRunner(cfg, specs, filepath.Join(cfg.Dir, "scratch"), "test")
		if err != nil {
			t.Fatal(err)
		}
		res := r.Simulate(context.Background(), id)
		if res.Status != StatusComplete {
			t.Fatalf("run %d: %s %s %s", k, res.Status, res.ErrClass, res.ErrMsg)
		}
		if res.Engine != "hysplit" || res.Particles != 100 {
			t.Errorf("engine %s, particles %d", res.Engine, res.Particles)
		}
		g := new(footprint.Grid)
		if err := g.UnmarshalBinary(res.Outputs["slc"]); err != nil {
			t.Fatal(err)
		}
		grids[k] = g
		if tabs[k], err = particle.ReadParquet(filepath.Join(cfg.OutputDir(), "simulations", id, id+"_traj.parquet")); err != nil {
			t.Fatal(err)
		}
	}
	// KRAND=1 with the derived SEED: identical particles and footprints
	if tabs[0].Len() != tabs[1].Len() {
		t.Fatalf("rows %d vs %d", tabs[0].Len(), tabs[1].Len())
	}
	for _, name := range tabs[0].Names() {
		a, b := tabs[0].Col(name), tabs[1].Col(name)
		for i := range a {
			if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
				t.Fatalf("%s[%d]: %v vs %v: same seed, different particles", name, i, a[i], b[i])
			}
		}
	}
	// the stored footprint is the footprint of the exported particles
	fc := footprint.DefaultConfig()
	fc.Xmin, fc.Xmax, fc.Ymin, fc.Ymax, fc.Xres, fc.Yres = -112.3, -111.52, 40.39, 40.95, 0.01, 0.01
	fc.ReceptorTime = specs[0].Receptor.Time
	want, err := footprint.Compute(tabs[0], fc)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Data) != len(grids[0].Data) || want.NonZero() == 0 {
		t.Fatalf("cells %d vs %d, non-zero %d", len(want.Data), len(grids[0].Data), want.NonZero())
	}
	for i := range want.Data {
		if want.Data[i] != grids[0].Data[i] || grids[1].Data[i] != grids[0].Data[i] {
			t.Fatalf("cell %d: stored %g, recomputed %g, second run %g", i, grids[0].Data[i], want.Data[i], grids[1].Data[i])
		}
	}
}

// TestHysplitErrorPass: with a transport-error group configured, hycs_std
// runs a second (error) pass; its footprint is stored as <name>_error and its
// particles as <sim_id>_error.parquet.
func TestHysplitErrorPass(t *testing.T) {
	cfg, specs := hysplitProject(t, "n_hours = -2\nnumpar = 50\nsiguverr = 1.0\ntluverr = 60\nzcoruverr = 100\nhorcoruverr = 5", "time_integrate = true")
	r, err := NewRunner(cfg, specs, filepath.Join(cfg.Dir, "scratch"), "test")
	if err != nil {
		t.Fatal(err)
	}
	id := specs[0].ID
	res := r.Simulate(context.Background(), id)
	if res.Status != StatusComplete || res.ErrMsg != "" {
		t.Fatalf("%s %s %s", res.Status, res.ErrClass, res.ErrMsg)
	}
	if res.Outputs["slc"] == nil || res.Outputs["slc_error"] == nil {
		t.Fatalf("outputs %v", len(res.Outputs))
	}
	main, errT := new(footprint.Grid), new(footprint.Grid)
	if err := main.UnmarshalBinary(res.Outputs["slc"]); err != nil {
		t.Fatal(err)
	}
	if err := errT.UnmarshalBinary(res.Outputs["slc_error"]); err != nil {
		t.Fatal(err)
	}
	same := true
	for i := range main.Data {
		if main.Data[i] != errT.Data[i] {
			same = false
		}
	}
	if same {
		t.Error("error-pass footprint equals the main footprint: the wind errors had no effect")
	}
	et, err := particle.ReadParquet(filepath.Join(cfg.OutputDir(), "simulations", id, id+"_error.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if et.Len() == 0 || et.Meta[particle.MetaIsError] != "true" {
		t.Errorf("error trajectory: %d rows, is_error %q", et.Len(), et.Meta[particle.MetaIsError])
	}
}

// hysplitProject writes receptor A of shared/hysplit and a run.toml for the
// hysplit engine (HYSPLIT install from STILT_HYSPLIT_DIR, met from
// shared/met) with the given [params] and footprint lines, and loads it with
// its plan. It skips, saying why, when no HYSPLIT install is configured.
func hysplitProject(t *testing.T, params, footprint string) (*config.Config, []SimSpec) {
	t.Helper()
	hdir := os.Getenv("STILT_HYSPLIT_DIR")
	if hdir == "" {
		t.Skip("STILT_HYSPLIT_DIR is not set: no HYSPLIT install to run hycs_std (NOAA's binary is never bundled)")
	}
	metDir := testenv.Shared(t, "met")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "receptors.csv"), []byte("time,latitude,longitude,altitude\n2019-05-30 11:00:00,40.766,-111.848,5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	toml := `[project]
name = "a"
output_dir = "out"
seed = 11
[receptors]
path = "receptors.csv"
[met.hrrr]
directory = "` + metDir + `"
file_format = "%Y%m%d_%H"
file_tres = "6h"
[transport]
engine = "hysplit"
hysplit_dir = "` + hdir + `"
[params]
` + params + `
[footprints.slc]
xmin = -112.3
xmax = -111.52
ymin = 40.39
ymax = 40.95
xres = 0.01
` + footprint + `
[output]
trajectories = true
`
	path := filepath.Join(dir, "run.toml")
	if err := os.WriteFile(path, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	specs, err := Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, specs
}
