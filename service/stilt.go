package service

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/registry"
)

// ToRegistryResult converts a batch result to the registry's form
// (batch.Result.ToRegistry, the batch run's mapping); a worker's result
// without start or finish time keeps zero times, and an interrupted one
// (pending again) gets the error class "interrupted".
func ToRegistryResult(r batch.Result, runID string) registry.Result {
	rr := r.ToRegistry(runID)
	if r.Started == 0 {
		rr.StartedAt = time.Time{}
	}
	if r.Finished == 0 {
		rr.FinishedAt = time.Time{}
	}
	if rr.Status == registry.StatusPending && rr.ErrorClass == "" {
		rr.ErrorClass = "interrupted"
	}
	return rr
}

// BatchRunFunc adapts batch.Runner (the same simulation code as `run`) to a
// RunFunc for the simulations of cfg, with scratch as the node-local
// scratch directory.
func BatchRunFunc(cfg *config.Config, specs []batch.SimSpec, scratch, host, runID string) (RunFunc, error) {
	r, err := batch.NewRunner(cfg, specs, scratch, host)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, sim registry.Simulation) registry.Result {
		return ToRegistryResult(r.Simulate(ctx, sim.SimID), runID)
	}, nil
}

// SceneWriter returns an Options.OnCommitted hook that writes a scene's
// files (batch.WriteSceneFromRegistry) when a result leaves the scene with
// nothing pending or running. Several workers may finish a scene at the
// same moment; each then writes the same files (atomic rename), which is
// harmless.
func SceneWriter(cfg *config.Config, q registry.Queue, specs []batch.SimSpec) func(context.Context, registry.Simulation, registry.Result) error {
	byID := make(map[string]batch.SimSpec, len(specs))
	order := make(map[string]int, len(specs))
	for i, s := range specs {
		byID[s.ID] = s
		order[s.ID] = i
	}
	var mu sync.Mutex
	return func(ctx context.Context, sim registry.Simulation, r registry.Result) error {
		if r.Status == registry.StatusPending {
			return nil
		}
		n, err := q.SceneRemaining(ctx, sim.Scene)
		if err != nil || n > 0 {
			return err
		}
		ids, err := q.SceneSimIDs(ctx, sim.Scene)
		if err != nil {
			return err
		}
		ms := make([]batch.SimSpec, 0, len(ids))
		for _, id := range ids {
			s, ok := byID[id]
			if !ok {
				return fmt.Errorf("scene %s: simulation %s is not in the receptor set of %s: scene files not written", sim.Scene, id, cfg.Path)
			}
			s.Scene = sim.Scene // the registered scene (register --scene may override the plan's)
			ms = append(ms, s)
		}
		// plan order, as the batch run writes scene members
		sort.Slice(ms, func(i, j int) bool { return order[ms[i].ID] < order[ms[j].ID] })
		mu.Lock()
		defer mu.Unlock()
		if err := batch.WriteSceneFromRegistry(cfg, q, sim.Scene, ms); err != nil {
			return fmt.Errorf("scene %s: %w", sim.Scene, err)
		}
		return nil
	}
}

// Register plans cfg's simulations and registers them in q (idempotent).
// A non-empty scene overrides the scene of every simulation (as PYSTILT's
// register --scene-id). Conflicting rows (same id, other receptor, scene or
// met window) are an error naming the first.
func Register(ctx context.Context, q registry.Store, cfg *config.Config, scene string) (registry.RegisterReport, error) {
	specs, err := batch.Plan(cfg)
	if err != nil {
		return registry.RegisterReport{}, batch.BadInputError{Err: err}
	}
	if scene != "" {
		for i := range specs {
			specs[i].Scene = scene
		}
	}
	rows, err := batch.RegistryRows(cfg, specs)
	if err != nil {
		return registry.RegisterReport{}, err
	}
	rep, err := q.Register(ctx, rows)
	if err != nil {
		return rep, err
	}
	if len(rep.Conflicts) > 0 {
		return rep, batch.BadInputError{Err: fmt.Errorf("%d simulations are registered with a different receptor, scene or met window (first: %s)", len(rep.Conflicts), rep.Conflicts[0])}
	}
	return rep, nil
}
