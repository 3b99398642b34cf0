package transport

import (
	"math"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/particle"
)

// TestProfileAtHycsRows evaluates the engine's column profiles at the place,
// time and height of hycs_std particle rows (receptors A and D, seed 1 of
// the shared ensembles) and compares the printed dens, sigw, tlgr, mlht and
// the foot of rows spent wholly in the surface layer:
// the met remap, stability, mixed layer and turbulence profiles must be
// hycs_std's wherever a hycs_std particle went, not only on average.
func TestProfileAtHycsRows(t *testing.T) {
	if testing.Short() {
		t.Skip("reads real met")
	}
	for _, c := range []struct {
		run     string
		release time.Time
	}{
		{"A_seed1", time.Date(2019, 5, 30, 11, 0, 0, 0, time.UTC)},
		{"D_seed1", time.Date(2019, 5, 30, 5, 0, 0, 0, time.UTC)},
	} {
		t.Run(c.run, func(t *testing.T) { profileAtHycsRows(t, c.run, c.release) })
	}
}

func profileAtHycsRows(t *testing.T, name string, release time.Time) {
	run := testenv.Shared(t, "hysplit-ensemble", name)
	metDir := testenv.Shared(t, "met")
	tab, err := particle.ReadStiltDAT(filepath.Join(run, "PARTICLE_STILT_thinned.DAT.gz"),
		[]string{"time", "indx", "long", "lati", "zagl", "foot", "mlht", "dens", "samt", "sigw", "tlgr"})
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultParams()
	ms, err := OpenMet([]string{filepath.Join(metDir, "20190530_00-05_hrrr"), filepath.Join(metDir, "20190530_06-11_hrrr")}, p)
	if err != nil {
		t.Fatal(err)
	}
	m := newRunMet(ms, p)
	pr := newProfile(m)
	t0 := release.Sub(m.t0).Minutes()
	cols, err := tab.Need("time", "indx", "long", "lati", "zagl", "mlht", "dens", "sigw", "tlgr", "foot", "samt")
	if err != nil {
		t.Fatal(err)
	}
	tm, idx, lon, lat, zagl, mlht, dens, sigw, tlgr := cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8]
	foot, samt := cols[9], cols[10]
	// foot of rows whose whole minute was spent below VEGHT·zi: both halves
	// of the step in the surface layer, foot = 0.02884·60·(½/DENSINT_PREV +
	// ½/DENSINT_NEXT), PREV at the previous row's position (the thinned file
	// keeps every row with foot, so the previous row is there when it had
	// foot too)
	type key struct{ id, t float64 }
	pos := map[key][2]float64{}
	for i := range tm {
		pos[key{idx[i], tm[i]}] = [2]float64{lon[i], lat[i]}
	}
	densint := func(lon, lat, tmin float64) float64 {
		x, y := ms.Grid().ToXY(lat, lon)
		pr.at(x, y, tmin)
		return pr.densint
	}
	var dFoot []float64
	for i := range tm {
		if samt[i] < 0.99995 || foot[i] <= 0 {
			continue
		}
		prev, ok := pos[key{idx[i], tm[i] + 1}]
		if !ok {
			continue
		}
		ours := 0.02884 * 60 * 0.5 * (1/densint(prev[0], prev[1], t0+tm[i]+1) + 1/densint(lon[i], lat[i], t0+tm[i]))
		dFoot = append(dFoot, foot[i]/ours-1)
	}
	var dDens, dML []float64
	var n, swSame, tlSame int
	for i := range tm {
		if idx[i] > 100 || int(tm[i])%10 != 0 {
			continue // particles 1-100 every 10 min: ~3000 rows
		}
		x, y := ms.Grid().ToXY(lat[i], lon[i])
		pr.at(x, y, t0+tm[i])
		zeta := zagl[i] / pr.c
		L := pr.layerOf(zeta)
		pr.need(min(L+2, m.nl-1))
		dDens = append(dDens, math.Abs(pr.printedDens(zeta)/dens[i]-1))
		dML = append(dML, math.Abs(pr.zi-mlht[i])/mlht[i])
		if math.Abs(pr.sw[L]-sigw[i]) <= 0.0015 {
			swSame++
		}
		if math.Abs(pr.tl[L]-tlgr[i]) <= 0.01*tlgr[i] {
			tlSame++
		}
		n++
	}
	q := func(a []float64, f float64) float64 {
		sort.Float64s(a)
		return a[int(f*float64(len(a)-1))]
	}
	t.Logf("%d rows: |dens/hycs-1| median %.5f p99 %.5f; |zi/mlht-1| median %.4f p90 %.4f; sigw equal to the printed digits %d, tlgr within 1%% %d",
		n, q(dDens, 0.5), q(dDens, 0.99), q(dML, 0.5), q(dML, 0.9), swSame, tlSame)
	if n < 2000 {
		t.Fatalf("only %d rows compared", n)
	}
	// foot: the dry-air column of physics.md §4.1 (prep.go dryDensity);
	// median differences +0.026 % at A, +0.003 % at D
	if len(dFoot) < 200 {
		t.Fatalf("only %d foot rows compared", len(dFoot))
	}
	mf := q(append([]float64(nil), dFoot...), 0.5)
	qs := append([]float64(nil), dFoot...)
	t.Logf("%d rows with samt = 1: hycs foot / ours - 1: median %+.6f; p10 %+.6f p25 %+.6f p75 %+.6f p90 %+.6f", len(dFoot), mf, q(qs, 0.1), q(qs, 0.25), q(qs, 0.75), q(qs, 0.9))
	if math.Abs(mf) > 4e-4 {
		t.Errorf("foot: median hycs/ours - 1 = %+.6f, want within ±4e-4", mf)
	}
	// hycs_std prints the dry-air density with e_s at the dry temperature
	// (ours was the moist one, 0.4-0.5 % higher, then physics.md's dry
	// form, median 0.04-0.06 % low)
	if q(dDens, 0.5) > 0.00015 || q(dDens, 0.99) > 0.001 {
		t.Errorf("dens: median |ratio-1| %.5f (want <= 0.00015), p99 %.5f (want <= 0.001)", q(dDens, 0.5), q(dDens, 0.99))
	}
	if q(dML, 0.5) > 0.01 {
		t.Errorf("mixed-layer height: median relative difference %.4f, want <= 0.01", q(dML, 0.5))
	}
	if float64(swSame) < 0.98*float64(n) || float64(tlSame) < 0.98*float64(n) {
		t.Errorf("sigw equal on %d, tlgr within 1%% on %d of %d rows; want >= 98%% each", swSame, tlSame, n)
	}
}
