package footprint

import (
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/particle"
)

// rstiltParams is shared/rstilt/params/<case>.json.
type rstiltParams struct {
	RunTime       time.Time `json:"r_run_time"`
	Projection    string    `json:"projection"`
	SmoothFactor  float64   `json:"smooth_factor"`
	HNFPlume      bool      `json:"hnf_plume"`
	Xmn, Xmx      float64
	Ymn, Ymx      float64
	Xres, Yres    float64
	TimeIntegrate bool    `json:"time_integrate"`
	RZagl         float64 `json:"r_zagl"`
	Veght         float64 `json:"veght"`
	Input         string  `json:"input"`
}

type cellKey struct{ ix, iy, it int }

type expectedCell struct {
	lon, lat, foot float64
	time           int64
}

func readCSVRecords(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if filepath.Ext(path) == ".gz" {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs[0], recs[1:]
}

func readExpected(t *testing.T, path string) map[cellKey]expectedCell {
	t.Helper()
	hdr, recs := readCSVRecords(t, path)
	col := map[string]int{}
	for i, h := range hdr {
		col[h] = i
	}
	out := map[cellKey]expectedCell{}
	for line, rec := range recs {
		num := func(name string) float64 {
			v, err := strconv.ParseFloat(rec[col[name]], 64)
			if err != nil {
				t.Fatalf("%s line %d column %s: %v", path, line+2, name, err)
			}
			return v
		}
		k := cellKey{int(num("ix")), int(num("iy")), int(num("it"))}
		out[k] = expectedCell{lon: num("lon"), lat: num("lat"), foot: num("foot"), time: int64(num("time"))}
	}
	return out
}

func readTable(t *testing.T, path string) *particle.Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if filepath.Ext(path) == ".gz" {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	tab, err := particle.DecodeCSV(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tab
}

// undoHNF rebuilds the raw particle table from an R-STILT post-HNF table:
// foot := foot_no_hnf_dilution, and that column dropped.
func undoHNF(t *testing.T, hnf *particle.Table) *particle.Table {
	var names []string
	for _, n := range hnf.Names() {
		if n != "foot_no_hnf_dilution" {
			names = append(names, n)
		}
	}
	raw := &particle.Table{}
	for _, n := range names {
		src := hnf.Col(n)
		if n == "foot" {
			src = hnf.Col("foot_no_hnf_dilution")
		}
		if err := raw.SetCol(n, append([]float64(nil), src...)); err != nil {
			t.Fatal(err)
		}
	}
	return raw
}

func close(got, want, rtol, atol float64) bool {
	return math.Abs(got-want) <= atol+rtol*math.Abs(want)
}

// compareHNF matches rows by (indx, time) and compares every column.
func compareHNF(t *testing.T, got, want *particle.Table) {
	t.Helper()
	if got.Len() != want.Len() {
		t.Fatalf("HNF table has %d rows, want %d", got.Len(), want.Len())
	}
	key := func(tab *particle.Table, i int) [2]float64 {
		return [2]float64{tab.Col("indx")[i], tab.Col("time")[i]}
	}
	row := map[[2]float64]int{}
	for i := 0; i < want.Len(); i++ {
		row[key(want, i)] = i
	}
	bad := 0
	for _, name := range want.Names() {
		gc, wc := got.Col(name), want.Col(name)
		if gc == nil {
			t.Fatalf("HNF table lacks column %q", name)
		}
		for i := 0; i < got.Len(); i++ {
			j, ok := row[key(got, i)]
			if !ok {
				t.Fatalf("HNF row indx=%v time=%v not in the reference", key(got, i)[0], key(got, i)[1])
			}
			g, w := gc[i], wc[j]
			if (math.IsNaN(g) != math.IsNaN(w)) || (!math.IsNaN(w) && !close(g, w, 1e-12, 0)) {
				if bad++; bad <= 5 {
					t.Errorf("HNF indx=%v time=%v %s = %.17g, want %.17g", key(got, i)[0], key(got, i)[1], name, g, w)
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d HNF values differ", bad)
	}
}

func TestRSTILTParity(t *testing.T) {
	root := testenv.Shared(t, "rstilt")
	for _, name := range []string{"c1_nearfield_interp", "c2_wide24h_integrated", "c4_hnf_plume", "h1_A_np200"} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(root, "params", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var p rstiltParams
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatal(err)
			}
			if p.Xres != p.Yres {
				t.Fatalf("case has non-square cells: R-STILT is wrong there, not a parity case")
			}
			var tab *particle.Table
			hnfRef := filepath.Join(root, "expected", name+".particles_hnf.csv.gz")
			if filepath.Ext(p.Input) == ".csv" {
				tab = readTable(t, filepath.Join(root, p.Input))
			} else {
				// PARTICLE_STILT.DAT input: the raw table is the reference
				// post-HNF table with foot restored (the DAT reader lives in
				// package particle).
				tab = undoHNF(t, readTable(t, hnfRef))
			}
			if p.HNFPlume {
				tab, err = HNF(tab, p.Veght, p.RZagl)
				if err != nil {
					t.Fatal(err)
				}
				compareHNF(t, tab, readTable(t, hnfRef))
			}
			cfg := Config{Xmin: p.Xmn, Xmax: p.Xmx, Ymin: p.Ymn, Ymax: p.Ymx, Xres: p.Xres, Yres: p.Yres,
				Projection: p.Projection, SmoothFactor: p.SmoothFactor, TimeIntegrate: p.TimeIntegrate, ReceptorTime: p.RunTime}
			g, err := Compute(tab, cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkAgainstExpected(t, g, readExpected(t, filepath.Join(root, "expected", name+".csv")))
			var sum struct {
				Nlon, Nlat, Ntime int
				Np                int
				Time              json.RawMessage
			}
			raw, _ = os.ReadFile(filepath.Join(root, "expected", name+".summary.json"))
			if err := json.Unmarshal(raw, &sum); err != nil {
				t.Fatal(err)
			}
			if g.NX() != sum.Nlon || g.NY() != sum.Nlat || g.NT() != sum.Ntime || g.N != sum.Np {
				t.Errorf("grid %dx%dx%d N=%d, want %dx%dx%d N=%d", g.NX(), g.NY(), g.NT(), g.N, sum.Nlon, sum.Nlat, sum.Ntime, sum.Np)
			}
			var times []int64
			if err := json.Unmarshal(sum.Time, &times); err != nil {
				var one int64
				if err := json.Unmarshal(sum.Time, &one); err != nil {
					t.Fatal(err)
				}
				times = []int64{one}
			}
			var got []int64
			for _, tm := range g.Times {
				got = append(got, tm.Unix())
			}
			if fmt.Sprint(got) != fmt.Sprint(times) {
				t.Errorf("layer times %v, want %v", got, times)
			}
		})
	}
}

func checkAgainstExpected(t *testing.T, g *Grid, want map[cellKey]expectedCell) {
	t.Helper()
	gotSet := map[cellKey]float64{}
	g.Sparse(func(it, iy, ix int, v float64) bool {
		gotSet[cellKey{ix, iy, it}] = v
		return true
	})
	var missing, extra, bad []string
	for k, w := range want {
		v, ok := gotSet[k]
		if !ok {
			missing = append(missing, fmt.Sprintf("%v=%g", k, w.foot))
			continue
		}
		if !close(v, w.foot, 1e-7, 1e-12) {
			bad = append(bad, fmt.Sprintf("%v: %.10g want %.10g (rel %.2g)", k, v, w.foot, (v-w.foot)/w.foot))
		}
		if !close(g.X[k.ix], w.lon, 0, 1e-12) || !close(g.Y[k.iy], w.lat, 0, 1e-12) || g.Times[k.it].Unix() != w.time {
			bad = append(bad, fmt.Sprintf("%v: centre %v,%v time %v, want %v,%v %v", k, g.X[k.ix], g.Y[k.iy], g.Times[k.it].Unix(), w.lon, w.lat, w.time))
		}
	}
	for k, v := range gotSet {
		if _, ok := want[k]; !ok {
			extra = append(extra, fmt.Sprintf("%v=%g", k, v))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(bad)
	report := func(what string, s []string) {
		if len(s) > 0 {
			t.Errorf("%d %s, e.g. %v", len(s), what, s[:min(len(s), 5)])
		}
	}
	report("expected non-zero cells missing", missing)
	report("unexpected non-zero cells", extra)
	report("cells differ", bad)
}
