package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Temp reserves a hidden temp name beside path that no other writer uses
// and returns it; the file exists, is empty and has the given mode. For
// writers that must create the file themselves (a C library that overwrites
// it); finish with Commit, or os.Remove the name on failure.
func Temp(path string, mode os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	name := f.Name()
	err = f.Chmod(mode) // CreateTemp makes 0600
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return name, nil
}

// Commit renames the finished temp file tmp over path; on failure tmp is
// removed.
func Commit(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Write writes data to path atomically with the given mode, syncing the
// data before the rename. Errors name path.
func Write(path string, data []byte, mode os.FileMode) error {
	return WriteFunc(path, mode, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFunc is Write for streamed content: write fills the temp file; when
// it fails nothing replaces path and its error is returned, naming path.
func WriteFunc(path string, mode os.FileMode, write func(w io.Writer) error) error {
	tmp, err := Temp(path, mode)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return Commit(tmp, path)
}
