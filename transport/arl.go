package transport

// A minimal reader of NOAA ARL packed meteorology for NewARLMet and the
// diagnostics: index header, projection, per-time surface and upper-level
// fields; records are decoded by met.Unpack (the engine's default path,
// OpenMet, reads through the met package).

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/stilt-mpi/stilt-mpi/met"
)

// arlHeader is the fixed part of an ARL index record.
type arlHeader struct {
	Source                           string
	PoleLat, PoleLon, RefLat, RefLon float64
	GridSize, Orient, TangLat        float64
	SyncX, SyncY, SyncLat, SyncLon   float64
	NX, NY, NZ, KFlag, LenH          int
	Levels                           []float64 // level heights (sigma for KFLAG 1), index 0 = surface
	Vars                             [][]string
}

// arlTime is one valid time of an ARL file: surface and level fields.
type arlTime struct {
	Time    time.Time
	Surface map[string][]float32   // name -> NX*NY
	Upper   map[string][][]float32 // name -> level (1..NZ-1, stored 0-based) -> NX*NY
}

type arlFile struct {
	Path   string
	Header arlHeader
	Times  []arlTime
}

func atofField(s string, what string, path string, rec int) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("%s: record %d: field %s %q: expected a number: %w", path, rec, what, s, err)
	}
	return v, nil
}

func atoiField(s string, what string, path string, rec int) (int, error) {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%s: record %d: field %s %q: expected an integer: %w", path, rec, what, s, err)
	}
	return v, nil
}

// readARL decodes a whole ARL file.
func readARL(path string) (*arlFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read ARL file: %w", err)
	}
	if len(data) < 50+108 {
		return nil, fmt.Errorf("%s: file of %d bytes is too short for an ARL index record", path, len(data))
	}
	h, err := parseIndexHeader(data[50:], path, 0)
	if err != nil {
		return nil, err
	}
	lrec := 50 + h.NX*h.NY
	if len(data)%lrec != 0 {
		return nil, fmt.Errorf("%s: size %d is not a multiple of the record length %d (NX=%d NY=%d)", path, len(data), lrec, h.NX, h.NY)
	}
	f := &arlFile{Path: path, Header: *h}
	nrec := len(data) / lrec
	var cur *arlTime
	for r := 0; r < nrec; r++ {
		rec := data[r*lrec : (r+1)*lrec]
		lab := string(rec[:50])
		vname := lab[14:18]
		yy, err := atoiField(lab[0:2], "year", path, r)
		if err != nil {
			return nil, err
		}
		mm, err := atoiField(lab[2:4], "month", path, r)
		if err != nil {
			return nil, err
		}
		dd, err := atoiField(lab[4:6], "day", path, r)
		if err != nil {
			return nil, err
		}
		hh, err := atoiField(lab[6:8], "hour", path, r)
		if err != nil {
			return nil, err
		}
		year := 1900 + yy
		if yy < 40 {
			year = 2000 + yy
		}
		t := time.Date(year, time.Month(mm), dd, hh, 0, 0, 0, time.UTC)
		if vname == "INDX" {
			f.Times = append(f.Times, arlTime{Time: t, Surface: map[string][]float32{}, Upper: map[string][][]float32{}})
			cur = &f.Times[len(f.Times)-1]
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("%s: record %d (%s): data record before the first index record", path, r, vname)
		}
		lev, err := atoiField(lab[10:12], "level", path, r)
		if err != nil {
			return nil, err
		}
		nexp, err := atoiField(lab[18:22], "exponent", path, r)
		if err != nil {
			return nil, err
		}
		prec, err := atofField(lab[22:36], "precision", path, r)
		if err != nil {
			return nil, err
		}
		var1, err := atofField(lab[36:50], "var1", path, r)
		if err != nil {
			return nil, err
		}
		vals, err := unpackARL(rec[50:], h.NX, h.NY, nexp, prec, var1)
		if err != nil {
			return nil, fmt.Errorf("%s: record %d (%s): %w", path, r, vname, err)
		}
		if lev == 0 {
			cur.Surface[vname] = vals
		} else {
			if lev >= h.NZ {
				return nil, fmt.Errorf("%s: record %d (%s): level %d beyond NZ=%d", path, r, vname, lev, h.NZ)
			}
			a := cur.Upper[vname]
			if a == nil {
				a = make([][]float32, h.NZ-1)
				cur.Upper[vname] = a
			}
			a[lev-1] = vals
		}
	}
	return f, nil
}

// unpackARL decodes one record's bytes with the met package's unpacker.
func unpackARL(b []byte, nx, ny, nexp int, prec, var1 float64) ([]float32, error) {
	out := make([]float32, nx*ny)
	if err := met.Unpack(b, nx, ny, nexp, prec, var1, out); err != nil {
		return nil, err
	}
	return out, nil
}

func parseIndexHeader(b []byte, path string, rec int) (*arlHeader, error) {
	s := string(b)
	h := &arlHeader{Source: strings.TrimSpace(s[0:4])}
	fl := []*float64{&h.PoleLat, &h.PoleLon, &h.RefLat, &h.RefLon, &h.GridSize, &h.Orient, &h.TangLat,
		&h.SyncX, &h.SyncY, &h.SyncLat, &h.SyncLon}
	names := []string{"POLE_LAT", "POLE_LON", "REF_LAT", "REF_LON", "GRID_SIZE", "ORIENT", "TANG_LAT", "SYNC_X", "SYNC_Y", "SYNC_LAT", "SYNC_LON"}
	off := 9
	for i, p := range fl {
		v, err := atofField(s[off:off+7], names[i], path, rec)
		if err != nil {
			return nil, err
		}
		*p = v
		off += 7
	}
	off += 7 // reserved
	ints := []*int{&h.NX, &h.NY, &h.NZ}
	for i, p := range ints {
		v, err := atoiField(s[off:off+3], []string{"NX", "NY", "NZ"}[i], path, rec)
		if err != nil {
			return nil, err
		}
		*p = v
		off += 3
	}
	v, err := atoiField(s[off:off+2], "KFLAG", path, rec)
	if err != nil {
		return nil, err
	}
	h.KFlag = v
	off += 2
	if h.LenH, err = atoiField(s[off:off+4], "LENH", path, rec); err != nil {
		return nil, err
	}
	off += 4
	if h.NX <= 1 || h.NY <= 1 || h.NZ < 2 {
		return nil, fmt.Errorf("%s: index header: bad grid dimensions NX=%d NY=%d NZ=%d", path, h.NX, h.NY, h.NZ)
	}
	for k := 0; k < h.NZ; k++ {
		if off+8 > len(s) {
			return nil, fmt.Errorf("%s: index header truncated at level %d", path, k)
		}
		lv, err := atofField(s[off:off+6], fmt.Sprintf("level %d height", k), path, rec)
		if err != nil {
			return nil, err
		}
		nv, err := atoiField(s[off+6:off+8], fmt.Sprintf("level %d variable count", k), path, rec)
		if err != nil {
			return nil, err
		}
		off += 8
		var vs []string
		for n := 0; n < nv; n++ {
			vs = append(vs, string(bytes.TrimSpace([]byte(s[off:off+4]))))
			off += 8
		}
		h.Levels = append(h.Levels, lv)
		h.Vars = append(h.Vars, vs)
	}
	return h, nil
}
