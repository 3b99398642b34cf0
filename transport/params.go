package transport

import "fmt"

// Params are the physics parameters of the native engine, named as in
// R-STILT's run_stilt.r (toml tags). DefaultParams gives run_stilt.r's values.
type Params struct {
	Veght   float64 `toml:"veght"`    // surface-layer fraction of zi (<=1) or height in m (>1)
	Kmix0   float64 `toml:"kmix0"`    // minimum mixing depth (m)
	Kmixd   int     `toml:"kmixd"`    // mixed-layer scheme; only 3 (Richardson) is implemented
	Delt    float64 `toml:"delt"`     // time step (min); 0 = automatic rule (physics.md §2.2)
	WOption int     `toml:"w_option"` // vertical motion; only 0 (data) is implemented
	ZTop    float64 `toml:"z_top"`    // model top (m AGL)
	TLFrac  float64 `toml:"tlfrac"`   // dispersion sub-step as a fraction of T_L
	HScale  float64 `toml:"hscale"`   // horizontal Lagrangian time scale (s)
	VScale  float64 `toml:"vscale"`   // K to velocity-variance time scale (s) of HorizTurb "vertical"
	// HorizTurb selects the horizontal turbulence: "sigw" (default,
	// fitted to hycs_std v5.1.0: isotropic σ_u² = σ_v² = σ_w²/2 of the
	// levels, the variances bilinear in x, y and linear in the level index between
	// the levels bracketing the particle, u', v' drawn from the stationary
	// distribution at the first step, AR(1) with HSCALE afterwards), "deformation" (STILT
	// v1: Smagorinsky σ_u = σ_v clamped to 0.2–2 m/s, u' = v' = 0 at
	// release) or "vertical" (HYSPLIT 4.9 STBSND, KDEF=0: σ_u² + σ_v² =
	// K/VSCALE split along the mean wind). See bench/RESULTS-transport.md.
	HorizTurb   string    `toml:"horiz_turb"`
	TRatio      float64   `toml:"tratio"`      // advection stability ratio for the automatic step
	ZIControlTF bool      `toml:"zicontroltf"` // scale zi by ZIScale per simulation hour
	ZIScale     []float64 `toml:"ziscale"`     // zi factors per hour (last one repeats)
	NTurb       bool      `toml:"nturb"`       // true: no turbulence (mean trajectories)
	// ZiRiFriction adds the v1 term 100·u*² to the Richardson denominator of
	// the mixed-layer diagnosis (physics.md §3.6 open point). Default false (m09).
	ZiRiFriction bool `toml:"zi_ri_friction"`
	// ZiExcessB is the coefficient b of the convective excess temperature
	// T_ex = b·u*·θ*/w_m in the Richardson mixed-layer diagnosis (8.5 in
	// both STILT source trees).
	ZiExcessB float64 `toml:"zi_excess_b"`
	// OutFrac stops the run when more than this fraction of particles left
	// the grid (HYSPLIT OUTFRAC 0.9).
	OutFrac float64 `toml:"outfrac"`
	// Workers is the number of goroutines moving particles (<=0: 1).
	// Results do not depend on it.
	Workers int `toml:"workers"`
}

// DefaultParams returns run_stilt.r's defaults.
func DefaultParams() Params {
	return Params{
		Veght:     0.5,
		Kmix0:     150,
		Kmixd:     3,
		ZiExcessB: 8.5,
		Delt:      1,
		WOption:   0,
		ZTop:      25000,
		TLFrac:    0.1,
		HScale:    10800,
		VScale:    200,
		HorizTurb: "sigw",
		TRatio:    0.75,
		OutFrac:   0.9,
		Workers:   1,
	}
}

// Validate reports the first unusable parameter.
func (p Params) Validate() error {
	switch {
	case p.Veght <= 0:
		return fmt.Errorf("transport params: veght=%g, want > 0", p.Veght)
	case p.Kmixd != 3:
		return fmt.Errorf("transport params: kmixd=%d, only 3 (bulk Richardson) is implemented", p.Kmixd)
	case p.Delt < 0 || p.Delt > 60:
		return fmt.Errorf("transport params: delt=%g, want 0 (automatic) or 0 < delt <= 60 minutes", p.Delt)
	case p.WOption != 0:
		return fmt.Errorf("transport params: w_option=%d, only 0 (data vertical velocity) is implemented", p.WOption)
	case p.ZTop < 1000:
		return fmt.Errorf("transport params: z_top=%g, want >= 1000 m", p.ZTop)
	case p.TLFrac <= 0 || p.TLFrac > 1:
		return fmt.Errorf("transport params: tlfrac=%g, want 0 < tlfrac <= 1", p.TLFrac)
	case p.ZiExcessB < 0:
		return fmt.Errorf("transport params: zi_excess_b=%g, want >= 0", p.ZiExcessB)
	case p.HorizTurb != "" && p.HorizTurb != "deformation" && p.HorizTurb != "vertical" && p.HorizTurb != "sigw":
		return fmt.Errorf("transport params: horiz_turb=%q, want \"deformation\", \"vertical\" or \"sigw\"", p.HorizTurb)
	case p.HorizTurb == "vertical" && p.VScale <= 0:
		return fmt.Errorf("transport params: vscale=%g, want > 0", p.VScale)
	case p.HScale <= 0:
		return fmt.Errorf("transport params: hscale=%g, want > 0", p.HScale)
	case p.ZIControlTF:
		return fmt.Errorf("transport params: zicontroltf=1 (zi scaling) is not implemented by the native engine")
	}
	return nil
}
