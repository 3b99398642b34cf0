package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// FileOutput describes the file at path (size and SHA-256) as an Output
// named name, for a Result. rel is the path recorded (relative to the
// output directory, so that the output tree can move).
func FileOutput(name, path, rel string) (Output, error) {
	sum, n, err := hashFile(path)
	if err != nil {
		return Output{}, fmt.Errorf("registry: output %s: %w", name, err)
	}
	return Output{Name: name, Path: rel, Bytes: n, SHA256: sum}, nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// VerifyOutputs checks the files referenced by a simulation's outputs
// (relative paths are taken under baseDir): each must exist with the
// recorded size and SHA-256. A mismatch wraps ErrChecksum; a missing file
// wraps fs.ErrNotExist.
func (s *SQLite) VerifyOutputs(ctx context.Context, simID, baseDir string) error {
	sim, err := s.Get(ctx, simID)
	if err != nil {
		return err
	}
	for _, o := range sim.Outputs {
		p := o.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(baseDir, p)
		}
		sum, n, err := hashFile(p)
		if err != nil {
			return fmt.Errorf("registry: output %s/%s: %w", simID, o.Name, err)
		}
		if n != o.Bytes || sum != o.SHA256 {
			return fmt.Errorf("registry: output %s/%s (%s): %d bytes sha256 %s, recorded %d bytes sha256 %s: %w",
				simID, o.Name, p, n, sum, o.Bytes, o.SHA256, ErrChecksum)
		}
	}
	return nil
}
