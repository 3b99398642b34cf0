package examples

import (
	"path/filepath"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/observations"
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
			if c.HasObservations() {
				// receptors come from the observations: plan as `run` does
				specs, err := batch.Plan(c)
				if err != nil {
					t.Fatal(err)
				}
				if len(specs) == 0 {
					t.Fatal("no simulations")
				}
				return
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

// TestColumnObsExample: the column-observations example plans one vertical
// column per sounding, one scene per orbit, each simulation keeping its
// sounding's AK profile and surface pressure (mode ak_pwf needs it without
// met), and its transforms parse.
func TestColumnObsExample(t *testing.T) {
	c, err := config.Load("column-obs.run.toml")
	if err != nil {
		t.Fatal(err)
	}
	if errs := c.CheckPaths(); len(errs) > 0 {
		for _, e := range errs {
			if e.Key != "met.demo.directory" { // demo-met is made by `met synth`
				t.Error(e)
			}
		}
	}
	specs, err := batch.Plan(c)
	if err != nil {
		t.Fatal(err)
	}
	wantScene := map[string]string{"oco2-001": "oco2-25511", "oco2-002": "oco2-25511", "oco2-003": "oco2-25512"}
	if len(specs) != len(wantScene) {
		t.Fatalf("%d simulations", len(specs))
	}
	for _, s := range specs {
		o := s.Observation
		if o == nil || s.Receptor.Kind != receptor.Column || s.Scene != wantScene[o.ID] {
			t.Fatalf("%s: observation %v kind %v scene %q", s.ID, o, s.Receptor.Kind, s.Scene)
		}
		if o.Operator == nil || len(o.Operator.AK) != 5 || !(o.Operator.SurfacePressure > 0) || o.Units != "ppm" {
			t.Errorf("%s: operator %+v units %q", o.ID, o.Operator, o.Units)
		}
	}
	for _, fp := range c.Footprints() {
		ts, err := observations.ParseTransforms(fp.Transforms)
		if err != nil || len(ts) != 1 || ts[0].Mode != observations.ModeAKPWF || len(ts[0].Levels) != 0 {
			t.Errorf("footprint %s transforms %+v: %v", fp.Name, ts, err)
		}
	}
}
