package observations

import (
	"fmt"
	"math"

	"github.com/stilt-mpi/stilt-mpi/particle"
)

// Release-pressure sources of a per-observation profile.
const (
	ReleaseFirstStep = "first_step" // pres at each particle's first output step (default)
	ReleaseFit       = "fit"        // X-STILT's surface-mismatch fit (spec §3.2 steps 2–3)
)

// FitScaleCoefficient fits the one-parameter model
// p ≈ psurf·exp(−a·h) to pressures p (hPa) at heights h (m above the
// retrieval surface) by least squares (spec §3.2 step 2; a ≈ g/(R·T_v),
// about 1.2e-4 m-1). It starts from the log-linear estimate and refines by
// Gauss–Newton.
func FitScaleCoefficient(p, h []float64, psurf float64) (float64, error) {
	if len(p) != len(h) || len(p) == 0 {
		return 0, fmt.Errorf("surface fit: %d pressures, %d heights", len(p), len(h))
	}
	if !(psurf > 0) {
		return 0, fmt.Errorf("surface fit: surface pressure %v hPa, expected > 0", psurf)
	}
	var sxy, sxx float64
	for i := range p {
		if !(p[i] > 0) || math.IsNaN(h[i]) {
			return 0, fmt.Errorf("surface fit: row %d has pressure %v, height %v", i+1, p[i], h[i])
		}
		y := -math.Log(p[i] / psurf)
		sxy += h[i] * y
		sxx += h[i] * h[i]
	}
	if sxx == 0 {
		return 0, fmt.Errorf("surface fit: all heights are zero")
	}
	a := sxy / sxx
	if !(a > 0) {
		a = 1e-4 // X-STILT's starting value
	}
	for it := 0; it < 50; it++ {
		var num, den float64
		for i := range p {
			e := psurf * math.Exp(-a*h[i])
			r := p[i] - e
			j := h[i] * e // d(model)/da = −h·e; residual derivative +h·e
			num += j * r
			den += j * j
		}
		if den == 0 {
			break
		}
		step := -num / den
		a += step
		if math.Abs(step) <= 1e-14*math.Abs(a) {
			break
		}
	}
	if math.IsNaN(a) || math.IsInf(a, 0) {
		return 0, fmt.Errorf("surface fit did not converge")
	}
	return a, nil
}

// fittedReleasePressure returns p_i = psurf_obs·exp(−a·xhgt_i) per particle,
// with a fitted on the first-step rows (pres against zagl + zsfc − zsfc_obs).
func fittedReleasePressure(tab *particle.Table, op *VerticalOperator) (*perParticle, float64, error) {
	if math.IsNaN(op.SurfacePressure) || math.IsNaN(op.SurfaceAltitude) {
		return nil, 0, fmt.Errorf("release_pressure = %q needs the observation's psurf and surface_altitude", ReleaseFit)
	}
	pres, err := releaseValues(tab, "pres")
	if err != nil {
		return nil, 0, err
	}
	zagl, err := releaseValues(tab, "zagl")
	if err != nil {
		return nil, 0, err
	}
	zsfc, err := releaseValues(tab, "zsfc")
	if err != nil {
		return nil, 0, err
	}
	xhgt, err := releaseValues(tab, "xhgt")
	if err != nil {
		return nil, 0, err
	}
	h := make([]float64, len(pres.vals))
	for i := range h {
		h[i] = zagl.vals[i] + zsfc.vals[i] - op.SurfaceAltitude
	}
	a, err := FitScaleCoefficient(pres.vals, h, op.SurfacePressure)
	if err != nil {
		return nil, 0, err
	}
	out := &perParticle{ids: xhgt.ids, rowParticle: xhgt.rowParticle, vals: make([]float64, len(xhgt.vals))}
	for i, x := range xhgt.vals {
		out.vals[i] = op.SurfacePressure * math.Exp(-a*x)
	}
	return out, a, nil
}
