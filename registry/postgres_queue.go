package registry

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// leaseSeconds converts a lease to seconds, rejecting non-positive leases.
func leaseSeconds(lease time.Duration) (float64, error) {
	if lease <= 0 {
		return 0, fmt.Errorf("lease %v: expected > 0", lease)
	}
	return lease.Seconds(), nil
}

// Claim hands up to n pending simulations to workerID, ordered by scene, met
// key and sim id (so that workers finish scenes in order and share staged
// met), moving them to running with a lease of the given length measured on
// the database clock. Rows other workers are claiming at the same moment are
// skipped (FOR UPDATE SKIP LOCKED), never waited for. The claim is one short
// statement: no transaction stays open while the simulation runs.
//
// Expired leases are reaped first (ReapExpired). If workerID is the id of a
// run begun with BeginRun, the rows record that run. It returns nil when
// nothing is pending.
func (p *Postgres) Claim(ctx context.Context, workerID string, n int, lease time.Duration) ([]Simulation, error) {
	if workerID == "" {
		return nil, fmt.Errorf("registry: claim: empty worker id")
	}
	if n < 1 {
		return nil, fmt.Errorf("registry: claim (worker %s): n = %d: expected >= 1", workerID, n)
	}
	secs, err := leaseSeconds(lease)
	if err != nil {
		return nil, fmt.Errorf("registry: claim (worker %s): %w", workerID, err)
	}
	if _, err := p.ReapExpired(ctx); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `WITH c AS (
			SELECT sim_id FROM sims WHERE status = 'pending'
			ORDER BY scene COLLATE "C", met COLLATE "C", sim_id COLLATE "C"
			LIMIT $1 FOR UPDATE SKIP LOCKED)
		UPDATE sims s SET status = 'running', attempts = s.attempts + 1, worker_id = $2,
			lease_until = clock_timestamp() + make_interval(secs => $3),
			run_id = (SELECT r.run_id FROM runs r WHERE r.run_id = $2), rank = 0,
			started_at = $4, finished_at = NULL
		FROM c WHERE s.sim_id = c.sim_id
		RETURNING `+pgSimCols, n, workerID, secs, pgTime(p.now()))
	if err != nil {
		return nil, fmt.Errorf("registry: claim (worker %s): %w", workerID, err)
	}
	out, err := collectSims(rows)
	if err != nil {
		return nil, fmt.Errorf("registry: claim (worker %s): %w", workerID, err)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Scene != b.Scene {
			return a.Scene < b.Scene
		}
		if a.Met != b.Met {
			return a.Met < b.Met
		}
		return a.SimID < b.SimID
	})
	return out, nil
}

// Heartbeat extends the leases of ids held by workerID to lease from now
// (database clock). If any of them is no longer held by the worker the
// others are still extended and the error is a *LeaseLostError (wrapping
// ErrLeaseLost) naming the lost ids: the worker should abandon those
// simulations.
func (p *Postgres) Heartbeat(ctx context.Context, workerID string, ids []string, lease time.Duration) error {
	if len(ids) == 0 {
		return nil
	}
	secs, err := leaseSeconds(lease)
	if err != nil {
		return fmt.Errorf("registry: heartbeat (worker %s): %w", workerID, err)
	}
	rows, err := p.pool.Query(ctx, `UPDATE sims SET lease_until = clock_timestamp() + make_interval(secs => $1)
		WHERE worker_id = $2 AND status = 'running' AND sim_id = ANY($3) RETURNING sim_id`, secs, workerID, ids)
	if err != nil {
		return fmt.Errorf("registry: heartbeat (worker %s): %w", workerID, err)
	}
	held, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("registry: heartbeat (worker %s): %w", workerID, err)
	}
	if len(held) == len(ids) {
		return nil
	}
	have := make(map[string]bool, len(held))
	for _, id := range held {
		have[id] = true
	}
	var lost []string
	for _, id := range ids {
		if !have[id] {
			lost = append(lost, id)
		}
	}
	return &LeaseLostError{WorkerID: workerID, IDs: lost, Of: len(ids)}
}

// LeaseLostError is Heartbeat's error when some simulations are no longer
// held by the worker; errors.Is(err, ErrLeaseLost) is true.
type LeaseLostError struct {
	WorkerID string
	IDs      []string // the simulations lost
	Of       int      // how many the heartbeat covered
}

func (e *LeaseLostError) Error() string {
	return fmt.Sprintf("registry: heartbeat (worker %s): %d of %d simulations no longer held (%s): %v",
		e.WorkerID, len(e.IDs), e.Of, strings.Join(e.IDs, ", "), ErrLeaseLost)
}

// Unwrap makes errors.Is(err, ErrLeaseLost) true.
func (e *LeaseLostError) Unwrap() error { return ErrLeaseLost }

// CommitClaimed is CommitResult for a simulation claimed by workerID: it is
// written only if the worker still holds it (else ErrLeaseLost and nothing
// changes, because the simulation was handed to another worker). An
// interrupted (pending) result returns the simulation to the queue, or
// marks it failed (keeping the error) when it has been claimed MaxAttempts
// times.
func (p *Postgres) CommitClaimed(ctx context.Context, workerID string, r Result) error {
	if workerID == "" {
		return fmt.Errorf("registry: commit %s: empty worker id", r.SimID)
	}
	sums, err := p.prepareResult(&r)
	if err != nil {
		return err
	}
	err = p.tx(ctx, func(tx pgx.Tx) error {
		_, err := p.commitTx(ctx, tx, &r, sums, workerID)
		return err
	})
	if err != nil {
		return fmt.Errorf("registry: commit %s (worker %s): %w", r.SimID, workerID, err)
	}
	return nil
}

// Release returns simulations held by workerID (all of them when ids is
// empty) to pending without counting the attempt: the worker is shutting
// down (SIGTERM), the simulation did not fail. It returns how many were
// released.
func (p *Postgres) Release(ctx context.Context, workerID string, ids []string) (int, error) {
	q := `UPDATE sims SET status = 'pending', attempts = greatest(attempts - 1, 0), worker_id = '',
		lease_until = NULL, error_class = 'interrupted',
		error_message = 'released by worker ' || worker_id || ' on shutdown'
		WHERE worker_id = $1 AND status = 'running'`
	args := []any{workerID}
	if len(ids) > 0 {
		q += ` AND sim_id = ANY($2)`
		args = append(args, ids)
	}
	tag, err := p.pool.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("registry: release (worker %s): %w", workerID, err)
	}
	return int(tag.RowsAffected()), nil
}

// ReapExpired returns running simulations whose lease has expired to
// pending, or marks them failed once they have been claimed MaxAttempts
// times; either way error class "lease-expired" and a message naming the
// worker are recorded. Rows another transaction is reaping are skipped. It
// returns the number of rows changed.
func (p *Postgres) ReapExpired(ctx context.Context) (int, error) {
	tag, err := p.pool.Exec(ctx, `WITH e AS (
			SELECT sim_id FROM sims WHERE status = 'running' AND lease_until < clock_timestamp()
			FOR UPDATE SKIP LOCKED)
		UPDATE sims s SET
			status = CASE WHEN s.attempts >= $1 THEN 'failed' ELSE 'pending' END,
			error_class = 'lease-expired',
			error_message = 'lease of worker ' || s.worker_id || ' expired at ' ||
				to_char(s.lease_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') ||
				' (attempt ' || s.attempts || ' of ' || $1 || ')' ||
				CASE WHEN s.error_message <> '' THEN '; before: ' || s.error_message ELSE '' END,
			finished_at = CASE WHEN s.attempts >= $1 THEN $2::timestamptz ELSE NULL END,
			worker_id = '', lease_until = NULL
		FROM e WHERE s.sim_id = e.sim_id`, p.maxAttempts, pgTime(p.now()))
	if err != nil {
		return 0, fmt.Errorf("registry: reap expired leases: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// SceneRemaining returns how many simulations of scene are not finished
// (pending or running). A worker that commits a scene's last simulation sees
// 0 and may assemble the scene's outputs; several workers may see 0 at once,
// so that step must be idempotent (atomic rename).
func (p *Postgres) SceneRemaining(ctx context.Context, scene string) (int, error) {
	var n int64
	err := p.pool.QueryRow(ctx, `SELECT count(*) FROM sims WHERE scene = $1 AND status IN ('pending','running')`, scene).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("registry: scene %q remaining: %w", scene, err)
	}
	return int(n), nil
}

// SceneSimIDs returns the ids of a scene's simulations, sorted.
func (p *Postgres) SceneSimIDs(ctx context.Context, scene string) ([]string, error) {
	rows, err := p.pool.Query(ctx, `SELECT sim_id FROM sims WHERE scene = $1 ORDER BY sim_id COLLATE "C"`, scene)
	if err != nil {
		return nil, fmt.Errorf("registry: scene %q members: %w", scene, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("registry: scene %q members: %w", scene, err)
	}
	return ids, nil
}

// Outstanding returns how many simulations are pending and how many are
// running under a lease (claimed by pull workers, expired or not). Rows
// marked running by a batch run (no lease) are not counted: Drain must not
// wait for them.
func (p *Postgres) Outstanding(ctx context.Context) (pending, leased int, err error) {
	var a, b int64
	err = p.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'pending'),
		count(*) FILTER (WHERE status = 'running' AND lease_until IS NOT NULL) FROM sims`).Scan(&a, &b)
	if err != nil {
		return 0, 0, fmt.Errorf("registry: outstanding: %w", err)
	}
	return int(a), int(b), nil
}
