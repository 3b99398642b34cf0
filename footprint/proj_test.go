package footprint

import (
	"math"
	"testing"
)

// TestProjectionSnyder checks the forward projections against the worked
// numerical examples in Snyder, "Map Projections — A Working Manual"
// (USGS PP 1395, 1987), appendix A (ellipsoidal forms; results to 0.1 m).
func TestProjectionSnyder(t *testing.T) {
	const clrk66 = "+a=6378206.4 +es=0.00676866"
	for _, c := range []struct {
		name, proj string
		lon, lat   float64
		x, y       float64
	}{
		{"lcc 2SP (p. 296)", "+proj=lcc +lat_1=33 +lat_2=45 +lat_0=23 +lon_0=-96 " + clrk66, -75, 35, 1894410.9, 1564649.5},
		{"merc (p. 267)", "+proj=merc +lon_0=-180 " + clrk66, -75, 35, 11688673.7, 4139145.6},
		{"polar stere, lat_ts (p. 314)", "+proj=stere +lat_0=-90 +lat_ts=-71 +lon_0=-100 +a=6378388 +es=0.00672267", 150, -75, -1540033.6, -560526.4},
		{"tmerc (p. 269)", "+proj=tmerc +lat_0=0 +lon_0=-75 +k_0=0.9996 " + clrk66, -73.5, 40.5, 127106.5, 4484124.4},
		{"oblique stere (p. 313)", "+proj=stere +lat_0=40 +lon_0=-100 +k_0=0.9999 " + clrk66, -90, 30, 971630.8, -1063049.3},
	} {
		p, err := ParseProjection(c.proj)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		x, y := p.Forward(c.lon, c.lat)
		if math.Abs(x-c.x) > 0.1 || math.Abs(y-c.y) > 0.1 {
			t.Errorf("%s: (%.1f, %.1f), want (%.1f, %.1f)", c.name, x, y, c.x, c.y)
		}
	}
}

func TestProjectionProperties(t *testing.T) {
	// Spherical Mercator: y = R ln tan(π/4 + φ/2).
	p, _ := ParseProjection("+proj=merc +R=6371000")
	_, y := p.Forward(0, 45)
	if want := 6371000 * math.Log(math.Tan(math.Pi/4+math.Pi/8)); math.Abs(y-want) > 1e-6 {
		t.Errorf("spherical merc y %v, want %v", y, want)
	}
	// LCC: origin maps to (x_0, y_0); symmetric about lon_0; km units.
	p, _ = ParseProjection("+proj=lcc +lat_1=30 +lat_2=60 +lat_0=40 +lon_0=-97 +x_0=1000 +y_0=2000 +datum=WGS84")
	if x, y := p.Forward(-97, 40); math.Abs(x-1000) > 1e-6 || math.Abs(y-2000) > 1e-6 {
		t.Errorf("lcc origin (%v, %v)", x, y)
	}
	xa, ya := p.Forward(-90, 45)
	xb, yb := p.Forward(-104, 45)
	if math.Abs((xa-1000)+(xb-1000)) > 1e-6 || math.Abs(ya-yb) > 1e-6 {
		t.Errorf("lcc not symmetric: (%v,%v) (%v,%v)", xa, ya, xb, yb)
	}
	pk, _ := ParseProjection("+proj=lcc +lat_1=30 +lat_2=60 +lat_0=40 +lon_0=-97 +x_0=1000 +y_0=2000 +datum=WGS84 +units=km")
	if xk, _ := pk.Forward(-90, 45); math.Abs(xk*1000-xa) > 1e-6 {
		t.Errorf("km units %v vs %v m", xk, xa)
	}
	// North polar stereographic: pole at origin, lon_0 points down (-y).
	p, _ = ParseProjection("+proj=stere +lat_0=90 +lon_0=-45 +lat_ts=60 +datum=WGS84")
	if x, y := p.Forward(0, 90); math.Abs(x) > 1e-6 || math.Abs(y) > 1e-6 {
		t.Errorf("pole at (%v, %v)", x, y)
	}
	if x, y := p.Forward(-45, 70); math.Abs(x) > 1e-6 || y >= 0 {
		t.Errorf("lon_0 meridian at (%v, %v)", x, y)
	}
	// UTM zone 12 is tmerc with lon_0 = -111, k_0 = 0.9996, x_0 = 500 km.
	u, err := ParseProjection("+proj=utm +zone=12 +datum=WGS84")
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := ParseProjection("+proj=tmerc +lon_0=-111 +k_0=0.9996 +x_0=500000 +datum=WGS84")
	ux, uy := u.Forward(-112, 40.5)
	tx, ty := tm.Forward(-112, 40.5)
	if ux != tx || uy != ty || ux >= 500000 {
		t.Errorf("utm (%v, %v), tmerc (%v, %v)", ux, uy, tx, ty)
	}
	// On the central meridian y is the meridian arc: 10 001 965.729 m from
	// equator to pole on WGS84 (times k_0).
	if _, y := tm.Forward(-111, 90); math.Abs(y-0.9996*10001965.729) > 1e-3 {
		t.Errorf("quarter meridian %v", y/0.9996)
	}
	us, _ := ParseProjection("+proj=utm +zone=12 +south +datum=WGS84")
	if _, y := us.Forward(-111, -10); y <= 8e6 || y >= 1e7 {
		t.Errorf("southern utm y %v", y)
	}
	for _, bad := range []string{"+proj=utm +zone=61", "+proj=sterea +lat_0=40", "+proj=lcc +lat_1=x", "+proj=lcc +towgs84=0,0,0", "+lat_0=1", "+proj=merc +ellps=nope"} {
		if _, err := ParseProjection(bad); err == nil {
			t.Errorf("ParseProjection(%q) accepted", bad)
		}
	}
}
