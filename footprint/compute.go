package footprint

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stilt-mpi/stilt-mpi/particle"
)

// Config is one footprint configuration (PYSTILT FootprintConfig).
type Config struct {
	// Domain: lower-left edges and outer bounds, lon/lat degrees (also for
	// projected grids); Xres, Yres in projection units (degrees for lon/lat).
	Xmin, Xmax, Ymin, Ymax float64
	Xres, Yres             float64
	// Projection is a PROJ string; "" means "+proj=longlat". A grid is
	// lon/lat iff the string contains "+proj=longlat".
	Projection string
	// SmoothFactor scales the kernel bandwidth; 0 disables smoothing.
	// R-STILT's default is 1 (see DefaultConfig).
	SmoothFactor float64
	// TimeIntegrate sums all steps into one layer labelled ReceptorTime.
	TimeIntegrate bool
	// ReceptorTime labels the layers (UTC).
	ReceptorTime time.Time
	// Workers bounds the goroutines used for the accumulation (<= 1: one).
	// The result is bit-identical for every value.
	Workers int
}

// DefaultConfig returns R-STILT's defaults (smooth_factor 1, lon/lat,
// hourly layers) without a domain.
func DefaultConfig() Config {
	return Config{Projection: "+proj=longlat", SmoothFactor: 1}
}

func isLonLat(projection string) bool {
	return projection == "" || strings.Contains(projection, "+proj=longlat")
}

// Validate checks the configuration.
func (c Config) Validate() error {
	for _, v := range []struct {
		name string
		val  float64
	}{{"xmin", c.Xmin}, {"xmax", c.Xmax}, {"ymin", c.Ymin}, {"ymax", c.Ymax}, {"xres", c.Xres}, {"yres", c.Yres}, {"smooth_factor", c.SmoothFactor}} {
		if math.IsNaN(v.val) || math.IsInf(v.val, 0) {
			return fmt.Errorf("footprint config: %s = %v, want a finite number", v.name, v.val)
		}
	}
	if c.Xres <= 0 || c.Yres <= 0 {
		return fmt.Errorf("footprint config: xres = %v, yres = %v, want both > 0", c.Xres, c.Yres)
	}
	if c.SmoothFactor < 0 {
		return fmt.Errorf("footprint config: smooth_factor = %v, want >= 0", c.SmoothFactor)
	}
	if !isLonLat(c.Projection) {
		if _, err := ParseProjection(c.Projection); err != nil {
			return fmt.Errorf("footprint config: %w", err)
		}
	} else if c.Ymin >= c.Ymax {
		return fmt.Errorf("footprint config: ymin = %v >= ymax = %v", c.Ymin, c.Ymax)
	}
	return nil
}

// pymod is Python's float modulo (result has the sign of m).
func pymod(a, m float64) float64 {
	r := math.Mod(a, m)
	if r != 0 && (r < 0) != (m < 0) {
		r += m
	}
	return r
}

// cellCount is the number of whole cells of size res between min and max:
// R's length(head(seq(min, max, by = res), -1)). R's seq.default takes
// n = as.integer((max − min)/res + 1e-10), so a quotient a hair below an
// integer (0.3/0.002 = 149.99999999999858) still gives the full count; the
// relative 10·ε tolerance of spec §6 would lose that cell (R-STILT case
// c1_nearfield_interp has 150 rows).
func cellCount(min, max, res float64) int {
	q := (max - min) / res
	if math.IsNaN(q) || q < 0 {
		return 0
	}
	return int(math.Floor(q + 1e-10))
}

// median of a slice (sorted in place); NaN for an empty one.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// rows holds the working copy of the particle columns the gridding needs.
type rows struct {
	indx, t, x, y, foot []float64
}

// Compute grids the particle table tab (columns indx, time, long, lati,
// foot; times in minutes since release) into a footprint.
func Compute(tab *particle.Table, cfg Config) (*Grid, error) {
	if cfg.Projection == "" {
		cfg.Projection = "+proj=longlat"
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cols, err := tab.Need("indx", "time", "long", "lati", "foot")
	if err != nil {
		return nil, fmt.Errorf("footprint: %w", err)
	}
	g := &Grid{
		Xmin: cfg.Xmin, Xmax: cfg.Xmax, Ymin: cfg.Ymin, Ymax: cfg.Ymax,
		Xres: cfg.Xres, Yres: cfg.Yres, Projection: cfg.Projection,
		SmoothFactor: cfg.SmoothFactor, TimeIntegrate: cfg.TimeIntegrate,
		ReceptorTime: cfg.ReceptorTime.UTC(),
	}
	lonlat := isLonLat(cfg.Projection)
	var proj Projection
	if !lonlat {
		proj, err = ParseProjection(cfg.Projection)
		if err != nil {
			return nil, fmt.Errorf("footprint: %w", err)
		}
	}
	xmin, xmax, ymin, ymax := cfg.Xmin, cfg.Xmax, cfg.Ymin, cfg.Ymax
	xres, yres := cfg.Xres, cfg.Yres

	r := rows{indx: cols[0], t: cols[1], x: cols[2], y: cols[3], foot: cols[4]}
	n := len(r.t)

	// §2 set-up.
	if n == 0 {
		if lonlat {
			xmin, xmax = lonlatBounds(xmin, xmax)
		} else {
			xmin, xmax, ymin, ymax = proj.Bounds(xmin, xmax, ymin, ymax)
		}
		return g.empty(EmptyNoParticles, xmin, xmax, ymin, ymax, nil, false)
	}
	g.N = distinct(r.indx)
	tsign := medianSign(r.t)

	wrapped := false
	if lonlat {
		xdist := pymod((180-xmin)-(-180-xmax), 360)
		switch {
		case xdist == 0:
			xmin, xmax = -180, 180
		case xmax < xmin || xmax > 180:
			wx := make([]float64, n)
			for i, v := range r.x {
				wx[i] = pymod(pymod(v, 360)+360, 360)
			}
			r.x = wx
			xmin = pymod(pymod(xmin, 360)+360, 360)
			xmax = pymod(pymod(xmax, 360)+360, 360)
			wrapped = true
		}
	}

	// §3 early-time densification.
	r = densify(tab, r, xres, yres, tsign)
	n = len(r.t)

	// §4 release-relative time.
	rtime := releaseTime(r, tsign)

	// §5 projection.
	if !lonlat {
		px := make([]float64, n)
		py := make([]float64, n)
		for i := range px {
			px[i], py[i] = proj.Forward(r.x[i], r.y[i])
		}
		r.x, r.y = px, py
		xmin, xmax, ymin, ymax = proj.Bounds(xmin, xmax, ymin, ymax)
	}

	// §6 grid registration.
	nx, ny := cellCount(xmin, xmax, xres), cellCount(ymin, ymax, yres)
	if nx < 1 || ny < 1 {
		return nil, fmt.Errorf("footprint: domain %v..%v x %v..%v at %v x %v holds no whole cell", xmin, xmax, ymin, ymax, xres, yres)
	}
	if int64(nx)*int64(ny) > 1<<31 {
		return nil, fmt.Errorf("footprint: grid of %d x %d cells is too large", nx, ny)
	}

	// §7 bandwidth per rtime.
	bw := bandwidths(r, rtime, cfg.SmoothFactor, lonlat)
	rtime = nil // only the per-row group index is needed from here on
	wmax := 0.0
	for _, w := range bw.w {
		if w > wmax {
			wmax = w
		}
	}
	xbuf, ybuf := kernelSize(wmax, xres), kernelSize(wmax, yres)
	xbufh, ybufh := (xbuf-1)/2, (ybuf-1)/2

	// §8 domain filter, §9 layers.
	xlo, xhi := xmin-float64(xbufh)*xres, xmax+float64(xbufh)*xres
	ylo, yhi := ymin-float64(ybufh)*yres, ymax+float64(ybufh)*yres
	inside := func(i int) bool {
		return r.foot[i] > 0 && r.x[i] >= xlo && r.x[i] < xhi && r.y[i] >= ylo && r.y[i] < yhi && !math.IsNaN(r.t[i])
	}
	layerOf := func(t float64) int {
		if cfg.TimeIntegrate {
			return 0
		}
		return int(math.Floor(t / 60))
	}
	layerSet := map[int]int{}
	var layers []int
	nkeep := 0
	for i := 0; i < n; i++ {
		if inside(i) {
			nkeep++
			l := layerOf(r.t[i])
			if _, ok := layerSet[l]; !ok {
				layerSet[l] = 0
				layers = append(layers, l)
			}
		}
	}
	if nkeep == 0 {
		var layers []int
		if !cfg.TimeIntegrate {
			seen := map[int]bool{}
			for _, t := range r.t {
				if !math.IsNaN(t) && !seen[layerOf(t)] {
					seen[layerOf(t)] = true
					layers = append(layers, layerOf(t))
				}
			}
			sort.Ints(layers)
		}
		return g.empty(EmptyOutsideDomain, xmin, xmax, ymin, ymax, layers, wrapped)
	}
	sort.Ints(layers)
	for k, l := range layers {
		layerSet[l] = k
	}

	// §8.3–8.4 buffered-grid cell index (findInterval on the buffered edges),
	// expressed relative to the output grid.
	gx0 := xmin - float64(xbuf)*xres
	gy0 := ymin - float64(ybuf)*yres
	nxb, nyb := nx+2*xbuf, ny+2*ybuf

	// §10 accumulation, grouped by (layer, rtime) with a counting sort of
	// the kept rows (two passes over the rows instead of storing group ids).
	nrt := len(bw.rtimes)
	ngroups := len(layers) * nrt
	var groupOf func(i int) int32
	if span := layers[len(layers)-1] - layers[0] + 1; span <= 1<<20 {
		layerIdx := make([]int32, span)
		for k, l := range layers {
			layerIdx[l-layers[0]] = int32(k)
		}
		groupOf = func(i int) int32 {
			return layerIdx[layerOf(r.t[i])-layers[0]]*int32(nrt) + bw.rtIdx[i]
		}
	} else {
		groupOf = func(i int) int32 {
			return int32(layerSet[layerOf(r.t[i])]*nrt) + bw.rtIdx[i]
		}
	}
	count := make([]int32, ngroups+1)
	for i := 0; i < n; i++ {
		if inside(i) {
			count[groupOf(i)+1]++
		}
	}
	for k := 1; k <= ngroups; k++ {
		count[k] += count[k-1]
	}
	perm := make([]int32, nkeep)
	pos := append([]int32(nil), count[:ngroups]...)
	for i := 0; i < n; i++ {
		if inside(i) {
			id := groupOf(i)
			perm[pos[id]] = int32(i)
			pos[id]++
		}
	}
	pos = nil

	g.Data = make([]float64, len(layers)*nx*ny)
	acc := newAccumulator(nx, ny, cfg.Workers)
	kernels := map[int]kernel{}
	for grp := 0; grp < ngroups; grp++ {
		lo, hi := count[grp], count[grp+1]
		if lo == hi {
			continue
		}
		rt := grp % nrt
		ki := bw.nearest[rt]
		k, ok := kernels[ki]
		if !ok {
			w := 0.0
			if ki >= 0 {
				w = bw.w[ki]
			}
			k = makeKernel(w, xres, yres)
			kernels[ki] = k
		}
		acc.reset()
		for _, i := range perm[lo:hi] {
			ix := findInterval(gx0, xres, nxb, r.x[i]) - xbuf
			iy := findInterval(gy0, yres, nyb, r.y[i]) - ybuf
			acc.add(iy, ix, r.foot[i])
		}
		layer := grp / nrt
		acc.scatter(g.Data[layer*nx*ny:(layer+1)*nx*ny], k)
	}
	np := float64(g.N)
	for i := range g.Data {
		g.Data[i] /= np
	}

	g.Layers = layers
	g.setTimes()
	g.setCoords(xmin, ymin, nx, ny, wrapped)
	return g, nil
}

// lonlatBounds applies the antimeridian rules of §2.4 to the bounds only.
func lonlatBounds(xmin, xmax float64) (float64, float64) {
	xdist := pymod((180-xmin)-(-180-xmax), 360)
	switch {
	case xdist == 0:
		return -180, 180
	case xmax < xmin || xmax > 180:
		return pymod(pymod(xmin, 360)+360, 360), pymod(pymod(xmax, 360)+360, 360)
	}
	return xmin, xmax
}

// medianSign returns sign(median(t)) without copying t when more than half
// of the values share a sign (the usual case).
func medianSign(t []float64) float64 {
	pos, neg := 0, 0
	for _, v := range t {
		if v > 0 {
			pos++
		} else if v < 0 {
			neg++
		}
	}
	switch n := len(t); {
	case pos > n/2:
		return 1
	case neg > n/2:
		return -1
	}
	return sign(median(append([]float64(nil), t...)))
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func distinct(v []float64) int {
	seen := make(map[float64]struct{}, 1024)
	for _, x := range v {
		seen[x] = struct{}{}
	}
	return len(seen)
}

// findInterval returns the number of edges g0 + k·res (k = 0 … n−1) that
// are <= x, minus one (R's findInterval, numpy searchsorted right − 1).
func findInterval(g0, res float64, n int, x float64) int {
	k := int(math.Floor((x - g0) / res))
	if k < -1 {
		k = -1
	}
	if k > n-1 {
		k = n - 1
	}
	for k+1 <= n-1 && g0+float64(k+1)*res <= x {
		k++
	}
	for k >= 0 && g0+float64(k)*res > x {
		k--
	}
	return k
}

// releaseTime returns time − sign·min(|time|) per particle (§4).
func releaseTime(r rows, tsign float64) []float64 {
	minAbs := make(map[float64]float64, 1024)
	for i, t := range r.t {
		a := math.Abs(t)
		if m, ok := minAbs[r.indx[i]]; !ok || a < m || math.IsNaN(m) {
			minAbs[r.indx[i]] = a
		}
	}
	rt := make([]float64, len(r.t))
	for i, t := range r.t {
		rt[i] = t - tsign*minAbs[r.indx[i]]
	}
	return rt
}

// bw holds the bandwidth table of §7.
type bwTable struct {
	rtimes  []float64 // distinct rtimes, ascending
	rtIdx   []int32   // per row: index into rtimes
	nearest []int     // per rtime: index into w of the nearest valid group (-1: none, w = 0)
	w       []float64 // bandwidth per valid group (ascending rtime)
}

func bandwidths(r rows, rtime []float64, smooth float64, lonlat bool) bwTable {
	var b bwTable
	idx := make(map[float64]int32, 2048)
	for _, v := range rtime {
		if _, ok := idx[v]; !ok {
			idx[v] = 0
			b.rtimes = append(b.rtimes, v)
		}
	}
	sort.Float64s(b.rtimes)
	// NaN rtimes sort first but never match a map key; give them their own slot.
	for k, v := range b.rtimes {
		idx[v] = int32(k)
	}
	b.rtIdx = make([]int32, len(rtime))
	for i, v := range rtime {
		b.rtIdx[i] = idx[v]
	}
	m := len(b.rtimes)
	nX, nY := make([]float64, m), make([]float64, m)
	sx, sy := make([]float64, m), make([]float64, m)
	for i := range rtime {
		k := b.rtIdx[i]
		if !math.IsNaN(r.x[i]) {
			nX[k]++
			sx[k] += r.x[i]
		}
		if !math.IsNaN(r.y[i]) {
			nY[k]++
			sy[k] += r.y[i]
		}
	}
	mx, my := make([]float64, m), make([]float64, m)
	for k := range mx {
		mx[k], my[k] = sx[k]/nX[k], sy[k]/nY[k]
	}
	vx, vy := make([]float64, m), make([]float64, m)
	for i := range rtime {
		k := b.rtIdx[i]
		if !math.IsNaN(r.x[i]) {
			d := r.x[i] - mx[k]
			vx[k] += d * d
		}
		if !math.IsNaN(r.y[i]) {
			d := r.y[i] - my[k]
			vy[k] += d * d
		}
	}
	var validRt []float64
	for k, rt := range b.rtimes {
		varx, vary := vx[k]/(nX[k]-1), vy[k]/(nY[k]-1)
		if nX[k] < 2 || nY[k] < 2 || math.IsNaN(varx) || math.IsNaN(vary) || math.IsNaN(my[k]) || math.IsNaN(rt) {
			continue
		}
		gconv := 1.0
		if lonlat {
			gconv = math.Cos(my[k] * math.Pi / 180)
		}
		w := smooth * 0.06 * math.Pow(varx+vary, 0.25) * math.Pow(math.Abs(rt)/1440, 0.5) / gconv
		validRt = append(validRt, rt)
		b.w = append(b.w, w)
	}
	b.nearest = make([]int, m)
	for k, rt := range b.rtimes {
		b.nearest[k] = nearestIndex(validRt, rt)
	}
	return b
}

// nearestIndex returns the index of the value in sorted v closest to x
// (the first on ties), or -1 when v is empty.
func nearestIndex(v []float64, x float64) int {
	if len(v) == 0 {
		return -1
	}
	j := sort.SearchFloat64s(v, x) // first v[j] >= x
	best := -1
	bd := math.Inf(1)
	for _, c := range []int{j - 1, j} {
		if c < 0 || c >= len(v) {
			continue
		}
		if d := math.Abs(v[c] - x); d < bd {
			best, bd = c, d
		}
	}
	if best < 0 {
		return 0
	}
	// First index on ties: walk back over equal distances.
	for best > 0 && math.Abs(v[best-1]-x) == bd {
		best--
	}
	return best
}

// kernelSize is the full kernel length along an axis of resolution res.
func kernelSize(w, res float64) int {
	if !(w > 0) || math.IsInf(w, 0) {
		return 1
	}
	return 1 + 2*int(math.Floor(3*w/res))
}

// kernel is a separable Gaussian: K[j][i] = kx[i]·ky[j], normalised to sum 1.
type kernel struct {
	kx, ky []float64
}

func makeKernel(w, xres, yres float64) kernel {
	nx, ny := kernelSize(w, xres), kernelSize(w, yres)
	if nx == 1 && ny == 1 {
		return kernel{kx: []float64{1}, ky: []float64{1}}
	}
	axis := func(n int, res float64) []float64 {
		k := make([]float64, n)
		s := 0.0
		for i := range k {
			d := float64(i-n/2) * res
			k[i] = math.Exp(-(d * d) / (2 * w * w))
			s += k[i]
		}
		for i := range k {
			k[i] /= s
		}
		return k
	}
	return kernel{kx: axis(nx, xres), ky: axis(ny, yres)}
}

// setTimes labels the layers (§11).
func (g *Grid) setTimes() {
	g.Times = make([]time.Time, len(g.Layers))
	for k, l := range g.Layers {
		if g.TimeIntegrate {
			g.Times[k] = g.ReceptorTime
		} else {
			g.Times[k] = g.ReceptorTime.Add(time.Duration(l) * time.Hour)
		}
	}
}

// setCoords sets the cell centres and unwraps longitudes (§11), permuting
// the data columns to keep X ascending.
func (g *Grid) setCoords(xmin, ymin float64, nx, ny int, wrapped bool) {
	g.X = make([]float64, nx)
	for k := range g.X {
		g.X[k] = xmin + float64(k)*g.Xres + g.Xres/2
	}
	g.Y = make([]float64, ny)
	for k := range g.Y {
		g.Y[k] = ymin + float64(k)*g.Yres + g.Yres/2
	}
	if !wrapped {
		return
	}
	perm := make([]int, nx)
	for k := range perm {
		perm[k] = k
		g.X[k] = pymod(g.X[k]+180, 360) - 180
	}
	sort.SliceStable(perm, func(a, b int) bool { return g.X[perm[a]] < g.X[perm[b]] })
	x := make([]float64, nx)
	for k, p := range perm {
		x[k] = g.X[p]
	}
	g.X = x
	row := make([]float64, nx)
	for off := 0; off < len(g.Data); off += nx {
		src := g.Data[off : off+nx]
		for k, p := range perm {
			row[k] = src[p]
		}
		copy(src, row)
	}
}

// empty finishes g as an all-zero footprint.
func (g *Grid) empty(reason string, xmin, xmax, ymin, ymax float64, layers []int, wrapped bool) (*Grid, error) {
	nx, ny := cellCount(xmin, xmax, g.Xres), cellCount(ymin, ymax, g.Yres)
	if nx < 1 || ny < 1 {
		return nil, fmt.Errorf("footprint: domain %v..%v x %v..%v at %v x %v holds no whole cell", xmin, xmax, ymin, ymax, g.Xres, g.Yres)
	}
	if len(layers) == 0 {
		layers = []int{0}
	}
	g.EmptyReason = reason
	g.Layers = layers
	g.Data = make([]float64, len(layers)*nx*ny)
	g.setTimes()
	g.setCoords(xmin, ymin, nx, ny, wrapped)
	return g, nil
}

// accumulator scatters one (layer, rtime) group's cells through a
// separable kernel onto a layer: a pass along x into per-row segments,
// then a pass along y from the segments into the layer. The work is
// proportional to the cells within the kernel's reach, never the grid.
type accumulator struct {
	nx, ny  int
	workers int
	cells   []cell
	segs    []segment
	arena   []float64
}

type cell struct {
	iy, ix int
	f      float64
}

type segment struct {
	iy, x0 int
	vals   []float64
}

func newAccumulator(nx, ny, workers int) *accumulator {
	if workers < 1 {
		workers = 1
	}
	return &accumulator{nx: nx, ny: ny, workers: workers}
}

func (a *accumulator) reset() { a.cells = a.cells[:0] }

func (a *accumulator) add(iy, ix int, f float64) { a.cells = append(a.cells, cell{iy, ix, f}) }

func (a *accumulator) scatter(layer []float64, k kernel) {
	cells := a.cells
	sort.Slice(cells, func(p, q int) bool {
		if cells[p].iy != cells[q].iy {
			return cells[p].iy < cells[q].iy
		}
		return cells[p].ix < cells[q].ix
	})
	hx, hy := len(k.kx)/2, len(k.ky)/2
	a.segs = a.segs[:0]
	need := 0
	type span struct{ lo, hi, x0, x1 int }
	var spans []span
	for lo := 0; lo < len(cells); {
		hi := lo
		for hi < len(cells) && cells[hi].iy == cells[lo].iy {
			hi++
		}
		iy := cells[lo].iy
		x0 := max(cells[lo].ix-hx, 0)
		x1 := min(cells[hi-1].ix+hx+1, a.nx)
		if iy+hy >= 0 && iy-hy < a.ny && x0 < x1 {
			spans = append(spans, span{lo, hi, x0, x1})
			need += x1 - x0
		}
		lo = hi
	}
	if cap(a.arena) < need {
		a.arena = make([]float64, need)
	}
	arena := a.arena[:need]
	clear(arena)
	off := 0
	for _, s := range spans {
		seg := arena[off : off+s.x1-s.x0]
		off += len(seg)
		for _, c := range cells[s.lo:s.hi] {
			i0 := max(0, s.x0-(c.ix-hx))
			i1 := min(len(k.kx), s.x1-(c.ix-hx))
			base := c.ix - hx - s.x0
			for i := i0; i < i1; i++ {
				seg[base+i] += c.f * k.kx[i]
			}
		}
		a.segs = append(a.segs, segment{iy: cells[s.lo].iy, x0: s.x0, vals: seg})
	}
	work := need * len(k.ky)
	if a.workers <= 1 || work < 1<<16 {
		a.pass2(layer, k.ky, 0, a.ny)
		return
	}
	// Bands of output rows: each cell is written by exactly one goroutine,
	// in the same order as the sequential pass, so the result does not
	// depend on the number of workers.
	var wg sync.WaitGroup
	band := (a.ny + a.workers - 1) / a.workers
	for r0 := 0; r0 < a.ny; r0 += band {
		r1 := min(r0+band, a.ny)
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.pass2(layer, k.ky, r0, r1)
		}()
	}
	wg.Wait()
}

// pass2 spreads the segments along y into output rows [r0, r1).
func (a *accumulator) pass2(layer, ky []float64, r0, r1 int) {
	hy := len(ky) / 2
	for _, s := range a.segs {
		j0 := max(0, r0-(s.iy-hy))
		j1 := min(len(ky), r1-(s.iy-hy))
		for j := j0; j < j1; j++ {
			row := s.iy - hy + j
			dst := layer[row*a.nx+s.x0 : row*a.nx+s.x0+len(s.vals)]
			kv := ky[j]
			for i, v := range s.vals {
				dst[i] += kv * v
			}
		}
	}
}
