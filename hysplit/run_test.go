package hysplit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const testSetup = `$SETUP
KRAND=4,
NUMPAR=3,
VARSIWANT='time', 'indx', 'long', 'lati', 'zagl', 'foot', 'mlht', 'dens', 'samt', 'sigw', 'tlgr',
IVMAX=11,
$END
`

// fakeInstall builds an install directory (exec/hycs_std + bdyfiles/)
// whose executable is the named test double from testdata.
func fakeInstall(t *testing.T, script string) *Install {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"exec", "bdyfiles"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src, err := filepath.Abs(filepath.Join("testdata", script))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(src, filepath.Join(root, "exec", ExeName)); err != nil {
		t.Fatal(err)
	}
	for _, n := range DataFileNames {
		text := "table " + n + "\n"
		if n == "ASCDATA.CFG" {
			text = ascdata("./")
		}
		if err := os.WriteFile(filepath.Join(root, "bdyfiles", n), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in, err := FromDir(root)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// ascdata is an ASCDATA.CFG in the layout of hysplit-interface.md §2 with
// the given data directory.
func ascdata(dir string) string {
	return "-90.0  -180.0  lat/lon of lower left corner\n1.0     1.0    spacing\n180     360    number of points\n" +
		"2              default land use category\n0.2            default roughness length (meters)\n'" + dir + "'           directory location of data files\n"
}

// fakeRun prepares a run directory for a test double and writes SETUP.CFG
// (the part WriteInputs does in production).
func fakeRun(t *testing.T, script string) *RunDir {
	t.Helper()
	in := fakeInstall(t, script)
	rd, err := PrepareRunDir(in, RunDirOptions{Scratch: t.TempDir(), Name: "sim/" + script, KeepOnFailure: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rd.Path, SetupName), []byte(testSetup), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rd.Path, "CONTROL"), []byte("test double: not read\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return rd
}

func TestExecuteSuccess(t *testing.T) {
	rd := fakeRun(t, "fake_hycs_ok.sh")
	// A stale particle file from an earlier run must not survive.
	os.WriteFile(filepath.Join(rd.Path, ParticleStiltDAT), []byte("stale\n1 2\n"), 0o644)
	res, err := Execute(context.Background(), rd.Path, ExecOptions{Timeout: 10 * time.Second, RemoveDat: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Particles.Len() != 6 || res.Particles.NumParticles() != 3 {
		t.Fatalf("rows %d particles %d, want 6 and 3", res.Particles.Len(), res.Particles.NumParticles())
	}
	if got := res.Particles.Names(); len(got) != 11 || got[2] != "long" {
		t.Fatalf("columns %v", got)
	}
	if res.ExitCode != 0 {
		t.Errorf("exit code %d", res.ExitCode)
	}
	for _, n := range []string{ParticleStiltDAT, ParticleDAT} {
		if _, err := os.Stat(filepath.Join(rd.Path, n)); !os.IsNotExist(err) {
			t.Errorf("%s not removed with RemoveDat (stat: %v)", n, err)
		}
	}
	log, _ := os.ReadFile(rd.LogPath())
	if !strings.HasPrefix(string(log), "=== main run ===\n") || !strings.Contains(string(log), "Complete Hysplit") {
		t.Errorf("log:\n%s", log)
	}
	// A second call appends; only its own segment is classified.
	res2, err := Execute(context.Background(), rd.Path, ExecOptions{Timeout: 10 * time.Second, Label: "error"})
	if err != nil {
		t.Fatal(err)
	}
	if res2.LogOffset != int64(len(log)) {
		t.Errorf("second segment starts at %d, log had %d bytes", res2.LogOffset, len(log))
	}
	if kept, err := rd.Cleanup(false); kept || err != nil {
		t.Fatalf("Cleanup(false) = %v, %v", kept, err)
	}
	if _, err := os.Stat(rd.Path); !os.IsNotExist(err) {
		t.Fatalf("run dir still there after cleanup: %v", err)
	}
}

func TestExecuteFailures(t *testing.T) {
	type tc struct {
		name, script string
		env          string
		class        Class
		msg          string
	}
	var cases []tc
	for _, p := range FailurePhrases {
		cases = append(cases, tc{"phrase " + string(p.Class) + " " + p.Phrase[:12], "fake_hycs_phrase.sh", p.Phrase, p.Class, p.Phrase})
	}
	cases = append(cases,
		tc{"phrase only in MESSAGE", "fake_hycs_message.sh", "start time after end of meteorology data", MetCoverage, "MESSAGE reports"},
		tc{"non-zero exit", "fake_hycs_exit.sh", "", NonZeroExit, "exit status 3"},
		tc{"crash", "fake_hycs_crash.sh", "", Crash, "signal 11"},
		tc{"no output", "fake_hycs_nooutput.sh", "", NoParticleOutput, "no particle output"},
		tc{"empty output", "fake_hycs_empty.sh", "", EmptyTrajectory, "empty trajectory"},
		tc{"bad columns", "fake_hycs_badcols.sh", "", BadParticleOutput, "line 2: 10 columns, expected 11"},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rd := fakeRun(t, c.script)
			env := append(os.Environ(), "FAKE_HYCS_PHRASE="+c.env)
			res, err := Execute(context.Background(), rd.Path, ExecOptions{Timeout: 10 * time.Second, Env: env})
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("err = %v, want *Failure", err)
			}
			if f.Class != c.class {
				t.Fatalf("class %s, want %s (%v)", f.Class, c.class, f)
			}
			if !strings.Contains(f.Message, c.msg) {
				t.Errorf("message %q lacks %q", f.Message, c.msg)
			}
			if !strings.Contains(f.Message, rd.Path) {
				t.Errorf("message %q does not name the run directory", f.Message)
			}
			if res == nil || res.Particles != nil {
				t.Errorf("result %+v: want non-nil with nil Particles", res)
			}
			if f.Retryable() {
				t.Error("a failure is not retryable")
			}
			if c.script == "fake_hycs_phrase.sh" && !strings.Contains(f.LogTail, c.env) {
				t.Errorf("log tail lacks the phrase:\n%s", f.LogTail)
			}
			// The stored log classifies the same way after the fact for phrase
			// failures.
			if c.script == "fake_hycs_phrase.sh" {
				if got, _ := ClassifyLogFile(rd.LogPath()); got != c.class {
					t.Errorf("ClassifyLogFile = %s, want %s", got, c.class)
				}
			}
			// KeepOnFailure keeps the directory.
			if kept, err := rd.Cleanup(true); !kept || err != nil {
				t.Errorf("Cleanup(true) = %v, %v; want kept", kept, err)
			}
			if _, err := os.Stat(rd.Path); err != nil {
				t.Errorf("run dir gone after Cleanup(true) with KeepOnFailure: %v", err)
			}
		})
	}
}

func TestExecuteEarlierSegmentIgnored(t *testing.T) {
	rd := fakeRun(t, "fake_hycs_ok.sh")
	// An earlier call logged a failure phrase; the new call succeeds.
	os.WriteFile(rd.LogPath(), []byte("=== main run ===\nFortran runtime error: old\n"), 0o644)
	if _, err := Execute(context.Background(), rd.Path, ExecOptions{Timeout: 10 * time.Second}); err != nil {
		t.Fatalf("a phrase in an earlier log segment failed the new run: %v", err)
	}
}

// readPids waits for the hang double to record its process tree.
func readPids(t *testing.T, dir string) []int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(dir, "hang.pids"))
		if err == nil && len(strings.Fields(string(b))) == 3 {
			var pids []int
			for _, f := range strings.Fields(string(b)) {
				p, _ := strconv.Atoi(f)
				pids = append(pids, p)
			}
			return pids
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("hang double did not write hang.pids")
	return nil
}

// alive reports whether pid is a live (non-zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

func TestExecuteTimeoutKillsGroup(t *testing.T) {
	for _, mode := range []string{"timeout", "interrupt"} {
		t.Run(mode, func(t *testing.T) {
			rd := fakeRun(t, "fake_hycs_hang.sh")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			timeout := 600 * time.Millisecond
			if mode == "interrupt" {
				timeout = time.Minute
			}
			pidsCh := make(chan []int, 1)
			go func() {
				pids := readPids(t, rd.Path)
				pidsCh <- pids
				if mode == "interrupt" {
					cancel()
				}
			}()
			start := time.Now()
			_, err := Execute(ctx, rd.Path, ExecOptions{Timeout: timeout, Grace: 200 * time.Millisecond, KillWait: 2 * time.Second})
			elapsed := time.Since(start)
			pids := <-pidsCh
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("err = %v, want *Failure", err)
			}
			want := Timeout
			if mode == "interrupt" {
				want = Interrupted
			}
			if f.Class != want {
				t.Fatalf("class %s, want %s: %v", f.Class, want, f)
			}
			if f.Retryable() != (mode == "interrupt") {
				t.Errorf("Retryable() = %v", f.Retryable())
			}
			if elapsed > 10*time.Second {
				t.Errorf("Execute took %s", elapsed)
			}
			// The leader ignores SIGTERM, so SIGKILL was needed; leader,
			// child and grandchild must all be gone, and nothing may be
			// left in the process group.
			for i, p := range pids {
				if alive(p) {
					t.Errorf("process %d (%s) still alive", p, []string{"leader", "child", "grandchild"}[i])
					syscall.Kill(p, syscall.SIGKILL)
				}
			}
			if m := GroupMembers(pids[0]); len(m) != 0 {
				t.Errorf("process group %d still has members %v", pids[0], m)
			}
			log, _ := os.ReadFile(rd.LogPath())
			if !strings.Contains(string(log), "fake test double (hang)") || !strings.Contains(string(log), string(want)) {
				t.Errorf("log does not keep the output and the failure note:\n%s", log)
			}
		})
	}
}

func TestExecuteCancelledBeforeStart(t *testing.T) {
	rd := fakeRun(t, "fake_hycs_ok.sh")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Execute(ctx, rd.Path, ExecOptions{Timeout: time.Second})
	var f *Failure
	if !errors.As(err, &f) || f.Class != Interrupted {
		t.Fatalf("err = %v, want INTERRUPTED", err)
	}
	if _, err := os.Stat(filepath.Join(rd.Path, ParticleStiltDAT)); !os.IsNotExist(err) {
		t.Error("the executable ran although the context was already cancelled")
	}
}

func TestExecuteRequiresTimeout(t *testing.T) {
	rd := fakeRun(t, "fake_hycs_ok.sh")
	if _, err := Execute(context.Background(), rd.Path, ExecOptions{}); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("err = %v, want a missing-timeout error", err)
	}
}

func TestExecuteNeedsControl(t *testing.T) {
	rd := fakeRun(t, "fake_hycs_ok.sh")
	os.Remove(filepath.Join(rd.Path, "CONTROL"))
	_, err := Execute(context.Background(), rd.Path, ExecOptions{Timeout: time.Second})
	var f *Failure
	if err == nil || errors.As(err, &f) || !strings.Contains(err.Error(), "CONTROL") {
		t.Fatalf("err = %v, want a plain error naming CONTROL", err)
	}
}

func TestExecuteStartFailed(t *testing.T) {
	rd := fakeRun(t, "fake_hycs_ok.sh")
	os.Remove(filepath.Join(rd.Path, ExeName))
	_, err := Execute(context.Background(), rd.Path, ExecOptions{Timeout: time.Second})
	var f *Failure
	if !errors.As(err, &f) || f.Class != StartFailed {
		t.Fatalf("err = %v, want START_FAILED", err)
	}
}

func TestMatchPhraseEarliest(t *testing.T) {
	log := []byte("x\nFortran runtime error: y\nstart time after end of meteorology data\n")
	c, p, ok := MatchPhrase(log)
	if !ok || c != FortranRuntimeError || p != "Fortran runtime error" {
		t.Fatalf("MatchPhrase = %s, %q, %v", c, p, ok)
	}
	if _, _, ok := MatchPhrase([]byte(" WARNING metpos: off spatial domain of all grids\n")); ok {
		t.Fatal("a warning matched a failure phrase")
	}
}

func TestClassifyLogFile(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, text string
		want       Class
	}{
		{"missing", "", EmptyLog},
		{"empty", "\n", EmptyLog},
		{"unknown", "=== main run ===\nsomething\n", Unknown},
		{"varying", "meteorological data time interval varies\n", VaryingMetInterval},
		{"missing met", "Insufficient number of meteorological files found\n", MissingMetFiles},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name+".log")
		if c.name != "missing" {
			os.WriteFile(p, []byte(c.text), 0o644)
		}
		got, err := ClassifyLogFile(p)
		if err != nil || got != c.want {
			t.Errorf("%s: %s, %v; want %s", c.name, got, err, c.want)
		}
	}
}

func TestReadVarsiwant(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, text string
		want       []string
		err        string
	}{
		{"rstilt", testSetup, []string{"time", "indx", "long", "lati", "zagl", "foot", "mlht", "dens", "samt", "sigw", "tlgr"}, ""},
		{"ivmax cuts", "$SETUP\nVARSIWANT='TIME', 'INDX', 'LONG',\nIVMAX=2,\n$END\n", []string{"time", "indx"}, ""},
		{"ivmax too big", "$SETUP\nVARSIWANT='time',\nIVMAX=2,\n$END\n", nil, "line 3: IVMAX=2"},
		{"none", "$SETUP\nNUMPAR=3,\n$END\n", nil, "no VARSIWANT"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		os.WriteFile(p, []byte(c.text), 0o644)
		got, err := ReadVarsiwant(p)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

func TestReadSetupInt(t *testing.T) {
	p := filepath.Join(t.TempDir(), "SETUP.CFG")
	os.WriteFile(p, []byte("$SETUP\nKRAND=4,\n numpar = 1000 ,\nSEED=x,\n$END\n"), 0o644)
	for _, c := range []struct {
		key   string
		v     int
		found bool
		err   string
	}{{"KRAND", 4, true, ""}, {"NUMPAR", 1000, true, ""}, {"MAXPAR", 0, false, ""}, {"SEED", 0, false, "line 4: SEED \"x\""}} {
		v, found, err := ReadSetupInt(p, c.key)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.key, err, c.err)
			}
			continue
		}
		if err != nil || v != c.v || found != c.found {
			t.Errorf("%s: %d %v %v, want %d %v", c.key, v, found, err, c.v, c.found)
		}
	}
}

func TestTimeoutFor(t *testing.T) {
	// 200 particles x 10 h cost 12-16 CPU s (spec §11): the limit must be
	// well above that, and grow with the work.
	small, big := TimeoutFor(200, -10), TimeoutFor(5000, -10)
	if small < 60*time.Second || big <= small || big < 5*330*time.Second/2 {
		t.Fatalf("TimeoutFor: %s (200x10h), %s (5000x10h)", small, big)
	}
}
