package hysplit

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/receptor"
	"github.com/stilt-mpi/stilt-mpi/transport"
)

// BenchmarkWriteInputs writes CONTROL and SETUP.CFG (atomic writes) for a
// point receptor.
func BenchmarkWriteInputs(b *testing.B) {
	rec := readReceptor(b, "time,lat,lon,z\n201905301100,40.766,-111.848,5\n")
	p := loadParams(b, "n_hours = -10\nnumpar = 200\n")
	dir := b.TempDir()
	for i := 0; i < b.N; i++ {
		if err := WriteInputs(dir, Inputs{Receptor: rec, MetFiles: refMet, Params: p}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransportSideBySide runs the same simulation (receptor D of the
// shared ensembles: 2019-05-30 05 UTC, 40.5 N -112.2 E, 5 m, 5 h back, 200
// particles, HRRR test met) with NOAA's hycs_std and with the native engine
// in one benchmark, and reports each one's CPU per particle-hour (hycs_std's
// from the child-process rusage, met reading included) and their
// ratio (native with its met already prepared, as in a batch; its first run
// including met preprocessing is reported too). It needs a HYSPLIT install (STILT_HYSPLIT_DIR) and skips without one.
func BenchmarkTransportSideBySide(b *testing.B) {
	dir := os.Getenv("STILT_HYSPLIT_DIR")
	if dir == "" {
		b.Skip("STILT_HYSPLIT_DIR not set: no hycs_std to compare with")
	}
	inst, err := FromDir(dir)
	if err != nil {
		b.Fatalf("STILT_HYSPLIT_DIR=%s: %v", dir, err)
	}
	met := testenv.Shared(b, "met")
	const numpar, hours = 200, -5
	sim := transport.Simulation{ID: "sidebyside",
		Receptor: receptor.Receptor{Kind: receptor.Point, Time: time.Date(2019, 5, 30, 5, 0, 0, 0, time.UTC),
			Lons: []float64{-112.2}, Lats: []float64{40.5}, Heights: []float64{5}},
		MetFiles: []string{filepath.Join(met, "20190530_00-05_hrrr"), filepath.Join(met, "20190530_06-11_hrrr")},
		NHours:   hours, NumPar: numpar, Seed: 1, Params: transport.DefaultParams()}
	hy := &Engine{Install: inst, Params: config.DefaultParams(), Scratch: b.TempDir()}
	rusage := func(who int) float64 {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err != nil {
			b.Fatal(err)
		}
		return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	}
	// The native engine keeps the preprocessed met between runs (a batch
	// rank reuses it); its first run, which reads and preprocesses both
	// files on the full grid, is reported separately.
	nat := &transport.Native{}
	s0 := rusage(syscall.RUSAGE_SELF)
	if _, err := nat.Run(context.Background(), sim); err != nil {
		b.Fatal(err)
	}
	natFirst := rusage(syscall.RUSAGE_SELF) - s0
	b.ResetTimer()
	var hyCPU, natCPU float64
	for i := 0; i < b.N; i++ {
		c0 := rusage(syscall.RUSAGE_CHILDREN)
		if _, err := hy.Run(context.Background(), sim); err != nil {
			b.Fatal(err)
		}
		hyCPU += rusage(syscall.RUSAGE_CHILDREN) - c0
		s0 := rusage(syscall.RUSAGE_SELF)
		if _, err := nat.Run(context.Background(), sim); err != nil {
			b.Fatal(err)
		}
		natCPU += rusage(syscall.RUSAGE_SELF) - s0
	}
	ph := float64(b.N * numpar * -hours)
	b.ReportMetric(1000*hyCPU/ph, "hycs-cpu-ms/particle-hour")
	b.ReportMetric(1000*natCPU/ph, "native-cpu-ms/particle-hour")
	b.ReportMetric(1000*natFirst/float64(numpar*-hours), "native-first-run-cpu-ms/particle-hour")
	b.ReportMetric(hyCPU/natCPU, "hycs/native")
}
