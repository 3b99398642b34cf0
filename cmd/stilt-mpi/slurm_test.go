package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/bench/report"
	"github.com/stilt-mpi/stilt-mpi/slurm"
)

func runSlurmCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	c := newSlurmCmd()
	var out bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&out)
	c.SetArgs(args)
	c.SilenceUsage, c.SilenceErrors = true, true
	err := c.Execute()
	return out.String(), err
}

func isBadInput(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

// minimalRunToml is the smallest run.toml config.Load accepts (the slurm
// verb does not open the receptor file or the met directory).
const minimalRunToml = "[receptors]\npath = \"r.csv\"\n[met.m]\ndirectory = \"met\"\n"

func newRunToml(t *testing.T) (dir, run string) {
	return newRunTomlWith(t, "")
}

// newRunTomlWith writes minimalRunToml plus extra (e.g. a [slurm] table).
func newRunTomlWith(t *testing.T, extra string) (dir, run string) {
	dir = t.TempDir()
	run = filepath.Join(dir, "run.toml")
	if err := os.WriteFile(run, []byte(minimalRunToml+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, run
}

func listFiles(t *testing.T, dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestSlurmCLIWritesFiles(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		files []string
	}{
		{"mpi to -o", []string{"--mode", "mpi", "-o", "jobs/x.sh"}, []string{"jobs/x.sh", "run.toml"}},
		{"array to -o", []string{"--mode", "array", "--tasks", "4", "-o", "jobs/x.sh"}, []string{"jobs/x.merge.sh", "jobs/x.sh", "run.toml"}},
		{"bench to -o", []string{"--mode", "bench", "--nodes", "1,2", "-o", "jobs/b.sh"}, []string{"jobs/b.bench-n1.sh", "jobs/b.bench-n2.sh", "run.toml"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, run := newRunToml(t)
			wd, _ := os.Getwd()
			os.Chdir(dir)
			defer os.Chdir(wd)
			out, err := runSlurmCLI(t, append([]string{run}, c.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if got := listFiles(t, dir); strings.Join(got, " ") != strings.Join(c.files, " ") {
				t.Errorf("files %q, want %q", got, c.files)
			}
			if fi, err := os.Stat(filepath.Join(dir, "jobs", "logs")); err != nil || !fi.IsDir() {
				t.Errorf("log directory jobs/logs not created: %v", err)
			}
			if !strings.Contains(out, "wrote "+filepath.Join(dir, "jobs")) {
				t.Errorf("output %q", out)
			}
			// scripts use absolute paths: jobs start in the submission directory
			b, _ := os.ReadFile(filepath.Join(dir, c.files[0]))
			exe, _ := os.Executable()
			if !strings.Contains(string(b), " "+run+"\n") || !strings.Contains(string(b), exe) {
				t.Errorf("script lacks the absolute run.toml %s or this executable %s:\n%s", run, exe, b)
			}
			if fi, _ := os.Stat(filepath.Join(dir, c.files[0])); fi.Mode().Perm()&0o100 == 0 {
				t.Error("script not executable")
			}
		})
	}
}

func TestSlurmCLIPrintsAndMapsFlags(t *testing.T) {
	_, run := newRunToml(t)
	out, err := runSlurmCLI(t, run, "--nodes", "3", "--ntasks-per-node", "16", "--partition", "p1", "--time", "4:00:00",
		"--account", "acct", "--qos", "high", "--mem", "8G", "--job-name", "co2", "--extra-sbatch", "--exclusive",
		"--setup", "module load openmpi", "--binary", "/opt/stilt-mpi", "--log-dir", "/l")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"#SBATCH --nodes=3\n", "#SBATCH --ntasks-per-node=16\n", "#SBATCH --partition=p1\n", "#SBATCH --time=4:00:00\n",
		"#SBATCH --account=acct\n", "#SBATCH --qos=high\n", "#SBATCH --mem=8G\n", "#SBATCH --job-name=co2\n",
		"#SBATCH --exclusive\n", "\nmodule load openmpi\n", "#SBATCH --output=/l/%x-%j.out\n",
		"srun --mpi=pmix --kill-on-bad-exit=1 /opt/stilt-mpi run " + run,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("printed script lacks %q", want)
		}
	}
	out, err = runSlurmCLI(t, run, "--mode", "array", "--tasks", "2")
	if err != nil || !strings.Contains(out, "# ===== array =====") || !strings.Contains(out, "# ===== merge =====") {
		t.Errorf("array print: %v\n%s", err, out)
	}
}

func TestSlurmCLIBadInput(t *testing.T) {
	_, run := newRunToml(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--mode", "array"}, "tasks"},
		{[]string{"--mode", "array", "--tasks", "0"}, "tasks"},
		{[]string{"--time", "2h"}, "time"},
		{[]string{"--nodes", "1,2"}, "nodes"},
		{[]string{"--mode", "bench"}, "nodes"},
		{[]string{"--mode", "bench", "--nodes", "1,two"}, "nodes"},
		{[]string{"--mode", "serial"}, "mode"},
		{[]string{"--bench-dir", "/b"}, "bench-dir"},
		{[]string{"--wait"}, "--wait needs --submit"},
	}
	for _, c := range cases {
		_, err := runSlurmCLI(t, append([]string{run}, c.args...)...)
		if err == nil || !isBadInput(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: want bad-input error naming %q, got %v", c.args, c.want, err)
		}
	}
	_, err := runSlurmCLI(t, filepath.Join(t.TempDir(), "missing.toml"))
	if err == nil || !isBadInput(err) {
		t.Errorf("missing run.toml: %v", err)
	}
}

func TestBenchReportCLI(t *testing.T) {
	dir := t.TempDir()
	for _, r := range []struct {
		nodes, ranks int
		endNS        int64
	}{{1, 2, 400e9}, {2, 4, 250e9}} {
		stats := filepath.Join(dir, "stats.json")
		os.WriteFile(stats, []byte(`{"simulations": 100}`), 0o644)
		c := newBenchCmd()
		c.SetArgs([]string{"record", "--out", filepath.Join(dir, "bench-n"+strconv.Itoa(r.nodes)+".json"), "--nodes", strconv.Itoa(r.nodes),
			"--ranks", strconv.Itoa(r.ranks), "--job-id", "7", "--start-ns", "0", "--end-ns", strconv.FormatInt(r.endNS, 10), "--stats", stats})
		if err := c.Execute(); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := report.ReadDir(dir)
	if err != nil || len(recs) != 2 || *recs[1].Simulations != 100 || recs[1].WallSeconds != 250 {
		t.Fatalf("records %+v %v", recs, err)
	}
	c := newBenchCmd()
	var out bytes.Buffer
	c.SetOut(&out)
	c.SetArgs([]string{"report", dir})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	// 100 sims: 400 s -> 900/h, 250 s -> 1440/h; speedup 1.6 on twice the ranks
	if !strings.Contains(out.String(), "1440.0") || !strings.Contains(out.String(), "0.800") {
		t.Errorf("report:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "efficiency.png")); err != nil {
		t.Error(err)
	}
	c = newBenchCmd()
	c.SetArgs([]string{"report", t.TempDir()})
	c.SilenceErrors, c.SilenceUsage = true, true
	if err := c.Execute(); err == nil || !isBadInput(err) {
		t.Errorf("empty dir: %v", err)
	}
}

func TestSlurmCLIRunTomlDefaults(t *testing.T) {
	full := `
[slurm]
partition = "p1"
account = "acct"
qos = "high"
time = "30"
nodes = 2
ntasks_per_node = 4
mem = "4G"
extra_sbatch = ["--exclusive"]
setup = ["module load openmpi"]
scratch = "/scratch/s"
signal_grace = "90s"
`
	cases := []struct {
		name, toml string
		args       []string
		want, not  []string
	}{
		{"run.toml only", full, nil, []string{
			"#SBATCH --partition=p1\n", "#SBATCH --account=acct\n", "#SBATCH --qos=high\n", "#SBATCH --time=30\n",
			"#SBATCH --nodes=2\n", "#SBATCH --ntasks-per-node=4\n", "#SBATCH --mem=4G\n", "#SBATCH --exclusive\n",
			"\nmodule load openmpi\n", "#SBATCH --signal=B:TERM@90\n", `STILT_SCRATCH="/scratch/s/${SLURM_JOB_ID}"`,
		}, nil},
		{"flags override", full, []string{"--partition", "p2", "--nodes", "3", "--ntasks-per-node", "1", "--time", "1:00:00",
			"--signal-grace", "30", "--mem", "8G", "--extra-sbatch", "--constraint=cpu", "--setup", "true", "--scratch", "/s2/$SLURM_JOB_ID"}, []string{
			"#SBATCH --partition=p2\n", "#SBATCH --account=acct\n", "#SBATCH --nodes=3\n", "#SBATCH --ntasks-per-node=1\n",
			"#SBATCH --time=1:00:00\n", "#SBATCH --signal=B:TERM@30\n", "#SBATCH --mem=8G\n", "#SBATCH --constraint=cpu\n",
			"\ntrue\n", `STILT_SCRATCH="/s2/$SLURM_JOB_ID"`,
		}, []string{"--exclusive", "module load", "--partition=p1", "/scratch/s"}},
		{"signal_grace 0 turns the signal off", "[slurm]\nsignal_grace = \"0s\"\n", nil, nil,
			[]string{"--signal=", "trap forward_term"}},
		{"default grace 120 s", "", nil, []string{"#SBATCH --signal=B:TERM@120\n", "#SBATCH --nodes=1\n", "#SBATCH --ntasks-per-node=1\n"}, []string{"--time="}},
		{"default grace shortened for a short limit", "[slurm]\ntime = \"2\"\n", nil, []string{"#SBATCH --signal=B:TERM@30\n"}, nil},
		{"scratch with job id kept", "[slurm]\nscratch = \"/x/${SLURM_JOB_ID}/s\"\n", nil, []string{`STILT_SCRATCH="/x/${SLURM_JOB_ID}/s"`}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, run := newRunTomlWith(t, c.toml)
			out, err := runSlurmCLI(t, append([]string{run}, c.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("script lacks %q", w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(out, n) {
					t.Errorf("script contains %q", n)
				}
			}
			if t.Failed() {
				t.Logf("script:\n%s", out)
			}
		})
	}
}

func TestSlurmCLIRunTomlBadInput(t *testing.T) {
	cases := []struct{ name, toml, want string }{
		{"config error", "[slurm]\ntime = \"2h\"\n", "time"},
		{"unknown key", "[slurm]\npartitions = \"p\"\n", "partitions"},
		{"value slurm rejects", "[slurm]\nmem = \"4GB\"\n", "[slurm] mem"},
		{"grace longer than the limit", "[slurm]\ntime = \"2\"\nsignal_grace = \"5m\"\n", "[slurm] signal_grace"},
		{"not a run.toml", "[slurm\n", "TOML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, run := newRunTomlWith(t, c.toml)
			_, err := runSlurmCLI(t, run)
			if err == nil || !isBadInput(err) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("want bad-input error naming %q, got %v", c.want, err)
			}
		})
	}
}

// fakeSlurmBin writes TEST DOUBLES of sbatch and squeue into a directory
// put first on PATH: sbatch hands out ids 101, 102, ... and logs its
// arguments to dir/sbatch.log; squeue prints dir/squeue.<id> if present.
func fakeSlurmBin(t *testing.T) string {
	dir := t.TempDir()
	sbatch := `#!/bin/bash
# TEST DOUBLE for sbatch
d=$(dirname "$0")
n=$(cat "$d/next" 2>/dev/null || echo 101)
echo $((n + 1)) > "$d/next"
echo "$n $*" >> "$d/sbatch.log"
echo "$n"
`
	squeue := `#!/bin/bash
# TEST DOUBLE for squeue: -h --states=all -j ID -o FORMAT
d=$(dirname "$0")
while [ $# -gt 0 ]; do [ "$1" = -j ] && id=$2; shift; done
cat "$d/squeue.$id" 2>/dev/null
exit 0
`
	scontrol := "#!/bin/bash\n# TEST DOUBLE for scontrol\necho 'slurm_load_jobs error: Invalid job id specified' >&2\nexit 1\n"
	for name, text := range map[string]string{"sbatch": sbatch, "squeue": squeue, "scontrol": scontrol} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

func TestSlurmCLISubmitRecordsJobs(t *testing.T) {
	bin := fakeSlurmBin(t)
	dir, run := newRunTomlWith(t, "[project]\noutput_dir = \"results\"\n")
	out, err := runSlurmCLI(t, run, "--mode", "array", "--tasks", "3", "--submit")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "submitted array job 101") || !strings.Contains(out, "submitted merge job 102") {
		t.Errorf("output:\n%s", out)
	}
	log, _ := os.ReadFile(filepath.Join(bin, "sbatch.log"))
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "102 --parsable --dependency=afterany:101 ") {
		t.Errorf("sbatch calls:\n%s", log)
	}
	outDir := filepath.Join(dir, "results")
	subs, err := slurm.Submissions(outDir)
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions %+v %v", subs, err)
	}
	s := subs[0]
	if s.Mode != slurm.ModeArray || s.Tasks != 3 || s.RunConfig != run || len(s.Jobs) != 2 ||
		s.Jobs[0] != (slurm.SubmittedJob{Name: "array", ID: "101", Script: filepath.Join(dir, "slurm", "stilt.sh")}) ||
		s.Jobs[1] != (slurm.SubmittedJob{Name: "merge", ID: "102", Script: filepath.Join(dir, "slurm", "stilt.merge.sh"), AfterAny: "101"}) {
		t.Errorf("recorded %+v", s)
	}

	// what `stilt-mpi status` prints from it
	os.WriteFile(filepath.Join(bin, "squeue.101"), []byte("101_0|COMPLETED|101|0|None\n101_1|RUNNING|101|1|None\n101_[2]|PENDING|101|2|JobArrayTaskLimit\n"), 0o644)
	os.WriteFile(filepath.Join(bin, "squeue.102"), []byte("102|PENDING|102|N/A|Dependency\n"), 0o644)
	got, err := slurm.StatusLines(outDir)
	want := []string{
		"slurm job 101 (array): RUNNING (1 COMPLETED, 1 PENDING, 1 RUNNING)",
		"slurm job 102 (merge, after 101): PENDING (Dependency)",
	}
	if err != nil || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("status lines %q, %v; want %q", got, err, want)
	}

	// a resubmission: status follows the latest one
	if out, err := runSlurmCLI(t, run, "--submit"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got, err = slurm.StatusLines(outDir)
	if err != nil || len(got) != 1 || !strings.HasPrefix(got[0], "slurm job 103 (mpi): state unknown (") {
		t.Errorf("after resubmission: %q %v", got, err)
	}
	if subs, _ := slurm.Submissions(outDir); len(subs) != 2 {
		t.Errorf("%d submissions recorded, want 2", len(subs))
	}
}

func TestWriteSlurmStatus(t *testing.T) {
	bin := fakeSlurmBin(t)
	out := t.TempDir()
	var b bytes.Buffer
	writeSlurmStatus(&b, out)
	if b.Len() != 0 {
		t.Errorf("no submission: printed %q", b.String())
	}
	if err := slurm.RecordSubmission(out, slurm.Submission{Mode: slurm.ModeMPI, Jobs: []slurm.SubmittedJob{{Name: "mpi", ID: "7"}}}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(bin, "squeue.7"), []byte("7|RUNNING|7|N/A|None\n"), 0o644)
	writeSlurmStatus(&b, out)
	if b.String() != "slurm job 7 (mpi): RUNNING\n" {
		t.Errorf("printed %q", b.String())
	}
	reps, err := slurmStatusJSON(out)
	if err != nil || len(reps) != 1 || reps[0].State != slurm.Running || reps[0].ID != "7" || reps[0].Tasks[slurm.Running] != 1 {
		t.Errorf("JSON reports %+v %v", reps, err)
	}
	os.WriteFile(slurm.JobsPath(out), []byte("{"), 0o644)
	b.Reset()
	writeSlurmStatus(&b, out)
	if !strings.HasPrefix(b.String(), "slurm jobs: ") || !strings.Contains(b.String(), "jobs.json") {
		t.Errorf("broken record printed %q", b.String())
	}
}
