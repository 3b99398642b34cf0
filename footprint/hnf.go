package footprint

import (
	"fmt"
	"math"
	"sort"

	"github.com/stilt-mpi/stilt-mpi/particle"
)

// MolarMassDryAir is the molar mass of dry air in kg/mol used by the foot
// formula and by HNF.
const MolarMassDryAir = 0.02897

// HNF applies R-STILT's hyper-near-field plume dilution
// (calc_plume_dilution, spec/footprint.md §1) and returns a new table with
// the same rows in the same order: foot is replaced where the plume is
// shallower than veght·mlht, and the uncorrected foot is kept as column
// foot_no_hnf_dilution. zagl is the plume's starting height (the receptor
// height) used when the table has no xhgt column; with xhgt, each row's
// xhgt is used. The input table is not modified.
//
// Per row: σ = samt·√2·sigw·√(tlgr·|60·time| + tlgr²·exp(−|60·time|/tlgr) − 1)
// (R-STILT's formula as written); the plume depth is the starting height
// plus the cumulative sum of σ within each particle over rows in
// descending time (NaN σ are skipped in the sum and leave their row
// unchanged); where plume < veght·mlht, foot = 0.02897/(plume·dens)·samt·60.
func HNF(tab *particle.Table, veght, zagl float64) (*particle.Table, error) {
	cols, err := tab.Need("indx", "time", "foot", "mlht", "dens", "samt", "sigw", "tlgr")
	if err != nil {
		return nil, fmt.Errorf("hnf plume dilution: %w", err)
	}
	if tab.Has("foot_no_hnf_dilution") {
		return nil, fmt.Errorf("hnf plume dilution: table already has column foot_no_hnf_dilution (applied twice?)")
	}
	indx, tm, foot, mlht, dens, samt, sigw, tlgr := cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7]
	xhgt := tab.Col("xhgt")
	n := tab.Len()
	sigma := make([]float64, n)
	for i := 0; i < n; i++ {
		tau := math.Abs(tm[i] * 60)
		sigma[i] = samt[i] * math.Sqrt2 * sigw[i] * math.Sqrt(tlgr[i]*tau+tlgr[i]*tlgr[i]*math.Exp(-tau/tlgr[i])-1)
	}
	// Rows ordered by time descending (stable), then cumulated per particle.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return tm[order[a]] > tm[order[b]] })
	cum := make(map[float64]float64, 1024)
	plume := make([]float64, n)
	for _, i := range order {
		c := cum[indx[i]]
		if !math.IsNaN(sigma[i]) {
			c += sigma[i]
			cum[indx[i]] = c
			h0 := zagl
			if xhgt != nil {
				h0 = xhgt[i]
			}
			plume[i] = h0 + c
		} else {
			plume[i] = math.NaN()
		}
	}
	out := tab.Clone()
	newFoot := out.Col("foot")
	orig := append([]float64(nil), foot...)
	for i := 0; i < n; i++ {
		if plume[i] < veght*mlht[i] {
			newFoot[i] = MolarMassDryAir / (plume[i] * dens[i]) * samt[i] * 60
		}
	}
	if err := out.SetCol("foot_no_hnf_dilution", orig); err != nil {
		return nil, err
	}
	return out, nil
}
