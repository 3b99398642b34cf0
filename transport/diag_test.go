package transport

import (
	"math"
	"os"
	"testing"
)

func TestDiagK(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	f, err := readARL("/work/shared/met/20190530_00-05_hrrr")
	if err != nil {
		t.Fatal(err)
	}
	g, _ := newLambertGrid(&f.Header)
	x, y := g.ToXY(40.505, -112.18)
	i, j := int(x+0.5)-1, int(y+0.5)-1
	n := j*f.Header.NX + i
	for _, ti := range []int{4, 5} {
		at := f.Times[ti]
		p := DefaultParams()
		c := newColumn(f.Header.NZ-1, 29)
		c.zsfc = float64(at.Surface["SHGT"][n])
		c.p0 = float64(at.Surface["PRSS"][n])
		c.hasT0, c.t0 = true, float64(at.Surface["T02M"][n])
		c.hasU0, c.u0, c.v0 = true, float64(at.Surface["U10M"][n]), float64(at.Surface["V10M"][n])
		c.z0 = float64(at.Surface["RGHS"][n])
		c.hasQ = true
		for k := 0; k < f.Header.NZ-1; k++ {
			c.psg[k] = f.Header.Levels[k+1]
			c.t[k] = float64(at.Upper["TEMP"][k][n])
			c.u[k] = float64(at.Upper["UWND"][k][n])
			c.v[k] = float64(at.Upper["VWND"][k][n])
			c.w[k] = float64(at.Upper["WWND"][k][n])
			c.q[k] = float64(at.Upper["SPHU"][k][n])
		}
		c.remap(InternalLevels(25000), 25000)
		c.stability(float64(at.Surface["USTR"][n]), float64(at.Surface["SHTF"][n]), p)
		t.Logf("time %s zi %.1f L %.1f u* %.3f", at.Time, c.zi, c.obuk, c.ustar)
		for k := 0; k < 8; k++ {
			tke := 0.0
			if k < f.Header.NZ-1 {
				tke = float64(at.Upper["TKEN"][k][n])
			}
			t.Logf(" k=%d z=%.0f thv=%.2f u=%.2f v=%.2f sw=%.4f tl=%.1f K=%.4f  TKE(input lev %d)=%.4f sqrt(2/3tke)=%.3f", k+1, c.zz[k], c.tt[k], c.uu[k], c.vv[k], c.sw[k], c.tl[k], freeK(c, k), k+1, tke, math.Sqrt(2*tke/3))
		}
	}
}

func TestDiagProfile(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	p := DefaultParams()
	ms, err := NewARLMet([]string{"/work/shared/met/20190530_00-05_hrrr"}, p)
	if err != nil {
		t.Fatal(err)
	}
	fr := ms.Frames()
	nx, ny := ms.Grid().Dims()
	m := &runMet{p: p, grid: ms.Grid(), frames: fr, h: ms.Levels(), nl: len(ms.Levels()), nx: nx, ny: ny, ztop: ms.ZTop(), t0: fr[0].Time, interval: 60}
	pr := newProfile(m)
	x, y := ms.Grid().ToXY(40.5045, -112.1811)
	pr.at(x, y, 290)
	pr.need(6)
	t.Logf("zi %.1f kzi %d c %.4f", pr.zi, pr.kzi, pr.c)
	for k := 0; k < 6; k++ {
		t.Logf("k=%d h=%.0f lower=%.1f sw=%.4f tl=%.1f", k, m.h[k], pr.lower(k), pr.sw[k], pr.tl[k])
	}
	nn := pr.nearest
	for _, f := range fr[4:6] {
		t.Logf("frame %s zi %.1f sw %v", f.Time, f.ZI[nn], f.SigW[nn*m.nl:nn*m.nl+5])
	}
}

func TestDiagNodes(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	p := DefaultParams()
	ms, err := NewARLMet([]string{"/work/shared/met/20190530_00-05_hrrr"}, p)
	if err != nil {
		t.Fatal(err)
	}
	fr := ms.Frames()
	nx, _ := ms.Grid().Dims()
	nl := len(ms.Levels())
	x, y := ms.Grid().ToXY(40.5045, -112.1811)
	t.Logf("x %.3f y %.3f", x, y)
	for _, ij := range [][2]int{{int(x), int(y)}, {int(x) + 1, int(y)}, {int(x), int(y) + 1}, {int(x) + 1, int(y) + 1}} {
		n := (ij[1]-1)*nx + ij[0] - 1
		for _, f := range fr[4:6] {
			t.Logf("node %v %s zi %.1f sw %.4f", ij, f.Time.Format("15"), f.ZI[n], f.SigW[n*nl:n*nl+6])
		}
	}
}
