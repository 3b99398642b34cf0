package observations

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/stilt-mpi/stilt-mpi/particle"
)

// FootOriginal is the column that keeps the particle table's foot as it was
// before any transform. ApplyTransforms always recomputes foot from it, so
// applying a list twice equals applying it once.
const FootOriginal = "foot_before_transforms"

// metaKeys are the table metadata keys ApplyTransforms writes.
var metaKeys = []string{"stilt:transforms", "stilt:operator_n", "stilt:operator_n_rule", "stilt:operator_sha256",
	"stilt:surface_fit_a", "stilt:xap", "stilt:pwf_particles", "stilt:pwf_upper", "stilt:upper_levels"}

// TransformEnv is what the transforms may need besides the table and the
// observation.
type TransformEnv struct {
	// Met is the meteorology at the receptor column (surface pressure and
	// humidity) for the computed pressure weighting function; nil means no
	// met: the retrieval's surface pressure is then required and the air is
	// treated as dry.
	Met MetColumn
	// IsError marks error trajectories (they get the same weights).
	IsError bool
}

// ApplyTransforms applies specs in order to tab (spec §2, footprint.md §0):
// foot is first restored from FootOriginal (created on first use), then each
// transform multiplies it. obs supplies the per-observation operator for
// vertical transforms without levels; it may be nil otherwise. Table
// metadata records the transforms, the particle count N and the operator
// hash.
func ApplyTransforms(tab *particle.Table, specs []TransformSpec, obs *Observation, env TransformEnv) error {
	if len(specs) == 0 && !tab.Has(FootOriginal) {
		return nil
	}
	foot := tab.Col("foot")
	if foot == nil {
		return fmt.Errorf("transforms: particle table has no column \"foot\"")
	}
	if orig := tab.Col(FootOriginal); orig != nil {
		copy(foot, orig)
	} else if err := tab.SetCol(FootOriginal, append([]float64(nil), foot...)); err != nil {
		return fmt.Errorf("transforms: %w", err)
	}
	if tab.Meta == nil {
		tab.Meta = map[string]string{}
	}
	for _, k := range metaKeys { // recomputed below, like foot
		delete(tab.Meta, k)
	}
	for i, s := range specs {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("transforms[%d]: %w", i, err)
		}
		var err error
		switch s.Kind {
		case KindVertical:
			err = applyVertical(tab, s, obs, env)
		case KindDecay:
			err = applyDecay(tab, s)
		}
		if err != nil {
			if obs != nil {
				return fmt.Errorf("transforms[%d] (%s) for %s: %w", i, s.Kind, obs.where(), err)
			}
			return fmt.Errorf("transforms[%d] (%s): %w", i, s.Kind, err)
		}
	}
	if b, err := json.Marshal(specs); err == nil {
		tab.Meta["stilt:transforms"] = string(b)
	}
	return nil
}

// applyDecay multiplies foot by exp(−|age|/τ) (spec §2.2).
func applyDecay(tab *particle.Table, s TransformSpec) error {
	col := s.TimeColumn
	if col == "" {
		col = "time"
	}
	cols, err := tab.Need(col, "foot")
	if err != nil {
		return err
	}
	unit, _ := unitMinutes(s.TimeUnit)
	tau := s.LifetimeHours * 60 / unit // lifetime in the time column's unit
	age, foot := cols[0], cols[1]
	for i := range foot {
		foot[i] *= math.Exp(-math.Abs(age[i]) / tau)
	}
	return nil
}

// timesN reports whether a mode multiplies by the particle count.
func timesN(mode string) bool {
	return mode == ModePWF || mode == ModeAKPWF || mode == ModeIntegration || mode == ModeTCCON
}

func applyVertical(tab *particle.Table, s TransformSpec, obs *Observation, env TransformEnv) error {
	mode := s.Mode
	if mode == "" && obs != nil && obs.Operator != nil {
		mode = obs.Operator.Mode
	}
	if mode == "" {
		return fmt.Errorf("no mode: set \"mode\" in the transform or give the observation an operator mode")
	}
	if err := checkMode(mode); err != nil {
		return err
	}
	if mode == ModeNone || mode == ModeUniform {
		return nil // foot already restored from the original
	}
	n := countParticles(tab.Col("indx"))
	if timesN(mode) && n == 0 {
		return fmt.Errorf("mode %q needs the particle column \"indx\"", mode)
	}
	tab.Meta["stilt:operator_n"] = strconv.Itoa(n)
	tab.Meta["stilt:operator_n_rule"] = "distinct indx"
	if len(s.Levels) > 0 {
		return applyStatic(tab, s, mode, n)
	}
	var op *VerticalOperator
	if obs != nil {
		op = obs.Operator
	}
	if op == nil || len(op.Levels) == 0 {
		// Ideal mode (spec §3.3): no retrieval profile, AK = 1, PWF from
		// the met alone. Only meaningful for mode pwf.
		if mode != ModePWF {
			return fmt.Errorf("mode %q without levels/values needs a per-observation profile, and the observation has none (only mode pwf works without one)", mode)
		}
		if op == nil {
			op = NewVerticalOperator()
		}
	}
	return applyProfile(tab, s, mode, op, env, n)
}

// applyStatic is PYSTILT's vertical_operator: w = interp(coord, levels,
// values), times N for the PWF-type modes.
func applyStatic(tab *particle.Table, s TransformSpec, mode string, n int) error {
	levels, values := sortedPair(s.Levels, s.Values)
	coord := s.Coordinate
	if coord == "" {
		coord = CoordXhgt
	}
	foot := tab.Col("foot")
	var c []float64
	switch coord {
	case CoordXhgt, CoordPres:
		cols, err := tab.Need(coord)
		if err != nil {
			return fmt.Errorf("coordinate %q: %w", coord, err)
		}
		c = cols[0]
	case CoordReleasePres:
		rel, err := releaseValues(tab, "pres")
		if err != nil {
			return err
		}
		c = rel.rows()
	}
	scale := 1.0
	if timesN(mode) {
		scale = float64(n)
	}
	for i := range foot {
		foot[i] *= interp(c[i], levels, values) * scale
	}
	tab.Meta["stilt:operator_sha256"] = hashFloats(levels, values)
	return nil
}

// applyProfile applies a per-observation retrieval profile.
func applyProfile(tab *particle.Table, s TransformSpec, mode string, raw *VerticalOperator, env TransformEnv, n int) error {
	op := raw.sorted()
	needAK := mode == ModeAK || mode == ModeAKPWF || mode == ModeTCCON
	needPWF := timesN(mode)
	if needAK && len(op.AK) == 0 {
		return fmt.Errorf("mode %q needs the averaging kernel (profile column ak)", mode)
	}
	// Per-particle coordinates at release.
	var pres *perParticle
	if op.LevelCoord != LevelHeight || needPWF {
		var err error
		if s.ReleasePressure == ReleaseFit {
			var a float64
			if pres, a, err = fittedReleasePressure(tab, op); err != nil {
				return err
			}
			tab.Meta["stilt:surface_fit_a"] = strconv.FormatFloat(a, 'g', -1, 64)
		} else if pres, err = releaseValues(tab, "pres"); err != nil {
			return fmt.Errorf("pressure profile: %w (request pres in VARSIWANT)", err)
		}
	}
	var coord *perParticle
	if op.LevelCoord != LevelHeight {
		coord = pres
	} else {
		var err error
		if coord, err = releaseValues(tab, "xhgt"); err != nil {
			return fmt.Errorf("height profile: %w", err)
		}
	}
	np := len(coord.ids)
	w := make([]float64, np)
	for i := range w {
		w[i] = 1
	}
	if needAK {
		for i := range w {
			w[i] *= interp(coord.vals[i], op.Levels, op.AK)
		}
	}
	if needPWF {
		pwf, err := profilePWF(mode, op, pres, env)
		if err != nil {
			return err
		}
		for i := range w {
			w[i] *= pwf[i] * float64(n)
		}
		if mode == ModeAKPWF && len(op.Apriori) > 0 && op.LevelCoord == LevelPressure {
			ak := make([]float64, len(pwf))
			for i := range ak {
				ak[i] = interp(pres.vals[i], op.Levels, op.AK)
			}
			c := AprioriColumn(op, pres.vals, ak, pwf)
			tab.Meta["stilt:xap"] = strconv.FormatFloat(c.Xap, 'g', -1, 64)
			tab.Meta["stilt:pwf_particles"] = strconv.FormatFloat(c.PWFParticles, 'g', -1, 64)
			tab.Meta["stilt:pwf_upper"] = strconv.FormatFloat(c.PWFUpper, 'g', -1, 64)
			tab.Meta["stilt:upper_levels"] = strconv.Itoa(c.UpperLevels)
		}
	}
	if mode == ModeTCCON && len(op.H2OWet) > 0 {
		if op.LevelCoord != LevelPressure {
			return fmt.Errorf("mode tccon: the water prior needs pressure levels")
		}
		for i := range w {
			h := interp(pres.vals[i], op.Levels, op.H2OWet)
			hdry := h / (1 - h)
			w[i] *= 1 / (1 + hdry)
		}
	}
	foot := tab.Col("foot")
	for r, k := range coord.rowParticle {
		foot[r] *= w[k]
	}
	tab.Meta["stilt:operator_sha256"] = hashFloats(op.Levels, op.AK, op.PWF, op.IntOp, op.H2OWet,
		[]float64{op.SurfacePressure, op.TCWV})
	return nil
}

// profilePWF returns the per-particle pressure weighting function: from the
// profile's layer weights (pwf, or int_op for integration/tccon) when given,
// else computed X-STILT style from surface pressure and humidity.
func profilePWF(mode string, op *VerticalOperator, pres *perParticle, env TransformEnv) ([]float64, error) {
	psurf := op.SurfacePressure
	if math.IsNaN(psurf) && env.Met != nil {
		psurf = env.Met.SurfacePressure()
	}
	if math.IsNaN(psurf) || !(psurf > 0) {
		return nil, fmt.Errorf("mode %q needs a surface pressure (observation psurf or met)", mode)
	}
	lw := op.PWF
	if (mode == ModeIntegration || mode == ModeTCCON) && len(op.IntOp) > 0 {
		lw = op.IntOp
	}
	if (mode == ModeIntegration || mode == ModeTCCON) && len(lw) == 0 {
		return nil, fmt.Errorf("mode %q needs the integration operator (profile column int_op or pwf)", mode)
	}
	if len(lw) == 0 {
		return ParticlePWF(pres.vals, psurf, op.TCWV, env.Met)
	}
	if op.LevelCoord != LevelPressure {
		return nil, fmt.Errorf("mode %q: profile layer weights need pressure levels", mode)
	}
	dens, err := levelDensity(op.Levels, lw)
	if err != nil {
		return nil, err
	}
	dp, err := ParticleLayers(pres.vals, psurf)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(dp))
	for i := range dp {
		out[i] = interp(pres.vals[i], op.Levels, dens) * dp[i]
	}
	return out, nil
}

// perParticle holds one value per particle (at its release, the row with the
// smallest |time|) and the particle of every row.
type perParticle struct {
	ids         []float64
	vals        []float64
	rowParticle []int
}

func (p *perParticle) rows() []float64 {
	out := make([]float64, len(p.rowParticle))
	for r, k := range p.rowParticle {
		out[r] = p.vals[k]
	}
	return out
}

// releaseValues returns col at each particle's first output step.
func releaseValues(tab *particle.Table, col string) (*perParticle, error) {
	cols, err := tab.Need("indx", "time", col)
	if err != nil {
		return nil, err
	}
	indx, tm, v := cols[0], cols[1], cols[2]
	p := &perParticle{rowParticle: make([]int, len(indx))}
	// Particle numbers are normally small positive integers: index a slice
	// (fast path), falling back to a map for anything else.
	small := make([]int32, 0, 1024)
	pos := map[float64]int{}
	lookup := func(id float64) (int, bool) {
		if id >= 1 && id <= 1<<22 && id == math.Trunc(id) {
			j := int(id)
			if j < len(small) && small[j] > 0 {
				return int(small[j]) - 1, true
			}
			return 0, false
		}
		k, ok := pos[id]
		return k, ok
	}
	store := func(id float64, k int) {
		if id >= 1 && id <= 1<<22 && id == math.Trunc(id) {
			j := int(id)
			for len(small) <= j {
				small = append(small, 0)
			}
			small[j] = int32(k + 1)
			return
		}
		pos[id] = k
	}
	best := []float64{}
	for r, id := range indx {
		k, ok := lookup(id)
		if !ok {
			k = len(p.ids)
			store(id, k)
			p.ids = append(p.ids, id)
			p.vals = append(p.vals, v[r])
			best = append(best, math.Abs(tm[r]))
		} else if a := math.Abs(tm[r]); a < best[k] {
			best[k], p.vals[k] = a, v[r]
		}
		p.rowParticle[r] = k
	}
	return p, nil
}

func hashFloats(ss ...[]float64) string {
	h := sha256.New()
	for _, s := range ss {
		for _, x := range s {
			h.Write(strconv.AppendFloat(nil, x, 'g', -1, 64))
			h.Write([]byte{','})
		}
		h.Write([]byte{';'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// countParticles returns the number of distinct indx values (the same count
// as particle.Table.NumParticles, with a fast path for integer indices).
func countParticles(indx []float64) int {
	seen := make([]bool, 0, 1024)
	other := map[float64]struct{}{}
	n := 0
	for _, id := range indx {
		if id >= 1 && id <= 1<<22 && id == math.Trunc(id) {
			j := int(id)
			for len(seen) <= j {
				seen = append(seen, false)
			}
			if !seen[j] {
				seen[j] = true
				n++
			}
			continue
		}
		if _, ok := other[id]; !ok {
			other[id] = struct{}{}
			n++
		}
	}
	return n
}
