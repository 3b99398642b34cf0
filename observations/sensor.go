package observations

import (
	"fmt"
	"math"

	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// Sensor turns the observations of a scene into receptors, one per
// observation, in scene order, each tagged with the scene id.
type Sensor interface {
	Name() string
	Receptors(scene Scene) ([]receptor.Receptor, error)
}

// PointSensor builds Point receptors (spec §1.3): at DefaultHeight (m AGL)
// when set (not NaN), else at the observation altitude, which is then
// required.
type PointSensor struct {
	SensorName    string
	DefaultHeight float64 // NaN = use the observation altitude
}

// Name returns the sensor name.
func (p PointSensor) Name() string { return p.SensorName }

// Receptors returns one Point receptor per observation.
func (p PointSensor) Receptors(scene Scene) ([]receptor.Receptor, error) {
	out := make([]receptor.Receptor, 0, len(scene.Observations))
	for i := range scene.Observations {
		o := &scene.Observations[i]
		if o.Geometry.Kind != "" && o.Geometry.Kind != GeomPoint {
			return nil, fmt.Errorf("%s: point sensor needs point geometry, got %q", o.where(), o.Geometry.Kind)
		}
		h, msl := p.DefaultHeight, false
		if math.IsNaN(h) {
			if math.IsNaN(o.Altitude) {
				return nil, fmt.Errorf("%s: point sensor %q has no default height and the observation has no altitude", o.where(), p.SensorName)
			}
			h, msl = o.Altitude, o.AltitudeMSL
		}
		if !msl && h < 0 {
			return nil, fmt.Errorf("%s: AGL height %v is negative", o.where(), h)
		}
		out = append(out, receptor.Receptor{
			Kind: receptor.Point, Time: o.Time.UTC(), Lons: []float64{o.Lon}, Lats: []float64{o.Lat},
			Heights: []float64{h}, MSL: msl, Scene: scene.ID, Line: o.Line,
		})
	}
	return out, nil
}

// Column modes and slant paths.
const (
	ColumnVertical = "vertical"
	ColumnSlant    = "slant"
	PathViewing    = "viewing" // instrument line of sight (PYSTILT): viewing zenith/azimuth
	PathSolar      = "solar"   // sun-to-surface path (X-STILT): solar zenith/azimuth
)

// ColumnSensor builds Column receptors (vertical) or MultiPoint receptors
// along the line of sight (slant), spec §1.3–1.4.
type ColumnSensor struct {
	SensorName string
	Mode       string  // ColumnVertical (default) or ColumnSlant
	Bottom     float64 // m; default column 0–3000 m
	Top        float64
	MSL        bool // Bottom/Top (and slant samples without a LineOfSight) are MSL

	// Slant only.
	Path     string  // PathViewing (default) or PathSolar
	Step     float64 // height step between slant points, m (default 100)
	ModelTop float64 // clip points above this altitude (same reference); 0 = no clip
}

// NewColumnSensor returns a vertical 0–3000 m AGL column sensor with slant
// defaults (viewing path, 100 m steps).
func NewColumnSensor(name string) ColumnSensor {
	return ColumnSensor{SensorName: name, Mode: ColumnVertical, Bottom: 0, Top: 3000, Path: PathViewing, Step: 100}
}

// Name returns the sensor name.
func (c ColumnSensor) Name() string { return c.SensorName }

// Receptors returns one receptor per observation.
func (c ColumnSensor) Receptors(scene Scene) ([]receptor.Receptor, error) {
	out := make([]receptor.Receptor, 0, len(scene.Observations))
	for i := range scene.Observations {
		o := &scene.Observations[i]
		var r receptor.Receptor
		var err error
		switch c.Mode {
		case ColumnVertical, "":
			r, err = c.vertical(o)
		case ColumnSlant:
			r, err = c.slant(o, math.NaN())
		default:
			err = fmt.Errorf("column sensor %q: mode %q, expected %q or %q", c.SensorName, c.Mode, ColumnVertical, ColumnSlant)
		}
		if err != nil {
			return nil, err
		}
		r.Scene, r.Line = scene.ID, o.Line
		out = append(out, r)
	}
	return out, nil
}

func (c ColumnSensor) vertical(o *Observation) (receptor.Receptor, error) {
	if !(c.Bottom < c.Top) {
		return receptor.Receptor{}, fmt.Errorf("%s: column bottom %v must be below top %v", o.where(), c.Bottom, c.Top)
	}
	if !c.MSL && c.Bottom < 0 {
		return receptor.Receptor{}, fmt.Errorf("%s: AGL column bottom %v is negative", o.where(), c.Bottom)
	}
	return receptor.Receptor{
		Kind: receptor.Column, Time: o.Time.UTC(), Lons: []float64{o.Lon, o.Lon}, Lats: []float64{o.Lat, o.Lat},
		Heights: []float64{c.Bottom, c.Top}, MSL: c.MSL,
	}, nil
}

// SlantReceptor builds the slant MultiPoint receptor of one observation.
// surfaceAlt (NaN = unknown) takes precedence over the line of sight's and
// the observation's surface altitude (spec §1.4 step 2).
func (c ColumnSensor) SlantReceptor(o *Observation, surfaceAlt float64) (receptor.Receptor, error) {
	return c.slant(o, surfaceAlt)
}

func (c ColumnSensor) slant(o *Observation, surfaceArg float64) (receptor.Receptor, error) {
	fail := func(format string, a ...any) (receptor.Receptor, error) {
		return receptor.Receptor{}, fmt.Errorf("%s: slant column: "+format, append([]any{o.where()}, a...)...)
	}
	// Angles.
	zen, az, what := o.Viewing.ViewingZenith, o.Viewing.ViewingAzimuth, "viewing"
	switch c.Path {
	case PathViewing, "":
	case PathSolar:
		zen, az, what = o.Viewing.SolarZenith, o.Viewing.SolarAzimuth, "solar"
	default:
		return fail("path %q, expected %q or %q", c.Path, PathViewing, PathSolar)
	}
	if math.IsNaN(zen) || math.IsNaN(az) {
		return fail("needs the %s zenith and azimuth angles", what)
	}
	if zen < 0 || zen >= 90 {
		return fail("%s zenith %v outside [0, 90)", what, zen)
	}
	// Sample altitudes and their reference.
	var alts []float64
	msl := c.MSL
	los := o.LineOfSight
	if los != nil {
		alts, msl = los.Altitudes(), los.MSL
	} else {
		step := c.Step
		if !(step > 0) {
			return fail("height step %v, expected > 0", step)
		}
		if !(c.Bottom < c.Top) {
			return fail("bottom %v must be below top %v", c.Bottom, c.Top)
		}
		if (c.Top-c.Bottom)/step+1 > MaxSlantPoints {
			return fail("%v m steps from %v to %v give more than %d points", step, c.Bottom, c.Top, MaxSlantPoints)
		}
		n := int(math.Floor((c.Top-c.Bottom)/step+1e-9)) + 1
		for k := 0; k < n; k++ {
			alts = append(alts, c.Bottom+float64(k)*step)
		}
		if alts[len(alts)-1] < c.Top {
			alts = append(alts, c.Top)
		}
	}
	// Surface altitude: argument -> LOS -> observation altitude (both MSL).
	surface := math.NaN()
	switch {
	case !math.IsNaN(surfaceArg):
		surface = surfaceArg
	case los != nil && !math.IsNaN(los.SurfaceAltitude):
		surface = los.SurfaceAltitude
	case msl && o.AltitudeMSL && !math.IsNaN(o.Altitude):
		surface = o.Altitude
	}
	floor := 0.0
	if msl {
		floor = math.Inf(-1)
		if !math.IsNaN(surface) {
			floor = surface
		}
	}
	ceiling := math.Inf(1)
	if c.ModelTop > 0 {
		ceiling = c.ModelTop
	}
	if los != nil && !math.IsNaN(los.MaxAltitude) && los.MaxAltitude < ceiling {
		ceiling = los.MaxAltitude
	}
	kept := alts[:0:0]
	for _, z := range alts {
		if z >= floor && z <= ceiling {
			kept = append(kept, z)
		}
	}
	// Anchor: LOS anchor -> observation altitude (same reference) -> first sample.
	anchor := math.NaN()
	switch {
	case los != nil && !math.IsNaN(los.AnchorAltitude):
		anchor = los.AnchorAltitude
	case !math.IsNaN(o.Altitude) && o.AltitudeMSL == msl:
		anchor = o.Altitude
	case len(kept) > 0:
		anchor = kept[0]
	}
	lons, lats := SlantOffsets(o.Lon, o.Lat, anchor, zen, az, kept)
	distinct := map[[3]float64]bool{}
	for i := range kept {
		distinct[[3]float64{lons[i], lats[i], kept[i]}] = true
	}
	if len(distinct) < 2 {
		return fail("%d distinct points remain after clipping to [%v, %v], expected >= 2", len(distinct), floor, ceiling)
	}
	return receptor.Receptor{
		Kind: receptor.MultiPoint, Time: o.Time.UTC(), Lons: lons, Lats: lats, Heights: kept, MSL: msl,
	}, nil
}

// SceneReceptors groups obs into scenes by rule and builds every scene's
// receptors with s, in scene order.
func SceneReceptors(obs []Observation, rule GroupRule, s Sensor) ([]receptor.Receptor, []Scene, error) {
	scenes, err := GroupScenes(obs, rule)
	if err != nil {
		return nil, nil, err
	}
	var out []receptor.Receptor
	for _, sc := range scenes {
		recs, err := s.Receptors(sc)
		if err != nil {
			return nil, nil, fmt.Errorf("scene %s: %w", sc.ID, err)
		}
		out = append(out, recs...)
	}
	return out, scenes, nil
}

// Target pairs a receptor with the observation it was built from, so that
// the rank simulating the receptor can apply that observation's operator.
type Target struct {
	Receptor    receptor.Receptor
	Observation *Observation // points into the scene's observation slice
	Scene       string
}

// Targets is SceneReceptors keeping the receptor–observation pairing.
func Targets(obs []Observation, rule GroupRule, s Sensor) ([]Target, []Scene, error) {
	scenes, err := GroupScenes(obs, rule)
	if err != nil {
		return nil, nil, err
	}
	var out []Target
	for si := range scenes {
		sc := &scenes[si]
		recs, err := s.Receptors(*sc)
		if err != nil {
			return nil, nil, fmt.Errorf("scene %s: %w", sc.ID, err)
		}
		if len(recs) != len(sc.Observations) {
			return nil, nil, fmt.Errorf("scene %s: sensor %q built %d receptors for %d observations", sc.ID, s.Name(), len(recs), len(sc.Observations))
		}
		for i := range recs {
			out = append(out, Target{Receptor: recs[i], Observation: &sc.Observations[i], Scene: sc.ID})
		}
	}
	return out, scenes, nil
}
