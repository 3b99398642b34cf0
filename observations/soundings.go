package observations

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// SoundingSource is the read access LoadSoundings needs from a file of
// satellite soundings (a netCDF file through the netcdf binding, or a test
// double). Numeric variables come as float64 in row-major order with fill
// values replaced by NaN.
type SoundingSource interface {
	// Path names the file in error messages.
	Path() string
	// Floats returns a variable's values and shape; ok is false when the
	// file has no such variable.
	Floats(name string) (vals []float64, shape []int, ok bool, err error)
	// Attr returns a text attribute of a variable; ok is false when absent.
	Attr(varName, attr string) (string, bool)
}

// SoundingVars names the variables LoadSoundings reads. An empty name is
// not read. Per-sounding variables have shape (n); profile variables
// (n, levels).
type SoundingVars struct {
	ID, Time, Lat, Lon                     string
	Value, Uncertainty, Quality            string
	SolarZenith, SolarAzimuth              string
	ViewingZenith, ViewingAzimuth          string
	SurfacePressure, TCWV, SurfaceAltitude string
	PressureLevels, AK, PWF, Apriori       string
}

// OCO2LiteVars are the OCO-2/3 Lite file names (spec §3.3). The product's
// own pressure_weight is deliberately not read: stilt-mpi computes the PWF
// from the met (spec §4.2). Names with a slash live in netCDF groups and are
// read only when the binding resolves group paths.
var OCO2LiteVars = SoundingVars{
	ID: "sounding_id", Time: "time", Lat: "latitude", Lon: "longitude",
	Value: "xco2", Uncertainty: "xco2_uncertainty", Quality: "xco2_quality_flag",
	SolarZenith: "solar_zenith_angle", SolarAzimuth: "Sounding/solar_azimuth_angle",
	ViewingZenith: "sensor_zenith_angle", ViewingAzimuth: "Sounding/sensor_azimuth_angle",
	SurfacePressure: "Retrieval/psurf", TCWV: "Retrieval/tcwv", SurfaceAltitude: "Sounding/altitude",
	PressureLevels: "pressure_levels", AK: "xco2_averaging_kernel", Apriori: "co2_profile_apriori",
}

// LoadSoundings reads one observation per sounding. Time is converted from
// the variable's CF units ("seconds|minutes|hours|days since <date>");
// without units it is taken as seconds since 1970-01-01. Soundings get a
// vertical operator in mode (e.g. ModeAKPWF) when pressure levels are read.
// Errors name the file, variable and sounding index.
func LoadSoundings(src SoundingSource, sensor, species, mode string, vars SoundingVars) ([]Observation, error) {
	file := src.Path()
	n := -1
	read1 := func(name string, required bool) ([]float64, error) {
		if name == "" {
			return nil, nil
		}
		vals, shape, ok, err := src.Floats(name)
		if err != nil {
			return nil, fmt.Errorf("%s: variable %q: %w", file, name, err)
		}
		if !ok {
			if required {
				return nil, fmt.Errorf("%s: required variable %q missing", file, name)
			}
			return nil, nil
		}
		if len(shape) != 1 {
			return nil, fmt.Errorf("%s: variable %q has shape %v, expected (soundings)", file, name, shape)
		}
		if n >= 0 && shape[0] != n {
			return nil, fmt.Errorf("%s: variable %q has %d soundings, expected %d", file, name, shape[0], n)
		}
		n = shape[0]
		return vals, nil
	}
	lat, err := read1(vars.Lat, true)
	if err != nil {
		return nil, err
	}
	lon, err := read1(vars.Lon, true)
	if err != nil {
		return nil, err
	}
	tm, err := read1(vars.Time, true)
	if err != nil {
		return nil, err
	}
	unit, epoch, err := cfTimeUnits(src, vars.Time)
	if err != nil {
		return nil, fmt.Errorf("%s: variable %q: %w", file, vars.Time, err)
	}
	opt := map[string][]float64{}
	for _, name := range []string{vars.ID, vars.Value, vars.Uncertainty, vars.Quality, vars.SolarZenith, vars.SolarAzimuth,
		vars.ViewingZenith, vars.ViewingAzimuth, vars.SurfacePressure, vars.TCWV, vars.SurfaceAltitude} {
		vals, err := read1(name, false)
		if err != nil {
			return nil, err
		}
		if vals != nil {
			opt[name] = vals
		}
	}
	read2 := func(name string) ([]float64, int, error) {
		if name == "" {
			return nil, 0, nil
		}
		vals, shape, ok, err := src.Floats(name)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: variable %q: %w", file, name, err)
		}
		if !ok {
			return nil, 0, nil
		}
		if len(shape) != 2 || shape[0] != n {
			return nil, 0, fmt.Errorf("%s: variable %q has shape %v, expected (%d soundings, levels)", file, name, shape, n)
		}
		return vals, shape[1], nil
	}
	plev, nlev, err := read2(vars.PressureLevels)
	if err != nil {
		return nil, err
	}
	prof := map[string][]float64{}
	for _, name := range []string{vars.AK, vars.PWF, vars.Apriori} {
		vals, l, err := read2(name)
		if err != nil {
			return nil, err
		}
		if vals == nil {
			continue
		}
		if plev == nil {
			return nil, fmt.Errorf("%s: variable %q needs the pressure levels %q", file, name, vars.PressureLevels)
		}
		if l != nlev {
			return nil, fmt.Errorf("%s: variable %q has %d levels, pressure levels %d", file, name, l, nlev)
		}
		prof[name] = vals
	}
	get := func(name string, i int) float64 {
		if v, ok := opt[name]; ok {
			return v[i]
		}
		return math.NaN()
	}
	out := make([]Observation, 0, n)
	for i := 0; i < n; i++ {
		o := Observation{Sensor: sensor, Species: species, Lat: lat[i], Lon: lon[i], File: file,
			Altitude: math.NaN(), Value: get(vars.Value, i), Uncertainty: get(vars.Uncertainty, i), Viewing: NoViewing()}
		where := fmt.Sprintf("%s: sounding %d", file, i)
		if id := get(vars.ID, i); !math.IsNaN(id) {
			o.ID = strconv.FormatFloat(id, 'f', -1, 64)
			where += " (id " + o.ID + ")"
		}
		if math.IsNaN(tm[i]) || math.IsNaN(lat[i]) || math.IsNaN(lon[i]) {
			return nil, fmt.Errorf("%s: time, latitude or longitude missing", where)
		}
		o.Time = epoch.Add(time.Duration(math.Round(tm[i] * unit * 1e9)))
		o.Viewing.SolarZenith, o.Viewing.SolarAzimuth = get(vars.SolarZenith, i), get(vars.SolarAzimuth, i)
		o.Viewing.ViewingZenith, o.Viewing.ViewingAzimuth = get(vars.ViewingZenith, i), get(vars.ViewingAzimuth, i)
		if q := get(vars.Quality, i); !math.IsNaN(q) {
			o.Quality = map[string]string{vars.Quality: strconv.FormatFloat(q, 'f', -1, 64)}
		}
		psurf, tcwv, zs := get(vars.SurfacePressure, i), get(vars.TCWV, i), get(vars.SurfaceAltitude, i)
		if plev != nil || !math.IsNaN(psurf) {
			op := NewVerticalOperator()
			op.Mode, op.SurfacePressure, op.TCWV, op.SurfaceAltitude = mode, psurf, tcwv, zs
			if plev != nil {
				op.LevelCoord = LevelPressure
				row := func(v []float64) []float64 { return append([]float64(nil), v[i*nlev:(i+1)*nlev]...) }
				op.Levels = row(plev)
				if v, ok := prof[vars.AK]; ok {
					op.AK = row(v)
				}
				if v, ok := prof[vars.PWF]; ok {
					op.PWF = row(v)
				}
				if v, ok := prof[vars.Apriori]; ok {
					op.Apriori = row(v)
				}
				for k, l := range op.Levels {
					if math.IsNaN(l) {
						return nil, fmt.Errorf("%s: pressure level %d missing", where, k)
					}
				}
			}
			o.Operator = op
		}
		if err := o.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// cfTimeUnits parses "<unit> since <date>" of a time variable; absent units
// mean seconds since 1970-01-01.
func cfTimeUnits(src SoundingSource, name string) (float64, time.Time, error) {
	u, ok := src.Attr(name, "units")
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	if !ok || strings.TrimSpace(u) == "" {
		return 1, epoch, nil
	}
	parts := strings.SplitN(strings.TrimSpace(u), " since ", 2)
	if len(parts) != 2 {
		return 0, epoch, fmt.Errorf("units %q, expected \"<unit> since <date>\"", u)
	}
	var scale float64
	switch strings.ToLower(strings.TrimSpace(parts[0])) {
	case "s", "sec", "second", "seconds":
		scale = 1
	case "min", "minute", "minutes":
		scale = 60
	case "h", "hour", "hours":
		scale = 3600
	case "d", "day", "days":
		scale = 86400
	default:
		return 0, epoch, fmt.Errorf("units %q: unknown time unit %q", u, parts[0])
	}
	ds := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(parts[1]), "UTC"))
	ds = strings.TrimSuffix(strings.TrimSpace(ds), "Z")
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02", "2006-1-2 15:04:05", "2006-1-2"} {
		if t, err := time.Parse(layout, strings.TrimSpace(ds)); err == nil {
			return scale, t, nil
		}
	}
	return 0, epoch, fmt.Errorf("units %q: cannot parse reference date %q", u, ds)
}
