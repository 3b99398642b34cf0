package batch

import (
	"fmt"

	"github.com/stilt-mpi/stilt-mpi/footprint"
	"github.com/stilt-mpi/stilt-mpi/netcdf"
)

// Scene is a scene file read back: the grid, per-receptor metadata and the
// footprints, foot[receptor][layer][y][x] flattened (one layer when time
// integrated).
type Scene struct {
	Path       string
	SimIDs     []string
	Status     []string
	Lons, Lats []float64
	X, Y       []float64
	Layers     []int // hours back; nil when time integrated
	Projection string
	LonLat     bool
	Foot       []float64
}

// NR, NL, NY, NX are the sizes of the foot array.
func (s *Scene) NR() int { return len(s.SimIDs) }
func (s *Scene) NL() int {
	if len(s.Layers) == 0 {
		return 1
	}
	return len(s.Layers)
}

// IsScene reports whether path is a scene file (has a receptor dimension).
func IsScene(path string) bool {
	f, err := netcdf.Open(path, false)
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.Dim("receptor")
	return err == nil
}

// ReadScene reads a file written by WriteScene.
func ReadScene(path string) (*Scene, error) {
	f, err := netcdf.Open(path, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &Scene{Path: path}
	dimLen := func(name string) (int, error) {
		d, err := f.Dim(name)
		if err != nil {
			return 0, err
		}
		return d.Len()
	}
	nr, err := dimLen("receptor")
	if err != nil {
		return nil, fmt.Errorf("%s: not a scene file: %w", path, err)
	}
	xname, yname := "lon", "lat"
	if _, err := f.Dim("lon"); err != nil {
		xname, yname = "x", "y"
	}
	s.LonLat = xname == "lon"
	nx, err := dimLen(xname)
	if err != nil {
		return nil, err
	}
	ny, err := dimLen(yname)
	if err != nil {
		return nil, err
	}
	get := func(name string, n int) ([]float64, error) {
		v, err := f.Var(name)
		if err != nil {
			return nil, err
		}
		out := make([]float64, n)
		return out, v.GetFloat64s([]int{0}, []int{n}, out)
	}
	if s.X, err = get(xname, nx); err != nil {
		return nil, err
	}
	if s.Y, err = get(yname, ny); err != nil {
		return nil, err
	}
	if s.Lons, err = get("receptor_lon", nr); err != nil {
		return nil, err
	}
	if s.Lats, err = get("receptor_lat", nr); err != nil {
		return nil, err
	}
	strs := func(name string) ([]string, error) {
		v, err := f.Var(name)
		if err != nil {
			return nil, err
		}
		return v.GetStrings(0, nr, 128)
	}
	if s.SimIDs, err = strs("sim_id"); err != nil {
		return nil, err
	}
	if s.Status, err = strs("status"); err != nil {
		return nil, err
	}
	if nl, err := dimLen("layer"); err == nil {
		v, err := f.Var("layer")
		if err != nil {
			return nil, err
		}
		l := make([]int32, nl)
		if err := v.GetInt32s([]int{0}, []int{nl}, l); err != nil {
			return nil, err
		}
		for _, x := range l {
			s.Layers = append(s.Layers, int(x))
		}
	}
	if p, err := f.Global().AttrText("projection"); err == nil {
		s.Projection = p
	}
	v, err := f.Var("foot")
	if err != nil {
		return nil, err
	}
	s.Foot = make([]float64, nr*s.NL()*ny*nx)
	start, count := []int{0, 0, 0}, []int{nr, ny, nx}
	if len(s.Layers) > 0 {
		start, count = []int{0, 0, 0, 0}, []int{nr, len(s.Layers), ny, nx}
	}
	if nr > 0 {
		if err := v.GetFloat64s(start, count, s.Foot); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Grid returns one receptor's footprint (receptor < 0: the sum over
// receptors) summed over layers (layer < 0) or one layer, as a single-layer
// footprint.Grid for plotting.
func (s *Scene) Grid(receptor, layer int) (*footprint.Grid, error) {
	nx, ny, nl := len(s.X), len(s.Y), s.NL()
	if receptor >= s.NR() {
		return nil, fmt.Errorf("%s: receptor %d: the scene has %d", s.Path, receptor, s.NR())
	}
	if layer >= nl {
		return nil, fmt.Errorf("%s: layer %d: the scene has %d", s.Path, layer, nl)
	}
	g := &footprint.Grid{X: s.X, Y: s.Y, Layers: []int{0}, Projection: s.Projection, Data: make([]float64, nx*ny)}
	if len(s.X) > 1 {
		g.Xres = s.X[1] - s.X[0]
	}
	if len(s.Y) > 1 {
		g.Yres = s.Y[1] - s.Y[0]
	}
	for r := 0; r < s.NR(); r++ {
		if receptor >= 0 && r != receptor {
			continue
		}
		for l := 0; l < nl; l++ {
			if layer >= 0 && l != layer {
				continue
			}
			off := (r*nl + l) * nx * ny
			for i := range g.Data {
				g.Data[i] += s.Foot[off+i]
			}
		}
	}
	return g, nil
}
