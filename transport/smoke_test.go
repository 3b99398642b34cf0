package transport

import (
	"context"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/receptor"
)

func TestSmokeD(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	files := []string{"/work/shared/met/20190530_00-05_hrrr", "/work/shared/met/20190530_06-11_hrrr"}
	p := DefaultParams()
	p.ZiRiFriction = true
	rc := receptor.Receptor{Kind: receptor.Point, Time: time.Date(2019, 5, 30, 5, 0, 0, 0, time.UTC), Lons: []float64{-112.2}, Lats: []float64{40.5}, Heights: []float64{5}}
	t0 := time.Now()
	tab, err := (&Native{}).Run(context.Background(), Simulation{ID: "D", Receptor: rc, MetFiles: files, NHours: -5, NumPar: 200, Seed: 1, Params: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rows %d in %s", tab.Len(), time.Since(t0))
	tm, z, ml, sw, tl, ft, lo, la := tab.Col("time"), tab.Col("zagl"), tab.Col("mlht"), tab.Col("sigw"), tab.Col("tlgr"), tab.Col("foot"), tab.Col("long"), tab.Col("lati")
	for h := 1; h <= 5; h++ {
		var n, sz, sml, ssw, stl, sft, slo, sla float64
		for i := range tm {
			if tm[i] == float64(-60*h) {
				n++
				sz += z[i]
				sml += ml[i]
				ssw += sw[i]
				stl += tl[i]
				slo += lo[i]
				sla += la[i]
			}
			if tm[i] <= float64(-60*(h-1)) && tm[i] > float64(-60*h) {
				sft += ft[i]
			}
		}
		t.Logf("h%d n=%v z=%.1f ml=%.1f sw=%.4f tl=%.2f lon=%.4f lat=%.4f foot=%.4f", h, n, sz/n, sml/n, ssw/n, stl/n, slo/n, sla/n, sft/200)
	}
}
