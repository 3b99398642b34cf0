package config

import (
	"strings"
)

// Params holds every STILT/HYSPLIT parameter under R-STILT's names, with
// R-STILT run_stilt.r defaults (hysplit-interface.md §3, §4.3). Optional
// parameters are pointers (nil = not set).
type Params struct {
	// CONTROL
	NHours   int     `json:"n_hours"`  // run length in hours; negative = backward (-24)
	EmissHrs float64 `json:"emisshrs"` // emission duration in hours (0.01)
	WOption  int     `json:"w_option"` // vertical motion option (0)
	ZTop     float64 `json:"z_top"`    // model top, m AGL (25000)

	// Particles and post-processing
	NumPar    int      `json:"numpar"`    // total particles (1000, run_stilt.r)
	VarsiWant []string `json:"varsiwant"` // PARTICLE_STILT.DAT columns in order
	HNFPlume  bool     `json:"hnf_plume"` // hyper-near-field dilution (true)
	RmDat     bool     `json:"rm_dat"`    // delete .DAT files after parsing (true)

	// SETUP.CFG namelist
	CapeMin float64 `json:"capemin"`
	CMass   int     `json:"cmass"`
	ConAge  int     `json:"conage"`
	CPack   int     `json:"cpack"`
	Delt    float64 `json:"delt"`
	DXF     float64 `json:"dxf"`
	DYF     float64 `json:"dyf"`
	DZF     float64 `json:"dzf"`
	EFile   string  `json:"efile"`
	FRHMax  float64 `json:"frhmax"`
	FRHS    float64 `json:"frhs"`
	FRME    float64 `json:"frme"`
	FRMR    float64 `json:"frmr"`
	FRTS    float64 `json:"frts"`
	FRVS    float64 `json:"frvs"`
	HScale  float64 `json:"hscale"`
	IChem   int     `json:"ichem"`
	IDsp    int     `json:"idsp"`
	InitD   int     `json:"initd"`
	K10M    int     `json:"k10m"`
	KAGL    int     `json:"kagl"`
	KBLS    int     `json:"kbls"`
	KBLT    int     `json:"kblt"`
	KDef    int     `json:"kdef"`
	KHInp   int     `json:"khinp"`
	KHMax   int     `json:"khmax"`
	KMix0   int     `json:"kmix0"`
	KMixD   int     `json:"kmixd"`
	KMSL    *int    `json:"kmsl,omitempty"` // nil: derived from the receptor (agl 0, msl 1)
	KPuff   int     `json:"kpuff"`
	KRand   int     `json:"krand"`
	Seed    *int64  `json:"seed,omitempty"` // HYSPLIT SEED, written only when set
	KRnd    int     `json:"krnd"`
	KSpl    int     `json:"kspl"`
	KWet    int     `json:"kwet"`
	KZMix   int     `json:"kzmix"`
	MaxDim  int     `json:"maxdim"`
	MaxPar  *int    `json:"maxpar,omitempty"` // nil: = numpar
	MGMin   int     `json:"mgmin"`
	MHrs    int     `json:"mhrs"`
	NBPTyp  int     `json:"nbptyp"`
	NCycl   int     `json:"ncycl"`
	NDump   int     `json:"ndump"`
	NInit   int     `json:"ninit"`
	NStr    int     `json:"nstr"`
	NTurb   int     `json:"nturb"`
	NVer    int     `json:"nver"`
	OutDT   int     `json:"outdt"`
	P10F    int     `json:"p10f"`
	PinBC   string  `json:"pinbc"`
	PinPF   string  `json:"pinpf"`
	PoutF   string  `json:"poutf"`
	QCycle  float64 `json:"qcycle"`
	RHB     float64 `json:"rhb"`
	RHT     float64 `json:"rht"`
	SplitF  float64 `json:"splitf"`
	TKerD   float64 `json:"tkerd"`
	TKerN   float64 `json:"tkern"`
	TLFrac  float64 `json:"tlfrac"`
	TOut    float64 `json:"tout"`
	TRatio  float64 `json:"tratio"`
	TVMix   float64 `json:"tvmix"`
	VegHt   float64 `json:"veght"`
	VScale  float64 `json:"vscale"`
	VScaleU float64 `json:"vscaleu"`
	VScaleS float64 `json:"vscales"`
	WBBH    float64 `json:"wbbh"`
	WBWF    float64 `json:"wbwf"`
	WBWR    float64 `json:"wbwr"`
	WVert   bool    `json:"wvert"`

	// Mixing-height scaling (ZICONTROL)
	ZIControlTF int       `json:"zicontroltf"`
	ZIScale     []float64 `json:"ziscale,omitempty"` // scalar → one value per hour; list used as given

	// Transport error (WINDERR/ZIERR); each group all set or all nil.
	SigUVErr    *float64 `json:"siguverr,omitempty"`    // m/s
	TLUVErr     *float64 `json:"tluverr,omitempty"`     // min
	ZCorUVErr   *float64 `json:"zcoruverr,omitempty"`   // m
	HorCorUVErr *float64 `json:"horcoruverr,omitempty"` // km
	SigZIErr    *float64 `json:"sigzierr,omitempty"`    // %
	TLZIErr     *float64 `json:"tlzierr,omitempty"`     // min
	HorCorZIErr *float64 `json:"horcorzierr,omitempty"` // km

	ziScalar bool // ziscale was given as a scalar
	krandSet bool // krand was given in run.toml
}

// KRandExplicit reports whether run.toml set krand. When it did not,
// stilt-mpi's engines use KRAND=1 with a SEED derived from the simulation id
// (reproducible results); SETUP.CFG writers given these Params unchanged
// still write R-STILT's default KRAND=4.
func (p *Params) KRandExplicit() bool { return p.krandSet }

// DefaultVarsiWant is R-STILT's default particle column list.
var DefaultVarsiWant = []string{"time", "indx", "long", "lati", "zagl", "foot", "mlht", "dens", "samt", "sigw", "tlgr"}

// KnownVarsiWant lists the particle output names HYSPLIT-STILT accepts.
var KnownVarsiWant = []string{"time", "indx", "long", "lati", "zagl", "foot", "mlht", "pres", "dens", "samt",
	"sigw", "tlgr", "zsfc", "temp", "shtf", "lhtf", "dswf", "tcld", "lcld", "rain", "crai", "rhfr", "sphu",
	"solw", "dmas", "icdx", "zloc", "wout", "temz"}

// hnfRequired are the columns the HNF correction needs.
var hnfRequired = []string{"dens", "samt", "sigw", "tlgr", "foot", "mlht"}

// DefaultParams returns R-STILT's run_stilt.r values.
func DefaultParams() Params {
	return Params{
		NHours: -24, EmissHrs: 0.01, WOption: 0, ZTop: 25000,
		NumPar: 1000, VarsiWant: append([]string(nil), DefaultVarsiWant...), HNFPlume: true, RmDat: true,
		CapeMin: -1, CMass: 0, ConAge: 48, CPack: 1, Delt: 1, DXF: 1, DYF: 1, DZF: 0.01,
		FRHMax: 3, FRHS: 1, FRME: 0.1, FRMR: 0, FRTS: 0.1, FRVS: 0.01, HScale: 10800,
		IChem: 8, IDsp: 2, InitD: 0, K10M: 1, KAGL: 1, KBLS: 1, KBLT: 5, KDef: 0, KHInp: 0, KHMax: 9999,
		KMix0: 150, KMixD: 3, KPuff: 0, KRand: 4, KRnd: 6, KSpl: 1, KWet: 1, KZMix: 0, MaxDim: 1,
		MGMin: 10, MHrs: 9999, NBPTyp: 1, NCycl: 0, NDump: 0, NInit: 1, NStr: 0, NTurb: 0, NVer: 0,
		OutDT: 0, P10F: 1, QCycle: 0, RHB: 80, RHT: 60, SplitF: 1, TKerD: 0.18, TKerN: 0.18,
		TLFrac: 0.1, TOut: 0, TRatio: 0.75, TVMix: 1, VegHt: 0.5, VScale: 200, VScaleU: 200, VScaleS: -1,
		WBBH: 0, WBWF: 0, WBWR: 0, WVert: false, ZIControlTF: 0,
	}
}

// MaxParValue returns MAXPAR (numpar unless set).
func (p *Params) MaxParValue() int {
	if p.MaxPar != nil {
		return *p.MaxPar
	}
	return p.NumPar
}

// WindErrGroupSet and ZIErrGroupSet report whether the error groups are set.
func (p *Params) WindErrGroupSet() bool {
	return p.SigUVErr != nil && p.TLUVErr != nil && p.ZCorUVErr != nil && p.HorCorUVErr != nil
}

func (p *Params) ZIErrGroupSet() bool {
	return p.SigZIErr != nil && p.TLZIErr != nil && p.HorCorZIErr != nil
}

// WindErrTF is 1·[wind group set] + 2·[zi group set]; the error pass runs
// iff it is > 0.
func (p *Params) WindErrTF() int {
	k := 0
	if p.WindErrGroupSet() {
		k++
	}
	if p.ZIErrGroupSet() {
		k += 2
	}
	return k
}

// ZIScaleValues returns the ZICONTROL factors: a scalar ziscale expands to
// max(|n_hours|, 1) copies, a list is used as given.
func (p *Params) ZIScaleValues() []float64 {
	if p.ziScalar && len(p.ZIScale) == 1 {
		n := p.NHours
		if n < 0 {
			n = -n
		}
		if n < 1 {
			n = 1
		}
		out := make([]float64, n)
		for i := range out {
			out[i] = p.ZIScale[0]
		}
		return out
	}
	return append([]float64(nil), p.ZIScale...)
}

// SetZIScaleScalar sets ziscale to one value repeated per simulation hour.
func (p *Params) SetZIScaleScalar(v float64) {
	p.ZIScale = []float64{v}
	p.ziScalar = true
}

// IVMax is the number of output columns.
func (p *Params) IVMax() int { return len(p.VarsiWant) }

// HasVar reports whether VARSIWANT contains name.
func (p *Params) HasVar(name string) bool {
	for _, v := range p.VarsiWant {
		if v == name {
			return true
		}
	}
	return false
}

// paramHints point R-STILT run_stilt.r settings that live elsewhere in
// run.toml to their place.
var paramHints = map[string]string{
	"timeout":            "set [transport] timeout",
	"xmn":                "footprint grids go in [footprints.<name>] as xmin",
	"xmx":                "footprint grids go in [footprints.<name>] as xmax",
	"ymn":                "footprint grids go in [footprints.<name>] as ymin",
	"ymx":                "footprint grids go in [footprints.<name>] as ymax",
	"xres":               "footprint grids go in [footprints.<name>]",
	"yres":               "footprint grids go in [footprints.<name>]",
	"projection":         "footprint grids go in [footprints.<name>]",
	"smooth_factor":      "footprint grids go in [footprints.<name>]",
	"time_integrate":     "footprint grids go in [footprints.<name>]",
	"n_met_min":          "set n_min in [met.<name>]",
	"met_file_format":    "set file_format in [met.<name>]",
	"met_path":           "set directory in [met.<name>]",
	"met_subgrid_enable": "set subgrid_enable in [met.<name>]",
	"met_subgrid_buffer": "set subgrid_buffer in [met.<name>]",
	"met_subgrid_levels": "set subgrid_levels in [met.<name>]",
	"n_cores":            "parallelism comes from MPI ranks ([mpi], [slurm])",
	"n_nodes":            "set nodes in [slurm]",
	"ivmax":              "IVMAX is derived from varsiwant",
	"run_trajec":         "trajectories always run; [output] trajectories = true exports them",
	"run_foot":           "a footprint is computed for each [footprints.<name>]; define none for trajectories only",
	"met_loc":            "set directory in [met.<name>]",
}

func readParams(t *tbl, p *Params) {
	t.hints = paramHints
	nz := func(v int) string {
		if v == 0 {
			return "must not be 0 (negative runs backward, positive forward)"
		}
		return ""
	}
	t.integer("n_hours", &p.NHours, nz)
	t.float("emisshrs", &p.EmissHrs, above(0.0))
	t.integer("w_option", &p.WOption, between(0, 10))
	t.float("z_top", &p.ZTop, above(0.0))
	t.integer("numpar", &p.NumPar, atLeast(1))
	t.strs("varsiwant", &p.VarsiWant)
	t.boolean("hnf_plume", &p.HNFPlume)
	t.boolean("rm_dat", &p.RmDat)

	t.float("capemin", &p.CapeMin, nil)
	t.integer("cmass", &p.CMass, oneOf(0, 1))
	t.integer("conage", &p.ConAge, atLeast(0))
	t.integer("cpack", &p.CPack, between(0, 3))
	t.float("delt", &p.Delt, between(0.0, 60.0))
	t.float("dxf", &p.DXF, above(0.0))
	t.float("dyf", &p.DYF, above(0.0))
	t.float("dzf", &p.DZF, above(0.0))
	t.str("efile", &p.EFile)
	t.float("frhmax", &p.FRHMax, atLeast(0.0))
	t.float("frhs", &p.FRHS, atLeast(0.0))
	t.float("frme", &p.FRME, atLeast(0.0))
	t.float("frmr", &p.FRMR, atLeast(0.0))
	t.float("frts", &p.FRTS, atLeast(0.0))
	t.float("frvs", &p.FRVS, atLeast(0.0))
	t.float("hscale", &p.HScale, above(0.0))
	t.integer("ichem", &p.IChem, between(0, 10))
	t.integer("idsp", &p.IDsp, oneOf(1, 2))
	t.integer("initd", &p.InitD, atLeast(0))
	t.integer("k10m", &p.K10M, oneOf(0, 1))
	t.integer("kagl", &p.KAGL, oneOf(0, 1))
	t.integer("kbls", &p.KBLS, oneOf(1, 2))
	t.integer("kblt", &p.KBLT, between(1, 5))
	t.integer("kdef", &p.KDef, oneOf(0, 1))
	t.integer("khinp", &p.KHInp, atLeast(0))
	t.integer("khmax", &p.KHMax, atLeast(1))
	t.integer("kmix0", &p.KMix0, atLeast(0))
	t.integer("kmixd", &p.KMixD, between(0, 3))
	t.optInt("kmsl", &p.KMSL, oneOf(0, 1))
	t.integer("kpuff", &p.KPuff, oneOf(0, 1))
	p.krandSet = t.has("krand")
	t.integer("krand", &p.KRand, between(0, 4))
	var seed int64
	if t.has("seed") {
		before := len(t.w.errs)
		t.int64v("seed", &seed, between[int64](0, 1<<31-1)) // Fortran default INTEGER
		if len(t.w.errs) == before {
			p.Seed = &seed
		}
	} else {
		t.known = append(t.known, "seed")
	}
	t.integer("krnd", &p.KRnd, atLeast(0))
	t.integer("kspl", &p.KSpl, atLeast(1))
	t.integer("kwet", &p.KWet, oneOf(0, 1))
	t.integer("kzmix", &p.KZMix, between(0, 3))
	t.integer("maxdim", &p.MaxDim, atLeast(1))
	t.optInt("maxpar", &p.MaxPar, atLeast(1))
	t.integer("mgmin", &p.MGMin, atLeast(1))
	t.integer("mhrs", &p.MHrs, atLeast(1))
	t.integer("nbptyp", &p.NBPTyp, atLeast(1))
	t.integer("ncycl", &p.NCycl, atLeast(0))
	t.integer("ndump", &p.NDump, atLeast(0))
	t.integer("ninit", &p.NInit, atLeast(0))
	t.integer("nstr", &p.NStr, atLeast(0))
	t.integer("nturb", &p.NTurb, oneOf(0, 1))
	t.integer("nver", &p.NVer, atLeast(0))
	t.integer("outdt", &p.OutDT, atLeast(0))
	t.integer("p10f", &p.P10F, atLeast(0))
	t.str("pinbc", &p.PinBC)
	t.str("pinpf", &p.PinPF)
	t.str("poutf", &p.PoutF)
	t.float("qcycle", &p.QCycle, atLeast(0.0))
	t.float("rhb", &p.RHB, between(0.0, 100.0))
	t.float("rht", &p.RHT, between(0.0, 100.0))
	t.float("splitf", &p.SplitF, nil)
	t.float("tkerd", &p.TKerD, atLeast(0.0))
	t.float("tkern", &p.TKerN, atLeast(0.0))
	t.float("tlfrac", &p.TLFrac, func(v float64) string {
		if v <= 0 || v > 1 {
			return "must be in (0, 1]"
		}
		return ""
	})
	t.float("tout", &p.TOut, atLeast(0.0))
	t.float("tratio", &p.TRatio, func(v float64) string {
		if v <= 0 || v > 1 {
			return "must be in (0, 1]"
		}
		return ""
	})
	t.float("tvmix", &p.TVMix, atLeast(0.0))
	t.float("veght", &p.VegHt, func(v float64) string {
		if v <= 0 || v > 1 {
			return "must be in (0, 1] (fraction of the mixed-layer height)"
		}
		return ""
	})
	t.float("vscale", &p.VScale, nil)
	t.float("vscaleu", &p.VScaleU, nil)
	t.float("vscales", &p.VScaleS, nil)
	t.float("wbbh", &p.WBBH, nil)
	t.float("wbwf", &p.WBWF, nil)
	t.float("wbwr", &p.WBWR, nil)
	t.boolean("wvert", &p.WVert)
	t.integer("zicontroltf", &p.ZIControlTF, oneOf(0, 1))
	if v, ok := t.m["ziscale"]; ok {
		switch x := v.(type) {
		case float64, int64:
			p.ziScalar = true
		case []any:
			// PYSTILT accepts [[...]] holding exactly one inner list.
			if len(x) > 0 {
				if _, nested := x[0].([]any); nested {
					if len(x) != 1 {
						t.errf("ziscale", "a nested ziscale must hold exactly one inner list, got %d", len(x))
						delete(t.m, "ziscale")
						t.known = append(t.known, "ziscale")
						break
					}
					t.m["ziscale"] = x[0]
				}
			}
		}
	}
	t.floats("ziscale", &p.ZIScale, true, atLeast(0.0))
	pos := above(0.0)
	t.optFloat("siguverr", &p.SigUVErr, pos)
	t.optFloat("tluverr", &p.TLUVErr, pos)
	t.optFloat("zcoruverr", &p.ZCorUVErr, pos)
	t.optFloat("horcoruverr", &p.HorCorUVErr, pos)
	t.optFloat("sigzierr", &p.SigZIErr, pos)
	t.optFloat("tlzierr", &p.TLZIErr, pos)
	t.optFloat("horcorzierr", &p.HorCorZIErr, pos)
	var explicitWE *int
	t.optInt("winderrtf", &explicitWE, between(0, 3))
	t.finish()

	// Cross-field rules (hysplit-interface.md §4.4).
	key := func(k string) string { return join(t.path, k) }
	known := map[string]bool{}
	for _, k := range KnownVarsiWant {
		known[k] = true
	}
	seen := map[string]bool{}
	for i, v := range p.VarsiWant {
		switch {
		case !known[v]:
			t.w.errAt(key("varsiwant"), "element %d %q is not a HYSPLIT-STILT output name; allowed: %s", i, v, strings.Join(KnownVarsiWant, ", "))
		case seen[v]:
			t.w.errAt(key("varsiwant"), "%q listed twice", v)
		}
		seen[v] = true
	}
	for _, req := range []string{"time", "indx", "long", "lati", "zagl"} {
		if !seen[req] {
			t.w.errAt(key("varsiwant"), "must contain %q (needed to read particles)", req)
		}
	}
	if p.HNFPlume {
		var miss []string
		for _, req := range hnfRequired {
			if !seen[req] {
				miss = append(miss, req)
			}
		}
		if len(miss) > 0 {
			t.w.errAt(key("varsiwant"), "hnf_plume = true needs %s in varsiwant (missing %s)", strings.Join(hnfRequired, ", "), strings.Join(miss, ", "))
		}
	}
	group := func(names []string, vals []*float64) {
		var set, unset []string
		for i, v := range vals {
			if v != nil {
				set = append(set, names[i])
			} else {
				unset = append(unset, names[i])
			}
		}
		if len(set) > 0 && len(unset) > 0 {
			t.w.errAt(key(set[0]), "the error group %s must be all set or all unset (missing %s)", strings.Join(names, ", "), strings.Join(unset, ", "))
		}
	}
	group([]string{"siguverr", "tluverr", "zcoruverr", "horcoruverr"}, []*float64{p.SigUVErr, p.TLUVErr, p.ZCorUVErr, p.HorCorUVErr})
	group([]string{"sigzierr", "tlzierr", "horcorzierr"}, []*float64{p.SigZIErr, p.TLZIErr, p.HorCorZIErr})
	if explicitWE != nil && *explicitWE != p.WindErrTF() {
		t.w.errAt(key("winderrtf"), "%d conflicts with the error parameters set (derived value %d = 1·[wind group] + 2·[zi group]); remove it", *explicitWE, p.WindErrTF())
	}
	if p.ZIControlTF == 1 {
		if len(p.ZIScale) == 0 {
			t.w.errAt(key("ziscale"), "zicontroltf = 1 needs ziscale (a number, or one number per simulation hour)")
		}
		for i, z := range p.ZIScale {
			if z <= 0 {
				t.w.errAt(key("ziscale"), "element %d is %v: with zicontroltf = 1 every mixing-height factor must be > 0", i, z)
				break
			}
		}
	}
	if p.MaxPar != nil && *p.MaxPar < p.NumPar {
		t.w.errAt(key("maxpar"), "%d must be >= numpar (%d)", *p.MaxPar, p.NumPar)
	}
}

// checkNativeParams reports the [params] the native transport engine cannot
// run (it is the engine when no HYSPLIT install is configured): the
// transport error pass, mixed-layer schemes other than kmixd = 3, vertical
// motion options other than 0 and zi scaling. Without this every
// simulation of the batch would fail with the same message.
func checkNativeParams(w *walker, p *Params) {
	key := func(k string) string { return "params." + k }
	const alt = `; set [transport] engine = "hysplit" with hysplit_dir (a HYSPLIT install) to run it`
	if p.WindErrGroupSet() {
		w.errAt(key("siguverr"), "the wind error group (siguverr, tluverr, zcoruverr, horcoruverr) asks for the transport error pass, which the native engine does not run"+alt)
	}
	if p.ZIErrGroupSet() {
		w.errAt(key("sigzierr"), "the mixed-layer error group (sigzierr, tlzierr, horcorzierr) asks for the transport error pass, which the native engine does not run"+alt)
	}
	if p.KMixD != 3 {
		w.errAt(key("kmixd"), "%d: the native engine implements only kmixd = 3 (bulk Richardson mixed layer)"+alt, p.KMixD)
	}
	if p.WOption != 0 {
		w.errAt(key("w_option"), "%d: the native engine implements only w_option = 0 (the data's vertical velocity)"+alt, p.WOption)
	}
	if p.ZIControlTF != 0 {
		w.errAt(key("zicontroltf"), "1: the native engine does not scale the mixed-layer height (ziscale)"+alt)
	}
}
