package observations

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// destinationECEF is an independent derivation of the destination point:
// rotate the unit position vector towards the local direction
// (east·sin θ + north·cos θ) by the angle d/R, then convert back.
func destinationECEF(lon, lat, dist, bearing float64) (float64, float64) {
	phi, lam, th := lat*deg, lon*deg, bearing*deg
	p := [3]float64{math.Cos(phi) * math.Cos(lam), math.Cos(phi) * math.Sin(lam), math.Sin(phi)}
	east := [3]float64{-math.Sin(lam), math.Cos(lam), 0}
	north := [3]float64{-math.Sin(phi) * math.Cos(lam), -math.Sin(phi) * math.Sin(lam), math.Cos(phi)}
	a := dist / EarthRadius
	var q [3]float64
	for i := range q {
		dir := east[i]*math.Sin(th) + north[i]*math.Cos(th)
		q[i] = p[i]*math.Cos(a) + dir*math.Sin(a)
	}
	return math.Atan2(q[1], q[0]) / deg, math.Atan2(q[2], math.Hypot(q[0], q[1])) / deg
}

func haversine(lon1, lat1, lon2, lat2 float64) float64 {
	dphi, dlam := (lat2-lat1)*deg, (lon2-lon1)*deg
	h := math.Sin(dphi/2)*math.Sin(dphi/2) + math.Cos(lat1*deg)*math.Cos(lat2*deg)*math.Sin(dlam/2)*math.Sin(dlam/2)
	return 2 * EarthRadius * math.Asin(math.Sqrt(h))
}

// lonDiff returns the difference of two longitudes in (-180, 180].
func lonDiff(a, b float64) float64 {
	d := math.Mod(a-b, 360)
	if d > 180 {
		d -= 360
	} else if d <= -180 {
		d += 360
	}
	return d
}

// TestSlantOffsetsSpherical checks the slant point positions for several
// zenith/azimuth angles, near the poles and across the antimeridian, against
// the ECEF rotation above, the haversine distance and longitude wrapping.
func TestSlantOffsetsSpherical(t *testing.T) {
	cases := []struct {
		name            string
		lon, lat        float64
		zenith, azimuth float64
		anchor          float64
		alts            []float64
	}{
		{"nadir", -111.85, 40.77, 0, 123, 0, []float64{0, 1000, 3000}},
		{"oco mid-lat", -111.85, 40.77, 30, 135, 0, []float64{0, 500, 3000, 10000}},
		{"steep east", 10, 0, 75, 90, 0, []float64{0, 5000, 25000}},
		{"below anchor", 2.35, 48.85, 45, 300, 1500, []float64{0, 1500, 3000}},
		{"near north pole over", 45, 89.95, 60, 0, 0, []float64{0, 10000, 25000}},
		{"near south pole", -170, -89.9, 50, 200, 0, []float64{0, 3000, 20000}},
		{"antimeridian east", 179.95, 10, 60, 80, 0, []float64{0, 3000, 20000}},
		{"antimeridian west", -179.98, -45, 70, 260, 0, []float64{0, 3000, 20000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lons, lats := SlantOffsets(c.lon, c.lat, c.anchor, c.zenith, c.azimuth, c.alts)
			for i, z := range c.alts {
				h := (z - c.anchor) * math.Tan(c.zenith*deg)
				if lons[i] < -180 || lons[i] > 180 || lats[i] < -90 || lats[i] > 90 {
					t.Fatalf("point %d at (%v, %v) out of range", i, lons[i], lats[i])
				}
				elon, elat := destinationECEF(c.lon, c.lat, h, c.azimuth)
				// 1e-9 degrees is about 0.1 mm.
				if math.Abs(lats[i]-elat) > 1e-9 || (math.Abs(lonDiff(lons[i], elon)) > 1e-9 && math.Abs(elat) < 89.999) {
					t.Errorf("z=%v: got (%.10f, %.10f), ECEF rotation (%.10f, %.10f)", z, lons[i], lats[i], elon, elat)
				}
				if d := haversine(c.lon, c.lat, lons[i], lats[i]); math.Abs(d-math.Abs(h)) > 1e-6*math.Max(1, math.Abs(h)) {
					t.Errorf("z=%v: great-circle distance %v, want |h| = %v", z, d, math.Abs(h))
				}
			}
		})
	}
	// Crossing the antimeridian eastward wraps to the western hemisphere.
	lon, _ := Destination(179.95, 0, 20000, 90)
	if !(lon < -179 && lon > -180) {
		t.Errorf("eastward across the antimeridian: lon %v, want about -179.87", lon)
	}
}

// TestSlantSmallOffsetMatchesPYSTILT: for small offsets the spherical
// formula agrees with PYSTILT's Δlat = north/R, Δlon = east/(R cos lat) —
// i.e. cos(lat) is on the longitude, unlike X-STILT's east/R.
func TestSlantSmallOffsetMatchesPYSTILT(t *testing.T) {
	lat, lon, zen, az := 60.0, 20.0, 40.0, 70.0
	z := 2000.0
	h := z * math.Tan(zen*deg)
	east, north := h*math.Sin(az*deg), h*math.Cos(az*deg)
	wantLat := lat + north/EarthRadius/deg
	wantLon := lon + east/(EarthRadius*math.Cos(lat*deg))/deg
	lons, lats := SlantOffsets(lon, lat, 0, zen, az, []float64{z})
	// Second-order terms: (h/R)² ≈ 8e-8 rad² -> well under 1e-5 degrees.
	if math.Abs(lats[0]-wantLat) > 1e-5 || math.Abs(lons[0]-wantLon) > 1e-5 {
		t.Errorf("got (%v, %v), small-offset (%v, %v)", lons[0], lats[0], wantLon, wantLat)
	}
	xstiltLon := lon + east/EarthRadius/deg // cos(lat) misplaced
	if math.Abs(lons[0]-xstiltLon) < 1e-3 {
		t.Errorf("longitude offset %v matches X-STILT's misplaced cos(lat)", lons[0]-lon)
	}
}

func TestWrapLon(t *testing.T) {
	for _, c := range [][2]float64{{0, 0}, {180, 180}, {-180, -180}, {181, -179}, {-181, 179}, {540, -180}, {359.5, -0.5}, {-725, -5}} {
		if got := WrapLon(c[0]); math.Abs(got-c[1]) > 1e-12 {
			t.Errorf("WrapLon(%v) = %v, want %v", c[0], got, c[1])
		}
	}
}

func slantObs() Observation {
	o := Observation{ID: "s1", Sensor: "oco2", Species: "xco2", Time: time.Date(2019, 5, 30, 20, 15, 0, 0, time.UTC),
		Lon: -111.85, Lat: 40.77, Altitude: math.NaN(), Value: math.NaN(), Uncertainty: math.NaN(), Viewing: NoViewing()}
	o.Viewing.ViewingZenith, o.Viewing.ViewingAzimuth = 30, 135
	o.Viewing.SolarZenith, o.Viewing.SolarAzimuth = 50, 240
	return o
}

func TestColumnSensorSlant(t *testing.T) {
	cs := NewColumnSensor("oco2")
	cs.Mode, cs.Bottom, cs.Top, cs.Step, cs.ModelTop = ColumnSlant, 0, 1000, 250, 800
	scene := NewScene("", []Observation{slantObs()})
	recs, err := cs.Receptors(scene)
	if err != nil {
		t.Fatal(err)
	}
	r := recs[0]
	if r.Kind != receptor.MultiPoint || r.Scene != "oco2-20190530201500" || r.MSL {
		t.Fatalf("receptor %+v", r)
	}
	// 0, 250, 500, 750 kept; 1000 clipped by the model top (800).
	want := []float64{0, 250, 500, 750}
	if len(r.Heights) != len(want) {
		t.Fatalf("heights %v, want %v", r.Heights, want)
	}
	for i, z := range want {
		if r.Heights[i] != z {
			t.Fatalf("heights %v, want %v", r.Heights, want)
		}
		d := haversine(-111.85, 40.77, r.Lons[i], r.Lats[i])
		if math.Abs(d-z*math.Tan(30*deg)) > 1e-6 {
			t.Errorf("point %d: distance %v, want %v", i, d, z*math.Tan(30*deg))
		}
	}
	// Bearing 135° (south-east): higher points lie further south and east.
	if !(r.Lats[3] < r.Lats[0] && r.Lons[3] > r.Lons[0]) {
		t.Errorf("points not south-east: %v %v", r.Lons, r.Lats)
	}

	// Solar path uses the solar angles.
	cs.Path = PathSolar
	recs, err = cs.Receptors(scene)
	if err != nil {
		t.Fatal(err)
	}
	if d := haversine(-111.85, 40.77, recs[0].Lons[2], recs[0].Lats[2]); math.Abs(d-500*math.Tan(50*deg)) > 1e-6 {
		t.Errorf("solar path distance %v", d)
	}

	// An explicit MSL line of sight, clipped at the surface altitude, anchored at 1500 m.
	o := slantObs()
	o.LineOfSight = &LineOfSight{MSL: true, Start: 1000, End: 4000, Count: 4, AnchorAltitude: 1500, SurfaceAltitude: 1400, MaxAltitude: math.NaN()}
	cs.Path, cs.ModelTop = PathViewing, 0
	recs, err = cs.Receptors(NewScene("", []Observation{o}))
	if err != nil {
		t.Fatal(err)
	}
	r = recs[0]
	if !r.MSL || len(r.Heights) != 3 || r.Heights[0] != 2000 {
		t.Fatalf("MSL LOS receptor: heights %v msl %v", r.Heights, r.MSL)
	}
	if d := haversine(-111.85, 40.77, r.Lons[0], r.Lats[0]); math.Abs(d-500*math.Tan(30*deg)) > 1e-6 {
		t.Errorf("anchored distance %v", d)
	}
}

func TestColumnSensorSlantErrors(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Observation, *ColumnSensor)
		want string
	}{
		{"zenith 90", func(o *Observation, c *ColumnSensor) { o.Viewing.ViewingZenith = 90 }, "outside [0, 90)"},
		{"no angles", func(o *Observation, c *ColumnSensor) { o.Viewing = NoViewing() }, "needs the viewing zenith"},
		{"all clipped", func(o *Observation, c *ColumnSensor) { c.ModelTop = 50 }, "distinct points"},
		{"bad path", func(o *Observation, c *ColumnSensor) { c.Path = "lunar" }, `path "lunar"`},
		{"bad step", func(o *Observation, c *ColumnSensor) { c.Step = 0 }, "height step"},
	}
	for _, c := range cases {
		o, cs := slantObs(), NewColumnSensor("oco2")
		cs.Mode = ColumnSlant
		c.mod(&o, &cs)
		_, err := cs.Receptors(NewScene("", []Observation{o}))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want error containing %q", c.name, err, c.want)
		}
	}
}
