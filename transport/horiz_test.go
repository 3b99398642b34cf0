package transport

import (
	"context"
	"math"
	"testing"
)

// The horizontal turbulent velocity of the default scheme is a stationary
// AR(1) process: u'_1 ~ N(0, σ_u²) at the first step (hycs_std v5.1.0, see
// bench/RESULTS-transport.md), then u'_n = R·u'_{n−1} + √(1−R²)·σ_u·ξ with
// R = exp(−Δt/HSCALE). With no mean wind the displacement after n steps of
// Δt is Δt·Σu'_i, whose variance is σ_u²Δt²·Σ_i Σ_j R^|i−j|; the test
// compares the particles' σ_x, σ_y with that sum (derived here, not taken
// from the engine).
func TestHorizontalStationaryAR1(t *testing.T) {
	const sigu = 0.2
	a := &analyticMet{nx: 30, ny: 30, dx: 3000, h: InternalLevels(25000)[:8], ztop: 25000, hours: 1, t0: t0, zi: 500, sigu: sigu}
	m := a.build()
	g := m.G.(FlatGrid)
	cases := []struct {
		name   string
		hscale float64
	}{
		{"ballistic", 1e9},
		{"hscale 600 s", 600},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			p.HScale = tc.hscale
			const np = 4000
			sim := Simulation{ID: "h", Receptor: pointAt(g, 15, 15, 300, 1), NHours: -1, NumPar: np, Seed: 3, Params: p}
			tab, err := (&Native{Met: m}).Run(context.Background(), sim)
			if err != nil {
				t.Fatal(err)
			}
			tm, lon, lat := tab.Col("time"), tab.Col("long"), tab.Col("lati")
			R := math.Exp(-60 / tc.hscale)
			for _, n := range []int{1, 10, 60} {
				var sxx, syy, mx, my float64
				var xs, ys []float64
				for i := range tm {
					if tm[i] == float64(-n) {
						x, y := g.ToXY(lat[i], lon[i])
						xs, ys = append(xs, x*3000), append(ys, y*3000)
						mx += x * 3000
						my += y * 3000
					}
				}
				if len(xs) != np {
					t.Fatalf("t=%d: %d particles, want %d", n, len(xs), np)
				}
				mx /= np
				my /= np
				for i := range xs {
					sxx += (xs[i] - mx) * (xs[i] - mx)
					syy += (ys[i] - my) * (ys[i] - my)
				}
				var sum float64
				for i := 0; i < n; i++ {
					for j := 0; j < n; j++ {
						sum += math.Pow(R, math.Abs(float64(i-j)))
					}
				}
				want := sigu * 60 * math.Sqrt(sum)
				sx, sy := math.Sqrt(sxx/np), math.Sqrt(syy/np)
				// sampling sd of a sample sd: 1/√(2N) = 1.1%; allow 5%
				if math.Abs(sx/want-1) > 0.05 || math.Abs(sy/want-1) > 0.05 {
					t.Errorf("t=%d min: σ_x, σ_y = %.2f, %.2f m, want %.2f m (±5%%)", n, sx, sy, want)
				}
			}
		})
	}
}
