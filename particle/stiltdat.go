package particle

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// ErrNoParticleOutput is returned (wrapped) by ReadStiltDAT when the particle
// file does not exist: hycs_std did not write it.
var ErrNoParticleOutput = errors.New("no particle output")

// ErrEmptyTrajectory is returned (wrapped) when a particle file has no data
// rows after its header line.
var ErrEmptyTrajectory = errors.New("empty trajectory: particle file has no data rows")

// ReadStiltDAT reads hycs_std's PARTICLE_STILT.DAT (gzip-compressed when the
// name ends in ".gz") into a Table whose columns are varsiwant, in order.
//
// The first line (the first release point) is skipped. Every other non-blank
// line must hold exactly len(varsiwant) whitespace-separated numbers; Fortran
// reals with a trailing dot ("-1.", "200.") are accepted. A missing file
// yields an error wrapping ErrNoParticleOutput, a file without data rows one
// wrapping ErrEmptyTrajectory. Other errors name the file and line.
func ReadStiltDAT(path string, varsiwant []string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s does not exist", ErrNoParticleOutput, path)
		}
		return nil, fmt.Errorf("particle: opening %s: %w", path, err)
	}
	defer f.Close()
	var r io.Reader = f
	sizeHint := 0
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
		if err != nil {
			return nil, fmt.Errorf("particle: %s: not a gzip file: %w", path, err)
		}
		defer zr.Close()
		r = zr
	} else if st, err := f.Stat(); err == nil {
		sizeHint = int(st.Size())
	}
	t, err := decodeStiltDAT(r, varsiwant, sizeHint)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// DecodeStiltDAT parses PARTICLE_STILT.DAT text from r (see ReadStiltDAT).
func DecodeStiltDAT(r io.Reader, varsiwant []string) (*Table, error) {
	return decodeStiltDAT(r, varsiwant, 0)
}

func decodeStiltDAT(r io.Reader, varsiwant []string, sizeHint int) (*Table, error) {
	ncol := len(varsiwant)
	if ncol == 0 {
		return nil, errors.New("particle: varsiwant is empty: no columns to read")
	}
	// About 11.3 bytes per value in hycs_std output; over-estimate rows a
	// little so that the columns are allocated once.
	capRows := 4096
	if sizeHint > 0 {
		capRows = sizeHint/(ncol*11) + 16
	}
	t, err := New(varsiwant, capRows)
	if err != nil {
		return nil, fmt.Errorf("varsiwant: %w", err)
	}
	br := bufio.NewReaderSize(r, 1<<20)
	cols := t.cols
	vals := make([]float64, ncol)
	line := 0
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return nil, fmt.Errorf("line %d: longer than %d bytes", line+1, br.Size())
		}
		if len(b) > 0 {
			line++
			if line > 1 {
				n, perr := scanRow(b, vals)
				switch {
				case perr != nil:
					return nil, fmt.Errorf("line %d: %w", line, perr)
				case n == 0:
					// blank line
				case n != ncol:
					return nil, fmt.Errorf("line %d: %d columns, expected %d (varsiwant %v)", line, n, ncol, varsiwant)
				default:
					for j, v := range vals {
						cols[j] = append(cols[j], v)
					}
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: reading: %w", line+1, err)
		}
	}
	if line == 0 {
		return nil, fmt.Errorf("%w (file is empty, not even a header line)", ErrEmptyTrajectory)
	}
	if t.Len() == 0 {
		return nil, fmt.Errorf("%w (%d lines)", ErrEmptyTrajectory, line)
	}
	return t, nil
}

// scanRow parses the whitespace-separated numbers of one line into vals and
// returns how many fields the line has (which may exceed len(vals); the
// extra fields are counted but not stored).
func scanRow(b []byte, vals []float64) (int, error) {
	n := 0
	i := 0
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return n, nil
		}
		s := i
		for i < len(b) && !isSpace(b[i]) {
			i++
		}
		if n < len(vals) {
			v, err := parseReal(b[s:i])
			if err != nil {
				return n, fmt.Errorf("column %d: %w", n+1, err)
			}
			vals[n] = v
		}
		n++
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// pow10 holds the powers of ten that are exact in float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseReal converts a Fortran-style decimal real ("-1.", "0.0227518",
// "1.5E-03", "2.0D+01") to float64, correctly rounded. The common case is
// handled without allocation by Clinger's fast path (an exact integer
// mantissa below 2^53 scaled by an exact power of ten, one rounding); other
// inputs fall back to strconv.ParseFloat.
func parseReal(b []byte) (float64, error) {
	i := 0
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var mant uint64
	digits := 0 // significant digits accumulated into mant
	exp := 0    // decimal exponent to apply to mant
	sawDigit := false
	overflow := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		sawDigit = true
		if mant == 0 && b[i] == '0' {
			continue
		}
		if digits < 19 {
			mant = mant*10 + uint64(b[i]-'0')
			digits++
		} else {
			overflow = true
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			sawDigit = true
			if mant == 0 && b[i] == '0' {
				exp--
				continue
			}
			if digits < 19 {
				mant = mant*10 + uint64(b[i]-'0')
				digits++
				exp--
			} else {
				overflow = true
			}
		}
	}
	if !sawDigit {
		return slowReal(b)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E' || b[i] == 'd' || b[i] == 'D') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			eneg = b[i] == '-'
			i++
		}
		if i >= len(b) {
			return slowReal(b)
		}
		e := 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if e < 10000 {
				e = e*10 + int(b[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(b) {
		return slowReal(b)
	}
	if overflow || mant >= 1<<53 {
		return slowReal(b)
	}
	var v float64
	switch {
	case mant == 0:
		v = 0
	case exp == 0:
		v = float64(mant)
	case exp > 0 && exp <= 22:
		v = float64(mant) * pow10[exp]
	case exp < 0 && exp >= -22:
		v = float64(mant) / pow10[-exp]
	default:
		return slowReal(b)
	}
	if neg {
		v = -v
	}
	return v, nil
}

// fortranNumeric reports whether s holds only digits, '.', signs and
// exponent letters e/E/d/D (the characters of a Fortran real).
func fortranNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == '+', c == '-', c == 'e', c == 'E', c == 'd', c == 'D':
		default:
			return false
		}
	}
	return true
}

// slowReal parses what the fast path could not: many digits, large
// exponents, Fortran "D" exponents, NaN and Infinity. Fortran's overflow
// marker (a field of asterisks) is an error.
func slowReal(b []byte) (float64, error) {
	if bytes.IndexByte(b, '*') >= 0 {
		return 0, fmt.Errorf("%q is a Fortran overflow field (value did not fit the output format)", b)
	}
	s := string(b)
	if fortranNumeric(s) {
		// Fortran "D" exponents, and "1.5-100"-style exponents written
		// without the letter when they have three digits.
		s = strings.NewReplacer("d", "e", "D", "e").Replace(s)
		if k := strings.LastIndexAny(s, "+-"); k > 0 && s[k-1] != 'e' {
			s = s[:k] + "e" + s[k:]
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return v, nil // ±Inf or 0 as strconv rounds it
		}
		return 0, fmt.Errorf("%q is not a number", b)
	}
	return v, nil
}

// AddReleaseHeights adds the column "xhgt", the release height of each
// particle (metres, AGL or MSL as the receptor's heights), for column and
// multipoint receptors (hysplit-interface.md §6). For a point receptor the
// table is left unchanged.
//
// numpar is the number of particles released. When numpar > 0 it is used as
// the bin count N (R-STILT's calc_trajectory.r); when numpar <= 0, N is the
// largest indx in the table (PYSTILT). The two agree unless the
// highest-index particle vanished in the first step.
//
//   - Column: xhgt = (indx - 0.5)·(top - bottom)/N + bottom.
//   - Multipoint: take the rows at the release step (the time with the
//     smallest |time|); if they hold N distinct particles, each particle gets
//     the height of the release point nearest to its position there (squared
//     lon/lat distance); otherwise particles are assigned in contiguous index
//     blocks in receptor order, N/n each, the first N mod n points one extra.
//     Particles outside 1..N get NaN.
func AddReleaseHeights(t *Table, r receptor.Receptor, numpar int) error {
	if r.Kind == receptor.Point {
		return nil
	}
	if len(r.Heights) == 0 || len(r.Lons) != len(r.Heights) || len(r.Lats) != len(r.Heights) {
		return fmt.Errorf("particle: xhgt: receptor has %d lons, %d lats, %d heights; need equal non-zero counts",
			len(r.Lons), len(r.Lats), len(r.Heights))
	}
	idx := t.Col("indx")
	if idx == nil {
		return fmt.Errorf("particle: xhgt: table has no column \"indx\" (columns: %v)", t.Names())
	}
	n := numpar
	if n <= 0 {
		maxIdx := 0.0
		for _, v := range idx {
			if v > maxIdx {
				maxIdx = v
			}
		}
		n = int(maxIdx)
	}
	xhgt := make([]float64, len(idx))
	switch r.Kind {
	case receptor.Column:
		if n <= 0 {
			return t.SetCol("xhgt", xhgt)
		}
		bottom, top := r.Bottom(), r.Top()
		step := (top - bottom) / float64(n)
		for i, v := range idx {
			xhgt[i] = (v-0.5)*step + bottom
		}
	case receptor.MultiPoint:
		heights, err := multipointHeights(t, r, n)
		if err != nil {
			return err
		}
		for i, v := range idx {
			k := int(v)
			if float64(k) != v || k < 1 || k > n {
				xhgt[i] = math.NaN()
				continue
			}
			xhgt[i] = heights[k-1]
		}
	default:
		return fmt.Errorf("particle: xhgt: unknown receptor kind %v", r.Kind)
	}
	return t.SetCol("xhgt", xhgt)
}

// multipointHeights returns the release height of particles 1..n.
func multipointHeights(t *Table, r receptor.Receptor, n int) ([]float64, error) {
	heights := make([]float64, n)
	cols, err := t.Need("time", "indx")
	if err != nil {
		return nil, fmt.Errorf("particle: xhgt: %w", err)
	}
	tm, idx := cols[0], cols[1]
	lon, lat := t.Col("long"), t.Col("lati")
	if lon != nil && lat != nil && len(tm) > 0 {
		minAbs := math.Inf(1)
		for _, v := range tm {
			if a := math.Abs(v); a < minAbs {
				minAbs = a
			}
		}
		seen := make([]bool, n)
		count := 0
		for i, v := range tm {
			if math.Abs(v) != minAbs {
				continue
			}
			k := int(idx[i])
			if float64(k) != idx[i] || k < 1 || k > n || seen[k-1] {
				continue
			}
			seen[k-1] = true
			count++
			best, bestD := 0, math.Inf(1)
			for p := range r.Lons {
				dx, dy := lon[i]-r.Lons[p], lat[i]-r.Lats[p]
				if d := dx*dx + dy*dy; d < bestD {
					best, bestD = p, d
				}
			}
			heights[k-1] = r.Heights[best]
		}
		if count == n {
			return heights, nil
		}
	}
	np := len(r.Heights)
	k := 0
	for p, h := range r.Heights {
		c := n / np
		if p < n%np {
			c++
		}
		for j := 0; j < c; j++ {
			heights[k] = h
			k++
		}
	}
	return heights, nil
}
