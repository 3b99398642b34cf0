package hysplit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/particle"
	"github.com/stilt-mpi/stilt-mpi/transport"
)

// Engine runs NOAA's hycs_std for one simulation: it implements
// transport.Engine, so the batch runner treats it like the native engine.
//
// Per simulation it prepares a run directory under Scratch (links to the
// executable, data tables and met), writes CONTROL / SETUP.CFG / ZICONTROL,
// runs hycs_std in its own process group with a timeout, parses
// PARTICLE_STILT.DAT and removes the directory (kept on failure when
// KeepFailed is set).
type Engine struct {
	Install     *Install
	Params      config.Params // every STILT/HYSPLIT parameter (R-STILT names)
	ProjectSeed uint64
	Scratch     string
	Timeout     time.Duration // 0: TimeoutFor(numpar, n_hours)
	Grace       time.Duration
	KeepFailed  bool
	// LogDir, when set, receives a copy of the log of every failed run as
	// <sim_id>.log.
	LogDir string
}

// Run implements transport.Engine.
func (e *Engine) Run(ctx context.Context, sim transport.Simulation) (*particle.Table, error) {
	tab, _, _, err := e.run(ctx, sim, false)
	return tab, err
}

// RunWithError implements transport.ErrorEngine: the main run, then, when a
// transport-error group (siguverr..., sigzierr...) is configured, the error
// pass in the same run directory (WINDERR/ZIERR, WINDERRTF=k). A failed error
// pass is returned as errPass and leaves errTab nil.
func (e *Engine) RunWithError(ctx context.Context, sim transport.Simulation) (main, errTab *particle.Table, errPass, err error) {
	return e.run(ctx, sim, e.Params.WindErrTF() > 0)
}

func (e *Engine) run(ctx context.Context, sim transport.Simulation, withError bool) (main, errTab *particle.Table, errPass, err error) {
	if e.Install == nil {
		return nil, nil, nil, fmt.Errorf("hysplit engine: %w", ErrNotFound)
	}
	p := e.Params
	if sim.NHours != 0 {
		p.NHours = sim.NHours
	}
	if sim.NumPar > 0 {
		p.NumPar = sim.NumPar
	}
	krand := p.KRand
	if !p.KRandExplicit() {
		krand = DefaultKRAND // reproducible: KRAND=1 with a SEED from the simulation id
	}
	rnd, err := RandomFor(krand, e.ProjectSeed, sim.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	p.KRand = rnd.KRAND
	if rnd.WriteSeed {
		s := int64(rnd.Seed)
		p.Seed = &s
	} else {
		p.Seed = nil
	}
	dir, err := PrepareRunDir(e.Install, RunDirOptions{Scratch: e.Scratch, Name: sim.ID, MetFiles: sim.MetFiles, KeepOnFailure: e.KeepFailed})
	if err != nil {
		return nil, nil, nil, err
	}
	metLines := make([]string, len(dir.MetFiles))
	for i, f := range dir.MetFiles {
		metLines[i] = filepath.Join(dir.MetDirLine(), f)
	}
	failed := true
	defer func() {
		if failed && e.LogDir != "" {
			if b, err := os.ReadFile(dir.LogPath()); err == nil {
				_ = os.MkdirAll(e.LogDir, 0o755)
				_ = os.WriteFile(filepath.Join(e.LogDir, sim.ID+".log"), b, 0o644)
			}
		}
		dir.Cleanup(failed)
	}()
	if err := WriteInputs(dir.Path, Inputs{Receptor: sim.Receptor, MetFiles: metLines, Params: p}); err != nil {
		return nil, nil, nil, err
	}
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = TimeoutFor(p.NumPar, float64(p.NHours))
	}
	res, err := Execute(ctx, dir.Path, ExecOptions{Timeout: timeout, Grace: e.Grace, Varsiwant: p.VarsiWant, RemoveDat: true})
	if err != nil {
		return nil, nil, nil, err
	}
	failed = false
	tab := res.Particles
	if sim.Receptor.NumPoints() > 1 && !tab.Has("xhgt") {
		if err := particle.AddReleaseHeights(tab, sim.Receptor, p.NumPar); err != nil {
			return nil, nil, nil, err
		}
	}
	tab.Meta["engine"] = "hysplit"
	if !withError {
		return tab, nil, nil, nil
	}
	// Error pass: WINDERR/ZIERR, SETUP.CFG with WINDERRTF=k, run again.
	if errPass = WriteInputs(dir.Path, Inputs{Receptor: sim.Receptor, MetFiles: metLines, Params: p, ErrorPass: true}); errPass != nil {
		return tab, nil, errPass, nil
	}
	eres, errPass := Execute(ctx, dir.Path, ExecOptions{Timeout: timeout, Grace: e.Grace, Varsiwant: p.VarsiWant, RemoveDat: true, Label: "error"})
	if errPass != nil {
		if ctx.Err() != nil {
			return nil, nil, nil, errPass // interrupted: the whole simulation goes back to pending
		}
		return tab, nil, errPass, nil
	}
	et := eres.Particles
	if sim.Receptor.NumPoints() > 1 && !et.Has("xhgt") {
		if err := particle.AddReleaseHeights(et, sim.Receptor, p.NumPar); err != nil {
			return tab, nil, err, nil
		}
	}
	et.Meta["engine"] = "hysplit"
	et.Meta["is_error"] = "true"
	return tab, et, nil, nil
}
