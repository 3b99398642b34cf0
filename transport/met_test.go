package transport

import (
	"math"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

// The engine's own minimal ARL reader and the met package must give the
// same preprocessed frames, and the grids must agree (two independent
// decoders and projections).
func TestMetPathsAgree(t *testing.T) {
	f := testenv.Shared(t, "met", "20190530_00-05_hrrr")
	p := DefaultParams()
	a, err := NewARLMet([]string{f}, p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenMet([]string{f}, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Frs) != len(b.Frs) || len(a.Frs) != 6 {
		t.Fatalf("frames: own reader %d, met %d, want 6", len(a.Frs), len(b.Frs))
	}
	for i := range a.Frs {
		fa, fb := a.Frs[i], b.Frs[i]
		if !fa.Time.Equal(fb.Time) {
			t.Fatalf("frame %d: time %s vs %s", i, fa.Time, fb.Time)
		}
		for _, c := range []struct {
			name string
			x, y []float32
		}{{"U", fa.U, fb.U}, {"W", fa.W, fb.W}, {"Dens", fa.Dens, fb.Dens}, {"SigW", fa.SigW, fb.SigW}, {"ZI", fa.ZI, fb.ZI}, {"Zsfc", fa.Zsfc, fb.Zsfc}} {
			for k := range c.x {
				d := math.Abs(float64(c.x[k] - c.y[k]))
				if d > 1e-4*(1+math.Abs(float64(c.x[k]))) {
					t.Fatalf("frame %d %s[%d]: own %g, met %g", i, c.name, k, c.x[k], c.y[k])
				}
			}
		}
	}
	// grid corners (arl-format.md §8.1) and a round trip
	corners := []struct{ x, y, lat, lon float64 }{{1, 1, 40.1015, -112.91}, {59, 1, 40.345, -110.887}, {1, 41, 41.165, -113.149}, {59, 41, 41.412, -111.095}}
	for _, g := range []Grid{a.G, b.G} {
		for _, c := range corners {
			lat, lon := g.ToLatLon(c.x, c.y)
			if math.Abs(lat-c.lat) > 2e-3 || math.Abs(lon-c.lon) > 2e-3 {
				t.Errorf("%T corner (%g,%g): %.4f,%.4f want %.4f,%.4f", g, c.x, c.y, lat, lon, c.lat, c.lon)
			}
			x, y := g.ToXY(lat, lon)
			if math.Abs(x-c.x) > 1e-6 || math.Abs(y-c.y) > 1e-6 {
				t.Errorf("%T round trip (%g,%g) -> (%g,%g)", g, c.x, c.y, x, y)
			}
		}
		dx, _ := g.UnitMetres(34.56, 20.5)
		if math.Abs(dx-3000) > 10 {
			t.Errorf("%T grid unit %g m at receptor A, want ≈3000", g, dx)
		}
	}
}
