package slurm

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Mode selects the shape of the generated job(s).
type Mode string

const (
	// ModeMPI is one MPI job: srun --mpi=pmix stilt-mpi run RUN.toml.
	ModeMPI Mode = "mpi"
	// ModeArray is a job array of Tasks shards plus a merge job that the
	// caller submits with --dependency=afterany:<array job id>.
	ModeArray Mode = "array"
	// ModeBench is one MPI job per node count in BenchNodes, each writing a
	// result JSON into BenchDir.
	ModeBench Mode = "bench"
)

// Defaults applied by Options.withDefaults.
const (
	DefaultJobName     = "stilt"
	DefaultBinary      = "stilt-mpi"
	DefaultSignalGrace = 300 // seconds
	DefaultMPI         = "pmix"
	// DefaultScratchFallback is the scratch directory used when the job has
	// no $SLURM_TMPDIR and Options.Scratch is empty.
	DefaultScratchFallback = "/tmp/stilt-mpi-${SLURM_JOB_ID}"
	maxSignalGrace         = 65535 // sbatch --signal accepts at most 65535 s
)

// Options describes the job(s) to generate. The zero value of each field
// means "default" (see the field comments); RunConfig is required.
type Options struct {
	Mode Mode // mpi (default), array or bench

	JobName       string // --job-name; default "stilt"
	Nodes         int    // --nodes; default 1 (ignored in bench mode: BenchNodes)
	NTasksPerNode int    // --ntasks-per-node (MPI ranks per node); default 1
	CPUsPerTask   int    // --cpus-per-task; default 1
	Time          string // --time, SLURM syntax (M, M:S, H:M:S, D-H, D-H:M, D-H:M:S); "" = partition default
	Partition     string // --partition; "" = cluster default
	Account       string // --account
	QOS           string // --qos
	Mem           string // --mem per node, e.g. 4000, 4000M, 16G

	// ExtraSBATCH are further directives, with or without the "#SBATCH "
	// prefix (e.g. "--exclusive", "--constraint=cpu"); one directive each.
	ExtraSBATCH []string
	// Setup are shell lines run before the work (module loads, venvs).
	// An element may hold several lines.
	Setup []string
	// Scratch is the node-local scratch directory template; it must
	// contain $SLURM_JOB_ID (or ${SLURM_JOB_ID}) so that concurrent jobs do
	// not collide. Empty: $SLURM_TMPDIR when the cluster provides it, else
	// DefaultScratchFallback. Exported to the job as STILT_SCRATCH.
	Scratch string
	// SignalGrace is how many seconds before the time limit SLURM sends
	// SIGTERM to the batch shell (--signal=B:TERM@grace), which forwards
	// it to the job steps so that the runner checkpoints. 0 means
	// DefaultSignalGrace, or a quarter of the time limit if that is
	// shorter; negative disables the signal directive and trap.
	SignalGrace int
	// LogDir is where --output/--error files go; "" means the submission
	// directory. SLURM does not create it: the caller must.
	LogDir string
	// MPI is the srun --mpi plugin; default "pmix" (the only one that
	// works with Debian's Open MPI, see the orchestration spec §5.4).
	MPI string

	Binary    string // stilt-mpi executable; default "stilt-mpi" (from PATH)
	RunConfig string // run.toml path (required); use an absolute path

	Tasks       int // array mode: number of shards K (>= 1)
	Parallelism int // array mode: at most this many shards at once (0 = no limit)

	BenchNodes []int  // bench mode: node counts, one job each
	BenchDir   string // bench mode: directory for result JSONs and per-size outputs (required)
}

// OptionError is a validation error naming the offending option.
type OptionError struct {
	Option string // option name as on the command line, e.g. "time"
	Value  string
	Reason string
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("slurm option %s=%q: %s", e.Option, e.Value, e.Reason)
}

func optErr(opt, val, format string, args ...any) error {
	return &OptionError{Option: opt, Value: val, Reason: fmt.Sprintf(format, args...)}
}

// withDefaults returns a copy of o with the defaults filled in.
func (o Options) withDefaults() Options {
	if o.Mode == "" {
		o.Mode = ModeMPI
	}
	if o.JobName == "" {
		o.JobName = DefaultJobName
	}
	if o.Nodes == 0 {
		o.Nodes = 1
	}
	if o.NTasksPerNode == 0 {
		o.NTasksPerNode = 1
	}
	if o.CPUsPerTask == 0 {
		o.CPUsPerTask = 1
	}
	if o.MPI == "" {
		o.MPI = DefaultMPI
	}
	if o.Binary == "" {
		o.Binary = DefaultBinary
	}
	o.ExtraSBATCH = append([]string(nil), o.ExtraSBATCH...)
	o.Setup = append([]string(nil), o.Setup...)
	o.BenchNodes = append([]int(nil), o.BenchNodes...)
	return o
}

var (
	reName    = regexp.MustCompile(`^[A-Za-z0-9_.+-]+$`)
	reList    = regexp.MustCompile(`^[A-Za-z0-9_.+-]+(,[A-Za-z0-9_.+-]+)*$`)
	reMem     = regexp.MustCompile(`^[0-9]+[KMGT]?$`)
	reTimeNum = regexp.MustCompile(`^[0-9]+$`)
)

// Validate checks o (after defaults) and returns an *OptionError naming the
// first bad option.
func (o Options) Validate() error {
	o = o.withDefaults()
	_, err := o.validated()
	return err
}

func (o Options) validated() (Options, error) {
	switch o.Mode {
	case ModeMPI, ModeArray, ModeBench:
	default:
		return o, optErr("mode", string(o.Mode), "want mpi, array or bench")
	}
	if !reName.MatchString(o.JobName) {
		return o, optErr("job-name", o.JobName, "want letters, digits and . _ + - only")
	}
	if o.Nodes < 1 {
		return o, optErr("nodes", strconv.Itoa(o.Nodes), "must be >= 1")
	}
	if o.NTasksPerNode < 1 {
		return o, optErr("ntasks-per-node", strconv.Itoa(o.NTasksPerNode), "must be >= 1")
	}
	if o.CPUsPerTask < 1 {
		return o, optErr("cpus-per-task", strconv.Itoa(o.CPUsPerTask), "must be >= 1")
	}
	limit := -1 // seconds; -1 = none given or unlimited
	if o.Time != "" {
		s, err := ParseTimeLimit(o.Time)
		if err != nil {
			return o, optErr("time", o.Time, "%v", err)
		}
		limit = s
	}
	for _, f := range []struct{ name, val string }{
		{"partition", o.Partition}, {"account", o.Account}, {"qos", o.QOS},
	} {
		if f.val != "" && !reList.MatchString(f.val) {
			return o, optErr(f.name, f.val, "want a name or comma-separated names (letters, digits, . _ + -)")
		}
	}
	if o.Mem != "" && !reMem.MatchString(o.Mem) {
		return o, optErr("mem", o.Mem, "want a number with an optional unit K, M, G or T (e.g. 4000M, 16G)")
	}
	for i, x := range o.ExtraSBATCH {
		d := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(x), "#SBATCH"))
		if d == "" || strings.ContainsAny(d, "\n\r") || !strings.HasPrefix(d, "-") {
			return o, optErr(fmt.Sprintf("extra-sbatch[%d]", i), x, "want one directive starting with - (e.g. --exclusive)")
		}
		o.ExtraSBATCH[i] = d
	}
	if o.Scratch != "" {
		if !strings.Contains(o.Scratch, "$SLURM_JOB_ID") && !strings.Contains(o.Scratch, "${SLURM_JOB_ID}") {
			return o, optErr("scratch", o.Scratch, "must contain $SLURM_JOB_ID so that concurrent jobs do not share it")
		}
		if strings.ContainsAny(o.Scratch, "\"`\\\n\r") || strings.Contains(o.Scratch, "$(") {
			return o, optErr("scratch", o.Scratch, "must not contain quotes, backslashes, backticks, $( or newlines")
		}
	}
	if o.SignalGrace == 0 {
		// default: DefaultSignalGrace, but at most a quarter of a short limit
		o.SignalGrace = DefaultSignalGrace
		if limit > 0 && limit/4 < o.SignalGrace {
			o.SignalGrace = max(1, limit/4)
		}
	}
	if o.SignalGrace > maxSignalGrace {
		return o, optErr("signal-grace", strconv.Itoa(o.SignalGrace), "must be at most %d seconds", maxSignalGrace)
	}
	if o.SignalGrace > 0 && limit > 0 && o.SignalGrace >= limit {
		return o, optErr("signal-grace", strconv.Itoa(o.SignalGrace), "must be shorter than the time limit %s (%d s)", o.Time, limit)
	}
	if !reName.MatchString(o.MPI) {
		return o, optErr("mpi", o.MPI, "want an srun --mpi plugin name such as pmix")
	}
	for _, f := range []struct{ name, val string }{
		{"log-dir", o.LogDir}, {"binary", o.Binary}, {"run-config", o.RunConfig}, {"bench-dir", o.BenchDir},
	} {
		if strings.ContainsAny(f.val, "\n\r") {
			return o, optErr(f.name, f.val, "must not contain newlines")
		}
	}
	if strings.ContainsAny(o.LogDir, "%") {
		return o, optErr("log-dir", o.LogDir, "must not contain %% (it would be taken as a SLURM filename pattern)")
	}
	if o.RunConfig == "" {
		return o, optErr("run-config", "", "the run.toml path is required")
	}
	switch o.Mode {
	case ModeArray:
		if o.Tasks < 1 {
			return o, optErr("tasks", strconv.Itoa(o.Tasks), "must be >= 1")
		}
		if o.Parallelism < 0 {
			return o, optErr("parallelism", strconv.Itoa(o.Parallelism), "must be >= 0 (0 = no limit)")
		}
	case ModeBench:
		if len(o.BenchNodes) == 0 {
			return o, optErr("nodes", "", "bench mode needs a list of node counts, e.g. 1,2,4")
		}
		seen := map[int]bool{}
		for _, n := range o.BenchNodes {
			if n < 1 {
				return o, optErr("nodes", strconv.Itoa(n), "every node count must be >= 1")
			}
			if seen[n] {
				return o, optErr("nodes", strconv.Itoa(n), "node count listed twice")
			}
			seen[n] = true
		}
		if o.BenchDir == "" {
			return o, optErr("bench-dir", "", "bench mode needs a directory for the result files")
		}
	}
	if o.Mode != ModeArray && (o.Tasks != 0 || o.Parallelism != 0) {
		return o, optErr("tasks", strconv.Itoa(o.Tasks), "--tasks/--parallelism apply to array mode only")
	}
	return o, nil
}

// ParseTimeLimit parses a SLURM time limit (M, M:S, H:M:S, D-H, D-H:M,
// D-H:M:S; "UNLIMITED" and "INFINITE" give -1) and returns seconds.
func ParseTimeLimit(s string) (int, error) {
	switch strings.ToUpper(s) {
	case "UNLIMITED", "INFINITE":
		return -1, nil
	}
	bad := fmt.Errorf("malformed time limit: want minutes, M:S, H:M:S, D-H, D-H:M or D-H:M:S")
	days := 0
	rest := s
	hasDays := false
	if i := strings.IndexByte(s, '-'); i >= 0 {
		if !reTimeNum.MatchString(s[:i]) {
			return 0, bad
		}
		days, _ = strconv.Atoi(s[:i])
		rest = s[i+1:]
		hasDays = true
	}
	parts := strings.Split(rest, ":")
	nums := make([]int, len(parts))
	for i, p := range parts {
		if !reTimeNum.MatchString(p) || len(p) > 9 {
			return 0, bad
		}
		nums[i], _ = strconv.Atoi(p)
	}
	// d, h, m, sec with limits on every field that is not the leading one
	var h, m, sec int
	limits := [3]int{-1, -1, -1} // max for h, m, sec; -1 = unbounded
	switch {
	case hasDays && len(nums) == 1: // D-H
		h, limits[0] = nums[0], 23
	case hasDays && len(nums) == 2: // D-H:M
		h, m, limits[0], limits[1] = nums[0], nums[1], 23, 59
	case hasDays && len(nums) == 3: // D-H:M:S
		h, m, sec, limits = nums[0], nums[1], nums[2], [3]int{23, 59, 59}
	case len(nums) == 1: // M
		m = nums[0]
	case len(nums) == 2: // M:S
		m, sec, limits[2] = nums[0], nums[1], 59
	case len(nums) == 3: // H:M:S
		h, m, sec, limits[1], limits[2] = nums[0], nums[1], nums[2], 59, 59
	default:
		return 0, bad
	}
	for i, v := range [3]int{h, m, sec} {
		if limits[i] >= 0 && v > limits[i] {
			return 0, fmt.Errorf("malformed time limit: %s field %d > %d", [3]string{"hours", "minutes", "seconds"}[i], v, limits[i])
		}
	}
	sec += h*3600 + m*60
	sec += days * 86400
	if sec <= 0 {
		return 0, fmt.Errorf("time limit must be positive")
	}
	return sec, nil
}
