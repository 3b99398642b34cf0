package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestClaimDisjoint: concurrent workers claiming in small batches get
// disjoint sets whose union is every registered simulation.
func TestClaimDisjoint(t *testing.T) {
	ctx := context.Background()
	p := openPGTest(t, PostgresOptions{MaxConns: 10})
	const n, workers = 120, 8
	if _, err := p.Register(ctx, append(mkSims(n/2, "a"), mkSims(n/2, "b")...)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	owner := map[string]string{}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("w%d", w)
			for {
				sims, err := p.Claim(ctx, id, 3, time.Minute)
				if err != nil {
					errs[w] = err
					return
				}
				if len(sims) == 0 {
					return
				}
				mu.Lock()
				for _, s := range sims {
					if prev, ok := owner[s.SimID]; ok {
						errs[w] = fmt.Errorf("%s claimed by %s and %s", s.SimID, prev, id)
					}
					owner[s.SimID] = id
					if s.Status != StatusRunning || s.Attempts != 1 {
						errs[w] = fmt.Errorf("claimed row %s: status %s attempts %d", s.SimID, s.Status, s.Attempts)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if len(owner) != n {
		t.Fatalf("%d of %d simulations claimed", len(owner), n)
	}
	c, _ := p.Counts(ctx)
	if c.ByStatus[StatusRunning] != n {
		t.Fatalf("counts after draining: %+v", c.ByStatus)
	}
	if sims, err := p.Claim(ctx, "late", 5, time.Minute); err != nil || len(sims) != 0 {
		t.Fatalf("claim on an empty queue: %d sims, %v", len(sims), err)
	}
}

func TestClaimOrderAndRun(t *testing.T) {
	ctx := context.Background()
	p := openPGTest(t, PostgresOptions{})
	p.Register(ctx, append(mkSims(2, "b"), mkSims(2, "a")...))
	run, _ := p.BeginRun(ctx, RunInfo{Ranks: 1})
	sims, err := p.Claim(ctx, run.ID, 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(simIDs(sims), ","); got != "a_0000,a_0001,b_0000" {
		t.Fatalf("claim order %s: expected scene, met, sim id order", got)
	}
	if g, _ := p.Get(ctx, "a_0000"); g.RunID != run.ID || g.StartedAt.IsZero() {
		t.Fatalf("claimed by a run id: row %+v", g)
	}
	sims, _ = p.Claim(ctx, "not-a-run", 1, time.Minute)
	if len(sims) != 1 || sims[0].RunID != "" {
		t.Fatalf("claim by a plain worker id: %+v", sims)
	}
	for _, bad := range []struct {
		w     string
		n     int
		lease time.Duration
	}{{"", 1, time.Second}, {"w", 0, time.Second}, {"w", 1, 0}} {
		if _, err := p.Claim(ctx, bad.w, bad.n, bad.lease); err == nil {
			t.Errorf("Claim(%q, %d, %v) accepted", bad.w, bad.n, bad.lease)
		}
	}
	if n, _ := p.SceneRemaining(ctx, "a"); n != 2 {
		t.Fatalf("scene a remaining %d", n)
	}
	for _, id := range []string{"a_0000", "a_0001"} {
		if err := p.CommitClaimed(ctx, run.ID, Result{SimID: id, Status: StatusComplete}); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := p.SceneRemaining(ctx, "a"); n != 0 {
		t.Fatalf("scene a remaining %d after committing both", n)
	}
	if err := p.CommitClaimed(ctx, "intruder", Result{SimID: "b_0000", Status: StatusComplete}); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("commit by a worker that does not hold the claim: %v", err)
	}
}

// TestLeaseExpiry: a worker that stops heart-beating loses its claim, which
// another worker then gets; the first worker's late result is refused.
func TestLeaseExpiry(t *testing.T) {
	ctx := context.Background()
	p := openPGTest(t, PostgresOptions{MaxAttempts: 3})
	p.Register(ctx, mkSims(1, "a"))
	if s, err := p.Claim(ctx, "A", 1, 200*time.Millisecond); err != nil || len(s) != 1 {
		t.Fatalf("claim A: %v %v", s, err)
	}
	if s, _ := p.Claim(ctx, "B", 1, time.Minute); len(s) != 0 {
		t.Fatal("B got a simulation whose lease is still valid")
	}
	time.Sleep(400 * time.Millisecond)
	s, err := p.Claim(ctx, "B", 1, time.Minute)
	if err != nil || len(s) != 1 || s[0].Attempts != 2 {
		t.Fatalf("claim B after expiry: %+v %v", s, err)
	}
	if s[0].ErrorClass != "lease-expired" || !strings.Contains(s[0].ErrorMessage, "worker A") {
		t.Fatalf("expired claim's error not kept: %q %q", s[0].ErrorClass, s[0].ErrorMessage)
	}
	if err := p.Heartbeat(ctx, "A", []string{"a_0000"}, time.Minute); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("heartbeat of the lost claim: %v", err)
	}
	if err := p.CommitClaimed(ctx, "A", Result{SimID: "a_0000", Status: StatusComplete}); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("late commit of A: %v", err)
	}
	if err := p.CommitClaimed(ctx, "B", Result{SimID: "a_0000", Status: StatusComplete, Blobs: []Blob{{Name: "f", Data: []byte("b")}}}); err != nil {
		t.Fatal(err)
	}
	g, _ := p.Get(ctx, "a_0000")
	if g.Status != StatusComplete || g.Attempts != 2 || g.ErrorClass != "" {
		t.Fatalf("final row %+v", g)
	}
}

func TestHeartbeatKeepsLease(t *testing.T) {
	ctx := context.Background()
	p := openPGTest(t, PostgresOptions{})
	p.Register(ctx, mkSims(2, "a"))
	if _, err := p.Claim(ctx, "A", 2, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		time.Sleep(100 * time.Millisecond)
		if err := p.Heartbeat(ctx, "A", []string{"a_0000", "a_0001"}, 300*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if s, _ := p.Claim(ctx, "B", 2, time.Minute); len(s) != 0 {
			t.Fatalf("B claimed %v while A heart-beats", simIDs(s))
		}
	}
	err := p.Heartbeat(ctx, "A", []string{"a_0000", "zzz"}, time.Second)
	if !errors.Is(err, ErrLeaseLost) || !strings.Contains(err.Error(), "zzz") {
		t.Fatalf("heartbeat with an id not held: %v", err)
	}
	if err := p.Heartbeat(ctx, "A", []string{"a_0000"}, -time.Second); err == nil {
		t.Fatal("negative lease accepted")
	}
}

// TestBoundedAttempts: a simulation that keeps killing its workers is
// failed after MaxAttempts claims, with the last error kept.
func TestBoundedAttempts(t *testing.T) {
	ctx := context.Background()
	p := openPGTest(t, PostgresOptions{MaxAttempts: 2})
	p.Register(ctx, mkSims(2, "a"))
	for _, w := range []string{"A", "B"} {
		s, err := p.Claim(ctx, w, 1, 100*time.Millisecond)
		if err != nil || len(s) != 1 || s[0].SimID != "a_0000" {
			t.Fatalf("claim %s: %v %v", w, simIDs(s), err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if n, err := p.ReapExpired(ctx); err != nil || n != 1 {
		t.Fatalf("reap: %d %v", n, err)
	}
	g, _ := p.Get(ctx, "a_0000")
	if g.Status != StatusFailed || g.ErrorClass != "lease-expired" || !strings.Contains(g.ErrorMessage, "worker B") ||
		!strings.Contains(g.ErrorMessage, "attempt 2 of 2") || !strings.Contains(g.ErrorMessage, "worker A") || g.FinishedAt.IsZero() {
		t.Fatalf("after max attempts: %+v", g)
	}
	f, _ := p.Failures(ctx)
	if len(f) != 1 || f[0].Class != "lease-expired" {
		t.Fatalf("failures %+v", f)
	}
	// An interrupted result at the bound also fails; below it, requeues.
	s, _ := p.Claim(ctx, "C", 1, time.Minute)
	if err := p.CommitClaimed(ctx, "C", Result{SimID: s[0].SimID, Status: StatusPending, ErrorClass: "interrupted", ErrorMessage: "SIGTERM"}); err != nil {
		t.Fatal(err)
	}
	if g, _ := p.Get(ctx, "a_0001"); g.Status != StatusPending || g.Attempts != 1 {
		t.Fatalf("interrupted below the bound: %+v", g)
	}
	s, _ = p.Claim(ctx, "D", 1, time.Minute)
	p.CommitClaimed(ctx, "D", Result{SimID: s[0].SimID, Status: StatusPending, ErrorClass: "interrupted", ErrorMessage: "SIGTERM"})
	if g, _ := p.Get(ctx, "a_0001"); g.Status != StatusFailed || g.ErrorClass != "interrupted" || !strings.Contains(g.ErrorMessage, "SIGTERM") {
		t.Fatalf("interrupted at the bound: %+v", g)
	}
}

func TestRelease(t *testing.T) {
	ctx := context.Background()
	p := openPGTest(t, PostgresOptions{})
	p.Register(ctx, mkSims(4, "a"))
	p.Claim(ctx, "A", 3, time.Minute)
	p.Claim(ctx, "B", 1, time.Minute)
	if n, err := p.Release(ctx, "A", []string{"a_0001"}); err != nil || n != 1 {
		t.Fatalf("release one: %d %v", n, err)
	}
	if n, err := p.Release(ctx, "A", nil); err != nil || n != 2 {
		t.Fatalf("release rest: %d %v", n, err)
	}
	for _, id := range []string{"a_0000", "a_0001", "a_0002"} {
		g, _ := p.Get(ctx, id)
		if g.Status != StatusPending || g.Attempts != 0 || g.ErrorClass != "interrupted" {
			t.Fatalf("released %s: %+v", id, g)
		}
	}
	if g, _ := p.Get(ctx, "a_0003"); g.Status != StatusRunning {
		t.Fatalf("B's claim was released by A: %s", g.Status)
	}
}

// TestMarkStaleRunningSparesLiveLeases: reclaiming rows of dead batch runs
// must not take claims from live pull workers; expired claims are fair game.
func TestMarkStaleRunningSparesLiveLeases(t *testing.T) {
	ctx := context.Background()
	p := openPGTest(t, PostgresOptions{})
	p.Register(ctx, mkSims(4, "a"))
	dead, _ := p.BeginRun(ctx, RunInfo{Ranks: 1})
	worker, _ := p.BeginRun(ctx, RunInfo{Ranks: 1})
	cur, _ := p.BeginRun(ctx, RunInfo{Ranks: 1})
	p.MarkRunning(ctx, []string{"a_0000"}, 0, "h", dead.ID)
	if s, err := p.Claim(ctx, worker.ID, 1, time.Minute); err != nil || len(s) != 1 || s[0].SimID != "a_0001" {
		t.Fatalf("claim: %v %v", simIDs(s), err)
	}
	if s, err := p.Claim(ctx, "short", 1, 50*time.Millisecond); err != nil || len(s) != 1 {
		t.Fatalf("claim: %v %v", simIDs(s), err)
	}
	if pend, leased, err := p.Outstanding(ctx); err != nil || pend != 1 || leased != 2 {
		t.Fatalf("outstanding = %d pending, %d leased, %v", pend, leased, err)
	}
	time.Sleep(150 * time.Millisecond)
	n, err := p.MarkStaleRunning(ctx, cur.ID)
	if err != nil || n != 2 {
		t.Fatalf("reclaimed %d (%v), want 2 (the dead run's row and the expired claim)", n, err)
	}
	if g, _ := p.Get(ctx, "a_0001"); g.Status != StatusRunning {
		t.Fatalf("live claim reclaimed: %s", g.Status)
	}
	if r, _ := p.GetRun(ctx, worker.ID); r.Status != RunRunning {
		t.Fatalf("live worker's run marked %s", r.Status)
	}
	if r, _ := p.GetRun(ctx, dead.ID); r.Status != RunStale {
		t.Fatalf("dead run marked %s", r.Status)
	}
}

// TestConcurrentRegister: workers registering the same simulations at once
// insert each exactly once; the others report them as existing.
func TestConcurrentRegister(t *testing.T) {
	ctx := context.Background()
	p := openPGTest(t, PostgresOptions{MaxConns: 8})
	sims := mkSims(3000, "a")
	const k = 4
	reps := make([]RegisterReport, k)
	errs := make([]error, k)
	var wg sync.WaitGroup
	for i := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = p.Register(ctx, sims)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	inserted := 0
	for _, r := range reps {
		inserted += r.Inserted
		if r.Inserted+len(r.Existing) != len(sims) || len(r.Conflicts) != 0 {
			t.Fatalf("report: inserted %d existing %d conflicts %d", r.Inserted, len(r.Existing), len(r.Conflicts))
		}
	}
	t.Logf("inserted per registration: %d %d %d %d", reps[0].Inserted, reps[1].Inserted, reps[2].Inserted, reps[3].Inserted)
	if inserted != len(sims) {
		t.Fatalf("%d inserted in total, want %d", inserted, len(sims))
	}
	if c, _ := p.Counts(ctx); c.Total != len(sims) {
		t.Fatalf("total %d", c.Total)
	}
}
