package particle

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

func colReceptor() receptor.Receptor {
	return receptor.Receptor{Kind: receptor.Column, Time: time.Date(2019, 5, 30, 11, 0, 0, 0, time.UTC),
		Lons: []float64{-111.848, -111.848}, Lats: []float64{40.766, 40.766}, Heights: []float64{0, 3000}}
}

func TestParquetRoundTripReference(t *testing.T) {
	full, err := ReadStiltDAT(testenv.Shared(t, "hysplit", "col_0_3000_np1000", "PARTICLE_STILT.DAT.gz"), rstiltVars)
	if err != nil {
		t.Fatal(err)
	}
	// The first hour (60 000 rows) keeps the test short.
	tm := full.Col("time")
	tab := full.Filter(func(i int) bool { return tm[i] >= -60 })
	r := colReceptor()
	if err := AddReleaseHeights(tab, r, 1000); err != nil {
		t.Fatal(err)
	}
	rj, err := ReceptorJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{
		MetaReceptor: rj,
		MetaParams:   `{"numpar":1000,"n_hours":-10}`,
		MetaMetFiles: `["/work/shared/met/20190530_00-05_hrrr","/work/shared/met/20190530_06-11_hrrr"]`,
		MetaIsError:  "false",
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "sim_traj.parquet")
	// Overwrite an existing file atomically.
	os.WriteFile(path, []byte("old"), 0o644)
	if err := WriteParquet(path, tab, meta); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries after the write (temporary file left?)", len(ents))
	}
	got, err := ReadParquet(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Names(), ",") != strings.Join(tab.Names(), ",") {
		t.Fatalf("columns %v, want %v (datetime skipped on read)", got.Names(), tab.Names())
	}
	if got.Len() != tab.Len() {
		t.Fatalf("rows %d, want %d", got.Len(), tab.Len())
	}
	for _, n := range tab.Names() {
		a, b := tab.Col(n), got.Col(n)
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				t.Fatalf("%s row %d: wrote %v, read %v", n, i, a[i], b[i])
			}
		}
	}
	for k, v := range meta {
		if got.Meta[k] != v {
			t.Errorf("meta %s = %q, want %q", k, got.Meta[k], v)
		}
	}

	// The file layout, read with parquet-go directly: column order, types,
	// zstd, a dictionary page for indx, datetime = receptor time + minutes.
	f, _ := os.Open(path)
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fld := range pf.Schema().Fields() {
		names = append(names, fld.Name())
	}
	wantNames := append(append([]string{}, rstiltVars...), "xhgt", DatetimeColumn)
	if strings.Join(names, ",") != strings.Join(wantNames, ",") {
		t.Fatalf("file columns %v, want %v", names, wantNames)
	}
	last := pf.Schema().Fields()[len(names)-1]
	if lt := last.Type().LogicalType(); lt == nil {
		t.Error("datetime has no logical type")
	} else if ts, ok := lt.Value.(*format.TimestampType); !ok || ts.IsAdjustedToUTC || !isNanos(ts.Unit) {
		t.Errorf("datetime logical type %v, want naive TIMESTAMP(NANOS)", lt)
	}
	rg := pf.Metadata().RowGroups[0]
	for j, cc := range rg.Columns {
		if cc.MetaData.Codec != format.Zstd {
			t.Errorf("column %s codec %v, want ZSTD", names[j], cc.MetaData.Codec)
		}
		if names[j] == "indx" && cc.MetaData.DictionaryPageOffset == 0 {
			t.Error("indx has no dictionary page")
		}
		if names[j] != DatetimeColumn && names[j] != "indx" && cc.MetaData.Type != format.Double {
			t.Errorf("column %s type %v", names[j], cc.MetaData.Type)
		}
	}
	rows := make([]parquet.Row, 5)
	rd := parquet.NewReader(pf)
	n, _ := rd.ReadRows(rows)
	rd.Close()
	tcol := tab.Col("time")
	for i := 0; i < n; i++ {
		v := rows[i][len(names)-1].Int64()
		want := r.Time.Add(time.Duration(tcol[i]) * time.Minute).UnixNano()
		if v != want {
			t.Errorf("row %d datetime %v, want %v", i, time.Unix(0, v).UTC(), time.Unix(0, want).UTC())
		}
	}
}

func TestWriteParquetErrors(t *testing.T) {
	dir := t.TempDir()
	tab := MustNew([]string{"indx", "zagl"}, 0)
	tab.AppendRow([]float64{1, 5})
	cases := []struct {
		name string
		path string
		tab  *Table
		meta map[string]string
		want string
	}{
		{"nil table", filepath.Join(dir, "a.parquet"), nil, nil, "nil table"},
		{"no columns", filepath.Join(dir, "b.parquet"), MustNew(nil, 0), nil, "no columns"},
		{"receptor time without time column", filepath.Join(dir, "c.parquet"), tab,
			map[string]string{MetaReceptor: `{"type":"PointReceptor","time":"2019-05-30T11:00:00"}`}, `no "time" column`},
		{"bad receptor json", filepath.Join(dir, "d.parquet"), tab, map[string]string{MetaReceptor: `{`}, "not JSON"},
		{"missing directory", filepath.Join(dir, "nope", "e.parquet"), tab, nil, "WriteParquet"},
	}
	for _, c := range cases {
		err := WriteParquet(c.path, c.tab, c.meta)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
		if _, serr := os.Stat(c.path); serr == nil {
			t.Errorf("%s: file written despite the error", c.name)
		}
	}
	// No receptor metadata: no datetime column, table meta kept.
	tab.Meta["engine"] = "test"
	p := filepath.Join(dir, "ok.parquet")
	if err := WriteParquet(p, tab, nil); err != nil {
		t.Fatal(err)
	}
	got, err := ReadParquet(p)
	if err != nil || got.Meta["engine"] != "test" || got.Len() != 1 || got.Col("zagl")[0] != 5 {
		t.Fatalf("%v %v", got, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries in %s, want only ok.parquet", len(ents), dir)
	}
}

func TestReadParquetNotParquet(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.parquet")
	os.WriteFile(p, []byte("not parquet at all"), 0o644)
	if _, err := ReadParquet(p); err == nil || !strings.Contains(err.Error(), "not a readable parquet") {
		t.Fatalf("err = %v", err)
	}
}

func TestReceptorJSON(t *testing.T) {
	tm := time.Date(2019, 5, 30, 11, 0, 0, 0, time.UTC)
	cases := []struct {
		r    receptor.Receptor
		want map[string]any
	}{
		{receptor.Receptor{Kind: receptor.Point, Time: tm, Lons: []float64{-111.848}, Lats: []float64{40.766}, Heights: []float64{5}},
			map[string]any{"type": "PointReceptor", "time": "2019-05-30T11:00:00", "longitude": -111.848, "latitude": 40.766, "altitude": 5.0, "altitude_ref": "agl"}},
		{colReceptor(),
			map[string]any{"type": "ColumnReceptor", "time": "2019-05-30T11:00:00", "longitude": -111.848, "latitude": 40.766, "bottom": 0.0, "top": 3000.0, "altitude_ref": "agl"}},
		{receptor.Receptor{Kind: receptor.MultiPoint, Time: tm, MSL: true, Lons: []float64{1, 2}, Lats: []float64{3, 4}, Heights: []float64{5, 6}},
			map[string]any{"type": "MultiPointReceptor", "time": "2019-05-30T11:00:00", "longitudes": []any{1.0, 2.0}, "latitudes": []any{3.0, 4.0}, "altitudes": []any{5.0, 6.0}, "altitude_ref": "msl"}},
	}
	for _, c := range cases {
		s, err := ReceptorJSON(c.r)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(s), &got); err != nil {
			t.Fatal(err)
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(c.want)
		if string(gb) != string(wb) {
			t.Errorf("ReceptorJSON = %s, want %s", gb, wb)
		}
		if rt, err := receptorTimeFromJSON(s); err != nil || !rt.Equal(tm) {
			t.Errorf("time back: %v %v", rt, err)
		}
	}
}

func TestReadAny(t *testing.T) {
	dir := t.TempDir()
	tab := MustNew([]string{"time", "indx"}, 0)
	tab.AppendRow([]float64{-1, 1})
	tab.AppendRow([]float64{-1, 2})
	pq := filepath.Join(dir, "t.bin") // parquet detected by content, not name
	if err := WriteParquet(pq, tab, nil); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "t.csv")
	os.WriteFile(csvPath, []byte("time,indx\n-1,1\n-1,2\n"), 0o644)
	dat := filepath.Join(dir, "PARTICLE_STILT.DAT")
	os.WriteFile(dat, []byte("hdr\n -1. 1.\n -1. 2.\n"), 0o644)
	for _, c := range []struct{ path, format string }{{pq, "parquet"}, {csvPath, "csv"}, {dat, "stiltdat"}} {
		got, f, err := ReadAny(c.path, []string{"time", "indx"})
		if err != nil || f != c.format || got.Len() != 2 || got.Col("indx")[1] != 2 {
			t.Errorf("%s: format %q, err %v, table %v", c.path, f, err, got)
		}
	}
}

// BenchmarkWriteParquet writes receptor A's 120 000-row table.
func BenchmarkWriteParquet(b *testing.B) {
	tab, err := ReadStiltDAT(testenv.Shared(b, "hysplit", "A_np200", "PARTICLE_STILT.DAT.gz"), rstiltVars)
	if err != nil {
		b.Fatal(err)
	}
	meta := map[string]string{MetaReceptor: `{"type":"PointReceptor","time":"2019-05-30T11:00:00"}`}
	p := filepath.Join(b.TempDir(), "a.parquet")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := WriteParquet(p, tab, meta); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	st, _ := os.Stat(p)
	b.ReportMetric(float64(st.Size()), "file-bytes")
}

func BenchmarkReadParquet(b *testing.B) {
	tab, err := ReadStiltDAT(testenv.Shared(b, "hysplit", "A_np200", "PARTICLE_STILT.DAT.gz"), rstiltVars)
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "a.parquet")
	if err := WriteParquet(p, tab, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ReadParquet(p); err != nil {
			b.Fatal(err)
		}
	}
}

func isNanos(u format.TimeUnit) bool {
	_, ok := u.Value.(*format.NanoSeconds)
	return ok
}
