package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/spf13/cobra"
	"github.com/stilt-mpi/stilt-mpi/transport"
)

func init() {
	var ens, met, plot, md string
	var recs []string
	var numpar, workers int
	var seed uint64
	var excessB float64
	cmd := &cobra.Command{
		Use:   "validate-transport",
		Short: "compare the native transport engine with the hycs_std seed ensembles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, d := range []string{ens, met} {
				if st, err := os.Stat(d); err != nil || !st.IsDir() {
					return badInput(fmt.Errorf("validate-transport: %q is not a directory", d))
				}
			}
			if numpar <= 0 {
				return badInput(fmt.Errorf("validate-transport: --numpar %d, want > 0", numpar))
			}
			p := transport.DefaultParams()
			p.Workers = workers
			if excessB > 0 {
				p.ZiExcessB = excessB
			}
			rep, err := transport.Validate(cmd.Context(), transport.ValidateOptions{EnsembleDir: ens, MetDir: met,
				Receptors: recs, NumPar: numpar, Seed: seed, Params: p})
			if err != nil {
				return err
			}
			rep.WriteText(cmd.OutOrStdout())
			if plot != "" {
				if err := rep.PlotFootprints(plot); err != nil {
					return err
				}
			}
			if md != "" {
				if err := rep.WriteMarkdown(md); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&ens, "ensemble", "/work/shared/hysplit-ensemble", "hycs_std ensemble directory")
	cmd.Flags().StringVar(&met, "met", "/work/shared/met", "directory of the ARL met files named in the runs' CONTROL")
	cmd.Flags().StringSliceVar(&recs, "receptor", []string{"A", "D"}, "receptors to run (A, D)")
	cmd.Flags().IntVar(&numpar, "numpar", 1000, "particles per native run")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	cmd.Flags().IntVar(&workers, "workers", runtime.NumCPU(), "goroutines moving particles")
	cmd.Flags().Float64Var(&excessB, "zi-excess-b", 0, "override the excess-temperature coefficient b of the mixed-layer diagnosis (0: default)")
	cmd.Flags().StringVar(&plot, "plot", "", "write a PNG comparing binned footprints")
	cmd.Flags().StringVar(&md, "markdown", "", "write the comparison as a markdown table")
	rootCmd.AddCommand(cmd)
}
