package footprint

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteNetCDF(t *testing.T) {
	dir := t.TempDir()
	tab := Synthetic(40, 150, -112, 40.5, 0.01, 13)
	g := mustCompute(t, tab, baseCfg())
	path := filepath.Join(dir, "foot.nc")
	if err := g.WriteNetCDF(path, map[string]any{"receptor": `{"time":"2015-12-10T00:00:00Z"}`, "name": "test"}); err != nil {
		t.Fatal(err)
	}
	back, err := ReadNetCDF(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.NX() != g.NX() || back.NY() != g.NY() || back.NT() != g.NT() || back.N != g.N {
		t.Fatalf("read back %dx%dx%d N=%d", back.NT(), back.NY(), back.NX(), back.N)
	}
	for i := range g.Data {
		if back.Data[i] != g.Data[i] {
			t.Fatalf("cell %d: %v != %v", i, back.Data[i], g.Data[i])
		}
	}
	for k := range g.Times {
		if !back.Times[k].Equal(g.Times[k]) || back.Layers[k] != g.Layers[k] {
			t.Errorf("layer %d: %v %d, want %v %d", k, back.Times[k], back.Layers[k], g.Times[k], g.Layers[k])
		}
	}
	for i := range g.X {
		if back.X[i] != g.X[i] {
			t.Fatalf("lon %d", i)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temp files left: %v", entries)
	}
	if _, err := exec.LookPath("ncdump"); err != nil {
		t.Skip("ncdump not installed")
	}
	out, err := exec.Command("ncdump", "-hs", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ncdump: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{
		"double foot(time, lat, lon)",
		`foot:units = "ppm m2 s umol-1"`,
		`foot:grid_mapping = "crs"`,
		"foot:_FillValue = NaN",
		"foot:_DeflateLevel = 4",
		`foot:_Shuffle = "true"`,
		"int64 time(time)",
		`time:units = "seconds since 1970-01-01 00:00:00"`,
		`lat:units = "degrees_north"`,
		`lon:standard_name = "longitude"`,
		`crs:grid_mapping_name = "latitude_longitude"`,
		`:Conventions = "CF-1.8"`,
		":xres = 0.01",
		":smooth_factor = 1.",
		":time_integrate = 0",
		":particle_count = 40",
		`:empty_reason = ""`,
		`:receptor = "{\"time\":\"2015-12-10T00:00:00Z\"}"`,
		`:_Format = "netCDF-4"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("ncdump -hs lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(s)
	}
}

func TestWriteNetCDFEmptyAndProjected(t *testing.T) {
	dir := t.TempDir()
	cfg := baseCfg()
	e := mustCompute(t, Synthetic(10, 20, 50, 10, 0.01, 14), cfg)
	path := filepath.Join(dir, "empty.nc")
	if err := e.WriteNetCDF(path, nil); err != nil {
		t.Fatal(err)
	}
	back, err := ReadNetCDF(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.EmptyReason != EmptyOutsideDomain || back.Sum() != 0 || back.NX() != 200 {
		t.Errorf("empty read back: %q sum %v nx %d", back.EmptyReason, back.Sum(), back.NX())
	}
	cfg.Projection = "+proj=stere +lat_0=90 +lon_0=-105 +lat_ts=60 +datum=WGS84"
	cfg.Xres, cfg.Yres = 3000, 3000
	p := mustCompute(t, Synthetic(10, 60, -112, 40.5, 0.01, 15), cfg)
	ppath := filepath.Join(dir, "proj.nc")
	if err := p.WriteNetCDF(ppath, nil); err != nil {
		t.Fatal(err)
	}
	pb, err := ReadNetCDF(ppath)
	if err != nil {
		t.Fatal(err)
	}
	if pb.NX() != p.NX() || math.Abs(pb.Sum()-p.Sum()) > 1e-15 || pb.IsLonLat() {
		t.Errorf("projected read back: nx %d sum %v", pb.NX(), pb.Sum())
	}
	if _, err := exec.LookPath("ncdump"); err == nil {
		out, _ := exec.Command("ncdump", "-h", ppath).CombinedOutput()
		for _, want := range []string{"double foot(time, y, x)", `crs:grid_mapping_name = "polar_stereographic"`, `x:standard_name = "projection_x_coordinate"`} {
			if !strings.Contains(string(out), want) {
				t.Errorf("ncdump -h lacks %q:\n%s", want, out)
			}
		}
	}
	cfg.Projection = "+proj=utm +zone=12 +datum=WGS84"
	cfg.Xres, cfg.Yres = 2000, 2000
	u := mustCompute(t, Synthetic(10, 60, -112, 40.5, 0.01, 15), cfg)
	upath := filepath.Join(dir, "utm.nc")
	if err := u.WriteNetCDF(upath, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("ncdump"); err == nil {
		out, _ := exec.Command("ncdump", "-h", upath).CombinedOutput()
		for _, want := range []string{`crs:grid_mapping_name = "transverse_mercator"`, "crs:longitude_of_central_meridian = -111."} {
			if !strings.Contains(string(out), want) {
				t.Errorf("ncdump -h lacks %q:\n%s", want, out)
			}
		}
	}
	// An unwritable destination is an error naming the path, and leaves nothing.
	bad := filepath.Join(dir, "no", "such", "dir", "f.nc")
	if err := p.WriteNetCDF(bad, nil); err == nil || !strings.Contains(err.Error(), "f.nc") {
		t.Errorf("bad path: %v", err)
	}
}
