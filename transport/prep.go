package transport

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Physical constants as in HYSPLIT.
const (
	grav  = 9.80616 // m s-2
	rdry  = 287.04  // J kg-1 K-1
	cpAir = 1005.0  // J kg-1 K-1
	vonK  = 0.4
)

// NewARLMet reads ARL files (sigma-coordinate, Lambert conformal, as the
// HRRR test files), chains them in time and preprocesses every time onto
// the internal levels below p.ZTop.
func NewARLMet(files []string, p Params) (*StaticMet, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("met: no ARL files given")
	}
	var hdr *arlHeader
	var times []arlTime
	for _, path := range files {
		f, err := readARL(path)
		if err != nil {
			return nil, err
		}
		if hdr == nil {
			hdr = &f.Header
		} else if f.Header.NX != hdr.NX || f.Header.NY != hdr.NY || f.Header.SyncLat != hdr.SyncLat || f.Header.SyncLon != hdr.SyncLon || f.Header.NZ != hdr.NZ {
			return nil, fmt.Errorf("%s: grid differs from %s", path, files[0])
		}
		times = append(times, f.Times...)
	}
	if hdr.KFlag != 1 {
		return nil, fmt.Errorf("%s: vertical coordinate KFLAG=%d; the native engine reads sigma (KFLAG 1) files only", files[0], hdr.KFlag)
	}
	g, err := newLambertGrid(hdr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", files[0], err)
	}
	sort.SliceStable(times, func(a, b int) bool { return times[a].Time.Before(times[b].Time) })
	h := InternalLevels(p.ZTop)
	m := &StaticMet{G: g, H: h, Top: p.ZTop}
	for _, at := range times {
		if len(m.Frs) > 0 && !at.Time.After(m.Frs[len(m.Frs)-1].Time) {
			continue // duplicate time across files
		}
		fr, err := prepFrame(&at, hdr, h, p)
		if err != nil {
			return nil, fmt.Errorf("met time %s: %w", at.Time.Format("2006-01-02 15:04"), err)
		}
		m.Frs = append(m.Frs, fr)
	}
	if err := checkMet(m); err != nil {
		return nil, err
	}
	return m, nil
}

func prepFrame(at *arlTime, hdr *arlHeader, h []float64, p Params) (*Frame, error) {
	nx, ny, nl := hdr.NX, hdr.NY, len(h)
	nin := hdr.NZ - 1
	need := func(name string) ([]float32, error) {
		v := at.Surface[name]
		if v == nil {
			return nil, fmt.Errorf("surface field %s missing", name)
		}
		return v, nil
	}
	up := func(name string) ([][]float32, error) {
		v := at.Upper[name]
		if v == nil {
			return nil, fmt.Errorf("upper-level field %s missing", name)
		}
		for k, l := range v {
			if l == nil {
				return nil, fmt.Errorf("upper-level field %s missing at level %d", name, k+1)
			}
		}
		return v, nil
	}
	shgt, err := need("SHGT")
	if err != nil {
		return nil, err
	}
	prss, err := need("PRSS")
	if err != nil {
		return nil, err
	}
	ustr, err := need("USTR")
	if err != nil {
		return nil, err
	}
	shtf, err := need("SHTF")
	if err != nil {
		return nil, err
	}
	t02, u10, v10, rghs := at.Surface["T02M"], at.Surface["U10M"], at.Surface["V10M"], at.Surface["RGHS"]
	tU, err := up("TEMP")
	if err != nil {
		return nil, err
	}
	uU, err := up("UWND")
	if err != nil {
		return nil, err
	}
	vU, err := up("VWND")
	if err != nil {
		return nil, err
	}
	wU := at.Upper["WWND"]
	dU := at.Upper["DIFW"] // packing residual of WWND, added back as HYSPLIT does
	qU := at.Upper["SPHU"]
	kU := at.Upper["TKEN"]
	pU := at.Upper["PRES"] // level pressure (hybrid levels: differs from PRSS·σ)
	pblh := at.Surface["PBLH"]
	fr := NewFrame(at.Time, nx, ny, nl)
	psg := hdr.Levels[1:]
	col := newColumn(nin, nl)
	for j := 0; j < ny; j++ {
		for i := 0; i < nx; i++ {
			n := j*nx + i
			c := col
			c.zsfc = float64(shgt[n])
			c.p0 = float64(prss[n])
			c.hasT0 = t02 != nil
			if c.hasT0 {
				c.t0 = float64(t02[n])
			}
			c.hasU0 = u10 != nil && v10 != nil
			if c.hasU0 {
				c.u0, c.v0 = float64(u10[n]), float64(v10[n])
			}
			c.z0 = 0.01
			if rghs != nil && rghs[n] > 0 {
				c.z0 = float64(rghs[n])
			}
			for k := 0; k < nin; k++ {
				c.psg[k] = psg[k]
				c.t[k] = float64(tU[k][n])
				c.u[k] = float64(uU[k][n])
				c.v[k] = float64(vU[k][n])
				c.w[k] = 0
				if wU != nil && wU[k] != nil {
					c.w[k] = float64(wU[k][n])
					if dU != nil && dU[k] != nil {
						c.w[k] += float64(dU[k][n])
					}
				}
				c.q[k] = 0
				if qU != nil && qU[k] != nil {
					c.q[k] = float64(qU[k][n])
				}
				c.plev[k] = 0
				if pU != nil && pU[k] != nil {
					c.plev[k] = float64(pU[k][n])
				}
				c.tke[k] = 0
				if kU != nil && kU[k] != nil {
					c.tke[k] = float64(kU[k][n])
				}
			}
			c.pblh = -1
			if pblh != nil {
				c.pblh = float64(pblh[n])
			}
			c.hasQ = qU != nil
			c.remap(h, p.ZTop)
			c.stability(float64(ustr[n]), float64(shtf[n]), p)
			if diagColumn != nil {
				diagColumn(at.Time, n, c)
			}
			base := n * nl
			fr.Zsfc[n] = float32(c.zsfc)
			fr.ZI[n] = float32(c.zi)
			for k := 0; k < nl; k++ {
				fr.U[base+k] = float32(c.uu[k])
				fr.V[base+k] = float32(c.vv[k])
				fr.W[base+k] = float32(c.ww[k])
				fr.Dens[base+k] = float32(c.den[k])
				fr.DensDry[base+k] = float32(c.dry[k])
				fr.DensOut[base+k] = float32(c.dryOut[k])
				fr.Pres[base+k] = float32(c.pp[k])
				fr.SigW[base+k] = float32(c.sw[k])
				fr.TL[base+k] = float32(c.tl[k])
				if p.HorizTurb == "sigw" {
					// isotropic, u'² = v'² = w'²/2 (hycs_std v5.1.0 fit,
					// bench/RESULTS-transport.md)
					fr.SigU[base+k] = float32(c.sw[k] / math.Sqrt2)
					fr.SigV[base+k] = fr.SigU[base+k]
				}
				if p.HorizTurb == "vertical" {
					// KDEF=0: u'² + v'² = w'² = K/VSCALE, split along the
					// mean wind (STBSND)
					x := c.kv[k] / p.VScale
					uu, vv := c.uu[k]*c.uu[k], c.vv[k]*c.vv[k]
					if m := uu + vv; m > 0 {
						fr.SigU[base+k] = float32(math.Sqrt(uu * x / m))
						fr.SigV[base+k] = float32(math.Sqrt(vv * x / m))
					}
				}
			}
		}
	}
	if p.HorizTurb != "vertical" && p.HorizTurb != "sigw" {
		horizontalTurbulence(fr, hdr, p)
	}
	return fr, nil
}

// horizontalTurbulence fills SigU from the Smagorinsky deformation
// diffusivity (physics.md §3.7, v1): K_h = 0.014·Δx·Δy·D, σ_u =
// clamp(√(K_h/HSCALE), 0.2, 2).
func horizontalTurbulence(fr *Frame, hdr *arlHeader, p Params) {
	nx, ny, nl := fr.NX, fr.NY, fr.NL
	d := hdr.GridSize * 1000
	for j := 0; j < ny; j++ {
		j1, j0 := j+1, j
		if j1 >= ny {
			j1, j0 = ny-1, ny-2
		}
		for i := 0; i < nx; i++ {
			i1, i0 := i+1, i
			if i1 >= nx {
				i1, i0 = nx-1, nx-2
			}
			for k := 0; k < nl; k++ {
				at := func(ii, jj int) int { return (jj*nx+ii)*nl + k }
				dudx := float64(fr.U[at(i1, j)]-fr.U[at(i0, j)]) / d
				dvdx := float64(fr.V[at(i1, j)]-fr.V[at(i0, j)]) / d
				dudy := float64(fr.U[at(i, j1)]-fr.U[at(i, j0)]) / d
				dvdy := float64(fr.V[at(i, j1)]-fr.V[at(i, j0)]) / d
				def := 0.5 * math.Sqrt((dudy+dvdx)*(dudy+dvdx)+(dudx-dvdy)*(dudx-dvdy))
				kh := 0.014 * d * d * def
				su := math.Sqrt(kh / p.HScale)
				fr.SigU[at(i, j)] = float32(math.Min(2, math.Max(0.2, su)))
				fr.SigV[at(i, j)] = fr.SigU[at(i, j)]
			}
		}
	}
}

// diagColumn, when set (diagnostic tests only), sees every processed column.
var diagColumn func(t time.Time, n int, c *column)

// column is the work space of one grid node's profile processing.
type column struct {
	// input
	zsfc, p0, t0, u0, v0, z0 float64
	hasT0, hasU0, hasQ       bool
	psg, t, u, v, w, q, tke  []float64
	plev                     []float64 // level pressure from the met (hPa), 0 = use p0·σ
	pblh                     float64   // met PBL height (m), -1 when absent
	// internal levels
	zz, tt, rh, uu, vv, pp, den, ww, dry, sw, tl, tk []float64
	dryOut                                           []float64 // printed dry-air density
	th                                               []float64 // dry potential temperature (K)
	kv                                               []float64 // vertical diffusivity K (m² s⁻¹)
	// stability
	ustar, tstar, obuk, wstar, zi float64
}

func newColumn(nin, nl int) *column {
	mk := func(n int) []float64 { return make([]float64, n) }
	return &column{psg: mk(nin), t: mk(nin), u: mk(nin), v: mk(nin), w: mk(nin), q: mk(nin), tke: mk(nin), plev: mk(nin),
		zz: mk(nl), tt: mk(nl), rh: mk(nl), uu: mk(nl), vv: mk(nl), pp: mk(nl), den: mk(nl), ww: mk(nl),
		dry: mk(nl), dryOut: mk(nl), sw: mk(nl), tl: mk(nl), tk: mk(nl), th: mk(nl), kv: mk(nl)}
}

// remap interpolates the sigma sounding to the internal levels (PRFSIG):
// hypsometric heights with virtual temperature, linear in height, log-linear
// in pressure, 10 m wind and 2 m temperature as ground values, isentropic
// extrapolation above the sounding. Output tt is virtual potential
// temperature and ww the vertical velocity in flat-terrain metres per second.
func (c *column) remap(h []float64, ztop float64) {
	nl := len(h)
	depth := ztop - c.zsfc
	pbot := math.Log(c.p0)
	var tbot float64
	if c.hasT0 {
		tbot = c.t0
	} else {
		tbot = c.t[0] * math.Pow(c.psg[0], -0.286)
	}
	dbot := tbot // dry temperature
	if c.hasQ {
		tbot *= 1 + 0.61*c.q[0]
	}
	esat := math.Exp(21.4 - 5351.0/c.t[0])
	rbot := c.q[0] * c.p0 / (0.622 * esat)
	kl := 0
	zlvl := h[0] / ztop * depth
	zbot, wbot := 0.0, 0.0
	var ubot, vbot float64
	var ptop, ttop, rtop float64
	kbot := c.tke[0]
	for kz := range c.psg {
		if c.plev[kz] > 0 {
			ptop = math.Log(c.plev[kz])
		} else {
			ptop = math.Log(c.p0 * c.psg[kz])
		}
		ttop = c.t[kz]
		dtop := ttop
		if c.hasQ {
			ttop *= 1 + 0.61*c.q[kz]
		}
		tbar := 0.5 * (ttop + tbot)
		delz := (pbot - ptop) * rdry * tbar / grav
		ztopL := zbot + delz
		if kz == 0 {
			if c.hasU0 {
				ubot, vbot = c.u0, c.v0
			} else if zlvl < ztopL {
				a := math.Log(ztopL / c.z0)
				b := math.Log(zlvl / c.z0)
				ubot, vbot = c.u[0]*b/a, c.v[0]*b/a
			} else {
				ubot, vbot = c.u[0], c.v[0]
			}
		}
		esat := math.Exp(21.4 - 5351.0/c.t[kz])
		rtop = c.q[kz] * math.Exp(ptop) / (0.622 * esat)
		utop, vtop, wtop, ktop := c.u[kz], c.v[kz], c.w[kz], c.tke[kz]
		for zlvl <= ztopL {
			c.zz[kl] = zlvl
			frac := (zlvl - zbot) / delz
			tv := frac*(ttop-tbot) + tbot
			c.rh[kl] = frac*(rtop-rbot) + rbot
			c.uu[kl] = frac*(utop-ubot) + ubot
			c.vv[kl] = frac*(vtop-vbot) + vbot
			c.tk[kl] = frac*(ktop-kbot) + kbot
			c.pp[kl] = math.Exp(frac*(ptop-pbot) + pbot)
			c.den[kl] = 100 * c.pp[kl] / (tv * rdry)
			c.tt[kl] = tv * math.Pow(1000/c.pp[kl], 0.286)
			c.th[kl] = (frac*(dtop-dbot) + dbot) * math.Pow(1000/c.pp[kl], 0.286)
			omega := frac*(wtop-wbot) + wbot
			// sigma/s = 100·ω/(ρ g (Ztop−Zsfc)); flat height rate = −Ztop·dσ/dt
			c.ww[kl] = -ztop * 100 * omega / (c.den[kl] * grav * depth)
			kl++
			if kl >= nl {
				break
			}
			zlvl = h[kl] / ztop * depth
		}
		if kl >= nl {
			break
		}
		pbot, zbot, rbot, tbot, ubot, vbot, wbot, kbot = ptop, ztopL, rtop, ttop, utop, vtop, wtop, ktop
		dbot = dtop
	}
	for kk := kl; kk < nl; kk++ {
		zl := h[kk] / ztop * depth
		delz := zl - c.zz[kk-1]
		c.zz[kk] = zl
		c.tt[kk] = c.tt[kk-1]
		c.th[kk] = c.th[kk-1]
		c.rh[kk] = rtop
		c.pp[kk] = c.pp[kk-1] - c.den[kk-1]*grav*delz/100
		if c.pp[kk] < 1 {
			c.pp[kk] = 1
		}
		temp := c.tt[kk] * math.Pow(c.pp[kk]/1000, 0.286)
		c.den[kk] = 100 * c.pp[kk] / (temp * rdry)
		c.uu[kk] = c.uu[kk-1]
		c.vv[kk] = c.vv[kk-1]
		c.tk[kk] = c.tk[kk-1]
		c.ww[kk] = c.ww[kk-1] / 2
	}
	for k := 0; k < nl; k++ {
		c.rh[k] = math.Min(1, math.Max(0, c.rh[k]))
		c.dry[k] = dryDensity(c.den[k], c.tt[k], c.rh[k])
		c.dryOut[k] = printedDryDensity(c.den[k], c.pp[k], c.th[k]*math.Pow(c.pp[k]/1000, 0.286), c.rh[k])
	}
}

// dryDensity is the dry-air density of the foot's column integral
// (physics.md §4.1): p and T recovered from ρ and θ_v, e = RH·e_s(T),
// q = 0.622e/(p−e). Against hycs_std's foot at its own particle rows the
// median difference is −0.04…+0.06 % by site (bench/RESULTS-transport.md,
// "dry air"); no single alternative fitted every site.
func dryDensity(rho, thv, rh float64) float64 {
	p := math.Pow(rho*thv*math.Pow(1000, -0.286)*rdry/100, 1/(1-0.286))
	t := thv * math.Pow(p/1000, 0.286)
	e := rh * satVap(t)
	q := 0.622 * e / (p - e)
	return rho * (1 - q)
}

// printedDryDensity is the density hycs_std v5.1.0 prints as dens:
// ρ·(1 − 0.622e/p), e = RH·e_s(T) with the dry temperature T and pressure
// p (hPa). It equals hycs_std's printed dens within 0.002–0.005 % at its
// own particle rows at seven receptors (physics.md's form was 0.03–0.11 %
// low, growing with humidity; bench/RESULTS-transport.md, "dry air").
func printedDryDensity(rho, p, t, rh float64) float64 {
	e := rh * satVap(t)
	return rho * (1 - 0.622*e/p)
}

// satVap is physics.md §4.1's saturation vapour pressure (hPa) at T (K).
func satVap(t float64) float64 {
	if t >= 273.15 {
		return 6.1078 * math.Exp(17.29694*(t-273.16)/(t-35.86))
	}
	return math.Exp(23.33086 - 6111.72784/t + 0.15215*math.Log(t))
}

// stability computes u*, θ*, L, zi (KMIXD=3 with KMIX0 floor) and the
// Hanna σ_w, T_L profiles (STBANL + STBSND, physics.md §3.4–3.6).
func (c *column) stability(ustr, shtf float64, p Params) {
	nl := len(c.zz)
	const ks = 1 // level 2
	zks, thks, rhoks := c.zz[ks], c.th[ks], c.den[ks]
	c.ustar = math.Max(ustr, 1e-4)
	hflx := math.Max(shtf, -25)
	ts := math.Max(1e-4, math.Abs(hflx/(rhoks*cpAir*c.ustar)))
	// A sensible heat flux of exactly zero (common: HRRR's SHTF is packed
	// in 2 W m-2 steps) is treated as unstable, as hycs_std v5.1.0 does: at
	// receptor E (evening transition) σ_w and T_L then equal hycs_std's
	// printed values on 2396 of 2400 rows, against 0 with the stable branch
	// (bench/RESULTS-transport.md).
	if hflx >= 0 {
		ts = -ts
	}
	c.tstar = ts
	zl := zks * vonK * grav * ts / (c.ustar * c.ustar * thks)
	zl = math.Min(15, math.Max(-2, zl))
	if zl == 0 {
		zl = 0.001
	}
	c.obuk = zks / zl

	// mixed layer: modified bulk Richardson number, on the dry potential
	// temperature (hycs_std v5.1.0 zi at 143 nodes × 9 hours matches to
	// within 2% on 334 of 349 nodes with dry θ, on 38 with θ_v; see
	// bench/RESULTS-transport.md)
	th := c.th
	th1, z1 := th[0], c.zz[0]
	zi := c.zz[nl-2]
	riPrev, zPrev := 0.0, z1
	for k := 1; k < nl-1; k++ {
		tex := 0.0
		if zl < 0 {
			tsk := ts * rhoks / c.den[k]
			wsk := math.Cbrt(math.Abs(grav * c.ustar * tsk * c.zz[k] / th1))
			tex = math.Abs(p.ZiExcessB * c.ustar * tsk / math.Cbrt(c.ustar*c.ustar*c.ustar+0.6*wsk*wsk*wsk))
		}
		du, dv := c.uu[k]-c.uu[0], c.vv[k]-c.vv[0]
		d := du*du + dv*dv
		if p.ZiRiFriction {
			d += 100 * c.ustar * c.ustar
		}
		d = math.Max(d, 1e-4)
		ri := grav * (th[k] - th1 - tex) * (c.zz[k] - z1) / ((th1 + tex) * d)
		if ri >= 0.25 {
			zi = zPrev + (0.25-riPrev)/(ri-riPrev)*(c.zz[k]-zPrev)
			break
		}
		riPrev, zPrev = ri, c.zz[k]
	}
	zi = math.Min(zi, c.zz[nl-2])
	zi = math.Max(zi, math.Max(math.Abs(p.Kmix0), z1+(c.zz[1]-z1)/1000))
	c.zi = zi
	c.wstar = 0
	if zl < 0 {
		c.wstar = math.Cbrt(math.Abs(grav * c.ustar * ts * zi / thks))
	}
	hanna(c)
}

// hanna fills sw, tl (STBSND with KBLT=5).
func hanna(c *column) {
	h, L, us, ws, z0 := c.zi, c.obuk, c.ustar, c.wstar, c.z0
	for k := range c.zz {
		z := c.zz[k]
		var sw, tl float64
		if math.Round(z) <= math.Round(h) {
			zh := z / h
			if L >= 0 { // stable (s = z/L >= 0)
				sw = math.Max(1.3*us*(1-zh), 1e-5)
				if z == h {
					tl = 100
				} else {
					tl = 0.1 * (h / sw) * math.Pow(zh, 0.8)
				}
			} else {
				a := math.Cbrt(3*zh - L/h)
				switch {
				case zh < 0.03:
					sw = 0.96 * ws * a
				case zh < 0.4:
					sw = ws * math.Min(0.96*a, 0.763*math.Pow(zh, 0.175))
				case zh < 0.96:
					sw = 0.722 * ws * math.Pow(1-zh, 0.207)
				default:
					sw = 0.37 * ws
				}
				sw = math.Max(sw, 1e-5)
				aL := math.Abs(L)
				switch {
				case zh < 0.1 && z-z0 < aL:
					tl = 0.1 * z / (sw * (0.55 - 0.38*(z-z0)/aL))
				case zh < 0.1 && z-z0 > aL:
					tl = 0.59 * z / sw
				default:
					tl = 0.15 * (h / sw) * (1 - math.Exp(-5*zh))
				}
			}
		} else {
			tl = 100
			kk := freeK(c, k)
			sw = math.Sqrt(kk / 100)
		}
		if sw == 0 {
			sw = 0.001
		}
		if tl == 0 {
			tl = 100
		}
		c.sw[k], c.tl[k] = sw, tl
	}
	diffusivity(c)
}

// diffusivity fills kv with STBSND's vertical mixing coefficient: surface-
// layer and PBL similarity (Beljaars–Holtslag stable, Betchov–Yaglom
// unstable φ functions, diabatic Prandtl number above the surface layer)
// for z ≤ zi, the Richardson mixing length K above; clamped to 0.01–200.
// It sets the KDEF=0 horizontal turbulence.
func diffusivity(c *column) {
	const A, B, C, D, Pr = 1.0, 2.0 / 3.0, 5.0, 0.35, 0.923
	h, L, us, ws := c.zi, c.obuk, c.ustar, c.wstar
	wm := math.Cbrt(us*us*us + 0.6*ws*ws*ws)
	zsl := math.Max(c.zz[1], 0.1*h)
	phim0, phih0 := 1.0, Pr
	for k, z := range c.zz {
		var kk float64
		if z <= h {
			sl := math.Max(-2, math.Min(10, z/L))
			var phim, phih float64
			if sl >= 0 {
				e := B * math.Exp(-D*sl) * (1 - D*sl + C)
				phim = 1 + (A+e)*sl
				phih = Pr * (1 + (A*math.Sqrt(1+A*B*sl)+e)*sl)
			} else {
				phim = math.Cbrt((1 + 0.625*sl*sl) / (1 - 7.5*sl))
				phih = 0.64 * math.Cbrt((3-2.5*sl)/(1-10*sl+50*sl*sl))
			}
			f := (1 - z/h) * (1 - z/h)
			if math.Round(z) <= math.Round(zsl) {
				kk = vonK * (us / phih) * z * f
				phim0, phih0 = phim, phih
			} else {
				prd := phih0/phim0 + 7.2*vonK*z*ws/(h*wm)
				kk = vonK * (wm / prd) * z * f
			}
		} else {
			kk = freeK(c, k)
		}
		c.kv[k] = math.Max(0.01, math.Min(200, kk))
	}
}

// freeK is the Richardson/mixing-length diffusivity above the mixed layer.
// Ri uses the dry potential temperature: at whole met hours hycs_std's σ_w
// above zi equals √(K/100) from dry θ on 717 of 1000 rows (receptor A) and
// 1167 of 1171 (D), from θ_v on 166 and 902.
func freeK(c *column, k int) float64 {
	if k == 0 {
		return 0.01
	}
	dz := c.zz[k] - c.zz[k-1]
	du, dv := c.uu[k]-c.uu[k-1], c.vv[k]-c.vv[k-1]
	du2 := math.Max(du*du+dv*dv, 0.1)
	ri := grav * dz * (c.th[k] - c.th[k-1]) / (du2 * c.th[k-1])
	ri = math.Min(20, math.Max(0, ri))
	l := 1 / (1/(vonK*c.zz[k]) + 1.0/150)
	var x float64
	if ri <= 0.001 {
		x = 1.0893 * ri
	} else {
		x = 0.2828e-3 + ri*(0.8049+ri*(1.6583+ri*(0.5090e-2-1.0063e-3*ri)))
	}
	x = math.Min(x, 256)
	const A, B, C, D, Pr = 1.0, 2.0 / 3.0, 5.0, 0.35, 0.923
	phih := Pr * (1 + (math.Sqrt(1+A*B*x)+B*math.Exp(-D*x)*(1+C-D*x))*x)
	kk := l * l * (math.Sqrt(du2) / dz) / phih
	return math.Min(200, math.Max(0.01, kk))
}
