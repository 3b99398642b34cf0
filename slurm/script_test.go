package slurm

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fullOptions sets every option so that the golden files show every line.
func fullOptions() Options {
	return Options{
		JobName:       "co2-2026",
		Nodes:         2,
		NTasksPerNode: 8,
		CPUsPerTask:   2,
		Time:          "1-02:00:00",
		Partition:     "notchpeak",
		Account:       "lin-group",
		QOS:           "normal",
		Mem:           "16G",
		ExtraSBATCH:   []string{"--exclusive", "#SBATCH --constraint=c32"},
		Setup:         []string{"module load openmpi/4.1.4", "module load netcdf-c\nulimit -s unlimited"},
		Scratch:       "/scratch/local/$USER/stilt-${SLURM_JOB_ID}",
		SignalGrace:   600,
		LogDir:        "/home/u/run/slurm/logs",
		Binary:        "/home/u/bin/stilt-mpi",
		RunConfig:     "/home/u/run/run toml's dir/run.toml",
	}
}

func TestGenerateGolden(t *testing.T) {
	minimal := Options{RunConfig: "/data/run.toml"}
	cases := []struct {
		name string
		opt  func() Options
	}{
		{"mpi_minimal", func() Options { return minimal }},
		{"mpi_full", fullOptions},
		{"array", func() Options {
			o := fullOptions()
			o.Mode, o.Tasks, o.Parallelism = ModeArray, 3, 2
			return o
		}},
		{"array_nolimit_nosignal", func() Options {
			o := minimal
			o.Mode, o.Tasks, o.SignalGrace = ModeArray, 10, -1
			return o
		}},
		{"bench", func() Options {
			o := fullOptions()
			o.Mode, o.BenchNodes, o.BenchDir = ModeBench, []int{1, 4}, "/home/u/run/bench"
			return o
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			scripts, err := Generate(c.opt())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range scripts {
				golden := filepath.Join("testdata", c.name+"."+s.Name+".sh.golden")
				if *update {
					if err := os.WriteFile(golden, []byte(s.Text), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./slurm -run TestGenerateGolden -update)", err)
				}
				if string(want) != s.Text {
					t.Errorf("%s differs from %s (rerun with -update after checking):\n%s", s.Name, golden, s.Text)
				}
				// Every generated script must be valid bash.
				if out, err := exec.Command("bash", "-n", "-c", s.Text).CombinedOutput(); err != nil {
					t.Errorf("%s: bash -n: %v\n%s", s.Name, err, out)
				}
			}
			// Deterministic: a second generation is byte-identical.
			again, _ := Generate(c.opt())
			for i := range scripts {
				if again[i].Text != scripts[i].Text {
					t.Errorf("%s: second generation differs", scripts[i].Name)
				}
			}
		})
	}
}

// directives returns the #SBATCH directives of a script in order.
func directives(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if d, ok := strings.CutPrefix(l, "#SBATCH "); ok {
			out = append(out, d)
		}
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestMPIScriptKeyLines(t *testing.T) {
	scripts, err := Generate(fullOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) != 1 || scripts[0].Name != "mpi" {
		t.Fatalf("want one mpi script, got %+v", scripts)
	}
	txt := scripts[0].Text
	d := directives(txt)
	for _, want := range []string{
		"--job-name=co2-2026", "--nodes=2", "--ntasks-per-node=8", "--cpus-per-task=2", "--time=1-02:00:00",
		"--partition=notchpeak", "--account=lin-group", "--qos=normal", "--mem=16G", "--signal=B:TERM@600",
		"--output=/home/u/run/slurm/logs/%x-%j.out", "--error=/home/u/run/slurm/logs/%x-%j.err",
		"--exclusive", "--constraint=c32",
	} {
		if !has(d, want) {
			t.Errorf("missing #SBATCH %s in %q", want, d)
		}
	}
	if !strings.HasPrefix(txt, "#!/bin/bash\n") {
		t.Error("no bash shebang on the first line")
	}
	// all #SBATCH lines must come before the first command, or sbatch ignores them
	lines := strings.Split(txt, "\n")
	firstCmd := -1
	for i, l := range lines {
		if l != "" && !strings.HasPrefix(l, "#") {
			firstCmd = i
			break
		}
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "#SBATCH") && i > firstCmd {
			t.Errorf("line %d %q comes after the first command", i+1, l)
		}
	}
	for _, want := range []string{
		"srun --mpi=pmix --kill-on-bad-exit=1 /home/u/bin/stilt-mpi run '/home/u/run/run toml'\\''s dir/run.toml' &",
		"trap forward_term TERM",
		`scancel --signal=TERM "$SLURM_JOB_ID"`,
		`export STILT_SCRATCH="/scratch/local/$USER/stilt-${SLURM_JOB_ID}"`,
		"module load openmpi/4.1.4", "ulimit -s unlimited",
		`exit "$rc"`,
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("mpi script lacks %q", want)
		}
	}
	// the trap must be installed before the step starts
	if strings.Index(txt, "trap forward_term TERM") > strings.Index(txt, "\nsrun --mpi") {
		t.Error("trap installed after srun starts")
	}
}

func TestDefaultScratchAndNoSignal(t *testing.T) {
	s, err := Generate(Options{RunConfig: "/r.toml", SignalGrace: -1})
	if err != nil {
		t.Fatal(err)
	}
	txt := s[0].Text
	if !strings.Contains(txt, `export STILT_SCRATCH="${SLURM_TMPDIR:-/tmp/stilt-mpi-${SLURM_JOB_ID}}"`) {
		t.Error("default scratch is not $SLURM_TMPDIR with a job-id fallback")
	}
	if strings.Contains(txt, "--signal") || strings.Contains(txt, "trap") {
		t.Error("signal disabled but script still has --signal or a trap")
	}
	if !strings.Contains(txt, "\nsrun --mpi=pmix --kill-on-bad-exit=1 stilt-mpi run /r.toml\n") {
		t.Errorf("without signal, srun should run in the foreground:\n%s", txt)
	}
}

func TestDefaultSignalGraceFitsShortLimits(t *testing.T) {
	cases := []struct {
		time  string
		grace int
		want  string
	}{
		{"", 0, "--signal=B:TERM@300"},
		{"2:00:00", 0, "--signal=B:TERM@300"},
		{"10", 0, "--signal=B:TERM@150"}, // 600 s / 4
		{"0:03", 0, "--signal=B:TERM@1"},
		{"10", 30, "--signal=B:TERM@30"},
	}
	for _, c := range cases {
		s, err := Generate(Options{RunConfig: "/r.toml", Time: c.time, SignalGrace: c.grace})
		if err != nil {
			t.Fatalf("time %q grace %d: %v", c.time, c.grace, err)
		}
		if d := directives(s[0].Text); !has(d, c.want) {
			t.Errorf("time %q grace %d: directives %q lack %s", c.time, c.grace, d, c.want)
		}
	}
}

func TestArrayScripts(t *testing.T) {
	o := Options{RunConfig: "/r.toml", Mode: ModeArray, Tasks: 5, Parallelism: 2, LogDir: "/logs"}
	s, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 2 || s[0].Name != "array" || s[1].Name != "merge" || s[1].AfterAny != "array" || s[0].AfterAny != "" {
		t.Fatalf("want [array, merge after array], got %+v", s)
	}
	d := directives(s[0].Text)
	for _, want := range []string{"--array=0-4%2", "--output=/logs/%x-%A_%a.out", "--error=/logs/%x-%A_%a.err"} {
		if !has(d, want) {
			t.Errorf("array script lacks #SBATCH %s: %q", want, d)
		}
	}
	if !strings.Contains(s[0].Text, `stilt-mpi run /r.toml --shard "${SLURM_ARRAY_TASK_ID}/5" &`) {
		t.Errorf("array step line missing:\n%s", s[0].Text)
	}
	md := directives(s[1].Text)
	for _, want := range []string{"--job-name=stilt-merge", "--nodes=1", "--ntasks-per-node=1"} {
		if !has(md, want) {
			t.Errorf("merge script lacks #SBATCH %s: %q", want, md)
		}
	}
	if !strings.Contains(s[1].Text, "\nstilt-mpi merge /r.toml\n") {
		t.Errorf("merge command missing:\n%s", s[1].Text)
	}
	for _, x := range md {
		if strings.HasPrefix(x, "--array") || strings.HasPrefix(x, "--dependency") {
			t.Errorf("merge script must not carry %s (the dependency is given at submission)", x)
		}
	}
}

func TestBenchScripts(t *testing.T) {
	o := Options{RunConfig: "/r.toml", Mode: ModeBench, BenchNodes: []int{4, 1, 2}, NTasksPerNode: 3, BenchDir: "/b"}
	s, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 3 {
		t.Fatalf("want 3 scripts, got %d", len(s))
	}
	for i, n := range []int{4, 1, 2} {
		if s[i].Nodes != n || s[i].Name != "bench-n"+itoa(n) {
			t.Errorf("script %d: name %q nodes %d, want bench-n%d", i, s[i].Name, s[i].Nodes, n)
		}
		d := directives(s[i].Text)
		if !has(d, "--nodes="+itoa(n)) || !has(d, "--ntasks-per-node=3") {
			t.Errorf("bench-n%d directives %q", n, d)
		}
		for _, want := range []string{
			`--out "$bench_dir/` + BenchResultName(n) + `"`,
			`--ranks "${SLURM_NTASKS:-` + itoa(3*n) + `}"`,
			`run_dir="$bench_dir/n` + itoa(n) + `"`,
			`export STILT_OUTPUT_DIR="$run_dir/output"`,
		} {
			if !strings.Contains(s[i].Text, want) {
				t.Errorf("bench-n%d lacks %q", n, want)
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestValidationErrors(t *testing.T) {
	base := func() Options { return Options{RunConfig: "/r.toml"} }
	cases := []struct {
		name   string
		mod    func(*Options)
		option string
	}{
		{"tasks zero", func(o *Options) { o.Mode = ModeArray }, "tasks"},
		{"tasks negative", func(o *Options) { o.Mode, o.Tasks = ModeArray, -2 }, "tasks"},
		{"parallelism negative", func(o *Options) { o.Mode, o.Tasks, o.Parallelism = ModeArray, 2, -1 }, "parallelism"},
		{"tasks outside array", func(o *Options) { o.Tasks = 3 }, "tasks"},
		{"time letters", func(o *Options) { o.Time = "1h" }, "time"},
		{"time minutes 60", func(o *Options) { o.Time = "1:60:00" }, "time"},
		{"time four fields", func(o *Options) { o.Time = "1:2:3:4" }, "time"},
		{"time zero", func(o *Options) { o.Time = "0" }, "time"},
		{"time empty day", func(o *Options) { o.Time = "-1" }, "time"},
		{"grace beyond limit", func(o *Options) { o.Time, o.SignalGrace = "5", 300 }, "signal-grace"},
		{"grace too large", func(o *Options) { o.SignalGrace = 70000 }, "signal-grace"},
		{"mode", func(o *Options) { o.Mode = "serial" }, "mode"},
		{"job name space", func(o *Options) { o.JobName = "my job" }, "job-name"},
		{"nodes negative", func(o *Options) { o.Nodes = -1 }, "nodes"},
		{"ntasks negative", func(o *Options) { o.NTasksPerNode = -1 }, "ntasks-per-node"},
		{"cpus negative", func(o *Options) { o.CPUsPerTask = -3 }, "cpus-per-task"},
		{"partition newline", func(o *Options) { o.Partition = "a\nb" }, "partition"},
		{"account space", func(o *Options) { o.Account = "a b" }, "account"},
		{"qos", func(o *Options) { o.QOS = "x;y" }, "qos"},
		{"mem unit", func(o *Options) { o.Mem = "4GB" }, "mem"},
		{"extra not a directive", func(o *Options) { o.ExtraSBATCH = []string{"exclusive"} }, "extra-sbatch[0]"},
		{"extra two lines", func(o *Options) { o.ExtraSBATCH = []string{"--a", "--b\n--c"} }, "extra-sbatch[1]"},
		{"scratch without job id", func(o *Options) { o.Scratch = "/scratch/$USER" }, "scratch"},
		{"scratch command substitution", func(o *Options) { o.Scratch = "/s/$(id)/$SLURM_JOB_ID" }, "scratch"},
		{"log dir percent", func(o *Options) { o.LogDir = "/l/%j" }, "log-dir"},
		{"no run config", func(o *Options) { o.RunConfig = "" }, "run-config"},
		{"bench no nodes", func(o *Options) { o.Mode, o.BenchDir = ModeBench, "/b" }, "nodes"},
		{"bench zero nodes", func(o *Options) { o.Mode, o.BenchDir, o.BenchNodes = ModeBench, "/b", []int{1, 0} }, "nodes"},
		{"bench duplicate", func(o *Options) { o.Mode, o.BenchDir, o.BenchNodes = ModeBench, "/b", []int{2, 2} }, "nodes"},
		{"bench no dir", func(o *Options) { o.Mode, o.BenchNodes = ModeBench, []int{1} }, "bench-dir"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base()
			c.mod(&o)
			_, err := Generate(o)
			var oe *OptionError
			if !errors.As(err, &oe) {
				t.Fatalf("want *OptionError for %s, got %v", c.option, err)
			}
			if oe.Option != c.option {
				t.Errorf("error names option %q, want %q (%v)", oe.Option, c.option, err)
			}
			if !strings.Contains(err.Error(), c.option) {
				t.Errorf("message %q does not name %q", err, c.option)
			}
			if o.Validate() == nil {
				t.Error("Validate accepted what Generate rejected")
			}
		})
	}
}

func TestParseTimeLimit(t *testing.T) {
	cases := []struct {
		in   string
		want int
	}{
		{"30", 1800}, {"90", 5400}, {"5:30", 330}, {"01:00:00", 3600}, {"48:00:00", 172800},
		{"2-0", 172800}, {"1-12", 129600}, {"1-02:30", 95400}, {"0-00:00:45", 45},
		{"UNLIMITED", -1}, {"infinite", -1},
	}
	for _, c := range cases {
		got, err := ParseTimeLimit(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseTimeLimit(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "1h", "1:2:3:4", "1-2:3:4:5", "1-24", "1:00:61", "a-1", "1--2", ":5", "0:00"} {
		if _, err := ParseTimeLimit(bad); err == nil {
			t.Errorf("ParseTimeLimit(%q) accepted", bad)
		}
	}
}

func TestShellQuote(t *testing.T) {
	cases := map[string]string{
		"/a/b.toml":  "/a/b.toml",
		"a b":        "'a b'",
		"it's":       `'it'\''s'`,
		"":           "''",
		"$HOME/x":    "'$HOME/x'",
		"x;rm -rf /": "'x;rm -rf /'",
	}
	for in, want := range cases {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
		// the quoted word must come back unchanged through bash
		out, err := exec.Command("bash", "-c", "printf %s "+shellQuote(in)).Output()
		if err != nil || string(out) != in {
			t.Errorf("bash round trip of %q gave %q, %v", in, out, err)
		}
	}
}
