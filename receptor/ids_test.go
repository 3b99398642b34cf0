package receptor

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func parseFloats(t *testing.T, s string) []float64 {
	t.Helper()
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatalf("golden float %q: %v", f, err)
		}
		out = append(out, v)
	}
	return out
}

// TestIDsGolden compares against ids computed by testdata/gen_ids.py with
// Python's own repr/round/json/hashlib (regenerate with
// `python3 testdata/gen_ids.py > testdata/ids_golden.tsv`).
func TestIDsGolden(t *testing.T) {
	f, err := os.Open("testdata/ids_golden.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	n := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 10 {
			t.Fatalf("golden line %q: %d columns", sc.Text(), len(cols))
		}
		n++
		tm, err := time.Parse("200601021504", cols[1])
		if err != nil {
			t.Fatal(err)
		}
		r := Receptor{Time: tm, Lons: parseFloats(t, cols[2]), Lats: parseFloats(t, cols[3]), Heights: parseFloats(t, cols[4])}
		switch cols[0] {
		case "point":
			r.Kind = Point
		case "column":
			r.Kind = Column
			r.Lons = append(r.Lons, r.Lons[0])
			r.Lats = append(r.Lats, r.Lats[0])
		case "multipoint":
			r.Kind = MultiPoint
		}
		t.Run(cols[8], func(t *testing.T) {
			if got := r.LocationID(); got != cols[6] {
				t.Errorf("LocationID = %q, want %q", got, cols[6])
			}
			if got := r.ReceptorID(); got != cols[7] {
				t.Errorf("ReceptorID = %q, want %q", got, cols[7])
			}
			got, err := r.SimID(cols[5])
			if err != nil || got != cols[8] {
				t.Errorf("SimID = %q, %v; want %q", got, err, cols[8])
			}
			if !SimIDPattern.MatchString(got) {
				t.Errorf("SimID %q does not match %v", got, SimIDPattern)
			}
			if cols[0] == "multipoint" {
				if got := MultipointHashInput(r.Lons, r.Lats, r.Heights); got != cols[9] {
					t.Errorf("hash input = %s, want %s", got, cols[9])
				}
			}
		})
	}
	if n < 20 {
		t.Fatalf("only %d golden vectors", n)
	}
}

func TestFormatNumberSpecVectors(t *testing.T) {
	// Vectors listed in receptors-and-met.md §2.2.
	for _, c := range []struct {
		in   float64
		want string
	}{
		{5.0, "5"}, {-111.85, "-111.85"}, {40.77, "40.77"}, {0.1, "0.1"},
		{1e-05, "1e-05"}, {123456789.5, "123456789.5"}, {-112.0, "-112"},
		{0.00005, "5e-05"}, {1.5e16, "15000000000000000"}, {1.25e17 + 0.5, "125000000000000000"},
	} {
		if got := FormatNumber(c.in); got != c.want {
			t.Errorf("FormatNumber(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSimIDRejectsBadMetKey(t *testing.T) {
	r := Receptor{Kind: Point, Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Lons: []float64{1}, Lats: []float64{2}, Heights: []float64{3}}
	for _, k := range []string{"", "HRRR", "hr_rr", "hrrr-3km"} {
		if _, err := r.SimID(k); err == nil {
			t.Errorf("SimID(%q) accepted", k)
		}
	}
}
