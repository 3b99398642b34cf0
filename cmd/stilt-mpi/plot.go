package main

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/footprint"
	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
	"github.com/stilt-mpi/stilt-mpi/netcdf"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// footGrid adapts one layer (or the layer sum) to plotter.GridXYZ. Zero
// cells are NaN so that they stay blank.
type footGrid struct {
	g   *footprint.Grid
	z   []float64
	log bool
}

func (f footGrid) Dims() (int, int)   { return f.g.NX(), f.g.NY() }
func (f footGrid) X(c int) float64    { return f.g.X[c] }
func (f footGrid) Y(r int) float64    { return f.g.Y[r] }
func (f footGrid) Z(c, r int) float64 { return f.z[r*f.g.NX()+c] }

// receptorXY reads the receptor position from the file's "receptor"
// attribute (JSON with longitude, latitude), projected to the grid.
func receptorXY(path string, g *footprint.Grid) (float64, float64, bool) {
	f, err := netcdf.Open(path, false)
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	s, err := f.Global().AttrText("receptor")
	if err != nil {
		return 0, 0, false
	}
	var r struct {
		Longitude, Latitude *float64
	}
	if json.Unmarshal([]byte(s), &r) != nil || r.Longitude == nil || r.Latitude == nil {
		return 0, 0, false
	}
	if g.IsLonLat() {
		return *r.Longitude, *r.Latitude, true
	}
	p, err := footprint.ParseProjection(g.Projection)
	if err != nil {
		return 0, 0, false
	}
	x, y := p.Forward(*r.Longitude, *r.Latitude)
	return x, y, true
}

// plotFootprint renders a quicklook PNG: heat map, receptor marker and a
// colour bar with units.
func plotFootprint(in, out string, layer, rec int, logScale bool) error {
	var (
		g     *footprint.Grid
		err   error
		marks plotter.XYs
		title string
	)
	if batch.IsScene(in) {
		sc, err := batch.ReadScene(in)
		if err != nil {
			return err
		}
		if g, err = sc.Grid(rec, layer); err != nil {
			return badInput(err)
		}
		for i := range sc.SimIDs {
			if rec < 0 || i == rec {
				marks = append(marks, plotter.XY{X: sc.Lons[i], Y: sc.Lats[i]})
			}
		}
		what := fmt.Sprintf("sum of %d receptors", sc.NR())
		if rec >= 0 {
			what = sc.SimIDs[rec]
		}
		title = fmt.Sprintf("scene %s: %s", filepath.Base(in), what)
		if layer >= 0 && len(sc.Layers) > 0 {
			title += fmt.Sprintf(", %d h back", sc.Layers[layer])
		}
		layer = 0
	} else if rec >= 0 {
		return badInput(fmt.Errorf("plot: --receptor needs a scene file; %s is a single footprint", in))
	}
	if g == nil {
		if g, err = footprint.ReadNetCDF(in); err != nil {
			return err
		}
		if x, y, ok := receptorXY(in, g); ok {
			marks = append(marks, plotter.XY{X: x, Y: y})
		}
	}
	n := g.NX() * g.NY()
	z := make([]float64, n)
	switch {
	case title != "":
		copy(z, g.Layer(0))
	case layer < 0:
		for t := 0; t < g.NT(); t++ {
			for i, v := range g.Layer(t) {
				z[i] += v
			}
		}
		title = fmt.Sprintf("footprint, sum of %d layer(s)", g.NT())
	case layer < g.NT():
		copy(z, g.Layer(layer))
		title = fmt.Sprintf("footprint, layer %d starting %s", layer, g.Times[layer].Format("2006-01-02 15:04Z"))
	default:
		return badInput(fmt.Errorf("plot: --layer %d: %s has %d layer(s)", layer, in, g.NT()))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, v := range z {
		if !(v > 0) {
			z[i] = math.NaN()
			continue
		}
		if logScale {
			v = math.Log10(v)
			z[i] = v
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	units := footprint.FootUnits
	if logScale {
		units = "log10 foot (" + units + ")"
		if hi-lo > 6 { // show the top six decades
			lo = hi - 6
		}
	} else {
		units = "foot (" + units + ")"
	}
	if math.IsInf(lo, 0) { // empty footprint
		lo, hi = 0, 1
		title += " (empty: " + g.EmptyReason + ")"
	}
	if hi == lo {
		hi = lo + 1
	}
	cmap := palette.Reverse(moreland.ExtendedBlackBody())
	cmap.SetMin(lo)
	cmap.SetMax(hi)

	p := plot.New()
	p.Title.Text = title
	if g.IsLonLat() {
		p.X.Label.Text, p.Y.Label.Text = "longitude (°E)", "latitude (°N)"
	} else {
		p.X.Label.Text, p.Y.Label.Text = "x", "y"
	}
	pal := cmap.Palette(255)
	hm := plotter.NewHeatMap(footGrid{g: g, z: z, log: logScale}, pal)
	hm.Min, hm.Max = lo, hi
	hm.NaN = color.Transparent
	hm.Underflow = pal.Colors()[0] // non-zero cells below the shown decades
	hm.Rasterized = n > 250000     // vector cells stay crisp on small grids
	p.Add(hm)
	if len(marks) > 0 {
		sc, err := plotter.NewScatter(marks)
		if err == nil {
			sc.GlyphStyle.Shape = draw.CrossGlyph{}
			sc.GlyphStyle.Radius = vg.Points(6)
			sc.GlyphStyle.Color = color.RGBA{R: 0, G: 90, B: 255, A: 255}
			p.Add(sc)
			p.Legend.Add("receptor", sc)
			p.Legend.Top = true
		}
	}
	p.X.Min, p.X.Max = g.X[0]-g.Xres/2, g.X[g.NX()-1]+g.Xres/2
	p.Y.Min, p.Y.Max = g.Y[0]-g.Yres/2, g.Y[g.NY()-1]+g.Yres/2

	cb := plot.New()
	cb.HideX()
	cb.Y.Label.Text = units
	cb.Y.Tick.Label.Font.Size = vg.Points(9)
	cb.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true})
	cb.Y.Min, cb.Y.Max = lo, hi

	const w, h = 9 * vg.Inch, 6.5 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	left := draw.Crop(dc, 0, -1.6*vg.Inch, 0, 0)
	right := draw.Crop(dc, w-1.55*vg.Inch, 0, 0.45*vg.Inch, -0.4*vg.Inch)
	p.Draw(left)
	cb.Draw(right)

	if err := atomicfile.WriteFunc(out, 0o644, func(w io.Writer) error {
		_, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

func init() {
	var out string
	var layer int
	var logScale bool
	var rec int
	cmd := &cobra.Command{
		Use:   "plot FOOT.nc -o foot.png [--log] [--layer N]",
		Short: "quicklook map of a footprint netCDF (heat map, receptor, colour bar)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return badInput(fmt.Errorf("plot: flag --output/-o is required"))
			}
			if _, err := os.Stat(args[0]); err != nil {
				return badInput(err)
			}
			return plotFootprint(args[0], out, layer, rec, logScale)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "output PNG path")
	cmd.Flags().IntVar(&layer, "layer", -1, "layer index to draw (default: sum of all layers)")
	cmd.Flags().IntVar(&rec, "receptor", -1, "scene files: receptor index to draw (default: sum of all receptors)")
	cmd.Flags().BoolVar(&logScale, "log", false, "log10 colour scale (top six decades)")
	rootCmd.AddCommand(cmd)
}
