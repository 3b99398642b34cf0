package slurm_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/bench/report"
	"github.com/stilt-mpi/stilt-mpi/met"
	"github.com/stilt-mpi/stilt-mpi/slurm"
	"github.com/stilt-mpi/stilt-mpi/slurm/slurmtest"
)

// standIn is a test double for the stilt-mpi binary, for what the real
// runner cannot show quickly: `run long.toml` waits for SIGTERM and writes
// "checkpointed" per rank (the TERM forwarding of the generated script);
// `run fail.toml` exits 3; `run bench.toml` writes runner statistics to
// $STILT_STATS_FILE; `bench ...` runs the real stilt-mpi built by the test.
// Everything else runs the real stilt-mpi (see realRunnerSubtests).
const standIn = `#!/bin/bash
# TEST DOUBLE for stilt-mpi (slurm integration test)
out=%s
real=%s
verb=$1; cfg=$(basename "$2")
rank=${SLURM_PROCID:-0}
case "$verb/$cfg" in
  run/fail.toml)  echo "stand-in failing on purpose" >&2; exit 3 ;;
  run/long.toml)
    trap 'echo checkpointed > "$out/term.$SLURM_JOB_ID.$rank"; exit 0' TERM
    echo started > "$out/started.$SLURM_JOB_ID.$rank"
    for i in $(seq 1 300); do sleep 0.1; done
    echo "no TERM within 30 s" >&2; exit 1 ;;
  run/bench.toml)
    [ -d "$STILT_OUTPUT_DIR" ] || { echo "no STILT_OUTPUT_DIR" >&2; exit 2; }
    sleep 1
    if [ "$rank" = 0 ]; then echo '{"simulations": 6, "idle_fraction": 0.25}' > "$STILT_STATS_FILE"; fi ;;
  bench/*) exec "$real" "$@" ;;
  *) echo "stand-in: unexpected arguments $*" >&2; exit 2 ;;
esac
`

type env struct {
	cl     *slurm.Client
	dir    string // scripts, configs
	out    string // stand-in output
	logs   string
	binary string // stand-in
	real   string // real stilt-mpi, built by newEnv
	met    string // synthetic met shared by the real batches (read only)
	logsOf func() string
}

func newEnv(t *testing.T) *env {
	t0 := time.Now()
	// registered first, so it runs after the cluster has been stopped
	t.Cleanup(func() {
		t.Logf("SLURM integration test (start to stop) took %v", time.Since(t0).Round(time.Millisecond))
	})
	dir := t.TempDir()
	e := &env{dir: dir, out: filepath.Join(dir, "out"), logs: filepath.Join(dir, "logs"),
		binary: filepath.Join(dir, "stand-in-stilt-mpi"), real: filepath.Join(dir, "stilt-mpi"), met: filepath.Join(dir, "met")}
	// build the real binary while the cluster starts
	built := make(chan error, 1)
	go func() {
		t0 := time.Now()
		repo, _ := filepath.Abs("..")
		build := exec.Command("go", "build", "-tags", "libsqlite3", "-o", e.real, "./cmd/stilt-mpi")
		build.Dir = repo
		out, err := build.CombinedOutput()
		if err != nil {
			err = fmt.Errorf("go build ./cmd/stilt-mpi: %v\n%s", err, out)
		} else {
			t.Logf("built stilt-mpi in %v", time.Since(t0).Round(time.Millisecond))
		}
		built <- err
	}()
	// 8 declared CPUs (2 real cores): the subtests run in parallel, their jobs are small
	c := slurmtest.StartCluster(t, 8)
	e.cl = &slurm.Client{Conf: c.Conf, PollInterval: 200 * time.Millisecond}
	e.logsOf = c.Logs
	if err := <-built; err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{e.out, e.logs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(e.binary, []byte(fmt.Sprintf(standIn, e.out, e.real)), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"long.toml", "fail.toml"} {
		os.WriteFile(filepath.Join(dir, f), []byte("# stand-in run.toml, not parsed\n"), 0o644)
	}
	if _, err := met.Synth(e.met, met.SynthSpec{}); err != nil {
		t.Fatal(err)
	}
	// the slurm verb loads run.toml: bench.toml must be a valid one
	writeRunToml(t, filepath.Join(dir, "bench.toml"), e.met, "bench-out", dir, 20, -2)
	return e
}

func (e *env) opts(mode slurm.Mode, cfg string) slurm.Options {
	return slurm.Options{Mode: mode, JobName: "it-" + strings.TrimSuffix(cfg, ".toml"), NTasksPerNode: 2, Time: "2",
		SignalGrace: 60, LogDir: e.logs, Binary: e.binary, RunConfig: filepath.Join(e.dir, cfg),
		Scratch: filepath.Join(e.dir, "scratch-$SLURM_JOB_ID")}
}

// write generates o's scripts into the test directory, keyed by name.
func (e *env) write(t *testing.T, o slurm.Options) map[string]string {
	t.Helper()
	scripts, err := slurm.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	for _, s := range scripts {
		p := filepath.Join(e.dir, o.JobName+"-"+s.Name+".sh")
		if err := os.WriteFile(p, []byte(s.Text), 0o755); err != nil {
			t.Fatal(err)
		}
		paths[s.Name] = p
	}
	return paths
}

func (e *env) wait(t *testing.T, id string, limit time.Duration) slurm.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	st, err := e.cl.Wait(ctx, id)
	if err != nil {
		t.Fatalf("job %s: %v\n%s\n%s", id, err, e.jobLogs(), e.logsOf())
	}
	return st
}

func (e *env) jobLogs() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(e.logs, "*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "--- %s\n%s", filepath.Base(f), data)
	}
	return b.String()
}

func (e *env) waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s\n%s", limit, what, e.jobLogs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestIntegration runs generated scripts on a real single-node SLURM
// (scripts/slurm-up.sh, or $STILT_SLURM_CONF), started once for all its
// parallel subtests: the real stilt-mpi on small synthetic batches (see
// realRunnerSubtests) and a stand-in for what the runner cannot show quickly.
func TestIntegration(t *testing.T) {
	e := newEnv(t)
	e.realRunnerSubtests(t)

	t.Run("failing run is FAILED", func(t *testing.T) {
		t.Parallel()
		p := e.write(t, e.opts(slurm.ModeMPI, "fail.toml"))
		id, err := e.cl.Submit(p["mpi"])
		if err != nil {
			t.Fatal(err)
		}
		st := e.wait(t, id, 30*time.Second)
		if st.State != slurm.Failed {
			t.Errorf("job %s ended %s, want FAILED", id, st.State)
		}
	})

	t.Run("JobState running and finished, TERM forwarded", func(t *testing.T) {
		t.Parallel()
		p := e.write(t, e.opts(slurm.ModeMPI, "long.toml"))
		id, err := e.cl.Submit(p["mpi"])
		if err != nil {
			t.Fatal(err)
		}
		started := func(r int) string { return filepath.Join(e.out, fmt.Sprintf("started.%s.%d", id, r)) }
		e.waitFor(t, "both ranks to start", 30*time.Second, func() bool { return exists(started(0)) && exists(started(1)) })
		st, err := e.cl.JobState(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.State != slurm.Running || len(st.Tasks) != 1 || st.Tasks[0].State != slurm.Running || st.Tasks[0].ID != id {
			t.Fatalf("running job: %+v", st)
		}
		// what --signal=B:TERM@grace does at the time limit: TERM to the batch shell only
		if err := e.cl.Cancel(id, "TERM", true); err != nil {
			t.Fatal(err)
		}
		st = e.wait(t, id, 30*time.Second)
		if !st.OK() {
			t.Errorf("job %s ended %s after TERM, want COMPLETED (stand-in checkpoints and exits 0)\n%s", id, st.State, e.jobLogs())
		}
		for r := 0; r < 2; r++ {
			if b, _ := os.ReadFile(filepath.Join(e.out, fmt.Sprintf("term.%s.%d", id, r))); strings.TrimSpace(string(b)) != "checkpointed" {
				t.Errorf("rank %d did not receive the forwarded TERM", r)
			}
		}
		if b, _ := os.ReadFile(filepath.Join(e.logs, "it-long-"+id+".err")); !strings.Contains(string(b), "forwarding to the job steps") {
			t.Errorf("batch shell did not log the forwarding: %q", b)
		}
		// finished job, asked again (squeue --states=all keeps it for MinJobAge)
		st, err = e.cl.JobState(id)
		if err != nil || st.State != slurm.Completed {
			t.Errorf("finished job: %+v %v", st, err)
		}
	})

	t.Run("CLI submits bench job, report reads it", func(t *testing.T) {
		t.Parallel()
		results := filepath.Join(e.dir, "bench-results")
		cli := func(args ...string) string {
			cmd := exec.Command(e.real, args...)
			cmd.Env = append(os.Environ(), "SLURM_CONF="+e.cl.Conf)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("stilt-mpi %q: %v\n%s\n%s", args, err, out, e.jobLogs())
			}
			return string(out)
		}
		out := cli("slurm", filepath.Join(e.dir, "bench.toml"), "--mode", "bench", "--nodes", "1", "--ntasks-per-node", "2",
			"--time", "2", "--binary", e.binary, "--bench-dir", results, "--log-dir", e.logs,
			"-o", filepath.Join(e.dir, "jobs", "b.sh"), "--submit", "--wait")
		if !strings.Contains(out, "submitted bench-n1 job") || !strings.Contains(out, ": COMPLETED") {
			t.Fatalf("CLI output:\n%s", out)
		}
		recs, err := report.ReadDir(results)
		if err != nil {
			t.Fatal(err)
		}
		r := recs[0]
		if len(recs) != 1 || r.Nodes != 1 || r.Ranks != 2 || r.Simulations == nil || *r.Simulations != 6 ||
			r.IdleFraction == nil || *r.IdleFraction != 0.25 || r.ExitCode != 0 || r.WallSeconds < 1 || r.WallSeconds > 30 {
			t.Errorf("bench record %+v", r)
		}
		table := cli("bench", "report", results)
		if !strings.Contains(table, "0.250") || !exists(filepath.Join(results, "efficiency.png")) {
			t.Errorf("report:\n%s", table)
		}
	})

	t.Run("srun launches MPI", func(t *testing.T) {
		t.Parallel()
		how, out := srunMPI(t, e)
		t.Logf("srun check used: %s", how)
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if strings.HasPrefix(l, "mpi_hello") || how == "hostname" {
				lines = append(lines, l)
			}
		}
		sort.Strings(lines)
		if len(lines) != 2 {
			t.Fatalf("want 2 lines from 2 tasks, got %q", out)
		}
		if how == "pmix" {
			for r, l := range lines {
				if !strings.HasPrefix(l, fmt.Sprintf("mpi_hello rank %d of 2 ", r)) || !strings.HasSuffix(l, " sum 2") {
					t.Errorf("line %q: want rank %d of 2 with allreduce sum 2", l, r)
				}
			}
		}
	})
}

// srunMPI runs mpi_hello on 2 ranks with srun --mpi=pmix. If mpicc is
// missing, or the pmix launch fails, it falls back to `srun -n 2 hostname`
// and says so; it returns which check ran and the output.
func srunMPI(t *testing.T, e *env) (string, string) {
	srun := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "srun", args...)
		cmd.Env = append(os.Environ(), "SLURM_CONF="+e.cl.Conf)
		out, err := cmd.Output()
		return string(out), err
	}
	reason := ""
	if _, err := exec.LookPath("mpicc"); err != nil {
		reason = "mpicc not found"
	} else {
		bin := filepath.Join(e.dir, "mpi_hello")
		src, _ := filepath.Abs(filepath.Join("testdata", "mpi_hello.c"))
		if out, err := exec.Command("mpicc", "-o", bin, src).CombinedOutput(); err != nil {
			reason = fmt.Sprintf("mpicc failed: %v %s", err, out)
		} else if out, err := srun("-n", "2", "--mpi=pmix", bin); err != nil {
			reason = fmt.Sprintf("srun --mpi=pmix failed: %v %s", err, out)
		} else {
			return "pmix", out
		}
	}
	t.Logf("PMIX NOT CHECKED (%s); falling back to srun -n 2 hostname", reason)
	out, err := srun("-n", "2", "hostname")
	if err != nil {
		t.Fatalf("srun -n 2 hostname: %v\n%s", err, e.logsOf())
	}
	return "hostname", out
}
