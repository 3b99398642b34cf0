package hysplit

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// KMSL returns the release-height reference for SETUP.CFG: 0 for AGL
// receptors, 1 for MSL. An explicitly configured kmsl that disagrees with
// the receptor is an error (hysplit-interface.md §4.4).
func KMSL(rec *receptor.Receptor, p *config.Params) (int, error) {
	k := 0
	if rec.MSL {
		k = 1
	}
	if p.KMSL != nil && *p.KMSL != k {
		ref := "agl"
		if rec.MSL {
			ref = "msl"
		}
		return 0, fmt.Errorf("params.kmsl = %d conflicts with the receptor's altitude reference %s (KMSL %d); remove kmsl to derive it", *p.KMSL, ref, k)
	}
	return k, nil
}

// SetupEntry is one SETUP.CFG key with its formatted value.
type SetupEntry struct {
	Key   string
	Value string
}

// nlFloat formats a namelist float: integral values as integers, otherwise
// up to 10 significant digits in fixed notation (no exponent).
func nlFloat(x float64) string {
	if x == math.Trunc(x) && !math.IsInf(x, 0) {
		if x == 0 {
			return "0"
		}
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'e', 9, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

func nlInt(i int) string { return strconv.Itoa(i) }

func nlString(s string) string {
	if s == "" {
		return ""
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func nlBool(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

func nlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}

// SetupEntries returns the SETUP.CFG keys and formatted values in R-STILT's
// order (SEED right after KRAND when set).
func SetupEntries(p *config.Params, rec *receptor.Receptor, winderrtf int) ([]SetupEntry, error) {
	kmsl, err := KMSL(rec, p)
	if err != nil {
		return nil, err
	}
	if winderrtf < 0 || winderrtf > 3 {
		return nil, fmt.Errorf("SETUP.CFG: WINDERRTF %d outside 0..3", winderrtf)
	}
	if len(p.VarsiWant) == 0 {
		return nil, fmt.Errorf("SETUP.CFG: empty VARSIWANT")
	}
	if p.NumPar < 1 {
		return nil, fmt.Errorf("SETUP.CFG: NUMPAR %d must be >= 1", p.NumPar)
	}
	e := []SetupEntry{
		{"CAPEMIN", nlFloat(p.CapeMin)},
		{"CMASS", nlInt(p.CMass)},
		{"CONAGE", nlInt(p.ConAge)},
		{"CPACK", nlInt(p.CPack)},
		{"DELT", nlFloat(p.Delt)},
		{"DXF", nlFloat(p.DXF)},
		{"DYF", nlFloat(p.DYF)},
		{"DZF", nlFloat(p.DZF)},
		{"EFILE", nlString(p.EFile)},
		{"FRHMAX", nlFloat(p.FRHMax)},
		{"FRHS", nlFloat(p.FRHS)},
		{"FRME", nlFloat(p.FRME)},
		{"FRMR", nlFloat(p.FRMR)},
		{"FRTS", nlFloat(p.FRTS)},
		{"FRVS", nlFloat(p.FRVS)},
		{"HSCALE", nlFloat(p.HScale)},
		{"ICHEM", nlInt(p.IChem)},
		{"IDSP", nlInt(p.IDsp)},
		{"INITD", nlInt(p.InitD)},
		{"IVMAX", nlInt(p.IVMax())},
		{"K10M", nlInt(p.K10M)},
		{"KAGL", nlInt(p.KAGL)},
		{"KBLS", nlInt(p.KBLS)},
		{"KBLT", nlInt(p.KBLT)},
		{"KDEF", nlInt(p.KDef)},
		{"KHINP", nlInt(p.KHInp)},
		{"KHMAX", nlInt(p.KHMax)},
		{"KMIX0", nlInt(p.KMix0)},
		{"KMIXD", nlInt(p.KMixD)},
		{"KMSL", nlInt(kmsl)},
		{"KPUFF", nlInt(p.KPuff)},
		{"KRAND", nlInt(p.KRand)},
	}
	if p.Seed != nil {
		e = append(e, SetupEntry{"SEED", strconv.FormatInt(*p.Seed, 10)})
	}
	e = append(e, []SetupEntry{
		{"KRND", nlInt(p.KRnd)},
		{"KSPL", nlInt(p.KSpl)},
		{"KWET", nlInt(p.KWet)},
		{"KZMIX", nlInt(p.KZMix)},
		{"MAXDIM", nlInt(p.MaxDim)},
		{"MAXPAR", nlInt(p.MaxParValue())},
		{"MGMIN", nlInt(p.MGMin)},
		{"MHRS", nlInt(p.MHrs)},
		{"NBPTYP", nlInt(p.NBPTyp)},
		{"NCYCL", nlInt(p.NCycl)},
		{"NDUMP", nlInt(p.NDump)},
		{"NINIT", nlInt(p.NInit)},
		{"NSTR", nlInt(p.NStr)},
		{"NTURB", nlInt(p.NTurb)},
		{"NUMPAR", nlInt(p.NumPar)},
		{"NVER", nlInt(p.NVer)},
		{"OUTDT", nlInt(p.OutDT)},
		{"P10F", nlInt(p.P10F)},
		{"PINBC", nlString(p.PinBC)},
		{"PINPF", nlString(p.PinPF)},
		{"POUTF", nlString(p.PoutF)},
		{"QCYCLE", nlFloat(p.QCycle)},
		{"RHB", nlFloat(p.RHB)},
		{"RHT", nlFloat(p.RHT)},
		{"SPLITF", nlFloat(p.SplitF)},
		{"TKERD", nlFloat(p.TKerD)},
		{"TKERN", nlFloat(p.TKerN)},
		{"TLFRAC", nlFloat(p.TLFrac)},
		{"TOUT", nlFloat(p.TOut)},
		{"TRATIO", nlFloat(p.TRatio)},
		{"TVMIX", nlFloat(p.TVMix)},
		{"VARSIWANT", nlList(p.VarsiWant)},
		{"VEGHT", nlFloat(p.VegHt)},
		{"VSCALE", nlFloat(p.VScale)},
		{"VSCALEU", nlFloat(p.VScaleU)},
		{"VSCALES", nlFloat(p.VScaleS)},
		{"WBBH", nlFloat(p.WBBH)},
		{"WBWF", nlFloat(p.WBWF)},
		{"WBWR", nlFloat(p.WBWR)},
		{"WVERT", nlBool(p.WVert)},
		{"WINDERRTF", nlInt(winderrtf)},
		{"ZICONTROLTF", nlInt(p.ZIControlTF)},
	}...)
	return e, nil
}

// WriteSetup writes SETUP.CFG ($SETUP … $END, one KEY=value, per line).
// KMSL is derived from the receptor; winderrtf is 0 for the main pass and
// Params.WindErrTF() for the error pass.
func WriteSetup(w io.Writer, p *config.Params, rec *receptor.Receptor, winderrtf int) error {
	entries, err := SetupEntries(p, rec, winderrtf)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("$SETUP\n")
	for _, e := range entries {
		b.WriteString(e.Key)
		b.WriteByte('=')
		b.WriteString(e.Value)
		b.WriteString(",\n")
	}
	b.WriteString("$END\n")
	_, err = io.WriteString(w, b.String())
	return err
}
