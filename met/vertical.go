package met

import (
	"fmt"
	"math"
)

// Vertical coordinate systems (index KFLAG).
const (
	KFlagSigma    = 1 // pressure sigma
	KFlagPressure = 2 // absolute pressure (hPa)
	KFlagTerrain  = 3 // terrain-following height (RAMS)
	KFlagHybrid   = 4 // hybrid sigma-pressure: integer part offset (hPa), fraction sigma
	KFlagWRF      = 5 // WRF-ARW eta
)

// Gas constant of dry air and gravity used for hypsometric heights (arl-met).
const (
	Rd = 287.05
	G0 = 9.80665
)

// Vertical describes a file's vertical coordinate: KFLAG and the level values
// of the index (Levels[0] is the surface entry).
type Vertical struct {
	KFlag  int
	Levels []float64
	// UsePRES makes HeightField take level pressures from the PRES field
	// instead of the level values (sigma, hybrid). For the HRRR test files
	// the two differ by up to ~93 hPa at the top level: HRRR's levels are
	// hybrid although KFLAG says sigma. HYSPLIT's sigma path uses σ·PRSS.
	UsePRES bool
}

// Name returns the name of the coordinate system.
func (v Vertical) Name() string {
	switch v.KFlag {
	case KFlagSigma:
		return "sigma"
	case KFlagPressure:
		return "pressure"
	case KFlagTerrain:
		return "terrain-following"
	case KFlagHybrid:
		return "hybrid"
	case KFlagWRF:
		return "wrf-eta"
	}
	return fmt.Sprintf("kflag-%d", v.KFlag)
}

// Pressure returns the pressure (hPa) of upper level k (1 … NZ-1) over a
// column with surface pressure psfc (hPa), for the systems where it follows
// from the level value (sigma, pressure, hybrid).
func (v Vertical) Pressure(k int, psfc float64) (float64, error) {
	if k < 1 || k >= len(v.Levels) {
		return 0, fmt.Errorf("vertical: level %d outside 1…%d", k, len(v.Levels)-1)
	}
	L := v.Levels[k]
	switch v.KFlag {
	case KFlagSigma:
		return L * psfc, nil
	case KFlagPressure:
		return L, nil
	case KFlagHybrid:
		off := math.Floor(L)
		return off + (L-off)*psfc, nil
	}
	return 0, fmt.Errorf("vertical: %s levels carry no pressure; use the PRES field", v.Name())
}

// Column is the per-grid-point input to HeightsAGL. Slices are indexed by
// upper level (slot 0 is level 1). Temp (K) is needed for the hypsometric
// systems; Pres (hPa) replaces the level-derived pressure when given (and is
// required for WRF); Hgts (m MSL) is used for pressure levels when given.
type Column struct {
	PSfc float64 // surface pressure, hPa
	ZSfc float64 // terrain height, m
	ZTop float64 // model top for terrain-following levels (m); 0 → top level value
	Temp []float64
	Pres []float64
	Hgts []float64
}

// HeightsAGL returns the height above ground (m) of upper levels 1 … NZ-1.
//
//   - sigma, hybrid, WRF: hypsometric, first layer Δz = (Rd/g)·T1·ln(PSfc/p1),
//     then Δz = (Rd/g)·½(Tk+Tk+1)·ln(pk/pk+1);
//   - pressure: HGTS − SHGT when Hgts is given, otherwise hypsometric;
//   - terrain-following: z_k·(1 − ZSfc/ZTop).
func (v Vertical) HeightsAGL(c Column) ([]float64, error) {
	n := len(v.Levels) - 1
	if n < 1 {
		return nil, fmt.Errorf("vertical: no upper levels")
	}
	z := make([]float64, n)
	switch v.KFlag {
	case KFlagTerrain:
		top := c.ZTop
		if top == 0 {
			top = v.Levels[n]
		}
		if top <= 0 {
			return nil, fmt.Errorf("vertical: terrain-following model top %g must be positive", top)
		}
		for k := 1; k <= n; k++ {
			z[k-1] = v.Levels[k] * (1 - c.ZSfc/top)
		}
		return z, nil
	case KFlagPressure:
		if len(c.Hgts) >= n {
			for k := 0; k < n; k++ {
				z[k] = c.Hgts[k] - c.ZSfc
			}
			return z, nil
		}
	case KFlagSigma, KFlagHybrid, KFlagWRF:
	default:
		return nil, fmt.Errorf("vertical: unknown KFLAG %d", v.KFlag)
	}
	if len(c.Temp) < n {
		return nil, fmt.Errorf("vertical: %s heights need temperature on %d levels, have %d", v.Name(), n, len(c.Temp))
	}
	p := make([]float64, n)
	for k := 1; k <= n; k++ {
		if len(c.Pres) >= n {
			p[k-1] = c.Pres[k-1]
			continue
		}
		if v.KFlag == KFlagWRF {
			return nil, fmt.Errorf("vertical: WRF levels need the PRES field")
		}
		var err error
		if p[k-1], err = v.Pressure(k, c.PSfc); err != nil {
			return nil, err
		}
	}
	if c.PSfc <= 0 || p[0] <= 0 {
		return nil, fmt.Errorf("vertical: non-positive pressure (surface %g, level 1 %g)", c.PSfc, p[0])
	}
	h := Rd / G0
	z[0] = h * c.Temp[0] * math.Log(c.PSfc/p[0])
	for k := 1; k < n; k++ {
		if p[k] <= 0 {
			return nil, fmt.Errorf("vertical: non-positive pressure %g at level %d", p[k], k+1)
		}
		z[k] = z[k-1] + h*0.5*(c.Temp[k-1]+c.Temp[k])*math.Log(p[k-1]/p[k])
	}
	return z, nil
}

// HeightField computes the height above ground (m) of every upper level at
// every grid point of a snapshot. It needs PRSS and TEMP (sigma, hybrid),
// PRES and TEMP (WRF), HGTS and SHGT or PRSS and TEMP (pressure) or SHGT
// (terrain-following); missing inputs are an error naming the variable.
func (v Vertical) HeightField(s *Snapshot) (*Field3D, error) {
	n := len(v.Levels) - 1
	if n < 1 {
		return nil, fmt.Errorf("vertical: no upper levels")
	}
	var nx, ny int
	for _, f := range s.Surface {
		nx, ny = f.Nx, f.Ny
		break
	}
	if nx == 0 {
		for _, f := range s.Upper {
			nx, ny = f.Nx, f.Ny
			break
		}
	}
	need2 := func(name string) (*Field, error) {
		f, ok := s.Surface[name]
		if !ok {
			return nil, fmt.Errorf("vertical: %s heights need surface variable %s", v.Name(), name)
		}
		return f, nil
	}
	need3 := func(name string) (*Field3D, error) {
		f, ok := s.Upper[name]
		if !ok {
			return nil, fmt.Errorf("vertical: %s heights need upper variable %s", v.Name(), name)
		}
		if len(f.Levels) != n {
			return nil, fmt.Errorf("vertical: %s is on %d levels, the file has %d upper levels", name, len(f.Levels), n)
		}
		return f, nil
	}
	var prss, shgt *Field
	var temp, pres, hgts *Field3D
	var err error
	switch v.KFlag {
	case KFlagTerrain:
		if shgt, err = need2("SHGT"); err != nil {
			return nil, err
		}
	case KFlagPressure:
		if hgts, err = need3("HGTS"); err == nil {
			if shgt, err = need2("SHGT"); err != nil {
				return nil, err
			}
			break
		}
		fallthrough
	case KFlagSigma, KFlagHybrid:
		if prss, err = need2("PRSS"); err != nil {
			return nil, err
		}
		if temp, err = need3("TEMP"); err != nil {
			return nil, err
		}
		if v.UsePRES {
			if pres, err = need3("PRES"); err != nil {
				return nil, err
			}
		}
	case KFlagWRF:
		if prss, err = need2("PRSS"); err != nil {
			return nil, err
		}
		if temp, err = need3("TEMP"); err != nil {
			return nil, err
		}
		if pres, err = need3("PRES"); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("vertical: unknown KFLAG %d", v.KFlag)
	}
	out := &Field3D{Nx: nx, Ny: ny, Data: make([]float32, n*nx*ny)}
	for k := 1; k <= n; k++ {
		out.Levels = append(out.Levels, k)
	}
	np := nx * ny
	col := Column{}
	if temp != nil {
		col.Temp = make([]float64, n)
	}
	if pres != nil {
		col.Pres = make([]float64, n)
	}
	if hgts != nil {
		col.Hgts = make([]float64, n)
	}
	for p := 0; p < np; p++ {
		if prss != nil {
			col.PSfc = float64(prss.Data[p])
		}
		if shgt != nil {
			col.ZSfc = float64(shgt.Data[p])
		}
		for k := 0; k < n; k++ {
			if temp != nil {
				col.Temp[k] = float64(temp.Data[k*np+p])
			}
			if pres != nil {
				col.Pres[k] = float64(pres.Data[k*np+p])
			}
			if hgts != nil {
				col.Hgts[k] = float64(hgts.Data[k*np+p])
			}
		}
		z, err := v.HeightsAGL(col)
		if err != nil {
			return nil, fmt.Errorf("grid point (%d,%d): %w", p%nx+1, p/nx+1, err)
		}
		for k := 0; k < n; k++ {
			out.Data[k*np+p] = float32(z[k])
		}
	}
	return out, nil
}
