package met

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func touch(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPatternTimes(t *testing.T) {
	cases := []struct {
		name string
		t    string
		n    int
		tres time.Duration
		want []string
	}{
		{"worked-example", "2019-05-30 11:00", -10, 6 * time.Hour, []string{"2019-05-30 00:00", "2019-05-30 06:00", "2019-05-30 12:00"}},
		{"backward-aligned", "2019-05-30 12:00", -6, 6 * time.Hour, []string{"2019-05-30 06:00", "2019-05-30 12:00"}},
		{"forward-no-ceil", "2019-05-30 01:00", 10, 6 * time.Hour, []string{"2019-05-30 00:00", "2019-05-30 06:00"}},
		{"hourly", "2019-05-30 02:30", -2, time.Hour, []string{"2019-05-30 00:00", "2019-05-30 01:00", "2019-05-30 02:00", "2019-05-30 03:00"}},
		{"daily-backward", "2019-05-31 01:00", -3, 24 * time.Hour, []string{"2019-05-30 00:00", "2019-05-31 00:00", "2019-06-01 00:00"}},
		{"daily-forward", "2019-05-30 22:00", 3, 24 * time.Hour, []string{"2019-05-30 00:00", "2019-05-31 00:00"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PatternTimes(utc(tc.t), tc.n, tc.tres)
			if err != nil {
				t.Fatal(err)
			}
			var gs []string
			for _, g := range got {
				gs = append(gs, fmtT(g))
			}
			if strings.Join(gs, "|") != strings.Join(tc.want, "|") {
				t.Errorf("times %v, want %v", gs, tc.want)
			}
		})
	}
}

func TestStrftime(t *testing.T) {
	tm := utc("2019-05-03 07:08")
	for f, want := range map[string]string{"%Y%m%d_%H": "20190503_07", "hrrr.%y%j.%H%M%S%%": "hrrr.19123.070800%", "%b%d": "May03"} {
		if got, err := Strftime(f, tm); err != nil || got != want {
			t.Errorf("Strftime(%q) = %q, %v; want %q", f, got, err, want)
		}
	}
	if _, err := Strftime("%Q", tm); err == nil {
		t.Error("%Q accepted")
	}
}

// archive builds the layout of uataq/stilt PR #137: real files under YYYY/MM,
// top-level symlinks to them, a .lock file and an unrelated file.
func archive(t *testing.T) string {
	dir := t.TempDir()
	for _, n := range []string{"20190530_00-05_hrrr", "20190530_06-11_hrrr"} {
		touch(t, filepath.Join(dir, "2019", "05", n), []byte(n))
		if err := os.Symlink(filepath.Join(dir, "2019", "05", n), filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	touch(t, filepath.Join(dir, "20190530_12-17_hrrr.lock"), nil)
	touch(t, filepath.Join(dir, "2019", "05", "x20190530_12-17_hrrr"), nil)
	return dir
}

func TestFindByPattern(t *testing.T) {
	dir := archive(t)
	q := PatternQuery{Dir: dir, Format: "%Y%m%d_%H", TRes: 6 * time.Hour, NMin: 1}
	sel, err := FindByPattern(q, utc("2019-05-30 11:00"), -10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "2019", "05", "20190530_00-05_hrrr"), filepath.Join(dir, "2019", "05", "20190530_06-11_hrrr")}
	for i := range want {
		want[i], _ = filepath.EvalSymlinks(want[i])
	}
	if strings.Join(sel.Files, "|") != strings.Join(want, "|") {
		t.Errorf("files %v, want %v (deduplicated real paths, by base name)", sel.Files, want)
	}
	if strings.Join(sel.Missing, ",") != "20190530_12" {
		t.Errorf("missing %v, want [20190530_12] (.lock files do not count)", sel.Missing)
	}
	// n_min above what exists: the exact PYSTILT error text
	q.NMin = 3
	_, err = FindByPattern(q, utc("2019-05-30 11:00"), -10)
	wantMsg := "Insufficient number of meteorological files found. Found: 2, Required: 3. Patterns not found in " + dir + ": 20190530_12"
	if err == nil || err.Error() != wantMsg || !IsMissingMet(err) {
		t.Errorf("error %v\nwant %s", err, wantMsg)
	}
	// nothing at all: missing hours
	q.NMin = 1
	_, err = FindByPattern(q, utc("2019-06-02 11:00"), -10)
	wantMsg = "Insufficient number of meteorological files found. Found: 0, Required: 1. Patterns not found in " + dir + ": 20190602_00, 20190602_06, 20190602_12"
	if err == nil || err.Error() != wantMsg {
		t.Errorf("error %v\nwant %s", err, wantMsg)
	}
}

func TestFindByPatternDaily(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"gfs0p25_20190530", "gfs0p25_20190531", "gfs0p25_20190601"} {
		touch(t, filepath.Join(dir, n), nil)
	}
	q := PatternQuery{Dir: dir, Format: "gfs0p25_%Y%m%d", TRes: 24 * time.Hour}
	// receptor at 22:00 in the last interval of a daily file, forward: the
	// next day's file is included (uataq/stilt #115)
	sel, err := FindByPattern(q, utc("2019-05-30 22:00"), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(sel.Files) != 2 || filepath.Base(sel.Files[1]) != "gfs0p25_20190531" {
		t.Errorf("forward daily: %v", sel.Files)
	}
	sel, err = FindByPattern(q, utc("2019-05-31 01:00"), -3)
	if err != nil || len(sel.Files) != 3 {
		t.Errorf("backward daily: %v, %v", sel.Files, err)
	}
}

func synthArchive(t *testing.T) (string, []string) {
	dir := t.TempDir()
	paths, err := Synth(filepath.Join(dir, "arl"), SynthSpec{NX: 5, NY: 4, Hours: 18, FileHours: 6, Sigma: []float64{0.99, 0.9}})
	if err != nil {
		t.Fatal(err)
	}
	return dir, paths
}

func TestHeaderDiscovery(t *testing.T) {
	dir, paths := synthArchive(t)
	// duplicate via symlink, a lock file, junk
	os.Symlink(paths[0], filepath.Join(dir, "link_to_first"))
	touch(t, filepath.Join(dir, "arl", "20190530_18-23_synth.lock"), []byte("x"))
	touch(t, filepath.Join(dir, "README.txt"), []byte("not ARL"))
	cachePath := filepath.Join(t.TempDir(), "met-index.json")
	cat, err := ScanHeaders(dir, cachePath)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Files) != 3 {
		t.Fatalf("%d files, want 3 (symlink deduplicated, .lock excluded): %+v", len(cat.Files), cat.Files)
	}
	if len(cat.Rejected) != 1 {
		t.Errorf("rejected %v, want README.txt only", cat.Rejected)
	}
	f0 := cat.Files[0]
	if !f0.First.Equal(utc("2019-05-30 00:00")) || !f0.Last.Equal(utc("2019-05-30 05:00")) || f0.Step != time.Hour || f0.Periods != 6 {
		t.Errorf("first file %+v", f0)
	}
	sel, err := cat.Select(utc("2019-05-30 11:00"), -10, "")
	if err != nil {
		t.Fatal(err)
	}
	// [earlier-step, later+step] = [00:00, 12:00] reaches the third file's first period
	if len(sel) != 3 || filepath.Base(sel[0].Path) != "20190530_00-05_synth" || filepath.Base(sel[1].Path) != "20190530_06-11_synth" {
		t.Errorf("selected %+v", sel)
	}
	if sel, err := cat.Select(utc("2019-05-30 10:00"), -9, ""); err != nil || len(sel) != 2 {
		t.Errorf("01:00-10:00: %d files, %v", len(sel), err)
	}
	// a run ending exactly at the end of the last file
	if _, err := cat.Select(utc("2019-05-30 17:00"), -17, ""); err != nil {
		t.Errorf("full span: %v", err)
	}
	// beyond the data: names the uncovered window
	_, err = cat.Select(utc("2019-05-30 20:00"), -4, "")
	if err == nil || !IsMissingMet(err) || !strings.Contains(err.Error(), "2019-05-30 17:00 to 2019-05-30 20:00") {
		t.Errorf("error %v", err)
	}
	// missing hours: remove the middle file
	os.Remove(paths[1])
	cat, err = ScanHeaders(dir, cachePath)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cat.Select(utc("2019-05-30 14:00"), -12, "")
	if err == nil || !strings.Contains(err.Error(), "2019-05-30 06:00 to 2019-05-30 11:00") || !strings.Contains(err.Error(), "20190530_00-05_synth") {
		t.Errorf("gap error %v", err)
	}
}

// TestHeaderCache proves the cache is consulted: an entry with matching size
// and mtime is believed without reading the file; a changed mtime is not.
func TestHeaderCache(t *testing.T) {
	dir, paths := synthArchive(t)
	cachePath := filepath.Join(t.TempDir(), "cache.json")
	if _, err := ScanHeaders(dir, cachePath); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	var c cacheFile
	if err := json.Unmarshal(b, &c); err != nil || len(c.Files) != 3 {
		t.Fatalf("cache %s: %v, %d entries", cachePath, err, len(c.Files))
	}
	real, _ := filepath.EvalSymlinks(paths[0])
	real, _ = filepath.Abs(real)
	e := c.Files[real]
	e.First = utc("2001-01-01 00:00") // a test double of a cached answer
	c.Files[real] = e
	b, _ = json.Marshal(c)
	os.WriteFile(cachePath, b, 0o644)
	cat, _ := ScanHeaders(dir, cachePath)
	if !cat.Files[0].First.Equal(utc("2001-01-01 00:00")) {
		t.Errorf("cache not used: first %s", cat.Files[0].First)
	}
	// touching the file invalidates its entry
	later := time.Now().Add(time.Hour)
	os.Chtimes(paths[0], later, later)
	cat, _ = ScanHeaders(dir, cachePath)
	for _, f := range cat.Files {
		if f.First.Year() == 2001 {
			t.Errorf("stale cache entry served after mtime change")
		}
	}
}
