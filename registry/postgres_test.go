package registry

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/registry/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// backend is one Store implementation under the shared conformance tests.
type backend struct {
	name string
	open func(t *testing.T) Store
	// exec runs raw SQL against the store (to corrupt it on purpose).
	exec func(t *testing.T, s Store, q string)
	// corrupt holds back-end specific SQL for the checksum tests.
	corrupt map[string]string
}

func openPGTest(t *testing.T, o PostgresOptions) *Postgres {
	t.Helper()
	url := pgtest.URL(t)
	if o.Now == nil {
		o.Now = newClock().Now
	}
	p, err := OpenPostgresWith(context.Background(), url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

var backends = []backend{
	{
		name: "sqlite",
		open: func(t *testing.T) Store { s, _ := openTest(t); return s },
		exec: func(t *testing.T, s Store, q string) {
			if _, err := s.(*SQLite).DB().Exec(q); err != nil {
				t.Fatal(err)
			}
		},
		corrupt: map[string]string{
			"flipped byte":        `UPDATE blobs SET data = zeroblob(length(data)) WHERE sim_id = 'a_0000'`,
			"wrong recorded hash": `UPDATE blobs SET sha256 = '00' || substr(sha256, 3) WHERE sim_id = 'a_0000'`,
			"truncated":           `UPDATE blobs SET data = substr(data, 1, 10) WHERE sim_id = 'a_0000'`,
			"missing blob":        `DELETE FROM blobs WHERE sim_id = 'a_0000' AND name = 'foot'`,
		},
	},
	{
		name: "postgres",
		open: func(t *testing.T) Store { return openPGTest(t, PostgresOptions{}) },
		exec: func(t *testing.T, s Store, q string) {
			if _, err := s.(*Postgres).Pool().Exec(context.Background(), q); err != nil {
				t.Fatal(err)
			}
		},
		corrupt: map[string]string{
			"flipped byte":        `UPDATE blobs SET data = decode(repeat('00', length(data)), 'hex') WHERE sim_id = 'a_0000'`,
			"wrong recorded hash": `UPDATE blobs SET sha256 = '00' || substr(sha256, 3) WHERE sim_id = 'a_0000'`,
			"truncated":           `UPDATE blobs SET data = substr(data, 1, 10) WHERE sim_id = 'a_0000'`,
			"missing blob":        `DELETE FROM blobs WHERE sim_id = 'a_0000' AND name = 'foot'`,
		},
	},
}

// forEachBackend runs fn as a subtest per back end.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

func TestStoreRegisterIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t)
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
		// The same receptor with other spacing is the same receptor.
		respaced := sims[0]
		respaced.Receptor = []byte(strings.ReplaceAll(string(sims[0].Receptor), " ", "  "))
		rep, err = s.Register(ctx, []Simulation{respaced, changed})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Inserted != 0 || len(rep.Existing) != 1 || len(rep.Conflicts) != 1 || rep.Conflicts[0] != changed.SimID {
			t.Fatalf("second register: %+v", rep)
		}
		got, _ := s.Get(ctx, changed.SimID)
		if got.Met != sims[2].Met || got.Status != StatusPending || got.Rank != -1 || got.QueuedAt.IsZero() {
			t.Fatalf("conflicting register changed the row or row incomplete: %+v", got)
		}
		if string(got.Receptor) != `{"lon":-111.8,"lat":40.7,"zagl":2}` {
			t.Fatalf("stored receptor %s: expected compact JSON in input key order", got.Receptor)
		}
		for _, bad := range [][]Simulation{
			{{SimID: "x", Receptor: []byte(`{not json`)}},
			{{SimID: ""}},
			{{SimID: "y", Cost: -1}},
		} {
			if _, err := s.Register(ctx, bad); err == nil {
				t.Fatalf("invalid simulation %+v accepted", bad[0])
			}
		}
		if c, _ := s.Counts(ctx); c.Total != 4 {
			t.Fatalf("failed registrations left rows: total %d", c.Total)
		}
	})
}

func TestStoreTransitions(t *testing.T) {
	ctx := context.Background()
	type step struct {
		name    string
		do      func(s Store, run string) error
		wantErr error // nil: success
		want    Status
	}
	mark := func(s Store, run string) error { return s.MarkRunning(ctx, []string{"a_0000"}, 3, "node7", run) }
	commit := func(st Status, class string, blobs ...Blob) func(Store, string) error {
		return func(s Store, run string) error {
			return s.CommitResult(ctx, Result{SimID: "a_0000", RunID: run, Status: st, ErrorClass: class,
				ErrorMessage: "msg", Rank: 3, Host: "node7", Engine: "native", Blobs: blobs, TransportS: 1.5})
		}
	}
	reset := func(scope ResetScope) func(Store, string) error {
		return func(s Store, _ string) error { _, err := s.Reset(ctx, scope); return err }
	}
	foot := Blob{Name: "foot", Data: blobData(1, 1000)}
	errAny := errors.New("any error")
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
			{"reset failed", reset(ResetFailed), nil, StatusPending},
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
			{"reset", reset(ResetAll), nil, StatusPending},
		}},
		{"bad status", []step{
			{"commit running", commit(StatusRunning, ""), errAny, StatusPending},
		}},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s := b.open(t)
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
					case st.wantErr == nil && err != nil:
						t.Fatalf("%s: %v", st.name, err)
					case st.wantErr == errAny && err == nil:
						t.Fatalf("%s: accepted", st.name)
					case st.wantErr != nil && st.wantErr != errAny && !errors.Is(err, st.wantErr):
						t.Fatalf("%s: err = %v, want %v", st.name, err, st.wantErr)
					}
					got, err := s.Get(ctx, "a_0000")
					if err != nil {
						t.Fatal(err)
					}
					if got.Status != st.want {
						t.Fatalf("%s: status %s, want %s", st.name, got.Status, st.want)
					}
				}
				other, _ := s.Get(ctx, "a_0001")
				if other.Status != StatusPending || other.Attempts != 0 || other.Rank != -1 {
					t.Fatalf("untouched sim changed: %+v", other)
				}
			})
		}
	})
}

func TestStoreCommitRecordsEverything(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t)
		ctx := context.Background()
		s.Register(ctx, mkSims(1, "a"))
		run, _ := s.BeginRun(ctx, RunInfo{Ranks: 2})
		if err := s.MarkRunning(ctx, []string{"a_0000"}, 1, "h1", run.ID); err != nil {
			t.Fatal(err)
		}
		blobs := []Blob{{Name: "foot", Data: blobData(1, 5000)}, {Name: "foot_error", Data: blobData(2, 300)}, {Name: "empty"}}
		outs := []Output{{Name: "foot.nc", Path: "simulations/a_0000/a_0000_foot.nc", Bytes: 123, SHA256: sha256Hex([]byte("x"))}}
		err := s.CommitResult(ctx, Result{SimID: "a_0000", RunID: run.ID, Status: StatusComplete, Rank: 1, Host: "h1",
			Engine: "hysplit", TransportS: 2.5, FootprintS: 0.25, Blobs: blobs, Outputs: outs})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.Get(ctx, "a_0000")
		if got.Attempts != 1 || got.Rank != 1 || got.Host != "h1" || got.Engine != "hysplit" || got.RunID != run.ID ||
			got.TransportS != 2.5 || got.FootprintS != 0.25 || got.NumBlobs != 3 || len(got.Outputs) != 1 ||
			got.Outputs[0] != outs[0] || got.StartedAt.IsZero() || !got.FinishedAt.After(got.StartedAt) {
			t.Fatalf("row: %+v", got)
		}
		loaded, err := s.LoadBlobs(ctx, "a_0000")
		if err != nil || len(loaded) != 3 {
			t.Fatalf("load: %v (%d blobs)", err, len(loaded))
		}
		want := append([]Blob(nil), blobs...)
		sort.Slice(want, func(i, j int) bool { return want[i].Name < want[j].Name })
		for i, b := range loaded {
			if b.Name != want[i].Name || string(b.Data) != string(want[i].Data) || b.SHA256 != sha256Hex(want[i].Data) {
				t.Fatalf("blob %d (%s) differs", i, b.Name)
			}
		}
		if ok, err := s.Done(ctx, "a_0000"); !ok || err != nil {
			t.Fatalf("done = %v, %v", ok, err)
		}
		if err := s.EndRun(ctx, run.ID, RunComplete); err != nil {
			t.Fatal(err)
		}
		r, err := s.GetRun(ctx, run.ID)
		if err != nil || r.Status != RunComplete || r.End.IsZero() || r.Ranks != 2 || !r.Start.Equal(run.Start) {
			t.Fatalf("run: %+v (begun %+v) %v", r, run, err)
		}
		for name, err := range map[string]error{
			"end unknown run":    s.EndRun(ctx, "nope", RunComplete),
			"get unknown run":    func() error { _, err := s.GetRun(ctx, "nope"); return err }(),
			"commit unknown sim": s.CommitResult(ctx, Result{SimID: "nope", Status: StatusComplete}),
			"mark unknown sim":   s.MarkRunning(ctx, []string{"nope"}, 0, "h", run.ID),
			"get unknown sim":    func() error { _, err := s.Get(ctx, "nope"); return err }(),
			"blobs unknown sim":  func() error { _, err := s.LoadBlobs(ctx, "nope"); return err }(),
		} {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", name, err)
			}
		}
		s.Register(ctx, []Simulation{{SimID: "b"}})
		if err := s.MarkRunning(ctx, []string{"b"}, 0, "h", "no-such-run"); err == nil {
			t.Fatal("MarkRunning with a run that was never begun accepted")
		}
		if got, _ := s.Get(ctx, "b"); got.Status != StatusPending {
			t.Fatalf("rejected MarkRunning changed status to %s", got.Status)
		}
	})
}

func TestStoreChecksumMismatchDetected(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, b backend) {
		names := make([]string, 0, len(b.corrupt))
		for n := range b.corrupt {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			t.Run(name, func(t *testing.T) {
				s := b.open(t)
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
				b.exec(t, s, b.corrupt[name])
				if _, err := s.LoadBlobs(ctx, "a_0000"); !errors.Is(err, ErrChecksum) {
					t.Fatalf("LoadBlobs: err = %v, want ErrChecksum", err)
				}
				if ok, err := s.Done(ctx, "a_0000"); ok || !errors.Is(err, ErrChecksum) {
					t.Fatalf("Done = %v, %v", ok, err)
				}
				if ok, err := s.Done(ctx, "a_0001"); !ok || err != nil {
					t.Fatalf("intact sim: Done = %v, %v", ok, err)
				}
				rq, ok := s.(interface {
					RequeueCorrupt(context.Context) ([]string, error)
				})
				if !ok {
					t.Fatal("store lacks RequeueCorrupt")
				}
				bad, err := rq.RequeueCorrupt(ctx)
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
			s := b.open(t)
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
	})
}

func TestStoreMarkStaleRunning(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		s.Register(ctx, mkSims(6, "a"))
		r1, _ := s.BeginRun(ctx, RunInfo{Ranks: 2})
		r2, _ := s.BeginRun(ctx, RunInfo{Ranks: 2})
		r3, _ := s.BeginRun(ctx, RunInfo{Ranks: 2})
		r4, _ := s.BeginRun(ctx, RunInfo{Ranks: 2})
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
	})
}

func TestStoreCountsFailuresMeasured(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		s.Register(ctx, append(mkSims(5, "a"), mkSims(3, "b")...))
		run, _ := s.BeginRun(ctx, RunInfo{Ranks: 1})
		ids := []string{"a_0000", "a_0001", "a_0002", "b_0000", "b_0001"}
		if err := s.MarkRunning(ctx, ids, 0, "h", run.ID); err != nil {
			t.Fatal(err)
		}
		t0, _ := s.Get(ctx, "a_0000")
		results := []Result{
			{SimID: "a_0000", Status: StatusComplete, Blobs: []Blob{{Name: "f", Data: []byte{1}}}, FinishedAt: t0.StartedAt.Add(42 * time.Second)},
			{SimID: "a_0001", Status: StatusFailed, ErrorClass: "timeout", ErrorMessage: "killed after 600 s"},
			{SimID: "a_0002", Status: StatusFailed, ErrorClass: "met-missing", ErrorMessage: "no met"},
			{SimID: "b_0000", Status: StatusFailed, ErrorClass: "timeout", ErrorMessage: "killed after 600 s"},
			{SimID: "b_0001", Status: StatusCompleteEmpty, FinishedAt: t0.StartedAt.Add(-time.Second)},
		}
		if err := s.CommitResults(ctx, results); err != nil {
			t.Fatal(err)
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
		m, err := s.MeasuredDurations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// b_0001 finished before it started: not a measurement.
		if len(m) != 1 || m[0].SimID != "a_0000" || m[0].Seconds != 42 || m[0].Cost != 100 || m[0].Scene != "a" {
			t.Fatalf("measured %+v", m)
		}
		p, _ := s.Pending(ctx, 2)
		if len(p) != 2 || p[0].SimID != "a_0003" || p[1].SimID != "a_0004" {
			t.Fatalf("pending(2) = %v", simIDs(p))
		}
		if p, _ := s.Pending(ctx, 0); len(p) != 3 || p[2].SimID != "b_0002" {
			t.Fatalf("pending(all) = %v", simIDs(p))
		}
	})
}

func TestStoreCommitResultsAllOrNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
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
			{"interrupted with blobs", Result{SimID: "a_0001", Status: StatusPending, Blobs: []Blob{{Name: "f"}}}},
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
	})
}

func simIDs(sims []Simulation) []string {
	out := make([]string, len(sims))
	for i, s := range sims {
		out[i] = s.SimID
	}
	return out
}

func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct {
		url    string
		wantOK bool
		kind   string
	}{
		{"sqlite://" + filepath.Join(dir, "a.sqlite"), true, "*registry.SQLite"},
		{"file:" + filepath.Join(dir, "b.sqlite"), true, "*registry.SQLite"},
		{filepath.Join(dir, "c.sqlite"), true, "*registry.SQLite"},
		{"mysql://x", false, ""},
		{"", false, ""},
	}
	for _, tc := range cases {
		s, err := OpenURL(ctx, tc.url)
		if (err == nil) != tc.wantOK {
			t.Fatalf("OpenURL(%q): err = %v, want ok %v", tc.url, err, tc.wantOK)
		}
		if err == nil {
			if got := fmt.Sprintf("%T", s); got != tc.kind {
				t.Errorf("OpenURL(%q) = %s, want %s", tc.url, got, tc.kind)
			}
			s.Close()
		}
	}
	if _, err := OpenQueue(ctx, "sqlite://"+filepath.Join(dir, "d.sqlite")); err == nil {
		t.Fatal("OpenQueue accepted a SQLite registry")
	}
	if got := redactURL("postgres://u:secret@h:5/db"); strings.Contains(got, "secret") {
		t.Fatalf("redactURL kept the password: %s", got)
	}
	url := pgtest.URL(t)
	s, err := OpenURL(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(Queue); !ok {
		t.Fatalf("OpenURL(postgres) = %T, not a Queue", s)
	}
}

// TestPostgresConcurrentOpenMigrates: workers starting at the same moment
// against an empty database must not race on creating the schema.
func TestPostgresConcurrentOpenMigrates(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := OpenPostgres(ctx, url)
			if err == nil {
				p.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	p, err := OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var v int
	if err := p.Pool().QueryRow(ctx, `SELECT version FROM stilt_schema_version`).Scan(&v); err != nil || v != PGSchemaVersion {
		t.Fatalf("schema version %d (%v), want %d", v, err, PGSchemaVersion)
	}
	p.Pool().Exec(ctx, `UPDATE stilt_schema_version SET version = 99`)
	if _, err := OpenPostgres(ctx, url); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("newer schema accepted: %v", err)
	}
}
