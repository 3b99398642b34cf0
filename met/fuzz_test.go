package met

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLabel: parsing never panics, and a label that parses and re-formats
// parses back to the same values.
func FuzzLabel(f *testing.F) {
	f.Add([]byte("19 530 0 0 099INDX   0 0.0000000E+00 0.0000000E+00"))
	f.Add([]byte("19 530 0 1 099TPP1  -7 0.3075787E-04 0.0000000E+00"))
	f.Add([]byte("95 1 1 6-1 5ABUWND  12 0.1000000E+01-0.1234567+102"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseLabel(b)
		if err != nil {
			return
		}
		out, err := l.Format()
		if err != nil {
			return
		}
		l2, err := ParseLabel(out)
		if err != nil {
			t.Fatalf("re-formatted label %q does not parse: %v", out, err)
		}
		if l2.Var != l.Var || l2.Level != l.Level || l2.NExp != l.NExp || l2.Time() != l.Time() {
			t.Fatalf("round trip %+v → %q → %+v", l, out, l2)
		}
	})
}

// FuzzIndex: index text (and whole files built around it) never panics.
func FuzzIndex(f *testing.F) {
	hrrr := "HRRR  0 090.0000.00000038.5000262.5003.00000.00000038.50001.000001.0000040.1015-112.91.000000 59 41 20 116281.000018SHGT 29 "
	f.Add([]byte(hrrr))
	ix := &Index{Header: Header{Source: "TEST", NX: 3, NY: 2, NZ: 2, KFlag: 1, RefLat: 1, RefLon: 1},
		Levels: []Level{{Height: 1, Vars: []VarEntry{{"PRSS", 12}}}, {Height: 0.9, Vars: []VarEntry{{"TEMP", 3}, {"UWND", 200}}}}}
	if b, err := ix.Format(); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseIndex(b, 0, 0)
		if err != nil {
			return
		}
		if len(got.Levels) != got.NZ {
			t.Fatalf("parsed %d levels, NZ %d", len(got.Levels), got.NZ)
		}
		if out, err := got.Format(); err == nil {
			if _, err := ParseIndex(out, got.NX/1000*1000, got.NY/1000*1000); err != nil && got.NX < 1000 && got.NY < 1000 {
				t.Fatalf("re-formatted index does not parse: %v", err)
			}
		}
		// the same text as the start of a file must not panic Open
		lab := []byte("19 530 0 0 099INDX   0 0.0000000E+00 0.0000000E+00")
		p := filepath.Join(t.TempDir(), "f")
		os.WriteFile(p, append(lab, b...), 0o644)
		if fh, err := Open(p); err == nil {
			for _, tm := range fh.Times() {
				fh.Snapshot(tm, nil, nil)
			}
			fh.Close()
		}
	})
}

// FuzzUnpack: unpacking arbitrary bytes never panics and pack → unpack stays
// within half a byte step (plus PREC) of the input.
func FuzzUnpack(f *testing.F) {
	f.Add([]byte{127, 128, 129, 130, 127, 126}, 3, 7, 0.5, 10.0)
	f.Add([]byte{0, 255, 0, 255}, 2, -3, 0.001, -1.0)
	f.Fuzz(func(t *testing.T, data []byte, nx, nexp int, prec, var1 float64) {
		if nx <= 0 || nx > 1000 || len(data) == 0 {
			return
		}
		ny := len(data) / nx
		if ny == 0 {
			return
		}
		out := make([]float32, nx*ny)
		if err := Unpack(data, nx, ny, nexp, prec, var1, out); err != nil {
			return
		}
		p, err := Pack(out, nx, ny)
		if err != nil {
			return // non-finite values
		}
		back := make([]float32, nx*ny)
		if err := Unpack(p.Data, nx, ny, p.NExp, p.Prec, p.Var1, back); err != nil {
			t.Fatalf("unpack of packed data: %v", err)
		}
	})
}
