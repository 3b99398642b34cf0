package met

import (
	"fmt"
	"math"
)

// EarthRadius is the sphere radius HYSPLIT's cmapf routines use (m).
const EarthRadius = 6371.2e3

// Projection identifies the map projection of an ARL grid.
type Projection int

const (
	LatLon      Projection = iota // regular latitude-longitude
	Lambert                       // Lambert conformal conic (tangent cone)
	PolarStereo                   // polar stereographic (north or south pole)
	Mercator                      // Mercator, true at REF_LAT
)

func (p Projection) String() string {
	switch p {
	case LatLon:
		return "latlon"
	case Lambert:
		return "lambert"
	case PolarStereo:
		return "polar-stereographic"
	case Mercator:
		return "mercator"
	}
	return fmt.Sprintf("projection(%d)", int(p))
}

// Grid maps between latitude/longitude (degrees) and 1-based grid
// coordinates. It is immutable and safe for concurrent use.
type Grid struct {
	Proj   Projection
	NX, NY int

	// conformal grids
	n, f    float64 // cone constant and Lambert F
	lon0    float64 // central meridian (rad)
	phiS    float64 // latitude of true scale for stereographic / Mercator (rad)
	south   bool    // south polar stereographic
	spacing float64 // metres on the projection plane per grid unit
	x0, y0  float64 // plane coordinates of the sync point
	syncX   float64
	syncY   float64

	// latitude-longitude grids
	lat1, lon1 float64 // position of grid point (1,1)
	dlat, dlon float64
	global     bool
}

const deg = math.Pi / 180

// NewGrid builds the grid of an index header (arl-format.md §7).
func NewGrid(h Header) (*Grid, error) {
	g := &Grid{NX: h.NX, NY: h.NY}
	if h.NX <= 0 || h.NY <= 0 {
		return nil, fmt.Errorf("grid: bad dimensions %dx%d", h.NX, h.NY)
	}
	if h.GridSize == 0 {
		g.Proj = LatLon
		g.lat1, g.lon1 = h.SyncLat, h.SyncLon
		g.dlat, g.dlon = h.RefLat, h.RefLon
		if g.dlat <= 0 || g.dlon <= 0 {
			return nil, fmt.Errorf("grid: latitude-longitude spacing %g x %g must be positive", h.RefLat, h.RefLon)
		}
		g.global = float64(h.NX)*g.dlon >= 359.999
		return g, nil
	}
	if h.GridSize < 0 {
		return nil, fmt.Errorf("grid: negative GRID_SIZE %g", h.GridSize)
	}
	if h.Orient != 0 {
		return nil, fmt.Errorf("grid: rotated grids (ORIENT=%g) are not supported", h.Orient)
	}
	g.lon0 = h.RefLon * deg
	g.syncX, g.syncY = h.SyncX, h.SyncY
	switch {
	case math.Abs(math.Abs(h.TangLat)-90) < 1e-9:
		if math.Abs(math.Abs(h.PoleLat)-90) > 1e-9 {
			return nil, fmt.Errorf("grid: oblique stereographic grids (POLE_LAT=%g) are not supported", h.PoleLat)
		}
		g.Proj = PolarStereo
		g.south = h.TangLat < 0
		g.phiS = h.RefLat * deg
		g.n = 1
	case h.TangLat == 0:
		g.Proj = Mercator
		g.phiS = h.RefLat * deg
		g.n = 0
	default:
		g.Proj = Lambert
		pt := h.TangLat * deg
		g.n = math.Sin(pt)
		g.f = math.Cos(pt) * math.Pow(math.Tan(math.Pi/4+pt/2), g.n) / g.n
	}
	// GRID_SIZE is the true spacing at REF_LAT: plane spacing = size · k(REF_LAT).
	g.spacing = h.GridSize * 1000 * g.mapFactorRad(h.RefLat*deg)
	if !(g.spacing > 0) || math.IsInf(g.spacing, 0) {
		return nil, fmt.Errorf("grid: degenerate spacing from GRID_SIZE %g at REF_LAT %g", h.GridSize, h.RefLat)
	}
	g.x0, g.y0 = g.project(h.SyncLat*deg, h.SyncLon*deg)
	if math.IsNaN(g.x0) || math.IsNaN(g.y0) || math.IsInf(g.x0, 0) || math.IsInf(g.y0, 0) {
		return nil, fmt.Errorf("grid: sync point (%g, %g) cannot be projected", h.SyncLat, h.SyncLon)
	}
	return g, nil
}

// wrapPi maps an angle to (-π, π].
func wrapPi(a float64) float64 {
	a = math.Mod(a+math.Pi, 2*math.Pi)
	if a <= 0 {
		a += 2 * math.Pi
	}
	return a - math.Pi
}

// project returns plane coordinates (m) of (φ, λ) in radians.
func (g *Grid) project(phi, lam float64) (X, Y float64) {
	R := EarthRadius
	switch g.Proj {
	case Lambert:
		rho := R * g.f / math.Pow(math.Tan(math.Pi/4+phi/2), g.n)
		th := g.n * wrapPi(lam-g.lon0)
		return rho * math.Sin(th), -rho * math.Cos(th)
	case PolarStereo:
		th := wrapPi(lam - g.lon0)
		if g.south {
			rho := R * (1 - math.Sin(g.phiS)) * math.Tan(math.Pi/4+phi/2)
			return rho * math.Sin(th), rho * math.Cos(th)
		}
		rho := R * (1 + math.Sin(g.phiS)) * math.Tan(math.Pi/4-phi/2)
		return rho * math.Sin(th), -rho * math.Cos(th)
	case Mercator:
		c := R * math.Cos(g.phiS)
		return c * wrapPi(lam-g.lon0), c * math.Log(math.Tan(math.Pi/4+phi/2))
	}
	return math.NaN(), math.NaN()
}

// unproject inverts project.
func (g *Grid) unproject(X, Y float64) (phi, lam float64) {
	R := EarthRadius
	switch g.Proj {
	case Lambert:
		s := 1.0
		if g.n < 0 {
			s = -1
		}
		rho := s * math.Hypot(X, Y)
		th := math.Atan2(s*X, -s*Y)
		if rho == 0 {
			return s * math.Pi / 2, g.lon0
		}
		phi = 2*math.Atan(math.Pow(R*g.f/rho, 1/g.n)) - math.Pi/2
		return phi, wrapPi(g.lon0 + th/g.n)
	case PolarStereo:
		rho := math.Hypot(X, Y)
		if g.south {
			th := math.Atan2(X, Y)
			phi = 2*math.Atan(rho/(R*(1-math.Sin(g.phiS)))) - math.Pi/2
			return phi, wrapPi(g.lon0 + th)
		}
		th := math.Atan2(X, -Y)
		phi = math.Pi/2 - 2*math.Atan(rho/(R*(1+math.Sin(g.phiS))))
		return phi, wrapPi(g.lon0 + th)
	case Mercator:
		c := R * math.Cos(g.phiS)
		return 2*math.Atan(math.Exp(Y/c)) - math.Pi/2, wrapPi(g.lon0 + X/c)
	}
	return math.NaN(), math.NaN()
}

// mapFactorRad is the map scale factor k at latitude φ (radians): plane
// distance over true distance.
func (g *Grid) mapFactorRad(phi float64) float64 {
	switch g.Proj {
	case Lambert:
		rho := EarthRadius * g.f / math.Pow(math.Tan(math.Pi/4+phi/2), g.n)
		return g.n * rho / (EarthRadius * math.Cos(phi))
	case PolarStereo:
		if g.south {
			return (1 - math.Sin(g.phiS)) / (1 - math.Sin(phi))
		}
		return (1 + math.Sin(g.phiS)) / (1 + math.Sin(phi))
	case Mercator:
		return math.Cos(g.phiS) / math.Cos(phi)
	}
	return 1
}

// MapFactor returns the map scale factor at latitude lat (degrees); 1 for
// latitude-longitude grids.
func (g *Grid) MapFactor(lat float64) float64 { return g.mapFactorRad(lat * deg) }

// LatLonToXY returns the 1-based grid coordinates of (lat, lon) in degrees.
func (g *Grid) LatLonToXY(lat, lon float64) (x, y float64) {
	if g.Proj == LatLon {
		var d float64
		if g.global {
			d = math.Mod(lon-g.lon1, 360)
			if d < 0 {
				d += 360
			}
		} else {
			// nearest representation to the grid centre
			c := g.lon1 + g.dlon*float64(g.NX-1)/2
			d = lon - g.lon1 - 360*math.Round((lon-c)/360)
		}
		return d/g.dlon + 1, (lat-g.lat1)/g.dlat + 1
	}
	X, Y := g.project(lat*deg, lon*deg)
	return g.syncX + (X-g.x0)/g.spacing, g.syncY + (Y-g.y0)/g.spacing
}

// XYToLatLon returns latitude and longitude (degrees, lon in [-180, 180]) of
// 1-based grid coordinates.
func (g *Grid) XYToLatLon(x, y float64) (lat, lon float64) {
	if g.Proj == LatLon {
		lon = g.lon1 + (x-1)*g.dlon
		lon = math.Mod(lon+180, 360)
		if lon < 0 {
			lon += 360
		}
		return g.lat1 + (y-1)*g.dlat, lon - 180
	}
	phi, lam := g.unproject(g.x0+(x-g.syncX)*g.spacing, g.y0+(y-g.syncY)*g.spacing)
	return phi / deg, lam / deg
}

// Inside reports whether 1-based grid coordinates lie within the grid
// (1 ≤ x ≤ NX, 1 ≤ y ≤ NY).
func (g *Grid) Inside(x, y float64) bool {
	return x >= 1 && y >= 1 && x <= float64(g.NX) && y <= float64(g.NY)
}

// CellSize returns the true (ground) size in metres of one grid unit in x and
// in y at latitude lat. Use it to convert winds in m/s to grid units per second.
func (g *Grid) CellSize(lat float64) (dx, dy float64) {
	if g.Proj == LatLon {
		return EarthRadius * math.Cos(lat*deg) * g.dlon * deg, EarthRadius * g.dlat * deg
	}
	d := g.spacing / g.MapFactor(lat)
	return d, d
}

// Spacing returns the projection-plane spacing in metres (conformal grids),
// equal to GRID_SIZE when REF_LAT is the latitude of true scale; for
// latitude-longitude grids it returns the latitude spacing in metres.
func (g *Grid) Spacing() float64 {
	if g.Proj == LatLon {
		return EarthRadius * g.dlat * deg
	}
	return g.spacing
}

// Convergence returns the angle (radians) from true north to the grid's +y
// direction at longitude lon (degrees), positive clockwise.
func (g *Grid) Convergence(lon float64) float64 {
	switch g.Proj {
	case Lambert:
		return g.n * wrapPi(lon*deg-g.lon0)
	case PolarStereo:
		if g.south {
			return -wrapPi(lon*deg - g.lon0)
		}
		return wrapPi(lon*deg - g.lon0)
	}
	return 0
}

// ToEarth rotates a grid-relative wind (u along +x, v along +y) at longitude
// lon into an earth-relative wind (u east, v north). Winds on
// latitude-longitude grids are already earth-relative.
func (g *Grid) ToEarth(u, v, lon float64) (ue, ve float64) {
	th := g.Convergence(lon)
	s, c := math.Sincos(th)
	return u*c + v*s, -u*s + v*c
}

// ToGrid is the inverse of ToEarth.
func (g *Grid) ToGrid(ue, ve, lon float64) (u, v float64) {
	th := g.Convergence(lon)
	s, c := math.Sincos(th)
	return ue*c - ve*s, ue*s + ve*c
}
