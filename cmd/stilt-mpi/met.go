package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/met"
)

func init() {
	metCmd := &cobra.Command{
		Use:   "met",
		Short: "inspect, crop and synthesise ARL meteorology",
	}

	var asJSON bool
	info := &cobra.Command{
		Use:   "info FILE...",
		Short: "grid, projection, corners, levels, variables, time coverage and checksum verdict of ARL files",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var all []*met.Info
			bad := 0
			for _, p := range args {
				in, err := met.Describe(p)
				if err != nil {
					return badInput(err)
				}
				if !in.ChecksumsOK {
					bad++
				}
				all = append(all, in)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", " ")
				if err := enc.Encode(all); err != nil {
					return err
				}
			} else {
				for _, in := range all {
					in.WriteText(cmd.OutOrStdout())
				}
			}
			if bad > 0 {
				return fmt.Errorf("met info: %d of %d files have checksum mismatches", bad, len(all))
			}
			return nil
		},
	}
	info.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var (
		outDir       string
		spec         met.CropSpec
		startS, endS string
	)
	crop := &cobra.Command{
		Use:   "crop IN... -o OUTDIR --xmin LON --xmax LON --ymin LAT --ymax LAT",
		Short: "cut ARL files to a lon/lat box (+buffer), the lowest N levels and a time window",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, f := range []string{"xmin", "xmax", "ymin", "ymax"} {
				if !cmd.Flags().Changed(f) {
					return badInput(fmt.Errorf("met crop: --%s is required", f))
				}
			}
			if outDir == "" {
				return badInput(fmt.Errorf("met crop: -o OUTDIR is required"))
			}
			var err error
			if startS != "" {
				if spec.Start, err = met.ParseTime(startS); err != nil {
					return badInput(fmt.Errorf("--start: %w", err))
				}
			}
			if endS != "" {
				if spec.End, err = met.ParseTime(endS); err != nil {
					return badInput(fmt.Errorf("--end: %w", err))
				}
			}
			res, err := met.Crop(args, outDir, spec)
			for _, r := range res {
				if r.Skipped {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: no period in the time window, skipped\n", r.In)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s -> %s: x %d-%d, y %d-%d (%dx%d), %d levels, %d periods, %d bytes\n",
					r.In, r.Out, r.SubGrid.I0, r.SubGrid.I1, r.SubGrid.J0, r.SubGrid.J1, r.SubGrid.NX(), r.SubGrid.NY(), r.Levels, len(r.Times), r.Bytes)
			}
			return err
		},
	}
	cf := crop.Flags()
	cf.StringVarP(&outDir, "out", "o", "", "output directory (files keep their base names)")
	cf.Float64Var(&spec.XMin, "xmin", 0, "west longitude")
	cf.Float64Var(&spec.XMax, "xmax", 0, "east longitude")
	cf.Float64Var(&spec.YMin, "ymin", 0, "south latitude")
	cf.Float64Var(&spec.YMax, "ymax", 0, "north latitude")
	cf.Float64Var(&spec.Buffer, "buffer", 0, "degrees added on each side")
	cf.IntVar(&spec.Levels, "levels", 0, "keep the lowest N levels, surface included (0: all)")
	cf.StringVar(&startS, "start", "", "first valid time to keep (UTC)")
	cf.StringVar(&endS, "end", "", "last valid time to keep (UTC)")
	cf.BoolVar(&spec.Cover, "cover", false, "keep every cell the box touches (default: xtrct_grid corner rounding)")

	var (
		synthDir   string
		sspec      met.SynthSpec
		synthStart string
	)
	synth := &cobra.Command{
		Use:   "synth -o DIR",
		Short: "write a small synthetic ARL data set with analytic fields",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if synthDir == "" {
				return badInput(fmt.Errorf("met synth: -o DIR is required"))
			}
			if sspec.Grid != "latlon" && sspec.Grid != "lambert" {
				return badInput(fmt.Errorf("met synth: --grid %q: want latlon or lambert", sspec.Grid))
			}
			if sspec.Hours < 1 {
				return badInput(fmt.Errorf("met synth: --hours %d: want at least 1", sspec.Hours))
			}
			if synthStart != "" {
				t, err := met.ParseTime(synthStart)
				if err != nil {
					return badInput(fmt.Errorf("--start: %w", err))
				}
				sspec.Start = t.Truncate(time.Hour)
			}
			paths, err := met.Synth(synthDir, sspec)
			if err != nil {
				return err
			}
			for _, p := range paths {
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			return nil
		},
	}
	sf := synth.Flags()
	sf.StringVarP(&synthDir, "out", "o", "", "output directory")
	sf.StringVar(&sspec.Grid, "grid", "latlon", "latlon or lambert")
	sf.IntVar(&sspec.Hours, "hours", 12, "number of hourly periods")
	sf.StringVar(&synthStart, "start", "", "first valid time (UTC, default 2019-05-30 00:00)")
	sf.Float64Var(&sspec.Slope, "slope", 0, "terrain slope in m per km eastward (--slope alone: 20)")
	sf.Lookup("slope").NoOptDefVal = "20"

	var filesJSON bool
	files := &cobra.Command{
		Use:   "files RUN.toml",
		Short: "which met files each simulation needs, and what is missing (exit 1 when any is not covered)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := batch.LoadConfig(args[0])
			if err != nil {
				return badInput(err)
			}
			reps, err := batch.MetFiles(cfg)
			if err != nil {
				return asExit(err)
			}
			missing := 0
			for _, r := range reps {
				if r.Error != "" {
					missing++
				}
			}
			w := cmd.OutOrStdout()
			if filesJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				if err := enc.Encode(reps); err != nil {
					return err
				}
			} else {
				for _, r := range reps {
					if r.Error != "" {
						fmt.Fprintf(w, "%s: MISSING: %s\n", r.SimID, r.Error)
						continue
					}
					fmt.Fprintf(w, "%s:\n", r.SimID)
					for _, f := range r.Files {
						fmt.Fprintf(w, "  %s\n", f)
					}
				}
			}
			if missing > 0 {
				return fmt.Errorf("%d of %d simulations are not covered by their met", missing, len(reps))
			}
			return nil
		},
	}
	files.Flags().BoolVar(&filesJSON, "json", false, "machine-readable output")
	metCmd.AddCommand(info, crop, synth, files)
	rootCmd.AddCommand(metCmd)
}
