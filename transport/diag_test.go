//go:build diag

package transport

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/met"
)

// colSnap is a copy of one processed column (diagnostics only).
type colSnap struct {
	zz, tt, uu, vv, tk, sw, tl, den, ww []float64
	zi, ustar, tstar, obuk, wstar, pblh float64
	zsfc, z0                            float64
}

func cp(a []float64) []float64 { return append([]float64(nil), a...) }

// loadDiag opens the met with the column hook installed.
func loadDiag(t *testing.T, p Params) (*StaticMet, map[time.Time][]*colSnap) {
	snaps := map[time.Time][]*colSnap{}
	diagColumn = func(tm time.Time, n int, c *column) {
		s := snaps[tm]
		if s == nil {
			s = make([]*colSnap, 59*41)
			snaps[tm] = s
		}
		s[n] = &colSnap{zz: cp(c.zz), tt: cp(c.tt), uu: cp(c.uu), vv: cp(c.vv), tk: cp(c.tk), sw: cp(c.sw), tl: cp(c.tl), den: cp(c.den), ww: cp(c.ww),
			zi: c.zi, ustar: c.ustar, tstar: c.tstar, obuk: c.obuk, wstar: c.wstar, pblh: c.pblh, zsfc: c.zsfc, z0: c.z0}
	}
	defer func() { diagColumn = nil }()
	m, err := OpenMet([]string{"/work/shared/met/20190530_00-05_hrrr", "/work/shared/met/20190530_06-11_hrrr"}, p)
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
	fr := ms.Frames()
	nx, ny := ms.Grid().Dims()
	m := &runMet{p: p, grid: ms.Grid(), frames: fr, h: ms.Levels(), nl: len(ms.Levels()), nx: nx, ny: ny,
		ztop: ms.ZTop(), t0: fr[0].Time, interval: fr[1].Time.Sub(fr[0].Time).Minutes()}
	pr := newProfile(m)
	var s sampler
	s.m = m
	tStart := rt.Sub(m.t0).Minutes()
	out, _ := os.Create(envOr("DIAG_OUT", "/tmp/phys/diag.csv"))
	defer out.Close()
	fmt.Fprintln(out, "time,indx,i,j,L,zagl,zeta,h_sigw,n_sigw,h_tlgr,n_tlgr,h_mlht,n_zi,n_zinode,pblh,h_wout,n_w,ri,du2,dz,dth,tk,kfree,h_zsfc,n_zsfc,ustar,obuk,h_dens,n_dens,den1,pres")
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
		c := &column{zz: cs.zz, tt: cs.tt, uu: cs.uu, vv: cs.vv}
		kf = freeK(c, k)
		_, _, wn := m.wind(&s, x, y, zeta, tt)
		hs := func(n string) float64 {
			if i, ok := ci[n]; ok && i < len(r) {
				return r[i]
			}
			return math.NaN()
		}
		fmt.Fprintf(out, "%g,%g,%d,%d,%d,%.3f,%.3f,%g,%.5f,%g,%.4f,%g,%.2f,%.2f,%.1f,%g,%.6f,%.4f,%.4f,%.2f,%.4f,%.4f,%.4f,%g,%.2f,%.4f,%.1f,%g,%.5f,%.5f,%.2f\n",
			tm, r[ci["indx"]], pr.nearest%nx, pr.nearest/nx, L, r[ci["zagl"]], zeta, hs("sigw"), pr.sw[L], hs("tlgr"), pr.tl[L], hs("mlht"), pr.zi, cs.zi, cs.pblh,
			hs("wout"), wn/60, ri, du2, dz, dth, cs.tk[k], kf, hs("zsfc"), pr.zsfc, cs.ustar, cs.obuk, hs("dens"), pr.atParticle(pr.rho, zeta), cs.den[0], pr.atParticle(pr.pres, zeta))
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
