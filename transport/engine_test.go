package transport

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/receptor"
)

var t0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func pointAt(g FlatGrid, x, y, z float64, hours int) receptor.Receptor {
	lat, lon := g.ToLatLon(x, y)
	return receptor.Receptor{Kind: receptor.Point, Time: t0.Add(time.Duration(hours) * time.Hour),
		Lons: []float64{lon}, Lats: []float64{lat}, Heights: []float64{z}}
}

// A deformation flow u = b(x−xc)Δx, v = −b(y−yc)Δx (m/s) has the exact
// solution x(t) = xc + (x0−xc)e^{bt}; with turbulence off the engine must
// follow it (backward in time) to 1e-6 relative.
func TestMeanTrajectoryAnalytic(t *testing.T) {
	const b = 2e-5 // 1/s
	const xc, yc = 30.0, 30.0
	a := &analyticMet{nx: 60, ny: 60, dx: 3000, h: InternalLevels(25000)[:12], ztop: 25000, hours: 6, t0: t0, zi: 500,
		wind: func(x, y float64, k int) (float64, float64, float64) {
			return b * (x - xc) * 3000, -b * (y - yc) * 3000, 0
		}}
	m := a.build()
	g := m.G.(FlatGrid)
	cases := []struct {
		name   string
		x0, y0 float64
		hours  int
	}{
		{"ne", 40, 25, -6},
		{"sw", 22, 37, -5},
		{"forward", 35, 35, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			p.NTurb = true
			start := 6
			if tc.hours > 0 {
				start = 0
			}
			sim := Simulation{ID: tc.name, Receptor: pointAt(g, tc.x0, tc.y0, 500, start), NHours: tc.hours, NumPar: 2, Seed: 1, Params: p}
			tab, err := (&Native{Met: m}).Run(context.Background(), sim)
			if err != nil {
				t.Fatal(err)
			}
			tm, lon, lat, z := tab.Col("time"), tab.Col("long"), tab.Col("lati"), tab.Col("zagl")
			if tab.Len() != 2*abs(tc.hours)*60 {
				t.Fatalf("rows = %d, want %d", tab.Len(), 2*abs(tc.hours)*60)
			}
			for i := range tm {
				ts := tm[i] * 60
				wantX := xc + (tc.x0-xc)*math.Exp(b*ts)
				wantY := yc + (tc.y0-yc)*math.Exp(-b*ts)
				x, y := g.ToXY(lat[i], lon[i])
				dx := math.Abs(x - wantX)
				scale := math.Abs(wantX-tc.x0) + 1e-3
				if dx/scale > 1e-6 || math.Abs(y-wantY)/(math.Abs(wantY-tc.y0)+1e-3) > 1e-6 {
					t.Fatalf("t=%g: x,y = %.9f,%.9f want %.9f,%.9f", tm[i], x, y, wantX, wantY)
				}
				if math.Abs(z[i]-500) > 1e-9 {
					t.Fatalf("t=%g: zagl %g, want 500 (no vertical motion)", tm[i], z[i])
				}
			}
		})
	}
}

// Thomson's well-mixed criterion: particles distributed as the air density
// stay so distributed, for layer-wise varying σ_w, T_L and ρ; reflection at
// ground and top conserves particles.
func TestWellMixedAndReflection(t *testing.T) {
	h := InternalLevels(25000)[:8] // 10 … 1300 m
	sw := []float64{0.25, 0.6, 0.9, 1.1, 0.8, 0.5, 0.3, 0.3}
	tl := []float64{8, 30, 60, 80, 70, 50, 40, 40}
	rho := []float64{1.10, 1.09, 1.07, 1.05, 1.02, 0.99, 0.96, 0.96}
	a := &analyticMet{nx: 20, ny: 20, dx: 3000, h: h, ztop: 25000, hours: 2, t0: t0, zi: 5000,
		sigw: func(k int) float64 { return sw[k] }, tl: func(k int) float64 { return tl[k] },
		dens: func(k int) float64 { return rho[k] }}
	m := a.build()
	g := m.G.(FlatGrid)
	const np = 4000
	p := DefaultParams()
	p.Workers = 2
	n := &Native{Met: m}
	// expected occupancy of layer L: ρ_L·thickness (the scheme's layer-constant density)
	nlay := len(h) - 1
	bounds := append([]float64{0}, h[1:]...)
	expect := make([]float64, nlay)
	var tot float64
	for L := 0; L < nlay; L++ {
		expect[L] = rho[L] * (bounds[L+1] - bounds[L])
		tot += expect[L]
	}
	// start well mixed: one release point per particle, heights a stratified
	// sample of the ρ-weighted distribution
	rc := pointAt(g, 10, 10, 5, 2)
	rc.Kind = receptor.MultiPoint
	rc.Lons, rc.Lats, rc.Heights = nil, nil, nil
	for i := 0; i < np; i++ {
		q := (float64(i) + 0.5) / np * tot
		L := 0
		for q > expect[L] && L < nlay-1 {
			q -= expect[L]
			L++
		}
		rc.Lons = append(rc.Lons, pointAt(g, 10, 10, 5, 2).Lons[0])
		rc.Lats = append(rc.Lats, pointAt(g, 10, 10, 5, 2).Lats[0])
		rc.Heights = append(rc.Heights, bounds[L]+q/rho[L])
	}
	sim := Simulation{ID: "wm", Receptor: rc, NHours: -2, NumPar: np, Seed: 7, Params: p}
	tab, err := n.Run(context.Background(), sim)
	if err != nil {
		t.Fatal(err)
	}
	tm, z := tab.Col("time"), tab.Col("zagl")
	counts := map[float64]int{}
	occ := make([]float64, nlay)
	for i := range tm {
		counts[tm[i]]++
		if z[i] < 0 || z[i] > h[len(h)-1]+1e-9 {
			t.Fatalf("row %d: zagl %g outside [0, %g]", i, z[i], h[len(h)-1])
		}
		if tm[i] == -120 {
			for L := 0; L < nlay; L++ {
				if z[i] < bounds[L+1] || L == nlay-1 {
					occ[L]++
					break
				}
			}
		}
	}
	for tt, c := range counts {
		if c != np {
			t.Fatalf("time %g: %d particles, want %d (reflection must conserve particles)", tt, c, np)
		}
	}
	// χ² against the ρ-weighted occupancy after 2 h, 6 dof: 99.9% = 22.5.
	var chi2 float64
	for L := 0; L < nlay; L++ {
		e := np * expect[L] / tot
		chi2 += (occ[L] - e) * (occ[L] - e) / e
		t.Logf("layer %d [%4.0f,%4.0f): %5.0f particles, expected %6.1f", L, bounds[L], bounds[L+1], occ[L], e)
	}
	if chi2 > 22.5 {
		t.Errorf("chi2 = %.1f > 22.5: not well mixed", chi2)
	}
}

// With a constant mixed layer and uniform dry-air density the foot of each
// row is 0.02884·60·samt/(ρ_dry·h_s), and when the whole column lies below
// h_s every particle accumulates 0.02884·60·T/(ρ_dry·h_s).
func TestFootAnalytic(t *testing.T) {
	h := InternalLevels(25000)[:8]
	const rhoDry = 1.1
	cases := []struct {
		name     string
		zi       float64
		allBelow bool
	}{
		{"partial", 600, false},      // h_s = 300 m inside the column
		{"whole column", 4000, true}, // h_s = 2000 m above the 1300 m top
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := &analyticMet{nx: 20, ny: 20, dx: 3000, h: h, ztop: 25000, hours: 1, t0: t0, zi: tc.zi,
				sigw: func(k int) float64 { return 0.5 }, tl: func(k int) float64 { return 30 },
				dens: func(k int) float64 { return rhoDry }}
			m := a.build()
			g := m.G.(FlatGrid)
			p := DefaultParams()
			sim := Simulation{ID: "foot", Receptor: pointAt(g, 10, 10, 5, 1), NHours: -1, NumPar: 200, Seed: 3, Params: p}
			tab, err := (&Native{Met: m}).Run(context.Background(), sim)
			if err != nil {
				t.Fatal(err)
			}
			hs := 0.5 * tc.zi
			foot, samt := tab.Col("foot"), tab.Col("samt")
			var total float64
			for i := range foot {
				want := 0.02884 * 60 * samt[i] / (rhoDry * hs)
				if math.Abs(foot[i]-want) > 1e-6*want+1e-15 {
					t.Fatalf("row %d: foot %g, want %g (samt %g)", i, foot[i], want, samt[i])
				}
				total += foot[i]
			}
			if tc.allBelow {
				want := 0.02884 * 60 * 60 / (rhoDry * hs) * 200
				if math.Abs(total-want) > 1e-6*want { // met stored as float32
					t.Fatalf("total foot %g, want %g", total, want)
				}
			} else if total == 0 {
				t.Fatal("no foot at all from a 5 m release")
			}
		})
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	h := InternalLevels(25000)[:10]
	a := &analyticMet{nx: 30, ny: 30, dx: 3000, h: h, ztop: 25000, hours: 1, t0: t0, zi: 800,
		wind: func(x, y float64, k int) (float64, float64, float64) { return 2 + 0.1*float64(k), 1 - 0.05*y, 0.01 },
		sigw: func(k int) float64 { return 0.3 + 0.05*float64(k) }, tl: func(k int) float64 { return 20 + 5*float64(k) }}
	m := a.build()
	g := m.G.(FlatGrid)
	run := func(workers int, seed uint64) []float64 {
		p := DefaultParams()
		p.Workers = workers
		sim := Simulation{ID: "det", Receptor: pointAt(g, 15, 15, 10, 1), NHours: -1, NumPar: 37, Seed: seed, Params: p}
		tab, err := (&Native{Met: m}).Run(context.Background(), sim)
		if err != nil {
			t.Fatal(err)
		}
		var all []float64
		for _, c := range Columns {
			all = append(all, tab.Col(c)...)
		}
		return all
	}
	ref := run(1, 11)
	for _, w := range []int{2, 3, 8} {
		got := run(w, 11)
		if len(got) != len(ref) {
			t.Fatalf("workers=%d: %d values, want %d", w, len(got), len(ref))
		}
		for i := range ref {
			if got[i] != ref[i] && !(math.IsNaN(got[i]) && math.IsNaN(ref[i])) {
				t.Fatalf("workers=%d: value %d differs: %v vs %v", w, i, got[i], ref[i])
			}
		}
	}
	other := run(1, 12)
	same := true
	for i := range ref {
		if other[i] != ref[i] {
			same = false
			break
		}
	}
	if same {
		t.Fatal("a different seed gave identical output")
	}
}

// Column receptors release top-of-bin heights in index order; multipoint
// receptors give contiguous blocks to the points (hysplit-interface.md §6).
func TestReleaseAssignment(t *testing.T) {
	h := InternalLevels(25000)[:20]
	a := &analyticMet{nx: 30, ny: 30, dx: 3000, h: h, ztop: 25000, hours: 1, t0: t0, zi: 800}
	m := a.build()
	g := m.G.(FlatGrid)
	p := DefaultParams()
	p.NTurb = true
	lat, lon := g.ToLatLon(15, 15)
	col := receptor.Receptor{Kind: receptor.Column, Time: t0.Add(time.Hour), Lons: []float64{lon, lon}, Lats: []float64{lat, lat}, Heights: []float64{0, 3000}}
	tab, err := (&Native{Met: m}).Run(context.Background(), Simulation{Receptor: col, NHours: -1, NumPar: 10, Params: p})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if got, want := tab.Col("zagl")[i], float64(i+1)*300; math.Abs(got-want) > 1e-9 {
			t.Errorf("column particle %d: zagl %g, want %g", i+1, got, want)
		}
	}
	lat2, lon2 := g.ToLatLon(20, 12)
	mp := receptor.Receptor{Kind: receptor.MultiPoint, Time: t0.Add(time.Hour), Lons: []float64{lon, lon2, lon}, Lats: []float64{lat, lat2, lat}, Heights: []float64{10, 50, 90}}
	tab, err = (&Native{Met: m}).Run(context.Background(), Simulation{Receptor: mp, NHours: -1, NumPar: 8, Params: p})
	if err != nil {
		t.Fatal(err)
	}
	wantZ := []float64{10, 10, 10, 50, 50, 50, 90, 90}
	for i, w := range wantZ {
		if got := tab.Col("zagl")[i]; math.Abs(got-w) > 1e-9 {
			t.Errorf("multipoint particle %d: zagl %g, want %g", i+1, got, w)
		}
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	a := &analyticMet{nx: 10, ny: 10, dx: 3000, h: InternalLevels(25000)[:10], ztop: 25000, hours: 1, t0: t0, zi: 800}
	m := a.build()
	g := m.G.(FlatGrid)
	good := Simulation{Receptor: pointAt(g, 5, 5, 10, 1), NHours: -1, NumPar: 5, Params: DefaultParams()}
	cases := []struct {
		name string
		mod  func(s *Simulation)
	}{
		{"numpar", func(s *Simulation) { s.NumPar = 0 }},
		{"nhours", func(s *Simulation) { s.NHours = 0 }},
		{"met too short", func(s *Simulation) { s.NHours = -3 }},
		{"outside grid", func(s *Simulation) { s.Receptor = pointAt(g, 50, 5, 10, 1) }},
		{"kmixd", func(s *Simulation) { s.Params.Kmixd = 1 }},
		{"no lons", func(s *Simulation) { s.Receptor.Lons = nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			s.Params = DefaultParams()
			tc.mod(&s)
			if _, err := (&Native{Met: m}).Run(context.Background(), s); err == nil {
				t.Fatal("want an error")
			}
		})
	}
	if _, err := (&Native{Met: m}).Run(context.Background(), good); err != nil {
		t.Fatalf("good simulation: %v", err)
	}
}

// delt = 0 selects HYSPLIT's automatic step after the first hour:
// Δt = round(TRATIO·Δx/U_max) = round(0.75·3000 m / 10 m/s / 60) = 4 min.
func TestAutomaticTimeStep(t *testing.T) {
	a := &analyticMet{nx: 80, ny: 20, dx: 3000, h: InternalLevels(25000)[:10], ztop: 25000, hours: 2, t0: t0, zi: 800,
		wind: func(x, y float64, k int) (float64, float64, float64) { return 10, 0, 0 }}
	m := a.build()
	g := m.G.(FlatGrid)
	p := DefaultParams()
	p.Delt = 0
	p.NTurb = true
	tab, err := (&Native{Met: m}).Run(context.Background(), Simulation{Receptor: pointAt(g, 70, 10, 100, 2), NHours: -2, NumPar: 1, Params: p})
	if err != nil {
		t.Fatal(err)
	}
	tm := tab.Col("time")
	var want []float64
	for i := 1; i <= 60; i++ {
		want = append(want, float64(-i))
	}
	for i := 64; i <= 120; i += 4 {
		want = append(want, float64(-i))
	}
	if len(tm) != len(want) {
		t.Fatalf("%d rows, want %d (times %v)", len(tm), len(want), tm)
	}
	for i := range want {
		if tm[i] != want[i] {
			t.Fatalf("row %d: time %g, want %g", i, tm[i], want[i])
		}
	}
}

func TestFracLevelIndex(t *testing.T) {
	h := InternalLevels(25000)
	m := &runMet{h: h, nl: len(h), quad: quadLevels(h)}
	if !m.quad {
		t.Fatal("InternalLevels not recognised as HYSPLIT's quadratic levels")
	}
	// fractional index of height z from z = 30k²−25k+5 (levels k = 1, 2, ...)
	index := func(z float64) float64 { return (25 + math.Sqrt(625-120*(5-z))) / 60 }
	cases := []struct {
		k    int
		z    float64
		want float64
	}{
		{0, 10, 0},                   // at level 1
		{0, 75, 1},                   // at level 2
		{0, 33, 0.46884},             // linear in height would be 0.354
		{1, 137.5, index(137.5) - 2}, // midway in height between 75 and 200 m
		{0, 5, 0},                    // below level 1: clamped
	}
	for _, c := range cases {
		if got := m.frac(c.k, c.z); math.Abs(got-c.want) > 1e-4 {
			t.Errorf("frac(%d, %g) = %.5f, want %.5f", c.k, c.z, got, c.want)
		}
	}
	if f := m.frac(1, 137.5); f <= 0.5 {
		t.Errorf("frac(1, 137.5) = %.4f, want > 0.5 (index interpolation favours the upper level)", f)
	}
	// other level sets are interpolated linearly in height
	lin := &runMet{h: []float64{0, 100, 300}, nl: 3}
	if quadLevels(lin.h) {
		t.Fatal("arbitrary levels taken for HYSPLIT's")
	}
	if got := lin.frac(1, 250); math.Abs(got-0.75) > 1e-12 {
		t.Errorf("linear frac = %g, want 0.75", got)
	}
}
