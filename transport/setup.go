package transport

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// RunSettings is what a hycs_std run's SETUP.CFG and CONTROL say about its
// physics, mapped onto the native engine's parameters, so that the engine
// is run "with the same settings" as the hycs_std runs it is judged against.
type RunSettings struct {
	Params Params
	NumPar int // NUMPAR (0 when absent)
	// NoSetup: the run directory has no SETUP.CFG (statistics copied
	// without it); Params are base with CONTROL's settings only.
	NoSetup bool
}

// setupMapped are the SETUP.CFG keys that set a native parameter.
var setupMapped = map[string]func(p *Params, v float64){
	"VEGHT":       func(p *Params, v float64) { p.Veght = v },
	"KMIX0":       func(p *Params, v float64) { p.Kmix0 = v },
	"KMIXD":       func(p *Params, v float64) { p.Kmixd = int(v) },
	"DELT":        func(p *Params, v float64) { p.Delt = v },
	"TLFRAC":      func(p *Params, v float64) { p.TLFrac = v },
	"HSCALE":      func(p *Params, v float64) { p.HScale = v },
	"VSCALE":      func(p *Params, v float64) { p.VScale = v },
	"TRATIO":      func(p *Params, v float64) { p.TRatio = v },
	"NTURB":       func(p *Params, v float64) { p.NTurb = v != 0 },
	"ZICONTROLTF": func(p *Params, v float64) { p.ZIControlTF = v != 0 },
}

// setupFixed are SETUP.CFG settings of HYSPLIT-STILT that the native engine
// implements for one value only (physics.md §3.1): a run with another value
// cannot be reproduced and is refused rather than judged.
var setupFixed = map[string]string{
	"IDSP":      "2",     // STILT dispersion scheme
	"KBLT":      "5",     // Hanna turbulence profiles
	"KBLS":      "1",     // stability from fluxes
	"KDEF":      "0",     // horizontal turbulence option
	"KZMIX":     "0",     // no vertical mixing adjustment
	"TVMIX":     "1",     // vertical mixing scaling factor
	"CAPEMIN":   "-1",    // no convection
	"K10M":      "1",     // 10 m wind and 2 m temperature as the lowest level
	"WINDERRTF": "0",     // no wind-error perturbations
	"WVERT":     "FALSE", // no WRF vertical-velocity interpolation
}

// ReadRunSettings reads dir/SETUP.CFG and dir/CONTROL of a hycs_std run and
// returns base with the run's physics settings applied. A key of setupFixed
// with another value, or a mapped value the engine cannot run, is an error
// that names the file, line and key. Without SETUP.CFG, base is kept and
// NoSetup says so.
func ReadRunSettings(fsys fs.FS, dir string, base Params) (RunSettings, error) {
	rs := RunSettings{Params: base}
	name := path.Join(dir, "SETUP.CFG")
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		rs.NoSetup = true
		return rs, rs.control(fsys, dir)
	}
	if err != nil {
		return rs, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		key := strings.ToUpper(strings.TrimSpace(k))
		val := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), ","))
		if want, fixed := setupFixed[key]; fixed {
			if !sameSetupValue(val, want) {
				return rs, fmt.Errorf("%s line %d: %s=%s: the native engine implements only %s=%s", name, line, key, val, key, want)
			}
			continue
		}
		set, mapped := setupMapped[key]
		if !mapped && key != "NUMPAR" {
			continue
		}
		x, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return rs, fmt.Errorf("%s line %d: %s %q is not a number", name, line, key, val)
		}
		if key == "NUMPAR" {
			rs.NumPar = int(x)
			continue
		}
		set(&rs.Params, x)
	}
	if err := sc.Err(); err != nil {
		return rs, fmt.Errorf("%s: %w", name, err)
	}
	return rs, rs.control(fsys, dir)
}

// control applies CONTROL's vertical motion option and model top and
// checks that the engine can run the result.
func (rs *RunSettings) control(fsys fs.FS, dir string) error {
	ctl, err := readControl(fsys, path.Join(dir, "CONTROL"))
	if err != nil {
		return err
	}
	rs.Params.WOption = ctl.VertMotion
	rs.Params.ZTop = ctl.ZTop
	if err := rs.Params.Validate(); err != nil {
		return fmt.Errorf("%s (SETUP.CFG and CONTROL): %w", dir, err)
	}
	return nil
}

// sameSetupValue compares namelist values as numbers when both are numbers,
// else as words without case (TRUE/FALSE, T/F).
func sameSetupValue(a, b string) bool {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		return x == y
	}
	norm := func(s string) string {
		s = strings.ToUpper(strings.Trim(s, ".'\" "))
		switch s {
		case "T":
			return "TRUE"
		case "F":
			return "FALSE"
		}
		return s
	}
	return norm(a) == norm(b)
}

// physicsFields are the parameters a hycs_std run's CONTROL and SETUP.CFG
// set (ReadRunSettings), by their HYSPLIT names.
var physicsFields = []struct {
	name string
	get  func(p Params) any
}{
	{"VEGHT", func(p Params) any { return p.Veght }},
	{"KMIX0", func(p Params) any { return p.Kmix0 }},
	{"KMIXD", func(p Params) any { return p.Kmixd }},
	{"DELT", func(p Params) any { return p.Delt }},
	{"TLFRAC", func(p Params) any { return p.TLFrac }},
	{"HSCALE", func(p Params) any { return p.HScale }},
	{"VSCALE", func(p Params) any { return p.VScale }},
	{"TRATIO", func(p Params) any { return p.TRatio }},
	{"NTURB", func(p Params) any { return p.NTurb }},
	{"vertical motion", func(p Params) any { return p.WOption }},
	{"model top", func(p Params) any { return p.ZTop }},
}

// physicsDiff names the first physics parameter in which a and b differ
// ("" when none): runs with different settings are not one ensemble.
func physicsDiff(a, b Params) string {
	for _, f := range physicsFields {
		if x, y := f.get(a), f.get(b); x != y {
			return fmt.Sprintf("%s %v against %v", f.name, x, y)
		}
	}
	return ""
}
