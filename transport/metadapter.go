package transport

import (
	"fmt"

	"github.com/stilt-mpi/stilt-mpi/met"
)

// metGrid adapts met.Grid to the engine's Grid.
type metGrid struct{ g *met.Grid }

func (m metGrid) Dims() (int, int)                         { return m.g.NX, m.g.NY }
func (m metGrid) ToXY(lat, lon float64) (float64, float64) { return m.g.LatLonToXY(lat, lon) }
func (m metGrid) ToLatLon(x, y float64) (float64, float64) { return m.g.XYToLatLon(x, y) }
func (m metGrid) UnitMetres(x, y float64) (float64, float64) {
	lat, _ := m.g.XYToLatLon(x, y)
	return m.g.CellSize(lat)
}

// OpenMet reads ARL files with the project's met package and preprocesses
// every time onto the internal levels (the engine's default met path).
func OpenMet(files []string, p Params) (*StaticMet, error) {
	d, err := met.OpenDataset(files...)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return NewMetFromDataset(d, p)
}

// NewMetFromDataset preprocesses an open met.Dataset. Only sigma-coordinate
// files (KFLAG 1, as the HRRR files) are supported by the profile remap.
func NewMetFromDataset(d *met.Dataset, p Params) (*StaticMet, error) {
	v := d.Vertical()
	if v.KFlag != met.KFlagSigma {
		return nil, fmt.Errorf("met: vertical coordinate %s (KFLAG %d): the native engine remaps sigma (KFLAG 1) files only", v.Name(), v.KFlag)
	}
	g := d.Grid()
	hdr := &arlHeader{NX: g.NX, NY: g.NY, NZ: len(v.Levels), KFlag: v.KFlag, Levels: v.Levels, GridSize: g.Spacing() / 1000}
	h := InternalLevels(p.ZTop)
	m := &StaticMet{G: metGrid{g}, H: h, Top: p.ZTop}
	for _, t := range d.Times() {
		s, err := d.Snapshot(t, nil, nil)
		if err != nil {
			return nil, err
		}
		at := &arlTime{Time: t, Surface: map[string][]float32{}, Upper: map[string][][]float32{}}
		for name, f := range s.Surface {
			at.Surface[name] = f.Data
		}
		for name, f := range s.Upper {
			lv := make([][]float32, hdr.NZ-1)
			for slot, l := range f.Levels {
				if l >= 1 && l < hdr.NZ {
					lv[l-1] = f.Layer(slot).Data
				}
			}
			at.Upper[name] = lv
		}
		fr, err := prepFrame(at, hdr, h, p)
		if err != nil {
			return nil, fmt.Errorf("met time %s: %w", t.Format("2006-01-02 15:04"), err)
		}
		m.Frs = append(m.Frs, fr)
	}
	if err := checkMet(m); err != nil {
		return nil, err
	}
	return m, nil
}
