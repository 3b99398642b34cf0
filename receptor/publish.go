package receptor

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// Sim is one simulation: a met key and a receptor (one per met × receptor).
type Sim struct {
	ID       string
	Met      string
	Receptor int // index into the receptor slice
}

// Simulations returns the simulations of every met key × receptor in
// met-major order (all receptors of the first met, then the next), as
// PYSTILT registers them. It fails on an invalid met key or on duplicate
// simulation ids (naming the CSV lines involved).
func Simulations(rs []Receptor, mets []string) ([]Sim, error) {
	out := make([]Sim, 0, len(rs)*len(mets))
	seen := map[string]int{}
	var errs Errors
	for _, m := range mets {
		if !ValidMetKey(m) {
			return nil, fmt.Errorf("met key %q: must be lower-case letters and digits only", m)
		}
		for i := range rs {
			id := m + "_" + rs[i].ReceptorID()
			if j, dup := seen[id]; dup {
				errs = append(errs, &RowError{Line: rs[i].Line,
					Msg: fmt.Sprintf("duplicate simulation id %s (same as the receptor on line %d)", id, rs[j].Line)})
				continue
			}
			seen[id] = i
			out = append(out, Sim{ID: id, Met: m, Receptor: i})
		}
	}
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

// WriteCSV writes receptors in PYSTILT's published form: header
// r_idx,time,longitude,latitude,altitude,altitude_ref (plus scene when any
// receptor has one), time as YYYY-MM-DD HH:MM:SS, one row per release point,
// numbers as Python's str(float). r_idx is the receptor's position (0-based).
// Reading the output back yields the same receptors.
func WriteCSV(w io.Writer, rs []Receptor) error {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	withScene := false
	for _, r := range rs {
		if r.Scene != "" {
			withScene = true
		}
	}
	header := []string{"r_idx", "time", "longitude", "latitude", "altitude", "altitude_ref"}
	if withScene {
		header = append(header, "scene")
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for i, r := range rs {
		ref := "agl"
		if r.MSL {
			ref = "msl"
		}
		for k := range r.Lons {
			row := []string{strconv.Itoa(i), r.Time.UTC().Format("2006-01-02 15:04:05"),
				PyFloatRepr(r.Lons[k]), PyFloatRepr(r.Lats[k]), PyFloatRepr(r.Heights[k]), ref}
			if withScene {
				row = append(row, r.Scene)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
