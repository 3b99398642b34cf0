package objstore

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
)

// Dir is a Store in a local directory: keys are relative paths under Root.
type Dir struct{ Root string }

// NewDir returns the store rooted at dir (created on the first Put).
func NewDir(dir string) *Dir { return &Dir{Root: filepath.Clean(dir)} }

// URL is file:///Root.
func (d *Dir) URL() string { return (&url.URL{Scheme: "file", Path: d.Root}).String() }

func (d *Dir) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", fmt.Errorf("objstore %s: %w", d.URL(), err)
	}
	return filepath.Join(d.Root, filepath.FromSlash(key)), nil
}

// Put copies the file to Root/key through a temp file and a rename, then
// re-reads the copy and compares its SHA-256 with the source's.
func (d *Dir) Put(ctx context.Context, key, localPath string) (Object, error) {
	dst, err := d.path(key)
	if err != nil {
		return Object{}, err
	}
	want, size, err := FileSHA256(localPath)
	if err != nil {
		return Object{}, fmt.Errorf("objstore put %s: %w", key, err)
	}
	if same, _ := filepath.Abs(localPath); same == dst {
		return d.Stat(ctx, key) // publishing a file onto itself
	}
	if err := copyAtomic(localPath, dst); err != nil {
		return Object{}, fmt.Errorf("objstore put %s (%s): %w", key, dst, err)
	}
	got, n, err := FileSHA256(dst)
	if err != nil {
		return Object{}, fmt.Errorf("objstore put %s: verifying: %w", key, err)
	}
	if got != want || n != size {
		return Object{}, fmt.Errorf("objstore put %s: stored copy has sha256 %s (%d bytes), local file %s has %s (%d bytes): %w", key, got, n, localPath, want, size, ErrChecksum)
	}
	return d.Stat(ctx, key)
}

func copyAtomic(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFunc(dst, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// Get copies Root/key to localPath (atomically) and verifies the copy.
func (d *Dir) Get(ctx context.Context, key, localPath string) (Object, error) {
	o, err := d.Stat(ctx, key)
	if err != nil {
		return Object{}, err
	}
	src, _ := d.path(key)
	if err := copyAtomic(src, localPath); err != nil {
		return Object{}, fmt.Errorf("objstore get %s: %w", key, err)
	}
	got, _, err := FileSHA256(localPath)
	if err != nil {
		return Object{}, fmt.Errorf("objstore get %s: %w", key, err)
	}
	if got != o.SHA256 {
		return Object{}, fmt.Errorf("objstore get %s: downloaded sha256 %s, stored %s: %w", key, got, o.SHA256, ErrChecksum)
	}
	return o, nil
}

// Stat describes Root/key; its SHA256 is computed from the content.
func (d *Dir) Stat(_ context.Context, key string) (Object, error) {
	p, err := d.path(key)
	if err != nil {
		return Object{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		if os.IsNotExist(err) {
			return Object{}, fmt.Errorf("objstore stat %s (%s): %w", key, p, ErrNotExist)
		}
		return Object{}, fmt.Errorf("objstore stat %s: %w", key, err)
	}
	if fi.IsDir() {
		return Object{}, fmt.Errorf("objstore stat %s (%s) is a directory: %w", key, p, ErrNotExist)
	}
	sum, _, err := FileSHA256(p)
	if err != nil {
		return Object{}, fmt.Errorf("objstore stat %s: %w", key, err)
	}
	return Object{Key: key, Size: fi.Size(), SHA256: sum, Modified: fi.ModTime()}, nil
}

// List walks Root and returns the files whose keys start with prefix
// (temp files of unfinished Puts excluded).
func (d *Dir) List(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	err := filepath.WalkDir(d.Root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == d.Root {
				return filepath.SkipDir
			}
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp") {
			return nil
		}
		rel, err := filepath.Rel(d.Root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		o, err := d.Stat(ctx, key)
		if err != nil {
			return err
		}
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("objstore list %s under %s: %w", prefix, d.URL(), err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Check creates Root when missing and verifies that it is a writable
// directory.
func (d *Dir) Check(context.Context) error {
	if err := os.MkdirAll(d.Root, 0o755); err != nil {
		return fmt.Errorf("objstore check %s: %w", d.URL(), err)
	}
	f, err := os.CreateTemp(d.Root, ".check.tmp*")
	if err != nil {
		return fmt.Errorf("objstore check %s: not writable: %w", d.URL(), err)
	}
	f.Close()
	return os.Remove(f.Name())
}
