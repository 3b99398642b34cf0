package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot returns the directory holding go.mod, searching up from the
// working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Shared returns the path of a file or folder under the shared reference
// data ($STILT_SHARED, else ../shared beside the repository). When the data
// are absent the test is skipped, except under CI (CI set), where it fails.
func Shared(t testing.TB, rel ...string) string {
	t.Helper()
	base := os.Getenv("STILT_SHARED")
	if base == "" {
		base = filepath.Join(RepoRoot(t), "..", "shared")
	}
	p := filepath.Join(append([]string{base}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared reference data missing in CI: %v", err)
		}
		t.Skipf("shared reference data not present (%v); set STILT_SHARED", err)
	}
	return p
}
