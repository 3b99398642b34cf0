package observations

import (
	"testing"
	"time"
)

func TestFilter(t *testing.T) {
	obs, err := Load("testdata/oco2_obs.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    Filter
		want []string // ids, in order
	}{
		{"none", Filter{}, []string{"2019053020150271", "2019053020150272", "2019053020150273"}},
		{"qf 0", Filter{Quality: map[string]string{"qf": "0"}}, []string{"2019053020150271", "2019053020150272"}},
		{"ids", Filter{IDs: []string{"2019053020150273", "x"}}, []string{"2019053020150273"}},
		{"time", Filter{Start: time.Date(2019, 5, 30, 20, 15, 3, 0, time.UTC)}, []string{"2019053020150272", "2019053020150273"}},
		{"metadata", Filter{Metadata: map[string]string{"orbit": "25602"}}, nil},
		{"sensor", Filter{Sensor: "tropomi"}, nil},
		{"predicate", Filter{Keep: func(o Observation) bool { return o.Value > 411 }}, []string{"2019053020150273"}},
	}
	for _, c := range cases {
		got := c.f.Apply(obs)
		if len(got) != len(c.want) {
			t.Errorf("%s: %d observations, want %d", c.name, len(got), len(c.want))
			continue
		}
		for i := range got {
			if got[i].ID != c.want[i] {
				t.Errorf("%s: [%d] = %s, want %s", c.name, i, got[i].ID, c.want[i])
			}
		}
	}
}

func TestTargets(t *testing.T) {
	obs, err := Load("testdata/oco2_obs.csv", "testdata/oco2_profiles.csv")
	if err != nil {
		t.Fatal(err)
	}
	tg, scenes, err := Targets(obs, GroupRule{Kind: GroupTimeGap, MaxGap: 1500 * time.Millisecond}, NewColumnSensor("oco2"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tg) != 3 || len(scenes) != 1 {
		t.Fatalf("%d targets, %d scenes", len(tg), len(scenes))
	}
	for i, x := range tg {
		if x.Observation.ID != obs[i].ID || x.Receptor.Lats[0] != obs[i].Lat || x.Scene != scenes[0].ID || x.Observation.Operator == nil {
			t.Errorf("target %d: %+v", i, x)
		}
	}
}
