package met

import (
	"math"
	"testing"
)

func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	p1, p2 := lat1*deg, lat2*deg
	dp, dl := p2-p1, (lon2-lon1)*deg
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * EarthRadius * math.Asin(math.Sqrt(a))
}

var testGrids = []struct {
	name string
	h    Header
}{
	{"hrrr-lambert", Header{PoleLat: 90, RefLat: 38.5, RefLon: -97.5, GridSize: 3, TangLat: 38.5, SyncX: 1, SyncY: 1,
		SyncLat: 40.1015, SyncLon: -112.91, NX: 59, NY: 41, NZ: 20}},
	{"lambert-reflat-differs", Header{PoleLat: 90, RefLat: 45, RefLon: -100, GridSize: 12, TangLat: 30, SyncX: 50, SyncY: 40,
		SyncLat: 35, SyncLon: -90, NX: 100, NY: 80, NZ: 5}},
	{"lambert-south", Header{PoleLat: -90, RefLat: -35, RefLon: 140, GridSize: 10, TangLat: -35, SyncX: 1, SyncY: 1,
		SyncLat: -40, SyncLon: 135, NX: 60, NY: 50, NZ: 5}},
	{"polar-north", Header{PoleLat: 90, RefLat: 60, RefLon: -105, GridSize: 40, TangLat: 90, SyncX: 1, SyncY: 1,
		SyncLat: 30, SyncLon: -130, NX: 80, NY: 60, NZ: 5}},
	{"polar-south", Header{PoleLat: -90, RefLat: -60, RefLon: 0, GridSize: 40, TangLat: -90, SyncX: 1, SyncY: 1,
		SyncLat: -50, SyncLon: 20, NX: 80, NY: 60, NZ: 5}},
	{"mercator", Header{PoleLat: 90, RefLat: 20, RefLon: -160, GridSize: 20, TangLat: 0, SyncX: 1, SyncY: 1,
		SyncLat: 10, SyncLon: -170, NX: 100, NY: 80, NZ: 5}},
	{"latlon-regional", Header{RefLat: 0.25, RefLon: 0.25, SyncLat: 20, SyncLon: -130, PoleLat: 55, PoleLon: -60, NX: 281, NY: 141, NZ: 5}},
	{"latlon-global", Header{RefLat: 1, RefLon: 1, SyncLat: -90, SyncLon: 0, PoleLat: 90, PoleLon: 359, NX: 360, NY: 181, NZ: 5}},
}

func TestGridRoundTrip(t *testing.T) {
	for _, tc := range testGrids {
		t.Run(tc.name, func(t *testing.T) {
			g, err := NewGrid(tc.h)
			if err != nil {
				t.Fatal(err)
			}
			// sync point maps to (SyncX, SyncY) (lat-lon grids: (1,1))
			x, y := g.LatLonToXY(tc.h.SyncLat, tc.h.SyncLon)
			wx, wy := tc.h.SyncX, tc.h.SyncY
			if g.Proj == LatLon {
				wx, wy = 1, 1
			}
			if math.Abs(x-wx) > 1e-9 || math.Abs(y-wy) > 1e-9 {
				t.Errorf("sync point at (%g,%g), want (%g,%g)", x, y, wx, wy)
			}
			for _, p := range [][2]float64{{1, 1}, {float64(g.NX), 1}, {1, float64(g.NY)}, {float64(g.NX), float64(g.NY)}, {17.3, 9.8}} {
				lat, lon := g.XYToLatLon(p[0], p[1])
				x, y := g.LatLonToXY(lat, lon)
				if math.Abs(x-p[0]) > 1e-6 || math.Abs(y-p[1]) > 1e-6 {
					t.Errorf("(%g,%g) → (%g,%g) → (%g,%g)", p[0], p[1], lat, lon, x, y)
				}
			}
		})
	}
}

// TestGridScale checks the map factor and cell size against great-circle
// distances between neighbouring grid points.
func TestGridScale(t *testing.T) {
	for _, tc := range testGrids {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := NewGrid(tc.h)
			for _, p := range [][2]float64{{10, 10}, {30, 20}, {5, 35}} {
				lat, lon := g.XYToLatLon(p[0], p[1])
				lat2, lon2 := g.XYToLatLon(p[0]+0.01, p[1])
				lat3, lon3 := g.XYToLatLon(p[0], p[1]+0.01)
				dx, dy := g.CellSize(lat)
				gx := haversine(lat, lon, lat2, lon2) / 0.01
				gy := haversine(lat, lon, lat3, lon3) / 0.01
				if math.Abs(gx-dx)/dx > 2e-3 || math.Abs(gy-dy)/dy > 2e-3 {
					t.Errorf("at (%g,%g) lat %.3f: cell size (%g,%g), great circle (%g,%g)", p[0], p[1], lat, dx, dy, gx, gy)
				}
			}
			// GRID_SIZE is the true spacing at REF_LAT.
			if g.Proj != LatLon {
				dx, _ := g.CellSize(tc.h.RefLat)
				if math.Abs(dx-tc.h.GridSize*1000) > 1e-6*dx {
					t.Errorf("cell size at REF_LAT %g, GRID_SIZE %g km", dx, tc.h.GridSize)
				}
			}
		})
	}
}

// TestWindRotation moves a short distance along a grid-relative wind and
// checks the earth-relative direction from the change in lat/lon.
func TestWindRotation(t *testing.T) {
	for _, tc := range testGrids {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := NewGrid(tc.h)
			for _, w := range [][2]float64{{1, 0}, {0, 1}, {3, -2}} {
				x, y := 20.0, 15.0
				lat, lon := g.XYToLatLon(x, y)
				e := 1e-4
				lat2, lon2 := g.XYToLatLon(x+e*w[0], y+e*w[1])
				dn := (lat2 - lat) * deg
				de := (lon2 - lon) * deg * math.Cos(lat*deg)
				ang := math.Atan2(de, dn) // direction of motion, clockwise from north
				ue, ve := g.ToEarth(w[0], w[1], lon)
				if g.Proj == LatLon {
					// winds on lat-lon grids are earth-relative already
					ue, ve = w[0]*math.Cos(lat*deg)*g.dlon/g.dlat, w[1]
				}
				want := math.Atan2(ue, ve)
				if d := math.Abs(wrapPi(ang - want)); d > 1e-4 {
					t.Errorf("wind %v at lon %.2f: motion bearing %.5f, rotated wind bearing %.5f", w, lon, ang, want)
				}
			}
		})
	}
}

func TestGridToGridInverse(t *testing.T) {
	g, _ := NewGrid(testGrids[0].h)
	ue, ve := g.ToEarth(3, -4, -112)
	u, v := g.ToGrid(ue, ve, -112)
	if math.Abs(u-3) > 1e-12 || math.Abs(v+4) > 1e-12 {
		t.Errorf("ToGrid(ToEarth) = (%g,%g)", u, v)
	}
}

func TestGridRejects(t *testing.T) {
	for _, h := range []Header{
		{NX: 0, NY: 5},
		{NX: 5, NY: 5, GridSize: 3, TangLat: 40, Orient: 10},
		{NX: 5, NY: 5, GridSize: 3, TangLat: 90, PoleLat: 60},
		{NX: 5, NY: 5, GridSize: 0, RefLat: 0, RefLon: 1},
	} {
		if _, err := NewGrid(h); err == nil {
			t.Errorf("%+v accepted", h)
		}
	}
}

func TestLatLonWrap(t *testing.T) {
	g, _ := NewGrid(testGrids[len(testGrids)-1].h) // global, lon 0..359
	if x, _ := g.LatLonToXY(0, -10); math.Abs(x-351) > 1e-9 {
		t.Errorf("global: lon -10 at x %g, want 351", x)
	}
	g, _ = NewGrid(Header{RefLat: 1, RefLon: 1, SyncLat: 0, SyncLon: 170, NX: 30, NY: 10})
	if x, _ := g.LatLonToXY(0, -175); math.Abs(x-16) > 1e-9 {
		t.Errorf("dateline: lon -175 at x %g, want 16", x)
	}
}

func TestFieldBilinear(t *testing.T) {
	nx, ny := 5, 4
	f := &Field{Nx: nx, Ny: ny, Data: make([]float32, nx*ny)}
	for j := 1; j <= ny; j++ {
		for i := 1; i <= nx; i++ {
			f.Data[(j-1)*nx+i-1] = float32(2*i + 3*j)
		}
	}
	cases := []struct{ x, y, want float64 }{
		{1, 1, 5}, {5, 4, 22}, {2.5, 3.25, 2*2.5 + 3*3.25}, {4.99, 1.01, 2*4.99 + 3*1.01},
		{0, 0, 5}, {9, 9, 22}, // clamped to the grid
	}
	for _, c := range cases {
		if got := f.Bilinear(c.x, c.y); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Bilinear(%g,%g) = %g, want %g", c.x, c.y, got, c.want)
		}
	}
}

func TestField3DAccess(t *testing.T) {
	f := &Field3D{Nx: 3, Ny: 2, Levels: []int{1, 2}, Data: []float32{1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60}}
	if f.At(1, 3, 2) != 60 || f.At(0, 2, 1) != 2 || f.Layer(1).At(1, 2) != 40 {
		t.Errorf("At/Layer: %g %g %g", f.At(1, 3, 2), f.At(0, 2, 1), f.Layer(1).At(1, 2))
	}
	if got := f.Bilinear(1, 1.5, 1.5); math.Abs(got-30) > 1e-9 { // mean of 10, 20, 40, 50
		t.Errorf("Bilinear %g, want 30", got)
	}
}
