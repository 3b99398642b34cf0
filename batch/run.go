package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/decomposition"
	"github.com/stilt-mpi/stilt-mpi/footprint"
	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
	"github.com/stilt-mpi/stilt-mpi/particle"
	"github.com/stilt-mpi/stilt-mpi/registry"
)

// World is the communicator `run` needs: point-to-point messages for the
// work loop and a broadcast for the plan.
type World interface {
	Comm
	Bcast(buf []byte, root int) ([]byte, error)
}

// RunOptions are the flags of `stilt-mpi run`.
type RunOptions struct {
	NoSkip  bool   // recompute complete simulations
	Shard   string // "i/K": run only shard i of K, with its own registry file
	Version string
	Log     io.Writer // progress and messages (rank 0); default os.Stderr
}

// ParseShard parses "i/K" (0 <= i < K).
func ParseShard(s string) (i, k int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(a)
		if err == nil {
			k, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || k < 1 || i < 0 || i >= k {
		return 0, 0, fmt.Errorf("--shard %q: want i/K with 0 <= i < K", s)
	}
	return i, k, nil
}

// ShardRegistryPath is the registry file of shard i of k.
func ShardRegistryPath(cfg *config.Config, i, k int) string {
	return filepath.Join(cfg.OutputDir(), "shards", fmt.Sprintf("registry-%d-of-%d.sqlite", i, k))
}

// plan is what rank 0 broadcasts.
type plan struct {
	ConfigPath string
	Config     []byte
	Specs      []SimSpec // pending simulations only
	RunID      string
	Err        string // rank 0 failed before the loop: everyone exits
	BadInput   bool
}

// BadInputError marks errors caused by the user's files (exit code 2).
type BadInputError struct{ Err error }

func (e BadInputError) Error() string { return e.Err.Error() }
func (e BadInputError) Unwrap() error { return e.Err }

// Run is `stilt-mpi run`: every rank calls it with the same arguments.
func Run(ctx context.Context, w World, cfgPath string, opt RunOptions) error {
	if opt.Log == nil {
		opt.Log = os.Stderr
	}
	host, _ := os.Hostname()
	var (
		p     plan
		store *registry.SQLite
		state *sceneState
		cfg   *config.Config
		sched *decomposition.Scheduler
	)
	if w.Rank() == 0 {
		var err error
		cfg, store, _, state, sched, p, err = prepare(ctx, w.Size(), cfgPath, host, opt)
		if err != nil {
			p = plan{Err: err.Error()}
			_, isBad := err.(BadInputError)
			p.BadInput = isBad
		}
	}
	buf, err := encode(p)
	if err != nil {
		return err
	}
	if buf, err = w.Bcast(buf, 0); err != nil {
		return err
	}
	if w.Rank() != 0 {
		if err := decode(buf, &p); err != nil {
			return err
		}
	}
	if p.Err != "" {
		if store != nil {
			store.Close()
		}
		if p.BadInput {
			return PlanError{BadInputError{fmt.Errorf("%s", p.Err)}}
		}
		return PlanError{fmt.Errorf("%s", p.Err)}
	}
	if cfg == nil {
		if cfg, err = config.Parse(p.Config, p.ConfigPath); err != nil {
			return BadInputError{err}
		}
	}
	job := os.Getenv("SLURM_JOB_ID")
	if job == "" {
		job = p.RunID
	}
	// per-user folder: /tmp is shared by every user of a node
	scratch := filepath.Join(cfg.ScratchDir(), "stilt-mpi-"+strconv.Itoa(os.Getuid()), job, strconv.Itoa(w.Rank()))
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return fmt.Errorf("rank %d: scratch %s: %w", w.Rank(), scratch, err)
	}
	defer func() {
		os.RemoveAll(scratch)
		os.Remove(filepath.Dir(scratch)) // the job folder, once every rank is done
	}()
	runner, err := NewRunner(cfg, p.Specs, scratch, host)
	if err != nil {
		return err
	}
	if w.Rank() != 0 {
		return Worker(ctx, w, runner.Simulate)
	}
	defer store.Close()
	interval := cfg.MPI.ProgressInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	prog := NewProgress(opt.Log, len(p.Specs), interval)
	fmt.Fprintf(opt.Log, "run %s: %d simulations pending on %d ranks (engine %s)\n", p.RunID, len(p.Specs), w.Size(), runner.Name)
	sink := &registrySink{store: store, runID: p.RunID, host: host, scenes: state, log: opt.Log}
	co := &Coordinator{Comm: w, Sched: &schedAdapter{s: sched, max: cfg.MPI.BlockSize}, Sink: sink, Local: runner.Simulate, Progress: prog}
	state.startWriter()
	loopErr := co.Run(ctx)
	if err := state.stopWriter(); err != nil && loopErr == nil {
		loopErr = err
	}
	fmt.Fprintln(opt.Log, co.Stats.Summary())
	if path := os.Getenv("STILT_STATS_FILE"); path != "" && loopErr == nil {
		if err := writeJSONAtomic(path, sink.stats(co.Stats)); err != nil {
			loopErr = err
		}
	}
	status := registry.RunComplete
	if loopErr != nil {
		status = registry.RunFailed
	} else if ctx.Err() != nil {
		status = registry.RunInterrupted
	}
	// Anything still marked running by this run goes back to pending.
	if _, err := store.MarkStaleRunning(context.Background(), "", p.RunID); err != nil && loopErr == nil {
		loopErr = err
	}
	if loopErr == nil {
		if err := state.writeReady(true); err != nil {
			loopErr = err
		}
	}
	fmt.Fprintf(opt.Log, "rank 0 scene files: %d written in %.2f s\n", state.Written, state.WriteSec)
	if err := store.EndRun(context.Background(), p.RunID, status); err != nil && loopErr == nil {
		loopErr = err
	}
	if loopErr == nil && ctx.Err() != nil {
		fmt.Fprintf(opt.Log, "run %s interrupted: in-flight simulations are pending again; rerun to resume\n", p.RunID)
		return ErrInterrupted
	}
	return loopErr
}

// ErrInterrupted is returned by rank 0 when a signal stopped the run after
// it recorded every simulation in flight as pending: the state is clean, but
// the batch is not done (a rerun resumes).
var ErrInterrupted = errors.New("run interrupted by a signal: in-flight simulations are pending again; rerun to resume")

func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'), 0o644)
}

// prepare is rank 0's set-up: configuration, plan, registry, scheduler.
func prepare(ctx context.Context, ranks int, cfgPath, host string, opt RunOptions) (cfg *config.Config, store *registry.SQLite, run registry.Run, state *sceneState, sched *decomposition.Scheduler, p plan, err error) {
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, nil, run, nil, nil, p, BadInputError{err}
	}
	abs, _ := filepath.Abs(cfgPath)
	if cfg, err = config.Parse(raw, abs); err != nil {
		return nil, nil, run, nil, nil, p, BadInputError{err}
	}
	specs, err := Plan(cfg)
	if err != nil {
		return nil, nil, run, nil, nil, p, BadInputError{err}
	}
	if bad, err := CheckOutputStore(ctx, cfg); bad {
		return nil, nil, run, nil, nil, p, BadInputError{err}
	} else if err != nil {
		return nil, nil, run, nil, nil, p, err
	}
	regPath := cfg.RegistryPath()
	if regPath == "" {
		return nil, nil, run, nil, nil, p, BadInputError{fmt.Errorf("%s: [registry] url: batch.Run drives a SQLite registry; a PostgreSQL queue is drained by service.RunMPI (what `stilt-mpi run` calls for a url)", cfgPath)}
	}
	if opt.Shard != "" {
		i, k, err := ParseShard(opt.Shard)
		if err != nil {
			return nil, nil, run, nil, nil, p, BadInputError{err}
		}
		ids := make([]string, len(specs))
		for j, s := range specs {
			ids[j] = s.ID
		}
		keep, _ := decomposition.Shard(ids, i, k)
		in := map[string]bool{}
		for _, id := range keep {
			in[id] = true
		}
		var sub []SimSpec
		for _, s := range specs {
			if in[s.ID] {
				sub = append(sub, s)
			}
		}
		specs = sub
		regPath = ShardRegistryPath(cfg, i, k)
	}
	if store, err = registry.Open(regPath); err != nil {
		return nil, nil, run, nil, nil, p, err
	}
	fail := func(err error) (*config.Config, *registry.SQLite, registry.Run, *sceneState, *decomposition.Scheduler, plan, error) {
		store.Close()
		return nil, nil, run, nil, nil, p, err
	}
	rows, err := RegistryRows(cfg, specs)
	if err != nil {
		return fail(err)
	}
	rep, err := store.Register(ctx, rows)
	if err != nil {
		return fail(err)
	}
	if len(rep.Conflicts) > 0 {
		return fail(BadInputError{fmt.Errorf("%d simulations are registered with a different receptor, scene or met window (first: %s); use a new output directory", len(rep.Conflicts), rep.Conflicts[0])})
	}
	if run, err = store.BeginRun(ctx, registry.RunInfo{Ranks: ranks, ConfigHash: cfg.Hash(), Version: opt.Version, Host: host}); err != nil {
		return fail(err)
	}
	if n, err := store.MarkStaleRunning(ctx, run.ID); err != nil {
		return fail(err)
	} else if n > 0 {
		fmt.Fprintf(opt.Log, "recovered %d simulations left running by an earlier run\n", n)
	}
	if _, err := store.RequeueCorrupt(ctx); err != nil {
		return fail(err)
	}
	scope := registry.ResetFailed
	if opt.NoSkip {
		scope = registry.ResetAll
	}
	if _, err := store.Reset(ctx, scope); err != nil {
		return fail(err)
	}
	pend, err := store.Pending(ctx, 0)
	if err != nil {
		return fail(err)
	}
	byID := map[string]SimSpec{}
	for _, s := range specs {
		byID[s.ID] = s
	}
	var sims []decomposition.Sim
	for _, row := range pend {
		s, ok := byID[row.SimID]
		if !ok {
			continue // registered by another receptor file: not ours to run
		}
		p.Specs = append(p.Specs, s)
		sims = append(sims, decomposition.Sim{ID: s.ID, Scene: s.Scene, Met: metWindow(s), Cost: Cost(cfg, s)})
	}
	if meas, err := store.MeasuredDurations(ctx); err == nil {
		ms := make([]decomposition.Measurement, 0, len(meas))
		for _, m := range meas {
			ms = append(ms, decomposition.Measurement{ID: m.SimID, Scene: m.Scene, Cost: m.Cost, Seconds: m.Seconds})
		}
		sims = decomposition.Refine(sims, ms)
	}
	if sched, err = decomposition.NewScheduler(sims, ranks, decomposition.Options{}); err != nil {
		return fail(err)
	}
	if state, err = newSceneState(cfg, store, specs, opt.Shard == ""); err != nil {
		return fail(err)
	}
	p.ConfigPath, p.Config, p.RunID = abs, raw, run.ID
	return cfg, store, run, state, sched, p, nil
}

// schedAdapter gives each rank's first request its block of the initial
// scatter, then guided self-scheduling blocks.
type schedAdapter struct {
	s        *decomposition.Scheduler
	initial  map[int][]string
	started  bool
	max      int      // largest block ([mpi] block_size); 0: no cap
	leftover []string // the rest of a capped block, served first
}

func (a *schedAdapter) Next(rank int) []string {
	b := a.next(rank)
	if a.max > 0 && len(b) > a.max {
		a.leftover = append(a.leftover, b[a.max:]...)
		b = b[:a.max]
	}
	return b
}

func (a *schedAdapter) next(rank int) []string {
	if len(a.leftover) > 0 {
		n := len(a.leftover)
		if a.max > 0 && n > a.max {
			n = a.max
		}
		b := a.leftover[:n:n]
		a.leftover = a.leftover[n:]
		return b
	}
	if !a.started {
		a.started = true
		a.initial = map[int][]string{}
		for i, b := range a.s.Initial() {
			a.initial[i] = b.IDs()
		}
	}
	if b, ok := a.initial[rank]; ok {
		delete(a.initial, rank)
		return b
	}
	if b, ok := a.s.Next(); ok {
		return b.IDs()
	}
	// a rank without an initial block takes one left unclaimed
	for r, b := range a.initial {
		delete(a.initial, r)
		return b
	}
	return nil
}

// registrySink commits results to the registry and writes scene files as
// scenes finish.
type registrySink struct {
	store  *registry.SQLite
	runID  string
	host   string
	scenes *sceneState
	log    io.Writer

	// simulations finished (and failed) in this run, for bench reports
	done, failed int
}

// RunStats summarises one run for scaling benchmarks ($STILT_STATS_FILE).
type RunStats struct {
	Simulations  int       `json:"simulations"` // finished (complete, empty or failed) in this run
	Failed       int       `json:"failed"`
	IdleFraction float64   `json:"idle_fraction"` // 1 - busy rank-seconds / (ranks x wall)
	Ranks        int       `json:"ranks"`
	WallSeconds  float64   `json:"wall_seconds"`
	BusySeconds  []float64 `json:"busy_seconds_per_rank"`
}

func (s *registrySink) stats(ls LoopStats) RunStats {
	ranks := len(ls.Ranks)
	st := RunStats{Simulations: s.done, Failed: s.failed, Ranks: ranks, WallSeconds: ls.Wall.Seconds(), BusySeconds: make([]float64, ranks)}
	total := 0.0
	for r, rs := range ls.Ranks {
		st.BusySeconds[r] = rs.BusySec
		total += rs.BusySec
	}
	if cap := float64(ranks) * ls.Wall.Seconds(); cap > 0 {
		st.IdleFraction = math.Max(0, math.Min(1, 1-total/cap))
	}
	return st
}

func (s *registrySink) MarkRunning(ids []string, rank int) error {
	return s.store.MarkRunning(context.Background(), ids, rank, s.host, s.runID)
}

func (s *registrySink) Commit(r Result) error { return s.CommitBatch([]Result{r}) }

// CommitBatch commits results in one registry transaction, then records
// which scenes they end.
func (s *registrySink) CommitBatch(rs []Result) error {
	rrs := make([]registry.Result, len(rs))
	for i, r := range rs {
		rrs[i] = r.ToRegistry(s.runID)
	}
	if err := s.store.CommitResults(context.Background(), rrs); err != nil {
		return err
	}
	for _, rr := range rrs {
		if rr.Status != registry.StatusPending {
			s.done++
			if rr.Status == registry.StatusFailed {
				s.failed++
			}
			if err := s.scenes.ended(rr.SimID); err != nil {
				return err
			}
		}
	}
	return nil
}

// ToRegistry converts a result to the registry's form: complete,
// complete-empty and failed map to themselves, anything else (interrupted)
// to pending; outputs become blobs sorted by name.
func (r Result) ToRegistry(runID string) registry.Result {
	rr := registry.Result{SimID: r.SimID, RunID: runID, Rank: r.Rank, Host: r.Host, Engine: r.Engine,
		StartedAt: time.Unix(0, r.Started).UTC(), FinishedAt: time.Unix(0, r.Finished).UTC(),
		TransportS: r.TransportSec, FootprintS: r.FootprintSec, ErrorClass: r.ErrClass, ErrorMessage: r.ErrMsg}
	switch r.Status {
	case StatusComplete:
		rr.Status = registry.StatusComplete
	case StatusCompleteEmpty:
		rr.Status = registry.StatusCompleteEmpty
	case StatusFailed:
		rr.Status = registry.StatusFailed
	default:
		rr.Status = registry.StatusPending
	}
	names := make([]string, 0, len(r.Outputs))
	for k := range r.Outputs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		rr.Blobs = append(rr.Blobs, registry.Blob{Name: k, Data: r.Outputs[k]})
	}
	return rr
}

// sceneState tracks which simulations of each scene have not ended yet and
// writes <output>/scenes/<scene>[_<footprint>].nc when a scene is done.
type sceneState struct {
	cfg     *config.Config
	store   registry.Store
	write   bool
	order   []string
	members map[string][]SimSpec
	open    map[string]map[string]bool // scene -> sims not ended
	sceneOf map[string]string          // sim -> scene

	// Background writer (startWriter): scenes that finish during the work
	// loop are assembled off rank 0's commit path. The netcdf package
	// serialises its C calls itself.
	queue   chan string
	stopped chan struct{}
	werr    error
	// Time spent writing scene files and how many were written.
	WriteSec float64
	Written  int
}

func newSceneState(cfg *config.Config, store registry.Store, specs []SimSpec, write bool) (*sceneState, error) {
	ids, by := Scenes(specs)
	st := &sceneState{cfg: cfg, store: store, write: write && len(cfg.Footprints()) > 0, order: ids, members: by,
		open: map[string]map[string]bool{}, sceneOf: map[string]string{}}
	for _, sc := range ids {
		st.open[sc] = map[string]bool{}
		for _, s := range by[sc] {
			st.sceneOf[s.ID] = sc
			sim, err := store.Get(context.Background(), s.ID)
			if err != nil {
				return nil, err
			}
			switch sim.Status {
			case registry.StatusComplete, registry.StatusCompleteEmpty, registry.StatusFailed:
			default:
				st.open[sc][s.ID] = true
			}
		}
		// A scene with unfinished members has no valid file: an earlier
		// one (written before failed members were reset, or before a crash
		// between a commit and the scene write) would otherwise survive,
		// since only missing files are written at the end of a run.
		if st.write && len(st.open[sc]) > 0 {
			for _, fp := range cfg.Footprints() {
				if err := os.Remove(ScenePath(cfg, sc, fp.Name)); err != nil && !os.IsNotExist(err) {
					return nil, fmt.Errorf("scene %s: removing the outdated file: %w", sc, err)
				}
			}
		}
	}
	return st, nil
}

func (st *sceneState) ended(simID string) error {
	sc, ok := st.sceneOf[simID]
	if !ok || !st.open[sc][simID] {
		return nil
	}
	delete(st.open[sc], simID)
	if len(st.open[sc]) > 0 {
		return nil
	}
	if st.queue != nil {
		st.queue <- sc // never blocks: a scene ends once per run
		return nil
	}
	return st.writeScene(sc)
}

// startWriter makes ended hand finished scenes to a background goroutine.
func (st *sceneState) startWriter() {
	if !st.write || st.queue != nil {
		return
	}
	st.queue = make(chan string, len(st.order))
	st.stopped = make(chan struct{})
	go func() {
		defer close(st.stopped)
		for sc := range st.queue {
			if st.werr == nil {
				st.werr = st.writeScene(sc)
			}
		}
	}()
}

// stopWriter waits until every queued scene is written and returns the
// first error.
func (st *sceneState) stopWriter() error {
	if st.queue == nil {
		return nil
	}
	close(st.queue)
	<-st.stopped
	st.queue = nil
	return st.werr
}

// writeReady writes every finished scene whose file is missing (all: also
// those that were finished before this run).
func (st *sceneState) writeReady(missingOnly bool) error {
	for _, sc := range st.order {
		if len(st.open[sc]) > 0 {
			continue
		}
		if missingOnly && st.exists(sc) {
			continue
		}
		if err := st.writeScene(sc); err != nil {
			return err
		}
	}
	return nil
}

func (st *sceneState) exists(sc string) bool {
	for _, fp := range st.cfg.Footprints() {
		if _, err := os.Stat(ScenePath(st.cfg, sc, fp.Name)); err != nil {
			return false
		}
		// with [output] url: a file whose upload is missing or outdated
		// (a run stopped between writing and uploading) is written again
		if ok, err := publishedCopyMatches(context.Background(), st.cfg, ScenePath(st.cfg, sc, fp.Name)); !ok || err != nil {
			return false
		}
	}
	return true
}

// ScenePath is the scene file of one footprint configuration:
// <output>/scenes/<scene>.nc for a single footprint, else
// <output>/scenes/<scene>_<footprint>.nc.
func ScenePath(cfg *config.Config, scene, fp string) string {
	name := scene
	if len(cfg.Footprints()) > 1 {
		name += "_" + fp
	}
	return filepath.Join(cfg.OutputDir(), "scenes", name+".nc")
}

func (st *sceneState) writeScene(sc string) error {
	if !st.write {
		return nil
	}
	t0 := time.Now()
	err := WriteSceneFromRegistry(st.cfg, st.store, sc, st.members[sc])
	st.WriteSec += time.Since(t0).Seconds()
	st.Written++
	return err
}

// WriteSceneFromRegistry assembles one scene's files from stored results.
func WriteSceneFromRegistry(cfg *config.Config, store registry.Store, scene string, specs []SimSpec) error {
	ctx := context.Background()
	for _, fp := range cfg.Footprints() {
		members := make([]SceneMember, len(specs))
		var gd *gridDef
		for i, s := range specs {
			sim, err := store.Get(ctx, s.ID)
			if err != nil {
				return err
			}
			m := SceneMember{Spec: s, Status: string(sim.Status)}
			if sim.ErrorClass != "" || sim.ErrorMessage != "" {
				m.Error = strings.TrimSpace(sim.ErrorClass + " " + sim.ErrorMessage)
			}
			if sim.Status == registry.StatusComplete || sim.Status == registry.StatusCompleteEmpty {
				blobs, err := store.LoadBlobs(ctx, s.ID)
				if err != nil {
					return fmt.Errorf("scene %s: %w", scene, err)
				}
				for _, b := range blobs {
					if b.Name != fp.Name {
						continue
					}
					g := new(footprint.Grid)
					if err := g.UnmarshalBinary(b.Data); err != nil {
						return fmt.Errorf("scene %s: footprint %s of %s: %w", scene, fp.Name, s.ID, err)
					}
					m.Grid = g
					if m.Error == "" && g.EmptyReason != "" {
						// the registry keeps no message for complete-empty
						// simulations; the reason travels in the footprint
						m.Error = "empty: " + fp.Name + ": " + g.EmptyReason
					}
					if gd == nil {
						d := gridDefOf(g)
						gd = &d
					}
				}
			}
			members[i] = m
		}
		if gd == nil {
			d, err := emptyGridDef(fp)
			if err != nil {
				return err
			}
			gd = &d
		}
		if err := WriteScene(ScenePath(cfg, scene, fp.Name), scene, fp.Name, *gd, members); err != nil {
			return fmt.Errorf("scene %s: %w", scene, err)
		}
		if err := PublishOutput(ctx, cfg, ScenePath(cfg, scene, fp.Name)); err != nil {
			return fmt.Errorf("scene %s: %w", scene, err)
		}
	}
	return nil
}

// emptyGridDef derives the grid of a footprint configuration without
// particles (for scenes in which every simulation failed).
func emptyGridDef(fp config.FootprintSpec) (gridDef, error) {
	fc := footprint.DefaultConfig()
	fc.Xmin, fc.Xmax, fc.Ymin, fc.Ymax, fc.Xres, fc.Yres = fp.XMin, fp.XMax, fp.YMin, fp.YMax, fp.XRes, fp.YRes
	fc.Projection, fc.SmoothFactor, fc.TimeIntegrate = fp.Projection, fp.SmoothFactor, fp.TimeIntegrate
	fc.ReceptorTime = time.Unix(0, 0).UTC()
	t := particle.MustNew([]string{"indx", "time", "long", "lati", "foot"}, 0)
	g, err := footprint.Compute(t, fc)
	if err != nil {
		return gridDef{}, err
	}
	return gridDefOf(g), nil
}

// PlanError is an error every rank returns together (rank 0 failed before
// the work loop and told the others): no rank needs to abort the job.
type PlanError struct{ Err error }

func (e PlanError) Error() string { return e.Err.Error() }
func (e PlanError) Unwrap() error { return e.Err }
