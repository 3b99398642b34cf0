package met

import (
	"strings"
	"testing"
)

func TestParseLabel(t *testing.T) {
	cases := []struct {
		in      string
		want    Label
		wantErr string
	}{
		{in: "19 530 0 0 099INDX   0 0.0000000E+00 0.0000000E+00",
			want: Label{Year: 2019, Month: 5, Day: 30, Hour: 0, Forecast: 0, Level: 0, GridX: '9', GridY: '9', Var: "INDX"}},
		{in: "19 530 0 1 099TPP1  -7 0.3075787E-04 0.0000000E+00",
			want: Label{Year: 2019, Month: 5, Day: 30, Forecast: 1, GridX: '9', GridY: '9', Var: "TPP1", NExp: -7, Prec: 0.3075787e-4}},
		{in: "19 530 0 0 199TEMP   4 0.6299213E-01 0.2908577E+03",
			want: Label{Year: 2019, Month: 5, Day: 30, Level: 1, GridX: '9', GridY: '9', Var: "TEMP", NExp: 4, Prec: 0.6299213e-1, Var1: 290.8577}},
		{in: "95 1 1 6-1 5ABUWND  12 0.1000000E+01-0.1234567E+02",
			want: Label{Year: 1995, Month: 1, Day: 1, Hour: 6, Forecast: -1, Level: 5, GridX: 'A', GridY: 'B', Var: "UWND", NExp: 12, Prec: 1, Var1: -12.34567}},
		{in: "19 530 0 0 099INDX", wantErr: "need 50 bytes"},
		{in: "19 5xx 0 0 099INDX   0 0.0000000E+00 0.0000000E+00", wantErr: "day"},
		{in: "1913 1 0 0 099INDX   0 0.0000000E+00 0.0000000E+00", wantErr: "invalid date"},
		{in: "19 530 0 0 099INDX  x0 0.0000000E+00 0.0000000E+00", wantErr: "exponent"},
		{in: "19 530 0 0 099INDX   0 0.00000abE+00 0.0000000E+00", wantErr: "precision"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseLabel([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
			// Formatting reproduces the bytes.
			b, err := got.Format()
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.in {
				t.Errorf("format %q, want %q", b, tc.in)
			}
		})
	}
}

func TestLabelThousands(t *testing.T) {
	l := Label{GridX: 'A', GridY: 'C'}
	if x, y := l.Thousands(); x != 1000 || y != 3000 {
		t.Errorf("thousands %d %d", x, y)
	}
	l = Label{GridX: '9', GridY: ' '}
	if x, y := l.Thousands(); x != 0 || y != 0 {
		t.Errorf("thousands %d %d", x, y)
	}
}

func TestFortranF(t *testing.T) {
	cases := []struct {
		v    float64
		w    int
		want string
	}{
		{90, 7, "90.0000"}, {0, 7, ".000000"}, {262.5, 7, "262.500"}, {-112.91, 7, "-112.91"},
		{40.1015, 7, "40.1015"}, {0.999, 6, ".99900"}, {1, 6, "1.0000"}, {0.4768, 6, ".47680"},
		{1000, 6, "1000.0"}, {-0.5, 7, "-.50000"},
	}
	for _, tc := range cases {
		got, err := fortranF(tc.v, tc.w)
		if err != nil || got != tc.want {
			t.Errorf("fortranF(%g,%d) = %q, %v; want %q", tc.v, tc.w, got, err, tc.want)
		}
	}
	if _, err := fortranF(1e9, 6); err == nil {
		t.Error("1e9 fits in 6 characters?")
	}
}
