package particle

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// rstiltVars is R-STILT's default VARSIWANT, the list the reference runs used.
var rstiltVars = []string{"time", "indx", "long", "lati", "zagl", "foot", "mlht", "dens", "samt", "sigw", "tlgr"}

func TestParseRealMatchesStrconv(t *testing.T) {
	cases := []string{
		"-1.", "1.", "200.", "0", "-0.0", "+3.5", "-111.8468", "40.7660", "0.3167", "0.0227518",
		"150.00", "1.02394", "1.0000", "0.218", "7.5164", "1e5", "1.5E-03", "2.5e+22", "9007199254740993",
		"123456789012345678901234", "0.000000000000000000000000001", "1e-300", "4.9e-324", ".5", "5.",
		"0.1", "0.3", "1.7976931348623157e308", "12345678901234567890", "-0.", "3.14159265358979323846",
		"1E400",
	}
	for _, s := range cases {
		got, err := parseReal([]byte(s))
		if err != nil {
			t.Errorf("parseReal(%q): %v", s, err)
			continue
		}
		want, werr := strconv.ParseFloat(s, 64)
		if werr != nil && !errors.Is(werr, strconv.ErrRange) {
			t.Fatalf("strconv(%q): %v", s, werr)
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseReal(%q) = %v (%x), strconv gives %v (%x)", s, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
	// Fortran D exponents.
	if v, err := parseReal([]byte("2.5D+01")); err != nil || v != 25 {
		t.Errorf("parseReal(2.5D+01) = %v, %v; want 25", v, err)
	}
	for _, bad := range []string{"abc", "1.2.3", "-", "*******", "1e", "--1", "1..", "0x10"} {
		if v, err := parseReal([]byte(bad)); err == nil {
			t.Errorf("parseReal(%q) = %v, want an error", bad, v)
		}
	}
}

func TestDecodeStiltDATErrors(t *testing.T) {
	hdr := "   40.7659988      -111.848000       5.00000000    \n"
	cases := []struct {
		name    string
		text    string
		vars    []string
		wantErr string
		isEmpty bool
	}{
		{"empty file", "", rstiltVars[:2], "", true},
		{"header only", hdr, rstiltVars[:2], "", true},
		{"header and blank lines", hdr + "\n   \n", rstiltVars[:2], "", true},
		{"too few columns", hdr + " -1. 1.\n -1. 2. 3.\n", rstiltVars[:3], "line 2: 2 columns, expected 3", false},
		{"too many columns", hdr + " -1. 1. 5.\n -1. 2. 3. 4.\n", rstiltVars[:3], "line 3: 4 columns, expected 3", false},
		{"not a number", hdr + " -1. 1.\n -1. x\n", rstiltVars[:2], "line 3: column 2: \"x\" is not a number", false},
		{"fortran overflow", hdr + " -1. ******\n", rstiltVars[:2], "line 2: column 2: \"******\" is a Fortran overflow field", false},
		{"duplicate varsiwant", hdr + " -1. 1.\n", []string{"time", "time"}, "duplicate column", false},
		{"no varsiwant", hdr + " -1. 1.\n", nil, "varsiwant is empty", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeStiltDAT(strings.NewReader(c.text), c.vars)
			if err == nil {
				t.Fatal("no error")
			}
			if c.isEmpty != errors.Is(err, ErrEmptyTrajectory) {
				t.Fatalf("errors.Is(err, ErrEmptyTrajectory) = %v, want %v (err: %v)", !c.isEmpty, c.isEmpty, err)
			}
			if c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %q does not contain %q", err, c.wantErr)
			}
		})
	}
}

func TestDecodeStiltDATSmall(t *testing.T) {
	text := "   40.7659988      -111.848000       5.00000000    \n" +
		"        -1.       1.  -111.8468    40.7660\n" +
		"        -1.       2.  -111.8464    40.7661\r\n" +
		"\n" +
		"        -2.       1.  -111.8470    40.7659" // no final newline
	tab, err := DecodeStiltDAT(strings.NewReader(text), []string{"time", "indx", "long", "lati"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{-1, 1, -111.8468, 40.7660}, {-1, 2, -111.8464, 40.7661}, {-2, 1, -111.8470, 40.7659}}
	if tab.Len() != len(want) {
		t.Fatalf("%d rows, want %d", tab.Len(), len(want))
	}
	for i, w := range want {
		got := tab.Row(i, nil)
		for j := range w {
			if got[j] != w[j] {
				t.Errorf("row %d col %d = %v, want %v", i, j, got[j], w[j])
			}
		}
	}
}

func TestReadStiltDATMissing(t *testing.T) {
	_, err := ReadStiltDAT(filepath.Join(t.TempDir(), "PARTICLE_STILT.DAT"), rstiltVars)
	if !errors.Is(err, ErrNoParticleOutput) {
		t.Fatalf("err = %v, want ErrNoParticleOutput", err)
	}
	if !strings.Contains(err.Error(), "no particle output") {
		t.Fatalf("error text %q lacks \"no particle output\"", err)
	}
}

// refRun describes one reference run in shared/hysplit. Expected counts come
// from hysplit-interface.md §7.2 (rows, early-ending particles) and the run's
// CONTROL/SETUP.CFG (numpar, duration).
type refRun struct {
	dir      string
	numpar   int
	minutes  int // |n_hours|·60
	rows     int
	earlyEnd int     // particles with no row at the last minute
	footPer  float64 // sum(foot)/numpar from spec §7.3, 0 if not given
}

var refRuns = []refRun{
	{"A_np200", 200, 600, 120000, 0, 0.1067},
	{"B_np200", 200, 360, 72000, 0, 0.5423},
	{"col_0_3000_np1000", 1000, 600, 599122, 16, 0},
}

// rawLines returns the data lines of a gzipped PARTICLE_STILT.DAT, read
// independently of the parser under test.
func rawLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return lines[1:]
}

func TestReadStiltDATReference(t *testing.T) {
	for _, rr := range refRuns {
		t.Run(rr.dir, func(t *testing.T) {
			path := testenv.Shared(t, "hysplit", rr.dir, "PARTICLE_STILT.DAT.gz")
			tab, err := ReadStiltDAT(path, rstiltVars)
			if err != nil {
				t.Fatal(err)
			}
			lines := rawLines(t, path)
			if tab.Len() != len(lines) || tab.Len() != rr.rows {
				t.Fatalf("rows = %d, raw data lines = %d, spec says %d", tab.Len(), len(lines), rr.rows)
			}
			if got := tab.NumParticles(); got != rr.numpar {
				t.Errorf("particles = %d, want %d", got, rr.numpar)
			}
			// Every value of a sample of rows (all rows of A) equals
			// strconv's reading of the raw text, bit for bit.
			stride := 1
			if rr.dir != "A_np200" {
				stride = 97
			}
			row := make([]float64, len(rstiltVars))
			for i := 0; i < len(lines); i += stride {
				f := strings.Fields(lines[i])
				if len(f) != len(rstiltVars) {
					t.Fatalf("raw line %d has %d fields", i+2, len(f))
				}
				row = tab.Row(i, row)
				for j, s := range f {
					want, err := strconv.ParseFloat(strings.TrimSuffix(s, "."), 64)
					if err != nil {
						t.Fatalf("raw line %d field %d: %v", i+2, j+1, err)
					}
					if math.Float64bits(row[j]) != math.Float64bits(want) {
						t.Fatalf("row %d %s = %v, raw text %q", i, rstiltVars[j], row[j], s)
					}
				}
			}
			// Time runs from -1 to -minutes with no t = 0 row; rows are
			// ordered by time outward, then indx ascending.
			tm, idx := tab.Col("time"), tab.Col("indx")
			if tm[0] != -1 {
				t.Errorf("first time = %v, want -1", tm[0])
			}
			lastTime := map[float64]float64{}
			for i := range tm {
				if tm[i] == 0 || tm[i] < -float64(rr.minutes) {
					t.Fatalf("row %d: time %v outside [-%d, -1]", i, tm[i], rr.minutes)
				}
				if i > 0 && (tm[i] > tm[i-1] || (tm[i] == tm[i-1] && idx[i] <= idx[i-1])) {
					t.Fatalf("row %d: (time, indx) = (%v, %v) after (%v, %v)", i, tm[i], idx[i], tm[i-1], idx[i-1])
				}
				lastTime[idx[i]] = tm[i]
			}
			early := 0
			for _, lt := range lastTime {
				if lt != -float64(rr.minutes) {
					early++
				}
			}
			if early != rr.earlyEnd {
				t.Errorf("%d particles end before -%d min, want %d", early, rr.minutes, rr.earlyEnd)
			}
			if rr.footPer > 0 {
				sum := 0.0
				for _, v := range tab.Col("foot") {
					sum += v
				}
				if got := sum / float64(rr.numpar); math.Abs(got-rr.footPer) > 0.00005 {
					t.Errorf("sum(foot)/numpar = %.5f, spec says %.4f", got, rr.footPer)
				}
			}
		})
	}
}

func TestReadStiltDATPlainAndGzipAgree(t *testing.T) {
	gz := testenv.Shared(t, "hysplit", "B_np200", "PARTICLE_STILT.DAT.gz")
	plain := filepath.Join(t.TempDir(), "PARTICLE_STILT.DAT")
	lines := rawLines(t, gz)
	if err := os.WriteFile(plain, []byte("header\n"+strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := ReadStiltDAT(gz, rstiltVars)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadStiltDAT(plain, rstiltVars)
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != b.Len() {
		t.Fatalf("gz %d rows, plain %d rows", a.Len(), b.Len())
	}
	for _, name := range rstiltVars {
		ca, cb := a.Col(name), b.Col(name)
		for i := range ca {
			if ca[i] != cb[i] {
				t.Fatalf("%s row %d: gz %v, plain %v", name, i, ca[i], cb[i])
			}
		}
	}
}

// A sample row from hysplit-interface.md §7.1 (the first data row of A).
func TestReadStiltDATSpecRow(t *testing.T) {
	tab, err := ReadStiltDAT(testenv.Shared(t, "hysplit", "A_np200", "PARTICLE_STILT.DAT.gz"), rstiltVars)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{-1, 1, -111.8468, 40.7660, 0.3167, 0.0227518, 150.00, 1.02394, 1.0000, 0.218, 7.5164}
	got := tab.Row(0, nil)
	for j := range want {
		if got[j] != want[j] {
			t.Errorf("%s = %v, want %v", rstiltVars[j], got[j], want[j])
		}
	}
}

func TestAddReleaseHeightsColumnReference(t *testing.T) {
	tab, err := ReadStiltDAT(testenv.Shared(t, "hysplit", "col_0_3000_np1000", "PARTICLE_STILT.DAT.gz"), rstiltVars)
	if err != nil {
		t.Fatal(err)
	}
	// CONTROL of that run: 40.766 -111.848 0 and 40.766 -111.848 3000, numpar 1000.
	r := receptor.Receptor{Kind: receptor.Column, Time: time.Date(2019, 5, 30, 11, 0, 0, 0, time.UTC),
		Lons: []float64{-111.848, -111.848}, Lats: []float64{40.766, 40.766}, Heights: []float64{0, 3000}}
	if err := AddReleaseHeights(tab, r, 1000); err != nil {
		t.Fatal(err)
	}
	xh, idx, zagl, tm := tab.Col("xhgt"), tab.Col("indx"), tab.Col("zagl"), tab.Col("time")
	if xh == nil {
		t.Fatal("no xhgt column")
	}
	var maxDev float64
	var sx, sy, sxx, syy, sxy, n float64
	for i := range xh {
		// Spec §6.1 formula with N = numpar = 1000: 3 m per particle.
		if want := (idx[i] - 0.5) * 3; math.Abs(xh[i]-want) > 1e-9 {
			t.Fatalf("row %d indx %v: xhgt %v, want %v", i, idx[i], xh[i], want)
		}
		if tm[i] != -1 {
			continue
		}
		maxDev = math.Max(maxDev, math.Abs(zagl[i]-xh[i]))
		sx += xh[i]
		sy += zagl[i]
		sxx += xh[i] * xh[i]
		syy += zagl[i] * zagl[i]
		sxy += xh[i] * zagl[i]
		n++
	}
	// The binary spreads particles evenly along the line in index order
	// (spec §6.1: corr 0.99981, max deviation 134 m after one minute).
	corr := (n*sxy - sx*sy) / math.Sqrt((n*sxx-sx*sx)*(n*syy-sy*sy))
	if corr < 0.999 || maxDev > 150 {
		t.Errorf("xhgt vs zagl at t=-1: corr %.5f (want > 0.999), max |dev| %.1f m (want < 150)", corr, maxDev)
	}
	// numpar <= 0 takes N from max(indx): particle 1000 is present, so the
	// same heights result.
	tab2 := tab.Clone()
	if err := AddReleaseHeights(tab2, r, 0); err != nil {
		t.Fatal(err)
	}
	for i, v := range tab2.Col("xhgt") {
		if v != xh[i] {
			t.Fatalf("row %d: xhgt with N from indx %v, with numpar %v", i, v, xh[i])
		}
	}
}

func TestAddReleaseHeightsMultipoint(t *testing.T) {
	r := receptor.Receptor{Kind: receptor.MultiPoint, Lons: []float64{-112, -111, -110}, Lats: []float64{40, 41, 42},
		Heights: []float64{5, 50, 500}}
	mk := func(rows [][4]float64) *Table {
		tab := MustNew([]string{"time", "indx", "long", "lati"}, 0)
		for _, rw := range rows {
			tab.AppendRow(rw[:])
		}
		return tab
	}
	cases := []struct {
		name   string
		rows   [][4]float64
		numpar int
		want   map[float64]float64 // indx -> xhgt
	}{
		{
			// All 4 particles present at t=-1: nearest point wins, so
			// particle 1 (near point 3) gets 500 regardless of its index.
			name: "nearest point",
			rows: [][4]float64{
				{-1, 1, -110.01, 42.0}, {-1, 2, -111.0, 41.02}, {-1, 3, -112.0, 40.0}, {-1, 4, -111.9, 40.1},
				{-2, 1, -120, 30}, {-2, 2, -120, 30},
			},
			numpar: 4,
			want:   map[float64]float64{1: 500, 2: 50, 3: 5, 4: 5},
		},
		{
			// Particle 5 missing at the release step: block rule, 7 particles
			// over 3 points -> 3, 2, 2.
			name: "block rule",
			rows: [][4]float64{
				{-1, 1, 0, 0}, {-1, 2, 0, 0}, {-1, 3, 0, 0}, {-1, 4, 0, 0}, {-1, 6, 0, 0}, {-1, 7, 0, 0},
				{-2, 5, 0, 0},
			},
			numpar: 7,
			want:   map[float64]float64{1: 5, 2: 5, 3: 5, 4: 50, 5: 50, 6: 500, 7: 500},
		},
		{
			// Forward run: release step is +1.
			name:   "forward nearest",
			rows:   [][4]float64{{2, 1, -112, 40}, {1, 1, -110, 42}, {1, 2, -112, 40}, {1, 3, -111, 41}},
			numpar: 0,
			want:   map[float64]float64{1: 500, 2: 5, 3: 50},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := mk(c.rows)
			if err := AddReleaseHeights(tab, r, c.numpar); err != nil {
				t.Fatal(err)
			}
			idx, xh := tab.Col("indx"), tab.Col("xhgt")
			for i := range idx {
				if xh[i] != c.want[idx[i]] {
					t.Errorf("row %d indx %v: xhgt %v, want %v", i, idx[i], xh[i], c.want[idx[i]])
				}
			}
		})
	}
}

func TestAddReleaseHeightsPointUnchanged(t *testing.T) {
	tab := MustNew([]string{"time", "indx"}, 0)
	tab.AppendRow([]float64{-1, 1})
	r := receptor.Receptor{Kind: receptor.Point, Lons: []float64{0}, Lats: []float64{0}, Heights: []float64{5}}
	if err := AddReleaseHeights(tab, r, 1); err != nil {
		t.Fatal(err)
	}
	if tab.Has("xhgt") {
		t.Fatal("point receptor got an xhgt column")
	}
}

// writeBenchFile writes receptor A's particle file uncompressed (about
// 15 MB) for benchmarks.
func writeBenchFile(b *testing.B) string {
	b.Helper()
	src := testenv.Shared(b, "hysplit", "A_np200", "PARTICLE_STILT.DAT.gz")
	f, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	dst := filepath.Join(b.TempDir(), "PARTICLE_STILT.DAT")
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriter(out)
	if _, err := io.Copy(bw, zr); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	out.Close()
	return dst
}

// BenchmarkReadStiltDAT parses receptor A's 14.9 MB PARTICLE_STILT.DAT.
func BenchmarkReadStiltDAT(b *testing.B) {
	path := writeBenchFile(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ReadStiltDAT(path, rstiltVars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadStiltDATStrconv is the baseline: strings.Fields plus
// strconv.ParseFloat per field.
func BenchmarkReadStiltDATStrconv(b *testing.B) {
	path := writeBenchFile(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sc.Scan()
		tab := MustNew(rstiltVars, 0)
		row := make([]float64, len(rstiltVars))
		for sc.Scan() {
			for j, s := range strings.Fields(sc.Text()) {
				row[j], _ = strconv.ParseFloat(s, 64)
			}
			tab.AppendRow(row)
		}
		f.Close()
	}
}

// FuzzParseReal: whenever strconv reads a string, parseReal reads the same
// bits; it never panics.
func FuzzParseReal(f *testing.F) {
	for _, s := range []string{"-1.", "0.0227518", "1e22", "9007199254740993", "1.5D+01", "0x1p-2", "inf", "1.5-300", "*****"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseReal([]byte(s))
		want, werr := strconv.ParseFloat(s, 64)
		if werr != nil && !errors.Is(werr, strconv.ErrRange) {
			return
		}
		if err != nil {
			t.Fatalf("parseReal(%q): %v; strconv gives %v", s, err, want)
		}
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("parseReal(%q) = %v, strconv %v", s, got, want)
		}
	})
}

// FuzzDecodeStiltDAT: arbitrary input never panics, and a successful parse
// has equal-length columns.
func FuzzDecodeStiltDAT(f *testing.F) {
	f.Add("hdr\n -1. 1. 2.\n -2. 1. 3.\n")
	f.Add("")
	f.Add("hdr\n1 2\n")
	f.Add("hdr\n1e400 -0 NaN\n")
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := DecodeStiltDAT(strings.NewReader(s), []string{"time", "indx", "zagl"})
		if err != nil {
			return
		}
		n := tab.Len()
		for _, name := range tab.Names() {
			if len(tab.Col(name)) != n {
				t.Fatalf("column %s has %d rows, table %d", name, len(tab.Col(name)), n)
			}
		}
		if n == 0 {
			t.Fatal("success with no rows")
		}
	})
}
