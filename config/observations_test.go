package config

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// obsBase is a run.toml with [observations] instead of [receptors]; lines
// 1-2 are the met table.
const obsBase = "[met.hrrr]\ndirectory = 'm'\n[observations]\npath = 'obs.csv'\n"

func TestObservationsParse(t *testing.T) {
	for _, c := range []struct {
		name  string
		extra string
		check func(t *testing.T, o Observations)
	}{
		{"defaults", "", func(t *testing.T, o Observations) {
			if o.Sensor != SensorColumn || o.Mode != ColumnVertical || o.Bottom != 0 || o.Top != 3000 ||
				o.AltitudeRef != AltitudeAGL || o.SlantPath != SlantViewing || o.Step != 100 || o.Group != GroupSingle || o.Height != nil {
				t.Errorf("defaults %+v", o)
			}
			if o.Path != "/proj/obs.csv" || o.Profiles != "" {
				t.Errorf("paths %q %q", o.Path, o.Profiles)
			}
		}},
		{"slant time gap", "profiles = 'p.csv'\nmode = 'slant'\nslant_path = 'solar'\nbottom = 0\ntop = 4000\nstep = 250\nmodel_top = 3500\ngroup = 'time_gap'\nmax_gap = '90s'\nprefix = 'oco'\n",
			func(t *testing.T, o Observations) {
				if o.Profiles != "/proj/p.csv" || o.Mode != ColumnSlant || o.SlantPath != SlantSolar || o.Top != 4000 || o.Step != 250 ||
					o.ModelTop != 3500 || o.Group != GroupTimeGap || o.MaxGap != 90*time.Second || o.Prefix != "oco" {
					t.Errorf("%+v", o)
				}
			}},
		{"point", "sensor = 'point'\nheight = 10\ngroup = 'metadata'\nfield = 'site'\n", func(t *testing.T, o Observations) {
			if o.Sensor != SensorPoint || o.Height == nil || *o.Height != 10 || o.Field != "site" {
				t.Errorf("%+v", o)
			}
		}},
		{"netcdf", "sensor_name = 'oco2'\nspecies = 'xco2'\noperator_mode = 'ak_pwf'\n", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := obsBase + c.extra
			if c.name == "netcdf" {
				text = strings.Replace(text, "obs.csv", "lite.nc4", 1)
			}
			cfg, err := parse(t, text)
			if err != nil {
				t.Fatal(err)
			}
			if !cfg.HasObservations() || cfg.Receptors.Path != "" {
				t.Fatalf("observations %v receptors %q", cfg.HasObservations(), cfg.Receptors.Path)
			}
			if c.name == "netcdf" {
				if !cfg.Observations.IsNetCDF() || cfg.Observations.SensorName != "oco2" || cfg.Observations.OperatorMode != "ak_pwf" {
					t.Errorf("%+v", cfg.Observations)
				}
				return
			}
			if cfg.Observations.IsNetCDF() {
				t.Error("CSV taken for netCDF")
			}
			c.check(t, cfg.Observations)
		})
	}
}

func TestObservationsErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		want []string // "line:key:substring", in order
	}{
		{"both sources", "[receptors]\npath='r.csv'\n" + obsBase, []string{"5:observations:not both"}},
		{"neither", "[met.hrrr]\ndirectory = 'm'\n", []string{"0:receptors.path:or an [observations] table"}},
		{"no path", "[met.hrrr]\ndirectory = 'm'\n[observations]\nsensor = 'column'\n", []string{"3:observations.path:required"}},
		{"sensor", obsBase + "sensor = 'lidar'\n", []string{"5:observations.sensor:use one of \"point\", \"column\""}},
		{"mode", obsBase + "mode = 'oblique'\n", []string{"5:observations.mode:use one of"}},
		{"top below bottom", obsBase + "bottom = 500\ntop = 100\n", []string{"6:observations.top:greater than bottom"}},
		{"negative agl", obsBase + "bottom = -10\n", []string{"5:observations.bottom:>= 0"}},
		{"step", obsBase + "mode = 'slant'\nstep = 0\n", []string{"6:observations.step:must be > 0"}},
		{"slant keys on vertical", obsBase + "step = 50\n", []string{"5:observations.step:mode = \"slant\" only"}},
		{"column keys on point", obsBase + "sensor = 'point'\ntop = 50\n", []string{"6:observations.top:sensor = \"column\" only"}},
		{"height on column", obsBase + "height = 5\n", []string{"5:observations.height:sensor = \"point\" only"}},
		{"time gap without max_gap", obsBase + "group = 'time_gap'\n", []string{"3:observations.max_gap:required when"}},
		{"metadata without field", obsBase + "group = 'metadata'\n", []string{"3:observations.field:required when"}},
		{"field without metadata", obsBase + "field = 'x'\n", []string{"5:observations.field:group = \"metadata\" only"}},
		{"group", obsBase + "group = 'orbit'\n", []string{"5:observations.group:use one of"}},
		{"unknown key", obsBase + "bottm = 1\n", []string{"5:observations.bottm:did you mean \"bottom\""}},
		{"netcdf needs names", strings.Replace(obsBase, "obs.csv", "lite.nc", 1) + "profiles = 'p.csv'\n", []string{
			"3:observations.sensor_name:required", "3:observations.species:required", "5:observations.profiles:carries its own profiles"}},
		{"netcdf keys on csv", obsBase + "species = 'co2'\n", []string{"5:observations.species:netCDF soundings only"}},
		{"scenes rule", obsBase + "[scenes]\nrule = 'utc_day'\n", []string{"6:scenes.rule:observations.group"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse(t, c.text)
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %v is not Errors", err)
			}
			if len(es) != len(c.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(es), len(c.want), err)
			}
			for i, w := range c.want {
				parts := strings.SplitN(w, ":", 3)
				e := es[i]
				if got := strconv.Itoa(e.Line) + ":" + e.Key; got != parts[0]+":"+parts[1] || !strings.Contains(e.Msg, parts[2]) {
					t.Errorf("error %d = line %d key %q msg %q; want %s", i, e.Line, e.Key, e.Msg, w)
				}
			}
		})
	}
}

// TestObservationsHash: the sensor geometry is part of the result-defining
// configuration, the file locations are not, and a receptor configuration's
// hash is unaffected by the new section.
func TestObservationsHash(t *testing.T) {
	h := func(text string) string {
		t.Helper()
		c, err := parse(t, text)
		if err != nil {
			t.Fatal(err)
		}
		return c.Hash()
	}
	a := h(obsBase + "top = 3000\n")
	if b := h(strings.Replace(obsBase, "obs.csv", "elsewhere/obs.csv", 1) + "top = 3000\n"); b != a {
		t.Error("observation path changed the hash")
	}
	if b := h(obsBase + "top = 2500\n"); b == a {
		t.Error("column top did not change the hash")
	}
	if h(base) == a {
		t.Error("receptor and observation configurations hash alike")
	}
	c, _ := parse(t, base)
	if strings.Contains(string(c.EffectiveJSON()), "observations") {
		t.Error("receptor configuration mentions observations in its effective JSON")
	}
}
