package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is a loaded, validated run.toml with defaults applied and relative
// paths resolved against the folder of the file.
type Config struct {
	Path      string // absolute path of run.toml
	Dir       string // its folder
	Project   Project
	Receptors Receptors
	// Observations, when set ([observations] path), replaces Receptors.
	Observations Observations
	Met          map[string]MetSpec
	Transport    Transport
	Params       Params
	Footprint    map[string]FootprintSpec
	Output       Output
	MPI          MPI
	Registry     Registry
	Scenes       Scenes
	Slurm        Slurm
	footprints   []FootprintSpec
}

// Project is [project].
type Project struct {
	Name       string `json:"name"`        // default: the folder name of run.toml
	OutputDir  string `json:"output_dir"`  // default <dir>/out
	ScratchDir string `json:"scratch_dir"` // "" = $SLURM_TMPDIR, $TMPDIR, /tmp at run time
	Seed       int64  `json:"seed"`        // master seed of the native engine
}

// Receptors is [receptors].
type Receptors struct {
	Path string `json:"path"`
}

// MetSpec is one [met.<name>] source (receptors-and-met.md §4).
type MetSpec struct {
	Name          string        `json:"name"`
	Directory     string        `json:"directory"`
	FileFormat    string        `json:"file_format,omitempty"` // strftime pattern
	FileTres      time.Duration `json:"file_tres,omitempty"`   // file period
	NMin          int           `json:"n_min"`
	SubgridEnable bool          `json:"subgrid_enable"`
	SubgridBounds []float64     `json:"subgrid_bounds,omitempty"` // xmin, ymin, xmax, ymax
	SubgridBuffer float64       `json:"subgrid_buffer"`
	SubgridLevels int           `json:"subgrid_levels,omitempty"` // 0 = all
	SubgridDir    string        `json:"subgrid_dir"`
	Discover      string        `json:"discover"` // "name" or "header"
}

// Engines.
const (
	EngineAuto    = ""
	EngineNative  = "native"
	EngineHysplit = "hysplit"
)

// Transport is [transport].
type Transport struct {
	Engine     string        `json:"engine"`      // "native", "hysplit" or "" (auto)
	HysplitDir string        `json:"hysplit_dir"` // HYSPLIT install (exec/, bdyfiles/)
	HycsStd    string        `json:"hycs_std"`    // explicit executable
	BdyFiles   string        `json:"bdyfiles"`    // explicit data-table directory
	Timeout    time.Duration `json:"-"`           // 0 = from the cost model (TimeoutFor)
	Grace      time.Duration `json:"-"`           // SIGTERM → SIGKILL wait
	KeepFailed bool          `json:"-"`           // keep run directories of failed simulations
}

// FootprintSpec is one [footprints.<name>] grid.
type FootprintSpec struct {
	Name          string           `json:"name"`
	XMin          float64          `json:"xmin"`
	XMax          float64          `json:"xmax"`
	YMin          float64          `json:"ymin"`
	YMax          float64          `json:"ymax"`
	XRes          float64          `json:"xres"`
	YRes          float64          `json:"yres"`
	Projection    string           `json:"projection"`
	SmoothFactor  float64          `json:"smooth_factor"`
	TimeIntegrate bool             `json:"time_integrate"`
	Transforms    []map[string]any `json:"transforms,omitempty"` // each has a string "kind"
}

// Output is [output].
type Output struct {
	Directory           string `json:"-"` // resolved output directory
	Trajectories        bool   `json:"trajectories"`
	PerSimulationNetCDF bool   `json:"per_simulation_netcdf"`
	// URL, when set, is an object store (s3://bucket/prefix or
	// file:///dir, see package objstore) that every scene file and
	// per-simulation export is uploaded to after it is written locally.
	// A location like Directory: not part of Hash.
	URL string `json:"-"`
}

// MPI is [mpi].
type MPI struct {
	BlockSize        int           `json:"-"`
	ProgressInterval time.Duration `json:"-"`
}

// Registry is [registry]: a SQLite path or a database URL.
type Registry struct {
	Path string `json:"-"`
	URL  string `json:"-"`
}

// Scene rules.
const (
	SceneNone   = "none"
	SceneColumn = "column"
	SceneUTCDay = "utc_day"
)

// Scenes is [scenes].
type Scenes struct {
	Rule   string `json:"rule"`
	Column string `json:"column"`
}

// Slurm is [slurm].
type Slurm struct {
	Partition     string
	Account       string
	QOS           string
	Time          string
	Nodes         int
	NTasksPerNode int
	Mem           string
	ExtraSbatch   []string
	Setup         []string
	Scratch       string
	SignalGrace   time.Duration
}

// ScratchDir returns the node-local scratch directory: [project] scratch_dir,
// else $STILT_SCRATCH (generated SLURM scripts set it), else $SLURM_TMPDIR, else $TMPDIR, else /tmp (evaluated at call time).
func (c *Config) ScratchDir() string {
	if c.Project.ScratchDir != "" {
		return c.Project.ScratchDir
	}
	for _, env := range []string{"STILT_SCRATCH", "SLURM_TMPDIR", "TMPDIR"} {
		if v := os.Getenv(env); v != "" {
			return v
		}
	}
	return "/tmp"
}

// OutputDir returns the resolved output directory.
func (c *Config) OutputDir() string { return c.Output.Directory }

// RegistryPath returns the SQLite registry path ("" when a URL is used).
func (c *Config) RegistryPath() string { return c.Registry.Path }

// Mets returns the met sources sorted by name (met-major simulation order).
func (c *Config) Mets() []MetSpec {
	names := make([]string, 0, len(c.Met))
	for n := range c.Met {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]MetSpec, len(names))
	for i, n := range names {
		out[i] = c.Met[n]
	}
	return out
}

// Footprints returns the footprint grids sorted by name.
func (c *Config) Footprints() []FootprintSpec {
	out := make([]FootprintSpec, 0, len(c.Footprint))
	for _, f := range c.Footprint {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Engine returns the effective engine: the configured one, or for auto
// "hysplit" when a HYSPLIT install or executable is configured, else "native".
func (c *Config) Engine() string {
	if c.Transport.Engine != EngineAuto {
		return c.Transport.Engine
	}
	if c.Transport.HysplitDir != "" || c.Transport.HycsStd != "" {
		return EngineHysplit
	}
	return EngineNative
}

// HycsStdPath returns the hycs_std executable: the explicit hycs_std, else
// the first existing of <hysplit_dir>/exec/hycs_std, <hysplit_dir>/hycs_std,
// <hysplit_dir>/exe/hycs_std.
func (t *Transport) HycsStdPath() (string, error) {
	if t.HycsStd != "" {
		return t.HycsStd, nil
	}
	if t.HysplitDir == "" {
		return "", fmt.Errorf("transport: neither hycs_std nor hysplit_dir is configured")
	}
	cands := []string{
		filepath.Join(t.HysplitDir, "exec", "hycs_std"),
		filepath.Join(t.HysplitDir, "hycs_std"),
		filepath.Join(t.HysplitDir, "exe", "hycs_std"),
	}
	for _, p := range cands {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("transport: hycs_std not found in %s (looked for %s)", t.HysplitDir, strings.Join(cands, ", "))
}

// BdyFilesDir returns the directory holding ASCDATA.CFG and the .ASC tables:
// the explicit bdyfiles, else <hysplit_dir>/bdyfiles when it exists, else
// <executable dir>/../bdyfiles when it holds ASCDATA.CFG, else the folder of
// the executable.
func (t *Transport) BdyFilesDir() (string, error) {
	if t.BdyFiles != "" {
		return t.BdyFiles, nil
	}
	if t.HysplitDir != "" {
		p := filepath.Join(t.HysplitDir, "bdyfiles")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p, nil
		}
	}
	exe, err := t.HycsStdPath()
	if err != nil {
		return "", err
	}
	up := filepath.Join(filepath.Dir(exe), "..", "bdyfiles")
	if _, err := os.Stat(filepath.Join(up, "ASCDATA.CFG")); err == nil {
		return filepath.Clean(up), nil
	}
	return filepath.Dir(exe), nil
}

// TimeoutFor returns the hycs_std timeout for one simulation: the configured
// timeout, else 5× the expected CPU time (7 ms per particle-hour,
// hysplit-interface.md §11) plus 5 minutes.
func (t *Transport) TimeoutFor(numpar, nHours int) time.Duration {
	if t.Timeout > 0 {
		return t.Timeout
	}
	if nHours < 0 {
		nHours = -nHours
	}
	expected := time.Duration(float64(numpar*nHours) * 0.007 * float64(time.Second))
	return 5*expected + 5*time.Minute
}

// Hash returns a stable sha256 (hex) of the effective configuration that
// determines results: project name and seed, met sources, the effective
// engine, params (with derived MAXPAR, WINDERRTF and ZICONTROL factors),
// footprints, output flags and the scene rule. Excluded, so that changing
// them does not invalidate stored results: the receptor file path (receptors
// are identified by their ids), HYSPLIT install paths (record the
// executable's sha256 separately), output and scratch locations, timeouts,
// MPI, registry and SLURM settings. Key order in run.toml does not matter.
func (c *Config) Hash() string {
	sum := sha256.Sum256(c.effective(false))
	return hex.EncodeToString(sum[:])
}

// EffectiveJSON returns, as indented JSON, the result-determining
// configuration that Hash covers (defaults applied, derived values
// included), for storing beside results in the registry.
func (c *Config) EffectiveJSON() []byte { return c.effective(true) }

func (c *Config) effective(indent bool) []byte {
	view := struct {
		Name       string          `json:"name"`
		Seed       int64           `json:"seed"`
		Mets       []MetSpec       `json:"mets"`
		Engine     string          `json:"engine"`
		Params     Params          `json:"params"`
		MaxPar     int             `json:"maxpar_effective"`
		WindErrTF  int             `json:"winderrtf_effective"`
		ZIScale    []float64       `json:"ziscale_effective"`
		Footprints []FootprintSpec `json:"footprints"`
		Output     Output          `json:"output"`
		Scenes     Scenes          `json:"scenes"`
		Obs        *Observations   `json:"observations,omitempty"`
	}{c.Project.Name, c.Project.Seed, c.Mets(), c.Engine(), c.Params, c.Params.MaxParValue(),
		c.Params.WindErrTF(), c.Params.ZIScaleValues(), c.Footprints(), c.Output, c.Scenes, c.observationsView()}
	var b []byte
	var err error
	if indent {
		b, err = json.MarshalIndent(view, "", "  ")
	} else {
		b, err = json.Marshal(view)
	}
	if err != nil {
		// Only transforms could hold unmarshalable values; TOML values never are.
		b = []byte(fmt.Sprintf("%#v", view))
	}
	return b
}

// ParseFileTres parses a met file period: "<n><unit>" with unit h, hr,
// hour(s), min, m, T, d, day(s), or a Go duration ("6h", "30m").
func ParseFileTres(s string) (time.Duration, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	n := 1
	if i > 0 {
		v, err := strconv.Atoi(t[:i])
		if err != nil {
			return 0, err
		}
		n = v
	}
	var unit time.Duration
	switch strings.TrimSpace(t[i:]) {
	case "h", "hr", "hour", "hours":
		unit = time.Hour
	case "min", "m", "t", "minute", "minutes":
		unit = time.Minute
	case "d", "day", "days":
		unit = 24 * time.Hour
	default:
		return 0, fmt.Errorf("%q: not a period (use e.g. \"1h\", \"6h\", \"30min\", \"1d\")", s)
	}
	if n <= 0 {
		return 0, fmt.Errorf("%q: period must be positive", s)
	}
	return time.Duration(n) * unit, nil
}
