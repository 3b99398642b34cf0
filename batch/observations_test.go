package batch

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/footprint"
	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/met"
	"github.com/stilt-mpi/stilt-mpi/netcdf"
	"github.com/stilt-mpi/stilt-mpi/observations"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// obsCSV: three soundings 10:30 UTC on the synthetic met grid (-113..-111,
// 40..41.45), two in orbit 1 (4 s apart) and one in orbit 2.
const obsCSV = `observation_id,sensor,species,time,latitude,longitude,value,units,uncertainty,orbit
s-half,oco2,xco2,2019-05-30 10:30:00,40.70,-112.10,410.5,ppm,0.5,1
s-quarter,oco2,xco2,2019-05-30 10:30:04,40.76,-112.00,411.25,ppm,0.75,1
s-slope,oco2,xco2,2019-05-30 10:31:00,40.80,-111.90,409.0,ppm,0.25,2
`

// profCSV: averaging kernels on release heights (m AGL). s-half and
// s-quarter are constant, so their weighted footprint is exactly 0.5 and
// 0.25 of the unweighted one; s-slope falls from 1 at the ground to 0.2 at
// 500 m, so its ratio lies strictly between 0.2 and 1.
const profCSV = `observation_id,height,ak
s-half,0,0.5
s-half,5000,0.5
s-quarter,0,0.25
s-quarter,5000,0.25
s-slope,0,1
s-slope,500,0.2
`

// obsRunTOML is a run.toml with two footprints over the same grid: raw
// (no transform) and ak (each sounding's own AK).
func obsRunTOML(metDir, out, scratch string, bottom, top float64) string {
	return fmt.Sprintf(`[project]
name = "obs-test"
output_dir = %q
scratch_dir = %q
seed = 3

[observations]
path = "obs.csv"
profiles = "profiles.csv"
sensor = "column"
bottom = %v
top = %v
group = "metadata"
field = "orbit"
prefix = "orbit"

[met.synth]
directory = %q
discover = "header"

[transport]
engine = "native"

[params]
n_hours = -2
numpar = 30
hnf_plume = false

[footprints.raw]
xmin = -113.0
xmax = -111.0
ymin = 40.0
ymax = 41.5
xres = 0.05
time_integrate = true

[footprints.ak]
xmin = -113.0
xmax = -111.0
ymin = 40.0
ymax = 41.5
xres = 0.05
time_integrate = true
[[footprints.ak.transforms]]
kind = "vertical"
mode = "ak"

[mpi]
progress_interval = "1s"
`, out, scratch, bottom, top, metDir)
}

func writeObsProject(t *testing.T, dir, metDir string, bottom, top float64) string {
	t.Helper()
	for name, text := range map[string]string{"obs.csv": obsCSV, "profiles.csv": profCSV,
		"run.toml": obsRunTOML(metDir, filepath.Join(dir, "out"), filepath.Join(dir, "scratch"), bottom, top)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "run.toml")
}

// TestPlanObservations: one simulation per sounding, scene from the orbit,
// the sounding (with its profile) kept with its simulation and surviving the
// gob broadcast of the plan.
func TestPlanObservations(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Load(writeObsProject(t, dir, dir, 0, 500))
	if err != nil {
		t.Fatal(err)
	}
	specs, err := Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, scene string }{{"s-half", "orbit-1"}, {"s-quarter", "orbit-1"}, {"s-slope", "orbit-2"}}
	if len(specs) != len(want) {
		t.Fatalf("%d specs", len(specs))
	}
	for i, w := range want {
		s := specs[i]
		if s.Observation == nil || s.Observation.ID != w.id || s.Scene != w.scene || s.Met != "synth" {
			t.Fatalf("spec %d: %+v", i, s)
		}
		r := s.Receptor
		if r.Kind != receptor.Column || r.Bottom() != 0 || r.Top() != 500 || r.Lon() != s.Observation.Lon || !r.Time.Equal(s.Observation.Time) {
			t.Errorf("spec %d receptor %+v", i, r)
		}
		if op := s.Observation.Operator; op == nil || op.LevelCoord != observations.LevelHeight || len(op.AK) != 2 {
			t.Errorf("spec %d operator %+v", i, op)
		}
	}
	buf, err := encode(plan{Specs: specs})
	if err != nil {
		t.Fatal(err)
	}
	var p plan
	if err := decode(buf, &p); err != nil {
		t.Fatal(err)
	}
	for i := range specs {
		a, b := specs[i].Observation, p.Specs[i].Observation
		if b == nil || b.ID != a.ID || b.Value != a.Value || b.Units != a.Units || b.Operator == nil ||
			fmt.Sprint(b.Operator.AK) != fmt.Sprint(a.Operator.AK) || !math.IsNaN(b.Operator.SurfacePressure) {
			t.Errorf("spec %d after broadcast: %+v, want %+v", i, b, a)
		}
	}
	rows, err := RegistryRows(cfg, specs)
	if err != nil || len(rows) != 3 || rows[2].Scene != "orbit-2" {
		t.Fatalf("registry rows %+v: %v", rows, err)
	}
}

func TestPlanObservationsErrors(t *testing.T) {
	for _, c := range []struct {
		name, csv, want string
	}{
		{"duplicate receptor", obsCSV + "s-dup,oco2,xco2,2019-05-30 10:30:00,40.70,-112.10,1,ppm,1,1\n", "duplicate simulation id"},
		{"bad row", obsCSV + "s-bad,oco2,xco2,yesterday,40.70,-112.10,1,ppm,1,1\n", "obs.csv:5"},
		{"no observations", "observation_id,sensor,species,time,latitude,longitude,orbit\n", "holds no observations"},
		{"missing field", strings.Replace(obsCSV, ",orbit\n", ",orbat\n", 1), "orbit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg, err := config.Load(writeObsProject(t, dir, dir, 0, 500))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "obs.csv"), []byte(c.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			if c.name != "bad row" && c.name != "duplicate receptor" {
				os.WriteFile(filepath.Join(dir, "profiles.csv"), []byte("observation_id,height,ak\n"), 0o644)
			}
			_, err = Plan(cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

// TestSceneObservationVariables: observation variables are written only for
// scenes built from observations, with per-receptor units when they differ.
func TestSceneObservationVariables(t *testing.T) {
	rt := time.Date(2019, 5, 30, 11, 0, 0, 0, time.UTC)
	fc := footprint.DefaultConfig()
	fc.Xmin, fc.Xmax, fc.Ymin, fc.Ymax, fc.Xres, fc.Yres = -112.5, -111.5, 40.2, 41.2, 0.05, 0.05
	fc.ReceptorTime = rt
	g, err := footprint.Compute(footprint.Synthetic(20, 60, -112, 40.7, 0.002, 1), fc)
	if err != nil {
		t.Fatal(err)
	}
	r := receptor.FromPoints(rt, []float64{-112}, []float64{40.7}, []float64{5}, false)
	o1 := observations.Observation{ID: "a", Value: 1.5, Uncertainty: math.NaN(), Units: "ppm"}
	o2 := observations.Observation{ID: "b", Value: 2, Uncertainty: 0.1, Units: "ppb"}
	for _, c := range []struct {
		name    string
		members []SceneMember
		ok      bool
		ids     []string
		units   []string
		values  []float64
	}{
		{"receptors", []SceneMember{{Spec: SimSpec{ID: "x", Receptor: r}, Status: StatusComplete, Grid: g}}, false, nil, nil, nil},
		{"common units", []SceneMember{{Spec: SimSpec{ID: "x", Receptor: r, Observation: &o1}, Status: StatusComplete, Grid: g}},
			true, []string{"a"}, []string{"ppm"}, []float64{1.5}},
		{"mixed units and a member without observation", []SceneMember{
			{Spec: SimSpec{ID: "x", Receptor: r, Observation: &o1}, Status: StatusComplete, Grid: g},
			{Spec: SimSpec{ID: "y", Receptor: r, Observation: &o2}, Status: StatusFailed},
			{Spec: SimSpec{ID: "z", Receptor: r}, Status: StatusFailed}},
			true, []string{"a", "b", ""}, []string{"ppm", "ppb", ""}, []float64{1.5, 2, math.NaN()}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.nc")
			if err := WriteScene(path, "s", "fp", gridDefOf(g), c.members); err != nil {
				t.Fatal(err)
			}
			so, ok, err := ReadSceneObservations(path)
			if err != nil || ok != c.ok {
				t.Fatalf("ok %v err %v", ok, err)
			}
			if !ok {
				return
			}
			if fmt.Sprint(so.IDs) != fmt.Sprint(c.ids) || fmt.Sprint(so.Units) != fmt.Sprint(c.units) || fmt.Sprint(so.Values) != fmt.Sprint(c.values) {
				t.Errorf("got ids %q units %q values %v", so.IDs, so.Units, so.Values)
			}
			for i, m := range c.members {
				want := math.NaN()
				if m.Spec.Observation != nil {
					want = m.Spec.Observation.Uncertainty
				}
				if got := so.Uncertainty[i]; got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
					t.Errorf("uncertainty %d = %v, want %v", i, got, want)
				}
			}
		})
	}
}

// buildCLI builds stilt-mpi once into dir.
func buildCLI(t *testing.T, dir string) string {
	t.Helper()
	exe := filepath.Join(dir, "stilt-mpi")
	cmd := exec.Command("go", "build", "-tags", "libsqlite3", "-o", exe, "./cmd/stilt-mpi")
	cmd.Dir = testenv.RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

func mpirunPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("mpirun")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mpirun not found in CI: %v", err)
		}
		t.Skipf("mpirun not installed: %v", err)
	}
	return p
}

func runMPI(t *testing.T, mpirun, exe, runToml string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, mpirun, "-n", "2", "--oversubscribe", "--bind-to", "none", exe, "run", runToml)
	cmd.Env = append(os.Environ(), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	t.Logf("%s", out)
}

func readStrings(t *testing.T, path, name string, n int) []string {
	t.Helper()
	f, err := netcdf.Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := f.Var(name)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	s, err := v.GetStrings(0, n, 128)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readDoubles(t *testing.T, path, name string, n int) []float64 {
	t.Helper()
	f, err := netcdf.Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := f.Var(name)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := make([]float64, n)
	if err := v.GetFloat64s([]int{0}, []int{n}, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestColumnObservationsMPI runs column batches from observations under
// `mpirun -n 2` on synthetic met: the scene files carry the observation
// metadata, each sounding's own AK weights its footprint (checked against
// the unweighted footprint of the same particles), and a column far above
// the night-time mixed layer ends complete-empty with the footprint's reason.
func TestColumnObservationsMPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and runs mpirun")
	}
	mpirun := mpirunPath(t)
	tmp := t.TempDir()
	exe := buildCLI(t, tmp)
	metDir := filepath.Join(tmp, "met")
	if _, err := met.Synth(metDir, met.SynthSpec{}); err != nil {
		t.Fatal(err)
	}

	// Low columns (0-500 m AGL): particles start in and near the mixed layer.
	low := filepath.Join(tmp, "low")
	os.MkdirAll(low, 0o755)
	runMPI(t, mpirun, exe, writeObsProject(t, low, metDir, 0, 500))
	scenes := filepath.Join(low, "out", "scenes")
	wantIDs := map[string][]string{"orbit-1": {"s-half", "s-quarter"}, "orbit-2": {"s-slope"}}
	wantVal := map[string][]float64{"orbit-1": {410.5, 411.25}, "orbit-2": {409.0}}
	wantUnc := map[string][]float64{"orbit-1": {0.5, 0.75}, "orbit-2": {0.25}}
	ratio := map[string]float64{}
	for scene, ids := range wantIDs {
		n := len(ids)
		rawPath := filepath.Join(scenes, scene+"_raw.nc")
		akPath := filepath.Join(scenes, scene+"_ak.nc")
		for _, p := range []string{rawPath, akPath} {
			so, ok, err := ReadSceneObservations(p)
			if err != nil || !ok {
				t.Fatalf("%s: observation variables: ok %v err %v", p, ok, err)
			}
			if fmt.Sprint(so.IDs) != fmt.Sprint(ids) || fmt.Sprint(so.Values) != fmt.Sprint(wantVal[scene]) ||
				fmt.Sprint(so.Uncertainty) != fmt.Sprint(wantUnc[scene]) || so.Units[0] != "ppm" {
				t.Errorf("%s: ids %q values %v uncertainty %v units %q", p, so.IDs, so.Values, so.Uncertainty, so.Units)
			}
			if st := readStrings(t, p, "status", n); st[0] != StatusComplete {
				t.Fatalf("%s: status %q (error %q)", p, st, readStrings(t, p, "error", n))
			}
		}
		raw, ak := readDoubles(t, rawPath, "total", n), readDoubles(t, akPath, "total", n)
		for i, id := range ids {
			if !(raw[i] > 0) {
				t.Fatalf("%s %s: unweighted total %v, expected > 0", scene, id, raw[i])
			}
			ratio[id] = ak[i] / raw[i]
		}
	}
	t.Logf("AK-weighted / unweighted totals: %v", ratio)
	for id, want := range map[string]float64{"s-half": 0.5, "s-quarter": 0.25} {
		if math.Abs(ratio[id]-want) > 1e-9 {
			t.Errorf("%s: weighted/unweighted = %.12g, want its constant AK %v", id, ratio[id], want)
		}
	}
	if r := ratio["s-slope"]; !(r > 0.2+1e-6 && r < 1-1e-6) {
		t.Errorf("s-slope: weighted/unweighted = %v, want strictly inside its AK range (0.2, 1)", r)
	}

	// High columns (3-4 km AGL, inside the met, far above the 200 m night-time
	// mixed layer): no particle reaches the mixed layer in 2 h.
	high := filepath.Join(tmp, "high")
	os.MkdirAll(high, 0o755)
	runMPI(t, mpirun, exe, writeObsProject(t, high, metDir, 3000, 4000))
	for scene, ids := range wantIDs {
		for _, fp := range []string{"ak", "raw"} {
			p := filepath.Join(high, "out", "scenes", scene+"_"+fp+".nc")
			st, errs := readStrings(t, p, "status", len(ids)), readStrings(t, p, "error", len(ids))
			tot := readDoubles(t, p, "total", len(ids))
			for i := range ids {
				if st[i] != StatusCompleteEmpty || tot[i] != 0 {
					t.Errorf("%s %s: status %q total %v, want %s and 0", p, ids[i], st[i], tot[i], StatusCompleteEmpty)
				}
				if errs[i] != "empty: "+fp+": "+footprint.EmptyOutsideDomain && errs[i] != "empty: "+fp+": "+footprint.EmptyNoParticles {
					t.Errorf("%s %s: error %q, want footprint %s's empty reason", p, ids[i], errs[i], fp)
				}
			}
		}
	}
}

// TestSimulateHighColumnEmpty runs Simulate in process for a column far
// above the mixed layer: the result is complete-empty (not failed) and its
// message gives each footprint's empty reason; a low column of the same plan
// is complete.
func TestSimulateHighColumnEmpty(t *testing.T) {
	tmp := t.TempDir()
	metDir := filepath.Join(tmp, "met")
	if _, err := met.Synth(metDir, met.SynthSpec{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name        string
		bottom, top float64
		status      string
	}{
		{"high", 3000, 4000, StatusCompleteEmpty},
		{"low", 0, 500, StatusComplete},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(tmp, c.name)
			os.MkdirAll(dir, 0o755)
			cfg, err := config.Load(writeObsProject(t, dir, metDir, c.bottom, c.top))
			if err != nil {
				t.Fatal(err)
			}
			specs, err := Plan(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r, err := NewRunner(cfg, specs, filepath.Join(dir, "scratch"), "test")
			if err != nil {
				t.Fatal(err)
			}
			res := r.Simulate(context.Background(), specs[0].ID)
			if res.Status != c.status {
				t.Fatalf("status %q (%s %s), want %q", res.Status, res.ErrClass, res.ErrMsg, c.status)
			}
			if c.status != StatusCompleteEmpty {
				return
			}
			want := []string{"ak: " + footprint.EmptyOutsideDomain, "raw: " + footprint.EmptyOutsideDomain}
			if res.ErrClass != "" || res.ErrMsg != strings.Join(want, "; ") {
				t.Errorf("class %q message %q, want no class and %q", res.ErrClass, res.ErrMsg, strings.Join(want, "; "))
			}
			if len(res.Outputs) != 2 {
				t.Errorf("outputs %d, want an (empty) footprint per configuration", len(res.Outputs))
			}
		})
	}
}

// TestObservationSensors: [observations] sensor settings reach the
// receptors (point at a fixed height or the observation altitude, slant
// multipoint along the viewing or solar path) and group rules the scenes.
func TestObservationSensors(t *testing.T) {
	const csv = `observation_id,sensor,species,time,latitude,longitude,altitude,vza,vaa,sza,saa
a,tccon,xco2,2019-05-30 10:30:00,40.70,-112.10,12,30,90,60,180
b,tccon,xco2,2019-05-30 10:50:00,40.75,-112.00,20,30,90,60,180
`
	for _, c := range []struct {
		name  string
		extra string
		check func(t *testing.T, s []SimSpec)
	}{
		{"point at observation altitude", "sensor = 'point'\ngroup = 'time_gap'\nmax_gap = '10m'\n", func(t *testing.T, s []SimSpec) {
			if s[0].Receptor.Kind != receptor.Point || s[0].Receptor.Heights[0] != 12 || s[1].Receptor.Heights[0] != 20 {
				t.Errorf("receptors %+v %+v", s[0].Receptor, s[1].Receptor)
			}
			if s[0].Scene == s[1].Scene { // 20 min apart, max gap 10 min
				t.Errorf("one scene %q for observations 20 min apart", s[0].Scene)
			}
		}},
		{"point at fixed height", "sensor = 'point'\nheight = 5\n", func(t *testing.T, s []SimSpec) {
			if s[0].Receptor.Heights[0] != 5 || s[0].Scene != s[1].Scene || s[0].Scene != "tccon-20190530103000" {
				t.Errorf("receptor %+v scenes %q %q", s[0].Receptor, s[0].Scene, s[1].Scene)
			}
		}},
		{"slant viewing", "mode = 'slant'\nbottom = 0\ntop = 1000\nstep = 250\n", func(t *testing.T, s []SimSpec) {
			r := s[0].Receptor
			// vaa 90: points move east with height, latitude unchanged
			if r.Kind != receptor.MultiPoint || r.NumPoints() != 5 || !(r.Lons[4] > r.Lons[0]) || math.Abs(r.Lats[4]-r.Lats[0]) > 1e-5 {
				t.Errorf("receptor %+v", r)
			}
		}},
		{"slant solar", "mode = 'slant'\nslant_path = 'solar'\nbottom = 0\ntop = 1000\nstep = 500\n", func(t *testing.T, s []SimSpec) {
			r := s[0].Receptor
			// saa 180: points move south with height
			if r.Kind != receptor.MultiPoint || r.NumPoints() != 3 || !(r.Lats[2] < r.Lats[0]) || math.Abs(r.Lons[2]-r.Lons[0]) > 1e-9 {
				t.Errorf("receptor %+v", r)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "obs.csv"), []byte(csv), 0o644)
			toml := "[observations]\npath = 'obs.csv'\n" + c.extra + "[met.synth]\ndirectory = 'm'\n"
			os.WriteFile(filepath.Join(dir, "run.toml"), []byte(toml), 0o644)
			cfg, err := config.Load(filepath.Join(dir, "run.toml"))
			if err != nil {
				t.Fatal(err)
			}
			specs, err := Plan(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(specs) != 2 || specs[0].Observation.ID != "a" || specs[1].Observation.ID != "b" {
				t.Fatalf("specs %+v", specs)
			}
			c.check(t, specs)
		})
	}
}

// TestReceptorMetColumn checks the met column against the synthetic met's
// analytic fields at a grid point and valid time (so only ARL packing
// separates them).
func TestReceptorMetColumn(t *testing.T) {
	dir := t.TempDir()
	spec := met.SynthSpec{}.WithDefaults()
	files, err := met.Synth(dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	lon, lat := spec.Lon0+10*spec.DLon, spec.Lat0+7*spec.DLat
	rt := spec.Start.Add(9 * time.Hour)
	r := receptor.Receptor{Kind: receptor.Column, Time: rt, Lons: []float64{lon, lon}, Lats: []float64{lat, lat}, Heights: []float64{0, 3000}}
	mc, err := ReceptorMetColumn(files, r)
	if err != nil {
		t.Fatal(err)
	}
	wantPs := spec.SurfacePressure(lon, lat, rt)
	if got := mc.SurfacePressure(); math.Abs(got-wantPs) > 0.05 {
		t.Errorf("surface pressure %v, want %v", got, wantPs)
	}
	for _, k := range []int{1, 4, 8} {
		p := spec.Sigma[k-1] * wantPs
		want := spec.SpecificHumidity(lon, lat, spec.LevelHeight(k, lon, lat, rt), rt)
		if got := mc.SpecificHumidity(p); math.Abs(got-want) > 0.01*want+1e-6 {
			t.Errorf("level %d (%.1f hPa): q %v, want %v", k, p, got, want)
		}
	}
	// a receptor off the grid is an error, not a clamp
	r.Lons = []float64{-100, -100}
	if _, err := ReceptorMetColumn(files, r); err == nil || !strings.Contains(err.Error(), "outside the met grid") {
		t.Errorf("off-grid receptor: %v", err)
	}
}

// TestSimulatePWFFromMet: mode pwf needs a surface pressure; the soundings
// of obsCSV give none, so it must come from the met column. The weighted
// footprint differs from the unweighted one.
func TestSimulatePWFFromMet(t *testing.T) {
	tmp := t.TempDir()
	metDir := filepath.Join(tmp, "met")
	if _, err := met.Synth(metDir, met.SynthSpec{}); err != nil {
		t.Fatal(err)
	}
	path := writeObsProject(t, tmp, metDir, 0, 500)
	raw, _ := os.ReadFile(path)
	text := strings.Replace(string(raw), `mode = "ak"`, `mode = "pwf"`, 1)
	if text == string(raw) {
		t.Fatal("transform mode not found in the test run.toml")
	}
	os.WriteFile(path, []byte(text), 0o644)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	specs, err := Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(specs[0].Observation.Operator.SurfacePressure) {
		t.Fatal("test sounding has a surface pressure")
	}
	r, err := NewRunner(cfg, specs, filepath.Join(tmp, "scratch"), "test")
	if err != nil {
		t.Fatal(err)
	}
	res := r.Simulate(context.Background(), specs[0].ID)
	if res.Status != StatusComplete {
		t.Fatalf("status %q: %s %s", res.Status, res.ErrClass, res.ErrMsg)
	}
	tot := map[string]float64{}
	for name, b := range res.Outputs {
		g := new(footprint.Grid)
		if err := g.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		for _, v := range g.Data {
			tot[name] += v
		}
	}
	if !(tot["raw"] > 0) || !(tot["ak"] > 0) || math.Abs(tot["ak"]/tot["raw"]-1) < 1e-6 {
		t.Errorf("totals %v: want positive and different", tot)
	}
}

// BenchmarkReceptorMetColumn: building the PWF's met column for one
// simulation (two 6-hour synthetic ARL files).
func BenchmarkReceptorMetColumn(b *testing.B) {
	spec := met.SynthSpec{}.WithDefaults()
	files, err := met.Synth(b.TempDir(), spec)
	if err != nil {
		b.Fatal(err)
	}
	lon, lat := spec.Lon0+10*spec.DLon, spec.Lat0+7*spec.DLat
	r := receptor.Receptor{Kind: receptor.Column, Time: spec.Start.Add(9*time.Hour + 20*time.Minute),
		Lons: []float64{lon, lon}, Lats: []float64{lat, lat}, Heights: []float64{0, 3000}}
	for b.Loop() {
		if _, err := ReceptorMetColumn(files, r); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPlanSoundingsNetCDF: [observations] path may be a netCDF file of
// soundings (OCO-2 Lite names); sensor_name, species and operator_mode come
// from run.toml, scenes from the default single rule.
func TestPlanSoundingsNetCDF(t *testing.T) {
	dir := t.TempDir()
	f, err := netcdf.Create(filepath.Join(dir, "lite.nc4"))
	if err != nil {
		t.Fatal(err)
	}
	sd, _ := f.DefDim("sounding_id", 2)
	ld, _ := f.DefDim("levels", 2)
	def := func(name string, typ netcdf.Type, dims ...netcdf.Dim) netcdf.Var {
		v, err := f.DefVar(name, typ, dims...)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	id, tm := def("sounding_id", netcdf.Int64, sd), def("time", netcdf.Double, sd)
	lat, lon, x := def("latitude", netcdf.Float, sd), def("longitude", netcdf.Float, sd), def("xco2", netcdf.Float, sd)
	pl, ak := def("pressure_levels", netcdf.Float, sd, ld), def("xco2_averaging_kernel", netcdf.Float, sd, ld)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tm.PutAttr("units", "seconds since 2019-05-30 00:00:00"))
	must(f.EndDef())
	must(id.PutInt64s([]int{0}, []int{2}, []int64{2019053010300001, 2019053010300002}))
	must(tm.PutFloat64s([]int{0}, []int{2}, []float64{37800, 37801}))
	must(lat.PutFloat32s([]int{0}, []int{2}, []float32{40.75, 40.5}))
	must(lon.PutFloat32s([]int{0}, []int{2}, []float32{-112, -111.5}))
	must(x.PutFloat32s([]int{0}, []int{2}, []float32{410.25, 411.5}))
	must(pl.PutFloat32s([]int{0, 0}, []int{2, 2}, []float32{500, 850, 500, 860}))
	must(ak.PutFloat32s([]int{0, 0}, []int{2, 2}, []float32{0.5, 1, 0.6, 0.9}))
	must(f.Close())
	toml := "[observations]\npath = 'lite.nc4'\nsensor_name = 'oco2'\nspecies = 'xco2'\noperator_mode = 'ak_pwf'\ntop = 2000\n[met.synth]\ndirectory = 'm'\n"
	must(os.WriteFile(filepath.Join(dir, "run.toml"), []byte(toml), 0o644))
	cfg, err := config.Load(filepath.Join(dir, "run.toml"))
	if err != nil {
		t.Fatal(err)
	}
	specs, err := Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 {
		t.Fatalf("%d specs", len(specs))
	}
	for i, s := range specs {
		o := s.Observation
		if o.ID != fmt.Sprint(2019053010300001+i) || o.Sensor != "oco2" || o.Species != "xco2" || o.Operator == nil ||
			o.Operator.Mode != observations.ModeAKPWF || s.Scene != "oco2-20190530103000" || s.Receptor.Top() != 2000 {
			t.Errorf("spec %d: %+v observation %+v", i, s, o)
		}
	}
}
