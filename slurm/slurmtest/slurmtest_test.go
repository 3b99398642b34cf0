package slurmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

// TestScripts checks scripts/slurm-up.sh and slurm-down.sh beyond what the
// slurm integration test uses: idempotent start on a running base, refusal
// of a foreign non-empty base, idempotent stop.
func TestScripts(t *testing.T) {
	if os.Getenv(EnvConf) != "" {
		t.Skipf("%s set: an external cluster is used, the scripts are not exercised", EnvConf)
	}
	c := StartCluster(t, 2)
	root := testenv.RepoRoot(t)
	up := filepath.Join(root, "scripts", "slurm-up.sh")
	down := filepath.Join(root, "scripts", "slurm-down.sh")

	if out, err := scontrol(c.Conf, "ping"); err != nil || !strings.Contains(out, "is UP") {
		t.Fatalf("scontrol ping: %v %s", err, out)
	}
	out, err := exec.Command("bash", up, c.Base).Output()
	if err != nil {
		t.Fatalf("second slurm-up.sh on a running base: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != "export SLURM_CONF="+c.Conf {
		t.Errorf("second slurm-up.sh printed %q, want the same export line", got)
	}

	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "precious.txt"), []byte("keep"), 0o644)
	cmd := exec.Command("bash", up, foreign)
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "not created by slurm-up.sh") {
		t.Errorf("slurm-up.sh on a foreign non-empty directory: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(foreign, "precious.txt")); err != nil {
		t.Errorf("foreign directory was touched: %v", err)
	}

	cmd = exec.Command("bash", up, "relative/"+strings.Repeat("x", 90))
	cmd.Dir = t.TempDir()
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "too long") {
		t.Errorf("over-long base accepted: %v\n%s", err, b)
	}

	// stopping a base where nothing runs succeeds and says so
	b, err = exec.Command("bash", down, t.TempDir()).CombinedOutput()
	if err != nil || !strings.Contains(string(b), "not running") {
		t.Errorf("slurm-down.sh on an idle base: %v\n%s", err, b)
	}
}
