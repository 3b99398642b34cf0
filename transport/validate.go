package transport

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stilt-mpi/stilt-mpi/particle"
)

// ValidateOptions configures Validate.
type ValidateOptions struct {
	EnsembleDir string   // /work/shared/hysplit-ensemble
	MetDir      string   // /work/shared/met
	Receptors   []string // built-in receptors (default DefaultReceptors, unless Extra names some)
	NumPar      int      // particles per native run (0: the ensemble's NUMPAR)
	Seed        uint64
	Params      Params // zero value: DefaultParams()
	// Extra adds receptors judged against hycs_std runs made elsewhere:
	// name -> member directories, each holding CONTROL, hourly_stats.csv,
	// foot_binned.csv and summary.json (stilt-mpi validate-transport member).
	// Receptors named here run after Receptors.
	Extra map[string][]string
	// Fresh names, per receptor, hycs_std runs made with the ensemble's
	// settings but not part of it (directories as for Extra). Each is judged
	// against the ensemble exactly as the native run is (the Fresh
	// baseline). Built-in receptors have embedded fresh runs
	// (refdata/fresh); an entry here replaces them.
	Fresh map[string][]string
}

// ensembleCase maps a receptor to its ensemble members. D is judged
// against the shared KRAND=4 runs (README: that spread is the one to use).
// A has two references: the shared KRAND=1 seed ensemble ("A") and a
// KRAND=4 ensemble made here with hycs_std v5.1.0 on the same settings and
// embedded in the binary ("A4", refdata/README.md). E and F are receptors
// the engine was not tuned on (evening transition, and a 100 m release that
// ends in the free troposphere), KRAND=4 ensembles made and embedded the
// same way.
var ensembleCase = map[string][]string{
	"A":  {"A_seed1", "A_seed2", "A_seed3", "A_seed4", "A_seed5"},
	"A4": {"krand4A/K4A_run1", "krand4A/K4A_run2", "krand4A/K4A_run3", "krand4A/K4A_run4", "krand4A/K4A_run5"},
	"D":  {"krand4/K4D_run1", "krand4/K4D_run2", "krand4/K4D_run3", "krand4/K4D_run4", "krand4/K4D_run5"},
	"E":  {"krand4E/K4E_run1", "krand4E/K4E_run2", "krand4E/K4E_run3", "krand4E/K4E_run4", "krand4E/K4E_run5"},
	"F":  {"krand4F/K4F_run1", "krand4F/K4F_run2", "krand4F/K4F_run3", "krand4F/K4F_run4", "krand4F/K4F_run5"},
	"G":  {"krand4G/K4G_run1", "krand4G/K4G_run2", "krand4G/K4G_run3", "krand4G/K4G_run4", "krand4G/K4G_run5"},
	"H":  {"krand4H/K4H_run1", "krand4H/K4H_run2", "krand4H/K4H_run3", "krand4H/K4H_run4", "krand4H/K4H_run5"},
	"I":  {"krand4I/K4I_run1", "krand4I/K4I_run2", "krand4I/K4I_run3", "krand4I/K4I_run4", "krand4I/K4I_run5"},
	"J":  {"krand4J/K4J_run1", "krand4J/K4J_run2", "krand4J/K4J_run3", "krand4J/K4J_run4", "krand4J/K4J_run5"},
	// K: a column release (0-400 m at J's place and time), made after
	// every calibration (fifth session)
	"K": {"krand4K/K4K_run1", "krand4K/K4K_run2", "krand4K/K4K_run3", "krand4K/K4K_run4", "krand4K/K4K_run5"},
	// L: a multipoint release (three places and heights, night), made in
	// the fifth session
	"L": {"krand4L/K4L_run1", "krand4L/K4L_run2", "krand4L/K4L_run3", "krand4L/K4L_run4", "krand4L/K4L_run5"},
}

// DefaultReceptors are the receptors Validate runs when none are named.
var DefaultReceptors = []string{"A", "A4", "D", "E", "F", "G", "H", "I", "J", "K", "L"}

// embeddedCase reports whether a receptor's members are embedded reference
// data (refdata/) rather than the shared ensemble directory.
var embeddedCase = map[string]bool{"A4": true, "E": true, "F": true, "G": true, "H": true, "I": true, "J": true, "K": true, "L": true}

// member locates one ensemble member: a directory inside a file system.
type member struct {
	fsys fs.FS
	dir  string
	name string
}

// caseMembers returns a built-in receptor's members: the embedded reference
// data for A4, the shared ensemble directory otherwise.
func caseMembers(rc, ensembleDir string) ([]member, error) {
	names, ok := ensembleCase[rc]
	if !ok {
		return nil, fmt.Errorf("validate: unknown receptor %q (have A, A4, D, E, F, G, H, I, J)", rc)
	}
	fsys := os.DirFS(ensembleDir)
	if embeddedCase[rc] {
		sub, err := fs.Sub(refData, "refdata")
		if err != nil {
			return nil, err
		}
		fsys = sub
	}
	var out []member
	for _, n := range names {
		out = append(out, member{fsys: fsys, dir: n, name: n})
	}
	return out, nil
}

// freshMembers returns the hycs_std runs of receptor rc that are not in its
// ensemble: opt.Fresh[rc] when given, else the embedded refdata/fresh/<rc>
// runs (none for receptors without them).
func freshMembers(rc string, opt ValidateOptions) ([]member, error) {
	if dirs, ok := opt.Fresh[rc]; ok {
		return dirMembers(dirs), nil
	}
	sub, err := fs.Sub(refData, "refdata")
	if err != nil {
		return nil, err
	}
	ents, err := fs.ReadDir(sub, path.Join("fresh", rc))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []member
	for _, e := range ents {
		if e.IsDir() {
			d := path.Join("fresh", rc, e.Name())
			out = append(out, member{fsys: sub, dir: d, name: d})
		}
	}
	return out, nil
}

// dirMembers returns run directories on disk as members.
func dirMembers(dirs []string) []member {
	var out []member
	for _, d := range dirs {
		out = append(out, member{fsys: os.DirFS(d), dir: ".", name: d})
	}
	return out
}

// Stat is one statistic of the native run next to the ensemble range.
type Stat struct {
	Receptor string
	Name     string
	Hour     int // 0 for whole-run statistics
	Value    float64
	Min, Max float64   // ensemble range
	Ens      []float64 // the members' values (per member; per member pair for footprint_*)
	Lo, Hi   float64   // acceptance interval
	Pass     bool
}

// ReceptorResult holds one receptor's comparison.
type ReceptorResult struct {
	Receptor      string
	Members       []string
	NumPar        int
	Hours         int
	Stats         []Stat
	Native        *Binned   // binned native footprint
	Ensemble      []*Binned // members' binned footprints
	CPUSeconds    float64
	PartHours     float64
	MsPerPartHour float64
	LeaveOneOut   *LeaveOneOut // nil with fewer than 3 members
	Fresh         *Fresh       // nil without fresh hycs_std runs
	Notes         []string     // how the run was set up, where it matters (e.g. no SETUP.CFG)
}

// ValidationReport is the result of Validate.
type ValidationReport struct {
	Results []*ReceptorResult
}

// Binned is a footprint summed into the ensemble's 0.02° cells, per particle.
type Binned struct {
	Lon0, Lat0, Res float64
	NX, NY          int
	V               []float64
}

func newBinned() *Binned {
	return &Binned{Lon0: -112.9, Lat0: 40.1, Res: 0.02, NX: 90, NY: 65, V: make([]float64, 90*65)}
}

func (b *Binned) cell(lon, lat float64) int {
	i := int(math.Floor((lon - b.Lon0) / b.Res))
	j := int(math.Floor((lat - b.Lat0) / b.Res))
	if i < 0 || j < 0 || i >= b.NX || j >= b.NY {
		return -1
	}
	return j*b.NX + i
}

// acceptance applies the rule: inside [min − w/2, max + w/2] with w the
// range width, or within 5% of the mean where the spread is ~0.
func acceptance(min, max float64) (float64, float64) {
	w := max - min
	mid := 0.5 * (min + max)
	if w <= 1e-9*math.Max(1, math.Abs(mid)) {
		tol := 0.05 * math.Abs(mid)
		if tol == 0 {
			tol = 1e-12
		}
		return mid - tol, mid + tol
	}
	return min - w/2, max + w/2
}

func newStat(rec, name string, hour int, v float64, ens []float64) Stat {
	mn, mx := math.Inf(1), math.Inf(-1)
	for _, e := range ens {
		mn = math.Min(mn, e)
		mx = math.Max(mx, e)
	}
	lo, hi := acceptance(mn, mx)
	return Stat{Receptor: rec, Name: name, Hour: hour, Value: v, Min: mn, Max: mx, Ens: ens, Lo: lo, Hi: hi,
		Pass: v >= lo && v <= hi && !math.IsNaN(v)}
}

// Validate runs the native engine on the ensemble receptors with the
// ensemble's settings and compares each statistic with the hycs_std spread.
func Validate(ctx context.Context, opt ValidateOptions) (*ValidationReport, error) {
	if len(opt.Receptors) == 0 && len(opt.Extra) == 0 {
		opt.Receptors = DefaultReceptors
	}
	if opt.Params.ZTop == 0 {
		opt.Params = DefaultParams()
	}
	rep := &ValidationReport{}
	eng := &Native{}
	tables := map[string]*nativeRun{} // A and A4 share one native run
	type job struct {
		rc      string
		members []member
	}
	var jobs []job
	for _, rc := range opt.Receptors {
		ms, err := caseMembers(rc, opt.EnsembleDir)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, job{rc, ms})
	}
	extra := make([]string, 0, len(opt.Extra))
	for rc := range opt.Extra {
		extra = append(extra, rc)
	}
	sort.Strings(extra)
	for _, rc := range extra {
		ms := dirMembers(opt.Extra[rc])
		if len(ms) < 2 {
			return nil, fmt.Errorf("validate receptor %s: %d member directories, need at least 2 for a spread", rc, len(ms))
		}
		jobs = append(jobs, job{rc, ms})
	}
	for _, j := range jobs {
		res, err := validateOne(ctx, eng, j.rc, j.members, opt, tables)
		if err != nil {
			return nil, fmt.Errorf("validate receptor %s: %w", j.rc, err)
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

type memberData struct {
	hourly map[int]map[string]float64
	total  float64
	binned *Binned
}

// nativeRun is one native simulation and the CPU it took.
type nativeRun struct {
	tab *particle.Table
	cpu float64
}

func validateOne(ctx context.Context, eng *Native, rc string, members []member, opt ValidateOptions, tables map[string]*nativeRun) (*ReceptorResult, error) {
	// the native run takes the members' settings (CONTROL, SETUP.CFG) on
	// top of opt.Params; every member must have the same ones
	sim, noSetup, err := simAndSettings(members[0].fsys, members[0].dir, opt.MetDir, opt.Params)
	if err != nil {
		return nil, fmt.Errorf("member %s: %w", members[0].name, err)
	}
	var notes []string
	if noSetup {
		notes = append(notes, fmt.Sprintf("member %s has no SETUP.CFG: the native run uses the default settings (R-STILT's run_stilt.r) and CONTROL's", members[0].name))
	}
	ensSim := sim
	sim.ID = rc
	if opt.NumPar > 0 {
		sim.NumPar = opt.NumPar
	}
	if sim.NumPar <= 0 {
		return nil, fmt.Errorf("member %s: no NUMPAR in SETUP.CFG or summary.json", members[0].name)
	}
	sim.Seed = opt.Seed
	var mds []*memberData
	var names []string
	for _, m := range members {
		if m.name != members[0].name {
			msim, err := simFromRun(m.fsys, m.dir, opt.MetDir, opt.Params)
			if err != nil {
				return nil, fmt.Errorf("member %s: %w", m.name, err)
			}
			if d := sameRun(msim, ensSim); d != "" {
				return nil, fmt.Errorf("member %s is not a run of %s's settings: %s", m.name, members[0].name, d)
			}
		}
		names = append(names, m.name)
		md, err := readMember(m.fsys, m.dir)
		if err != nil {
			return nil, err
		}
		mds = append(mds, md)
	}
	key := fmt.Sprintf("%v|%v|%v|%v|%d|%d|%+v", sim.Receptor.Time, sim.Receptor.Lats, sim.Receptor.Lons, sim.Receptor.Heights, sim.NHours, sim.NumPar, sim.Params)
	nr := tables[key]
	if nr == nil {
		cpu0 := cpuSeconds()
		tab, err := eng.Run(ctx, sim)
		if err != nil {
			return nil, err
		}
		nr = &nativeRun{tab: tab, cpu: cpuSeconds() - cpu0}
		tables[key] = nr
	}
	tab, cpu := nr.tab, nr.cpu
	res := &ReceptorResult{Receptor: rc, Members: names, NumPar: sim.NumPar, Hours: abs(sim.NHours), CPUSeconds: cpu, Notes: notes}
	res.PartHours = float64(sim.NumPar * abs(sim.NHours))
	res.MsPerPartHour = 1000 * cpu / res.PartHours
	hourly, total, binned, err := tableStats(tab, sim.NumPar, abs(sim.NHours))
	if err != nil {
		return nil, err
	}
	res.Native = binned
	for _, md := range mds {
		res.Ensemble = append(res.Ensemble, md.binned)
	}
	nat := &memberData{hourly: hourly, total: total, binned: binned}
	res.Stats = judge(rc, abs(sim.NHours), nat, mds)
	if len(mds) >= 3 {
		res.LeaveOneOut = leaveOneOut(rc, abs(sim.NHours), nat, mds)
	}
	fresh, err := freshMembers(rc, opt)
	if err != nil {
		return nil, err
	}
	if len(fresh) > 0 {
		if res.Fresh, err = judgeFresh(rc, fresh, ensSim, mds, res.Stats, opt.MetDir, opt.Params); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// judgeFresh judges each fresh run against the ensemble mds as the native
// run (statistics nat) was judged; a fresh run of other settings is refused.
func judgeFresh(rc string, fresh []member, ensSim Simulation, mds []*memberData, nat []Stat, metDir string, base Params) (*Fresh, error) {
	f := &Fresh{Stats: len(nat), Native: countPass(nat)}
	for _, m := range fresh {
		fsim, err := simFromRun(m.fsys, m.dir, metDir, base)
		if err != nil {
			return nil, fmt.Errorf("fresh run %s: %w", m.name, err)
		}
		if d := sameRun(fsim, ensSim); d != "" {
			return nil, fmt.Errorf("fresh run %s is not a run of the ensemble's settings: %s", m.name, d)
		}
		md, err := readMember(m.fsys, m.dir)
		if err != nil {
			return nil, fmt.Errorf("fresh run %s: %w", m.name, err)
		}
		st := judge(rc, abs(ensSim.NHours), md, mds)
		if len(st) != f.Stats {
			return nil, fmt.Errorf("fresh run %s: %d statistics, the native run has %d (different hours or settings?)", m.name, len(st), f.Stats)
		}
		f.Names = append(f.Names, m.name)
		f.Passes = append(f.Passes, countPass(st))
		vals := make([]float64, len(st))
		for i, x := range st {
			vals[i] = x.Value
		}
		f.Values = append(f.Values, vals)
	}
	return f, nil
}

// sameRun describes how run a's receptor, duration, particle number or
// physics settings differ from b's ("" when they agree).
func sameRun(a, b Simulation) string {
	ra, rb := a.Receptor, b.Receptor
	switch {
	case !ra.Time.Equal(rb.Time):
		return fmt.Sprintf("receptor time %s, ensemble %s", ra.Time.Format(time.RFC3339), rb.Time.Format(time.RFC3339))
	case fmt.Sprint(ra.Lats, ra.Lons, ra.Heights) != fmt.Sprint(rb.Lats, rb.Lons, rb.Heights):
		return fmt.Sprintf("release at %v N %v E %v m, ensemble %v N %v E %v m", ra.Lats, ra.Lons, ra.Heights, rb.Lats, rb.Lons, rb.Heights)
	case a.NHours != b.NHours:
		return fmt.Sprintf("%d h, ensemble %d h", a.NHours, b.NHours)
	case a.NumPar != b.NumPar:
		return fmt.Sprintf("%d particles, ensemble %d", a.NumPar, b.NumPar)
	}
	if d := physicsDiff(a.Params, b.Params); d != "" {
		return d + " of the ensemble"
	}
	return ""
}

// Fresh is the second baseline of the acceptance rule: hycs_std runs made
// with the ensemble's own CONTROL and SETUP.CFG but not part of it, each
// judged against the whole ensemble exactly as the native run is. It
// answers the question the rule asks of the engine (does an independent
// run land inside the members' widened range?) for hycs_std itself, with
// ensembles of the same size; leave-one-out uses one member fewer.
type Fresh struct {
	Names  []string
	Passes []int       // each fresh run's statistics inside the acceptance range
	Stats  int         // statistics judged per run
	Native int         // the native run's passes
	Values [][]float64 // per fresh run, its value of each statistic (order of ReceptorResult.Stats)
}

// Mean returns the fresh runs' mean number of passes.
func (f *Fresh) Mean() float64 {
	s := 0
	for _, p := range f.Passes {
		s += p
	}
	return float64(s) / float64(len(f.Passes))
}

// Passes returns how many of the native run's statistics pass.
func (r *ReceptorResult) Passes() int { return countPass(r.Stats) }

// countPass returns the number of statistics that pass.
func countPass(st []Stat) int {
	n := 0
	for _, s := range st {
		if s.Pass {
			n++
		}
	}
	return n
}

// judge returns the statistics of run x judged against the ensemble mds.
func judge(rc string, hours int, x *memberData, mds []*memberData) []Stat {
	var out []Stat
	statNames := []string{"frac_in_domain", "frac_below_mlht", "zagl_median", "zagl_p10", "zagl_p90", "mlht_mean", "sigw_mean", "tlgr_mean", "lon_centroid", "lat_centroid", "foot_hour"}
	for h := 1; h <= hours; h++ {
		for _, n := range statNames {
			var ens []float64
			for _, md := range mds {
				v, ok := md.hourly[h][n]
				if ok {
					ens = append(ens, v)
				}
			}
			if len(ens) == 0 {
				continue
			}
			out = append(out, newStat(rc, n, h, x.hourly[h][n], ens))
		}
	}
	var tots []float64
	for _, md := range mds {
		tots = append(tots, md.total)
	}
	out = append(out, newStat(rc, "total_foot", 0, x.total, tots))
	out = append(out, footprintStats(rc, x.binned, mds)...)
	return out
}

// LeaveOneOut is the baseline of the acceptance rule: each hycs_std member
// judged against the other members, and the native run judged against the
// same reduced ensembles, so that both face ensembles of equal size.
type LeaveOneOut struct {
	MemberPasses []int // the left-out member's statistics inside the others' acceptance range
	NativePasses []int // the native run's, against the same others
	Stats        []int // statistics judged (per left-out member)
}

func leaveOneOut(rc string, hours int, nat *memberData, mds []*memberData) *LeaveOneOut {
	lo := &LeaveOneOut{}
	for i := range mds {
		others := without(mds, i)
		ms := judge(rc, hours, mds[i], others)
		lo.MemberPasses = append(lo.MemberPasses, countPass(ms))
		lo.NativePasses = append(lo.NativePasses, countPass(judge(rc, hours, nat, others)))
		lo.Stats = append(lo.Stats, len(ms))
	}
	return lo
}

// without returns mds without member i (a new slice).
func without(mds []*memberData, i int) []*memberData {
	out := make([]*memberData, 0, len(mds)-1)
	out = append(out, mds[:i]...)
	return append(out, mds[i+1:]...)
}

// Totals sums passes and statistics over the left-out members.
func (lo *LeaveOneOut) Totals() (member, native, stats int) {
	for i := range lo.Stats {
		member += lo.MemberPasses[i]
		native += lo.NativePasses[i]
		stats += lo.Stats[i]
	}
	return
}

// footprintStats compares the binned native footprint with each member's,
// judged against the member-vs-member pairs.
func footprintStats(rc string, native *Binned, mds []*memberData) []Stat {
	var out []Stat
	var rPairs, fPairs, rMine, fMine []float64
	for i := range mds {
		for j := i + 1; j < len(mds); j++ {
			rPairs = append(rPairs, pearson(mds[i].binned.V, mds[j].binned.V))
			fPairs = append(fPairs, fmsNonZero(mds[i].binned.V, mds[j].binned.V))
		}
		rMine = append(rMine, pearson(native.V, mds[i].binned.V))
		fMine = append(fMine, fmsNonZero(native.V, mds[i].binned.V))
	}
	ensEmpty := true
	for _, md := range mds {
		ensEmpty = ensEmpty && allZero(md.binned.V)
	}
	switch {
	case ensEmpty && allZero(native.V):
		// no member and no native run has any foot in the box: the
		// footprint comparison is not defined and is left out
	case ensEmpty:
		// the members have no footprint but the native run has one
		out = append(out, Stat{Receptor: rc, Name: "footprint_nonzero_cells", Value: float64(nonZero(native.V))})
	default:
		out = append(out, newStat(rc, "footprint_r_median", 0, median(rMine), rPairs))
		out = append(out, newStat(rc, "footprint_fms_median", 0, median(fMine), fPairs))
	}
	return out
}

func allZero(v []float64) bool { return nonZero(v) == 0 }

func nonZero(v []float64) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// tableStats computes the README statistics of a particle table.
func tableStats(tab *particle.Table, numpar, hours int) (map[int]map[string]float64, float64, *Binned, error) {
	cols, err := tab.Need("time", "long", "lati", "zagl", "foot", "mlht", "sigw", "tlgr")
	if err != nil {
		return nil, 0, nil, err
	}
	// Statistics are computed on the values as hycs_std prints them
	// (PARTICLE_STILT.DAT: long, lati, zagl f.4, foot f12.7, mlht f.2, sigw
	// f10.3, tlgr f13.4), so that native and member figures share one
	// precision. It matters where many particles share one value: at
	// receptor I after 1 h all particles have σ_w 0.0114 or 0.0152, printed
	// 0.011 and 0.015, and the unrounded native mean was 2 % above every
	// member's.
	q := func(v []float64, step float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = math.Round(x/step) * step
		}
		return out
	}
	tm := cols[0]
	lon, lat, z := q(cols[1], 1e-4), q(cols[2], 1e-4), q(cols[3], 1e-4)
	foot, ml, sw, tl := q(cols[4], 1e-7), q(cols[5], 1e-2), q(cols[6], 1e-3), q(cols[7], 1e-4)
	b := newBinned()
	out := map[int]map[string]float64{}
	var total float64
	footHour := make([]float64, hours+2)
	for i := range tm {
		total += foot[i]
		if c := b.cell(lon[i], lat[i]); c >= 0 {
			b.V[c] += foot[i] / float64(numpar)
		}
		h := int(math.Ceil(math.Abs(tm[i])/60 - 1e-9))
		if h >= 1 && h <= hours {
			footHour[h] += foot[i]
		}
	}
	for h := 1; h <= hours; h++ {
		var zs []float64
		var n, in, below, sml, ssw, stl, slo, sla float64
		for i := range tm {
			if math.Abs(math.Abs(tm[i])-float64(60*h)) > 1e-6 {
				continue
			}
			n++
			zs = append(zs, z[i])
			if b.cell(lon[i], lat[i]) >= 0 {
				in++
			}
			if z[i] < ml[i] {
				below++
			}
			sml += ml[i]
			ssw += sw[i]
			stl += tl[i]
			slo += lon[i]
			sla += lat[i]
		}
		m := map[string]float64{"n_present": n, "frac_in_domain": in / float64(numpar), "foot_hour": footHour[h] / float64(numpar)}
		if n > 0 {
			sort.Float64s(zs)
			m["frac_below_mlht"] = below / n
			var zsum float64
			for _, v := range zs {
				zsum += v
			}
			m["zagl_mean"] = zsum / n
			m["zagl_median"] = quantile(zs, 0.5)
			m["zagl_p10"] = quantile(zs, 0.1)
			m["zagl_p90"] = quantile(zs, 0.9)
			m["mlht_mean"] = sml / n
			m["sigw_mean"] = ssw / n
			m["tlgr_mean"] = stl / n
			m["lon_centroid"] = slo / n
			m["lat_centroid"] = sla / n
		} else {
			for _, k := range []string{"frac_below_mlht", "zagl_mean", "zagl_median", "zagl_p10", "zagl_p90", "mlht_mean", "sigw_mean", "tlgr_mean", "lon_centroid", "lat_centroid"} {
				m[k] = math.NaN()
			}
		}
		out[h] = m
	}
	return out, total / float64(numpar), b, nil
}

// quantile of sorted x, linear interpolation (R type 7).
func quantile(x []float64, q float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	p := q * float64(len(x)-1)
	i := int(math.Floor(p))
	if i+1 >= len(x) {
		return x[len(x)-1]
	}
	return x[i] + (p-float64(i))*(x[i+1]-x[i])
}

func median(x []float64) float64 {
	y := append([]float64(nil), x...)
	sort.Float64s(y)
	return quantile(y, 0.5)
}

func pearson(a, b []float64) float64 {
	n := float64(len(a))
	var sa, sb float64
	for i := range a {
		sa += a[i]
		sb += b[i]
	}
	ma, mb := sa/n, sb/n
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return math.NaN()
	}
	return sab / math.Sqrt(saa*sbb)
}

// fmsNonZero is the figure of merit in space of the non-zero cells:
// |A∩B| / |A∪B|.
func fmsNonZero(a, b []float64) float64 {
	var inter, union float64
	for i := range a {
		za, zb := a[i] > 0, b[i] > 0
		if za && zb {
			inter++
		}
		if za || zb {
			union++
		}
	}
	if union == 0 {
		return math.NaN()
	}
	return inter / union
}

// simFromRun builds the simulation of a hycs_std run from its CONTROL
// (release, start, run length, vertical motion, model top, met files under
// metDir) and SETUP.CFG (physics settings applied to base, NUMPAR), so that
// the native engine runs with the run's own settings; summary.json's
// receptor must agree with CONTROL.
func simFromRun(fsys fs.FS, dir, metDir string, base Params) (Simulation, error) {
	sim, _, err := simAndSettings(fsys, dir, metDir, base)
	return sim, err
}

// simAndSettings is simFromRun that also reports whether the run had no
// SETUP.CFG (its settings are then base's).
func simAndSettings(fsys fs.FS, dir, metDir string, base Params) (Simulation, bool, error) {
	var s struct {
		NumPar   int `json:"numpar"`
		Receptor struct {
			Time string `json:"time"`
		} `json:"receptor"`
	}
	sumPath := path.Join(dir, "summary.json")
	data, err := fs.ReadFile(fsys, sumPath)
	if err != nil {
		return Simulation{}, false, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return Simulation{}, false, fmt.Errorf("%s: %w", sumPath, err)
	}
	ctl, err := readControl(fsys, path.Join(dir, "CONTROL"))
	if err != nil {
		return Simulation{}, false, err
	}
	if t, err := time.Parse("06 01 02 15 04", s.Receptor.Time); err != nil {
		return Simulation{}, false, fmt.Errorf("%s: receptor time %q: expected \"YY MM DD HH MM\": %w", sumPath, s.Receptor.Time, err)
	} else if !t.Equal(ctl.Time) {
		return Simulation{}, false, fmt.Errorf("%s: receptor time %s, but CONTROL starts at %s", sumPath, t.Format(time.RFC3339), ctl.Time.Format(time.RFC3339))
	}
	rs, err := ReadRunSettings(fsys, dir, base)
	if err != nil {
		return Simulation{}, false, err
	}
	numpar := rs.NumPar
	if numpar == 0 {
		numpar = s.NumPar
	}
	files := ctl.MetFiles
	for i, f := range files {
		files[i] = filepath.Join(metDir, f)
	}
	return Simulation{Receptor: ctl.Receptor(), MetFiles: files, NHours: ctl.NHours, NumPar: numpar, Params: rs.Params}, rs.NoSetup, nil
}

func readMember(fsys fs.FS, dir string) (*memberData, error) {
	md := &memberData{hourly: map[int]map[string]float64{}, binned: newBinned()}
	rows, err := readCSV(fsys, path.Join(dir, "hourly_stats.csv"))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		h, err := strconv.Atoi(r["hour"])
		if err != nil {
			return nil, fmt.Errorf("%s/hourly_stats.csv: hour %q: %w", dir, r["hour"], err)
		}
		m := map[string]float64{}
		for k, v := range r {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				m[k] = f
			}
		}
		md.hourly[h] = m
	}
	var s struct {
		TotalFoot float64 `json:"total_foot"`
		NumPar    float64 `json:"numpar"`
	}
	data, err := fs.ReadFile(fsys, path.Join(dir, "summary.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s/summary.json: %w", dir, err)
	}
	md.total = s.TotalFoot
	fb, err := readCSV(fsys, path.Join(dir, "foot_binned.csv"))
	if err != nil {
		return nil, err
	}
	for i, r := range fb {
		lon, e1 := strconv.ParseFloat(r["lon_center"], 64)
		lat, e2 := strconv.ParseFloat(r["lat_center"], 64)
		v, e3 := strconv.ParseFloat(r["value"], 64)
		if e1 != nil || e2 != nil || e3 != nil {
			return nil, fmt.Errorf("%s/foot_binned.csv row %d: expected numbers lon_center, lat_center, value", dir, i+2)
		}
		if c := md.binned.cell(lon, lat); c >= 0 {
			md.binned.V[c] += v
		}
	}
	return md, nil
}

func readCSV(fsys fs.FS, path string) ([]map[string]string, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd := csv.NewReader(f)
	recs, err := rd.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(r) {
				m[h] = r[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, "/")
}

// WriteText prints each statistic next to the ensemble range.
func (r *ValidationReport) WriteText(w io.Writer) {
	for _, res := range r.Results {
		np := res.Passes()
		fmt.Fprintf(w, "receptor %s: %d particles, %d h, ensemble %s; %d/%d statistics pass; CPU %.2f s = %.3f ms per particle-hour\n",
			res.Receptor, res.NumPar, res.Hours, strings.Join(res.Members, " "), np, len(res.Stats), res.CPUSeconds, res.MsPerPartHour)
		for _, n := range res.Notes {
			fmt.Fprintf(w, "note: %s\n", n)
		}
		fmt.Fprintf(w, "%-4s %-22s %14s %14s %14s %14s %14s  %s\n", "hour", "statistic", "native", "ens_min", "ens_max", "accept_lo", "accept_hi", "result")
		for _, s := range res.Stats {
			h := fmt.Sprint(s.Hour)
			if s.Hour == 0 {
				h = "all"
			}
			res := "pass"
			if !s.Pass {
				res = "MISS"
			}
			fmt.Fprintf(w, "%-4s %-22s %14.9g %14.9g %14.9g %14.9g %14.9g  %s\n", h, s.Name, s.Value, s.Min, s.Max, s.Lo, s.Hi, res)
		}
		if lo := res.LeaveOneOut; lo != nil {
			m, n, st := lo.Totals()
			fmt.Fprintf(w, "baseline (each member against the other %d, the same rule): hycs_std members %d/%d pass, native %d/%d\n",
				len(res.Members)-1, m, st, n, st)
		}
		if f := res.Fresh; f != nil {
			fmt.Fprintf(w, "baseline (%d hycs_std runs not in the ensemble, judged as the native run): %s of %d pass (mean %.1f), native %d\n",
				len(f.Passes), joinInts(f.Passes), f.Stats, f.Mean(), f.Native)
		}
		fmt.Fprintln(w)
	}
}
