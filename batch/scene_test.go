package batch

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/footprint"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// testSceneMembers: three complete receptors on one grid and a failed one.
func testSceneMembers(t *testing.T) ([]SceneMember, gridDef) {
	t.Helper()
	rt := time.Date(2019, 5, 30, 11, 0, 0, 0, time.UTC)
	var members []SceneMember
	var gd gridDef
	for i, lon := range []float64{-111.8, -111.9, -112.0} {
		tab := footprint.Synthetic(50, 120, lon, 40.7, 0.002, uint64(i+1))
		cfg := footprint.DefaultConfig()
		cfg.Xmin, cfg.Xmax, cfg.Ymin, cfg.Ymax, cfg.Xres, cfg.Yres = -112.5, -111.5, 40.2, 41.2, 0.02, 0.02
		cfg.ReceptorTime = rt.Add(time.Duration(i) * time.Hour)
		g, err := footprint.Compute(tab, cfg)
		if err != nil {
			t.Fatal(err)
		}
		gd = gridDefOf(g)
		r := receptor.FromPoints(cfg.ReceptorTime, []float64{lon}, []float64{40.7}, []float64{5}, false)
		members = append(members, SceneMember{Spec: SimSpec{ID: "m" + string(rune('a'+i)), Receptor: r}, Status: StatusComplete, Grid: g})
	}
	// a failed member has no grid and must read back as zeros
	r := receptor.FromPoints(rt, []float64{-112.1}, []float64{40.5}, []float64{10}, false)
	members = append(members, SceneMember{Spec: SimSpec{ID: "failed", Receptor: r}, Status: StatusFailed, Error: "MISSING_MET_FILES x"})
	return members, gd
}

func TestSceneRoundTrip(t *testing.T) {
	members, gd := testSceneMembers(t)
	path := filepath.Join(t.TempDir(), "s.nc")
	if err := WriteScene(path, "s", "fp", gd, members); err != nil {
		t.Fatal(err)
	}
	if !IsScene(path) {
		t.Fatal("IsScene false")
	}
	sc, err := ReadScene(path)
	if err != nil {
		t.Fatal(err)
	}
	if sc.NR() != 4 || sc.SimIDs[3] != "failed" || sc.Status[3] != StatusFailed {
		t.Fatalf("receptors %v status %v", sc.SimIDs, sc.Status)
	}
	for i, m := range members[:3] {
		got, err := sc.Grid(i, -1)
		if err != nil {
			t.Fatal(err)
		}
		want := m.Grid.Integrate()
		for k := range want.Data {
			if math.Abs(got.Data[k]-want.Data[k]) > 1e-15*math.Abs(want.Data[k]) {
				t.Fatalf("receptor %d cell %d: %g want %g", i, k, got.Data[k], want.Data[k])
			}
		}
		// every layer lands at its hours-back index
		for li, l := range m.Grid.Layers {
			idx := -1
			for j, hb := range sc.Layers {
				if hb == -l {
					idx = j
				}
			}
			if idx < 0 {
				t.Fatalf("layer %d missing from %v", l, sc.Layers)
			}
			gl, _ := sc.Grid(i, idx)
			for k, v := range m.Grid.Layer(li) {
				if gl.Data[k] != v {
					t.Fatalf("receptor %d layer %d cell %d: %g want %g", i, l, k, gl.Data[k], v)
				}
			}
		}
	}
	g4, _ := sc.Grid(3, -1)
	for _, v := range g4.Data {
		if v != 0 {
			t.Fatal("failed receptor has non-zero cells")
		}
	}
	if out, err := exec.Command("ncdump", "-h", path).CombinedOutput(); err == nil {
		for _, want := range []string{"foot(receptor, layer, lat, lon)", `:Conventions = "CF-1.8"`, "sim_id(receptor, strlen)"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("ncdump -h lacks %q", want)
			}
		}
	}
}

// TestSceneConcurrentWriters: several writers of the same scene at the same
// moment (service-mode workers finishing a scene together) all succeed and
// leave one complete file and no temp files. With one shared temp name, one
// writer's clean-up removed another's file and no scene was left.
func TestSceneConcurrentWriters(t *testing.T) {
	members, gd := testSceneMembers(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "scenes", "all.nc")
	const writers = 8
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- WriteScene(path, "all", "fp", gd, members)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("writer: %v", err)
		}
	}
	sc, err := ReadScene(path)
	if err != nil {
		t.Fatal(err)
	}
	if sc.NR() != len(members) {
		t.Fatalf("%d receptors, want %d", sc.NR(), len(members))
	}
	left, _ := filepath.Glob(filepath.Join(dir, "scenes", ".*"))
	if len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("scene file mode: %v %v (want group/other readable)", fi.Mode(), err)
	}
}
