package met

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Info summarises one ARL file for `stilt-mpi met info`.
type Info struct {
	Path        string        `json:"path"`
	Size        int64         `json:"size"`
	Source      string        `json:"source"`
	Projection  string        `json:"projection"`
	Header      Header        `json:"header"`
	RecordLen   int           `json:"record_length"`
	Records     int           `json:"records"`
	Corners     [4][2]float64 `json:"corners_latlon"` // (1,1), (NX,1), (1,NY), (NX,NY)
	Vertical    string        `json:"vertical"`
	Levels      []LevelInfo   `json:"levels"`
	First       time.Time     `json:"first"`
	Last        time.Time     `json:"last"`
	Step        string        `json:"step"`
	Periods     int           `json:"periods"`
	ChecksumsOK bool          `json:"checksums_ok"`
	Mismatches  []string      `json:"mismatches,omitempty"`
}

// LevelInfo is one level of Info.
type LevelInfo struct {
	Level  int      `json:"level"`
	Height float64  `json:"height"`
	Vars   []string `json:"vars"`
}

// Describe opens path, verifies every record and summarises the file.
func Describe(path string) (*Info, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := f.Header()
	g := f.Grid()
	in := &Info{Path: path, Size: f.Size(), Source: strings.TrimSpace(h.Source), Projection: g.Proj.String(), Header: h,
		RecordLen: f.RecordLen(), Records: f.NumRecords(), Vertical: f.Vertical().Name(), Step: f.Step().String(),
		Periods: len(f.periods)}
	for k, p := range [][2]int{{1, 1}, {h.NX, 1}, {1, h.NY}, {h.NX, h.NY}} {
		lat, lon := g.XYToLatLon(float64(p[0]), float64(p[1]))
		in.Corners[k] = [2]float64{lat, lon}
	}
	for k, l := range f.Index().Levels {
		in.Levels = append(in.Levels, LevelInfo{Level: k, Height: l.Height, Vars: f.Vars(k)})
	}
	ts := f.Times()
	in.First, in.Last = ts[0], ts[len(ts)-1]
	recs, _ := f.Verify()
	in.ChecksumsOK = true
	for _, r := range recs {
		if r.Err != nil {
			in.ChecksumsOK = false
			in.Mismatches = append(in.Mismatches, r.Err.Error())
		}
	}
	return in, nil
}

// WriteText prints the summary for people.
func (in *Info) WriteText(w io.Writer) {
	h := in.Header
	fmt.Fprintf(w, "%s\n", in.Path)
	fmt.Fprintf(w, "  source %s, %d bytes, %d records of %d bytes\n", in.Source, in.Size, in.Records, in.RecordLen)
	fmt.Fprintf(w, "  grid %s %d x %d, %d levels (incl. surface)", in.Projection, h.NX, h.NY, h.NZ)
	if h.GridSize > 0 {
		fmt.Fprintf(w, ", %g km, tangent %g, ref %g/%g, sync (%g,%g) = %g N %g E\n", h.GridSize, h.TangLat, h.RefLat, h.RefLon, h.SyncX, h.SyncY, h.SyncLat, h.SyncLon)
	} else {
		fmt.Fprintf(w, ", spacing %g x %g deg, (1,1) = %g N %g E\n", h.RefLat, h.RefLon, h.SyncLat, h.SyncLon)
	}
	names := []string{"(1,1)", "(NX,1)", "(1,NY)", "(NX,NY)"}
	for k, c := range in.Corners {
		fmt.Fprintf(w, "  corner %-8s %9.4f N %10.4f E\n", names[k], c[0], c[1])
	}
	fmt.Fprintf(w, "  vertical %s (KFLAG %d)\n", in.Vertical, h.KFlag)
	for _, l := range in.Levels {
		fmt.Fprintf(w, "  level %2d %10g: %s\n", l.Level, l.Height, strings.Join(l.Vars, " "))
	}
	fmt.Fprintf(w, "  times %s to %s, %d periods, step %s\n", in.First.Format("2006-01-02 15:04"), in.Last.Format("2006-01-02 15:04"), in.Periods, in.Step)
	if in.ChecksumsOK {
		fmt.Fprintf(w, "  checksums: all %d data records verify\n", in.Records-in.Periods*NumIndexRecords(in.Header.LenH, h.NX*h.NY))
	} else {
		fmt.Fprintf(w, "  checksums: %d MISMATCHES\n", len(in.Mismatches))
		for _, m := range in.Mismatches {
			fmt.Fprintf(w, "    %s\n", m)
		}
	}
}

// ParseTime reads a UTC time given as YYYYMMDDHHMM, YYYY-MM-DD, YYYY-MM-DD HH:MM,
// YYYY-MM-DDTHH:MM[:SS] or RFC 3339.
func ParseTime(s string) (time.Time, error) {
	for _, l := range []string{"200601021504", "2006-01-02", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05",
		"2006-01-02T15:04:05", "2006010215"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, fmt.Errorf("time %q: want YYYYMMDDHHMM, YYYY-MM-DD[ HH:MM] or RFC 3339", s)
	}
	return t.UTC(), nil
}
