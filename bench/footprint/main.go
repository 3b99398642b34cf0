// Command footprint-bench measures the CPU time and peak memory of one
// footprint computation on a synthetic 24-hour random-walk particle table
// (one row per particle-minute) over the domain −113.75…−111.25 ×
// 39.5…41.5. Run one case per process so that the peak RSS is the case's:
//
//	go run ./bench/footprint -np 1000 -res 0.01 -integrate
//
// The R-STILT comparison case (5000 particles × 144 ten-minute steps on
// 1000 × 600 cells, hourly layers):
//
//	go run ./bench/footprint -np 5000 -steps 144 -dt 10 -res 0.0025 -ymin 39.75 -ymax 41.25
//
// It prints one Markdown table row: particles, rows, resolution, grid,
// integrate, layers, non-zero cells, total, CPU s (compute only and whole
// process), wall s, peak RSS (MB).
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"syscall"
	"time"

	"github.com/stilt-mpi/stilt-mpi/footprint"
)

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func peakRSSMB() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024 // kB on Linux
}

func main() {
	np := flag.Int("np", 200, "particles")
	steps := flag.Int("steps", 1440, "minutes (rows per particle)")
	res := flag.Float64("res", 0.01, "cell size, degrees")
	integrate := flag.Bool("integrate", false, "time-integrate")
	workers := flag.Int("workers", 1, "accumulation goroutines")
	step := flag.Float64("step", 0.005, "random-walk standard deviation per minute, degrees")
	dt := flag.Int("dt", 1, "minutes between rows (the walk's per-row deviation is step·√dt)")
	ymin := flag.Float64("ymin", 39.5, "south edge")
	ymax := flag.Float64("ymax", 41.5, "north edge")
	flag.Parse()

	tab := footprint.Synthetic(*np, *steps, -112.5, 40.5, *step*math.Sqrt(float64(*dt)), 42)
	if *dt != 1 {
		tm := tab.Col("time")
		for i := range tm {
			tm[i] *= float64(*dt)
		}
	}
	cfg := footprint.DefaultConfig()
	cfg.Xmin, cfg.Xmax, cfg.Ymin, cfg.Ymax = -113.75, -111.25, *ymin, *ymax
	cfg.Xres, cfg.Yres = *res, *res
	cfg.TimeIntegrate = *integrate
	cfg.ReceptorTime = time.Date(2015, 12, 10, 0, 0, 0, 0, time.UTC)
	cfg.Workers = *workers

	c0, w0 := cpuSeconds(), time.Now()
	g, err := footprint.Compute(tab, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c1, w1 := cpuSeconds(), time.Now()
	fmt.Printf("| %d | %d | %g | %d x %d | %v | %d | %d | %.5f | %.2f | %.2f | %.2f | %.0f |\n",
		*np, tab.Len(), *res, g.NX(), g.NY(), *integrate, g.NT(), g.NonZero(), g.Sum(),
		c1-c0, c1, w1.Sub(w0).Seconds(), peakRSSMB())
}
