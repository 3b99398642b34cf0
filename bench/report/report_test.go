package report

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func ip(n int) *int          { return &n }
func fp(x float64) *float64  { return &x }
func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
func rec(nodes, ranks int, sims *int, wall float64) Record {
	return Record{JobID: "j", Nodes: nodes, Ranks: ranks, Simulations: sims, WallSeconds: wall}
}

func TestAnalyze(t *testing.T) {
	// expected figures worked out by hand: 100 sims in 400 s = 900/h, etc.
	cases := []struct {
		name     string
		recs     []Record
		sph      []float64 // NaN = unknown
		speedup  []float64
		eff      []float64
		rankList []int
	}{
		{"same work, by throughput",
			[]Record{rec(4, 16, ip(100), 125), rec(1, 4, ip(100), 400), rec(2, 8, ip(100), 250)},
			[]float64{900, 1440, 2880}, []float64{1, 1.6, 3.2}, []float64{1, 0.8, 0.8}, []int{4, 8, 16}},
		{"different work: throughput, not wall time",
			[]Record{rec(1, 4, ip(100), 400), rec(2, 8, ip(150), 300)},
			[]float64{900, 1800}, []float64{1, 2}, []float64{1, 1}, []int{4, 8}},
		{"unknown counts: wall-time ratio",
			[]Record{rec(1, 4, nil, 400), rec(2, 8, ip(100), 250)},
			[]float64{math.NaN(), 1440}, []float64{1, 1.6}, []float64{1, 0.8}, []int{4, 8}},
		{"single run",
			[]Record{rec(2, 8, ip(10), 36)},
			[]float64{1000}, []float64{1}, []float64{1}, []int{8}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, err := Analyze(c.recs)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rows {
				if r.Ranks != c.rankList[i] {
					t.Errorf("row %d ranks %d, want %d (sorted by ranks)", i, r.Ranks, c.rankList[i])
				}
				if !(near(r.SimsPerHour, c.sph[i]) || math.IsNaN(c.sph[i]) && math.IsNaN(r.SimsPerHour)) {
					t.Errorf("row %d sims/h %v, want %v", i, r.SimsPerHour, c.sph[i])
				}
				if !near(r.Speedup, c.speedup[i]) || !near(r.Efficiency, c.eff[i]) {
					t.Errorf("row %d speedup %v efficiency %v, want %v %v", i, r.Speedup, r.Efficiency, c.speedup[i], c.eff[i])
				}
			}
		})
	}
	for _, bad := range [][]Record{nil, {rec(1, 4, nil, 0)}, {rec(1, 0, nil, 3)}} {
		if _, err := Analyze(bad); err == nil {
			t.Errorf("Analyze(%+v) accepted", bad)
		}
	}
}

func TestNewRecordAndReadDir(t *testing.T) {
	dir := t.TempDir()
	stats := filepath.Join(dir, "stats.json")
	os.WriteFile(stats, []byte(`{"simulations": 120, "failed": 2, "idle_fraction": 0.125}`), 0o644)
	r1, err := NewRecord("101", 1, 4, 1, 1_000_000_000, 401_500_000_000, 0, stats)
	if err != nil {
		t.Fatal(err)
	}
	if r1.WallSeconds != 400.5 || *r1.Simulations != 120 || *r1.Failed != 2 || *r1.IdleFraction != 0.125 {
		t.Errorf("record %+v", r1)
	}
	if !r1.Start.Equal(r1.Start.UTC()) || r1.End.Sub(r1.Start).Seconds() != 400.5 {
		t.Errorf("times %v %v", r1.Start, r1.End)
	}
	// no stats file: simulations unknown, not an error
	r2, err := NewRecord("102", 2, 8, 1, 0, 250e9, 0, filepath.Join(dir, "none.json"))
	if err != nil || r2.Simulations != nil {
		t.Fatalf("%+v %v", r2, err)
	}
	if err := WriteRecord(filepath.Join(dir, "bench-n1.json"), r1); err != nil {
		t.Fatal(err)
	}
	if err := WriteRecord(filepath.Join(dir, "bench-n2.json"), r2); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "other.json"), []byte("not a record"), 0o644) // ignored: not bench-n*.json
	recs, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].JobID != "101" || recs[1].JobID != "102" || *recs[0].Simulations != 120 {
		t.Fatalf("read back %+v", recs)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	for name, body := range map[string]string{
		"broken":   `{"simulations": `,
		"idle>1":   `{"idle_fraction": 1.5}`,
		"negative": `{"simulations": -1}`,
	} {
		os.WriteFile(stats, []byte(body), 0o644)
		if _, err := NewRecord("1", 1, 1, 1, 0, 1, 0, stats); err == nil {
			t.Errorf("stats %s accepted", name)
		}
	}
	if _, err := NewRecord("1", 1, 1, 1, 5, 1, 0, ""); err == nil {
		t.Error("end before start accepted")
	}
	if _, err := NewRecord("1", 0, 1, 1, 0, 1, 0, ""); err == nil {
		t.Error("zero nodes accepted")
	}
	os.WriteFile(filepath.Join(dir, "bench-n9.json"), []byte(`{"nodes": 9, "ranks": 9, "wall_s": 0}`), 0o644)
	if _, err := ReadDir(dir); err == nil || !strings.Contains(err.Error(), "bench-n9.json") {
		t.Errorf("zero wall time accepted or file not named: %v", err)
	}
	if _, err := ReadDir(t.TempDir()); err == nil {
		t.Error("empty directory accepted")
	}
}

func TestWriteTable(t *testing.T) {
	rows, err := Analyze([]Record{
		{Nodes: 1, Ranks: 4, Simulations: ip(100), WallSeconds: 400, IdleFraction: fp(0.05)},
		{Nodes: 2, Ranks: 8, WallSeconds: 250, ExitCode: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("table:\n%s", b.String())
	}
	want := [][]string{
		{"nodes", "ranks", "simulations", "wall", "s", "sims/hour", "speedup", "efficiency", "idle", "exit"},
		{"1", "4", "100", "400.00", "900.0", "1.000", "1.000", "0.050", "0"},
		{"2", "8", "-", "250.00", "-", "1.600", "0.800", "-", "1"},
	}
	for i, l := range lines {
		if got := strings.Fields(l); strings.Join(got, " ") != strings.Join(want[i], " ") {
			t.Errorf("line %d: %q, want %q", i, got, want[i])
		}
	}
}

func TestPlotEfficiency(t *testing.T) {
	rows, _ := Analyze([]Record{rec(1, 4, ip(100), 400), rec(2, 8, ip(100), 250), rec(4, 16, ip(100), 125)})
	path := filepath.Join(t.TempDir(), "eff.png")
	if err := PlotEfficiency(rows, path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Errorf("image %v too small", b)
	}
	if err := PlotEfficiency(nil, path); err == nil {
		t.Error("empty rows accepted")
	}
	if err := PlotEfficiency(rows[:1], filepath.Join(t.TempDir(), "one.png")); err != nil {
		t.Errorf("single row: %v", err)
	}
}
