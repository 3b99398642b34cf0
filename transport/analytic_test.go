package transport

import (
	"time"
)

// analyticMet is a test double: a MetSource built from closed-form fields on
// a flat Cartesian grid with zero terrain.
type analyticMet struct {
	nx, ny int
	dx     float64 // m per grid unit
	h      []float64
	ztop   float64
	hours  int
	t0     time.Time
	// fields as functions of grid x, y (1-based), level k and hour index
	wind func(x, y float64, k int) (u, v, w float64)
	sigw func(k int) float64
	tl   func(k int) float64
	dens func(k int) float64
	sigu float64 // σ_u = σ_v everywhere (m/s)
	zi   float64
}

func (a *analyticMet) build() *StaticMet {
	g := FlatGrid{NX: a.nx, NY: a.ny, DX: a.dx, Lat0: 40, Lon0: -112}
	m := &StaticMet{G: g, H: a.h, Top: a.ztop}
	nl := len(a.h)
	for it := 0; it <= a.hours; it++ {
		f := NewFrame(a.t0.Add(time.Duration(it)*time.Hour), a.nx, a.ny, nl)
		for j := 0; j < a.ny; j++ {
			for i := 0; i < a.nx; i++ {
				n := j*a.nx + i
				f.ZI[n] = float32(a.zi)
				for k := 0; k < nl; k++ {
					o := n*nl + k
					u, v, w := 0.0, 0.0, 0.0
					if a.wind != nil {
						u, v, w = a.wind(float64(i+1), float64(j+1), k)
					}
					f.U[o], f.V[o], f.W[o] = float32(u), float32(v), float32(w)
					d := 1.0
					if a.dens != nil {
						d = a.dens(k)
					}
					f.Dens[o], f.DensDry[o], f.DensOut[o], f.Pres[o] = float32(d), float32(d), float32(d), 1000
					f.SigW[o], f.TL[o] = 0.001, 100
					if a.sigw != nil {
						f.SigW[o] = float32(a.sigw(k))
					}
					if a.tl != nil {
						f.TL[o] = float32(a.tl(k))
					}
					f.SigU[o], f.SigV[o] = float32(a.sigu), float32(a.sigu)
				}
			}
		}
		m.Frs = append(m.Frs, f)
	}
	return m
}
