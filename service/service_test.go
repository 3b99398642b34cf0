package service

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/registry"
	"github.com/stilt-mpi/stilt-mpi/registry/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fakeSimulation is a test double for a STILT simulation (this package
// tests the queue, not the physics): its result is a pure function of the
// sim id (about 1 in 10 fails, 1 in 10 is empty, the rest carry a blob
// derived from the id). Every execution is counted, and appended to a log
// file when logPath is set (O_APPEND lines, so several processes can share
// it). The simulation named block blocks: until ctx is cancelled (then it
// returns interrupted), or for ever when blockForever is set; mark is
// created when it starts.
type fakeSimulation struct {
	logPath      string
	block        string
	blockForever bool
	mark         string
	delay        time.Duration

	mu   sync.Mutex
	runs map[string]int
}

func expectedResult(id string) registry.Result {
	h := fnv.New32a()
	h.Write([]byte(id))
	switch h.Sum32() % 10 {
	case 0:
		return registry.Result{SimID: id, Status: registry.StatusFailed, ErrorClass: "FAKE_ERROR", ErrorMessage: "fake failure of " + id}
	case 1:
		return registry.Result{SimID: id, Status: registry.StatusCompleteEmpty, Engine: "fake"}
	}
	sum := sha256.Sum256([]byte(id))
	return registry.Result{SimID: id, Status: registry.StatusComplete, Engine: "fake",
		Blobs: []registry.Blob{{Name: "foot", Data: []byte(strings.Repeat(hex.EncodeToString(sum[:]), 4))}}}
}

func (f *fakeSimulation) Run(ctx context.Context, sim registry.Simulation) registry.Result {
	f.mu.Lock()
	if f.runs == nil {
		f.runs = map[string]int{}
	}
	f.runs[sim.SimID]++
	f.mu.Unlock()
	if f.logPath != "" {
		lf, err := os.OpenFile(f.logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err == nil {
			fmt.Fprintf(lf, "%s %d\n", sim.SimID, os.Getpid())
			lf.Close()
		}
	}
	if sim.SimID == f.block {
		if f.mark != "" {
			os.WriteFile(f.mark, []byte(sim.SimID), 0o644)
		}
		if f.blockForever {
			select {}
		}
		<-ctx.Done()
		return registry.Result{SimID: sim.SimID, Status: registry.StatusPending, ErrorClass: "interrupted"}
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	return expectedResult(sim.SimID)
}

func (f *fakeSimulation) counts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.runs))
	for k, v := range f.runs {
		out[k] = v
	}
	return out
}

func mkSims(n int) []registry.Simulation {
	sims := make([]registry.Simulation, n)
	for i := range sims {
		sims[i] = registry.Simulation{SimID: fmt.Sprintf("sim_%04d", i), Scene: fmt.Sprintf("scene%d", i%3),
			Receptor: []byte(fmt.Sprintf(`{"i":%d}`, i)), Met: "m", Cost: 1}
	}
	return sims
}

func openQueue(t *testing.T, url string, o registry.PostgresOptions) *registry.Postgres {
	t.Helper()
	q, err := registry.OpenPostgresWith(context.Background(), url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func newQueue(t *testing.T, n int) (*registry.Postgres, string) {
	t.Helper()
	url := pgtest.URL(t)
	q := openQueue(t, url, registry.PostgresOptions{})
	if _, err := q.Register(context.Background(), mkSims(n)); err != nil {
		t.Fatal(err)
	}
	return q, url
}

// snapshot is the registry's outcome per simulation, without what depends
// on which worker ran it or when.
func snapshot(t *testing.T, q registry.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	c, err := q.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < c.Total; i++ {
		id := fmt.Sprintf("sim_%04d", i)
		s, err := q.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%s|%s|%s|%s|%d|%s", s.Status, s.Scene, s.ErrorClass, s.ErrorMessage, s.NumBlobs, s.Engine)
		if s.Status.Finished() {
			blobs, err := q.LoadBlobs(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range blobs {
				line += "|" + b.Name + ":" + b.SHA256
			}
		}
		out[id] = line
	}
	return out
}

func expectedSnapshot(n int) map[string]string {
	out := map[string]string{}
	for _, s := range mkSims(n) {
		r := expectedResult(s.SimID)
		line := fmt.Sprintf("%s|%s|%s|%s|%d|%s", r.Status, s.Scene, r.ErrorClass, r.ErrorMessage, len(r.Blobs), r.Engine)
		for _, b := range r.Blobs {
			sum := sha256.Sum256(b.Data)
			line += "|" + b.Name + ":" + hex.EncodeToString(sum[:])
		}
		out[s.SimID] = line
	}
	return out
}

func diffSnapshots(a, b map[string]string) string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, fmt.Sprintf("%s: %q vs %q", k, v, b[k]))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			d = append(d, fmt.Sprintf("%s: missing vs %q", k, v))
		}
	}
	sort.Strings(d)
	if len(d) > 5 {
		d = append(d[:5], fmt.Sprintf("... %d differences", len(d)))
	}
	return strings.Join(d, "\n")
}

// TestDrainFourWorkers: four workers (each with its own connection pool)
// drain 200 simulations; each runs exactly once and the registry equals a
// single worker's run and the test double's expected outcomes.
func TestDrainFourWorkers(t *testing.T) {
	const n = 200
	ctx := context.Background()
	_, url := newQueue(t, n)
	fake := &fakeSimulation{}
	var wg sync.WaitGroup
	reps := make([]Report, 4)
	errs := make([]error, 4)
	for w := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := openQueue(t, url, registry.PostgresOptions{MaxConns: 2})
			reps[w], errs[w] = Drain(ctx, q, fake.Run, Options{WorkerID: fmt.Sprintf("w%d", w), Batch: 1 + w%3,
				Lease: time.Minute, IdleMin: 10 * time.Millisecond, IdleMax: 50 * time.Millisecond})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	runs := fake.counts()
	total := 0
	for _, r := range reps {
		total += r.Claimed
		if r.LeaseLost != 0 || r.Interrupted != 0 {
			t.Errorf("worker %s: %+v", r.WorkerID, r)
		}
	}
	if len(runs) != n || total != n {
		t.Fatalf("%d distinct simulations run, %d claimed; want %d", len(runs), total, n)
	}
	for id, k := range runs {
		if k != 1 {
			t.Errorf("%s ran %d times", id, k)
		}
	}
	t.Logf("claims per worker: %d %d %d %d", reps[0].Claimed, reps[1].Claimed, reps[2].Claimed, reps[3].Claimed)

	multi := openQueue(t, url, registry.PostgresOptions{})
	got := snapshot(t, multi)
	if d := diffSnapshots(expectedSnapshot(n), got); d != "" {
		t.Fatalf("registry after 4 workers differs from the expected outcomes:\n%s", d)
	}
	single, _ := newQueue(t, n)
	if _, err := Drain(ctx, single, (&fakeSimulation{}).Run, Options{WorkerID: "solo", Batch: 7}); err != nil {
		t.Fatal(err)
	}
	if d := diffSnapshots(snapshot(t, single), got); d != "" {
		t.Fatalf("4-worker registry differs from the single-worker registry:\n%s", d)
	}
	c, _ := multi.Counts(ctx)
	if c.ByStatus[registry.StatusPending]+c.ByStatus[registry.StatusRunning] != 0 {
		t.Fatalf("left over: %+v", c.ByStatus)
	}
}

// TestWorkerChild is the body of a worker process started by the tests
// below; it does nothing unless STILT_SERVICE_CHILD_URL is set.
func TestWorkerChild(t *testing.T) {
	url := os.Getenv("STILT_SERVICE_CHILD_URL")
	if url == "" {
		t.Skip("helper process only")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	q, err := registry.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	fake := &fakeSimulation{logPath: os.Getenv("STILT_SERVICE_CHILD_LOG"), block: os.Getenv("STILT_SERVICE_CHILD_BLOCK"),
		blockForever: os.Getenv("STILT_SERVICE_CHILD_FOREVER") != "", mark: os.Getenv("STILT_SERVICE_CHILD_MARK")}
	o := Options{WorkerID: "child", Lease: time.Second, Heartbeat: 200 * time.Millisecond, IdleMin: 20 * time.Millisecond}
	if os.Getenv("STILT_SERVICE_CHILD_MODE") == "serve" {
		_, err = Serve(ctx, q, fake.Run, o)
	} else {
		_, err = Drain(ctx, q, fake.Run, o)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func startChild(t *testing.T, env ...string) (*exec.Cmd, string) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerChild$", "-test.v")
	cmd.Env = append(os.Environ(), "STILT_SERVICE_CHILD_LOG="+filepath.Join(dir, "exec.log"),
		"STILT_SERVICE_CHILD_MARK="+filepath.Join(dir, "started"))
	cmd.Env = append(cmd.Env, env...)
	out, _ := os.Create(filepath.Join(dir, "child.out"))
	t.Cleanup(func() { out.Close() })
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
			return cmd, dir
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "child.out"))
			t.Fatalf("child never reached the blocking simulation:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func execCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if id, _, ok := strings.Cut(sc.Text(), " "); ok {
			out[id]++
		}
	}
	return out
}

// TestKilledWorkerProcess: a worker process killed (SIGKILL) in the middle
// of a simulation loses its claim when the lease expires; a surviving worker
// takes it over, and every simulation completes exactly once in the
// registry.
func TestKilledWorkerProcess(t *testing.T) {
	const n = 30
	q, url := newQueue(t, n)
	victim := "sim_0007"
	cmd, dir := startChild(t, "STILT_SERVICE_CHILD_URL="+url, "STILT_SERVICE_CHILD_BLOCK="+victim, "STILT_SERVICE_CHILD_FOREVER=1")
	before, _ := q.Get(context.Background(), victim)
	if before.Status != registry.StatusRunning || before.Attempts != 1 {
		t.Fatalf("victim while the child runs it: %+v", before)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	t0 := time.Now()
	logPath := filepath.Join(dir, "exec.log")
	fake := &fakeSimulation{logPath: logPath}
	rep, err := Drain(context.Background(), q, fake.Run, Options{WorkerID: "survivor", Lease: time.Second, IdleMin: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("survivor drained in %v: %+v", time.Since(t0), rep)
	if d := diffSnapshots(expectedSnapshot(n), snapshot(t, q)); d != "" {
		t.Fatalf("registry after the kill differs from the expected outcomes:\n%s", d)
	}
	g, _ := q.Get(context.Background(), victim)
	if g.Attempts != 2 {
		t.Fatalf("victim attempts %d, want 2 (killed claim + survivor)", g.Attempts)
	}
	for id, k := range execCounts(t, logPath) {
		want := 1
		if id == victim {
			want = 2 // started by the killed child, completed by the survivor
		}
		if k != want {
			t.Errorf("%s executed %d times, want %d", id, k, want)
		}
	}
	if fake.counts()[victim] != 1 {
		t.Fatalf("survivor ran the victim %d times", fake.counts()[victim])
	}
}

// TestServeSIGTERM: a serving worker process that receives SIGTERM while a
// simulation runs hands the claim back to pending (attempt not counted) and
// exits 0.
func TestServeSIGTERM(t *testing.T) {
	q, url := newQueue(t, 5)
	victim := "sim_0002"
	cmd, _ := startChild(t, "STILT_SERVICE_CHILD_URL="+url, "STILT_SERVICE_CHILD_BLOCK="+victim, "STILT_SERVICE_CHILD_MODE=serve")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("child exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("child did not exit within 20 s of SIGTERM")
	}
	g, _ := q.Get(context.Background(), victim)
	if g.Status != registry.StatusPending || g.Attempts != 0 || g.ErrorClass != "interrupted" {
		t.Fatalf("in-flight claim after SIGTERM: %+v", g)
	}
	c, _ := q.Counts(context.Background())
	if c.ByStatus[registry.StatusRunning] != 0 {
		t.Fatalf("running rows left: %+v", c.ByStatus)
	}
}

// countingQueue is a test double wrapping a Queue that records when Claim
// is called.
type countingQueue struct {
	registry.Queue
	mu     sync.Mutex
	claims []time.Time
}

func (c *countingQueue) Claim(ctx context.Context, w string, n int, lease time.Duration) ([]registry.Simulation, error) {
	c.mu.Lock()
	c.claims = append(c.claims, time.Now())
	c.mu.Unlock()
	return c.Queue.Claim(ctx, w, n, lease)
}

// TestServeBackoffAndNewWork: an idle server backs off exponentially, picks
// up simulations registered later, and returns nil when cancelled.
func TestServeBackoffAndNewWork(t *testing.T) {
	q := openQueue(t, pgtest.URL(t), registry.PostgresOptions{})
	cq := &countingQueue{Queue: q}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fake := &fakeSimulation{}
	var rep Report
	errc := make(chan error, 1)
	go func() {
		var err error
		rep, err = Serve(ctx, cq, fake.Run, Options{WorkerID: "srv", IdleMin: 40 * time.Millisecond, IdleMax: 160 * time.Millisecond})
		errc <- err
	}()
	time.Sleep(900 * time.Millisecond)
	cq.mu.Lock()
	idle := append([]time.Time(nil), cq.claims...)
	cq.mu.Unlock()
	// Back-off waits 40, 80, 160, 160, ... ms: about 7 claims in 900 ms
	// (without back-off at 40 ms there would be more than 20).
	if len(idle) < 3 || len(idle) > 10 {
		t.Fatalf("%d claims while idle for 900 ms", len(idle))
	}
	for i, want := range []time.Duration{40, 80, 160} {
		if gap := idle[i+1].Sub(idle[i]); gap < want*time.Millisecond {
			t.Fatalf("idle wait %d was %v, want >= %v ms", i, gap, want)
		}
	}
	if _, err := q.Register(context.Background(), mkSims(12)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, _ := q.Counts(context.Background())
		if c.ByStatus[registry.StatusPending]+c.ByStatus[registry.StatusRunning] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not finish new work: %+v", c.ByStatus)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if rep.Claimed != 12 || rep.Complete+rep.Failed != 12 {
		t.Fatalf("report %+v", rep)
	}
	if d := diffSnapshots(expectedSnapshot(12), snapshot(t, q)); d != "" {
		t.Fatal(d)
	}
}

// TestPanicRecordedAsFailure: a panicking simulation is a failed result, and
// the worker carries on.
func TestPanicRecordedAsFailure(t *testing.T) {
	q, _ := newQueue(t, 3)
	run := func(ctx context.Context, sim registry.Simulation) registry.Result {
		if sim.SimID == "sim_0001" {
			panic("boom")
		}
		return expectedResult(sim.SimID)
	}
	rep, err := Drain(context.Background(), q, run, Options{})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := q.Get(context.Background(), "sim_0001")
	if g.Status != registry.StatusFailed || g.ErrorClass != "INTERNAL_PANIC" || !strings.Contains(g.ErrorMessage, "boom") {
		t.Fatalf("panicked sim: %+v", g)
	}
	if rep.Claimed != 3 {
		t.Fatalf("report %+v", rep)
	}
}

// TestHookFailureCounted: an OnCommitted failure (a scene file not written)
// does not undo the committed result, is counted in the report and logged
// with the simulation's id.
func TestHookFailureCounted(t *testing.T) {
	q, _ := newQueue(t, 3)
	var log strings.Builder
	hook := func(ctx context.Context, sim registry.Simulation, r registry.Result) error {
		if sim.SimID == "sim_0001" {
			return errors.New("scene s: disk full (test double)")
		}
		return nil
	}
	rep, err := Drain(context.Background(), q, func(ctx context.Context, sim registry.Simulation) registry.Result {
		return expectedResult(sim.SimID)
	}, Options{OnCommitted: hook, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if rep.HookFailed != 1 || rep.Claimed != 3 {
		t.Fatalf("report %+v, want 1 hook failure of 3", rep)
	}
	if !strings.Contains(log.String(), "after sim_0001: scene s: disk full") {
		t.Errorf("log lacks the failure:\n%s", log.String())
	}
	g, _ := q.Get(context.Background(), "sim_0001")
	if want := expectedResult("sim_0001").Status; g.Status != want {
		t.Errorf("sim_0001 %s, want %s: the result stays committed", g.Status, want)
	}
}

// TestLostLeaseCancelsSimulation: when a heartbeat finds that another
// worker now holds the running simulation, the worker cancels it and does
// not record its result.
func TestLostLeaseCancelsSimulation(t *testing.T) {
	q, _ := newQueue(t, 1)
	ctx := context.Background()
	started := make(chan struct{})
	cancelled := make(chan struct{})
	run := func(ctx context.Context, sim registry.Simulation) registry.Result {
		close(started)
		select {
		case <-ctx.Done():
			close(cancelled)
			return registry.Result{Status: registry.StatusPending, ErrorClass: "interrupted"}
		case <-time.After(20 * time.Second):
			return registry.Result{Status: registry.StatusComplete}
		}
	}
	type out struct {
		rep Report
		err error
	}
	res := make(chan out, 1)
	go func() {
		rep, err := Drain(ctx, q, run, Options{WorkerID: "slow", Lease: 10 * time.Second, Heartbeat: 50 * time.Millisecond,
			IdleMin: 20 * time.Millisecond})
		res <- out{rep, err}
	}()
	<-started
	// Another worker takes the claim over (as after an expiry).
	if _, err := q.Pool().Exec(ctx, `UPDATE sims SET worker_id = 'thief' WHERE sim_id = 'sim_0000'`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("simulation not cancelled after its lease was lost")
	}
	if err := q.CommitClaimed(ctx, "thief", expectedResult("sim_0000")); err != nil {
		t.Fatal(err)
	}
	o := <-res
	if o.err != nil || o.rep.LeaseLost != 1 || o.rep.Claimed != 1 {
		t.Fatalf("report %+v, %v", o.rep, o.err)
	}
	if d := diffSnapshots(expectedSnapshot(1), snapshot(t, q)); d != "" {
		t.Fatal(d)
	}
}

// TestCancelReleasesWholeBatch: on shutdown the running simulation and the
// claimed ones not yet started all go back to pending, attempts uncounted.
func TestCancelReleasesWholeBatch(t *testing.T) {
	q, _ := newQueue(t, 5)
	ctx, cancel := context.WithCancel(context.Background())
	fake := &fakeSimulation{block: "sim_0000", mark: filepath.Join(t.TempDir(), "started")}
	res := make(chan Report, 1)
	go func() {
		rep, err := Drain(ctx, q, fake.Run, Options{WorkerID: "w", Batch: 3})
		if err != nil {
			t.Error(err)
		}
		res <- rep
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(fake.mark); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("blocking simulation never started")
		}
	}
	cancel()
	rep := <-res
	if rep.Claimed != 3 || rep.Interrupted != 3 {
		t.Fatalf("report %+v", rep)
	}
	// claim order is scene, met, sim id: scene0 = sims 0 and 3, scene1 = 1 and 4
	for _, id := range []string{"sim_0000", "sim_0003", "sim_0001"} {
		g, _ := q.Get(context.Background(), id)
		if g.Status != registry.StatusPending || g.Attempts != 0 || g.ErrorClass != "interrupted" {
			t.Fatalf("%s after shutdown: %+v", id, g)
		}
	}
	if n := fake.counts()["sim_0003"]; n != 0 {
		t.Fatalf("a claimed simulation ran after shutdown began (%d)", n)
	}
}
