package met

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

// packTol is the packing precision of a record: one byte step 2^(NEXP-7)
// (the packer keeps errors within half a step; values below PREC become 0).
func packTol(lab Label) float64 { return math.Ldexp(1, lab.NExp-7) }

func TestSynthReadBack(t *testing.T) {
	cases := []struct {
		name string
		spec SynthSpec
	}{
		{"latlon-flat", SynthSpec{Grid: "latlon", NX: 12, NY: 9, Hours: 3, FileHours: 2}},
		{"lambert-slope", SynthSpec{Grid: "lambert", NX: 15, NY: 11, Hours: 2, Slope: 20, W: 0.05}},
		{"latlon-calm-literal", SynthSpec{NX: 6, NY: 5, Hours: 2, Literal: true, U0: 0, V0: -2, TAmp: 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			paths, err := Synth(dir, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			s := tc.spec.WithDefaults()
			wantFiles := (s.Hours + s.FileHours - 1) / s.FileHours
			if len(paths) != wantFiles {
				t.Fatalf("%d files, want %d", len(paths), wantFiles)
			}
			ds, err := OpenDataset(paths...)
			if err != nil {
				t.Fatal(err)
			}
			defer ds.Close()
			if len(ds.Times()) != s.Hours || (s.Hours > 1 && ds.Step() != time.Hour) {
				t.Fatalf("times %v step %s", ds.Times(), ds.Step())
			}
			g := ds.Grid()
			if got, want := g.Proj.String(), s.Grid; got != want {
				t.Errorf("projection %s, want %s", got, want)
			}
			nchecked := 0
			for _, tm := range ds.Times() {
				f, _ := ds.File(tm)
				for _, rec := range f.Layout() {
					lab, _, err := f.Raw(rec.Var, rec.Level, tm)
					if err != nil {
						t.Fatal(err)
					}
					fl, err := f.Read(rec.Var, rec.Level, tm)
					if err != nil {
						t.Fatal(err)
					}
					tol := packTol(lab) + 1e-6*math.Abs(lab.Var1)
					for j := 1; j <= fl.Ny; j++ {
						for i := 1; i <= fl.Nx; i++ {
							lat, lon := g.XYToLatLon(float64(i), float64(j))
							want, err := s.Value(rec.Var, rec.Level, lon, lat, tm)
							if err != nil {
								t.Fatal(err)
							}
							if got := float64(fl.At(i, j)); math.Abs(got-want) > tol {
								t.Fatalf("%s %s L%d (%d,%d): read %g, analytic %g (tol %g)", tm, rec.Var, rec.Level, i, j, got, want, tol)
							}
							nchecked++
						}
					}
				}
			}
			if nchecked == 0 {
				t.Fatal("nothing checked")
			}
			// Heights from the stored PRSS and TEMP reproduce the analytic
			// level heights (hypsometric, isothermal column).
			tm := ds.Times()[len(ds.Times())-1]
			snap, err := ds.Snapshot(tm, []string{"PRSS"}, []string{"TEMP"})
			if err != nil {
				t.Fatal(err)
			}
			i, j := s.NX/2, s.NY/2
			lat, lon := g.XYToLatLon(float64(i), float64(j))
			col := Column{PSfc: float64(snap.Surface["PRSS"].At(i, j))}
			for k := range snap.Upper["TEMP"].Levels {
				col.Temp = append(col.Temp, float64(snap.Upper["TEMP"].Layer(k).At(i, j)))
			}
			z, err := ds.Vertical().HeightsAGL(col)
			if err != nil {
				t.Fatal(err)
			}
			for k := range z {
				want := s.LevelHeight(k+1, lon, lat, tm)
				if math.Abs(z[k]-want) > 1+1e-3*want {
					t.Errorf("level %d height %g, analytic %g", k+1, z[k], want)
				}
			}
			// Earth-relative winds: rotating the stored grid winds back gives
			// the analytic wind.
			uf, _ := ds.Read("UWND", 3, tm)
			vf, _ := ds.Read("VWND", 3, tm)
			ue, ve := g.ToEarth(float64(uf.At(i, j)), float64(vf.At(i, j)), lon)
			wu, wv := s.Wind(lon, lat, s.LevelHeight(3, lon, lat, tm), tm)
			if math.Abs(ue-wu) > 0.05 || math.Abs(ve-wv) > 0.05 {
				t.Errorf("earth wind (%g,%g), analytic (%g,%g)", ue, ve, wu, wv)
			}
		})
	}
}

// TestHRRRWriteRoundTrip decodes every record of an HRRR file, writes the
// fields with Writer and checks the re-read file equals them within the
// packing precision, and that the layout and size are unchanged.
func TestHRRRWriteRoundTrip(t *testing.T) {
	src, err := Open(testenv.Shared(t, "met", hrrrFiles[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out := filepath.Join(t.TempDir(), "rt")
	w, err := Create(out, src.Header(), src.Index().Levels)
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range src.Times() {
		if err := w.WritePeriod(tm, func(level int, name string) ([]float32, error) {
			f, err := src.Read(name, level, tm)
			if err != nil {
				return nil, err
			}
			return f.Data, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	dst, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if dst.Size() != src.Size() {
		t.Errorf("size %d, source %d", dst.Size(), src.Size())
	}
	if _, err := dst.Verify(); err != nil {
		t.Fatalf("written file fails verification: %v", err)
	}
	// Re-packing the decoded values reproduces HYSPLIT's bytes for nearly
	// every record (known exceptions: a sub-PREC value at (1,1), which the
	// unpacker zeroes, and float32 rounding at the exponent boundary).
	same, n := 0, 0
	for _, tm := range src.Times() {
		for _, rec := range src.Layout() {
			_, a, _ := src.Raw(rec.Var, rec.Level, tm)
			_, b, err := dst.Raw(rec.Var, rec.Level, tm)
			if err != nil {
				t.Fatal(err)
			}
			n++
			if string(a) == string(b) {
				same++
			}
		}
	}
	if float64(same) < 0.99*float64(n) {
		t.Errorf("only %d of %d re-packed records are byte-identical to HYSPLIT's", same, n)
	}
	t.Logf("%d of %d re-packed records byte-identical", same, n)
	if dst.Header() != src.Header() {
		t.Errorf("header %+v, source %+v", dst.Header(), src.Header())
	}
	for _, tm := range src.Times() {
		for _, rec := range src.Layout() {
			a, _ := src.Read(rec.Var, rec.Level, tm)
			b, err := dst.Read(rec.Var, rec.Level, tm)
			if err != nil {
				t.Fatal(err)
			}
			lab, _, _ := dst.Raw(rec.Var, rec.Level, tm)
			tol := packTol(lab)
			for k := range a.Data {
				if d := math.Abs(float64(a.Data[k] - b.Data[k])); d > tol {
					t.Fatalf("%s %s L%d point %d: %g vs %g (tol %g)", tm, rec.Var, rec.Level, k, a.Data[k], b.Data[k], tol)
				}
			}
		}
	}
}

// TestConcatenatedFiles: files concatenated byte for byte (as stiltctl merges
// crops) read as one file.
func TestConcatenatedFiles(t *testing.T) {
	paths, err := Synth(t.TempDir(), SynthSpec{NX: 7, NY: 6, Hours: 6, FileHours: 3, Sigma: []float64{0.99, 0.9}})
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	cat := filepath.Join(t.TempDir(), "merged")
	if err := os.WriteFile(cat, all, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(cat)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(f.Times()) != 6 || f.Step() != time.Hour {
		t.Errorf("merged file: times %v step %s", f.Times(), f.Step())
	}
	if _, err := f.Verify(); err != nil {
		t.Error(err)
	}
	// a gap (first and last file only) is a varying time interval
	b0, _ := os.ReadFile(paths[0])
	sw, _ := Synth(t.TempDir(), SynthSpec{NX: 7, NY: 6, Hours: 2, Start: time.Date(2019, 5, 30, 5, 0, 0, 0, time.UTC), Sigma: []float64{0.99, 0.9}})
	b1, _ := os.ReadFile(sw[0])
	gap := filepath.Join(t.TempDir(), "gap")
	os.WriteFile(gap, append(b0, b1...), 0o644)
	if _, err := Open(gap); err == nil || !strings.Contains(err.Error(), "interval varies") {
		t.Errorf("gap: %v", err)
	}
}

func TestSynthLiteralAndDefaults(t *testing.T) {
	tm := time.Date(2019, 5, 30, 12, 0, 0, 0, time.UTC)
	u, v := SynthSpec{Literal: true, V0: -2}.Wind(-112, 40.5, 500, tm)
	if u != 0 || v != -2 {
		t.Errorf("literal calm wind (%g,%g), want (0,-2)", u, v)
	}
	u, v = SynthSpec{}.Wind(-112, 40.5, 100, tm)
	if math.Abs(u-3.2) > 1e-12 || math.Abs(v-1.05) > 1e-12 {
		t.Errorf("default wind at 100 m (%g,%g), want (3.2,1.05)", u, v)
	}
	s := SynthSpec{}
	if s.PBLH(-112, 40.5, time.Date(2019, 5, 30, 3, 0, 0, 0, time.UTC)) != 200 {
		t.Error("night PBL height is not PBLMin")
	}
	// local noon at lon -112 is 19:28 UTC: PBL near its maximum
	if z := s.PBLH(-112, 40.5, time.Date(2019, 5, 30, 19, 28, 0, 0, time.UTC)); z < 1990 {
		t.Errorf("afternoon PBL %g", z)
	}
}
