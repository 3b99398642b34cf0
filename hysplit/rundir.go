package hysplit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MetSubdir is the run-directory subdirectory holding the staged met files.
const MetSubdir = "met"

// RunDirOptions configure PrepareRunDir.
type RunDirOptions struct {
	// Scratch is the parent directory, ideally node-local disk. Default:
	// $STILT_SCRATCH, else os.TempDir() ($TMPDIR or /tmp).
	Scratch string
	// Name is the simulation id; it prefixes the directory name (characters
	// other than letters, digits, '.', '_' and '-' become '_').
	Name string
	// MetFiles are the ARL files to stage, in chronological order. Each is
	// symlinked as met/<base name>; two files with the same base name are
	// an error (hycs_std fails when a file is listed twice).
	MetFiles []string
	// KeepOnFailure keeps the directory when Cleanup is told the run
	// failed, for inspection.
	KeepOnFailure bool
}

// RunDir is one simulation's working directory.
type RunDir struct {
	Path          string   // absolute path
	MetFiles      []string // staged file names inside met/, in the given order
	KeepOnFailure bool
}

// MetDirLine is the met directory to write in CONTROL: a path relative to
// the run directory (hycs_std runs there), with the required trailing slash.
func (d *RunDir) MetDirLine() string { return "./" + MetSubdir + "/" }

// MetDirAbs is the absolute met staging directory, with a trailing slash.
func (d *RunDir) MetDirAbs() string { return filepath.Join(d.Path, MetSubdir) + "/" }

// LogPath is the simulation log written by Execute.
func (d *RunDir) LogPath() string { return filepath.Join(d.Path, LogName) }

// ScratchDir returns the default parent for run directories.
func ScratchDir() string {
	if s := os.Getenv("STILT_SCRATCH"); s != "" {
		return s
	}
	return os.TempDir()
}

// PrepareRunDir creates a fresh run directory under opts.Scratch and links
// into it the executable (as hycs_std), the data tables, and the met files
// (under met/). CONTROL, SETUP.CFG and ZICONTROL are written afterwards by
// the caller (WriteInputs), then Execute runs the binary. On error nothing
// is left behind.
func PrepareRunDir(in *Install, opts RunDirOptions) (*RunDir, error) {
	if in == nil {
		return nil, errors.New("hysplit: PrepareRunDir: no Install")
	}
	scratch := opts.Scratch
	if scratch == "" {
		scratch = ScratchDir()
	}
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, fmt.Errorf("hysplit: scratch directory: %w", err)
	}
	path, err := os.MkdirTemp(scratch, sanitize(opts.Name)+"-")
	if err != nil {
		return nil, fmt.Errorf("hysplit: creating run directory in %s: %w", scratch, err)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	d := &RunDir{Path: path, KeepOnFailure: opts.KeepOnFailure}
	if err := d.populate(in, opts.MetFiles); err != nil {
		os.RemoveAll(path)
		return nil, err
	}
	return d, nil
}

func (d *RunDir) populate(in *Install, met []string) error {
	links := [][2]string{{in.Exe, ExeName}}
	for _, n := range DataFileNames {
		if n == "ASCDATA.CFG" {
			wrote, err := d.localASCDATA(in.DataFile(n))
			if err != nil {
				return err
			}
			if wrote {
				continue
			}
		}
		links = append(links, [2]string{in.DataFile(n), n})
	}
	for _, l := range links {
		if _, err := os.Stat(l[0]); err != nil {
			return fmt.Errorf("hysplit: run directory %s: %s: %w", d.Path, l[1], err)
		}
		if err := os.Symlink(l[0], filepath.Join(d.Path, l[1])); err != nil {
			return fmt.Errorf("hysplit: linking %s: %w", l[1], err)
		}
	}
	metDir := filepath.Join(d.Path, MetSubdir)
	if err := os.Mkdir(metDir, 0o755); err != nil {
		return fmt.Errorf("hysplit: %w", err)
	}
	seen := map[string]string{}
	for i, m := range met {
		abs, err := filepath.Abs(m)
		if err != nil {
			return fmt.Errorf("hysplit: met file %d %q: %w", i+1, m, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return fmt.Errorf("hysplit: met file %d: %w", i+1, err)
		}
		if st.IsDir() {
			return fmt.Errorf("hysplit: met file %d: %s is a directory", i+1, abs)
		}
		base := filepath.Base(abs)
		if prev, dup := seen[base]; dup {
			return fmt.Errorf("hysplit: met files %s and %s share the name %q (hycs_std fails on a file listed twice)", prev, abs, base)
		}
		seen[base] = abs
		if err := os.Symlink(abs, filepath.Join(metDir, base)); err != nil {
			return fmt.Errorf("hysplit: staging met file %s: %w", abs, err)
		}
		d.MetFiles = append(d.MetFiles, base)
	}
	return nil
}

// localASCDATA handles an ASCDATA.CFG whose data directory is not './'
// (a HYSPLIT install's says '../bdyfiles/'): since the tables are linked
// into the run directory, such a file is copied with the directory replaced
// by './' (hycs_std would otherwise silently fall back to default land use
// and roughness). It reports whether it wrote the file; when false the
// caller links the original.
func (d *RunDir) localASCDATA(src string) (bool, error) {
	b, err := os.ReadFile(src)
	if err != nil {
		return false, fmt.Errorf("hysplit: reading %s: %w", src, err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		q1 := strings.IndexByte(l, '\'')
		if q1 < 0 {
			continue
		}
		q2 := strings.IndexByte(l[q1+1:], '\'')
		if q2 < 0 {
			return false, fmt.Errorf("hysplit: %s line %d: unterminated quoted data directory", src, i+1)
		}
		if l[q1+1:q1+1+q2] == "./" {
			return false, nil
		}
		lines[i] = l[:q1] + "'./'" + l[q1+1+q2+1:]
		if err := os.WriteFile(filepath.Join(d.Path, "ASCDATA.CFG"), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			return false, fmt.Errorf("hysplit: writing ASCDATA.CFG: %w", err)
		}
		return true, nil
	}
	return false, fmt.Errorf("hysplit: %s: no quoted data directory line (expected e.g. '../bdyfiles/')", src)
}

// Cleanup removes the run directory, unless failed is true and the
// directory was prepared with KeepOnFailure. Call it after the outputs (log,
// particles) have been stored elsewhere. It returns whether the directory
// was kept.
func (d *RunDir) Cleanup(failed bool) (kept bool, err error) {
	if failed && d.KeepOnFailure {
		return true, nil
	}
	if err := os.RemoveAll(d.Path); err != nil {
		return false, fmt.Errorf("hysplit: removing run directory: %w", err)
	}
	return false, nil
}

func sanitize(name string) string {
	if name == "" {
		return "sim"
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}
