package footprint

import (
	"fmt"
	"testing"
)

// BenchmarkCompute grids synthetic 24-hour random-walk tables (one row per
// particle-minute) on the 2.5° × 2° benchmark domain. The full matrix with
// peak memory is produced by bench/footprint (see bench/RESULTS-footprint.md).
func BenchmarkCompute(b *testing.B) {
	for _, c := range []struct {
		np        int
		res       float64
		integrate bool
	}{{200, 0.01, true}, {200, 0.01, false}, {200, 0.002, true}} {
		b.Run(fmt.Sprintf("np%d_res%g_integrate%v", c.np, c.res, c.integrate), func(b *testing.B) {
			tab := Synthetic(c.np, 1440, -112.5, 40.5, 0.005, 42)
			cfg := DefaultConfig()
			cfg.Xmin, cfg.Xmax, cfg.Ymin, cfg.Ymax = -113.75, -111.25, 39.5, 41.5
			cfg.Xres, cfg.Yres = c.res, c.res
			cfg.TimeIntegrate = c.integrate
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := Compute(tab, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
