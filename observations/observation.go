package observations

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Observation is one normalised measurement, independent of file format
// (spec observations.md §1.1).
type Observation struct {
	ID       string // observation_id; required when profiles are attached
	Sensor   string
	Species  string
	Platform string
	Time     time.Time // UTC
	Lon, Lat float64   // degrees, lon in [-180, 180]

	// Altitude of the observation (NaN when not given) and its reference:
	// false = AGL (default), true = MSL.
	Altitude    float64
	AltitudeMSL bool

	Value       float64 // NaN when not given
	Units       string
	Uncertainty float64 // NaN when not given; Budget.Total() when only a budget is given
	Budget      UncertaintyBudget

	Geometry    HorizontalGeometry
	Viewing     ViewingGeometry
	LineOfSight *LineOfSight      // nil when not given
	Operator    *VerticalOperator // nil when not given

	Quality  map[string]string // quality flags (e.g. "qf" -> "0")
	Metadata map[string]string // free-form fields

	Line int // first input line (for error messages), 0 if unknown
	File string
}

// where names the input record for error messages.
func (o *Observation) where() string {
	s := ""
	if o.File != "" {
		s = o.File
	}
	if o.Line > 0 {
		s += fmt.Sprintf(":%d", o.Line)
	}
	if o.ID != "" {
		if s != "" {
			s += " "
		}
		s += fmt.Sprintf("observation %q", o.ID)
	}
	if s == "" {
		s = "observation"
	}
	return s
}

// Validate checks the required fields and ranges. It also fills Uncertainty
// from the budget when only the budget is given.
func (o *Observation) Validate() error {
	switch {
	case o.Sensor == "":
		return fmt.Errorf("%s: sensor is required", o.where())
	case o.Species == "":
		return fmt.Errorf("%s: species is required", o.where())
	case o.Time.IsZero():
		return fmt.Errorf("%s: time is required", o.where())
	case !(o.Lon >= -180 && o.Lon <= 180):
		return fmt.Errorf("%s: longitude %v outside [-180, 180]", o.where(), o.Lon)
	case !(o.Lat >= -90 && o.Lat <= 90):
		return fmt.Errorf("%s: latitude %v outside [-90, 90]", o.where(), o.Lat)
	}
	if err := o.Budget.Validate(); err != nil {
		return fmt.Errorf("%s: %w", o.where(), err)
	}
	if math.IsNaN(o.Uncertainty) && len(o.Budget.Components) > 0 {
		o.Uncertainty = o.Budget.Total()
	}
	if !math.IsNaN(o.Uncertainty) && o.Uncertainty < 0 {
		return fmt.Errorf("%s: uncertainty %v is negative", o.where(), o.Uncertainty)
	}
	if err := o.Viewing.Validate(); err != nil {
		return fmt.Errorf("%s: %w", o.where(), err)
	}
	if o.LineOfSight != nil {
		if err := o.LineOfSight.Validate(); err != nil {
			return fmt.Errorf("%s: line of sight: %w", o.where(), err)
		}
	}
	if o.Operator != nil {
		if err := o.Operator.Validate(); err != nil {
			return fmt.Errorf("%s: vertical operator: %w", o.where(), err)
		}
	}
	return nil
}

// UncertaintyComponent is one named, independent error term (1 sigma).
type UncertaintyComponent struct {
	Name  string
	Sigma float64
}

// UncertaintyBudget is a set of independent error terms combined in
// quadrature.
type UncertaintyBudget struct {
	Components []UncertaintyComponent
}

// Validate requires unique names and sigma >= 0.
func (b UncertaintyBudget) Validate() error {
	seen := map[string]bool{}
	for _, c := range b.Components {
		if c.Name == "" {
			return fmt.Errorf("uncertainty budget: component without a name")
		}
		if seen[c.Name] {
			return fmt.Errorf("uncertainty budget: duplicate component %q", c.Name)
		}
		seen[c.Name] = true
		if !(c.Sigma >= 0) {
			return fmt.Errorf("uncertainty budget: component %q has sigma %v, expected >= 0", c.Name, c.Sigma)
		}
	}
	return nil
}

// Total returns sqrt(sum sigma^2) (math.Hypot chain, no overflow).
func (b UncertaintyBudget) Total() float64 {
	t := 0.0
	for _, c := range b.Components {
		t = math.Hypot(t, c.Sigma)
	}
	return t
}

// Geometry kinds of HorizontalGeometry.
const (
	GeomPoint     = "point"
	GeomPolygon   = "polygon"
	GeomEllipse   = "ellipse"
	GeomSwathCell = "swath_cell"
	GeomLine      = "line"
)

// HorizontalGeometry is the footprint of the observation on the ground.
type HorizontalGeometry struct {
	Kind           string       // "" means point
	Vertices       [][2]float64 // (lon, lat)
	MajorAxisKm    float64
	MinorAxisKm    float64
	OrientationDeg float64
	AlongTrack     int
	AcrossTrack    int
	Swath          string
	ResolutionKm   [2]float64 // width, height
}

// ViewingGeometry holds solar and viewing angles in degrees; NaN = not given.
type ViewingGeometry struct {
	SolarZenith, SolarAzimuth     float64
	ViewingZenith, ViewingAzimuth float64
	RelativeAzimuth               float64
	ScanAngle, GlintAngle         float64
}

// NoViewing returns a ViewingGeometry with every angle unset (NaN).
func NoViewing() ViewingGeometry {
	n := math.NaN()
	return ViewingGeometry{n, n, n, n, n, n, n}
}

// Validate checks the zenith angles lie in [0, 180] when given.
func (v ViewingGeometry) Validate() error {
	for _, z := range []struct {
		name string
		v    float64
	}{{"solar zenith", v.SolarZenith}, {"viewing zenith", v.ViewingZenith}} {
		if !math.IsNaN(z.v) && (z.v < 0 || z.v > 180) {
			return fmt.Errorf("%s angle %v outside [0, 180]", z.name, z.v)
		}
	}
	return nil
}

// LineOfSight describes where along the path receptor points are sampled
// (spec §1.1). Either Levels, or Start+End with exactly one of Count (>= 2)
// or Frequency (> 0). NaN fields are unset.
type LineOfSight struct {
	MSL             bool // altitudes are above sea level (default for PYSTILT's LOS)
	Levels          []float64
	Start, End      float64
	Count           int
	Frequency       float64
	AnchorAltitude  float64
	SurfaceAltitude float64
	MaxAltitude     float64
}

// Validate checks the combination rules.
func (l *LineOfSight) Validate() error {
	hasSE := !math.IsNaN(l.Start) || !math.IsNaN(l.End)
	if len(l.Levels) > 0 {
		if hasSE || l.Count != 0 || l.Frequency != 0 {
			return fmt.Errorf("explicit levels exclude start/end/count/frequency")
		}
		return nil
	}
	if math.IsNaN(l.Start) || math.IsNaN(l.End) {
		return fmt.Errorf("start and end altitudes must come together (or give levels)")
	}
	if (l.Count != 0) == (l.Frequency != 0) {
		return fmt.Errorf("give exactly one of count and frequency")
	}
	if l.Count != 0 && l.Count < 2 {
		return fmt.Errorf("count %d, expected >= 2", l.Count)
	}
	if l.Frequency != 0 && !(l.Frequency > 0) {
		return fmt.Errorf("frequency %v, expected > 0", l.Frequency)
	}
	if l.Count > MaxSlantPoints || (l.Frequency > 0 && math.Abs(l.End-l.Start)/l.Frequency+1 > MaxSlantPoints) {
		return fmt.Errorf("more than %d points along the line of sight", MaxSlantPoints)
	}
	return nil
}

// MaxSlantPoints bounds the number of points of one slant receptor.
const MaxSlantPoints = 100000

// Altitudes returns the sample altitudes in order.
func (l *LineOfSight) Altitudes() []float64 {
	if len(l.Levels) > 0 {
		return append([]float64(nil), l.Levels...)
	}
	n := l.Count
	if n == 0 {
		n = int(math.Round(math.Abs(l.End-l.Start)/l.Frequency)) + 1
		if n < 2 {
			n = 2
		}
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = l.Start + (l.End-l.Start)*float64(i)/float64(n-1)
	}
	return out
}

// Vertical-operator modes (spec §2.1).
const (
	ModeNone        = "none"
	ModeUniform     = "uniform"
	ModeAK          = "ak"
	ModePWF         = "pwf"
	ModeAKPWF       = "ak_pwf"
	ModeIntegration = "integration"
	ModeTCCON       = "tccon"
)

var validModes = []string{ModeNone, ModeUniform, ModeAK, ModePWF, ModeAKPWF, ModeIntegration, ModeTCCON}

func checkMode(m string) error {
	for _, v := range validModes {
		if m == v {
			return nil
		}
	}
	return fmt.Errorf("unknown vertical-operator mode %q (expected one of %v)", m, validModes)
}

// Level coordinates of a VerticalOperator profile.
const (
	LevelPressure = "pressure" // hPa
	LevelHeight   = "height"   // m AGL (release height xhgt)
)

// VerticalOperator is the per-observation retrieval profile used by the
// vertical transform. Profile slices are per level and either empty or of
// the length of Levels; ApplyTransforms sorts them by level.
type VerticalOperator struct {
	Mode       string    // one of the Mode constants ("" = decided by the transform)
	LevelCoord string    // LevelPressure or LevelHeight
	Levels     []float64 // hPa or m
	AK         []float64 // normalised averaging kernel
	PWF        []float64 // retrieval's pressure weighting function per level (layer fractions)
	IntOp      []float64 // integration operator per level (TCCON), layer fractions
	Apriori    []float64 // a-priori profile (carried; enters only the a-priori term)
	H2OWet     []float64 // wet water-vapour prior (mole fraction), TCCON wet->dry factor

	SurfacePressure float64 // retrieval surface pressure, hPa; NaN = not given
	TCWV            float64 // total column water vapour, kg m-2; NaN = not given
	SurfaceAltitude float64 // m MSL; NaN = not given
}

// NewVerticalOperator returns an operator with the scalar fields unset.
func NewVerticalOperator() *VerticalOperator {
	n := math.NaN()
	return &VerticalOperator{SurfacePressure: n, TCWV: n, SurfaceAltitude: n}
}

// Validate checks mode, coordinate and slice lengths.
func (v *VerticalOperator) Validate() error {
	if v.Mode != "" {
		if err := checkMode(v.Mode); err != nil {
			return err
		}
	}
	if len(v.Levels) == 0 {
		return nil
	}
	if v.LevelCoord != LevelPressure && v.LevelCoord != LevelHeight {
		return fmt.Errorf("level coordinate %q, expected %q or %q", v.LevelCoord, LevelPressure, LevelHeight)
	}
	for name, s := range map[string][]float64{"ak": v.AK, "pwf": v.PWF, "int_op": v.IntOp, "apriori": v.Apriori, "h2o_wet": v.H2OWet} {
		if len(s) != 0 && len(s) != len(v.Levels) {
			return fmt.Errorf("%s has %d values for %d levels", name, len(s), len(v.Levels))
		}
	}
	for i, l := range v.Levels {
		if math.IsNaN(l) {
			return fmt.Errorf("level %d is missing", i+1)
		}
	}
	return nil
}

// sorted returns a copy with all profiles sorted by ascending level.
func (v *VerticalOperator) sorted() *VerticalOperator {
	c := *v
	n := len(v.Levels)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	sort.SliceStable(perm, func(a, b int) bool { return v.Levels[perm[a]] < v.Levels[perm[b]] })
	re := func(s []float64) []float64 {
		if len(s) != n {
			return s
		}
		o := make([]float64, n)
		for i, p := range perm {
			o[i] = s[p]
		}
		return o
	}
	c.Levels, c.AK, c.PWF, c.IntOp, c.Apriori, c.H2OWet = re(v.Levels), re(v.AK), re(v.PWF), re(v.IntOp), re(v.Apriori), re(v.H2OWet)
	return &c
}
