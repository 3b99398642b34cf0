package observations

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Observation CSV (one row per observation). Column names are lower-cased
// and trimmed; aliases are applied first. Required: sensor, species, time,
// latitude, longitude. Recognised optional columns are listed in obsColumns;
// uncertainty_<name> columns form the uncertainty budget, quality_<name> (and
// qf) columns the quality flags, and every other column goes to Metadata.
// Empty cells are "not given".
var obsAliases = map[string]string{
	"lat": "latitude", "lati": "latitude", "lon": "longitude", "long": "longitude",
	"id": "observation_id", "obs_id": "observation_id",
	"vza": "viewing_zenith", "vaa": "viewing_azimuth", "sza": "solar_zenith", "saa": "solar_azimuth",
	"height_ref": "altitude_ref", "mode": "operator_mode", "qf": "quality_qf",
}

// obsColumns are the recognised columns (after aliasing), with whether they
// are numeric.
var obsColumns = map[string]bool{
	"sensor": false, "species": false, "time": false, "latitude": true, "longitude": true,
	"observation_id": false, "platform": false, "altitude": true, "zagl": true, "zmsl": true, "altitude_ref": false,
	"value": true, "units": false, "uncertainty": true,
	"viewing_zenith": true, "viewing_azimuth": true, "solar_zenith": true, "solar_azimuth": true,
	"relative_azimuth": true, "scan_angle": true, "glint_angle": true,
	"geometry": false, "swath": false, "along_track": true, "across_track": true,
	"operator_mode": false, "psurf": true, "tcwv": true, "surface_altitude": true,
	"los_start": true, "los_end": true, "los_count": true, "los_frequency": true,
	"los_anchor": true, "los_max": true, "los_surface": true, "los_ref": false,
}

// Load reads observations from an observation CSV and, when profilesPath is
// not empty, attaches per-observation vertical-operator profiles from a
// companion CSV keyed by observation_id. Every observation is validated;
// errors name the file and line.
func Load(path, profilesPath string) ([]Observation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("observations: %w", err)
	}
	defer f.Close()
	obs, err := DecodeCSV(bufio.NewReader(f), path)
	if err != nil {
		return nil, err
	}
	if profilesPath != "" {
		pf, err := os.Open(profilesPath)
		if err != nil {
			return nil, fmt.Errorf("observations: %w", err)
		}
		defer pf.Close()
		if err := DecodeProfiles(bufio.NewReader(pf), profilesPath, obs); err != nil {
			return nil, err
		}
	}
	for i := range obs {
		if err := obs[i].Validate(); err != nil {
			return nil, err
		}
	}
	return obs, nil
}

// DecodeCSV reads observation rows; name is used in error messages.
// Observations are returned unvalidated apart from parsing (Load validates).
func DecodeCSV(r io.Reader, name string) ([]Observation, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	hdr, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s:1: reading header: %w", name, err)
	}
	cols := make([]string, len(hdr))
	seen := map[string]bool{}
	for i, h := range hdr {
		c := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if a, ok := obsAliases[c]; ok {
			c = a
		}
		if c == "" {
			return nil, fmt.Errorf("%s:1: column %d has no name", name, i+1)
		}
		if seen[c] {
			return nil, fmt.Errorf("%s:1: column %q appears twice (after aliases)", name, c)
		}
		seen[c] = true
		cols[i] = c
	}
	for _, req := range []string{"sensor", "species", "time", "latitude", "longitude"} {
		if !seen[req] {
			return nil, fmt.Errorf("%s:1: required column %q missing (have %v)", name, req, cols)
		}
	}
	if (seen["altitude"] && (seen["zagl"] || seen["zmsl"])) || (seen["zagl"] && seen["zmsl"]) {
		return nil, fmt.Errorf("%s:1: give only one of the columns altitude, zagl, zmsl", name)
	}
	var out []Observation
	ids := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		o, err := decodeRow(cols, rec)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		o.File, o.Line = name, line
		if o.ID != "" {
			if prev, dup := ids[o.ID]; dup {
				return nil, fmt.Errorf("%s:%d: observation_id %q already used on line %d", name, line, o.ID, prev)
			}
			ids[o.ID] = line
		}
		out = append(out, o)
	}
	return out, nil
}

func decodeRow(cols, rec []string) (Observation, error) {
	nan := math.NaN()
	o := Observation{Altitude: nan, Value: nan, Uncertainty: nan, Viewing: NoViewing()}
	var los LineOfSight
	los.Start, los.End, los.AnchorAltitude, los.SurfaceAltitude, los.MaxAltitude = nan, nan, nan, nan, nan
	hasLOS, losRef := false, ""
	op := NewVerticalOperator()
	hasOp := false
	altRef := ""
	for j, c := range cols {
		s := strings.TrimSpace(rec[j])
		if s == "" || s == "NA" {
			continue
		}
		var v float64
		numeric, known := obsColumns[c]
		if known && numeric || strings.HasPrefix(c, "uncertainty_") {
			var err error
			v, err = strconv.ParseFloat(s, 64)
			if err != nil {
				return o, fmt.Errorf("column %q: %q is not a number", c, s)
			}
		}
		switch {
		case c == "sensor":
			o.Sensor = s
		case c == "species":
			o.Species = s
		case c == "time":
			t, err := ParseTime(s)
			if err != nil {
				return o, fmt.Errorf("column \"time\": %w", err)
			}
			o.Time = t
		case c == "latitude":
			o.Lat = v
		case c == "longitude":
			o.Lon = v
		case c == "observation_id":
			o.ID = s
		case c == "platform":
			o.Platform = s
		case c == "altitude":
			o.Altitude = v
		case c == "zagl":
			o.Altitude, altRef = v, firstNonEmpty(altRef, "agl")
		case c == "zmsl":
			o.Altitude, altRef = v, firstNonEmpty(altRef, "msl")
		case c == "altitude_ref":
			altRef = strings.ToLower(s)
			if altRef != "agl" && altRef != "msl" {
				return o, fmt.Errorf("column \"altitude_ref\": %q, expected agl or msl", s)
			}
		case c == "value":
			o.Value = v
		case c == "units":
			o.Units = s
		case c == "uncertainty":
			o.Uncertainty = v
		case strings.HasPrefix(c, "uncertainty_"):
			o.Budget.Components = append(o.Budget.Components, UncertaintyComponent{strings.TrimPrefix(c, "uncertainty_"), v})
		case strings.HasPrefix(c, "quality_"):
			if o.Quality == nil {
				o.Quality = map[string]string{}
			}
			o.Quality[strings.TrimPrefix(c, "quality_")] = s
		case c == "viewing_zenith":
			o.Viewing.ViewingZenith = v
		case c == "viewing_azimuth":
			o.Viewing.ViewingAzimuth = v
		case c == "solar_zenith":
			o.Viewing.SolarZenith = v
		case c == "solar_azimuth":
			o.Viewing.SolarAzimuth = v
		case c == "relative_azimuth":
			o.Viewing.RelativeAzimuth = v
		case c == "scan_angle":
			o.Viewing.ScanAngle = v
		case c == "glint_angle":
			o.Viewing.GlintAngle = v
		case c == "geometry":
			o.Geometry.Kind = s
		case c == "swath":
			o.Geometry.Swath = s
		case c == "along_track":
			o.Geometry.AlongTrack = int(v)
		case c == "across_track":
			o.Geometry.AcrossTrack = int(v)
		case c == "operator_mode":
			if err := checkMode(s); err != nil {
				return o, fmt.Errorf("column \"operator_mode\": %w", err)
			}
			op.Mode, hasOp = s, true
		case c == "psurf":
			op.SurfacePressure, hasOp = v, true
		case c == "tcwv":
			op.TCWV, hasOp = v, true
		case c == "surface_altitude":
			op.SurfaceAltitude, hasOp = v, true
			los.SurfaceAltitude = v
		case c == "los_start":
			los.Start, hasLOS = v, true
		case c == "los_end":
			los.End, hasLOS = v, true
		case c == "los_count":
			if v != math.Trunc(v) {
				return o, fmt.Errorf("column \"los_count\": %q is not an integer", s)
			}
			los.Count, hasLOS = int(v), true
		case c == "los_frequency":
			los.Frequency, hasLOS = v, true
		case c == "los_anchor":
			los.AnchorAltitude = v
		case c == "los_max":
			los.MaxAltitude = v
		case c == "los_surface":
			los.SurfaceAltitude = v
		case c == "los_ref":
			losRef = strings.ToLower(s)
			if losRef != "agl" && losRef != "msl" {
				return o, fmt.Errorf("column \"los_ref\": %q, expected agl or msl", s)
			}
		default:
			if o.Metadata == nil {
				o.Metadata = map[string]string{}
			}
			o.Metadata[c] = s
		}
	}
	o.AltitudeMSL = altRef == "msl"
	if hasLOS {
		los.MSL = losRef != "agl" // PYSTILT's LineOfSight defaults to MSL
		o.LineOfSight = &los
	}
	if hasOp {
		o.Operator = op
	}
	return o, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ParseTime parses an observation time as UTC: 12-digit YYYYMMDDHHMM,
// 14-digit YYYYMMDDHHMMSS, RFC 3339 (converted to UTC), or
// "YYYY-MM-DD HH:MM[:SS]" / "YYYY-MM-DDTHH:MM[:SS]" (taken as UTC). Bare
// numbers of other lengths are rejected.
func ParseTime(s string) (time.Time, error) {
	digits := strings.Trim(s, "0123456789") == ""
	switch {
	case digits && len(s) == 12:
		return time.Parse("200601021504", s)
	case digits && len(s) == 14:
		return time.Parse("20060102150405", s)
	case digits:
		return time.Time{}, fmt.Errorf("%q: numeric times other than YYYYMMDDHHMM[SS] are not accepted", s)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (expected YYYYMMDDHHMM, YYYY-MM-DD HH:MM:SS or RFC 3339)", s)
}

var profileAliases = map[string]string{"id": "observation_id", "obs_id": "observation_id", "pres": "pressure", "xhgt": "height"}

// DecodeProfiles reads per-level operator profiles (one row per observation
// and level: observation_id, exactly one of pressure [hPa] or height [m],
// and any of ak, pwf, int_op, apriori, h2o_wet) and attaches them to obs by
// observation id. A column, once present, needs a value on every row.
func DecodeProfiles(r io.Reader, name string, obs []Observation) error {
	cr := csv.NewReader(r)
	hdr, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s:1: reading header: %w", name, err)
	}
	allowed := []string{"observation_id", "pressure", "height", "ak", "pwf", "int_op", "apriori", "h2o_wet"}
	col := map[string]int{}
	for i, h := range hdr {
		c := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if a, ok := profileAliases[c]; ok {
			c = a
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == c
		}
		if !ok {
			return fmt.Errorf("%s:1: unknown profile column %q (allowed: %s)", name, h, strings.Join(allowed, ", "))
		}
		if _, dup := col[c]; dup {
			return fmt.Errorf("%s:1: column %q appears twice", name, c)
		}
		col[c] = i
	}
	if _, ok := col["observation_id"]; !ok {
		return fmt.Errorf("%s:1: required column \"observation_id\" missing", name)
	}
	_, hasP := col["pressure"]
	_, hasH := col["height"]
	if hasP == hasH {
		return fmt.Errorf("%s:1: give exactly one level column, \"pressure\" (hPa) or \"height\" (m)", name)
	}
	levelCol, coord := "pressure", LevelPressure
	if hasH {
		levelCol, coord = "height", LevelHeight
	}
	byID := map[string]*Observation{}
	for i := range obs {
		if obs[i].ID != "" {
			byID[obs[i].ID] = &obs[i]
		}
	}
	started := map[string]bool{}
	levelLine := map[string]map[float64]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		id := strings.TrimSpace(rec[col["observation_id"]])
		o, ok := byID[id]
		if !ok {
			return fmt.Errorf("%s:%d: observation_id %q is not in the observation file", name, line, id)
		}
		num := func(c string) (float64, bool, error) {
			j, ok := col[c]
			if !ok {
				return 0, false, nil
			}
			s := strings.TrimSpace(rec[j])
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) {
				return 0, true, fmt.Errorf("%s:%d: column %q: %q is not a number", name, line, c, s)
			}
			return v, true, nil
		}
		if o.Operator == nil {
			o.Operator = NewVerticalOperator()
		}
		op := o.Operator
		if !started[id] {
			if len(op.Levels) > 0 {
				return fmt.Errorf("%s:%d: observation %q already has a profile", name, line, id)
			}
			started[id] = true
			op.LevelCoord = coord
		}
		lv, _, err := num(levelCol)
		if err != nil {
			return err
		}
		if levelLine[id] == nil {
			levelLine[id] = map[float64]int{}
		}
		if prev, dup := levelLine[id][lv]; dup {
			return fmt.Errorf("%s:%d: observation %q has %s level %v twice (also line %d)", name, line, id, levelCol, lv, prev)
		}
		levelLine[id][lv] = line
		op.Levels = append(op.Levels, lv)
		for _, f := range []struct {
			c string
			s *[]float64
		}{{"ak", &op.AK}, {"pwf", &op.PWF}, {"int_op", &op.IntOp}, {"apriori", &op.Apriori}, {"h2o_wet", &op.H2OWet}} {
			v, ok, err := num(f.c)
			if err != nil {
				return err
			}
			if ok {
				*f.s = append(*f.s, v)
			}
		}
	}
	return nil
}
