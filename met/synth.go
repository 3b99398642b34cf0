package met

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"
)

// SynthSpec describes a synthetic ARL data set with analytic fields. Its
// methods give the exact fields at any (lon, lat, z AGL, t), so tests can
// compare what a reader or transport engine gets with the truth; Synth
// writes them on the grid.
//
// The atmosphere: a column temperature uniform with height (so sigma-level
// heights are exactly (Rd/g)·T·ln(1/σ)); surface pressure in hydrostatic
// balance with the terrain; earth-relative wind u = U0 + DUDZ·z,
// v = V0 + DVDZ·z (linear shear); a constant vertical velocity W; a diurnal
// boundary layer driven by local solar time (PBL height, heat flux, TKE).
type SynthSpec struct {
	Grid   string  // "latlon" (default) or "lambert"
	NX     int     // default 40
	NY     int     // default 30
	Lat0   float64 // latitude of grid point (1,1); default 40.0
	Lon0   float64 // longitude of grid point (1,1); default -113.0
	DLat   float64 // lat-lon spacing in degrees (default 0.05)
	DLon   float64
	SizeKm float64 // Lambert spacing (default 3 km); cone tangent at 38.5 N, central meridian -97.5

	Start     time.Time // first valid time (default 2019-05-30 00 UTC)
	Hours     int       // number of hourly periods (default 12)
	FileHours int       // periods per file (default 6)

	Sigma []float64 // upper sigma levels (default 12 levels from 0.999 to 0.5)

	Slope float64 // terrain slope, m per km eastward (0: flat)
	Z0    float64 // terrain height at grid point (1,1) in m (default 1300)

	U0, V0     float64 // wind at the ground (m/s, earth-relative); defaults 3, 1
	DUDZ, DVDZ float64 // shear, 1/s; defaults 0.002, 0.0005
	W          float64 // vertical velocity (m/s), default 0
	// Literal uses U0, V0, DUDZ, DVDZ and TAmp as given, zeros included
	// (e.g. a calm or shear-free atmosphere, or no diurnal temperature cycle).
	Literal bool

	T0       float64 // mean column temperature (K), default 288
	TAmp     float64 // diurnal amplitude of the column temperature (K), default 2
	PBLMin   float64 // night PBL height (m), default 200
	PBLMax   float64 // afternoon PBL height (m), default 2000
	HFluxMax float64 // peak sensible heat flux (W m-2), default 300
}

// DefaultSigma are the upper sigma levels Synth writes by default.
var DefaultSigma = []float64{0.999, 0.996, 0.9905, 0.981, 0.967, 0.949, 0.9275, 0.904, 0.85, 0.784, 0.6625, 0.5}

// SynthSurfaceVars and SynthUpperVars are the variables Synth writes (those of
// the HRRR test files).
var (
	SynthSurfaceVars = []string{"SHGT", "MSLP", "TPP1", "DIFR", "T02M", "RH2M", "U10M", "V10M", "PRSS", "LHTF", "SHTF",
		"USTR", "RGHS", "DSWF", "PBLH", "TCLD", "REFC", "CAPE"}
	SynthUpperVars = []string{"TEMP", "UWND", "VWND", "WWND", "DIFW", "SPHU", "TKEN", "PRES"}
)

// WithDefaults returns the spec with zero fields set to their defaults.
func (s SynthSpec) WithDefaults() SynthSpec {
	def := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	if s.Grid == "" {
		s.Grid = "latlon"
	}
	if s.NX == 0 {
		s.NX = 40
	}
	if s.NY == 0 {
		s.NY = 30
	}
	def(&s.Lat0, 40.0)
	def(&s.Lon0, -113.0)
	def(&s.DLat, 0.05)
	def(&s.DLon, 0.05)
	def(&s.SizeKm, 3)
	if s.Start.IsZero() {
		s.Start = time.Date(2019, 5, 30, 0, 0, 0, 0, time.UTC)
	}
	if s.Hours == 0 {
		s.Hours = 12
	}
	if s.FileHours == 0 {
		s.FileHours = 6
	}
	if len(s.Sigma) == 0 {
		s.Sigma = append([]float64(nil), DefaultSigma...)
	}
	def(&s.Z0, 1300)
	if !s.Literal {
		def(&s.U0, 3)
		def(&s.V0, 1)
		def(&s.DUDZ, 0.002)
		def(&s.DVDZ, 0.0005)
		def(&s.TAmp, 2)
	}
	def(&s.T0, 288)
	def(&s.PBLMin, 200)
	def(&s.PBLMax, 2000)
	def(&s.HFluxMax, 300)
	return s
}

// Header returns the ARL grid header of the spec.
func (s SynthSpec) Header() (Header, error) {
	s = s.WithDefaults()
	h := Header{Source: "SYNT", NX: s.NX, NY: s.NY, NZ: len(s.Sigma) + 1, KFlag: KFlagSigma, SyncX: 1, SyncY: 1,
		SyncLat: s.Lat0, SyncLon: s.Lon0}
	switch s.Grid {
	case "latlon":
		h.RefLat, h.RefLon = s.DLat, s.DLon
		h.PoleLat = s.Lat0 + float64(s.NY-1)*s.DLat
		h.PoleLon = s.Lon0 + float64(s.NX-1)*s.DLon
	case "lambert":
		h.PoleLat, h.PoleLon = 90, 0
		h.RefLat, h.RefLon, h.TangLat = 38.5, -97.5, 38.5
		h.GridSize = s.SizeKm
	default:
		return h, fmt.Errorf("synth: grid %q is not latlon or lambert", s.Grid)
	}
	if s.NX < 2 || s.NY < 2 || s.Hours < 1 || s.FileHours < 1 {
		return h, fmt.Errorf("synth: need NX, NY ≥ 2 and at least one hour (NX=%d NY=%d hours=%d)", s.NX, s.NY, s.Hours)
	}
	for i, sg := range s.Sigma {
		if !(sg > 0 && sg < 1) || (i > 0 && sg >= s.Sigma[i-1]) {
			return h, fmt.Errorf("synth: sigma levels must decrease within (0,1), level %d is %g", i+1, sg)
		}
	}
	return h, nil
}

// Levels returns the index level blocks (surface then sigma levels).
func (s SynthSpec) Levels() []Level {
	s = s.WithDefaults()
	mk := func(h float64, names []string) Level {
		l := Level{Height: h}
		for _, n := range names {
			l.Vars = append(l.Vars, VarEntry{Name: n})
		}
		return l
	}
	out := []Level{mk(1, SynthSurfaceVars)}
	for _, sg := range s.Sigma {
		out = append(out, mk(sg, SynthUpperVars))
	}
	return out
}

// Terrain returns the terrain height (m) at (lon, lat).
func (s SynthSpec) Terrain(lon, lat float64) float64 {
	s = s.WithDefaults()
	eastKm := (lon - s.Lon0) * deg * EarthRadius / 1000 * math.Cos(s.Lat0*deg)
	return s.Z0 + s.Slope*eastKm
}

// dayFrac is the daytime forcing in [0,1]: max(0, sin) of local solar time
// (sunrise 06, sunset 18).
func (s SynthSpec) dayFrac(lon float64, t time.Time) float64 {
	h := float64(t.UTC().Hour()) + float64(t.UTC().Minute())/60 + float64(t.UTC().Second())/3600 + lon/15
	return math.Max(0, math.Sin(2*math.Pi*(h-6)/24))
}

// ColumnTemp returns the (height-independent) column temperature in K.
func (s SynthSpec) ColumnTemp(lon, lat float64, t time.Time) float64 {
	s = s.WithDefaults()
	h := float64(t.UTC().Hour()) + float64(t.UTC().Minute())/60 + lon/15
	return s.T0 + s.TAmp*math.Sin(2*math.Pi*(h-9)/24)
}

// SurfacePressure returns PRSS (hPa): 1013.25 hPa at sea level, hydrostatic
// through the isothermal column.
func (s SynthSpec) SurfacePressure(lon, lat float64, t time.Time) float64 {
	T := s.ColumnTemp(lon, lat, t)
	return 1013.25 * math.Exp(-s.Terrain(lon, lat)*G0/(Rd*T))
}

// LevelHeight returns the height AGL (m) of upper level k (1-based, as in the
// file) at (lon, lat, t).
func (s SynthSpec) LevelHeight(k int, lon, lat float64, t time.Time) float64 {
	s = s.WithDefaults()
	return Rd / G0 * s.ColumnTemp(lon, lat, t) * math.Log(1/s.Sigma[k-1])
}

// Pressure returns the pressure (hPa) at height z AGL.
func (s SynthSpec) Pressure(lon, lat, z float64, t time.Time) float64 {
	T := s.ColumnTemp(lon, lat, t)
	return s.SurfacePressure(lon, lat, t) * math.Exp(-z*G0/(Rd*T))
}

// Wind returns the earth-relative horizontal wind (m/s, east and north) at
// height z AGL.
func (s SynthSpec) Wind(lon, lat, z float64, t time.Time) (u, v float64) {
	s = s.WithDefaults()
	return s.U0 + s.DUDZ*z, s.V0 + s.DVDZ*z
}

// VerticalVelocity returns w (m/s, positive up).
func (s SynthSpec) VerticalVelocity(lon, lat, z float64, t time.Time) float64 {
	return s.WithDefaults().W
}

// Omega returns the pressure vertical velocity stored in WWND (hPa/s):
// ω = −ρ g w with ρ = p/(Rd T).
func (s SynthSpec) Omega(lon, lat, z float64, t time.Time) float64 {
	p := s.Pressure(lon, lat, z, t)
	rho := p * 100 / (Rd * s.ColumnTemp(lon, lat, t))
	return -rho * G0 * s.VerticalVelocity(lon, lat, z, t) / 100
}

// PBLH returns the boundary-layer height (m).
func (s SynthSpec) PBLH(lon, lat float64, t time.Time) float64 {
	s = s.WithDefaults()
	return s.PBLMin + (s.PBLMax-s.PBLMin)*s.dayFrac(lon, t)
}

// HeatFlux returns the sensible heat flux (W m-2).
func (s SynthSpec) HeatFlux(lon, lat float64, t time.Time) float64 {
	s = s.WithDefaults()
	return s.HFluxMax*s.dayFrac(lon, t) - 20*(1-s.dayFrac(lon, t))
}

// TKE returns the turbulent kinetic energy (m2 s-2) at height z AGL.
func (s SynthSpec) TKE(lon, lat, z float64, t time.Time) float64 {
	zi := s.PBLH(lon, lat, t)
	return 0.05 + 2.0*s.dayFrac(lon, t)*math.Max(0, 1-z/zi) + 0.2*math.Max(0, 1-z/zi)
}

// SpecificHumidity returns SPHU (kg/kg) at height z AGL.
func (s SynthSpec) SpecificHumidity(lon, lat, z float64, t time.Time) float64 {
	return 0.006 * math.Exp(-z/2500)
}

// Roughness is the roughness length RGHS (m).
const synthRoughness = 0.1

// Ustar returns the friction velocity (m/s) from the log law at 10 m.
func (s SynthSpec) Ustar(lon, lat float64, t time.Time) float64 {
	u, v := s.Wind(lon, lat, 10, t)
	return 0.4 * math.Hypot(u, v) / math.Log(10/synthRoughness)
}

// Value returns the value Synth stores for variable name on file level
// (0 = surface) at (lon, lat, t), in ARL units. Winds are grid-relative on
// conformal grids, as in real ARL files.
func (s SynthSpec) Value(name string, level int, lon, lat float64, t time.Time) (float64, error) {
	s = s.WithDefaults()
	if level == 0 {
		switch name {
		case "SHGT":
			return s.Terrain(lon, lat), nil
		case "MSLP":
			return 1013.25, nil
		case "TPP1", "DIFR", "TCLD", "CAPE":
			return 0, nil
		case "REFC":
			return -20, nil
		case "T02M":
			return s.ColumnTemp(lon, lat, t) + 3*s.dayFrac(lon, t), nil
		case "RH2M":
			return 40, nil
		case "U10M", "V10M":
			u, v := s.Wind(lon, lat, 10, t)
			ug, vg := s.ToGrid(u, v, lon)
			if name == "U10M" {
				return ug, nil
			}
			return vg, nil
		case "PRSS":
			return s.SurfacePressure(lon, lat, t), nil
		case "LHTF":
			return 0.5 * math.Max(0, s.HeatFlux(lon, lat, t)), nil
		case "SHTF":
			return s.HeatFlux(lon, lat, t), nil
		case "USTR":
			return s.Ustar(lon, lat, t), nil
		case "RGHS":
			return synthRoughness, nil
		case "DSWF":
			return 900 * s.dayFrac(lon, t), nil
		case "PBLH":
			return s.PBLH(lon, lat, t), nil
		}
		return 0, fmt.Errorf("synth: no surface variable %s", name)
	}
	if level < 1 || level > len(s.Sigma) {
		return 0, fmt.Errorf("synth: no level %d", level)
	}
	z := s.LevelHeight(level, lon, lat, t)
	switch name {
	case "TEMP":
		return s.ColumnTemp(lon, lat, t), nil
	case "UWND", "VWND":
		u, v := s.Wind(lon, lat, z, t)
		ug, vg := s.ToGrid(u, v, lon)
		if name == "UWND" {
			return ug, nil
		}
		return vg, nil
	case "WWND":
		return s.Omega(lon, lat, z, t), nil
	case "DIFW":
		return 0, nil
	case "SPHU":
		return s.SpecificHumidity(lon, lat, z, t), nil
	case "TKEN":
		return s.TKE(lon, lat, z, t), nil
	case "PRES":
		return s.Sigma[level-1] * s.SurfacePressure(lon, lat, t), nil
	}
	return 0, fmt.Errorf("synth: no upper variable %s", name)
}

// ToGrid rotates an earth-relative wind into the grid-relative wind stored
// in the file (identity on latitude-longitude grids).
func (s SynthSpec) ToGrid(ue, ve, lon float64) (u, v float64) {
	if s.Grid != "lambert" {
		return ue, ve
	}
	th := math.Sin(38.5*deg) * wrapPi((lon+97.5)*deg)
	sn, c := math.Sincos(th)
	return ue*c - ve*sn, ue*sn + ve*c
}

func (s SynthSpec) grid() (*Grid, error) {
	h, err := s.Header()
	if err != nil {
		return nil, err
	}
	return NewGrid(h)
}

// MakeGrid returns the spec's horizontal grid.
func (s SynthSpec) MakeGrid() (*Grid, error) { return s.grid() }

// FileName returns the name of the file starting at t: YYYYMMDD_HH-HH_synth
// (as the HRRR test files), matching file_format "%Y%m%d_%H".
func (s SynthSpec) FileName(t time.Time, periods int) string {
	end := t.Add(time.Duration(periods-1) * time.Hour)
	return fmt.Sprintf("%s-%02d_synth", t.UTC().Format("20060102_15"), end.UTC().Hour())
}

// Synth writes the spec's data set into dir (created if needed), FileHours
// periods per file, and returns the paths in time order.
func Synth(dir string, spec SynthSpec) ([]string, error) {
	s := spec.WithDefaults()
	h, err := s.Header()
	if err != nil {
		return nil, err
	}
	g, err := NewGrid(h)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	// grid point coordinates
	lats := make([]float64, s.NX*s.NY)
	lons := make([]float64, s.NX*s.NY)
	for j := 0; j < s.NY; j++ {
		for i := 0; i < s.NX; i++ {
			lats[j*s.NX+i], lons[j*s.NX+i] = g.XYToLatLon(float64(i+1), float64(j+1))
		}
	}
	start := s.Start.UTC().Truncate(time.Hour)
	var paths []string
	buf := make([]float32, s.NX*s.NY)
	for p0 := 0; p0 < s.Hours; p0 += s.FileHours {
		n := min(s.FileHours, s.Hours-p0)
		t0 := start.Add(time.Duration(p0) * time.Hour)
		path := filepath.Join(dir, s.FileName(t0, n))
		w, err := Create(path, h, s.Levels())
		if err != nil {
			return paths, err
		}
		for p := 0; p < n; p++ {
			t := t0.Add(time.Duration(p) * time.Hour)
			err := w.WritePeriod(t, func(level int, name string) ([]float32, error) {
				for k := range buf {
					v, err := s.Value(name, level, lons[k], lats[k], t)
					if err != nil {
						return nil, err
					}
					buf[k] = float32(v)
				}
				return buf, nil
			})
			if err != nil {
				w.Abort()
				return paths, err
			}
		}
		if err := w.Close(); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}
