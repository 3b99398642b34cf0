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
	if e.Install == nil {
		return nil, fmt.Errorf("hysplit engine: %w", ErrNotFound)
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
		return nil, err
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
		return nil, err
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
		return nil, err
	}
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = TimeoutFor(p.NumPar, float64(p.NHours))
	}
	res, err := Execute(ctx, dir.Path, ExecOptions{Timeout: timeout, Grace: e.Grace, Varsiwant: p.VarsiWant, RemoveDat: true})
	if err != nil {
		return nil, err
	}
	failed = false
	tab := res.Particles
	if sim.Receptor.NumPoints() > 1 && !tab.Has("xhgt") {
		if err := particle.AddReleaseHeights(tab, sim.Receptor, p.NumPar); err != nil {
			return nil, err
		}
	}
	tab.Meta["engine"] = "hysplit"
	return tab, nil
}
