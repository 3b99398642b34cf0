package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// State is a SLURM job state as printed by squeue/scontrol (PENDING,
// RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...).
type State string

// Job states used by this package; others pass through unchanged.
const (
	Pending   State = "PENDING"
	Running   State = "RUNNING"
	Completed State = "COMPLETED"
	Failed    State = "FAILED"
	Cancelled State = "CANCELLED"
	Timeout   State = "TIMEOUT"
)

var terminalStates = map[State]bool{
	"COMPLETED": true, "FAILED": true, "CANCELLED": true, "TIMEOUT": true, "NODE_FAIL": true,
	"PREEMPTED": true, "BOOT_FAIL": true, "DEADLINE": true, "OUT_OF_MEMORY": true,
	"SPECIAL_EXIT": true, "REVOKED": true,
}

// Terminal reports whether a job in state s will not change state again.
func (s State) Terminal() bool { return terminalStates[s] }

// Task is one job, or one element (or a not yet split range) of a job array.
type Task struct {
	ID          string // as squeue prints it: 123, 123_4 or 123_[5-9]
	ArrayTaskID string // "" for a plain job; "4" or "5-9" for array elements
	State       State
	Reason      string // squeue/scontrol reason (Dependency, None, ...)
	ExitCode    string // "status:signal" when known (scontrol only)
}

// Status is the state of a job or a whole job array.
type Status struct {
	ID    string
	State State // aggregate: see JobState
	Tasks []Task
}

// Done reports whether every task has reached a terminal state.
func (s Status) Done() bool { return s.State.Terminal() }

// OK reports whether the job has finished and every task completed.
func (s Status) OK() bool { return s.State == Completed }

// Client runs the SLURM commands. The zero value uses the environment's
// SLURM_CONF and the real commands.
type Client struct {
	// Conf, if set, is exported as SLURM_CONF to every command.
	Conf string
	// PollInterval is Wait's polling period; default 2 s.
	PollInterval time.Duration
	// Exec runs one command and returns its stdout and stderr; nil runs the
	// real program. Tests replace it with a test double.
	Exec func(ctx context.Context, env []string, name string, args ...string) (stdout, stderr []byte, err error)
}

// DefaultClient is used by the package-level functions.
var DefaultClient = &Client{}

// Submit submits script with DefaultClient; see Client.Submit.
func Submit(script string, extraArgs ...string) (string, error) {
	return DefaultClient.Submit(script, extraArgs...)
}

// JobState queries DefaultClient; see Client.JobState.
func JobState(id string) (Status, error) { return DefaultClient.JobState(id) }

// Wait polls with DefaultClient; see Client.Wait.
func Wait(ctx context.Context, id string) (Status, error) { return DefaultClient.Wait(ctx, id) }

// Cancel cancels (signal "") or signals a job with DefaultClient.
func Cancel(id, signal string, batchOnly bool) error {
	return DefaultClient.Cancel(id, signal, batchOnly)
}

const (
	submitTimeout = 60 * time.Second
	queryTimeout  = 30 * time.Second
	waitMaxErrors = 5 // consecutive failed queries before Wait gives up
)

func (c *Client) run(ctx context.Context, timeout time.Duration, name string, args ...string) ([]byte, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var env []string
	if c.Conf != "" {
		env = append(os.Environ(), "SLURM_CONF="+c.Conf)
	}
	if c.Exec != nil {
		return c.Exec(ctx, env, name, args...)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.Bytes(), errb.Bytes(), err
}

var reJobID = regexp.MustCompile(`^[0-9]+$`)

// Submit runs `sbatch --parsable EXTRA... SCRIPT` and returns the job id.
// The extra arguments (e.g. "--dependency=afterany:123") are placed before
// the script path: sbatch passes anything after it to the script.
func (c *Client) Submit(script string, extraArgs ...string) (string, error) {
	if script == "" {
		return "", errors.New("sbatch: empty script path")
	}
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("sbatch: script: %w", err)
	}
	args := append([]string{"--parsable"}, extraArgs...)
	args = append(args, script)
	out, errb, err := c.run(context.Background(), submitTimeout, "sbatch", args...)
	if err != nil {
		return "", fmt.Errorf("sbatch %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(errb)))
	}
	// --parsable prints "jobid" or "jobid;cluster"
	line := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	id, _, _ := strings.Cut(line, ";")
	if !reJobID.MatchString(id) {
		return "", fmt.Errorf("sbatch %s: expected a job id on stdout, got %q", script, strings.TrimSpace(string(out)))
	}
	return id, nil
}

// squeueFormat: job id, state, array job id, array task id, reason.
const squeueFormat = "%i|%T|%F|%K|%r"

// JobState returns the state of job id: a plain job, a whole job array
// (all its elements) or one element ("123_4"). It asks
// `squeue -h --states=all -j ID`, which still lists finished jobs for
// MinJobAge seconds, and falls back to `scontrol -o show job ID` when squeue
// fails or prints nothing.
//
// The aggregate state is COMPLETED when every task completed; the first
// other terminal state (in squeue order) when all are terminal; otherwise
// RUNNING if any task is running (or completing, configuring, suspended)
// and PENDING if all remaining tasks wait.
func (c *Client) JobState(id string) (Status, error) {
	if !reQueryID.MatchString(id) {
		return Status{}, fmt.Errorf("job state: malformed job id %q (want 123 or 123_4)", id)
	}
	out, errb, err := c.run(context.Background(), queryTimeout, "squeue", "-h", "--states=all", "-j", id, "-o", squeueFormat)
	var tasks []Task
	if err == nil {
		tasks, err = parseSqueue(out)
		if err != nil {
			return Status{}, fmt.Errorf("job %s: %w", id, err)
		}
	}
	if len(tasks) == 0 {
		sqErr := strings.TrimSpace(string(errb))
		out2, errb2, err2 := c.run(context.Background(), queryTimeout, "scontrol", "-o", "show", "job", id)
		if err2 != nil {
			return Status{}, fmt.Errorf("job %s: squeue: %s; scontrol: %v: %s", id, orNone(sqErr, err), err2, strings.TrimSpace(string(errb2)))
		}
		tasks, err = parseScontrol(out2)
		if err != nil {
			return Status{}, fmt.Errorf("job %s: scontrol: %w", id, err)
		}
		if len(tasks) == 0 {
			return Status{}, fmt.Errorf("job %s: neither squeue nor scontrol know it", id)
		}
	}
	return Status{ID: id, State: aggregate(tasks), Tasks: tasks}, nil
}

func orNone(msg string, err error) string {
	if msg != "" {
		return msg
	}
	if err != nil {
		return err.Error()
	}
	return "no output"
}

var reQueryID = regexp.MustCompile(`^[0-9]+(_[0-9]+)?$`)

func parseSqueue(out []byte) ([]Task, error) {
	var tasks []Task
	for n, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 5 {
			return nil, fmt.Errorf("squeue line %d %q: want 5 |-separated fields (%s)", n+1, line, squeueFormat)
		}
		t := Task{ID: f[0], State: normState(f[1]), Reason: f[4]}
		if f[3] != "N/A" && f[3] != "" {
			t.ArrayTaskID = f[3]
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

// parseScontrol reads `scontrol -o show job` output: one record per line of
// Key=Value pairs.
func parseScontrol(out []byte) ([]Task, error) {
	var tasks []Task
	for n, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		kv := map[string]string{}
		for _, w := range strings.Fields(line) {
			if k, v, ok := strings.Cut(w, "="); ok {
				if _, dup := kv[k]; !dup {
					kv[k] = v
				}
			}
		}
		st, ok := kv["JobState"]
		if !ok || kv["JobId"] == "" {
			return nil, fmt.Errorf("record %d lacks JobId or JobState: %q", n+1, line)
		}
		t := Task{ID: kv["JobId"], State: normState(st), Reason: kv["Reason"], ExitCode: kv["ExitCode"]}
		if a := kv["ArrayTaskId"]; a != "" && a != "N/A" {
			t.ArrayTaskID = a
			t.ID = kv["ArrayJobId"] + "_" + a
			if strings.ContainsAny(a, "-,%") {
				t.ID = kv["ArrayJobId"] + "_[" + a + "]"
			}
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

// normState strips decorations such as "CANCELLED by 0" and upper-cases.
func normState(s string) State {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ' '); i >= 0 {
		s = s[:i]
	}
	return State(strings.ToUpper(s))
}

func aggregate(tasks []Task) State {
	allDone, anyRunning := true, false
	var firstBad State
	for _, t := range tasks {
		if !t.State.Terminal() {
			allDone = false
			if t.State != Pending && t.State != "REQUEUED" && t.State != "REQUEUE_HOLD" && t.State != "REQUEUE_FED" {
				anyRunning = true
			}
			continue
		}
		if t.State != Completed && firstBad == "" {
			firstBad = t.State
		}
	}
	switch {
	case !allDone && anyRunning:
		return Running
	case !allDone:
		return Pending
	case firstBad != "":
		return firstBad
	default:
		return Completed
	}
}

// Wait polls JobState until the job (every array element) has reached a
// terminal state, ctx ends, or the query failed waitMaxErrors times in a row.
// It returns the last status seen.
func (c *Client) Wait(ctx context.Context, id string) (Status, error) {
	interval := c.PollInterval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	var last Status
	fails := 0
	for {
		st, err := c.JobState(id)
		switch {
		case err == nil:
			fails = 0
			last = st
			if st.Done() {
				return st, nil
			}
		case fails+1 >= waitMaxErrors:
			return last, fmt.Errorf("wait for job %s: %d queries failed in a row, last: %w", id, waitMaxErrors, err)
		default:
			fails++
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("wait for job %s (last state %q): %w", id, last.State, ctx.Err())
		case <-time.After(interval):
		}
	}
}

// Cancel runs scancel on id. With signal "" the job is cancelled; otherwise
// the signal (e.g. "TERM") is sent to its steps, or only to the batch shell
// when batchOnly is set (as --signal=B:SIG@grace does).
func (c *Client) Cancel(id, signal string, batchOnly bool) error {
	if !reQueryID.MatchString(id) {
		return fmt.Errorf("scancel: malformed job id %q", id)
	}
	var args []string
	if signal != "" {
		args = append(args, "--signal="+signal)
	}
	if batchOnly {
		args = append(args, "--batch")
	}
	args = append(args, id)
	_, errb, err := c.run(context.Background(), queryTimeout, "scancel", args...)
	if err != nil {
		return fmt.Errorf("scancel %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(errb)))
	}
	return nil
}
