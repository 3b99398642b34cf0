package main

// SLURM job lines for `stilt-mpi status` (to be called from the status verb).

import (
	"fmt"
	"io"

	"github.com/stilt-mpi/stilt-mpi/slurm"
)

// writeSlurmStatus prints one line per job of the latest
// `stilt-mpi slurm --submit` of the run whose output directory is outputDir
// (see slurm.StatusLines); nothing when no job was submitted. The status verb
// must still show the registry when SLURM cannot be asked, so a broken jobs
// record is printed as a line, not returned.
func writeSlurmStatus(w io.Writer, outputDir string) {
	lines, err := slurm.StatusLines(outputDir)
	if err != nil {
		fmt.Fprintf(w, "slurm jobs: %v\n", err)
		return
	}
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// slurmStatusJSON is the "slurm" member for `stilt-mpi status --json`: the
// jobs of the latest submission with their states (nil when none).
func slurmStatusJSON(outputDir string) ([]slurm.JobReport, error) {
	return slurm.DefaultClient.JobReports(outputDir)
}
