package transport

import (
	"fmt"
	"sort"
	"time"
)

// Frame is one met time remapped to the engine's internal levels, with the
// turbulence profiles already diagnosed (PRFCOM + STBANL + STBSND + STBHOR of
// HYSPLIT). Per-level arrays are indexed (j*NX+i)*NL+k with i, j 0-based.
type Frame struct {
	Time       time.Time
	NX, NY, NL int
	Zsfc       []float32 // terrain height (m MSL), per node
	ZI         []float32 // mixed-layer height (m AGL), per node
	U, V       []float32 // grid-relative wind (m/s)
	W          []float32 // vertical velocity in flat-terrain height units (m/s, positive up)
	Dens       []float32 // air density (kg/m3)
	DensDry    []float32 // dry-air density of the foot's column integral (kg/m3)
	DensOut    []float32 // dry-air density printed as dens (kg/m3)
	Pres       []float32 // pressure (hPa)
	SigW       []float32 // sigma_w (m/s)
	TL         []float32 // vertical Lagrangian time scale (s)
	SigU, SigV []float32 // horizontal turbulent velocity scales σ_u, σ_v (m/s)
}

// NewFrame allocates a frame.
func NewFrame(t time.Time, nx, ny, nl int) *Frame {
	n := nx * ny * nl
	f := &Frame{Time: t, NX: nx, NY: ny, NL: nl,
		Zsfc: make([]float32, nx*ny), ZI: make([]float32, nx*ny)}
	for _, p := range []*[]float32{&f.U, &f.V, &f.W, &f.Dens, &f.DensDry, &f.DensOut, &f.Pres, &f.SigW, &f.TL, &f.SigU, &f.SigV} {
		*p = make([]float32, n)
	}
	return f
}

// MetSource is what the engine needs from meteorology: a grid, the internal
// level heights over flat terrain (h_k, m), the model top, and frames in
// ascending time order at a constant interval.
type MetSource interface {
	Grid() Grid
	Levels() []float64
	ZTop() float64
	Frames() []*Frame
}

// StaticMet is a MetSource holding frames in memory.
type StaticMet struct {
	G   Grid
	H   []float64
	Top float64
	Frs []*Frame
}

func (m *StaticMet) Grid() Grid        { return m.G }
func (m *StaticMet) Levels() []float64 { return m.H }
func (m *StaticMet) ZTop() float64     { return m.Top }
func (m *StaticMet) Frames() []*Frame  { return m.Frs }

// InternalLevels returns HYSPLIT's internal level heights over flat terrain,
// h_k = 30k² − 25k + 5 (k = 1, 2, ...), below ztop.
func InternalLevels(ztop float64) []float64 {
	var h []float64
	for k := 1; ; k++ {
		z := 30*float64(k*k) - 25*float64(k) + 5
		if z >= ztop {
			break
		}
		h = append(h, z)
	}
	return h
}

// checkMet validates a MetSource before a run.
func checkMet(m MetSource) error {
	fr := m.Frames()
	if len(fr) < 2 {
		return fmt.Errorf("met: need at least 2 frames, have %d", len(fr))
	}
	nx, ny := m.Grid().Dims()
	nl := len(m.Levels())
	if nl < 3 {
		return fmt.Errorf("met: need at least 3 internal levels, have %d", nl)
	}
	if !sort.SliceIsSorted(fr, func(a, b int) bool { return fr[a].Time.Before(fr[b].Time) }) {
		return fmt.Errorf("met: frames not in time order")
	}
	dt := fr[1].Time.Sub(fr[0].Time)
	for i, f := range fr {
		if f.NX != nx || f.NY != ny || f.NL != nl {
			return fmt.Errorf("met: frame %d (%s): dimensions %dx%dx%d, want %dx%dx%d", i, f.Time, f.NX, f.NY, f.NL, nx, ny, nl)
		}
		if i > 0 && f.Time.Sub(fr[i-1].Time) != dt {
			return fmt.Errorf("met: frame %d (%s): interval %s differs from %s", i, f.Time, f.Time.Sub(fr[i-1].Time), dt)
		}
	}
	if dt <= 0 {
		return fmt.Errorf("met: non-positive frame interval %s", dt)
	}
	return nil
}
