// Command stilt-mpi runs the STILT atmospheric transport model at HPC scale.
//
// This file holds only the root command and the mapping from errors to exit
// codes; each verb lives in its own file and registers itself in init().
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// usageError marks an error caused by bad input (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// badInput wraps err so that the command exits with code 2.
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

var rootCmd = &cobra.Command{
	Use:           "stilt-mpi",
	Short:         "STILT footprints at HPC scale (MPI, SLURM, native or HYSPLIT transport)",
	SilenceUsage:  true,
	SilenceErrors: true,
}

func init() {
	rootCmd.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "print the stilt-mpi version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "stilt-mpi %s\n", version)
			return nil
		},
	})
	// Flag and argument parse errors are bad input.
	rootCmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return badInput(err) })
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the CLI and returns the exit code: 0 ok, 1 runtime failure,
// 2 bad input.
func run(args []string) int {
	wrapArgs(rootCmd)
	rootCmd.SetArgs(args)
	err := rootCmd.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintln(os.Stderr, "stilt-mpi:", err)
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") {
		return 2
	}
	return 1
}

// wrapArgs makes every command's argument-count errors bad input (exit 2).
func wrapArgs(c *cobra.Command) {
	if c.Args != nil {
		if _, done := wrapped[c]; !done {
			orig := c.Args
			c.Args = func(cmd *cobra.Command, args []string) error { return badInput(orig(cmd, args)) }
			wrapped[c] = struct{}{}
		}
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}

var wrapped = map[*cobra.Command]struct{}{}

// exactArgs is cobra.ExactArgs (kept as a name for the verbs' readability).
func exactArgs(n int) cobra.PositionalArgs { return cobra.ExactArgs(n) }
