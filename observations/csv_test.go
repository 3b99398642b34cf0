package observations

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/receptor"
)

const obsCSV = `sensor,species,time,lat,lon,observation_id,value,uncertainty_retrieval,uncertainty_model,uncertainty_transport,vza,vaa,psurf,tcwv,qf,orbit,operator_mode,swath
oco2,xco2,2019-05-30 20:15:02,40.77,-111.85,a,410.5,2,3,6,30,135,850,12,0,25601,ak_pwf,s1
oco2,xco2,201905302016,40.80,-111.84,b,411,,,,31,136,,,1,25601,,s1
oco2,xco2,2019-05-30T21:40:00Z,40.9,-111.8,c,,,,,,,,,,25602,,s2
`

const profCSV = `observation_id,pressure,ak,pwf
a,1000,1.0,0.05
a,500,0.8,0.5
a,800,0.9,0.45
`

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	obs, err := Load(writeTemp(t, "obs.csv", obsCSV), writeTemp(t, "prof.csv", profCSV))
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 3 {
		t.Fatalf("%d observations", len(obs))
	}
	a := obs[0]
	if a.ID != "a" || a.Sensor != "oco2" || a.Lat != 40.77 || a.Lon != -111.85 || a.Value != 410.5 {
		t.Errorf("a = %+v", a)
	}
	if !a.Time.Equal(time.Date(2019, 5, 30, 20, 15, 2, 0, time.UTC)) {
		t.Errorf("time %v", a.Time)
	}
	// Budget 2, 3, 6 -> total 7.
	if a.Uncertainty != 7 || len(a.Budget.Components) != 3 {
		t.Errorf("uncertainty %v, budget %+v", a.Uncertainty, a.Budget)
	}
	if a.Viewing.ViewingZenith != 30 || a.Viewing.ViewingAzimuth != 135 || !math.IsNaN(a.Viewing.SolarZenith) {
		t.Errorf("viewing %+v", a.Viewing)
	}
	if a.Quality["qf"] != "0" || a.Metadata["orbit"] != "25601" || a.Geometry.Swath != "s1" {
		t.Errorf("quality %v metadata %v swath %q", a.Quality, a.Metadata, a.Geometry.Swath)
	}
	op := a.Operator
	if op == nil || op.Mode != ModeAKPWF || op.SurfacePressure != 850 || op.TCWV != 12 || op.LevelCoord != LevelPressure {
		t.Fatalf("operator %+v", op)
	}
	if len(op.Levels) != 3 || op.Levels[2] != 800 || op.AK[2] != 0.9 || op.PWF[1] != 0.5 {
		t.Errorf("profile %+v", op)
	}
	if obs[1].Operator != nil || !math.IsNaN(obs[1].Uncertainty) {
		t.Errorf("b operator %+v uncertainty %v", obs[1].Operator, obs[1].Uncertainty)
	}
	if obs[1].Time != time.Date(2019, 5, 30, 20, 16, 0, 0, time.UTC) || obs[1].Line != 3 || !math.IsNaN(obs[2].Value) {
		t.Errorf("b time %v line %d, c value %v", obs[1].Time, obs[1].Line, obs[2].Value)
	}
}

func TestLoadErrors(t *testing.T) {
	hdr := "sensor,species,time,latitude,longitude,observation_id\n"
	cases := []struct {
		name, obs, prof, want string
	}{
		{"bad number", hdr + "s,x,201905301200,40,-111,a\ns,x,201905301200,4O,-111,b\n", "", `obs.csv:3: column "latitude": "4O" is not a number`},
		{"missing column", "sensor,species,time,latitude\ns,x,201905301200,40\n", "", `obs.csv:1: required column "longitude" missing`},
		{"bad time", hdr + "s,x,1559217600,40,-111,a\n", "", `obs.csv:2: column "time"`},
		{"missing time", hdr + "s,x,,40,-111,a\n", "", `obs.csv:2 observation "a": time is required`},
		{"latitude range", hdr + "s,x,201905301200,95,-111,a\n", "", `obs.csv:2 observation "a": latitude 95 outside`},
		{"duplicate id", hdr + "s,x,201905301200,40,-111,a\ns,x,201905301200,40,-111,a\n", "", `obs.csv:3: observation_id "a" already used on line 2`},
		{"ragged row", hdr + "s,x,201905301200,40\n", "", `obs.csv`},
		{"bad mode", "sensor,species,time,lat,lon,mode\ns,x,201905301200,40,-111,akk\n", "", `obs.csv:2: column "operator_mode"`},
		{"negative budget", "sensor,species,time,lat,lon,uncertainty_a\ns,x,201905301200,40,-111,-1\n", "", `sigma -1`},
		{"profile unknown id", hdr + "s,x,201905301200,40,-111,a\n", "observation_id,pressure,ak\nz,1000,1\n", `prof.csv:2: observation_id "z" is not in`},
		{"profile bad value", hdr + "s,x,201905301200,40,-111,a\n", "observation_id,pressure,ak\na,1000,1\na,900,\n", `prof.csv:3: column "ak": "" is not a number`},
		{"profile two level columns", hdr + "s,x,201905301200,40,-111,a\n", "observation_id,pressure,height,ak\n", `exactly one level column`},
		{"profile unknown column", hdr + "s,x,201905301200,40,-111,a\n", "observation_id,pressure,akk\n", `unknown profile column "akk"`},
		{"profile duplicate level", hdr + "s,x,201905301200,40,-111,a\ns,x,201905301200,40,-111,b\n", "id,pressure,ak\na,1000,1\nb,1000,1\na,1000,1\n", `prof.csv:4: observation "a" has pressure level 1000 twice (also line 2)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			op := filepath.Join(dir, "obs.csv")
			os.WriteFile(op, []byte(c.obs), 0o644)
			pp := ""
			if c.prof != "" {
				pp = filepath.Join(dir, "prof.csv")
				os.WriteFile(pp, []byte(c.prof), 0o644)
			}
			_, err := Load(op, pp)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want error containing %q", err, c.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "absent.csv"), ""); err == nil {
		t.Error("absent file accepted")
	}
}

func TestBudgetTotal(t *testing.T) {
	b := UncertaintyBudget{Components: []UncertaintyComponent{{"a", 2}, {"b", 3}, {"c", 6}}}
	if b.Total() != 7 {
		t.Errorf("total %v, want 7", b.Total())
	}
	if err := (UncertaintyBudget{Components: []UncertaintyComponent{{"a", 1}, {"a", 2}}}).Validate(); err == nil {
		t.Error("duplicate names accepted")
	}
}

func TestLineOfSightAltitudes(t *testing.T) {
	n := math.NaN()
	l := LineOfSight{Start: 0, End: 1000, Frequency: 300, AnchorAltitude: n, SurfaceAltitude: n, MaxAltitude: n}
	// count = max(2, round(1000/300) + 1) = 4 -> 0, 333.3, 666.7, 1000.
	if a := l.Altitudes(); len(a) != 4 || a[3] != 1000 {
		t.Errorf("altitudes %v", a)
	}
	bad := []LineOfSight{
		{Levels: []float64{1, 2}, Start: 0, End: n},
		{Start: 0, End: n, Count: 2},
		{Start: 0, End: 10, Count: 2, Frequency: 1},
		{Start: 0, End: 10, Count: 1},
	}
	for i, b := range bad {
		if err := b.Validate(); err == nil {
			t.Errorf("case %d accepted: %+v", i, b)
		}
	}
}

func TestSceneGrouping(t *testing.T) {
	obs, err := Load(writeTemp(t, "obs.csv", obsCSV), "")
	if err != nil {
		t.Fatal(err)
	}
	single, err := GroupScenes(obs, GroupRule{Kind: GroupSingle})
	if err != nil || len(single) != 1 || single[0].ID != "oco2-20190530201502" || len(single[0].Observations) != 3 {
		t.Fatalf("single: %v %+v", err, single)
	}
	gap, err := GroupScenes(obs, GroupRule{Kind: GroupTimeGap, MaxGap: 10 * time.Minute})
	if err != nil || len(gap) != 2 || gap[0].ID != "oco2-20190530201502-g0" || gap[1].ID != "oco2-20190530214000-g1" || len(gap[0].Observations) != 2 {
		t.Fatalf("gap: %v %+v", err, gap)
	}
	md, err := GroupScenes(obs, GroupRule{Kind: GroupMetadata, Field: "orbit", Prefix: "orbit"})
	if err != nil || len(md) != 2 || md[0].ID != "orbit-25601" || md[1].ID != "orbit-25602" {
		t.Fatalf("metadata: %v %+v", err, md)
	}
	sw, err := GroupScenes(obs, GroupRule{Kind: GroupSwath})
	if err != nil || len(sw) != 2 || sw[0].ID != "oco2-s1" {
		t.Fatalf("swath: %v %+v", err, sw)
	}
	key, err := GroupScenes(obs, GroupRule{Kind: GroupKey, Key: func(o Observation) string { return o.Time.Format("15") }})
	if err != nil || len(key) != 2 || key[1].ID != "oco2-21" {
		t.Fatalf("key: %v %+v", err, key)
	}
	if _, err := GroupScenes(obs, GroupRule{Kind: GroupMetadata, Field: "track"}); err == nil || !strings.Contains(err.Error(), `field "track"`) {
		t.Errorf("missing metadata field: %v", err)
	}
	obs[2].Geometry.Swath = ""
	if _, err := GroupScenes(obs, GroupRule{Kind: GroupSwath}); err == nil || !strings.Contains(err.Error(), "obs.csv:4") {
		t.Errorf("missing swath: %v", err)
	}
	if _, err := GroupScenes(obs, GroupRule{Kind: "orbit"}); err == nil {
		t.Error("unknown rule accepted")
	}
	// Content hash: independent of input order, sensitive to values.
	rev := []Observation{obs[2], obs[1], obs[0]}
	if NewScene("x", obs).ContentHash() != NewScene("x", rev).ContentHash() {
		t.Error("content hash depends on order")
	}
	obs[0].Value++
	if NewScene("x", obs).ContentHash() == NewScene("x", rev).ContentHash() {
		t.Error("content hash ignores values")
	}
}

func TestPointAndVerticalSensors(t *testing.T) {
	obs, err := Load(writeTemp(t, "obs.csv", obsCSV+"oco2,xco2,2019-05-30 22:00:00,40,-111,d,,,,,,,,,,1,,s3\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	scene := NewScene("", obs)
	recs, err := PointSensor{SensorName: "tower", DefaultHeight: 5}.Receptors(scene)
	if err != nil || len(recs) != 4 || recs[0].Kind != receptor.Point || recs[0].Heights[0] != 5 || recs[0].Scene != scene.ID {
		t.Fatalf("point: %v %+v", err, recs)
	}
	if _, err := (PointSensor{SensorName: "tower", DefaultHeight: math.NaN()}).Receptors(scene); err == nil || !strings.Contains(err.Error(), "no altitude") {
		t.Errorf("point without altitude: %v", err)
	}
	scene.Observations[0].Altitude, scene.Observations[0].AltitudeMSL = 1600, true
	recs, err = PointSensor{SensorName: "tower", DefaultHeight: math.NaN()}.Receptors(NewScene("", scene.Observations[:1]))
	if err != nil || !recs[0].MSL || recs[0].Heights[0] != 1600 {
		t.Errorf("point at MSL altitude: %v %+v", err, recs)
	}
	cs := NewColumnSensor("oco2")
	recs, err = cs.Receptors(scene)
	if err != nil || recs[1].Kind != receptor.Column || recs[1].Heights[0] != 0 || recs[1].Heights[1] != 3000 || recs[1].Lons[1] != recs[1].Lons[0] {
		t.Fatalf("column: %v %+v", err, recs)
	}
	cs.Bottom = 3000
	if _, err := cs.Receptors(scene); err == nil {
		t.Error("bottom == top accepted")
	}

	var buf bytes.Buffer
	recs, _ = NewColumnSensor("oco2").Receptors(NewScene("", scene.Observations[:1]))
	if err := WriteReceptorCSV(&buf, recs); err != nil {
		t.Fatal(err)
	}
	want := ReceptorCSVHeader + "\n" +
		"1,2019-05-30 20:15:02,-111.85,40.77,0,agl,oco2-20190530201502\n" +
		"1,2019-05-30 20:15:02,-111.85,40.77,3000,agl,oco2-20190530201502\n"
	if buf.String() != want {
		t.Errorf("receptor CSV:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestPyFloat(t *testing.T) {
	for in, want := range map[float64]string{5.0: "5", -111.85: "-111.85", 40.77: "40.77", 0.1: "0.1", 1e-05: "1e-05", 123456789.5: "123456789.5", -112: "-112", math.Copysign(0, -1): "0"} {
		if got := pyFloat(in); got != want {
			t.Errorf("pyFloat(%v) = %q, want %q", in, got, want)
		}
	}
}
