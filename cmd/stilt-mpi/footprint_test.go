package main

import (
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stilt-mpi/stilt-mpi/footprint"
	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

// runFresh runs the CLI after resetting every flag of every command to its
// default (cobra keeps flag values between Execute calls).
func runFresh(args ...string) int {
	for _, c := range rootCmd.Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				sv.Replace(nil)
			} else {
				f.Value.Set(f.DefValue)
			}
			f.Changed = false
		})
	}
	return run(args)
}

func TestFootprintCLI(t *testing.T) {
	root := testenv.Shared(t, "rstilt")
	dir := t.TempDir()
	out := filepath.Join(dir, "c4.nc")
	code := runFresh("footprint", filepath.Join(root, "inputs", "c4_hnf_plume.csv"), "-o", out,
		"--xmin", "-112.5", "--xmax", "-111.5", "--ymin", "40", "--ymax", "41", "--xres", "0.01",
		"--receptor-time", "2015-12-10T00:00:00Z", "--hnf-plume", "--receptor-zagl", "5", "--veght", "0.5")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	g, err := footprint.ReadNetCDF(out)
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		SumFoot  float64 `json:"sum_foot"`
		NNonzero int     `json:"n_nonzero"`
		Ntime    int
	}
	raw, _ := os.ReadFile(filepath.Join(root, "expected", "c4_hnf_plume.summary.json"))
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	if g.NonZero() != sum.NNonzero || g.NT() != sum.Ntime || math.Abs(g.Sum()-sum.SumFoot) > 1e-6*sum.SumFoot {
		t.Errorf("CLI footprint: %d non-zero, %d layers, total %v; R-STILT %d, %d, %v", g.NonZero(), g.NT(), g.Sum(), sum.NNonzero, sum.Ntime, sum.SumFoot)
	}

	png1 := filepath.Join(dir, "c4.png")
	if code := runFresh("plot", out, "-o", png1, "--log", "--layer", "1"); code != 0 {
		t.Fatalf("plot exit %d", code)
	}
	f, err := os.Open(png1)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 400 {
		t.Errorf("PNG is %v", b)
	}
	if code := runFresh("plot", out, "-o", png1, "--layer", "7"); code != 2 {
		t.Errorf("plot of a missing layer: exit %d, want 2", code)
	}

	for name, args := range map[string][]string{
		"missing xres":            {"footprint", filepath.Join(root, "inputs", "c4_hnf_plume.csv"), "-o", out, "--xmin", "0", "--xmax", "1", "--ymin", "0", "--ymax", "1"},
		"stilt dat bad varsiwant": {"footprint", filepath.Join(root, "inputs", "h1_A_np200.PARTICLE_STILT.DAT.gz"), "-o", out, "--xmin", "0", "--xmax", "1", "--ymin", "0", "--ymax", "1", "--xres", "0.1", "--varsiwant", "time,indx,long"},
		"bad column":              {"footprint", filepath.Join(root, "inputs", "c4_hnf_plume.csv"), "-o", out, "--xmin", "0", "--xmax", "1", "--ymin", "0", "--ymax", "1", "--xres", "0.1", "--varsiwant", "time,indx,nope"},
		"bad proj":                {"footprint", filepath.Join(root, "inputs", "c4_hnf_plume.csv"), "-o", out, "--xmin", "0", "--xmax", "1", "--ymin", "0", "--ymax", "1", "--xres", "0.1", "--projection", "+proj=utm +zone=1"},
		"hnf no zagl":             {"footprint", filepath.Join(root, "inputs", "c4_hnf_plume.csv"), "-o", out, "--xmin", "0", "--xmax", "1", "--ymin", "0", "--ymax", "1", "--xres", "0.1", "--hnf-plume"},
	} {
		if code := runFresh(args...); code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
	}
}

func TestIsStiltDAT(t *testing.T) {
	for _, c := range []struct {
		path, first string
		want        bool
	}{
		{"x/PARTICLE_STILT.DAT", "", true},
		{"x/p.dat.gz", "", true},
		{"x/p.txt", "   40.7659988      -111.848000       5.00000000    \n", true},
		{"x/p.csv", "indx,time,long\n1,2,3\n", false},
		{"x/p.txt", "time indx long\n", false},
	} {
		if got := isStiltDAT(c.path, []byte(c.first)); got != c.want {
			t.Errorf("isStiltDAT(%q, %q) = %v", c.path, c.first, got)
		}
	}
}

// TestFootprintCLIStiltDAT: the footprint verb reads hycs_std's
// PARTICLE_STILT.DAT.gz and reproduces R-STILT's footprint of that run
// (shared/rstilt case h1_A_np200, with HNF) cell by cell.
func TestFootprintCLIStiltDAT(t *testing.T) {
	root := testenv.Shared(t, "rstilt")
	out := filepath.Join(t.TempDir(), "h1.nc")
	args := []string{"footprint", filepath.Join(root, "inputs", "h1_A_np200.PARTICLE_STILT.DAT.gz"), "-o", out,
		"--xmin", "-112.3", "--xmax", "-111.52", "--ymin", "40.39", "--ymax", "40.95", "--xres", "0.01",
		"--receptor-time", "2019-05-30T11:00:00Z", "--hnf-plume", "--receptor-zagl", "5", "--veght", "0.5"}
	if code := runFresh(args...); code != 0 {
		t.Fatalf("exit %d", code)
	}
	g, err := footprint.ReadNetCDF(out)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "expected", "h1_A_np200.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")[1:]
	if g.NonZero() != len(lines) {
		t.Fatalf("%d non-zero cells, R-STILT has %d", g.NonZero(), len(lines))
	}
	for _, l := range lines {
		f := strings.Split(l, ",")
		ix, _ := strconv.Atoi(f[0])
		iy, _ := strconv.Atoi(f[1])
		it, _ := strconv.Atoi(f[2])
		want, _ := strconv.ParseFloat(f[6], 64)
		got := g.At(it, iy, ix)
		if math.Abs(got-want) > 1e-12+1e-7*math.Abs(want) {
			t.Errorf("cell (%d,%d,%d): %.17g, R-STILT %.17g", ix, iy, it, got, want)
		}
	}
}
