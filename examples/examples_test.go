package examples

import (
	"path/filepath"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

func TestExamplesLoad(t *testing.T) {
	files, err := filepath.Glob("*.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found only %v", files)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			c, err := config.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := receptor.ReadFileScene(c.Receptors.Path, c.Scenes.Column)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) == 0 {
				t.Fatal("no receptors")
			}
			for _, m := range c.Mets() {
				for _, r := range recs {
					if _, err := r.SimID(m.Name); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
}

// TestHRRRExamplesFindSharedMet checks the met paths of the HRRR examples
// resolve to the shared test met.
func TestHRRRExamplesFindSharedMet(t *testing.T) {
	testenv.Shared(t, "met", "20190530_00-05_hrrr")
	for _, f := range []string{"hrrr.run.toml", "column.run.toml"} {
		c, err := config.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		if errs := c.CheckPaths(); len(errs) > 0 {
			t.Errorf("%s: %v", f, errs)
		}
	}
}

func TestColumnExampleKinds(t *testing.T) {
	c, err := config.Load("column.run.toml")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := receptor.ReadFileScene(c.Receptors.Path, c.Scenes.Column)
	if err != nil {
		t.Fatal(err)
	}
	want := []receptor.Kind{receptor.Column, receptor.MultiPoint, receptor.Column}
	if len(recs) != len(want) {
		t.Fatalf("%d receptors", len(recs))
	}
	for i, k := range want {
		if recs[i].Kind != k || recs[i].Scene == "" {
			t.Errorf("receptor %d: kind %v scene %q", i, recs[i].Kind, recs[i].Scene)
		}
	}
}
