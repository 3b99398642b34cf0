package main

// Verbs `slurm` (generate / submit sbatch scripts) and `bench` (`record`,
// used inside bench jobs, and `report`).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"

	"github.com/stilt-mpi/stilt-mpi/bench/report"
	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
	"github.com/stilt-mpi/stilt-mpi/slurm"
)

func init() {
	rootCmd.AddCommand(newSlurmCmd(), newBenchCmd())
}

type slurmFlags struct {
	mode, out, nodes, partition, time, account, qos, mem, jobName string
	logDir, scratch, binary, benchDir, mpi                        string
	tasks, parallelism, ntasksPerNode, cpusPerTask, signalGrace   int
	extra, setup                                                  []string
	submit, wait                                                  bool
}

func newSlurmCmd() *cobra.Command {
	var f slurmFlags
	cmd := &cobra.Command{
		Use:   "slurm RUN.toml",
		Short: "write (and optionally submit) SLURM batch scripts for a run",
		Long: `Write sbatch scripts for RUN.toml and optionally submit them.

Modes:
  mpi    one MPI job: srun --mpi=pmix stilt-mpi run RUN.toml
  array  a job array of --tasks shards (stilt-mpi run RUN.toml --shard i/K) and a
         merge job (stilt-mpi merge RUN.toml) submitted with --dependency=afterany
  bench  one job per node count in --nodes (e.g. 1,2,4), each writing
         bench-n<N>.json into --bench-dir; summarise with 'stilt-mpi bench report'

Defaults come from the [slurm] table of RUN.toml (partition, account, qos,
time, nodes, ntasks_per_node, mem, extra_sbatch, setup, scratch,
signal_grace); a flag given on the command line overrides its key. RUN.toml
must pass validation. The jobs run this executable (--binary to change it).
--submit records the job ids in <output>/slurm/jobs.json, which
'stilt-mpi status' reads to show the job states.

Without -o and --submit the scripts are printed. Files: -o FILE for mpi; for
array FILE and FILE's stem + .merge; for bench stem + .bench-n<N>. The default
directory is <RUN.toml dir>/slurm, logs go to <script dir>/logs.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSlurm(cmd, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.mode, "mode", "mpi", "mpi, array or bench")
	fl.StringVarP(&f.out, "output", "o", "", "script file to write (see above)")
	fl.BoolVar(&f.submit, "submit", false, "submit with sbatch after writing")
	fl.BoolVar(&f.wait, "wait", false, "with --submit: wait until every job has finished (exit 1 unless all completed)")
	fl.StringVar(&f.nodes, "nodes", "", "nodes per job (mpi, array; default [slurm] nodes) or comma-separated node counts (bench)")
	fl.IntVar(&f.tasks, "tasks", 0, "array: number of shards K")
	fl.IntVar(&f.parallelism, "parallelism", 0, "array: at most P shards at a time (0 = no limit)")
	fl.StringVar(&f.partition, "partition", "", "SLURM partition")
	fl.StringVar(&f.time, "time", "", "time limit (M, H:M:S, D-H:M:S, ...)")
	fl.StringVar(&f.account, "account", "", "SLURM account")
	fl.StringVar(&f.qos, "qos", "", "SLURM QOS")
	fl.StringVar(&f.mem, "mem", "", "memory per node (e.g. 16G)")
	fl.IntVar(&f.ntasksPerNode, "ntasks-per-node", 0, "MPI ranks per node (default 1)")
	fl.IntVar(&f.cpusPerTask, "cpus-per-task", 0, "CPUs per rank (default 1)")
	fl.StringVar(&f.jobName, "job-name", "", "job name (default "+slurm.DefaultJobName+")")
	fl.StringArrayVar(&f.extra, "extra-sbatch", nil, "extra #SBATCH directive (repeatable), e.g. --exclusive")
	fl.StringArrayVar(&f.setup, "setup", nil, "shell line run before the work (repeatable), e.g. 'module load openmpi'")
	fl.StringVar(&f.scratch, "scratch", "", "scratch directory template containing $SLURM_JOB_ID (default $SLURM_TMPDIR, else "+slurm.DefaultScratchFallback+")")
	fl.IntVar(&f.signalGrace, "signal-grace", 0, "seconds before the time limit to send TERM for checkpointing (default [slurm] signal_grace; negative = off)")
	fl.StringVar(&f.logDir, "log-dir", "", "directory for job logs (default <script dir>/logs)")
	fl.StringVar(&f.binary, "binary", "", "stilt-mpi executable used by the jobs (default: this executable)")
	fl.StringVar(&f.benchDir, "bench-dir", "", "bench: directory for results (default <RUN.toml dir>/bench)")
	fl.StringVar(&f.mpi, "mpi", "", "srun --mpi plugin (default pmix)")
	return cmd
}

// slurmOptions maps [slurm] of run.toml (sl, may be nil) and the flags onto
// slurm.Options: a flag given on the command line (changed reports which)
// overrides the run.toml value. graceSet says whether run.toml sets
// signal_grace itself (otherwise its default is shortened to a quarter of a
// short time limit). Pure apart from making paths absolute.
func slurmOptions(runToml string, f slurmFlags, sl *config.Slurm, graceSet bool, changed func(flag string) bool) (slurm.Options, string, error) {
	absRun, err := filepath.Abs(runToml)
	if err != nil {
		return slurm.Options{}, "", err
	}
	scriptDir := filepath.Join(filepath.Dir(absRun), "slurm")
	if f.out != "" {
		out, err := filepath.Abs(f.out)
		if err != nil {
			return slurm.Options{}, "", err
		}
		scriptDir = filepath.Dir(out)
	}
	o := slurm.Options{
		Mode: slurm.Mode(f.mode), JobName: f.jobName, NTasksPerNode: f.ntasksPerNode, CPUsPerTask: f.cpusPerTask,
		Time: f.time, Partition: f.partition, Account: f.account, QOS: f.qos, Mem: f.mem,
		ExtraSBATCH: f.extra, Setup: f.setup, Scratch: f.scratch, SignalGrace: f.signalGrace,
		LogDir: f.logDir, MPI: f.mpi, Binary: f.binary, RunConfig: absRun,
		Tasks: f.tasks, Parallelism: f.parallelism, BenchDir: f.benchDir,
	}
	nodesFromConfig := 0
	if sl != nil {
		from := func(flag string) bool { return !changed(flag) }
		if from("time") {
			o.Time = sl.Time
		}
		if from("partition") {
			o.Partition = sl.Partition
		}
		if from("account") {
			o.Account = sl.Account
		}
		if from("qos") {
			o.QOS = sl.QOS
		}
		if from("mem") {
			o.Mem = sl.Mem
		}
		if from("ntasks-per-node") {
			o.NTasksPerNode = sl.NTasksPerNode
		}
		if from("nodes") {
			nodesFromConfig = sl.Nodes
		}
		if from("extra-sbatch") {
			o.ExtraSBATCH = append([]string(nil), sl.ExtraSbatch...)
		}
		if from("setup") {
			o.Setup = append([]string(nil), sl.Setup...)
		}
		if from("scratch") && sl.Scratch != "" {
			// the runner makes per-job folders below it, but the batch
			// script's STILT_SCRATCH must not be shared by concurrent jobs
			o.Scratch = sl.Scratch
			if !strings.Contains(o.Scratch, "$SLURM_JOB_ID") && !strings.Contains(o.Scratch, "${SLURM_JOB_ID}") {
				o.Scratch = strings.TrimRight(o.Scratch, "/") + "/${SLURM_JOB_ID}"
			}
		}
		if from("signal-grace") {
			o.SignalGrace = graceSeconds(sl.SignalGrace, graceSet, o.Time)
		}
	}
	if o.LogDir == "" {
		o.LogDir = filepath.Join(scriptDir, "logs")
	} else if o.LogDir, err = filepath.Abs(o.LogDir); err != nil {
		return o, "", err
	}
	if o.Binary == "" {
		if exe, err := os.Executable(); err == nil {
			o.Binary = exe
		}
	}
	if o.Mode == slurm.ModeBench {
		if o.BenchDir == "" {
			o.BenchDir = filepath.Join(filepath.Dir(absRun), "bench")
		} else if o.BenchDir, err = filepath.Abs(o.BenchDir); err != nil {
			return o, "", err
		}
		nodes, err := slurmNodeList(f.nodes)
		if err != nil {
			return o, "", err
		}
		o.BenchNodes = nodes
	} else if f.nodes != "" && changed("nodes") {
		n, err := strconv.Atoi(f.nodes)
		if err != nil {
			return o, "", &slurm.OptionError{Option: "nodes", Value: f.nodes, Reason: "want one integer in " + f.mode + " mode (lists are for --mode bench)"}
		}
		if n < 1 {
			return o, "", &slurm.OptionError{Option: "nodes", Value: f.nodes, Reason: "must be >= 1"}
		}
		o.Nodes = n
	} else {
		o.Nodes = nodesFromConfig
	}
	if o.Mode != slurm.ModeBench && f.benchDir != "" {
		return o, "", &slurm.OptionError{Option: "bench-dir", Value: f.benchDir, Reason: "applies to --mode bench only"}
	}
	if err := o.Validate(); err != nil {
		var oe *slurm.OptionError
		if errors.As(err, &oe) && sl != nil && !changed(oe.Option) && oe.Option != "mode" && oe.Option != "tasks" {
			return o, scriptDir, fmt.Errorf("%s [slurm] %s: %w", absRun, strings.ReplaceAll(oe.Option, "-", "_"), err)
		}
		return o, scriptDir, err
	}
	return o, scriptDir, nil
}

// graceSeconds converts [slurm] signal_grace into Options.SignalGrace: 0
// (set explicitly) turns the signal off; when run.toml does not set it, its
// default is shortened to a quarter of a time limit that is too short for it
// (Options' rule for SignalGrace 0).
func graceSeconds(d time.Duration, set bool, limit string) int {
	if d <= 0 {
		if set {
			return -1
		}
		return 0
	}
	secs := int((d + time.Second - 1) / time.Second)
	if !set && limit != "" {
		if l, err := slurm.ParseTimeLimit(limit); err == nil && l > 0 && secs > l/4 {
			return 0
		}
	}
	return secs
}

// tomlSets reports whether the TOML file at path sets table.key.
func tomlSets(path, table, key string) bool {
	var tree map[string]any
	if _, err := toml.DecodeFile(path, &tree); err != nil {
		return false
	}
	t, ok := tree[table].(map[string]any)
	if !ok {
		return false
	}
	_, ok = t[key]
	return ok
}

func slurmNodeList(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &slurm.OptionError{Option: "nodes", Value: s, Reason: "bench mode needs node counts, e.g. --nodes 1,2,4"}
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, &slurm.OptionError{Option: "nodes", Value: s, Reason: fmt.Sprintf("%q is not an integer", p)}
		}
		out = append(out, n)
	}
	return out, nil
}

// scriptPath names the file of script s: the -o file itself for a single
// script or the array, stem.<name>.ext otherwise.
func slurmScriptPath(out, scriptDir, jobName string, s slurm.Script, single bool) string {
	if out == "" {
		if jobName == "" {
			jobName = slurm.DefaultJobName
		}
		out = filepath.Join(scriptDir, jobName+".sh")
		single = false
	}
	if single || s.Name == "array" {
		return out
	}
	ext := filepath.Ext(out)
	return strings.TrimSuffix(out, ext) + "." + s.Name + ext
}

func runSlurm(cmd *cobra.Command, runToml string, f slurmFlags) error {
	if f.wait && !f.submit {
		return badInput(errors.New("--wait needs --submit"))
	}
	cfg, err := config.Load(runToml)
	if err != nil {
		return badInput(err)
	}
	o, scriptDir, err := slurmOptions(runToml, f, &cfg.Slurm, tomlSets(runToml, "slurm", "signal_grace"), cmd.Flags().Changed)
	if err != nil {
		return badInput(err)
	}
	scripts, err := slurm.Generate(o)
	if err != nil {
		return badInput(err)
	}
	stdout := cmd.OutOrStdout()
	if f.out == "" && !f.submit {
		for i, s := range scripts {
			if len(scripts) > 1 {
				if i > 0 {
					fmt.Fprintln(stdout)
				}
				fmt.Fprintf(stdout, "# ===== %s =====\n", s.Name)
			}
			io.WriteString(stdout, s.Text)
		}
		return nil
	}
	for _, d := range []string{o.LogDir, o.BenchDir} {
		if d != "" {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
	}
	paths := map[string]string{}
	for _, s := range scripts {
		p := slurmScriptPath(slurmAbs(f.out), scriptDir, o.JobName, s, len(scripts) == 1)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := atomicfile.Write(p, []byte(s.Text), 0o755); err != nil {
			return err
		}
		paths[s.Name] = p
		if !f.submit {
			fmt.Fprintf(stdout, "wrote %s\n", p)
		}
	}
	if !f.submit {
		return nil
	}
	ids := map[string]string{}
	var order []string
	sub := slurm.Submission{Mode: o.Mode, RunConfig: o.RunConfig, Tasks: o.Tasks}
	var submitErr error
	for _, s := range scripts {
		var extra []string
		j := slurm.SubmittedJob{Name: s.Name, Script: paths[s.Name]}
		if s.AfterAny != "" {
			j.AfterAny = ids[s.AfterAny]
			extra = append(extra, "--dependency=afterany:"+j.AfterAny)
		}
		id, err := slurm.Submit(paths[s.Name], extra...)
		if err != nil {
			submitErr = fmt.Errorf("submit %s: %w", s.Name, err)
			break
		}
		ids[s.Name] = id
		j.ID = id
		sub.Jobs = append(sub.Jobs, j)
		order = append(order, s.Name)
		fmt.Fprintf(stdout, "submitted %s job %s (%s)\n", s.Name, id, paths[s.Name])
	}
	if len(sub.Jobs) > 0 {
		// what `stilt-mpi status` reports next to the registry counts
		if err := slurm.RecordSubmission(cfg.OutputDir(), sub); err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "stilt-mpi slurm: warning: job ids not recorded: %v\n", err)
		}
	}
	if submitErr != nil {
		return submitErr
	}
	if !f.wait {
		return nil
	}
	failed := 0
	for _, name := range order {
		st, err := slurm.Wait(context.Background(), ids[name])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s job %s: %s\n", name, ids[name], st.State)
		if !st.OK() {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d jobs did not complete", failed, len(order))
	}
	return nil
}

func slurmAbs(p string) string {
	if p == "" {
		return ""
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func newBenchCmd() *cobra.Command {
	bench := &cobra.Command{
		Use:   "bench",
		Short: "scaling benchmarks: record results in jobs, report them",
	}
	var plotPath string
	var noPlot bool
	rep := &cobra.Command{
		Use:   "report DIR",
		Short: "table and efficiency plot from the bench-n*.json files in DIR",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			recs, err := report.ReadDir(args[0])
			if err != nil {
				return badInput(err)
			}
			rows, err := report.Analyze(recs)
			if err != nil {
				return badInput(err)
			}
			if err := report.WriteTable(cmd.OutOrStdout(), rows); err != nil {
				return err
			}
			if noPlot {
				return nil
			}
			if plotPath == "" {
				plotPath = filepath.Join(args[0], "efficiency.png")
			}
			if err := report.PlotEfficiency(rows, plotPath); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "plot: %s\n", plotPath)
			return nil
		},
	}
	rep.Flags().StringVar(&plotPath, "plot", "", "PNG to write (default DIR/efficiency.png)")
	rep.Flags().BoolVar(&noPlot, "no-plot", false, "print the table only")

	var r struct {
		out, jobID, stats      string
		nodes, ranks, cpus, rc int
		startNS, endNS         int64
	}
	rec := &cobra.Command{
		Use:   "record",
		Short: "write one bench result JSON (called at the end of each bench job)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if r.out == "" {
				return badInput(errors.New("bench record: --out is required"))
			}
			rr, err := report.NewRecord(r.jobID, r.nodes, r.ranks, r.cpus, r.startNS, r.endNS, r.rc, r.stats)
			if err != nil {
				return badInput(err)
			}
			return report.WriteRecord(r.out, rr)
		},
	}
	fl := rec.Flags()
	fl.StringVar(&r.out, "out", "", "result file (bench-n<N>.json)")
	fl.StringVar(&r.jobID, "job-id", "", "SLURM job id")
	fl.StringVar(&r.stats, "stats", "", "runner statistics JSON (optional; missing file ignored)")
	fl.IntVar(&r.nodes, "nodes", 0, "nodes")
	fl.IntVar(&r.ranks, "ranks", 0, "MPI ranks")
	fl.IntVar(&r.cpus, "cpus-per-task", 1, "CPUs per rank")
	fl.IntVar(&r.rc, "exit-code", 0, "exit status of the run step")
	fl.Int64Var(&r.startNS, "start-ns", 0, "start, Unix ns")
	fl.Int64Var(&r.endNS, "end-ns", 0, "end, Unix ns")
	bench.AddCommand(rep, rec)
	return bench
}
