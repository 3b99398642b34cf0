package slurm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeSlurm is a test double for the SLURM commands: it records every call
// and answers from a function.
type fakeSlurm struct {
	calls  [][]string
	envs   [][]string
	answer func(name string, args []string) (string, string, error)
}

func (f *fakeSlurm) exec(ctx context.Context, env []string, name string, args ...string) ([]byte, []byte, error) {
	f.calls = append(f.calls, append([]string{name}, args...))
	f.envs = append(f.envs, env)
	out, errs, err := f.answer(name, args)
	return []byte(out), []byte(errs), err
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSubmitArgsOrderAndParse(t *testing.T) {
	script := filepath.Join(t.TempDir(), "job.sh")
	os.WriteFile(script, []byte("#!/bin/bash\ntrue\n"), 0o755)
	cases := []struct {
		stdout  string
		want    string
		wantErr bool
	}{
		{"42\n", "42", false},
		{"43;cluster-a\n", "43", false},
		{"sbatch: warning: something\n44\n", "44", false},
		{"Submitted batch job 45\n", "", true},
		{"", "", true},
	}
	for _, c := range cases {
		f := &fakeSlurm{answer: func(string, []string) (string, string, error) { return c.stdout, "", nil }}
		cl := &Client{Conf: "/x/slurm.conf", Exec: f.exec}
		id, err := cl.Submit(script, "--dependency=afterany:7", "--hold")
		if (err != nil) != c.wantErr || id != c.want {
			t.Errorf("stdout %q: got %q, %v; want %q (error %v)", c.stdout, id, err, c.want, c.wantErr)
		}
		got := strings.Join(f.calls[0], " ")
		want := "sbatch --parsable --dependency=afterany:7 --hold " + script
		if got != want {
			t.Errorf("command %q, want %q (options must precede the script)", got, want)
		}
		if !hasEnv(f.envs[0], "SLURM_CONF=/x/slurm.conf") {
			t.Error("SLURM_CONF not passed to sbatch")
		}
	}
	f := &fakeSlurm{answer: func(string, []string) (string, string, error) {
		return "", "sbatch: error: invalid partition", errors.New("exit status 1")
	}}
	if _, err := (&Client{Exec: f.exec}).Submit(script); err == nil || !strings.Contains(err.Error(), "invalid partition") {
		t.Errorf("sbatch failure not reported with its stderr: %v", err)
	}
	if _, err := (&Client{Exec: f.exec}).Submit(filepath.Join(t.TempDir(), "missing.sh")); err == nil {
		t.Error("missing script accepted")
	}
}

func hasEnv(env []string, kv string) bool {
	for _, e := range env {
		if e == kv {
			return true
		}
	}
	return false
}

func TestJobStateFromSqueue(t *testing.T) {
	cases := []struct {
		file      string
		state     State
		done, ok  bool
		tasks     int
		firstID   string
		firstTask string
	}{
		{"squeue_array_running.txt", Running, false, false, 2, "10_[1-4%1]", "1-4%1"},
		{"squeue_array_cancelled.txt", Cancelled, true, false, 2, "10_[1-4%1]", "1-4%1"},
		{"squeue_array_completed.txt", Completed, true, true, 3, "1_2", "2"},
		{"squeue_failed.txt", Failed, true, false, 1, "11", ""},
	}
	for _, c := range cases {
		out := readTestdata(t, c.file)
		f := &fakeSlurm{answer: func(name string, args []string) (string, string, error) { return out, "", nil }}
		st, err := (&Client{Exec: f.exec}).JobState("10")
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if st.State != c.state || st.Done() != c.done || st.OK() != c.ok || len(st.Tasks) != c.tasks {
			t.Errorf("%s: state %s done %v ok %v tasks %d; want %s %v %v %d", c.file, st.State, st.Done(), st.OK(), len(st.Tasks), c.state, c.done, c.ok, c.tasks)
		}
		if len(st.Tasks) > 0 && (st.Tasks[0].ID != c.firstID || st.Tasks[0].ArrayTaskID != c.firstTask) {
			t.Errorf("%s: first task %+v, want id %s array task %q", c.file, st.Tasks[0], c.firstID, c.firstTask)
		}
		if len(f.calls) != 1 || strings.Join(f.calls[0], " ") != "squeue -h --states=all -j 10 -o %i|%T|%F|%K|%r" {
			t.Errorf("%s: calls %q", c.file, f.calls)
		}
	}
}

func TestJobStateFallsBackToScontrol(t *testing.T) {
	sc := readTestdata(t, "scontrol_array_running.txt")
	f := &fakeSlurm{answer: func(name string, args []string) (string, string, error) {
		if name == "squeue" {
			return "", "squeue: error: Invalid job id specified", errors.New("exit status 1")
		}
		return sc, "", nil
	}}
	st, err := (&Client{Exec: f.exec}).JobState("10")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 2 || f.calls[1][0] != "scontrol" {
		t.Fatalf("no scontrol fallback: %q", f.calls)
	}
	if st.State != Running || len(st.Tasks) != 2 {
		t.Fatalf("got %+v", st)
	}
	if st.Tasks[0].ID != "10_[1-4%1]" || st.Tasks[0].State != Pending || st.Tasks[0].Reason != "JobArrayTaskLimit" {
		t.Errorf("pending range parsed as %+v", st.Tasks[0])
	}
	if st.Tasks[1].ID != "10_0" || st.Tasks[1].State != Running || st.Tasks[1].ExitCode != "0:0" {
		t.Errorf("running element parsed as %+v", st.Tasks[1])
	}

	// both fail: the error carries both messages
	f = &fakeSlurm{answer: func(name string, args []string) (string, string, error) {
		return "", name + ": error: Invalid job id specified", errors.New("exit status 1")
	}}
	_, err = (&Client{Exec: f.exec}).JobState("99")
	if err == nil || !strings.Contains(err.Error(), "squeue: error") || !strings.Contains(err.Error(), "scontrol: error") {
		t.Errorf("error should name both commands: %v", err)
	}
	// squeue succeeds with no lines (job purged), scontrol shows CANCELLED by 0
	f = &fakeSlurm{answer: func(name string, args []string) (string, string, error) {
		if name == "squeue" {
			return "", "", nil
		}
		return "JobId=7 JobName=x JobState=CANCELLED Reason=None ExitCode=0:15\n", "", nil
	}}
	st, err = (&Client{Exec: f.exec}).JobState("7")
	if err != nil || st.State != Cancelled || st.Tasks[0].ExitCode != "0:15" {
		t.Errorf("got %+v, %v", st, err)
	}
}

func TestJobStateRejectsBadInput(t *testing.T) {
	f := &fakeSlurm{answer: func(string, []string) (string, string, error) { return "1|RUNNING|1\n", "", nil }}
	cl := &Client{Exec: f.exec}
	if _, err := cl.JobState("1; rm -rf /"); err == nil {
		t.Error("malformed id accepted")
	}
	if _, err := cl.JobState("1"); err == nil || !strings.Contains(err.Error(), "5 |-separated fields") {
		t.Errorf("short squeue line: %v", err)
	}
}

func TestAggregate(t *testing.T) {
	cases := []struct {
		states []State
		want   State
	}{
		{[]State{Completed, Completed}, Completed},
		{[]State{Completed, Failed, Timeout}, Failed},
		{[]State{Pending, Completed}, Pending},
		{[]State{Pending, "COMPLETING"}, Running},
		{[]State{Running, Failed}, Running},
		{[]State{"OUT_OF_MEMORY"}, "OUT_OF_MEMORY"},
	}
	for _, c := range cases {
		var ts []Task
		for _, s := range c.states {
			ts = append(ts, Task{State: s})
		}
		if got := aggregate(ts); got != c.want {
			t.Errorf("aggregate(%v) = %s, want %s", c.states, got, c.want)
		}
	}
}

func TestWaitPollsUntilDone(t *testing.T) {
	seq := []string{"5|PENDING|5|N/A|Priority\n", "5|RUNNING|5|N/A|None\n", "", "5|COMPLETED|5|N/A|None\n"}
	i := 0
	f := &fakeSlurm{answer: func(name string, args []string) (string, string, error) {
		if name == "scontrol" { // the empty squeue answer falls back here: report a transient failure
			return "", "scontrol: error: timeout", errors.New("exit status 1")
		}
		s := seq[i]
		i++
		return s, "", nil
	}}
	cl := &Client{Exec: f.exec, PollInterval: time.Millisecond}
	st, err := cl.Wait(context.Background(), "5")
	if err != nil || !st.OK() {
		t.Fatalf("got %+v, %v", st, err)
	}
	if i != 4 {
		t.Errorf("polled %d times, want 4", i)
	}

	// a job that never ends: the context stops Wait
	f = &fakeSlurm{answer: func(string, []string) (string, string, error) { return "5|RUNNING|5|N/A|None\n", "", nil }}
	cl = &Client{Exec: f.exec, PollInterval: time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	st, err = cl.Wait(ctx, "5")
	if !errors.Is(err, context.DeadlineExceeded) || st.State != Running {
		t.Errorf("want deadline error with last state RUNNING, got %s, %v", st.State, err)
	}

	// persistent query failures end Wait
	f = &fakeSlurm{answer: func(name string, _ []string) (string, string, error) {
		return "", name + ": error: Unable to contact slurm controller", errors.New("exit status 1")
	}}
	cl = &Client{Exec: f.exec, PollInterval: time.Millisecond}
	if _, err = cl.Wait(context.Background(), "5"); err == nil || !strings.Contains(err.Error(), "in a row") {
		t.Errorf("want give-up error, got %v", err)
	}
}

func TestCancelArgs(t *testing.T) {
	f := &fakeSlurm{answer: func(string, []string) (string, string, error) { return "", "", nil }}
	cl := &Client{Exec: f.exec}
	if err := cl.Cancel("12", "TERM", true); err != nil {
		t.Fatal(err)
	}
	if err := cl.Cancel("12_3", "", false); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.calls[0], " "); got != "scancel --signal=TERM --batch 12" {
		t.Errorf("got %q", got)
	}
	if got := strings.Join(f.calls[1], " "); got != "scancel 12_3" {
		t.Errorf("got %q", got)
	}
	if err := cl.Cancel("-u root", "", false); err == nil {
		t.Error("malformed id accepted")
	}
}
