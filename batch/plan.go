package batch

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/decomposition"
	"github.com/stilt-mpi/stilt-mpi/observations"
	"github.com/stilt-mpi/stilt-mpi/receptor"
	"github.com/stilt-mpi/stilt-mpi/registry"
)

// SimSpec is one simulation: a met source and a receptor.
type SimSpec struct {
	ID       string
	Scene    string
	Met      string
	Receptor receptor.Receptor
	// Observation is the observation the receptor was built from
	// ([observations] only, else nil): its operator weights the particles
	// and its id, value and uncertainty go into the scene file.
	Observation *observations.Observation
}

// DefaultScene is the scene of receptors without one.
const DefaultScene = "all"

// Plan reads the receptors of cfg (or, with [observations], builds them
// from the observations) and returns every simulation (met-major order, as
// PYSTILT registers them) with its scene.
func Plan(cfg *config.Config) ([]SimSpec, error) {
	if cfg.HasObservations() {
		return planObservations(cfg) // observations.go
	}
	col := ""
	if cfg.Scenes.Rule == config.SceneColumn {
		col = cfg.Scenes.Column
	}
	var (
		rs  []receptor.Receptor
		err error
	)
	if col != "" {
		rs, err = receptor.ReadFileScene(cfg.Receptors.Path, col)
	} else {
		rs, err = receptor.ReadFile(cfg.Receptors.Path)
	}
	if err != nil {
		return nil, err
	}
	var mets []string
	for _, m := range cfg.Mets() {
		mets = append(mets, m.Name)
	}
	sims, err := receptor.Simulations(rs, mets)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Receptors.Path, err)
	}
	out := make([]SimSpec, len(sims))
	for i, s := range sims {
		r := rs[s.Receptor]
		out[i] = SimSpec{ID: s.ID, Met: s.Met, Receptor: r, Scene: sceneOf(cfg, r)}
	}
	return out, nil
}

func sceneOf(cfg *config.Config, r receptor.Receptor) string {
	switch cfg.Scenes.Rule {
	case config.SceneUTCDay:
		return r.Time.UTC().Format("2006-01-02")
	default:
		if r.Scene != "" {
			return r.Scene
		}
		return DefaultScene
	}
}

// metWindow groups simulations that need the same met files: met key and
// the UTC day of the receptor.
func metWindow(s SimSpec) string {
	return s.Met + "/" + s.Receptor.Time.UTC().Format("20060102")
}

// Cost is the scheduler's cost estimate of a simulation:
// numpar x |n_hours| x release points.
func Cost(cfg *config.Config, s SimSpec) float64 {
	return decomposition.EstimateCost(cfg.Params.NumPar, cfg.Params.NHours, s.Receptor.NumPoints())
}

// RegistryRows converts the plan to registry rows.
func RegistryRows(cfg *config.Config, specs []SimSpec) ([]registry.Simulation, error) {
	rows := make([]registry.Simulation, len(specs))
	for i, s := range specs {
		rj, err := json.Marshal(s.Receptor)
		if err != nil {
			return nil, err
		}
		rid := s.ID[len(s.Met)+1:]
		rows[i] = registry.Simulation{SimID: s.ID, Scene: s.Scene, ReceptorID: rid, Receptor: rj, Met: metWindow(s), Cost: Cost(cfg, s)}
	}
	return rows, nil
}

// Scenes returns the scene ids of specs, sorted, and the sims of each in plan
// order.
func Scenes(specs []SimSpec) ([]string, map[string][]SimSpec) {
	by := map[string][]SimSpec{}
	for _, s := range specs {
		by[s.Scene] = append(by[s.Scene], s)
	}
	ids := make([]string, 0, len(by))
	for k := range by {
		ids = append(ids, k)
	}
	sort.Strings(ids)
	return ids, by
}
