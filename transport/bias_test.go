package transport

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// TestBiasScan checks the z scores on made-up reports: Welch's z for two
// seeds, the one-seed prediction z, footprint statistics left out, rounding
// noise counted as no difference, and reports that do not line up refused.
func TestBiasScan(t *testing.T) {
	rep := func(v, tot float64) *ValidationReport {
		return &ValidationReport{Results: []*ReceptorResult{{
			Receptor: "X",
			Stats: []Stat{
				{Receptor: "X", Name: "zagl_median", Hour: 1, Value: v, Ens: []float64{10, 12, 14}},
				{Receptor: "X", Name: "total_foot", Value: tot, Ens: []float64{1, 1, 1}},
				{Receptor: "X", Name: "footprint_r_median", Value: 0.9, Ens: []float64{0.8, 0.9, 0.95}},
			},
			Fresh: &Fresh{Values: [][]float64{{16, 1, 0.9}}},
		}}}
	}
	// two seeds: native 20 and 22 (mean 21, sd √2); hycs 10, 12, 14, 16
	// (mean 13, sd √(20/3)); z = 8 / √(2/2 + (20/3)/4)
	bs, err := BiasScan([]*ValidationReport{rep(20, 1), rep(22, 1+1e-12)})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 {
		t.Fatalf("%d statistics, want 2 (footprint_* left out)", len(bs))
	}
	want := 8 / math.Sqrt(1+20.0/3/4)
	if math.Abs(bs[0].Z-want) > 1e-12 || bs[0].MeanH != 13 || len(bs[0].Hycs) != 4 {
		t.Errorf("zagl_median: z %g (want %g), hycs mean %g of %d runs", bs[0].Z, want, bs[0].MeanH, len(bs[0].Hycs))
	}
	if bs[1].Z != 0 {
		t.Errorf("total_foot equal up to rounding: z %g, want 0", bs[1].Z)
	}
	// one seed: z = (x − mean) / (sd·√(1 + 1/n))
	bs, err = BiasScan([]*ValidationReport{rep(20, 2)})
	if err != nil {
		t.Fatal(err)
	}
	want = 7 / (math.Sqrt(20.0/3) * math.Sqrt(1+1.0/4))
	if math.Abs(bs[0].Z-want) > 1e-12 || !math.IsInf(bs[1].Z, 1) {
		t.Errorf("one seed: z %g (want %g), total_foot %g (want +Inf)", bs[0].Z, want, bs[1].Z)
	}
	n2, n3, _, _ := BiasCounts(bs)
	// zagl_median z = 2.42, total_foot +Inf
	if n2 != 2 || n3 != 1 {
		t.Errorf("counts beyond 2 and 3: %d, %d; want 2, 1", n2, n3)
	}
	var buf bytes.Buffer
	WriteBias(&buf, bs, 5)
	if !strings.Contains(buf.String(), "|z| > 2 for 2") || !strings.Contains(buf.String(), "baseline: a hycs_std run") {
		t.Errorf("report:\n%s", buf.String())
	}
	// reports that do not line up
	other := rep(20, 1)
	other.Results[0].Receptor = "Y"
	if _, err := BiasScan([]*ValidationReport{rep(20, 1), other}); err == nil {
		t.Error("reports of different receptors: no error")
	}
}

// TestSelfRate: among 10, 10, 10, 10, 50 only the 50 lies beyond |z| = 3
// of the others (which have no spread); among 1..5 none does.
func TestSelfRate(t *testing.T) {
	if r := (Bias{Hycs: []float64{10, 10, 10, 10, 50}}).selfRate(3); r != 0.2 {
		t.Errorf("rate %g, want 0.2", r)
	}
	if r := (Bias{Hycs: []float64{1, 2, 3, 4, 5}}).selfRate(3); r != 0 {
		t.Errorf("rate %g, want 0", r)
	}
}
