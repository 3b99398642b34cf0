package batch

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/footprint"
	"github.com/stilt-mpi/stilt-mpi/hysplit"
	"github.com/stilt-mpi/stilt-mpi/met"
	"github.com/stilt-mpi/stilt-mpi/registry"
)

// LoadConfig loads run.toml, marking problems as bad input.
func LoadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, BadInputError{err}
	}
	return cfg, nil
}

// Merge folds every shard registry of a K-task job array into the main
// registry and writes the scene files of finished scenes. Merging twice
// changes nothing.
func Merge(ctx context.Context, cfg *config.Config, log io.Writer) error {
	shards, err := filepath.Glob(filepath.Join(cfg.OutputDir(), "shards", "registry-*-of-*.sqlite"))
	if err != nil {
		return err
	}
	sort.Strings(shards)
	store, err := registry.Open(cfg.RegistryPath())
	if err != nil {
		return err
	}
	defer store.Close()
	specs, err := Plan(cfg)
	if err != nil {
		return BadInputError{err}
	}
	rows, err := RegistryRows(cfg, specs)
	if err != nil {
		return err
	}
	if _, err := store.Register(ctx, rows); err != nil {
		return err
	}
	for _, sh := range shards {
		rep, err := store.Merge(ctx, sh)
		if err != nil {
			return fmt.Errorf("merging %s: %w", sh, err)
		}
		fmt.Fprintf(log, "merged %s: %d new, %d updated, %d kept, %d runs\n", filepath.Base(sh), rep.Inserted, rep.Updated, rep.Kept, rep.Runs)
	}
	st, err := newSceneState(cfg, store, specs, true)
	if err != nil {
		return err
	}
	return st.writeReady(false)
}

// Export rebuilds scene files from the registry store (one scene, or all
// finished ones) and, with perSim, writes R-STILT-style <sim_id>_foot.nc
// files under <output>/simulations/<sim_id>/. The store is the run's SQLite
// registry (registry.OpenReadOnly(cfg.RegistryPath())) or, in service mode,
// its PostgreSQL one.
func Export(ctx context.Context, cfg *config.Config, store registry.Store, scene string, perSim bool, log io.Writer) error {
	specs, err := Plan(cfg)
	if err != nil {
		return BadInputError{err}
	}
	ids, by := Scenes(specs)
	found := false
	for _, sc := range ids {
		if scene != "" && sc != scene {
			continue
		}
		found = true
		st, err := newSceneState(cfg, store, by[sc], true)
		if err != nil {
			return err
		}
		if len(st.open[sc]) > 0 {
			fmt.Fprintf(log, "scene %s: %d simulations not finished; not written\n", sc, len(st.open[sc]))
		} else if err := st.writeScene(sc); err != nil {
			return err
		} else {
			fmt.Fprintf(log, "scene %s: written\n", sc)
		}
		if !perSim {
			continue
		}
		for _, s := range by[sc] {
			blobs, err := store.LoadBlobs(ctx, s.ID)
			if err != nil {
				continue // not complete, or nothing stored
			}
			for _, b := range blobs {
				g := new(footprint.Grid)
				if err := g.UnmarshalBinary(b.Data); err != nil {
					return fmt.Errorf("%s footprint %s: %w", s.ID, b.Name, err)
				}
				name := s.ID + "_" + b.Name + "_foot.nc"
				if fps := cfg.Footprints(); len(fps) == 1 && fps[0].Name == b.Name {
					name = s.ID + "_foot.nc" // R-STILT's name
				}
				dir := filepath.Join(cfg.OutputDir(), "simulations", s.ID)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
				if err := g.WriteNetCDF(filepath.Join(dir, name), map[string]any{"sim_id": s.ID}); err != nil {
					return err
				}
				if err := PublishOutput(ctx, cfg, filepath.Join(dir, name)); err != nil {
					return err
				}
			}
		}
	}
	if scene != "" && !found {
		return BadInputError{fmt.Errorf("scene %q is not in the receptor set of %s (scenes: %v)", scene, cfg.Path, ids)}
	}
	return nil
}

// SimulateOne is `stilt-mpi simulate`: one simulation end to end in workdir
// (footprints written there as <sim_id>_<name>_foot.nc). With dryRun and the
// hysplit engine it stops after writing the run directory.
func SimulateOne(ctx context.Context, cfg *config.Config, simID, workdir string, dryRun bool, log io.Writer) (Result, error) {
	specs, err := Plan(cfg)
	if err != nil {
		return Result{}, BadInputError{err}
	}
	var spec *SimSpec
	for i := range specs {
		if specs[i].ID == simID {
			spec = &specs[i]
		}
	}
	if spec == nil {
		return Result{}, BadInputError{fmt.Errorf("simulation %q is not in the receptor set of %s", simID, cfg.Path)}
	}
	if workdir == "" {
		workdir = filepath.Join(cfg.OutputDir(), "simulations", simID)
	}
	if err := os.MkdirAll(workdir, 0o755); err != nil {
		return Result{}, err
	}
	host, _ := os.Hostname()
	r, err := NewRunner(cfg, []SimSpec{*spec}, workdir, host)
	if err != nil {
		return Result{}, err
	}
	if dryRun {
		files, err := r.metFiles(*spec)
		if err != nil {
			return Result{}, err
		}
		if he, ok := r.Engine.(*hysplit.Engine); ok {
			dir, err := hysplit.PrepareRunDir(he.Install, hysplit.RunDirOptions{Scratch: workdir, Name: simID, MetFiles: files})
			if err != nil {
				return Result{}, err
			}
			met := make([]string, len(dir.MetFiles))
			for i, f := range dir.MetFiles {
				met[i] = filepath.Join(dir.MetDirLine(), f)
			}
			if err := hysplit.WriteInputs(dir.Path, hysplit.Inputs{Receptor: spec.Receptor, MetFiles: met, Params: cfg.Params}); err != nil {
				return Result{}, err
			}
			fmt.Fprintf(log, "run directory: %s\n", dir.Path)
		} else {
			fmt.Fprintf(log, "engine %s: met files %v (dry run: nothing run)\n", r.Name, files)
		}
		return Result{SimID: simID}, nil
	}
	t0 := time.Now()
	res := r.Simulate(ctx, simID)
	for name, b := range res.Outputs {
		g := new(footprint.Grid)
		if err := g.UnmarshalBinary(b); err != nil {
			return res, err
		}
		path := filepath.Join(workdir, simID+"_"+name+"_foot.nc")
		if err := g.WriteNetCDF(path, map[string]any{"sim_id": simID}); err != nil {
			return res, err
		}
		fmt.Fprintf(log, "footprint %s: %s (%d non-zero cells)\n", name, path, g.NonZero())
	}
	fmt.Fprintf(log, "%s: %s %s %s in %s\n", simID, res.Status, res.ErrClass, res.ErrMsg, time.Since(t0).Round(time.Millisecond))
	return res, nil
}

// MetFilesReport is one simulation's met selection for `stilt-mpi met files`.
type MetFilesReport struct {
	SimID string   `json:"sim_id"`
	Files []string `json:"files,omitempty"`
	Error string   `json:"error,omitempty"`
}

// MetFiles selects the met files of every simulation of cfg (without
// cropping), reporting what each needs and what is missing.
func MetFiles(cfg *config.Config) ([]MetFilesReport, error) {
	specs, err := Plan(cfg)
	if err != nil {
		return nil, BadInputError{err}
	}
	r := &Runner{Cfg: cfg, catalogs: map[string]*met.Catalog{}}
	out := make([]MetFilesReport, len(specs))
	for i, s := range specs {
		out[i].SimID = s.ID
		files, err := r.selectMet(s)
		if err != nil {
			out[i].Error = err.Error()
			continue
		}
		out[i].Files = files
	}
	return out, nil
}
