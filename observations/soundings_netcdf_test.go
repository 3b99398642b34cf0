package observations

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/netcdf"
)

// TestLoadSoundingsFile writes a two-sounding file in the OCO-2 Lite layout
// with the binding and reads it back.
func TestLoadSoundingsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oco2_lite.nc")
	f, err := netcdf.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	sd, _ := f.DefDim("sounding_id", 2)
	ld, _ := f.DefDim("levels", 3)
	def := func(name string, typ netcdf.Type, dims ...netcdf.Dim) netcdf.Var {
		v, err := f.DefVar(name, typ, dims...)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	id := def("sounding_id", netcdf.Int64, sd)
	tm := def("time", netcdf.Double, sd)
	lat := def("latitude", netcdf.Float, sd)
	lon := def("longitude", netcdf.Float, sd)
	x := def("xco2", netcdf.Float, sd)
	pl := def("pressure_levels", netcdf.Float, sd, ld)
	ak := def("xco2_averaging_kernel", netcdf.Float, sd, ld)
	if err := tm.PutAttr("units", "seconds since 1970-01-01 00:00:00"); err != nil {
		t.Fatal(err)
	}
	if err := x.SetFill(float32(-999999)); err != nil {
		t.Fatal(err)
	}
	if err := f.EndDef(); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(id.PutInt64s([]int{0}, []int{2}, []int64{2019053020150271, 2019053020150272}))
	must(tm.PutFloat64s([]int{0}, []int{2}, []float64{1559247302.5, 1559247303}))
	must(lat.PutFloat32s([]int{0}, []int{2}, []float32{40.77, 40.5}))
	must(lon.PutFloat32s([]int{0}, []int{2}, []float32{-111.75, -111.5}))
	must(x.PutFloat32s([]int{0}, []int{1}, []float32{410.25})) // second value left as fill
	must(pl.PutFloat32s([]int{0, 0}, []int{2, 3}, []float32{1, 500, 850, 2, 501, 851}))
	must(ak.PutFloat32s([]int{0, 0}, []int{2, 3}, []float32{0.5, 0.75, 1, 0.5, 0.75, 1}))
	must(f.Close())

	obs, err := LoadSoundingsFile(path, "oco2", "xco2", ModeAKPWF, OCO2LiteVars)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 2 || obs[0].ID != "2019053020150271" || obs[0].Lat != 40.77 || obs[0].Value != 410.25 {
		t.Fatalf("obs %+v", obs)
	}
	if !math.IsNaN(obs[1].Value) {
		t.Errorf("fill value read as %v", obs[1].Value)
	}
	if !obs[0].Time.Equal(time.Date(2019, 5, 30, 20, 15, 2, 5e8, time.UTC)) {
		t.Errorf("time %v", obs[0].Time)
	}
	if op := obs[1].Operator; op == nil || op.Levels[2] != 851 || op.AK[1] != 0.75 {
		t.Errorf("operator %+v", op)
	}
	if _, err := LoadSoundingsFile(filepath.Join(t.TempDir(), "absent.nc"), "oco2", "xco2", ModeAK, OCO2LiteVars); err == nil {
		t.Error("absent file accepted")
	}
}
