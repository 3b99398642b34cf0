package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/stilt-mpi/stilt-mpi/objstore"
)

var (
	projectNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	footNameRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
	metKeyRE      = regexp.MustCompile(`^[a-z0-9]+$`)
	slurmTimeRE   = regexp.MustCompile(`^(\d+-)?\d+(:\d{1,2}){0,2}$`)
)

// Load reads and validates a run.toml file. On bad input it returns Errors
// listing every problem (unknown keys, wrong types, out-of-range values,
// missing required keys), each with its key and line; the Config returned
// alongside Errors is partial (defaults plus whatever was valid) and is meant
// only for further diagnostics such as `stilt-mpi validate`, never for a run.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, abs)
}

// Parse validates run.toml content; path (absolute) names the file in errors
// and anchors relative paths.
func Parse(data []byte, path string) (*Config, error) {
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, Errors{{File: path, Line: pe.Position.Line, Key: pe.LastKey, Msg: "TOML syntax: " + pe.Message}}
		}
		return nil, Errors{{File: path, Msg: "TOML: " + err.Error()}}
	}
	w := &walker{file: path, lines: scanKeyLines(data)}
	root := &tbl{w: w, m: tree}
	c := &Config{Path: path, Dir: filepath.Dir(path)}
	resolve := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		if strings.HasPrefix(p, "~/") {
			if home, err := os.UserHomeDir(); err == nil {
				return filepath.Join(home, p[2:])
			}
		}
		return filepath.Join(c.Dir, p)
	}

	// [project]
	pt := root.sub("project")
	c.Project.Name = filepath.Base(c.Dir)
	pt.str("name", &c.Project.Name)
	if pt.has("name") && !projectNameRE.MatchString(c.Project.Name) {
		pt.errf("name", "%q: use letters, digits, '.', '_' or '-' (it names files and jobs)", c.Project.Name)
	}
	pt.str("output_dir", &c.Project.OutputDir)
	pt.str("scratch_dir", &c.Project.ScratchDir)
	pt.int64v("seed", &c.Project.Seed, atLeast[int64](0))
	pt.finish()
	c.Project.OutputDir = resolve(c.Project.OutputDir)
	c.Project.ScratchDir = resolve(c.Project.ScratchDir)

	// [receptors] or [observations]: exactly one is the source of simulations
	rt := root.sub("receptors")
	rt.str("path", &c.Receptors.Path)
	_, hasObs := tree["observations"]
	switch {
	case hasObs && rt.m != nil:
		w.errAt("observations", "set either [receptors] (a receptor CSV) or [observations] (observations turned into receptors), not both")
	case c.Receptors.Path == "" && !hasObs:
		w.errAt("receptors.path", "required: the receptor CSV file (columns time, latitude, longitude, altitude[, r_idx, altitude_ref, scene]), or an [observations] table instead of [receptors]")
	}
	rt.finish()
	c.Receptors.Path = resolve(c.Receptors.Path)
	readObservations(root.sub("observations"), c, resolve)

	// [met.<name>]
	c.Met = map[string]MetSpec{}
	mt := root.sub("met")
	if len(mt.m) == 0 {
		w.errAt("met", "required: at least one [met.<name>] table (name: lower-case letters and digits, e.g. [met.hrrr])")
	}
	for _, name := range mt.subKeys() {
		ms := readMet(mt.sub(name), name, resolve)
		c.Met[name] = ms
	}
	mt.known = mt.subKeys()

	// [transport]
	tt := root.sub("transport")
	c.Transport.Grace = 3 * time.Second
	c.Transport.KeepFailed = true
	tt.str("engine", &c.Transport.Engine, EngineNative, EngineHysplit, EngineAuto)
	tt.str("hysplit_dir", &c.Transport.HysplitDir)
	tt.str("hycs_std", &c.Transport.HycsStd)
	tt.str("bdyfiles", &c.Transport.BdyFiles)
	tt.duration("timeout", &c.Transport.Timeout, 0)
	tt.duration("grace", &c.Transport.Grace, 0)
	tt.boolean("keep_failed", &c.Transport.KeepFailed)
	tt.finish()
	c.Transport.HysplitDir = resolve(c.Transport.HysplitDir)
	c.Transport.HycsStd = resolve(c.Transport.HycsStd)
	c.Transport.BdyFiles = resolve(c.Transport.BdyFiles)
	if c.Transport.Engine == EngineHysplit && c.Transport.HysplitDir == "" && c.Transport.HycsStd == "" {
		w.errAt("transport.engine", "\"hysplit\" needs transport.hysplit_dir (a HYSPLIT install) or transport.hycs_std (the executable)")
	}

	// [params]
	c.Params = DefaultParams()
	readParams(root.sub("params"), &c.Params)
	if c.Engine() == EngineNative {
		checkNativeParams(w, &c.Params)
	}

	// [footprints.<name>]
	c.Footprint = map[string]FootprintSpec{}
	ft := root.sub("footprints")
	for _, name := range ft.subKeys() {
		c.Footprint[name] = readFootprint(ft.sub(name), name)
	}
	ft.known = ft.subKeys()

	// [output]
	ot := root.sub("output")
	dir := ""
	ot.str("directory", &dir)
	ot.boolean("trajectories", &c.Output.Trajectories)
	c.Output.PerSimulationNetCDF = false
	ot.boolean("per_simulation_netcdf", &c.Output.PerSimulationNetCDF)
	ot.str("url", &c.Output.URL)
	ot.finish()
	if c.Output.URL != "" {
		if _, err := objstore.ParseURL(c.Output.URL); err != nil {
			w.errAt("output.url", "%v", err)
		}
	}
	dir = resolve(dir)
	switch {
	case dir != "" && c.Project.OutputDir != "" && dir != c.Project.OutputDir:
		w.errAt("output.directory", "%q conflicts with project.output_dir %q; set only one", dir, c.Project.OutputDir)
	case dir != "":
		c.Output.Directory = dir
	case c.Project.OutputDir != "":
		c.Output.Directory = c.Project.OutputDir
	default:
		c.Output.Directory = filepath.Join(c.Dir, "out")
	}
	// STILT_OUTPUT_DIR (set by generated SLURM bench jobs, one per size)
	// overrides the output directory and with it the default registry.
	if env := os.Getenv("STILT_OUTPUT_DIR"); env != "" {
		c.Output.Directory = resolve(env)
	}
	c.Project.OutputDir = c.Output.Directory

	// [mpi]
	mp := root.sub("mpi")
	c.MPI.BlockSize = 0 // no cap: guided self-scheduling sizes the blocks
	c.MPI.ProgressInterval = 30 * time.Second
	mp.integer("block_size", &c.MPI.BlockSize, atLeast(0))
	mp.duration("progress_interval", &c.MPI.ProgressInterval, time.Second)
	mp.finish()

	// [registry]
	rg := root.sub("registry")
	rg.str("path", &c.Registry.Path)
	rg.str("url", &c.Registry.URL)
	rg.finish()
	switch {
	case c.Registry.Path != "" && c.Registry.URL != "":
		w.errAt("registry.url", "set either registry.path (SQLite file) or registry.url (postgres://…), not both")
	case c.Registry.URL != "":
		if !strings.HasPrefix(c.Registry.URL, "postgres://") && !strings.HasPrefix(c.Registry.URL, "postgresql://") && !strings.HasPrefix(c.Registry.URL, "sqlite://") && !strings.HasPrefix(c.Registry.URL, "file:") {
			w.errAt("registry.url", "%q: use postgres://…, postgresql://…, sqlite://… or file:…", c.Registry.URL)
		}
	case c.Registry.Path != "":
		c.Registry.Path = resolve(c.Registry.Path)
	default:
		c.Registry.Path = filepath.Join(c.Output.Directory, "registry.sqlite")
	}

	// [scenes]
	sc := root.sub("scenes")
	c.Scenes.Rule = SceneNone
	sc.str("rule", &c.Scenes.Rule, SceneColumn, SceneUTCDay, SceneNone)
	c.Scenes.Column = "scene"
	sc.str("column", &c.Scenes.Column)
	if c.Scenes.Rule == SceneColumn && strings.TrimSpace(c.Scenes.Column) == "" {
		sc.errf("column", "rule = \"column\" needs the name of the receptor CSV column holding scene ids")
	}
	if hasObs && sc.has("rule") && c.Scenes.Rule != SceneNone {
		sc.errf("rule", "%q: with [observations] scenes come from observations.group; remove [scenes] rule", c.Scenes.Rule)
	}
	sc.finish()

	// [slurm]
	sl := root.sub("slurm")
	c.Slurm.Nodes = 1
	c.Slurm.NTasksPerNode = 1
	c.Slurm.SignalGrace = 120 * time.Second
	sl.str("partition", &c.Slurm.Partition)
	sl.str("account", &c.Slurm.Account)
	sl.str("qos", &c.Slurm.QOS)
	sl.str("time", &c.Slurm.Time)
	if c.Slurm.Time != "" && !slurmTimeRE.MatchString(c.Slurm.Time) {
		sl.errf("time", "%q: use a SLURM time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS", c.Slurm.Time)
	}
	sl.integer("nodes", &c.Slurm.Nodes, atLeast(1))
	sl.integer("ntasks_per_node", &c.Slurm.NTasksPerNode, atLeast(1))
	sl.str("mem", &c.Slurm.Mem)
	sl.strs("extra_sbatch", &c.Slurm.ExtraSbatch)
	for i, e := range c.Slurm.ExtraSbatch {
		if !strings.HasPrefix(e, "--") {
			sl.errf(fmt.Sprintf("extra_sbatch[%d]", i), "%q: give a long sbatch option such as \"--constraint=skylake\"", e)
		}
	}
	sl.strs("setup", &c.Slurm.Setup)
	sl.str("scratch", &c.Slurm.Scratch)
	sl.duration("signal_grace", &c.Slurm.SignalGrace, 0)
	sl.finish()

	root.finish()

	if len(w.errs) > 0 {
		return c, w.errs.sorted()
	}
	return c, nil
}

func readMet(t *tbl, name string, resolve func(string) string) MetSpec {
	m := MetSpec{Name: name, NMin: 1, SubgridBuffer: 0.2}
	if t.m == nil { // not a table: already reported
		return m
	}
	if !metKeyRE.MatchString(name) {
		t.w.errAt(t.path, "met name %q: use lower-case letters and digits only (it prefixes simulation ids)", name)
	}
	t.hints = map[string]string{
		"source":  "downloading met is not supported; point directory at an ARL archive",
		"backend": "downloading met is not supported; point directory at an ARL archive",
		"path":    "use directory",
	}
	t.str("directory", &m.Directory)
	if m.Directory == "" {
		t.w.errAt(join(t.path, "directory"), "required: the folder of ARL met files")
	}
	t.str("file_format", &m.FileFormat)
	var tres string
	t.str("file_tres", &tres)
	if tres != "" {
		d, err := ParseFileTres(tres)
		if err != nil {
			t.errf("file_tres", "%v", err)
		}
		m.FileTres = d
	}
	t.integer("n_min", &m.NMin, atLeast(1))
	t.boolean("subgrid_enable", &m.SubgridEnable)
	t.floats("subgrid_bounds", &m.SubgridBounds, false, nil)
	t.float("subgrid_buffer", &m.SubgridBuffer, atLeast(0.0))
	t.integer("subgrid_levels", &m.SubgridLevels, atLeast(1))
	t.str("subgrid_dir", &m.SubgridDir)
	t.str("discover", &m.Discover, "name", "header")
	t.finish()

	if m.Discover == "" {
		if m.FileFormat != "" {
			m.Discover = "name"
		} else {
			m.Discover = "header"
		}
	}
	if m.Discover == "name" {
		if m.FileFormat == "" {
			t.w.errAt(join(t.path, "file_format"), "required when discover = \"name\": a strftime pattern such as \"%%Y%%m%%d_%%H\"")
		}
		if m.FileTres == 0 && tres == "" {
			t.w.errAt(join(t.path, "file_tres"), "required when discover = \"name\": the file period, e.g. \"6h\"")
		}
	}
	if b := m.SubgridBounds; b != nil {
		if len(b) != 4 {
			t.errf("subgrid_bounds", "must have 4 numbers [xmin, ymin, xmax, ymax], got %d", len(b))
		} else if !(b[0] < b[2] && b[1] < b[3] && b[0] >= -180 && b[2] <= 360 && b[1] >= -90 && b[3] <= 90) {
			t.errf("subgrid_bounds", "%v: need xmin < xmax, ymin < ymax, longitudes in [-180, 360], latitudes in [-90, 90]", b)
		}
	}
	if m.SubgridEnable && m.SubgridBounds == nil {
		t.w.errAt(join(t.path, "subgrid_bounds"), "required when subgrid_enable = true: [xmin, ymin, xmax, ymax] in degrees")
	}
	m.Directory = resolve(m.Directory)
	if m.SubgridDir == "" && m.Directory != "" {
		m.SubgridDir = filepath.Join(m.Directory, "subgrid")
	} else {
		m.SubgridDir = resolve(m.SubgridDir)
	}
	return m
}

func readFootprint(t *tbl, name string) FootprintSpec {
	f := FootprintSpec{Name: name, Projection: "+proj=longlat", SmoothFactor: 1}
	if t.m == nil { // not a table: already reported
		return f
	}
	if !footNameRE.MatchString(name) {
		t.w.errAt(t.path, "footprint name %q: use letters, digits and '-' (it is part of file names)", name)
	}
	req := func(k string, dst *float64) {
		if !t.has(k) {
			t.known = append(t.known, k)
			t.w.errAt(join(t.path, k), "required")
			return
		}
		t.float(k, dst, nil)
	}
	req("xmin", &f.XMin)
	req("xmax", &f.XMax)
	req("ymin", &f.YMin)
	req("ymax", &f.YMax)
	req("xres", &f.XRes)
	f.YRes = f.XRes
	t.float("yres", &f.YRes, nil)
	t.str("projection", &f.Projection)
	t.float("smooth_factor", &f.SmoothFactor, atLeast(0.0))
	t.boolean("time_integrate", &f.TimeIntegrate)
	for i, tr := range t.tables("transforms") {
		kind, ok := tr.m["kind"].(string)
		if !ok || kind == "" {
			t.w.errAt(fmt.Sprintf("%s.transforms[%d].kind", t.path, i), "required: each transform table needs a string kind")
		}
		f.Transforms = append(f.Transforms, tr.m)
	}
	t.finish()
	if f.XRes <= 0 && t.has("xres") {
		t.errf("xres", "%v: must be > 0", f.XRes)
	}
	if f.YRes <= 0 && t.has("yres") {
		t.errf("yres", "%v: must be > 0", f.YRes)
	}
	if t.has("xmin") && t.has("xmax") && !(f.XMin < f.XMax) {
		t.errf("xmax", "%v must be greater than xmin %v", f.XMax, f.XMin)
	}
	if t.has("ymin") && t.has("ymax") && !(f.YMin < f.YMax) {
		t.errf("ymax", "%v must be greater than ymin %v", f.YMax, f.YMin)
	}
	if f.Projection == "+proj=longlat" || strings.Contains(f.Projection, "longlat") {
		if f.YMin < -90 || f.YMax > 90 {
			t.errf("ymin", "latitudes must lie in [-90, 90] for a longlat grid (got %v..%v)", f.YMin, f.YMax)
		}
	}
	if !strings.HasPrefix(f.Projection, "+proj=") {
		t.errf("projection", "%q: give a PROJ string such as \"+proj=longlat\"", f.Projection)
	}
	return f
}
