package transport

import (
	"fmt"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
)

// logGrid is a zoomed window of a Binned footprint as log10 values
// (plotter.GridXYZ); zero cells are NaN (not drawn).
type logGrid struct {
	b              *Binned
	i0, j0, ni, nj int
}

func (g logGrid) Dims() (int, int) { return g.ni, g.nj }
func (g logGrid) Z(c, r int) float64 {
	v := g.b.V[(g.j0+r)*g.b.NX+g.i0+c]
	if v <= 0 {
		return math.NaN()
	}
	return math.Log10(v)
}
func (g logGrid) X(c int) float64 { return g.b.Lon0 + (float64(g.i0+c)+0.5)*g.b.Res }
func (g logGrid) Y(r int) float64 { return g.b.Lat0 + (float64(g.j0+r)+0.5)*g.b.Res }

// fixedTicks labels about five ticks with two decimals.
type fixedTicks struct{}

func (fixedTicks) Ticks(lo, hi float64) []plot.Tick {
	step := math.Max((hi-lo)/5, 0.01)
	step = math.Ceil(step/0.01) * 0.01
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprintf("%.2f", v)})
	}
	return ts
}

// meanBinned averages members.
func meanBinned(ms []*Binned) *Binned {
	out := newBinned()
	for _, m := range ms {
		for i, v := range m.V {
			out.V[i] += v / float64(len(ms))
		}
	}
	return out
}

// PlotFootprints writes a PNG with, per receptor, the native binned
// footprint next to the ensemble-mean footprint (log10, common colour scale).
func (r *ValidationReport) PlotFootprints(path string) error {
	rows := len(r.Results)
	if rows == 0 {
		return fmt.Errorf("plot footprints: no results")
	}
	plots := make([][]*plot.Plot, rows)
	for k, res := range r.Results {
		ens := meanBinned(res.Ensemble)
		// window: bounding box of non-zero cells of both, plus a margin
		imin, jmin, imax, jmax := ens.NX, ens.NY, -1, -1
		for _, b := range []*Binned{res.Native, ens} {
			for c, v := range b.V {
				if v > 0 {
					i, j := c%b.NX, c/b.NX
					imin, imax = min(imin, i), max(imax, i)
					jmin, jmax = min(jmin, j), max(jmax, j)
				}
			}
		}
		if imax < 0 {
			imin, jmin, imax, jmax = 0, 0, ens.NX-1, ens.NY-1
		}
		imin, jmin = max(0, imin-2), max(0, jmin-2)
		imax, jmax = min(ens.NX-1, imax+2), min(ens.NY-1, jmax+2)
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, b := range []*Binned{res.Native, ens} {
			for _, v := range b.V {
				if v > 0 {
					lo, hi = math.Min(lo, math.Log10(v)), math.Max(hi, math.Log10(v))
				}
			}
		}
		if math.IsInf(lo, 0) {
			lo, hi = -6, -1
		}
		if hi-lo < 1e-6 {
			hi = lo + 1
		}
		plots[k] = make([]*plot.Plot, 2)
		for c, b := range []*Binned{res.Native, ens} {
			p := plot.New()
			if c == 0 {
				p.Title.Text = fmt.Sprintf("%s native (%d particles), log10 foot %.1f..%.1f", res.Receptor, res.NumPar, lo, hi)
			} else {
				p.Title.Text = fmt.Sprintf("%s hycs_std mean of %d runs", res.Receptor, len(res.Ensemble))
			}
			p.X.Label.Text = "longitude"
			p.X.Tick.Marker = fixedTicks{}
			p.Y.Tick.Marker = fixedTicks{}
			p.Y.Label.Text = "latitude"
			pal := moreland.SmoothBlueRed()
			pal.SetMin(lo)
			pal.SetMax(hi)
			hm := plotter.NewHeatMap(logGrid{b: b, i0: imin, j0: jmin, ni: imax - imin + 1, nj: jmax - jmin + 1}, pal.Palette(64))
			hm.Min, hm.Max = lo, hi
			hm.NaN = nil
			p.Add(hm)
			p.Legend.Top = true
			plots[k][c] = p
		}
	}
	img := vgimg.New(vg.Points(900), vg.Points(420*float64(rows)))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: rows, Cols: 2, PadX: vg.Points(20), PadY: vg.Points(20), PadTop: vg.Points(10), PadBottom: vg.Points(10), PadLeft: vg.Points(10), PadRight: vg.Points(10)}
	canvases := plot.Align(plots, tiles, dc)
	for k := range plots {
		for c := range plots[k] {
			plots[k][c].Draw(canvases[k][c])
		}
	}
	if err := atomicfile.WriteFunc(path, 0o644, func(w io.Writer) error {
		_, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("plot footprints: %w", err)
	}
	return nil
}

// WriteMarkdown writes the comparison tables (atomically).
func (r *ValidationReport) WriteMarkdown(path string) error {
	var sb strings.Builder
	for _, res := range r.Results {
		np := res.Passes()
		fmt.Fprintf(&sb, "### Receptor %s (%d native particles, %d h; ensemble %s)\n\n%d of %d statistics pass. CPU %.2f s, %.3f ms per particle-hour.\n\n",
			res.Receptor, res.NumPar, res.Hours, strings.Join(res.Members, ", "), np, len(res.Stats), res.CPUSeconds, res.MsPerPartHour)
		for _, n := range res.Notes {
			fmt.Fprintf(&sb, "Note: %s.\n\n", n)
		}
		if lo := res.LeaveOneOut; lo != nil {
			m, n, st := lo.Totals()
			fmt.Fprintf(&sb, "Baseline, each hycs_std member judged against the other %d by the same rule: members %d of %d pass, the native run %d of %d against the same reduced ensembles.\n\n",
				len(res.Members)-1, m, st, n, st)
		}
		if f := res.Fresh; f != nil {
			fmt.Fprintf(&sb, "Baseline, %d hycs_std runs with the ensemble's settings but not in it, each judged against the ensemble as the native run is: %s of %d pass (mean %.1f); the native run %d.\n\n",
				len(f.Passes), joinInts(f.Passes), f.Stats, f.Mean(), f.Native)
		}
		sb.WriteString("| hour | statistic | native | ens min | ens max | accept | result |\n|---|---|---|---|---|---|---|\n")
		for _, s := range res.Stats {
			h := fmt.Sprint(s.Hour)
			if s.Hour == 0 {
				h = "all"
			}
			out := "pass"
			if !s.Pass {
				out = "**MISS**"
			}
			fmt.Fprintf(&sb, "| %s | %s | %.6g | %.6g | %.6g | [%.6g, %.6g] | %s |\n", h, s.Name, s.Value, s.Min, s.Max, s.Lo, s.Hi, out)
		}
		sb.WriteString("\n")
	}
	return atomicfile.Write(path, []byte(sb.String()), 0o644)
}
