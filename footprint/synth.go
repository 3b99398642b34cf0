package footprint

import (
	"math/rand/v2"

	"github.com/stilt-mpi/stilt-mpi/particle"
)

// Synthetic returns a synthetic backward particle table for tests and
// benchmarks: n particles released at (lon0, lat0), one row per minute for
// steps minutes (time −1 … −steps), each doing a Gaussian random walk with
// per-minute standard deviation step (degrees), foot drawn uniformly in
// [0, 0.02) with about a third of the rows zero (particle above the mixed
// layer). Columns: indx, time, long, lati, zagl, foot. Deterministic for a
// given seed.
func Synthetic(n, steps int, lon0, lat0, step float64, seed uint64) *particle.Table {
	rng := rand.New(rand.NewPCG(seed, 0x5717))
	tab := &particle.Table{Meta: map[string]string{"source": "footprint.Synthetic"}}
	indx := make([]float64, 0, n*steps)
	tm := make([]float64, 0, n*steps)
	lon := make([]float64, 0, n*steps)
	lat := make([]float64, 0, n*steps)
	zagl := make([]float64, 0, n*steps)
	foot := make([]float64, 0, n*steps)
	x := make([]float64, n)
	y := make([]float64, n)
	z := make([]float64, n)
	for p := range x {
		x[p], y[p], z[p] = lon0, lat0, 5
	}
	// Rows ordered by time then particle, like PARTICLE_STILT.DAT.
	for s := 1; s <= steps; s++ {
		for p := 0; p < n; p++ {
			x[p] += rng.NormFloat64() * step
			y[p] += rng.NormFloat64() * step
			z[p] += rng.NormFloat64() * 30
			if z[p] < 1 {
				z[p] = 2 - z[p]
			}
			f := rng.Float64() * 0.02
			if rng.IntN(3) == 0 {
				f = 0
			}
			indx = append(indx, float64(p+1))
			tm = append(tm, -float64(s))
			lon = append(lon, x[p])
			lat = append(lat, y[p])
			zagl = append(zagl, z[p])
			foot = append(foot, f)
		}
	}
	for _, c := range []struct {
		name string
		v    []float64
	}{{"indx", indx}, {"time", tm}, {"long", lon}, {"lati", lat}, {"zagl", zagl}, {"foot", foot}} {
		if err := tab.SetCol(c.name, c.v); err != nil {
			panic(err) // lengths are equal by construction
		}
	}
	return tab
}
