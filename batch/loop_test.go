package batch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/registry"
)

// chanComm is a TEST DOUBLE for MPI: ranks are goroutines in one process and
// messages travel over channels. The real binding is exercised by the
// mpirun tests of package mpi and of `stilt-mpi run`.
type chanComm struct {
	rank  int
	boxes []chan chanMsg // one inbox per rank
	stash []chanMsg      // messages received but not yet matched
}

type chanMsg struct {
	buf       []byte
	from, tag int
}

func newChanWorld(n int) []*chanComm {
	boxes := make([]chan chanMsg, n)
	for i := range boxes {
		boxes[i] = make(chan chanMsg, 1024)
	}
	w := make([]*chanComm, n)
	for i := range w {
		w[i] = &chanComm{rank: i, boxes: boxes}
	}
	return w
}

func (c *chanComm) Rank() int { return c.rank }
func (c *chanComm) Size() int { return len(c.boxes) }
func (c *chanComm) Send(buf []byte, dest, tag int) error {
	c.boxes[dest] <- chanMsg{append([]byte(nil), buf...), c.rank, tag}
	return nil
}
func (c *chanComm) match(m chanMsg, src, tag int) bool {
	return (src < 0 || m.from == src) && (tag < 0 || m.tag == tag)
}
func (c *chanComm) Recv(src, tag int) ([]byte, int, int, error) {
	for i, m := range c.stash {
		if c.match(m, src, tag) {
			c.stash = append(c.stash[:i], c.stash[i+1:]...)
			return m.buf, m.from, m.tag, nil
		}
	}
	for m := range c.boxes[c.rank] {
		if c.match(m, src, tag) {
			return m.buf, m.from, m.tag, nil
		}
		c.stash = append(c.stash, m)
	}
	return nil, 0, 0, fmt.Errorf("closed")
}
func (c *chanComm) Iprobe() (bool, error) {
	if len(c.stash) > 0 {
		return true, nil
	}
	select {
	case m := <-c.boxes[c.rank]:
		c.stash = append(c.stash, m)
		return true, nil
	default:
		return false, nil
	}
}

type listSched struct {
	ids  []string
	size int
}

func (s *listSched) Next(rank int) []string {
	if len(s.ids) == 0 {
		return nil
	}
	n := s.size
	if n > len(s.ids) {
		n = len(s.ids)
	}
	b := s.ids[:n]
	s.ids = s.ids[n:]
	return b
}

type memSink struct {
	mu        sync.Mutex
	running   map[string]int
	committed map[string]Result
	commits   int
}

func (s *memSink) MarkRunning(ids []string, rank int) error {
	for _, id := range ids {
		s.running[id] = rank
	}
	return nil
}
func (s *memSink) Commit(r Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits++
	s.committed[r.SimID] = r
	return nil
}

func TestCoordinatorWorkers(t *testing.T) {
	for _, ranks := range []int{1, 2, 4} {
		for _, local := range []bool{true, false} {
			if ranks == 1 && !local {
				continue
			}
			t.Run(fmt.Sprintf("ranks=%d/local=%v", ranks, local), func(t *testing.T) {
				var ids []string
				for i := 0; i < 53; i++ {
					ids = append(ids, fmt.Sprintf("sim%03d", i))
				}
				sim := func(ctx context.Context, id string) Result {
					t0 := time.Now()
					time.Sleep(100 * time.Microsecond)
					st := StatusComplete
					if id == "sim007" {
						st = StatusFailed
					}
					return Result{SimID: id, Status: st, Outputs: map[string][]byte{"f": []byte(id)}, Started: t0.UnixNano(), Finished: time.Now().UnixNano()}
				}
				world := newChanWorld(ranks)
				sink := &memSink{running: map[string]int{}, committed: map[string]Result{}}
				var out bytes.Buffer
				co := &Coordinator{Comm: world[0], Sched: &listSched{ids: append([]string(nil), ids...), size: 3}, Sink: sink, Progress: NewProgress(&out, len(ids), 0), Idle: 50 * time.Microsecond}
				if local {
					co.Local = sim
				}
				var wg sync.WaitGroup
				errs := make(chan error, ranks)
				for r := 1; r < ranks; r++ {
					wg.Add(1)
					go func(c *chanComm) {
						defer wg.Done()
						errs <- Worker(context.Background(), c, sim)
					}(world[r])
				}
				if err := co.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				if sink.commits != len(ids) || len(sink.committed) != len(ids) {
					t.Fatalf("commits %d, distinct %d, want %d", sink.commits, len(sink.committed), len(ids))
				}
				got := make([]string, 0, len(ids))
				for id, r := range sink.committed {
					got = append(got, id)
					if string(r.Outputs["f"]) != id {
						t.Errorf("%s: output %q", id, r.Outputs["f"])
					}
				}
				sort.Strings(got)
				for i := range ids {
					if got[i] != ids[i] {
						t.Fatalf("committed %v", got)
					}
				}
				// rank 0's statistics account for every result and rank
				st := co.Stats
				n := 0
				for r, rs := range st.Ranks {
					n += rs.Results
					if rs.Results > 0 && (rs.BusySec < float64(rs.Results)*100e-6 || rs.BusySec > st.Wall.Seconds()) {
						t.Errorf("rank %d: busy %.6f s for %d results of >= 100 us, wall %v", r, rs.BusySec, rs.Results, st.Wall)
					}
					if idle := st.Idle(r); idle < 0 || idle > 1 {
						t.Errorf("rank %d: idle fraction %v outside [0, 1]", r, idle)
					}
				}
				if n != len(ids) || st.Commits != len(ids) || len(st.Ranks) != ranks {
					t.Errorf("stats: %d results over %d ranks, %d commits; want %d over %d", n, len(st.Ranks), st.Commits, len(ids), ranks)
				}
				if local && st.Ranks[0].Results == 0 {
					t.Errorf("rank 0 computes but has no results in the stats")
				}
				if !strings.Contains(st.Summary(), "rank 0 overhead:") {
					t.Errorf("summary: %s", st.Summary())
				}
				if !bytes.Contains(out.Bytes(), []byte("53/53 (100.0%) done, 1 failed")) {
					t.Errorf("final progress line: %s", out.String())
				}
			})
		}
	}
}

func TestCoordinatorCancel(t *testing.T) {
	world := newChanWorld(2)
	var ids []string
	for i := 0; i < 100; i++ {
		ids = append(ids, fmt.Sprintf("s%d", i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	n := 0
	sim := func(ctx context.Context, id string) Result {
		mu.Lock()
		n++
		if n == 10 {
			cancel()
		}
		mu.Unlock()
		if ctx.Err() != nil {
			return Result{SimID: id, Status: StatusInterrupted}
		}
		return Result{SimID: id, Status: StatusComplete}
	}
	sink := &memSink{running: map[string]int{}, committed: map[string]Result{}}
	co := &Coordinator{Comm: world[0], Sched: &listSched{ids: ids, size: 4}, Sink: sink, Local: sim}
	done := make(chan error, 1)
	go func() { done <- Worker(ctx, world[1], sim) }()
	if err := co.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// every simulation that was handed out has a committed result (complete
	// or interrupted), and nothing more was handed out after cancellation
	for id := range sink.running {
		if _, ok := sink.committed[id]; !ok {
			t.Errorf("%s was marked running but has no result", id)
		}
	}
	if len(sink.running) >= len(ids) {
		t.Errorf("all %d simulations were handed out despite cancellation", len(sink.running))
	}
}

// TestOutdatedSceneFileRemoved: at the start of a run, the file of a scene
// that has unfinished members is removed (it is rewritten when the scene
// finishes); the file of a finished scene is kept.
func TestOutdatedSceneFileRemoved(t *testing.T) {
	dir := t.TempDir()
	raw := []byte("[receptors]\npath = \"r.csv\"\n[met.m]\ndirectory = \"met\"\n[project]\noutput_dir = \"out\"\n" +
		"[footprints.f]\nxmin = 0\nxmax = 1\nymin = 0\nymax = 1\nxres = 0.5\n[registry]\npath = \"out/registry.sqlite\"\n")
	cfg, err := config.Parse(raw, filepath.Join(dir, "run.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(cfg.OutputDir(), "scenes"), 0o755); err != nil {
		t.Fatal(err)
	}
	store, err := registry.Open(filepath.Join(cfg.OutputDir(), "registry.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	specs := []SimSpec{{ID: "m_1", Scene: "done", Met: "m"}, {ID: "m_2", Scene: "open", Met: "m"}, {ID: "m_3", Scene: "open", Met: "m"}}
	var rows []registry.Simulation
	for _, s := range specs {
		rows = append(rows, registry.Simulation{SimID: s.ID, Scene: s.Scene, Receptor: []byte(`{}`)})
	}
	ctx := context.Background()
	if _, err := store.Register(ctx, rows); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"m_1", "m_2"} {
		if err := store.CommitResult(ctx, registry.Result{SimID: id, Status: registry.StatusFailed, ErrorClass: "X"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, sc := range []string{"done", "open"} {
		if err := os.WriteFile(ScenePath(cfg, sc, "f"), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, write := range []bool{false, true} {
		if _, err := newSceneState(cfg, store, specs, write); err != nil {
			t.Fatal(err)
		}
		_, errDone := os.Stat(ScenePath(cfg, "done", "f"))
		_, errOpen := os.Stat(ScenePath(cfg, "open", "f"))
		if errDone != nil {
			t.Errorf("write=%v: the file of the finished scene was removed: %v", write, errDone)
		}
		if gone := os.IsNotExist(errOpen); gone != write {
			t.Errorf("write=%v: file of the unfinished scene removed = %v, want %v", write, gone, write)
		}
	}
}

// batchMemSink is memSink with group commits.
type batchMemSink struct {
	memSink
	groups []int
}

func (s *batchMemSink) CommitBatch(rs []Result) error {
	s.groups = append(s.groups, len(rs))
	for _, r := range rs {
		if err := s.Commit(r); err != nil {
			return err
		}
	}
	return nil
}

// TestCoordinatorGroupCommit: results waiting together are committed in one
// group and every one is acknowledged (the workers would hang otherwise).
func TestCoordinatorGroupCommit(t *testing.T) {
	const ranks = 4
	var ids []string
	for i := 0; i < 60; i++ {
		ids = append(ids, fmt.Sprintf("sim%03d", i))
	}
	sim := func(ctx context.Context, id string) Result {
		return Result{SimID: id, Status: StatusComplete}
	}
	world := newChanWorld(ranks)
	sink := &batchMemSink{memSink: memSink{running: map[string]int{}, committed: map[string]Result{}}}
	// a long idle sleep lets the three workers' results pile up
	co := &Coordinator{Comm: world[0], Sched: &listSched{ids: ids, size: 2}, Sink: sink, Idle: 5 * time.Millisecond}
	errs := make(chan error, ranks)
	for r := 1; r < ranks; r++ {
		go func(c *chanComm) { errs <- Worker(context.Background(), c, sim) }(world[r])
	}
	done := make(chan error, 1)
	go func() { done <- co.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("coordinator did not finish: a result was not acknowledged?")
	}
	for r := 1; r < ranks; r++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if sink.commits != len(ids) || len(sink.committed) != len(ids) {
		t.Fatalf("commits %d, distinct %d, want %d", sink.commits, len(sink.committed), len(ids))
	}
	if len(sink.groups) == 0 || co.Stats.Groups != len(sink.groups) {
		t.Errorf("group commits %v, stats %d: want at least one group with 3 workers and a 5 ms idle sleep", sink.groups, co.Stats.Groups)
	}
	for _, g := range sink.groups {
		if g < 2 || g > maxGroup {
			t.Errorf("group of %d results, want 2..%d", g, maxGroup)
		}
	}
	if co.Stats.Commits != len(ids) {
		t.Errorf("stats: %d commits, want %d", co.Stats.Commits, len(ids))
	}
}
