package receptor

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestReadKinds(t *testing.T) {
	csv := "R_IDX,Time,Longitude,Latitude,zagl,scene\n" +
		"1,2019-05-30 11:00:00,-111.848,40.766,5,s1\n" +
		"2,201905301100,-111.848,40.766,3000,s2\n" +
		"2,2019-05-30 12:00:00,-111.848,40.766,0,s2\n" +
		"3,2019-05-30T11:00:00Z,-112,40,10,\n" +
		"3,2019-05-30T11:00:00Z,-112.1,40.1,20,\n" +
		"3,2019-05-30T11:00:00Z,-112.2,40.2,30,\n" +
		"4,2019-05-30T05:00:00-06:00,-112,40,10,\n"
	rs, err := Read(strings.NewReader(csv), "r.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 4 {
		t.Fatalf("got %d receptors", len(rs))
	}
	want := []struct {
		kind  Kind
		id    string
		line  int
		scene string
		h     []float64
	}{
		{Point, "201905301100_-111.848_40.766_5", 2, "s1", []float64{5}},
		// Column: first row's time, bottom/top sorted.
		{Column, "201905301100_-111.848_40.766_X", 3, "s2", []float64{0, 3000}},
		{MultiPoint, "", 5, "", []float64{10, 20, 30}},
		{Point, "201905301100_-112_40_10", 8, "", []float64{10}},
	}
	for i, w := range want {
		r := rs[i]
		if r.Kind != w.kind || r.Line != w.line || r.Scene != w.scene || r.MSL {
			t.Errorf("receptor %d: kind %v line %d scene %q msl %v", i, r.Kind, r.Line, r.Scene, r.MSL)
		}
		if w.id != "" && r.ReceptorID() != w.id {
			t.Errorf("receptor %d: id %s want %s", i, r.ReceptorID(), w.id)
		}
		for j, h := range w.h {
			if r.Heights[j] != h {
				t.Errorf("receptor %d heights %v want %v", i, r.Heights, w.h)
				break
			}
		}
		if !r.Time.Equal(time.Date(2019, 5, 30, 11, 0, 0, 0, time.UTC)) {
			t.Errorf("receptor %d time %v", i, r.Time)
		}
	}
}

func TestReadAltitudeRefInference(t *testing.T) {
	for _, c := range []struct {
		name, csv string
		msl       bool
	}{
		{"zmsl column", "time,lat,lon,zmsl\n201905301100,40,-112,1500\n", true},
		{"zagl column", "time,lat,lon,zagl\n201905301100,40,-112,15\n", false},
		{"altitude default agl", "time,lat,lon,altitude\n201905301100,40,-112,15\n", false},
		{"explicit msl", "time,lat,lon,z,height_ref\n201905301100,40,-112,15,MSL\n", true},
		{"explicit agl beats zmsl", "time,lat,lon,zmsl,altitude_ref\n201905301100,40,-112,15,agl\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs, err := Read(strings.NewReader(c.csv), "r.csv")
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].MSL != c.msl {
				t.Errorf("MSL = %v, want %v", rs[0].MSL, c.msl)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	const hdr = "time,latitude,longitude,altitude\n"
	for _, c := range []struct {
		name, csv string
		want      []string // substrings, one per expected error, in order
	}{
		{"empty", "", []string{"empty file"}},
		{"missing columns", "time,lat\n", []string{"field long: required column", "field z: required column"}},
		{"duplicate alias", "time,lat,latitude,lon,z\n", []string{"field lati: columns 2 and 3"}},
		{"bad time", hdr + "yesterday,40,-112,5\n", []string{"r.csv:2: field time:"}},
		{"numeric short time", hdr + "2019053011,40,-112,5\n", []string{"r.csv:2: field time:"}},
		{"bad number", hdr + "201905301100,forty,-112,5\n", []string{"r.csv:2: field lati:"}},
		{"nan", hdr + "201905301100,40,NaN,5\n", []string{"r.csv:2: field long:"}},
		{"lat range", hdr + "201905301100,91,-112,5\n", []string{"r.csv:2: point receptor: latitude 91 outside"}},
		{"lon range", hdr + "201905301100,40,-181,5\n", []string{"longitude -181 outside"}},
		{"negative agl", hdr + "201905301100,40,-112,-1\n", []string{"AGL altitude -1 must be >= 0"}},
		{"field count", hdr + "201905301100,40,-112\n", []string{"r.csv:2: has 3 fields, header has 4"}},
		{"bad ref", "time,lat,lon,z,altitude_ref\n201905301100,40,-112,5,sea\n", []string{"field altitude_ref:"}},
		{"column equal heights", "r_idx,time,lat,lon,z\n1,201905301100,40,-112,5\n1,201905301100,40,-112,5\n", []string{"column bottom 5 must be below top 5"}},
		{"mixed ref in group", "r_idx,time,lat,lon,z,altitude_ref\n1,201905301100,40,-112,5,agl\n1,201905301100,41,-112,5,msl\n", []string{"r.csv:3: field altitude_ref: r_idx 1 mixes"}},
		{"mixed scene in group", "r_idx,time,lat,lon,z,scene\n1,201905301100,40,-112,5,a\n1,201905301100,41,-112,5,b\n", []string{"r.csv:3: field scene:"}},
		{"empty r_idx", "r_idx,time,lat,lon,z\n,201905301100,40,-112,5\n", []string{"field r_idx: empty"}},
		{"duplicate ids", hdr + "201905301100,40,-112,5\n2019-05-30 11:00,40.0,-112.0,5.0\n", []string{"r.csv:3: duplicate receptor id 201905301100_-112_40_5 (same as the receptor on line 2)"}},
		{"several errors at once", hdr + "x,40,-112,5\n201905301100,95,-112,5\n201905301100,40,-112,y\n", []string{":2: field time", ":3: point receptor", ":4: field z"}},
		{"no rows", hdr, []string{"no receptor rows"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.csv), "r.csv")
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %v is not Errors", err)
			}
			if len(es) != len(c.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(es), len(c.want), err)
			}
			for i, w := range c.want {
				if !strings.Contains(es[i].Error(), w) {
					t.Errorf("error %d = %q, want it to contain %q", i, es[i].Error(), w)
				}
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2019, 5, 30, 11, 0, 0, 0, time.UTC)
	for _, s := range []string{"201905301100", "2019-05-30 11:00:00", "2019-05-30T11:00", "2019-05-30T11:00:00Z",
		"2019-05-30T13:00:00+02:00", "2019-05-30 05:00:00-0600", "2019-05-30 11:00:00.000"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "1559214000", "201913301100", "30/05/2019"} {
		if _, err := ParseTime(s); err == nil {
			t.Errorf("ParseTime(%q) accepted", s)
		}
	}
}

func TestFromPointsDispatch(t *testing.T) {
	tm := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if r := FromPoints(tm, []float64{1, 1}, []float64{2, 2}, []float64{9, 3}, false); r.Kind != Column || r.Heights[0] != 3 || r.Heights[1] != 9 {
		t.Errorf("column: %+v", r)
	}
	if r := FromPoints(tm, []float64{1, 1}, []float64{2, 2.5}, []float64{9, 3}, false); r.Kind != MultiPoint || r.Heights[0] != 9 {
		t.Errorf("multipoint: %+v", r)
	}
}
