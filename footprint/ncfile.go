package footprint

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
	"github.com/stilt-mpi/stilt-mpi/netcdf"
)

// FootUnits is the units string of the foot variable (PYSTILT's).
const FootUnits = "ppm m2 s umol-1"

// WriteNetCDF writes the footprint as a CF-1.8 netCDF-4 file:
// foot(time, lat, lon) float64 (deflate 4 with shuffle, NaN fill), cell
// centre coordinates (x, y and a crs grid mapping for projected grids),
// time as the start of each layer in seconds since 1970-01-01 UTC, and
// global attributes describing the grid, smoothing, time integration,
// particle count and empty reason. attrs adds (or overrides) global
// attributes; values may be string, float64, int, int64, []float64 or
// []int32 (e.g. "receptor" as JSON). An empty footprint is written as a
// valid all-zero file. The file appears atomically (temp file + rename).
func (g *Grid) WriteNetCDF(path string, attrs map[string]any) (err error) {
	nx, ny, nt := g.NX(), g.NY(), g.NT()
	if nx == 0 || ny == 0 || nt == 0 || len(g.Data) != nx*ny*nt {
		return fmt.Errorf("footprint: write %s: grid has %d x %d x %d cells and %d values", path, nt, ny, nx, len(g.Data))
	}
	tmp, err := atomicfile.Temp(path, 0o644)
	if err != nil {
		return fmt.Errorf("footprint: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	f, err := netcdf.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := g.defineAndWrite(f, attrs); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := atomicfile.Commit(tmp, path); err != nil {
		return fmt.Errorf("footprint: %w", err)
	}
	return nil
}

func (g *Grid) defineAndWrite(f *netcdf.File, attrs map[string]any) error {
	nx, ny, nt := g.NX(), g.NY(), g.NT()
	lonlat := g.IsLonLat()
	xname, yname := "lon", "lat"
	if !lonlat {
		xname, yname = "x", "y"
	}
	tdim, err := f.DefDim("time", nt)
	if err != nil {
		return err
	}
	ydim, err := f.DefDim(yname, ny)
	if err != nil {
		return err
	}
	xdim, err := f.DefDim(xname, nx)
	if err != nil {
		return err
	}
	tv, err := f.DefVar("time", netcdf.Int64, tdim)
	if err != nil {
		return err
	}
	yv, err := f.DefVar(yname, netcdf.Double, ydim)
	if err != nil {
		return err
	}
	xv, err := f.DefVar(xname, netcdf.Double, xdim)
	if err != nil {
		return err
	}
	crs, err := f.DefVar("crs", netcdf.Int)
	if err != nil {
		return err
	}
	foot, err := f.DefVar("foot", netcdf.Double, tdim, ydim, xdim)
	if err != nil {
		return err
	}
	type kv struct {
		v    netcdf.Var
		name string
		val  any
	}
	list := []kv{
		{tv, "standard_name", "time"}, {tv, "long_name", "start of footprint layer"},
		{tv, "units", "seconds since 1970-01-01 00:00:00"}, {tv, "calendar", "standard"}, {tv, "axis", "T"},
	}
	if lonlat {
		list = append(list,
			kv{yv, "standard_name", "latitude"}, kv{yv, "long_name", "latitude of cell centre"}, kv{yv, "units", "degrees_north"}, kv{yv, "axis", "Y"},
			kv{xv, "standard_name", "longitude"}, kv{xv, "long_name", "longitude of cell centre"}, kv{xv, "units", "degrees_east"}, kv{xv, "axis", "X"},
		)
	} else {
		units := "m"
		if strings.Contains(g.Projection, "+units=km") {
			units = "km"
		}
		list = append(list,
			kv{yv, "standard_name", "projection_y_coordinate"}, kv{yv, "long_name", "y of cell centre"}, kv{yv, "units", units}, kv{yv, "axis", "Y"},
			kv{xv, "standard_name", "projection_x_coordinate"}, kv{xv, "long_name", "x of cell centre"}, kv{xv, "units", units}, kv{xv, "axis", "X"},
		)
	}
	for k, v := range gridMappingAttrs(g.Projection) {
		list = append(list, kv{crs, k, v})
	}
	list = append(list,
		kv{foot, "long_name", "footprint: sensitivity of the receptor mole fraction to surface fluxes, per cell and layer"},
		kv{foot, "units", FootUnits},
		kv{foot, "grid_mapping", "crs"},
	)
	isEmpty := 0
	if g.EmptyReason != "" {
		isEmpty = 1
	}
	proj := g.Projection
	if proj == "" {
		proj = "+proj=longlat"
	}
	gl := f.Global()
	global := map[string]any{
		"Conventions":    "CF-1.8",
		"title":          "STILT footprint",
		"source":         "stilt-mpi",
		"projection":     proj,
		"xmin":           g.Xmin,
		"xmax":           g.Xmax,
		"ymin":           g.Ymin,
		"ymax":           g.Ymax,
		"xres":           g.Xres,
		"yres":           g.Yres,
		"smooth_factor":  g.SmoothFactor,
		"time_integrate": b2i(g.TimeIntegrate),
		"receptor_time":  g.ReceptorTime.UTC().Format(time.RFC3339Nano),
		"particle_count": g.N,
		"is_empty":       isEmpty,
		"empty_reason":   g.EmptyReason,
		"time_created":   time.Now().UTC().Format(time.RFC3339),
	}
	for k, v := range attrs {
		global[k] = v
	}
	keys := make([]string, 0, len(global))
	for k := range global {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		list = append(list, kv{gl, k, global[k]})
	}
	for _, a := range list {
		if err := a.v.PutAttr(a.name, a.val); err != nil {
			return err
		}
	}
	if err := foot.SetFill(math.NaN()); err != nil {
		return err
	}
	if err := foot.SetChunking(1, ny, nx); err != nil {
		return err
	}
	if err := foot.SetDeflate(true, 4); err != nil {
		return err
	}
	if err := f.EndDef(); err != nil {
		return err
	}
	secs := make([]int64, nt)
	for k, t := range g.Times {
		secs[k] = t.Unix()
	}
	if err := tv.PutInt64s([]int{0}, []int{nt}, secs); err != nil {
		return err
	}
	if err := xv.PutFloat64s([]int{0}, []int{nx}, g.X); err != nil {
		return err
	}
	if err := yv.PutFloat64s([]int{0}, []int{ny}, g.Y); err != nil {
		return err
	}
	if err := crs.PutInt32s(nil, nil, []int32{0}); err != nil {
		return err
	}
	for k := 0; k < nt; k++ {
		if err := foot.PutFloat64s([]int{k, 0, 0}, []int{1, ny, nx}, g.Layer(k)); err != nil {
			return err
		}
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// gridMappingAttrs returns CF grid-mapping attributes for a PROJ string.
func gridMappingAttrs(proj string) map[string]any {
	if proj == "" {
		proj = "+proj=longlat"
	}
	out := map[string]any{"proj4_params": proj}
	kv := map[string]string{}
	for _, tok := range strings.Fields(proj) {
		k, v, _ := strings.Cut(strings.TrimPrefix(tok, "+"), "=")
		kv[k] = v
	}
	num := func(k string, def float64) float64 {
		var f float64
		if _, err := fmt.Sscan(kv[k], &f); err != nil {
			return def
		}
		return f
	}
	if p, err := ParseProjection(proj); err == nil && p.a > 0 {
		out["semi_major_axis"] = p.a
		if p.e > 0 {
			b := p.a * math.Sqrt(1-p.e*p.e)
			out["inverse_flattening"] = p.a / (p.a - b)
		} else {
			out["inverse_flattening"] = 0.0
		}
	}
	switch kv["proj"] {
	case "longlat", "latlong", "lonlat", "latlon":
		out["grid_mapping_name"] = "latitude_longitude"
		delete(out, "semi_major_axis")
		delete(out, "inverse_flattening")
		out["semi_major_axis"] = 6378137.0
		out["inverse_flattening"] = 298.257223563
	case "lcc":
		lat1 := num("lat_1", num("lat_0", 0))
		out["grid_mapping_name"] = "lambert_conformal_conic"
		out["standard_parallel"] = []float64{lat1, num("lat_2", lat1)}
		out["longitude_of_central_meridian"] = num("lon_0", 0)
		out["latitude_of_projection_origin"] = num("lat_0", 0)
		out["false_easting"] = num("x_0", 0)
		out["false_northing"] = num("y_0", 0)
	case "merc":
		out["grid_mapping_name"] = "mercator"
		out["longitude_of_projection_origin"] = num("lon_0", 0)
		if _, ok := kv["lat_ts"]; ok {
			out["standard_parallel"] = num("lat_ts", 0)
		} else {
			out["scale_factor_at_projection_origin"] = num("k_0", num("k", 1))
		}
		out["false_easting"] = num("x_0", 0)
		out["false_northing"] = num("y_0", 0)
	case "tmerc":
		out["grid_mapping_name"] = "transverse_mercator"
		out["longitude_of_central_meridian"] = num("lon_0", 0)
		out["latitude_of_projection_origin"] = num("lat_0", 0)
		out["scale_factor_at_central_meridian"] = num("k_0", num("k", 1))
		out["false_easting"] = num("x_0", 0)
		out["false_northing"] = num("y_0", 0)
	case "utm":
		out["grid_mapping_name"] = "transverse_mercator"
		out["longitude_of_central_meridian"] = -183 + 6*num("zone", 0)
		out["latitude_of_projection_origin"] = 0.0
		out["scale_factor_at_central_meridian"] = 0.9996
		out["false_easting"] = 500000.0
		out["false_northing"] = 0.0
		if _, south := kv["south"]; south {
			out["false_northing"] = 10000000.0
		}
	case "stere":
		lat0 := num("lat_0", 0)
		if math.Abs(math.Abs(lat0)-90) < 1e-9 {
			out["grid_mapping_name"] = "polar_stereographic"
			out["straight_vertical_longitude_from_pole"] = num("lon_0", 0)
			out["latitude_of_projection_origin"] = lat0
			if _, ok := kv["lat_ts"]; ok {
				out["standard_parallel"] = num("lat_ts", 0)
			} else {
				out["scale_factor_at_projection_origin"] = num("k_0", num("k", 1))
			}
		} else {
			out["grid_mapping_name"] = "stereographic"
			out["longitude_of_projection_origin"] = num("lon_0", 0)
			out["latitude_of_projection_origin"] = lat0
			out["scale_factor_at_projection_origin"] = num("k_0", num("k", 1))
		}
		out["false_easting"] = num("x_0", 0)
		out["false_northing"] = num("y_0", 0)
	}
	return out
}

// ReadNetCDF reads a footprint written by WriteNetCDF.
func ReadNetCDF(path string) (*Grid, error) {
	f, err := netcdf.Open(path, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	g := &Grid{}
	gl := f.Global()
	text := func(name string) string {
		s, _ := gl.AttrText(name)
		return s
	}
	number := func(name string) float64 {
		v, err := gl.AttrFloat64s(name)
		if err != nil || len(v) == 0 {
			return math.NaN()
		}
		return v[0]
	}
	g.Projection = text("projection")
	g.EmptyReason = text("empty_reason")
	g.Xmin, g.Xmax, g.Ymin, g.Ymax = number("xmin"), number("xmax"), number("ymin"), number("ymax")
	g.Xres, g.Yres, g.SmoothFactor = number("xres"), number("yres"), number("smooth_factor")
	g.TimeIntegrate = number("time_integrate") == 1
	g.N = int(number("particle_count"))
	if rt := text("receptor_time"); rt != "" {
		if g.ReceptorTime, err = time.Parse(time.RFC3339Nano, rt); err != nil {
			return nil, fmt.Errorf("footprint: %s: receptor_time %q: %w", path, rt, err)
		}
	}
	xname, yname := "lon", "lat"
	if !g.IsLonLat() {
		xname, yname = "x", "y"
	}
	read1 := func(name string) ([]float64, error) {
		v, err := f.Var(name)
		if err != nil {
			return nil, err
		}
		in, err := v.Info()
		if err != nil {
			return nil, err
		}
		if len(in.Shape) != 1 {
			return nil, fmt.Errorf("footprint: %s: variable %s has shape %v, want 1-D", path, name, in.Shape)
		}
		out := make([]float64, in.Shape[0])
		return out, v.GetFloat64s([]int{0}, in.Shape, out)
	}
	if g.X, err = read1(xname); err != nil {
		return nil, err
	}
	if g.Y, err = read1(yname); err != nil {
		return nil, err
	}
	tv, err := f.Var("time")
	if err != nil {
		return nil, err
	}
	tin, err := tv.Info()
	if err != nil {
		return nil, err
	}
	if len(tin.Shape) != 1 {
		return nil, fmt.Errorf("footprint: %s: time has shape %v, want 1-D", path, tin.Shape)
	}
	secs := make([]int64, tin.Shape[0])
	if err := tv.GetInt64s([]int{0}, tin.Shape, secs); err != nil {
		return nil, err
	}
	for _, s := range secs {
		t := time.Unix(s, 0).UTC()
		g.Times = append(g.Times, t)
		if g.TimeIntegrate {
			g.Layers = append(g.Layers, 0)
		} else {
			g.Layers = append(g.Layers, int(math.Floor(t.Sub(g.ReceptorTime).Hours())))
		}
	}
	fv, err := f.Var("foot")
	if err != nil {
		return nil, err
	}
	in, err := fv.Info()
	if err != nil {
		return nil, err
	}
	want := []int{len(secs), len(g.Y), len(g.X)}
	if fmt.Sprint(in.Shape) != fmt.Sprint(want) {
		return nil, fmt.Errorf("footprint: %s: foot has shape %v, want %v", path, in.Shape, want)
	}
	g.Data = make([]float64, len(secs)*len(g.Y)*len(g.X))
	if err := fv.GetFloat64s([]int{0, 0, 0}, want, g.Data); err != nil {
		return nil, err
	}
	return g, nil
}
