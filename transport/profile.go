package transport

import "math"

// sampler holds the horizontal (bilinear) and time weights of one point.
type sampler struct {
	m       *runMet
	fa, fb  *Frame
	wt      float64 // weight of fb
	node    [4]int  // node indices j*NX+i
	w       [4]float64
	nearest int
}

// set positions the sampler at grid (x, y) and time t (minutes since the
// first frame). The caller guarantees that (x, y) is inside the grid.
func (s *sampler) set(x, y, t float64) {
	m := s.m
	ia, wt := m.timeIndex(t)
	s.fa, s.fb, s.wt = m.frames[ia], m.frames[ia+1], wt
	nx, ny := m.nx, m.ny
	i0 := int(math.Floor(x)) - 1
	j0 := int(math.Floor(y)) - 1
	if i0 < 0 {
		i0 = 0
	}
	if j0 < 0 {
		j0 = 0
	}
	if i0 > nx-2 {
		i0 = nx - 2
	}
	if j0 > ny-2 {
		j0 = ny - 2
	}
	fx := x - 1 - float64(i0)
	fy := y - 1 - float64(j0)
	fx = math.Min(1, math.Max(0, fx))
	fy = math.Min(1, math.Max(0, fy))
	s.node = [4]int{j0*nx + i0, j0*nx + i0 + 1, (j0+1)*nx + i0, (j0+1)*nx + i0 + 1}
	s.w = [4]float64{(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy}
	in := int(math.Floor(x - 1 + 0.5))
	jn := int(math.Floor(y - 1 + 0.5))
	in = min(max(in, 0), nx-1)
	jn = min(max(jn, 0), ny-1)
	s.nearest = jn*nx + in
}

// surf samples a per-node field (bilinear, linear in time).
func (s *sampler) surf(a, b []float32) float64 {
	var va, vb float64
	for n := 0; n < 4; n++ {
		va += s.w[n] * float64(a[s.node[n]])
		vb += s.w[n] * float64(b[s.node[n]])
	}
	return va + s.wt*(vb-va)
}

// lev samples a per-level field at level k (bilinear, linear in time).
func (s *sampler) lev(a, b []float32, k int) float64 {
	nl := s.m.nl
	var va, vb float64
	for n := 0; n < 4; n++ {
		o := s.node[n]*nl + k
		va += s.w[n] * float64(a[o])
		vb += s.w[n] * float64(b[o])
	}
	return va + s.wt*(vb-va)
}

// levSq samples the square of a per-level field at level k (bilinear in
// x, y and linear in time on the squares): variances, not standard
// deviations, are what is interpolated.
func (s *sampler) levSq(a, b []float32, k int) float64 {
	nl := s.m.nl
	var va, vb float64
	for n := 0; n < 4; n++ {
		o := s.node[n]*nl + k
		x, y := float64(a[o]), float64(b[o])
		va += s.w[n] * x * x
		vb += s.w[n] * y * y
	}
	return va + s.wt*(vb-va)
}

// profile is the PREV or NEXT column of physics.md §3.3 at one point and
// time, filled lazily from the bottom up.
type profile struct {
	sampler
	zsfc, c  float64 // terrain (m MSL), (Ztop−Zsfc)/Ztop
	zi       float64 // mixed-layer height (m AGL), nearest node, linear in time
	kzi      int     // first level at or above zi
	extra    float64 // flat height of the moved boundary above level kzi
	filled   int
	ja, jb   int // zi-scaled level search pointers
	sw, tl   []float64
	rho, dry []float64
	u, v     []float64
	hs       float64 // surface layer top (m AGL)
	densint  float64
}

func newProfile(m *runMet) *profile {
	nl := m.nl
	mk := func() []float64 { return make([]float64, nl) }
	return &profile{sampler: sampler{m: m}, sw: mk(), tl: mk(), rho: mk(), dry: mk(), u: mk(), v: mk()}
}

// at positions the profile; levels are filled on demand with need.
func (p *profile) at(x, y, t float64) {
	p.set(x, y, t)
	m := p.m
	p.zsfc = p.surf(p.fa.Zsfc, p.fb.Zsfc)
	p.c = (m.ztop - p.zsfc) / m.ztop
	za := float64(p.fa.ZI[p.nearest])
	zb := float64(p.fb.ZI[p.nearest])
	p.zi = za + p.wt*(zb-za)
	p.filled = 0
	p.ja, p.jb = 0, 0
	// k_zi: first level whose AGL height is at or above zi
	h := m.h
	nl := m.nl
	p.kzi = nl - 1
	for k := 0; k < nl; k++ {
		if h[k]*p.c >= p.zi {
			p.kzi = k
			break
		}
	}
	if p.kzi+1 < nl {
		p.extra = h[p.kzi] + 0.05*(h[p.kzi+1]-h[p.kzi])
	} else {
		p.extra = -1
	}
	if m.p.Veght <= 1 {
		p.hs = m.p.Veght * p.zi
	} else {
		p.hs = m.p.Veght
	}
	// dry-air column below hs (physics.md §4.1)
	p.densint = 0
	zprev := 0.0
	for k := 0; k < nl; k++ {
		p.need(k)
		zk := h[k] * p.c
		if k+1 < nl && h[k+1]*p.c < p.hs {
			p.densint += p.dry[k] * (zk - zprev)
			zprev = zk
			continue
		}
		p.densint += p.dry[k] * (p.hs - zprev)
		break
	}
}

// need makes sure levels 0..k are filled.
func (p *profile) need(k int) {
	if k < p.filled {
		return
	}
	m := p.m
	if k >= m.nl {
		k = m.nl - 1
	}
	fa, fb := p.fa, p.fb
	nl := m.nl
	na := p.nearest * nl
	zia := float64(fa.ZI[p.nearest])
	zib := float64(fb.ZI[p.nearest])
	for ; p.filled <= k; p.filled++ {
		l := p.filled
		p.rho[l] = p.lev(fa.Dens, fb.Dens, l)
		p.dry[l] = p.lev(fa.DensDry, fb.DensDry, l)
		p.u[l] = p.lev(fa.U, fb.U, l)
		p.v[l] = p.lev(fa.V, fb.V, l)
		// σ_w, T_L: nearest node; time interpolation in z/zi-scaled coordinates
		var swa, swb, tla, tlb float64
		if zia == zib {
			swa, tla = float64(fa.SigW[na+l]), float64(fa.TL[na+l])
			swb, tlb = float64(fb.SigW[na+l]), float64(fb.TL[na+l])
		} else {
			r := m.h[l] / p.zi
			p.ja = closestScaled(m.h, zia, r, p.ja)
			p.jb = closestScaled(m.h, zib, r, p.jb)
			swa, tla = float64(fa.SigW[na+p.ja]), float64(fa.TL[na+p.ja])
			swb, tlb = float64(fb.SigW[na+p.jb]), float64(fb.TL[na+p.jb])
		}
		sw := swa + p.wt*(swb-swa)
		tl := tla + p.wt*(tlb-tla)
		if sw <= 0 {
			sw = 0.001
		}
		if tl <= 0 {
			tl = 100
		}
		p.sw[l], p.tl[l] = sw, tl
	}
}

// closestScaled returns the level j (searching upward from j0) whose
// h_j/zi is closest to r; r is non-decreasing across calls.
func closestScaled(h []float64, zi, r float64, j0 int) int {
	j := j0
	for j+1 < len(h) && math.Abs(h[j+1]/zi-r) <= math.Abs(h[j]/zi-r) {
		j++
	}
	return j
}

// lower returns the flat height of the bottom of layer L.
func (p *profile) lower(L int) float64 {
	if L == 0 {
		return 0
	}
	if L == p.kzi+1 && p.extra >= 0 {
		return p.extra
	}
	return p.m.h[L]
}

// layerOf returns the layer holding flat height zeta.
func (p *profile) layerOf(zeta float64) int {
	top := p.m.nl - 2
	for L := 1; L <= top; L++ {
		if zeta < p.lower(L) {
			return L - 1
		}
	}
	return top
}

// windAtLayer returns the horizontal wind (m/s) at flat height zeta for the
// sheared advection of the dispersion loop: linear between levels, to zero
// at the ground, with the extra level above zi carrying level k_zi+1's wind
// (physics.md §3.3 "Density and winds are duplicated the same way"): the
// wind changes from level k_zi's to level k_zi+1's across the thin layer
// [z_kzi, extra) and is level k_zi+1's from there up to z_kzi+1.
//
// hint is a level at or just above the particle's (its layer): the level
// search starts there.
func (p *profile) windAtLayer(zeta float64, hint int) (float64, float64) {
	h := p.m.h
	if zeta < h[0] {
		p.need(0)
		f := zeta / h[0]
		return p.u[0] * f, p.v[0] * f
	}
	k := levelNear(h, zeta, hint)
	if k >= len(h)-1 {
		p.need(len(h) - 1)
		return p.u[len(h)-1], p.v[len(h)-1]
	}
	p.need(k + 1)
	top := h[k+1]
	if k == p.kzi && p.extra >= 0 {
		if zeta >= p.extra {
			return p.u[k+1], p.v[k+1]
		}
		top = p.extra
	}
	f := (zeta - h[k]) / (top - h[k])
	return p.u[k] + f*(p.u[k+1]-p.u[k]), p.v[k] + f*(p.v[k+1]-p.v[k])
}

// printedDens returns the dry-air density printed as dens at flat height
// zeta: DensOut interpolated as atParticle does, read from the frames for
// the levels it needs.
func (p *profile) printedDens(zeta float64) float64 {
	return p.levAt(p.fa.DensOut, p.fb.DensOut, zeta)
}

// pressure returns the pressure (hPa) printed as pres at flat height zeta.
func (p *profile) pressure(zeta float64) float64 {
	return p.levAt(p.fa.Pres, p.fb.Pres, zeta)
}

// levAt interpolates a per-level frame field at flat height zeta as
// atParticle does, reading only the levels it needs from the frames (fields
// the dispersion loop does not use are not filled by need).
func (p *profile) levAt(a, b []float32, zeta float64) float64 {
	return p.inHeight(zeta, func(k int) float64 { return p.lev(a, b, k) })
}

// atParticle interpolates a level profile linearly in height at zeta (level-1
// value below level 1).
func (p *profile) atParticle(a []float64, zeta float64) float64 {
	return p.inHeight(zeta, func(k int) float64 { p.need(k); return a[k] })
}

// inHeight interpolates the level values at(k) linearly in height at flat
// height zeta (level-1 value below level 1, top value above the top).
func (p *profile) inHeight(zeta float64, at func(k int) float64) float64 {
	h := p.m.h
	if zeta <= h[0] {
		return at(0)
	}
	k := levelBelow(h, zeta)
	if k >= len(h)-1 {
		return at(len(h) - 1)
	}
	f := (zeta - h[k]) / (h[k+1] - h[k])
	a := at(k)
	return a + f*(at(k+1)-a)
}

// levelBelow returns the largest k with h[k] <= zeta (0 if below h[0]).
// levelNear is levelBelow(h, zeta) (the same result) that first tries the
// level hint and the one below it: a particle in the dispersion loop stays
// in or next to its layer, so the binary search is rarely needed.
func levelNear(h []float64, zeta float64, hint int) int {
	n := len(h)
	if hint >= 0 && hint < n-1 && h[hint] <= zeta && zeta < h[hint+1] {
		return hint
	}
	if hint >= 1 && hint < n && h[hint-1] <= zeta && zeta < h[hint] {
		return hint - 1
	}
	return levelBelow(h, zeta)
}

func levelBelow(h []float64, zeta float64) int {
	// levels are h_k = 30k²−25k+5 for real met; use a search valid for any h.
	lo, hi := 0, len(h)-1
	if zeta >= h[hi] {
		return hi
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if h[mid] <= zeta {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}
