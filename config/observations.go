package config

import (
	"path/filepath"
	"strings"
	"time"
)

// Observation sensors, column modes, slant paths and grouping rules of
// [observations] (the same names as package observations uses).
const (
	SensorPoint  = "point"
	SensorColumn = "column"

	ColumnVertical = "vertical"
	ColumnSlant    = "slant"

	SlantViewing = "viewing"
	SlantSolar   = "solar"

	GroupSingle   = "single"
	GroupTimeGap  = "time_gap"
	GroupSwath    = "swath"
	GroupMetadata = "metadata"

	AltitudeAGL = "agl"
	AltitudeMSL = "msl"
)

// Observations is [observations]: when present it replaces [receptors] as
// the source of simulations (one per observation and met source), grouped
// into scenes by Group.
type Observations struct {
	Path     string `json:"-"` // observation CSV, or netCDF of soundings (.nc, .nc4)
	Profiles string `json:"-"` // companion profile CSV (CSV observations only)

	// netCDF soundings only: sensor name, species and the operator mode
	// given to every sounding (OCO-2 Lite variable names).
	SensorName   string `json:"sensor_name,omitempty"`
	Species      string `json:"species,omitempty"`
	OperatorMode string `json:"operator_mode,omitempty"`

	Sensor      string   `json:"sensor"`           // SensorPoint or SensorColumn
	Height      *float64 `json:"height,omitempty"` // point: release height (m); nil = each observation's altitude
	Mode        string   `json:"mode"`             // column: ColumnVertical or ColumnSlant
	Bottom      float64  `json:"bottom"`           // column bottom, m
	Top         float64  `json:"top"`              // column top, m
	AltitudeRef string   `json:"altitude_ref"`     // bottom/top reference: AltitudeAGL or AltitudeMSL
	SlantPath   string   `json:"slant_path"`       // slant: SlantViewing or SlantSolar
	Step        float64  `json:"step"`             // slant: height step between points, m
	ModelTop    float64  `json:"model_top"`        // slant: clip points above (m, same reference); 0 = no clip

	Group  string        `json:"group"`            // GroupSingle, GroupTimeGap, GroupSwath or GroupMetadata
	MaxGap time.Duration `json:"max_gap"`          // time_gap
	Field  string        `json:"field,omitempty"`  // metadata
	Prefix string        `json:"prefix,omitempty"` // scene id prefix ("" = the sensor name)
}

// HasObservations reports whether [observations] is the source of
// simulations.
func (c *Config) HasObservations() bool { return c.Observations.Path != "" }

// IsNetCDF reports whether the observation file is a netCDF file of
// soundings (by extension: .nc, .nc4, .netcdf).
func (o *Observations) IsNetCDF() bool {
	switch strings.ToLower(filepath.Ext(o.Path)) {
	case ".nc", ".nc4", ".netcdf":
		return true
	}
	return false
}

// readObservations reads [observations] into c.Observations (defaults: a
// vertical 0–3000 m AGL column, slant steps of 100 m on the viewing path, one
// scene per sensor).
func readObservations(t *tbl, c *Config, resolve func(string) string) {
	o := &c.Observations
	*o = Observations{Sensor: SensorColumn, Mode: ColumnVertical, Bottom: 0, Top: 3000, AltitudeRef: AltitudeAGL,
		SlantPath: SlantViewing, Step: 100, Group: GroupSingle}
	if t.m == nil {
		return
	}
	t.str("path", &o.Path)
	if o.Path == "" {
		t.w.errAt(join(t.path, "path"), "required: the observation CSV (sensor, species, time, latitude, longitude, ...) or a netCDF file of soundings")
	}
	t.str("profiles", &o.Profiles)
	t.str("sensor_name", &o.SensorName)
	t.str("species", &o.Species)
	t.str("operator_mode", &o.OperatorMode, "none", "uniform", "ak", "pwf", "ak_pwf", "integration", "tccon")
	t.str("sensor", &o.Sensor, SensorPoint, SensorColumn)
	t.optFloat("height", &o.Height, nil)
	t.str("mode", &o.Mode, ColumnVertical, ColumnSlant)
	t.float("bottom", &o.Bottom, nil)
	t.float("top", &o.Top, nil)
	t.str("altitude_ref", &o.AltitudeRef, AltitudeAGL, AltitudeMSL)
	t.str("slant_path", &o.SlantPath, SlantViewing, SlantSolar)
	t.float("step", &o.Step, above(0.0))
	t.float("model_top", &o.ModelTop, atLeast(0.0))
	t.str("group", &o.Group, GroupSingle, GroupTimeGap, GroupSwath, GroupMetadata)
	t.duration("max_gap", &o.MaxGap, 0)
	t.str("field", &o.Field)
	t.str("prefix", &o.Prefix)
	t.finish()

	if o.Sensor == SensorColumn && (t.has("bottom") || t.has("top")) && !(o.Bottom < o.Top) {
		t.errf("top", "%v must be greater than bottom %v", o.Top, o.Bottom)
	}
	if o.Sensor == SensorColumn && o.AltitudeRef == AltitudeAGL && o.Bottom < 0 {
		t.errf("bottom", "%v: an AGL column bottom must be >= 0", o.Bottom)
	}
	if o.Sensor == SensorPoint {
		for _, k := range []string{"mode", "bottom", "top", "slant_path", "step", "model_top", "altitude_ref"} {
			if t.has(k) {
				t.errf(k, "applies to sensor = \"column\" only (sensor is \"point\")")
			}
		}
		if o.Height != nil && *o.Height < 0 {
			t.errf("height", "%v: must be >= 0 (m AGL)", *o.Height)
		}
	} else if t.has("height") {
		t.errf("height", "applies to sensor = \"point\" only; a column uses bottom and top")
	}
	if o.Mode != ColumnSlant {
		for _, k := range []string{"slant_path", "step", "model_top"} {
			if t.has(k) && o.Sensor == SensorColumn {
				t.errf(k, "applies to mode = \"slant\" only (mode is %q)", o.Mode)
			}
		}
	}
	if o.Group == GroupTimeGap && !t.has("max_gap") {
		t.w.errAt(join(t.path, "max_gap"), "required when group = \"time_gap\": the largest gap inside a scene, e.g. \"10m\"")
	}
	if t.has("max_gap") && o.Group != GroupTimeGap {
		t.errf("max_gap", "applies to group = \"time_gap\" only (group is %q)", o.Group)
	}
	if o.Group == GroupMetadata && strings.TrimSpace(o.Field) == "" {
		t.w.errAt(join(t.path, "field"), "required when group = \"metadata\": the observation CSV column whose value names the scene")
	}
	if t.has("field") && o.Group != GroupMetadata {
		t.errf("field", "applies to group = \"metadata\" only (group is %q)", o.Group)
	}
	nc := o.IsNetCDF()
	if nc {
		if o.Profiles != "" {
			t.errf("profiles", "a netCDF file of soundings carries its own profiles; profiles is for observation CSVs")
		}
		if o.SensorName == "" {
			t.w.errAt(join(t.path, "sensor_name"), "required for a netCDF file of soundings: the sensor name (e.g. \"oco2\")")
		}
		if o.Species == "" {
			t.w.errAt(join(t.path, "species"), "required for a netCDF file of soundings: the species (e.g. \"xco2\")")
		}
	} else {
		for _, k := range []string{"sensor_name", "species", "operator_mode"} {
			if t.has(k) {
				t.errf(k, "applies to netCDF soundings only; an observation CSV has its own sensor, species and operator_mode columns")
			}
		}
	}
	o.Path = resolve(o.Path)
	o.Profiles = resolve(o.Profiles)
}

// observationsView is the result-determining part of [observations] for
// Hash: the sensor geometry and grouping (file paths excluded, like the
// receptor file's).
func (c *Config) observationsView() *Observations {
	if !c.HasObservations() {
		return nil
	}
	o := c.Observations
	return &o
}
