//go:build diag

package transport

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// TestDiagNTurb compares the native mean trajectory (NTurb) with a hycs_std
// NTURB=1 run: DIAG_DAT=PARTICLE_STILT.DAT DIAG_REC="YY MM DD HH,lat,lon,z,hours".
func TestDiagNTurb(t *testing.T) {
	dat, rec := os.Getenv("DIAG_DAT"), os.Getenv("DIAG_REC")
	if dat == "" || rec == "" {
		t.Skip("DIAG_DAT, DIAG_REC not set")
	}
	f := strings.Split(rec, ",")
	tm, err := time.Parse("06 01 02 15 04", f[0])
	if err != nil {
		tm, _ = time.Parse("06 01 02 15", f[0])
	}
	lat, _ := strconv.ParseFloat(f[1], 64)
	lon, _ := strconv.ParseFloat(f[2], 64)
	z, _ := strconv.ParseFloat(f[3], 64)
	hrs, _ := strconv.Atoi(f[4])
	p := DefaultParams()
	p.NTurb = true
	sim := Simulation{ID: "nt", Receptor: receptor.Receptor{Kind: receptor.Point, Time: tm, Lons: []float64{lon}, Lats: []float64{lat}, Heights: []float64{z}},
		MetFiles: []string{"/work/shared/met/20190530_00-05_hrrr", "/work/shared/met/20190530_06-11_hrrr"}, NHours: hrs, NumPar: 1, Seed: 1, Params: p}
	tab, err := (&Native{}).Run(context.Background(), sim)
	if err != nil {
		t.Fatal(err)
	}
	ref := map[int][3]float64{}
	fh, _ := os.Open(dat)
	sc := bufio.NewScanner(fh)
	sc.Scan()
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		if len(w) < 5 || w[1] != "1." {
			continue
		}
		tt, _ := strconv.ParseFloat(w[0], 64)
		lo, _ := strconv.ParseFloat(w[2], 64)
		la, _ := strconv.ParseFloat(w[3], 64)
		zz, _ := strconv.ParseFloat(w[4], 64)
		ref[int(tt)] = [3]float64{lo, la, zz}
	}
	tc, lo, la, zz := tab.Col("time"), tab.Col("long"), tab.Col("lati"), tab.Col("zagl")
	for i := range tc {
		r, ok := ref[int(tc[i])]
		if !ok || (int(tc[i])%10 != 0 && -int(tc[i]) > 10) {
			continue
		}
		fmt.Printf("%5.0f  hy %9.4f %8.4f %8.2f  nat %9.4f %8.4f %8.2f  dz %7.2f  dkm %.3f %.3f\n", tc[i], r[0], r[1], r[2], lo[i], la[i], zz[i], zz[i]-r[2], (lo[i]-r[0])*84.4, (la[i]-r[1])*111.2)
	}
}

func TestDiagWField(t *testing.T) {
	for _, path := range []string{"/work/shared/met/20190530_00-05_hrrr"} {
		f, err := readARL(path)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := newLambertGrid(&f.Header)
		x, y := g.ToXY(40.57, -112.075)
		i, j := int(x+0.5)-1, int(y+0.5)-1
		nx := f.Header.NX
		for _, at := range f.Times {
			n := j*nx + i
			fmt.Printf("%s node %d,%d PRSS %.1f\n", at.Time.Format("15:04"), i, j, at.Surface["PRSS"][n])
			for k := 0; k < 12; k++ {
				fmt.Printf("  k%-2d WWND %9.5f DIFW %9.5f PRES %7.2f TEMP %6.2f\n", k+1, at.Upper["WWND"][k][n], at.Upper["DIFW"][k][n], at.Upper["PRES"][k][n], at.Upper["TEMP"][k][n])
			}
		}
	}
}

// TestDiagWLag writes, per row of a 16-column hycs_std NTURB=1 file
// (DIAG_PART, start DIAG_TIME), hycs_std's flat w (wout/c) and our flat w at
// the bounding met times, to regress hycs_std's time interpolation.
func TestDiagWLag(t *testing.T) {
	p := DefaultParams()
	ms, _ := loadDiag(t, p)
	rt, _ := time.Parse("2006-01-02 15:04", envOr("DIAG_TIME", "2019-05-30 04:00"))
	_, rows := readDAT(t, envOr("DIAG_PART", "/tmp/s3/prof/r500/PARTICLE_STILT.DAT"))
	m := newRunMet(ms, p)
	var s sampler
	s.m = m
	tStart := rt.Sub(m.t0).Minutes()
	for _, r := range rows {
		tt := tStart + r[0]
		x, y := ms.Grid().ToXY(r[3], r[2])
		c := (m.ztop - r[11]) / m.ztop
		zeta := r[4] / c
		ta := math.Floor(tt/60) * 60
		_, _, wa := m.wind(&s, x, y, zeta, ta)
		_, _, wb := m.wind(&s, x, y, zeta, ta+60)
		_, _, wn := m.wind(&s, x, y, zeta, tt)
		fmt.Printf("%.0f %.4f %.6f %.6f %.6f %.6f\n", r[0], (tt-ta)/60, r[14]/c, -wa/60, -wb/60, -wn/60)
	}
}

// TestDiagWOffset searches the grid offset (cells) and time offset (min)
// that best reproduce hycs_std's flat w along NTURB=1 runs (DIAG_RUNS =
// "path@YYYY-MM-DD HH:MM;...").
func TestDiagWOffset(t *testing.T) {
	p := DefaultParams()
	ms, _ := loadDiag(t, p)
	m := newRunMet(ms, p)
	var s sampler
	s.m = m
	type obs struct{ t, x, y, zeta, w float64 }
	var all []obs
	for _, spec := range strings.Split(os.Getenv("DIAG_RUNS"), ";") {
		f := strings.Split(spec, "@")
		rt, _ := time.Parse("2006-01-02 15:04", f[1])
		_, rows := readDAT(t, f[0])
		tStart := rt.Sub(m.t0).Minutes()
		for _, r := range rows {
			x, y := ms.Grid().ToXY(r[3], r[2])
			c := (m.ztop - r[11]) / m.ztop
			all = append(all, obs{tStart + r[0] + 0.5, x, y, r[4] / c, r[14] / c})
		}
	}
	type res struct {
		dx, dy, dt, rms float64
	}
	var best []res
	for _, dt := range []float64{0} {
		for dx := 0.0; dx <= 0.0; dx += 0.25 {
			for dy := 0.0; dy <= 0.0; dy += 0.25 {
				var ss, sh float64
				for _, o := range all {
					_, _, w := m.wind(&s, o.x+dx, o.y+dy, o.zeta, o.t+dt)
					d := -w/60 - o.w
					ss += d * d
					sh += o.w * o.w
				}
				best = append(best, res{dx, dy, dt, math.Sqrt(ss / float64(len(all)))})
			}
		}
	}
	sort.Slice(best, func(i, j int) bool { return best[i].rms < best[j].rms })
	for _, b := range best[:min(12, len(best))] {
		fmt.Printf("dx %+.1f dy %+.1f dt %+3.0f rms %.5f\n", b.dx, b.dy, b.dt, b.rms)
	}
	for _, b := range best {
		if b.dx == 0 && b.dy == 0 && b.dt == 0 {
			fmt.Printf("zero: rms %.5f\n", b.rms)
		}
	}
}

func TestDiagWNodes(t *testing.T) {
	f, err := readARL("/work/shared/met/20190530_00-05_hrrr")
	if err != nil {
		t.Fatal(err)
	}
	g, _ := newLambertGrid(&f.Header)
	x, y := g.ToXY(40.5704, -112.0754)
	fmt.Printf("x %.3f y %.3f\n", x, y)
	nx := f.Header.NX
	for _, at := range f.Times[4:5] {
		for _, ij := range [][2]int{{int(x) - 1, int(y) - 1}, {int(x), int(y) - 1}, {int(x) - 1, int(y)}, {int(x), int(y)}} {
			n := ij[1]*nx + ij[0]
			fmt.Printf("%s node %d,%d\n", at.Time.Format("15:04"), ij[0], ij[1])
			for k := 0; k < 8; k++ {
				fmt.Printf("  k%-2d W %9.5f D %9.5f sum %9.5f\n", k+1, at.Upper["WWND"][k][n], at.Upper["DIFW"][k][n], at.Upper["WWND"][k][n]+at.Upper["DIFW"][k][n])
			}
		}
	}
}

// TestDiagRunNative runs the native engine (DIAG_REC as TestDiagNTurb,
// DIAG_NP particles, DIAG_SEED) and writes time indx zagl sigw to DIAG_OUT.
// diagRec parses DIAG_REC ("YY MM DD HH MM,lat,lon,z,hours") and DIAG_MET
// (comma-separated ARL files, default the shared HRRR pair); it skips the
// test when DIAG_REC is not set.
func diagRec(t *testing.T) (tm time.Time, lat, lon, z float64, hrs int, files []string) {
	f := strings.Split(os.Getenv("DIAG_REC"), ",")
	if len(f) < 5 {
		t.Skip("DIAG_REC not set")
	}
	tm, _ = time.Parse("06 01 02 15 04", f[0])
	lat, _ = strconv.ParseFloat(f[1], 64)
	lon, _ = strconv.ParseFloat(f[2], 64)
	z, _ = strconv.ParseFloat(f[3], 64)
	hrs, _ = strconv.Atoi(f[4])
	files = []string{"/work/shared/met/20190530_00-05_hrrr", "/work/shared/met/20190530_06-11_hrrr"}
	if v := os.Getenv("DIAG_MET"); v != "" {
		files = strings.Split(v, ",")
	}
	return
}

func TestDiagRunNative(t *testing.T) {
	tm, lat, lon, z, hrs, files := diagRec(t)
	np, _ := strconv.Atoi(envOr("DIAG_NP", "1000"))
	seed, _ := strconv.Atoi(envOr("DIAG_SEED", "1"))
	rec := receptor.Receptor{Kind: receptor.Point, Time: tm, Lons: []float64{lon}, Lats: []float64{lat}, Heights: []float64{z}}
	if v := os.Getenv("DIAG_ZTOP"); v != "" {
		// column release from z to DIAG_ZTOP (hycs_std: two start lines)
		top, _ := strconv.ParseFloat(v, 64)
		rec = receptor.Receptor{Kind: receptor.Column, Time: tm, Lons: []float64{lon, lon}, Lats: []float64{lat, lat}, Heights: []float64{z, top}}
	}
	sim := Simulation{ID: "d", Receptor: rec, MetFiles: files, NHours: hrs, NumPar: np, Seed: uint64(seed), Params: diagParams()}
	tab, err := (&Native{}).Run(context.Background(), sim)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := os.Create(os.Getenv("DIAG_OUT"))
	defer out.Close()
	tc, ic, zc, sc, lo, la, fo, ml := tab.Col("time"), tab.Col("indx"), tab.Col("zagl"), tab.Col("sigw"), tab.Col("long"), tab.Col("lati"), tab.Col("foot"), tab.Col("mlht")
	if os.Getenv("DIAG_HYCSFMT") != "" {
		dn, sa, tl := tab.Col("dens"), tab.Col("samt"), tab.Col("tlgr")
		// PARTICLE_STILT.DAT column order: time indx long lati zagl foot mlht dens samt sigw tlgr
		fmt.Fprintf(out, "%g %g %g\n", lat, lon, z)
		for i := range tc {
			fmt.Fprintf(out, "%.0f %.0f %.4f %.4f %.4f %.7f %.2f %.5f %.4f %.3f %.4f\n", tc[i], ic[i], lo[i], la[i], zc[i], fo[i], ml[i], dn[i], sa[i], sc[i], tl[i])
		}
		return
	}
	format := "%.0f %.0f %.4f %.4f %.4f %.3f %.7f %.2f\n"
	if os.Getenv("DIAG_FULL") != "" { // every bit, to compare two builds
		format = "%.0f %.0f %.17g %.17g %.17g %.17g %.17g %.17g\n"
	}
	for i := range tc {
		fmt.Fprintf(out, format, tc[i], ic[i], lo[i], la[i], zc[i], sc[i], fo[i], ml[i])
	}
}

// diagParams is DefaultParams with DIAG_HORIZ (horiz_turb) and DIAG_HSCALE
// applied when set.
func diagParams() Params {
	p := DefaultParams()
	if v := os.Getenv("DIAG_HORIZ"); v != "" {
		p.HorizTurb = v
	}
	if os.Getenv("DIAG_NTURB") != "" {
		p.NTurb = true
	}
	if v := os.Getenv("DIAG_VEGHT"); v != "" {
		p.Veght, _ = strconv.ParseFloat(v, 64)
	}
	if v := os.Getenv("DIAG_HSCALE"); v != "" {
		p.HScale, _ = strconv.ParseFloat(v, 64)
	}
	return p
}

// TestDiagNodeW prints, for 0-based nodes (DIAG_NODES "i,j;i,j"), the
// node's lat/lon and our flat w (m/s) at DIAG_Z m AGL at the 04 UTC frame.
func TestDiagNodeW(t *testing.T) {
	p := DefaultParams()
	ms, _ := loadDiag(t, p)
	m := newRunMet(ms, p)
	var s sampler
	s.m = m
	tt, _ := strconv.ParseFloat(envOr("DIAG_TMIN", "240"), 64)
	for _, nd := range strings.Split(envOr("DIAG_NODES", "26,13"), ";") {
		f := strings.Split(nd, ",")
		i, _ := strconv.Atoi(f[0])
		j, _ := strconv.Atoi(f[1])
		x, y := float64(i+1), float64(j+1)
		lat, lon := ms.Grid().ToLatLon(x, y)
		s.set(x, y, tt)
		zsfc := s.surf(s.fa.Zsfc, s.fb.Zsfc)
		c := (m.ztop - zsfc) / m.ztop
		fmt.Printf("node %d,%d lat %.5f lon %.5f zsfc %.1f:", i, j, lat, lon, zsfc)
		for _, zs := range strings.Split(envOr("DIAG_Z", "20,100,300,600,1000"), ",") {
			z, _ := strconv.ParseFloat(zs, 64)
			_, _, w := m.wind(&s, x, y, z/c, tt)
			fmt.Printf(" %.5f", -w/60)
		}
		fmt.Println()
	}
}

// TestDiagProfileRows prints, per 10 min, the engine's profile vs hycs_std rows
// (DIAG_PART, DIAG_TIME) for particles 1-200.
func TestDiagProfileRows(t *testing.T) {
	p := DefaultParams()
	ms, err := OpenMet([]string{"/work/shared/met/20190530_00-05_hrrr", "/work/shared/met/20190530_06-11_hrrr"}, p)
	if err != nil {
		t.Fatal(err)
	}
	m := newRunMet(ms, p)
	pr := newProfile(m)
	rt, _ := time.Parse("2006-01-02 15:04", envOr("DIAG_TIME", "2019-05-30 02:00"))
	t0 := rt.Sub(m.t0).Minutes()
	_, rows := readDAT(t, envOr("DIAG_PART", "/tmp/ht/K4E_run1/PARTICLE_STILT.DAT"))
	for _, r := range rows {
		if r[1] > 200 || int(r[0])%10 != 0 {
			continue
		}
		x, y := ms.Grid().ToXY(r[3], r[2])
		pr.at(x, y, t0+r[0])
		zeta := r[4] / pr.c
		L := pr.layerOf(zeta)
		pr.need(min(L+2, m.nl-1))
		fmt.Printf("%4.0f %4.0f z %8.2f L %2d kzi %2d | mlht %7.2f %7.2f | sigw %.3f %.3f | tlgr %8.3f %8.3f\n", r[0], r[1], r[4], L, pr.kzi, r[6], pr.zi, r[9], pr.sw[L], r[10], pr.tl[L])
	}
}

func TestDiagSHTF(t *testing.T) {
	f, err := readARL("/work/shared/met/20190530_00-05_hrrr")
	if err != nil {
		t.Fatal(err)
	}
	g, _ := newLambertGrid(&f.Header)
	lat, lon := diagLatLon("40.77,-111.95")
	x, y := g.ToXY(lat, lon)
	fmt.Printf("x %.3f y %.3f\n", x, y)
	nx := f.Header.NX
	for _, at := range f.Times[:4] {
		i, j := int(x+0.5)-1, int(y+0.5)-1
		n := j*nx + i
		fmt.Printf("%s nearest node %d,%d SHTF %.3f USTR %.4f LHTF %.2f T02M %.2f DSWF %.1f\n", at.Time.Format("15"), i, j, at.Surface["SHTF"][n], at.Surface["USTR"][n], at.Surface["LHTF"][n], at.Surface["T02M"][n], at.Surface["DSWF"][n])
	}
}

// TestDiagTKE prints the TKEN profile (and level pressure/height estimate)
// at the nearest node of DIAG_LATLON in DIAG_FILE at DIAG_HOUR.
func TestDiagTKEProfile(t *testing.T) {
	f, err := readARL(envOr("DIAG_FILE", "/work/shared/met/20190530_06-11_hrrr"))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := newLambertGrid(&f.Header)
	lat, lon := diagLatLon("40.60,-111.70")
	x, y := g.ToXY(lat, lon)
	i, j := int(x+0.5)-1, int(y+0.5)-1
	n := j*f.Header.NX + i
	for _, at := range f.Times {
		if at.Time.Format("15") != envOr("DIAG_HOUR", "08") {
			continue
		}
		ps := at.Surface["PRSS"][n]
		fmt.Printf("node %d,%d PRSS %.1f PBLH %.0f SHGT %.0f\n", i, j, ps, at.Surface["PBLH"][n], at.Surface["SHGT"][n])
		zsum := 0.0
		pPrev, tPrev := float64(ps), float64(at.Surface["T02M"][n])
		for k := 0; k < 19; k++ {
			p := float64(at.Upper["PRES"][k][n])
			tk := float64(at.Upper["TEMP"][k][n])
			zsum += 287.04 * 0.5 * (tk + tPrev) / 9.80616 * math.Log(pPrev/p)
			pPrev, tPrev = p, tk
			tke := float64(at.Upper["TKEN"][k][n])
			fmt.Printf("  k%-2d z~%6.0f TKEN %.4f sqrt(2TKE/3)=%.3f sqrt(TKE)=%.3f\n", k+1, zsum, tke, math.Sqrt(math.Max(0, 2*tke/3)), math.Sqrt(math.Max(0, tke)))
		}
	}
}

// TestDiagFrozenHoriz runs DIAG_REC with HScale = 1e9 (u', v' frozen at the
// first draw) and prints sd of x, y (m) per minute for minutes 1-3.
func TestDiagFrozenHoriz(t *testing.T) {
	tm, lat, lon, z, _, files := diagRec(t)
	p := DefaultParams()
	p.HScale = 1e9
	sim := Simulation{ID: "h", Receptor: receptor.Receptor{Kind: receptor.Point, Time: tm, Lons: []float64{lon}, Lats: []float64{lat}, Heights: []float64{z}},
		MetFiles: files, NHours: -1, NumPar: 1000, Seed: 5, Params: p}
	tab, err := (&Native{}).Run(context.Background(), sim)
	if err != nil {
		t.Fatal(err)
	}
	tc, lo, la, sw := tab.Col("time"), tab.Col("long"), tab.Col("lati"), tab.Col("sigw")
	for _, want := range []float64{-1, -2, -3} {
		var xs, ys, ss []float64
		for i := range tc {
			if tc[i] == want {
				xs = append(xs, lo[i])
				ys = append(ys, la[i])
				ss = append(ss, sw[i])
			}
		}
		sd := func(v []float64, k float64) float64 {
			var m, q float64
			for _, x := range v {
				m += x
			}
			m /= float64(len(v))
			for _, x := range v {
				q += (x - m) * (x - m)
			}
			return math.Sqrt(q/float64(len(v))) * k
		}
		ky := 111195.0
		kx := ky * math.Cos(lat*math.Pi/180)
		var msw float64
		for _, s := range ss {
			msw += s / float64(len(ss))
		}
		fmt.Printf("%4.0f sx %7.1f sy %7.1f sigw %.3f\n", want, sd(xs, kx), sd(ys, ky), msw)
	}
}

// TestDiagNodeK prints the nearest node's level profile (z, σ_w, T_L, K) at
// DIAG_LATLON and frame DIAG_HOUR.
func TestDiagNodeK(t *testing.T) {
	c := diagNodeSnap(t, "40.60,-111.70", "08")
	fmt.Printf("zi %.1f ustar %.4f L %.1f wstar %.3f\n", c.zi, c.ustar, c.obuk, c.wstar)
	for k := 0; k < 14; k++ {
		fmt.Printf("k%-2d z %7.1f sw %.3f tl %7.2f K %8.3f sqrt(K/T) T=100:%.3f\n", k, c.zz[k], c.sw[k], c.tl[k], c.kv[k], math.Sqrt(c.kv[k]/100))
	}
}

// TestDiagFreeKVariants prints the free-troposphere K at every level with
// dry θ and with θ_v, at the nearest node of DIAG_LATLON, frame DIAG_HOUR.
func TestDiagFreeKVariants(t *testing.T) {
	s := diagNodeSnap(t, "40.5,-112.2", "05")
	for _, th := range []struct {
		name string
		v    []float64
	}{{"dry", s.th}, {"thv", s.tt}} {
		c := &column{zz: s.zz, uu: s.uu, vv: s.vv, th: th.v}
		fmt.Printf("%s:", th.name)
		for k := 1; k < 12; k++ {
			fmt.Printf(" %.0f:%.3f", s.zz[k], math.Sqrt(freeK(c, k)/100)/math.Sqrt2)
		}
		fmt.Println()
	}
}

// TestDiagColumnProfile prints the nearest node's internal-level profile
// (z, θ, θ_v, u, v, bulk Ri to the level below) at DIAG_LATLON, DIAG_HOUR.
func TestDiagColumnProfile(t *testing.T) {
	s := diagNodeSnap(t, "40.5,-112.2", "05")
	for k := 0; k < 12; k++ {
		ri := 0.0
		if k > 0 {
			du := (s.uu[k]-s.uu[k-1])*(s.uu[k]-s.uu[k-1]) + (s.vv[k]-s.vv[k-1])*(s.vv[k]-s.vv[k-1])
			ri = grav * (s.zz[k] - s.zz[k-1]) * (s.th[k] - s.th[k-1]) / math.Max(du, 0.1) / s.th[k-1]
		}
		fmt.Printf("k%-2d z %6.0f th %.2f thv %.2f u %6.2f v %6.2f Ri %.2f\n", k, s.zz[k], s.th[k], s.tt[k], s.uu[k], s.vv[k], ri)
	}
}

// diagNodeSnap returns the column snapshot of the grid node nearest to
// DIAG_LATLON at the frame of hour DIAG_HOUR (defaults def, defHour).
func diagNodeSnap(t *testing.T, def, defHour string) *colSnap {
	m, snaps := loadDiag(t, DefaultParams())
	lat, lon := diagLatLon(def)
	x, y := m.G.ToXY(lat, lon)
	nx, _ := m.G.Dims()
	n := (int(x+0.5) - 1) + (int(y+0.5)-1)*nx
	for _, fr := range m.Frs {
		if fr.Time.Format("15") == envOr("DIAG_HOUR", defHour) {
			return snaps[fr.Time][n]
		}
	}
	t.Fatalf("no frame at hour %s", envOr("DIAG_HOUR", defHour))
	return nil
}

// TestDiagDryDensity prints level-1 dry-density candidates at the node
// nearest DIAG_LATLON (default receptor E) for every frame.
func TestDiagDryDensity(t *testing.T) {
	lat, lon := diagLatLon("40.77,-111.95")
	type rec struct{ den, tt, th, rh, pp, dry, q0, t0, p0, zz float64 }
	got := map[time.Time][]rec{}
	var want int
	diagColumn = func(tm time.Time, n int, c *column) {
		if n != want {
			return
		}
		var rs []rec
		for k := 0; k < 3; k++ {
			rs = append(rs, rec{c.den[k], c.tt[k], c.th[k], c.rh[k], c.pp[k], c.dry[k], c.q[0], c.t[0], c.p0, c.zz[k]})
		}
		got[tm] = rs
	}
	defer func() { diagColumn = nil }()
	// the first pass finds the node, the second records its columns
	want = -1
	g, err := OpenMet([]string{"/work/shared/met/20190530_00-05_hrrr"}, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	x, y := g.G.ToXY(lat, lon)
	nx, _ := g.G.Dims()
	want = (int(x+0.5) - 1) + (int(y+0.5)-1)*nx
	if _, err := OpenMet([]string{"/work/shared/met/20190530_00-05_hrrr"}, DefaultParams()); err != nil {
		t.Fatal(err)
	}
	for tm, rs := range got {
		for k, r := range rs {
			// the printed form (e_s at the dry temperature)
			alt := printedDryDensity(r.den, r.pp, r.th*math.Pow(r.pp/1000, 0.286), r.rh)
			fmt.Printf("%s k%d z %.1f den %.5f dry %.5f rh %.4f tt %.2f th %.2f p %.2f | dry(th) %.5f ratio %.6f | 1-q %.6f\n",
				tm.Format("15"), k, r.zz, r.den, r.dry, r.rh, r.tt, r.th, r.pp, alt, alt/r.dry, r.dry/r.den)
		}
	}
}

// TestDiagXY prints the 1-based grid coordinates of DIAG_LL ("lat,lon;...").
func TestDiagXY(t *testing.T) {
	m, err := OpenMet([]string{"/work/shared/met/20190530_00-05_hrrr"}, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Split(os.Getenv("DIAG_LL"), ";") {
		var lat, lon float64
		fmt.Sscanf(p, "%g,%g", &lat, &lon)
		x, y := m.G.ToXY(lat, lon)
		fmt.Printf("%s x %.3f y %.3f\n", p, x, y)
	}
}

// TestDiagProfileAt prints the PREV/NEXT-style profile at DIAG_LL and
// DIAG_TMIN (minutes since the first frame): zi, h_s, DENSINT and the
// lowest levels' ρ and ρ_dry.
func TestDiagProfileAt(t *testing.T) {
	p := DefaultParams()
	ms, _ := loadDiag(t, p)
	m := newRunMet(ms, p)
	lat, lon := diagLatLon(envOr("DIAG_LL", "40.77,-111.95"))
	tt, _ := strconv.ParseFloat(envOr("DIAG_TMIN", "119"), 64)
	x, y := ms.Grid().ToXY(lat, lon)
	pr := newProfile(m)
	pr.at(x, y, tt)
	pr.need(4)
	fmt.Printf("x %.4f y %.4f t %.1f zsfc %.2f c %.6f zi %.3f hs %.3f densint %.5f mean %.6f\n", x, y, tt, pr.zsfc, pr.c, pr.zi, pr.hs, pr.densint, pr.densint/pr.hs)
	for k := 0; k < 4; k++ {
		fmt.Printf("  k%d z %.2f rho %.5f dry %.5f pres %.2f\n", k, m.h[k]*pr.c, pr.rho[k], pr.dry[k], pr.lev(pr.fa.Pres, pr.fb.Pres, k))
	}
}

// TestDiagDryPaired compares, row by row, the level-1 dry density that a
// hycs_std VEGHT=5 (metres) run's foot implies (0.02884·60·samt/(foot·5),
// a harmonic mean of the PREV and NEXT columns) and its printed dens with
// ours at the same positions and times (rows with samt = 1: both halves in
// the surface layer; any VEGHT via DIAG_VEGHT). DIAG_PFILE is the hycs_std particle file,
// DIAG_T0 the receptor's minutes after the first met frame.
func TestDiagDryPaired(t *testing.T) {
	_, rows := readDAT(t, os.Getenv("DIAG_PFILE"))
	t0, _ := strconv.ParseFloat(envOr("DIAG_T0", "120"), 64)
	lat0, lon0 := diagLatLon(envOr("DIAG_LL", "40.77,-111.95"))
	p := diagParams()
	ms, _ := loadDiag(t, p)
	m := newRunMet(ms, p)
	pr := newProfile(m)
	// column mean dry density below h_s, and the printed density at
	// zagl, at a position and time
	col := func(lat, lon, tm, zagl float64) (float64, float64) {
		x, y := ms.Grid().ToXY(lat, lon)
		pr.at(x, y, tm)
		zeta := zagl * m.ztop / (m.ztop - pr.zsfc)
		return pr.densint, pr.printedDens(zeta)
	}
	last := map[float64][3]float64{}
	var n, np int
	var all []float64
	var si, si2, sp, sp2 float64
	for _, r := range rows {
		// time indx long lati zagl foot mlht dens samt sigw tlgr
		tm, id, lon, lat, z, foot, dn, samt := r[0], r[1], r[2], r[3], r[4], r[5], r[7], r[8]
		prev, ok := last[id]
		if !ok {
			prev = [3]float64{lat0, lon0, t0}
		}
		last[id] = [3]float64{lat, lon, t0 + tm}
		cn, pn := col(lat, lon, t0+tm, z)
		b := dn/pn - 1
		sp += b
		sp2 += b * b
		np++
		if samt < 0.99995 || foot <= 0 {
			continue
		}
		// both halves in the surface layer: foot = k·(½/D_prev + ½/D_next)
		cp, _ := col(prev[0], prev[1], prev[2], 0)
		ours := 0.02884 * 60 * 0.5 * (1/cp + 1/cn)
		a := foot/ours - 1
		all = append(all, a)
		si += a
		si2 += a * a
		n++
	}
	mi, mp := si/float64(n), sp/float64(np)
	sort.Float64s(all)
	if len(all) > 0 {
		qq := func(f float64) float64 { return 100 * all[int(f*float64(len(all)-1))] }
		fmt.Printf("foot median %+.4f%% (p25 %+.4f%%, p75 %+.4f%%) ", qq(0.5), qq(0.25), qq(0.75))
	}
	fmt.Printf("samt=1 rows %d hycs foot/ours %+.5f%% (sd %.5f%%); rows %d hycs printed/ours %+.5f%% (sd %.5f%%)\n", n,
		100*mi, 100*math.Sqrt(si2/float64(n)-mi*mi), np, 100*mp, 100*math.Sqrt(sp2/float64(np)-mp*mp))
}
