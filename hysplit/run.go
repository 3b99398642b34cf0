// Package hysplit drives NOAA's HYSPLIT-STILT binary hycs_std for one
// simulation: it finds the install, prepares a per-simulation run directory
// on node-local scratch, runs the binary in its own process group under a
// timeout, classifies failures, and parses PARTICLE_STILT.DAT
// (hysplit-interface.md). Writing CONTROL, SETUP.CFG and ZICONTROL is done
// by WriteInputs in this package's config files.
//
// Typical use:
//
//	inst, _ := hysplit.Find(hysplit.FindOptions{Dir: cfgDir})
//	rd, _ := hysplit.PrepareRunDir(inst, hysplit.RunDirOptions{Name: simID, MetFiles: met})
//	// write CONTROL / SETUP.CFG into rd.Path (met directory rd.MetDirLine())
//	res, err := hysplit.Execute(ctx, rd.Path, hysplit.ExecOptions{Timeout: hysplit.TimeoutFor(numpar, nHours)})
//	// store res.Particles and rd.LogPath(), then:
//	rd.Cleanup(err != nil)
package hysplit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stilt-mpi/stilt-mpi/particle"
)

// File names in a run directory.
const (
	ExeName          = "hycs_std"
	LogName          = "stilt.log"
	ParticleStiltDAT = "PARTICLE_STILT.DAT"
	ParticleDAT      = "PARTICLE.DAT"
	SetupName        = "SETUP.CFG"
	MessageName      = "MESSAGE"
)

// ExecOptions control one hycs_std call.
type ExecOptions struct {
	// Timeout is the wall-time limit. It is required (> 0): production runs
	// must never be unbounded (hysplit-interface.md §9). See TimeoutFor.
	Timeout time.Duration
	// Grace is the wait between SIGTERM and SIGKILL to the process group
	// (default 3 s, PYSTILT's value).
	Grace time.Duration
	// KillWait is how long to wait for the group to disappear after SIGKILL
	// (default 5 s).
	KillWait time.Duration
	// Label names the log section header "=== <Label> run ===" (default
	// "main"; the error pass uses "error").
	Label string
	// Executable is the program to run, relative to the run directory or
	// absolute (default "./hycs_std", the symlink PrepareRunDir made).
	Executable string
	// LogName is the log file in the run directory, appended to (default
	// "stilt.log").
	LogName string
	// Varsiwant are the PARTICLE_STILT.DAT columns. When empty they are read
	// from VARSIWANT (and IVMAX) in the run directory's SETUP.CFG.
	Varsiwant []string
	// RemoveDat deletes PARTICLE_STILT.DAT and PARTICLE.DAT after a
	// successful parse (R-STILT/PYSTILT rm_dat).
	RemoveDat bool
	// Env is the child's environment (default: the caller's).
	Env []string
}

func (o ExecOptions) withDefaults() ExecOptions {
	if o.Grace <= 0 {
		o.Grace = 3 * time.Second
	}
	if o.KillWait <= 0 {
		o.KillWait = 5 * time.Second
	}
	if o.Label == "" {
		o.Label = "main"
	}
	if o.Executable == "" {
		o.Executable = "./" + ExeName
	}
	if o.LogName == "" {
		o.LogName = LogName
	}
	return o
}

// Result describes one hycs_std call. Execute returns it also on failure,
// with Particles nil.
type Result struct {
	Dir       string
	LogPath   string
	LogOffset int64           // byte offset where this call's log segment starts
	Particles *particle.Table // parsed PARTICLE_STILT.DAT (nil on failure)
	ExitCode  int             // -1 if the process was signalled or never ran
	Elapsed   time.Duration   // wall time
	UserCPU   time.Duration
	SysCPU    time.Duration
	MaxRSSKB  int64
}

// TimeoutFor returns the wall-time limit for a run of numpar particles over
// nHours hours: five times the observed cost (about 7 ms CPU per particle
// hour, hysplit-interface.md §11) plus two minutes for start-up and met
// reading on a loaded node.
func TimeoutFor(numpar int, nHours float64) time.Duration {
	cpu := 7 * time.Millisecond * time.Duration(float64(numpar)*math.Abs(nHours))
	return 5*cpu + 2*time.Minute
}

// Execute runs hycs_std in dir (prepared by PrepareRunDir, with CONTROL and
// SETUP.CFG written) and parses its particle output.
//
// The child runs with cwd dir, stdin from /dev/null, stdout and stderr
// appended to dir/stilt.log behind a header line, in a new session (its own
// process group). When the timeout expires or ctx is cancelled the whole
// group gets SIGTERM, then SIGKILL after Grace; any process left in the
// group when the child exits is killed as well, so nothing outlives the call.
//
// Success requires no failure phrase in the log segment written by this call
// and a PARTICLE_STILT.DAT with at least one data row. Otherwise the error is
// a *Failure, checked in this order: Interrupted (ctx), Timeout, a failure
// phrase, Crash (killed by a signal), NonZeroExit, NoParticleOutput,
// EmptyTrajectory, BadParticleOutput. Stale PARTICLE_STILT.DAT, PARTICLE.DAT
// and MESSAGE files are removed before the run so an old output cannot pass
// for a new one (copy MESSAGE away first if an earlier pass's is wanted).
func Execute(ctx context.Context, dir string, opts ExecOptions) (*Result, error) {
	opts = opts.withDefaults()
	if opts.Timeout <= 0 {
		return nil, errors.New("hysplit: ExecOptions.Timeout must be set (> 0); see TimeoutFor")
	}
	if _, err := os.Stat(filepath.Join(dir, "CONTROL")); err != nil {
		return nil, fmt.Errorf("hysplit: run directory %s is not ready (write CONTROL and SETUP.CFG first): %w", dir, err)
	}
	res := &Result{Dir: dir, LogPath: filepath.Join(dir, opts.LogName), ExitCode: -1}
	vars := opts.Varsiwant
	if len(vars) == 0 {
		v, err := ReadVarsiwant(filepath.Join(dir, SetupName))
		if err != nil {
			return nil, err
		}
		vars = v
	}
	for _, name := range []string{ParticleStiltDAT, ParticleDAT, MessageName} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("hysplit: removing stale %s in %s: %w", name, dir, err)
		}
	}
	lf, err := os.OpenFile(res.LogPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("hysplit: opening log: %w", err)
	}
	st, err := lf.Stat()
	if err != nil {
		lf.Close()
		return nil, fmt.Errorf("hysplit: log %s: %w", res.LogPath, err)
	}
	res.LogOffset = st.Size()
	fmt.Fprintf(lf, "=== %s run ===\n", opts.Label)

	fail := func(class Class, phrase, format string, args ...any) (*Result, error) {
		seg := readSegment(res.LogPath, res.LogOffset)
		f := &Failure{Class: class, Phrase: phrase, ExitCode: res.ExitCode,
			Message: fmt.Sprintf("%s: ", dir) + fmt.Sprintf(format, args...), LogTail: tail(seg, 40, 8192)}
		appendLog(res.LogPath, fmt.Sprintf("=== %s run failed: %s: %s ===\n", opts.Label, class, f.Message))
		return res, f
	}

	if err := ctx.Err(); err != nil {
		lf.Close()
		return fail(Interrupted, "", "not started: %v", context.Cause(ctx))
	}
	cmd := exec.Command(opts.Executable)
	cmd.Dir = dir
	cmd.Stdin = nil
	cmd.Stdout = lf
	cmd.Stderr = lf
	cmd.Env = opts.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(lf, "cannot start %s: %v\n", opts.Executable, err)
		lf.Close()
		return fail(StartFailed, "", "cannot start %s: %v", opts.Executable, err)
	}
	lf.Close() // the child holds its own descriptor
	pid := cmd.Process.Pid

	// Wait for the child to exit without reaping it: while it is an
	// unreaped zombie its pid (= our process group id) cannot be reused, so
	// signalling -pid can only reach processes of this run.
	exited := make(chan struct{})
	go func() {
		var info unix.Siginfo
		for {
			err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
			if err != unix.EINTR {
				break
			}
		}
		close(exited)
	}()
	timer := time.NewTimer(opts.Timeout)
	defer timer.Stop()
	var stopped Class
	select {
	case <-exited:
	case <-timer.C:
		stopped = Timeout
	case <-ctx.Done():
		stopped = Interrupted
	}
	leaderGone := stopped == ""
	if !leaderGone {
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-exited:
			leaderGone = true
		case <-time.After(opts.Grace):
		}
	}
	// SIGKILL the group: stragglers after a normal exit, everything after a
	// timeout. The leader is not reaped yet, so the group id is still ours.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	if !leaderGone {
		select {
		case <-exited:
			leaderGone = true
		case <-time.After(opts.KillWait):
		}
	}
	if leaderGone {
		_ = cmd.Wait()
	} else {
		go cmd.Wait() // reap whenever the kernel lets it go
	}
	leftover := waitGroupGone(pid, opts.KillWait)
	res.Elapsed = time.Since(start)
	var ps *os.ProcessState
	if leaderGone {
		ps = cmd.ProcessState // not touched by a background Wait
	}
	if ps != nil {
		res.UserCPU, res.SysCPU = ps.UserTime(), ps.SystemTime()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			res.MaxRSSKB = ru.Maxrss
		}
		res.ExitCode = ps.ExitCode()
	}
	note := ""
	if leftover > 0 {
		note = fmt.Sprintf(" (%d process(es) of group %d still present after SIGKILL)", leftover, pid)
	}

	switch stopped {
	case Interrupted:
		return fail(Interrupted, "", "interrupted after %s (%v); process group %d terminated%s", res.Elapsed.Round(time.Millisecond), context.Cause(ctx), pid, note)
	case Timeout:
		return fail(Timeout, "", "no exit within the %s timeout; process group %d terminated%s", opts.Timeout, pid, note)
	}
	seg := readSegment(res.LogPath, res.LogOffset)
	if c, phrase, ok := MatchPhrase(seg); ok {
		return fail(c, phrase, "log reports %q%s", phrase, note)
	}
	if ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fail(Crash, "", "killed by signal %d (%v)%s", int(ws.Signal()), ws.Signal(), note)
		}
		if code := ps.ExitCode(); code != 0 {
			return fail(NonZeroExit, "", "exit status %d%s", code, note)
		}
	}
	// The binary writes some diagnostics only to MESSAGE; use it to name the
	// reason when there is no usable output.
	datPath := filepath.Join(dir, ParticleStiltDAT)
	tab, err := particle.ReadStiltDAT(datPath, vars)
	if err != nil {
		class := BadParticleOutput
		switch {
		case errors.Is(err, particle.ErrNoParticleOutput):
			class = NoParticleOutput
		case errors.Is(err, particle.ErrEmptyTrajectory):
			class = EmptyTrajectory
		}
		if c, phrase, ok := messagePhrase(dir); ok {
			return fail(c, phrase, "%v; MESSAGE reports %q", err, phrase)
		}
		return fail(class, "", "%v", err)
	}
	res.Particles = tab
	if opts.RemoveDat {
		os.Remove(datPath)
		os.Remove(filepath.Join(dir, ParticleDAT))
	}
	return res, nil
}

// messagePhrase looks for a failure phrase in dir/MESSAGE (removed before
// the run, so any MESSAGE is this run's).
func messagePhrase(dir string) (Class, string, bool) {
	b, err := os.ReadFile(filepath.Join(dir, MessageName))
	if err != nil {
		return "", "", false
	}
	return MatchPhrase(b)
}

// readSegment returns the log bytes from offset on (at most the last 4 MB).
func readSegment(path string, offset int64) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	const maxSeg = 4 << 20
	if st.Size()-offset > maxSeg {
		offset = st.Size() - maxSeg
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil
	}
	b, _ := io.ReadAll(f)
	return b
}

func appendLog(path, text string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	f.WriteString(text)
	f.Close()
}

// waitGroupGone polls until no live (non-zombie) process is in process group
// pgid, for at most d, and returns how many remain. It sends no signal: the
// group was killed while its leader was still unreaped, and once the leader
// is reaped the id may in principle be reused.
func waitGroupGone(pgid int, d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		n := len(GroupMembers(pgid))
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// GroupMembers returns the pids of live (not zombie) processes whose process
// group is pgid, from /proc.
func GroupMembers(pgid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may contain spaces and ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, err := strconv.Atoi(f[2]); err == nil && g == pgid {
			out = append(out, pid)
		}
	}
	return out
}

// ReadVarsiwant returns the PARTICLE_STILT.DAT column names declared in a
// SETUP.CFG namelist: the quoted items of VARSIWANT, cut to IVMAX when that
// key is present. Errors name the file and line.
func ReadVarsiwant(setupPath string) ([]string, error) {
	f, err := os.Open(setupPath)
	if err != nil {
		return nil, fmt.Errorf("hysplit: reading VARSIWANT: %w", err)
	}
	defer f.Close()
	var vars []string
	varsLine, ivmax, ivLine := 0, -1, 0
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		key, val, ok := strings.Cut(s, "=")
		if !ok {
			continue
		}
		switch strings.ToUpper(strings.TrimSpace(key)) {
		case "VARSIWANT":
			vars = vars[:0]
			varsLine = line
			for _, item := range strings.Split(val, ",") {
				item = strings.Trim(strings.TrimSpace(item), `'"`)
				if item != "" {
					vars = append(vars, strings.ToLower(item))
				}
			}
		case "IVMAX":
			v, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(val), ",")))
			if err != nil {
				return nil, fmt.Errorf("hysplit: %s line %d: IVMAX %q is not an integer", setupPath, line, val)
			}
			ivmax, ivLine = v, line
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("hysplit: reading %s: %w", setupPath, err)
	}
	if len(vars) == 0 {
		return nil, fmt.Errorf("hysplit: %s: no VARSIWANT list (expected VARSIWANT='time', 'indx', ...,)", setupPath)
	}
	if ivmax >= 0 {
		if ivmax < 1 || ivmax > len(vars) {
			return nil, fmt.Errorf("hysplit: %s line %d: IVMAX=%d but VARSIWANT (line %d) has %d names", setupPath, ivLine, ivmax, varsLine, len(vars))
		}
		vars = vars[:ivmax]
	}
	return vars, nil
}

// ReadSetupInt returns the integer value of key in a SETUP.CFG namelist
// (found false when the key is absent). Errors name the file and line.
func ReadSetupInt(setupPath, key string) (v int, found bool, err error) {
	f, err := os.Open(setupPath)
	if err != nil {
		return 0, false, fmt.Errorf("hysplit: reading %s: %w", key, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		k, val, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), key) {
			continue
		}
		s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(val), ","))
		if v, err = strconv.Atoi(s); err != nil {
			return 0, false, fmt.Errorf("hysplit: %s line %d: %s %q is not an integer", setupPath, line, key, s)
		}
		found = true
	}
	if err := sc.Err(); err != nil {
		return 0, false, fmt.Errorf("hysplit: reading %s: %w", setupPath, err)
	}
	return v, found, nil
}
