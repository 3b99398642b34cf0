package receptor

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// FormatNumber formats x as PYSTILT formats coordinates in ids: a float with
// an integral value as an integer (5.0 → "5", -112.0 → "-112"), otherwise
// Python's repr (shortest round-trip; exponent form when the decimal exponent
// is < −4 or ≥ 16, e.g. "1e-05"). Negative zero becomes "0".
func FormatNumber(x float64) string {
	if x == 0 {
		return "0"
	}
	if !math.IsInf(x, 0) && !math.IsNaN(x) && x == math.Trunc(x) {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return pyRepr(x)
}

// pyRepr is Python's repr(float) without the ".0" suffix rule: shortest
// round-trip digits, fixed notation for 1e-4 ≤ |x| < 1e16, exponent
// notation otherwise.
func pyRepr(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	a := math.Abs(x)
	if x != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.FormatFloat(x, 'e', -1, 64)
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// PyFloatRepr returns Python's repr(float(x)) exactly, including the ".0"
// of integral values below 1e16 ("-112.0", "5.0", "1e+16", "1e-05").
func PyFloatRepr(x float64) string {
	s := pyRepr(x)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return s
	}
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// pyRound5 is Python's round(x, 5): the exact binary value rounded to 5
// decimals (ties to even), read back as a double.
func pyRound5(x float64) float64 {
	s := strconv.FormatFloat(x, 'f', 5, 64)
	v, _ := strconv.ParseFloat(s, 64)
	if v == 0 {
		// round keeps the sign of zero: round(-0.000001, 5) == -0.0.
		return math.Copysign(0, x)
	}
	return v
}

// pyIntString is Python's str(int(x)) for a finite float: truncation toward
// zero, printed exactly.
func pyIntString(x float64) string {
	t := math.Trunc(x)
	if t == 0 {
		return "0"
	}
	return strconv.FormatFloat(t, 'f', 0, 64)
}

// MultipointHashInput returns the canonical JSON string hashed for a
// multipoint location id: points sorted lexicographically by (lon, lat, alt),
// each as [round(lon,5), round(lat,5), int(alt)], compact separators.
func MultipointHashInput(lons, lats, alts []float64) string {
	type pt struct{ lon, lat, alt float64 }
	pts := make([]pt, len(lons))
	for i := range lons {
		pts[i] = pt{lons[i], lats[i], alts[i]}
	}
	sort.SliceStable(pts, func(i, j int) bool {
		a, b := pts[i], pts[j]
		if a.lon != b.lon {
			return a.lon < b.lon
		}
		if a.lat != b.lat {
			return a.lat < b.lat
		}
		return a.alt < b.alt
	})
	var b strings.Builder
	b.WriteByte('[')
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		b.WriteString(PyFloatRepr(pyRound5(p.lon)))
		b.WriteByte(',')
		b.WriteString(PyFloatRepr(pyRound5(p.lat)))
		b.WriteByte(',')
		b.WriteString(pyIntString(p.alt))
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return b.String()
}

// LocationID returns the receptor's location id: `{lon}_{lat}_{alt}` for a
// point, `{lon}_{lat}_X` for a column and `multi_{sha256[:10]}` for a
// multipoint receptor (receptors-and-met.md §2).
func (r *Receptor) LocationID() string {
	switch r.Kind {
	case Column:
		return FormatNumber(r.Lons[0]) + "_" + FormatNumber(r.Lats[0]) + "_X"
	case MultiPoint:
		sum := sha256.Sum256([]byte(MultipointHashInput(r.Lons, r.Lats, r.Heights)))
		return "multi_" + hex.EncodeToString(sum[:])[:10]
	default:
		return FormatNumber(r.Lons[0]) + "_" + FormatNumber(r.Lats[0]) + "_" + FormatNumber(r.Heights[0])
	}
}

// TimeStamp returns the receptor time as YYYYMMDDHHMM (UTC).
func (r *Receptor) TimeStamp() string { return r.Time.UTC().Format("200601021504") }

// ReceptorID returns `{YYYYMMDDHHMM}_{location_id}`.
func (r *Receptor) ReceptorID() string { return r.TimeStamp() + "_" + r.LocationID() }

var metKeyRE = regexp.MustCompile(`^[a-z0-9]+$`)

// ValidMetKey reports whether key can prefix a simulation id (lower-case
// alphanumeric, no underscores).
func ValidMetKey(key string) bool { return metKeyRE.MatchString(key) }

// SimIDPattern is the pattern every simulation id matches.
var SimIDPattern = regexp.MustCompile(`^[a-z0-9]+_\d{12}_.+$`)

// SimID returns `{met}_{YYYYMMDDHHMM}_{location_id}`. It returns an error
// when met is not a valid met key.
func (r *Receptor) SimID(met string) (string, error) {
	if !ValidMetKey(met) {
		return "", fmt.Errorf("met key %q: must be lower-case letters and digits only (it prefixes simulation ids)", met)
	}
	return met + "_" + r.ReceptorID(), nil
}

// AltitudeRef returns "msl" or "agl".
func (r *Receptor) AltitudeRef() string {
	if r.MSL {
		return "msl"
	}
	return "agl"
}
