package observations

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stilt-mpi/stilt-mpi/particle"
)

// table builds a particle table from rows of the given columns.
func table(t *testing.T, names []string, rows [][]float64) *particle.Table {
	t.Helper()
	tab := particle.MustNew(names, len(rows))
	for _, r := range rows {
		if err := tab.AppendRow(r); err != nil {
			t.Fatal(err)
		}
	}
	return tab
}

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func checkFoot(t *testing.T, tab *particle.Table, want []float64) {
	t.Helper()
	got := tab.Col("foot")
	for i := range want {
		if !near(got[i], want[i], 1e-12) {
			t.Errorf("foot[%d] = %.15g, want %.15g (all %v)", i, got[i], want[i], got)
		}
	}
}

// TestStaticOperator checks PYSTILT's static vertical operator (spec §2.1
// test vectors); expected weights are computed by hand in the comments.
func TestStaticOperator(t *testing.T) {
	names := []string{"time", "indx", "xhgt", "pres", "foot"}
	cases := []struct {
		name string
		spec TransformSpec
		rows [][]float64
		want []float64
	}{{
		// AK rising 0 -> 1 over 0–1000 m: xhgt 0, 250, 500, 1000, 2000 ->
		// 0, .25, .5, 1, 1 (clamped above). No ×N for ak.
		name: "ak",
		spec: TransformSpec{Kind: KindVertical, Mode: ModeAK, Levels: []float64{0, 1000}, Values: []float64{0, 1}},
		rows: [][]float64{{-1, 1, 0, 0, 2}, {-1, 2, 250, 0, 2}, {-1, 3, 500, 0, 2}, {-1, 4, 1000, 0, 2}, {-1, 5, 2000, 0, 2}},
		want: []float64{0, 0.5, 1, 2, 2},
	}, {
		// pwf 0.25 for each of 4 particles, × N = 4 -> weight 1.
		name: "pwf",
		spec: TransformSpec{Kind: KindVertical, Mode: ModePWF, Levels: []float64{0, 3000}, Values: []float64{0.25, 0.25}},
		rows: [][]float64{{-1, 1, 10, 0, 3}, {-1, 2, 900, 0, 5}, {-1, 3, 1500, 0, 7}, {-2, 4, 2900, 0, 11}},
		want: []float64{3, 5, 7, 11},
	}, {
		// ak_pwf values × N (2 particles): xhgt 500 -> 0.3 ×2 = 0.6; 1500 -> 0.2 ×2 = 0.4.
		name: "ak_pwf",
		spec: TransformSpec{Kind: KindVertical, Mode: ModeAKPWF, Levels: []float64{0, 1000, 2000}, Values: []float64{0.4, 0.2, 0.2}},
		rows: [][]float64{{-1, 1, 500, 0, 1}, {-2, 1, 500, 0, 1}, {-1, 2, 1500, 0, 1}},
		want: []float64{0.6, 0.6, 0.4},
	}, {
		// Pressure coordinate, unsorted levels (1000, 500, 800) with values
		// (1, 0, 0.5): sorted 500->0, 800->0.5, 1000->1. Row pressures 900 ->
		// 0.75, 400 -> 0 (clamped), 1100 -> 1 (clamped), 650 -> 0.25.
		name: "ak pressure sorting and clamping",
		spec: TransformSpec{Kind: KindVertical, Mode: ModeAK, Coordinate: CoordPres, Levels: []float64{1000, 500, 800}, Values: []float64{1, 0, 0.5}},
		rows: [][]float64{{-1, 1, 0, 900, 4}, {-1, 2, 0, 400, 4}, {-1, 3, 0, 1100, 4}, {-1, 4, 0, 650, 4}},
		want: []float64{3, 0, 4, 1},
	}, {
		// Release pressure: particle 1's first step (time −1) is at 900 hPa,
		// later rows at 700 hPa keep the release weight 0.75.
		name: "ak release pressure",
		spec: TransformSpec{Kind: KindVertical, Mode: ModeAK, Coordinate: CoordReleasePres, Levels: []float64{500, 1000}, Values: []float64{0, 1}},
		rows: [][]float64{{-2, 1, 0, 700, 1}, {-1, 1, 0, 900, 1}, {-1, 2, 0, 600, 1}},
		want: []float64{0.8, 0.8, 0.2},
	}, {
		// integration: value 0.1 × N = 3 -> 0.3.
		name: "integration",
		spec: TransformSpec{Kind: KindVertical, Mode: ModeIntegration, Levels: []float64{0, 1}, Values: []float64{0.1, 0.1}},
		rows: [][]float64{{-1, 1, 0, 0, 10}, {-1, 2, 0, 0, 10}, {-1, 3, 0, 0, 10}},
		want: []float64{3, 3, 3},
	}, {
		// tccon: interp at xhgt 500 between 0.2 and 0.4 = 0.3, × N = 1.
		name: "tccon",
		spec: TransformSpec{Kind: KindVertical, Mode: ModeTCCON, Levels: []float64{0, 1000}, Values: []float64{0.2, 0.4}},
		rows: [][]float64{{-1, 1, 500, 0, 10}},
		want: []float64{3},
	}, {
		name: "none",
		spec: TransformSpec{Kind: KindVertical, Mode: ModeNone},
		rows: [][]float64{{-1, 1, 500, 0, 10}},
		want: []float64{10},
	}, {
		name: "uniform",
		spec: TransformSpec{Kind: KindVertical, Mode: ModeUniform},
		rows: [][]float64{{-1, 1, 500, 0, 10}},
		want: []float64{10},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := table(t, names, c.rows)
			if err := ApplyTransforms(tab, []TransformSpec{c.spec}, nil, TransformEnv{}); err != nil {
				t.Fatal(err)
			}
			checkFoot(t, tab, c.want)
			// Idempotent: a second application gives the same result.
			if err := ApplyTransforms(tab, []TransformSpec{c.spec}, nil, TransformEnv{}); err != nil {
				t.Fatal(err)
			}
			checkFoot(t, tab, c.want)
		})
	}
}

func TestDecay(t *testing.T) {
	e := math.E
	cases := []struct {
		name string
		spec TransformSpec
		time []float64
		want []float64
	}{
		{"minutes", TransformSpec{Kind: KindDecay, LifetimeHours: 1}, []float64{0, -60, -120}, []float64{1, 1 / e, 1 / (e * e)}},
		{"hours column", TransformSpec{Kind: KindDecay, LifetimeHours: 2, TimeUnit: "h"}, []float64{0, -2, -4}, []float64{1, 1 / e, 1 / (e * e)}},
		{"seconds column", TransformSpec{Kind: KindDecay, LifetimeHours: 0.5, TimeUnit: "seconds"}, []float64{-1800, -3600}, []float64{1 / e, 1 / (e * e)}},
		// Forward ages decay as well (|age|).
		{"forward", TransformSpec{Kind: KindDecay, LifetimeHours: 1}, []float64{60}, []float64{1 / e}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows := make([][]float64, len(c.time))
			for i, tm := range c.time {
				rows[i] = []float64{tm, 1, 1}
			}
			tab := table(t, []string{"time", "indx", "foot"}, rows)
			for k := 0; k < 2; k++ { // twice: idempotent
				if err := ApplyTransforms(tab, []TransformSpec{c.spec}, nil, TransformEnv{}); err != nil {
					t.Fatal(err)
				}
				checkFoot(t, tab, c.want)
			}
		})
	}
	// The brief's form: foot × exp(time_min·60/lifetime_s) for backward time.
	tab := table(t, []string{"time", "indx", "foot"}, [][]float64{{-90, 1, 2}})
	if err := ApplyTransforms(tab, []TransformSpec{{Kind: KindDecay, LifetimeHours: 3}}, nil, TransformEnv{}); err != nil {
		t.Fatal(err)
	}
	checkFoot(t, tab, []float64{2 * math.Exp(-90*60/(3*3600.0))})
}

// TestChainIdempotent applies [vertical, decay] twice, and then a different
// list, which must start from the original foot again.
func TestChainIdempotent(t *testing.T) {
	rows := [][]float64{{-1, 1, 500, 1}, {-60, 1, 500, 1}, {-1, 2, 1500, 2}, {-120, 2, 1500, 2}}
	specs := []TransformSpec{
		{Kind: KindVertical, Mode: ModeAKPWF, Levels: []float64{0, 2000}, Values: []float64{0.5, 0.1}},
		{Kind: KindDecay, LifetimeHours: 1},
	}
	tab := table(t, []string{"time", "indx", "xhgt", "foot"}, rows)
	if err := ApplyTransforms(tab, specs, nil, TransformEnv{}); err != nil {
		t.Fatal(err)
	}
	// w(500) = 0.4 × N(2) = 0.8; w(1500) = 0.2 × 2 = 0.4.
	want := []float64{0.8 * math.Exp(-1.0/60), 0.8 * math.Exp(-1), 2 * 0.4 * math.Exp(-1.0/60), 2 * 0.4 * math.Exp(-2)}
	checkFoot(t, tab, want)
	if err := ApplyTransforms(tab, specs, nil, TransformEnv{}); err != nil {
		t.Fatal(err)
	}
	checkFoot(t, tab, want)
	if err := ApplyTransforms(tab, specs[1:], nil, TransformEnv{}); err != nil {
		t.Fatal(err)
	}
	checkFoot(t, tab, []float64{math.Exp(-1.0 / 60), math.Exp(-1), 2 * math.Exp(-1.0/60), 2 * math.Exp(-2)})
	if err := ApplyTransforms(tab, nil, nil, TransformEnv{}); err != nil {
		t.Fatal(err)
	}
	checkFoot(t, tab, []float64{1, 1, 2, 2})
}

// pressureObs returns an observation with a pressure-level profile.
func pressureObs(mode string, levels, ak, pwf []float64, psurf float64) *Observation {
	op := NewVerticalOperator()
	op.Mode, op.LevelCoord, op.Levels, op.AK, op.PWF, op.SurfacePressure = mode, LevelPressure, levels, ak, pwf, psurf
	return &Observation{ID: "o1", Sensor: "oco", Species: "xco2", Operator: op}
}

// TestProfileModes checks each mode with a per-observation profile against
// hand-computed values. Particles 1–3 are released at 900, 800, 700 hPa
// (first step, time −1) below a 1000 hPa surface: dp = 100 hPa each.
func TestProfileModes(t *testing.T) {
	names := []string{"time", "indx", "pres", "xhgt", "foot"}
	rows := [][]float64{
		{-1, 1, 900, 100, 1}, {-1, 2, 800, 1000, 1}, {-1, 3, 700, 2000, 1},
		{-30, 1, 650, 100, 1}, // a later row: weights keep the release pressure
	}
	levels := []float64{1000, 600} // descending on purpose
	ak := []float64{1.0, 0.6}      // AK(900)=0.9, AK(800)=0.8, AK(700)=0.7
	dry := 1000 * 100 / (Gravity * MolarDry)
	q := 0.01
	moist, _ := NewProfileColumn(990, []float64{1000, 100}, []float64{q, q})
	tcwv := 25.0
	cases := []struct {
		name string
		obs  *Observation
		env  TransformEnv
		want []float64
	}{
		{"ak", pressureObs(ModeAK, levels, ak, nil, math.NaN()), TransformEnv{}, []float64{0.9, 0.8, 0.7, 0.9}},
		// Dry air, no met: PWF_i = dp_i/psurf = 0.1, weight 0.1 × N(3) = 0.3.
		{"pwf dry", pressureObs(ModePWF, levels, nil, nil, 1000), TransformEnv{}, []float64{0.3, 0.3, 0.3, 0.3}},
		// Humid air (q = 0.01), OCO total with tcwv: PWF_i = (1−q)·100·100/(gM) / (dry − tcwv/0.018).
		{"pwf humid tcwv", func() *Observation {
			o := pressureObs(ModePWF, levels, nil, nil, 1000)
			o.Operator.TCWV = tcwv
			return o
		}(), TransformEnv{Met: moist}, func() []float64 {
			w := (1 - q) * 100 * 100 / (Gravity * MolarDry) / (dry - tcwv/MolarH2O) * 3
			return []float64{w, w, w, w}
		}()},
		// Surface pressure from the met when the retrieval has none: psurf
		// 990 -> dp_1 = 90; ideal-mode total integrates (1−q) over 0–990 hPa.
		{"pwf met psurf", pressureObs(ModePWF, levels, nil, nil, math.NaN()), TransformEnv{Met: moist}, func() []float64 {
			tot := (1 - q) * 990 * 100 / (Gravity * MolarDry)
			f := (1 - q) * 100 / (Gravity * MolarDry) * 3 / tot
			return []float64{90 * f, 100 * f, 100 * f, 90 * f}
		}()},
		// Ideal mode: no retrieval at all, psurf and q from the met.
		{"pwf ideal", nil, TransformEnv{Met: moist}, func() []float64 {
			tot := (1 - q) * 990 * 100 / (Gravity * MolarDry)
			f := (1 - q) * 100 / (Gravity * MolarDry) * 3 / tot
			return []float64{90 * f, 100 * f, 100 * f, 90 * f}
		}()},
		{"ak_pwf dry", pressureObs(ModeAKPWF, levels, ak, nil, 1000), TransformEnv{}, []float64{0.27, 0.24, 0.21, 0.27}},
		// Supplied layer weights pwf (0.2, 0.5, 0.3) at 1000, 800, 600 hPa:
		// trapezoid widths 100, 200, 100 -> densities 0.002, 0.0025, 0.003 per hPa;
		// at 900: 0.00225×100, 800: 0.0025×100, 700: 0.00275×100; ×3.
		{"pwf supplied", pressureObs(ModePWF, []float64{1000, 800, 600}, nil, []float64{0.2, 0.5, 0.3}, 1000), TransformEnv{},
			[]float64{0.675, 0.75, 0.825, 0.675}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := table(t, names, rows)
			spec := []TransformSpec{{Kind: KindVertical}} // mode from the observation
			if c.obs == nil {
				spec[0].Mode = ModePWF
			}
			for k := 0; k < 2; k++ {
				if err := ApplyTransforms(tab, spec, c.obs, c.env); err != nil {
					t.Fatal(err)
				}
				checkFoot(t, tab, c.want)
			}
		})
	}
}

// TestProfileIntegrationTCCON: integration operator as layer weights
// (int_op 0.1, 0.2, 0.3, 0.4 at 700, 800, 900, 1000 hPa; widths 50, 100,
// 100, 50 -> densities 0.002, 0.002, 0.003, 0.008). One particle at 950 hPa
// under a 1000 hPa surface: dp 50, density 0.0055 -> PWF 0.275; N = 1.
// TCCON adds AK(950) = 0.95 and sf_wet = 1/(1 + h/(1−h)) = 1 − h with
// h = 0.02 -> 0.98.
func TestProfileIntegrationTCCON(t *testing.T) {
	op := NewVerticalOperator()
	op.LevelCoord, op.SurfacePressure = LevelPressure, 1000
	op.Levels = []float64{700, 800, 900, 1000}
	op.IntOp = []float64{0.1, 0.2, 0.3, 0.4}
	op.AK = []float64{0.8, 0.85, 0.9, 1.0}
	op.H2OWet = []float64{0.02, 0.02, 0.02, 0.02}
	obs := &Observation{ID: "t", Operator: op}
	for _, c := range []struct {
		mode string
		want float64
	}{{ModeIntegration, 0.275}, {ModeTCCON, 0.275 * 0.95 * 0.98}} {
		tab := table(t, []string{"time", "indx", "pres", "foot"}, [][]float64{{-1, 1, 950, 1}})
		if err := ApplyTransforms(tab, []TransformSpec{{Kind: KindVertical, Mode: c.mode}}, obs, TransformEnv{}); err != nil {
			t.Fatal(err)
		}
		checkFoot(t, tab, []float64{c.want})
	}
}

// TestHeightProfile uses an AK on height levels with the xhgt column.
func TestHeightProfile(t *testing.T) {
	op := NewVerticalOperator()
	op.Mode, op.LevelCoord, op.Levels, op.AK = ModeAK, LevelHeight, []float64{0, 3000}, []float64{1.2, 0.6}
	tab := table(t, []string{"time", "indx", "xhgt", "foot"}, [][]float64{{-1, 1, 1500, 2}, {-1, 2, 3000, 1}})
	if err := ApplyTransforms(tab, []TransformSpec{{Kind: KindVertical}}, &Observation{Operator: op}, TransformEnv{}); err != nil {
		t.Fatal(err)
	}
	checkFoot(t, tab, []float64{1.8, 0.6})
}

// TestColumnEqualsWeightedLevels: a synthetic column released on K discrete
// pressure levels with m particles each. The weighted column footprint
// (Σ foot·w / N, the footprint's normalisation) must equal Σ_k AK_k·PWF_k·F_k
// where F_k is the per-level footprint (Σ foot over the level's particles /
// m) and PWF_k the level's dry-air share (1−q)·Δp_k/(g M)/total, computed
// here independently of the package.
func TestColumnEqualsWeightedLevels(t *testing.T) {
	const m = 3
	levelsP := []float64{950, 850, 700, 500} // release pressures, descending
	akProfile := []float64{1.0, 0.9, 0.75, 0.5}
	qProfile := []float64{0.012, 0.008, 0.004, 0.001}
	psurf := 1000.0
	met, _ := NewProfileColumn(psurf, levelsP, qProfile)
	var rows [][]float64
	indx := 0.0
	footOf := func(k, j, step int) float64 { return float64(1+k) * 0.01 * float64(1+j) / float64(step) }
	for k, p := range levelsP {
		for j := 0; j < m; j++ {
			indx++
			for step := 1; step <= 4; step++ {
				rows = append(rows, []float64{-float64(step), indx, p - float64(step-1), footOf(k, j, step)})
			}
		}
	}
	tab := table(t, []string{"time", "indx", "pres", "foot"}, rows)
	op := NewVerticalOperator()
	op.Mode, op.LevelCoord, op.Levels, op.AK, op.SurfacePressure = ModeAKPWF, LevelPressure, levelsP, akProfile, psurf
	if err := ApplyTransforms(tab, []TransformSpec{{Kind: KindVertical}}, &Observation{Operator: op}, TransformEnv{Met: met}); err != nil {
		t.Fatal(err)
	}
	got := 0.0
	for _, f := range tab.Col("foot") {
		got += f
	}
	got /= float64(len(levelsP) * m)

	// Independent expectation.
	total := 0.0 // ideal-mode total: 10-hPa bins, q interpolated linearly in p, clamped
	qAt := func(p float64) float64 {
		switch {
		case p >= 950:
			return qProfile[0]
		case p <= 500:
			return qProfile[3]
		}
		for k := 0; k < 3; k++ {
			hi, lo := levelsP[k], levelsP[k+1]
			if p <= hi && p >= lo {
				return qProfile[k+1] + (p-lo)/(hi-lo)*(qProfile[k]-qProfile[k+1])
			}
		}
		return math.NaN()
	}
	for top := 0.0; top < psurf; top += 10 {
		total += (1 - qAt(top+5)) * 10 * 100 / (9.8 * 0.029)
	}
	want := 0.0
	prev := psurf
	for k, p := range levelsP {
		pwf := (1 - qProfile[k]) * (prev - p) * 100 / (9.8 * 0.029) / total
		prev = p
		fk := 0.0
		for j := 0; j < m; j++ {
			for step := 1; step <= 4; step++ {
				fk += footOf(k, j, step)
			}
		}
		fk /= m
		want += akProfile[k] * pwf * fk
	}
	if !near(got, want, 1e-12) {
		t.Fatalf("column footprint %.15g, Σ AK·PWF·F_level = %.15g", got, want)
	}
}

func TestTransformErrors(t *testing.T) {
	tab := func() *particle.Table {
		return table(t, []string{"time", "indx", "foot"}, [][]float64{{-1, 1, 1}})
	}
	cases := []struct {
		name string
		spec TransformSpec
		obs  *Observation
		want string
	}{
		{"static needs xhgt", TransformSpec{Kind: KindVertical, Mode: ModeAK, Levels: []float64{0}, Values: []float64{1}}, nil, `no column "xhgt"`},
		{"no profile", TransformSpec{Kind: KindVertical, Mode: ModeAK}, &Observation{ID: "x"}, "per-observation profile"},
		{"no mode", TransformSpec{Kind: KindVertical}, nil, "no mode"},
		{"pwf needs pres", TransformSpec{Kind: KindVertical, Mode: ModePWF}, pressureObs("", []float64{1, 2}, nil, nil, 1000), `no column "pres"`},
		{"ak needs ak", TransformSpec{Kind: KindVertical, Mode: ModeAK}, pressureObs("", []float64{1, 2}, nil, nil, 1000), "averaging kernel"},
	}
	for _, c := range cases {
		err := ApplyTransforms(tab(), []TransformSpec{c.spec}, c.obs, TransformEnv{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want error containing %q", c.name, err, c.want)
		}
	}
	noFoot := table(t, []string{"time", "indx"}, [][]float64{{-1, 1}})
	if err := ApplyTransforms(noFoot, []TransformSpec{{Kind: KindDecay, LifetimeHours: 1}}, nil, TransformEnv{}); err == nil {
		t.Error("missing foot column accepted")
	}
	// PWF without any surface pressure.
	o := pressureObs(ModePWF, []float64{500, 1000}, nil, nil, math.NaN())
	pt := table(t, []string{"time", "indx", "pres", "foot"}, [][]float64{{-1, 1, 900, 1}})
	if err := ApplyTransforms(pt, []TransformSpec{{Kind: KindVertical}}, o, TransformEnv{}); err == nil || !strings.Contains(err.Error(), "surface pressure") {
		t.Errorf("pwf without psurf: %v", err)
	}
}

func TestParseTransforms(t *testing.T) {
	var doc struct {
		Transforms []map[string]any `toml:"transforms"`
	}
	src := `transforms = [
  {kind = "vertical", mode = "ak_pwf"},
  {kind = "vertical_operator", mode = "ak", levels = [0, 1500, 3000], values = [0.9, 1, 1.05]},
  {kind = "first_order_lifetime", lifetime_hours = 6},
  {kind = "decay", lifetime_hours = 2.5, time_unit = "h", time_column = "age"},
]`
	if _, err := toml.Decode(src, &doc); err != nil {
		t.Fatal(err)
	}
	specs, err := ParseTransforms(doc.Transforms)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 4 || specs[0].Kind != KindVertical || specs[0].Mode != ModeAKPWF || len(specs[0].Levels) != 0 {
		t.Errorf("spec 0 = %+v", specs[0])
	}
	if specs[1].Kind != KindVertical || specs[1].Levels[1] != 1500 || specs[1].Values[1] != 1 {
		t.Errorf("spec 1 = %+v", specs[1])
	}
	if specs[2].Kind != KindDecay || specs[2].LifetimeHours != 6 {
		t.Errorf("spec 2 = %+v", specs[2])
	}
	if specs[3].TimeUnit != "h" || specs[3].TimeColumn != "age" || specs[3].LifetimeHours != 2.5 {
		t.Errorf("spec 3 = %+v", specs[3])
	}

	bad := []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"mode": "ak"}, `transforms[0]: key "kind" is required`},
		{map[string]any{"kind": "smooth"}, `unknown transform "smooth"`},
		{map[string]any{"kind": "vertical", "mode": "akk"}, `key "mode": unknown vertical-operator mode "akk"`},
		{map[string]any{"kind": "vertical", "mode": "ak", "lifetime_hours": 1.0}, `unknown key "lifetime_hours" for kind "vertical"`},
		{map[string]any{"kind": "vertical", "mode": "ak", "levels": []any{0.0, 1.0}, "values": []any{1.0}}, `must be non-empty and of equal length`},
		{map[string]any{"kind": "vertical", "mode": "ak", "levels": []any{0.0, "x"}, "values": []any{1.0, 2.0}}, `key "levels": element 1`},
		{map[string]any{"kind": "vertical", "levels": []any{0.0}, "values": []any{1.0}}, `key "mode" is required`},
		{map[string]any{"kind": "vertical", "mode": "ak", "coordinate": "pres"}, `applies only to a static operator`},
		{map[string]any{"kind": "vertical", "mode": "ak", "release_pressure": "guess"}, `key "release_pressure": "guess"`},
		{map[string]any{"kind": "vertical", "mode": "ak", "levels": []any{1.0}, "values": []any{1.0}, "release_pressure": "fit"}, `applies only to per-observation`},
		{map[string]any{"kind": "decay"}, `key "lifetime_hours" is required`},
		{map[string]any{"kind": "decay", "lifetime_hours": int64(-1)}, `expected a finite value > 0`},
		{map[string]any{"kind": "decay", "lifetime_hours": "6"}, `key "lifetime_hours": expected a number`},
		{map[string]any{"kind": "decay", "lifetime_hours": 1.0, "time_unit": "fortnight"}, `unknown time unit`},
		{map[string]any{"kind": "decay", "lifetime_hours": 1.0, "lifetime": 2.0}, `unknown key "lifetime"`},
	}
	for _, b := range bad {
		_, err := ParseTransforms([]map[string]any{b.in})
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v: got %v, want error containing %q", b.in, err, b.want)
		}
	}
}

func TestParticleLayersTies(t *testing.T) {
	dp, err := ParticleLayers([]float64{800, 900, 900, 700}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	// 900 pair shares 100 hPa, 800 gets 100, 700 gets 100.
	want := []float64{100, 50, 50, 100}
	for i := range want {
		if !near(dp[i], want[i], 1e-12) {
			t.Fatalf("dp = %v, want %v", dp, want)
		}
	}
	if q := SpecificHumidityFromRH(0.5, 293.15, 1000); !near(q, 0.00727, 2e-3) {
		// e_s(20 °C) = 23.37 hPa; e = 11.69; w = 0.622·11.69/988.31 = 0.007356; q = 0.007302.
		t.Errorf("q from RH = %v", q)
	}
}

func TestCountParticles(t *testing.T) {
	// The reference is particle.Table.NumParticles (distinct indx).
	for _, c := range []struct{ indx []float64 }{
		{nil},
		{[]float64{1, 2, 2, 3, 1}},
		{[]float64{1, 1.5, 0, -2, 1.5, math.NaN(), 7e9, 7e9, 4194304, 4194305}},
	} {
		tab := table(t, []string{"indx"}, nil)
		for _, v := range c.indx {
			tab.AppendRow([]float64{v})
		}
		if got, ref := countParticles(c.indx), tab.NumParticles(); got != ref {
			t.Errorf("countParticles(%v) = %d, particle.NumParticles = %d", c.indx, got, ref)
		}
	}
}

// TestSurfaceFit builds first-step pressures from a known coefficient a and
// a 40 m surface mismatch, then checks the fit recovers a and that the AK is
// evaluated at psurf·exp(−a·xhgt).
func TestSurfaceFit(t *testing.T) {
	const a, psurf, zsfcObs, zsfcModel = 1.2e-4, 850.0, 1500.0, 1540.0
	var rows [][]float64
	xh := []float64{15, 1500, 2985}
	for i, x := range xh {
		zagl := x + 3 // turbulence after one minute
		p := psurf * math.Exp(-a*(zagl+zsfcModel-zsfcObs))
		rows = append(rows, []float64{-1, float64(i + 1), x, zagl, zsfcModel, p, 1})
		rows = append(rows, []float64{-2, float64(i + 1), x, zagl + 50, zsfcModel, p - 5, 1}) // later row, ignored
	}
	tab := table(t, []string{"time", "indx", "xhgt", "zagl", "zsfc", "pres", "foot"}, rows)
	op := NewVerticalOperator()
	op.Mode, op.LevelCoord, op.Levels, op.AK = ModeAK, LevelPressure, []float64{500, 900}, []float64{0, 1}
	op.SurfacePressure, op.SurfaceAltitude = psurf, zsfcObs
	spec := []TransformSpec{{Kind: KindVertical, ReleasePressure: ReleaseFit}}
	if err := ApplyTransforms(tab, spec, &Observation{Operator: op}, TransformEnv{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := strconv.ParseFloat(tab.Meta["stilt:surface_fit_a"], 64); !near(got, a, 1e-9) {
		t.Errorf("fitted a = %v, want %v", got, a)
	}
	var want []float64
	for _, x := range xh {
		w := (psurf*math.Exp(-a*x) - 500) / 400
		want = append(want, w, w)
	}
	checkFoot(t, tab, want)
	// Missing surface altitude is an error.
	op.SurfaceAltitude = math.NaN()
	if err := ApplyTransforms(tab, spec, &Observation{Operator: op}, TransformEnv{}); err == nil || !strings.Contains(err.Error(), "surface_altitude") {
		t.Errorf("fit without surface altitude: %v", err)
	}
}

// TestAprioriColumn: particles at 900 and 800 hPa with PWF 0.1 each, AK
// 0.9/0.8, a priori 410/405; retrieval levels 1000, 800, 500, 100 hPa (AK 1,
// 0.8, 0.5, 0.2; ap 410, 405, 400, 390; PWF 0.1, 0.3, 0.4, 0.2). Upper
// levels: 500 and 100 hPa (< 800). 100 keeps 0.2; 500 is reset to
// 1 − 0.2 − 0.2 = 0.6.
// Xap is summed term by term below.
func TestAprioriColumn(t *testing.T) {
	op := NewVerticalOperator()
	op.LevelCoord, op.SurfacePressure = LevelPressure, 1000
	op.Levels = []float64{1000, 800, 500, 100}
	op.AK = []float64{1, 0.8, 0.5, 0.2}
	op.Apriori = []float64{410, 405, 400, 390}
	op.PWF = []float64{0.1, 0.3, 0.4, 0.2}
	r := AprioriColumn(op, []float64{900, 800}, []float64{0.9, 0.8}, []float64{0.1, 0.1})
	// ap(900) = 407.5.
	want := (1-0.9)*0.1*407.5 + (1-0.8)*0.1*405 + (1-0.5)*0.6*400 + (1-0.2)*0.2*390
	if r.UpperLevels != 2 || !near(r.PWFUpper, 0.8, 1e-12) || !near(r.PWFParticles, 0.2, 1e-12) || !near(r.Xap, want, 1e-12) {
		t.Errorf("got %+v, want Xap %v, PWFUpper 0.8", r, want)
	}
}

// TestApplyRecordsApriori: ak_pwf with an a priori records the closure in
// the table metadata, particle and upper PWFs summing to 1.
func TestApplyRecordsApriori(t *testing.T) {
	obs, err := Load("testdata/oco2_obs.csv", "testdata/oco2_profiles.csv")
	if err != nil {
		t.Fatal(err)
	}
	tab := table(t, []string{"time", "indx", "pres", "foot"}, [][]float64{{-1, 1, 840, 1}, {-1, 2, 700, 1}})
	if err := ApplyTransforms(tab, []TransformSpec{{Kind: KindVertical}}, &obs[0], TransformEnv{}); err != nil {
		t.Fatal(err)
	}
	pp, _ := strconv.ParseFloat(tab.Meta["stilt:pwf_particles"], 64)
	pu, _ := strconv.ParseFloat(tab.Meta["stilt:pwf_upper"], 64)
	xap, _ := strconv.ParseFloat(tab.Meta["stilt:xap"], 64)
	if !near(pp+pu, 1, 1e-12) || tab.Meta["stilt:upper_levels"] != "4" || !(xap > 0) {
		t.Errorf("meta %v", tab.Meta)
	}
	// Re-applying another list drops the stale entries.
	if err := ApplyTransforms(tab, []TransformSpec{{Kind: KindDecay, LifetimeHours: 1}}, &obs[0], TransformEnv{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := tab.Meta["stilt:xap"]; ok {
		t.Errorf("stale metadata kept: %v", tab.Meta)
	}
}
