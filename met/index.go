package met

import (
	"fmt"
	"strings"
)

// IndexFixedLen is the length of the fixed part of the index record body.
const IndexFixedLen = 108

// Header is the fixed part of an ARL index record (grid and projection).
type Header struct {
	Source   string // data source, 4 characters (HRRR, GDAS, …)
	Forecast int    // forecast hour
	Minutes  int    // minutes after the label hour
	PoleLat  float64
	PoleLon  float64
	RefLat   float64
	RefLon   float64
	GridSize float64 // km; 0 means a regular latitude-longitude grid
	Orient   float64
	TangLat  float64
	SyncX    float64 // 1-based grid x of the sync point
	SyncY    float64
	SyncLat  float64
	SyncLon  float64
	Reserved float64
	NX, NY   int
	NZ       int // number of levels including the surface
	KFlag    int // vertical coordinate system (see Vertical)
	LenH     int // length of the index text (fixed + variable part)
}

// VarEntry is one variable of a level in the index: its name and the checksum
// of its record in this time period.
type VarEntry struct {
	Name     string
	Checksum int
}

// Level is one level block of the index.
type Level struct {
	Height float64 // meaning depends on KFlag (sigma, hPa, m, …)
	Vars   []VarEntry
}

// Index is a decoded index record: header plus per-level variable lists.
type Index struct {
	Header
	Levels []Level
}

// VarNames returns the variable names of level k, in record order.
func (ix *Index) VarNames(k int) []string {
	if k < 0 || k >= len(ix.Levels) {
		return nil
	}
	out := make([]string, len(ix.Levels[k].Vars))
	for i, v := range ix.Levels[k].Vars {
		out[i] = v.Name
	}
	return out
}

// NumDataRecords is the number of data records per time period.
func (ix *Index) NumDataRecords() int {
	n := 0
	for _, l := range ix.Levels {
		n += len(l.Vars)
	}
	return n
}

// ComputeLenH returns the index text length implied by the level blocks.
func (ix *Index) ComputeLenH() int {
	n := IndexFixedLen
	for _, l := range ix.Levels {
		n += 8 + 8*len(l.Vars)
	}
	return n
}

// NumIndexRecords returns how many records the index text occupies for the
// given record body length (NX·NY).
func NumIndexRecords(lenh, body int) int {
	if body <= 0 {
		return 1
	}
	return lenh/body + 1
}

// ParseHeader decodes the 108-character fixed part of an index body. The
// thousands of NX and NY from the label's grid id are added.
func ParseHeader(body []byte, thx, thy int) (Header, error) {
	var h Header
	if len(body) < IndexFixedLen {
		return h, fmt.Errorf("index: fixed part needs %d bytes, have %d", IndexFixedLen, len(body))
	}
	s := string(body[:IndexFixedLen])
	h.Source = s[0:4]
	var err error
	if h.Forecast, err = parseI(s[4:7]); err != nil {
		return h, fmt.Errorf("index: forecast hour %q: %w", s[4:7], err)
	}
	if h.Minutes, err = parseI(s[7:9]); err != nil {
		return h, fmt.Errorf("index: minutes %q: %w", s[7:9], err)
	}
	if h.Minutes < 0 || h.Minutes > 59 {
		return h, fmt.Errorf("index: minutes %d out of range", h.Minutes)
	}
	fs := []*float64{&h.PoleLat, &h.PoleLon, &h.RefLat, &h.RefLon, &h.GridSize, &h.Orient, &h.TangLat,
		&h.SyncX, &h.SyncY, &h.SyncLat, &h.SyncLon, &h.Reserved}
	names := []string{"POLE_LAT", "POLE_LON", "REF_LAT", "REF_LON", "GRID_SIZE", "ORIENT", "TANG_LAT",
		"SYNC_X", "SYNC_Y", "SYNC_LAT", "SYNC_LON", "reserved"}
	for k, p := range fs {
		f := s[9+7*k : 16+7*k]
		if *p, err = parseF(f); err != nil {
			return h, fmt.Errorf("index: %s field %q is not a number", names[k], f)
		}
	}
	// Longitudes above 180 are written as 0…360.
	for _, p := range []*float64{&h.PoleLon, &h.RefLon, &h.SyncLon} {
		if *p > 180 {
			*p -= 360
		}
	}
	ints := []*int{&h.NX, &h.NY, &h.NZ}
	for k, p := range ints {
		f := s[93+3*k : 96+3*k]
		if *p, err = parseI(f); err != nil {
			return h, fmt.Errorf("index: %s field %q is not an integer", []string{"NX", "NY", "NZ"}[k], f)
		}
	}
	h.NX += thx
	h.NY += thy
	if h.KFlag, err = parseI(s[102:104]); err != nil {
		return h, fmt.Errorf("index: KFLAG %q is not an integer", s[102:104])
	}
	if h.LenH, err = parseI(s[104:108]); err != nil {
		return h, fmt.Errorf("index: LENH %q is not an integer", s[104:108])
	}
	if h.NX <= 0 || h.NY <= 0 || h.NZ <= 0 || h.NX > 100000 || h.NY > 100000 || h.NZ > 200 {
		return h, fmt.Errorf("index: bad grid dimensions NX=%d NY=%d NZ=%d", h.NX, h.NY, h.NZ)
	}
	if h.LenH < IndexFixedLen {
		return h, fmt.Errorf("index: LENH %d shorter than the fixed part (%d)", h.LenH, IndexFixedLen)
	}
	return h, nil
}

// ParseIndex decodes an index body (the index text, at least LENH bytes,
// concatenated over the index records with their labels removed).
func ParseIndex(body []byte, thx, thy int) (*Index, error) {
	h, err := ParseHeader(body, thx, thy)
	if err != nil {
		return nil, err
	}
	if len(body) < h.LenH {
		return nil, fmt.Errorf("index: LENH is %d but only %d bytes of index text", h.LenH, len(body))
	}
	ix := &Index{Header: h, Levels: make([]Level, 0, h.NZ)}
	s := string(body[:h.LenH])
	pos := IndexFixedLen
	for k := 0; k < h.NZ; k++ {
		if pos+8 > len(s) {
			return nil, fmt.Errorf("index: level %d block starts at %d, beyond LENH %d", k, pos, h.LenH)
		}
		ht, err := parseF(s[pos : pos+6])
		if err != nil {
			return nil, fmt.Errorf("index: level %d height %q is not a number", k, s[pos:pos+6])
		}
		nv, err := parseI(s[pos+6 : pos+8])
		if err != nil || nv < 0 {
			return nil, fmt.Errorf("index: level %d variable count %q is not a count", k, s[pos+6:pos+8])
		}
		pos += 8
		if pos+8*nv > len(s) {
			return nil, fmt.Errorf("index: level %d lists %d variables, beyond LENH %d", k, nv, h.LenH)
		}
		lv := Level{Height: ht, Vars: make([]VarEntry, nv)}
		for v := 0; v < nv; v++ {
			e := s[pos : pos+8]
			cs, err := parseI(e[4:7])
			if err != nil {
				return nil, fmt.Errorf("index: level %d variable %q: checksum %q is not an integer", k, e[0:4], e[4:7])
			}
			lv.Vars[v] = VarEntry{Name: e[0:4], Checksum: cs}
			pos += 8
		}
		ix.Levels = append(ix.Levels, lv)
	}
	if pos != h.LenH {
		return nil, fmt.Errorf("index: level blocks end at %d but LENH is %d", pos, h.LenH)
	}
	return ix, nil
}

// Format encodes the index text (LENH bytes; LenH is recomputed).
func (ix *Index) Format() ([]byte, error) {
	h := ix.Header
	if len(ix.Levels) != h.NZ {
		return nil, fmt.Errorf("index: NZ is %d but %d level blocks", h.NZ, len(ix.Levels))
	}
	var b strings.Builder
	src := h.Source
	if len(src) < 4 {
		src += strings.Repeat(" ", 4-len(src))
	}
	fmt.Fprintf(&b, "%-4s%3d%2d", src[:4], h.Forecast, h.Minutes)
	for _, v := range []float64{h.PoleLat, h.PoleLon, h.RefLat, h.RefLon, h.GridSize, h.Orient, h.TangLat,
		h.SyncX, h.SyncY, h.SyncLat, h.SyncLon, h.Reserved} {
		f, err := fortranF(v, 7)
		if err != nil {
			return nil, fmt.Errorf("index header: %w", err)
		}
		b.WriteString(f)
	}
	if h.NX <= 0 || h.NY <= 0 || h.NX >= 27000 || h.NY >= 27000 || h.NZ <= 0 || h.NZ > 999 {
		return nil, fmt.Errorf("index: grid %dx%dx%d cannot be written", h.NX, h.NY, h.NZ)
	}
	fmt.Fprintf(&b, "%3d%3d%3d%2d%4d", h.NX%1000, h.NY%1000, h.NZ, h.KFlag, ix.ComputeLenH())
	for k, l := range ix.Levels {
		f, err := fortranF(l.Height, 6)
		if err != nil {
			return nil, fmt.Errorf("index level %d: %w", k, err)
		}
		if len(l.Vars) > 99 {
			return nil, fmt.Errorf("index level %d: %d variables (max 99)", k, len(l.Vars))
		}
		fmt.Fprintf(&b, "%s%2d", f, len(l.Vars))
		for _, v := range l.Vars {
			if len(v.Name) != 4 {
				return nil, fmt.Errorf("index level %d: variable name %q must have 4 characters", k, v.Name)
			}
			fmt.Fprintf(&b, "%s%3d ", v.Name, v.Checksum)
		}
	}
	if b.Len() != ix.ComputeLenH() {
		return nil, fmt.Errorf("index: encoded %d bytes, want %d", b.Len(), ix.ComputeLenH())
	}
	return []byte(b.String()), nil
}

// sameStructure reports whether two indexes describe the same grid and the
// same level / variable layout (checksums may differ).
func sameStructure(a, b *Index) error {
	ha, hb := a.Header, b.Header
	ha.Forecast, hb.Forecast = 0, 0
	ha.Minutes, hb.Minutes = 0, 0
	if ha != hb {
		return fmt.Errorf("grid header differs")
	}
	for k := range a.Levels {
		if a.Levels[k].Height != b.Levels[k].Height || len(a.Levels[k].Vars) != len(b.Levels[k].Vars) {
			return fmt.Errorf("level %d differs", k)
		}
		for v := range a.Levels[k].Vars {
			if a.Levels[k].Vars[v].Name != b.Levels[k].Vars[v].Name {
				return fmt.Errorf("level %d variable %d is %s, was %s", k, v, b.Levels[k].Vars[v].Name, a.Levels[k].Vars[v].Name)
			}
		}
	}
	return nil
}
