package met

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
)

// MissingMetError reports that the meteorology does not cover a simulation
// (failure class MISSING_MET_FILES).
type MissingMetError struct {
	Msg string
}

func (e *MissingMetError) Error() string { return e.Msg }

// Class returns the failure class name.
func (e *MissingMetError) Class() string { return "MISSING_MET_FILES" }

// Strftime formats t with the C strftime directives met file patterns use:
// %Y %y %m %d %H %M %S %j %b %B %% (others are an error).
func Strftime(format string, t time.Time) (string, error) {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(format) {
			return "", fmt.Errorf("strftime %q: trailing %%", format)
		}
		i++
		switch format[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'b':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case '%':
			b.WriteByte('%')
		default:
			return "", fmt.Errorf("strftime %q: unsupported directive %%%c", format, format[i])
		}
	}
	return b.String(), nil
}

// floorTo floors t to a multiple of d counted from the Unix epoch.
func floorTo(t time.Time, d time.Duration) time.Time {
	s := t.Unix()
	ds := int64(d / time.Second)
	m := s % ds
	if m < 0 {
		m += ds
	}
	return time.Unix(s-m, 0).UTC()
}

// PatternTimes returns the file times of the PYSTILT / R-STILT rule for a
// simulation at t running nHours (negative: backward): from floor(earlier)
// to later, with later ceiled to tres for backward runs only, every tres,
// inclusive at both ends.
func PatternTimes(t time.Time, nHours int, tres time.Duration) ([]time.Time, error) {
	if tres < time.Second || tres%time.Second != 0 {
		return nil, fmt.Errorf("met: file_tres %s must be a positive whole number of seconds", tres)
	}
	t = t.UTC()
	end := t.Add(time.Duration(nHours) * time.Hour)
	earlier, later := t, end
	if end.Before(t) {
		earlier, later = end, t
	}
	start := floorTo(earlier, tres)
	metEnd := later
	if nHours < 0 {
		if f := floorTo(later, tres); !f.Equal(later) {
			metEnd = f.Add(tres)
		}
	}
	var out []time.Time
	for x := start; !x.After(metEnd); x = x.Add(tres) {
		out = append(out, x)
	}
	return out, nil
}

// PatternQuery is met selection by file name (archive mode).
type PatternQuery struct {
	Dir    string        // archive root, searched recursively
	Format string        // strftime pattern (file_format)
	TRes   time.Duration // file period (file_tres)
	NMin   int           // minimum number of files (n_min, default 1)
}

// Selection is the outcome of file-name discovery.
type Selection struct {
	Files   []string // resolved real paths, sorted by base name
	Missing []string // patterns that matched nothing (a warning when Files suffice)
}

// FindByPattern selects the met files for a simulation at t running nHours
// (receptors-and-met.md §5). It fails with a *MissingMetError when fewer than
// NMin files (or none) are found.
func FindByPattern(q PatternQuery, t time.Time, nHours int) (Selection, error) {
	var sel Selection
	times, err := PatternTimes(t, nHours, q.TRes)
	if err != nil {
		return sel, err
	}
	var patterns []string
	seen := map[string]bool{}
	for _, x := range times {
		p, err := Strftime(q.Format, x)
		if err != nil {
			return sel, fmt.Errorf("met: file_format: %w", err)
		}
		if !seen[p] {
			seen[p] = true
			patterns = append(patterns, p)
		}
	}
	files, err := listFiles(q.Dir)
	if err != nil {
		return sel, err
	}
	real := map[string]bool{}
	for _, p := range patterns {
		found := false
		for _, f := range files {
			if !matchPattern(f.rel, p) {
				continue
			}
			found = true
			if !real[f.real] {
				real[f.real] = true
				sel.Files = append(sel.Files, f.real)
			}
		}
		if !found {
			sel.Missing = append(sel.Missing, p)
		}
	}
	sort.SliceStable(sel.Files, func(i, j int) bool { return filepath.Base(sel.Files[i]) < filepath.Base(sel.Files[j]) })
	nmin := q.NMin
	if nmin < 1 {
		nmin = 1
	}
	if len(sel.Files) == 0 || len(sel.Files) < nmin {
		return sel, &MissingMetError{Msg: fmt.Sprintf("Insufficient number of meteorological files found. Found: %d, Required: %d. Patterns not found in %s: %s",
			len(sel.Files), nmin, q.Dir, strings.Join(sel.Missing, ", "))}
	}
	return sel, nil
}

// matchPattern: the file name starts with the pattern; a pattern with a
// slash is matched against the path relative to the root at any depth.
func matchPattern(rel, pattern string) bool {
	if !strings.Contains(pattern, "/") {
		return strings.HasPrefix(filepath.Base(rel), pattern)
	}
	rel = filepath.ToSlash(rel)
	return strings.HasPrefix(rel, pattern) || strings.Contains(rel, "/"+pattern)
}

type listed struct {
	path, rel, real string
	info            fs.FileInfo
}

// listFiles walks dir recursively and returns regular files (following file
// symlinks) whose names do not contain ".lock", in walk order.
func listFiles(dir string) ([]listed, error) {
	var out []listed
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // unreadable entries are skipped
		}
		if d.IsDir() || strings.Contains(d.Name(), ".lock") {
			return nil
		}
		st, err := os.Stat(p) // follows symlinks
		if err != nil || !st.Mode().IsRegular() {
			return nil
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil
		}
		if abs, err := filepath.Abs(real); err == nil {
			real = abs
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, listed{path: p, rel: rel, real: real, info: st})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("met: searching %s: %w", dir, err)
	}
	return out, nil
}

// FileInfo is what header discovery learns about one ARL file.
type FileInfo struct {
	Path    string        `json:"path"` // resolved real path
	Size    int64         `json:"size"`
	ModTime int64         `json:"mtime_ns"`
	GridKey string        `json:"grid"`
	First   time.Time     `json:"first"`
	Last    time.Time     `json:"last"`
	Step    time.Duration `json:"step_ns"`
	Periods int           `json:"periods"`
}

// GridKeyOf describes a grid header as a comparable string.
func GridKeyOf(h Header) string {
	return fmt.Sprintf("nx=%d ny=%d nz=%d kflag=%d size=%g pole=%g,%g ref=%g,%g tang=%g orient=%g sync=%g,%g@%g,%g",
		h.NX, h.NY, h.NZ, h.KFlag, h.GridSize, h.PoleLat, h.PoleLon, h.RefLat, h.RefLon, h.TangLat, h.Orient,
		h.SyncX, h.SyncY, h.SyncLat, h.SyncLon)
}

// Probe learns a file's grid and time coverage from its first index record,
// its size and the label of the second period (arl-format.md §5).
func Probe(path string) (FileInfo, error) {
	fi := FileInfo{Path: path}
	fh, err := os.Open(path)
	if err != nil {
		return fi, fmt.Errorf("met: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return fi, fmt.Errorf("met: %w", err)
	}
	fi.Size, fi.ModTime = st.Size(), st.ModTime().UnixNano()
	lab, ix, lrec, err := readIndexAt(fh, path, 0, fi.Size)
	if err != nil {
		return fi, err
	}
	fi.GridKey = GridKeyOf(ix.Header)
	per := int64(NumIndexRecords(ix.LenH, ix.NX*ix.NY)+ix.NumDataRecords()) * lrec
	if fi.Size%per != 0 {
		return fi, fmt.Errorf("%s: size %d is not a whole number of periods of %d bytes", path, fi.Size, per)
	}
	fi.Periods = int(fi.Size / per)
	fi.First = lab.Time().Add(time.Duration(ix.Minutes) * time.Minute)
	fi.Last = fi.First
	if fi.Periods > 1 {
		lab2, ix2, _, err := readIndexAt(fh, path, per, fi.Size)
		if err != nil {
			return fi, err
		}
		t2 := lab2.Time().Add(time.Duration(ix2.Minutes) * time.Minute)
		fi.Step = t2.Sub(fi.First)
		if fi.Step <= 0 {
			return fi, fmt.Errorf("%s: second period %s is not after the first %s", path, t2, fi.First)
		}
		fi.Last = fi.First.Add(time.Duration(fi.Periods-1) * fi.Step)
	}
	return fi, nil
}

// Catalog is the header index of a directory of ARL files.
type Catalog struct {
	Dir      string
	Files    []FileInfo
	Rejected map[string]string // path → reason (not ARL, truncated, …)
	Warnings []string
}

type cacheFile struct {
	Version int                 `json:"version"`
	Files   map[string]FileInfo `json:"files"`
}

// ScanHeaders indexes every regular file under dir (recursive, ".lock"
// excluded, deduplicated by real path). When cachePath is not empty, what was
// learned is cached there as JSON keyed by real path, size and mtime.
func ScanHeaders(dir, cachePath string) (*Catalog, error) {
	files, err := listFiles(dir)
	if err != nil {
		return nil, err
	}
	cache := cacheFile{Version: 1, Files: map[string]FileInfo{}}
	if cachePath != "" {
		if b, err := os.ReadFile(cachePath); err == nil {
			var c cacheFile
			if json.Unmarshal(b, &c) == nil && c.Version == 1 && c.Files != nil {
				cache = c
			}
		}
	}
	absCache := ""
	if cachePath != "" {
		absCache, _ = filepath.Abs(cachePath)
	}
	cat := &Catalog{Dir: dir, Rejected: map[string]string{}}
	seen := map[string]bool{}
	fresh := map[string]FileInfo{}
	for _, f := range files {
		if seen[f.real] || f.real == absCache || strings.HasSuffix(f.real, ".tmp") {
			continue
		}
		seen[f.real] = true
		if c, ok := cache.Files[f.real]; ok && c.Size == f.info.Size() && c.ModTime == f.info.ModTime().UnixNano() {
			cat.Files = append(cat.Files, c)
			fresh[f.real] = c
			continue
		}
		fi, err := Probe(f.real)
		if err != nil {
			cat.Rejected[f.real] = err.Error()
			continue
		}
		cat.Files = append(cat.Files, fi)
		fresh[f.real] = fi
	}
	sort.SliceStable(cat.Files, func(i, j int) bool {
		a, b := cat.Files[i], cat.Files[j]
		if !a.First.Equal(b.First) {
			return a.First.Before(b.First)
		}
		return filepath.Base(a.Path) < filepath.Base(b.Path)
	})
	if cachePath != "" {
		if err := writeJSONAtomic(cachePath, cacheFile{Version: 1, Files: fresh}); err != nil {
			cat.Warnings = append(cat.Warnings, fmt.Sprintf("met: header cache %s not written: %v", cachePath, err))
		}
	}
	return cat, nil
}

func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, b, 0o644)
}

func fmtT(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

// Select chooses the files of one grid (gridKey; "" when the catalog holds
// one grid) covering a simulation at t running nHours
// (receptors-and-met.md §6): files whose coverage [first, last+step)
// intersects [earlier−step, later+step], sorted by first time then base
// name; the union must cover [earlier, later] with one time step and no gaps.
func (c *Catalog) Select(t time.Time, nHours int, gridKey string) ([]FileInfo, error) {
	t = t.UTC()
	end := t.Add(time.Duration(nHours) * time.Hour)
	earlier, later := t, end
	if end.Before(t) {
		earlier, later = end, t
	}
	// grid choice
	grids := map[string]bool{}
	for _, f := range c.Files {
		grids[f.GridKey] = true
	}
	if gridKey == "" {
		if len(grids) > 1 {
			return nil, fmt.Errorf("met: %s holds %d different grids; configure which one to use", c.Dir, len(grids))
		}
		for k := range grids {
			gridKey = k
		}
	}
	// common step: the files' own steps (single-period files inherit it)
	var step time.Duration
	for _, f := range c.Files {
		if f.GridKey == gridKey && f.Step > 0 {
			if step == 0 {
				step = f.Step
			} else if f.Step != step {
				return nil, fmt.Errorf("met: meteorological data time interval varies in %s: %s has %s, others %s", c.Dir, f.Path, f.Step, step)
			}
		}
	}
	var cand []FileInfo
	for _, f := range c.Files {
		if f.GridKey != gridKey {
			continue
		}
		covEnd := f.Last.Add(step)
		if covEnd.After(earlier.Add(-step)) && !f.First.After(later.Add(step)) {
			cand = append(cand, f)
		}
	}
	describe := func(fs []FileInfo) string {
		if len(fs) == 0 {
			return "no files"
		}
		var parts []string
		for _, f := range fs {
			parts = append(parts, fmt.Sprintf("%s [%s to %s]", filepath.Base(f.Path), fmtT(f.First), fmtT(f.Last)))
		}
		return strings.Join(parts, ", ")
	}
	// drop files wholly inside an earlier chosen file; reject partial overlaps
	var chosen []FileInfo
	for _, f := range cand {
		if n := len(chosen); n > 0 {
			prev := chosen[n-1]
			if !f.Last.After(prev.Last) {
				continue
			}
			if !f.First.After(prev.Last) {
				return nil, fmt.Errorf("met: %s [%s to %s] overlaps %s [%s to %s]", f.Path, fmtT(f.First), fmtT(f.Last),
					prev.Path, fmtT(prev.First), fmtT(prev.Last))
			}
		}
		chosen = append(chosen, f)
	}
	// coverage check
	if len(chosen) == 0 || chosen[0].First.After(earlier) {
		until := later
		if len(chosen) > 0 && chosen[0].First.Before(later) {
			until = chosen[0].First
		}
		return chosen, &MissingMetError{Msg: fmt.Sprintf("meteorology in %s does not cover %s to %s (selected: %s)",
			c.Dir, fmtT(earlier), fmtT(until), describe(chosen))}
	}
	for i := 1; i < len(chosen); i++ {
		a, b := chosen[i-1], chosen[i]
		if b.First.Sub(a.Last) != step && a.Last.Before(later) {
			return chosen, &MissingMetError{Msg: fmt.Sprintf("meteorology in %s does not cover %s to %s: gap between %s and %s (selected: %s)",
				c.Dir, fmtT(a.Last.Add(step)), fmtT(b.First.Add(-step)), filepath.Base(a.Path), filepath.Base(b.Path), describe(chosen))}
		}
	}
	if last := chosen[len(chosen)-1]; last.Last.Before(later) {
		return chosen, &MissingMetError{Msg: fmt.Sprintf("meteorology in %s does not cover %s to %s (selected: %s)",
			c.Dir, fmtT(last.Last), fmtT(later), describe(chosen))}
	}
	return chosen, nil
}

// IsMissingMet reports whether err is a MISSING_MET_FILES failure.
func IsMissingMet(err error) bool {
	var m *MissingMetError
	return errors.As(err, &m)
}
