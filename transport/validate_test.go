package transport

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/particle"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

func TestAcceptanceRule(t *testing.T) {
	cases := []struct {
		min, max, lo, hi float64
	}{
		{10, 20, 5, 25},          // widened by half the width on each side
		{150, 150, 142.5, 157.5}, // no spread: 5% relative
		{0, 0, -1e-12, 1e-12},    // zero with no spread
		{-1, 1, -2, 2},
	}
	for _, c := range cases {
		lo, hi := acceptance(c.min, c.max)
		if math.Abs(lo-c.lo) > 1e-9 || math.Abs(hi-c.hi) > 1e-9 {
			t.Errorf("acceptance(%g,%g) = [%g,%g], want [%g,%g]", c.min, c.max, lo, hi, c.lo, c.hi)
		}
	}
	if s := newStat("X", "s", 1, 26, []float64{10, 20, 15}); s.Pass {
		t.Error("26 outside [5,25] passed")
	}
	if s := newStat("X", "s", 1, math.NaN(), []float64{10, 20}); s.Pass {
		t.Error("NaN passed")
	}
}

func TestReadControl(t *testing.T) {
	dir := testenv.Shared(t, "hysplit-ensemble", "krand4", "K4D_run1")
	c, err := ReadControl(dir + "/CONTROL")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.MetFiles) != 2 || c.MetFiles[0] != "20190530_00-05_hrrr" || c.MetFiles[1] != "20190530_06-11_hrrr" {
		t.Fatalf("met files %v", c.MetFiles)
	}
	if c.Lats[0] != 40.5 || c.Lons[0] != -112.2 || c.Zs[0] != 5 || c.NHours != -5 || c.Time.Format("2006-01-02 15:04") != "2019-05-30 05:00" {
		t.Fatalf("release %+v", c)
	}
}

func TestReadControlErrors(t *testing.T) {
	cases := map[string]string{
		"19 05 30 05 00\n": "too short",
		"19 05 30 xx 00\n1\n40 -112 5\n-5\n0\n25000\n1\n./\nmet\n": "start time",
		"19 05 30 05 00\nx\n40 -112 5\n-5\n0\n25000\n1\n./\nmet\n": "number of locations",
		"19 05 30 05 00\n1\n40 -112\n-5\n0\n25000\n1\n./\nmet\n":   "release point",
		"19 05 30 05 00\n1\n40 -112 5\n-5\n0\n25000\n2\n./\nmet\n": "met file 2 of 2 missing",
	}
	for text, want := range cases {
		p := filepath.Join(t.TempDir(), "CONTROL")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadControl(p)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CONTROL %q: error %v, want one containing %q", text, err, want)
		}
	}
}

// TestMemberStatsReproduceEnsemble recomputes a shared ensemble member's
// statistics from its thinned particle file (every whole hour and every
// non-zero foot row are kept) with WriteMemberStats: the result must equal
// the member's own hourly_stats.csv, total foot and binned footprint, so the
// definitions used for native runs and for members made here are the
// README's.
func TestMemberStatsReproduceEnsemble(t *testing.T) {
	src := testenv.Shared(t, "hysplit-ensemble", "A_seed1")
	tab, err := particle.ReadStiltDAT(filepath.Join(src, "PARTICLE_STILT_thinned.DAT.gz"),
		[]string{"time", "indx", "long", "lati", "zagl", "foot", "mlht", "dens", "samt", "sigw", "tlgr"})
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := ReadControl(filepath.Join(src, "CONTROL"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := WriteMemberStats(out, tab, MemberInfo{Run: "A_seed1", KRand: 1, Seed: 1, NumPar: 1000, Control: ctl}); err != nil {
		t.Fatal(err)
	}
	// the first two minutes of a 10 h run: an incomplete run is refused
	short, err := particle.DecodeCSV(strings.NewReader("time,indx,long,lati,zagl,foot,mlht,dens,samt,sigw,tlgr\n" +
		"-1,1,-111.85,40.77,5,0.02,150,1.02,1,0.2,7\n-2,1,-111.85,40.77,6,0.02,150,1.02,1,0.2,7\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteMemberStats(t.TempDir(), short, MemberInfo{Run: "cut", KRand: 4, NumPar: 1, Control: ctl}); err == nil ||
		!strings.Contains(err.Error(), "minute 2 of the run's 600") {
		t.Errorf("incomplete run: error %v", err)
	}
	want, err := readMember(os.DirFS(src), ".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readMember(os.DirFS(out), ".")
	if err != nil {
		t.Fatal(err)
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }
	if !close(got.total, want.total) {
		t.Errorf("total foot %g, member file %g", got.total, want.total)
	}
	n := 0
	for h := 1; h <= 10; h++ {
		for k, w := range want.hourly[h] {
			g, ok := got.hourly[h][k]
			if !ok {
				t.Errorf("hour %d: %s not written", h, k)
				continue
			}
			if !close(g, w) {
				t.Errorf("hour %d %s: %g, member file %g", h, k, g, w)
			}
			n++
		}
	}
	if n < 10*14 {
		t.Errorf("compared %d hourly values, want >= 140", n)
	}
	for c := range want.binned.V {
		if !close(got.binned.V[c], want.binned.V[c]) {
			t.Errorf("binned cell %d: %g, member file %g", c, got.binned.V[c], want.binned.V[c])
		}
	}
	for _, f := range []string{"CONTROL", "SETUP.CFG"} {
		text, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, f), text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sim, err := simFromRun(os.DirFS(out), ".", "/met", DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if sim.NHours != -10 || sim.NumPar != 1000 || sim.MetFiles[0] != "/met/20190530_00-05_hrrr" {
		t.Errorf("simulation from written member: %+v", sim)
	}
}

// TestValidateAgainstEnsemble runs the engine on receptors A (against the
// shared KRAND=1 ensemble and, as A4, an embedded KRAND=4 one), D and the
// embedded receptors E-L (K a column, L a multipoint release) with 1000 particles (as the ensembles) and
// compares every statistic with the hycs_std ensemble range.
// Statistics that miss are logged (see bench/RESULTS-transport.md); the
// test asserts the statistics listed in mustPass, which pass at this
// commit, so that a regression in them fails, and the pass counts against
// two baselines: hycs_std members judged against the other members
// (leave-one-out) and fresh hycs_std runs judged against the whole
// ensemble as the native run is.
func TestValidateAgainstEnsemble(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine on real met")
	}
	ens := testenv.Shared(t, "hysplit-ensemble")
	met := testenv.Shared(t, "met")
	rep, err := Validate(context.Background(), ValidateOptions{EnsembleDir: ens, MetDir: met, NumPar: 1000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rep.WriteText(&buf)
	t.Log("\n" + buf.String())
	got := map[string]Stat{}
	for _, r := range rep.Results {
		for _, s := range r.Stats {
			got[fmt.Sprintf("%s/%d/%s", s.Receptor, s.Hour, s.Name)] = s
		}
	}
	// mustPass: the statistics that pass with seeds 1, 2 and 3 at 1000
	// particles (bench/RESULTS-transport.md has the command); a regression
	// in any of them fails.
	mustPass := []string{
		"A/0/footprint_fms_median", "A/1/frac_below_mlht", "A/1/frac_in_domain", "A/1/mlht_mean", "A/1/sigw_mean",
		"A/1/tlgr_mean", "A/1/zagl_median", "A/1/zagl_p10", "A/1/zagl_p90", "A/2/foot_hour", "A/2/frac_below_mlht",
		"A/2/frac_in_domain", "A/2/mlht_mean", "A/2/sigw_mean", "A/2/tlgr_mean", "A/2/zagl_p10", "A/2/zagl_p90",
		"A/3/foot_hour", "A/3/frac_below_mlht", "A/3/frac_in_domain", "A/3/lat_centroid", "A/3/mlht_mean", "A/3/sigw_mean",
		"A/3/tlgr_mean", "A/3/zagl_median", "A/3/zagl_p90", "A/4/foot_hour", "A/4/frac_below_mlht", "A/4/frac_in_domain",
		"A/4/lat_centroid", "A/4/lon_centroid", "A/4/mlht_mean", "A/4/sigw_mean", "A/4/tlgr_mean", "A/4/zagl_median",
		"A/4/zagl_p10", "A/5/foot_hour", "A/5/frac_below_mlht", "A/5/frac_in_domain", "A/5/lon_centroid", "A/5/mlht_mean",
		"A/5/sigw_mean", "A/5/tlgr_mean", "A/5/zagl_median", "A/5/zagl_p10", "A/5/zagl_p90", "A/6/foot_hour",
		"A/6/frac_below_mlht", "A/6/frac_in_domain", "A/6/mlht_mean", "A/6/sigw_mean", "A/6/tlgr_mean", "A/6/zagl_p90",
		"A/7/foot_hour", "A/7/frac_below_mlht", "A/7/frac_in_domain", "A/7/lon_centroid", "A/7/tlgr_mean",
		"A/7/zagl_median", "A/7/zagl_p90", "A/8/foot_hour", "A/8/frac_below_mlht", "A/8/frac_in_domain",
		"A/8/lon_centroid", "A/8/mlht_mean", "A/8/sigw_mean", "A/8/tlgr_mean", "A/8/zagl_median", "A/8/zagl_p10",
		"A/8/zagl_p90", "A/9/foot_hour", "A/9/frac_below_mlht", "A/9/frac_in_domain", "A/9/lon_centroid", "A/9/mlht_mean",
		"A/9/sigw_mean", "A/9/tlgr_mean", "A/9/zagl_median", "A/9/zagl_p90", "A/10/foot_hour", "A/10/frac_below_mlht",
		"A/10/frac_in_domain", "A/10/lon_centroid", "A/10/mlht_mean", "A/10/tlgr_mean", "A/10/zagl_median",
		"A/10/zagl_p10", "A/10/zagl_p90", "A4/0/footprint_fms_median", "A4/0/total_foot", "A4/1/foot_hour",
		"A4/1/frac_below_mlht", "A4/1/frac_in_domain", "A4/1/lat_centroid", "A4/1/lon_centroid", "A4/1/mlht_mean",
		"A4/1/sigw_mean", "A4/1/tlgr_mean", "A4/1/zagl_median", "A4/1/zagl_p10", "A4/1/zagl_p90", "A4/2/foot_hour",
		"A4/2/frac_below_mlht", "A4/2/frac_in_domain", "A4/2/lat_centroid", "A4/2/lon_centroid", "A4/2/mlht_mean",
		"A4/2/sigw_mean", "A4/2/tlgr_mean", "A4/2/zagl_p10", "A4/2/zagl_p90", "A4/3/foot_hour", "A4/3/frac_below_mlht",
		"A4/3/frac_in_domain", "A4/3/lat_centroid", "A4/3/mlht_mean", "A4/3/sigw_mean", "A4/3/tlgr_mean",
		"A4/3/zagl_median", "A4/3/zagl_p90", "A4/4/foot_hour", "A4/4/frac_below_mlht", "A4/4/frac_in_domain",
		"A4/4/lat_centroid", "A4/4/lon_centroid", "A4/4/mlht_mean", "A4/4/sigw_mean", "A4/4/tlgr_mean", "A4/4/zagl_median",
		"A4/4/zagl_p10", "A4/5/foot_hour", "A4/5/frac_below_mlht", "A4/5/frac_in_domain", "A4/5/mlht_mean",
		"A4/5/sigw_mean", "A4/5/tlgr_mean", "A4/5/zagl_median", "A4/5/zagl_p90", "A4/6/foot_hour", "A4/6/frac_below_mlht",
		"A4/6/frac_in_domain", "A4/6/lon_centroid", "A4/6/mlht_mean", "A4/6/sigw_mean", "A4/6/tlgr_mean", "A4/6/zagl_p90",
		"A4/7/foot_hour", "A4/7/frac_below_mlht", "A4/7/frac_in_domain", "A4/7/lon_centroid", "A4/7/sigw_mean",
		"A4/7/tlgr_mean", "A4/7/zagl_median", "A4/7/zagl_p90", "A4/8/foot_hour", "A4/8/frac_below_mlht",
		"A4/8/frac_in_domain", "A4/8/lon_centroid", "A4/8/mlht_mean", "A4/8/sigw_mean", "A4/8/tlgr_mean",
		"A4/8/zagl_median", "A4/8/zagl_p10", "A4/8/zagl_p90", "A4/9/foot_hour", "A4/9/frac_below_mlht",
		"A4/9/frac_in_domain", "A4/9/lon_centroid", "A4/9/mlht_mean", "A4/9/sigw_mean", "A4/9/tlgr_mean",
		"A4/9/zagl_median", "A4/9/zagl_p10", "A4/9/zagl_p90", "A4/10/foot_hour", "A4/10/frac_below_mlht",
		"A4/10/frac_in_domain", "A4/10/lon_centroid", "A4/10/mlht_mean", "A4/10/tlgr_mean", "A4/10/zagl_median",
		"A4/10/zagl_p10", "A4/10/zagl_p90", "D/0/footprint_fms_median", "D/0/footprint_r_median", "D/0/total_foot",
		"D/1/frac_below_mlht", "D/1/frac_in_domain", "D/1/lat_centroid", "D/1/lon_centroid", "D/1/mlht_mean",
		"D/1/sigw_mean", "D/1/tlgr_mean", "D/1/zagl_median", "D/1/zagl_p10", "D/1/zagl_p90", "D/2/foot_hour",
		"D/2/frac_below_mlht", "D/2/frac_in_domain", "D/2/lat_centroid", "D/2/lon_centroid", "D/2/mlht_mean",
		"D/2/sigw_mean", "D/2/tlgr_mean", "D/2/zagl_median", "D/2/zagl_p10", "D/2/zagl_p90", "D/3/foot_hour",
		"D/3/frac_below_mlht", "D/3/frac_in_domain", "D/3/lat_centroid", "D/3/lon_centroid", "D/3/mlht_mean",
		"D/3/sigw_mean", "D/3/tlgr_mean", "D/3/zagl_median", "D/3/zagl_p10", "D/3/zagl_p90", "D/4/foot_hour",
		"D/4/frac_below_mlht", "D/4/frac_in_domain", "D/4/lat_centroid", "D/4/lon_centroid", "D/4/mlht_mean",
		"D/4/sigw_mean", "D/4/tlgr_mean", "D/4/zagl_median", "D/4/zagl_p10", "D/4/zagl_p90", "D/5/foot_hour",
		"D/5/frac_below_mlht", "D/5/frac_in_domain", "D/5/lat_centroid", "D/5/lon_centroid", "D/5/mlht_mean",
		"D/5/sigw_mean", "D/5/tlgr_mean", "D/5/zagl_median", "D/5/zagl_p10", "E/0/footprint_fms_median",
		"E/0/footprint_r_median", "E/0/total_foot", "E/1/frac_below_mlht", "E/1/frac_in_domain", "E/1/lat_centroid",
		"E/1/lon_centroid", "E/1/mlht_mean", "E/1/sigw_mean", "E/1/tlgr_mean", "E/1/zagl_median", "E/1/zagl_p10",
		"E/1/zagl_p90", "E/2/foot_hour", "E/2/frac_below_mlht", "E/2/frac_in_domain", "E/2/lat_centroid",
		"E/2/lon_centroid", "E/2/mlht_mean", "E/2/tlgr_mean", "E/2/zagl_median", "E/2/zagl_p10", "E/2/zagl_p90",
		"F/0/total_foot", "F/1/foot_hour", "F/1/frac_below_mlht", "F/1/frac_in_domain", "F/1/lat_centroid",
		"F/1/lon_centroid", "F/1/sigw_mean", "F/1/tlgr_mean", "F/1/zagl_median", "F/1/zagl_p10", "F/1/zagl_p90",
		"F/2/foot_hour", "F/2/frac_below_mlht", "F/2/frac_in_domain", "F/2/lat_centroid", "F/2/lon_centroid",
		"F/2/mlht_mean", "F/2/tlgr_mean", "F/2/zagl_p10", "F/3/foot_hour", "F/3/frac_below_mlht", "F/3/frac_in_domain",
		"F/3/lat_centroid", "F/3/lon_centroid", "F/3/mlht_mean", "F/3/sigw_mean", "F/3/tlgr_mean", "F/3/zagl_p10",
		"F/3/zagl_p90", "F/4/foot_hour", "F/4/frac_below_mlht", "F/4/frac_in_domain", "F/4/lat_centroid",
		"F/4/lon_centroid", "F/4/mlht_mean", "F/4/sigw_mean", "F/4/tlgr_mean", "F/4/zagl_median", "F/4/zagl_p10",
		"F/4/zagl_p90", "F/5/foot_hour", "F/5/frac_below_mlht", "F/5/frac_in_domain", "F/5/lat_centroid",
		"F/5/lon_centroid", "F/5/mlht_mean", "F/5/sigw_mean", "F/5/tlgr_mean", "F/5/zagl_median", "F/5/zagl_p10",
		"F/5/zagl_p90", "F/6/foot_hour", "F/6/frac_below_mlht", "F/6/frac_in_domain", "F/6/lat_centroid",
		"F/6/lon_centroid", "F/6/sigw_mean", "F/6/tlgr_mean", "F/6/zagl_median", "F/6/zagl_p10", "F/6/zagl_p90",
		"G/0/footprint_fms_median", "G/0/total_foot", "G/1/foot_hour", "G/1/frac_below_mlht", "G/1/frac_in_domain",
		"G/1/lat_centroid", "G/1/lon_centroid", "G/1/mlht_mean", "G/1/sigw_mean", "G/1/tlgr_mean", "G/1/zagl_median",
		"G/1/zagl_p10", "G/2/foot_hour", "G/2/frac_below_mlht", "G/2/frac_in_domain", "G/2/lat_centroid", "G/2/mlht_mean",
		"G/2/sigw_mean", "G/2/tlgr_mean", "G/2/zagl_median", "G/2/zagl_p90", "G/3/foot_hour", "G/3/frac_in_domain",
		"G/3/lat_centroid", "G/3/mlht_mean", "G/3/sigw_mean", "G/3/tlgr_mean", "G/3/zagl_median", "G/3/zagl_p10",
		"G/3/zagl_p90", "H/0/total_foot", "H/1/foot_hour", "H/1/frac_below_mlht", "H/1/frac_in_domain", "H/1/lat_centroid",
		"H/1/lon_centroid", "H/1/mlht_mean", "H/1/sigw_mean", "H/1/zagl_median", "H/1/zagl_p10", "H/2/foot_hour",
		"H/2/frac_below_mlht", "H/2/frac_in_domain", "H/2/lat_centroid", "H/2/lon_centroid", "H/2/mlht_mean",
		"H/2/tlgr_mean", "H/2/zagl_median", "H/2/zagl_p10", "H/2/zagl_p90", "H/3/foot_hour", "H/3/frac_below_mlht",
		"H/3/frac_in_domain", "H/3/lat_centroid", "H/3/lon_centroid", "H/3/tlgr_mean", "H/3/zagl_median", "H/3/zagl_p10",
		"H/3/zagl_p90", "H/4/foot_hour", "H/4/frac_below_mlht", "H/4/frac_in_domain", "H/4/lat_centroid",
		"H/4/lon_centroid", "H/4/mlht_mean", "H/4/sigw_mean", "H/4/tlgr_mean", "H/4/zagl_median", "H/4/zagl_p10",
		"H/4/zagl_p90", "I/0/footprint_fms_median", "I/0/footprint_r_median", "I/1/frac_below_mlht", "I/1/frac_in_domain",
		"I/1/lat_centroid", "I/1/lon_centroid", "I/1/mlht_mean", "I/1/zagl_p10", "I/2/frac_below_mlht",
		"I/2/frac_in_domain", "I/2/lat_centroid", "I/2/tlgr_mean", "I/2/zagl_median", "I/2/zagl_p10", "I/2/zagl_p90",
		"I/3/frac_in_domain", "I/3/lat_centroid", "I/3/lon_centroid", "I/3/zagl_p10", "J/0/footprint_fms_median",
		"J/0/footprint_r_median", "J/0/total_foot", "J/1/foot_hour", "J/1/frac_below_mlht", "J/1/frac_in_domain",
		"J/1/lat_centroid", "J/1/lon_centroid", "J/1/mlht_mean", "J/1/sigw_mean", "J/1/tlgr_mean", "J/1/zagl_median",
		"J/1/zagl_p90", "J/2/foot_hour", "J/2/frac_below_mlht", "J/2/frac_in_domain", "J/2/lat_centroid",
		"J/2/lon_centroid", "J/2/mlht_mean", "J/2/sigw_mean", "J/2/tlgr_mean", "J/2/zagl_median", "J/2/zagl_p10",
		"J/2/zagl_p90", "K/0/footprint_fms_median", "K/0/footprint_r_median", "K/0/total_foot", "K/1/frac_below_mlht",
		"K/1/frac_in_domain", "K/1/lon_centroid", "K/1/sigw_mean", "K/1/zagl_p10", "K/1/zagl_p90", "K/2/foot_hour",
		"K/2/frac_in_domain", "K/2/lon_centroid", "K/2/tlgr_mean", "K/2/zagl_p10", "K/2/zagl_p90",
		"L/0/footprint_fms_median", "L/0/footprint_r_median", "L/1/foot_hour", "L/1/frac_below_mlht", "L/1/frac_in_domain",
		"L/1/lat_centroid", "L/1/lon_centroid", "L/1/mlht_mean", "L/1/sigw_mean", "L/1/tlgr_mean", "L/1/zagl_p10",
		"L/1/zagl_p90", "L/2/frac_in_domain", "L/2/lat_centroid", "L/2/lon_centroid", "L/2/sigw_mean", "L/2/tlgr_mean",
		"L/2/zagl_p10", "L/2/zagl_p90", "L/3/foot_hour", "L/3/frac_in_domain", "L/3/lat_centroid", "L/3/lon_centroid",
		"L/3/mlht_mean", "L/3/sigw_mean", "L/3/tlgr_mean", "L/3/zagl_median", "L/3/zagl_p10", "L/3/zagl_p90",
	}
	for _, k := range mustPass {
		s, ok := got[k]
		if !ok {
			t.Errorf("%s: statistic not computed", k)
			continue
		}
		if !s.Pass {
			t.Errorf("%s: native %g outside [%g, %g] (ensemble %g..%g)", k, s.Value, s.Lo, s.Hi, s.Min, s.Max)
		}
	}
	miss := 0
	for _, r := range rep.Results {
		for _, s := range r.Stats {
			if !s.Pass {
				miss++
			}
		}
	}
	t.Logf("%d statistics miss the ensemble range (logged above, not asserted)", miss)
	// Baseline: hycs_std's own members fail the rule too when judged against
	// the other members. The native run is judged against the same reduced
	// ensembles. Seed 1: 2522 against 2605 of 2895 over the eleven
	// receptors (96.8 %; nine point receptors, seeds 1-3: 2267, 2335, 2345
	// against 2339); I, the evening transition into a growing convective
	// mixed layer, is the weakest (135 against 159, 85 %), then K (91
	// against 104, 87.5 %). The bounds are the state reached, so that a
	// regression fails: overall at least 93 % of the members' passes, every
	// receptor at least 80 %.
	var mem, nat, all int
	for _, r := range rep.Results {
		if r.LeaveOneOut == nil {
			t.Errorf("receptor %s: no leave-one-out baseline", r.Receptor)
			continue
		}
		m, n, st := r.LeaveOneOut.Totals()
		t.Logf("receptor %s leave-one-out: hycs_std members %d/%d, native %d/%d", r.Receptor, m, st, n, st)
		if float64(n) < 0.80*float64(m) {
			t.Errorf("receptor %s leave-one-out: native %d, members %d of %d: below 80%% of the members' rate", r.Receptor, n, m, st)
		}
		mem, nat, all = mem+m, nat+n, all+st
	}
	if float64(nat) < 0.93*float64(mem) {
		t.Errorf("leave-one-out: native passes %d of %d, hycs_std's members %d: below 93%% of the members' rate", nat, all, mem)
	}
	// Fresh-run baseline: five hycs_std runs per receptor that are not in
	// its ensemble (refdata/fresh), judged against the whole ensemble as the
	// native run is. Seed 1: native 523 of 579 against the fresh runs' mean
	// 542.6 (96.4 %; nine point receptors, seeds 1-3: 470, 487, 491 against
	// 487.4); the multipoint release L 34 against 33.0; lowest per receptor
	// the column release K, 19 against 22.2 (85.6 %; seeds 2, 3: 19, 25),
	// then A4, 96 against 106.2 (90 %). Bounds: the state reached, so that a
	// regression fails: overall at least 95 %, every receptor at least 85 %.
	var fresh float64
	nat, all = 0, 0
	for _, r := range rep.Results {
		f := r.Fresh
		if f == nil || len(f.Passes) != 5 {
			t.Errorf("receptor %s: fresh-run baseline %+v, want five runs", r.Receptor, f)
			continue
		}
		t.Logf("receptor %s fresh hycs_std runs: %v of %d (mean %.1f), native %d", r.Receptor, f.Passes, f.Stats, f.Mean(), f.Native)
		if float64(f.Native) < 0.85*f.Mean() {
			t.Errorf("receptor %s: native passes %d of %d, fresh hycs_std runs %.1f on average: below 85%%", r.Receptor, f.Native, f.Stats, f.Mean())
		}
		fresh += f.Mean()
		nat += f.Native
		all += f.Stats
	}
	if float64(nat) < 0.95*fresh {
		t.Errorf("fresh-run baseline: native passes %d of %d, fresh hycs_std runs %.1f on average: below 95%%", nat, all, fresh)
	}
	// Bias scan: each statistic of the native run as a z score against all
	// hycs_std runs of the receptor (ensemble and fresh), next to the same
	// count for a hycs_std run judged against the others. Seed 1: |z| > 2
	// for 51 and |z| > 3 for 13 of 561 statistics, hycs_std runs 33.0 and
	// 7.3 (nine point receptors, seeds 1-6: 46, 30, 21, 21, 18, 36 and 12, 11, 7,
	// 6, 3, 7 of 504 against 29.2 and 6.0). Bounds:
	// the state reached, so that a regression fails.
	bs, err := BiasScan([]*ValidationReport{rep})
	if err != nil {
		t.Fatal(err)
	}
	n2, n3, b2, b3 := BiasCounts(bs)
	t.Logf("bias scan: |z| > 2 for %d, > 3 for %d of %d; hycs_std runs %.1f, %.1f", n2, n3, len(bs), b2, b3)
	if float64(n2) > 1.7*b2 || float64(n3) > 2.5*b3 {
		t.Errorf("bias scan: |z| > 2 for %d, > 3 for %d of %d statistics; hycs_std runs judged the same way %.1f and %.1f (bounds 1.7x and 2.5x)", n2, n3, len(bs), b2, b3)
	}
}

// TestLeaveOneOut checks the baseline's bookkeeping on a three-member
// ensemble with one hourly statistic and an identical total foot.
func TestLeaveOneOut(t *testing.T) {
	mk := func(v float64) *memberData {
		return &memberData{hourly: map[int]map[string]float64{1: {"zagl_median": v}}, total: 1, binned: newBinned()}
	}
	mds := []*memberData{mk(1), mk(2), mk(3)}
	lo := leaveOneOut("X", 1, mk(2.5), mds)
	// member 1 vs {2,3}: [1.5, 3.5] miss; member 2 vs {1,3}: [0, 4] pass;
	// member 3 vs {1,2}: [0.5, 2.5] miss. Native 2.5 passes all three.
	// total_foot has zero spread and equal values: always passes.
	wantM, wantN := []int{1, 2, 1}, []int{2, 2, 2}
	for i := range wantM {
		if lo.MemberPasses[i] != wantM[i] || lo.NativePasses[i] != wantN[i] || lo.Stats[i] != 2 {
			t.Errorf("left-out %d: member %d native %d of %d, want %d, %d of 2", i, lo.MemberPasses[i], lo.NativePasses[i], lo.Stats[i], wantM[i], wantN[i])
		}
	}
	if m, n, st := lo.Totals(); m != 4 || n != 6 || st != 6 {
		t.Errorf("totals %d, %d, %d; want 4, 6, 6", m, n, st)
	}
}

// TestFootprintStatsWithoutFoot: when no member has foot in the box the
// footprint comparison is left out if the native run has none either, and
// is a miss if the native run has some.
func TestFootprintStatsWithoutFoot(t *testing.T) {
	names := func(r *ReceptorResult) []string {
		var out []string
		for _, s := range r.Stats {
			if s.Hour == 0 && s.Name != "total_foot" {
				out = append(out, fmt.Sprintf("%s:%v", s.Name, s.Pass))
			}
		}
		return out
	}
	empty := func() *memberData { return &memberData{hourly: map[int]map[string]float64{}, binned: newBinned()} }
	for _, c := range []struct {
		nativeFoot bool
		want       string
	}{{false, ""}, {true, "footprint_nonzero_cells:false"}} {
		b := newBinned()
		if c.nativeFoot {
			b.V[100] = 0.01
		}
		r := &ReceptorResult{Stats: footprintStats("X", b, []*memberData{empty(), empty()})}
		if got := strings.Join(names(r), ","); got != c.want {
			t.Errorf("native foot %v: stats %q, want %q", c.nativeFoot, got, c.want)
		}
	}
}

// TestValidateExtraMembers judges a receptor given as member directories
// (here three of the shared KRAND=4 D runs) next to the built-in D: same
// simulation, so the same native statistics, compared with the given runs;
// fewer than two directories is an error.
func TestValidateExtraMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine on real met")
	}
	ens := testenv.Shared(t, "hysplit-ensemble")
	met := testenv.Shared(t, "met")
	var dirs []string
	for _, r := range []string{"K4D_run1", "K4D_run2", "K4D_run3"} {
		dirs = append(dirs, filepath.Join(ens, "krand4", r))
	}
	rep, err := Validate(context.Background(), ValidateOptions{EnsembleDir: ens, MetDir: met, NumPar: 100, Seed: 1,
		Receptors: []string{"D"}, Extra: map[string][]string{"X": dirs}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || rep.Results[0].Receptor != "D" || rep.Results[1].Receptor != "X" {
		t.Fatalf("results %d", len(rep.Results))
	}
	d, x := rep.Results[0], rep.Results[1]
	if len(x.Members) != 3 || len(x.Stats) != len(d.Stats) {
		t.Fatalf("X: %d members, %d statistics; D has %d statistics", len(x.Members), len(x.Stats), len(d.Stats))
	}
	narrower := 0
	for i := range d.Stats {
		perMember := strings.HasPrefix(d.Stats[i].Name, "footprint_") // medians over the members
		if d.Stats[i].Name != x.Stats[i].Name || (!perMember && d.Stats[i].Value != x.Stats[i].Value && !math.IsNaN(d.Stats[i].Value)) {
			t.Fatalf("statistic %d: D %s=%g, X %s=%g: the same simulation must give the same value",
				i, d.Stats[i].Name, d.Stats[i].Value, x.Stats[i].Name, x.Stats[i].Value)
		}
		if x.Stats[i].Max-x.Stats[i].Min < d.Stats[i].Max-d.Stats[i].Min {
			narrower++
		}
	}
	if narrower == 0 {
		t.Error("three of the five members never gave a narrower range: X was not judged against its own runs")
	}
	_, err = Validate(context.Background(), ValidateOptions{EnsembleDir: ens, MetDir: met, NumPar: 100, Seed: 1,
		Receptors: []string{"D"}, Extra: map[string][]string{"Y": dirs[:1]}})
	if err == nil || !strings.Contains(err.Error(), "need at least 2") {
		t.Errorf("one member directory: error %v", err)
	}
}

// TestValidateUsesRunSettings: the native run takes the members' SETUP.CFG
// settings (here VEGHT 0.3 instead of 0.5 changes the foot), and members of
// different settings are refused as an ensemble, naming the setting.
func TestValidateUsesRunSettings(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine on real met")
	}
	ens := testenv.Shared(t, "hysplit-ensemble")
	met := testenv.Shared(t, "met")
	runs := []string{"K4D_run1", "K4D_run2", "K4D_run3"}
	var dirs []string
	for _, r := range runs {
		dirs = append(dirs, filepath.Join(ens, "krand4", r))
	}
	veg := copyMembers(t, filepath.Join(ens, "krand4"), runs, func(file string, b []byte) []byte {
		if file == "SETUP.CFG" {
			return []byte(strings.Replace(string(b), "VEGHT=0.5,", "VEGHT=0.3,", 1))
		}
		return b
	})
	rep, err := Validate(context.Background(), ValidateOptions{EnsembleDir: ens, MetDir: met, NumPar: 100, Seed: 1,
		Extra: map[string][]string{"V": veg, "X": dirs}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || rep.Results[0].Receptor != "V" {
		t.Fatalf("%d results", len(rep.Results))
	}
	foot := func(r *ReceptorResult) float64 {
		for _, s := range r.Stats {
			if s.Name == "total_foot" {
				return s.Value
			}
		}
		t.Fatal("no total_foot")
		return 0
	}
	fv, fx := foot(rep.Results[0]), foot(rep.Results[1])
	// a shallower surface layer (0.3 zi) holds fewer particle-minutes but
	// divides by a thinner layer: the foot changes, whichever way
	if fv == fx || math.IsNaN(fv) {
		t.Errorf("total foot %g with VEGHT 0.3, %g with 0.5: the members' setting was not used", fv, fx)
	}
	_, err = Validate(context.Background(), ValidateOptions{EnsembleDir: ens, MetDir: met, NumPar: 100, Seed: 1,
		Extra: map[string][]string{"M": {dirs[0], veg[1]}}})
	if err == nil || !strings.Contains(err.Error(), "VEGHT 0.3 against 0.5") {
		t.Errorf("members of different settings: error %v", err)
	}
}

// TestValidateFresh checks the fresh-run baseline's bookkeeping: runs given
// with Fresh are judged against the whole ensemble as the native run is
// (here two of D's own members, which therefore pass every hourly and total
// statistic), and a run of another receptor is refused with its name.
func TestValidateFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine on real met")
	}
	ens := testenv.Shared(t, "hysplit-ensemble")
	met := testenv.Shared(t, "met")
	dirs := []string{filepath.Join(ens, "krand4", "K4D_run4"), filepath.Join(ens, "krand4", "K4D_run5")}
	rep, err := Validate(context.Background(), ValidateOptions{EnsembleDir: ens, MetDir: met, NumPar: 100, Seed: 1,
		Receptors: []string{"D"}, Fresh: map[string][]string{"D": dirs}})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	f := r.Fresh
	if f == nil || len(f.Passes) != 2 || f.Stats != len(r.Stats) || f.Native != countPass(r.Stats) {
		t.Fatalf("fresh baseline %+v, %d statistics", f, len(r.Stats))
	}
	perRun := 0
	for _, s := range r.Stats {
		if !strings.HasPrefix(s.Name, "footprint_") {
			perRun++
		}
	}
	for i, p := range f.Passes {
		if p < perRun || p > f.Stats {
			t.Errorf("%s judged against an ensemble holding it: %d of %d pass, want at least the %d hourly and total statistics", f.Names[i], p, f.Stats, perRun)
		}
	}
	// a run of receptor J offered as a fresh run of E
	j := t.TempDir()
	if err := os.CopyFS(j, mustSub(t, "refdata/krand4J/K4J_run1")); err != nil {
		t.Fatal(err)
	}
	_, err = Validate(context.Background(), ValidateOptions{EnsembleDir: ens, MetDir: met, NumPar: 100, Seed: 1,
		Receptors: []string{"E"}, Fresh: map[string][]string{"E": {j}}})
	if err == nil || !strings.Contains(err.Error(), j) || !strings.Contains(err.Error(), "not a run of the ensemble's settings") {
		t.Errorf("fresh run of another receptor: error %v", err)
	}
}

func mustSub(t *testing.T, dir string) fs.FS {
	t.Helper()
	sub, err := fs.Sub(refData, dir)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}
