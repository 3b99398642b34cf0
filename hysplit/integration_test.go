package hysplit

// Integration tests with the real hycs_std. They run only when
// STILT_HYSPLIT_DIR names a HYSPLIT install (exec/hycs_std + bdyfiles/ with
// the data tables, see FromDir); HYSPLIT is never part of this repository.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/particle"
)

func realInstall(t *testing.T) *Install {
	t.Helper()
	dir := os.Getenv("STILT_HYSPLIT_DIR")
	if dir == "" {
		t.Skip("STILT_HYSPLIT_DIR not set: no HYSPLIT install to run the real hycs_std")
	}
	in, err := FromDir(dir)
	if err != nil {
		t.Fatalf("STILT_HYSPLIT_DIR=%s: %v", dir, err)
	}
	return in
}

// prepareA stages receptor A of shared/hysplit/A_np200: a run directory
// with the reference CONTROL and SETUP.CFG copied in, the met directory
// lines pointing to metLine, then edit applied to both texts.
func prepareA(t *testing.T, in *Install, metLine func(rd *RunDir, sharedMet string) string, edit func(control, setup string) (string, string)) *RunDir {
	t.Helper()
	ref := testenv.Shared(t, "hysplit", "A_np200")
	sharedMet := testenv.Shared(t, "met")
	met := []string{filepath.Join(sharedMet, "20190530_00-05_hrrr"), filepath.Join(sharedMet, "20190530_06-11_hrrr")}
	rd, err := PrepareRunDir(in, RunDirOptions{Scratch: t.TempDir(), Name: "A_np200", MetFiles: met, KeepOnFailure: true})
	if err != nil {
		t.Fatal(err)
	}
	control, err := os.ReadFile(filepath.Join(ref, "CONTROL"))
	if err != nil {
		t.Fatal(err)
	}
	setup, err := os.ReadFile(filepath.Join(ref, "SETUP.CFG"))
	if err != nil {
		t.Fatal(err)
	}
	// The reference CONTROL's met directory lines are "../../met/ "
	// (shared/hysplit/README.md).
	lines := strings.Split(string(control), "\n")
	n := 0
	for i, l := range lines {
		if strings.TrimSpace(l) == "../../met/" {
			lines[i] = metLine(rd, sharedMet)
			n++
		}
	}
	if n != 2 {
		t.Fatalf("reference CONTROL has %d met directory lines, want 2", n)
	}
	c, s := strings.Join(lines, "\n"), string(setup)
	if edit != nil {
		c, s = edit(c, s)
	}
	if err := os.WriteFile(filepath.Join(rd.Path, "CONTROL"), []byte(c), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rd.Path, SetupName), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return rd
}

// sharedMetLine is the reference met directory, /work/shared/met/ on the
// build machine (symlinks resolved).
func sharedMetLine(_ *RunDir, sharedMet string) string {
	if real, err := filepath.EvalSymlinks(sharedMet); err == nil {
		sharedMet = real
	}
	return sharedMet + "/"
}
func stagedMetLine(rd *RunDir, _ string) string { return rd.MetDirLine() }

func runA(t *testing.T, rd *RunDir, numpar int, hours float64) *Result {
	t.Helper()
	res, err := Execute(context.Background(), rd.Path, ExecOptions{Timeout: TimeoutFor(numpar, hours), RemoveDat: true})
	if err != nil {
		var f *Failure
		if errors.As(err, &f) {
			t.Fatalf("%v\nlog tail:\n%s", f, f.LogTail)
		}
		t.Fatal(err)
	}
	t.Logf("hycs_std %d particles x %g h: wall %s, user %s, sys %s, max RSS %d MB",
		numpar, hours, res.Elapsed.Round(1e6), res.UserCPU.Round(1e6), res.SysCPU.Round(1e6), res.MaxRSSKB/1024)
	return res
}

// TestHycsStdReceptorA runs receptor A exactly as the reference run was set
// up (KRAND=4, so not bit-repeatable) and compares with the reference
// particle table as an ensemble.
func TestHycsStdReceptorA(t *testing.T) {
	in := realInstall(t)
	rd := prepareA(t, in, sharedMetLine, nil)
	res := runA(t, rd, 200, 10)
	got := res.Particles
	want, err := particle.ReadStiltDAT(testenv.Shared(t, "hysplit", "A_np200", "PARTICLE_STILT.DAT.gz"), got.Names())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Names(), ",") != "time,indx,long,lati,zagl,foot,mlht,dens,samt,sigw,tlgr" {
		t.Fatalf("columns %v (from SETUP.CFG VARSIWANT)", got.Names())
	}
	if got.NumParticles() != 200 {
		t.Errorf("%d particles, want 200", got.NumParticles())
	}
	// 200 x 600 rows unless particles left the grid (none did in the
	// reference run; allow a few).
	if got.Len() > 120000 || got.Len() < 114000 {
		t.Errorf("%d rows, reference %d", got.Len(), want.Len())
	}
	tmin, tmax := math.Inf(1), math.Inf(-1)
	for _, v := range got.Col("time") {
		tmin, tmax = math.Min(tmin, v), math.Max(tmax, v)
	}
	if tmin != -600 || tmax != -1 {
		t.Errorf("time range [%v, %v], want [-600, -1]", tmin, tmax)
	}
	// Ensemble statistics against the reference run.
	stat := func(tab *particle.Table) (footPer, lon1, lat1, lonEnd, latEnd float64) {
		tm, lon, lat, foot := tab.Col("time"), tab.Col("long"), tab.Col("lati"), tab.Col("foot")
		var n1, nEnd float64
		for i := range tm {
			footPer += foot[i]
			switch tm[i] {
			case -1:
				lon1 += lon[i]
				lat1 += lat[i]
				n1++
			case -600:
				lonEnd += lon[i]
				latEnd += lat[i]
				nEnd++
			}
		}
		return footPer / 200, lon1 / n1, lat1 / n1, lonEnd / nEnd, latEnd / nEnd
	}
	gf, gx1, gy1, gxe, gye := stat(got)
	wf, wx1, wy1, wxe, wye := stat(want)
	t.Logf("sum(foot)/numpar %.4f (reference %.4f); mean end position %.3f,%.3f (reference %.3f,%.3f)", gf, wf, gxe, gye, wxe, wye)
	if math.Abs(gf-wf) > 0.35*wf {
		t.Errorf("sum(foot)/numpar %.4f, reference %.4f", gf, wf)
	}
	if math.Abs(gx1-wx1) > 0.002 || math.Abs(gy1-wy1) > 0.002 {
		t.Errorf("mean position at t=-1 %.4f,%.4f, reference %.4f,%.4f", gx1, gy1, wx1, wy1)
	}
	if math.Abs(gxe-wxe) > 0.05 || math.Abs(gye-wye) > 0.05 {
		t.Errorf("mean position at t=-600 %.3f,%.3f, reference %.3f,%.3f", gxe, gye, wxe, wye)
	}
	// Store the trajectory as the pipeline does, then read it back.
	pq := filepath.Join(t.TempDir(), "A_traj.parquet")
	meta := map[string]string{particle.MetaReceptor: `{"type":"PointReceptor","time":"2019-05-30T11:00:00","longitude":-111.848,"latitude":40.766,"altitude":5,"altitude_ref":"agl"}`,
		particle.MetaIsError: "false"}
	if err := particle.WriteParquet(pq, got, meta); err != nil {
		t.Fatal(err)
	}
	back, err := particle.ReadParquet(pq)
	if err != nil || back.Len() != got.Len() || back.Meta[particle.MetaIsError] != "false" {
		t.Fatalf("parquet round trip: %v rows %d", err, back.Len())
	}
	if _, err := os.Stat(filepath.Join(rd.Path, ParticleStiltDAT)); !os.IsNotExist(err) {
		t.Errorf("PARTICLE_STILT.DAT not removed (RemoveDat): %v", err)
	}
	if kept, err := rd.Cleanup(false); kept || err != nil {
		t.Errorf("Cleanup: %v %v", kept, err)
	}
}

// TestHycsStdSeedRepeatable: KRAND=1 with the same SEED twice gives
// identical particles; another SEED gives different ones (spec §10). Met is
// staged under met/ in the run directory. The runs are cut to 2 hours to
// keep the test short.
func TestHycsStdSeedRepeatable(t *testing.T) {
	in := realInstall(t)
	withSeed := func(seed uint64) func(c, s string) (string, string) {
		return func(c, s string) (string, string) {
			c = strings.Replace(c, "\n-10\n", "\n-2\n", 1)
			if !strings.Contains(s, "KRAND=4,\n") {
				t.Fatal("reference SETUP.CFG has no KRAND=4 line")
			}
			s = strings.Replace(s, "KRAND=4,\n", fmt.Sprintf("KRAND=1,\nSEED=%d,\n", seed), 1)
			return c, s
		}
	}
	seed := SeedFor(2019, "A_np200")
	var tabs []*particle.Table
	for i, sd := range []uint64{seed, seed, SeedFor(2019, "B_np200")} {
		rd := prepareA(t, in, stagedMetLine, withSeed(sd))
		res := runA(t, rd, 200, 2)
		msg, err := os.ReadFile(filepath.Join(rd.Path, MessageName))
		if err != nil {
			t.Fatal(err)
		}
		// The binary echoes the namelist it used: the seed was read.
		if !regexp.MustCompile(fmt.Sprintf(`SEED=%d\s*,`, sd)).Match(msg) {
			t.Errorf("run %d: MESSAGE does not echo SEED=%d", i, sd)
		}
		tabs = append(tabs, res.Particles)
		rd.Cleanup(false)
	}
	if tabs[0].Len() == 0 || tabs[0].Len() != tabs[1].Len() {
		t.Fatalf("rows %d and %d", tabs[0].Len(), tabs[1].Len())
	}
	for _, name := range tabs[0].Names() {
		a, b := tabs[0].Col(name), tabs[1].Col(name)
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				t.Fatalf("same seed, %s row %d: %v vs %v", name, i, a[i], b[i])
			}
		}
	}
	differ := tabs[0].Len() != tabs[2].Len()
	if !differ {
		za, zc := tabs[0].Col("zagl"), tabs[2].Col("zagl")
		for i := range za {
			if za[i] != zc[i] {
				differ = true
				break
			}
		}
	}
	if !differ {
		t.Error("a different SEED gave identical particles: SEED not honoured with KRAND=1")
	}
}

// TestHycsStdMetCoverageFailure: a start time outside the met files is
// classified MET_COVERAGE from the binary's own message.
func TestHycsStdMetCoverageFailure(t *testing.T) {
	in := realInstall(t)
	rd := prepareA(t, in, stagedMetLine, func(c, s string) (string, string) {
		return strings.Replace(c, "19 05 30 11 00", "19 05 31 11 00", 1), s
	})
	_, err := Execute(context.Background(), rd.Path, ExecOptions{Timeout: TimeoutFor(200, 10)})
	var f *Failure
	if !errors.As(err, &f) || f.Class != MetCoverage {
		t.Fatalf("err = %v, want MET_COVERAGE", err)
	}
	if !strings.Contains(f.LogTail, "start point not within") {
		t.Errorf("log tail:\n%s", f.LogTail)
	}
}
