package report

import (
	"bytes"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
)

// PlotEfficiency writes a PNG of parallel efficiency against MPI ranks, with
// the ideal efficiency 1 as a dashed line, to path (atomically).
func PlotEfficiency(rows []Row, path string) error {
	if len(rows) == 0 {
		return fmt.Errorf("plot %s: no rows", path)
	}
	p := plot.New()
	p.Title.Text = "stilt-mpi parallel efficiency"
	p.X.Label.Text = "MPI ranks"
	p.Y.Label.Text = "parallel efficiency"
	pts := make(plotter.XYs, len(rows))
	maxEff := 1.0
	for i, r := range rows {
		pts[i].X, pts[i].Y = float64(r.Ranks), r.Efficiency
		maxEff = max(maxEff, r.Efficiency)
	}
	line, scatter, err := plotter.NewLinePoints(pts)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	line.Color = color.RGBA{B: 200, A: 255}
	scatter.Color = line.Color
	ideal, err := plotter.NewLine(plotter.XYs{{X: pts[0].X, Y: 1}, {X: pts[len(pts)-1].X, Y: 1}})
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	ideal.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
	ideal.Color = color.Gray{Y: 120}
	p.Add(plotter.NewGrid(), ideal, line, scatter)
	p.Legend.Add("measured", line, scatter)
	p.Legend.Add("ideal", ideal)
	p.Legend.Top = false
	p.Legend.Left = true
	p.Y.Min, p.Y.Max = 0, maxEff*1.1
	if len(rows) == 1 {
		p.X.Min, p.X.Max = pts[0].X-1, pts[0].X+1
	}
	wt, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return atomicfile.Write(path, buf.Bytes(), 0o644)
}
