package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/footprint"
	"github.com/stilt-mpi/stilt-mpi/hysplit"
	"github.com/stilt-mpi/stilt-mpi/met"
	"github.com/stilt-mpi/stilt-mpi/observations"
	"github.com/stilt-mpi/stilt-mpi/particle"
	"github.com/stilt-mpi/stilt-mpi/receptor"
	"github.com/stilt-mpi/stilt-mpi/transport"
)

// Error classes recorded for failures that are not hycs_std's own.
const (
	ClassMissingMet = "MISSING_MET_FILES"
	ClassTransport  = "TRANSPORT_ERROR"
	ClassFootprint  = "FOOTPRINT_ERROR"
	ClassOutput     = "OUTPUT_ERROR"
	ClassPanic      = "INTERNAL_PANIC"
	ClassUnknownSim = "UNKNOWN_SIMULATION"
)

// Runner runs single simulations end to end on one rank. It is safe for use
// by one goroutine at a time per simulation; met discovery results are cached.
type Runner struct {
	Cfg     *config.Config
	Specs   map[string]SimSpec
	Engine  transport.Engine
	Name    string // "native" or "hysplit"
	Scratch string // this rank's node-local scratch directory
	Host    string
	// SimDir, when set, receives per-simulation exports (trajectories,
	// per-simulation netCDF, failure logs) under SimDir/<sim_id>/.
	SimDir string

	mu       sync.Mutex
	catalogs map[string]*met.Catalog
	cropped  map[string]string // source file -> cropped copy in scratch
	fps      []fpPlan
}

type fpPlan struct {
	spec       config.FootprintSpec
	transforms []observations.TransformSpec
}

// NewRunner builds the engine the configuration asks for.
func NewRunner(cfg *config.Config, specs []SimSpec, scratch, host string) (*Runner, error) {
	r := &Runner{Cfg: cfg, Specs: make(map[string]SimSpec, len(specs)), Scratch: scratch, Host: host, catalogs: map[string]*met.Catalog{}}
	for _, s := range specs {
		r.Specs[s.ID] = s
	}
	if cfg.Output.Trajectories || cfg.Output.PerSimulationNetCDF {
		r.SimDir = filepath.Join(cfg.OutputDir(), "simulations")
	}
	for _, fs := range cfg.Footprints() {
		ts, err := observations.ParseTransforms(fs.Transforms)
		if err != nil {
			return nil, fmt.Errorf("%s: [footprints.%s] transforms: %w", cfg.Path, fs.Name, err)
		}
		r.fps = append(r.fps, fpPlan{spec: fs, transforms: ts})
	}
	r.Name = cfg.Engine()
	switch r.Name {
	case "hysplit":
		inst, err := hysplit.Find(hysplit.FindOptions{Dir: cfg.Transport.HysplitDir, Exe: cfg.Transport.HycsStd, DataDir: cfg.Transport.BdyFiles})
		if err != nil {
			return nil, err
		}
		r.Engine = &hysplit.Engine{Install: inst, Params: cfg.Params, ProjectSeed: uint64(cfg.Project.Seed), Scratch: scratch,
			Timeout: cfg.Transport.Timeout, Grace: cfg.Transport.Grace, KeepFailed: cfg.Transport.KeepFailed}
	default:
		r.Name = "native"
		r.Engine = &transport.Native{}
	}
	return r, nil
}

// NativeParams maps R-STILT parameters onto the native engine's.
func NativeParams(p config.Params) transport.Params {
	tp := transport.DefaultParams()
	tp.Veght = p.VegHt
	tp.Kmix0 = float64(p.KMix0)
	tp.Kmixd = p.KMixD
	tp.Delt = p.Delt
	tp.WOption = p.WOption
	tp.ZTop = p.ZTop
	tp.TLFrac = p.TLFrac
	tp.HScale = p.HScale
	tp.TRatio = p.TRatio
	tp.ZIControlTF = p.ZIControlTF != 0
	tp.ZIScale = p.ZIScaleValues()
	tp.NTurb = p.NTurb != 0
	return tp
}

// Simulate runs one simulation: met selection, transport, HNF, transforms
// and footprints. Failures are returned as results, never as panics.
func (r *Runner) Simulate(ctx context.Context, id string) (res Result) {
	res = Result{SimID: id, Host: r.Host, Engine: r.Name, Started: time.Now().UnixNano(), Outputs: map[string][]byte{}}
	defer func() {
		if p := recover(); p != nil {
			res.Status, res.ErrClass = StatusFailed, ClassPanic
			res.ErrMsg = fmt.Sprintf("panic: %v\n%s", p, debug.Stack())
			res.Outputs = nil
		}
		res.Finished = time.Now().UnixNano()
	}()
	fail := func(class string, err error) Result {
		if ctx.Err() != nil {
			res.Status, res.ErrClass, res.ErrMsg = StatusInterrupted, "", ""
			res.Outputs = nil
			return res
		}
		res.Status, res.ErrClass, res.ErrMsg = StatusFailed, class, err.Error()
		res.Outputs = nil
		return res
	}
	spec, ok := r.Specs[id]
	if !ok {
		return fail(ClassUnknownSim, fmt.Errorf("simulation %q is not in the receptor set of %s", id, r.Cfg.Path))
	}
	files, err := r.metFiles(spec)
	if err != nil {
		return fail(ClassMissingMet, err)
	}
	p := r.Cfg.Params
	sim := transport.Simulation{ID: id, Receptor: spec.Receptor, MetFiles: files, NHours: p.NHours, NumPar: p.NumPar,
		Seed: hysplit.SeedFor(uint64(r.Cfg.Project.Seed), id), Params: NativeParams(p)}
	t0 := time.Now()
	var (
		tab, errTab *particle.Table
		errPass     error
	)
	if ee, ok := r.Engine.(transport.ErrorEngine); ok && p.WindErrTF() > 0 {
		tab, errTab, errPass, err = ee.RunWithError(ctx, sim)
	} else {
		tab, err = r.Engine.Run(ctx, sim)
	}
	res.TransportSec = time.Since(t0).Seconds()
	if err != nil {
		var f *hysplit.Failure
		if errors.As(err, &f) {
			if f.Retryable() {
				return fail("", err)
			}
			return fail(string(f.Class), err)
		}
		var mm *met.MissingMetError
		if errors.As(err, &mm) {
			return fail(ClassMissingMet, err)
		}
		return fail(ClassTransport, err)
	}
	if ctx.Err() != nil {
		return fail("", ctx.Err())
	}
	res.Particles = tab.NumParticles()
	if spec.Receptor.NumPoints() > 1 && !tab.Has("xhgt") {
		if err := particle.AddReleaseHeights(tab, spec.Receptor, p.NumPar); err != nil {
			return fail(ClassTransport, err)
		}
	}
	if p.HNFPlume && spec.Receptor.Kind == receptor.Point && !spec.Receptor.MSL {
		if tab, err = footprint.HNF(tab, p.VegHt, spec.Receptor.Heights[0]); err != nil {
			return fail(ClassFootprint, err)
		}
		if errTab != nil {
			if errTab, err = footprint.HNF(errTab, p.VegHt, spec.Receptor.Heights[0]); err != nil {
				return fail(ClassFootprint, err)
			}
		}
	}
	if r.SimDir != "" && r.Cfg.Output.Trajectories {
		if err := r.writeTrajectory(id, id+"_traj.parquet", spec, files, tab, false); err != nil {
			return fail(ClassOutput, err)
		}
		if errTab != nil {
			if err := r.writeTrajectory(id, id+"_error.parquet", spec, files, errTab, true); err != nil {
				return fail(ClassOutput, err)
			}
		}
	}
	if errPass != nil {
		// as PYSTILT: a failed error pass is logged, the simulation stands
		res.ErrMsg = "error pass failed: " + errPass.Error()
	}
	t1 := time.Now()
	var env observations.TransformEnv
	var metErr error            // reported only if a transform then fails
	if r.needsMetColumn(spec) { // observations.go
		env.Met, metErr = ReceptorMetColumn(files, spec.Receptor)
	}
	empty := 0
	reasons := ""
	for _, fp := range r.fps {
		g, err := r.footprint(tab, spec, fp, env)
		if err != nil {
			if metErr != nil {
				err = fmt.Errorf("%w (no met column: %v)", err, metErr)
			}
			return fail(ClassFootprint, fmt.Errorf("footprint %s: %w", fp.spec.Name, err))
		}
		if g.EmptyReason != "" {
			empty++
			reasons += fmt.Sprintf("%s: %s; ", fp.spec.Name, g.EmptyReason)
		}
		b, err := g.MarshalBinary()
		if err != nil {
			return fail(ClassFootprint, err)
		}
		res.Outputs[fp.spec.Name] = b
		if errTab != nil {
			eenv := env
			eenv.IsError = true
			eg, err := r.footprint(errTab, spec, fp, eenv)
			if err != nil {
				return fail(ClassFootprint, fmt.Errorf("error footprint %s: %w", fp.spec.Name, err))
			}
			eb, err := eg.MarshalBinary()
			if err != nil {
				return fail(ClassFootprint, err)
			}
			res.Outputs[fp.spec.Name+"_error"] = eb
		}
		if r.SimDir != "" && r.Cfg.Output.PerSimulationNetCDF {
			dir := filepath.Join(r.SimDir, id)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fail(ClassOutput, err)
			}
			if err := g.WriteNetCDF(filepath.Join(dir, id+"_"+fp.spec.Name+"_foot.nc"), map[string]any{"sim_id": id}); err != nil {
				return fail(ClassOutput, err)
			}
			if err := PublishOutput(ctx, r.Cfg, filepath.Join(dir, id+"_"+fp.spec.Name+"_foot.nc")); err != nil {
				return fail(ClassOutput, err)
			}
		}
	}
	res.FootprintSec = time.Since(t1).Seconds()
	res.Status = StatusComplete
	if len(r.fps) > 0 && empty == len(r.fps) {
		res.Status = StatusCompleteEmpty
		res.ErrMsg = reasons[:len(reasons)-2]
	}
	return res
}

func (r *Runner) footprint(tab *particle.Table, spec SimSpec, fp fpPlan, env observations.TransformEnv) (*footprint.Grid, error) {
	t := tab
	if len(fp.transforms) > 0 {
		t = tab.Clone()
		if err := observations.ApplyTransforms(t, fp.transforms, spec.Observation, env); err != nil {
			return nil, err
		}
	}
	fc := footprint.DefaultConfig()
	s := fp.spec
	fc.Xmin, fc.Xmax, fc.Ymin, fc.Ymax, fc.Xres, fc.Yres = s.XMin, s.XMax, s.YMin, s.YMax, s.XRes, s.YRes
	fc.Projection = s.Projection
	fc.SmoothFactor = s.SmoothFactor
	fc.TimeIntegrate = s.TimeIntegrate
	fc.ReceptorTime = spec.Receptor.Time
	return footprint.Compute(t, fc)
}

// metFiles selects the met files of a simulation and, when the met source
// has subgrid_enable, stages cropped copies into this rank's scratch (once
// per file and rank).
func (r *Runner) metFiles(s SimSpec) ([]string, error) {
	files, err := r.selectMet(s)
	if err != nil || !r.Cfg.Met[s.Met].SubgridEnable {
		return files, err
	}
	ms := r.Cfg.Met[s.Met]
	b := ms.SubgridBounds
	if len(b) != 4 {
		return nil, fmt.Errorf("%s: [met.%s] subgrid_bounds must be [xmin, ymin, xmax, ymax]", r.Cfg.Path, s.Met)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cropped == nil {
		r.cropped = map[string]string{}
	}
	out := make([]string, 0, len(files))
	for _, f := range files {
		c, ok := r.cropped[f]
		if !ok {
			dir := filepath.Join(r.Scratch, "met", s.Met)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			c = filepath.Join(dir, filepath.Base(f))
			res, err := met.CropFile(f, c, met.CropSpec{XMin: b[0], YMin: b[1], XMax: b[2], YMax: b[3], Buffer: ms.SubgridBuffer, Levels: ms.SubgridLevels})
			if err != nil {
				return nil, fmt.Errorf("cropping %s for [met.%s]: %w", f, s.Met, err)
			}
			if res.Skipped {
				c = ""
			}
			r.cropped[f] = c
		}
		if c != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

// selectMet selects the met files of a simulation: by file-name pattern when
// the met source has file_format, else by ARL headers (the folder is indexed
// once per rank and cached in scratch).
func (r *Runner) selectMet(s SimSpec) ([]string, error) {
	ms, ok := r.Cfg.Met[s.Met]
	if !ok {
		return nil, fmt.Errorf("met source %q is not configured", s.Met)
	}
	nh := r.Cfg.Params.NHours
	if ms.FileFormat != "" {
		sel, err := met.FindByPattern(met.PatternQuery{Dir: ms.Directory, Format: ms.FileFormat, TRes: ms.FileTres, NMin: ms.NMin}, s.Receptor.Time, nh)
		if err != nil {
			return nil, err
		}
		return sel.Files, nil
	}
	r.mu.Lock()
	cat, ok := r.catalogs[s.Met]
	if !ok {
		var err error
		cache := ""
		if r.Scratch != "" {
			cache = filepath.Join(r.Scratch, "metindex-"+s.Met+".json")
		}
		cat, err = met.ScanHeaders(ms.Directory, cache)
		if err != nil {
			r.mu.Unlock()
			return nil, err
		}
		r.catalogs[s.Met] = cat
	}
	r.mu.Unlock()
	infos, err := cat.Select(s.Receptor.Time, nh, "")
	if err != nil {
		return nil, err
	}
	files := make([]string, len(infos))
	for i, fi := range infos {
		files[i] = fi.Path
	}
	return files, nil
}

func (r *Runner) writeTrajectory(id, name string, spec SimSpec, files []string, tab *particle.Table, isError bool) error {
	dir := filepath.Join(r.SimDir, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rj, err := particle.ReceptorJSON(spec.Receptor)
	if err != nil {
		return err
	}
	params, err := json.Marshal(r.Cfg.Params)
	if err != nil {
		return err
	}
	mf, err := json.Marshal(files)
	if err != nil {
		return err
	}
	meta := map[string]string{particle.MetaReceptor: rj, particle.MetaParams: string(params),
		particle.MetaMetFiles: string(mf), particle.MetaIsError: fmt.Sprint(isError), "stilt:engine": r.Name}
	if err := particle.WriteParquet(filepath.Join(dir, name), tab, meta); err != nil {
		return err
	}
	return PublishOutput(context.Background(), r.Cfg, filepath.Join(dir, name))
}
