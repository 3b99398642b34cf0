package observations

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// ReceptorCSVHeader is the header written by WriteReceptorCSV: the
// published receptors.csv layout plus the scene id.
const ReceptorCSVHeader = "r_idx,time,longitude,latitude,altitude,altitude_ref,scene"

// WriteReceptorCSV writes one row per receptor point; r_idx numbers the
// receptors from 1, time is YYYY-MM-DD HH:MM:SS (UTC), numbers in Python's
// float form (receptors-and-met.md §2.2).
func WriteReceptorCSV(w io.Writer, recs []receptor.Receptor) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, ReceptorCSVHeader)
	for i, r := range recs {
		if len(r.Lons) != len(r.Lats) || len(r.Lons) != len(r.Heights) {
			return fmt.Errorf("receptor %d: %d lons, %d lats, %d heights", i+1, len(r.Lons), len(r.Lats), len(r.Heights))
		}
		ref := "agl"
		if r.MSL {
			ref = "msl"
		}
		t := r.Time.UTC().Format("2006-01-02 15:04:05")
		for k := range r.Lons {
			fmt.Fprintf(bw, "%d,%s,%s,%s,%s,%s,%s\n", i+1, t, pyFloat(r.Lons[k]), pyFloat(r.Lats[k]),
				pyFloat(r.Heights[k]), ref, csvField(r.Scene))
		}
	}
	return bw.Flush()
}

// WriteReceptorCSVFile writes the receptor CSV atomically (temp file in the
// same directory, then rename).
func WriteReceptorCSVFile(path string, recs []receptor.Receptor) error {
	return atomicfile.WriteFunc(path, 0o644, func(w io.Writer) error {
		return WriteReceptorCSV(w, recs)
	})
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// pyFloat formats x as Python's str(float) with integral values as integers
// (receptors-and-met.md §2.2).
func pyFloat(x float64) string {
	if x == 0 {
		return "0"
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e16 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	if a := math.Abs(x); a >= 1e-4 && a < 1e16 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'e', -1, 64)
}
