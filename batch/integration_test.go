package batch

// End-to-end tests of `stilt-mpi run`, `merge` and `status`: they build the
// binary once, generate synthetic ARL met with met.Synth, write a run.toml
// and a receptors CSV, and drive the binary under no launcher (singleton
// MPI), `mpirun -n 2` and `mpirun -n 4 --oversubscribe`. They compare the
// registry (status per simulation, stored footprint blobs) and the scene
// files (ncdump text) between runs.
//
// They skip with a reason when mpirun, ncdump or the Go tool is absent
// outside CI (CI set), and under -short.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/met"
	"github.com/stilt-mpi/stilt-mpi/registry"
)

var (
	itOnce   sync.Once
	itBin    string // built stilt-mpi
	itMet    string // synthetic met folder
	itErr    error
	itTmpDir string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if itTmpDir != "" {
		os.RemoveAll(itTmpDir)
	}
	os.Exit(code)
}

// needTool skips (or fails in CI) when an external program is missing.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not found on PATH (%v): skipping the end-to-end batch test", name, err)
	}
	return p
}

// setup builds the binary and the synthetic met once per test binary.
func setup(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end batch test: skipped under -short")
	}
	needTool(t, "go")
	needTool(t, "mpirun")
	needTool(t, "ncdump")
	itOnce.Do(func() {
		itTmpDir, itErr = os.MkdirTemp("", "stilt-batch-it-")
		if itErr != nil {
			return
		}
		itBin = filepath.Join(itTmpDir, "stilt-mpi")
		cmd := exec.Command("go", "build", "-tags", "libsqlite3", "-o", itBin, "../cmd/stilt-mpi")
		if out, err := cmd.CombinedOutput(); err != nil {
			itErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		itMet = filepath.Join(itTmpDir, "met")
		// defaults: 40 x 30 lat-lon grid at 0.05 deg from (-113, 40),
		// hourly 2019-05-30 00-11 UTC, wind 3 m/s eastward + 1 m/s northward
		_, itErr = met.Synth(itMet, met.SynthSpec{})
	})
	if itErr != nil {
		t.Fatal(itErr)
	}
}

// rec is one receptor row of the generated CSV.
type rec struct {
	Hour     int // 2019-05-30 hh:00 UTC
	Lat, Lon float64
	Alt      float64
	Scene    string
}

// standardReceptors returns n receptors inside the synthetic met, in three
// scenes, at 05-11 UTC so that 3 hours back stays inside the met.
func standardReceptors(n int) []rec {
	rs := make([]rec, n)
	for i := range rs {
		rs[i] = rec{Hour: 5 + i%7, Lat: 40.3 + 0.02*float64(i), Lon: -112.6 + 0.03*float64(i),
			Alt: 5 + float64(i%4)*10, Scene: []string{"north", "east", "west"}[i%3]}
	}
	return rs
}

type batchOpts struct {
	numpar    int
	nhours    int
	footprint string // [footprints.f] body; default covers the met grid
	transport string // [transport] body; default native
}

// newBatch writes run.toml and receptors.csv into a fresh folder and returns
// the path of run.toml.
func newBatch(t *testing.T, rs []rec, o batchOpts) string {
	t.Helper()
	return newBatchIn(t, t.TempDir(), rs, o)
}

func newBatchIn(t *testing.T, dir string, rs []rec, o batchOpts) string {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("time,latitude,longitude,altitude,scene\n")
	for _, r := range rs {
		fmt.Fprintf(&csv, "2019-05-30 %02d:00:00,%.3f,%.3f,%g,%s\n", r.Hour, r.Lat, r.Lon, r.Alt, r.Scene)
	}
	if err := os.WriteFile(filepath.Join(dir, "receptors.csv"), []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if o.numpar == 0 {
		o.numpar = 30
	}
	if o.nhours == 0 {
		o.nhours = -3
	}
	if o.footprint == "" {
		o.footprint = "xmin = -113.0\nxmax = -111.0\nymin = 40.0\nymax = 41.5\nxres = 0.05\n"
	}
	if o.transport == "" {
		o.transport = `engine = "native"` + "\n"
	}
	toml := fmt.Sprintf(`[project]
name = "it"
output_dir = "out"
seed = 7
scratch_dir = %q

[receptors]
path = "receptors.csv"

[scenes]
rule = "column"
column = "scene"

[met.syn]
directory = %q
discover = "header"

[transport]
%s
[params]
n_hours = %d
numpar = %d

[footprints.f]
%s
[mpi]
progress_interval = "1s"
`, filepath.Join(dir, "scratch"), itMet, o.transport, o.nhours, o.numpar, o.footprint)
	path := filepath.Join(dir, "run.toml")
	if err := os.WriteFile(path, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func outDir(cfg string) string  { return filepath.Join(filepath.Dir(cfg), "out") }
func regPath(cfg string) string { return filepath.Join(outDir(cfg), "registry.sqlite") }

// command returns the command of `stilt-mpi args...` on ranks ranks (1: no
// launcher).
func command(ctx context.Context, ranks int, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if ranks <= 1 {
		cmd = exec.CommandContext(ctx, itBin, args...)
	} else {
		a := append([]string{"-n", strconv.Itoa(ranks), "--oversubscribe", itBin}, args...)
		cmd = exec.CommandContext(ctx, "mpirun", a...)
	}
	cmd.Env = append(os.Environ(), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
		"OMPI_MCA_rmaps_base_oversubscribe=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd
}

// stilt runs the binary to completion and fails the test on an error.
func stilt(t *testing.T, ranks int, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := command(ctx, ranks, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("stilt-mpi %s on %d ranks: %v\n%s", strings.Join(args, " "), ranks, err, out.String())
	}
	return out.String()
}

// simRow is what a registry row must keep across ranks, shards and crashes.
type simRow struct {
	Scene, Status, Class, Msg string
	Attempts                  int
	Finished                  string
	Blobs                     string // name:sha256 of each blob, sorted
}

// readRegistry returns the registry rows by sim id (read-only: safe while a
// run writes).
func readRegistry(t *testing.T, path string) map[string]simRow {
	t.Helper()
	st, err := registry.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB().Query(`SELECT s.sim_id, s.scene, s.status, s.error_class, s.error_message, s.attempts,
		coalesce(s.finished_at, ''), coalesce((SELECT group_concat(name || ':' || sha256, ',') FROM
		(SELECT name, sha256 FROM blobs b WHERE b.sim_id = s.sim_id ORDER BY name)), '') FROM sims s`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]simRow{}
	for rows.Next() {
		var id string
		var r simRow
		if err := rows.Scan(&id, &r.Scene, &r.Status, &r.Class, &r.Msg, &r.Attempts, &r.Finished, &r.Blobs); err != nil {
			t.Fatal(err)
		}
		m[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// countDone counts finished simulations; -1 while the registry is not there.
func countDone(path string) int {
	if _, err := os.Stat(path); err != nil {
		return -1
	}
	st, err := registry.OpenReadOnly(path)
	if err != nil {
		return -1
	}
	defer st.Close()
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM sims WHERE status IN ('complete','complete-empty','failed')`).Scan(&n); err != nil {
		return -1
	}
	return n
}

// sameResults compares what must not depend on ranks, shards or crashes:
// scene, status, error class and stored blobs.
func sameResults(t *testing.T, what string, want, got map[string]simRow) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d simulations registered, want %d", what, len(got), len(want))
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	bad := 0
	for _, id := range ids {
		w, g := want[id], got[id]
		if w.Scene != g.Scene || w.Status != g.Status || w.Class != g.Class || w.Blobs != g.Blobs {
			if bad++; bad <= 5 {
				t.Errorf("%s: %s: got scene %q status %q class %q blobs %q; want %q %q %q %q", what, id,
					g.Scene, g.Status, g.Class, g.Blobs, w.Scene, w.Status, w.Class, w.Blobs)
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d simulations differ in all", what, bad)
	}
}

// dumpScenes returns the ncdump text of every scene file by file name.
func dumpScenes(t *testing.T, cfg string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(outDir(cfg), "scenes", "*.nc"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, f := range files {
		out, err := exec.Command("ncdump", f).CombinedOutput()
		if err != nil {
			t.Fatalf("ncdump %s: %v\n%s", f, err, out)
		}
		m[filepath.Base(f)] = string(out)
	}
	return m
}

func sameScenes(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d scene files %v, want %d", what, len(got), keys(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: scene file %s missing", what, name)
			continue
		}
		if g != w {
			t.Errorf("%s: scene file %s differs from the reference:\n%s", what, name, firstDiff(w, g))
		}
	}
}

func keys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n want %.200s\n got  %.200s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(la), len(lb))
}

// sceneSimIDs reads the sim_id variable of a scene file in file order.
func sceneSimIDs(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command("ncdump", "-v", "sim_id", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ncdump -v sim_id %s: %v\n%s", path, err, out)
	}
	_, data, ok := strings.Cut(string(out), "data:")
	if !ok {
		t.Fatalf("%s: no data section in ncdump output", path)
	}
	return regexp.MustCompile(`"[^"]+"`).FindAllString(data, -1)
}

// reference is one uninterrupted single-process run of the standard batch,
// shared by the tests that compare against it.
var (
	refOnce   sync.Once
	refRows   map[string]simRow
	refScenes map[string]string
	refOut    string
	refCfg    string
	refFailed bool
)

const nStandard = 42

func reference(t *testing.T) (map[string]simRow, map[string]string) {
	t.Helper()
	setup(t)
	refOnce.Do(func() {
		refFailed = true
		dir, err := os.MkdirTemp(itTmpDir, "ref-")
		if err != nil {
			t.Fatal(err)
		}
		// the reference outlives the test that makes it
		cfg := newBatchIn(t, dir, standardReceptors(nStandard), batchOpts{})
		refCfg = cfg
		refOut = stilt(t, 1, "run", cfg)
		refRows = readRegistry(t, regPath(cfg))
		refScenes = dumpScenes(t, cfg)
		refFailed = false
	})
	if refFailed {
		t.Fatal("the reference run failed (see the first test that asked for it)")
	}
	return refRows, refScenes
}

// TestRanksAgree: the same batch on 1, 2 and 4 ranks gives the same
// registry contents and the same scene files; every simulation completes.
func TestRanksAgree(t *testing.T) {
	want, wantScenes := reference(t)
	if len(want) != nStandard {
		t.Fatalf("reference registry has %d simulations, want %d", len(want), nStandard)
	}
	for id, r := range want {
		if r.Status != "complete" || r.Attempts != 1 || !strings.HasPrefix(r.Blobs, "f:") {
			t.Errorf("reference: %s: status %q attempts %d blobs %q; want complete, 1 attempt, blob f", id, r.Status, r.Attempts, r.Blobs)
		}
	}
	if got := keys(wantScenes); strings.Join(got, ",") != "east.nc,north.nc,west.nc" {
		t.Fatalf("reference scene files %v, want east.nc, north.nc, west.nc", got)
	}
	// scene members in receptor-file order
	rs := standardReceptors(nStandard)
	for _, sc := range []string{"north", "east", "west"} {
		var wantRecs []rec
		for _, r := range rs {
			if r.Scene == sc {
				wantRecs = append(wantRecs, r)
			}
		}
		ids := sceneSimIDs(t, filepath.Join(outDir(refCfg), "scenes", sc+".nc"))
		if len(ids) != len(wantRecs) {
			t.Fatalf("scene %s has %d simulations %v, want %d", sc, len(ids), ids, len(wantRecs))
		}
		for i, id := range ids {
			// met_YYYYMMDDHHMM_lon_lat_alt
			f := strings.Split(strings.Trim(id, `"`), "_")
			r := wantRecs[i]
			ok := len(f) == 5 && f[0] == "syn" && f[1] == fmt.Sprintf("20190530%02d00", r.Hour)
			if ok {
				lon, err1 := strconv.ParseFloat(f[2], 64)
				lat, err2 := strconv.ParseFloat(f[3], 64)
				ok = err1 == nil && err2 == nil && math.Abs(lon-r.Lon) < 1e-6 && math.Abs(lat-r.Lat) < 1e-6
			}
			if !ok {
				t.Errorf("scene %s: member %d is %s, want the receptor at %02d UTC (%.3f, %.3f) (receptor-file order)", sc, i, id, r.Hour, r.Lon, r.Lat)
			}
		}
	}
	for _, ranks := range []int{2, 4} {
		t.Run(fmt.Sprintf("ranks=%d", ranks), func(t *testing.T) {
			cfg := newBatch(t, standardReceptors(nStandard), batchOpts{})
			stilt(t, ranks, "run", cfg)
			sameResults(t, fmt.Sprintf("%d ranks vs 1", ranks), want, readRegistry(t, regPath(cfg)))
			sameScenes(t, fmt.Sprintf("%d ranks vs 1", ranks), wantScenes, dumpScenes(t, cfg))
			// a rerun has nothing to do and changes nothing
			out := stilt(t, ranks, "run", cfg)
			if !strings.Contains(out, "0 simulations pending") {
				t.Errorf("rerun of a finished batch: want \"0 simulations pending\" in\n%s", out)
			}
			sameResults(t, "rerun", want, readRegistry(t, regPath(cfg)))
		})
	}
}

// TestProgressLines: rank 0 logs completed/total, rate and ETA.
func TestProgressLines(t *testing.T) {
	reference(t)
	re := regexp.MustCompile(`^progress: (\d+)/(\d+) \(\d+\.\d%\) done, (\d+) failed, \d+ empty, \d+ interrupted, \d+ sims/h, elapsed \S+, eta (\S+)$`)
	sc := bufio.NewScanner(strings.NewReader(refOut))
	n, last := 0, ""
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			n++
			if m[2] != strconv.Itoa(nStandard) {
				t.Errorf("progress total %s, want %d: %q", m[2], nStandard, sc.Text())
			}
			last = sc.Text()
		} else if strings.HasPrefix(sc.Text(), "progress:") {
			t.Errorf("progress line not in the documented format: %q", sc.Text())
		}
	}
	if n == 0 {
		t.Fatalf("no progress line in the log of rank 0:\n%s", refOut)
	}
	if m := re.FindStringSubmatch(last); m[1] != strconv.Itoa(nStandard) || m[4] != "0s" {
		t.Errorf("last progress line %q: want %d/%d done and eta 0s", last, nStandard, nStandard)
	}
	// end-of-run timing summary of the single rank
	sum := regexp.MustCompile(`(?m)^rank 0: (\d+) results, busy [0-9.]+ s of [0-9.]+ s wall, idle -?[0-9.]+%$`).FindStringSubmatch(refOut)
	if sum == nil || sum[1] != strconv.Itoa(nStandard) {
		t.Errorf("no \"rank 0: %d results, busy ...\" summary line in:\n%s", nStandard, refOut)
	}
	if !regexp.MustCompile(`(?m)^rank 0 overhead: [0-9.]+ ms per committed result \(42 results`).MatchString(refOut) {
		t.Errorf("no rank 0 overhead line in:\n%s", refOut)
	}
}

// rankPids returns the pids of the ranks started by mpirun (its children),
// by rank.
func rankPids(mpirun int) map[int]int {
	out := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(mpirun) {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, []byte("OMPI_COMM_WORLD_RANK=")); ok {
				if r, err := strconv.Atoi(string(v)); err == nil {
					out[r] = pid
				}
			}
		}
	}
	return out
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}

// aliveAfter reports whether pid is still running after waiting up to d for
// it to end.
func aliveAfter(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for alive(pid) {
		if time.Now().After(deadline) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// startRun starts `run` without waiting; the returned channel yields its
// exit error.
func startRun(t *testing.T, ranks int, cfg string) (*exec.Cmd, *bytes.Buffer, chan error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := command(ctx, ranks, "run", cfg)
	out := new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); cancel() }()
	return cmd, out, done
}

// waitDone waits until at least n simulations are finished or the run ends.
func waitDone(reg string, n int, done chan error) (ended bool, err error) {
	for {
		select {
		case err := <-done:
			return true, err
		case <-time.After(50 * time.Millisecond):
		}
		if countDone(reg) >= n {
			return false, nil
		}
	}
}

// TestKillResume kills a random rank with SIGKILL at a random moment, three
// times in a row, then lets a rerun finish: no simulation finished before a
// kill is recomputed or lost, nothing corrupt is complete, and the scene
// files equal those of an uninterrupted run.
func TestKillResume(t *testing.T) {
	want, wantScenes := reference(t)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("random seed %d", seed)
	cfg := newBatch(t, standardReceptors(nStandard), batchOpts{})
	reg := regPath(cfg)
	before := map[string]simRow{} // finished before some kill
	for round := 0; round < 3; round++ {
		ranks := []int{1, 2, 3}[rng.Intn(3)]
		victim := rng.Intn(ranks) // rank to kill
		start := max(countDone(reg), 0)
		if nStandard-start < 8 {
			break
		}
		target := start + 1 + rng.Intn(6)
		cmd, out, done := startRun(t, ranks, cfg)
		ended, err := waitDone(reg, target, done)
		if ended {
			t.Fatalf("round %d: the run ended (%v) before %d simulations were done; log:\n%s", round, err, target, out)
		}
		snap := readRegistry(t, reg)
		pid := cmd.Process.Pid
		if ranks > 1 {
			pids := rankPids(pid)
			if pids[victim] == 0 {
				t.Fatalf("round %d: no pid for rank %d among the children of mpirun %d: %v", round, victim, pid, pids)
			}
			pid = pids[victim]
		}
		all := rankPids(cmd.Process.Pid)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("round %d: kill rank %d (pid %d): %v", round, victim, pid, err)
		}
		t.Logf("round %d: killed rank %d of %d (pid %d) after %d finished simulations", round, victim, ranks, pid, countDone(reg))
		select {
		case err = <-done:
		case <-time.After(60 * time.Second):
			t.Fatalf("round %d: the job did not end within 60 s after rank %d was killed (workers stuck?); log:\n%s", round, victim, out)
		}
		if err == nil {
			t.Errorf("round %d: the job exited 0 after rank %d was killed", round, victim)
		}
		for r, p := range all {
			// mpirun can return while a surviving rank is still finishing
			// its SIGTERM shutdown; it must be gone within a few seconds.
			if aliveAfter(p, 10*time.Second) {
				t.Errorf("round %d: rank %d (pid %d) still alive 10 s after the job ended", round, r, p)
				syscall.Kill(p, syscall.SIGKILL)
			}
		}
		for id, r := range snap {
			if r.Status == "complete" || r.Status == "complete-empty" {
				before[id] = r
			}
		}
	}
	out := stilt(t, 2, "run", cfg)
	if !strings.Contains(out, "simulations pending") {
		t.Errorf("resume log:\n%s", out)
	}
	got := readRegistry(t, reg)
	sameResults(t, "after kills", want, got)
	for id, b := range before {
		g := got[id]
		if g.Finished != b.Finished || g.Attempts != b.Attempts || g.Blobs != b.Blobs {
			t.Errorf("%s finished before a kill (at %s, attempt %d) was changed: now finished %s, attempts %d", id, b.Finished, b.Attempts, g.Finished, g.Attempts)
		}
	}
	if len(before) == 0 {
		t.Error("no simulation had finished before any kill: the test proved nothing")
	}
	verifyBlobs(t, reg)
	sameScenes(t, "after kills", wantScenes, dumpScenes(t, cfg))
	// killed runs are marked stale when the next run starts (interrupted
	// if rank 0 got to end its run), the last one is complete
	st, err := registry.OpenReadOnly(reg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB().Query(`SELECT status FROM runs ORDER BY started_at`)
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		runs = append(runs, s)
	}
	rows.Close()
	for i, s := range runs {
		switch {
		case i == len(runs)-1 && s != "complete":
			t.Errorf("runs table %v: the last run is %q, want complete", runs, s)
		case i < len(runs)-1 && s != "stale" && s != "interrupted":
			t.Errorf("runs table %v: killed run %d is %q, want stale (or interrupted)", runs, i, s)
		}
	}
}

// verifyBlobs loads every stored blob (LoadBlobs checks the checksums).
func verifyBlobs(t *testing.T, reg string) {
	t.Helper()
	st, err := registry.OpenReadOnly(reg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB().Query(`SELECT sim_id FROM sims WHERE status IN ('complete','complete-empty')`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		bs, err := st.LoadBlobs(context.Background(), id)
		if err != nil {
			t.Errorf("%s is complete but its blobs do not load: %v", id, err)
		} else if len(bs) == 0 {
			t.Errorf("%s is complete without a stored footprint", id)
		}
	}
}

// TestTermResume sends SIGTERM to mpirun (as SLURM does at the time limit):
// rank 0 puts in-flight simulations back to pending, ends the run as
// interrupted and exits; a rerun finishes the batch.
func TestTermResume(t *testing.T) {
	want, wantScenes := reference(t)
	for _, ranks := range []int{1, 2} {
		t.Run(fmt.Sprintf("ranks=%d", ranks), func(t *testing.T) {
			cfg := newBatch(t, standardReceptors(nStandard), batchOpts{})
			reg := regPath(cfg)
			cmd, out, done := startRun(t, ranks, cfg)
			if ended, err := waitDone(reg, 5, done); ended {
				t.Fatalf("the run ended (%v) before 5 simulations were done:\n%s", err, out)
			}
			snap := readRegistry(t, reg)
			// as SLURM does on scancel or at the time limit: every task
			// of the job gets SIGTERM (under mpirun, each rank directly;
			// mpirun itself would SIGKILL them after 1 s)
			if ranks == 1 {
				if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			} else {
				pids := rankPids(cmd.Process.Pid)
				if len(pids) != ranks {
					t.Fatalf("found ranks %v, want %d", pids, ranks)
				}
				for _, pid := range pids {
					syscall.Kill(pid, syscall.SIGTERM)
				}
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				t.Fatalf("no exit within 60 s of SIGTERM:\n%s", out)
			}
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			t.Logf("exit code after SIGTERM on %d ranks: %d", ranks, code)
			// a clean interrupt: every rank finalizes and exits 0; rank 0
			// says that work is left and how to resume
			if code != 0 || !strings.Contains(out.String(), "rerun to resume") {
				t.Errorf("exit code %d after SIGTERM, want 0 and a rerun hint\n%s", code, out)
			}
			got := readRegistry(t, reg)
			n := 0
			for id, r := range got {
				if r.Status == "running" {
					t.Errorf("%s left running after SIGTERM", id)
				}
				if r.Status == "complete" {
					n++
				}
			}
			if !strings.Contains(out.String(), "interrupted: in-flight simulations are pending again") {
				t.Errorf("rank 0 did not report the interrupt:\n%s", out)
			}
			st, err := registry.OpenReadOnly(reg)
			if err != nil {
				t.Fatal(err)
			}
			var status string
			err = st.DB().QueryRow(`SELECT status FROM runs ORDER BY started_at DESC LIMIT 1`).Scan(&status)
			st.Close()
			if err != nil || status != "interrupted" {
				t.Errorf("run status %q (%v), want interrupted", status, err)
			}
			t.Logf("%d of %d complete when interrupted", n, nStandard)
			stilt(t, ranks, "run", cfg)
			got = readRegistry(t, reg)
			sameResults(t, "after SIGTERM", want, got)
			for id, b := range snap {
				if (b.Status == "complete") && (got[id].Finished != b.Finished || got[id].Attempts != b.Attempts) {
					t.Errorf("%s complete before SIGTERM was recomputed", id)
				}
			}
			verifyBlobs(t, reg)
			sameScenes(t, "after SIGTERM", wantScenes, dumpScenes(t, cfg))
		})
	}
}

// TestShardMerge: two shards run separately and merged give the registry
// and scene files of a single run; merging again changes nothing.
func TestShardMerge(t *testing.T) {
	want, wantScenes := reference(t)
	cfg := newBatch(t, standardReceptors(nStandard), batchOpts{})
	stilt(t, 1, "run", "--shard", "0/2", cfg)
	stilt(t, 2, "run", "--shard", "1/2", cfg)
	if s := dumpScenes(t, cfg); len(s) != 0 {
		t.Errorf("shard runs wrote scene files %v; scenes are written by merge", keys(s))
	}
	stilt(t, 1, "merge", cfg)
	got := readRegistry(t, regPath(cfg))
	sameResults(t, "merged shards", want, got)
	sameScenes(t, "merged shards", wantScenes, dumpScenes(t, cfg))
	for id, r := range got {
		if r.Attempts != 1 {
			t.Errorf("%s: %d attempts after merge, want 1", id, r.Attempts)
		}
	}
	scenes := dumpScenes(t, cfg)
	stilt(t, 1, "merge", cfg)
	again := readRegistry(t, regPath(cfg))
	for id, r := range got {
		if again[id] != r {
			t.Errorf("second merge changed %s: %+v -> %+v", id, r, again[id])
		}
	}
	sameScenes(t, "second merge", scenes, dumpScenes(t, cfg))
}

// TestBadInput: receptors whose met is missing, whose transport fails, or
// whose footprint grid sees no particle become recorded failures (or
// complete-empty) with a clear message while the batch goes on, and
// `status --failed` groups them by class.
func TestBadInput(t *testing.T) {
	setup(t)
	rs := []rec{
		{Hour: 8, Lat: 40.5, Lon: -112.2, Alt: 10, Scene: "s"},  // fine
		{Hour: 1, Lat: 40.5, Lon: -112.2, Alt: 10, Scene: "s"},  // 3 h back from 01 UTC: before the met
		{Hour: 9, Lat: 45.0, Lon: -100.0, Alt: 10, Scene: "s"},  // outside the met grid
		{Hour: 9, Lat: 40.8, Lon: -111.2, Alt: 10, Scene: "t"},  // particles stay east of the footprint grid
		{Hour: 10, Lat: 40.7, Lon: -112.3, Alt: 20, Scene: "t"}, // fine
	}
	// footprint grid west of -112: back trajectories go west (wind from the west-south-west)
	cfg := newBatch(t, rs, batchOpts{footprint: "xmin = -113.0\nxmax = -112.0\nymin = 40.0\nymax = 41.5\nxres = 0.05\n"})
	out := stilt(t, 2, "run", cfg)
	got := readRegistry(t, regPath(cfg))
	id := func(r rec) string {
		return fmt.Sprintf("syn_20190530%02d00_%v_%v_%v", r.Hour, r.Lon, r.Lat, r.Alt)
	}
	cases := []struct {
		r      rec
		status string
		class  string
		msg    string // substring of the message
	}{
		{rs[0], "complete", "", ""},
		{rs[1], "failed", ClassMissingMet, "met"},
		{rs[2], "failed", "", ""},         // class checked below: any recorded class
		{rs[3], "complete-empty", "", ""}, // the registry keeps no message; the scene file does (below)
		{rs[4], "complete", "", ""},
	}
	for _, c := range cases {
		g, ok := got[id(c.r)]
		if !ok {
			t.Errorf("%s not registered; registry has %v", id(c.r), keys(got))
			continue
		}
		if g.Status != c.status || (c.class != "" && g.Class != c.class) || !strings.Contains(g.Msg, c.msg) {
			t.Errorf("%s: status %q class %q message %q; want %q %q containing %q", id(c.r), g.Status, g.Class, g.Msg, c.status, c.class, c.msg)
		}
		if g.Status == "failed" && (g.Class == "" || g.Msg == "") {
			t.Errorf("%s failed without a class and message: %+v", id(c.r), g)
		}
	}
	if !strings.Contains(out, "progress: 5/5") {
		t.Errorf("the batch did not go on to 5/5 done:\n%s", out)
	}
	// scene files exist and carry the failures
	scenes := dumpScenes(t, cfg)
	if len(scenes) != 2 {
		t.Errorf("scene files %v, want s.nc and t.nc", keys(scenes))
	}
	if !strings.Contains(scenes["s.nc"], `"failed"`) || !strings.Contains(scenes["t.nc"], `"complete-empty"`) {
		t.Errorf("scene files do not record the failed / empty simulations")
	}
	for _, want := range []string{`"MISSING_MET_FILES meteorology in`, `"TRANSPORT_ERROR simulation`} {
		if !strings.Contains(scenes["s.nc"], want) {
			t.Errorf("scene s.nc: error variable lacks %s", want)
		}
	}
	if !regexp.MustCompile(`"empty: [^"]+"`).MatchString(scenes["t.nc"]) {
		t.Errorf("scene t.nc: the complete-empty member has no reason in its error variable:\n%s", scenes["t.nc"])
	}
	st := stilt(t, 1, "status", "--failed", cfg)
	for _, c := range cases {
		if c.status == "failed" {
			g := got[id(c.r)]
			if !strings.Contains(st, g.Class+" (") || !strings.Contains(st, "  "+id(c.r)) {
				t.Errorf("status --failed does not list %s under %s:\n%s", id(c.r), g.Class, st)
			}
		}
	}
	t.Logf("status --failed:\n%s", st)
}

// TestCrashingEngine: a hycs_std that kills itself with SIGSEGV (the
// fake_hycs_crash.sh TEST DOUBLE of package hysplit) makes every simulation
// a recorded CRASH failure; the batch still ends and writes its scene file.
func TestCrashingEngine(t *testing.T) {
	setup(t)
	exe, err := filepath.Abs("../hysplit/testdata/fake_hycs_crash.sh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(exe); err != nil {
		t.Skipf("test double missing: %v", err)
	}
	bdy := t.TempDir() // data tables: the test double reads none of them
	for _, n := range []string{"ASCDATA.CFG", "LANDUSE.ASC", "ROUGLEN.ASC", "TERRAIN.ASC"} {
		var content []byte
		if n == "ASCDATA.CFG" {
			content = []byte("-90.0  -180.0\n1.0    1.0\n180    360\n2\n0.2\n'./'\n") // data directory line
		}
		if err := os.WriteFile(filepath.Join(bdy, n), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rs := standardReceptors(3)
	cfg := newBatch(t, rs, batchOpts{transport: fmt.Sprintf("engine = \"hysplit\"\nhycs_std = %q\nbdyfiles = %q\ntimeout = \"30s\"\n", exe, bdy)})
	out := stilt(t, 2, "run", cfg)
	got := readRegistry(t, regPath(cfg))
	if len(got) != len(rs) {
		t.Fatalf("%d simulations registered, want %d", len(got), len(rs))
	}
	for id, g := range got {
		if g.Status != "failed" || g.Class != "CRASH" || !strings.Contains(g.Msg, "signal") {
			t.Errorf("%s: status %q class %q message %q; want failed CRASH with the signal", id, g.Status, g.Class, g.Msg)
		}
	}
	if !strings.Contains(out, fmt.Sprintf("progress: %d/%d", len(rs), len(rs))) {
		t.Errorf("the batch did not reach %d/%d:\n%s", len(rs), len(rs), out)
	}
	if s := dumpScenes(t, cfg); len(s) != len(rs) {
		t.Errorf("scene files %v, want one per scene (%d)", keys(s), len(rs))
	}
	st := stilt(t, 1, "status", "--failed", cfg)
	if !strings.Contains(st, fmt.Sprintf("CRASH (%d)", len(rs))) {
		t.Errorf("status --failed does not group the crashes:\n%s", st)
	}
}
