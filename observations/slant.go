package observations

import "math"

// EarthRadius is the sphere radius of the slant geometry (PYSTILT), m.
const EarthRadius = 6371000.0

const deg = math.Pi / 180

// Destination returns the point reached from (lon, lat) by travelling dist
// metres along the great circle with initial bearing bearingDeg (clockwise
// from north) on a sphere of radius EarthRadius. Negative distances travel
// backwards. The longitude is wrapped to [-180, 180].
//
// PYSTILT uses the small-offset form Δlat = north/R, Δlon = east/(R cos lat);
// this is its exact spherical counterpart: the two agree to second order in
// dist/R, and this one stays finite at the poles and across the antimeridian.
func Destination(lon, lat, dist, bearingDeg float64) (float64, float64) {
	if dist == 0 {
		return WrapLon(lon), lat
	}
	phi1, lam1, th := lat*deg, lon*deg, bearingDeg*deg
	d := dist / EarthRadius
	sinPhi2 := math.Sin(phi1)*math.Cos(d) + math.Cos(phi1)*math.Sin(d)*math.Cos(th)
	sinPhi2 = math.Max(-1, math.Min(1, sinPhi2))
	phi2 := math.Asin(sinPhi2)
	y := math.Sin(th) * math.Sin(d) * math.Cos(phi1)
	x := math.Cos(d) - math.Sin(phi1)*sinPhi2
	lam2 := lam1 + math.Atan2(y, x)
	return WrapLon(lam2 / deg), phi2 / deg
}

// WrapLon maps a longitude to [-180, 180] (180 stays 180, -180 stays -180).
func WrapLon(lon float64) float64 {
	if lon >= -180 && lon <= 180 {
		return lon
	}
	l := math.Mod(lon+180, 360)
	if l < 0 {
		l += 360
	}
	return l - 180
}

// SlantOffsets returns the positions of the line-of-sight points at the given
// altitudes for an observation at (lon, lat): the horizontal distance of each
// point from the anchor is (z − anchor)·tan(zenith), along azimuthDeg
// (spec §1.4 step 4, with the cos(latitude) on longitude). zenithDeg must be
// in [0, 90).
func SlantOffsets(lon, lat, anchor, zenithDeg, azimuthDeg float64, alts []float64) (lons, lats []float64) {
	t := math.Tan(zenithDeg * deg)
	lons = make([]float64, len(alts))
	lats = make([]float64, len(alts))
	for i, z := range alts {
		lons[i], lats[i] = Destination(lon, lat, (z-anchor)*t, azimuthDeg)
	}
	return lons, lats
}
