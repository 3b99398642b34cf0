package batch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/met"
)

// writeSynthProject writes synthetic met (2019-05-30 00-11 UTC), a receptor
// CSV and a run.toml into dir and loads it.
func writeSynthProject(t *testing.T, dir, receptors, extra string) *config.Config {
	t.Helper()
	if _, err := met.Synth(filepath.Join(dir, "met"), met.SynthSpec{Start: time.Date(2019, 5, 30, 0, 0, 0, 0, time.UTC), Hours: 12, FileHours: 6}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "receptors.csv"), []byte(receptors), 0o644); err != nil {
		t.Fatal(err)
	}
	toml := `[project]
name = "t"
output_dir = "out"
seed = 3
[receptors]
path = "receptors.csv"
[met.syn]
directory = "met"
discover = "header"
[params]
n_hours = -2
numpar = 20
[footprints.f]
xmin = -113.0
xmax = -111.0
ymin = 40.0
ymax = 41.5
xres = 0.02
` + extra
	path := filepath.Join(dir, "run.toml")
	if err := os.WriteFile(path, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestMetFilesReportsMissing(t *testing.T) {
	dir := t.TempDir()
	cfg := writeSynthProject(t, dir, "time,latitude,longitude,altitude\n2019-05-30 11:00:00,40.7,-112,5\n2019-05-30 01:00:00,40.7,-112,5\n2019-05-30 06:00:00,40.7,-112,5\n", "")
	reps, err := MetFiles(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 3 {
		t.Fatalf("%d reports", len(reps))
	}
	// 11:00 back 2 h: the second file only; 06:00 back 2 h: both files;
	// 01:00 back 2 h: before the first period, not covered.
	if len(reps[0].Files) != 1 || !strings.HasSuffix(reps[0].Files[0], "06-11_synth") || reps[0].Error != "" {
		t.Errorf("11:00: %+v", reps[0])
	}
	if reps[1].Error == "" || len(reps[1].Files) != 0 {
		t.Errorf("01:00 should be missing: %+v", reps[1])
	}
	if len(reps[2].Files) != 2 {
		t.Errorf("06:00: %+v", reps[2])
	}
}
