package met

import (
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func synthOne(t *testing.T) string {
	t.Helper()
	paths, err := Synth(t.TempDir(), SynthSpec{NX: 6, NY: 5, Hours: 2, Sigma: []float64{0.99, 0.9}})
	if err != nil {
		t.Fatal(err)
	}
	return paths[0]
}

func TestChecksumMismatchNamesRecord(t *testing.T) {
	p := synthOne(t)
	f0, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	lrec := int64(f0.RecordLen())
	recs := f0.RecordsPerPeriod()
	f0.Close()
	b, _ := os.ReadFile(p)
	// second period, third data record on the surface (TPP1), one byte changed
	off := int64(recs+f0.nIndexRec+2)*lrec + LabelLen + 3
	b[off] ^= 0x10
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, b, 0o644)
	f, err := Open(bad)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tm := time.Date(2019, 5, 30, 1, 0, 0, 0, time.UTC)
	_, err = f.Read("TPP1", 0, tm)
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v, want a ChecksumError", err)
	}
	for _, s := range []string{bad, "2019-05-30 01:00", "level 0", "TPP1"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %q", err, s)
		}
	}
	if _, err := f.Read("TPP1", 0, tm.Add(-time.Hour)); err != nil {
		t.Errorf("intact record: %v", err)
	}
	if _, err := f.Verify(); err == nil {
		t.Error("Verify passed a corrupted file")
	}
}

func TestTruncatedAndGarbage(t *testing.T) {
	p := synthOne(t)
	b, _ := os.ReadFile(p)
	dir := t.TempDir()
	cases := map[string][]byte{
		"empty":      {},
		"label-only": b[:50],
		"truncated":  b[:len(b)-7],
		"one-short":  b[:len(b)/2+1],
		"garbage":    []byte(strings.Repeat("x", 400)),
		"not-index":  append([]byte("19 530 0 0 099TEMP"), b[18:]...),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			q := filepath.Join(dir, name)
			os.WriteFile(q, data, 0o644)
			f, err := Open(q)
			if err == nil {
				f.Close()
				t.Fatal("opened without error")
			}
			if !strings.Contains(err.Error(), q) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	if _, err := Open(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file opened")
	}
}

// TestRandomCorruptionNoPanic flips random bytes (labels and index included):
// every outcome must be an error or data, never a panic.
func TestRandomCorruptionNoPanic(t *testing.T) {
	p := synthOne(t)
	orig, _ := os.ReadFile(p)
	r := rand.New(rand.NewSource(3))
	dir := t.TempDir()
	for n := 0; n < 200; n++ {
		b := append([]byte(nil), orig...)
		for k := 0; k < 1+r.Intn(4); k++ {
			pos := r.Intn(len(b))
			if r.Intn(2) == 0 {
				pos = r.Intn(300) // bias towards labels and the index
			}
			b[pos] = byte(r.Intn(256))
		}
		q := filepath.Join(dir, "c")
		os.WriteFile(q, b, 0o644)
		f, err := Open(q)
		if err != nil {
			continue
		}
		for _, tm := range f.Times() {
			f.Snapshot(tm, nil, nil)
		}
		f.Verify()
		f.Close()
	}
}
