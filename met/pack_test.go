package met

import (
	"math"
	"math/rand"
	"testing"
)

func TestChecksum(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for n := 0; n < 50; n++ {
		b := make([]byte, r.Intn(3000))
		r.Read(b)
		s := 0
		for _, c := range b {
			s += int(c)
		}
		want := 0
		if s > 0 {
			want = (s-1)%255 + 1
		}
		if got := Checksum(b); got != want {
			t.Fatalf("len %d: checksum %d, closed form %d", len(b), got, want)
		}
	}
}

// TestUnpackRowRestart builds bytes by hand: each row starts from the first
// value of the previous row, not the last value of the previous row.
func TestUnpackRowRestart(t *testing.T) {
	// nexp 7 → one byte step is 1.0
	data := []byte{
		127, 128, 129, // row 1: 10, 11, 13
		130, 127, 126, // row 2 starts from 10: 13, 13, 12
	}
	out := make([]float32, 6)
	if err := Unpack(data, 3, 2, 7, 0.5, 10, out); err != nil {
		t.Fatal(err)
	}
	want := []float32{10, 11, 13, 13, 13, 12}
	for k := range want {
		if out[k] != want[k] {
			t.Fatalf("unpacked %v, want %v", out, want)
		}
	}
	// Precision zeroing touches the output only: a first-column value below
	// prec is written as 0, but the next row restarts from the unzeroed
	// running value (hycs_std v5.1.0's decode, bench/RESULTS-transport.md).
	// The zeroed restart (the rule physics spec recalls for PAKINP) would
	// give 0, 1, 1, 2.
	data = []byte{127, 128, 128, 128}
	if err := Unpack(data, 2, 2, 7, 0.5, 0.3, out); err != nil {
		t.Fatal(err)
	}
	want = []float32{0, 1.3, 1.3, 2.3}
	for k := range want[:4] {
		if math.Abs(float64(out[k]-want[k])) > 1e-6 {
			t.Fatalf("unpacked %v, want %v", out[:4], want)
		}
	}
	region := make([]float32, 2)
	if err := UnpackRegion(data, 2, 2, 7, 0.5, 0.3, 1, 2, 2, 2, region); err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(region[0]-1.3)) > 1e-6 || math.Abs(float64(region[1]-2.3)) > 1e-6 {
		t.Fatalf("region row 2 %v, want [1.3 2.3]", region)
	}
}

func TestPackUnpack(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	fields := map[string]func(i, j int) float32{
		"constant":  func(i, j int) float32 { return 850 },
		"zero":      func(i, j int) float32 { return 0 },
		"smooth":    func(i, j int) float32 { return float32(280 + 10*math.Sin(float64(i)/7) + 0.3*float64(j)) },
		"noisy":     func(i, j int) float32 { return float32(r.NormFloat64() * 5) },
		"tiny":      func(i, j int) float32 { return float32(1e-6 * math.Cos(float64(i+j))) },
		"step":      func(i, j int) float32 { return float32(1000 * (i / 10)) },
		"pow2-diff": func(i, j int) float32 { return float32(4 * i) },
	}
	for name, fn := range fields {
		t.Run(name, func(t *testing.T) {
			nx, ny := 23, 17
			v := make([]float32, nx*ny)
			for j := 0; j < ny; j++ {
				for i := 0; i < nx; i++ {
					v[j*nx+i] = fn(i, j)
				}
			}
			p, err := Pack(v, nx, ny)
			if err != nil {
				t.Fatal(err)
			}
			out := make([]float32, nx*ny)
			if err := Unpack(p.Data, nx, ny, p.NExp, p.Prec, p.Var1, out); err != nil {
				t.Fatal(err)
			}
			step := math.Ldexp(1, p.NExp-7)
			for k := range v {
				if d := math.Abs(float64(out[k] - v[k])); d > step*0.5+p.Prec+1e-6*math.Abs(float64(v[k])) {
					t.Fatalf("point %d: %g → %g (nexp %d, step %g)", k, v[k], out[k], p.NExp, step)
				}
			}
		})
	}
	if _, err := Pack([]float32{1, float32(math.NaN())}, 2, 1); err == nil {
		t.Error("NaN packed without error")
	}
}

func TestUnpackBadInput(t *testing.T) {
	out := make([]float32, 4)
	for _, tc := range []struct {
		data   []byte
		nx, ny int
		nexp   int
	}{{[]byte{1, 2}, 2, 2, 0}, {[]byte{1, 2, 3, 4}, 0, 4, 0}, {[]byte{1, 2, 3, 4}, 2, 2, 1000}} {
		if err := Unpack(tc.data, tc.nx, tc.ny, tc.nexp, 0, 0, out); err == nil {
			t.Errorf("%+v: no error", tc)
		}
	}
}

// TestUnpackRegionEqualsUnpack: a region decode equals the same cells of a
// full decode, including sub-precision zeroing in the first column.
func TestUnpackRegionEqualsUnpack(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	nx, ny := 17, 13
	data := make([]byte, nx*ny)
	for k := range data {
		data[k] = byte(120 + r.Intn(15))
	}
	full := make([]float32, nx*ny)
	if err := Unpack(data, nx, ny, 2, 0.3, 0.2, full); err != nil {
		t.Fatal(err)
	}
	for _, reg := range []SubGrid{{1, nx, 1, ny}, {3, 9, 4, 11}, {nx, nx, ny, ny}, {1, 1, 5, 5}} {
		out := make([]float32, reg.NX()*reg.NY())
		if err := UnpackRegion(data, nx, ny, 2, 0.3, 0.2, reg.I0, reg.I1, reg.J0, reg.J1, out); err != nil {
			t.Fatal(err)
		}
		for j := reg.J0; j <= reg.J1; j++ {
			for i := reg.I0; i <= reg.I1; i++ {
				if a, b := out[(j-reg.J0)*reg.NX()+i-reg.I0], full[(j-1)*nx+i-1]; a != b {
					t.Fatalf("region %+v (%d,%d): %g, full decode %g", reg, i, j, a, b)
				}
			}
		}
	}
	if err := UnpackRegion(data, nx, ny, 2, 0, 0, 0, 3, 1, 2, make([]float32, 10)); err == nil {
		t.Error("region starting at column 0 accepted")
	}
}
