package met

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"
)

// CropSpec says what to keep of a file: a longitude/latitude box plus buffer
// (degrees), the lowest Levels levels counting the surface (0: all) and a
// time window [Start, End] (zero times: unbounded).
type CropSpec struct {
	XMin, XMax float64 // longitudes
	YMin, YMax float64 // latitudes
	Buffer     float64
	Levels     int
	Start, End time.Time
	// Cover selects every grid cell the box touches (floor/ceil over the
	// whole box outline). The default copies HYSPLIT's xtrct_grid: the
	// nearest grid points of the lower-left and upper-right corners.
	Cover bool
}

// SubGrid is a rectangle of 1-based grid indices, inclusive.
type SubGrid struct{ I0, I1, J0, J1 int }

// NX returns the number of columns.
func (s SubGrid) NX() int { return s.I1 - s.I0 + 1 }

// NY returns the number of rows.
func (s SubGrid) NY() int { return s.J1 - s.J0 + 1 }

// SubGrid returns the grid rectangle for the spec's box on g, clamped to the
// grid. It fails when the box misses the grid.
func (c CropSpec) SubGrid(g *Grid) (SubGrid, error) {
	lon0, lon1 := c.XMin-c.Buffer, c.XMax+c.Buffer
	lat0, lat1 := c.YMin-c.Buffer, c.YMax+c.Buffer
	if !(lon0 < lon1) || !(lat0 < lat1) || math.IsNaN(lon0+lon1+lat0+lat1) {
		return SubGrid{}, fmt.Errorf("crop: empty box lon %g…%g lat %g…%g", lon0, lon1, lat0, lat1)
	}
	var xa, xb, ya, yb float64
	if c.Cover {
		xa, ya = math.Inf(1), math.Inf(1)
		xb, yb = math.Inf(-1), math.Inf(-1)
		const n = 64
		for k := 0; k <= n; k++ {
			f := float64(k) / n
			for _, p := range [][2]float64{{lat0, lon0 + f*(lon1-lon0)}, {lat1, lon0 + f*(lon1-lon0)},
				{lat0 + f*(lat1-lat0), lon0}, {lat0 + f*(lat1-lat0), lon1}} {
				x, y := g.LatLonToXY(p[0], p[1])
				xa, xb = math.Min(xa, x), math.Max(xb, x)
				ya, yb = math.Min(ya, y), math.Max(yb, y)
			}
		}
		xa, ya, xb, yb = math.Floor(xa), math.Floor(ya), math.Ceil(xb), math.Ceil(yb)
	} else {
		xa, ya = g.LatLonToXY(lat0, lon0)
		xb, yb = g.LatLonToXY(lat1, lon1)
		xa, ya, xb, yb = math.Round(xa), math.Round(ya), math.Round(xb), math.Round(yb)
	}
	if xb < 1 || yb < 1 || xa > float64(g.NX) || ya > float64(g.NY) || xa > xb || ya > yb {
		return SubGrid{}, fmt.Errorf("crop: box lon %g…%g lat %g…%g lies outside the %dx%d grid", lon0, lon1, lat0, lat1, g.NX, g.NY)
	}
	s := SubGrid{I0: int(math.Max(xa, 1)), I1: int(math.Min(xb, float64(g.NX))), J0: int(math.Max(ya, 1)), J1: int(math.Min(yb, float64(g.NY)))}
	if s.NX() < 2 || s.NY() < 2 {
		return s, fmt.Errorf("crop: box lon %g…%g lat %g…%g keeps only %dx%d grid points", lon0, lon1, lat0, lat1, s.NX(), s.NY())
	}
	return s, nil
}

// CropHeader returns the header of the sub-grid s of h. Conformal grids keep
// the sync point's latitude and longitude and shift its grid position (exact);
// latitude-longitude grids move (1,1) and the last point.
func CropHeader(h Header, s SubGrid, nz int) Header {
	out := h
	out.NX, out.NY, out.NZ = s.NX(), s.NY(), nz
	if h.GridSize == 0 {
		out.SyncLat = h.SyncLat + float64(s.J0-1)*h.RefLat
		out.SyncLon = h.SyncLon + float64(s.I0-1)*h.RefLon
		out.PoleLat = h.SyncLat + float64(s.J1-1)*h.RefLat
		out.PoleLon = h.SyncLon + float64(s.I1-1)*h.RefLon
		out.SyncX, out.SyncY = 1, 1
		return out
	}
	out.SyncX = h.SyncX - float64(s.I0-1)
	out.SyncY = h.SyncY - float64(s.J0-1)
	return out
}

// CropResult reports what one cropped file holds.
type CropResult struct {
	In, Out string
	SubGrid SubGrid
	Levels  int
	Times   []time.Time
	Bytes   int64
	Skipped bool // no period inside the time window: nothing written
}

// CropFile writes the part of in selected by c to out (atomically).
func CropFile(in, out string, c CropSpec) (CropResult, error) {
	res := CropResult{In: in, Out: out}
	src, err := Open(in)
	if err != nil {
		return res, err
	}
	defer src.Close()
	sg, err := c.SubGrid(src.Grid())
	if err != nil {
		return res, fmt.Errorf("%s: %w", in, err)
	}
	res.SubGrid = sg
	nz := len(src.Index().Levels)
	if c.Levels < 0 {
		return res, fmt.Errorf("crop: levels %d must be ≥ 0 (0 keeps all)", c.Levels)
	}
	if c.Levels > 0 && c.Levels < nz {
		nz = c.Levels
	}
	res.Levels = nz
	for _, t := range src.Times() {
		if (!c.Start.IsZero() && t.Before(c.Start)) || (!c.End.IsZero() && t.After(c.End)) {
			continue
		}
		res.Times = append(res.Times, t)
	}
	if len(res.Times) == 0 {
		res.Skipped = true
		return res, nil
	}
	h := CropHeader(src.Header(), sg, nz)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return res, fmt.Errorf("crop: %w", err)
	}
	w, err := Create(out, h, src.Index().Levels[:nz])
	if err != nil {
		return res, err
	}
	fc := map[recKey]int{}
	w.Forecast = func(level int, name string) int { return fc[recKey{level, name}] }
	buf := make([]byte, src.lrec)
	sub := make([]float32, sg.NX()*sg.NY())
	for _, t := range res.Times {
		p, err := src.periodOf(t)
		if err != nil {
			w.Abort()
			return res, err
		}
		err = w.WritePeriod(t, func(level int, name string) ([]float32, error) {
			r := src.recPos[recKey{level, name}]
			lab, err := src.readRecord(p, r, buf)
			if err != nil {
				return nil, err
			}
			fc[recKey{level, name}] = lab.Forecast
			if err := UnpackRegion(buf[LabelLen:], src.idx.NX, src.idx.NY, lab.NExp, lab.Prec, lab.Var1, sg.I0, sg.I1, sg.J0, sg.J1, sub); err != nil {
				return nil, fmt.Errorf("%s: %s level %d at %s: %w", in, name, level, fmtT(t), err)
			}
			return sub, nil
		})
		if err != nil {
			w.Abort()
			return res, err
		}
	}
	if err := w.Close(); err != nil {
		return res, err
	}
	if st, err := os.Stat(out); err == nil {
		res.Bytes = st.Size()
	}
	return res, nil
}

// Crop crops every input into outDir/<basename>. Inputs without a period in
// the time window produce no file (Skipped).
func Crop(ins []string, outDir string, c CropSpec) ([]CropResult, error) {
	var out []CropResult
	seen := map[string]string{}
	for _, in := range ins {
		base := filepath.Base(in)
		if prev, dup := seen[base]; dup {
			return out, fmt.Errorf("crop: %s and %s share the basename %s", prev, in, base)
		}
		seen[base] = in
		r, err := CropFile(in, filepath.Join(outDir, base), c)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}
