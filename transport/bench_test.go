package transport

import (
	"context"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// BenchmarkNativeHRRR measures CPU per particle-hour on the HRRR test met
// (receptors A, D and J, 200 particles, one worker). Met is read once
// outside the timed loop.
func BenchmarkNativeHRRR(b *testing.B) {
	met := testenv.Shared(b, "met")
	p := DefaultParams()
	p.Workers = 1
	files := []string{met + "/20190530_00-05_hrrr", met + "/20190530_06-11_hrrr"}
	ms, err := NewARLMet(files, p)
	if err != nil {
		b.Fatal(err)
	}
	for _, rc := range []struct {
		name     string
		lat, lon float64
		t        time.Time
		hours    int
	}{
		{"A", 40.766, -111.848, time.Date(2019, 5, 30, 11, 0, 0, 0, time.UTC), -3},
		{"D", 40.5, -112.2, time.Date(2019, 5, 30, 5, 0, 0, 0, time.UTC), -5},
		// J: 10 m AGL at 02 UTC (evening), particles in a deep, turbulent
		// mixed layer for both hours: many dispersion sub-steps per minute
		{"J", 40.55, -111.95, time.Date(2019, 5, 30, 2, 0, 0, 0, time.UTC), -2},
	} {
		b.Run(rc.name, func(b *testing.B) {
			sim := Simulation{Receptor: receptor.Receptor{Kind: receptor.Point, Time: rc.t, Lons: []float64{rc.lon}, Lats: []float64{rc.lat}, Heights: []float64{5}},
				NHours: rc.hours, NumPar: 200, Seed: 1, Params: p}
			eng := &Native{Met: ms}
			b.ResetTimer()
			cpu0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				if _, err := eng.Run(context.Background(), sim); err != nil {
					b.Fatal(err)
				}
			}
			cpu := cpuSeconds() - cpu0
			ph := float64(b.N * sim.NumPar * -rc.hours)
			b.ReportMetric(1000*cpu/ph, "cpu-ms/particle-hour")
			b.ReportMetric(1000*b.Elapsed().Seconds()/ph, "wall-ms/particle-hour")
		})
	}
}
