package hysplit

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// refMet is the met directory string of the reference CONTROL files
// (../shared/hysplit/README.md: rewritten to ../../met/).
var refMet = []string{"../../met/20190530_00-05_hrrr", "../../met/20190530_06-11_hrrr"}

// loadParams parses [params] of a run on the hysplit engine (which runs
// every parameter; the native engine refuses some).
func loadParams(t testing.TB, params string) config.Params {
	t.Helper()
	c, err := config.Parse([]byte("[receptors]\npath='r.csv'\n[met.hrrr]\ndirectory='m'\n[transport]\nengine='hysplit'\nhysplit_dir='/opt/hysplit'\n[params]\n"+params), "/x/run.toml")
	if err != nil {
		t.Fatal(err)
	}
	return c.Params
}

func readReceptor(t testing.TB, csv string) receptor.Receptor {
	t.Helper()
	rs, err := receptor.Read(strings.NewReader(csv), "test.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("%d receptors", len(rs))
	}
	return rs[0]
}

// TestReferenceRuns regenerates CONTROL and SETUP.CFG for the receptors of
// every reference run (as listed in ../shared/hysplit/README.md) through the
// receptor CSV reader and run.toml parameters, and compares byte for byte.
func TestReferenceRuns(t *testing.T) {
	for _, c := range []struct {
		run, csv, params string
	}{
		{"A_np200", "time,lati,long,zagl\n2019-05-30 11:00:00,40.766,-111.848,5\n", "n_hours = -10\nnumpar = 200\n"},
		{"B_np200", "time,lati,long,zagl\n2019-05-30 08:00:00,40.6,-112.0,30\n", "n_hours = -6\nnumpar = 200\n"},
		{"col_0_3000_np1000", "r_idx,time,lati,long,zagl\n1,2019-05-30 11:00:00,40.766,-111.848,0\n1,2019-05-30 11:00:00,40.766,-111.848,3000\n", "n_hours = -10\nnumpar = 1000\n"},
	} {
		t.Run(c.run, func(t *testing.T) {
			ref := testenv.Shared(t, "hysplit", c.run)
			rec := readReceptor(t, c.csv)
			dir := t.TempDir()
			if err := WriteInputs(dir, Inputs{Receptor: rec, MetFiles: refMet, Params: loadParams(t, c.params)}); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{ControlFile, SetupFile} {
				want, err := os.ReadFile(filepath.Join(ref, name))
				if err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, ref, got, want)
				}
			}
			for _, absent := range []string{ZIControlFile, WindErrFile, ZIErrFile} {
				if _, err := os.Stat(filepath.Join(dir, absent)); err == nil {
					t.Errorf("%s written for a plain run", absent)
				}
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 2 {
				t.Errorf("run dir holds %d entries (temporary files left?)", len(ents))
			}
		})
	}
}

func control(t *testing.T, csv, params string, met []string) (string, string) {
	t.Helper()
	rec := readReceptor(t, csv)
	p := loadParams(t, params)
	var cb, sb bytes.Buffer
	if err := WriteControl(&cb, &rec, met, &p); err != nil {
		t.Fatal(err)
	}
	if err := WriteSetup(&sb, &p, &rec, 0); err != nil {
		t.Fatal(err)
	}
	return cb.String(), sb.String()
}

func TestControlKinds(t *testing.T) {
	for _, c := range []struct {
		name, csv, params string
		met               []string
		head              string // expected lines up to the met block
		setup             []string
	}{
		{"forward point", "time,lat,lon,z\n2019-05-30 01:00,40.5,-112,5\n", "n_hours = 6\nnumpar = 10\n", []string{"met/a"},
			"19 05 30 01 00\n1\n40.5 -112 5\n6\n0\n25000.0\n1\nmet/ \na\n1\ntest\n1\n0.01\n", []string{"KMSL=0,", "NUMPAR=10,", "MAXPAR=10,"}},
		{"msl point", "time,lat,lon,zmsl\n2019-05-30 01:05,40.5,-112,1500.5\n", "", []string{"/abs/met/b"},
			"19 05 30 01 05\n1\n40.5 -112 1500.5\n-24\n0\n25000.0\n1\n/abs/met/ \nb\n", []string{"KMSL=1,", "NUMPAR=1000,"}},
		{"multipoint in order", "r_idx,time,lat,lon,z\n7,201905301100,40.1,-112.3,10\n7,201905301100,40.2,-112.2,200.25\n7,201905301100,40.3,-112.1,1e-05\n",
			"n_hours = -3\nz_top = 20000.5\nemisshrs = 0.5\nw_option = 1\n", []string{"x"},
			"19 05 30 11 00\n3\n40.1 -112.3 10\n40.2 -112.2 200.25\n40.3 -112.1 1e-05\n-3\n1\n20000.5\n1\n./ \nx\n1\ntest\n1\n0.5\n", nil},
		{"column msl forward", "r_idx,time,lat,lon,z,altitude_ref\nc,2019-05-30 11:00,40,-112,5000,msl\nc,2019-05-30 11:00,40,-112,1500,msl\n", "n_hours = 2\n", []string{"met/f1", "met/f2"},
			"19 05 30 11 00\n2\n40 -112 1500\n40 -112 5000\n2\n0\n25000.0\n2\nmet/ \nf1\nmet/ \nf2\n", []string{"KMSL=1,"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctl, setup := control(t, c.csv, c.params, c.met)
			if !strings.HasPrefix(ctl, c.head) {
				t.Errorf("CONTROL:\n%s\nwant prefix:\n%s", ctl, c.head)
			}
			if !strings.HasSuffix(ctl, "00 2 00\n1\n0.0 0.0 0.0\n0.0 0.0 0.0 0.0 0.0\n0.0 0.0 0.0\n0.0\n0.0\n") {
				t.Errorf("CONTROL tail wrong:\n%s", ctl)
			}
			for _, l := range c.setup {
				if !strings.Contains(setup, "\n"+l+"\n") {
					t.Errorf("SETUP.CFG lacks %q", l)
				}
			}
		})
	}
}

func TestSetupOptions(t *testing.T) {
	_, s := control(t, "time,lat,lon,z\n201905301100,40,-112,5\n",
		"seed = 42\nkrand = 1\ntlfrac = 0.123456789\ndzf = 0.0000001\nefile = \"emis.txt\"\nwvert = true\nmaxpar = 5000\nvarsiwant = ['time','indx','long','lati','zagl','foot','mlht','pres','dens','samt','sigw','tlgr']\n",
		[]string{"m/f"})
	for _, want := range []string{
		"\nKRAND=1,\nSEED=42,\nKRND=6,\n", "\nTLFRAC=0.123456789,\n", "\nDZF=0.0000001,\n", "\nEFILE='emis.txt',\n",
		"\nWVERT=TRUE,\n", "\nMAXPAR=5000,\n", "\nIVMAX=12,\n",
		"\nVARSIWANT='time', 'indx', 'long', 'lati', 'zagl', 'foot', 'mlht', 'pres', 'dens', 'samt', 'sigw', 'tlgr',\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("SETUP.CFG lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "e-0") {
		t.Errorf("exponent in SETUP.CFG:\n%s", s)
	}
}

func TestKMSLConflict(t *testing.T) {
	rec := readReceptor(t, "time,lat,lon,zmsl\n201905301100,40,-112,1500\n")
	p := loadParams(t, "kmsl = 0\n")
	var b bytes.Buffer
	if err := WriteSetup(&b, &p, &rec, 0); err == nil || !strings.Contains(err.Error(), "conflicts") {
		t.Errorf("want conflict error, got %v", err)
	}
	if err := WriteInputs(t.TempDir(), Inputs{Receptor: rec, MetFiles: []string{"m/f"}, Params: p}); err == nil {
		t.Error("WriteInputs accepted conflicting kmsl")
	}
}

func TestErrorPassAndZIControl(t *testing.T) {
	rec := readReceptor(t, "time,lat,lon,z\n201905301100,40,-112,5\n")
	p := loadParams(t, "n_hours = -3\nzicontroltf = 1\nziscale = 0.8\nsiguverr = 1\ntluverr = 60\nzcoruverr = 100\nhorcoruverr = 5\nsigzierr = 20.5\ntlzierr = 60\nhorcorzierr = 1e-05\n")
	dir := t.TempDir()
	// A stale file from an earlier pass must disappear on the main pass.
	os.WriteFile(filepath.Join(dir, WindErrFile), []byte("stale"), 0o644)
	if err := WriteInputs(dir, Inputs{Receptor: rec, MetFiles: []string{"m/f"}, Params: p}); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "<absent>"
		}
		return string(b)
	}
	if got := read(ZIControlFile); got != "3\n0.8\n0.8\n0.8\n" {
		t.Errorf("ZICONTROL = %q", got)
	}
	if got := read(WindErrFile); got != "<absent>" {
		t.Errorf("main pass left WINDERR: %q", got)
	}
	if s := read(SetupFile); !strings.Contains(s, "\nWINDERRTF=0,\nZICONTROLTF=1,\n") {
		t.Errorf("main-pass SETUP.CFG:\n%s", s)
	}
	if err := WriteInputs(dir, Inputs{Receptor: rec, MetFiles: []string{"m/f"}, Params: p, ErrorPass: true}); err != nil {
		t.Fatal(err)
	}
	if got := read(WindErrFile); got != "1.0\n60.0\n100.0\n5.0\n" {
		t.Errorf("WINDERR = %q", got)
	}
	if got := read(ZIErrFile); got != "20.5\n60.0\n1e-05\n" {
		t.Errorf("ZIERR = %q", got)
	}
	if s := read(SetupFile); !strings.Contains(s, "\nWINDERRTF=3,\n") {
		t.Errorf("error-pass SETUP.CFG:\n%s", s)
	}
	// List ziscale: used as given.
	p2 := loadParams(t, "n_hours = -3\nzicontroltf = 1\nziscale = [1, 1.5]\n")
	var b bytes.Buffer
	if err := WriteZIControl(&b, &p2); err != nil || b.String() != "2\n1.0\n1.5\n" {
		t.Errorf("ZICONTROL list = %q, %v", b.String(), err)
	}
	// Error pass without error parameters is refused.
	if err := WriteInputs(dir, Inputs{Receptor: rec, MetFiles: []string{"m/f"}, Params: loadParams(t, ""), ErrorPass: true}); err == nil {
		t.Error("error pass without error groups accepted")
	}
}

func TestControlRejects(t *testing.T) {
	rec := readReceptor(t, "time,lat,lon,z\n201905301100,40,-112,5\n")
	p := loadParams(t, "")
	var b bytes.Buffer
	if err := WriteControl(&b, &rec, nil, &p); err == nil {
		t.Error("no met files accepted")
	}
	if err := WriteControl(&b, &rec, []string{"dir/"}, &p); err == nil {
		t.Error("met path without file name accepted")
	}
	ok := strings.Repeat("d", MaxMetDirLine-1) + "/f"
	if err := WriteControl(&b, &rec, []string{ok}, &p); err != nil {
		t.Errorf("met directory line of %d characters rejected: %v", MaxMetDirLine, err)
	}
	long := strings.Repeat("d", MaxMetDirLine) + "/f"
	if err := WriteControl(&b, &rec, []string{long}, &p); err == nil || !strings.Contains(err.Error(), "at most 256") {
		t.Errorf("over-long met directory accepted: %v", err)
	}
	bad := rec
	bad.Lats = []float64{95}
	if err := WriteControl(&b, &bad, []string{"m/f"}, &p); err == nil {
		t.Error("invalid receptor accepted")
	}
}

// TestRPaste: vectors of R's as.character(double) (R 4.x, scipen = 0).
func TestRPaste(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{40.766, "40.766"}, {-111.848, "-111.848"}, {5, "5"}, {-112, "-112"}, {3000, "3000"}, {0, "0"},
		{1e-05, "1e-05"}, {0.0001, "1e-04"}, {0.001, "0.001"}, {100000, "1e+05"}, {123456, "123456"},
		{0.1 + 0.2, "0.3"}, {1.0 / 3, "0.333333333333333"}, {1e15, "1e+15"}, {123456789012, "123456789012"},
		{-0.5, "-0.5"}, {1234.5, "1234.5"}, {0.01, "0.01"}, {10000, "10000"}, {1.5e-10, "1.5e-10"},
	} {
		if got := RPaste(c.in); got != c.want {
			t.Errorf("RPaste(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   float64
		want string
	}{{25000, "25000.0"}, {20000.5, "20000.5"}, {12345.678, "12345.68"}, {0, "0.0"}} {
		if got := rFormatNsmall1(c.in); got != c.want {
			t.Errorf("format(%v, nsmall=1) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRDirBase(t *testing.T) {
	for _, c := range []struct{ in, dir, base string }{
		{"../../met/x", "../../met", "x"}, {"x", ".", "x"}, {"./met/x", "./met", "x"}, {"/x", "/", "x"}, {"a//b", "a", "b"},
	} {
		d, b := rDirBase(c.in)
		if d != c.dir || b != c.base {
			t.Errorf("rDirBase(%q) = %q, %q", c.in, d, b)
		}
	}
}
