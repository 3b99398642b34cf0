//go:build diag

package transport

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"testing"
)

// TestDiagSigUProfile prints, at the node nearest DIAG_LATLON and the frame at
// DIAG_TIME, candidate horizontal σ_u forms per internal level.
func TestDiagSigUProfile(t *testing.T) {
	p := DefaultParams()
	m, snaps := loadDiag(t, p)
	lat, lon := diagLatLon("40.5,-112.2")
	x, y := m.G.ToXY(lat, lon)
	i, j := int(math.Round(x)), int(math.Round(y))
	t.Logf("x=%.3f y=%.3f", x, y)
	if di := envOr("DIAG_DI", ""); di != "" {
		var a, b int
		fmt.Sscanf(di, "%d,%d", &a, &b)
		i, j = int(math.Floor(x))+a, int(math.Floor(y))+b
	}
	nx, _ := m.G.Dims()
	for _, fr := range m.Frs {
		if fr.Time.Format("15") != envOr("DIAG_HOUR", "05") {
			continue
		}
		cs := snaps[fr.Time][j*nx+i]
		for k := 0; k < fr.NL; k++ {
			n := (j*nx+i)*fr.NL + k
			// unclamped Smagorinsky
			d := 3000.0
			at := func(ii, jj int) int { return (jj*nx+ii)*fr.NL + k }
			dudx := float64(fr.U[at(i+1, j)]-fr.U[at(i, j)]) / d
			dvdx := float64(fr.V[at(i+1, j)]-fr.V[at(i, j)]) / d
			dudy := float64(fr.U[at(i, j+1)]-fr.U[at(i, j)]) / d
			dvdy := float64(fr.V[at(i, j+1)]-fr.V[at(i, j)]) / d
			def := 0.5 * math.Sqrt((dudy+dvdx)*(dudy+dvdx)+(dudx-dvdy)*(dudx-dvdy))
			def2 := math.Sqrt((dudy+dvdx)*(dudy+dvdx) + (dudx-dvdy)*(dudx-dvdy))
			kh := 0.014 * d * d * def
			t.Logf("%s k=%2d z=%6.0f u=%5.1f v=%5.1f sigw=%.3f def=%.2e smag=%.3f  (0.14d)^2D/h=%.3f  sw=%.3f", fr.Time.Format("15"), k, m.H[k], fr.U[n], fr.V[n], fr.SigW[n], def, math.Sqrt(kh/p.HScale), math.Sqrt(0.0196*d*d*def2/p.HScale), cs.sw[k])
		}
	}
}

// TestDiagValidateVariant runs Validate with DIAG_HORIZ (horiz_turb),
// DIAG_NUMPAR and DIAG_SEED and prints pass counts and the misses.
func TestDiagValidateVariant(t *testing.T) {
	p := DefaultParams()
	if v := envOr("DIAG_HORIZ", ""); v != "" {
		p.HorizTurb = v
	}
	np, _ := strconv.Atoi(envOr("DIAG_NUMPAR", "1000"))
	seed, _ := strconv.Atoi(envOr("DIAG_SEED", "1"))
	rep, err := Validate(context.Background(), ValidateOptions{EnsembleDir: "/work/shared/hysplit-ensemble", MetDir: "/work/shared/met",
		NumPar: np, Seed: uint64(seed), Params: p})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		n := 0
		for _, s := range r.Stats {
			if s.Pass {
				n++
			}
		}
		t.Logf("%s %s: %d of %d pass", p.HorizTurb, r.Receptor, n, len(r.Stats))
		if lo := r.LeaveOneOut; lo != nil {
			m, nn, st := lo.Totals()
			t.Logf("%s loo: members %d native %d of %d", r.Receptor, m, nn, st)
		}
		for _, s := range r.Stats {
			if !s.Pass || envOr("DIAG_ALL", "") != "" {
				t.Logf("  %s/%d/%s %g [%g, %g] pass=%v", r.Receptor, s.Hour, s.Name, s.Value, s.Lo, s.Hi, s.Pass)
			}
		}
	}
}

// TestDiagSigUHeights prints bilinear σ_w (levels below/above) and the
// unclamped Smagorinsky σ_u at DIAG_LATLON, frame DIAG_HOUR, per height.
func TestDiagSigUHeights(t *testing.T) {
	p := DefaultParams()
	m, _ := loadDiag(t, p)
	lat, lon := diagLatLon("40.5,-112.2")
	x, y := m.G.ToXY(lat, lon)
	i0, j0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(i0), y-float64(j0)
	nx, _ := m.G.Dims()
	for _, fr := range m.Frs {
		if fr.Time.Format("15") != envOr("DIAG_HOUR", "05") {
			continue
		}
		bil := func(a []float32, k int) float64 {
			g := func(ii, jj int) float64 { return float64(a[((j0+jj)*nx+i0+ii)*fr.NL+k]) }
			return (1-fx)*(1-fy)*g(0, 0) + fx*(1-fy)*g(1, 0) + (1-fx)*fy*g(0, 1) + fx*fy*g(1, 1)
		}
		smag := func(k int) float64 {
			s := 0.0
			for jj := 0; jj < 2; jj++ {
				for ii := 0; ii < 2; ii++ {
					i, j := i0+ii, j0+jj
					d := 3000.0
					at := func(ii, jj int) int { return (jj*nx+ii)*fr.NL + k }
					dudx := float64(fr.U[at(i+1, j)]-fr.U[at(i, j)]) / d
					dvdx := float64(fr.V[at(i+1, j)]-fr.V[at(i, j)]) / d
					dudy := float64(fr.U[at(i, j+1)]-fr.U[at(i, j)]) / d
					dvdy := float64(fr.V[at(i, j+1)]-fr.V[at(i, j)]) / d
					def := 0.5 * math.Sqrt((dudy+dvdx)*(dudy+dvdx)+(dudx-dvdy)*(dudx-dvdy))
					w := []float64{(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy}[jj*2+ii]
					s += w * math.Sqrt(0.014*d*d*def/p.HScale)
				}
			}
			return s
		}
		for _, z := range []float64{5, 30, 75, 150, 300, 600, 1000, 1500, 2200, 3000, 4000, 5000} {
			k := levelBelow(m.H, z)
			t.Logf("z=%5.0f k=%d sw_below/sqrt2=%.3f sw_above/sqrt2=%.3f smag=%.3f", z, k, bil(fr.SigW, k)/math.Sqrt2, bil(fr.SigW, k+1)/math.Sqrt2, smag(k))
		}
	}
}

// TestDiagNodeStab prints zi, PBLH, u*, L, w* at the 4 nodes around DIAG_LATLON.
func TestDiagNodeStab(t *testing.T) {
	m, snaps := loadDiag(t, DefaultParams())
	lat, lon := diagLatLon("40.5,-112.2")
	x, y := m.G.ToXY(lat, lon)
	i0, j0 := int(math.Floor(x)), int(math.Floor(y))
	nx, _ := m.G.Dims()
	for _, fr := range m.Frs {
		for jj := 0; jj < 2; jj++ {
			for ii := 0; ii < 2; ii++ {
				c := snaps[fr.Time][(j0+jj)*nx+i0+ii]
				t.Logf("%s node+%d,%d zi=%.0f pblh=%.0f u*=%.3f L=%.1f w*=%.3f", fr.Time.Format("15"), ii, jj, c.zi, c.pblh, c.ustar, c.obuk, c.wstar)
			}
		}
	}
}

// TestDiagTKE prints the remapped TKE profile (√(2·TKE/3)) next to σ_w/√2 at
// the 4 nodes around DIAG_LATLON for frame DIAG_HOUR.
func TestDiagTKE(t *testing.T) {
	m, snaps := loadDiag(t, DefaultParams())
	lat, lon := diagLatLon("40.5,-112.2")
	x, y := m.G.ToXY(lat, lon)
	i0, j0 := int(math.Floor(x)), int(math.Floor(y))
	nx, _ := m.G.Dims()
	for _, fr := range m.Frs {
		if fr.Time.Format("15") != envOr("DIAG_HOUR", "05") {
			continue
		}
		for k := 0; k < 12; k++ {
			line := fmt.Sprintf("k=%2d z=%5.0f", k, m.H[k])
			for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				c := snaps[fr.Time][(j0+d[1])*nx+i0+d[0]]
				line += fmt.Sprintf(" | tke %.3f sw/√2 %.3f", math.Sqrt(2*math.Max(0, c.tk[k])/3), c.sw[k]/math.Sqrt2)
			}
			t.Log(line)
		}
	}
}

// TestDiagLOOStats counts, per statistic of DIAG_REC (default A), how often
// the native run (seeds 1..DIAG_NSEED) and the left-out members pass against
// the other members.
func TestDiagLOOStats(t *testing.T) {
	rc := envOr("DIAG_RC", "A")
	ms, err := caseMembers(rc, "/work/shared/hysplit-ensemble")
	if err != nil {
		t.Fatal(err)
	}
	var mds []*memberData
	for _, m := range ms {
		md, err := readMember(m.fsys, m.dir)
		if err != nil {
			t.Fatal(err)
		}
		mds = append(mds, md)
	}
	sim, err := simFromRun(ms[0].fsys, ms[0].dir, "/work/shared/met", DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	sim.NumPar = 1000
	sim.Params = DefaultParams()
	ns, _ := strconv.Atoi(envOr("DIAG_NSEED", "6"))
	hours := sim.NHours
	if hours < 0 {
		hours = -hours
	}
	natPass, memPass := map[string]int{}, map[string]int{}
	key := func(s Stat) string { return fmt.Sprintf("%s/%d/%s", s.Receptor, s.Hour, s.Name) }
	for i := range mds {
		for _, s := range judge(rc, hours, mds[i], without(mds, i)) {
			if s.Pass {
				memPass[key(s)]++
			}
		}
	}
	for seed := 1; seed <= ns; seed++ {
		sim.Seed = uint64(seed)
		tab, err := (&Native{}).Run(context.Background(), sim)
		if err != nil {
			t.Fatal(err)
		}
		hourly, total, binned, err := tableStats(tab, sim.NumPar, hours)
		if err != nil {
			t.Fatal(err)
		}
		nat := &memberData{hourly: hourly, total: total, binned: binned}
		for i := range mds {
			for _, s := range judge(rc, hours, nat, without(mds, i)) {
				if s.Pass {
					natPass[key(s)]++
				}
			}
		}
	}
	for _, s := range judge(rc, hours, mds[0], mds[1:]) {
		k := key(s)
		nf := 1 - float64(natPass[k])/float64(5*ns)
		mf := 1 - float64(memPass[k])/5
		if nf > mf+0.15 {
			fmt.Printf("%-26s native miss %.2f members miss %.2f\n", k, nf, mf)
		}
	}
}
