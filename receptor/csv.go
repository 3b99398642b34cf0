package receptor

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// RowError is a problem with one CSV line (or one receptor starting there).
type RowError struct {
	File  string
	Line  int    // 1-based line number in the file; 0 if not tied to a line
	Field string // column name after aliasing, or "" for the whole row
	Msg   string
}

func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Errors lists every problem found in a receptor file.
type Errors []*RowError

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// maxErrors bounds the CSV syntax errors collected before reading stops.
const maxErrors = 1000

// aliases maps lower-case CSV column names to canonical names (§3).
var aliases = map[string]string{
	"latitude":   "lati",
	"lat":        "lati",
	"lati":       "lati",
	"longitude":  "long",
	"lon":        "long",
	"long":       "long",
	"altitude":   "z",
	"zagl":       "z",
	"zmsl":       "z",
	"z":          "z",
	"height_ref": "altitude_ref",
}

// ReadFile reads a receptor CSV file (receptors-and-met.md §3), validates every
// receptor (§1) and rejects duplicate receptor ids. All problems are returned
// together as Errors. Scene ids come from the optional "scene" column.
func ReadFile(path string) ([]Receptor, error) { return ReadFileScene(path, "scene") }

// ReadFileScene is ReadFile taking scene ids from the named column
// (case-insensitive; absent column = no scenes).
func ReadFileScene(path, sceneColumn string) ([]Receptor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("receptors: %w", err)
	}
	defer f.Close()
	return ReadScene(f, path, sceneColumn)
}

type row struct {
	line  int
	t     time.Time
	lon   float64
	lat   float64
	z     float64
	msl   bool
	scene string
	ok    bool
}

// Read parses receptor CSV from r; name is used in error messages.
func Read(r io.Reader, name string) ([]Receptor, error) { return ReadScene(r, name, "scene") }

// ReadScene is Read taking scene ids from the named column.
func ReadScene(r io.Reader, name, sceneColumn string) ([]Receptor, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, Errors{{File: name, Line: 1, Msg: "empty file: expected a header with time, latitude, longitude, altitude"}}
	}
	if err != nil {
		return nil, Errors{{File: name, Msg: err.Error()}}
	}
	var errs Errors
	col := map[string]int{}
	var sawZmsl, sawZagl bool
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		canon := h
		if a, ok := aliases[h]; ok {
			canon = a
		}
		switch h {
		case "zmsl":
			sawZmsl = true
		case "zagl":
			sawZagl = true
		}
		if prev, dup := col[canon]; dup {
			errs = append(errs, &RowError{File: name, Line: 1, Field: canon,
				Msg: fmt.Sprintf("columns %d and %d both map to %q (aliases: lat/latitude→lati, lon/longitude→long, altitude/zagl/zmsl→z, height_ref→altitude_ref)", prev+1, i+1, canon)})
			continue
		}
		col[canon] = i
	}
	for _, req := range []string{"time", "lati", "long", "z"} {
		if _, ok := col[req]; !ok {
			errs = append(errs, &RowError{File: name, Line: 1, Field: req,
				Msg: "required column missing (need time, latitude|lat|lati, longitude|lon|long, altitude|zagl|zmsl|z)"})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	defaultMSL := false
	if _, ok := col["altitude_ref"]; !ok {
		defaultMSL = sawZmsl && !sawZagl
	}
	ridxCol, hasRidx := col["r_idx"]
	sceneCol, hasScene := col[strings.ToLower(sceneColumn)]
	refCol, hasRef := col["altitude_ref"]

	var rows []row
	var keys []string // r_idx per row ("" when no r_idx column)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && len(errs) < maxErrors {
				errs = append(errs, &RowError{File: name, Line: pe.Line, Msg: pe.Err.Error()})
				continue
			}
			errs = append(errs, &RowError{File: name, Msg: err.Error()})
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(header) {
			errs = append(errs, &RowError{File: name, Line: line,
				Msg: fmt.Sprintf("has %d fields, header has %d", len(rec), len(header))})
			continue
		}
		rw := row{line: line, msl: defaultMSL, ok: true}
		get := func(c string) string { return strings.TrimSpace(rec[col[c]]) }
		bad := func(field, msg string) {
			errs = append(errs, &RowError{File: name, Line: line, Field: field, Msg: msg})
			rw.ok = false
		}
		if t, err := ParseTime(get("time")); err != nil {
			bad("time", err.Error())
		} else {
			rw.t = t
		}
		num := func(field string, dst *float64) {
			s := get(field)
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				bad(field, fmt.Sprintf("%q is not a finite number", s))
				return
			}
			*dst = v
		}
		num("long", &rw.lon)
		num("lati", &rw.lat)
		num("z", &rw.z)
		if hasRef {
			switch strings.ToLower(strings.TrimSpace(rec[refCol])) {
			case "agl":
				rw.msl = false
			case "msl":
				rw.msl = true
			default:
				bad("altitude_ref", fmt.Sprintf("%q: must be agl or msl", rec[refCol]))
			}
		}
		if hasScene {
			rw.scene = strings.TrimSpace(rec[sceneCol])
		}
		key := ""
		if hasRidx {
			key = strings.TrimSpace(rec[ridxCol])
			if key == "" {
				bad("r_idx", "empty: every row needs a receptor index when the r_idx column is present")
			}
		}
		rows = append(rows, rw)
		keys = append(keys, key)
	}
	if len(rows) == 0 && len(errs) == 0 {
		errs = append(errs, &RowError{File: name, Line: 2, Msg: "no receptor rows"})
	}

	// Group rows by r_idx in first-appearance order.
	var order []string
	groups := map[string][]int{}
	for i, k := range keys {
		if !hasRidx {
			k = strconv.Itoa(i)
		}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	var out []Receptor
	for _, k := range order {
		idx := groups[k]
		first := rows[idx[0]]
		okAll := true
		for _, i := range idx {
			okAll = okAll && rows[i].ok
		}
		if !okAll {
			continue
		}
		var lons, lats, zs []float64
		for _, i := range idx {
			rw := rows[i]
			if rw.msl != first.msl {
				errs = append(errs, &RowError{File: name, Line: rw.line, Field: "altitude_ref",
					Msg: fmt.Sprintf("r_idx %s mixes agl and msl (line %d); all rows of a receptor share one altitude_ref", k, first.line)})
				okAll = false
			}
			if rw.scene != first.scene {
				errs = append(errs, &RowError{File: name, Line: rw.line, Field: "scene",
					Msg: fmt.Sprintf("r_idx %s has scene %q here but %q on line %d", k, rw.scene, first.scene, first.line)})
				okAll = false
			}
			lons = append(lons, rw.lon)
			lats = append(lats, rw.lat)
			zs = append(zs, rw.z)
		}
		if !okAll {
			continue
		}
		rec := FromPoints(first.t, lons, lats, zs, first.msl)
		rec.Scene = first.scene
		rec.Line = first.line
		if err := rec.Validate(); err != nil {
			errs = append(errs, &RowError{File: name, Line: first.line, Msg: err.Error()})
			continue
		}
		out = append(out, rec)
	}
	errs = append(errs, duplicateErrors(name, out)...)
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

func duplicateErrors(name string, rs []Receptor) Errors {
	var errs Errors
	seen := map[string]int{}
	for _, r := range rs {
		id := r.ReceptorID()
		if prev, ok := seen[id]; ok {
			errs = append(errs, &RowError{File: name, Line: r.Line,
				Msg: fmt.Sprintf("duplicate receptor id %s (same as the receptor on line %d): its simulations would collide", id, prev)})
			continue
		}
		seen[id] = r.Line
	}
	return errs
}

// FromPoints builds a receptor from release points (PYSTILT from_points):
// one point → Point; two points with identical lon and lat → Column (bottom,
// top sorted); anything else → MultiPoint in the given order.
func FromPoints(t time.Time, lons, lats, heights []float64, msl bool) Receptor {
	r := Receptor{Time: t.UTC(), MSL: msl}
	switch {
	case len(lons) == 1:
		r.Kind = Point
		r.Lons, r.Lats, r.Heights = []float64{lons[0]}, []float64{lats[0]}, []float64{heights[0]}
	case len(lons) == 2 && lons[0] == lons[1] && lats[0] == lats[1]:
		r.Kind = Column
		b, tp := heights[0], heights[1]
		if tp < b {
			b, tp = tp, b
		}
		r.Lons, r.Lats, r.Heights = []float64{lons[0], lons[0]}, []float64{lats[0], lats[0]}, []float64{b, tp}
	default:
		r.Kind = MultiPoint
		r.Lons = append([]float64(nil), lons...)
		r.Lats = append([]float64(nil), lats...)
		r.Heights = append([]float64(nil), heights...)
	}
	return r
}

// Validate checks the rules of receptors-and-met.md §1.
func (r *Receptor) Validate() error {
	n := len(r.Lons)
	if n == 0 || len(r.Lats) != n || len(r.Heights) != n {
		return fmt.Errorf("%s receptor: longitudes, latitudes and altitudes must be non-empty and of equal length (got %d, %d, %d)",
			r.Kind, len(r.Lons), len(r.Lats), len(r.Heights))
	}
	var problems []string
	for i := 0; i < n; i++ {
		if !(r.Lons[i] >= -180 && r.Lons[i] <= 180) {
			problems = append(problems, fmt.Sprintf("longitude %v outside [-180, 180]", r.Lons[i]))
		}
		if !(r.Lats[i] >= -90 && r.Lats[i] <= 90) {
			problems = append(problems, fmt.Sprintf("latitude %v outside [-90, 90]", r.Lats[i]))
		}
		if math.IsNaN(r.Heights[i]) || math.IsInf(r.Heights[i], 0) {
			problems = append(problems, fmt.Sprintf("altitude %v is not finite", r.Heights[i]))
		}
	}
	switch r.Kind {
	case Point:
		if n != 1 {
			problems = append(problems, fmt.Sprintf("point receptor has %d points", n))
		} else if !r.MSL && r.Heights[0] < 0 {
			problems = append(problems, fmt.Sprintf("AGL altitude %v must be >= 0", r.Heights[0]))
		}
	case Column:
		if n != 2 || r.Lons[0] != r.Lons[1] || r.Lats[0] != r.Lats[1] {
			problems = append(problems, "column receptor needs two points at one lon/lat")
		} else {
			if !r.MSL && r.Heights[0] < 0 {
				problems = append(problems, fmt.Sprintf("AGL column bottom %v must be >= 0", r.Heights[0]))
			}
			if !(r.Heights[0] < r.Heights[1]) {
				problems = append(problems, fmt.Sprintf("column bottom %v must be below top %v", r.Heights[0], r.Heights[1]))
			}
		}
	case MultiPoint:
		if !r.MSL {
			for _, h := range r.Heights {
				if h < 0 {
					problems = append(problems, fmt.Sprintf("AGL altitude %v must be >= 0", h))
					break
				}
			}
		}
	}
	if r.Time.IsZero() {
		problems = append(problems, "time missing")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s receptor: %s", r.Kind, strings.Join(problems, "; "))
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// tzSuffix returns a trailing zone designator of s: "Z", "±hh:mm" or
// "±hhmm", or "".
func tzSuffix(s string) string {
	if strings.HasSuffix(s, "Z") {
		return "Z"
	}
	for _, n := range []int{6, 5} {
		if len(s) < n {
			continue
		}
		m := s[len(s)-n:]
		if m[0] != '+' && m[0] != '-' {
			continue
		}
		d := m[1:]
		if n == 6 {
			if d[2] != ':' {
				continue
			}
			d = d[:2] + d[3:]
		}
		if allDigits(d) {
			return m
		}
	}
	return ""
}

// timeLayouts are the accepted general time forms (ISO 8601 variants).
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
	"2006/01/02 15:04:05",
	"2006/01/02 15:04",
}

// ParseTime parses a receptor time to naive UTC: a 12-digit YYYYMMDDHHMM,
// or an ISO-like date-time with optional fractional seconds and an optional
// zone suffix (Z, ±hh:mm, ±hhmm) that is converted to UTC. Numbers of other
// lengths and empty strings are rejected.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("missing time")
	}
	if len(s) == 12 && allDigits(s) {
		t, err := time.Parse("200601021504", s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: not a valid YYYYMMDDHHMM time", s)
		}
		return t, nil
	}
	loc := time.UTC
	body := s
	if m := tzSuffix(s); m != "" && len(s) > 10 {
		body = strings.TrimSpace(strings.TrimSuffix(s, m))
		if m != "Z" {
			sign := 1
			if m[0] == '-' {
				sign = -1
			}
			d := strings.ReplaceAll(m[1:], ":", "")
			hh, _ := strconv.Atoi(d[:2])
			mm, _ := strconv.Atoi(d[2:])
			loc = time.FixedZone(m, sign*(hh*3600+mm*60))
		}
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, body, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: not a time (use YYYYMMDDHHMM or YYYY-MM-DD HH:MM[:SS][Z|±hh:mm])", s)
}
