package slurm

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
)

// JobsFile is the file, relative to a run's output directory, where
// `stilt-mpi slurm --submit` records the jobs it submitted.
const JobsFile = "slurm/jobs.json"

// maxSubmissions bounds the history kept in JobsFile.
const maxSubmissions = 50

// SubmittedJob is one sbatch submission of a generated script.
type SubmittedJob struct {
	Name     string `json:"name"`                // script name: mpi, array, merge, bench-n<N>
	ID       string `json:"id"`                  // SLURM job id
	Script   string `json:"script"`              // script path
	AfterAny string `json:"after_any,omitempty"` // job id this one depends on
}

// Submission is one `stilt-mpi slurm --submit`: the jobs of one mode.
type Submission struct {
	Time      time.Time      `json:"time"` // UTC
	Mode      Mode           `json:"mode"`
	RunConfig string         `json:"run_config"`
	Tasks     int            `json:"tasks,omitempty"` // array mode: shards
	Jobs      []SubmittedJob `json:"jobs"`
}

type jobsDoc struct {
	Submissions []Submission `json:"submissions"`
}

// JobsPath returns the jobs record of the run whose output directory is
// outputDir.
func JobsPath(outputDir string) string { return filepath.Join(outputDir, filepath.FromSlash(JobsFile)) }

// RecordSubmission appends s to <outputDir>/slurm/jobs.json (created with
// its directory if needed; written atomically), keeping the last 50
// submissions.
func RecordSubmission(outputDir string, s Submission) error {
	if len(s.Jobs) == 0 {
		return errors.New("record submission: no jobs")
	}
	if s.Time.IsZero() {
		s.Time = time.Now()
	}
	s.Time = s.Time.UTC().Truncate(time.Second)
	path := JobsPath(outputDir)
	doc, err := readJobs(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	doc.Submissions = append(doc.Submissions, s)
	if n := len(doc.Submissions); n > maxSubmissions {
		doc.Submissions = doc.Submissions[n-maxSubmissions:]
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("record submission: %w", err)
	}
	return atomicfile.Write(path, append(data, '\n'), 0o644)
}

// Submissions returns the recorded submissions of the run whose output
// directory is outputDir, oldest first; none (and no error) when nothing
// was submitted.
func Submissions(outputDir string) ([]Submission, error) {
	doc, err := readJobs(JobsPath(outputDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return doc.Submissions, err
}

func readJobs(path string) (jobsDoc, error) {
	var doc jobsDoc
	data, err := os.ReadFile(path)
	if err != nil {
		return doc, err
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return doc, fmt.Errorf("%s: malformed jobs record (want {\"submissions\": [...]} as written by `stilt-mpi slurm --submit`): %w", path, err)
	}
	for i, s := range doc.Submissions {
		for j, jb := range s.Jobs {
			if !reJobID.MatchString(jb.ID) {
				return doc, fmt.Errorf("%s: submissions[%d].jobs[%d]: malformed job id %q (want digits)", path, i, j, jb.ID)
			}
		}
	}
	return doc, nil
}

// JobReport is the current state of one recorded job.
type JobReport struct {
	SubmittedJob
	Mode      Mode      `json:"mode"`
	Submitted time.Time `json:"submitted"`
	// State is the aggregate SLURM state; "" when it could not be asked
	// (see Error).
	State State `json:"state,omitempty"`
	// Counts of array elements (or the single job) by state, e.g.
	// {"COMPLETED": 2, "RUNNING": 1}; a pending range such as 3-9%2
	// counts as its 7 elements.
	Tasks  map[State]int `json:"tasks,omitempty"`
	Reason string        `json:"reason,omitempty"` // pending reason of a single job
	Error  string        `json:"error,omitempty"`  // why the state is unknown
}

// JobReports asks SLURM (with c) for the jobs of the latest recorded
// submission of the run whose output directory is outputDir. No record:
// nil, nil. A job SLURM no longer knows (it forgets finished jobs after
// MinJobAge) or a failing query gives a report with Error set, not an
// error: only an unreadable record is an error.
func (c *Client) JobReports(outputDir string) ([]JobReport, error) {
	subs, err := Submissions(outputDir)
	if err != nil || len(subs) == 0 {
		return nil, err
	}
	last := subs[len(subs)-1]
	out := make([]JobReport, 0, len(last.Jobs))
	for _, j := range last.Jobs {
		r := JobReport{SubmittedJob: j, Mode: last.Mode, Submitted: last.Time}
		st, err := c.JobState(j.ID)
		if err != nil {
			r.Error = err.Error()
		} else {
			r.State = st.State
			r.Tasks = map[State]int{}
			for _, t := range st.Tasks {
				r.Tasks[t.State] += arrayElements(t.ArrayTaskID)
			}
			if len(st.Tasks) == 1 && st.Tasks[0].State == Pending {
				r.Reason = st.Tasks[0].Reason
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// StatusLines returns one line per job of the latest `stilt-mpi slurm
// --submit` of the run whose output directory is outputDir, e.g.
//
//	slurm job 123 (mpi): RUNNING
//	slurm job 124 (array): RUNNING (1 COMPLETED, 2 RUNNING)
//	slurm job 125 (merge, after 124): PENDING (Dependency)
//	slurm job 99 (mpi): state unknown (job 99: neither squeue nor scontrol know it)
//
// using DefaultClient. See Client.StatusLines.
func StatusLines(outputDir string) ([]string, error) { return DefaultClient.StatusLines(outputDir) }

// StatusLines formats JobReports (see the package-level StatusLines). It
// returns no lines and no error when no job was recorded.
func (c *Client) StatusLines(outputDir string) ([]string, error) {
	reps, err := c.JobReports(outputDir)
	if err != nil {
		return nil, err
	}
	lines := make([]string, 0, len(reps))
	for _, r := range reps {
		lines = append(lines, FormatJobReport(r))
	}
	return lines, nil
}

// FormatJobReport renders one report as a status line.
func FormatJobReport(r JobReport) string {
	what := r.Name
	if r.AfterAny != "" {
		what += ", after " + r.AfterAny
	}
	head := fmt.Sprintf("slurm job %s (%s): ", r.ID, what)
	if r.Error != "" {
		return head + "state unknown (" + oneLine(r.Error) + ")"
	}
	s := head + string(r.State)
	switch {
	case r.Reason != "" && r.Reason != "None":
		s += " (" + r.Reason + ")"
	case r.Name == "array" || len(r.Tasks) > 1:
		states := make([]string, 0, len(r.Tasks))
		for st := range r.Tasks {
			states = append(states, string(st))
		}
		sort.Strings(states)
		parts := make([]string, len(states))
		for i, st := range states {
			parts[i] = fmt.Sprintf("%d %s", r.Tasks[State(st)], st)
		}
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// arrayElements counts the elements of an array task id as squeue prints
// it: "" or "4" is one, "5-9" five, "1-7:2" four, "1,3-4%2" three; anything
// unparsable counts as one.
func arrayElements(id string) int {
	if i := strings.IndexByte(id, '%'); i >= 0 {
		id = id[:i]
	}
	if id == "" {
		return 1
	}
	n := 0
	for _, part := range strings.Split(id, ",") {
		rng, step := part, 1
		if a, b, ok := strings.Cut(part, ":"); ok {
			rng = a
			if _, err := fmt.Sscanf(b, "%d", &step); err != nil || step < 1 {
				return 1
			}
		}
		lo, hi := 0, 0
		if a, b, ok := strings.Cut(rng, "-"); ok {
			if _, err := fmt.Sscanf(a, "%d", &lo); err != nil {
				return 1
			}
			if _, err := fmt.Sscanf(b, "%d", &hi); err != nil || hi < lo {
				return 1
			}
		} else if _, err := fmt.Sscanf(rng, "%d", &lo); err != nil {
			return 1
		} else {
			hi = lo
		}
		n += (hi-lo)/step + 1
	}
	return n
}
