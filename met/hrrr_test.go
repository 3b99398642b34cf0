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
