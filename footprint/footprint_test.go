package footprint

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/particle"
)

var rt0 = time.Date(2015, 12, 10, 0, 0, 0, 0, time.UTC)

func baseCfg() Config {
	c := DefaultConfig()
	c.Xmin, c.Xmax, c.Ymin, c.Ymax = -113, -111, 39.5, 41.5
	c.Xres, c.Yres = 0.01, 0.01
	c.ReceptorTime = rt0
	return c
}

func mustCompute(t *testing.T, tab *particle.Table, cfg Config) *Grid {
	t.Helper()
	g, err := Compute(tab, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// footInDomain sums foot > 0 over rows inside [xmin,xmax) x [ymin,ymax).
func footInDomain(tab *particle.Table, c Config) float64 {
	s := 0.0
	x, y, f := tab.Col("long"), tab.Col("lati"), tab.Col("foot")
	for i := range f {
		if f[i] > 0 && x[i] >= c.Xmin && x[i] < c.Xmax && y[i] >= c.Ymin && y[i] < c.Ymax {
			s += f[i]
		}
	}
	return s
}

func TestCellCount(t *testing.T) {
	for _, c := range []struct {
		min, max, res float64
		want          int
	}{
		{-113.75, -111.25, 0.01, 250},
		{39.5, 41.5, 0.01, 200},
		{40.35, 40.65, 0.002, 150}, // quotient 149.99999999999858
		{0, 1, 0.3, 3},             // trailing partial cell dropped
		{-180, 180, 0.1, 3600},
		{0, 0.05, 0.1, 0},
	} {
		if got := cellCount(c.min, c.max, c.res); got != c.want {
			t.Errorf("cellCount(%v, %v, %v) = %d, want %d", c.min, c.max, c.res, got, c.want)
		}
	}
}

func TestKernel(t *testing.T) {
	k := makeKernel(0, 0.01, 0.01)
	if len(k.kx) != 1 || k.kx[0] != 1 || k.ky[0] != 1 {
		t.Errorf("zero-width kernel %v", k)
	}
	for _, c := range []struct{ w, xres, yres float64 }{{0.05, 0.01, 0.01}, {0.05, 0.02, 0.01}, {0.003, 0.01, 0.01}} {
		k := makeKernel(c.w, c.xres, c.yres)
		if len(k.kx) != 1+2*int(math.Floor(3*c.w/c.xres)) || len(k.ky) != 1+2*int(math.Floor(3*c.w/c.yres)) {
			t.Errorf("w=%v: sizes %d x %d", c.w, len(k.kx), len(k.ky))
		}
		s := 0.0
		for j := range k.ky {
			for i := range k.kx {
				s += k.kx[i] * k.ky[j]
				// Against the 2-D formula of spec §7.4 (before normalisation).
				if i > 0 {
					dx0 := float64(i-len(k.kx)/2) * c.xres
					dx1 := float64(i-1-len(k.kx)/2) * c.xres
					want := math.Exp(-(dx0*dx0 - dx1*dx1) / (2 * c.w * c.w))
					if got := k.kx[i] / k.kx[i-1]; math.Abs(got-want) > 1e-12*want {
						t.Errorf("w=%v: kx ratio %v, want %v", c.w, got, want)
					}
				}
			}
		}
		if math.Abs(s-1) > 1e-14 {
			t.Errorf("w=%v: kernel sums to %v", c.w, s)
		}
		for i := range k.kx {
			if k.kx[i] != k.kx[len(k.kx)-1-i] {
				t.Errorf("w=%v: kx not symmetric", c.w)
			}
		}
	}
}

func TestDensifyTimes(t *testing.T) {
	tt := densifyTimes(-1)
	if len(tt) != 311 || tt[0] != 0 || tt[100] != -10 || tt[101] != -10.2 || tt[150] != -20 || tt[151] != -20.5 || tt[310] != -100 {
		t.Errorf("schedule: %d values, %v … %v", len(tt), tt[:3], tt[len(tt)-3:])
	}
}

// TestNoSmoothing: smooth_factor 0 puts sum(foot)/N in each particle's
// cell, computed here independently by flooring.
func TestNoSmoothing(t *testing.T) {
	tab := Synthetic(50, 120, -112, 40.5, 0.01, 1)
	cfg := baseCfg()
	cfg.SmoothFactor = 0
	cfg.TimeIntegrate = true
	g := mustCompute(t, tab, cfg)
	want := make([]float64, len(g.Data))
	x, y, f := tab.Col("long"), tab.Col("lati"), tab.Col("foot")
	for i := range f {
		ix := int(math.Floor((x[i] - cfg.Xmin) / cfg.Xres))
		iy := int(math.Floor((y[i] - cfg.Ymin) / cfg.Yres))
		if f[i] > 0 && ix >= 0 && ix < g.NX() && iy >= 0 && iy < g.NY() {
			want[iy*g.NX()+ix] += f[i]
		}
	}
	for i := range want {
		want[i] /= 50
		if !close(g.Data[i], want[i], 1e-13, 0) {
			t.Fatalf("cell %d: %v, want %v", i, g.Data[i], want[i])
		}
	}
	if g.N != 50 {
		t.Errorf("N = %d", g.N)
	}
}

// TestConservation: smoothing neither creates nor loses mass for particles
// far from the edges, on square and non-square cells.
func TestConservation(t *testing.T) {
	tab := Synthetic(100, 240, -112, 40.5, 0.005, 2)
	for _, res := range [][2]float64{{0.01, 0.01}, {0.02, 0.01}, {0.005, 0.015}} {
		cfg := baseCfg()
		cfg.Xres, cfg.Yres = res[0], res[1]
		g := mustCompute(t, tab, cfg)
		want := footInDomain(tab, cfg) / 100
		if !close(g.Sum(), want, 1e-12, 0) {
			t.Errorf("res %v: total %v, want %v", res, g.Sum(), want)
		}
		if g.NT() != 4 || g.Layers[0] != -4 || g.Layers[3] != -1 {
			t.Errorf("res %v: layers %v", res, g.Layers)
		}
	}
}

// TestSymmetry: a particle cloud mirrored about a cell centre gives a
// mirrored footprint, also on non-square cells.
func TestSymmetry(t *testing.T) {
	for _, res := range [][2]float64{{0.01, 0.01}, {0.02, 0.01}, {0.01, 0.025}} {
		cfg := baseCfg()
		cfg.Xres, cfg.Yres = res[0], res[1]
		cfg.TimeIntegrate = true
		// Centre cell (ic, jc); particles at cell centres ic ± a, jc ± b.
		ic, jc := 50, 40
		cx := func(i int) float64 { return cfg.Xmin + (float64(i)+0.5)*cfg.Xres }
		cy := func(j int) float64 { return cfg.Ymin + (float64(j)+0.5)*cfg.Yres }
		tab := particle.MustNew([]string{"indx", "time", "long", "lati", "foot"}, 0)
		p := 0
		for s := 1; s <= 30; s++ {
			for _, o := range [][2]int{{s / 3, s / 5}, {-(s / 3), s / 5}, {s / 3, -(s / 5)}, {-(s / 3), -(s / 5)}} {
				p++
				tab.AppendRow([]float64{float64(p%4 + 1), -float64(s), cx(ic + o[0]), cy(jc + o[1]), 0.01})
			}
		}
		g := mustCompute(t, tab, cfg)
		nx := g.NX()
		for j := 0; j < g.NY(); j++ {
			for i := 0; i < nx; i++ {
				a := g.Data[j*nx+i]
				mi, mj := 2*ic-i, 2*jc-j
				if mi < 0 || mi >= nx || mj < 0 || mj >= g.NY() {
					continue
				}
				if !close(a, g.Data[j*nx+mi], 1e-12, 1e-18) || !close(a, g.Data[mj*nx+i], 1e-12, 1e-18) {
					t.Fatalf("res %v: cell (%d,%d) = %v, mirrors %v %v", res, i, j, a, g.Data[j*nx+mi], g.Data[mj*nx+i])
				}
			}
		}
		if want := 120 * 0.01 / 4; !close(g.Sum(), want, 1e-12, 0) {
			t.Errorf("res %v: total %v, want %v", res, g.Sum(), want)
		}
	}
}

func scaleFoot(tab *particle.Table, a float64) *particle.Table {
	c := tab.Clone()
	f := c.Col("foot")
	for i := range f {
		f[i] *= a
	}
	return c
}

func TestLinearity(t *testing.T) {
	a := Synthetic(40, 180, -112, 40.5, 0.008, 3)
	b := a.Clone()
	fb := b.Col("foot")
	for i := range fb {
		fb[i] = math.Mod(float64(i)*0.37, 0.01) // a different foot on the same paths
	}
	sum := a.Clone()
	fs := sum.Col("foot")
	for i := range fs {
		fs[i] += fb[i]
	}
	cfg := baseCfg()
	ga, gb, gs := mustCompute(t, a, cfg), mustCompute(t, b, cfg), mustCompute(t, sum, cfg)
	g3 := mustCompute(t, scaleFoot(a, 3.5), cfg)
	if len(gs.Data) != len(ga.Data) || len(gs.Data) != len(gb.Data) {
		t.Fatalf("layer counts differ: %d %d %d", ga.NT(), gb.NT(), gs.NT())
	}
	for i := range ga.Data {
		if !close(gs.Data[i], ga.Data[i]+gb.Data[i], 1e-12, 1e-20) {
			t.Fatalf("cell %d: F(a+b) = %v, F(a)+F(b) = %v", i, gs.Data[i], ga.Data[i]+gb.Data[i])
		}
		if !close(g3.Data[i], 3.5*ga.Data[i], 1e-13, 1e-20) {
			t.Fatalf("cell %d: F(3.5a) = %v, 3.5 F(a) = %v", i, g3.Data[i], 3.5*ga.Data[i])
		}
	}
}

func TestTimeIntegrated(t *testing.T) {
	tab := Synthetic(60, 300, -112, 40.5, 0.008, 4)
	cfg := baseCfg()
	hourly := mustCompute(t, tab, cfg)
	cfg.TimeIntegrate = true
	integ := mustCompute(t, tab, cfg)
	sum := hourly.Integrate()
	if integ.NT() != 1 || !integ.Times[0].Equal(rt0) {
		t.Fatalf("integrated: %d layers at %v", integ.NT(), integ.Times)
	}
	for i := range integ.Data {
		if !close(integ.Data[i], sum.Data[i], 1e-12, 1e-20) {
			t.Fatalf("cell %d: integrated %v, sum of layers %v", i, integ.Data[i], sum.Data[i])
		}
	}
	// Layer labels: start of the hour, one hour before the receptor for the
	// last (R-STILT), also for a single non-integrated layer.
	for k, l := range hourly.Layers {
		if !hourly.Times[k].Equal(rt0.Add(time.Duration(l) * time.Hour)) {
			t.Errorf("layer %d labelled %v", l, hourly.Times[k])
		}
	}
	short := Synthetic(20, 30, -112, 40.5, 0.008, 5)
	cfg.TimeIntegrate = false
	one := mustCompute(t, short, cfg)
	if one.NT() != 1 || !one.Times[0].Equal(rt0.Add(-time.Hour)) {
		t.Errorf("single layer labelled %v, want %v", one.Times, rt0.Add(-time.Hour))
	}
}

func TestWorkersBitIdentical(t *testing.T) {
	tab := Synthetic(200, 240, -112, 40.5, 0.01, 6)
	cfg := baseCfg()
	cfg.Xres, cfg.Yres = 0.002, 0.002
	cfg.Xmin, cfg.Xmax, cfg.Ymin, cfg.Ymax = -112.5, -111.5, 40, 41
	cfg.TimeIntegrate = true
	g1 := mustCompute(t, tab, cfg)
	cfg.Workers = 3
	g3 := mustCompute(t, tab, cfg)
	for i := range g1.Data {
		if math.Float64bits(g1.Data[i]) != math.Float64bits(g3.Data[i]) {
			t.Fatalf("cell %d differs: %v vs %v", i, g1.Data[i], g3.Data[i])
		}
	}
}

func TestEmpty(t *testing.T) {
	cfg := baseCfg()
	empty := particle.MustNew([]string{"indx", "time", "long", "lati", "foot"}, 0)
	g := mustCompute(t, empty, cfg)
	if g.EmptyReason != EmptyNoParticles || g.NT() != 1 || g.NX() != 200 || g.NY() != 200 || g.Sum() != 0 {
		t.Errorf("no particles: %q %dx%dx%d sum %v", g.EmptyReason, g.NT(), g.NY(), g.NX(), g.Sum())
	}
	far := Synthetic(30, 150, 10, 50, 0.01, 7) // nowhere near the domain
	g = mustCompute(t, far, cfg)
	if g.EmptyReason != EmptyOutsideDomain || g.Sum() != 0 || g.N != 30 {
		t.Errorf("outside: %q sum %v N %d", g.EmptyReason, g.Sum(), g.N)
	}
	if g.NT() != 3 || g.Layers[0] != -3 || g.Layers[2] != -1 {
		t.Errorf("outside: layers %v, want -3..-1 from the unfiltered particles", g.Layers)
	}
	// Zero foot everywhere is also outside_domain (foot > 0 filter).
	g = mustCompute(t, scaleFoot(Synthetic(10, 30, -112, 40.5, 0.01, 8), 0), cfg)
	if g.EmptyReason != EmptyOutsideDomain {
		t.Errorf("zero foot: %q", g.EmptyReason)
	}
}

func shiftLon(tab *particle.Table, d float64) *particle.Table {
	c := tab.Clone()
	x := c.Col("long")
	for i := range x {
		x[i] += d
	}
	return c
}

// TestAntimeridian: a domain across the dateline gives the same footprint
// as the same problem shifted by 180° (columns unwrapped and reordered).
func TestAntimeridian(t *testing.T) {
	base := Synthetic(60, 180, 0.0013, 10.0017, 0.01, 9)
	cfg := baseCfg()
	cfg.Xmin, cfg.Xmax, cfg.Ymin, cfg.Ymax = -1, 1, 9, 11
	cfg.Xres, cfg.Yres = 0.05, 0.05
	ref := mustCompute(t, base, cfg)

	cross := shiftLon(base, 180) // 179…181, partly written as > 180
	xs := cross.Col("long")
	for i := range xs {
		if xs[i] > 180 {
			xs[i] -= 360
		}
	}
	wc := cfg
	wc.Xmin, wc.Xmax = 179, -179
	got := mustCompute(t, cross, wc)
	if got.NX() != ref.NX() || got.NT() != ref.NT() {
		t.Fatalf("wrapped grid %dx%d layers %d, want %dx%d %d", got.NX(), got.NY(), got.NT(), ref.NX(), ref.NY(), ref.NT())
	}
	for i := 1; i < got.NX(); i++ {
		if !(got.X[i] > got.X[i-1]) {
			t.Fatalf("lon not ascending at %d: %v", i, got.X[i-1:i+1])
		}
	}
	nx := ref.NX()
	for k := 0; k < nx; k++ {
		// ref column k (lon r) corresponds to lon r+180 unwrapped.
		lon := pymod(ref.X[k]+180+180, 360) - 180
		j := -1
		for m, v := range got.X {
			if math.Abs(v-lon) < 1e-9 {
				j = m
			}
		}
		if j < 0 {
			t.Fatalf("no wrapped column at lon %v (ref %v)", lon, ref.X[k])
		}
		for l := 0; l < ref.NT(); l++ {
			for y := 0; y < ref.NY(); y++ {
				a, b := ref.At(l, y, k), got.At(l, y, j)
				if !close(b, a, 1e-9, 1e-15) {
					t.Fatalf("layer %d row %d lon %v: %v, shifted reference %v", l, y, lon, b, a)
				}
			}
		}
	}
	// The same domain written with xmax > 180 wraps too.
	wc.Xmin, wc.Xmax = 179, 181
	got2 := mustCompute(t, cross, wc)
	for i := range got.Data {
		if got.Data[i] != got2.Data[i] {
			t.Fatalf("179..181 differs from 179..-179 at %d", i)
		}
	}
}

func TestGlobalGrid(t *testing.T) {
	tab := particle.MustNew([]string{"indx", "time", "long", "lati", "foot"}, 0)
	tab.AppendRow([]float64{1, -1, -179.95, 10.05, 0.01})
	tab.AppendRow([]float64{2, -1, 179.95, -10.05, 0.03})
	for _, dom := range [][2]float64{{-180, 180}, {0, 360}, {-90, 270}} {
		cfg := baseCfg()
		cfg.Xmin, cfg.Xmax, cfg.Ymin, cfg.Ymax = dom[0], dom[1], -90, 90
		cfg.Xres, cfg.Yres = 1, 1
		cfg.SmoothFactor = 0
		g := mustCompute(t, tab, cfg)
		if g.NX() != 360 || g.X[0] != -179.5 || g.X[359] != 179.5 {
			t.Fatalf("domain %v: %d columns %v..%v", dom, g.NX(), g.X[0], g.X[g.NX()-1])
		}
		if g.At(0, 100, 0) != 0.005 || g.At(0, 79, 359) != 0.015 {
			t.Errorf("domain %v: edge cells %v %v", dom, g.At(0, 100, 0), g.At(0, 79, 359))
		}
	}
}

func TestProjectedGrid(t *testing.T) {
	tab := Synthetic(80, 120, -112, 40.5, 0.01, 10)
	cfg := baseCfg()
	cfg.Projection = "+proj=lcc +lat_1=33 +lat_2=45 +lat_0=40 +lon_0=-97 +datum=WGS84 +units=m +no_defs"
	cfg.Xres, cfg.Yres = 1000, 1000
	g := mustCompute(t, tab, cfg)
	p, _ := ParseProjection(cfg.Projection)
	x0, x1, y0, y1 := p.Bounds(cfg.Xmin, cfg.Xmax, cfg.Ymin, cfg.Ymax)
	if g.NX() != cellCount(x0, x1, 1000) || math.Abs(g.X[0]-(x0+500)) > 1e-6 || math.Abs(g.Y[0]-(y0+500)) > 1e-6 {
		t.Errorf("projected grid %d columns from %v, want from %v (%v %v %v)", g.NX(), g.X[0], x0+500, x1, y0, y1)
	}
	// Bandwidth in m² against km cells: kernel is 1x1, so each cell holds
	// exactly the foot of the particles projected into it.
	want := 0.0
	x, y, f := tab.Col("long"), tab.Col("lati"), tab.Col("foot")
	for i := range f {
		px, py := p.Forward(x[i], y[i])
		if f[i] > 0 && px >= x0 && px < x0+float64(g.NX())*1000 && py >= y0 && py < y0+float64(g.NY())*1000 {
			want += f[i]
		}
	}
	if !close(g.Sum(), want/80, 1e-12, 0) {
		t.Errorf("projected total %v, want %v", g.Sum(), want/80)
	}
}

func TestHNFNaNRadicand(t *testing.T) {
	tab := particle.MustNew([]string{"indx", "time", "foot", "mlht", "dens", "samt", "sigw", "tlgr"}, 0)
	tab.AppendRow([]float64{1, -1, 0.02, 1000, 1.1, 1, 0.3, 0.001}) // radicand < 0
	tab.AppendRow([]float64{1, -2, 0.02, 1000, 1.1, 1, 0.3, 50})
	out, err := HNF(tab, 0.5, 5)
	if err != nil {
		t.Fatal(err)
	}
	if out.Col("foot")[0] != 0.02 || out.Col("foot_no_hnf_dilution")[1] != 0.02 {
		t.Errorf("foot %v", out.Col("foot"))
	}
	tau := 120.0
	sigma := 1 * math.Sqrt2 * 0.3 * math.Sqrt(50*tau+50*50*math.Exp(-tau/50)-1)
	if want := 0.02897 / ((5 + sigma) * 1.1) * 60; !close(out.Col("foot")[1], want, 1e-14, 0) {
		t.Errorf("foot after NaN row %v, want %v", out.Col("foot")[1], want)
	}
	if tab.Has("foot_no_hnf_dilution") || tab.Col("foot")[1] != 0.02 {
		t.Error("input table modified")
	}
	if _, err := HNF(particle.MustNew([]string{"indx", "time"}, 0), 0.5, 5); err == nil {
		t.Error("missing columns accepted")
	}
}

func TestMarshalBinary(t *testing.T) {
	tab := Synthetic(40, 150, -112, 40.5, 0.01, 11)
	g := mustCompute(t, tab, baseCfg())
	b1, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := g.MarshalBinary()
	if !bytes.Equal(b1, b2) {
		t.Error("encoding not deterministic")
	}
	if len(b1) > 16*g.NonZero()+8*(g.NX()+g.NY())+256 {
		t.Errorf("encoding %d bytes for %d non-zero cells", len(b1), g.NonZero())
	}
	var h Grid
	if err := h.UnmarshalBinary(b1); err != nil {
		t.Fatal(err)
	}
	b3, _ := h.MarshalBinary()
	if !bytes.Equal(b1, b3) {
		t.Error("round trip changed the encoding")
	}
	for i := range g.Data {
		if g.Data[i] != h.Data[i] {
			t.Fatalf("cell %d: %v != %v", i, h.Data[i], g.Data[i])
		}
	}
	if h.N != g.N || h.Projection != g.Projection || !h.ReceptorTime.Equal(g.ReceptorTime) || len(h.Times) != len(g.Times) || h.Layers[0] != g.Layers[0] {
		t.Errorf("metadata differs: %+v", h)
	}
	for _, bad := range [][]byte{nil, b1[:10], b1[:len(b1)-1], append([]byte("XXXX"), b1[4:]...)} {
		if err := new(Grid).UnmarshalBinary(bad); err == nil {
			t.Errorf("accepted %d corrupt bytes", len(bad))
		}
	}
	flip := append([]byte(nil), b1...)
	flip[len(flip)/2] ^= 1
	if err := new(Grid).UnmarshalBinary(flip); err == nil {
		t.Error("accepted a flipped bit")
	}
	// Empty grids encode too.
	e := mustCompute(t, particle.MustNew([]string{"indx", "time", "long", "lati", "foot"}, 0), baseCfg())
	eb, _ := e.MarshalBinary()
	var eg Grid
	if err := eg.UnmarshalBinary(eb); err != nil || eg.EmptyReason != EmptyNoParticles || len(eg.Data) != len(e.Data) {
		t.Errorf("empty round trip: %v %q", err, eg.EmptyReason)
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	tab := Synthetic(5, 20, -112, 40.5, 0.01, 12)
	c := baseCfg()
	c.Xmin, c.Xmax, c.Ymin, c.Ymax = -112.2, -111.8, 40.3, 40.7
	g, _ := Compute(tab, c)
	b, _ := g.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		var g Grid
		_ = g.UnmarshalBinary(data) // must not panic
	})
}

// TestDensifyShortcut: with extra columns the densification keeps the
// rows as they are (the R-STILT quirk); the shortcut for time-ordered
// tables must agree with the general path, which a shuffled row order
// forces.
func TestDensifyShortcut(t *testing.T) {
	tab := Synthetic(40, 120, -112, 40.5, 0.004, 16) // steps > 0.002: densification triggers
	cfg := baseCfg()
	cfg.Xres, cfg.Yres = 0.002, 0.002
	cfg.Xmin, cfg.Xmax, cfg.Ymin, cfg.Ymax = -112.3, -111.7, 40.2, 40.8
	r := rows{indx: tab.Col("indx"), t: tab.Col("time"), x: tab.Col("long"), y: tab.Col("lati"), foot: tab.Col("foot")}
	if !needDensify(r, cfg.Xres, cfg.Yres) {
		t.Fatal("test table does not trigger densification")
	}
	fast := mustCompute(t, tab, cfg)
	// Reverse particle 1's rows relative to the others: not monotone any more.
	shuffled := tab.Clone()
	n := shuffled.Len()
	for _, name := range shuffled.Names() {
		c := shuffled.Col(name)
		for i, j := 0, n-1; i < j; i, j = i+2, j-2 {
			c[i], c[j] = c[j], c[i]
		}
	}
	rs := rows{indx: shuffled.Col("indx"), t: shuffled.Col("time"), x: shuffled.Col("long"), y: shuffled.Col("lati"), foot: shuffled.Col("foot")}
	if unchangedByDensify(rs, make([]bool, n)) {
		t.Fatal("shuffled table still takes the shortcut")
	}
	slow := mustCompute(t, shuffled, cfg)
	if fast.NonZero() != slow.NonZero() {
		t.Fatalf("non-zero cells %d vs %d", fast.NonZero(), slow.NonZero())
	}
	for i := range fast.Data {
		if !close(fast.Data[i], slow.Data[i], 1e-12, 1e-20) {
			t.Fatalf("cell %d: %v vs %v", i, fast.Data[i], slow.Data[i])
		}
	}
	// Without the extra column, inserted rows survive and change the result.
	five := &particle.Table{}
	for _, name := range []string{"indx", "time", "long", "lati", "foot"} {
		if err := five.SetCol(name, append([]float64(nil), tab.Col(name)...)); err != nil {
			t.Fatal(err)
		}
	}
	dense := mustCompute(t, five, cfg)
	if dense.NonZero() <= fast.NonZero() {
		t.Errorf("densified table has %d non-zero cells, not more than %d", dense.NonZero(), fast.NonZero())
	}
	if !close(dense.Sum(), fast.Sum(), 1e-9, 0) {
		t.Errorf("densification changed the total: %v vs %v", dense.Sum(), fast.Sum())
	}
}

func TestFindInterval(t *testing.T) {
	g0, res, n := -113.05, 0.01, 220
	for k := 0; k < n; k++ {
		e := g0 + float64(k)*res
		if got := findInterval(g0, res, n, e); got != k {
			t.Fatalf("edge %d (%v): interval %d", k, e, got)
		}
		if got := findInterval(g0, res, n, math.Nextafter(e, math.Inf(-1))); got != k-1 {
			t.Fatalf("just below edge %d: interval %d", k, got)
		}
	}
	if findInterval(g0, res, n, 1e9) != n-1 || findInterval(g0, res, n, -1e9) != -1 {
		t.Error("out-of-range values")
	}
}

// TestForwardRun: a forward run (positive times) with the times of a
// backward run negated gives the same time-integrated footprint, including
// the densification (5-column table on a fine grid).
func TestForwardRun(t *testing.T) {
	back := &particle.Table{}
	src := Synthetic(30, 150, -112, 40.5, 0.004, 17)
	for _, name := range []string{"indx", "time", "long", "lati", "foot"} {
		if err := back.SetCol(name, append([]float64(nil), src.Col(name)...)); err != nil {
			t.Fatal(err)
		}
	}
	fwd := back.Clone()
	tm := fwd.Col("time")
	for i := range tm {
		tm[i] = -tm[i]
	}
	cfg := baseCfg()
	cfg.Xres, cfg.Yres = 0.002, 0.002
	cfg.Xmin, cfg.Xmax, cfg.Ymin, cfg.Ymax = -112.3, -111.7, 40.2, 40.8
	cfg.TimeIntegrate = true
	gb, gf := mustCompute(t, back, cfg), mustCompute(t, fwd, cfg)
	if gb.NonZero() == 0 || gb.NonZero() != gf.NonZero() {
		t.Fatalf("non-zero cells %d vs %d", gb.NonZero(), gf.NonZero())
	}
	for i := range gb.Data {
		if !close(gf.Data[i], gb.Data[i], 1e-12, 1e-20) {
			t.Fatalf("cell %d: forward %v, backward %v", i, gf.Data[i], gb.Data[i])
		}
	}
	// Hourly layers of the forward run start at the receptor time.
	cfg.TimeIntegrate = false
	h := mustCompute(t, fwd, cfg)
	if h.Layers[0] != 0 || !h.Times[0].Equal(rt0) {
		t.Errorf("forward layers %v %v", h.Layers, h.Times)
	}
}

func TestConfigValidate(t *testing.T) {
	good := baseCfg()
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(c *Config){
		"zero xres":      func(c *Config) { c.Xres = 0 },
		"negative yres":  func(c *Config) { c.Yres = -1 },
		"nan xmin":       func(c *Config) { c.Xmin = math.NaN() },
		"negative sigma": func(c *Config) { c.SmoothFactor = -1 },
		"ymin > ymax":    func(c *Config) { c.Ymin, c.Ymax = 41, 40 },
		"bad projection": func(c *Config) { c.Projection = "+proj=omerc" },
	} {
		c := good
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s accepted", name)
		}
		if _, err := Compute(Synthetic(2, 3, -112, 40.5, 0.01, 1), c); err == nil {
			t.Errorf("%s: Compute accepted", name)
		}
	}
	c := good
	c.Xmin, c.Xmax = -112, -111.995 // less than one cell
	if _, err := Compute(Synthetic(2, 3, -112, 40.5, 0.01, 1), c); err == nil {
		t.Error("domain without a whole cell accepted")
	}
	if _, err := Compute(particle.MustNew([]string{"indx", "time"}, 0), good); err == nil {
		t.Error("table without long/lati/foot accepted")
	}
}

// TestLatitudeScaling: the bandwidth is divided by cos(mean latitude).
func TestLatitudeScaling(t *testing.T) {
	w := map[float64]float64{}
	for _, lat := range []float64{20, 60} {
		tab := Synthetic(50, 60, -112, lat, 0.01, 18) // same offsets at both latitudes
		r := rows{indx: tab.Col("indx"), t: tab.Col("time"), x: tab.Col("long"), y: tab.Col("lati"), foot: tab.Col("foot")}
		bw := bandwidths(r, releaseTime(r, -1), 1, true)
		w[lat] = bw.w[len(bw.w)-1] * math.Cos(lat*math.Pi/180) // undo the scaling with the nominal latitude
	}
	// Mean latitudes differ from the nominal ones by the walk's drift only.
	if math.Abs(w[20]/w[60]-1) > 1e-3 {
		t.Errorf("bandwidth·cos(lat): %v at 20°, %v at 60°", w[20], w[60])
	}
}

// TestZeroWidthKernels: one particle, or two coincident ones, have zero
// variance and so a 1x1 kernel even with smoothing on.
func TestZeroWidthKernels(t *testing.T) {
	cfg := baseCfg()
	cfg.TimeIntegrate = true
	for _, np := range []int{1, 2} {
		tab := particle.MustNew([]string{"indx", "time", "long", "lati", "foot"}, 0)
		for s := 1; s <= 90; s++ {
			for p := 1; p <= np; p++ {
				tab.AppendRow([]float64{float64(p), -float64(s), -112 + 0.0003*float64(s) + 0.00001, 40.5 + 0.0001*float64(s) + 0.00001, 0.01})
			}
		}
		g := mustCompute(t, tab, cfg)
		x, y, f := tab.Col("long"), tab.Col("lati"), tab.Col("foot")
		want := make([]float64, len(g.Data))
		for i := range f {
			ix := int(math.Floor((x[i] - cfg.Xmin) / cfg.Xres))
			iy := int(math.Floor((y[i] - cfg.Ymin) / cfg.Yres))
			want[iy*g.NX()+ix] += f[i] / float64(np)
		}
		for i := range want {
			if !close(g.Data[i], want[i], 1e-12, 0) {
				t.Fatalf("%d particle(s): cell %d = %v, want %v", np, i, g.Data[i], want[i])
			}
		}
	}
}

// TestExtremeFoot: tiny and huge foot values scale exactly (no underflow
// in the kernel weights, no overflow of the sums).
func TestExtremeFoot(t *testing.T) {
	tab := Synthetic(20, 90, -112, 40.5, 0.01, 19)
	cfg := baseCfg()
	ref := mustCompute(t, tab, cfg)
	for _, a := range []float64{1e-200, 1e200} {
		g := mustCompute(t, scaleFoot(tab, a), cfg)
		if !close(g.Sum(), a*ref.Sum(), 1e-12, 0) || g.NonZero() != ref.NonZero() {
			t.Errorf("scale %g: total %v (%d cells), want %v (%d)", a, g.Sum(), g.NonZero(), a*ref.Sum(), ref.NonZero())
		}
	}
}
