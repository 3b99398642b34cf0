package particle

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestCSVRoundTrip(t *testing.T) {
	in := "time,indx,long,lati,foot\n-1,1,-111.8468,40.766,0.0227518\n-1,2,-111.85,40.7,NA\n-2,1,-111.9,40.8,0\n"
	tab, err := DecodeCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len() != 3 || tab.NumParticles() != 2 {
		t.Fatalf("len %d, particles %d", tab.Len(), tab.NumParticles())
	}
	if !math.IsNaN(tab.Col("foot")[1]) {
		t.Errorf("NA should read as NaN")
	}
	var buf bytes.Buffer
	if err := tab.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := DecodeCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range tab.Names() {
		a, b := tab.Col(name), back.Col(name)
		for i := range a {
			if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
				t.Errorf("%s[%d]: %v != %v", name, i, a[i], b[i])
			}
		}
	}
}

func TestCSVErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a,b\n1,x\n", `line 2, column "b": "x" is not a number`},
		{"a,a\n1,2\n", `duplicate column "a"`},
		{"a,b\n1,2,3\n", "line 2"},
		{"", "line 1"},
	}
	for _, c := range cases {
		_, err := DecodeCSV(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want error containing %q", c.in, err, c.want)
		}
	}
}

func TestFilterSortNeed(t *testing.T) {
	tab := MustNew([]string{"time", "indx"}, 0)
	for _, r := range [][]float64{{-2, 2}, {-1, 2}, {-1, 1}, {-2, 1}} {
		if err := tab.AppendRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.SortBy("indx", "time"); err != nil {
		t.Fatal(err)
	}
	want := []float64{-2, -1, -2, -1}
	for i, v := range tab.Col("time") {
		if v != want[i] {
			t.Fatalf("sorted time = %v", tab.Col("time"))
		}
	}
	f := tab.Filter(func(i int) bool { return tab.Col("time")[i] == -1 })
	if f.Len() != 2 {
		t.Errorf("filter kept %d rows", f.Len())
	}
	if _, err := tab.Need("foot"); err == nil {
		t.Error("Need(foot) should fail")
	}
	if err := tab.SetCol("foot", []float64{1}); err == nil {
		t.Error("SetCol with wrong length should fail")
	}
}
