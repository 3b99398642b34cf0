package slurm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestArrayElements(t *testing.T) {
	cases := []struct {
		id   string
		want int
	}{
		{"", 1}, {"4", 1}, {"5-9", 5}, {"1-4%1", 4}, {"1-7:2", 4}, {"1,3-4%2", 3}, {"0-2,7", 4},
		{"x", 1}, {"9-5", 1}, {"1-7:0", 1},
	}
	for _, c := range cases {
		if got := arrayElements(c.id); got != c.want {
			t.Errorf("arrayElements(%q) = %d, want %d", c.id, got, c.want)
		}
	}
}

func TestRecordSubmissionHistory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out") // does not exist yet
	if subs, err := Submissions(out); err != nil || subs != nil {
		t.Fatalf("no record: %v %v", subs, err)
	}
	if err := RecordSubmission(out, Submission{Mode: ModeMPI}); err == nil {
		t.Error("a submission without jobs was recorded")
	}
	for i := 1; i <= maxSubmissions+3; i++ {
		s := Submission{Mode: ModeMPI, RunConfig: "/r.toml", Time: time.Date(2026, 1, 1, 0, 0, i, 5, time.FixedZone("x", 3600)),
			Jobs: []SubmittedJob{{Name: "mpi", ID: fmt.Sprint(i), Script: "/s.sh"}}}
		if err := RecordSubmission(out, s); err != nil {
			t.Fatal(err)
		}
	}
	subs, err := Submissions(out)
	if err != nil || len(subs) != maxSubmissions {
		t.Fatalf("%d submissions kept (%v), want %d", len(subs), err, maxSubmissions)
	}
	if subs[0].Jobs[0].ID != "4" || subs[len(subs)-1].Jobs[0].ID != fmt.Sprint(maxSubmissions+3) {
		t.Errorf("kept ids %s..%s, want the newest", subs[0].Jobs[0].ID, subs[len(subs)-1].Jobs[0].ID)
	}
	if tm := subs[0].Time; tm.Location() != time.UTC || tm.Nanosecond() != 0 || !tm.Equal(time.Date(2025, 12, 31, 23, 0, 4, 0, time.UTC)) {
		t.Errorf("time stored as %v, want UTC to the second", tm)
	}
	left, _ := filepath.Glob(filepath.Join(out, "slurm", ".*tmp*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestSubmissionsMalformed(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"not JSON", "{", "malformed jobs record"},
		{"bad id", `{"submissions": [{"mode": "mpi", "jobs": [{"name": "mpi", "id": "12; rm -rf /"}]}]}`, "submissions[0].jobs[0]: malformed job id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			os.MkdirAll(filepath.Join(out, "slurm"), 0o755)
			os.WriteFile(JobsPath(out), []byte(c.text), 0o644)
			_, err := Submissions(out)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), JobsPath(out)) {
				t.Errorf("got %v, want an error naming the file and %q", err, c.want)
			}
			if _, err := (&Client{Exec: (&fakeSlurm{}).exec}).StatusLines(out); err == nil {
				t.Error("StatusLines accepted a malformed record")
			}
			if err := RecordSubmission(out, Submission{Jobs: []SubmittedJob{{Name: "mpi", ID: "1"}}}); err == nil {
				t.Error("RecordSubmission overwrote a malformed record")
			}
		})
	}
}

func TestStatusLines(t *testing.T) {
	out := t.TempDir()
	cl := func(answers map[string]string) *Client {
		f := &fakeSlurm{answer: func(name string, args []string) (string, string, error) {
			id := args[len(args)-1]
			if name == "squeue" {
				id = args[3] // -h --states=all -j ID -o FORMAT
			}
			if a, ok := answers[name+" "+id]; ok {
				return a, "", nil
			}
			if name == "scontrol" {
				return "", "slurm_load_jobs error: Invalid job id specified", errors.New("exit status 1")
			}
			return "", "", nil
		}}
		return &Client{Exec: f.exec}
	}
	if lines, err := cl(nil).StatusLines(out); err != nil || len(lines) != 0 {
		t.Errorf("no record: %q %v", lines, err)
	}
	RecordSubmission(out, Submission{Mode: ModeMPI, Jobs: []SubmittedJob{{Name: "mpi", ID: "5"}}})
	RecordSubmission(out, Submission{Mode: ModeArray, Tasks: 5, Jobs: []SubmittedJob{
		{Name: "array", ID: "10"}, {Name: "merge", ID: "11", AfterAny: "10"}}})
	cases := []struct {
		name    string
		answers map[string]string
		want    []string
	}{
		{"running array, merge waiting", map[string]string{
			"squeue 10": readTestdata(t, "squeue_array_running.txt"),
			"squeue 11": "11|PENDING|11|N/A|Dependency\n"},
			[]string{"slurm job 10 (array): RUNNING (4 PENDING, 1 RUNNING)", "slurm job 11 (merge, after 10): PENDING (Dependency)"}},
		{"finished, squeue forgot, scontrol knows", map[string]string{
			"squeue 10":   readTestdata(t, "squeue_array_completed.txt"),
			"scontrol 11": "JobId=11 JobName=stilt-merge JobState=FAILED Reason=NonZeroExitCode ExitCode=1:0\n"},
			[]string{"slurm job 10 (array): COMPLETED (3 COMPLETED)", "slurm job 11 (merge, after 10): FAILED"}},
		{"unknown to SLURM", nil, []string{
			"slurm job 10 (array): state unknown (job 10: squeue: no output; scontrol: exit status 1: slurm_load_jobs error: Invalid job id specified)",
			"slurm job 11 (merge, after 10): state unknown (job 11: squeue: no output; scontrol: exit status 1: slurm_load_jobs error: Invalid job id specified)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := cl(c.answers).StatusLines(out)
			if err != nil || strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\n(%v)\nwant\n%s", strings.Join(got, "\n"), err, strings.Join(c.want, "\n"))
			}
		})
	}
}
