package slurmtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

// EnvConf names the variable that points the tests at an existing cluster's
// slurm.conf; the tests then neither start nor stop SLURM.
const EnvConf = "STILT_SLURM_CONF"

// DefaultCPUs is the CPU count declared for the test node. It may exceed
// the real cores (SlurmdParameters=config_overrides); jobs in tests are
// tiny.
const DefaultCPUs = 4

// Cluster is a running test cluster.
type Cluster struct {
	Conf string // slurm.conf path (export as SLURM_CONF)
	Base string // base directory; "" for an external cluster
	CPUs int    // CPUs declared for the node (0 if unknown)
}

// Env returns "SLURM_CONF=<conf>" for an exec.Cmd environment.
func (c *Cluster) Env() string { return "SLURM_CONF=" + c.Conf }

// Start gives the test a running cluster, sets SLURM_CONF for the rest of
// the test (t.Setenv, so the test must not be parallel) and returns the
// slurm.conf path. See StartCluster.
func Start(t testing.TB) string {
	t.Helper()
	c := StartCluster(t, DefaultCPUs)
	if tt, ok := t.(interface{ Setenv(k, v string) }); ok {
		tt.Setenv("SLURM_CONF", c.Conf)
	}
	return c.Conf
}

// StartCluster returns the cluster named by $STILT_SLURM_CONF, or starts a
// private one with cpus CPUs under a fresh temporary base directory on free
// ports. The private cluster is stopped (and its base removed) in
// t.Cleanup, which also runs when the test fails; a watchdog process stops
// it too if the test binary dies without running cleanups (timeout panic,
// kill). When SLURM or munge is not installed, or not running as root, the
// test is skipped, except under CI ($CI set), where it fails.
func StartCluster(t testing.TB, cpus int) *Cluster {
	t.Helper()
	if conf := os.Getenv(EnvConf); conf != "" {
		if out, err := scontrol(conf, "ping"); err != nil || !strings.Contains(out, "is UP") {
			t.Fatalf("%s=%s: slurmctld not reachable: %v %s", EnvConf, conf, err, out)
		}
		return &Cluster{Conf: conf}
	}
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("CI") != "" {
			t.Fatalf("SLURM integration test cannot run in CI: %s", msg)
		}
		t.Skipf("SLURM integration test skipped: %s (or set %s to a running cluster's slurm.conf)", msg, EnvConf)
	}
	for _, c := range []string{"slurmctld", "slurmd", "munged", "munge", "sbatch", "squeue", "scontrol", "srun", "scancel", "sinfo"} {
		if _, err := exec.LookPath(c); err != nil {
			unavailable("%s not found (install slurm-wlm and munge)", c)
		}
	}
	if os.Geteuid() != 0 {
		unavailable("scripts/slurm-up.sh runs the daemons as root; running as uid %d", os.Geteuid())
	}
	root := testenv.RepoRoot(t)
	up := filepath.Join(root, "scripts", "slurm-up.sh")
	down := filepath.Join(root, "scripts", "slurm-down.sh")
	// short path: the munge socket path must fit in 108 bytes
	base, err := os.MkdirTemp("/tmp", "stilt-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	ports, err := freePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		t0 := time.Now()
		out, err := exec.CommandContext(ctx, "bash", down, "--purge", base).CombinedOutput()
		if err != nil {
			t.Logf("slurm-down.sh %s: %v\n%s", base, err, out)
		} else {
			t.Logf("slurmtest: SLURM stopped in %v", time.Since(t0).Round(time.Millisecond))
		}
		os.RemoveAll(base) // also when slurm-up.sh failed before marking the base
	}
	watchdog, werr := startWatchdog(down, base)
	if werr != nil {
		t.Logf("slurmtest: no watchdog (%v); SLURM is stopped by t.Cleanup only", werr)
	}
	t.Cleanup(func() {
		if watchdog != nil {
			watchdog.Process.Kill() // the watchdog we started, by pid
			watchdog.Wait()
		}
		stop()
	})

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", up, base)
	cmd.Env = append(os.Environ(),
		"SLURM_CPUS="+strconv.Itoa(cpus),
		"SLURM_CTLD_PORT="+strconv.Itoa(ports[0]),
		"SLURM_SLURMD_PORT="+strconv.Itoa(ports[1]),
		"SLURM_INSTALL=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("scripts/slurm-up.sh %s: %v\n%s%s", base, err, stderr.String(), tails(base))
	}
	conf := ""
	for _, l := range strings.Split(stdout.String(), "\n") {
		if v, ok := strings.CutPrefix(l, "export SLURM_CONF="); ok {
			conf = strings.TrimSpace(v)
		}
	}
	if conf == "" {
		t.Fatalf("scripts/slurm-up.sh printed no export SLURM_CONF line:\n%s", stdout.String())
	}
	t.Logf("slurmtest: SLURM up in %v at %s (ports %d/%d, %d CPUs)", time.Since(t0).Round(time.Millisecond), base, ports[0], ports[1], cpus)
	return &Cluster{Conf: conf, Base: base, CPUs: cpus}
}

// Logs returns the tails of the daemon logs of a private cluster, for test
// failure messages.
func (c *Cluster) Logs() string {
	if c.Base == "" {
		return ""
	}
	return tails(c.Base)
}

func tails(base string) string {
	var b strings.Builder
	for _, f := range []string{"slurmctld.log", "slurmd.log", "munged.log"} {
		data, err := os.ReadFile(filepath.Join(base, "log", f))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) > 15 {
			lines = lines[len(lines)-15:]
		}
		fmt.Fprintf(&b, "--- %s (tail)\n%s\n", f, strings.Join(lines, "\n"))
	}
	return b.String()
}

func scontrol(conf string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "scontrol", args...)
	cmd.Env = append(os.Environ(), "SLURM_CONF="+conf)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// freePorts asks the kernel for n distinct free TCP ports.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// startWatchdog starts a detached shell that stops the cluster at base once
// this test process has gone (alive = exists and is not a zombie).
func startWatchdog(down, base string) (*exec.Cmd, error) {
	script := `pid=$1; down=$2; base=$3
while st=$(ps -o stat= -p "$pid" 2>/dev/null) && [[ $st != Z* ]]; do sleep 1; done
bash "$down" --purge "$base" >/dev/null 2>&1
rm -rf "$base"`
	cmd := exec.Command("bash", "-c", script, "slurmtest-watchdog", strconv.Itoa(os.Getpid()), down, base)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd, nil
}
