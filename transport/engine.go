package transport

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/stilt-mpi/stilt-mpi/particle"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// Engine runs one STILT simulation and returns its particle table.
type Engine interface {
	Run(ctx context.Context, sim Simulation) (*particle.Table, error)
}

// Simulation is one receptor's transport run.
type Simulation struct {
	ID       string
	Receptor receptor.Receptor
	MetFiles []string // ARL files (any order); ignored when Native.Met is set
	NHours   int      // run length in hours; negative = backward (STILT)
	NumPar   int
	Seed     uint64
	Params   Params
}

// Columns are the particle-table columns the native engine writes, in order.
var Columns = []string{"time", "indx", "long", "lati", "zagl", "foot", "mlht", "pres", "dens", "samt", "sigw", "tlgr", "zsfc"}

// Native is the Go transport engine.
type Native struct {
	// Met, when set, supplies the meteorology (tests, synthetic met);
	// otherwise Simulation.MetFiles are read (and cached per file list).
	Met MetSource

	mu    sync.Mutex
	cache map[string]MetSource
}

var _ Engine = (*Native)(nil)

func (n *Native) met(sim *Simulation) (MetSource, error) {
	if n.Met != nil {
		return n.Met, nil
	}
	if len(sim.MetFiles) == 0 {
		return nil, fmt.Errorf("simulation %s: no met files", sim.ID)
	}
	pp := sim.Params
	key := fmt.Sprintf("%s|%g|%v|%g|%g|%g|%s|%g", strings.Join(sim.MetFiles, "\x00"), pp.ZTop, pp.ZiRiFriction, pp.Kmix0, pp.HScale, pp.ZiExcessB, pp.HorizTurb, pp.VScale)
	n.mu.Lock()
	defer n.mu.Unlock()
	if m, ok := n.cache[key]; ok {
		return m, nil
	}
	m, err := OpenMet(sim.MetFiles, sim.Params)
	if err != nil {
		return nil, err
	}
	if n.cache == nil {
		n.cache = map[string]MetSource{}
	}
	n.cache[key] = m
	return m, nil
}

// runMet is the engine's view of a MetSource.
type runMet struct {
	p          Params
	grid       Grid
	frames     []*Frame
	h          []float64
	nl, nx, ny int
	ztop       float64
	t0         time.Time
	interval   float64 // minutes
	quad       bool    // h are HYSPLIT's internal levels h_k = 30k²−25k+5
}

// frac returns the interpolation weight of level k+1 for flat height zeta
// between levels k and k+1 (clamped to [0, 1]). On HYSPLIT's internal levels
// it is linear in the fractional level index (the inverse of h = 30k²−25k+5),
// as HYSPLIT interpolates met to a particle (ADVINT, ADV3NT), not linear in
// height: the difference is largest near the ground (at 33 m, between the
// levels at 10 and 75 m, 0.47 against 0.35), and with it the mean trajectories
// of hycs_std NTURB=1 runs are followed within 0.1 m over 10 h at receptor A
// (16 m linear in height) and 0.16 m over 3 h at D (0.9 m). On other levels
// (synthetic sources) it is linear in height.
func (m *runMet) frac(k int, zeta float64) float64 {
	var f float64
	if m.quad {
		kx := (25 + math.Sqrt(math.Max(0, 625-120*(5-zeta)))) / 60
		f = kx - float64(k+1)
	} else {
		f = (zeta - m.h[k]) / (m.h[k+1] - m.h[k])
	}
	return math.Min(1, math.Max(0, f))
}

// quadLevels reports whether h are HYSPLIT's internal levels 30k²−25k+5.
func quadLevels(h []float64) bool {
	for i, z := range h {
		k := float64(i + 1)
		if math.Abs(z-(30*k*k-25*k+5)) > 1e-9 {
			return false
		}
	}
	return len(h) > 0
}

// timeIndex returns the frame index a and the weight of frame a+1 for t
// minutes since the first frame.
func (m *runMet) timeIndex(t float64) (int, float64) {
	f := t / m.interval
	a := int(math.Floor(f))
	if a < 0 {
		return 0, 0
	}
	if a >= len(m.frames)-1 {
		return len(m.frames) - 2, 1
	}
	return a, f - float64(a)
}

// inside reports whether (x, y) (1-based grid units) lies in the part of the
// grid where hycs_std v5.1.0 keeps particles: 2 <= x < NX-2 and 2 <= y < NY-2.
// Measured with NTURB=1 particles leaving the HRRR test grid (59 x 41) on
// all four sides: the last row hycs_std prints is the first position with
// x < 2 (west, e.g. 1.998, 1.969, 1.955 after 2.052, 2.015, 2.051),
// y < 2 (south), x >= 57 (east, 57.001-57.135 after positions below 57) or
// y >= 39 (north); the particle is then removed. physics.md §2.4 ("INT(x) <=
// 2 or INT(x) >= NX-1", SRC v1) is one cell narrower in the west and one
// cell wider in the east.
func (m *runMet) inside(x, y float64) bool {
	if math.IsNaN(x) || math.IsNaN(y) {
		return false
	}
	return x >= 2 && y >= 2 && x < float64(m.nx-2) && y < float64(m.ny-2)
}

// inGrid reports whether (x, y) can be interpolated on the grid at all
// (hycs_std's sub-grid test): a position outside it ends the particle
// without a row.
func (m *runMet) inGrid(x, y float64) bool {
	if math.IsNaN(x) || math.IsNaN(y) {
		return false
	}
	return x >= 1 && y >= 1 && x <= float64(m.nx) && y <= float64(m.ny)
}

// newRunMet prepares a checked met source (at least two frames) for a run.
func newRunMet(ms MetSource, p Params) *runMet {
	fr := ms.Frames()
	nx, ny := ms.Grid().Dims()
	return &runMet{p: p, grid: ms.Grid(), frames: fr, h: ms.Levels(), nl: len(ms.Levels()), nx: nx, ny: ny,
		ztop: ms.ZTop(), t0: fr[0].Time, interval: fr[1].Time.Sub(fr[0].Time).Minutes(), quad: quadLevels(ms.Levels())}
}

// wind returns the mean wind at (x, y, zeta, t) in grid units per minute
// (x, y) and flat metres per minute (zeta), with winds below level 1 scaled
// linearly to zero.
func (m *runMet) wind(s *sampler, x, y, zeta, t float64) (float64, float64, float64) {
	s.set(x, y, t)
	h := m.h
	var u, v, w float64
	if zeta < h[0] {
		f := math.Max(zeta, 0) / h[0]
		u = s.lev(s.fa.U, s.fb.U, 0) * f
		v = s.lev(s.fa.V, s.fb.V, 0) * f
		w = s.lev(s.fa.W, s.fb.W, 0) * f
	} else {
		k := levelBelow(h, zeta)
		if k >= m.nl-1 {
			k = m.nl - 2
		}
		f := m.frac(k, zeta)
		lin := func(a, b []float32) float64 {
			lo := s.lev(a, b, k)
			return lo + f*(s.lev(a, b, k+1)-lo)
		}
		u, v, w = lin(s.fa.U, s.fb.U), lin(s.fa.V, s.fb.V), lin(s.fa.W, s.fb.W)
	}
	dx, dy := m.grid.UnitMetres(x, y)
	return u * 60 / dx, v * 60 / dy, w * 60
}

type part struct {
	x, y, zeta float64
	wn         float64 // w'/σ_w
	up, vp     float64 // horizontal turbulent velocities (m/s)
	hstarted   bool    // up, vp drawn (stationary start of HorizTurb "sigw")
	alive      bool
	rng        *rand.Rand
	maxSpeed   float64 // grid units per minute, for the automatic time step
}

type row struct {
	lon, lat, zagl, foot, mlht, pres, dens, samt, sigw, tlgr, zsfc float64
}

type worker struct {
	m          *runMet
	prev, next *profile
	s          sampler

	// Langevin coefficients of the last vertical sub-step and of the last
	// horizontal step: full sub-steps TLFRAC·T_L in one layer, and steps of
	// one length, repeat their arguments, so the exponential and square
	// root are taken once, not per (sub-)step, with the same bits.
	vdecay, hdecay decayMemo
}

// decayMemo remembers R = exp(−60·d/tl) and Q = √(1 − R²) for the last
// (d minutes, tl seconds).
type decayMemo struct{ d, tl, r, q float64 }

func (c *decayMemo) get(d, tl float64) (R, Q float64) {
	if d != c.d || tl != c.tl || c.tl == 0 {
		c.d, c.tl = d, tl
		c.r = math.Exp(-60 * d / tl)
		c.q = math.Sqrt(1 - c.r*c.r)
	}
	return c.r, c.q
}

// Run implements Engine.
func (n *Native) Run(ctx context.Context, sim Simulation) (*particle.Table, error) {
	p := sim.Params
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("simulation %s: %w", sim.ID, err)
	}
	if sim.NumPar <= 0 {
		return nil, fmt.Errorf("simulation %s: numpar=%d, want > 0", sim.ID, sim.NumPar)
	}
	if sim.NHours == 0 {
		return nil, fmt.Errorf("simulation %s: n_hours=0", sim.ID)
	}
	r := sim.Receptor
	if len(r.Lons) == 0 || len(r.Lons) != len(r.Lats) || len(r.Lons) != len(r.Heights) {
		return nil, fmt.Errorf("simulation %s: receptor has %d lons, %d lats, %d heights", sim.ID, len(r.Lons), len(r.Lats), len(r.Heights))
	}
	ms, err := n.met(&sim)
	if err != nil {
		return nil, fmt.Errorf("simulation %s: %w", sim.ID, err)
	}
	if err := checkMet(ms); err != nil {
		return nil, fmt.Errorf("simulation %s: %w", sim.ID, err)
	}
	m := newRunMet(ms, p)
	fr := m.frames
	dir := 1.0
	if sim.NHours < 0 {
		dir = -1
	}
	total := float64(abs(sim.NHours)) * 60
	tStart := r.Time.Sub(m.t0).Minutes()
	tEnd := tStart + dir*total
	metEnd := fr[len(fr)-1].Time.Sub(m.t0).Minutes()
	if math.Min(tStart, tEnd) < 0 || math.Max(tStart, tEnd) > metEnd {
		return nil, fmt.Errorf("simulation %s: run %s %+d h needs met from %s to %s; met covers %s to %s", sim.ID,
			r.Time.Format(time.RFC3339), sim.NHours,
			m.t0.Add(time.Duration(math.Min(tStart, tEnd))*time.Minute).Format(time.RFC3339),
			m.t0.Add(time.Duration(math.Max(tStart, tEnd))*time.Minute).Format(time.RFC3339),
			m.t0.Format(time.RFC3339), fr[len(fr)-1].Time.Format(time.RFC3339))
	}

	parts, err := release(m, &sim, tStart)
	if err != nil {
		return nil, fmt.Errorf("simulation %s: %w", sim.ID, err)
	}
	nw := p.Workers
	if nw <= 0 {
		nw = 1
	}
	if nw > len(parts) {
		nw = len(parts)
	}
	workers := make([]*worker, nw)
	for i := range workers {
		workers[i] = &worker{m: m, prev: newProfile(m), next: newProfile(m), s: sampler{m: m}}
	}
	est := int(total) * len(parts)
	if p.Delt > 0 {
		est = int(total/p.Delt) * len(parts)
	}
	tab := particle.MustNew(Columns, min(est, 1<<24))
	tab.Meta["engine"] = "native"
	tab.Meta["seed"] = fmt.Sprint(sim.Seed)
	tab.Meta["id"] = sim.ID
	rows := make([]row, len(parts))
	ok := make([]bool, len(parts))

	elapsed := 0.0
	dtm := p.Delt
	if dtm <= 0 {
		dtm = 1
	}
	nextHour := 60.0
	for elapsed < total-1e-9 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("simulation %s: %w", sim.ID, err)
		}
		step := math.Min(dtm, total-elapsed)
		t := tStart + dir*elapsed
		dt := dir * step
		var wg sync.WaitGroup
		chunk := (len(parts) + nw - 1) / nw
		for w := 0; w < nw; w++ {
			lo, hi := w*chunk, min((w+1)*chunk, len(parts))
			if lo >= hi {
				continue
			}
			wg.Add(1)
			go func(wk *worker, lo, hi int) {
				defer wg.Done()
				for i := lo; i < hi; i++ {
					ok[i] = wk.step(&parts[i], t, dt, &rows[i])
				}
			}(workers[w], lo, hi)
		}
		wg.Wait()
		elapsed += step
		alive := 0
		tm := dir * elapsed
		for i := range parts {
			if !ok[i] {
				continue
			}
			alive++
			rw := &rows[i]
			if err := tab.AppendRow([]float64{tm, float64(i + 1), rw.lon, rw.lat, rw.zagl, rw.foot, rw.mlht, rw.pres,
				rw.dens, rw.samt, rw.sigw, rw.tlgr, rw.zsfc}); err != nil {
				return nil, err
			}
		}
		if float64(len(parts)-alive) > p.OutFrac*float64(len(parts)) || alive == 0 {
			break
		}
		if p.Delt <= 0 && elapsed >= nextHour-1e-9 {
			dtm = autoStep(m, parts)
			nextHour += 60
		}
	}
	return tab, nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// autoStep is HYSPLIT's automatic step (physics.md §2.2) from the largest
// particle speed of the previous hour.
func autoStep(m *runMet, parts []part) float64 {
	umax := 0.0
	for i := range parts {
		umax = math.Max(umax, parts[i].maxSpeed)
		parts[i].maxSpeed = 0
	}
	dx, _ := m.grid.UnitMetres(float64(m.nx)/2, float64(m.ny)/2)
	umax = math.Max(umax, 60/dx) // floor 1 m/s
	maxdt := math.Min(60, m.interval)
	dt := math.Max(1, math.Min(maxdt, math.Round(m.p.TRatio/umax)))
	for int(maxdt)%int(dt) != 0 {
		dt--
	}
	return dt
}

// release places the particles (hysplit-interface.md §6): a point puts all
// particles at one place; a column spreads them top-of-bin along the line in
// index order; a multipoint gives contiguous index blocks to the points.
func release(m *runMet, sim *Simulation, t float64) ([]part, error) {
	r := sim.Receptor
	np := sim.NumPar
	parts := make([]part, np)
	var s sampler
	s.m = m
	place := func(i int, lat, lon, hgt float64) error {
		x, y := m.grid.ToXY(lat, lon)
		if !m.inside(x, y) {
			return fmt.Errorf("release point %.4f N %.4f E is outside the met grid (x=%.2f y=%.2f of %dx%d)", lat, lon, x, y, m.nx, m.ny)
		}
		s.set(x, y, t)
		zsfc := s.surf(s.fa.Zsfc, s.fb.Zsfc)
		zagl := hgt
		if r.MSL {
			zagl = hgt - zsfc
		}
		if zagl < 0 {
			return fmt.Errorf("release height %.1f m is below the terrain (%.1f m MSL)", hgt, zsfc)
		}
		rng := rand.New(rand.NewPCG(sim.Seed, uint64(i+1)))
		parts[i] = part{x: x, y: y, zeta: zagl * m.ztop / (m.ztop - zsfc), alive: true, rng: rng}
		parts[i].wn = rng.NormFloat64()
		return nil
	}
	switch r.Kind {
	case receptor.Column:
		if len(r.Heights) != 2 {
			return nil, fmt.Errorf("column receptor needs 2 heights (bottom, top), has %d", len(r.Heights))
		}
		bot, top := r.Bottom(), r.Top()
		for i := 0; i < np; i++ {
			if err := place(i, r.Lats[0], r.Lons[0], bot+float64(i+1)*(top-bot)/float64(np)); err != nil {
				return nil, err
			}
		}
	case receptor.MultiPoint:
		npts := len(r.Lons)
		i := 0
		for k := 0; k < npts; k++ {
			cnt := np / npts
			if k < np%npts {
				cnt++
			}
			for c := 0; c < cnt; c++ {
				if err := place(i, r.Lats[k], r.Lons[k], r.Heights[k]); err != nil {
					return nil, fmt.Errorf("point %d: %w", k+1, err)
				}
				i++
			}
		}
	default:
		for i := 0; i < np; i++ {
			if err := place(i, r.Lats[0], r.Lons[0], r.Heights[0]); err != nil {
				return nil, err
			}
		}
	}
	return parts, nil
}

// step advances one particle by dt minutes from time t (minutes since the
// first frame) and fills its output row. It returns false when the particle
// is (or becomes) inactive.
func (wk *worker) step(pt *part, t, dt float64, out *row) bool {
	if !pt.alive {
		return false
	}
	m := wk.m
	p := &m.p
	// ADVIEC: predictor–corrector on the mean wind
	u1, v1, w1 := m.wind(&wk.s, pt.x, pt.y, pt.zeta, t)
	xp, yp := pt.x+u1*dt, pt.y+v1*dt
	zp := math.Max(0, pt.zeta+w1*dt)
	if !m.inGrid(xp, yp) {
		pt.alive = false
		return false
	}
	u2, v2, w2 := m.wind(&wk.s, xp, yp, zp, t+dt)
	xe := 0.5 * (pt.x + xp + u2*dt)
	ye := 0.5 * (pt.y + yp + v2*dt)
	ze := 0.5 * (pt.zeta + zp + w2*dt)
	ztopLev := m.h[m.nl-1]
	ze = math.Min(ztopLev, math.Max(0, ze))
	if !m.inGrid(xe, ye) {
		pt.alive = false
		return false
	}
	sp := math.Hypot(xe-pt.x, ye-pt.y) / math.Abs(dt)
	pt.maxSpeed = math.Max(pt.maxSpeed, sp)
	prev, next := wk.prev, wk.next
	prev.at(pt.x, pt.y, t)
	next.at(xe, ye, t+dt)
	var samt, foot, sigw, tlgr float64
	if p.NTurb {
		pt.x, pt.y, pt.zeta = xe, ye, ze
	} else {
		// horizontal turbulence, once per step (physics.md §3.7)
		dxm, dym := m.grid.UnitMetres(pt.x, pt.y)
		k := levelBelow(m.h, pt.zeta)
		var su, sv float64
		if p.HorizTurb == "sigw" {
			// Variances, not standard deviations, are interpolated:
			// bilinear in x, y and linear in the fractional level index
			// (ADV3NT) between the levels around the particle, taken where
			// hycs_std's ADVMET takes them: at the end of the mean
			// advection step (position, height and time), not at its
			// start. Frozen-u' (HSCALE=1e9) first-minute spreads then
			// agree with hycs_std's within a few % at 5–1500 m at
			// receptors A, D, F and I (the start point was 25–30 % low at
			// F 100–200 m and 20 % high at 800 m;
			// bench/RESULTS-transport.md).
			hp, hz := next, ze
			k = levelBelow(m.h, ze)
			su2 := hp.levSq(hp.fa.SigU, hp.fb.SigU, k)
			sv2 := hp.levSq(hp.fa.SigV, hp.fb.SigV, k)
			if k+1 < m.nl && hz > m.h[k] {
				f := m.frac(k, hz)
				su2 += f * (hp.levSq(hp.fa.SigU, hp.fb.SigU, k+1) - su2)
				sv2 += f * (hp.levSq(hp.fa.SigV, hp.fb.SigV, k+1) - sv2)
			}
			su, sv = math.Sqrt(su2), math.Sqrt(sv2)
		} else {
			su = prev.lev(prev.fa.SigU, prev.fb.SigU, k)
			sv = prev.lev(prev.fa.SigV, prev.fb.SigV, k)
		}
		R, q := wk.hdecay.get(math.Abs(dt), p.HScale)
		if p.HorizTurb == "sigw" && !pt.hstarted {
			// hycs_std draws the first u', v' from the stationary
			// distribution: the spread grows linearly from the first step.
			R, q = 0, 1
			pt.hstarted = true
		}
		pt.up = R*pt.up + q*su*pt.rng.NormFloat64()
		pt.vp = R*pt.vp + q*sv*pt.rng.NormFloat64()
		pt.x += pt.up * 60 * dt / dxm
		pt.y += pt.vp * 60 * dt / dym
		pt.zeta = ze
		sign := 1.0
		if dt < 0 {
			sign = -1
		}
		half := math.Abs(dt) / 2
		for _, pr := range [2]*profile{prev, next} {
			s1, f1, sw, tl := wk.disperse(pt, pr, half, sign, dxm, dym)
			samt += s1
			foot += f1
			sigw, tlgr = sw, tl
		}
		if !m.inGrid(pt.x, pt.y) {
			pt.alive = false
			return false
		}
	}
	// A particle that has reached the edge zone writes this row and is
	// removed afterwards, as hycs_std does.
	if !m.inside(pt.x, pt.y) {
		pt.alive = false
	}
	// output row at the end of the step
	wk.s.set(pt.x, pt.y, t+dt)
	zsfc := wk.s.surf(wk.s.fa.Zsfc, wk.s.fb.Zsfc)
	lat, lon := m.grid.ToLatLon(pt.x, pt.y)
	*out = row{lon: lon, lat: lat, zagl: pt.zeta * (m.ztop - zsfc) / m.ztop, foot: foot,
		mlht: 0.5 * (prev.zi + next.zi), pres: next.pressure(pt.zeta), dens: next.printedDens(pt.zeta),
		samt: samt, sigw: sigw, tlgr: tlgr, zsfc: zsfc}
	return true
}

// disperse integrates one half step (physics.md §3.3): Langevin update of
// w' with layer-constant σ_w and T_L, reflection/transmission at layer
// interfaces, ground and top reflection, sheared horizontal advection, and
// samt/foot accumulation. It returns samt, foot and the last σ_w, T_L.
func (wk *worker) disperse(pt *part, pr *profile, dur, sign, dxm, dym float64) (samt, foot, sw, tl float64) {
	m := wk.m
	p := &m.p
	c := pr.c
	top := m.nl - 2
	L := pr.layerOf(pt.zeta)
	pr.need(min(L+2, m.nl-1))
	wp := pr.sw[L] * pt.wn
	left := dur
	footRate := 0.02884 * 60 / pr.densint
	hsFlat := pr.hs / c
	rng := pt.rng
	for iter := 0; left > 1e-10 && iter < 100000; iter++ {
		sw, tl = pr.sw[L], pr.tl[L]
		d := math.Min(left, p.TLFrac*tl/60)
		R, Q := wk.vdecay.get(d, tl)
		wp = R*wp + Q*sw*rng.NormFloat64()
		dz := wp * d * 60 / c // flat-height displacement
		if wp > 0 {
			var ub float64
			if L == top {
				ub = m.h[m.nl-1]
			} else {
				ub = pr.lower(L + 1)
			}
			if pt.zeta+dz < ub {
				pt.zeta += dz
			} else {
				d = math.Max(0, (ub-pt.zeta)*c/(wp*60))
				pt.zeta = ub
				if L == top {
					wp = -wp
				} else {
					pr.need(min(L+3, m.nl-1))
					b := L + 1
					P := pr.rho[b] * pr.sw[b] / (pr.rho[L] * pr.sw[L])
					if rng.Float64() <= P {
						wp *= pr.sw[b] / pr.sw[L]
						L = b
					} else {
						wp = -wp
					}
				}
			}
		} else if wp < 0 {
			lb := pr.lower(L)
			if pt.zeta+dz > lb {
				pt.zeta += dz
			} else {
				d = math.Max(0, (pt.zeta-lb)*c/(-wp*60))
				pt.zeta = lb
				if L == 0 {
					wp = -wp
				} else {
					b := L - 1
					P := pr.rho[b] * pr.sw[b] / (pr.rho[L] * pr.sw[L])
					if rng.Float64() <= P {
						wp *= pr.sw[b] / pr.sw[L]
						L = b
					} else {
						wp = -wp
					}
				}
			}
		}
		// sheared horizontal advection
		u, v := pr.windAtLayer(pt.zeta, L)
		pt.x += sign * u * d * 60 / dxm
		pt.y += sign * v * d * 60 / dym
		if pt.zeta < hsFlat {
			samt += d
			foot += d * footRate
		}
		left -= d
	}
	sw, tl = pr.sw[L], pr.tl[L]
	pt.wn = wp / sw
	return samt, foot, sw, tl
}
