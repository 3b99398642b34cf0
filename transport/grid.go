package transport

import (
	"fmt"
	"math"
)

// Grid maps geographic positions to 1-based fractional grid indices of the
// met grid and gives the local size of one grid unit.
type Grid interface {
	// Dims returns NX, NY.
	Dims() (nx, ny int)
	// ToXY converts latitude, longitude (degrees) to grid x, y (1-based).
	ToXY(lat, lon float64) (x, y float64)
	// ToLatLon is the inverse of ToXY.
	ToLatLon(x, y float64) (lat, lon float64)
	// UnitMetres returns the length in metres of one grid unit at grid
	// position (x, y) in the x and y directions (winds are grid-relative).
	UnitMetres(x, y float64) (dx, dy float64)
}

const earthRadius = 6371.2e3 // m, as HYSPLIT's cmapf

// lambertGrid is a tangent Lambert conformal grid on a sphere (arl-format.md §7.3).
type lambertGrid struct {
	nx, ny       int
	n, f, lon0   float64 // cone constant, F, central meridian (rad)
	x0, y0       float64 // projected metres of the sync point
	syncX, syncY float64
	gridM        float64 // grid size in metres at the tangent latitude
}

func newLambertGrid(h *arlHeader) (*lambertGrid, error) {
	if h.Orient != 0 {
		return nil, fmt.Errorf("ARL grid: ORIENT=%g (rotated grids) not supported", h.Orient)
	}
	if h.GridSize <= 0 || h.TangLat == 0 || math.Abs(h.TangLat) == 90 {
		return nil, fmt.Errorf("ARL grid: GRID_SIZE=%g TANG_LAT=%g: only Lambert conformal grids are supported by the native engine", h.GridSize, h.TangLat)
	}
	phiT := h.TangLat * math.Pi / 180
	g := &lambertGrid{nx: h.NX, ny: h.NY, n: math.Sin(phiT), lon0: h.RefLon * math.Pi / 180,
		syncX: h.SyncX, syncY: h.SyncY, gridM: h.GridSize * 1000}
	g.f = math.Cos(phiT) * math.Pow(math.Tan(math.Pi/4+phiT/2), g.n) / g.n
	// spacing given at REF_LAT: divide by the map factor there.
	g.gridM /= g.mapFactor(h.RefLat * math.Pi / 180)
	g.x0, g.y0 = g.project(h.SyncLat, h.SyncLon)
	return g, nil
}

func (g *lambertGrid) Dims() (int, int) { return g.nx, g.ny }

func (g *lambertGrid) project(lat, lon float64) (float64, float64) {
	phi := lat * math.Pi / 180
	lam := lon*math.Pi/180 - g.lon0
	for lam > math.Pi {
		lam -= 2 * math.Pi
	}
	for lam < -math.Pi {
		lam += 2 * math.Pi
	}
	rho := earthRadius * g.f / math.Pow(math.Tan(math.Pi/4+phi/2), g.n)
	th := g.n * lam
	return rho * math.Sin(th), -rho * math.Cos(th)
}

func (g *lambertGrid) mapFactor(phi float64) float64 {
	rho := earthRadius * g.f / math.Pow(math.Tan(math.Pi/4+phi/2), g.n)
	return g.n * rho / (earthRadius * math.Cos(phi))
}

func (g *lambertGrid) ToXY(lat, lon float64) (float64, float64) {
	X, Y := g.project(lat, lon)
	return g.syncX + (X-g.x0)/g.gridM, g.syncY + (Y-g.y0)/g.gridM
}

func (g *lambertGrid) ToLatLon(x, y float64) (float64, float64) {
	X := g.x0 + (x-g.syncX)*g.gridM
	Y := g.y0 + (y-g.syncY)*g.gridM
	rho := math.Copysign(math.Hypot(X, Y), g.n)
	th := math.Atan2(X, -Y)
	if g.n < 0 {
		th = math.Atan2(-X, Y)
	}
	phi := 2*math.Atan(math.Pow(earthRadius*g.f/rho, 1/g.n)) - math.Pi/2
	lon := (g.lon0 + th/g.n) * 180 / math.Pi
	for lon > 180 {
		lon -= 360
	}
	for lon <= -180 {
		lon += 360
	}
	return phi * 180 / math.Pi, lon
}

// UnitMetres is gridM over the map factor m = n·ρ/(R·cos φ) at (x, y), in
// closed form from the projected radius ρ: with t = (R·F/ρ)^(1/n) =
// tan(π/4 + φ/2) (the inverse projection), cos φ = 2t/(1 + t²) and ρ(φ) = ρ,
// so one power replaces the inverse projection and the map factor's own
// power, tangent and cosine (this was a fifth of the engine's time per
// step); unitMetresViaLatLon is the long way, kept for the test.
func (g *lambertGrid) UnitMetres(x, y float64) (float64, float64) {
	X := g.x0 + (x-g.syncX)*g.gridM
	Y := g.y0 + (y-g.syncY)*g.gridM
	rho := math.Copysign(math.Hypot(X, Y), g.n)
	t := math.Pow(earthRadius*g.f/rho, 1/g.n)
	d := g.gridM * earthRadius * 2 * t / (g.n * rho * (1 + t*t))
	return d, d
}

func (g *lambertGrid) unitMetresViaLatLon(x, y float64) float64 {
	lat, _ := g.ToLatLon(x, y)
	return g.gridM / g.mapFactor(lat*math.Pi/180)
}

// FlatGrid is a Cartesian test grid: grid unit DX metres, x along
// longitude and y along latitude with a fixed number of metres per degree.
// It is used by analytic tests and synthetic met.
type FlatGrid struct {
	NX, NY       int
	DX           float64 // metres per grid unit
	Lat0, Lon0   float64 // position of grid point (1,1)
	MetresPerDeg float64 // metres per degree in both directions (0: 111 195)
}

func (g FlatGrid) mpd() float64 {
	if g.MetresPerDeg == 0 {
		return 111195
	}
	return g.MetresPerDeg
}
func (g FlatGrid) Dims() (int, int) { return g.NX, g.NY }
func (g FlatGrid) ToXY(lat, lon float64) (float64, float64) {
	return 1 + (lon-g.Lon0)*g.mpd()/g.DX, 1 + (lat-g.Lat0)*g.mpd()/g.DX
}
func (g FlatGrid) ToLatLon(x, y float64) (float64, float64) {
	return g.Lat0 + (y-1)*g.DX/g.mpd(), g.Lon0 + (x-1)*g.DX/g.mpd()
}
func (g FlatGrid) UnitMetres(x, y float64) (float64, float64) { return g.DX, g.DX }
