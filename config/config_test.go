package config

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

const full = `# a complete run.toml
[project]
name = "demo"
output_dir = "out"
seed = 7

[receptors]
path = "receptors.csv"

[met.hrrr]
directory = "../met"
file_format = "%Y%m%d_%H"
file_tres = "6h"
n_min = 2
subgrid_enable = true
subgrid_bounds = [-113, 40, -111, 41.5]

[met.synth]
directory = "/data/synth"

[transport]
engine = "hysplit"
hysplit_dir = "/opt/hysplit"
timeout = "30m"
grace = 5

[params]
n_hours = -10
numpar = 200
seed = 42
krand = 1
siguverr = 1.0
tluverr = 60
zcoruverr = 100
horcoruverr = 5
zicontroltf = 1
ziscale = 0.8

[footprints.fine]
xmin = -112.5
xmax = -111.5
ymin = 40.2
ymax = 41.2
xres = 0.01

[footprints.coarse]
xmin = -115
xmax = -110
ymin = 38
ymax = 43
xres = 0.1
yres = 0.05
time_integrate = true
[[footprints.coarse.transforms]]
kind = "vertical_operator"
levels = [0, 100]

[output]
trajectories = true

[mpi]
block_size = 4
progress_interval = "10s"

[scenes]
rule = "utc_day"

[slurm]
partition = "notchpeak"
time = "2-00:00:00"
nodes = 2
ntasks_per_node = 64
extra_sbatch = ["--constraint=skylake"]
setup = ["module load openmpi"]
`

func parse(t *testing.T, text string) (*Config, error) {
	t.Helper()
	return Parse([]byte(text), "/proj/run.toml")
}

func TestParseFull(t *testing.T) {
	c, err := parse(t, full)
	if err != nil {
		t.Fatal(err)
	}
	if c.Project.Name != "demo" || c.Project.Seed != 7 || c.OutputDir() != "/proj/out" {
		t.Errorf("project %+v out %s", c.Project, c.OutputDir())
	}
	if c.Receptors.Path != "/proj/receptors.csv" {
		t.Errorf("receptors %s", c.Receptors.Path)
	}
	mets := c.Mets()
	if len(mets) != 2 || mets[0].Name != "hrrr" || mets[1].Name != "synth" {
		t.Fatalf("mets %+v", mets)
	}
	h := mets[0]
	if h.Directory != "/met" || h.FileTres != 6*time.Hour || h.NMin != 2 || h.Discover != "name" ||
		h.SubgridDir != "/met/subgrid" || h.SubgridBuffer != 0.2 {
		t.Errorf("hrrr %+v", h)
	}
	if mets[1].Discover != "header" || mets[1].NMin != 1 {
		t.Errorf("synth %+v", mets[1])
	}
	if c.Engine() != EngineHysplit || c.Transport.Timeout != 30*time.Minute || c.Transport.Grace != 5*time.Second || !c.Transport.KeepFailed {
		t.Errorf("transport %+v", c.Transport)
	}
	p := c.Params
	if p.NHours != -10 || p.NumPar != 200 || p.MaxParValue() != 200 || *p.Seed != 42 || p.KRand != 1 ||
		p.WindErrTF() != 1 || p.VegHt != 0.5 || p.KMix0 != 150 || p.FRVS != 0.01 || p.KMSL != nil {
		t.Errorf("params %+v", p)
	}
	if z := p.ZIScaleValues(); len(z) != 10 || z[9] != 0.8 {
		t.Errorf("ziscale %v", z)
	}
	fs := c.Footprints()
	if len(fs) != 2 || fs[0].Name != "coarse" || fs[0].YRes != 0.05 || fs[1].YRes != 0.01 || fs[1].Projection != "+proj=longlat" ||
		fs[1].SmoothFactor != 1 || len(fs[0].Transforms) != 1 || fs[0].Transforms[0]["kind"] != "vertical_operator" {
		t.Errorf("footprints %+v", fs)
	}
	if c.RegistryPath() != "/proj/out/registry.sqlite" || c.MPI.BlockSize != 4 || c.Scenes.Rule != SceneUTCDay ||
		c.Slurm.Nodes != 2 || c.Slurm.SignalGrace != 120*time.Second {
		t.Errorf("rest %+v %+v %+v %+v", c.Registry, c.MPI, c.Scenes, c.Slurm)
	}
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, "[receptors]\npath='r.csv'\n[met.hrrr]\ndirectory='m'\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Engine() != EngineNative || c.Project.Name != "proj" || c.Params.NumPar != 1000 || c.Params.NHours != -24 ||
		!c.Params.HNFPlume || c.Params.KRand != 4 || c.Params.Seed != nil || c.Params.WindErrTF() != 0 ||
		c.Scenes.Rule != SceneNone || c.OutputDir() != "/proj/out" || len(c.Footprints()) != 0 {
		t.Errorf("defaults: %+v", c)
	}
	if got := strings.Join(c.Params.VarsiWant, " "); got != "time indx long lati zagl foot mlht dens samt sigw tlgr" {
		t.Errorf("varsiwant %s", got)
	}
}

func TestScratchDir(t *testing.T) {
	c := &Config{}
	t.Setenv("SLURM_TMPDIR", "/slurm")
	t.Setenv("TMPDIR", "/tmpdir")
	if c.ScratchDir() != "/slurm" {
		t.Error(c.ScratchDir())
	}
	t.Setenv("SLURM_TMPDIR", "")
	if c.ScratchDir() != "/tmpdir" {
		t.Error(c.ScratchDir())
	}
	t.Setenv("TMPDIR", "")
	if c.ScratchDir() != "/tmp" {
		t.Error(c.ScratchDir())
	}
	c.Project.ScratchDir = "/x"
	if c.ScratchDir() != "/x" {
		t.Error(c.ScratchDir())
	}
}

func TestHashStable(t *testing.T) {
	a, err := parse(t, full)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := parse(t, full)
	if a.Hash() != b.Hash() || len(a.Hash()) != 64 {
		t.Fatalf("hash not stable: %s %s", a.Hash(), b.Hash())
	}
	// Operational change: same hash. Science change: different hash.
	op, _ := parse(t, strings.Replace(full, `partition = "notchpeak"`, `partition = "lin"`, 1))
	if op.Hash() != a.Hash() {
		t.Error("slurm partition changed the hash")
	}
	sci, _ := parse(t, strings.Replace(full, "numpar = 200", "numpar = 201", 1))
	if sci.Hash() == a.Hash() {
		t.Error("numpar did not change the hash")
	}
	reorder, _ := parse(t, strings.Replace(full, "seed = 42\nkrand = 1", "krand = 1\nseed = 42", 1))
	if reorder.Hash() != a.Hash() {
		t.Error("key order changed the hash")
	}
}

const base = "[receptors]\npath = 'r.csv'\n[met.hrrr]\ndirectory = 'm'\n"

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		want []string // "line:key:substring" per expected error, in order
	}{
		{"syntax", "[project\nname='x'", []string{"2::TOML syntax"}},
		{"missing receptors and met", "[project]\nname='x'\n", []string{"0:met:required", "0:receptors.path:required"}},
		{"unknown top-level", base + "[paramz]\nnumpar=1\n", []string{"5:paramz:did you mean \"params\""}},
		{"unknown param", base + "[params]\nnumparr = 10\n", []string{"6:params.numparr:did you mean \"numpar\""}},
		{"moved R-STILT key", base + "[params]\ntimeout = 3600\nxmn = -180\n", []string{
			"6:params.timeout:set [transport] timeout", "7:params.xmn:as xmin"}},
		{"wrong type int", base + "[params]\nnumpar = \"many\"\n", []string{"6:params.numpar:must be an integer, got string"}},
		{"float for int", base + "[params]\nkmix0 = 150.5\n", []string{"6:params.kmix0:must be an integer, got float"}},
		{"range", base + "[params]\nnumpar = 0\nveght = 1.5\nn_hours = 0\nkrand = 9\n", []string{
			"6:params.numpar:must be >= 1", "7:params.veght:must be in (0, 1]", "8:params.n_hours:must not be 0", "9:params.krand:between 0 and 4"}},
		{"varsiwant", base + "[params]\nvarsiwant = ['time','indx','long','lati','zagl','bogus']\n", []string{
			"6:params.varsiwant:\"bogus\" is not", "6:params.varsiwant:hnf_plume = true needs"}},
		{"varsiwant type", base + "[params]\nvarsiwant = ['time', 3]\n", []string{"6:params.varsiwant[1]:must be a string"}},
		{"error group partial", base + "[params]\nsiguverr = 1\ntluverr = 60\n", []string{"6:params.siguverr:must be all set"}},
		{"winderrtf conflict", base + "[params]\nwinderrtf = 1\n", []string{"6:params.winderrtf:conflicts"}},
		{"zicontrol without scale", base + "[params]\nzicontroltf = 1\n", []string{"5:params.ziscale:zicontroltf = 1 needs", "6:params.zicontroltf:native engine does not scale"}},
		{"ziscale zero with zicontrol", base + "[params]\nzicontroltf = 1\nziscale = [1, 0]\n", []string{"6:params.zicontroltf:native engine does not scale", "7:params.ziscale:element 1 is 0"}},
		{"native: error pass", base + "[params]\nsiguverr = 1\ntluverr = 60\nzcoruverr = 500\nhorcoruverr = 40\n", []string{"6:params.siguverr:native engine does not run"}},
		{"native: kmixd, w_option", base + "[params]\nkmixd = 0\nw_option = 1\n", []string{"6:params.kmixd:implements only kmixd = 3", "7:params.w_option:implements only w_option = 0"}},
		{"hysplit: error pass, kmixd fine", base + "[transport]\nengine = 'hysplit'\nhysplit_dir = '/opt/hysplit'\n[params]\nsiguverr = 1\ntluverr = 60\nzcoruverr = 500\nhorcoruverr = 40\nkmixd = 0\nnumpar = 0\n", []string{"14:params.numpar:must be >= 1"}},
		{"ziscale nested twice", base + "[params]\nziscale = [[1], [2]]\n", []string{"6:params.ziscale:exactly one inner list"}},
		{"ziscale negative", base + "[params]\nziscale = -1\n", []string{"6:params.ziscale[0]:must be >= 0"}},
		{"footprint not a table", base + "[footprints]\nf = 1\n", []string{"6:footprints.f:must be a table"}},
		{"string wrong type", base + "[project]\nname = 5\n", []string{"6:project.name:must be a string, got integer"}},
		{"met numbers", base + "n_min = 0\nsubgrid_buffer = -1\nsubgrid_levels = 0\n", []string{
			"5:met.hrrr.n_min:must be >= 1", "6:met.hrrr.subgrid_buffer:must be >= 0", "7:met.hrrr.subgrid_levels:must be >= 1"}},
		{"subgrid bounds order", base + "subgrid_bounds = [-111, 40, -113, 41]\n", []string{"5:met.hrrr.subgrid_bounds:need xmin < xmax"}},
		{"subgrid bounds type", base + "subgrid_bounds = 'box'\n", []string{"5:met.hrrr.subgrid_bounds:must be an array of numbers, got string"}},
		{"subgrid bounds element", base + "subgrid_bounds = [1, 'a', 3, 4]\n", []string{"5:met.hrrr.subgrid_bounds[1]:must be a number, got string"}},
		{"durations", base + "[transport]\ngrace = '-5s'\ntimeout = true\n", []string{
			"6:transport.grace:must be >= 0s", "7:transport.timeout:must be a duration string or a number of seconds, got boolean"}},
		{"control params", base + "[params]\nemisshrs = 0\nz_top = -1\nw_option = 11\n", []string{
			"6:params.emisshrs:must be > 0", "7:params.z_top:must be > 0", "8:params.w_option:between 0 and 10"}},
		{"nan", base + "[params]\nveght = nan\n", []string{"6:params.veght:must be a finite number"}},
		{"bool wrong type", base + "[params]\nhnf_plume = 1\n", []string{"6:params.hnf_plume:must be a boolean"}},
		{"footprint lat range", base + "[footprints.f]\nxmin=0\nxmax=1\nymin=-95\nymax=1\nxres=0.1\n", []string{"8:footprints.f.ymin:must lie in [-90, 90]"}},
		{"footprint yres", base + "[footprints.f]\nxmin=0\nxmax=1\nymin=0\nymax=1\nxres=0.1\n" + "yres = 0\n", []string{"11:footprints.f.yres:must be > 0"}},
		{"footprint name", base + "[footprints.f_1]\nxmin=0\nxmax=1\nymin=0\nymax=1\nxres=0.1\n", []string{"5:footprints.f_1:use letters, digits and '-'"}},
		{"transforms not tables", base + "[footprints.f]\nxmin=0\nxmax=1\nymin=0\nymax=1\nxres=0.1\n" + "transforms = 5\n", []string{"11:footprints.f.transforms:must be an array of tables"}},
		{"transforms element", base + "[footprints.f]\nxmin=0\nxmax=1\nymin=0\nymax=1\nxres=0.1\n" + "transforms = [1]\n", []string{"11:footprints.f.transforms[0]:must be a table"}},
		{"output type", base + "[output]\ntrajectories = 'yes'\n", []string{"6:output.trajectories:must be a boolean"}},
		{"strings array type", base + "[slurm]\nsetup = 'module load x'\n", []string{"6:slurm.setup:must be an array of strings"}},
		{"section not a table", "params = 5\n" + base, []string{"1:params:must be a table, got integer"}},
		{"maxpar below numpar", base + "[params]\nnumpar = 100\nmaxpar = 50\n", []string{"7:params.maxpar:must be >= numpar"}},
		{"seed too large", base + "[params]\nseed = 4294967296\n", []string{"6:params.seed:must be between 0 and 2147483647"}},
		{"kmsl", base + "[params]\nkmsl = 2\n", []string{"6:params.kmsl:must be one of"}},
		{"bad met name", "[receptors]\npath='r'\n[met.HR_RR]\ndirectory='m'\n", []string{"3:met.HR_RR:lower-case"}},
		{"met source", base + "source = 'hrrr'\n", []string{"5:met.hrrr.source:downloading met is not supported"}},
		{"met not a table", "[receptors]\npath='r'\n[met]\nhrrr = 5\n", []string{"4:met.hrrr:must be a table"}},
		{"met name discovery", "[receptors]\npath='r'\n[met.hrrr]\ndirectory='m'\ndiscover='name'\n", []string{
			"3:met.hrrr.file_format:required when", "3:met.hrrr.file_tres:required when"}},
		{"met tres", base + "file_format='%Y'\nfile_tres='6 fortnights'\n", []string{"6:met.hrrr.file_tres:not a period"}},
		{"met discover value", base + "discover='magic'\n", []string{"5:met.hrrr.discover:\"magic\" is not allowed; use one of \"name\", \"header\""}},
		{"subgrid", base + "subgrid_enable=true\n", []string{"3:met.hrrr.subgrid_bounds:required when"}},
		{"subgrid bounds", base + "subgrid_bounds=[1,2,3]\n", []string{"5:met.hrrr.subgrid_bounds:must have 4"}},
		{"met missing dir", "[receptors]\npath='r'\n[met.hrrr]\nn_min=1\n", []string{"3:met.hrrr.directory:required"}},
		{"engine", base + "[transport]\nengine='fortran'\n", []string{"6:transport.engine:use one of"}},
		{"hysplit without path", base + "[transport]\nengine='hysplit'\n", []string{"6:transport.engine:needs transport.hysplit_dir"}},
		{"timeout", base + "[transport]\ntimeout='soon'\n", []string{"6:transport.timeout:not a duration"}},
		{"keep_failed type", base + "[transport]\nkeep_failed='yes'\n", []string{"6:transport.keep_failed:must be a boolean"}},
		{"footprint missing", base + "[footprints.f]\nxmin=0\n", []string{
			"5:footprints.f.xmax:required", "5:footprints.f.xres:required", "5:footprints.f.ymax:required", "5:footprints.f.ymin:required"}},
		{"footprint ranges", base + "[footprints.f]\nxmin=1\nxmax=0\nymin=0\nymax=1\nxres=-1\n", []string{
			"7:footprints.f.xmax:greater than xmin", "10:footprints.f.xres:must be > 0"}},
		{"footprint transform kind", base + "[footprints.f]\nxmin=0\nxmax=1\nymin=0\nymax=1\nxres=0.1\n[[footprints.f.transforms]]\nlevels=[1]\n", []string{
			"11:footprints.f.transforms[0].kind:required"}},
		{"footprint projection", base + "[footprints.f]\nxmin=0\nxmax=1\nymin=0\nymax=1\nxres=0.1\nprojection='utm'\n", []string{
			"11:footprints.f.projection:PROJ string"}},
		{"output url scheme", base + "[output]\nurl='gs://b/p'\n", []string{`6:output.url:"gs://b/p": unsupported scheme "gs"`}},
		{"output url bucket", base + "[output]\nurl='s3://B/p'\n", []string{`6:output.url:"s3://B/p": bucket "B" is not a valid S3 bucket name`}},
		{"output url type", base + "[output]\nurl=5\n", []string{"6:output.url:must be a string"}},
		{"output conflict", base + "[project]\noutput_dir='a'\n[output]\ndirectory='b'\n", []string{"8:output.directory:conflicts"}},
		{"mpi", base + "[mpi]\nblock_size=-1\nprogress_interval='1ms'\n", []string{"6:mpi.block_size:must be >= 0", "7:mpi.progress_interval:must be >= 1s"}},
		{"registry both", base + "[registry]\npath='a'\nurl='postgres://x'\n", []string{"7:registry.url:not both"}},
		{"registry url", base + "[registry]\nurl='mysql://x'\n", []string{"6:registry.url:use postgres"}},
		{"scenes", base + "[scenes]\nrule='weekly'\n", []string{"6:scenes.rule:use one of"}},
		{"scenes column", base + "[scenes]\nrule='column'\ncolumn=''\n", []string{"7:scenes.column:needs the name"}},
		{"slurm", base + "[slurm]\ntime='two days'\nnodes=0\nextra_sbatch=['-N 2']\n", []string{
			"6:slurm.time:SLURM time limit", "7:slurm.nodes:must be >= 1", "8:slurm.extra_sbatch[0]:long sbatch option"}},
		{"project name", base + "[project]\nname='my project'\nseed=-1\n", []string{"6:project.name:use letters", "7:project.seed:must be >= 0"}},
		{"many at once", base + "[params]\nnumpar=-1\nfoo=1\n[slurm]\nbar=2\n", []string{
			"6:params.numpar:must be", "7:params.foo:unknown key", "9:slurm.bar:unknown key"}},
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
				if got := strings.Join([]string{strconv.Itoa(e.Line), e.Key}, ":"); got != parts[0]+":"+parts[1] || !strings.Contains(e.Msg, parts[2]) {
					t.Errorf("error %d = line %d key %q msg %q; want %s", i, e.Line, e.Key, e.Msg, w)
				}
				if e.File != "/proj/run.toml" {
					t.Errorf("file %q", e.File)
				}
			}
		})
	}
}

func TestHashIgnoresLocations(t *testing.T) {
	a, err := Parse([]byte(full), "/proj/run.toml")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Parse([]byte(strings.Replace(full, `hysplit_dir = "/opt/hysplit"`, `hysplit_dir = "/other/hysplit"`, 1)), "/proj/run.toml")
	if a.Hash() != b.Hash() {
		t.Error("hysplit_dir changed the hash")
	}
	for _, url := range []string{"s3://bucket/runs/a", "file:///srv/out"} {
		u, err := Parse([]byte(strings.Replace(full, "[output]\n", "[output]\nurl = \""+url+"\"\n", 1)), "/proj/run.toml")
		if err != nil {
			t.Fatal(err)
		}
		if u.Output.URL != url {
			t.Errorf("output.url = %q, want %q", u.Output.URL, url)
		}
		if u.Hash() != a.Hash() {
			t.Errorf("output.url %s changed the hash", url)
		}
	}
	d, _ := Parse([]byte(strings.Replace(full, "xres = 0.01", "xres = 0.02", 1)), "/proj/run.toml")
	if d.Hash() == a.Hash() {
		t.Error("footprint resolution did not change the hash")
	}
}

func TestKeyLines(t *testing.T) {
	text := `# comment
top = 1
params.numpar = 3   # dotted at top level
[met.hrrr]
directory = "x"
"quoted key" = 2
setup = [
  "a = b",
  "c",
]
notes = """
fake = 1
"""
after = 4
[[footprints.f.transforms]]
kind = "a"
[[footprints.f.transforms]]
kind = "b"
[met.nam] # trailing comment
x = { y = 1 }
`
	kl := scanKeyLines([]byte(text))
	for key, want := range map[string]int{
		"top": 2, "params": 3, "params.numpar": 3, "met": 4, "met.hrrr": 4, "met.hrrr.directory": 5,
		"met.hrrr.quoted key": 6, "met.hrrr.setup": 7, "met.hrrr.notes": 11, "met.hrrr.after": 14,
		"footprints.f.transforms": 15, "footprints.f.transforms[0].kind": 16, "footprints.f.transforms[1]": 17,
		"footprints.f.transforms[1].kind": 18, "met.nam": 19, "met.nam.x": 20,
	} {
		if got := kl.lookup(key); got != want {
			t.Errorf("line of %s = %d, want %d", key, got, want)
		}
	}
	if _, ok := kl["met.hrrr.fake"]; ok {
		t.Error("key inside a multi-line string recorded")
	}
	if _, ok := kl["met.hrrr.a"]; ok {
		t.Error("string element recorded as key")
	}
	// Unknown key falls back to its table.
	if got := kl.lookup("met.hrrr.missing"); got != 4 {
		t.Errorf("fallback line %d", got)
	}
}

func TestZIScaleForms(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []float64
	}{
		{"ziscale = 0.5\nn_hours = -3\n", []float64{0.5, 0.5, 0.5}},
		{"ziscale = 0.5\nn_hours = 2\n", []float64{0.5, 0.5}},
		{"ziscale = [1, 2]\nn_hours = -3\n", []float64{1, 2}},
		{"ziscale = [[1, 2, 3]]\nn_hours = -3\n", []float64{1, 2, 3}},
		{"ziscale = 0\n", make([]float64, 24)},
	} {
		cfg, err := parse(t, base+"[params]\n"+c.in)
		if err != nil {
			t.Fatal(err)
		}
		got := cfg.Params.ZIScaleValues()
		if len(got) != len(c.want) {
			t.Errorf("%q: %v", c.in, got)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: %v", c.in, got)
				break
			}
		}
	}
}

func TestEffectiveJSON(t *testing.T) {
	c, err := parse(t, full)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(c.EffectiveJSON(), &v); err != nil {
		t.Fatal(err)
	}
	p := v["params"].(map[string]any)
	if p["numpar"].(float64) != 200 || p["kmix0"].(float64) != 150 || v["maxpar_effective"].(float64) != 200 || v["engine"] != "hysplit" {
		t.Errorf("effective json: %s", c.EffectiveJSON())
	}
}
