package main

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

// TestValidateTransportMember turns a copy of a shared hycs_std run (its
// thinned particle file holds every whole-hour row and every non-zero foot
// row) into an ensemble member and checks that the statistics equal the
// run's own hourly_stats.csv.
func TestValidateTransportMember(t *testing.T) {
	src := testenv.Shared(t, "hysplit-ensemble", "A_seed1")
	dir := filepath.Join(t.TempDir(), "A_copy")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"CONTROL", "SETUP.CFG"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	gz, err := os.Open(filepath.Join(src, "PARTICLE_STILT_thinned.DAT.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := os.Create(filepath.Join(dir, "PARTICLE_STILT.DAT"))
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	out.Close()

	msg, code := runCLI(t, "validate-transport", "member", dir)
	if code != 0 || !strings.Contains(msg, "KRAND=1: statistics written") {
		t.Fatalf("exit %d: %s", code, msg)
	}
	read := func(p string) [][]string {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	got, want := read(filepath.Join(dir, "hourly_stats.csv")), read(filepath.Join(src, "hourly_stats.csv"))
	if len(got) != len(want) || strings.Join(got[0], ",") != strings.Join(want[0], ",") {
		t.Fatalf("header/rows: got %v (%d rows), want %v (%d rows)", got[0], len(got), want[0], len(want))
	}
	// hour 1 median: the shared file prints 7 significant digits
	if got[1][6][:6] != want[1][6][:6] {
		t.Errorf("hour 1 zagl_median %s, shared file %s", got[1][6], want[1][6])
	}

	// a SETUP.CFG without NUMPAR is bad input: exit 2, message names the file
	os.WriteFile(filepath.Join(dir, "SETUP.CFG"), []byte("$SETUP\nVARSIWANT='time','indx','long','lati','zagl','foot','mlht','dens','samt','sigw','tlgr',\n$END\n"), 0o644)
	_, code = runCLI(t, "validate-transport", "member", dir)
	if code != 2 {
		t.Errorf("SETUP.CFG without NUMPAR: exit %d, want 2", code)
	}
}

// TestValidateTransportFresh: receptor E prints the fresh-run baseline of
// its five embedded fresh hycs_std runs; a --fresh value without NAME= is
// bad input (exit 2); --seeds 2 prints both seeds' pass counts and a bias
// scan over both, --seeds 0 is bad input.
func TestValidateTransportFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine on real met")
	}
	ens := testenv.Shared(t, "hysplit-ensemble")
	met := testenv.Shared(t, "met")
	msg, code := runCLI(t, "validate-transport", "--ensemble", ens, "--met", met, "--receptor", "E", "--numpar", "100")
	if code != 0 || !strings.Contains(msg, "baseline (5 hycs_std runs not in the ensemble, judged as the native run): ") {
		t.Fatalf("exit %d: %s", code, msg)
	}
	if _, code := runCLI(t, "validate-transport", "--ensemble", ens, "--met", met, "--receptor", "E", "--fresh", "/tmp/x"); code != 2 {
		t.Errorf("--fresh without NAME=: exit %d, want 2", code)
	}
	// two seeds: pass counts of each and a bias scan over both
	msg, code = runCLI(t, "validate-transport", "--ensemble", ens, "--met", met, "--receptor", "E", "--numpar", "100", "--seeds", "2")
	if code != 0 || !regexp.MustCompile(`(?m)^seed 1: E [0-9]+/25$`).MatchString(msg) || !regexp.MustCompile(`(?m)^seed 2: E [0-9]+/25$`).MatchString(msg) || !strings.Contains(msg, "native 2 seed(s)") {
		t.Fatalf("--seeds 2: exit %d: %s", code, msg)
	}
	if _, code := runCLI(t, "validate-transport", "--ensemble", ens, "--met", met, "--receptor", "E", "--seeds", "0"); code != 2 {
		t.Errorf("--seeds 0: exit %d, want 2", code)
	}
}

// TestValidateTransportMembersOnly: --receptor ” with --members runs only
// the named receptor (how a receptor of one's own is judged), not the
// built-in nine.
func TestValidateTransportMembersOnly(t *testing.T) {
	k4 := testenv.Shared(t, "hysplit-ensemble", "krand4")
	var dirs []string
	for i := 1; i <= 3; i++ {
		dirs = append(dirs, filepath.Join(k4, fmt.Sprintf("K4D_run%d", i)))
	}
	met := testenv.Shared(t, "met")
	msg, code := runCLI(t, "validate-transport", "--ensemble", filepath.Dir(k4), "--met", met, "--receptor", "",
		"--members", "Z="+strings.Join(dirs, ","), "--numpar", "100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	if !strings.Contains(msg, "receptor Z: 100 particles, 5 h") {
		t.Errorf("no table for receptor Z:\n%s", msg)
	}
	if strings.Contains(msg, "receptor A:") || strings.Contains(msg, "receptor D:") {
		t.Errorf("built-in receptors ran although --receptor is empty:\n%s", msg)
	}
}
