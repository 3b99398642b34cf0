package transport

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Bias compares one statistic of the native engine over several seeds with
// the same statistic over every hycs_std run available for the receptor
// (the ensemble members and the fresh runs): a two-sample z score.
type Bias struct {
	Receptor, Name string
	Hour           int
	Native, Hycs   []float64
	MeanN, MeanH   float64
	SdN, SdH       float64
	Z              float64 // (MeanN − MeanH) / standard error of the difference
}

// BiasScan computes a Bias for every per-run statistic (hourly statistics
// and total_foot; the footprint_* statistics are medians over run pairs
// and are left out) of reports made with different seeds. With one report
// the native run is treated as one more draw from the hycs_std
// distribution: z = (x − MeanH) / (SdH·√(1 + 1/n)). With two or more,
// Welch's standard error. Statistics with no spread on either side and
// equal means get z = 0; unequal means with no spread get ±Inf. Spreads and
// differences below 1e-9 of the means are rounding and count as zero.
func BiasScan(reps []*ValidationReport) ([]Bias, error) {
	if len(reps) == 0 {
		return nil, fmt.Errorf("bias scan: no reports")
	}
	var out []Bias
	for ri, r0 := range reps[0].Results {
		for si, s0 := range r0.Stats {
			if strings.HasPrefix(s0.Name, "footprint_") {
				continue
			}
			b := Bias{Receptor: r0.Receptor, Name: s0.Name, Hour: s0.Hour}
			for _, rep := range reps {
				if ri >= len(rep.Results) || si >= len(rep.Results[ri].Stats) {
					return nil, fmt.Errorf("bias scan: reports differ in receptors or statistics")
				}
				s := rep.Results[ri].Stats[si]
				if rep.Results[ri].Receptor != b.Receptor || s.Name != b.Name || s.Hour != b.Hour {
					return nil, fmt.Errorf("bias scan: reports differ at receptor %s statistic %s hour %d", b.Receptor, b.Name, b.Hour)
				}
				b.Native = append(b.Native, s.Value)
			}
			b.Hycs = append(b.Hycs, s0.Ens...)
			if f := r0.Fresh; f != nil {
				for _, v := range f.Values {
					b.Hycs = append(b.Hycs, v[si])
				}
			}
			b.MeanN, b.SdN = meanSd(b.Native)
			b.MeanH, b.SdH = meanSd(b.Hycs)
			// rounding noise (1e-9 relative) is no spread and no difference
			tiny := 1e-9 * math.Max(math.Abs(b.MeanN), math.Abs(b.MeanH))
			for _, v := range []*float64{&b.SdN, &b.SdH} {
				if *v <= tiny {
					*v = 0
				}
			}
			nn, nh := float64(len(b.Native)), float64(len(b.Hycs))
			var se float64
			if len(b.Native) == 1 {
				se = b.SdH * math.Sqrt(1+1/nh)
			} else {
				se = math.Sqrt(b.SdN*b.SdN/nn + b.SdH*b.SdH/nh)
			}
			d := b.MeanN - b.MeanH
			if math.Abs(d) <= tiny {
				d = 0
			}
			switch {
			case se > 0:
				b.Z = d / se
			case d == 0:
				b.Z = 0
			default:
				b.Z = math.Copysign(math.Inf(1), d)
			}
			out = append(out, b)
		}
	}
	return out, nil
}

// meanSd returns the mean and the sample standard deviation (0 for one value).
func meanSd(x []float64) (float64, float64) {
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	if len(x) < 2 {
		return m, 0
	}
	v := 0.0
	for _, e := range x {
		v += (e - m) * (e - m)
	}
	return m, math.Sqrt(v / float64(len(x)-1))
}

// selfRate is the baseline of a one-seed scan: the fraction of the hycs_std
// runs whose value lies beyond |z| > thr when each is judged, as one native
// run is, against the other hycs_std runs.
func (b Bias) selfRate(thr float64) float64 {
	n := len(b.Hycs)
	if n < 3 {
		return 0
	}
	beyond := 0
	others := make([]float64, 0, n-1)
	for j, x := range b.Hycs {
		others = append(others[:0], b.Hycs[:j]...)
		others = append(others, b.Hycs[j+1:]...)
		m, sd := meanSd(others)
		tiny := 1e-9 * math.Max(math.Abs(m), math.Abs(x))
		d := x - m
		if math.Abs(d) <= tiny {
			continue
		}
		if sd <= tiny || math.Abs(d)/(sd*math.Sqrt(1+1/float64(n-1))) > thr {
			beyond++
		}
	}
	return float64(beyond) / float64(n)
}

// BiasCounts returns how many statistics lie beyond |z| = 2 and 3, and the
// same counts expected of one hycs_std run judged against the others
// (selfRate summed over the statistics; meaningful for a one-seed scan).
func BiasCounts(bs []Bias) (n2, n3 int, base2, base3 float64) {
	for _, b := range bs {
		if math.Abs(b.Z) > 2 {
			n2++
		}
		if math.Abs(b.Z) > 3 {
			n3++
		}
		base2 += b.selfRate(2)
		base3 += b.selfRate(3)
	}
	return
}

// WriteBias prints how many statistics lie beyond |z| = 2 and 3 (against
// the 4.6 % and 0.27 % a perfect match gives, and, for one seed, against
// hycs_std's own runs judged the same way) and the top statistics by |z|.
func WriteBias(w io.Writer, bs []Bias, top int) {
	n2, n3, base2, base3 := BiasCounts(bs)
	seeds := 0
	if len(bs) > 0 {
		seeds = len(bs[0].Native)
	}
	fmt.Fprintf(w, "bias scan: %d statistics, native %d seed(s) against every hycs_std run of the receptor (ensemble and fresh runs): |z| > 2 for %d (a perfect match gives %.1f), |z| > 3 for %d (%.1f)\n",
		len(bs), seeds, n2, 0.0455*float64(len(bs)), n3, 0.0027*float64(len(bs)))
	if seeds == 1 {
		fmt.Fprintf(w, "baseline: a hycs_std run judged the same way against the other hycs_std runs: |z| > 2 for %.1f, |z| > 3 for %.1f (mean over the runs)\n", base2, base3)
	}
	sorted := append([]Bias(nil), bs...)
	sort.SliceStable(sorted, func(i, j int) bool { return math.Abs(sorted[i].Z) > math.Abs(sorted[j].Z) })
	if top > len(sorted) {
		top = len(sorted)
	}
	if top <= 0 {
		return
	}
	fmt.Fprintf(w, "%-4s %-4s %-16s %15s %12s %15s %12s %8s\n", "rec", "hour", "statistic", "native mean", "sd", "hycs mean", "sd", "z")
	for _, b := range sorted[:top] {
		h := fmt.Sprint(b.Hour)
		if b.Hour == 0 {
			h = "all"
		}
		fmt.Fprintf(w, "%-4s %-4s %-16s %15.9g %12.4g %15.9g %12.4g %+8.1f\n", b.Receptor, h, b.Name, b.MeanN, b.SdN, b.MeanH, b.SdH, b.Z)
	}
}
