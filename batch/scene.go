package batch

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/stilt-mpi/stilt-mpi/footprint"
	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
	"github.com/stilt-mpi/stilt-mpi/netcdf"
)

// SceneMember is one receptor of a scene file: its simulation, its outcome
// and (for complete simulations) its footprint.
type SceneMember struct {
	Spec   SimSpec
	Status string
	Error  string
	Grid   *footprint.Grid // nil when the simulation failed
}

// WriteScene writes <path> atomically: the footprints of one scene and one
// footprint configuration, one receptor per index of the `receptor`
// dimension, in the order given.
//
// Layout (CF-1.8): foot(receptor, layer, lat, lon) where layer k is the hour
// [t-k h, t-(k-1) h) before each receptor's own time t (hours back), or
// foot(receptor, lat, lon) for time-integrated footprints; per-receptor
// variables sim_id, time, lon, lat, height, bottom, top, kind, status,
// error, particles and total (sum of foot); for receptors built from
// observations also observation_id, observation_value and
// observation_uncertainty (units as attributes). Cells of failed simulations
// are zero; their status says so.
func WriteScene(path, scene, fpName string, grid gridDef, members []SceneMember) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// A temp name of this writer's own: several workers of a service-mode
	// run may finish the same scene at the same moment and each writes the
	// whole file; with one shared temp name one writer's clean-up removed
	// the other's file and neither rename left a scene behind.
	tmp, err := atomicfile.Temp(path, 0o644)
	if err != nil {
		return err
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
	closed := false
	defer func() {
		if !closed {
			f.Close()
		}
	}()
	nr := len(members)
	nx, ny := len(grid.X), len(grid.Y)
	// layers: union of hours back over all members
	layerSet := map[int]bool{}
	for _, m := range members {
		if m.Grid == nil {
			continue
		}
		for _, l := range m.Grid.Layers {
			layerSet[-l] = true
		}
	}
	var layers []int
	for l := range layerSet {
		layers = append(layers, l)
	}
	sort.Ints(layers)
	if grid.TimeIntegrate {
		layers = nil
	}

	dR, err := f.DefDim("receptor", nr)
	if err != nil {
		return err
	}
	dStr, err := f.DefDim("strlen", 128)
	if err != nil {
		return err
	}
	xname, yname := "lon", "lat"
	if !grid.LonLat {
		xname, yname = "x", "y"
	}
	dX, err := f.DefDim(xname, nx)
	if err != nil {
		return err
	}
	dY, err := f.DefDim(yname, ny)
	if err != nil {
		return err
	}
	vX, err := f.DefVar(xname, netcdf.Double, dX)
	if err != nil {
		return err
	}
	vY, err := f.DefVar(yname, netcdf.Double, dY)
	if err != nil {
		return err
	}
	if grid.LonLat {
		vX.PutAttr("units", "degrees_east")
		vX.PutAttr("standard_name", "longitude")
		vY.PutAttr("units", "degrees_north")
		vY.PutAttr("standard_name", "latitude")
	} else {
		vX.PutAttr("standard_name", "projection_x_coordinate")
		vY.PutAttr("standard_name", "projection_y_coordinate")
	}
	var vL netcdf.Var
	footDims := []netcdf.Dim{dR}
	chunks := []int{1}
	if layers != nil {
		dL, err := f.DefDim("layer", len(layers))
		if err != nil {
			return err
		}
		if vL, err = f.DefVar("layer", netcdf.Int, dL); err != nil {
			return err
		}
		vL.PutAttr("long_name", "hours back from the receptor time: layer k covers [time - k h, time - (k-1) h)")
		vL.PutAttr("units", "hours")
		footDims = append(footDims, dL)
		chunks = append(chunks, 1)
	}
	footDims = append(footDims, dY, dX)
	chunks = append(chunks, ny, nx)
	vF, err := f.DefVar("foot", netcdf.Double, footDims...)
	if err != nil {
		return err
	}
	if err := vF.SetChunking(chunks...); err != nil {
		return err
	}
	if err := vF.SetDeflate(true, 4); err != nil {
		return err
	}
	if err := vF.SetFill(0.0); err != nil { // cells of failed simulations read as zero
		return err
	}
	vF.PutAttr("units", footprint.FootUnits)
	vF.PutAttr("long_name", "footprint: sensitivity of the receptor mixing ratio to surface fluxes")
	if !grid.LonLat {
		vF.PutAttr("grid_mapping", "crs")
		vC, err := f.DefVar("crs", netcdf.Int)
		if err != nil {
			return err
		}
		vC.PutAttr("proj4", grid.Projection)
	}
	strVar := func(name, long string) (netcdf.Var, error) {
		v, err := f.DefVar(name, netcdf.Char, dR, dStr)
		if err == nil {
			err = v.PutAttr("long_name", long)
		}
		return v, err
	}
	dblVar := func(name, units, long string) (netcdf.Var, error) {
		v, err := f.DefVar(name, netcdf.Double, dR)
		if err == nil && units != "" {
			err = v.PutAttr("units", units)
		}
		if err == nil {
			err = v.PutAttr("long_name", long)
		}
		return v, err
	}
	vSim, err := strVar("sim_id", "simulation id")
	if err != nil {
		return err
	}
	vKind, err := strVar("kind", "receptor kind: point, column or multipoint")
	if err != nil {
		return err
	}
	vStatus, err := strVar("status", "simulation status")
	if err != nil {
		return err
	}
	vErr, err := strVar("error", "error class and message of a failed or empty simulation")
	if err != nil {
		return err
	}
	vT, err := dblVar("time", "seconds since 1970-01-01 00:00:00", "receptor time (UTC)")
	if err != nil {
		return err
	}
	vT.PutAttr("standard_name", "time")
	vT.PutAttr("calendar", "standard")
	vLon, err := dblVar("receptor_lon", "degrees_east", "receptor longitude (first release point)")
	if err != nil {
		return err
	}
	vLat, err := dblVar("receptor_lat", "degrees_north", "receptor latitude (first release point)")
	if err != nil {
		return err
	}
	vBot, err := dblVar("bottom", "m", "lowest release height (the height of a point receptor)")
	if err != nil {
		return err
	}
	vTop, err := dblVar("top", "m", "highest release height")
	if err != nil {
		return err
	}
	vN, err := f.DefVar("particles", netcdf.Int, dR)
	if err != nil {
		return err
	}
	vN.PutAttr("long_name", "number of distinct particles the footprint is divided by")
	vTot, err := dblVar("total", footprint.FootUnits, "sum of foot over cells and layers")
	if err != nil {
		return err
	}
	ov, err := defObservationVars(f, dR, dStr, members) // observations.go; nil without observations
	if err != nil {
		return err
	}
	g := f.Global()
	gattrs := map[string]any{
		"Conventions": "CF-1.8", "title": "STILT footprints of scene " + scene, "scene": scene, "footprint": fpName,
		"source": "stilt-mpi", "xmin": grid.Xmin, "xmax": grid.Xmax, "ymin": grid.Ymin, "ymax": grid.Ymax,
		"xres": grid.Xres, "yres": grid.Yres, "projection": grid.Projection, "smooth_factor": grid.SmoothFactor,
		"time_integrate": fmt.Sprint(grid.TimeIntegrate),
	}
	keys := make([]string, 0, len(gattrs))
	for k := range gattrs {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic files
	for _, k := range keys {
		if err := g.PutAttr(k, gattrs[k]); err != nil {
			return err
		}
	}
	if err := f.EndDef(); err != nil {
		return err
	}
	if err := vX.PutFloat64s([]int{0}, []int{nx}, grid.X); err != nil {
		return err
	}
	if err := vY.PutFloat64s([]int{0}, []int{ny}, grid.Y); err != nil {
		return err
	}
	if layers != nil {
		li := make([]int32, len(layers))
		for i, l := range layers {
			li[i] = int32(l)
		}
		if err := vL.PutInt32s([]int{0}, []int{len(li)}, li); err != nil {
			return err
		}
	}
	str := func(v netcdf.Var, i int, s string) error {
		if len(s) > 127 {
			s = s[:127]
		}
		return v.PutStrings(i, 128, []string{s})
	}
	one := func(v netcdf.Var, i int, x float64) error { return v.PutFloat64s([]int{i}, []int{1}, []float64{x}) }
	slab := make([]float64, nx*ny)
	layerIdx := map[int]int{}
	for i, l := range layers {
		layerIdx[l] = i
	}
	for i, m := range members {
		r := m.Spec.Receptor
		for _, e := range []error{
			str(vSim, i, m.Spec.ID), str(vKind, i, r.Kind.String()), str(vStatus, i, m.Status), str(vErr, i, m.Error),
			one(vT, i, float64(r.Time.Unix())), one(vLon, i, r.Lon()), one(vLat, i, r.Lat()),
			one(vBot, i, r.Bottom()), one(vTop, i, r.Top()),
		} {
			if e != nil {
				return e
			}
		}
		if ov != nil {
			if err := ov.put(i, m); err != nil {
				return err
			}
		}
		n, total := 0, 0.0
		if m.Grid != nil {
			if m.Grid.NX() != nx || m.Grid.NY() != ny {
				return fmt.Errorf("scene %s: %s has a %dx%d grid, scene grid is %dx%d", scene, m.Spec.ID, m.Grid.NX(), m.Grid.NY(), nx, ny)
			}
			n = m.Grid.N
			for _, v := range m.Grid.Data {
				total += v
			}
		}
		if err := vN.PutInt32s([]int{i}, []int{1}, []int32{int32(n)}); err != nil {
			return err
		}
		if err := one(vTot, i, total); err != nil {
			return err
		}
		if m.Grid == nil {
			continue // fill value (zero) stays
		}
		if layers == nil {
			for k := range slab {
				slab[k] = 0
			}
			for t := 0; t < m.Grid.NT(); t++ {
				for k, v := range m.Grid.Layer(t) {
					slab[k] += v
				}
			}
			if err := vF.PutFloat64s([]int{i, 0, 0}, []int{1, ny, nx}, slab); err != nil {
				return err
			}
			continue
		}
		for t, l := range m.Grid.Layers {
			if err := vF.PutFloat64s([]int{i, layerIdx[-l], 0, 0}, []int{1, 1, ny, nx}, m.Grid.Layer(t)); err != nil {
				return err
			}
		}
	}
	closed = true
	if err := f.Close(); err != nil {
		return err
	}
	return atomicfile.Commit(tmp, path)
}

// gridDef is the grid shared by every footprint of one configuration.
type gridDef struct {
	Xmin, Xmax, Ymin, Ymax, Xres, Yres float64
	Projection                         string
	LonLat                             bool
	SmoothFactor                       float64
	TimeIntegrate                      bool
	X, Y                               []float64
}

func gridDefOf(g *footprint.Grid) gridDef {
	return gridDef{Xmin: g.Xmin, Xmax: g.Xmax, Ymin: g.Ymin, Ymax: g.Ymax, Xres: g.Xres, Yres: g.Yres, Projection: g.Projection,
		LonLat: g.IsLonLat(), SmoothFactor: g.SmoothFactor, TimeIntegrate: g.TimeIntegrate, X: g.X, Y: g.Y}
}
