package receptor

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzRead: Read never panics; it returns receptors that validate and carry
// ids matching the simulation-id pattern, or Errors.
func FuzzRead(f *testing.F) {
	f.Add(mixed)
	f.Add("time,lat,lon,z\n201905301100,40,-112,5\n")
	f.Add("r_idx,time,lat,lon,z\n1,201905301100,40,-112,0\n1,201905301100,40,-112,3000\n")
	f.Add("time,lat,lon,z\n\"2019-05-30\n11:00\",40,-112,5\n")
	f.Add("time,lat,lon,zmsl,altitude_ref\n2019-05-30T11:00:00+02:00,-90,180,-5,MSL\n")
	f.Fuzz(func(t *testing.T, data string) {
		rs, err := Read(strings.NewReader(data), "fuzz.csv")
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %v is not a non-empty Errors", err)
			}
			return
		}
		for _, r := range rs {
			if verr := r.Validate(); verr != nil {
				t.Fatalf("accepted invalid receptor: %v", verr)
			}
			if id, err := r.SimID("hrrr"); err != nil || !SimIDPattern.MatchString(id) {
				t.Fatalf("bad sim id %q: %v", id, err)
			}
		}
		var b bytes.Buffer
		if err := WriteCSV(&b, rs); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"201905301100", "2019-05-30 11:00:00", "2019-05-30T11:00Z", "x+01:00", "-0600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err == nil && tm.Location().String() != "UTC" {
			t.Fatalf("%q parsed to non-UTC %v", s, tm)
		}
	})
}
