package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.txt")
	for _, c := range []struct {
		data []byte
		mode os.FileMode
	}{{[]byte("first\n"), 0o644}, {[]byte("second, longer\n"), 0o755}, {nil, 0o600}} {
		if err := Write(path, c.data, c.mode); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, c.data) {
			t.Fatalf("read back %q, %v; want %q", got, err, c.data)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != c.mode {
			t.Errorf("mode %v, want %v", fi.Mode().Perm(), c.mode)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}

// TestConcurrentWriters: writers of the same file at the same moment all
// succeed, the file is one writer's whole content, and no temp file stays.
func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shared.json")
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	contents := make(map[string]bool)
	for i := 0; i < n; i++ {
		data := bytes.Repeat([]byte(fmt.Sprintf("writer %02d\n", i)), 1000)
		contents[string(data)] = true
		wg.Add(1)
		go func(i int, data []byte) {
			defer wg.Done()
			errs[i] = Write(path, data, 0o644)
		}(i, data)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || !contents[string(got)] {
		t.Fatalf("file is not one writer's content (%d bytes, %v)", len(got), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}

func TestWriteErrorNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "a.txt")
	err := Write(path, []byte("x"), 0o644)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(path)) {
		t.Fatalf("error %v does not name %s", err, path)
	}
}

func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "summary.json")
	if err := Write(path, []byte(`{"complete": 42}`+"\n"), 0o644); err != nil {
		fmt.Println(err)
	}
	b, _ := os.ReadFile(path)
	fmt.Print(string(b))
	// Output: {"complete": 42}
}

// TestWriteFuncFailureKeepsOld: a failing writer leaves the old file as it
// was and no temp file.
func TestWriteFuncFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.txt")
	if err := Write(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := fmt.Errorf("disk full (test)")
	err := WriteFunc(path, 0o644, func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the writer's", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("file now %q, want the old content", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}
