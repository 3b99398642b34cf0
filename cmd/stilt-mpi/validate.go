package main

import (
	"errors"
	"fmt"
	"github.com/stilt-mpi/stilt-mpi/batch"
	"io"
	"math"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

func init() {
	rootCmd.AddCommand(&cobra.Command{
		Use:   "validate run.toml",
		Short: "check run.toml, the receptor file and met folders; print a summary",
		Long: "validate loads run.toml, reads the receptor CSV, checks that met folders (and for the hysplit\n" +
			"engine the executable and data tables) exist, and reports every problem at once (exit 2).\n" +
			"On success it prints receptors by kind, simulations per met source and the footprint grids.",
		Args: func(cmd *cobra.Command, args []string) error {
			return badInput(cobra.ExactArgs(1)(cmd, args))
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			problems := validateRun(args[0], cmd.OutOrStdout())
			if len(problems) == 0 {
				return nil
			}
			w := cmd.ErrOrStderr()
			for _, p := range problems {
				fmt.Fprintln(w, p)
			}
			return badInput(fmt.Errorf("%s: %d problem(s) found", args[0], len(problems)))
		},
	})
}

// validateRun returns every problem found; when there are none it writes the
// summary to out.
func validateRun(path string, out io.Writer) []error {
	var problems []error
	addAll := func(err error) {
		var ce config.Errors
		var re receptor.Errors
		switch {
		case errors.As(err, &ce):
			for _, e := range ce {
				problems = append(problems, e)
			}
		case errors.As(err, &re):
			for _, e := range re {
				problems = append(problems, e)
			}
		case err != nil:
			problems = append(problems, err)
		}
	}
	c, err := config.Load(path)
	addAll(err)
	if c == nil {
		return problems
	}
	if pe := c.CheckPaths(); len(pe) > 0 {
		addAll(pe)
	}
	var recs []receptor.Receptor
	source := c.Receptors.Path
	if c.Receptors.Path != "" {
		recs, err = receptor.ReadFileScene(c.Receptors.Path, c.Scenes.Column)
		addAll(err)
	} else if c.HasObservations() {
		// receptors come from observation scenes (sensor + grouping rules)
		source = c.Observations.Path
		specs, err := batch.Plan(c)
		addAll(err)
		seen := map[string]bool{}
		for _, s := range specs {
			key := s.ID[len(s.Met)+1:]
			if !seen[key] {
				seen[key] = true
				r := s.Receptor
				r.Scene = s.Scene
				recs = append(recs, r)
			}
		}
	}
	if c.Scenes.Rule == config.SceneColumn {
		for _, r := range recs {
			if r.Scene == "" {
				problems = append(problems, fmt.Errorf("%s:%d: scenes.rule = \"column\" but column %q is empty or missing", c.Receptors.Path, r.Line, c.Scenes.Column))
			}
		}
	}
	if len(problems) > 0 {
		return problems
	}

	fmt.Fprintf(out, "config      %s (hash %s)\n", c.Path, c.Hash()[:12])
	fmt.Fprintf(out, "project     %s, output %s, engine %s\n", c.Project.Name, c.OutputDir(), c.Engine())
	kinds := map[receptor.Kind]int{}
	scenes := map[string]bool{}
	for _, r := range recs {
		kinds[r.Kind]++
		if r.Scene != "" {
			scenes[r.Scene] = true
		}
	}
	fmt.Fprintf(out, "receptors   %d (%d point, %d column, %d multipoint) from %s\n", len(recs),
		kinds[receptor.Point], kinds[receptor.Column], kinds[receptor.MultiPoint], source)
	if len(scenes) > 0 {
		fmt.Fprintf(out, "scenes      %d (rule %s)\n", len(scenes), c.Scenes.Rule)
	}
	if c.Engine() == config.EngineHysplit {
		exe, _ := c.Transport.HycsStdPath()
		tables, _ := c.Transport.BdyFilesDir()
		fmt.Fprintf(out, "hysplit     %s, tables %s\n", exe, tables)
	}
	p := c.Params
	fmt.Fprintf(out, "params      n_hours %d, numpar %d, krand %d, hnf_plume %v, error pass %v\n",
		p.NHours, p.NumPar, p.KRand, p.HNFPlume, p.WindErrTF() > 0)
	total := 0
	for _, m := range c.Mets() {
		how := "ARL headers"
		if m.Discover == "name" {
			how = fmt.Sprintf("names %q every %s", m.FileFormat, shortDuration(m.FileTres))
		}
		fmt.Fprintf(out, "met %-8s %d simulations, %s, files by %s\n", m.Name, len(recs), m.Directory, how)
		total += len(recs)
	}
	fmt.Fprintf(out, "simulations %d\n", total)
	for _, f := range c.Footprints() {
		nx := int(math.Round((f.XMax - f.XMin) / f.XRes))
		ny := int(math.Round((f.YMax - f.YMin) / f.YRes))
		fmt.Fprintf(out, "footprint %-6s %d x %d cells of %g x %g, %s, time_integrate %v\n",
			f.Name, nx, ny, f.XRes, f.YRes, f.Projection, f.TimeIntegrate)
	}
	if len(c.Footprints()) == 0 {
		fmt.Fprintln(out, "footprints  none (trajectories only)")
	}
	return nil
}

// shortDuration prints 6h0m0s as 6h and 30m0s as 30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
