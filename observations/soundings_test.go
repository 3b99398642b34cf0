package observations

import (
	"math"
	"strings"
	"testing"
	"time"
)

// fakeSoundings is a test double of SoundingSource backed by maps.
type fakeSoundings struct {
	vars  map[string][]float64
	shape map[string][]int
	attrs map[string]string // "var:attr" -> value
}

func (f *fakeSoundings) Path() string { return "fake.nc" }
func (f *fakeSoundings) Floats(name string) ([]float64, []int, bool, error) {
	v, ok := f.vars[name]
	if !ok {
		return nil, nil, false, nil
	}
	sh := f.shape[name]
	if sh == nil {
		sh = []int{len(v)}
	}
	return v, sh, true, nil
}
func (f *fakeSoundings) Attr(v, a string) (string, bool) { s, ok := f.attrs[v+":"+a]; return s, ok }

func ocoFake() *fakeSoundings {
	return &fakeSoundings{
		vars: map[string][]float64{
			"sounding_id":           {2019053020150271, 2019053020150272},
			"time":                  {1559247302.5, 1559247303},
			"latitude":              {40.77, 40.78},
			"longitude":             {-111.85, -111.84},
			"xco2":                  {410.2, math.NaN()},
			"xco2_quality_flag":     {0, 1},
			"sensor_zenith_angle":   {12, 13},
			"solar_zenith_angle":    {30, 31},
			"Retrieval/psurf":       {850, 851},
			"pressure_levels":       {1, 500, 850, 2, 501, 851},
			"xco2_averaging_kernel": {0.5, 0.9, 1.0, 0.6, 0.9, 1.0},
		},
		shape: map[string][]int{"pressure_levels": {2, 3}, "xco2_averaging_kernel": {2, 3}},
		attrs: map[string]string{"time:units": "seconds since 1970-01-01 00:00:00"},
	}
}

func TestLoadSoundings(t *testing.T) {
	obs, err := LoadSoundings(ocoFake(), "oco2", "xco2", ModeAKPWF, OCO2LiteVars)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 2 {
		t.Fatalf("%d observations", len(obs))
	}
	o := obs[0]
	if o.ID != "2019053020150271" || o.Lat != 40.77 || o.Value != 410.2 || o.Quality["xco2_quality_flag"] != "0" {
		t.Errorf("o = %+v", o)
	}
	if want := time.Date(2019, 5, 30, 20, 15, 2, 5e8, time.UTC); !o.Time.Equal(want) {
		t.Errorf("time %v, want %v", o.Time, want)
	}
	if o.Viewing.ViewingZenith != 12 || o.Viewing.SolarZenith != 30 || !math.IsNaN(o.Viewing.ViewingAzimuth) {
		t.Errorf("viewing %+v", o.Viewing)
	}
	op := obs[1].Operator
	if op == nil || op.Mode != ModeAKPWF || op.SurfacePressure != 851 || op.LevelCoord != LevelPressure ||
		len(op.Levels) != 3 || op.Levels[2] != 851 || op.AK[0] != 0.6 || op.PWF != nil {
		t.Errorf("operator %+v", op)
	}
	if !math.IsNaN(obs[1].Value) {
		t.Errorf("fill value not NaN: %v", obs[1].Value)
	}

	// Units in days since another epoch.
	f := ocoFake()
	f.vars["time"] = []float64{1.5, 2}
	f.attrs["time:units"] = "days since 2019-05-29"
	obs, err = LoadSoundings(f, "oco2", "xco2", ModeAK, OCO2LiteVars)
	if err != nil || !obs[0].Time.Equal(time.Date(2019, 5, 30, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("days since: %v %v", err, obs)
	}
}

func TestLoadSoundingsErrors(t *testing.T) {
	cases := []struct {
		name string
		mod  func(f *fakeSoundings)
		want string
	}{
		{"no latitude", func(f *fakeSoundings) { delete(f.vars, "latitude") }, `fake.nc: required variable "latitude" missing`},
		{"length", func(f *fakeSoundings) { f.vars["xco2"] = []float64{1} }, `variable "xco2" has 1 soundings, expected 2`},
		{"missing lat", func(f *fakeSoundings) { f.vars["latitude"][1] = math.NaN() }, `fake.nc: sounding 1 (id 2019053020150272): time, latitude or longitude missing`},
		{"latitude range", func(f *fakeSoundings) { f.vars["latitude"][0] = 91 }, `sounding 0 (id 2019053020150271)`},
		{"ak levels", func(f *fakeSoundings) {
			f.shape["xco2_averaging_kernel"] = []int{2, 2}
			f.vars["xco2_averaging_kernel"] = f.vars["xco2_averaging_kernel"][:4]
		}, `has 2 levels, pressure levels 3`},
		{"bad units", func(f *fakeSoundings) { f.attrs["time:units"] = "fortnights since 2019-01-01" }, `unknown time unit`},
		{"ak without levels", func(f *fakeSoundings) { delete(f.vars, "pressure_levels") }, `needs the pressure levels`},
	}
	for _, c := range cases {
		f := ocoFake()
		c.mod(f)
		_, err := LoadSoundings(f, "oco2", "xco2", ModeAK, OCO2LiteVars)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want error containing %q", c.name, err, c.want)
		}
	}
}
