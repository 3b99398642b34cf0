package netcdf

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// writeSample writes a small file exercising every supported type.
func writeSample(t *testing.T, path string, nrec int) {
	t.Helper()
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tdim, err := f.DefDim("time", Unlimited)
	if err != nil {
		t.Fatal(err)
	}
	ydim, _ := f.DefDim("y", 3)
	xdim, _ := f.DefDim("x", 4)
	sdim, _ := f.DefDim("strlen", 8)
	foot, err := f.DefVar("foot", Double, tdim, ydim, xdim)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []error{
		foot.SetDeflate(true, 4),
		foot.SetChunking(1, 3, 4),
		foot.SetFill(math.NaN()),
		foot.PutAttr("units", "ppm m2 s umol-1"),
		foot.PutAttr("scale", []float64{1.5, -2}),
		f.Global().PutAttr("Conventions", "CF-1.8"),
		f.Global().PutAttr("xres", 0.01),
		f.Global().PutAttr("is_empty", 0),
		f.Global().PutAttr("shape", []int32{3, 4}),
		f.Global().PutAttr("big", int64(1)<<40),
		f.Global().PutAttr("empty_reason", ""),
	} {
		if e != nil {
			t.Fatal(e)
		}
	}
	f32, _ := f.DefVar("f32", Float, ydim, xdim)
	i32, _ := f.DefVar("i32", Int, xdim)
	i64, _ := f.DefVar("i64", Int64, tdim)
	names, _ := f.DefVar("names", Char, ydim, sdim)
	if err := f.EndDef(); err != nil {
		t.Fatal(err)
	}
	for r := 0; r < nrec; r++ {
		vals := make([]float64, 12)
		for i := range vals {
			vals[i] = float64(r*100+i) + 0.25
		}
		if err := foot.PutFloat64s([]int{r, 0, 0}, []int{1, 3, 4}, vals); err != nil {
			t.Fatal(err)
		}
		if err := i64.PutInt64s([]int{r}, []int{1}, []int64{int64(r) << 35}); err != nil {
			t.Fatal(err)
		}
	}
	fv := make([]float32, 12)
	for i := range fv {
		fv[i] = float32(i) / 3
	}
	if err := f32.PutFloat32s([]int{0, 0}, []int{3, 4}, fv); err != nil {
		t.Fatal(err)
	}
	if err := i32.PutInt32s([]int{0}, []int{4}, []int32{-1, 0, 1, math.MaxInt32}); err != nil {
		t.Fatal(err)
	}
	if err := names.PutStrings(0, 8, []string{"a", "bcd", "12345678"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rt.nc")
	writeSample(t, path, 2)
	f, err := Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	td, err := f.Dim("time")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := td.Len(); n != 2 {
		t.Errorf("time length %d, want 2", n)
	}
	if u, _ := td.Unlimited(); !u {
		t.Error("time is not unlimited")
	}
	xd, _ := f.Dim("x")
	if u, _ := xd.Unlimited(); u {
		t.Error("x is unlimited")
	}
	foot, err := f.Var("foot")
	if err != nil {
		t.Fatal(err)
	}
	info, err := foot.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Type != Double || fmt.Sprint(info.Dims) != "[time y x]" || fmt.Sprint(info.Shape) != "[2 3 4]" {
		t.Errorf("info %+v", info)
	}
	got := make([]float64, 24)
	if err := foot.GetFloat64s([]int{0, 0, 0}, []int{2, 3, 4}, got); err != nil {
		t.Fatal(err)
	}
	for r := 0; r < 2; r++ {
		for i := 0; i < 12; i++ {
			if want := float64(r*100+i) + 0.25; got[r*12+i] != want {
				t.Fatalf("foot[%d,%d] = %v, want %v", r, i, got[r*12+i], want)
			}
		}
	}
	// A slab in the middle.
	sl := make([]float64, 2)
	if err := foot.GetFloat64s([]int{1, 2, 1}, []int{1, 1, 2}, sl); err != nil {
		t.Fatal(err)
	}
	if sl[0] != 109.25 || sl[1] != 110.25 {
		t.Errorf("slab %v", sl)
	}
	f32, _ := f.Var("f32")
	fv := make([]float32, 12)
	if err := f32.GetFloat32s([]int{0, 0}, []int{3, 4}, fv); err != nil {
		t.Fatal(err)
	}
	if fv[5] != float32(5)/3 {
		t.Errorf("f32[5] = %v", fv[5])
	}
	i32, _ := f.Var("i32")
	iv := make([]int32, 4)
	if err := i32.GetInt32s([]int{0}, []int{4}, iv); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(iv) != fmt.Sprint([]int32{-1, 0, 1, math.MaxInt32}) {
		t.Errorf("i32 %v", iv)
	}
	i64, _ := f.Var("i64")
	lv := make([]int64, 2)
	if err := i64.GetInt64s([]int{0}, []int{2}, lv); err != nil {
		t.Fatal(err)
	}
	if lv[1] != 1<<35 {
		t.Errorf("i64 %v", lv)
	}
	names, _ := f.Var("names")
	ss, err := names.GetStrings(0, 3, 8)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%q", ss) != `["a" "bcd" "12345678"]` {
		t.Errorf("strings %q", ss)
	}
	g := f.Global()
	if s, err := g.AttrText("Conventions"); err != nil || s != "CF-1.8" {
		t.Errorf("Conventions %q %v", s, err)
	}
	if s, err := g.AttrText("empty_reason"); err != nil || s != "" {
		t.Errorf("empty_reason %q %v", s, err)
	}
	if v, err := g.AttrFloat64s("xres"); err != nil || len(v) != 1 || v[0] != 0.01 {
		t.Errorf("xres %v %v", v, err)
	}
	if v, err := g.AttrInt64s("shape"); err != nil || fmt.Sprint(v) != "[3 4]" {
		t.Errorf("shape %v %v", v, err)
	}
	if v, err := g.AttrInt64s("big"); err != nil || v[0] != 1<<40 {
		t.Errorf("big %v %v", v, err)
	}
	if v, err := foot.AttrFloat64s("scale"); err != nil || fmt.Sprint(v) != "[1.5 -2]" {
		t.Errorf("scale %v %v", v, err)
	}
	if fill, err := foot.AttrFloat64s("_FillValue"); err != nil || !math.IsNaN(fill[0]) {
		t.Errorf("_FillValue %v %v", fill, err)
	}
	if g.HasAttr("nope") {
		t.Error("HasAttr(nope) = true")
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(filepath.Join(dir, "missing.nc"), false)
	var ne *Error
	if !errors.As(err, &ne) || ne.Code == 0 || !strings.Contains(err.Error(), "missing.nc") || !strings.Contains(err.Error(), "No such file") {
		t.Errorf("open missing: %v", err)
	}
	path := filepath.Join(dir, "e.nc")
	writeSample(t, path, 1)
	f, err := Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Var("nosuch"); err == nil || !strings.Contains(err.Error(), "nosuch") || !strings.Contains(err.Error(), "e.nc") {
		t.Errorf("missing var: %v", err)
	}
	foot, _ := f.Var("foot")
	buf := make([]float64, 5)
	err = foot.GetFloat64s([]int{0, 0, 0}, []int{1, 3, 4}, buf)
	if err == nil || !strings.Contains(err.Error(), "foot") {
		t.Errorf("short buffer: %v", err)
	}
	buf = make([]float64, 12)
	err = foot.GetFloat64s([]int{0, 2, 0}, []int{1, 3, 4}, buf)
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "foot") {
		t.Errorf("out of range slab: %v", err)
	}
	if err := foot.PutFloat64s([]int{0, 0, 0}, []int{1, 3, 4}, buf); err == nil {
		t.Error("write to read-only file succeeded")
	}
	if _, err := f.Global().AttrText("xres"); err == nil {
		t.Error("AttrText on a double attribute succeeded")
	}
}

// TestNcdump checks attributes and compression as ncdump reports them.
func TestNcdump(t *testing.T) {
	if _, err := exec.LookPath("ncdump"); err != nil {
		t.Skip("ncdump not installed")
	}
	path := filepath.Join(t.TempDir(), "d.nc")
	writeSample(t, path, 1)
	out, err := exec.Command("ncdump", "-hs", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ncdump: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{
		"time = UNLIMITED",
		"double foot(time, y, x)",
		`foot:units = "ppm m2 s umol-1"`,
		"foot:_FillValue = NaN",
		"foot:_DeflateLevel = 4",
		`foot:_Shuffle = "true"`,
		"foot:_ChunkSizes = 1, 3, 4",
		`:Conventions = "CF-1.8"`,
		":xres = 0.01",
		":is_empty = 0",
		":shape = 3, 4",
		":big = 1099511627776LL",
		`:_Format = "netCDF-4"`,
		"char names(y, strlen)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("ncdump -hs lacks %q:\n%s", want, s)
		}
	}
}

// TestConcurrent writes and reads many files from many goroutines at once;
// without the package mutex libnetcdf corrupts its state (run with -race).
func TestConcurrent(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			path := filepath.Join(dir, fmt.Sprintf("c%d.nc", g))
			f, err := Create(path)
			if err != nil {
				errs <- err
				return
			}
			d, _ := f.DefDim("n", 100)
			v, err := f.DefVar("v", Double, d)
			if err != nil {
				errs <- err
				return
			}
			v.SetDeflate(true, 1)
			f.Global().PutAttr("g", g)
			data := make([]float64, 100)
			for i := range data {
				data[i] = float64(g*1000 + i)
			}
			for i := 0; i < 100; i += 10 {
				if err := v.PutFloat64s([]int{i}, []int{10}, data[i:i+10]); err != nil {
					errs <- err
					return
				}
			}
			if err := f.Close(); err != nil {
				errs <- err
				return
			}
			r, err := Open(path, false)
			if err != nil {
				errs <- err
				return
			}
			defer r.Close()
			rv, _ := r.Var("v")
			got := make([]float64, 100)
			if err := rv.GetFloat64s([]int{0}, []int{100}, got); err != nil {
				errs <- err
				return
			}
			for i := range got {
				if got[i] != data[i] {
					errs <- fmt.Errorf("file %d value %d: %v != %v", g, i, got[i], data[i])
					return
				}
			}
			if a, err := r.Global().AttrInt64s("g"); err != nil || a[0] != int64(g) {
				errs <- fmt.Errorf("file %d attribute g = %v (%v)", g, a, err)
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestNoHDF5Diagnostics runs TestConcurrent in a child process and checks
// that HDF5 printed no diagnostics to stderr (they appear when libnetcdf is
// called from threads other than the one that initialised it).
func TestNoHDF5Diagnostics(t *testing.T) {
	if os.Getenv("NETCDF_TEST_CHILD") != "" {
		t.Skip("child process")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestConcurrent$", "-test.count", "3")
	cmd.Env = append(os.Environ(), "NETCDF_TEST_CHILD=1", "GOMAXPROCS=4")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "HDF5-DIAG") {
		t.Errorf("HDF5 diagnostics printed:\n%.2000s", out)
	}
}
