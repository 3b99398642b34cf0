package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/footprint"
	"github.com/stilt-mpi/stilt-mpi/particle"
)

// readParticles reads a particle table, detecting the format: CSV with a
// header row (optionally gzipped) or hycs_std's PARTICLE_STILT.DAT(.gz).
// When varsiwant is not empty, only those columns are kept, in that order
// (as R-STILT's varsiwant; it matters for the densification quirk).
func readParticles(path string, varsiwant []string) (*particle.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	head, _ := r.(*bufio.Reader).Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = bufio.NewReaderSize(gz, 1<<20)
	}
	br := r.(*bufio.Reader)
	first, _ := br.Peek(256)
	if isStiltDAT(path, first) {
		cols := varsiwant
		if len(cols) == 0 {
			cols = config.DefaultVarsiWant
		}
		tab, err := particle.DecodeStiltDAT(br, cols)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return tab, nil
	}
	tab, err := particle.DecodeCSV(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(varsiwant) == 0 {
		return tab, nil
	}
	out := &particle.Table{Meta: tab.Meta}
	for _, name := range varsiwant {
		c := tab.Col(name)
		if c == nil {
			return nil, fmt.Errorf("%s: --varsiwant column %q not in the file (columns: %v)", path, name, tab.Names())
		}
		if err := out.SetCol(name, c); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return out, nil
}

// isStiltDAT recognises PARTICLE_STILT.DAT by name or by a first line of
// numbers only (a CSV header has names).
func isStiltDAT(path string, first []byte) bool {
	base := strings.ToUpper(filepath.Base(path))
	if strings.Contains(base, "PARTICLE_STILT") || strings.HasSuffix(strings.TrimSuffix(base, ".GZ"), ".DAT") {
		return true
	}
	line, _, _ := bytes.Cut(first, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) == 0 || bytes.ContainsRune(line, ',') {
		return false
	}
	for _, fld := range fields {
		var v float64
		if _, err := fmt.Sscan(fld, &v); err != nil {
			return false
		}
	}
	return true
}

// receptorPosition estimates the release position as the mean position of
// the rows at the smallest |time|.
func receptorPosition(tab *particle.Table) (lon, lat float64, ok bool) {
	t, x, y := tab.Col("time"), tab.Col("long"), tab.Col("lati")
	if len(t) == 0 || x == nil || y == nil {
		return 0, 0, false
	}
	min := math.Inf(1)
	for _, v := range t {
		if math.Abs(v) < min {
			min = math.Abs(v)
		}
	}
	n := 0.0
	for i, v := range t {
		if math.Abs(v) == min && !math.IsNaN(x[i]) && !math.IsNaN(y[i]) {
			lon += x[i]
			lat += y[i]
			n++
		}
	}
	if n == 0 {
		return 0, 0, false
	}
	return lon / n, lat / n, true
}

func init() {
	var (
		out, projection, receptorTime string
		cfg                           footprint.Config
		yres                          float64
		hnf                           bool
		zagl, veght                   float64
		varsiwant                     []string
	)
	cmd := &cobra.Command{
		Use:   "footprint PARTICLES -o OUT.nc --xmin X --xmax X --ymin Y --ymax Y --xres R",
		Short: "grid a particle table (CSV with header) into a footprint netCDF",
		Long: `Compute the footprint of a particle table with R-STILT's calc_footprint
semantics and write it as a CF-1.8 netCDF-4 file (foot in ppm m2 s umol-1).
Bounds are lon/lat degrees; resolutions are in projection units. With
--hnf-plume the hyper-near-field plume dilution is applied first.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			for _, name := range []string{"output", "xmin", "xmax", "ymin", "ymax", "xres"} {
				if !c.Flags().Changed(name) {
					return badInput(fmt.Errorf("footprint: flag --%s is required", name))
				}
			}
			cfg.Yres = cfg.Xres
			if c.Flags().Changed("yres") {
				cfg.Yres = yres
			}
			cfg.Projection = projection
			if receptorTime != "" {
				t, err := time.Parse(time.RFC3339, receptorTime)
				if err != nil {
					return badInput(fmt.Errorf("footprint: --receptor-time %q: want RFC 3339 such as 2019-05-30T11:00:00Z", receptorTime))
				}
				cfg.ReceptorTime = t.UTC()
			} else {
				cfg.ReceptorTime = time.Unix(0, 0).UTC()
				fmt.Fprintln(c.ErrOrStderr(), "stilt-mpi footprint: no --receptor-time; layers are labelled relative to 1970-01-01T00:00:00Z")
			}
			if hnf && !c.Flags().Changed("receptor-zagl") {
				return badInput(errors.New("footprint: --hnf-plume needs --receptor-zagl"))
			}
			if err := cfg.Validate(); err != nil {
				return badInput(err)
			}
			tab, err := readParticles(args[0], varsiwant)
			if err != nil {
				return badInput(err)
			}
			if hnf {
				if tab, err = footprint.HNF(tab, veght, zagl); err != nil {
					return badInput(fmt.Errorf("%s: %w", args[0], err))
				}
			}
			g, err := footprint.Compute(tab, cfg)
			if err != nil {
				return badInput(fmt.Errorf("%s: %w", args[0], err))
			}
			rec := map[string]any{"time": cfg.ReceptorTime.Format(time.RFC3339)}
			if lon, lat, ok := receptorPosition(tab); ok {
				rec["longitude"], rec["latitude"] = lon, lat
				rec["position_source"] = "mean position of the first particle step"
			}
			if c.Flags().Changed("receptor-zagl") {
				rec["altitude"], rec["altitude_ref"] = zagl, "agl"
			}
			rj, _ := json.Marshal(rec)
			attrs := map[string]any{"receptor": string(rj), "hnf_plume": b2i(hnf), "particles_file": filepath.Base(args[0])}
			if hnf {
				attrs["veght"] = veght
			}
			if err := g.WriteNetCDF(out, attrs); err != nil {
				return err
			}
			reason := g.EmptyReason
			if reason == "" {
				reason = "none"
			}
			fmt.Fprintf(c.OutOrStdout(), "wrote %s: %d x %d cells, %d layer(s), N = %d, %d non-zero cells, total %.6g, empty: %s\n",
				out, g.NX(), g.NY(), g.NT(), g.N, g.NonZero(), g.Sum(), reason)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "output netCDF path (written atomically)")
	f.Float64Var(&cfg.Xmin, "xmin", 0, "west edge of the domain, degrees")
	f.Float64Var(&cfg.Xmax, "xmax", 0, "east edge of the domain, degrees")
	f.Float64Var(&cfg.Ymin, "ymin", 0, "south edge of the domain, degrees")
	f.Float64Var(&cfg.Ymax, "ymax", 0, "north edge of the domain, degrees")
	f.Float64Var(&cfg.Xres, "xres", 0, "cell width (projection units)")
	f.Float64Var(&yres, "yres", 0, "cell height (default: --xres)")
	f.Float64Var(&cfg.SmoothFactor, "smooth-factor", 1, "kernel bandwidth factor; 0 disables smoothing")
	f.BoolVar(&cfg.TimeIntegrate, "time-integrate", false, "sum all steps into one layer")
	f.StringVar(&projection, "projection", "+proj=longlat", "PROJ string of the grid (longlat, lcc, merc, stere, tmerc, utm)")
	f.StringVar(&receptorTime, "receptor-time", "", "receptor time, RFC 3339 UTC (labels the layers)")
	f.BoolVar(&hnf, "hnf-plume", false, "apply hyper-near-field plume dilution first")
	f.Float64Var(&zagl, "receptor-zagl", 0, "receptor height above ground, m (HNF starting height)")
	f.Float64Var(&veght, "veght", 0.5, "fraction of the mixed-layer height counted as surface layer (HNF)")
	f.StringSliceVar(&varsiwant, "varsiwant", nil, "keep only these particle columns, in this order")
	f.IntVar(&cfg.Workers, "workers", 1, "goroutines for the accumulation (result does not depend on it)")
	rootCmd.AddCommand(cmd)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
