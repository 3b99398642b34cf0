package met

import (
	"fmt"
	"math"
)

// Checksum returns the ARL record checksum: the sum of the bytes with an
// end-around carry (whenever the running sum reaches 256, subtract 255).
func Checksum(b []byte) int {
	// Equivalent closed form: 0 for a zero sum, else ((S-1) mod 255) + 1.
	var s uint64
	for len(b) >= 8 {
		s += uint64(b[0]) + uint64(b[1]) + uint64(b[2]) + uint64(b[3]) + uint64(b[4]) + uint64(b[5]) + uint64(b[6]) + uint64(b[7])
		b = b[8:]
	}
	for _, c := range b {
		s += uint64(c)
	}
	if s == 0 {
		return 0
	}
	return int((s-1)%255) + 1
}

// Unpack decodes nx·ny packed bytes into out (len ≥ nx·ny), in float32 and in
// hycs_std v5.1.0's order: one running value, each value below prec zeroed in
// the output only, each row restarted from the unzeroed first value of the
// previous row. (Restarting from the zeroed value, as the spec recalls PAKINP,
// shifts every later row by up to one precision step where a first-column
// value is below prec; hycs_std's own vertical velocities on the HRRR test
// files show it does not: bench/RESULTS-transport.md.)
func Unpack(data []byte, nx, ny, nexp int, prec, var1 float64, out []float32) error {
	if nx <= 0 || ny <= 0 {
		return fmt.Errorf("unpack: bad grid %dx%d", nx, ny)
	}
	if len(data) < nx*ny || len(out) < nx*ny {
		return fmt.Errorf("unpack: %d bytes and %d outputs for a %dx%d grid", len(data), len(out), nx, ny)
	}
	if nexp < -100 || nexp > 100 {
		return fmt.Errorf("unpack: packing exponent %d out of range", nexp)
	}
	// The scale is a power of two, so (b-127)/scale equals (b-127)·step
	// exactly; tabulate the 256 possible differences.
	var diff [256]float32
	step := float32(math.Ldexp(1, nexp-7))
	for b := range diff {
		diff[b] = (float32(b) - 127) * step
	}
	p := float32(prec)
	vold := float32(var1)
	for j := 0; j < ny; j++ {
		row := data[j*nx : j*nx+nx]
		o := out[j*nx : j*nx+nx]
		first := diff[row[0]] + vold
		for i, b := range row {
			v := diff[b] + vold
			vold = v
			if v < p && v > -p {
				v = 0
			}
			o[i] = v
		}
		vold = first
	}
	return nil
}

// Packed is one packed field: the label values and the bytes.
type Packed struct {
	NExp int
	Prec float64
	Var1 float64
	Data []byte
}

// Pack encodes nx·ny values as ARL differences (HYSPLIT's PAKOUT rules): the
// exponent is chosen from the largest difference along the unpack path, every
// difference is taken against the reconstructed running value so that errors
// do not accumulate, and bytes are clamped to 0…255.
func Pack(vals []float32, nx, ny int) (Packed, error) {
	if nx <= 0 || ny <= 0 || len(vals) < nx*ny {
		return Packed{}, fmt.Errorf("pack: %d values for a %dx%d grid", len(vals), nx, ny)
	}
	for k, v := range vals[:nx*ny] {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return Packed{}, fmt.Errorf("pack: non-finite value at grid point (%d,%d)", k%nx+1, k/nx+1)
		}
	}
	// VAR1 and PREC are stored as E14.7 text: pack against the stored values
	// so that reconstruction here equals what a reader gets.
	var1 := labelRound(float64(vals[0]))
	// Largest difference along the unpacking path.
	rmax := 0.0
	rold := var1
	for j := 0; j < ny; j++ {
		for i := 0; i < nx; i++ {
			v := float64(vals[j*nx+i])
			if d := math.Abs(v - rold); d > rmax {
				rmax = d
			}
			rold = v
		}
		rold = float64(vals[j*nx])
	}
	// PAKOUT: SEXP = log2(rmax) (0 when rmax = 0), NEXP = INT(SEXP), plus 1
	// when SEXP ≥ 0 or SEXP is integral; that is floor(SEXP) + 1.
	nexp := 1
	if rmax > 0 {
		nexp = int(math.Floor(math.Log2(rmax))) + 1
	}
	switch {
	case nexp > 100:
		return Packed{}, fmt.Errorf("pack: differences up to %g are too large to pack (exponent %d > 100)", rmax, nexp)
	case nexp < -100:
		nexp = -100 // differences below 2^-107 are lost, as any ARL reader would lose them
	}
	// 2^(nexp-7)·128 must exceed rmax strictly plus half a step of drift.
	prec := math.Ldexp(1, nexp) / 254
	scale := float32(math.Ldexp(1, 7-nexp))
	step := float32(math.Ldexp(1, nexp-7))
	p := Packed{NExp: nexp, Prec: labelRound(prec), Var1: var1, Data: make([]byte, nx*ny)}
	fp := float32(p.Prec)
	rowStart := float32(var1) // running value each row starts from
	for j := 0; j < ny; j++ {
		vold := rowStart
		for i := 0; i < nx; i++ {
			k := j*nx + i
			target := vals[k]
			if target < fp && target > -fp {
				target = 0
			}
			q := math.Floor(float64((target-vold)*scale) + 127.5)
			if q < 0 {
				q = 0
			} else if q > 255 {
				q = 255
			}
			p.Data[k] = byte(q)
			// reconstruct exactly as Unpack does
			vold = (float32(p.Data[k])-127)*step + vold
			if i == 0 {
				rowStart = vold // unzeroed, as Unpack restarts the next row
			}
		}
	}
	return p, nil
}

// labelRound rounds v to the 7 significant digits of the label's E14.7 fields.
func labelRound(v float64) float64 {
	r, err := parseF(fortranE(v, 14, 7))
	if err != nil {
		return v
	}
	return r
}

// UnpackRegion decodes only the 1-based inclusive rectangle [i0,i1]×[j0,j1]
// of a packed record into out (row-major, (i1-i0+1)·(j1-j0+1) values). The
// values equal those of Unpack: rows below j0 contribute only their first
// column (from which the next row restarts) and each kept row is summed from
// column 1.
func UnpackRegion(data []byte, nx, ny, nexp int, prec, var1 float64, i0, i1, j0, j1 int, out []float32) error {
	if nx <= 0 || ny <= 0 || len(data) < nx*ny {
		return fmt.Errorf("unpack: %d bytes for a %dx%d grid", len(data), nx, ny)
	}
	if i0 < 1 || j0 < 1 || i1 > nx || j1 > ny || i0 > i1 || j0 > j1 {
		return fmt.Errorf("unpack: region x %d-%d y %d-%d outside the %dx%d grid", i0, i1, j0, j1, nx, ny)
	}
	w := i1 - i0 + 1
	if len(out) < w*(j1-j0+1) {
		return fmt.Errorf("unpack: %d outputs for a %dx%d region", len(out), w, j1-j0+1)
	}
	if nexp < -100 || nexp > 100 {
		return fmt.Errorf("unpack: packing exponent %d out of range", nexp)
	}
	var diff [256]float32
	step := float32(math.Ldexp(1, nexp-7))
	for b := range diff {
		diff[b] = (float32(b) - 127) * step
	}
	p := float32(prec)
	zero := func(v float32) float32 {
		if v < p && v > -p {
			return 0
		}
		return v
	}
	first := float32(var1) // running (unzeroed) value at the start of the row
	for j := 1; j <= j1; j++ {
		row := data[(j-1)*nx : j*nx]
		if j < j0 {
			first = diff[row[0]] + first
			continue
		}
		o := out[(j-j0)*w : (j-j0+1)*w]
		vold := first
		for i := 1; i <= i1; i++ {
			v := diff[row[i-1]] + vold
			vold = v
			if i == 1 {
				first = v
			}
			if i >= i0 {
				o[i-i0] = zero(v)
			}
		}
	}
	return nil
}
