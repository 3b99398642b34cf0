package observations

import (
	"math"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/particle"
)

// benchTable is a column release of np particles over nt one-minute steps.
func benchTable(np, nt int) *particle.Table {
	tab := particle.MustNew([]string{"time", "indx", "xhgt", "pres", "foot"}, np*nt)
	for s := 1; s <= nt; s++ {
		for i := 1; i <= np; i++ {
			x := (float64(i) - 0.5) * 3000 / float64(np)
			tab.AppendRow([]float64{-float64(s), float64(i), x, 1000*math.Exp(-x/8000) - float64(s)*0.01, 1e-3})
		}
	}
	return tab
}

// BenchmarkApplyTransforms: per-observation ak_pwf (computed PWF) then decay
// on 1000 particles × 600 steps (600 000 rows).
func BenchmarkApplyTransforms(b *testing.B) {
	tab := benchTable(1000, 600)
	op := NewVerticalOperator()
	op.Mode, op.LevelCoord, op.SurfacePressure, op.TCWV = ModeAKPWF, LevelPressure, 1000, 20
	for k := 0; k < 20; k++ {
		op.Levels = append(op.Levels, 1000-float64(k)*50)
		op.AK = append(op.AK, 1-float64(k)*0.02)
	}
	met, _ := NewProfileColumn(1000, []float64{1000, 500, 100}, []float64{0.01, 0.003, 0.00001})
	obs := &Observation{ID: "bench", Operator: op}
	specs := []TransformSpec{{Kind: KindVertical}, {Kind: KindDecay, LifetimeHours: 6}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := ApplyTransforms(tab, specs, obs, TransformEnv{Met: met}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tab.Len()), "rows/op")
}
