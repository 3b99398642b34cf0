package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stilt-mpi/stilt-mpi/hysplit"
	"github.com/stilt-mpi/stilt-mpi/particle"
)

// rstiltVarsiwant is R-STILT's default VARSIWANT, used for a
// PARTICLE_STILT.DAT without a SETUP.CFG beside it.
var rstiltVarsiwant = []string{"time", "indx", "long", "lati", "zagl", "foot", "mlht", "dens", "samt", "sigw", "tlgr"}

func init() {
	particlesCmd := &cobra.Command{
		Use:   "particles",
		Short: "inspect stored particle trajectories",
	}
	var asCSV bool
	var rows int
	var vars string
	dump := &cobra.Command{
		Use:   "dump FILE",
		Short: "print a trajectory (parquet, PARTICLE_STILT.DAT[.gz] or CSV)",
		Long: `Print a stored particle trajectory: a trajectory parquet file, hycs_std's
PARTICLE_STILT.DAT (optionally .gz) or a CSV particle table.

Without --csv a summary (format, metadata, rows, particles, column ranges) and
the first --rows rows are printed; with --csv the whole table is written as CSV.
The columns of a PARTICLE_STILT.DAT come from --varsiwant, else from a
SETUP.CFG in the same directory, else R-STILT's default list.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return badInput(fmt.Errorf("particles dump takes one FILE argument, got %d", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if _, err := os.Stat(path); err != nil {
				return badInput(err)
			}
			vs := rstiltVarsiwant
			if vars != "" {
				vs = strings.Split(vars, ",")
			} else if setup := filepath.Join(filepath.Dir(path), hysplit.SetupName); fileExists(setup) {
				v, err := hysplit.ReadVarsiwant(setup)
				if err != nil {
					return badInput(err)
				}
				vs = v
			}
			tab, format, err := particle.ReadAny(path, vs)
			if err != nil {
				return badInput(err)
			}
			out := cmd.OutOrStdout()
			if asCSV {
				return tab.WriteCSV(out)
			}
			return printSummary(out, path, format, tab, rows)
		},
	}
	dump.Flags().BoolVar(&asCSV, "csv", false, "write the whole table as CSV")
	dump.Flags().IntVar(&rows, "rows", 20, "rows to print without --csv (0: all)")
	dump.Flags().StringVar(&vars, "varsiwant", "", "comma-separated PARTICLE_STILT.DAT column names")
	particlesCmd.AddCommand(dump)
	rootCmd.AddCommand(particlesCmd)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func printSummary(w io.Writer, path, format string, tab *particle.Table, nrows int) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "file: %s\nformat: %s\nrows: %d\nparticles: %d\n", path, format, tab.Len(), tab.NumParticles())
	keys := make([]string, 0, len(tab.Meta))
	for k := range tab.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(bw, "meta %s: %s\n", k, tab.Meta[k])
	}
	names := tab.Names()
	fmt.Fprintln(bw, "columns:")
	for _, n := range names {
		c := tab.Col(n)
		lo, hi := 0.0, 0.0
		for i, v := range c {
			if i == 0 || v < lo {
				lo = v
			}
			if i == 0 || v > hi {
				hi = v
			}
		}
		fmt.Fprintf(bw, "  %-22s min %-14s max %s\n", n, fmtNum(lo), fmtNum(hi))
	}
	if nrows <= 0 || nrows > tab.Len() {
		nrows = tab.Len()
	}
	for j, n := range names {
		if j > 0 {
			bw.WriteByte(' ')
		}
		fmt.Fprintf(bw, "%12s", n)
	}
	bw.WriteByte('\n')
	row := make([]float64, len(names))
	for i := 0; i < nrows; i++ {
		row = tab.Row(i, row)
		for j, v := range row {
			if j > 0 {
				bw.WriteByte(' ')
			}
			fmt.Fprintf(bw, "%12s", fmtNum(v))
		}
		bw.WriteByte('\n')
	}
	if nrows < tab.Len() {
		fmt.Fprintf(bw, "... %d more rows (--rows 0 for all, --csv for CSV)\n", tab.Len()-nrows)
	}
	return bw.Flush()
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }
