package hysplit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// Inputs is everything needed to write one simulation's input files.
type Inputs struct {
	Receptor receptor.Receptor
	// MetFiles are the met files as CONTROL must name them, in chronological
	// order; each becomes a directory line (dirname + "/ ") and a basename
	// line. Staged files are typically given as "met/<basename>" relative to
	// the run directory, or a short absolute path.
	MetFiles []string
	Params   config.Params
	// ErrorPass writes WINDERR and/or ZIERR for the configured error groups
	// and sets WINDERRTF = Params.WindErrTF() in SETUP.CFG; otherwise
	// WINDERRTF = 0 and stale WINDERR/ZIERR files are removed.
	ErrorPass bool
}

// File names written into a run directory.
const (
	ControlFile   = "CONTROL"
	SetupFile     = "SETUP.CFG"
	ZIControlFile = "ZICONTROL"
	WindErrFile   = "WINDERR"
	ZIErrFile     = "ZIERR"
)

// WriteInputs writes CONTROL, SETUP.CFG and, when configured, ZICONTROL
// (ZICONTROLTF=1) and WINDERR/ZIERR (error pass) into dir, creating dir if
// needed. Files not wanted for this pass are removed so that a reused
// directory holds no stale inputs. Every file is written atomically.
func WriteInputs(dir string, in Inputs) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("hysplit inputs: %w", err)
	}
	p := &in.Params
	winderrtf := 0
	if in.ErrorPass {
		winderrtf = p.WindErrTF()
		if winderrtf == 0 {
			return errors.New("hysplit inputs: error pass requested but no transport-error group (siguverr…/sigzierr…) is set")
		}
	}
	type file struct {
		name  string
		want  bool
		write func(io.Writer) error
	}
	files := []file{
		{ControlFile, true, func(w io.Writer) error { return WriteControl(w, &in.Receptor, in.MetFiles, p) }},
		{SetupFile, true, func(w io.Writer) error { return WriteSetup(w, p, &in.Receptor, winderrtf) }},
		{ZIControlFile, p.ZIControlTF == 1, func(w io.Writer) error { return WriteZIControl(w, p) }},
		{WindErrFile, in.ErrorPass && p.WindErrGroupSet(), func(w io.Writer) error { return WriteWindErr(w, p) }},
		{ZIErrFile, in.ErrorPass && p.ZIErrGroupSet(), func(w io.Writer) error { return WriteZIErr(w, p) }},
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if !f.want {
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("hysplit inputs: remove stale %s: %w", path, err)
			}
			continue
		}
		var buf bytes.Buffer
		if err := f.write(&buf); err != nil {
			return fmt.Errorf("hysplit inputs: %s: %w", f.name, err)
		}
		if err := atomicfile.Write(path, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("hysplit inputs: %w", err)
		}
	}
	return nil
}

// Limits of the CONTROL met lines. Measured with hycs_std v5.1.0 on the
// project's HRRR files: directory lines (including the trailing slash) of up
// to 256 characters work; at 257 the binary truncates the path, prints
// "Unable to find file" and exits with status 132. File names of 255
// characters (the Linux maximum) work.
const (
	MaxMetDirLine  = 256
	MaxMetFileName = 255
)

// controlTail is the fixed dummy concentration/deposition block after the
// emission duration line (hysplit-interface.md §3).
var controlTail = []string{
	"00 00 00 00 00",
	"1",
	"0.0 0.0",
	"0.5 0.5",
	"30.0 30.0",
	"./",
	"cdump",
	"1",
	"100",
	"00 00 00 00 00",
	"00 00 00 00 00",
	"00 2 00",
	"1",
	"0.0 0.0 0.0",
	"0.0 0.0 0.0 0.0 0.0",
	"0.0 0.0 0.0",
	"0.0",
	"0.0",
}

// WriteControl writes CONTROL for a receptor (point: 1 release line; column:
// bottom then top at one lat/lon, a line source; multipoint: one line per
// point in order), the run length (negative backward, positive forward) and
// the met files, formatted as R-STILT's write_control.r.
func WriteControl(w io.Writer, rec *receptor.Receptor, metFiles []string, p *config.Params) error {
	if err := rec.Validate(); err != nil {
		return err
	}
	if len(metFiles) == 0 {
		return errors.New("CONTROL: no met files")
	}
	if p.NHours == 0 {
		return errors.New("CONTROL: n_hours must not be 0")
	}
	var b strings.Builder
	line := func(s string) { b.WriteString(s); b.WriteByte('\n') }
	line(rec.Time.UTC().Format("06 01 02 15 04"))
	line(strconv.Itoa(rec.NumPoints()))
	for i := range rec.Lons {
		line(RPaste(rec.Lats[i]) + " " + RPaste(rec.Lons[i]) + " " + RPaste(rec.Heights[i]))
	}
	line(strconv.Itoa(p.NHours))
	line(strconv.Itoa(p.WOption))
	line(rFormatNsmall1(p.ZTop))
	line(strconv.Itoa(len(metFiles)))
	for _, f := range metFiles {
		dir, base := rDirBase(f)
		if base == "" || strings.HasSuffix(f, "/") {
			return fmt.Errorf("CONTROL: met file %q has no file name", f)
		}
		if strings.ContainsAny(f, "\n\r") {
			return fmt.Errorf("CONTROL: met file %q contains a newline", f)
		}
		if len(dir)+1 > MaxMetDirLine {
			return fmt.Errorf("CONTROL: met directory %q is %d characters with its slash; hycs_std v5.1.0 reads at most %d (stage met files into a short directory such as ./met/)", dir, len(dir)+1, MaxMetDirLine)
		}
		if len(base) > MaxMetFileName {
			return fmt.Errorf("CONTROL: met file name %q is longer than %d characters", base, MaxMetFileName)
		}
		if dir == "/" {
			line("/ ")
		} else {
			line(dir + "/ ")
		}
		line(base)
	}
	line("1")
	line("test")
	line("1")
	line(RPaste(p.EmissHrs))
	for _, s := range controlTail {
		line(s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// rDirBase splits a path as R's dirname()/basename() do: trailing slashes
// ignored, "." when there is no directory part; the directory is not
// otherwise cleaned ("./met/x" → "./met").
func rDirBase(p string) (dir, base string) {
	t := strings.TrimRight(p, "/")
	if t == "" {
		return "/", ""
	}
	i := strings.LastIndexByte(t, '/')
	if i < 0 {
		return ".", t
	}
	dir = strings.TrimRight(t[:i], "/")
	if dir == "" {
		dir = "/"
	}
	return dir, t[i+1:]
}

// RPaste formats a double as R's as.character()/paste() do: at most 15
// significant digits, trailing zeros dropped, and fixed notation unless
// scientific is narrower (R's scipen = 0 rule): 5 → "5", -112 → "-112",
// 40.766 → "40.766", 1e-05 → "1e-05", 100000 → "1e+05", 123456 → "123456".
func RPaste(x float64) string { return rFormat(x, 15, 0) }

// rFormatNsmall1 is R's format(x, nsmall = 1): 7 significant digits, and at
// least one decimal in fixed notation (25000 → "25000.0").
func rFormatNsmall1(x float64) string { return rFormat(x, 7, 1) }

// rFormat implements R's formatReal for one number with the given number of
// significant digits and nsmall.
func rFormat(x float64, digits, nsmall int) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Inf"
	case math.IsInf(x, -1):
		return "-Inf"
	case x == 0:
		if nsmall > 0 {
			return "0." + strings.Repeat("0", nsmall)
		}
		return "0"
	}
	// Round to `digits` significant digits, then drop trailing zeros.
	e := strconv.FormatFloat(x, 'e', digits-1, 64) // -d.ddddde±XX
	mant, expS, _ := strings.Cut(e, "e")
	kp, _ := strconv.Atoi(expS)
	neg := strings.HasPrefix(mant, "-")
	digitsStr := strings.Replace(strings.TrimPrefix(mant, "-"), ".", "", 1)
	digitsStr = strings.TrimRight(digitsStr, "0")
	if digitsStr == "" {
		digitsStr = "0"
	}
	nsig := len(digitsStr)
	negW := 0
	if neg {
		negW = 1
	}
	// Fixed width.
	rgt := nsig - kp - 1
	if rgt < 0 {
		rgt = 0
	}
	left := kp + 1
	if left < 1 {
		left = 1
	}
	fixedW := negW + left
	if rgt > 0 {
		fixedW += rgt + 1
	}
	// Scientific width: mantissa, "e", sign, at least two exponent digits.
	sciW := negW + nsig
	if nsig > 1 {
		sciW++
	}
	expDigits := 2
	if kp >= 100 || kp <= -100 {
		expDigits = 3
	}
	sciW += 2 + expDigits
	if fixedW <= sciW {
		if rgt < nsmall {
			rgt = nsmall
		}
		return strconv.FormatFloat(x, 'f', rgt, 64)
	}
	m := digitsStr[:1]
	if nsig > 1 {
		m += "." + digitsStr[1:]
	}
	if neg {
		m = "-" + m
	}
	sign := "+"
	if kp < 0 {
		sign = "-"
		kp = -kp
	}
	return fmt.Sprintf("%se%s%0*d", m, sign, expDigits, kp)
}
