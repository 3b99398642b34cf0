package registry

import "fmt"

// rows is what database/sql's *sql.Rows and pgx.Rows have in common, so the
// SQLite and PostgreSQL stores share one scanner per result shape.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanOutputs reads (name, path, bytes, sha256) rows of a simulation.
func scanOutputs(rs rows, simID string) ([]Output, error) {
	var out []Output
	for rs.Next() {
		var o Output
		if err := rs.Scan(&o.Name, &o.Path, &o.Bytes, &o.SHA256); err != nil {
			return nil, fmt.Errorf("registry: sim %s outputs: %w", simID, err)
		}
		out = append(out, o)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("registry: sim %s outputs: %w", simID, err)
	}
	return out, nil
}

// scanBlobs reads (name, bytes, sha256, data) rows of a simulation and
// verifies each blob's length and SHA-256 and that want blobs are present;
// any mismatch wraps ErrChecksum.
func scanBlobs(rs rows, simID string, want int64) ([]Blob, error) {
	var out []Blob
	for rs.Next() {
		var b Blob
		var n int64
		if err := rs.Scan(&b.Name, &n, &b.SHA256, &b.Data); err != nil {
			return nil, fmt.Errorf("registry: blobs of %s: %w", simID, err)
		}
		if int64(len(b.Data)) != n {
			return nil, fmt.Errorf("registry: blob %s/%s: %d bytes stored, %d recorded: %w", simID, b.Name, len(b.Data), n, ErrChecksum)
		}
		if got := sha256Hex(b.Data); got != b.SHA256 {
			return nil, fmt.Errorf("registry: blob %s/%s: sha256 %s, recorded %s: %w", simID, b.Name, got, b.SHA256, ErrChecksum)
		}
		out = append(out, b)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("registry: blobs of %s: %w", simID, err)
	}
	if int64(len(out)) != want {
		return nil, fmt.Errorf("registry: blobs of %s: %d present, %d committed: %w", simID, len(out), want, ErrChecksum)
	}
	return out, nil
}
