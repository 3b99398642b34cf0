package hysplit

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

// TestInputsAcceptedByHycsStd runs the real hycs_std (STILT_HYSPLIT_DIR, an
// install with exec/hycs_std and bdyfiles/) on inputs written by WriteInputs
// for every receptor kind, backward and forward, AGL and MSL, with tiny
// particle counts (well under a CPU second each), and checks that
// PARTICLE_STILT.DAT has data rows with IVMAX columns and the first row at
// ∓1 min.
func TestInputsAcceptedByHycsStd(t *testing.T) {
	inst := os.Getenv("STILT_HYSPLIT_DIR")
	if inst == "" {
		t.Skip("STILT_HYSPLIT_DIR not set")
	}
	exe := filepath.Join(inst, "exec", "hycs_std")
	data := filepath.Join(inst, "bdyfiles")
	met := testenv.Shared(t, "met")
	for _, c := range []struct {
		name, csv, params string
		firstTime         string
		errorPass         bool
	}{
		{"point backward", "time,lat,lon,z\n2019-05-30 11:00,40.766,-111.848,5\n", "n_hours = -1\nnumpar = 10\n", "-1.", false},
		{"point forward", "time,lat,lon,z\n2019-05-30 05:00,40.766,-111.848,5\n", "n_hours = 1\nnumpar = 10\n", "1.", false},
		{"msl point", "time,lat,lon,zmsl\n2019-05-30 11:00,40.766,-111.848,1600.5\n", "n_hours = -1\nnumpar = 10\n", "-1.", false},
		{"column", "r_idx,time,lat,lon,z\n1,2019-05-30 11:00,40.766,-111.848,0\n1,2019-05-30 11:00,40.766,-111.848,3000\n", "n_hours = -1\nnumpar = 10\n", "-1.", false},
		{"multipoint", "r_idx,time,lat,lon,z\n1,2019-05-30 11:00,40.7,-111.9,10\n1,2019-05-30 11:00,40.75,-111.85,500\n1,2019-05-30 11:00,40.8,-111.8,1000.25\n", "n_hours = -1\nnumpar = 9\nkrand = 1\nseed = 3\n", "-1.", false},
		{"zicontrol and error pass", "time,lat,lon,z\n2019-05-30 11:00,40.766,-111.848,5\n",
			"n_hours = -2\nnumpar = 10\nzicontroltf = 1\nziscale = 0.5\nsiguverr = 1.0\ntluverr = 60\nzcoruverr = 100\nhorcoruverr = 5\nsigzierr = 20\ntlzierr = 60\nhorcorzierr = 5\n", "-1.", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, l := range [][2]string{
				{exe, "hycs_std"}, {filepath.Join(data, "ASCDATA.CFG"), "ASCDATA.CFG"}, {filepath.Join(data, "LANDUSE.ASC"), "LANDUSE.ASC"},
				{filepath.Join(data, "ROUGLEN.ASC"), "ROUGLEN.ASC"}, {filepath.Join(data, "TERRAIN.ASC"), "TERRAIN.ASC"}, {met, "met"},
			} {
				if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
					t.Fatal(err)
				}
			}
			rec := readReceptor(t, c.csv)
			p := loadParams(t, c.params)
			in := Inputs{Receptor: rec, Params: p,
				MetFiles: []string{"./met/20190530_00-05_hrrr", "./met/20190530_06-11_hrrr"}}
			if err := WriteInputs(dir, in); err != nil {
				t.Fatal(err)
			}
			if c.errorPass {
				// The error pass alone (as in error backfill).
				in.ErrorPass = true
				if err := WriteInputs(dir, in); err != nil {
					t.Fatal(err)
				}
				for _, f := range []string{ZIControlFile, WindErrFile, ZIErrFile} {
					if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
						t.Fatal(err)
					}
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "./hycs_std")
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Complete Hysplit") {
				t.Fatalf("hycs_std: %v\n%s", err, out)
			}
			f, err := os.Open(filepath.Join(dir, "PARTICLE_STILT.DAT"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			sc.Scan() // header: first release point
			rows := 0
			for sc.Scan() {
				fields := strings.Fields(sc.Text())
				if len(fields) != p.IVMax() {
					t.Fatalf("row %q has %d columns, want %d", sc.Text(), len(fields), p.IVMax())
				}
				if rows == 0 && fields[0] != c.firstTime {
					t.Errorf("first time %s, want %s", fields[0], c.firstTime)
				}
				rows++
			}
			if c.errorPass {
				// hycs_std echoes the namelist it used into MESSAGE.
				msg, _ := os.ReadFile(filepath.Join(dir, "MESSAGE"))
				for _, want := range []string{"WINDERRTF=3 ", "ZICONTROLTF=1 "} {
					if !strings.Contains(string(msg), want) {
						t.Errorf("MESSAGE does not echo %q", want)
					}
				}
			}
			if rows < p.NumPar {
				t.Errorf("%d rows for %d particles", rows, p.NumPar)
			}
		})
	}
}
