package particle

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"

	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// PYSTILT's trajectory parquet metadata keys (trajectory.py to_parquet):
// UTF-8 JSON values.
const (
	MetaReceptor = "stilt:receptor" // receptor as PYSTILT's Receptor.to_dict
	MetaParams   = "stilt:params"   // model parameters
	MetaMetFiles = "stilt:met_files"
	MetaIsError  = "stilt:is_error" // "true" for the wind-error pass
)

// DatetimeColumn is the absolute time column PYSTILT adds: receptor time +
// time minutes, a naive-UTC timestamp in nanoseconds.
const DatetimeColumn = "datetime"

// ParquetOptions refine WriteParquetWith.
type ParquetOptions struct {
	// ReleaseTime, when not zero, adds the DatetimeColumn = ReleaseTime +
	// time (minutes). WriteParquet takes it from the "time" field of the
	// stilt:receptor metadata when that is present.
	ReleaseTime time.Time
}

// WriteParquet writes tab to path in PYSTILT's trajectory layout: one
// float64 column per table column in table order (varsiwant, then xhgt,
// foot_no_hnf_dilution, ...), indx dictionary-encoded, a datetime column
// when the receptor time is known, zstd compression, and meta (plus
// tab.Meta, which meta overrides) as key/value metadata (stilt:receptor,
// stilt:params, stilt:met_files, stilt:is_error). The write is atomic: a
// temporary file in the same directory is renamed onto path.
func WriteParquet(path string, tab *Table, meta map[string]string) error {
	var opts ParquetOptions
	if rj, ok := meta[MetaReceptor]; ok {
		if t, err := receptorTimeFromJSON(rj); err == nil {
			opts.ReleaseTime = t
		} else {
			return fmt.Errorf("particle: %s metadata: %w", MetaReceptor, err)
		}
	}
	return WriteParquetWith(path, tab, meta, opts)
}

// WriteParquetWith is WriteParquet with explicit options.
func WriteParquetWith(path string, tab *Table, meta map[string]string, opts ParquetOptions) error {
	if tab == nil {
		return errors.New("particle: WriteParquet: nil table")
	}
	names := tab.Names()
	if len(names) == 0 {
		return fmt.Errorf("particle: WriteParquet %s: table has no columns", path)
	}
	withTime := !opts.ReleaseTime.IsZero()
	var tcol []float64
	if withTime {
		if tcol = tab.Col("time"); tcol == nil {
			return fmt.Errorf("particle: WriteParquet %s: a release time was given but the table has no \"time\" column", path)
		}
		if tab.Has(DatetimeColumn) {
			return fmt.Errorf("particle: WriteParquet %s: table already has a %q column", path, DatetimeColumn)
		}
	}
	fields := make([]orderedField, 0, len(names)+1)
	for _, n := range names {
		var node parquet.Node = parquet.Leaf(parquet.DoubleType)
		if n == "indx" {
			node = parquet.Encoded(node, &parquet.RLEDictionary)
		}
		fields = append(fields, orderedField{Node: node, name: n})
	}
	if withTime {
		fields = append(fields, orderedField{Node: parquet.TimestampAdjusted(parquet.Nanosecond, false), name: DatetimeColumn})
	}
	schema := parquet.NewSchema("schema", newOrderedGroup(fields))

	all := map[string]string{}
	for k, v := range tab.Meta {
		all[k] = v
	}
	for k, v := range meta {
		all[k] = v
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	wopts := []parquet.WriterOption{schema, parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault})}
	for _, k := range keys {
		wopts = append(wopts, parquet.KeyValueMetadata(k, all[k]))
	}

	err := atomicfile.WriteFunc(path, 0o644, func(tmp io.Writer) error {
		w := parquet.NewWriter(tmp, wopts...)
		cols := make([][]float64, len(names))
		for j, n := range names {
			cols[j] = tab.Col(n)
		}
		ncol := len(fields)
		const batch = 4096
		rows := make([]parquet.Row, 0, batch)
		vals := make([]parquet.Value, batch*ncol)
		base := opts.ReleaseTime.UnixNano()
		n := tab.Len()
		for start := 0; start < n; start += batch {
			end := min(start+batch, n)
			rows = rows[:0]
			for i := start; i < end; i++ {
				r := vals[(i-start)*ncol : (i-start+1)*ncol : (i-start+1)*ncol]
				for j, c := range cols {
					r[j] = parquet.DoubleValue(c[i]).Level(0, 0, j)
				}
				if withTime {
					ns := base + int64(math.Round(tcol[i]*60e9))
					r[ncol-1] = parquet.Int64Value(ns).Level(0, 0, ncol-1)
				}
				rows = append(rows, r)
			}
			if _, err := w.WriteRows(rows); err != nil {
				return fmt.Errorf("rows %d-%d: %w", start, end-1, err)
			}
		}
		return w.Close()
	})
	if err != nil {
		return fmt.Errorf("particle: WriteParquet: %w", err)
	}
	return nil
}

// ReadParquet reads a trajectory parquet file (written by WriteParquet or
// by PYSTILT). Numeric columns become float64 columns (nulls become NaN);
// timestamp columns such as datetime are skipped (they derive from time and
// the receptor time). The file's key/value metadata is returned in
// tab.Meta.
func ReadParquet(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("particle: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("particle: %w", err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("particle: %s: not a readable parquet file: %w", path, err)
	}
	leaves := pf.Schema().Fields()
	type colSpec struct {
		name string
		kind parquet.Kind
		keep bool
	}
	specs := make([]colSpec, len(leaves))
	var names []string
	for j, fld := range leaves {
		if !fld.Leaf() || fld.Repeated() {
			return nil, fmt.Errorf("particle: %s: column %q is nested or repeated; expected flat numeric columns", path, fld.Name())
		}
		typ := fld.Type()
		s := colSpec{name: fld.Name(), kind: typ.Kind()}
		lt := typ.LogicalType()
		isTime := false
		if lt != nil {
			switch lt.Value.(type) {
			case *format.TimestampType, *format.DateType, *format.TimeType:
				isTime = true
			}
		}
		if ct := typ.ConvertedType(); ct != nil {
			switch *ct {
			case deprecated.TimestampMillis, deprecated.TimestampMicros, deprecated.Date, deprecated.TimeMillis, deprecated.TimeMicros:
				isTime = true
			}
		}
		switch s.kind {
		case parquet.Double, parquet.Float, parquet.Int32, parquet.Int64:
			s.keep = !isTime
		case parquet.Boolean:
			s.keep = true
		}
		if s.keep {
			names = append(names, s.name)
		}
		specs[j] = s
	}
	tab, err := New(names, int(pf.NumRows()))
	if err != nil {
		return nil, fmt.Errorf("particle: %s: %w", path, err)
	}
	for _, kv := range pf.Metadata().KeyValueMetadata {
		tab.Meta[kv.Key] = kv.Value
	}
	// Map file column index -> table column index.
	dst := make([]int, len(specs))
	k := 0
	for j, s := range specs {
		dst[j] = -1
		if s.keep {
			dst[j] = k
			k++
		}
	}
	r := parquet.NewReader(pf)
	defer r.Close()
	buf := make([]parquet.Row, 1024)
	rowNo := 0
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			rowNo++
			filled := 0
			for _, v := range row {
				c := v.Column()
				if c < 0 || c >= len(dst) || dst[c] < 0 {
					continue
				}
				var x float64
				switch {
				case v.IsNull():
					x = math.NaN()
				default:
					switch specs[c].kind {
					case parquet.Double:
						x = v.Double()
					case parquet.Float:
						x = float64(v.Float())
					case parquet.Int32:
						x = float64(v.Int32())
					case parquet.Int64:
						x = float64(v.Int64())
					case parquet.Boolean:
						if v.Boolean() {
							x = 1
						}
					}
				}
				tab.cols[dst[c]] = append(tab.cols[dst[c]], x)
				filled++
			}
			if filled != len(names) {
				return nil, fmt.Errorf("particle: %s: row %d has %d values, expected %d", path, rowNo, filled, len(names))
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("particle: %s: row %d: %w", path, rowNo+1, err)
		}
	}
	return tab, nil
}

// ReadAny reads a stored particle table, choosing the reader by content and
// name: parquet (magic "PAR1"), CSV with a header (.csv or .csv.gz), or
// hycs_std's PARTICLE_STILT.DAT (anything else, optionally .gz) with the
// given varsiwant columns. It returns the table and the format name
// ("parquet", "csv" or "stiltdat").
func ReadAny(path string, varsiwant []string) (*Table, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("particle: %w", err)
	}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	f.Close()
	lower := strings.ToLower(path)
	switch {
	case n == 4 && string(magic) == "PAR1":
		t, err := ReadParquet(path)
		return t, "parquet", err
	case strings.HasSuffix(lower, ".csv"):
		t, err := ReadCSV(path)
		return t, "csv", err
	case strings.HasSuffix(lower, ".csv.gz"):
		t, err := readCSVGz(path)
		return t, "csv", err
	}
	t, err := ReadStiltDAT(path, varsiwant)
	return t, "stiltdat", err
}

func readCSVGz(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("particle: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("particle: %s: %w", path, err)
	}
	t, err := DecodeCSV(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ReceptorJSON encodes a receptor as PYSTILT's Receptor.to_dict does, for
// the stilt:receptor metadata: type PointReceptor / ColumnReceptor /
// MultiPointReceptor, time in ISO format (naive UTC), coordinates and
// altitude_ref "agl" or "msl".
func ReceptorJSON(r receptor.Receptor) (string, error) {
	if len(r.Lons) == 0 || len(r.Lons) != len(r.Lats) || len(r.Lons) != len(r.Heights) {
		return "", fmt.Errorf("particle: receptor has %d lons, %d lats, %d heights", len(r.Lons), len(r.Lats), len(r.Heights))
	}
	ref := "agl"
	if r.MSL {
		ref = "msl"
	}
	ts := r.Time.UTC().Format("2006-01-02T15:04:05")
	var v any
	switch r.Kind {
	case receptor.Point:
		v = struct {
			Type      string  `json:"type"`
			Time      string  `json:"time"`
			Longitude float64 `json:"longitude"`
			Latitude  float64 `json:"latitude"`
			Altitude  float64 `json:"altitude"`
			Ref       string  `json:"altitude_ref"`
		}{"PointReceptor", ts, r.Lons[0], r.Lats[0], r.Heights[0], ref}
	case receptor.Column:
		v = struct {
			Type      string  `json:"type"`
			Time      string  `json:"time"`
			Longitude float64 `json:"longitude"`
			Latitude  float64 `json:"latitude"`
			Bottom    float64 `json:"bottom"`
			Top       float64 `json:"top"`
			Ref       string  `json:"altitude_ref"`
		}{"ColumnReceptor", ts, r.Lons[0], r.Lats[0], r.Bottom(), r.Top(), ref}
	case receptor.MultiPoint:
		v = struct {
			Type       string    `json:"type"`
			Time       string    `json:"time"`
			Longitudes []float64 `json:"longitudes"`
			Latitudes  []float64 `json:"latitudes"`
			Altitudes  []float64 `json:"altitudes"`
			Ref        string    `json:"altitude_ref"`
		}{"MultiPointReceptor", ts, r.Lons, r.Lats, r.Heights, ref}
	default:
		return "", fmt.Errorf("particle: unknown receptor kind %v", r.Kind)
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// receptorTimeFromJSON extracts the "time" field of stilt:receptor JSON
// (ISO 8601; a time without zone is UTC).
func receptorTimeFromJSON(s string) (time.Time, error) {
	var d struct {
		Time *string `json:"time"`
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if err := dec.Decode(&d); err != nil {
		return time.Time{}, fmt.Errorf("not JSON: %w", err)
	}
	if d.Time == nil {
		return time.Time{}, errors.New(`no "time" field`)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, *d.Time); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not ISO 8601", *d.Time)
}

// orderedGroup is a parquet group node whose fields keep the given order
// (parquet.Group sorts them by name).
type orderedGroup struct {
	fields []parquet.Field
	goType reflect.Type
}

type orderedField struct {
	parquet.Node
	name string
	idx  int // position in the group's Go struct type
}

func (f orderedField) Name() string { return f.name }

func (f orderedField) Value(base reflect.Value) reflect.Value {
	for base.Kind() == reflect.Pointer || base.Kind() == reflect.Interface {
		if base.IsNil() {
			return reflect.Value{}
		}
		base = base.Elem()
	}
	if base.Kind() != reflect.Struct || f.idx >= base.NumField() {
		return reflect.Value{}
	}
	return base.Field(f.idx)
}

func newOrderedGroup(fs []orderedField) *orderedGroup {
	g := &orderedGroup{}
	sf := make([]reflect.StructField, len(fs))
	for i := range fs {
		fs[i].idx = i
		g.fields = append(g.fields, fs[i])
		sf[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: fs[i].GoType(),
			Tag: reflect.StructTag(fmt.Sprintf(`parquet:%q`, fs[i].name))}
	}
	g.goType = reflect.StructOf(sf)
	return g
}

func (g *orderedGroup) ID() int                     { return 0 }
func (g *orderedGroup) String() string              { return "group" }
func (g *orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g *orderedGroup) Optional() bool              { return false }
func (g *orderedGroup) Repeated() bool              { return false }
func (g *orderedGroup) Required() bool              { return true }
func (g *orderedGroup) Leaf() bool                  { return false }
func (g *orderedGroup) Fields() []parquet.Field     { return g.fields }
func (g *orderedGroup) Encoding() encoding.Encoding { return nil }
func (g *orderedGroup) Compression() compress.Codec { return nil }
func (g *orderedGroup) GoType() reflect.Type        { return g.goType }
