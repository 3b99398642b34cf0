package met

import (
	"fmt"
	"math"
)

// Checksum returns the ARL record checksum: the sum of the bytes with an
// end-around carry (whenever the running sum reaches 256, subtract 255).
func Checksum(b []byte) int {
	s := 0
	for _, c := range b {
		s += int(c)
		if s >= 256 {
			s -= 255
		}
	}
	return s
}

// Unpack decodes nx·ny packed bytes into out (len ≥ nx·ny), in float32 and in
// HYSPLIT's order (PAKINP): one running value, each value below prec zeroed as
// it is produced, each row restarted from the (possibly zeroed) first value of
// the previous row.
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
	scale := float32(math.Ldexp(1, 7-nexp))
	p := float32(prec)
	vold := float32(var1)
	for j := 0; j < ny; j++ {
		row := data[j*nx : j*nx+nx]
		o := out[j*nx : j*nx+nx]
		for i, b := range row {
			v := (float32(b)-127)/scale + vold
			vold = v
			if v < p && v > -p {
				v = 0
			}
			o[i] = v
		}
		vold = o[0]
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
	nexp := 0
	if rmax > 0 {
		sexp := math.Log2(rmax)
		nexp = int(math.Floor(sexp)) + 1
	}
	// 2^(nexp-7)·128 must exceed rmax strictly plus half a step of drift.
	prec := math.Ldexp(1, nexp) / 254
	scale := float32(math.Ldexp(1, 7-nexp))
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
			vold = (float32(p.Data[k])-127)/scale + vold
			if i == 0 {
				rowStart = vold
				if rowStart < fp && rowStart > -fp {
					rowStart = 0
				}
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
