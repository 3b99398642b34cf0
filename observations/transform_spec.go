package observations

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Transform kinds.
const (
	KindVertical = "vertical" // also accepted: "vertical_operator" (PYSTILT)
	KindDecay    = "decay"    // also accepted: "first_order_lifetime" (PYSTILT)
)

// Coordinates of a static vertical operator.
const (
	CoordXhgt        = "xhgt"         // release height column (PYSTILT default)
	CoordPres        = "pres"         // current-row pressure (PYSTILT; weight varies along a trajectory)
	CoordReleasePres = "release_pres" // each particle's pressure at its first output step (X-STILT)
)

// TransformSpec is one particle transform declared for a footprint
// (run.toml: transforms = [{kind = "vertical", mode = "ak_pwf"}, ...]).
type TransformSpec struct {
	Kind string

	// Vertical operator. With Levels/Values empty the operator comes from
	// the observation's own profile (Observation.Operator); with them set it
	// is PYSTILT's static operator shared by every receptor.
	Mode           string
	Levels         []float64
	Values         []float64
	PressureLevels []float64 // carried, unused (PYSTILT)
	Coordinate     string    // static operator only; default CoordXhgt
	// ReleasePressure: per-observation profiles only; ReleaseFirstStep
	// (default) or ReleaseFit.
	ReleasePressure string

	// First-order lifetime decay.
	LifetimeHours float64
	TimeColumn    string // default "time"
	TimeUnit      string // default "min"

	Metadata map[string]any
}

var allowedKeys = map[string][]string{
	KindVertical: {"kind", "mode", "levels", "values", "pressure_levels", "coordinate", "release_pressure", "metadata"},
	KindDecay:    {"kind", "lifetime_hours", "time_column", "time_unit", "metadata"},
}

// ParseTransforms converts the raw list of tables from run.toml (as decoded
// by BurntSushi/toml: numbers int64 or float64, arrays []any) into specs,
// validating each. Errors name the list position and key.
func ParseTransforms(raw []map[string]any) ([]TransformSpec, error) {
	out := make([]TransformSpec, 0, len(raw))
	for i, m := range raw {
		s, err := parseTransform(m)
		if err != nil {
			return nil, fmt.Errorf("transforms[%d]: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func parseTransform(m map[string]any) (TransformSpec, error) {
	var s TransformSpec
	kind, err := getString(m, "kind")
	if err != nil {
		return s, err
	}
	switch kind {
	case KindVertical, "vertical_operator":
		s.Kind = KindVertical
	case KindDecay, "first_order_lifetime":
		s.Kind = KindDecay
	case "":
		return s, fmt.Errorf("key \"kind\" is required (%q or %q)", KindVertical, KindDecay)
	default:
		return s, fmt.Errorf("key \"kind\": unknown transform %q (expected %q or %q)", kind, KindVertical, KindDecay)
	}
	allowed := allowedKeys[s.Kind]
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
			}
		}
		if !ok {
			return s, fmt.Errorf("unknown key %q for kind %q (allowed: %s)", k, s.Kind, strings.Join(allowed, ", "))
		}
	}
	if md, ok := m["metadata"]; ok {
		mm, ok := md.(map[string]any)
		if !ok {
			return s, fmt.Errorf("key \"metadata\": expected a table, got %T", md)
		}
		s.Metadata = mm
	}
	switch s.Kind {
	case KindVertical:
		if s.Mode, err = getString(m, "mode"); err != nil {
			return s, err
		}
		if s.Levels, err = getFloats(m, "levels"); err != nil {
			return s, err
		}
		if s.Values, err = getFloats(m, "values"); err != nil {
			return s, err
		}
		if s.PressureLevels, err = getFloats(m, "pressure_levels"); err != nil {
			return s, err
		}
		if s.Coordinate, err = getString(m, "coordinate"); err != nil {
			return s, err
		}
		if s.ReleasePressure, err = getString(m, "release_pressure"); err != nil {
			return s, err
		}
	case KindDecay:
		v, ok, err := getFloat(m, "lifetime_hours")
		if err != nil {
			return s, err
		}
		if !ok {
			return s, fmt.Errorf("key \"lifetime_hours\" is required")
		}
		s.LifetimeHours = v
		if s.TimeColumn, err = getString(m, "time_column"); err != nil {
			return s, err
		}
		if s.TimeUnit, err = getString(m, "time_unit"); err != nil {
			return s, err
		}
	}
	return s, s.Validate()
}

// Validate checks a spec (defaults are applied at use).
func (s TransformSpec) Validate() error {
	switch s.Kind {
	case KindVertical:
		if s.Mode != "" {
			if err := checkMode(s.Mode); err != nil {
				return fmt.Errorf("key \"mode\": %w", err)
			}
		}
		static := len(s.Levels) > 0 || len(s.Values) > 0
		if static {
			if s.Mode == "" {
				return fmt.Errorf("key \"mode\" is required with levels/values")
			}
			if s.Mode != ModeNone && s.Mode != ModeUniform && (len(s.Levels) == 0 || len(s.Levels) != len(s.Values)) {
				return fmt.Errorf("keys \"levels\" (%d) and \"values\" (%d) must be non-empty and of equal length", len(s.Levels), len(s.Values))
			}
			for i, l := range s.Levels {
				if math.IsNaN(l) || math.IsNaN(s.Values[i]) {
					return fmt.Errorf("keys \"levels\"/\"values\": element %d is NaN", i)
				}
			}
		}
		switch s.Coordinate {
		case "", CoordXhgt, CoordPres, CoordReleasePres:
		default:
			return fmt.Errorf("key \"coordinate\": %q, expected %q, %q or %q", s.Coordinate, CoordXhgt, CoordPres, CoordReleasePres)
		}
		switch s.ReleasePressure {
		case "", ReleaseFirstStep, ReleaseFit:
		default:
			return fmt.Errorf("key \"release_pressure\": %q, expected %q or %q", s.ReleasePressure, ReleaseFirstStep, ReleaseFit)
		}
		if s.ReleasePressure != "" && static {
			return fmt.Errorf("key \"release_pressure\" applies only to per-observation profiles (no levels/values)")
		}
		if s.Coordinate != "" && !static {
			return fmt.Errorf("key \"coordinate\" applies only to a static operator (levels/values); per-observation profiles use their own level coordinate")
		}
	case KindDecay:
		if !(s.LifetimeHours > 0) || math.IsInf(s.LifetimeHours, 1) {
			return fmt.Errorf("key \"lifetime_hours\": %v, expected a finite value > 0", s.LifetimeHours)
		}
		if _, err := unitMinutes(s.TimeUnit); err != nil {
			return fmt.Errorf("key \"time_unit\": %w", err)
		}
	default:
		return fmt.Errorf("key \"kind\": unknown transform %q", s.Kind)
	}
	return nil
}

// unitMinutes returns the length of one time unit in minutes.
func unitMinutes(u string) (float64, error) {
	switch strings.ToLower(u) {
	case "", "m", "min", "minute", "minutes":
		return 1, nil
	case "s", "sec", "second", "seconds":
		return 1.0 / 60, nil
	case "h", "hr", "hour", "hours":
		return 60, nil
	case "d", "day", "days":
		return 1440, nil
	}
	return 0, fmt.Errorf("unknown time unit %q (expected s, min, h or d)", u)
}

func getString(m map[string]any, key string) (string, error) {
	v, ok := m[key]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("key %q: expected a string, got %T (%v)", key, v, v)
	}
	return s, nil
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	}
	return 0, false
}

func getFloat(m map[string]any, key string) (float64, bool, error) {
	v, ok := m[key]
	if !ok {
		return 0, false, nil
	}
	f, ok := toFloat(v)
	if !ok {
		return 0, false, fmt.Errorf("key %q: expected a number, got %T (%v)", key, v, v)
	}
	return f, true, nil
}

func getFloats(m map[string]any, key string) ([]float64, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	switch x := v.(type) {
	case []float64:
		return append([]float64(nil), x...), nil
	case []int64:
		out := make([]float64, len(x))
		for i, e := range x {
			out[i] = float64(e)
		}
		return out, nil
	case []any:
		out := make([]float64, len(x))
		for i, e := range x {
			f, ok := toFloat(e)
			if !ok {
				return nil, fmt.Errorf("key %q: element %d: expected a number, got %T (%v)", key, i, e, e)
			}
			out[i] = f
		}
		return out, nil
	}
	return nil, fmt.Errorf("key %q: expected an array of numbers, got %T", key, v)
}
