package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a test double for time.Now that advances one second per call.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)} }

func openTest(t *testing.T) (*SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "registry.sqlite")
	o := DefaultOptions()
	o.Now = newClock().Now
	s, err := OpenWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func mkSims(n int, scene string) []Simulation {
	sims := make([]Simulation, n)
	for i := range sims {
		sims[i] = Simulation{
			SimID:      fmt.Sprintf("%s_%04d", scene, i),
			Scene:      scene,
			ReceptorID: fmt.Sprintf("r%d", i),
			Receptor:   json.RawMessage(fmt.Sprintf(`{"lon": -111.8, "lat": 40.7, "zagl": %d}`, i)),
			Met:        "hrrr_2024060112",
			Cost:       float64(100 * (i + 1)),
		}
	}
	return sims
}

func blobData(seed, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed*2654435761 + 1)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func TestOpenMigratesAndReopens(t *testing.T) {
	nested, err := Open(filepath.Join(t.TempDir(), "out", "deeper", "registry.sqlite"))
	if err != nil {
		t.Fatalf("open in a missing directory: %v", err)
	}
	nested.Close()
	s, path := openTest(t)
	var v int
	if err := s.DB().QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != SchemaVersion {
		t.Fatalf("user_version = %d (%v), want %d", v, err, SchemaVersion)
	}
	var mode string
	s.DB().QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal_mode %q", mode)
	}
	if _, err := s.Register(context.Background(), mkSims(3, "a")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	c, err := s2.Counts(context.Background())
	if err != nil || c.Total != 3 {
		t.Fatalf("after reopen total=%d err=%v", c.Total, err)
	}
	// A file from the future is refused.
	s2.DB().Exec(`PRAGMA user_version = 99`)
	s2.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opening a newer schema: err = %v", err)
	}
}

func TestRegisterIdempotent(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	sims := mkSims(4, "a")
	rep, err := s.Register(ctx, append(sims, sims[1]))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 4 || len(rep.Duplicates) != 1 || rep.Duplicates[0] != sims[1].SimID {
		t.Fatalf("first register: %+v", rep)
	}
	changed := sims[2]
	changed.Met = "other"
	rep, err = s.Register(ctx, []Simulation{sims[0], changed})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 0 || len(rep.Existing) != 1 || len(rep.Conflicts) != 1 || rep.Conflicts[0] != changed.SimID {
		t.Fatalf("second register: %+v", rep)
	}
	got, _ := s.Get(ctx, changed.SimID)
	if got.Met != sims[2].Met {
		t.Fatalf("conflicting register changed the row: met %q", got.Met)
	}
	bad := []Simulation{{SimID: "x", Receptor: json.RawMessage(`{not json`)}}
	if _, err := s.Register(ctx, bad); err == nil {
		t.Fatal("invalid receptor JSON accepted")
	}
	if _, err := s.Register(ctx, []Simulation{{SimID: ""}}); err == nil {
		t.Fatal("empty sim id accepted")
	}
	if c, _ := s.Counts(ctx); c.Total != 4 {
		t.Fatalf("failed registrations left rows: total %d", c.Total)
	}
}

func TestTransitions(t *testing.T) {
	ctx := context.Background()
	type step struct {
		name    string
		do      func(s *SQLite, run string) error
		wantErr error // nil: success
		want    Status
	}
	mark := func(s *SQLite, run string) error { return s.MarkRunning(ctx, []string{"a_0000"}, 3, "node7", run) }
	commit := func(st Status, class string, blobs ...Blob) func(*SQLite, string) error {
		return func(s *SQLite, run string) error {
			return s.CommitResult(ctx, Result{SimID: "a_0000", RunID: run, Status: st, ErrorClass: class,
				ErrorMessage: "msg", Rank: 3, Host: "node7", Engine: "native", Blobs: blobs, TransportS: 1.5})
		}
	}
	foot := Blob{Name: "foot", Data: blobData(1, 1000)}
	cases := []struct {
		name  string
		steps []step
	}{
		{"complete", []step{
			{"run", mark, nil, StatusRunning},
			{"commit", commit(StatusComplete, "", foot), nil, StatusComplete},
			{"run again", mark, ErrState, StatusComplete},
			{"late failure", commit(StatusFailed, "timeout"), ErrState, StatusComplete},
		}},
		{"empty", []step{
			{"run", mark, nil, StatusRunning},
			{"commit", commit(StatusCompleteEmpty, ""), nil, StatusCompleteEmpty},
		}},
		{"failed then retried", []step{
			{"run", mark, nil, StatusRunning},
			{"fail", commit(StatusFailed, "met-missing"), nil, StatusFailed},
			{"run failed", mark, ErrState, StatusFailed},
			{"reset failed", func(s *SQLite, _ string) error { _, err := s.Reset(ctx, ResetFailed); return err }, nil, StatusPending},
			{"run", mark, nil, StatusRunning},
			{"commit", commit(StatusComplete, "", foot), nil, StatusComplete},
		}},
		{"interrupted", []step{
			{"run", mark, nil, StatusRunning},
			{"interrupt", commit(StatusPending, "interrupted"), nil, StatusPending},
			{"run", mark, nil, StatusRunning},
		}},
		{"reset all", []step{
			{"run", mark, nil, StatusRunning},
			{"commit", commit(StatusComplete, "", foot), nil, StatusComplete},
			{"reset", func(s *SQLite, _ string) error { _, err := s.Reset(ctx, ResetAll); return err }, nil, StatusPending},
		}},
		{"bad status", []step{
			{"commit running", commit(StatusRunning, ""), nil, StatusPending},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTest(t)
			if _, err := s.Register(ctx, mkSims(2, "a")); err != nil {
				t.Fatal(err)
			}
			run, err := s.BeginRun(ctx, RunInfo{Ranks: 4, ConfigHash: "abc", Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range tc.steps {
				err := st.do(s, run.ID)
				switch {
				case st.wantErr == nil && tc.name != "bad status" && err != nil:
					t.Fatalf("%s: %v", st.name, err)
				case st.wantErr != nil && !errors.Is(err, st.wantErr):
					t.Fatalf("%s: err = %v, want %v", st.name, err, st.wantErr)
				case tc.name == "bad status" && err == nil:
					t.Fatalf("%s: accepted", st.name)
				}
				got, err := s.Get(ctx, "a_0000")
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != st.want {
					t.Fatalf("%s: status %s, want %s", st.name, got.Status, st.want)
				}
			}
			// The other simulation was never touched.
			other, _ := s.Get(ctx, "a_0001")
			if other.Status != StatusPending || other.Attempts != 0 || other.Rank != -1 {
				t.Fatalf("untouched sim changed: %+v", other)
			}
		})
	}
}

func TestCommitRecordsEverything(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	s.Register(ctx, mkSims(1, "a"))
	run, _ := s.BeginRun(ctx, RunInfo{Ranks: 2})
	if err := s.MarkRunning(ctx, []string{"a_0000"}, 1, "h1", run.ID); err != nil {
		t.Fatal(err)
	}
	blobs := []Blob{{Name: "foot", Data: blobData(1, 5000)}, {Name: "foot_error", Data: blobData(2, 300)}}
	outs := []Output{{Name: "foot.nc", Path: "simulations/a_0000/a_0000_foot.nc", Bytes: 123, SHA256: sha256Hex([]byte("x"))}}
	err := s.CommitResult(ctx, Result{SimID: "a_0000", RunID: run.ID, Status: StatusComplete, Rank: 1, Host: "h1",
		Engine: "hysplit", TransportS: 2.5, FootprintS: 0.25, Blobs: blobs, Outputs: outs})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, "a_0000")
	if got.Attempts != 1 || got.Rank != 1 || got.Host != "h1" || got.Engine != "hysplit" || got.RunID != run.ID ||
		got.TransportS != 2.5 || got.FootprintS != 0.25 || got.NumBlobs != 2 || len(got.Outputs) != 1 ||
		got.Outputs[0] != outs[0] || got.StartedAt.IsZero() || !got.FinishedAt.After(got.StartedAt) {
		t.Fatalf("row: %+v", got)
	}
	loaded, err := s.LoadBlobs(ctx, "a_0000")
	if err != nil || len(loaded) != 2 {
		t.Fatalf("load: %v (%d blobs)", err, len(loaded))
	}
	for i, b := range loaded { // ordered by name: foot, foot_error
		if b.Name != blobs[i].Name || !bytes.Equal(b.Data, blobs[i].Data) || b.SHA256 != sha256Hex(blobs[i].Data) {
			t.Fatalf("blob %d differs", i)
		}
	}
	if ok, err := s.Done(ctx, "a_0000"); !ok || err != nil {
		t.Fatalf("done = %v, %v", ok, err)
	}
	if err := s.EndRun(ctx, run.ID, RunComplete); err != nil {
		t.Fatal(err)
	}
	r, err := s.GetRun(ctx, run.ID)
	if err != nil || r.Status != RunComplete || r.End.IsZero() || r.Ranks != 2 {
		t.Fatalf("run: %+v %v", r, err)
	}
	if err := s.EndRun(ctx, "nope", RunComplete); !errors.Is(err, ErrNotFound) {
		t.Fatalf("end unknown run: %v", err)
	}
	if err := s.CommitResult(ctx, Result{SimID: "nope", Status: StatusComplete}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("commit unknown sim: %v", err)
	}
	if err := s.MarkRunning(ctx, []string{"nope"}, 0, "h", run.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("mark unknown sim: %v", err)
	}
	s.Register(ctx, []Simulation{{SimID: "b"}})
	if err := s.MarkRunning(ctx, []string{"b"}, 0, "h", "no-such-run"); err == nil {
		t.Fatal("MarkRunning with a run that was never begun accepted")
	}
	if got, _ := s.Get(ctx, "b"); got.Status != StatusPending {
		t.Fatalf("rejected MarkRunning changed status to %s", got.Status)
	}
}

func TestChecksumMismatchDetected(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		corrupt string // SQL applied to the stored blob of a_0000
	}{
		{"flipped byte", `UPDATE blobs SET data = zeroblob(length(data)) WHERE sim_id = 'a_0000'`},
		{"wrong recorded hash", `UPDATE blobs SET sha256 = '00' || substr(sha256, 3) WHERE sim_id = 'a_0000'`},
		{"truncated", `UPDATE blobs SET data = substr(data, 1, 10) WHERE sim_id = 'a_0000'`},
		{"missing blob", `DELETE FROM blobs WHERE sim_id = 'a_0000' AND name = 'foot'`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTest(t)
			s.Register(ctx, mkSims(2, "a"))
			run, _ := s.BeginRun(ctx, RunInfo{Ranks: 1})
			s.MarkRunning(ctx, []string{"a_0000", "a_0001"}, 0, "h", run.ID)
			for i, id := range []string{"a_0000", "a_0001"} {
				err := s.CommitResult(ctx, Result{SimID: id, Status: StatusComplete,
					Blobs: []Blob{{Name: "foot", Data: blobData(i+1, 2000)}, {Name: "z", Data: []byte("z")}}})
				if err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.DB().Exec(tc.corrupt); err != nil {
				t.Fatal(err)
			}
			if _, err := s.LoadBlobs(ctx, "a_0000"); !errors.Is(err, ErrChecksum) {
				t.Fatalf("LoadBlobs: err = %v, want ErrChecksum", err)
			}
			if ok, err := s.Done(ctx, "a_0000"); ok || !errors.Is(err, ErrChecksum) {
				t.Fatalf("Done = %v, %v", ok, err)
			}
			if ok, err := s.Done(ctx, "a_0001"); !ok || err != nil {
				t.Fatalf("intact sim: Done = %v, %v", ok, err)
			}
			bad, err := s.RequeueCorrupt(ctx)
			if err != nil || len(bad) != 1 || bad[0] != "a_0000" {
				t.Fatalf("RequeueCorrupt = %v, %v", bad, err)
			}
			got, _ := s.Get(ctx, "a_0000")
			if got.Status != StatusPending || got.ErrorClass != "checksum" {
				t.Fatalf("after requeue: %s %s", got.Status, got.ErrorClass)
			}
		})
	}
	t.Run("sender hash", func(t *testing.T) {
		s, _ := openTest(t)
		s.Register(ctx, mkSims(1, "a"))
		err := s.CommitResult(ctx, Result{SimID: "a_0000", Status: StatusComplete,
			Blobs: []Blob{{Name: "foot", Data: []byte("abc"), SHA256: sha256Hex([]byte("abd"))}}})
		if !errors.Is(err, ErrChecksum) {
			t.Fatalf("err = %v", err)
		}
		if got, _ := s.Get(ctx, "a_0000"); got.Status != StatusPending {
			t.Fatalf("rejected commit changed status to %s", got.Status)
		}
	})
}

func TestMarkStaleRunning(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	s.Register(ctx, mkSims(6, "a"))
	r1, _ := s.BeginRun(ctx, RunInfo{Ranks: 2})
	r2, _ := s.BeginRun(ctx, RunInfo{Ranks: 2})
	r3, _ := s.BeginRun(ctx, RunInfo{Ranks: 2})
	r4, _ := s.BeginRun(ctx, RunInfo{Ranks: 2}) // died before running anything
	s.MarkRunning(ctx, []string{"a_0000", "a_0001"}, 1, "h", r1.ID)
	s.MarkRunning(ctx, []string{"a_0002"}, 1, "h", r2.ID)
	s.MarkRunning(ctx, []string{"a_0003"}, 1, "h", r3.ID)
	n, err := s.MarkStaleRunning(ctx, r3.ID, r2.ID)
	if err != nil || n != 1 {
		t.Fatalf("dead r2: n=%d err=%v", n, err)
	}
	if got, _ := s.GetRun(ctx, r2.ID); got.Status != RunStale {
		t.Fatalf("r2 status %s", got.Status)
	}
	n, err = s.MarkStaleRunning(ctx, r3.ID)
	if err != nil || n != 2 {
		t.Fatalf("all but current: n=%d err=%v", n, err)
	}
	c, _ := s.Counts(ctx)
	if c.ByStatus[StatusRunning] != 1 || c.ByStatus[StatusPending] != 5 {
		t.Fatalf("counts %+v", c.ByStatus)
	}
	for _, r := range []Run{r1, r4} {
		if got, _ := s.GetRun(ctx, r.ID); got.Status != RunStale || got.End.IsZero() {
			t.Fatalf("run %s: %s, end %v", r.ID, got.Status, got.End)
		}
	}
	if got, _ := s.GetRun(ctx, r3.ID); got.Status != RunRunning {
		t.Fatalf("current run marked %s", got.Status)
	}
	if got, _ := s.Get(ctx, "a_0000"); got.ErrorClass != "stale" || got.Attempts != 1 {
		t.Fatalf("reclaimed row: %+v", got)
	}
	if _, err := s.MarkStaleRunning(ctx, r3.ID, r3.ID); err == nil {
		t.Fatal("current run accepted as dead")
	}
}

func TestCountsFailuresAndStatusFormat(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	s.Register(ctx, append(mkSims(5, "a"), mkSims(3, "b")...))
	run, _ := s.BeginRun(ctx, RunInfo{Ranks: 1})
	ids := []string{"a_0000", "a_0001", "a_0002", "b_0000", "b_0001"}
	if err := s.MarkRunning(ctx, ids, 0, "h", run.ID); err != nil {
		t.Fatal(err)
	}
	results := []Result{
		{SimID: "a_0000", Status: StatusComplete, Blobs: []Blob{{Name: "f", Data: []byte{1}}}},
		{SimID: "a_0001", Status: StatusFailed, ErrorClass: "timeout", ErrorMessage: "killed after 600 s"},
		{SimID: "a_0002", Status: StatusFailed, ErrorClass: "met-missing", ErrorMessage: "no met"},
		{SimID: "b_0000", Status: StatusFailed, ErrorClass: "timeout", ErrorMessage: "killed after 600 s"},
		{SimID: "b_0001", Status: StatusCompleteEmpty},
	}
	for _, r := range results {
		if err := s.CommitResult(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Status]int{StatusComplete: 1, StatusCompleteEmpty: 1, StatusFailed: 3, StatusPending: 3}
	for st, n := range want {
		if c.ByStatus[st] != n {
			t.Errorf("%s = %d, want %d", st, c.ByStatus[st], n)
		}
	}
	if c.Total != 8 || c.ByScene["a"][StatusFailed] != 2 || c.ByScene["b"][StatusPending] != 1 {
		t.Fatalf("counts %+v", c)
	}
	f, err := s.Failures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(f) != 2 || f[0].Class != "timeout" || f[0].Count != 2 || strings.Join(f[0].SimIDs, ",") != "a_0001,b_0000" ||
		f[1].Class != "met-missing" || f[1].Example != "no met" {
		t.Fatalf("failures %+v", f)
	}
	var txt bytes.Buffer
	if err := FormatStatus(&txt, c, f, false); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"total=8", "failed=3", "complete-empty=1", "scene a", "scene b", "timeout", "met-missing"} {
		if !strings.Contains(txt.String(), w) {
			t.Errorf("text status lacks %q:\n%s", w, txt.String())
		}
	}
	var js bytes.Buffer
	if err := FormatStatus(&js, c, f, true); err != nil {
		t.Fatal(err)
	}
	var back statusJSON
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Counts.Total != 8 || back.Counts.ByScene["b"][StatusCompleteEmpty] != 1 || len(back.Failures) != 2 {
		t.Fatalf("json status round trip: %+v", back)
	}
}

func TestMeasuredDurations(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t) // fake clock: +1 s per call
	s.Register(ctx, mkSims(2, "a"))
	run, _ := s.BeginRun(ctx, RunInfo{Ranks: 1})
	s.MarkRunning(ctx, []string{"a_0000", "a_0001"}, 0, "h", run.ID)
	t0, _ := s.Get(ctx, "a_0000")
	fin := t0.StartedAt.Add(42 * time.Second)
	s.CommitResult(ctx, Result{SimID: "a_0000", Status: StatusComplete, FinishedAt: fin})
	s.CommitResult(ctx, Result{SimID: "a_0001", Status: StatusFailed, ErrorClass: "x"})
	m, err := s.MeasuredDurations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || m[0].SimID != "a_0000" || m[0].Seconds != 42 || m[0].Cost != 100 || m[0].Scene != "a" {
		t.Fatalf("measured %+v", m)
	}
}

// TestConcurrentReader reads with its own read-only connection while the
// writer commits: every snapshot must be consistent (constant total, complete
// count never decreasing, every visible complete sim's blobs verify).
func TestConcurrentReader(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	const n = 60
	s.Register(ctx, mkSims(n, "a"))
	run, _ := s.BeginRun(ctx, RunInfo{Ranks: 1})
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Register(ctx, mkSims(1, "z")); err == nil {
		t.Fatal("read-only registry accepted a write")
	}
	done := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("a_%04d", i)
			if err := s.MarkRunning(ctx, []string{id}, 0, "h", run.ID); err != nil {
				done <- err
				return
			}
			if err := s.CommitResult(ctx, Result{SimID: id, Status: StatusComplete,
				Blobs: []Blob{{Name: "foot", Data: blobData(i, 20000)}}}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	last, reads := 0, 0
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			finished = true
		default:
		}
		c, err := r.Counts(ctx)
		if err != nil {
			t.Fatalf("reader: %v", err)
		}
		reads++
		if c.Total != n {
			t.Fatalf("reader saw total %d", c.Total)
		}
		if c.ByStatus[StatusComplete] < last {
			t.Fatalf("complete count went back from %d to %d", last, c.ByStatus[StatusComplete])
		}
		last = c.ByStatus[StatusComplete]
		if last > 0 {
			id := fmt.Sprintf("a_%04d", last-1)
			if ok, err := r.Done(ctx, id); !ok || err != nil {
				t.Fatalf("reader: %s done=%v err=%v", id, ok, err)
			}
		}
	}
	c, _ := r.Counts(ctx)
	if c.ByStatus[StatusComplete] != n {
		t.Fatalf("final complete %d", c.ByStatus[StatusComplete])
	}
	t.Logf("%d consistent reads during %d commits", reads, n)
}

// dump returns every row of the data tables, for comparing registries.
func dump(t *testing.T, s *SQLite) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT ` + runCols + ` FROM runs ORDER BY run_id`,
		`SELECT ` + simCols + ` FROM sims ORDER BY sim_id`,
		`SELECT sim_id, name, bytes, sha256, hex(data) FROM blobs ORDER BY sim_id, name`,
		`SELECT sim_id, name, path, bytes, sha256 FROM outputs ORDER BY sim_id, name`,
	} {
		rows, err := s.DB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			v := make([]any, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			rows.Scan(p...)
			fmt.Fprintln(&b, v...)
		}
		rows.Close()
	}
	return b.String()
}

func TestMergeShards(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	all := mkSims(10, "a")
	main, err := Open(filepath.Join(dir, "main.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer main.Close()
	// The main registry knows all sims; one of them already failed there.
	main.Register(ctx, all)
	mrun, _ := main.BeginRun(ctx, RunInfo{Ranks: 1})
	main.MarkRunning(ctx, []string{"a_0009"}, 0, "h", mrun.ID)
	main.CommitResult(ctx, Result{SimID: "a_0009", Status: StatusComplete, Blobs: []Blob{{Name: "f", Data: []byte("main")}}})

	var shards []string
	for k := 0; k < 2; k++ {
		p := filepath.Join(dir, fmt.Sprintf("shard%d.sqlite", k))
		shards = append(shards, p)
		sh, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		var mine []Simulation
		for i, sim := range all {
			if i%2 == k {
				mine = append(mine, sim)
			}
		}
		sh.Register(ctx, append(mine, Simulation{SimID: fmt.Sprintf("extra_%d", k), Scene: "x"}))
		run, _ := sh.BeginRun(ctx, RunInfo{Ranks: 1})
		for _, sim := range mine[:3] {
			sh.MarkRunning(ctx, []string{sim.SimID}, k, "node", run.ID)
			st := StatusComplete
			r := Result{SimID: sim.SimID, RunID: run.ID, Status: st, Blobs: []Blob{{Name: "foot", Data: blobData(k, 3000)}}}
			if sim.SimID == "a_0002" {
				r = Result{SimID: sim.SimID, RunID: run.ID, Status: StatusFailed, ErrorClass: "timeout"}
			}
			if err := sh.CommitResult(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		// The shard also ran a_0009 and failed: main's complete row must win.
		if k == 1 {
			sh.MarkRunning(ctx, []string{"a_0009"}, k, "node", run.ID)
			sh.CommitResult(ctx, Result{SimID: "a_0009", Status: StatusFailed, ErrorClass: "boom"})
		}
		sh.EndRun(ctx, run.ID, RunComplete)
		sh.Close()
	}
	for _, p := range shards {
		rep, err := main.Merge(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Inserted != 1 || rep.Runs != 1 {
			t.Fatalf("merge %s: %+v", p, rep)
		}
	}
	c, _ := main.Counts(ctx)
	if c.Total != 12 || c.ByStatus[StatusComplete] != 6 || c.ByStatus[StatusFailed] != 1 || c.ByStatus[StatusPending] != 5 {
		t.Fatalf("after merge: %+v", c.ByStatus)
	}
	if ok, err := main.Done(ctx, "a_0004"); !ok || err != nil {
		t.Fatalf("merged sim not done: %v %v", ok, err)
	}
	if b, _ := main.LoadBlobs(ctx, "a_0009"); len(b) != 1 || string(b[0].Data) != "main" {
		t.Fatal("a later shard failure replaced a complete result")
	}
	before := dump(t, main)
	for _, p := range shards {
		rep, err := main.Merge(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Inserted != 0 || rep.Updated != 0 || rep.Runs != 0 {
			t.Fatalf("second merge changed something: %+v", rep)
		}
	}
	if after := dump(t, main); after != before {
		t.Fatal("merging twice changed the registry")
	}
	if _, err := main.Merge(ctx, main.Path()); err == nil {
		t.Fatal("self merge accepted")
	}
	var ic string
	main.DB().QueryRow(`PRAGMA integrity_check`).Scan(&ic)
	if ic != "ok" {
		t.Fatalf("integrity_check: %s", ic)
	}
}

func TestCommitResultsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	s.Register(ctx, mkSims(3, "a"))
	good := Result{SimID: "a_0000", Status: StatusComplete, Blobs: []Blob{{Name: "f", Data: []byte("x")}}}
	cases := []struct {
		name string
		bad  Result
	}{
		{"unknown sim", Result{SimID: "zzz", Status: StatusComplete}},
		{"bad status", Result{SimID: "a_0001", Status: "done"}},
		{"repeated blob name", Result{SimID: "a_0001", Status: StatusComplete,
			Blobs: []Blob{{Name: "f", Data: []byte("1")}, {Name: "f", Data: []byte("2")}}}},
	}
	for _, tc := range cases {
		if err := s.CommitResults(ctx, []Result{good, tc.bad}); err == nil {
			t.Fatalf("%s: accepted", tc.name)
		}
		if got, _ := s.Get(ctx, "a_0000"); got.Status != StatusPending {
			t.Fatalf("%s: the good result of a rejected group was written", tc.name)
		}
	}
	if err := s.CommitResults(ctx, []Result{good, {SimID: "a_0001", Status: StatusFailed}}); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Counts(ctx)
	if c.ByStatus[StatusComplete] != 1 || c.ByStatus[StatusFailed] != 1 {
		t.Fatalf("group commit: %+v", c.ByStatus)
	}
	if f, _ := s.Failures(ctx); len(f) != 1 || f[0].Class != "unknown" {
		t.Fatalf("failure without a class: %+v", f)
	}
}

func TestSingleWriterLock(t *testing.T) {
	s, path := openTest(t)
	if _, err := Open(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second writer: err = %v, want ErrLocked", err)
	}
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatalf("reader while a writer holds the lock: %v", err)
	}
	r.Close()
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatalf("writer after the first closed: %v", err)
	}
	s2.Close()
}

func TestVerifyOutputs(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	base := t.TempDir()
	rel := filepath.Join("simulations", "a_0000", "a_0000_foot.nc")
	full := filepath.Join(base, rel)
	os.MkdirAll(filepath.Dir(full), 0o755)
	if err := os.WriteFile(full, blobData(3, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := FileOutput("foot.nc", full, rel)
	if err != nil {
		t.Fatal(err)
	}
	if out.Bytes != 4096 || out.SHA256 != sha256Hex(blobData(3, 4096)) {
		t.Fatalf("FileOutput: %+v", out)
	}
	s.Register(ctx, mkSims(1, "a"))
	if err := s.CommitResult(ctx, Result{SimID: "a_0000", Status: StatusComplete, Outputs: []Output{out}}); err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyOutputs(ctx, "a_0000", base); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(full, blobData(4, 4096), 0o644)
	if err := s.VerifyOutputs(ctx, "a_0000", base); !errors.Is(err, ErrChecksum) {
		t.Fatalf("changed file: %v", err)
	}
	os.Remove(full)
	if err := s.VerifyOutputs(ctx, "a_0000", base); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}
