package transport

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"testing"

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

func TestControlMetFiles(t *testing.T) {
	dir := testenv.Shared(t, "hysplit-ensemble", "krand4", "K4D_run1")
	files, err := controlMetFiles(dir + "/CONTROL")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0] != "20190530_00-05_hrrr" || files[1] != "20190530_06-11_hrrr" {
		t.Fatalf("met files %v", files)
	}
}

// TestValidateAgainstEnsemble runs the engine on receptors A and D with 200
// particles and compares every statistic with the hycs_std ensemble range.
// Statistics that miss are logged (see bench/RESULTS-transport.md); the
// test asserts the statistics listed in mustPass, which pass at this
// commit, so that a regression in them fails.
func TestValidateAgainstEnsemble(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine on real met")
	}
	ens := testenv.Shared(t, "hysplit-ensemble")
	met := testenv.Shared(t, "met")
	rep, err := Validate(context.Background(), ValidateOptions{EnsembleDir: ens, MetDir: met, NumPar: 200, Seed: 1})
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
	// mustPass: the statistics that pass with seeds 1, 2 and 3 at 200
	// particles (bench/RESULTS-transport.md has the command); a regression
	// in any of them fails.
	mustPass := []string{
		"A/1/frac_below_mlht", "A/1/frac_in_domain", "A/1/mlht_mean", "A/1/tlgr_mean", "A/2/foot_hour",
		"A/2/frac_below_mlht", "A/2/frac_in_domain", "A/2/mlht_mean", "A/2/tlgr_mean", "A/3/foot_hour",
		"A/3/frac_below_mlht", "A/3/frac_in_domain", "A/3/tlgr_mean", "A/4/foot_hour", "A/4/frac_below_mlht",
		"A/4/frac_in_domain", "A/4/sigw_mean", "A/4/tlgr_mean", "A/5/foot_hour", "A/5/frac_below_mlht",
		"A/5/frac_in_domain", "A/5/mlht_mean", "A/5/tlgr_mean", "A/5/zagl_p90", "A/6/foot_hour", "A/6/frac_below_mlht",
		"A/6/frac_in_domain", "A/6/mlht_mean", "A/6/tlgr_mean", "A/7/foot_hour", "A/7/frac_below_mlht",
		"A/7/frac_in_domain", "A/7/lon_centroid", "A/7/mlht_mean", "A/7/tlgr_mean", "A/8/foot_hour", "A/8/frac_below_mlht",
		"A/8/frac_in_domain", "A/8/mlht_mean", "A/8/tlgr_mean", "A/9/foot_hour", "A/9/frac_below_mlht",
		"A/9/frac_in_domain", "A/9/lon_centroid", "A/9/mlht_mean", "A/9/tlgr_mean", "A/9/zagl_p10", "A/9/zagl_p90",
		"A/10/foot_hour", "A/10/frac_below_mlht", "A/10/frac_in_domain", "A/10/lon_centroid", "A/10/tlgr_mean",
		"A/10/zagl_p10", "A/10/zagl_p90", "A/0/footprint_fms_median", "D/1/frac_below_mlht", "D/1/frac_in_domain",
		"D/1/lat_centroid", "D/1/mlht_mean", "D/1/sigw_mean", "D/1/tlgr_mean", "D/1/zagl_p90", "D/2/foot_hour",
		"D/2/frac_below_mlht", "D/2/frac_in_domain", "D/2/mlht_mean", "D/2/sigw_mean", "D/2/tlgr_mean", "D/3/foot_hour",
		"D/3/frac_below_mlht", "D/3/frac_in_domain", "D/3/mlht_mean", "D/3/sigw_mean", "D/3/tlgr_mean", "D/4/foot_hour",
		"D/4/frac_below_mlht", "D/4/frac_in_domain", "D/5/frac_in_domain", "D/5/sigw_mean", "D/0/footprint_fms_median",
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
}
