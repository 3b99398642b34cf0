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

func newRunToml(t *testing.T) (dir, run string) {
	dir = t.TempDir()
	run = filepath.Join(dir, "run.toml")
	if err := os.WriteFile(run, []byte("# not parsed by the slurm verb\n"), 0o644); err != nil {
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
