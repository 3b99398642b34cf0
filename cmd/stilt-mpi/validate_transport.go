package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/stilt-mpi/stilt-mpi/hysplit"
	"github.com/stilt-mpi/stilt-mpi/particle"
	"github.com/stilt-mpi/stilt-mpi/transport"
)

func init() {
	var ens, met, plot, md string
	var recs, extra, fresh []string
	var numpar, workers, seeds, top int
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
			if numpar < 0 {
				return badInput(fmt.Errorf("validate-transport: --numpar %d, want > 0 (or 0: the ensemble's NUMPAR)", numpar))
			}
			p := transport.DefaultParams()
			p.Workers = workers
			if excessB > 0 {
				p.ZiExcessB = excessB
			}
			ex, err := nameDirs("members", extra)
			if err != nil {
				return badInput(err)
			}
			fr, err := nameDirs("fresh", fresh)
			if err != nil {
				return badInput(err)
			}
			if seeds < 1 {
				return badInput(fmt.Errorf("validate-transport: --seeds %d, want >= 1", seeds))
			}
			var reps []*transport.ValidationReport
			for k := 0; k < seeds; k++ {
				r, err := transport.Validate(cmd.Context(), transport.ValidateOptions{EnsembleDir: ens, MetDir: met,
					Receptors: recs, NumPar: numpar, Seed: seed + uint64(k), Params: p, Extra: ex, Fresh: fr})
				if err != nil {
					return err
				}
				reps = append(reps, r)
			}
			rep := reps[0]
			rep.WriteText(cmd.OutOrStdout())
			if seeds > 1 {
				for k, r := range reps {
					fmt.Fprintf(cmd.OutOrStdout(), "seed %d:", seed+uint64(k))
					for _, res := range r.Results {
						np := res.Passes()
						fmt.Fprintf(cmd.OutOrStdout(), " %s %d/%d", res.Receptor, np, len(res.Stats))
					}
					fmt.Fprintln(cmd.OutOrStdout())
				}
			}
			bs, err := transport.BiasScan(reps)
			if err != nil {
				return err
			}
			transport.WriteBias(cmd.OutOrStdout(), bs, top)
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
	cmd.Flags().StringSliceVar(&recs, "receptor", transport.DefaultReceptors, "receptors to run: A (shared KRAND=1 ensemble), A4 (A against an embedded KRAND=4 ensemble), D (shared KRAND=4 ensemble), E, F, G, H, I, J (embedded KRAND=4 ensembles of receptors the engine was not tuned on), K (a 0-400 m column release), L (a three-point release); --receptor '' runs only the --members receptors")
	cmd.Flags().StringArrayVar(&extra, "members", nil, "also judge a receptor against hycs_std runs made elsewhere: NAME=DIR,DIR,... (each DIR prepared by 'validate-transport member'; repeatable)")
	cmd.Flags().StringArrayVar(&fresh, "fresh", nil, "hycs_std runs with a receptor's ensemble settings but not in its ensemble, judged as the native run is (a baseline): NAME=DIR,DIR,... (prepared by 'validate-transport member'; replaces the embedded ones; repeatable)")
	cmd.Flags().IntVar(&numpar, "numpar", 0, "particles per native run (0: the ensemble's NUMPAR, 1000 for the built-in receptors)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	cmd.Flags().IntVar(&seeds, "seeds", 1, "native runs with seeds seed, seed+1, ...: the full table is printed for the first, pass counts for each, and the bias scan over all")
	cmd.Flags().IntVar(&top, "bias-top", 20, "statistics listed in the bias scan (largest |z| first)")
	cmd.Flags().IntVar(&workers, "workers", runtime.NumCPU(), "goroutines moving particles")
	cmd.Flags().Float64Var(&excessB, "zi-excess-b", 0, "override the excess-temperature coefficient b of the mixed-layer diagnosis (0: default)")
	cmd.Flags().StringVar(&plot, "plot", "", "write a PNG comparing binned footprints")
	cmd.Flags().StringVar(&md, "markdown", "", "write the comparison as a markdown table")
	cmd.AddCommand(memberCmd())
	rootCmd.AddCommand(cmd)
}

// nameDirs parses the values of a repeatable NAME=DIR,DIR,... flag.
func nameDirs(flag string, vals []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, e := range vals {
		name, dirs, ok := strings.Cut(e, "=")
		if !ok || name == "" || dirs == "" {
			return nil, fmt.Errorf("validate-transport: --%s %q: expected NAME=DIR,DIR,... (directories made by 'validate-transport member')", flag, e)
		}
		out[name] = strings.Split(dirs, ",")
	}
	return out, nil
}

// memberCmd turns hycs_std run directories into ensemble members: it reads
// each directory's CONTROL, SETUP.CFG and PARTICLE_STILT.DAT and writes the
// statistics files validate-transport compares against.
func memberCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "member RUN_DIR...",
		Short: "write hourly_stats.csv, foot_binned.csv and summary.json of hycs_std run directories",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, dir := range args {
				setup := filepath.Join(dir, "SETUP.CFG")
				vars, err := hysplit.ReadVarsiwant(setup)
				if err != nil {
					return badInput(err)
				}
				info := transport.MemberInfo{Run: filepath.Base(filepath.Clean(dir))}
				for _, kv := range []struct {
					key string
					dst *int
				}{{"NUMPAR", &info.NumPar}, {"KRAND", &info.KRand}, {"SEED", &info.Seed}} {
					v, _, err := hysplit.ReadSetupInt(setup, kv.key)
					if err != nil {
						return badInput(err)
					}
					*kv.dst = v
				}
				if info.NumPar <= 0 {
					return badInput(fmt.Errorf("%s: NUMPAR missing or not positive", setup))
				}
				if info.KRand != 1 && info.KRand != 2 {
					info.Seed = 0 // only KRAND 1 and 2 use SEED
				}
				if info.Control, err = transport.ReadControl(filepath.Join(dir, "CONTROL")); err != nil {
					return badInput(err)
				}
				tab, err := particle.ReadStiltDAT(filepath.Join(dir, "PARTICLE_STILT.DAT"), vars)
				if err != nil {
					return badInput(err)
				}
				if err := transport.WriteMemberStats(dir, tab, info); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d rows, %d particles, KRAND=%d: statistics written\n", dir, tab.Len(), tab.NumParticles(), info.KRand)
			}
			return nil
		},
	}
}
