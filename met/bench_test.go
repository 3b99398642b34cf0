package met

import (
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

// TestConcurrentReaders reads every record of an HRRR file from several
// goroutines at once (run with -race) and compares with a serial read.
func TestConcurrentReaders(t *testing.T) {
	f, err := Open(testenv.Shared(t, "met", hrrrFiles[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ref := map[string]*Field{}
	key := func(tm time.Time, v string, l int) string { return tm.Format("15") + v + string(rune('a'+l)) }
	for _, tm := range f.Times() {
		for _, r := range f.Layout() {
			fl, err := f.Read(r.Var, r.Level, tm)
			if err != nil {
				t.Fatal(err)
			}
			ref[key(tm, r.Var, r.Level)] = fl
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			ts := f.Times()
			for k := range ts {
				tm := ts[(k+g)%len(ts)]
				for _, r := range f.Layout() {
					fl, err := f.Read(r.Var, r.Level, tm)
					if err != nil {
						errs <- err
						return
					}
					want := ref[key(tm, r.Var, r.Level)]
					for i := range fl.Data {
						if fl.Data[i] != want.Data[i] {
							errs <- &ChecksumError{Path: "concurrent read differs", Var: r.Var, Level: r.Level, Time: tm}
							return
						}
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

const conusNX, conusNY = 1799, 1059 // CONUS HRRR grid

func conusField() []float32 {
	v := make([]float32, conusNX*conusNY)
	for j := 0; j < conusNY; j++ {
		for i := 0; i < conusNX; i++ {
			v[j*conusNX+i] = float32(280 + 15*math.Sin(float64(i)/90)*math.Cos(float64(j)/70) + 0.01*float64(i+j))
		}
	}
	return v
}

// BenchmarkUnpackCONUS: decode throughput of one CONUS-HRRR-sized record.
func BenchmarkUnpackCONUS(b *testing.B) {
	p, err := Pack(conusField(), conusNX, conusNY)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]float32, conusNX*conusNY)
	b.SetBytes(int64(len(p.Data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := Unpack(p.Data, conusNX, conusNY, p.NExp, p.Prec, p.Var1, out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPackCONUS: packing throughput of one CONUS-sized record.
func BenchmarkPackCONUS(b *testing.B) {
	v := conusField()
	b.SetBytes(int64(len(v)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Pack(v, conusNX, conusNY); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadHRRRFile: read + checksum + unpack every record of one test
// file (bytes = file size).
func BenchmarkReadHRRRFile(b *testing.B) {
	f, err := Open(testenv.Shared(b, "met", hrrrFiles[0]))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	dst := make([]float32, f.Header().NX*f.Header().NY)
	b.SetBytes(f.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, tm := range f.Times() {
			for _, r := range f.Layout() {
				if err := f.ReadInto(dst, r.Var, r.Level, tm); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// conusFile writes one period of a CONUS-HRRR-sized Lambert file with the
// HRRR surface variables and nUpper levels of the 8 HRRR upper variables.
func conusFile(b *testing.B, nUpper int) string {
	h := Header{Source: "HRRR", PoleLat: 90, RefLat: 38.5, RefLon: -97.5, GridSize: 3, TangLat: 38.5, SyncX: 1, SyncY: 1,
		SyncLat: 21.138, SyncLon: -122.72, NX: conusNX, NY: conusNY, KFlag: 1}
	spec := SynthSpec{Sigma: DefaultSigma[:nUpper]}
	path := filepath.Join(b.TempDir(), "conus")
	w, err := Create(path, h, spec.Levels())
	if err != nil {
		b.Fatal(err)
	}
	v := conusField()
	if err := w.WritePeriod(time.Date(2019, 5, 30, 0, 0, 0, 0, time.UTC), func(int, string) ([]float32, error) { return v, nil }); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkReadCONUSPeriod: read + unpack every record of one CONUS-sized
// period (surface + 2 upper levels: 34 records, 65 MB).
func BenchmarkReadCONUSPeriod(b *testing.B) {
	path := conusFile(b, 2)
	f, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	dst := make([]float32, conusNX*conusNY)
	tm := f.Times()[0]
	b.SetBytes(f.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range f.Layout() {
			if err := f.ReadInto(dst, r.Var, r.Level, tm); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCropCONUSPeriod: crop one CONUS-sized period (34 records) to a
// Salt Lake City box (±0.2° buffer), all levels.
func BenchmarkCropCONUSPeriod(b *testing.B) {
	path := conusFile(b, 2)
	out := filepath.Join(b.TempDir(), "crop")
	spec := CropSpec{XMin: -112.75, XMax: -111.25, YMin: 39.85, YMax: 41.45, Buffer: 0.2}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := CropFile(path, out, spec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCropHRRRFiles: crop both HRRR test files to the stiltctl box.
func BenchmarkCropHRRRFiles(b *testing.B) {
	var paths []string
	for _, n := range hrrrFiles {
		paths = append(paths, testenv.Shared(b, "met", n))
	}
	dir := b.TempDir()
	spec := CropSpec{XMin: -112.75, XMax: -111.25, YMin: 39.85, YMax: 41.45}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Crop(paths, dir, spec); err != nil {
			b.Fatal(err)
		}
	}
}
