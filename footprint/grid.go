package footprint

import (
	"time"
)

// Empty reasons (Grid.EmptyReason).
const (
	EmptyNoParticles   = "no_particles"
	EmptyOutsideDomain = "outside_domain"
)

// Grid is one footprint: the grid definition, the layer times, the cells
// and the normalisation count. Cells are held dense in Data with index
// (layer·NY + y)·NX + x; Sparse iterates the non-zero ones.
type Grid struct {
	// Domain as configured: lower-left edges and outer bounds in lon/lat
	// degrees, resolution in projection units.
	Xmin, Xmax, Ymin, Ymax float64
	Xres, Yres             float64
	Projection             string // PROJ string, "+proj=longlat" for lon/lat grids
	SmoothFactor           float64
	TimeIntegrate          bool
	ReceptorTime           time.Time

	// X and Y are the cell centres, ascending (degrees, or projection units
	// for projected grids; longitudes in [-180, 180) after antimeridian
	// unwrapping).
	X, Y []float64
	// Layers are the hour offsets from the receptor time of each layer
	// (floor(time/60); 0 when time-integrated) and Times their labels: the
	// start of the hour each layer covers (receptor time when integrated).
	Layers []int
	Times  []time.Time
	// N is the number of distinct particles the footprint is divided by.
	N int
	// EmptyReason is "" for a footprint with particles in the domain,
	// otherwise EmptyNoParticles or EmptyOutsideDomain (Data is all zero).
	EmptyReason string
	// Data holds the cells, ppm per (umol m-2 s-1).
	Data []float64
}

// NX, NY and NT are the numbers of columns, rows and layers.
func (g *Grid) NX() int { return len(g.X) }

// NY is the number of rows.
func (g *Grid) NY() int { return len(g.Y) }

// NT is the number of layers.
func (g *Grid) NT() int { return len(g.Times) }

// IsLonLat reports whether the grid is a lon/lat grid.
func (g *Grid) IsLonLat() bool { return isLonLat(g.Projection) }

// At returns the cell value of layer t, row y, column x.
func (g *Grid) At(t, y, x int) float64 { return g.Data[(t*len(g.Y)+y)*len(g.X)+x] }

// Layer returns the dense [y][x] slice of layer t (aliasing Data).
func (g *Grid) Layer(t int) []float64 {
	n := len(g.X) * len(g.Y)
	return g.Data[t*n : (t+1)*n]
}

// Sparse calls fn for every non-zero cell in (layer, y, x) order until fn
// returns false.
func (g *Grid) Sparse(fn func(t, y, x int, v float64) bool) {
	nx, ny := len(g.X), len(g.Y)
	for i, v := range g.Data {
		if v != 0 {
			x := i % nx
			y := (i / nx) % ny
			t := i / (nx * ny)
			if !fn(t, y, x, v) {
				return
			}
		}
	}
}

// NonZero returns the number of non-zero cells.
func (g *Grid) NonZero() int {
	n := 0
	for _, v := range g.Data {
		if v != 0 {
			n++
		}
	}
	return n
}

// Sum returns the sum over all cells and layers.
func (g *Grid) Sum() float64 {
	s := 0.0
	for _, v := range g.Data {
		s += v
	}
	return s
}

// Integrate returns a copy summed over layers, labelled with the receptor
// time (layer 0).
func (g *Grid) Integrate() *Grid {
	out := *g
	out.X = append([]float64(nil), g.X...)
	out.Y = append([]float64(nil), g.Y...)
	out.TimeIntegrate = true
	out.Layers = []int{0}
	out.Times = []time.Time{g.ReceptorTime}
	n := len(g.X) * len(g.Y)
	out.Data = make([]float64, n)
	for t := 0; t < g.NT(); t++ {
		l := g.Layer(t)
		for i, v := range l {
			out.Data[i] += v
		}
	}
	return &out
}
