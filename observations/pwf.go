package observations

import (
	"fmt"
	"math"
	"sort"
)

// Physical constants of X-STILT's dry-air column (spec §3.2 step 6).
const (
	Gravity  = 9.8   // m s-2
	MolarDry = 0.029 // kg mol-1
	MolarH2O = 0.018 // kg mol-1 (tcwv kg m-2 -> mol m-2 as ×1000/18)
)

// MetColumn is the meteorology at the receptor column the pressure
// weighting function needs. The met package (or a test double) implements
// it; see ProfileColumn for a table-backed implementation.
type MetColumn interface {
	// SurfacePressure returns the model surface pressure at the receptor, hPa.
	SurfacePressure() float64
	// SpecificHumidity returns q (kg/kg) at pressure p (hPa) at the receptor.
	SpecificHumidity(p float64) float64
}

// ProfileColumn is a MetColumn from a q(p) profile, interpolated linearly
// in pressure and held constant beyond the ends. No levels means dry air.
type ProfileColumn struct {
	psfc float64
	p, q []float64 // ascending p
}

// NewProfileColumn returns a ProfileColumn with surface pressure psfc (hPa)
// and humidity q (kg/kg) at pressures p (hPa, any order, len(q) == len(p)).
func NewProfileColumn(psfc float64, p, q []float64) (*ProfileColumn, error) {
	if len(p) != len(q) {
		return nil, fmt.Errorf("humidity profile: %d pressures, %d values", len(p), len(q))
	}
	x, y := sortedPair(p, q)
	return &ProfileColumn{psfc: psfc, p: x, q: y}, nil
}

// SurfacePressure returns the surface pressure, hPa.
func (c *ProfileColumn) SurfacePressure() float64 { return c.psfc }

// SpecificHumidity interpolates q at p.
func (c *ProfileColumn) SpecificHumidity(p float64) float64 {
	if len(c.p) == 0 {
		return 0
	}
	return interp(p, c.p, c.q)
}

// SpecificHumidityFromRH rebuilds q from relative humidity (fraction), air
// temperature (K) and pressure (hPa) when the met has no humidity
// (spec §3.1): e_s = 6.112 exp(17.67 Tc/(Tc+243.5)), e = RH e_s,
// w = 0.622 e/(p − e), q = w/(1 + w).
func SpecificHumidityFromRH(rh, tempK, p float64) float64 {
	tc := tempK - 273.15
	es := 6.112 * math.Exp(17.67*tc/(tc+243.5))
	e := rh * es
	w := 0.622 * e / (p - e)
	return w / (1 + w)
}

// DryAirColumn returns the dry-air partial column of a layer of thickness dp
// (hPa) with specific humidity q: (1 − q)·dp·100/(g·M_dry), mol m-2.
func DryAirColumn(q, dp float64) float64 { return (1 - q) * dp * 100 / (Gravity * MolarDry) }

// DryAirTotal returns the total dry-air column, mol m-2. With tcwv (kg m-2,
// not NaN) it is X-STILT's OCO form psurf·100/(g·M) − tcwv/0.018; otherwise
// the model q is integrated in 10-hPa bins from 0 to psurf (ideal mode).
func DryAirTotal(psurf, tcwv float64, met MetColumn) float64 {
	if !math.IsNaN(tcwv) {
		return psurf*100/(Gravity*MolarDry) - tcwv/MolarH2O
	}
	const bin = 10.0
	tot := 0.0
	for top := 0.0; top < psurf; top += bin {
		bot := math.Min(top+bin, psurf)
		q := 0.0
		if met != nil {
			q = met.SpecificHumidity((top + bot) / 2)
		}
		tot += DryAirColumn(q, bot-top)
	}
	return tot
}

// ParticleLayers returns each particle's pressure thickness dp_i (hPa) from
// release pressures p (spec §3.2 step 5): particles sorted by descending
// pressure, dp_1 = psurf − p_max (0 when negative), dp_k = p_{k−1} − p_k.
// Particles with equal release pressure share their layer equally, so that a
// column released on discrete levels gives each level its layer's share.
func ParticleLayers(p []float64, psurf float64) ([]float64, error) {
	n := len(p)
	order := make([]int, n)
	for i := range order {
		order[i] = i
		if math.IsNaN(p[i]) {
			return nil, fmt.Errorf("release pressure of particle %d is missing", i+1)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] > p[order[b]] })
	dp := make([]float64, n)
	prev := psurf
	for g := 0; g < n; {
		h := g
		for h < n && p[order[h]] == p[order[g]] {
			h++
		}
		layer := prev - p[order[g]]
		if layer < 0 {
			layer = 0
		}
		for k := g; k < h; k++ {
			dp[order[k]] = layer / float64(h-g)
		}
		prev = p[order[g]]
		g = h
	}
	return dp, nil
}

// ParticlePWF returns the X-STILT pressure weighting function of each
// particle: PWF_i = (1 − q(p_i))·dp_i·100/(g·M) / xdry_tot (spec §3.2 steps
// 5–7), with dp_i from ParticleLayers and xdry_tot from DryAirTotal.
func ParticlePWF(p []float64, psurf, tcwv float64, met MetColumn) ([]float64, error) {
	if !(psurf > 0) {
		return nil, fmt.Errorf("surface pressure %v hPa, expected > 0", psurf)
	}
	dp, err := ParticleLayers(p, psurf)
	if err != nil {
		return nil, err
	}
	tot := DryAirTotal(psurf, tcwv, met)
	if !(tot > 0) {
		return nil, fmt.Errorf("dry-air column %v mol m-2 from psurf %v hPa and tcwv %v, expected > 0", tot, psurf, tcwv)
	}
	out := make([]float64, len(p))
	for i := range p {
		q := 0.0
		if met != nil {
			q = met.SpecificHumidity(p[i])
		}
		out[i] = DryAirColumn(q, dp[i]) / tot
	}
	return out, nil
}

// levelDensity converts per-level layer fractions w (e.g. a retrieval's
// pressure weights or TCCON's integration operator, levels ascending) into a
// density per hPa using trapezoid layer widths: Δp_k = (p_{k+1} − p_{k−1})/2
// with the outermost levels as the column ends.
func levelDensity(levels, w []float64) ([]float64, error) {
	n := len(levels)
	if n < 2 {
		return nil, fmt.Errorf("layer weights need >= 2 levels, got %d", n)
	}
	d := make([]float64, n)
	for k := range levels {
		lo, hi := levels[max(k-1, 0)], levels[min(k+1, n-1)]
		width := (hi - lo) / 2
		if !(width > 0) {
			return nil, fmt.Errorf("levels %v and %v coincide", lo, hi)
		}
		d[k] = w[k] / width
	}
	return d, nil
}

// interp is linear interpolation in ascending x, constant beyond the ends
// (R approx(rule = 2)). NaN for NaN input.
func interp(v float64, x, y []float64) float64 {
	if math.IsNaN(v) {
		return math.NaN()
	}
	n := len(x)
	j := sort.SearchFloat64s(x, v) // first x[j] >= v
	switch {
	case j == 0:
		return y[0]
	case j == n:
		return y[n-1]
	case x[j] == v:
		return y[j]
	}
	f := (v - x[j-1]) / (x[j] - x[j-1])
	return y[j-1] + f*(y[j]-y[j-1])
}

func sortedPair(x, y []float64) ([]float64, []float64) {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	xs, ys := make([]float64, len(x)), make([]float64, len(x))
	for i, k := range idx {
		xs[i], ys[i] = x[k], y[k]
	}
	return xs, ys
}
