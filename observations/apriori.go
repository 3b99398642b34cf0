package observations

import "math"

// AprioriResult is the a-priori side of a column: X = X_bg + Xap + ΔX.
type AprioriResult struct {
	Xap          float64 // Σ (1 − AK)·PWF·ap over particles and upper levels
	PWFParticles float64 // Σ PWF over particles
	PWFUpper     float64 // Σ PWF over the upper levels after the closure
	UpperLevels  int     // retrieval levels above the highest release pressure
}

// AprioriColumn computes X-STILT's upper-level closure and a-priori term
// (spec §3.2 step 8) for a profile with pressure levels and an a priori.
// pres, ak and pwf are per particle (release pressure, AK_norm and PWF).
// Retrieval levels with p < min(pres) are the upper levels, with their own
// AK and a priori and the retrieval's PWF (or, when the profile has none,
// their trapezoid pressure widths over the surface pressure). The PWF of the
// upper level nearest the particles is reset so that the particle and upper
// PWFs sum to 1; the model thus assumes no enhancement above the column top.
func AprioriColumn(raw *VerticalOperator, pres, ak, pwf []float64) AprioriResult {
	op := raw.sorted()
	var r AprioriResult
	pmin := math.Inf(1)
	for i, p := range pres {
		pmin = math.Min(pmin, p)
		r.PWFParticles += pwf[i]
		ap := interp(p, op.Levels, op.Apriori)
		r.Xap += (1 - ak[i]) * pwf[i] * ap
	}
	var upper []int // ascending pressure: the last one is nearest the particles
	for k, l := range op.Levels {
		if l < pmin {
			upper = append(upper, k)
		}
	}
	r.UpperLevels = len(upper)
	if len(upper) == 0 {
		return r
	}
	psurf := op.SurfacePressure
	if math.IsNaN(psurf) {
		psurf = op.Levels[len(op.Levels)-1]
	}
	n := len(op.Levels)
	upw := make([]float64, len(upper))
	for j, k := range upper {
		if len(op.PWF) == n {
			upw[j] = op.PWF[k]
		} else {
			lo, hi := op.Levels[max(k-1, 0)], op.Levels[min(k+1, n-1)]
			upw[j] = (hi - lo) / 2 / psurf
		}
	}
	others := 0.0
	for j := 0; j < len(upw)-1; j++ {
		others += upw[j]
	}
	upw[len(upw)-1] = 1 - r.PWFParticles - others
	for j, k := range upper {
		r.PWFUpper += upw[j]
		r.Xap += (1 - op.AK[k]) * upw[j] * op.Apriori[k]
	}
	return r
}
