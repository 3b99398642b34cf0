package met

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

type oracleRecord struct {
	Time       string             `json:"time"`
	Kind       string             `json:"kind"`
	Level      int                `json:"level"`
	Var        string             `json:"var"`
	NExp       int                `json:"nexp"`
	Prec       float64            `json:"prec"`
	Var1       float64            `json:"var1"`
	ChecksumOK bool               `json:"checksum_ok"`
	Min        float64            `json:"min"`
	Max        float64            `json:"max"`
	Mean       float64            `json:"mean"`
	Points     map[string]float64 `json:"points"`
}

type oracleFile struct {
	RecordLength int            `json:"record_length"`
	NRecords     int            `json:"n_records"`
	Index        map[string]any `json:"index"`
	Levels       []struct {
		Height float64
		Vars   []string
	} `json:"levels"`
	Corners map[string][2]float64 `json:"corners_latlon_sphere_lcc"`
	Records []oracleRecord        `json:"records"`
}

var hrrrFiles = []string{"20190530_00-05_hrrr", "20190530_06-11_hrrr"}

func loadOracle(t *testing.T) map[string]oracleFile {
	t.Helper()
	p := testenv.Shared(t, "met", "arl-decode-oracle.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var o map[string]oracleFile
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return o
}

func parseOracleTime(t *testing.T, s string) time.Time {
	tm, err := time.Parse("2006-01-02T15", s)
	if err != nil {
		t.Fatalf("oracle time %q: %v", s, err)
	}
	return tm
}

func parsePoint(t *testing.T, s string) (int, int) {
	a, b, ok := strings.Cut(s, ",")
	i, err1 := strconv.Atoi(a)
	j, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("oracle point %q", s)
	}
	return i, j
}

// near compares with the README's tolerance: relative 1e-5, or the record's
// precision near zero.
func near(got, want, prec float64) bool {
	d := math.Abs(got - want)
	return d <= 1e-5*math.Abs(want) || d <= prec
}

func TestHRRRAgainstOracle(t *testing.T) {
	oracle := loadOracle(t)
	for _, name := range hrrrFiles {
		t.Run(name, func(t *testing.T) {
			of, ok := oracle[name]
			if !ok {
				t.Fatalf("oracle has no entry for %s", name)
			}
			f, err := Open(testenv.Shared(t, "met", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			h := f.Header()
			if f.RecordLen() != of.RecordLength || f.NumRecords() != of.NRecords {
				t.Errorf("record length %d, records %d; oracle %d, %d", f.RecordLen(), f.NumRecords(), of.RecordLength, of.NRecords)
			}
			num := func(k string) float64 { return of.Index[k].(float64) }
			checks := []struct {
				name      string
				got, want float64
			}{
				{"pole_lat", h.PoleLat, num("pole_lat")}, {"ref_lat", h.RefLat, num("ref_lat")},
				{"ref_lon", h.RefLon, num("ref_lon") - 360}, {"size_km", h.GridSize, num("size_km")},
				{"tang_lat", h.TangLat, num("tang_lat")}, {"sync_lat", h.SyncLat, num("sync_lat")},
				{"sync_lon", h.SyncLon, num("sync_lon")}, {"sync_xp", h.SyncX, num("sync_xp")},
				{"nx", float64(h.NX), num("nx")}, {"ny", float64(h.NY), num("ny")}, {"nz", float64(h.NZ), num("nz")},
				{"kflag", float64(h.KFlag), num("kflag")}, {"lenh", float64(h.LenH), num("lenh")},
			}
			for _, c := range checks {
				if math.Abs(c.got-c.want) > 1e-9 {
					t.Errorf("header %s = %v, oracle %v", c.name, c.got, c.want)
				}
			}
			if h.Source != of.Index["source"].(string) {
				t.Errorf("source %q", h.Source)
			}
			if len(of.Levels) != len(f.Index().Levels) {
				t.Fatalf("levels %d, oracle %d", len(f.Index().Levels), len(of.Levels))
			}
			for k, l := range of.Levels {
				if got := f.Index().Levels[k].Height; math.Abs(got-l.Height) > 1e-9 {
					t.Errorf("level %d height %v, oracle %v", k, got, l.Height)
				}
				if got := strings.Join(f.Vars(k), " "); got != strings.Join(l.Vars, " ") {
					t.Errorf("level %d vars %q, oracle %q", k, got, l.Vars)
				}
			}
			g := f.Grid()
			for key, ll := range of.Corners {
				i, j := parsePoint(t, key)
				lat, lon := g.XYToLatLon(float64(i), float64(j))
				if math.Abs(lat-ll[0]) > 1e-3 || math.Abs(lon-ll[1]) > 1e-3 {
					t.Errorf("corner (%d,%d) = (%.5f, %.5f), oracle (%.5f, %.5f)", i, j, lat, lon, ll[0], ll[1])
				}
			}
			x, y := g.LatLonToXY(40.766, -111.848)
			if math.Abs(x-34.56) > 0.01 || math.Abs(y-20.50) > 0.01 {
				t.Errorf("receptor A at grid (%.4f, %.4f), want (34.56, 20.50)", x, y)
			}
			ndata := 0
			for _, r := range of.Records {
				tm := parseOracleTime(t, r.Time)
				if r.Kind == "INDX" {
					continue
				}
				ndata++
				lab, _, err := f.Raw(r.Var, r.Level, tm)
				if err != nil {
					if r.ChecksumOK {
						t.Errorf("%s %s L%d: %v", r.Time, r.Var, r.Level, err)
					}
					continue
				}
				if !r.ChecksumOK {
					t.Errorf("%s %s L%d: checksum verified but oracle says mismatch", r.Time, r.Var, r.Level)
				}
				if lab.NExp != r.NExp || !near(lab.Prec, r.Prec, 0) || !near(lab.Var1, r.Var1, 0) {
					t.Errorf("%s %s L%d: label nexp %d prec %g var1 %g; oracle %d %g %g", r.Time, r.Var, r.Level, lab.NExp, lab.Prec, lab.Var1, r.NExp, r.Prec, r.Var1)
				}
				fl, err := f.Read(r.Var, r.Level, tm)
				if err != nil {
					t.Errorf("%s %s L%d: %v", r.Time, r.Var, r.Level, err)
					continue
				}
				mn, mx, sum := math.Inf(1), math.Inf(-1), 0.0
				for _, v := range fl.Data {
					mn = math.Min(mn, float64(v))
					mx = math.Max(mx, float64(v))
					sum += float64(v)
				}
				mean := sum / float64(len(fl.Data))
				for _, s := range []struct {
					what      string
					got, want float64
				}{{"min", mn, r.Min}, {"max", mx, r.Max}, {"mean", mean, r.Mean}} {
					if !near(s.got, s.want, r.Prec) {
						t.Errorf("%s %s L%d: %s %.9g, oracle %.9g", r.Time, r.Var, r.Level, s.what, s.got, s.want)
					}
				}
				for key, want := range r.Points {
					i, j := parsePoint(t, key)
					if got := float64(fl.At(i, j)); !near(got, want, r.Prec) {
						t.Errorf("%s %s L%d: point (%d,%d) %.9g, oracle %.9g", r.Time, r.Var, r.Level, i, j, got, want)
					}
				}
			}
			if ndata != 1020 {
				t.Errorf("oracle lists %d data records, expected 1020", ndata)
			}
			if _, err := f.Verify(); err != nil {
				t.Errorf("verify: %v", err)
			}
		})
	}
}

// TestHRRRChain checks both files chain in time with a constant 60-minute step.
func TestHRRRChain(t *testing.T) {
	var paths []string
	for _, n := range hrrrFiles {
		paths = append(paths, testenv.Shared(t, "met", n))
	}
	ds, err := OpenDataset(paths[1], paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	ts := ds.Times()
	if len(ts) != 12 {
		t.Fatalf("%d times, want 12", len(ts))
	}
	want := time.Date(2019, 5, 30, 0, 0, 0, 0, time.UTC)
	for i, tm := range ts {
		if !tm.Equal(want.Add(time.Duration(i) * time.Hour)) {
			t.Errorf("time %d = %s", i, tm)
		}
	}
	if ds.Step() != time.Hour {
		t.Errorf("step %s", ds.Step())
	}
	// PRSS statistics from arl-format.md §8.3 (printed precision).
	f, err := ds.Read("PRSS", 0, want.Add(5*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	mn, mx := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range f.Data {
		mn, mx = min(mn, v), max(mx, v)
	}
	if math.Abs(float64(mn)-685.60) > 0.01 || math.Abs(float64(mx)-873.60) > 0.01 {
		t.Errorf("PRSS 05 UTC min/max %.2f/%.2f, spec 685.60/873.60", mn, mx)
	}
	_ = filepath.Base
}

func TestHRRRDiffAndRegion(t *testing.T) {
	f, err := Open(testenv.Shared(t, "met", hrrrFiles[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct {
		name  string
		level int
		want  string
	}{{"WWND", 1, "DIFW"}, {"TPP1", 0, "DIFR"}, {"TEMP", 1, ""}, {"DIFW", 1, ""}, {"CAPE", 0, ""}} {
		got, ok := f.DiffOf(c.name, c.level)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("DiffOf(%s, %d) = %q, %v; want %q", c.name, c.level, got, ok, c.want)
		}
	}
	tm := f.Times()[2]
	w, _ := f.Read("WWND", 3, tm)
	d, _ := f.Read("DIFW", 3, tm)
	c, err := f.ReadCorrected("WWND", 3, tm)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Data {
		if c.Data[i] != w.Data[i]+d.Data[i] {
			t.Fatalf("corrected %g != %g + %g", c.Data[i], w.Data[i], d.Data[i])
		}
	}
	sg := SubGrid{I0: 5, I1: 40, J0: 7, J1: 33}
	full, _ := f.Read("PRSS", 0, tm)
	reg, err := f.ReadRegion("PRSS", 0, tm, sg)
	if err != nil {
		t.Fatal(err)
	}
	for j := 1; j <= sg.NY(); j++ {
		for i := 1; i <= sg.NX(); i++ {
			if reg.At(i, j) != full.At(i+sg.I0-1, j+sg.J0-1) {
				t.Fatalf("region (%d,%d) differs", i, j)
			}
		}
	}
}

// TestHRRRHeights: with p = σ·PRSS the top level lies at 330-415 hPa and
// 6-8 km above ground (arl-format.md §8.2). The stored PRES field departs
// from σ·PRSS (HRRR levels are hybrid); the departure is logged and bounded.
func TestHRRRHeights(t *testing.T) {
	f, err := Open(testenv.Shared(t, "met", hrrrFiles[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tm := f.Times()[0]
	s, err := f.Snapshot(tm, []string{"PRSS", "SHGT"}, []string{"TEMP", "PRES"})
	if err != nil {
		t.Fatal(err)
	}
	v := f.Vertical()
	z, err := v.HeightField(s)
	if err != nil {
		t.Fatal(err)
	}
	np := z.Nx * z.Ny
	top := len(z.Levels) - 1
	maxdp := 0.0
	for p := 0; p < np; p++ {
		ps := float64(s.Surface["PRSS"].Data[p])
		for k := range z.Levels {
			want, _ := v.Pressure(k+1, ps)
			maxdp = math.Max(maxdp, math.Abs(float64(s.Upper["PRES"].Data[k*np+p])-want))
			if k > 0 && z.Data[k*np+p] <= z.Data[(k-1)*np+p] {
				t.Fatalf("heights not increasing at point %d level %d", p, k+1)
			}
		}
		if zt := z.Data[top*np+p]; zt < 5500 || zt > 8500 {
			t.Errorf("point %d: top level %g m AGL", p, zt)
		}
	}
	t.Logf("PRES departs from sigma·PRSS by up to %.1f hPa", maxdp)
	if maxdp > 120 {
		t.Errorf("sigma·PRSS differs from PRES by up to %g hPa", maxdp)
	}
	for p := 0; p < np; p++ {
		ptop, _ := v.Pressure(len(v.Levels)-1, float64(s.Surface["PRSS"].Data[p]))
		if ptop < 325 || ptop > 420 {
			t.Fatalf("point %d: top level at %g hPa", p, ptop)
		}
	}
	v.UsePRES = true
	zp, err := v.HeightField(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("top level at grid point 1: %.0f m AGL from sigma·PRSS, %.0f m from PRES", z.Data[top*np], zp.Data[top*np])
	// level 1 (sigma 0.999) lies a few metres above ground
	if z1 := z.Data[0]; z1 < 3 || z1 > 15 {
		t.Errorf("level 1 at %g m AGL", z1)
	}
}
