package receptor

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const mixed = "r_idx,time,lat,lon,z,altitude_ref,scene\n" +
	"a,2019-05-30 11:00:00,40.766,-111.848,5,agl,s\n" +
	"b,2019-05-30 11:00:00,40.766,-111.848,0,agl,s\n" +
	"b,2019-05-30 11:00:00,40.766,-111.848,3000,agl,s\n" +
	"c,2019-05-30 11:00:00,40.1,-112.3,1500.5,msl,t\n" +
	"c,2019-05-30 11:00:00,40.2,-112.2,1e-05,msl,t\n"

func TestWriteCSVRoundTrip(t *testing.T) {
	rs, err := Read(strings.NewReader(mixed), "in.csv")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, rs); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "r_idx,time,longitude,latitude,altitude,altitude_ref,scene\n0,2019-05-30 11:00:00,-111.848,40.766,5.0,agl,s\n") {
		t.Errorf("published CSV:\n%s", b.String())
	}
	back, err := Read(&b, "out.csv")
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		rs[i].Line, back[i].Line = 0, 0
	}
	if !reflect.DeepEqual(rs, back) {
		t.Errorf("round trip differs:\n%+v\n%+v", rs, back)
	}
}

func TestSimulations(t *testing.T) {
	rs, err := Read(strings.NewReader(mixed), "in.csv")
	if err != nil {
		t.Fatal(err)
	}
	sims, err := Simulations(rs, []string{"hrrr", "nam12"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sims) != 6 || sims[0].ID != "hrrr_201905301100_-111.848_40.766_5" || sims[1].ID != "hrrr_201905301100_-111.848_40.766_X" ||
		sims[3].Met != "nam12" || sims[3].Receptor != 0 {
		t.Errorf("sims %+v", sims)
	}
	if _, err := Simulations(rs, []string{"Bad_Key"}); err == nil {
		t.Error("bad met key accepted")
	}
	dup := append(rs, rs[0])
	_, err = Simulations(dup, []string{"hrrr"})
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 || !strings.Contains(es[0].Msg, "duplicate simulation id hrrr_201905301100_-111.848_40.766_5") {
		t.Errorf("duplicate not reported: %v", err)
	}
}
