package met

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// LabelLen is the length in bytes of the ASCII label that starts every record.
const LabelLen = 50

// Label is the 50-byte header of one ARL record, Fortran format
// (7I2, A4, I4, 2E14.7).
type Label struct {
	Year, Month, Day, Hour int  // Year is the full year (yy<40 → 20yy, else 19yy)
	Forecast               int  // forecast hour; -1 for analyses (blank reads as 0)
	Level                  int  // 0 = surface
	GridX, GridY           byte // raw grid-id characters (carry the thousands of NX, NY)
	Var                    string
	NExp                   int     // packing exponent
	Prec                   float64 // precision: |v| < Prec unpacks to 0
	Var1                   float64 // unpacked value at grid point (1,1)
}

// Time returns the label's valid time (hour resolution; minutes live in the
// index record).
func (l Label) Time() time.Time {
	return time.Date(l.Year, time.Month(l.Month), l.Day, l.Hour, 0, 0, 0, time.UTC)
}

// Thousands returns the thousands of NX and NY carried by the grid id: a letter
// counts (position in the alphabet)·1000, anything else 0.
func (l Label) Thousands() (nx, ny int) {
	return gridThousands(l.GridX), gridThousands(l.GridY)
}

func gridThousands(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c-'A'+1) * 1000
	case c >= 'a' && c <= 'z':
		return int(c-'a'+1) * 1000
	}
	return 0
}

func gridChar(n int) byte {
	th := n / 1000
	if th <= 0 {
		return '9'
	}
	return byte('A' + th - 1)
}

// parseI parses a Fortran integer field: blanks read as 0.
func parseI(s string) (int, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	return strconv.Atoi(t)
}

// parseF parses a Fortran real field (F or E edit descriptor). Blanks read as
// 0; an exponent without the letter (0.1234567-100) is accepted.
func parseF(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err == nil {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("non-finite value %q", t)
		}
		return v, nil
	}
	// Fortran drops the E for three-digit exponents.
	if i := strings.LastIndexAny(t, "+-"); i > 0 && t[i-1] != 'E' && t[i-1] != 'e' {
		if v2, err2 := strconv.ParseFloat(t[:i]+"E"+t[i:], 64); err2 == nil && !math.IsNaN(v2) && !math.IsInf(v2, 0) {
			return v2, nil
		}
	}
	return 0, err
}

// ParseLabel decodes a 50-byte record label.
func ParseLabel(b []byte) (Label, error) {
	var l Label
	if len(b) < LabelLen {
		return l, fmt.Errorf("label: need %d bytes, have %d", LabelLen, len(b))
	}
	s := string(b[:LabelLen])
	ints := make([]int, 6)
	names := []string{"year", "month", "day", "hour", "forecast hour", "level"}
	for k := 0; k < 6; k++ {
		v, err := parseI(s[2*k : 2*k+2])
		if err != nil {
			return l, fmt.Errorf("label %q: %s field %q is not an integer", s, names[k], s[2*k:2*k+2])
		}
		ints[k] = v
	}
	yy := ints[0]
	if yy < 0 {
		return l, fmt.Errorf("label %q: negative year", s)
	}
	if yy < 40 {
		l.Year = 2000 + yy
	} else {
		l.Year = 1900 + yy
	}
	l.Month, l.Day, l.Hour, l.Forecast, l.Level = ints[1], ints[2], ints[3], ints[4], ints[5]
	if l.Month < 1 || l.Month > 12 || l.Day < 1 || l.Day > 31 || l.Hour < 0 || l.Hour > 23 {
		return l, fmt.Errorf("label %q: invalid date %d-%d-%d %dh", s, l.Year, l.Month, l.Day, l.Hour)
	}
	if l.Level < 0 {
		return l, fmt.Errorf("label %q: negative level %d", s, l.Level)
	}
	l.GridX, l.GridY = b[12], b[13]
	l.Var = s[14:18]
	var err error
	if l.NExp, err = parseI(s[18:22]); err != nil {
		return l, fmt.Errorf("label %q: packing exponent %q is not an integer", s, s[18:22])
	}
	if l.Prec, err = parseF(s[22:36]); err != nil {
		return l, fmt.Errorf("label %q: precision %q is not a number", s, s[22:36])
	}
	if l.Var1, err = parseF(s[36:50]); err != nil {
		return l, fmt.Errorf("label %q: VAR1 %q is not a number", s, s[36:50])
	}
	return l, nil
}

// Format encodes the label as 50 ASCII bytes.
func (l Label) Format() ([]byte, error) {
	if len(l.Var) != 4 {
		return nil, fmt.Errorf("label: variable name %q must have 4 characters", l.Var)
	}
	if l.Level < 0 || l.Level > 99 || l.Forecast < -9 || l.Forecast > 99 || l.NExp < -999 || l.NExp > 9999 {
		return nil, fmt.Errorf("label %s: level %d, forecast %d or exponent %d out of range", l.Var, l.Level, l.Forecast, l.NExp)
	}
	gx, gy := l.GridX, l.GridY
	if gx == 0 {
		gx = '9'
	}
	if gy == 0 {
		gy = '9'
	}
	s := fmt.Sprintf("%2d%2d%2d%2d%2d%2d%c%c%-4s%4d%14s%14s",
		l.Year%100, l.Month, l.Day, l.Hour, l.Forecast, l.Level, gx, gy, l.Var, l.NExp,
		fortranE(l.Prec, 14, 7), fortranE(l.Var1, 14, 7))
	if len(s) != LabelLen {
		return nil, fmt.Errorf("label %s: encoded to %d bytes, want %d", l.Var, len(s), LabelLen)
	}
	return []byte(s), nil
}

// fortranE formats v like Fortran Ew.d: optional sign, "0.", d digits, E±xx.
func fortranE(v float64, w, d int) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprintf("%*s", w, "0."+strings.Repeat("0", d)+"E+00")
	}
	sign := ""
	if v < 0 {
		sign = "-"
		v = -v
	}
	m := strconv.FormatFloat(v, 'e', d-1, 64) // d.ddddddde±xx
	mant := strings.Replace(m[:strings.IndexByte(m, 'e')], ".", "", 1)
	exp, _ := strconv.Atoi(m[strings.IndexByte(m, 'e')+1:])
	exp++
	var es string
	if exp >= -99 && exp <= 99 {
		es = fmt.Sprintf("E%+03d", exp)
	} else {
		es = fmt.Sprintf("%+04d", exp)
	}
	return fmt.Sprintf("%*s", w, sign+"0."+mant+es)
}

// fortranF formats v in exactly w characters with as many decimals as fit,
// dropping the leading zero of |v| < 1 (as ARL index fields are written).
func fortranF(v float64, w int) (string, error) {
	for d := w - 1; d >= 0; d-- {
		s := strconv.FormatFloat(v, 'f', d, 64)
		if strings.HasPrefix(s, "0.") {
			s = s[1:]
		} else if strings.HasPrefix(s, "-0.") {
			s = "-" + s[2:]
		}
		if d == 0 {
			s += "."
		}
		if len(s) <= w {
			return fmt.Sprintf("%*s", w, s), nil
		}
	}
	return "", fmt.Errorf("value %g does not fit in %d characters", v, w)
}
