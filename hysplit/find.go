package hysplit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DataFileNames are the data tables hycs_std reads from its working
// directory (hysplit-interface.md §2).
var DataFileNames = []string{"ASCDATA.CFG", "LANDUSE.ASC", "ROUGLEN.ASC", "TERRAIN.ASC"}

// Install is a located HYSPLIT-STILT installation: the executable and the
// data tables a run directory links to. Paths are absolute.
type Install struct {
	Exe     string // the hycs_std executable
	DataDir string // directory holding DataFileNames
}

// DataFile returns the absolute path of one data table.
func (in *Install) DataFile(name string) string { return filepath.Join(in.DataDir, name) }

// SHA256 returns the hex sha256 of the executable, for run metadata.
func (in *Install) SHA256() (string, error) {
	f, err := os.Open(in.Exe)
	if err != nil {
		return "", fmt.Errorf("hysplit: hashing executable: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hysplit: hashing %s: %w", in.Exe, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// FindOptions say where to look for HYSPLIT. Find tries, in order:
//  1. Exe and DataDir when Exe is set (DataDir defaults as for PATH below);
//  2. Dir, an install directory (see FromDir);
//  3. hycs_std on PATH, with data from <exe dir>/../bdyfiles or <exe dir>.
type FindOptions struct {
	Dir     string // install directory
	Exe     string // explicit executable path
	DataDir string // explicit data-table directory
}

// ErrNotFound is wrapped by the errors of Find, FromDir and FromPaths when
// no usable installation was found.
var ErrNotFound = errors.New("HYSPLIT (hycs_std) not found")

// Find locates HYSPLIT as FindOptions describes. The error lists every
// place that was examined and what was missing there.
func Find(o FindOptions) (*Install, error) {
	switch {
	case o.Exe != "":
		dataDir := o.DataDir
		if dataDir == "" {
			dataDir = guessDataDir(o.Exe)
		}
		return FromPaths(o.Exe, dataDir)
	case o.Dir != "":
		if o.DataDir != "" {
			exe, err := exeInDir(o.Dir)
			if err != nil {
				return nil, err
			}
			return FromPaths(exe, o.DataDir)
		}
		return FromDir(o.Dir)
	}
	exe, err := exec.LookPath(ExeName)
	if err != nil {
		return nil, fmt.Errorf("%w: no install directory or executable configured, and %s is not on PATH (%s)",
			ErrNotFound, ExeName, os.Getenv("PATH"))
	}
	dataDir := o.DataDir
	if dataDir == "" {
		dataDir = guessDataDir(exe)
	}
	return FromPaths(exe, dataDir)
}

// guessDataDir returns <exe dir>/../bdyfiles when it holds ASCDATA.CFG
// (the HYSPLIT install layout exec/ + bdyfiles/), else the executable's own
// directory.
func guessDataDir(exe string) string {
	d := filepath.Dir(exe)
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		d = filepath.Dir(real)
	}
	b := filepath.Join(d, "..", "bdyfiles")
	if _, err := os.Stat(filepath.Join(b, DataFileNames[0])); err == nil {
		return filepath.Clean(b)
	}
	return d
}

// FromDir locates HYSPLIT in an install directory: the executable at
// exec/hycs_std (HYSPLIT's layout) or hycs_std, the data tables in
// bdyfiles/ (HYSPLIT), data/ (PYSTILT's package) or the directory itself.
func FromDir(dir string) (*Install, error) {
	exe, err := exeInDir(dir)
	if err != nil {
		return nil, err
	}
	abs := filepath.Dir(filepath.Dir(exe))
	if filepath.Base(filepath.Dir(exe)) != "exec" {
		abs = filepath.Dir(exe)
	}
	var tried []string
	for _, d := range []string{filepath.Join(abs, "bdyfiles"), filepath.Join(abs, "data"), abs} {
		if err := checkDataDir(d); err != nil {
			tried = append(tried, err.Error())
			continue
		}
		return &Install{Exe: exe, DataDir: d}, nil
	}
	return nil, fmt.Errorf("%w: executable %s found, but no data tables in %s: %s",
		ErrNotFound, exe, abs, strings.Join(tried, "; "))
}

// exeInDir returns the absolute path of exec/hycs_std or hycs_std in an
// install directory.
func exeInDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("hysplit: install directory %q: %w", dir, err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%w: install directory %s does not exist or is not a directory", ErrNotFound, abs)
	}
	var tried []string
	for _, c := range []string{filepath.Join(abs, "exec", ExeName), filepath.Join(abs, ExeName)} {
		if err := checkExecutable(c); err != nil {
			tried = append(tried, err.Error())
			continue
		}
		return c, nil
	}
	return "", fmt.Errorf("%w in install directory %s: %s", ErrNotFound, abs, strings.Join(tried, "; "))
}

// FromPaths checks an explicit executable and data-table directory.
func FromPaths(exe, dataDir string) (*Install, error) {
	ae, err := filepath.Abs(exe)
	if err != nil {
		return nil, fmt.Errorf("hysplit: executable %q: %w", exe, err)
	}
	ad, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("hysplit: data directory %q: %w", dataDir, err)
	}
	if err := checkExecutable(ae); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	if err := checkDataDir(ad); err != nil {
		return nil, fmt.Errorf("%w: executable %s found, but %v", ErrNotFound, ae, err)
	}
	return &Install{Exe: ae, DataDir: ad}, nil
}

func checkExecutable(p string) error {
	st, err := os.Stat(p)
	switch {
	case err != nil:
		return fmt.Errorf("%s: not found", p)
	case st.IsDir():
		return fmt.Errorf("%s: is a directory", p)
	case st.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s: not executable (mode %v)", p, st.Mode().Perm())
	}
	return nil
}

func checkDataDir(d string) error {
	var missing []string
	for _, n := range DataFileNames {
		st, err := os.Stat(filepath.Join(d, n))
		if err != nil || st.IsDir() {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: missing %s", d, strings.Join(missing, ", "))
	}
	return nil
}
