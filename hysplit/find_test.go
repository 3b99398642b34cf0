package hysplit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mkInstall lays out a fake install: exe at exeRel (mode exeMode), the data
// tables in dataRel (all but the names in omit).
func mkInstall(t *testing.T, exeRel string, exeMode os.FileMode, dataRel string, omit ...string) string {
	t.Helper()
	root := t.TempDir()
	if exeRel != "" {
		p := filepath.Join(root, exeRel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), exeMode); err != nil {
			t.Fatal(err)
		}
	}
	if dataRel != "-" {
		d := filepath.Join(root, dataRel)
		os.MkdirAll(d, 0o755)
	next:
		for _, n := range DataFileNames {
			for _, o := range omit {
				if o == n {
					continue next
				}
			}
			text := n
			if n == "ASCDATA.CFG" {
				text = ascdata("./")
			}
			os.WriteFile(filepath.Join(d, n), []byte(text), 0o644)
		}
	}
	return root
}

func TestFromDir(t *testing.T) {
	cases := []struct {
		name     string
		exe      string
		mode     os.FileMode
		data     string
		omit     []string
		wantExe  string
		wantData string
		errHas   []string
	}{
		{name: "hysplit layout", exe: "exec/hycs_std", mode: 0o755, data: "bdyfiles", wantExe: "exec/hycs_std", wantData: "bdyfiles"},
		{name: "pystilt layout", exe: "hycs_std", mode: 0o755, data: "data", wantExe: "hycs_std", wantData: "data"},
		{name: "flat", exe: "hycs_std", mode: 0o755, data: ".", wantExe: "hycs_std", wantData: "."},
		{name: "no exe", exe: "", data: "bdyfiles", errHas: []string{"exec/hycs_std: not found", "/hycs_std: not found"}},
		{name: "not executable", exe: "exec/hycs_std", mode: 0o644, data: "bdyfiles", errHas: []string{"not executable"}},
		{name: "missing table", exe: "exec/hycs_std", mode: 0o755, data: "bdyfiles", omit: []string{"ROUGLEN.ASC"},
			errHas: []string{"bdyfiles: missing ROUGLEN.ASC", "data: missing ASCDATA.CFG"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := mkInstall(t, c.exe, c.mode, c.data, c.omit...)
			in, err := FromDir(root)
			if c.errHas != nil {
				if err == nil || !errors.Is(err, ErrNotFound) {
					t.Fatalf("err = %v, want ErrNotFound", err)
				}
				for _, s := range c.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if in.Exe != filepath.Join(root, c.wantExe) || in.DataDir != filepath.Clean(filepath.Join(root, c.wantData)) {
				t.Fatalf("got %+v", in)
			}
		})
	}
	if _, err := FromDir(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing dir: %v", err)
	}
}

func TestFindOrder(t *testing.T) {
	root := mkInstall(t, "exec/hycs_std", 0o755, "bdyfiles")
	other := mkInstall(t, "", 0, "tables")

	// Explicit exe: data guessed from ../bdyfiles.
	in, err := Find(FindOptions{Exe: filepath.Join(root, "exec", ExeName)})
	if err != nil || in.DataDir != filepath.Join(root, "bdyfiles") {
		t.Fatalf("explicit exe: %+v, %v", in, err)
	}
	// Explicit exe and data dir.
	in, err = Find(FindOptions{Exe: filepath.Join(root, "exec", ExeName), DataDir: filepath.Join(other, "tables")})
	if err != nil || in.DataDir != filepath.Join(other, "tables") {
		t.Fatalf("explicit exe+data: %+v, %v", in, err)
	}
	// Install dir with a data override.
	in, err = Find(FindOptions{Dir: root, DataDir: filepath.Join(other, "tables")})
	if err != nil || in.DataDir != filepath.Join(other, "tables") {
		t.Fatalf("dir+data: %+v, %v", in, err)
	}
	// PATH lookup.
	t.Setenv("PATH", filepath.Join(root, "exec"))
	in, err = Find(FindOptions{})
	if err != nil || in.Exe != filepath.Join(root, "exec", ExeName) || in.DataDir != filepath.Join(root, "bdyfiles") {
		t.Fatalf("PATH: %+v, %v", in, err)
	}
	t.Setenv("PATH", other)
	_, err = Find(FindOptions{})
	if err == nil || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "not on PATH") || !strings.Contains(err.Error(), other) {
		t.Fatalf("not on PATH: %v", err)
	}
}

func TestInstallSHA256(t *testing.T) {
	root := mkInstall(t, "exec/hycs_std", 0o755, "bdyfiles")
	in, err := FromDir(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := in.SHA256()
	sum := sha256.Sum256([]byte("#!/bin/sh\n"))
	if err != nil || got != hex.EncodeToString(sum[:]) {
		t.Fatalf("SHA256 = %s, %v", got, err)
	}
}

func TestPrepareRunDir(t *testing.T) {
	in := fakeInstall(t, "fake_hycs_ok.sh")
	metDir := t.TempDir()
	var met []string
	for _, n := range []string{"20190530_00-05_hrrr", "20190530_06-11_hrrr"} {
		p := filepath.Join(metDir, n)
		os.WriteFile(p, []byte(n), 0o644)
		met = append(met, p)
	}
	scratch := filepath.Join(t.TempDir(), "node", "scratch")
	rd, err := PrepareRunDir(in, RunDirOptions{Scratch: scratch, Name: "2019/05 sim", MetFiles: met})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(rd.Path) != scratch || !strings.HasPrefix(filepath.Base(rd.Path), "2019_05_sim-") {
		t.Errorf("run dir %s", rd.Path)
	}
	want := map[string]string{ExeName: in.Exe}
	for _, n := range DataFileNames {
		want[n] = in.DataFile(n)
	}
	for i, n := range []string{"20190530_00-05_hrrr", "20190530_06-11_hrrr"} {
		want[filepath.Join(MetSubdir, n)] = met[i]
		if rd.MetFiles[i] != n {
			t.Errorf("MetFiles[%d] = %q", i, rd.MetFiles[i])
		}
	}
	for name, target := range want {
		got, err := os.Readlink(filepath.Join(rd.Path, name))
		if err != nil || got != target {
			t.Errorf("%s -> %q (%v), want symlink to %s", name, got, err, target)
		}
	}
	if rd.MetDirLine() != "./met/" || rd.MetDirAbs() != rd.Path+"/met/" {
		t.Errorf("met dir %q %q", rd.MetDirLine(), rd.MetDirAbs())
	}
	// Two runs of the same simulation get separate directories.
	rd2, err := PrepareRunDir(in, RunDirOptions{Scratch: scratch, Name: "2019/05 sim"})
	if err != nil || rd2.Path == rd.Path {
		t.Fatalf("second dir %v, %v", rd2, err)
	}

	// Errors leave nothing behind.
	bad := []struct {
		name string
		met  []string
		want string
	}{
		{"duplicate name", []string{met[0], met[0]}, "share the name"},
		{"missing met", []string{filepath.Join(metDir, "nope")}, "met file 1"},
		{"directory", []string{metDir}, "is a directory"},
	}
	for _, b := range bad {
		s := t.TempDir()
		_, err := PrepareRunDir(in, RunDirOptions{Scratch: s, Name: "x", MetFiles: b.met})
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: err %v, want %q", b.name, err, b.want)
		}
		if ents, _ := os.ReadDir(s); len(ents) != 0 {
			t.Errorf("%s: left %d entries in scratch", b.name, len(ents))
		}
	}
}

func TestPrepareRunDirASCDATA(t *testing.T) {
	cases := []struct {
		name, dir string
		link      bool
		err       string
	}{
		{"pystilt ./ is linked", "./", true, ""},
		{"install ../bdyfiles/ is rewritten", "../bdyfiles/", false, ""},
		{"absolute is rewritten", "/opt/hysplit/bdyfiles/", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := fakeInstall(t, "fake_hycs_ok.sh")
			os.WriteFile(in.DataFile("ASCDATA.CFG"), []byte(ascdata(c.dir)), 0o644)
			rd, err := PrepareRunDir(in, RunDirOptions{Scratch: t.TempDir(), Name: "a"})
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(rd.Path, "ASCDATA.CFG")
			_, lerr := os.Readlink(p)
			if (lerr == nil) != c.link {
				t.Fatalf("symlink %v, want %v", lerr == nil, c.link)
			}
			b, _ := os.ReadFile(p)
			if string(b) != ascdata("./") {
				t.Errorf("run dir ASCDATA.CFG:\n%s\nwant:\n%s", b, ascdata("./"))
			}
		})
	}
	in := fakeInstall(t, "fake_hycs_ok.sh")
	os.WriteFile(in.DataFile("ASCDATA.CFG"), []byte("no directory line\n"), 0o644)
	s := t.TempDir()
	if _, err := PrepareRunDir(in, RunDirOptions{Scratch: s, Name: "a"}); err == nil || !strings.Contains(err.Error(), "no quoted data directory") {
		t.Fatalf("err = %v", err)
	}
}

func TestScratchDir(t *testing.T) {
	t.Setenv("STILT_SCRATCH", "/local/scratch")
	if ScratchDir() != "/local/scratch" {
		t.Fatal(ScratchDir())
	}
	t.Setenv("STILT_SCRATCH", "")
	t.Setenv("TMPDIR", "/tmp/x")
	if ScratchDir() != "/tmp/x" {
		t.Fatal(ScratchDir())
	}
}
