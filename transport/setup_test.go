package transport

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/particle"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// testControl is a CONTROL file of the layout hycs_std reads (the shared
// ensembles' D), with the release lines, run hours, vertical motion and
// model top given.
func testControl(release []string, hours, vert, top string) string {
	lines := []string{"19 05 30 05 00", strconv.Itoa(len(release))}
	lines = append(lines, release...)
	lines = append(lines, hours, vert, top, "2", "../../met/", "20190530_00-05_hrrr", "../../met/", "20190530_06-11_hrrr", "1", "test")
	return strings.Join(lines, "\n") + "\n"
}

// sharedSetup returns the SETUP.CFG of the shared KRAND=4 D runs, as R-STILT
// writes it (one KEY=VALUE, per line).
func sharedSetup(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.Shared(t, "hysplit-ensemble", "krand4", "K4D_run1"), "SETUP.CFG"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadRunSettings(t *testing.T) {
	setup := sharedSetup(t)
	point := testControl([]string{"40.5 -112.2 5"}, "-5", "0", "25000.0")
	cases := []struct {
		name    string
		setup   string
		control string
		check   func(t *testing.T, rs RunSettings)
		errHas  []string // the error must name these
	}{
		{name: "shared D settings are the defaults", setup: setup, control: point, check: func(t *testing.T, rs RunSettings) {
			if d := physicsDiff(rs.Params, DefaultParams()); d != "" {
				t.Errorf("settings differ from DefaultParams: %s", d)
			}
			if rs.NumPar != 1000 {
				t.Errorf("NUMPAR %d, want 1000", rs.NumPar)
			}
		}},
		{name: "mapped keys", control: point,
			setup: strings.NewReplacer("VEGHT=0.5,", "VEGHT=0.3,", "KMIX0=150,", "KMIX0=250,", "NUMPAR=1000,", "NUMPAR=500,", "NTURB=0,", "NTURB=1,", "TLFRAC=0.1,", "TLFRAC=0.05,").Replace(setup),
			check: func(t *testing.T, rs RunSettings) {
				p := rs.Params
				if p.Veght != 0.3 || p.Kmix0 != 250 || !p.NTurb || p.TLFrac != 0.05 || rs.NumPar != 500 {
					t.Errorf("params %+v numpar %d", p, rs.NumPar)
				}
			}},
		{name: "model top from CONTROL", setup: setup, control: testControl([]string{"40.5 -112.2 5"}, "-5", "0", "15000.0"),
			check: func(t *testing.T, rs RunSettings) {
				if rs.Params.ZTop != 15000 {
					t.Errorf("z top %g", rs.Params.ZTop)
				}
			}},
		{name: "another dispersion scheme", setup: strings.Replace(setup, "IDSP=2,", "IDSP=1,", 1), control: point,
			errHas: []string{"SETUP.CFG line", "IDSP=1", "only IDSP=2"}},
		{name: "wind errors", setup: strings.Replace(setup, "WINDERRTF=0,", "WINDERRTF=1,", 1), control: point,
			errHas: []string{"WINDERRTF=1"}},
		{name: "WRF vertical velocity", setup: strings.Replace(setup, "WVERT=FALSE,", "WVERT=TRUE,", 1), control: point,
			errHas: []string{"WVERT=TRUE"}},
		{name: "not a number", setup: strings.Replace(setup, "VEGHT=0.5,", "VEGHT=half,", 1), control: point,
			errHas: []string{"SETUP.CFG line", "VEGHT \"half\" is not a number"}},
		{name: "other mixed-layer scheme", setup: strings.Replace(setup, "KMIXD=3,", "KMIXD=0,", 1), control: point,
			errHas: []string{"kmixd=0"}},
		{name: "isentropic vertical motion", setup: setup, control: testControl([]string{"40.5 -112.2 5"}, "-5", "2", "25000.0"),
			errHas: []string{"w_option=2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{"run/SETUP.CFG": {Data: []byte(c.setup)}, "run/CONTROL": {Data: []byte(c.control)}}
			rs, err := ReadRunSettings(fsys, "run", DefaultParams())
			if c.errHas != nil {
				if err == nil {
					t.Fatalf("no error, want one naming %q", c.errHas)
				}
				for _, w := range c.errHas {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, rs)
		})
	}
	// without SETUP.CFG: the base settings, and NoSetup says so
	rs, err := ReadRunSettings(fstest.MapFS{"run/CONTROL": {Data: []byte(point)}}, "run", DefaultParams())
	if err != nil || !rs.NoSetup || physicsDiff(rs.Params, DefaultParams()) != "" {
		t.Errorf("a run without SETUP.CFG: %+v, %v", rs, err)
	}
}

// TestControlReleases: a CONTROL with two release points at one place is a
// column receptor, with several places a multipoint one (hycs_std's
// particle assignment follows the receptor kind).
func TestControlReleases(t *testing.T) {
	cases := []struct {
		release []string
		kind    receptor.Kind
		heights []float64
	}{
		{[]string{"40.5 -112.2 5"}, receptor.Point, []float64{5}},
		{[]string{"40.5 -112.2 0", "40.5 -112.2 2500"}, receptor.Column, []float64{0, 2500}},
		{[]string{"40.5 -112.2 10", "40.6 -112.1 20", "40.7 -112.0 30"}, receptor.MultiPoint, []float64{10, 20, 30}},
	}
	for _, c := range cases {
		fsys := fstest.MapFS{"CONTROL": {Data: []byte(testControl(c.release, "-5", "0", "25000.0"))}}
		ctl, err := readControl(fsys, "CONTROL")
		if err != nil {
			t.Fatal(err)
		}
		r := ctl.Receptor()
		if r.Kind != c.kind || len(r.Heights) != len(c.heights) {
			t.Errorf("%v: kind %v heights %v", c.release, r.Kind, r.Heights)
			continue
		}
		for i, h := range c.heights {
			if r.Heights[i] != h {
				t.Errorf("%v: heights %v, want %v", c.release, r.Heights, c.heights)
			}
		}
		if ctl.Lats[0] != 40.5 || ctl.Lons[0] != -112.2 || ctl.NHours != -5 || len(ctl.MetFiles) != 2 {
			t.Errorf("%v: control %+v", c.release, ctl)
		}
	}
	bad := testControl([]string{"40.5 -112.2 5", "40.6 x 5"}, "-5", "0", "25000.0")
	if _, err := readControl(fstest.MapFS{"CONTROL": {Data: []byte(bad)}}, "CONTROL"); err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("bad second release point: error %v, want one naming line 4", err)
	}
}

// TestPhysicsDiff: a change in any one run setting is named; equal settings
// give "".
func TestPhysicsDiff(t *testing.T) {
	base := DefaultParams()
	if d := physicsDiff(base, base); d != "" {
		t.Fatalf("equal settings: %q", d)
	}
	for _, c := range []struct {
		name string
		set  func(p *Params)
	}{
		{"VEGHT", func(p *Params) { p.Veght = 0.3 }},
		{"KMIX0", func(p *Params) { p.Kmix0 = 250 }},
		{"KMIXD", func(p *Params) { p.Kmixd = 1 }},
		{"DELT", func(p *Params) { p.Delt = 0 }},
		{"TLFRAC", func(p *Params) { p.TLFrac = 0.05 }},
		{"HSCALE", func(p *Params) { p.HScale = 3600 }},
		{"VSCALE", func(p *Params) { p.VScale = 100 }},
		{"TRATIO", func(p *Params) { p.TRatio = 0.5 }},
		{"NTURB", func(p *Params) { p.NTurb = true }},
		{"vertical motion", func(p *Params) { p.WOption = 1 }},
		{"model top", func(p *Params) { p.ZTop = 15000 }},
	} {
		p := base
		c.set(&p)
		if d := physicsDiff(p, base); !strings.HasPrefix(d, c.name+" ") {
			t.Errorf("%s changed: physicsDiff %q", c.name, d)
		}
	}
}

// TestMemberSummaryRelease: a member of a column or multipoint release
// records every release point in summary.json (the receptor entry keeps
// the first, as the shared ensembles do); a point release has none.
func TestMemberSummaryRelease(t *testing.T) {
	tab, err := particle.DecodeCSV(strings.NewReader("time,indx,long,lati,zagl,foot,mlht,dens,samt,sigw,tlgr\n" +
		"-1,1,-111.95,40.55,5,0.02,150,1.02,1,0.2,7\n-60,1,-111.95,40.56,60,0.02,150,1.02,1,0.2,7\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		release []string
		want    int
	}{{[]string{"40.55 -111.95 0", "40.55 -111.95 400"}, 2}, {[]string{"40.55 -111.95 10"}, 0}} {
		ctl, err := readControl(fstest.MapFS{"CONTROL": {Data: []byte(testControl(c.release, "-1", "0", "25000.0"))}}, "CONTROL")
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := WriteMemberStats(dir, tab, MemberInfo{Run: "r", KRand: 4, NumPar: 1, Control: ctl}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		var sum struct {
			Release []struct{ Lat, Lon, Zagl float64 }
		}
		if err := json.Unmarshal(b, &sum); err != nil {
			t.Fatal(err)
		}
		if len(sum.Release) != c.want || (c.want == 2 && sum.Release[1].Zagl != 400) {
			t.Errorf("%v: release %+v", c.release, sum.Release)
		}
	}
}

// TestValidateMembersWithoutSetup: members copied without SETUP.CFG are
// still judged, with the default settings, and the report says so.
func TestValidateMembersWithoutSetup(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine on real met")
	}
	ens := testenv.Shared(t, "hysplit-ensemble")
	met := testenv.Shared(t, "met")
	dirs := copyMembers(t, filepath.Join(ens, "krand4"), []string{"K4D_run1", "K4D_run2", "K4D_run3"}, func(file string, b []byte) []byte {
		if file == "SETUP.CFG" {
			return nil
		}
		return b
	})
	rep, err := Validate(context.Background(), ValidateOptions{EnsembleDir: ens, MetDir: met, NumPar: 100, Seed: 1,
		Extra: map[string][]string{"N": dirs}})
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	rep.WriteText(&buf)
	if !strings.Contains(buf.String(), "has no SETUP.CFG: the native run uses the default settings") {
		t.Errorf("no note about the missing SETUP.CFG:\n%s", buf.String())
	}
	if r := rep.Results[0]; r.NumPar != 100 || len(r.Stats) == 0 {
		t.Errorf("result %+v", r)
	}
}

// copyMembers copies member directories runs of src (CONTROL, SETUP.CFG and
// the statistics files) into temporary directories, passing each file
// through edit (nil: the file is left out), and returns the copies.
func copyMembers(t *testing.T, src string, runs []string, edit func(file string, b []byte) []byte) []string {
	t.Helper()
	var dirs []string
	for _, r := range runs {
		dst := filepath.Join(t.TempDir(), r)
		if err := os.Mkdir(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"CONTROL", "SETUP.CFG", "hourly_stats.csv", "foot_binned.csv", "summary.json"} {
			b, err := os.ReadFile(filepath.Join(src, r, f))
			if err != nil {
				t.Fatal(err)
			}
			if b = edit(f, b); b == nil {
				continue
			}
			if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		dirs = append(dirs, dst)
	}
	return dirs
}
