package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestValidateOK(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"run.toml":      "[receptors]\npath='r.csv'\n[met.hrrr]\ndirectory='met'\n[met.nam]\ndirectory='met'\n[footprints.f]\nxmin=0\nxmax=1\nymin=0\nymax=2\nxres=0.1\n",
		"r.csv":         "time,lat,lon,z\n201905301100,40,-112,5\n201905301200,40,-112,5\n",
		"met/readme.md": "x",
	})
	var out bytes.Buffer
	if problems := validateRun(filepath.Join(dir, "run.toml"), &out); len(problems) != 0 {
		t.Fatal(problems)
	}
	for _, want := range []string{"receptors   2 (2 point", "met hrrr ", "met nam ", "simulations 4", "footprint f      10 x 20 cells"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"run.toml": "[receptors]\npath='r.csv'\n[met.hrrr]\ndirectory='nowhere'\n[params]\nnumpar=0\nbogus=1\n",
		"r.csv":    "time,lat,lon,z\n201905301100,95,-112,5\nnot-a-time,40,-112,5\n",
	})
	problems := validateRun(filepath.Join(dir, "run.toml"), &bytes.Buffer{})
	var all []string
	for _, p := range problems {
		all = append(all, p.Error())
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"params.numpar", "params.bogus", "met.hrrr.directory", "r.csv:2", "r.csv:3"} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
}

func TestValidateExitCode(t *testing.T) {
	dir := writeFiles(t, map[string]string{"run.toml": "[params]\nnumpar = 'x'\n"})
	rootCmd.SetOut(&bytes.Buffer{})
	rootCmd.SetErr(&bytes.Buffer{})
	defer rootCmd.SetOut(nil)
	defer rootCmd.SetErr(nil)
	if code := run([]string{"validate", filepath.Join(dir, "run.toml")}); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	if code := run([]string{"validate"}); code != 2 {
		t.Errorf("missing argument: exit code %d, want 2", code)
	}
	ok := writeFiles(t, map[string]string{
		"run.toml": "[receptors]\npath='r.csv'\n[met.hrrr]\ndirectory='.'\n",
		"r.csv":    "time,lat,lon,z\n201905301100,40,-112,5\n",
	})
	if code := run([]string{"validate", filepath.Join(ok, "run.toml")}); code != 0 {
		t.Errorf("valid config: exit code %d, want 0", code)
	}
}
