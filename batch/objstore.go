package batch

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/objstore"
)

// Output files are always written to the local output directory first
// (temp file + rename); with [output] url they are then uploaded to the
// object store under the same relative key (scenes/<scene>.nc,
// simulations/<sim_id>/<file>), with retries and checksum verification.

// outputStores holds one opened store per configuration (and URL), so that
// a run reuses its HTTP connections.
var outputStores sync.Map // storeKey -> *storeEntry

type storeKey struct {
	cfg *config.Config
	url string
}

type storeEntry struct {
	once  sync.Once
	store objstore.Store
	err   error
}

// OutputStore returns the object store of cfg's [output] url, or nil when
// none is configured. It is opened once per configuration.
func OutputStore(cfg *config.Config) (objstore.Store, error) {
	if cfg == nil || cfg.Output.URL == "" {
		return nil, nil
	}
	v, _ := outputStores.LoadOrStore(storeKey{cfg, cfg.Output.URL}, &storeEntry{})
	e := v.(*storeEntry)
	e.once.Do(func() {
		e.store, e.err = objstore.Open(cfg.Output.URL, objstore.Options{})
		if e.err != nil {
			e.err = fmt.Errorf("%s: output.url: %w", cfg.Path, e.err)
		}
	})
	return e.store, e.err
}

// OutputKey is the object key of a file under the output directory: its
// slash-separated relative path.
func OutputKey(cfg *config.Config, localPath string) (string, error) {
	rel, err := filepath.Rel(cfg.OutputDir(), localPath)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is not inside the output directory %s: no object key", localPath, cfg.OutputDir())
	}
	return filepath.ToSlash(rel), nil
}

// PublishOutput uploads a file written under the output directory to the
// object store of [output] url (a no-op without one) and verifies the
// stored copy.
func PublishOutput(ctx context.Context, cfg *config.Config, localPath string) error {
	st, err := OutputStore(cfg)
	if err != nil || st == nil {
		return err
	}
	key, err := OutputKey(cfg, localPath)
	if err != nil {
		return err
	}
	if _, err := st.Put(ctx, key, localPath); err != nil {
		return fmt.Errorf("uploading %s to %s: %w", localPath, st.URL(), err)
	}
	return nil
}

// publishedCopyMatches reports whether the object store holds the local
// file unchanged (true when no store is configured). A missing object or a
// different checksum is false; other errors are returned.
func publishedCopyMatches(ctx context.Context, cfg *config.Config, localPath string) (bool, error) {
	st, err := OutputStore(cfg)
	if err != nil || st == nil {
		return err == nil, err
	}
	key, err := OutputKey(cfg, localPath)
	if err != nil {
		return false, err
	}
	o, err := st.Stat(ctx, key)
	if errors.Is(err, objstore.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	sum, _, err := objstore.FileSHA256(localPath)
	if err != nil {
		return false, err
	}
	return o.SHA256 == sum, nil
}

// CheckOutputStore opens and checks the object store of [output] url (a
// no-op without one), so that a run fails before computing anything when
// the store is misconfigured or unreachable. bad reports a configuration
// problem (environment variables, URL) rather than a failed request.
func CheckOutputStore(ctx context.Context, cfg *config.Config) (bad bool, err error) {
	st, err := OutputStore(cfg)
	if err != nil || st == nil {
		return err != nil, err
	}
	if err := st.Check(ctx); err != nil {
		return false, fmt.Errorf("%s: output.url: %w", cfg.Path, err)
	}
	return false, nil
}
