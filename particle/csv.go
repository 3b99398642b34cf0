package particle

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ReadCSV reads a particle table from a CSV file with a header row. Every
// value must parse as a float ("NA" and empty cells become NaN). Errors name
// the file, line and column.
func ReadCSV(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := DecodeCSV(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// DecodeCSV reads a particle table from CSV text with a header row.
func DecodeCSV(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	hdr, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: reading header: %w", err)
	}
	names := make([]string, len(hdr))
	for i, h := range hdr {
		names[i] = strings.Trim(strings.TrimSpace(h), `"`)
	}
	t, err := New(names, 1024)
	if err != nil {
		return nil, fmt.Errorf("line 1: %w", err)
	}
	row := make([]float64, len(names))
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		for j, s := range rec {
			s = strings.TrimSpace(s)
			if s == "" || s == "NA" || s == "NaN" {
				row[j] = nan
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d, column %q: %q is not a number", line, names[j], s)
			}
			row[j] = v
		}
		if err := t.AppendRow(row); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	return t, nil
}

// WriteCSV writes the table as CSV with a header row, numbers in Go's
// shortest round-trip form.
func (t *Table) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(strings.Join(t.names, ","))
	bw.WriteByte('\n')
	buf := make([]byte, 0, 32)
	for i := 0; i < t.Len(); i++ {
		for j, c := range t.cols {
			if j > 0 {
				bw.WriteByte(',')
			}
			buf = strconv.AppendFloat(buf[:0], c[i], 'g', -1, 64)
			bw.Write(buf)
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
