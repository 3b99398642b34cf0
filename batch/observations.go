package batch

// Observations as the source of simulations ([observations] in run.toml):
// planning from observations.Targets and the observation variables of scene
// files. Kept apart from plan.go and scene.go, which only call in here.

import (
	"fmt"
	"math"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/met"
	"github.com/stilt-mpi/stilt-mpi/netcdf"
	"github.com/stilt-mpi/stilt-mpi/observations"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// LoadObservations reads the observations of cfg's [observations]: an
// observation CSV with its optional profile CSV, or a netCDF file of
// soundings (OCO-2 Lite variable names).
func LoadObservations(cfg *config.Config) ([]observations.Observation, error) {
	o := cfg.Observations
	var (
		obs []observations.Observation
		err error
	)
	if o.IsNetCDF() {
		obs, err = observations.LoadSoundingsFile(o.Path, o.SensorName, o.Species, o.OperatorMode, observations.OCO2LiteVars)
	} else {
		obs, err = observations.Load(o.Path, o.Profiles)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: [observations]: %w", cfg.Path, err)
	}
	if len(obs) == 0 {
		return nil, fmt.Errorf("%s: [observations] path %s holds no observations", cfg.Path, o.Path)
	}
	return obs, nil
}

// ObservationSensor returns the sensor [observations] describes.
func ObservationSensor(cfg *config.Config) observations.Sensor {
	o := cfg.Observations
	name := o.SensorName
	if name == "" {
		name = o.Sensor
	}
	if o.Sensor == config.SensorPoint {
		h := math.NaN()
		if o.Height != nil {
			h = *o.Height
		}
		return observations.PointSensor{SensorName: name, DefaultHeight: h}
	}
	return observations.ColumnSensor{SensorName: name, Mode: o.Mode, Bottom: o.Bottom, Top: o.Top,
		MSL: o.AltitudeRef == config.AltitudeMSL, Path: o.SlantPath, Step: o.Step, ModelTop: o.ModelTop}
}

// ObservationGroupRule returns the scene grouping rule of [observations].
func ObservationGroupRule(cfg *config.Config) observations.GroupRule {
	o := cfg.Observations
	return observations.GroupRule{Kind: o.Group, Prefix: o.Prefix, MaxGap: o.MaxGap, Field: o.Field}
}

// planObservations builds one simulation per observation and met source
// (met-major order), each keeping its observation and its scene.
func planObservations(cfg *config.Config) ([]SimSpec, error) {
	obs, err := LoadObservations(cfg)
	if err != nil {
		return nil, err
	}
	targets, _, err := observations.Targets(obs, ObservationGroupRule(cfg), ObservationSensor(cfg))
	if err != nil {
		return nil, fmt.Errorf("%s: [observations] %s: %w", cfg.Path, cfg.Observations.Path, err)
	}
	rs := make([]receptor.Receptor, len(targets))
	for i, t := range targets {
		rs[i] = t.Receptor
	}
	var mets []string
	for _, m := range cfg.Mets() {
		mets = append(mets, m.Name)
	}
	sims, err := receptor.Simulations(rs, mets)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (two observations give the same receptor: same time, place and geometry)", cfg.Observations.Path, err)
	}
	out := make([]SimSpec, len(sims))
	for i, s := range sims {
		t := targets[s.Receptor]
		out[i] = SimSpec{ID: s.ID, Met: s.Met, Receptor: t.Receptor, Scene: t.Scene, Observation: t.Observation}
	}
	return out, nil
}

// obsVars are the observation variables of a scene file.
type obsVars struct {
	id, value, unc, units netcdf.Var
	perUnits              bool
}

// common returns the value f gives every member with an observation, or ""
// when they differ.
func common(members []SceneMember, f func(*observations.Observation) string) string {
	v, first := "", true
	for _, m := range members {
		if o := m.Spec.Observation; o != nil {
			if first {
				v, first = f(o), false
			} else if f(o) != v {
				return ""
			}
		}
	}
	return v
}

// defObservationVars defines, when any member carries an observation,
// observation_id, observation_value and observation_uncertainty per
// receptor (units as attributes; an observation_units variable as well when
// the units differ between observations). It returns nil otherwise.
func defObservationVars(f *netcdf.File, dR, dStr netcdf.Dim, members []SceneMember) (*obsVars, error) {
	has := false
	for _, m := range members {
		has = has || m.Spec.Observation != nil
	}
	if !has {
		return nil, nil
	}
	ov := &obsVars{}
	var err error
	put := func(v netcdf.Var, k, val string) {
		if err == nil && val != "" {
			err = v.PutAttr(k, val)
		}
	}
	if ov.id, err = f.DefVar("observation_id", netcdf.Char, dR, dStr); err != nil {
		return nil, err
	}
	put(ov.id, "long_name", "id of the observation the receptor was built from (empty: none)")
	units := common(members, func(o *observations.Observation) string { return o.Units })
	species := common(members, func(o *observations.Observation) string { return o.Species })
	sensor := common(members, func(o *observations.Observation) string { return o.Sensor })
	for _, d := range []struct {
		v    *netcdf.Var
		name string
		long string
	}{{&ov.value, "observation_value", "observed value"}, {&ov.unc, "observation_uncertainty", "observation uncertainty (1 sigma)"}} {
		if *d.v, err = f.DefVar(d.name, netcdf.Double, dR); err != nil {
			return nil, err
		}
		put(*d.v, "long_name", d.long+" (NaN: not given)")
		put(*d.v, "units", units)
		put(*d.v, "species", species)
		put(*d.v, "sensor", sensor)
	}
	if err != nil {
		return nil, err
	}
	// "x"+units is never empty: common is "" only when the units differ
	if units == "" && common(members, func(o *observations.Observation) string { return "x" + o.Units }) == "" {
		ov.perUnits = true
		if ov.units, err = f.DefVar("observation_units", netcdf.Char, dR, dStr); err != nil {
			return nil, err
		}
		put(ov.units, "long_name", "units of observation_value and observation_uncertainty")
	}
	return ov, err
}

// put writes member i's observation variables (empty id and NaN values for
// a member without an observation).
func (ov *obsVars) put(i int, m SceneMember) error {
	id, units, val, unc := "", "", math.NaN(), math.NaN()
	if o := m.Spec.Observation; o != nil {
		id, units, val, unc = o.ID, o.Units, o.Value, o.Uncertainty
	}
	str := func(v netcdf.Var, s string) error {
		if len(s) > 127 {
			s = s[:127]
		}
		return v.PutStrings(i, 128, []string{s})
	}
	if err := str(ov.id, id); err != nil {
		return err
	}
	if ov.perUnits {
		if err := str(ov.units, units); err != nil {
			return err
		}
	}
	if err := ov.value.PutFloat64s([]int{i}, []int{1}, []float64{val}); err != nil {
		return err
	}
	return ov.unc.PutFloat64s([]int{i}, []int{1}, []float64{unc})
}

// SceneObservations are the observation variables of a scene file.
type SceneObservations struct {
	IDs         []string
	Values      []float64
	Uncertainty []float64
	Units       []string // per receptor (from the attribute when common)
}

// ReadSceneObservations reads the observation variables of a scene file
// written from [observations]; ok is false when the file has none.
func ReadSceneObservations(path string) (so SceneObservations, ok bool, err error) {
	f, err := netcdf.Open(path, false)
	if err != nil {
		return so, false, err
	}
	defer f.Close()
	vID, err := f.Var("observation_id")
	if err != nil {
		return so, false, nil
	}
	d, err := f.Dim("receptor")
	if err != nil {
		return so, false, fmt.Errorf("%s: not a scene file: %w", path, err)
	}
	n, err := d.Len()
	if err != nil {
		return so, false, err
	}
	if so.IDs, err = vID.GetStrings(0, n, 128); err != nil {
		return so, false, fmt.Errorf("%s: observation_id: %w", path, err)
	}
	units := ""
	for _, x := range []struct {
		name string
		dst  *[]float64
	}{{"observation_value", &so.Values}, {"observation_uncertainty", &so.Uncertainty}} {
		v, err := f.Var(x.name)
		if err != nil {
			return so, false, fmt.Errorf("%s: %w", path, err)
		}
		*x.dst = make([]float64, n)
		if n > 0 {
			if err := v.GetFloat64s([]int{0}, []int{n}, *x.dst); err != nil {
				return so, false, fmt.Errorf("%s: %s: %w", path, x.name, err)
			}
		}
		if u, err := v.AttrText("units"); err == nil {
			units = u
		}
	}
	if v, err := f.Var("observation_units"); err == nil {
		if so.Units, err = v.GetStrings(0, n, 128); err != nil {
			return so, false, fmt.Errorf("%s: observation_units: %w", path, err)
		}
	} else {
		so.Units = make([]string, n)
		for i := range so.Units {
			so.Units[i] = units
		}
	}
	return so, true, nil
}

// ReceptorMetColumn is the meteorology the pressure weighting function
// needs at receptor r, from the simulation's met files at the valid time
// nearest r.Time: surface pressure PRSS (hPa, bilinear at the receptor's
// first point) and specific humidity SPHU (kg/kg) on the upper levels, at
// level pressures from the PRES field, else from the vertical coordinate.
// Without SPHU the air is taken as dry; without PRSS it is an error.
func ReceptorMetColumn(files []string, r receptor.Receptor) (observations.MetColumn, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("met column: no met files")
	}
	d, err := met.OpenDataset(files...)
	if err != nil {
		return nil, fmt.Errorf("met column: %w", err)
	}
	defer d.Close()
	t0, t1, w, err := d.Bracket(r.Time)
	if err != nil {
		return nil, fmt.Errorf("met column: %w", err)
	}
	t := t0
	if w > 0.5 {
		t = t1
	}
	g := d.Grid()
	x, y := g.LatLonToXY(r.Lat(), r.Lon())
	if !g.Inside(x, y) {
		return nil, fmt.Errorf("met column: receptor %.4f, %.4f lies outside the met grid", r.Lat(), r.Lon())
	}
	ps, err := d.Read("PRSS", 0, t)
	if err != nil {
		return nil, fmt.Errorf("met column: surface pressure: %w", err)
	}
	psfc := ps.Bilinear(x, y)
	if !(psfc > 0) {
		return nil, fmt.Errorf("met column: surface pressure %v hPa at the receptor", psfc)
	}
	column := func(p, q []float64) (observations.MetColumn, error) {
		c, err := observations.NewProfileColumn(psfc, p, q)
		if err != nil {
			return nil, fmt.Errorf("met column: %w", err)
		}
		return c, nil
	}
	q, err := d.Read3D("SPHU", t)
	if err != nil {
		return column(nil, nil) // dry air
	}
	pres, _ := d.Read3D("PRES", t)
	presAt := map[int]int{} // level -> slot in pres
	if pres != nil {
		for s, k := range pres.Levels {
			presAt[k] = s
		}
	}
	vert := d.Vertical()
	var pl, ql []float64
	for s, k := range q.Levels {
		var p float64
		if ps, ok := presAt[k]; ok {
			p = pres.Bilinear(ps, x, y)
		} else if p, err = vert.Pressure(k, psfc); err != nil {
			return nil, fmt.Errorf("met column: level %d: %w", k, err)
		}
		pl = append(pl, p)
		ql = append(ql, q.Bilinear(s, x, y))
	}
	return column(pl, ql)
}

// needsMetColumn reports whether a simulation may need the met column: it
// has an observation and some footprint has a vertical transform.
func (r *Runner) needsMetColumn(spec SimSpec) bool {
	if spec.Observation == nil {
		return false
	}
	for _, fp := range r.fps {
		for _, t := range fp.transforms {
			if t.Kind == observations.KindVertical {
				return true
			}
		}
	}
	return false
}
