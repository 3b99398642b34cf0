//go:build diag

package transport

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/met"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// colSnap is a copy of one processed column (diagnostics only).
type colSnap struct {
	zz, tt, uu, vv, tk, sw, tl, den, ww, kv []float64
	zi, ustar, tstar, obuk, wstar, pblh     float64
	zsfc, z0                                float64
	th                                      []float64
	th0, u10, v10                           float64 // surface θ_v (from T02M), 10 m wind
	tv1, t02, q1, p1                        float64 // level-1 virtual temperature, T02M, input q1, level-1 pressure
	in                                      *inCol
	thd                                     []float64 // dry potential temperature on internal levels
}

func dryTheta(c *column) []float64 {
	out := make([]float64, len(c.tt))
	for k := range c.tt {
		tv := c.tt[k] * math.Pow(c.pp[k]/1000, 0.286)
		// q from RH (fraction) as the remap defined it: rh = q·p/(0.622·esat(T))
		t := tv
		for it := 0; it < 3; it++ {
			es := math.Exp(21.4 - 5351.0/t)
			q := c.rh[k] * 0.622 * es / c.pp[k]
			t = tv / (1 + 0.61*q)
		}
		out[k] = c.tt[k] * t / tv
	}
	return out
}

// inCol is the raw input sounding on the met's own levels.
type inCol struct {
	z, thv, u, v []float64
}

func inputColumn(c *column) *inCol {
	ic := &inCol{}
	pbot := math.Log(c.p0)
	tbot := c.t0 * (1 + 0.61*c.q[0])
	zbot := 0.0
	for k := range c.psg {
		var ptop float64
		if c.plev[k] > 0 {
			ptop = math.Log(c.plev[k])
		} else {
			ptop = math.Log(c.p0 * c.psg[k])
		}
		ttop := c.t[k] * (1 + 0.61*c.q[k])
		zt := zbot + (pbot-ptop)*rdry*0.5*(ttop+tbot)/grav
		ic.z = append(ic.z, zt)
		ic.thv = append(ic.thv, ttop*math.Pow(1000/math.Exp(ptop), 0.286))
		ic.u = append(ic.u, c.u[k])
		ic.v = append(ic.v, c.v[k])
		pbot, tbot, zbot = ptop, ttop, zt
	}
	return ic
}

// ziInput is the bulk Richardson zi (m09 form, b·u*) on the input levels.
func ziInput(cs *colSnap, b, us float64) float64 {
	ic := cs.in
	zl := cs.zz[1] / cs.obuk
	th1, z1 := ic.thv[0], ic.z[0]
	zi := ic.z[len(ic.z)-1]
	riPrev, zPrev := 0.0, z1
	for k := 1; k < len(ic.z); k++ {
		tex := 0.0
		if zl < 0 {
			tsk := cs.tstar
			wsk := math.Cbrt(math.Abs(grav * us * tsk * ic.z[k] / th1))
			tex = math.Abs(b * us * tsk / math.Cbrt(us*us*us+0.6*wsk*wsk*wsk))
		}
		du, dv := ic.u[k]-ic.u[0], ic.v[k]-ic.v[0]
		d := math.Max(du*du+dv*dv, 1e-4)
		ri := grav * (ic.thv[k] - th1 - tex) * (ic.z[k] - z1) / ((th1 + tex) * d)
		if ri >= 0.25 {
			zi = zPrev + (0.25-riPrev)/(ri-riPrev)*(ic.z[k]-zPrev)
			break
		}
		riPrev, zPrev = ri, ic.z[k]
	}
	return math.Max(zi, 150)
}

func cp(a []float64) []float64 { return append([]float64(nil), a...) }

// loadDiag opens the met with the column hook installed.
// diagLatLon returns DIAG_LATLON ("lat,lon"), or def when it is not set.
func diagLatLon(def string) (lat, lon float64) {
	fmt.Sscanf(envOr("DIAG_LATLON", def), "%g,%g", &lat, &lon)
	return lat, lon
}

func loadDiag(t *testing.T, p Params) (*StaticMet, map[time.Time][]*colSnap) {
	snaps := map[time.Time][]*colSnap{}
	diagColumn = func(tm time.Time, n int, c *column) {
		s := snaps[tm]
		if s == nil {
			s = make([]*colSnap, 59*41)
			snaps[tm] = s
		}
		s[n] = &colSnap{zz: cp(c.zz), tt: cp(c.tt), uu: cp(c.uu), vv: cp(c.vv), tk: cp(c.tk), sw: cp(c.sw), tl: cp(c.tl), den: cp(c.den), ww: cp(c.ww), kv: cp(c.kv),
			zi: c.zi, ustar: c.ustar, tstar: c.tstar, obuk: c.obuk, wstar: c.wstar, pblh: c.pblh, zsfc: c.zsfc, z0: c.z0, th: cp(c.th),
			th0: c.t0 * (1 + 0.61*c.q[0]) * math.Pow(1000/c.p0, 0.286), u10: c.u0, v10: c.v0,
			tv1: c.tt[0] * math.Pow(c.pp[0]/1000, 0.286), t02: c.t0, q1: c.q[0], p1: c.pp[0], in: inputColumn(c), thd: dryTheta(c)}
	}
	defer func() { diagColumn = nil }()
	files := []string{"/work/shared/met/20190530_00-05_hrrr", "/work/shared/met/20190530_06-11_hrrr"}
	if v := os.Getenv("DIAG_MET"); v != "" {
		files = strings.Split(v, ",")
	}
	m, err := OpenMet(files, p)
	if err != nil {
		t.Fatal(err)
	}
	return m, snaps
}

type hrow struct {
	v map[string]float64
}

func readDAT(t *testing.T, path string) ([]string, [][]float64) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		g, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = g
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cols []string
	var rows [][]float64
	first := true
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if first {
			first = false
			if _, err := strconv.ParseFloat(fs[0], 64); err != nil {
				cols = fs
				continue
			}
			continue // header lat lon z
		}
		row := make([]float64, len(fs))
		for i, s := range fs {
			row[i], _ = strconv.ParseFloat(s, 64)
		}
		rows = append(rows, row)
	}
	return cols, rows
}

func envOr(k, d string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return d
}

// TestDiagRows writes, for every hycs_std row, the engine's view at the same
// place and time.
func TestDiagRows(t *testing.T) {
	p := DefaultParams()
	ms, snaps := loadDiag(t, p)
	rt, _ := time.Parse("2006-01-02 15:04", envOr("DIAG_TIME", "2019-05-30 11:00"))
	cols := strings.Split(envOr("DIAG_COLS", "time,indx,long,lati,zagl,foot,mlht,dens,samt,sigw,tlgr,zsfc,temp,shtf,wout,zloc"), ",")
	ci := map[string]int{}
	for i, c := range cols {
		ci[c] = i
	}
	_, rows := readDAT(t, envOr("DIAG_PART", "/tmp/phys/A1/PARTICLE_STILT.DAT"))
	m := newRunMet(ms, p)
	fr := m.frames
	pr := newProfile(m)
	var s sampler
	s.m = m
	tStart := rt.Sub(m.t0).Minutes()
	out, _ := os.Create(envOr("DIAG_OUT", "/tmp/phys/diag.csv"))
	defer out.Close()
	fmt.Fprintln(out, "time,indx,i,j,L,zagl,zeta,h_sigw,n_sigw,h_tlgr,n_tlgr,h_mlht,n_zi,n_zinode,pblh,h_wout,n_w,ri,du2,dz,dth,tk,kfree,h_zsfc,n_zsfc,ustar,obuk,h_dens,n_dens,n_dry,pres,sw_v,sw_d,dmin")
	for _, r := range rows {
		tm := r[ci["time"]]
		tt := tStart + tm
		x, y := ms.Grid().ToXY(r[ci["lati"]], r[ci["long"]])
		pr.at(x, y, tt)
		zeta := r[ci["zagl"]] / pr.c
		L := pr.layerOf(zeta)
		pr.need(min(L+2, m.nl-1))
		// nearest frame column
		ia, wt := m.timeIndex(tt)
		fi := ia
		if wt > 0.5 {
			fi = ia + 1
		}
		cs := snaps[fr[fi].Time][pr.nearest]
		k := L
		if L == pr.kzi+1 && pr.extra >= 0 {
			k = L
		}
		var ri, du2, dz, dth, kf float64
		if k > 0 {
			dz = cs.zz[k] - cs.zz[k-1]
			du, dv := cs.uu[k]-cs.uu[k-1], cs.vv[k]-cs.vv[k-1]
			du2 = du*du + dv*dv
			dth = cs.tt[k] - cs.tt[k-1]
			ri = grav * dz * dth / (math.Max(du2, 0.1) * cs.tt[k-1])
		}
		c := &column{zz: cs.zz, th: cs.tt, uu: cs.uu, vv: cs.vv}
		kf = freeK(c, k)
		cd := &column{zz: cs.zz, th: cs.th, uu: cs.uu, vv: cs.vv}
		kd := freeK(cd, k)
		dmin := math.Abs(tt - float64(int(tt/60+0.5))*60)
		_, _, wn := m.wind(&s, x, y, zeta, tt)
		hs := func(n string) float64 {
			if i, ok := ci[n]; ok && i < len(r) {
				return r[i]
			}
			return math.NaN()
		}
		fmt.Fprintf(out, "%g,%g,%d,%d,%d,%.3f,%.3f,%g,%.5f,%g,%.4f,%g,%.2f,%.2f,%.1f,%g,%.6f,%.4f,%.4f,%.2f,%.4f,%.4f,%.4f,%g,%.2f,%.4f,%.1f,%g,%.5f,%.5f,%.2f,%.5f,%.5f,%.1f\n",
			tm, r[ci["indx"]], pr.nearest%m.nx, pr.nearest/m.nx, L, r[ci["zagl"]], zeta, hs("sigw"), pr.sw[L], hs("tlgr"), pr.tl[L], hs("mlht"), pr.zi, cs.zi, cs.pblh,
			hs("wout"), wn/60, ri, du2, dz, dth, cs.tk[k], kf, hs("zsfc"), pr.zsfc, cs.ustar, cs.obuk, hs("dens"), pr.atParticle(pr.rho, zeta), pr.atParticle(pr.dry, zeta), pr.pressure(zeta), math.Sqrt(kf/100), math.Sqrt(kd/100), dmin)
	}
}

func TestDiagDIFW(t *testing.T) {
	d, err := met.OpenDataset("/work/shared/met/20190530_06-11_hrrr")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tm := d.Times()[5]
	for k := 1; k <= 19; k++ {
		w, err := d.Read("WWND", k, tm)
		if err != nil {
			t.Fatal(err)
		}
		df, err := d.Read("DIFW", k, tm)
		if err != nil {
			t.Fatal(err)
		}
		var sw, sd, sdw float64
		for i := range w.Data {
			sw += math.Abs(float64(w.Data[i]))
			sd += math.Abs(float64(df.Data[i]))
			sdw += float64(df.Data[i]) * float64(w.Data[i])
		}
		n := float64(len(w.Data))
		t.Logf("level %d: mean|WWND| %.3g mean|DIFW| %.3g  mean(DIFW*WWND) %.3g", k, sw/n, sd/n, sdw/n)
	}
}

func TestDiagPRES(t *testing.T) {
	d, err := met.OpenDataset("/work/shared/met/20190530_06-11_hrrr")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tm := d.Times()[5]
	ps, _ := d.Read("PRSS", 0, tm)
	lv := d.Vertical().Levels
	for k := 1; k <= 19; k++ {
		pr, err := d.Read("PRES", k, tm)
		if err != nil {
			t.Fatal(err)
		}
		n := 34 + 19*59
		for _, n = range []int{34 + 19*59, 10 + 10*59} {
			p0 := float64(ps.Data[n])
			t.Logf("level %d sigma %.4f: PRES %.2f p0*sig %.2f  50+sig*(p0-50) %.2f", k, lv[k], pr.Data[n], p0*lv[k], 50+lv[k]*(p0-50))
		}
	}
}

type ziOpt struct {
	name    string
	b       float64 // excess coefficient
	fric    float64 // coefficient of u*² in the denominator
	ref     int     // reference level index
	ric     float64 // critical Ri
	snap    bool
	useTex2 bool // excess on both numerator and denominator (default yes)
	usMode  int  // u* in T_ex: 0 scalar, 1 |u component| at level 2, 2 0.707·u*
	noRho   bool // θ*_k = θ* (no density ratio)
	thRef   int  // 1: use level KS θ_v in w*_k
	sfcTh   bool // reference θ_v at the surface (T02M)
	dzFull  bool // Δz = z_k (not z_k − z_1)
	dry     bool // dry potential temperature instead of θ_v
	sfcWind int  // 1: reference wind 0; 2: 10 m wind
}

func ziVariant(cs *colSnap, o ziOpt) float64 {
	nl := len(cs.zz)
	const ks = 1
	rhoks := cs.den[ks]
	zl := cs.zz[ks] / cs.obuk
	ts := cs.tstar
	tt := cs.tt
	if o.dry {
		tt = cs.thd
	}
	th1, z1 := tt[o.ref], cs.zz[o.ref]
	u1, v1 := cs.uu[o.ref], cs.vv[o.ref]
	if o.sfcTh {
		th1 = cs.th0
	}
	switch o.sfcWind {
	case 1:
		u1, v1 = 0, 0
	case 2:
		u1, v1 = cs.u10, cs.v10
	}
	zref := z1
	if o.dzFull {
		zref = 0
	}
	zi := cs.zz[nl-2]
	riPrev, zPrev := 0.0, z1
	us := cs.ustar
	switch o.usMode {
	case 1:
		us = math.Abs(cs.ustar * cs.uu[1] / math.Hypot(cs.uu[1], cs.vv[1]))
	case 2:
		us = 0.707107 * cs.ustar
	case 3:
		us = math.Abs(cs.ustar * cs.vv[1] / math.Hypot(cs.uu[1], cs.vv[1]))
	}
	usW, usM := us, us // in w*_k, in w_m
	switch o.usMode {
	case 4: // 0.707 in the numerator only
		us, usW, usM = 0.707107*cs.ustar, cs.ustar, cs.ustar
	case 5: // 0.707 in w* only
		us, usW, usM = cs.ustar, 0.707107*cs.ustar, cs.ustar
	case 6: // 0.707 in numerator and w*, scalar in w_m
		us, usW, usM = 0.707107*cs.ustar, 0.707107*cs.ustar, cs.ustar
	}
	for k := o.ref + 1; k < nl-1; k++ {
		tex := 0.0
		if zl < 0 {
			tsk := ts * rhoks / cs.den[k]
			if o.noRho {
				tsk = ts
			}
			wsk := math.Cbrt(math.Abs(grav * usW * tsk * cs.zz[k] / th1))
			tex = math.Abs(o.b * us * tsk / math.Cbrt(usM*usM*usM+0.6*wsk*wsk*wsk))
		}
		du, dv := cs.uu[k]-u1, cs.vv[k]-v1
		d := du*du + dv*dv + o.fric*cs.ustar*cs.ustar
		d = math.Max(d, 1e-4)
		ri := grav * (tt[k] - th1 - tex) * (cs.zz[k] - zref) / ((th1 + tex) * d)
		if ri >= o.ric {
			zi = zPrev + (o.ric-riPrev)/(ri-riPrev)*(cs.zz[k]-zPrev)
			if o.snap {
				if zi-zPrev < cs.zz[k]-zi {
					zi = zPrev
				} else {
					zi = cs.zz[k]
				}
			}
			break
		}
		riPrev, zPrev = ri, cs.zz[k]
	}
	zi = math.Min(zi, cs.zz[nl-2])
	return math.Max(zi, 150)
}

// TestDiagZi compares hycs_std mlht at rows on whole met hours with
// variants of the Richardson diagnosis at the same node.
func TestDiagZi(t *testing.T) {
	p := DefaultParams()
	ms, snaps := loadDiag(t, p)
	rt, _ := time.Parse("2006-01-02 15:04", envOr("DIAG_TIME", "2019-05-30 05:00"))
	_, rows := readDAT(t, envOr("DIAG_PART", "/tmp/phys/D1/PARTICLE_STILT.DAT"))
	opts := []ziOpt{
		{name: "b8.5", b: 8.5, ric: 0.25},
		{name: "usU", b: 8.5, ric: 0.25, usMode: 1},
		{name: "us707", b: 8.5, ric: 0.25, usMode: 2},
		{name: "usV", b: 8.5, ric: 0.25, usMode: 3},
		{name: "b7", b: 7, ric: 0.25},
		{name: "noRho", b: 8.5, ric: 0.25, noRho: true},
		{name: "b0", b: 0, ric: 0.25},
		{name: "b8.5+100u2", b: 8.5, fric: 100, ric: 0.25},
		{name: "b0+100u2", b: 0, fric: 100, ric: 0.25},
		{name: "b8.5ref2", b: 8.5, ref: 1, ric: 0.25},
		{name: "b8.5snap", b: 8.5, ric: 0.25, snap: true},
		{name: "b8.5ric0.2", b: 8.5, ric: 0.2},
		{name: "b0ric0.2", b: 0, ric: 0.2},
		{name: "b8.5ric0.3", b: 8.5, ric: 0.3},
	}
	type acc struct{ n, sl, sl2 float64 }
	res := map[string]map[string]*acc{}
	seen := map[string]bool{}
	for _, r := range rows {
		tm := r[0]
		if math.Mod(-tm, 60) != 0 {
			continue
		}
		vt := rt.Add(time.Duration(tm) * time.Minute)
		x, y := ms.Grid().ToXY(r[3], r[2])
		i := int(math.Floor(x - 1 + 0.5))
		j := int(math.Floor(y - 1 + 0.5))
		n := j*59 + i
		key := fmt.Sprintf("%s/%d", vt.Format("15"), n)
		if seen[key] {
			continue
		}
		seen[key] = true
		cs := snaps[vt][n]
		if cs == nil {
			continue
		}
		h := r[6]
		line := fmt.Sprintf("%s node %d,%d: hycs %.1f pblh %.0f L %.0f ustar %.3f", vt.Format("15"), i, j, h, cs.pblh, cs.obuk, cs.ustar)
		hr := vt.Format("15")
		if res[hr] == nil {
			res[hr] = map[string]*acc{}
		}
		for _, o := range opts {
			z := ziVariant(cs, o)
			line += fmt.Sprintf(" %s=%.0f", o.name, z)
			a := res[hr][o.name]
			if a == nil {
				a = &acc{}
				res[hr][o.name] = a
			}
			l := math.Log(z / h)
			a.n++
			a.sl += l
			a.sl2 += l * l
		}
		t.Log(line)
	}
	for hr, m := range res {
		line := hr + ":"
		for _, o := range opts {
			a := m[o.name]
			line += fmt.Sprintf(" %s %.3f/%.3f", o.name, math.Exp(a.sl/a.n), math.Sqrt(a.sl2/a.n))
		}
		t.Log(line)
	}
}

func TestDiagColumn(t *testing.T) {
	_, snaps := loadDiag(t, DefaultParams())
	vt, _ := time.Parse("2006-01-02 15:04", envOr("DIAG_VT", "2019-05-30 00:00"))
	var i, j int
	fmt.Sscanf(envOr("DIAG_NODE", "26,16"), "%d,%d", &i, &j)
	cs := snaps[vt][j*59+i]
	t.Logf("zi %.1f ustar %.3f tstar %.4f L %.1f pblh %.0f zsfc %.1f", cs.zi, cs.ustar, cs.tstar, cs.obuk, cs.pblh, cs.zsfc)
	for k := 0; k < 8; k++ {
		t.Logf("input level %d: z=%.1f", k+1, cs.in.z[k])
	}
	for k := 0; k < 14; k++ {
		du, dv := cs.uu[k]-cs.uu[0], cs.vv[k]-cs.vv[0]
		tsk := cs.tstar * cs.den[1] / cs.den[k]
		wsk := math.Cbrt(math.Abs(grav * cs.ustar * tsk * cs.zz[k] / cs.tt[0]))
		tex := math.Abs(8.5 * cs.ustar * tsk / math.Cbrt(cs.ustar*cs.ustar*cs.ustar+0.6*wsk*wsk*wsk))
		ri := grav * (cs.tt[k] - cs.tt[0] - tex) * (cs.zz[k] - cs.zz[0]) / ((cs.tt[0] + tex) * math.Max(du*du+dv*dv, 1e-4))
		t.Logf("ww=%.5f k=%2d z=%7.1f thv=%.3f u=%.2f v=%.2f tex=%.3f ri=%.3f sw=%.3f tl=%.1f tke=%.3f", cs.ww[k], k+1, cs.zz[k], cs.tt[k], cs.uu[k], cs.vv[k], tex, ri, cs.sw[k], cs.tl[k], cs.tk[k])
	}
}

func quant(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[int(q*float64(len(s)-1)+0.5)]
}

// TestDiagTimeline compares zagl quantiles and mean sigw per 10 minutes
// between a native run and a hycs_std particle file.
func TestDiagTimeline(t *testing.T) {
	p := DefaultParams()
	if v := os.Getenv("DIAG_HORIZ"); v != "" {
		p.HorizTurb = v
	}
	ms, err := OpenMet([]string{"/work/shared/met/20190530_00-05_hrrr", "/work/shared/met/20190530_06-11_hrrr"}, p)
	if err != nil {
		t.Fatal(err)
	}
	rt, _ := time.Parse("2006-01-02 15:04", envOr("DIAG_TIME", "2019-05-30 05:00"))
	lat, lon := diagLatLon("40.5,-112.2")
	nh, _ := strconv.Atoi(envOr("DIAG_HOURS", "-5"))
	sim := Simulation{Receptor: receptor.Receptor{Kind: receptor.Point, Time: rt, Lons: []float64{lon}, Lats: []float64{lat}, Heights: []float64{5}},
		NHours: nh, NumPar: 1000, Seed: 1, Params: p}
	tab, err := (&Native{Met: ms}).Run(context.Background(), sim)
	if err != nil {
		t.Fatal(err)
	}
	_, rows := readDAT(t, envOr("DIAG_PART", "/tmp/phys/D1/PARTICLE_STILT.DAT"))
	step, _ := strconv.Atoi(envOr("DIAG_STEP", "10"))
	nz, nsw, ntm := tab.Col("zagl"), tab.Col("sigw"), tab.Col("time")
	for m := 1; m <= -nh*60; m++ {
		if m != 1 && m%step != 0 {
			continue
		}
		var hz, hs, nzs, nss, hx, hy, nxs, nys []float64
		for _, r := range rows {
			if r[0] == float64(-m) {
				hz = append(hz, r[4])
				hs = append(hs, r[9])
				hx = append(hx, r[2])
				hy = append(hy, r[3])
			}
		}
		nlon, nlat := tab.Col("long"), tab.Col("lati")
		for i := range ntm {
			if ntm[i] == float64(-m) {
				nzs = append(nzs, nz[i])
				nss = append(nss, nsw[i])
				nxs = append(nxs, nlon[i])
				nys = append(nys, nlat[i])
			}
		}
		sd := func(v []float64) float64 {
			mu, s2 := 0.0, 0.0
			for _, x := range v {
				mu += x
			}
			mu /= float64(len(v))
			for _, x := range v {
				s2 += (x - mu) * (x - mu)
			}
			return math.Sqrt(s2 / float64(len(v)))
		}
		mean := func(v []float64) float64 {
			s := 0.0
			for _, x := range v {
				s += x
			}
			return s / float64(len(v))
		}
		t.Logf("t=%4d hycs z p10/50/90 %7.1f %7.1f %7.1f sigw %.4f | native %7.1f %7.1f %7.1f sigw %.4f | sd lon/lat km hycs %.3f %.3f native %.3f %.3f | mean dlon,dlat km %.3f %.3f", -m,
			quant(hz, 0.1), quant(hz, 0.5), quant(hz, 0.9), mean(hs), quant(nzs, 0.1), quant(nzs, 0.5), quant(nzs, 0.9), mean(nss),
			sd(hx)*84.4, sd(hy)*111.2, sd(nxs)*84.4, sd(nys)*111.2, (mean(nxs)-mean(hx))*84.4, (mean(nys)-mean(hy))*111.2)
	}
}

// TestDiagZiRows compares hycs_std mlht on every row with variants of the
// Richardson diagnosis interpolated in time at the row's nearest node.
func TestDiagZiRows(t *testing.T) {
	p := DefaultParams()
	ms, snaps := loadDiag(t, p)
	fr := ms.Frames()
	opts := []ziOpt{
		{name: "b8.5", b: 8.5, ric: 0.25},
		{name: "+100u2", b: 8.5, fric: 100, ric: 0.25},
		{name: "+50u2", b: 8.5, fric: 50, ric: 0.25},
		{name: "us707", b: 8.5, ric: 0.25, usMode: 2},
		{name: "sfcTh", b: 8.5, ric: 0.25, sfcTh: true},
		{name: "dzFull", b: 8.5, ric: 0.25, dzFull: true},
		{name: "sfcTh+dzFull", b: 8.5, ric: 0.25, sfcTh: true, dzFull: true},
		{name: "wind0", b: 8.5, ric: 0.25, sfcWind: 1},
		{name: "wind10", b: 8.5, ric: 0.25, sfcWind: 2},
		{name: "sfcTh+100u2", b: 8.5, ric: 0.25, sfcTh: true, fric: 100},
		{name: "b7", b: 7, ric: 0.25},
		{name: "ref2", b: 8.5, ref: 1, ric: 0.25},
		{name: "noRho", b: 8.5, ric: 0.25, noRho: true},
	}
	for _, src := range strings.Split(envOr("DIAG_SRCS", "/tmp/phys/D1/PARTICLE_STILT.DAT@2019-05-30 05:00,/tmp/phys/A1/PARTICLE_STILT.DAT@2019-05-30 11:00"), ",") {
		parts := strings.Split(src, "@")
		rt, _ := time.Parse("2006-01-02 15:04", parts[1])
		_, rows := readDAT(t, parts[0])
		type acc struct{ n, sl, sl2, floorMiss float64 }
		res := map[string]*acc{}
		nInf := 0
		for _, r := range rows {
			vt := rt.Add(time.Duration(r[0]*60) * time.Second)
			x, y := ms.Grid().ToXY(r[3], r[2])
			i := int(math.Floor(x - 1 + 0.5))
			j := int(math.Floor(y - 1 + 0.5))
			n := j*59 + i
			var ia int
			for ia = 0; ia < len(fr)-2 && !fr[ia+1].Time.After(vt); ia++ {
			}
			wt := vt.Sub(fr[ia].Time).Minutes() / 60
			ca, cb := snaps[fr[ia].Time][n], snaps[fr[ia+1].Time][n]
			h := r[6]
			first := true
			for _, o := range opts {
				za, zb := ziVariant(ca, o), ziVariant(cb, o)
				z := za + wt*(zb-za)
				if z < 151 && h < 151 {
					continue
				}
				if first {
					nInf++
					first = false
				}
				a := res[o.name]
				if a == nil {
					a = &acc{}
					res[o.name] = a
				}
				l := math.Log(z / h)
				a.n++
				a.sl += l
				a.sl2 += l * l
				if (z < 151) != (h < 151) {
					a.floorMiss++
				}
			}
		}
		line := fmt.Sprintf("%s: %d informative rows:", parts[0], nInf)
		for _, o := range opts {
			a := res[o.name]
			if a == nil {
				continue
			}
			line += fmt.Sprintf("\n  %-12s n=%5.0f geo-mean ratio %.3f rms log %.3f floor mismatches %.0f", o.name, a.n, math.Exp(a.sl/a.n), math.Sqrt(a.sl2/a.n), a.floorMiss)
		}
		t.Log(line)
	}
}

// TestDiagAdvect compares hycs_std row-to-row horizontal displacements with
// the engine's mean advection from the previous row's position.
func TestDiagAdvect(t *testing.T) {
	p := DefaultParams()
	ms, err := OpenMet([]string{"/work/shared/met/20190530_00-05_hrrr", "/work/shared/met/20190530_06-11_hrrr"}, p)
	if err != nil {
		t.Fatal(err)
	}
	rt, _ := time.Parse("2006-01-02 15:04", envOr("DIAG_TIME", "2019-05-30 11:00"))
	_, rows := readDAT(t, envOr("DIAG_PART", "/tmp/phys/A1/PARTICLE_STILT.DAT"))
	m := newRunMet(ms, p)
	var s sampler
	s.m = m
	tStart := rt.Sub(m.t0).Minutes()
	type pos struct{ x, y, zeta, t float64 }
	prev := map[float64]pos{}
	type acc struct{ n, sxp, syp, sxa, sya, sxx, sxy, syy, syx, ex, ey float64 }
	res := map[int]*acc{}
	for _, r := range rows {
		x, y := ms.Grid().ToXY(r[3], r[2])
		s.set(x, y, tStart+r[0])
		zsfc := s.surf(s.fa.Zsfc, s.fb.Zsfc)
		zeta := r[4] * m.ztop / (m.ztop - zsfc)
		if q, ok := prev[r[1]]; ok && q.t == r[0]+1 {
			t0 := tStart + q.t
			dt := -1.0
			u1, v1, w1 := m.wind(&s, q.x, q.y, q.zeta, t0)
			xp, yp := q.x+u1*dt, q.y+v1*dt
			zp := math.Max(0, q.zeta+w1*dt)
			u2, v2, _ := m.wind(&s, xp, yp, zp, t0+dt)
			xe := 0.5 * (q.x + xp + u2*dt)
			ye := 0.5 * (q.y + yp + v2*dt)
			b := int(r[0]-1) / -60
			a := res[b]
			if a == nil {
				a = &acc{}
				res[b] = a
			}
			px, py := xe-q.x, ye-q.y
			ax, ay := x-q.x, y-q.y
			a.n++
			a.sxp += px
			a.syp += py
			a.sxa += ax
			a.sya += ay
			a.sxx += px * px
			a.sxy += px * ax
			a.syy += py * py
			a.syx += py * ay
			a.ex += ax - px
			a.ey += ay - py
		}
		prev[r[1]] = pos{x, y, zeta, r[0]}
	}
	for b := 0; b < 10; b++ {
		a := res[b]
		if a == nil {
			continue
		}
		t.Logf("hour %d: n=%.0f mean predicted dx,dy %.4f %.4f actual %.4f %.4f (grid cells/min); slope x %.3f y %.3f",
			b+1, a.n, a.sxp/a.n, a.syp/a.n, a.sxa/a.n, a.sya/a.n, a.sxy/a.sxx, a.syx/a.syy)
	}
}

// TestDiagNodesControl writes CONTROL files that release one particle at
// each of a set of grid nodes (node centres), 5 m AGL, forward 1 h, so that
// hycs_std's first-row mlht gives the node's zi at the start time.
func TestDiagNodesControl(t *testing.T) {
	ms, err := OpenMet([]string{"/work/shared/met/20190530_00-05_hrrr", "/work/shared/met/20190530_06-11_hrrr"}, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	var pts []string
	for j := 6; j <= 36; j += 3 {
		for i := 6; i <= 54; i += 4 {
			lat, lon := ms.Grid().ToLatLon(float64(i+1), float64(j+1))
			pts = append(pts, fmt.Sprintf("%.5f %.5f 5.0", lat, lon))
		}
	}
	for _, hh := range []int{0, 1, 2, 3, 4, 5, 6, 9, 10} {
		dir := fmt.Sprintf("/tmp/phys/nodes/h%02d", hh)
		os.MkdirAll(dir, 0o755)
		var b strings.Builder
		fmt.Fprintf(&b, "19 05 30 %02d 00\n%d\n", hh, len(pts))
		for _, p := range pts {
			b.WriteString(p + "\n")
		}
		b.WriteString("1\n0\n25000.0\n2\n/work/shared/met/\n20190530_00-05_hrrr\n/work/shared/met/\n20190530_06-11_hrrr\n1\ntest\n1\n0.01\n00 00 00 00 00\n1\n0.0 0.0\n0.5 0.5\n30.0 30.0\n./\ncdump\n1\n100\n00 00 00 00 00\n00 00 00 00 00\n00 2 00\n1\n0.0 0.0 0.0\n0.0 0.0 0.0 0.0 0.0\n0.0 0.0 0.0\n0.0\n0.0\n")
		if err := os.WriteFile(dir+"/CONTROL", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(dir+"/points.txt", []byte(strings.Join(pts, "\n")+"\n"), 0o644)
	}
	t.Logf("%d points", len(pts))
}

func TestDiagZiNodes(t *testing.T) {
	p := DefaultParams()
	ms, snaps := loadDiag(t, p)
	fr := ms.Frames()
	var nodes [][2]int
	for j := 6; j <= 36; j += 3 {
		for i := 6; i <= 54; i += 4 {
			nodes = append(nodes, [2]int{i, j})
		}
	}
	opts := []ziOpt{
		{name: "b8.5", b: 8.5, ric: 0.25},
		{name: "+100u2", b: 8.5, fric: 100, ric: 0.25},
		{name: "sfcTh", b: 8.5, ric: 0.25, sfcTh: true},
		{name: "sfcTh+100u2", b: 8.5, ric: 0.25, sfcTh: true, fric: 100},
		{name: "wind0", b: 8.5, ric: 0.25, sfcWind: 1},
		{name: "wind10", b: 8.5, ric: 0.25, sfcWind: 2},
		{name: "us707", b: 8.5, ric: 0.25, usMode: 2},
		{name: "b7", b: 7, ric: 0.25},
		{name: "us707+sfcTh", b: 8.5, ric: 0.25, usMode: 2, sfcTh: true},
		{name: "us707+100u2", b: 8.5, ric: 0.25, usMode: 2, fric: 100},
		{name: "us707+wind10", b: 8.5, ric: 0.25, usMode: 2, sfcWind: 2},
		{name: "us707+noRho", b: 8.5, ric: 0.25, usMode: 2, noRho: true},
		{name: "b6", b: 6, ric: 0.25},
		{name: "dry", b: 8.5, ric: 0.25, dry: true},
		{name: "engine"},
		{name: "dry+us707", b: 8.5, ric: 0.25, dry: true, usMode: 2},
		{name: "us-num", b: 8.5, ric: 0.25, usMode: 4},
		{name: "us-w*", b: 8.5, ric: 0.25, usMode: 5},
		{name: "us-num-w*", b: 8.5, ric: 0.25, usMode: 6},
	}
	type acc struct{ n, sl, sl2, fm, exact float64 }
	tot := map[string]*acc{}
	verbose := os.Getenv("DIAG_VERBOSE") != ""
	for _, hh := range []int{0, 1, 2, 3, 4, 5, 6, 9, 10} {
		_, rows := readDAT(t, fmt.Sprintf("/tmp/phys/nodes/h%02d/PARTICLE_STILT.DAT", hh))
		t0 := time.Date(2019, 5, 30, hh, 0, 0, 0, time.UTC)
		var ia int
		for ia = range fr {
			if fr[ia].Time.Equal(t0) {
				break
			}
		}
		res := map[string]*acc{}
		for _, r := range rows {
			if r[0] != 1 {
				continue
			}
			nd := nodes[int(r[1])-1]
			n := nd[1]*59 + nd[0]
			ca, cb := snaps[fr[ia].Time][n], snaps[fr[ia+1].Time][n]
			h := r[6]
			line := fmt.Sprintf("%02d node %d,%d hycs %.1f pblh %.0f L %.0f ustar %.3f shtf %.1f hshtf %.1f zsfc %.0f:", hh, nd[0], nd[1], h, ca.pblh, ca.obuk, ca.ustar, ca.tstar*(-ca.den[1]*cpAir*ca.ustar), r[13], ca.zsfc)
			for _, o := range opts {
				za, zb := ziVariant(ca, o), ziVariant(cb, o)
				switch o.name {
				case "engine":
					za, zb = ca.zi, cb.zi
				case "input":
					za, zb = ziInput(ca, 8.5, ca.ustar), ziInput(cb, 8.5, cb.ustar)
				case "input707":
					za, zb = ziInput(ca, 8.5, 0.707107*ca.ustar), ziInput(cb, 8.5, 0.707107*cb.ustar)
				}
				z := za + (zb-za)/120
				line += fmt.Sprintf(" %s=%.1f", o.name, z)
				if z < 151 && h < 151 {
					continue
				}
				for _, m := range []map[string]*acc{res, tot} {
					a := m[o.name]
					if a == nil {
						a = &acc{}
						m[o.name] = a
					}
					l := math.Log(z / h)
					a.n++
					a.sl += l
					a.sl2 += l * l
					if (z < 151) != (h < 151) {
						a.fm++
					}
					if math.Abs(z-h) < 0.02*h {
						a.exact++
					}
				}
			}
			if verbose {
				t.Log(line)
			}
		}
		line := fmt.Sprintf("%02d UTC:", hh)
		for _, o := range opts {
			if a := res[o.name]; a != nil {
				line += fmt.Sprintf(" %s %.3f/%.3f/%.0f/%.0f", o.name, math.Exp(a.sl/a.n), math.Sqrt(a.sl2/a.n), a.fm, a.exact)
			}
		}
		t.Log(line)
	}
	for _, o := range opts {
		if a := tot[o.name]; a != nil {
			t.Logf("all %-12s n=%3.0f geo-mean %.3f rms-log %.3f floor-mismatch %.0f within-2%% %.0f", o.name, a.n, math.Exp(a.sl/a.n), math.Sqrt(a.sl2/a.n), a.fm, a.exact)
		}
	}
}
