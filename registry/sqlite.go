package registry

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3" // SQLite driver; build with -tags libsqlite3
)

// timeFormat is fixed width so that stored times sort as strings.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// Options tune how a registry file is opened for writing.
type Options struct {
	// Synchronous is the SQLite synchronous level: "FULL" (default; a
	// committed result survives power loss) or "NORMAL" (in WAL mode the last
	// commits may be lost on power loss, never corrupted; faster).
	Synchronous string
	// BusyTimeout is how long a connection waits for a lock (default 10 s).
	BusyTimeout time.Duration
	// Now returns the current time (default time.Now); tests may replace it.
	Now func() time.Time
}

// DefaultOptions returns the options Open uses.
func DefaultOptions() Options {
	return Options{Synchronous: "FULL", BusyTimeout: 10 * time.Second, Now: time.Now}
}

// SQLite is the SQLite implementation of Store. Its methods are safe for
// concurrent use by goroutines of one process (they share one connection),
// but only one process may write a given file.
type SQLite struct {
	db       *sql.DB
	path     string
	readOnly bool
	now      func() time.Time
	lock     *os.File // writer lock (path + ".lock"), nil for readers
}

var _ Store = (*SQLite)(nil)

// uriPath escapes the characters that SQLite's URI parser treats specially.
func uriPath(path string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return r.Replace(path)
}

// Open opens (creating if needed) the registry at path for writing, with WAL
// journaling, a busy timeout, synchronous=FULL and foreign keys on, and
// migrates its schema to SchemaVersion.
func Open(path string) (*SQLite, error) { return OpenWith(path, DefaultOptions()) }

// OpenWith is Open with explicit options.
func OpenWith(path string, o Options) (*SQLite, error) {
	def := DefaultOptions()
	if o.Synchronous == "" {
		o.Synchronous = def.Synchronous
	}
	switch strings.ToUpper(o.Synchronous) {
	case "FULL", "NORMAL", "EXTRA":
	default:
		return nil, fmt.Errorf("registry: open %s: synchronous %q: expected FULL, NORMAL or EXTRA", path, o.Synchronous)
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = def.BusyTimeout
	}
	if o.Now == nil {
		o.Now = def.Now
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("registry: open %s: %w", path, err)
		}
	}
	lock, err := lockWriter(path)
	if err != nil {
		return nil, err
	}
	dsn := fmt.Sprintf("file:%s?_journal_mode=WAL&_busy_timeout=%d&_synchronous=%s&_foreign_keys=on&_txlock=immediate",
		uriPath(path), o.BusyTimeout.Milliseconds(), strings.ToUpper(o.Synchronous))
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("registry: open %s: %w", path, err)
	}
	// One connection: one writer, and ATTACH (Merge) stays on it.
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	s := &SQLite{db: db, path: path, now: o.Now, lock: lock}
	if err := s.checkPragmas(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.migrate(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// OpenReadOnly opens an existing registry for reading only; it may be used
// while another process writes (WAL). Write methods fail.
func OpenReadOnly(path string) (*SQLite, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("registry: open %s read-only: %w", path, err)
	}
	dsn := fmt.Sprintf("file:%s?mode=ro&_busy_timeout=10000&_foreign_keys=on", uriPath(path))
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("registry: open %s read-only: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s := &SQLite{db: db, path: path, readOnly: true, now: time.Now}
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		db.Close()
		return nil, fmt.Errorf("registry: open %s read-only: %w", path, err)
	}
	if v != SchemaVersion {
		db.Close()
		return nil, fmt.Errorf("registry: %s has schema version %d, this program reads version %d (open it for writing once to migrate)", path, v, SchemaVersion)
	}
	return s, nil
}

// Path returns the file the registry was opened from.
func (s *SQLite) Path() string { return s.path }

// DB exposes the underlying handle for tests and diagnostics.
func (s *SQLite) DB() *sql.DB { return s.db }

// Close closes the connection and releases the writer lock.
func (s *SQLite) Close() error {
	err := s.db.Close()
	if s.lock != nil {
		s.lock.Close() // closing the descriptor releases the flock
		s.lock = nil
	}
	return err
}

// lockWriter takes an exclusive advisory lock on path+".lock" so that a
// second writer (another job pointed at the same output) fails fast instead
// of interleaving transactions. The kernel drops the lock when the process
// dies, so a crashed writer never leaves a stale lock.
func lockWriter(path string) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("registry: open %s: writer lock: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path + ".lock")
		f.Close()
		return nil, fmt.Errorf("registry: open %s: another process is writing it (lock held; last writer: %s): %w",
			path, strings.TrimSpace(string(holder)), ErrLocked)
	}
	host, _ := os.Hostname()
	f.Truncate(0)
	f.WriteAt([]byte(fmt.Sprintf("pid %d on %s\n", os.Getpid(), host)), 0)
	return f, nil
}

func (s *SQLite) checkPragmas() error {
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		return fmt.Errorf("registry: %s: reading journal_mode: %w", s.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("registry: %s: journal_mode is %q, expected wal (is the file on a network file system?)", s.path, mode)
	}
	var fk int
	if err := s.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		return fmt.Errorf("registry: %s: foreign keys not enabled (%v)", s.path, err)
	}
	return nil
}

func (s *SQLite) migrate() error {
	var v int
	if err := s.db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("registry: %s: reading user_version: %w", s.path, err)
	}
	if v > len(migrations) {
		return fmt.Errorf("registry: %s has schema version %d, newer than this program's %d", s.path, v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		err := s.tx(context.Background(), func(tx *sql.Tx) error {
			if _, err := tx.Exec(migrations[v]); err != nil {
				return err
			}
			_, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("registry: %s: migration to schema version %d: %w", s.path, v+1, err)
		}
	}
	return nil
}

// testHookBeforeCommit, when set (tests only), runs inside write transactions
// just before COMMIT.
var testHookBeforeCommit func()

// tx runs fn in one write transaction (BEGIN IMMEDIATE).
func (s *SQLite) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("registry: %s is open read-only", s.path)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if testHookBeforeCommit != nil {
		testHookBeforeCommit()
	}
	return tx.Commit()
}

func fmtTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeFormat)
}

func parseTime(ns sql.NullString) (time.Time, error) {
	if !ns.Valid || ns.String == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeFormat, ns.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: expected %s: %w", ns.String, timeFormat, err)
	}
	return t, nil
}

func newRunID(now time.Time) string {
	var b [6]byte
	rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// BeginRun records the start of a run and returns it with a fresh unique id
// (time stamp plus random suffix, unique across shards).
func (s *SQLite) BeginRun(ctx context.Context, info RunInfo) (Run, error) {
	if info.Ranks < 1 {
		return Run{}, fmt.Errorf("registry: begin run: ranks %d: expected at least 1", info.Ranks)
	}
	if info.Host == "" {
		info.Host, _ = os.Hostname()
	}
	now := s.now()
	r := Run{ID: newRunID(now), Start: now.UTC(), Ranks: info.Ranks, ConfigHash: info.ConfigHash,
		Version: info.Version, Host: info.Host, Status: RunRunning}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO runs (`+runCols+`) VALUES (?,?,?,?,?,?,?,?)`,
			r.ID, fmtTime(r.Start), nil, r.Ranks, r.ConfigHash, r.Version, r.Host, string(r.Status))
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("registry: begin run: %w", err)
	}
	r.Start, _ = time.Parse(timeFormat, r.Start.Format(timeFormat))
	return r, nil
}

// EndRun records the end of a run.
func (s *SQLite) EndRun(ctx context.Context, runID string, status RunStatus) error {
	switch status {
	case RunComplete, RunFailed, RunInterrupted:
	default:
		return fmt.Errorf("registry: end run %s: status %q: expected complete, failed or interrupted", runID, status)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE runs SET ended_at = ?, status = ? WHERE run_id = ?`,
			fmtTime(s.now()), string(status), runID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("registry: end run %s: %w", runID, err)
	}
	return nil
}

// GetRun returns one run.
func (s *SQLite) GetRun(ctx context.Context, runID string) (Run, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+runCols+` FROM runs WHERE run_id = ?`, runID)
	var r Run
	var start, end sql.NullString
	var st string
	err := row.Scan(&r.ID, &start, &end, &r.Ranks, &r.ConfigHash, &r.Version, &r.Host, &st)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("registry: run %s: %w", runID, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("registry: run %s: %w", runID, err)
	}
	r.Status = RunStatus(st)
	if r.Start, err = parseTime(start); err == nil {
		r.End, err = parseTime(end)
	}
	if err != nil {
		return Run{}, fmt.Errorf("registry: run %s: %w", runID, err)
	}
	return r, nil
}

func normReceptor(raw json.RawMessage) (string, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return "{}", nil
	}
	if !json.Valid(raw) {
		return "", errors.New("receptor is not valid JSON")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// Register inserts simulations as pending. It is idempotent: a sim id that is
// already registered is left unchanged and reported as Existing (same scene,
// receptor and met) or Conflicts (different); an id repeated within sims is
// reported in Duplicates and only its first occurrence is used. All inserts
// are one transaction.
func (s *SQLite) Register(ctx context.Context, sims []Simulation) (RegisterReport, error) {
	var rep RegisterReport
	now := fmtTime(s.now())
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rep = RegisterReport{}
		sel, err := tx.Prepare(`SELECT scene, receptor, met FROM sims WHERE sim_id = ?`)
		if err != nil {
			return err
		}
		defer sel.Close()
		ins, err := tx.Prepare(`INSERT INTO sims (sim_id, scene, receptor_id, receptor, met, cost, status, queued_at)
			VALUES (?,?,?,?,?,?,'pending',?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		seen := make(map[string]bool, len(sims))
		for i, sim := range sims {
			if sim.SimID == "" {
				return fmt.Errorf("simulation %d: empty sim id", i)
			}
			if seen[sim.SimID] {
				rep.Duplicates = append(rep.Duplicates, sim.SimID)
				continue
			}
			seen[sim.SimID] = true
			rec, err := normReceptor(sim.Receptor)
			if err != nil {
				return fmt.Errorf("simulation %d (%s): %w", i, sim.SimID, err)
			}
			if sim.Cost < 0 {
				return fmt.Errorf("simulation %d (%s): cost %g: expected >= 0", i, sim.SimID, sim.Cost)
			}
			var scene, oldRec, met string
			err = sel.QueryRow(sim.SimID).Scan(&scene, &oldRec, &met)
			switch {
			case err == nil:
				if scene == sim.Scene && oldRec == rec && met == sim.Met {
					rep.Existing = append(rep.Existing, sim.SimID)
				} else {
					rep.Conflicts = append(rep.Conflicts, sim.SimID)
				}
				continue
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("simulation %d (%s): %w", i, sim.SimID, err)
			}
			if _, err := ins.Exec(sim.SimID, sim.Scene, sim.ReceptorID, rec, sim.Met, sim.Cost, now); err != nil {
				return fmt.Errorf("simulation %d (%s): %w", i, sim.SimID, err)
			}
			rep.Inserted++
		}
		return nil
	})
	if err != nil {
		return RegisterReport{}, fmt.Errorf("registry: register: %w", err)
	}
	return rep, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanSim(sc scanner) (Simulation, error) {
	var sim Simulation
	var rec, status string
	var runID, queued, started, finished sql.NullString
	var rank sql.NullInt64
	var tr, fp sql.NullFloat64
	err := sc.Scan(&sim.SimID, &sim.Scene, &sim.ReceptorID, &rec, &sim.Met, &sim.Cost, &status,
		&sim.Attempts, &sim.ErrorClass, &sim.ErrorMessage, &runID, &rank, &sim.Host, &sim.Engine,
		&queued, &started, &finished, &tr, &fp, &sim.NumBlobs)
	if err != nil {
		return Simulation{}, err
	}
	sim.Receptor = json.RawMessage(rec)
	sim.Status = Status(status)
	sim.RunID = runID.String
	sim.Rank = -1
	if rank.Valid {
		sim.Rank = int(rank.Int64)
	}
	sim.TransportS, sim.FootprintS = tr.Float64, fp.Float64
	if sim.QueuedAt, err = parseTime(queued); err != nil {
		return sim, fmt.Errorf("sim %s: queued_at: %w", sim.SimID, err)
	}
	if sim.StartedAt, err = parseTime(started); err != nil {
		return sim, fmt.Errorf("sim %s: started_at: %w", sim.SimID, err)
	}
	if sim.FinishedAt, err = parseTime(finished); err != nil {
		return sim, fmt.Errorf("sim %s: finished_at: %w", sim.SimID, err)
	}
	return sim, nil
}

// Pending returns up to limit pending simulations (all when limit <= 0),
// ordered by scene, met key and sim id.
func (s *SQLite) Pending(ctx context.Context, limit int) ([]Simulation, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+simCols+` FROM sims WHERE status = 'pending'
		ORDER BY scene, met, sim_id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("registry: pending: %w", err)
	}
	defer rows.Close()
	var out []Simulation
	for rows.Next() {
		sim, err := scanSim(rows)
		if err != nil {
			return nil, fmt.Errorf("registry: pending: %w", err)
		}
		out = append(out, sim)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("registry: pending: %w", err)
	}
	return out, nil
}

// MarkRunning moves pending simulations to running for runID on rank/host,
// incrementing their attempt count. All or nothing: if any id is unknown
// (ErrNotFound) or not pending (ErrState) nothing changes.
func (s *SQLite) MarkRunning(ctx context.Context, ids []string, rank int, host, runID string) error {
	now := fmtTime(s.now())
	err := s.tx(ctx, func(tx *sql.Tx) error {
		upd, err := tx.Prepare(`UPDATE sims SET status = 'running', attempts = attempts + 1, run_id = ?,
			rank = ?, host = ?, started_at = ?, finished_at = NULL
			WHERE sim_id = ? AND status = 'pending'`)
		if err != nil {
			return err
		}
		defer upd.Close()
		for _, id := range ids {
			res, err := upd.Exec(runID, rank, host, now, id)
			if err != nil {
				return fmt.Errorf("sim %s: %w", id, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				continue
			}
			var st string
			err = tx.QueryRow(`SELECT status FROM sims WHERE sim_id = ?`, id).Scan(&st)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("sim %s: %w", id, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("sim %s: %w", id, err)
			}
			return fmt.Errorf("sim %s is %s, expected pending: %w", id, st, ErrState)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("registry: mark running (run %s, rank %d): %w", runID, rank, err)
	}
	return nil
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// CommitResult records the outcome of one simulation in ONE transaction:
// status, error, timings, where it ran, its blobs (replacing any earlier ones)
// with their SHA-256, and its output references. A failed or interrupted
// result never overwrites a complete one (ErrState). Status pending means
// interrupted: the simulation will be run again.
func (s *SQLite) CommitResult(ctx context.Context, r Result) error {
	return s.CommitResults(ctx, []Result{r})
}

// CommitResults is CommitResult for several results in ONE transaction (a
// group commit: one fsync for all). If any result is rejected none is
// written.
func (s *SQLite) CommitResults(ctx context.Context, rs []Result) error {
	sums := make([][]string, len(rs))
	for i := range rs {
		var err error
		if sums[i], err = s.prepareResult(&rs[i]); err != nil {
			return err
		}
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for i := range rs {
			if err := commitTx(tx, &rs[i], sums[i]); err != nil {
				return fmt.Errorf("%s: %w", rs[i].SimID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("registry: commit: %w", err)
	}
	return nil
}

// prepareResult validates r, fills defaults and returns its blobs' SHA-256.
func (s *SQLite) prepareResult(r *Result) ([]string, error) { return prepareResult(r, s.now) }

// prepareResult validates r and fills defaults (now for a missing finish
// time) in the same way for every back end, and returns its blobs' SHA-256.
func prepareResult(r *Result, now func() time.Time) ([]string, error) {
	switch r.Status {
	case StatusComplete, StatusCompleteEmpty, StatusFailed, StatusPending:
	default:
		return nil, fmt.Errorf("registry: commit %s: status %q: expected complete, complete-empty, failed or pending", r.SimID, r.Status)
	}
	if r.Status == StatusFailed && r.ErrorClass == "" {
		r.ErrorClass = "unknown"
	}
	if r.Status.Finished() {
		r.ErrorClass, r.ErrorMessage = "", ""
	}
	if r.FinishedAt.IsZero() {
		r.FinishedAt = now()
	}
	if r.Status == StatusPending && len(r.Blobs) > 0 {
		return nil, fmt.Errorf("registry: commit %s: interrupted (pending) result carries %d blobs", r.SimID, len(r.Blobs))
	}
	names := make(map[string]bool, len(r.Blobs))
	sums := make([]string, len(r.Blobs))
	for i, b := range r.Blobs {
		if b.Name == "" {
			return nil, fmt.Errorf("registry: commit %s: blob %d has no name", r.SimID, i)
		}
		if names[b.Name] {
			return nil, fmt.Errorf("registry: commit %s: blob name %q repeated", r.SimID, b.Name)
		}
		names[b.Name] = true
		sums[i] = sha256Hex(b.Data)
		if b.SHA256 != "" && !strings.EqualFold(b.SHA256, sums[i]) {
			return nil, fmt.Errorf("registry: commit %s: blob %q: sender sha256 %s, received data hash %s: %w",
				r.SimID, b.Name, b.SHA256, sums[i], ErrChecksum)
		}
	}
	return sums, nil
}

func commitTx(tx *sql.Tx, r *Result, sums []string) error {
	var cur string
	err := tx.QueryRow(`SELECT status FROM sims WHERE sim_id = ?`, r.SimID).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if Status(cur).Finished() && !r.Status.Finished() {
		return fmt.Errorf("already %s, refusing %s result: %w", cur, r.Status, ErrState)
	}
	if _, err := tx.Exec(`DELETE FROM blobs WHERE sim_id = ?`, r.SimID); err != nil {
		return err
	}
	if _, err := tx.Exec(`DELETE FROM outputs WHERE sim_id = ?`, r.SimID); err != nil {
		return err
	}
	for i, b := range r.Blobs {
		if _, err := tx.Exec(`INSERT INTO blobs (sim_id, name, bytes, sha256, data) VALUES (?,?,?,?,?)`,
			r.SimID, b.Name, len(b.Data), sums[i], nonNil(b.Data)); err != nil {
			return fmt.Errorf("blob %q: %w", b.Name, err)
		}
	}
	for _, o := range r.Outputs {
		if _, err := tx.Exec(`INSERT INTO outputs (sim_id, name, path, bytes, sha256) VALUES (?,?,?,?,?)`,
			r.SimID, o.Name, o.Path, o.Bytes, o.SHA256); err != nil {
			return fmt.Errorf("output %q: %w", o.Name, err)
		}
	}
	var runID any
	if r.RunID != "" {
		runID = r.RunID
	}
	_, err = tx.Exec(`UPDATE sims SET status = ?, error_class = ?, error_message = ?,
		run_id = coalesce(?, run_id), rank = ?, host = ?, engine = ?,
		started_at = coalesce(?, started_at), finished_at = ?, transport_s = ?, footprint_s = ?, n_blobs = ?
		WHERE sim_id = ?`,
		string(r.Status), r.ErrorClass, r.ErrorMessage, runID, r.Rank, r.Host, r.Engine,
		fmtTime(r.StartedAt), fmtTime(r.FinishedAt), r.TransportS, r.FootprintS, len(r.Blobs), r.SimID)
	return err
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// MarkStaleRunning returns running simulations left behind by dead runs to
// pending (error class "stale") and marks those runs stale. With deadRunIDs
// it reclaims the rows of those runs only; without, every running row not
// belonging to currentRunID, and every other run still marked running (the
// writer lock guarantees no other live writer on this file). It returns the
// number of simulations reclaimed.
func (s *SQLite) MarkStaleRunning(ctx context.Context, currentRunID string, deadRunIDs ...string) (int, error) {
	var n int64
	now := fmtTime(s.now())
	err := s.tx(ctx, func(tx *sql.Tx) error {
		simWhere := `status = 'running' AND (run_id IS NULL OR run_id <> ?)`
		runWhere := `status = 'running' AND run_id <> ?`
		args := []any{currentRunID}
		if len(deadRunIDs) > 0 {
			in := `(?` + strings.Repeat(",?", len(deadRunIDs)-1) + `)`
			simWhere = `status = 'running' AND run_id IN ` + in
			runWhere = `status = 'running' AND run_id IN ` + in
			args = args[:0]
			for _, id := range deadRunIDs {
				if id == currentRunID {
					return fmt.Errorf("run %s is the current run, not dead", id)
				}
				args = append(args, id)
			}
		}
		if _, err := tx.Exec(`UPDATE runs SET status = 'stale', ended_at = coalesce(ended_at, ?) WHERE `+runWhere,
			append([]any{now}, args...)...); err != nil {
			return err
		}
		res, err := tx.Exec(`UPDATE sims SET status = 'pending', error_class = 'stale',
			error_message = 'reclaimed: run ' || coalesce(run_id, '?') || ' ended without a result'
			WHERE `+simWhere, args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("registry: mark stale running (current run %s): %w", currentRunID, err)
	}
	return int(n), nil
}

// Reset returns simulations to pending: all of them (ResetAll, for
// --no-skip; stored blobs and output references are deleted) or only the
// failed ones (ResetFailed). It returns the number of rows changed.
func (s *SQLite) Reset(ctx context.Context, scope ResetScope) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		where := `status <> 'pending' OR error_class <> ''`
		switch scope {
		case ResetAll:
			if _, err := tx.Exec(`DELETE FROM blobs`); err != nil {
				return err
			}
			if _, err := tx.Exec(`DELETE FROM outputs`); err != nil {
				return err
			}
		case ResetFailed:
			where = `status = 'failed'`
		default:
			return fmt.Errorf("unknown scope %d", scope)
		}
		res, err := tx.Exec(`UPDATE sims SET status = 'pending', error_class = '', error_message = '',
			finished_at = NULL, n_blobs = 0 WHERE ` + where)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("registry: reset: %w", err)
	}
	return int(n), nil
}

// Counts returns simulation counts by status and by scene.
func (s *SQLite) Counts(ctx context.Context) (Counts, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT scene, status, count(*) FROM sims GROUP BY scene, status`)
	if err != nil {
		return Counts{}, fmt.Errorf("registry: counts: %w", err)
	}
	defer rows.Close()
	return countRows(rows)
}

// rowScanner is what database/sql's and pgx's row sets have in common.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// countRows accumulates (scene, status, count) rows into Counts, for every
// back end.
func countRows(rows rowScanner) (Counts, error) {
	c := Counts{ByStatus: map[Status]int{}, ByScene: map[string]map[Status]int{}}
	for rows.Next() {
		var scene, st string
		var n int64
		if err := rows.Scan(&scene, &st, &n); err != nil {
			return c, fmt.Errorf("registry: counts: %w", err)
		}
		c.Total += int(n)
		c.ByStatus[Status(st)] += int(n)
		if c.ByScene[scene] == nil {
			c.ByScene[scene] = map[Status]int{}
		}
		c.ByScene[scene][Status(st)] += int(n)
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("registry: counts: %w", err)
	}
	return c, nil
}

// Failures returns failed simulations grouped by error class, largest group
// first.
func (s *SQLite) Failures(ctx context.Context) ([]FailureGroup, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT error_class, count(*), min(error_message) FROM sims
		WHERE status = 'failed' GROUP BY error_class ORDER BY count(*) DESC, error_class`)
	if err != nil {
		return nil, fmt.Errorf("registry: failures: %w", err)
	}
	var out []FailureGroup
	for rows.Next() {
		var g FailureGroup
		if err := rows.Scan(&g.Class, &g.Count, &g.Example); err != nil {
			rows.Close()
			return nil, fmt.Errorf("registry: failures: %w", err)
		}
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("registry: failures: %w", err)
	}
	for i := range out {
		ids, err := s.db.QueryContext(ctx, `SELECT sim_id FROM sims WHERE status = 'failed' AND error_class = ?
			ORDER BY sim_id LIMIT 10`, out[i].Class)
		if err != nil {
			return nil, fmt.Errorf("registry: failures: %w", err)
		}
		for ids.Next() {
			var id string
			if err := ids.Scan(&id); err != nil {
				ids.Close()
				return nil, fmt.Errorf("registry: failures: %w", err)
			}
			out[i].SimIDs = append(out[i].SimIDs, id)
		}
		ids.Close()
	}
	return out, nil
}

// Get returns one simulation with its output references.
func (s *SQLite) Get(ctx context.Context, simID string) (Simulation, error) {
	sim, err := scanSim(s.db.QueryRowContext(ctx, `SELECT `+simCols+` FROM sims WHERE sim_id = ?`, simID))
	if errors.Is(err, sql.ErrNoRows) {
		return Simulation{}, fmt.Errorf("registry: sim %s: %w", simID, ErrNotFound)
	}
	if err != nil {
		return Simulation{}, fmt.Errorf("registry: sim %s: %w", simID, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, path, bytes, sha256 FROM outputs WHERE sim_id = ? ORDER BY name`, simID)
	if err != nil {
		return Simulation{}, fmt.Errorf("registry: sim %s outputs: %w", simID, err)
	}
	defer rows.Close()
	if sim.Outputs, err = scanOutputs(rows, simID); err != nil {
		return Simulation{}, err
	}
	return sim, nil
}

// LoadBlobs returns the stored blobs of a simulation ordered by name, after
// verifying each one's length and SHA-256 and that as many blobs are present
// as were committed. Any mismatch is an error wrapping ErrChecksum.
func (s *SQLite) LoadBlobs(ctx context.Context, simID string) ([]Blob, error) {
	var want int64
	err := s.db.QueryRowContext(ctx, `SELECT n_blobs FROM sims WHERE sim_id = ?`, simID).Scan(&want)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("registry: blobs of %s: %w", simID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("registry: blobs of %s: %w", simID, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, bytes, sha256, data FROM blobs WHERE sim_id = ? ORDER BY name`, simID)
	if err != nil {
		return nil, fmt.Errorf("registry: blobs of %s: %w", simID, err)
	}
	defer rows.Close()
	return scanBlobs(rows, simID, want)
}

// Done reports whether a simulation is finished: its status is complete or
// complete-empty AND its stored blobs verify. A finished row whose blobs do
// not verify gives false and an error wrapping ErrChecksum.
func (s *SQLite) Done(ctx context.Context, simID string) (bool, error) {
	var st string
	err := s.db.QueryRowContext(ctx, `SELECT status FROM sims WHERE sim_id = ?`, simID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("registry: done %s: %w", simID, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("registry: done %s: %w", simID, err)
	}
	if !Status(st).Finished() {
		return false, nil
	}
	if _, err := s.LoadBlobs(ctx, simID); err != nil {
		return false, err
	}
	return true, nil
}

// RequeueCorrupt verifies the blobs of every finished simulation and returns
// to pending (one transaction) those that fail, so that a rerun recomputes
// them. It returns their ids. This reads every stored blob.
func (s *SQLite) RequeueCorrupt(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sim_id FROM sims WHERE status IN ('complete','complete-empty') ORDER BY sim_id`)
	if err != nil {
		return nil, fmt.Errorf("registry: requeue corrupt: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("registry: requeue corrupt: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	var bad []string
	for _, id := range ids {
		if _, err := s.LoadBlobs(ctx, id); errors.Is(err, ErrChecksum) {
			bad = append(bad, id)
		} else if err != nil {
			return nil, fmt.Errorf("registry: requeue corrupt: %w", err)
		}
	}
	if len(bad) == 0 {
		return nil, nil
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range bad {
			if _, err := tx.Exec(`DELETE FROM blobs WHERE sim_id = ?`, id); err != nil {
				return err
			}
			if _, err := tx.Exec(`UPDATE sims SET status = 'pending', error_class = 'checksum',
				error_message = 'stored result failed verification', n_blobs = 0, finished_at = NULL
				WHERE sim_id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("registry: requeue corrupt: %w", err)
	}
	return bad, nil
}

// MeasuredDurations returns the wall time of every finished simulation with
// its estimated cost, for calibrating the scheduler.
func (s *SQLite) MeasuredDurations(ctx context.Context) ([]Measured, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sim_id, scene, met, cost, started_at, finished_at FROM sims
		WHERE status IN ('complete','complete-empty') AND started_at IS NOT NULL AND finished_at IS NOT NULL
		ORDER BY sim_id`)
	if err != nil {
		return nil, fmt.Errorf("registry: measured durations: %w", err)
	}
	defer rows.Close()
	var out []Measured
	for rows.Next() {
		var m Measured
		var st, fin sql.NullString
		if err := rows.Scan(&m.SimID, &m.Scene, &m.Met, &m.Cost, &st, &fin); err != nil {
			return nil, fmt.Errorf("registry: measured durations: %w", err)
		}
		t0, err0 := parseTime(st)
		t1, err1 := parseTime(fin)
		if err := errors.Join(err0, err1); err != nil {
			return nil, fmt.Errorf("registry: measured durations: sim %s: %w", m.SimID, err)
		}
		m.Seconds = t1.Sub(t0).Seconds()
		if m.Seconds < 0 {
			continue
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
