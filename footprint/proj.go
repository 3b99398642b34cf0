package footprint

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Projection is a forward map projection from geographic lon/lat degrees
// (on the projection's ellipsoid, no datum shift) to projected x, y.
// Implemented in Go for +proj=longlat, lcc, merc and stere (polar and
// oblique), with Snyder's ellipsoidal formulas (USGS PP 1395), and tmerc /
// utm with Krüger's series to sixth order in n (as PROJ's default tmerc).
type Projection struct {
	Name    string // proj name, e.g. "lcc"
	Source  string // the PROJ string
	forward func(lam, phi float64) (x, y float64)
	a, e    float64 // semi-major axis (m), eccentricity
	x0, y0  float64 // false easting/northing (m)
	toMeter float64
}

// Forward projects lon, lat (degrees) to x, y (projection units).
func (p Projection) Forward(lon, lat float64) (float64, float64) {
	if p.forward == nil {
		return lon, lat
	}
	x, y := p.forward(lon*math.Pi/180, lat*math.Pi/180)
	return (x + p.x0) / p.toMeter, (y + p.y0) / p.toMeter
}

// Bounds projects the corners (xmin, ymin) and (xmax, ymax) and returns
// the projected extent (§5: only the two corners are projected).
func (p Projection) Bounds(xmin, xmax, ymin, ymax float64) (float64, float64, float64, float64) {
	x1, y1 := p.Forward(xmin, ymin)
	x2, y2 := p.Forward(xmax, ymax)
	return math.Min(x1, x2), math.Max(x1, x2), math.Min(y1, y2), math.Max(y1, y2)
}

// ellipsoids known by +ellps: semi-major axis and inverse flattening (0:
// sphere).
var ellipsoids = map[string][2]float64{
	"WGS84":  {6378137, 298.257223563},
	"GRS80":  {6378137, 298.257222101},
	"clrk66": {6378206.4, 294.978698213898},
	"intl":   {6378388, 297},
	"sphere": {6370997, 0},
	"WGS72":  {6378135, 298.26},
	"bessel": {6377397.155, 299.1528128},
}

// ParseProjection parses a PROJ string such as
// "+proj=lcc +lat_1=33 +lat_2=45 +lat_0=40 +lon_0=-97 +datum=WGS84".
// Unknown projections and parameters that would change the result but are
// not implemented (e.g. +towgs84, +axis) are errors.
func ParseProjection(s string) (Projection, error) {
	kv := map[string]string{}
	for _, tok := range strings.Fields(s) {
		tok = strings.TrimPrefix(tok, "+")
		k, v, _ := strings.Cut(tok, "=")
		kv[k] = v
	}
	num := func(k string, def float64) (float64, error) {
		v, ok := kv[k]
		if !ok {
			return def, nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, fmt.Errorf("projection %q: +%s=%q is not a number", s, k, v)
		}
		return f, nil
	}
	p := Projection{Name: kv["proj"], Source: s, toMeter: 1}
	for k := range kv {
		switch k {
		case "proj", "lat_0", "lon_0", "lat_1", "lat_2", "lat_ts", "k_0", "k", "x_0", "y_0",
			"ellps", "datum", "a", "b", "rf", "f", "es", "R", "units", "to_meter", "no_defs", "type", "wktext", "zone", "south":
		default:
			return p, fmt.Errorf("projection %q: parameter +%s is not supported", s, k)
		}
	}
	// Ellipsoid: PROJ's default is GRS80.
	a, rf := ellipsoids["GRS80"][0], ellipsoids["GRS80"][1]
	if d, ok := kv["datum"]; ok {
		switch d {
		case "WGS84", "NAD83":
			a, rf = ellipsoids["WGS84"][0], ellipsoids["WGS84"][1]
			if d == "NAD83" {
				rf = ellipsoids["GRS80"][1]
			}
		case "NAD27":
			a, rf = ellipsoids["clrk66"][0], ellipsoids["clrk66"][1]
		default:
			return p, fmt.Errorf("projection %q: datum %q is not supported", s, d)
		}
	}
	if e, ok := kv["ellps"]; ok {
		v, known := ellipsoids[e]
		if !known {
			return p, fmt.Errorf("projection %q: ellipsoid %q is not supported", s, e)
		}
		a, rf = v[0], v[1]
	}
	es := 0.0
	if rf != 0 {
		f := 1 / rf
		es = 2*f - f*f
	}
	var err error
	if _, ok := kv["R"]; ok {
		if a, err = num("R", a); err != nil {
			return p, err
		}
		es = 0
	}
	if _, ok := kv["a"]; ok {
		if a, err = num("a", a); err != nil {
			return p, err
		}
	}
	if v, ok := kv["b"]; ok {
		b, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return p, fmt.Errorf("projection %q: +b=%q is not a number", s, v)
		}
		es = 1 - b*b/(a*a)
	}
	if v, ok := kv["rf"]; ok {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			return p, fmt.Errorf("projection %q: +rf=%q is not a positive number", s, v)
		}
		f := 1 / r
		es = 2*f - f*f
	}
	if _, ok := kv["es"]; ok {
		if es, err = num("es", es); err != nil {
			return p, err
		}
	}
	if !(a > 0) || es < 0 || es >= 1 {
		return p, fmt.Errorf("projection %q: bad ellipsoid (a = %v, e² = %v)", s, a, es)
	}
	p.a, p.e = a, math.Sqrt(es)
	if p.x0, err = num("x_0", 0); err != nil {
		return p, err
	}
	if p.y0, err = num("y_0", 0); err != nil {
		return p, err
	}
	switch kv["units"] {
	case "", "m":
	case "km":
		p.toMeter = 1000
	default:
		return p, fmt.Errorf("projection %q: units %q are not supported", s, kv["units"])
	}
	if _, ok := kv["to_meter"]; ok {
		if p.toMeter, err = num("to_meter", 1); err != nil || p.toMeter <= 0 {
			return p, fmt.Errorf("projection %q: bad +to_meter", s)
		}
	}
	deg := func(k string, def float64) (float64, error) {
		v, err := num(k, def)
		return v * math.Pi / 180, err
	}
	lat0, err := deg("lat_0", 0)
	if err != nil {
		return p, err
	}
	lon0, err := deg("lon_0", 0)
	if err != nil {
		return p, err
	}
	k0, err := num("k_0", 1)
	if err != nil {
		return p, err
	}
	if _, ok := kv["k"]; ok {
		if k0, err = num("k", 1); err != nil {
			return p, err
		}
	}
	e := p.e
	dlam := func(lam float64) float64 { return adjlon(lam - lon0) }
	switch p.Name {
	case "longlat", "latlong", "lonlat", "latlon":
		p.forward = nil
	case "merc":
		if v, ok := kv["lat_ts"]; ok {
			lts, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return p, fmt.Errorf("projection %q: +lat_ts=%q is not a number", s, v)
			}
			k0 = msfn(lts*math.Pi/180, e)
		}
		p.forward = func(lam, phi float64) (float64, float64) {
			return k0 * a * dlam(lam), -k0 * a * math.Log(tsfn(phi, e))
		}
	case "lcc":
		lat1, err := deg("lat_1", lat0*180/math.Pi)
		if err != nil {
			return p, err
		}
		lat2, err := deg("lat_2", lat1*180/math.Pi)
		if err != nil {
			return p, err
		}
		if math.Abs(lat1+lat2) < 1e-10 {
			return p, fmt.Errorf("projection %q: lat_1 = -lat_2", s)
		}
		m1, t1 := msfn(lat1, e), tsfn(lat1, e)
		n := math.Sin(lat1)
		if math.Abs(lat1-lat2) >= 1e-10 {
			n = math.Log(m1/msfn(lat2, e)) / math.Log(t1/tsfn(lat2, e))
		}
		F := m1 / (n * math.Pow(t1, n))
		rho := func(phi float64) float64 {
			if math.Abs(math.Abs(phi)-math.Pi/2) < 1e-10 {
				if phi*n <= 0 {
					return math.Inf(1)
				}
				return 0
			}
			return a * k0 * F * math.Pow(tsfn(phi, e), n)
		}
		rho0 := rho(lat0)
		p.forward = func(lam, phi float64) (float64, float64) {
			r := rho(phi)
			th := n * dlam(lam)
			return r * math.Sin(th), rho0 - r*math.Cos(th)
		}
	case "stere":
		latTs := math.NaN()
		if _, ok := kv["lat_ts"]; ok {
			if latTs, err = deg("lat_ts", 0); err != nil {
				return p, err
			}
		}
		if math.Abs(math.Abs(lat0)-math.Pi/2) < 1e-10 {
			south := lat0 < 0
			var scale float64 // rho = scale · t
			if !math.IsNaN(latTs) && math.Abs(math.Abs(latTs)-math.Pi/2) >= 1e-10 {
				phic := latTs
				if south {
					phic = -phic
				}
				scale = a * msfn(phic, e) / tsfn(phic, e)
			} else {
				scale = 2 * a * k0 / math.Sqrt(math.Pow(1+e, 1+e)*math.Pow(1-e, 1-e))
			}
			p.forward = func(lam, phi float64) (float64, float64) {
				dl := dlam(lam)
				if south {
					r := scale * tsfn(-phi, e)
					return r * math.Sin(dl), r * math.Cos(dl)
				}
				r := scale * tsfn(phi, e)
				return r * math.Sin(dl), -r * math.Cos(dl)
			}
		} else {
			chi1 := conformalLat(lat0, e)
			m1 := msfn(lat0, e)
			sc1, cc1 := math.Sin(chi1), math.Cos(chi1)
			p.forward = func(lam, phi float64) (float64, float64) {
				chi := conformalLat(phi, e)
				dl := dlam(lam)
				sc, cc := math.Sin(chi), math.Cos(chi)
				A := 2 * a * k0 * m1 / (cc1 * (1 + sc1*sc + cc1*cc*math.Cos(dl)))
				return A * cc * math.Sin(dl), A * (cc1*sc - sc1*cc*math.Cos(dl))
			}
		}
	case "tmerc", "utm":
		if p.Name == "utm" {
			zone, err := num("zone", math.NaN())
			if err != nil || math.IsNaN(zone) || zone < 1 || zone > 60 || zone != math.Trunc(zone) {
				return p, fmt.Errorf("projection %q: +proj=utm needs +zone=1…60", s)
			}
			lon0 = (-183 + 6*zone) * math.Pi / 180
			lat0, k0, p.x0, p.y0 = 0, 0.9996, 500000, 0
			if _, south := kv["south"]; south {
				p.y0 = 10000000
			}
		}
		fwd := kruger(a, es)
		_, ys := fwd(0, lat0)
		p.forward = func(lam, phi float64) (float64, float64) {
			x, y := fwd(dlam(lam), phi)
			return k0 * x, k0 * (y - ys)
		}
	case "":
		return p, fmt.Errorf("projection %q: no +proj", s)
	default:
		return p, fmt.Errorf("projection %q: +proj=%s is not implemented (longlat, lcc, merc, stere are)", s, p.Name)
	}
	return p, nil
}

// msfn is Snyder's m = cos φ / sqrt(1 − e² sin² φ).
func msfn(phi, e float64) float64 {
	s := math.Sin(phi)
	return math.Cos(phi) / math.Sqrt(1-e*e*s*s)
}

// tsfn is Snyder's t = tan(π/4 − φ/2) / ((1 − e sin φ)/(1 + e sin φ))^(e/2).
func tsfn(phi, e float64) float64 {
	s := math.Sin(phi)
	return math.Tan(math.Pi/4-phi/2) / math.Pow((1-e*s)/(1+e*s), e/2)
}

// conformalLat is Snyder's χ = 2 atan(tan(π/4 + φ/2)·((1 − e sin φ)/(1 + e sin φ))^(e/2)) − π/2.
func conformalLat(phi, e float64) float64 {
	s := math.Sin(phi)
	return 2*math.Atan(math.Tan(math.Pi/4+phi/2)*math.Pow((1-e*s)/(1+e*s), e/2)) - math.Pi/2
}

// adjlon wraps an angle to [−π, π].
func adjlon(l float64) float64 {
	for l > math.Pi {
		l -= 2 * math.Pi
	}
	for l < -math.Pi {
		l += 2 * math.Pi
	}
	return l
}

// kruger returns the transverse Mercator forward map (k0 = 1, no false
// origin) of the ellipsoid (a, e²) by Krüger's series in the third
// flattening n, to order n⁶ (Karney 2011, eqs. 9, 11, 35).
func kruger(a, es float64) func(dl, phi float64) (float64, float64) {
	f := 1 - math.Sqrt(1-es)
	n := f / (2 - f)
	n2 := n * n
	n3, n4, n5, n6 := n2*n, n2*n2, n2*n2*n, n2*n2*n2
	A := a / (1 + n) * (1 + n2/4 + n4/64 + n6/256)
	alpha := [6]float64{
		n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800,
		13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360,
		61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440,
		49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600,
		34729*n5/80640 - 3418889*n6/1995840,
		212378941 * n6 / 319334400,
	}
	e := math.Sqrt(es)
	return func(dl, phi float64) (float64, float64) {
		sp := math.Sin(phi)
		t := math.Sinh(math.Atanh(sp) - e*math.Atanh(e*sp))
		cl := math.Cos(dl)
		xi1 := math.Atan2(t, cl)
		eta1 := math.Asinh(math.Sin(dl) / math.Hypot(t, cl))
		xi, eta := xi1, eta1
		for j, al := range alpha {
			k := 2 * float64(j+1)
			xi += al * math.Sin(k*xi1) * math.Cosh(k*eta1)
			eta += al * math.Cos(k*xi1) * math.Sinh(k*eta1)
		}
		return A * eta, A * xi
	}
}
