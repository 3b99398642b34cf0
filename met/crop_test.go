package met

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

func hrrrPaths(t *testing.T) []string {
	var p []string
	for _, n := range hrrrFiles {
		p = append(p, testenv.Shared(t, "met", n))
	}
	return p
}

// TestCropStiltctlFixtures reproduces the byte counts stiltctl expects from
// HYSPLIT's xtrct_grid + xtrct_time (arl-format.md §8.4).
func TestCropStiltctlFixtures(t *testing.T) {
	day := time.Date(2019, 5, 30, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		spec   CropSpec
		nx, ny int
		bytes  int64
	}{
		{"full-levels", CropSpec{XMin: -112.75, XMax: -111.25, YMin: 39.85, YMax: 41.45, Levels: 20,
			Start: day.Add(5 * time.Hour), End: day.Add(9 * time.Hour)}, 52, 41, 1865610},
		{"10-levels", CropSpec{XMin: -112.5, XMax: -111.5, YMin: 40.5, YMax: 41.0, Levels: 10,
			Start: day.Add(3 * time.Hour), End: day.Add(8 * time.Hour)}, 0, 0, 292560},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Crop(hrrrPaths(t), t.TempDir(), tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			for _, r := range res {
				total += r.Bytes
				if tc.nx > 0 && (r.SubGrid.NX() != tc.nx || r.SubGrid.NY() != tc.ny) {
					t.Errorf("%s: sub-grid %dx%d, want %dx%d", r.In, r.SubGrid.NX(), r.SubGrid.NY(), tc.nx, tc.ny)
				}
				if r.Skipped {
					continue
				}
				// size = periods × (index records + data records) × (50 + nx·ny)
				f, err := Open(r.Out)
				if err != nil {
					t.Fatal(err)
				}
				nvar := 0
				for _, l := range f.Index().Levels {
					nvar += len(l.Vars)
				}
				body := r.SubGrid.NX() * r.SubGrid.NY()
				want := int64(len(r.Times)) * int64(NumIndexRecords(f.Index().ComputeLenH(), body)+nvar) * int64(50+body)
				if f.Size() != want || len(f.Index().Levels) != r.Levels {
					t.Errorf("%s: %d bytes, %d levels; layout implies %d bytes", r.Out, f.Size(), len(f.Index().Levels), want)
				}
				f.Close()
			}
			if total != tc.bytes {
				t.Errorf("cropped total %d bytes, stiltctl expects %d", total, tc.bytes)
			}
		})
	}
}

// TestCropMatchesSource: every value of the crop equals the source at the
// same grid point within the packing precision, and the cropped grid maps
// to the same latitudes and longitudes.
func TestCropMatchesSource(t *testing.T) {
	hrrr := hrrrPaths(t)[1]
	synth, err := Synth(t.TempDir(), SynthSpec{NX: 30, NY: 20, Hours: 2, Slope: 10})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   string
		spec CropSpec
	}{
		{"hrrr-cover", hrrr, CropSpec{XMin: -112.3, XMax: -111.6, YMin: 40.5, YMax: 41.0, Buffer: 0.05, Levels: 5, Cover: true,
			Start: time.Date(2019, 5, 30, 7, 0, 0, 0, time.UTC), End: time.Date(2019, 5, 30, 8, 0, 0, 0, time.UTC)}},
		{"synth-latlon", synth[0], CropSpec{XMin: -112.7, XMax: -112.2, YMin: 40.2, YMax: 40.6, Levels: 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "crop")
			r, err := CropFile(tc.in, out, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			src, _ := Open(tc.in)
			defer src.Close()
			dst, err := Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			if _, err := dst.Verify(); err != nil {
				t.Fatal(err)
			}
			sg := r.SubGrid
			// geometry
			for _, p := range [][2]int{{1, 1}, {sg.NX(), sg.NY()}, {2, sg.NY() - 1}} {
				la, lo := dst.Grid().XYToLatLon(float64(p[0]), float64(p[1]))
				lb, lob := src.Grid().XYToLatLon(float64(p[0]+sg.I0-1), float64(p[1]+sg.J0-1))
				if math.Abs(la-lb) > 1e-6 || math.Abs(lo-lob) > 1e-6 {
					t.Errorf("crop point %v at (%g,%g), source (%g,%g)", p, la, lo, lb, lob)
				}
			}
			// the box (without buffer) lies inside the cover crop
			if tc.spec.Cover {
				for _, c := range [][2]float64{{tc.spec.YMin, tc.spec.XMin}, {tc.spec.YMax, tc.spec.XMax}, {tc.spec.YMin, tc.spec.XMax}, {tc.spec.YMax, tc.spec.XMin}} {
					if x, y := dst.Grid().LatLonToXY(c[0], c[1]); !dst.Grid().Inside(x, y) {
						t.Errorf("box corner %v outside the crop (%g,%g)", c, x, y)
					}
				}
			}
			if got := len(dst.Index().Levels); got != tc.spec.Levels {
				t.Errorf("%d levels, want %d", got, tc.spec.Levels)
			}
			if len(dst.Times()) != len(r.Times) || len(r.Times) == 0 {
				t.Fatalf("times %v, result %v", dst.Times(), r.Times)
			}
			for _, tm := range dst.Times() {
				for _, rec := range dst.Layout() {
					a, err := src.Read(rec.Var, rec.Level, tm)
					if err != nil {
						t.Fatal(err)
					}
					b, err := dst.Read(rec.Var, rec.Level, tm)
					if err != nil {
						t.Fatal(err)
					}
					lab, _, _ := dst.Raw(rec.Var, rec.Level, tm)
					tol := packTol(lab)
					for j := 1; j <= sg.NY(); j++ {
						for i := 1; i <= sg.NX(); i++ {
							va, vb := a.At(i+sg.I0-1, j+sg.J0-1), b.At(i, j)
							if math.Abs(float64(va-vb)) > tol {
								t.Fatalf("%s %s L%d (%d,%d): crop %g, source %g (tol %g)", tm, rec.Var, rec.Level, i, j, vb, va, tol)
							}
						}
					}
				}
			}
		})
	}
}

func TestCropErrors(t *testing.T) {
	hrrr := hrrrPaths(t)[0]
	for name, spec := range map[string]CropSpec{
		"outside": {XMin: -80, XMax: -79, YMin: 30, YMax: 31},
		"empty":   {XMin: -112, XMax: -112, YMin: 40, YMax: 41},
	} {
		if _, err := CropFile(hrrr, filepath.Join(t.TempDir(), "x"), spec); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	r, err := CropFile(hrrr, filepath.Join(t.TempDir(), "x"), CropSpec{XMin: -112.5, XMax: -111.5, YMin: 40.5, YMax: 41,
		Start: time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || !r.Skipped {
		t.Errorf("window after the file: %+v, %v", r, err)
	}
}
