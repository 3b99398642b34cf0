package registry

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
)

// progress orders statuses for Merge: a row further along replaces one
// behind it.
func progress(s Status) int {
	switch s {
	case StatusPending:
		return 0
	case StatusRunning:
		return 1
	case StatusFailed:
		return 2
	case StatusComplete, StatusCompleteEmpty:
		return 3
	}
	return -1
}

// Merge folds the registry file at from (a shard written by one SLURM array
// task) into s, in one transaction. Runs are copied (their ids are unique
// across shards; an ended run replaces the same run still marked running).
// A simulation is copied with its blobs and outputs when s lacks it, or when
// the shard row is further along (pending < running < failed < complete /
// complete-empty), or equally far along but finished later. Merging the same
// shard twice changes nothing the second time.
func (s *SQLite) Merge(ctx context.Context, from string) (MergeReport, error) {
	var rep MergeReport
	if s.readOnly {
		return rep, fmt.Errorf("registry: merge %s: %s is open read-only", from, s.path)
	}
	if _, err := os.Stat(from); err != nil {
		return rep, fmt.Errorf("registry: merge %s: %w", from, err)
	}
	a, _ := filepath.Abs(from)
	b, _ := filepath.Abs(s.path)
	if a == b {
		return rep, fmt.Errorf("registry: merge %s: cannot merge a registry into itself", from)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return rep, fmt.Errorf("registry: merge %s: %w", from, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS shard`, "file:"+uriPath(from)+"?mode=ro"); err != nil {
		return rep, fmt.Errorf("registry: merge %s: attach: %w", from, err)
	}
	defer conn.ExecContext(context.Background(), `DETACH DATABASE shard`)
	var v int
	if err := conn.QueryRowContext(ctx, `PRAGMA shard.user_version`).Scan(&v); err != nil {
		return rep, fmt.Errorf("registry: merge %s: %w", from, err)
	}
	if v != SchemaVersion {
		return rep, fmt.Errorf("registry: merge %s: shard schema version %d, expected %d (open the shard for writing once to migrate)", from, v, SchemaVersion)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("registry: merge %s: %w", from, err)
	}
	if err := mergeTx(tx, &rep); err != nil {
		tx.Rollback()
		return MergeReport{}, fmt.Errorf("registry: merge %s: %w", from, err)
	}
	if testHookBeforeCommit != nil {
		testHookBeforeCommit()
	}
	if err := tx.Commit(); err != nil {
		return MergeReport{}, fmt.Errorf("registry: merge %s: commit: %w", from, err)
	}
	return rep, nil
}

func mergeTx(tx *sql.Tx, rep *MergeReport) error {
	res, err := tx.Exec(`INSERT INTO main.runs (` + runCols + `) SELECT ` + runCols + ` FROM shard.runs WHERE true
		ON CONFLICT (run_id) DO UPDATE SET ended_at = excluded.ended_at, status = excluded.status
		WHERE main.runs.ended_at IS NULL AND excluded.ended_at IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("runs: %w", err)
	}
	n, _ := res.RowsAffected()
	rep.Runs = int(n)

	type row struct {
		id       string
		status   Status
		finished sql.NullString
	}
	rows, err := tx.Query(`SELECT s.sim_id, s.status, s.finished_at, m.status, m.finished_at
		FROM shard.sims s LEFT JOIN main.sims m ON m.sim_id = s.sim_id ORDER BY s.sim_id`)
	if err != nil {
		return fmt.Errorf("sims: %w", err)
	}
	var insert, replace []string
	for rows.Next() {
		var sh row
		var mStatus, mFinished sql.NullString
		if err := rows.Scan(&sh.id, &sh.status, &sh.finished, &mStatus, &mFinished); err != nil {
			rows.Close()
			return fmt.Errorf("sims: %w", err)
		}
		switch {
		case !mStatus.Valid:
			insert = append(insert, sh.id)
		case progress(sh.status) > progress(Status(mStatus.String)):
			replace = append(replace, sh.id)
		case progress(sh.status) == progress(Status(mStatus.String)) && sh.finished.Valid &&
			(!mFinished.Valid || sh.finished.String > mFinished.String):
			replace = append(replace, sh.id)
		default:
			rep.Kept++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sims: %w", err)
	}
	for _, id := range replace {
		for _, t := range []string{"blobs", "outputs", "sims"} {
			if _, err := tx.Exec(`DELETE FROM main.`+t+` WHERE sim_id = ?`, id); err != nil {
				return fmt.Errorf("sim %s: %s: %w", id, t, err)
			}
		}
	}
	for _, id := range append(insert, replace...) {
		if _, err := tx.Exec(`INSERT INTO main.sims (`+simCols+`) SELECT `+simCols+` FROM shard.sims WHERE sim_id = ?`, id); err != nil {
			return fmt.Errorf("sim %s: %w", id, err)
		}
		if _, err := tx.Exec(`INSERT INTO main.blobs (sim_id, name, bytes, sha256, data)
			SELECT sim_id, name, bytes, sha256, data FROM shard.blobs WHERE sim_id = ?`, id); err != nil {
			return fmt.Errorf("sim %s blobs: %w", id, err)
		}
		if _, err := tx.Exec(`INSERT INTO main.outputs (sim_id, name, path, bytes, sha256)
			SELECT sim_id, name, path, bytes, sha256 FROM shard.outputs WHERE sim_id = ?`, id); err != nil {
			return fmt.Errorf("sim %s outputs: %w", id, err)
		}
	}
	rep.Inserted, rep.Updated = len(insert), len(replace)
	return nil
}
