package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresOptions tune OpenPostgresWith.
type PostgresOptions struct {
	// MaxAttempts bounds how often the queue hands out one simulation: a
	// simulation whose lease expires (its worker died) or that is handed back
	// as interrupted after its MaxAttempts-th claim becomes failed, keeping
	// the last error. Default 3.
	MaxAttempts int
	// MaxConns is the connection pool size (default 4).
	MaxConns int32
	// Now returns the current time for recorded time stamps (default
	// time.Now). Leases always use the database clock, so that workers on
	// machines with skewed clocks agree on expiry.
	Now func() time.Time
}

// DefaultPostgresOptions returns the options OpenPostgres uses.
func DefaultPostgresOptions() PostgresOptions {
	return PostgresOptions{MaxAttempts: 3, MaxConns: 4, Now: time.Now}
}

// Postgres is the PostgreSQL implementation of Store and Queue. Unlike the
// SQLite store, any number of processes may write one database at once:
// every state change is one transaction, and workers coordinate through
// Claim (FOR UPDATE SKIP LOCKED), leases and Heartbeat. No transaction is
// held open while a simulation runs.
type Postgres struct {
	pool        *pgxpool.Pool
	url         string // with the password removed, for messages
	now         func() time.Time
	maxAttempts int
}

var (
	_ Store = (*Postgres)(nil)
	_ Queue = (*Postgres)(nil)
)

// ErrLeaseLost is returned by Heartbeat and CommitClaimed when a simulation
// is no longer held by the worker (its lease expired and it was handed back
// to the queue, or it was never claimed by this worker).
var ErrLeaseLost = errors.New("registry: lease lost")

// Queue is a Store that many independent workers can pull simulations from.
//
// Protocol of one worker (package service implements it):
//
//	sims, err := q.Claim(ctx, worker, n, lease) // pending -> running, leased
//	// while running, every lease/3: q.Heartbeat(ctx, worker, ids, lease)
//	err = q.CommitClaimed(ctx, worker, result)   // only if still held
//	// on shutdown: q.Release(ctx, worker, nil)   // back to pending
//
// A claim whose lease expires (worker killed, network lost) is returned to
// pending by the next Claim or by ReapExpired, or marked failed with class
// "lease-expired" once it has been claimed MaxAttempts times.
type Queue interface {
	Store
	Claim(ctx context.Context, workerID string, n int, lease time.Duration) ([]Simulation, error)
	Heartbeat(ctx context.Context, workerID string, ids []string, lease time.Duration) error
	CommitClaimed(ctx context.Context, workerID string, r Result) error
	Release(ctx context.Context, workerID string, ids []string) (int, error)
	ReapExpired(ctx context.Context) (int, error)
	SceneRemaining(ctx context.Context, scene string) (int, error)
	SceneSimIDs(ctx context.Context, scene string) ([]string, error)
	Outstanding(ctx context.Context) (pending, leased int, err error)
}

// OpenURL opens the registry a [registry] url names: postgres:// or
// postgresql:// (PostgreSQL), sqlite://PATH or file:PATH (SQLite file, for
// writing). A bare path is opened as a SQLite file.
func OpenURL(ctx context.Context, url string) (Store, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return OpenPostgres(ctx, url)
	case strings.HasPrefix(url, "sqlite://"):
		return Open(strings.TrimPrefix(url, "sqlite://"))
	case strings.HasPrefix(url, "file:"):
		return Open(strings.TrimPrefix(url, "file:"))
	case strings.Contains(url, "://"):
		return nil, fmt.Errorf("registry: open %q: unknown scheme: expected postgres://, postgresql://, sqlite:// or file:", redactURL(url))
	case url == "":
		return nil, errors.New("registry: open: empty registry url")
	}
	return Open(url)
}

// OpenQueue opens a registry URL that must support the pull queue
// (PostgreSQL).
func OpenQueue(ctx context.Context, url string) (Queue, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, fmt.Errorf("registry: %q: service mode needs a PostgreSQL registry ([registry] url = \"postgres://...\")", redactURL(url))
	}
	return OpenPostgres(ctx, url)
}

// redactURL removes a password from a connection URL.
func redactURL(u string) string {
	i := strings.Index(u, "://")
	at := strings.LastIndex(u, "@")
	if i < 0 || at < i {
		return u
	}
	cred := u[i+3 : at]
	if c := strings.Index(cred, ":"); c >= 0 {
		return u[:i+3] + cred[:c] + ":xxxxx" + u[at:]
	}
	return u
}

// OpenPostgres connects to the database at url (pgx connection string; a
// search_path parameter selects a schema), creates or migrates the registry
// tables, and returns the store.
func OpenPostgres(ctx context.Context, url string) (*Postgres, error) {
	return OpenPostgresWith(ctx, url, DefaultPostgresOptions())
}

// OpenPostgresWith is OpenPostgres with explicit options.
func OpenPostgresWith(ctx context.Context, url string, o PostgresOptions) (*Postgres, error) {
	def := DefaultPostgresOptions()
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = def.MaxAttempts
	}
	if o.MaxConns <= 0 {
		o.MaxConns = def.MaxConns
	}
	if o.Now == nil {
		o.Now = def.Now
	}
	red := redactURL(url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("registry: open %s: %w", red, err)
	}
	cfg.MaxConns = o.MaxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("registry: open %s: %w", red, err)
	}
	p := &Postgres{pool: pool, url: red, now: o.Now, maxAttempts: o.MaxAttempts}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("registry: open %s: %w", red, err)
	}
	if err := p.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return p, nil
}

// URL returns the connection URL without its password.
func (p *Postgres) URL() string { return p.url }

// Pool exposes the connection pool for tests and diagnostics.
func (p *Postgres) Pool() *pgxpool.Pool { return p.pool }

// MaxAttempts returns the bound on claims per simulation.
func (p *Postgres) MaxAttempts() int { return p.maxAttempts }

// Close closes the pool.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// pgMigrateLock is the advisory lock key serialising migrations of workers
// that start at the same moment.
const pgMigrateLock = 0x5717_7e61

func (p *Postgres) migrate(ctx context.Context) error {
	return p.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, pgMigrateLock); err != nil {
			return fmt.Errorf("registry: %s: migration lock: %w", p.url, err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS stilt_schema_version (version INTEGER NOT NULL)`); err != nil {
			return fmt.Errorf("registry: %s: schema version table: %w", p.url, err)
		}
		var v int
		err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM stilt_schema_version`).Scan(&v)
		if err != nil {
			return fmt.Errorf("registry: %s: reading schema version: %w", p.url, err)
		}
		if v > len(pgMigrations) {
			return fmt.Errorf("registry: %s has schema version %d, newer than this program's %d", p.url, v, len(pgMigrations))
		}
		for ; v < len(pgMigrations); v++ {
			if _, err := tx.Exec(ctx, pgMigrations[v]); err != nil {
				return fmt.Errorf("registry: %s: migration to schema version %d: %w", p.url, v+1, err)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM stilt_schema_version`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO stilt_schema_version (version) VALUES ($1)`, v)
		return err
	})
}

// tx runs fn in one transaction (READ COMMITTED; rows are locked explicitly
// where a decision depends on them).
func (p *Postgres) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, p.pool, fn)
}

func pgTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func fromPG(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// BeginRun records the start of a run and returns it with a fresh unique id.
func (p *Postgres) BeginRun(ctx context.Context, info RunInfo) (Run, error) {
	if info.Ranks < 1 {
		return Run{}, fmt.Errorf("registry: begin run: ranks %d: expected at least 1", info.Ranks)
	}
	if info.Host == "" {
		info.Host, _ = os.Hostname()
	}
	now := p.now().UTC().Truncate(time.Microsecond)
	r := Run{ID: newRunID(now), Start: now, Ranks: info.Ranks, ConfigHash: info.ConfigHash,
		Version: info.Version, Host: info.Host, Status: RunRunning}
	_, err := p.pool.Exec(ctx, `INSERT INTO runs (`+runCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
		r.ID, r.Start, nil, r.Ranks, r.ConfigHash, r.Version, r.Host, string(r.Status))
	if err != nil {
		return Run{}, fmt.Errorf("registry: begin run: %w", err)
	}
	return r, nil
}

// EndRun records the end of a run.
func (p *Postgres) EndRun(ctx context.Context, runID string, status RunStatus) error {
	switch status {
	case RunComplete, RunFailed, RunInterrupted:
	default:
		return fmt.Errorf("registry: end run %s: status %q: expected complete, failed or interrupted", runID, status)
	}
	tag, err := p.pool.Exec(ctx, `UPDATE runs SET ended_at = $1, status = $2 WHERE run_id = $3`,
		pgTime(p.now()), string(status), runID)
	if err != nil {
		return fmt.Errorf("registry: end run %s: %w", runID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("registry: end run %s: %w", runID, ErrNotFound)
	}
	return nil
}

// GetRun returns one run.
func (p *Postgres) GetRun(ctx context.Context, runID string) (Run, error) {
	var r Run
	var start, end *time.Time
	var st string
	err := p.pool.QueryRow(ctx, `SELECT `+runCols+` FROM runs WHERE run_id = $1`, runID).
		Scan(&r.ID, &start, &end, &r.Ranks, &r.ConfigHash, &r.Version, &r.Host, &st)
	if errors.Is(err, pgx.ErrNoRows) {
		return Run{}, fmt.Errorf("registry: run %s: %w", runID, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("registry: run %s: %w", runID, err)
	}
	r.Status = RunStatus(st)
	r.Start, r.End = fromPG(start), fromPG(end)
	return r, nil
}

// Register inserts simulations as pending, with the same idempotency rules
// as SQLite.Register (Existing, Conflicts, Duplicates), in one transaction.
// Workers may register concurrently: a row inserted by another transaction
// in the meantime is reported as Existing or Conflicts.
func (p *Postgres) Register(ctx context.Context, sims []Simulation) (RegisterReport, error) {
	var rep RegisterReport
	now := pgTime(p.now())
	type row struct {
		sim Simulation
		rec string
	}
	rows := make([]row, 0, len(sims))
	seen := make(map[string]bool, len(sims))
	ids := make([]string, 0, len(sims))
	for i, sim := range sims {
		if sim.SimID == "" {
			return RegisterReport{}, fmt.Errorf("registry: register: simulation %d: empty sim id", i)
		}
		if seen[sim.SimID] {
			rep.Duplicates = append(rep.Duplicates, sim.SimID)
			continue
		}
		seen[sim.SimID] = true
		rec, err := normReceptor(sim.Receptor)
		if err != nil {
			return RegisterReport{}, fmt.Errorf("registry: register: simulation %d (%s): %w", i, sim.SimID, err)
		}
		if sim.Cost < 0 {
			return RegisterReport{}, fmt.Errorf("registry: register: simulation %d (%s): cost %g: expected >= 0", i, sim.SimID, sim.Cost)
		}
		rows = append(rows, row{sim, rec})
		ids = append(ids, sim.SimID)
	}
	type old struct{ scene, rec, met string }
	classify := func(r row, o old) {
		if o.scene == r.sim.Scene && o.rec == r.rec && o.met == r.sim.Met {
			rep.Existing = append(rep.Existing, r.sim.SimID)
		} else {
			rep.Conflicts = append(rep.Conflicts, r.sim.SimID)
		}
	}
	err := p.tx(ctx, func(tx pgx.Tx) error {
		rep.Inserted, rep.Existing, rep.Conflicts = 0, nil, nil
		have := map[string]old{}
		q, err := tx.Query(ctx, `SELECT sim_id, scene, receptor, met FROM sims WHERE sim_id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		for q.Next() {
			var id string
			var o old
			if err := q.Scan(&id, &o.scene, &o.rec, &o.met); err != nil {
				q.Close()
				return err
			}
			have[id] = o
		}
		q.Close()
		if err := q.Err(); err != nil {
			return err
		}
		var fresh []row
		for _, r := range rows {
			if o, ok := have[r.sim.SimID]; ok {
				classify(r, o)
				continue
			}
			fresh = append(fresh, r)
		}
		if len(fresh) == 0 {
			return nil
		}
		// COPY into a temporary table, then one INSERT ... ON CONFLICT DO
		// NOTHING: rows a concurrent registration inserted meanwhile are
		// skipped and classified below.
		if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE stilt_register_in
			(sim_id TEXT, scene TEXT, receptor_id TEXT, receptor TEXT, met TEXT, cost DOUBLE PRECISION) ON COMMIT DROP`); err != nil {
			return err
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"stilt_register_in"},
			[]string{"sim_id", "scene", "receptor_id", "receptor", "met", "cost"},
			pgx.CopyFromSlice(len(fresh), func(i int) ([]any, error) {
				r := fresh[i]
				return []any{r.sim.SimID, r.sim.Scene, r.sim.ReceptorID, r.rec, r.sim.Met, r.sim.Cost}, nil
			}))
		if err != nil {
			return err
		}
		ins, err := tx.Query(ctx, `INSERT INTO sims (sim_id, scene, receptor_id, receptor, met, cost, status, queued_at)
			SELECT sim_id, scene, receptor_id, receptor, met, cost, 'pending', $1 FROM stilt_register_in
			ON CONFLICT (sim_id) DO NOTHING RETURNING sim_id`, now)
		if err != nil {
			return err
		}
		inserted, err := pgx.CollectRows(ins, pgx.RowTo[string])
		if err != nil {
			return err
		}
		rep.Inserted = len(inserted)
		var raced []row
		if len(inserted) < len(fresh) {
			got := make(map[string]bool, len(inserted))
			for _, id := range inserted {
				got[id] = true
			}
			for _, r := range fresh {
				if !got[r.sim.SimID] {
					raced = append(raced, r)
				}
			}
		}
		for _, r := range raced { // inserted by a concurrent registration
			var o old
			if err := tx.QueryRow(ctx, `SELECT scene, receptor, met FROM sims WHERE sim_id = $1`, r.sim.SimID).
				Scan(&o.scene, &o.rec, &o.met); err != nil {
				return fmt.Errorf("simulation %s: %w", r.sim.SimID, err)
			}
			classify(r, o)
		}
		return nil
	})
	if err != nil {
		return RegisterReport{}, fmt.Errorf("registry: register: %w", err)
	}
	sort.Strings(rep.Existing)
	sort.Strings(rep.Conflicts)
	return rep, nil
}

// pgSimCols are simCols qualified for use with a FROM list.
var pgSimCols = func() string {
	parts := strings.Split(simCols, ",")
	for i, c := range parts {
		parts[i] = "s." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}()

func scanPGSim(sc pgx.Row) (Simulation, error) {
	var sim Simulation
	var rec, status string
	var runID *string
	var rank *int32
	var queued, started, finished *time.Time
	var tr, fp *float64
	var nb int32
	var att int32
	err := sc.Scan(&sim.SimID, &sim.Scene, &sim.ReceptorID, &rec, &sim.Met, &sim.Cost, &status,
		&att, &sim.ErrorClass, &sim.ErrorMessage, &runID, &rank, &sim.Host, &sim.Engine,
		&queued, &started, &finished, &tr, &fp, &nb)
	if err != nil {
		return Simulation{}, err
	}
	sim.Attempts, sim.NumBlobs = int(att), int(nb)
	sim.Receptor = json.RawMessage(rec)
	sim.Status = Status(status)
	if runID != nil {
		sim.RunID = *runID
	}
	sim.Rank = -1
	if rank != nil {
		sim.Rank = int(*rank)
	}
	if tr != nil {
		sim.TransportS = *tr
	}
	if fp != nil {
		sim.FootprintS = *fp
	}
	sim.QueuedAt, sim.StartedAt, sim.FinishedAt = fromPG(queued), fromPG(started), fromPG(finished)
	return sim, nil
}

func collectSims(rows pgx.Rows) ([]Simulation, error) {
	defer rows.Close()
	var out []Simulation
	for rows.Next() {
		sim, err := scanPGSim(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sim)
	}
	return out, rows.Err()
}

// Pending returns up to limit pending simulations (all when limit <= 0),
// ordered by scene, met key and sim id.
func (p *Postgres) Pending(ctx context.Context, limit int) ([]Simulation, error) {
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := p.pool.Query(ctx, `SELECT `+simCols+` FROM sims WHERE status = 'pending'
		ORDER BY scene COLLATE "C", met COLLATE "C", sim_id COLLATE "C" LIMIT $1`, lim)
	if err != nil {
		return nil, fmt.Errorf("registry: pending: %w", err)
	}
	out, err := collectSims(rows)
	if err != nil {
		return nil, fmt.Errorf("registry: pending: %w", err)
	}
	return out, nil
}

// MarkRunning moves pending simulations to running for runID on rank/host
// (batch mode, without a lease), incrementing their attempt count. All or
// nothing, as SQLite.MarkRunning.
func (p *Postgres) MarkRunning(ctx context.Context, ids []string, rank int, host, runID string) error {
	now := pgTime(p.now())
	err := p.tx(ctx, func(tx pgx.Tx) error {
		for _, id := range ids {
			tag, err := tx.Exec(ctx, `UPDATE sims SET status = 'running', attempts = attempts + 1, run_id = $1,
				rank = $2, host = $3, started_at = $4, finished_at = NULL, worker_id = '', lease_until = NULL
				WHERE sim_id = $5 AND status = 'pending'`, runID, rank, host, now, id)
			if err != nil {
				return fmt.Errorf("sim %s: %w", id, err)
			}
			if tag.RowsAffected() == 1 {
				continue
			}
			var st string
			err = tx.QueryRow(ctx, `SELECT status FROM sims WHERE sim_id = $1`, id).Scan(&st)
			if errors.Is(err, pgx.ErrNoRows) {
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

// prepareResult validates r and fills defaults exactly as the SQLite store
// does, returning its blobs' SHA-256.
func (p *Postgres) prepareResult(r *Result) ([]string, error) { return prepareResult(r, p.now) }

// CommitResult records the outcome of one simulation in ONE transaction,
// with the semantics of SQLite.CommitResult.
func (p *Postgres) CommitResult(ctx context.Context, r Result) error {
	return p.CommitResults(ctx, []Result{r})
}

// CommitResults is CommitResult for several results in ONE transaction; if
// any result is rejected none is written.
func (p *Postgres) CommitResults(ctx context.Context, rs []Result) error {
	sums := make([][]string, len(rs))
	for i := range rs {
		var err error
		if sums[i], err = p.prepareResult(&rs[i]); err != nil {
			return err
		}
	}
	err := p.tx(ctx, func(tx pgx.Tx) error {
		for i := range rs {
			if _, err := p.commitTx(ctx, tx, &rs[i], sums[i], ""); err != nil {
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

// commitTx writes one result. With a worker id it first checks that the
// worker still holds the simulation (ErrLeaseLost otherwise) and applies the
// attempt bound to interrupted results. It returns the status written.
func (p *Postgres) commitTx(ctx context.Context, tx pgx.Tx, r *Result, sums []string, worker string) (Status, error) {
	var cur, holder string
	var attempts int32
	err := tx.QueryRow(ctx, `SELECT status, worker_id, attempts FROM sims WHERE sim_id = $1 FOR UPDATE`, r.SimID).
		Scan(&cur, &holder, &attempts)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	if worker != "" && (Status(cur) != StatusRunning || holder != worker) {
		if holder == "" {
			holder = "nobody"
		}
		return "", fmt.Errorf("worker %s: simulation is %s, held by %s: %w", worker, cur, holder, ErrLeaseLost)
	}
	if Status(cur).Finished() && !r.Status.Finished() {
		return "", fmt.Errorf("already %s, refusing %s result: %w", cur, r.Status, ErrState)
	}
	status, class, msg := r.Status, r.ErrorClass, r.ErrorMessage
	if worker != "" && status == StatusPending && int(attempts) >= p.maxAttempts {
		status = StatusFailed
		if class == "" {
			class = "interrupted"
		}
		msg = fmt.Sprintf("gave up after %d attempts; last: %s", attempts, msg)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM blobs WHERE sim_id = $1`, r.SimID); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM outputs WHERE sim_id = $1`, r.SimID); err != nil {
		return "", err
	}
	for i, b := range r.Blobs {
		if _, err := tx.Exec(ctx, `INSERT INTO blobs (sim_id, name, bytes, sha256, data) VALUES ($1,$2,$3,$4,$5)`,
			r.SimID, b.Name, len(b.Data), sums[i], nonNil(b.Data)); err != nil {
			return "", fmt.Errorf("blob %q: %w", b.Name, err)
		}
	}
	for _, o := range r.Outputs {
		if _, err := tx.Exec(ctx, `INSERT INTO outputs (sim_id, name, path, bytes, sha256) VALUES ($1,$2,$3,$4,$5)`,
			r.SimID, o.Name, o.Path, o.Bytes, o.SHA256); err != nil {
			return "", fmt.Errorf("output %q: %w", o.Name, err)
		}
	}
	var runID any
	if r.RunID != "" {
		runID = r.RunID
	}
	_, err = tx.Exec(ctx, `UPDATE sims SET status = $1, error_class = $2, error_message = $3,
		run_id = coalesce($4, run_id), rank = $5, host = $6, engine = $7,
		started_at = coalesce($8, started_at), finished_at = $9, transport_s = $10, footprint_s = $11, n_blobs = $12,
		worker_id = '', lease_until = NULL
		WHERE sim_id = $13`,
		string(status), class, msg, runID, r.Rank, r.Host, r.Engine,
		pgTime(r.StartedAt), pgTime(r.FinishedAt), r.TransportS, r.FootprintS, len(r.Blobs), r.SimID)
	return status, err
}

// MarkStaleRunning returns running simulations left behind by dead runs to
// pending (error class "stale") and marks those runs stale, with the
// semantics of SQLite.MarkStaleRunning, except that rows under a lease that
// has not expired (claimed by a live pull worker) and the runs holding them
// are left alone: leases, not this call, govern claimed rows.
func (p *Postgres) MarkStaleRunning(ctx context.Context, currentRunID string, deadRunIDs ...string) (int, error) {
	var n int64
	now := pgTime(p.now())
	for _, id := range deadRunIDs {
		if id == currentRunID {
			return 0, fmt.Errorf("registry: mark stale running (current run %s): run %s is the current run, not dead", currentRunID, id)
		}
	}
	err := p.tx(ctx, func(tx pgx.Tx) error {
		simWhere := `status = 'running' AND (run_id IS NULL OR run_id <> $1)`
		runWhere := `status = 'running' AND run_id <> $1`
		var arg any = currentRunID
		if len(deadRunIDs) > 0 {
			simWhere = `status = 'running' AND run_id = ANY($1)`
			runWhere = simWhere
			arg = deadRunIDs
		}
		live := ` AND (lease_until IS NULL OR lease_until < clock_timestamp())`
		simWhere += live
		runWhere += ` AND NOT EXISTS (SELECT 1 FROM sims l WHERE l.run_id = runs.run_id AND l.status = 'running'
			AND l.lease_until >= clock_timestamp())`
		if _, err := tx.Exec(ctx, `UPDATE runs SET status = 'stale', ended_at = coalesce(ended_at, $2) WHERE `+runWhere,
			arg, now); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE sims SET status = 'pending', error_class = 'stale',
			error_message = 'reclaimed: run ' || coalesce(run_id, '?') || ' ended without a result',
			worker_id = '', lease_until = NULL
			WHERE `+simWhere, arg)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("registry: mark stale running (current run %s): %w", currentRunID, err)
	}
	return int(n), nil
}

// Reset returns simulations to pending, as SQLite.Reset. Running rows held
// by live workers are reset too; reset only when no worker is running.
func (p *Postgres) Reset(ctx context.Context, scope ResetScope) (int, error) {
	var n int64
	err := p.tx(ctx, func(tx pgx.Tx) error {
		where := `status <> 'pending' OR error_class <> ''`
		switch scope {
		case ResetAll:
			if _, err := tx.Exec(ctx, `DELETE FROM blobs`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM outputs`); err != nil {
				return err
			}
		case ResetFailed:
			where = `status = 'failed'`
		default:
			return fmt.Errorf("unknown scope %d", scope)
		}
		tag, err := tx.Exec(ctx, `UPDATE sims SET status = 'pending', error_class = '', error_message = '',
			finished_at = NULL, n_blobs = 0, worker_id = '', lease_until = NULL WHERE `+where)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("registry: reset: %w", err)
	}
	return int(n), nil
}

// Counts returns simulation counts by status and by scene.
func (p *Postgres) Counts(ctx context.Context) (Counts, error) {
	rows, err := p.pool.Query(ctx, `SELECT scene, status, count(*) FROM sims GROUP BY scene, status`)
	if err != nil {
		return Counts{}, fmt.Errorf("registry: counts: %w", err)
	}
	defer rows.Close()
	return countRows(rows)
}

// Failures returns failed simulations grouped by error class, largest group
// first.
func (p *Postgres) Failures(ctx context.Context) ([]FailureGroup, error) {
	rows, err := p.pool.Query(ctx, `SELECT error_class, count(*), min(error_message COLLATE "C") FROM sims
		WHERE status = 'failed' GROUP BY error_class ORDER BY count(*) DESC, error_class COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("registry: failures: %w", err)
	}
	var out []FailureGroup
	for rows.Next() {
		var g FailureGroup
		var n int64
		if err := rows.Scan(&g.Class, &n, &g.Example); err != nil {
			rows.Close()
			return nil, fmt.Errorf("registry: failures: %w", err)
		}
		g.Count = int(n)
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("registry: failures: %w", err)
	}
	for i := range out {
		ids, err := p.pool.Query(ctx, `SELECT sim_id FROM sims WHERE status = 'failed' AND error_class = $1
			ORDER BY sim_id COLLATE "C" LIMIT 10`, out[i].Class)
		if err != nil {
			return nil, fmt.Errorf("registry: failures: %w", err)
		}
		out[i].SimIDs, err = pgx.CollectRows(ids, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("registry: failures: %w", err)
		}
	}
	return out, nil
}

// Get returns one simulation with its output references.
func (p *Postgres) Get(ctx context.Context, simID string) (Simulation, error) {
	sim, err := scanPGSim(p.pool.QueryRow(ctx, `SELECT `+simCols+` FROM sims WHERE sim_id = $1`, simID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Simulation{}, fmt.Errorf("registry: sim %s: %w", simID, ErrNotFound)
	}
	if err != nil {
		return Simulation{}, fmt.Errorf("registry: sim %s: %w", simID, err)
	}
	rows, err := p.pool.Query(ctx, `SELECT name, path, bytes, sha256 FROM outputs WHERE sim_id = $1 ORDER BY name COLLATE "C"`, simID)
	if err != nil {
		return Simulation{}, fmt.Errorf("registry: sim %s outputs: %w", simID, err)
	}
	defer rows.Close()
	if sim.Outputs, err = scanOutputs(rows, simID); err != nil {
		return Simulation{}, err
	}
	return sim, nil
}

// LoadBlobs returns the stored blobs of a simulation ordered by name after
// verifying them, as SQLite.LoadBlobs.
func (p *Postgres) LoadBlobs(ctx context.Context, simID string) ([]Blob, error) {
	var want int64
	err := p.pool.QueryRow(ctx, `SELECT n_blobs FROM sims WHERE sim_id = $1`, simID).Scan(&want)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("registry: blobs of %s: %w", simID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("registry: blobs of %s: %w", simID, err)
	}
	rows, err := p.pool.Query(ctx, `SELECT name, bytes, sha256, data FROM blobs WHERE sim_id = $1 ORDER BY name COLLATE "C"`, simID)
	if err != nil {
		return nil, fmt.Errorf("registry: blobs of %s: %w", simID, err)
	}
	defer rows.Close()
	return scanBlobs(rows, simID, want)
}

// Done reports whether a simulation is finished and its blobs verify.
func (p *Postgres) Done(ctx context.Context, simID string) (bool, error) {
	var st string
	err := p.pool.QueryRow(ctx, `SELECT status FROM sims WHERE sim_id = $1`, simID).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("registry: done %s: %w", simID, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("registry: done %s: %w", simID, err)
	}
	if !Status(st).Finished() {
		return false, nil
	}
	if _, err := p.LoadBlobs(ctx, simID); err != nil {
		return false, err
	}
	return true, nil
}

// RequeueCorrupt verifies the blobs of every finished simulation and returns
// to pending those that fail, as SQLite.RequeueCorrupt.
func (p *Postgres) RequeueCorrupt(ctx context.Context) ([]string, error) {
	rows, err := p.pool.Query(ctx, `SELECT sim_id FROM sims WHERE status IN ('complete','complete-empty') ORDER BY sim_id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("registry: requeue corrupt: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("registry: requeue corrupt: %w", err)
	}
	var bad []string
	for _, id := range ids {
		if _, err := p.LoadBlobs(ctx, id); errors.Is(err, ErrChecksum) {
			bad = append(bad, id)
		} else if err != nil {
			return nil, fmt.Errorf("registry: requeue corrupt: %w", err)
		}
	}
	if len(bad) == 0 {
		return nil, nil
	}
	err = p.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM blobs WHERE sim_id = ANY($1)`, bad); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE sims SET status = 'pending', error_class = 'checksum',
			error_message = 'stored result failed verification', n_blobs = 0, finished_at = NULL
			WHERE sim_id = ANY($1)`, bad)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("registry: requeue corrupt: %w", err)
	}
	return bad, nil
}

// MeasuredDurations returns the wall time of every finished simulation with
// its estimated cost.
func (p *Postgres) MeasuredDurations(ctx context.Context) ([]Measured, error) {
	rows, err := p.pool.Query(ctx, `SELECT sim_id, scene, met, cost, started_at, finished_at FROM sims
		WHERE status IN ('complete','complete-empty') AND started_at IS NOT NULL AND finished_at IS NOT NULL
		ORDER BY sim_id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("registry: measured durations: %w", err)
	}
	defer rows.Close()
	var out []Measured
	for rows.Next() {
		var m Measured
		var t0, t1 time.Time
		if err := rows.Scan(&m.SimID, &m.Scene, &m.Met, &m.Cost, &t0, &t1); err != nil {
			return nil, fmt.Errorf("registry: measured durations: %w", err)
		}
		m.Seconds = t1.Sub(t0).Seconds()
		if m.Seconds < 0 {
			continue
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
