package particle

import (
	"fmt"
	"sort"
)

// Table is a column-oriented particle table. All columns have the same length.
// The zero value is an empty table with no columns.
type Table struct {
	names []string
	cols  [][]float64
	index map[string]int
	// Meta carries free-form metadata (receptor, engine, seed, ...) that
	// writers may store next to the data.
	Meta map[string]string
}

// New returns an empty table with the given column names and capacity for
// n rows. Duplicate names are an error.
func New(names []string, n int) (*Table, error) {
	t := &Table{index: make(map[string]int, len(names)), Meta: map[string]string{}}
	for _, name := range names {
		if _, dup := t.index[name]; dup {
			return nil, fmt.Errorf("particle: duplicate column %q", name)
		}
		t.index[name] = len(t.names)
		t.names = append(t.names, name)
		t.cols = append(t.cols, make([]float64, 0, n))
	}
	return t, nil
}

// MustNew is New for fixed, known-good column lists; it panics on duplicates.
func MustNew(names []string, n int) *Table {
	t, err := New(names, n)
	if err != nil {
		panic(err)
	}
	return t
}

// Names returns the column names in order. The slice must not be modified.
func (t *Table) Names() []string { return t.names }

// Len returns the number of rows.
func (t *Table) Len() int {
	if t == nil || len(t.cols) == 0 {
		return 0
	}
	return len(t.cols[0])
}

// Has reports whether the table has a column called name.
func (t *Table) Has(name string) bool {
	_, ok := t.index[name]
	return ok
}

// Col returns the column called name, or nil if there is none. The returned
// slice aliases the table's storage.
func (t *Table) Col(name string) []float64 {
	if i, ok := t.index[name]; ok {
		return t.cols[i]
	}
	return nil
}

// Need returns the named columns or an error naming the first missing one.
func (t *Table) Need(names ...string) ([][]float64, error) {
	out := make([][]float64, len(names))
	for k, name := range names {
		c := t.Col(name)
		if c == nil {
			return nil, fmt.Errorf("particle table has no column %q (columns: %v)", name, t.names)
		}
		out[k] = c
	}
	return out, nil
}

// SetCol adds or replaces a column. Its length must equal Len() unless the
// table has no columns yet.
func (t *Table) SetCol(name string, vals []float64) error {
	if t.index == nil {
		t.index = map[string]int{}
	}
	if len(t.cols) > 0 && len(vals) != t.Len() {
		return fmt.Errorf("particle: column %q has %d rows, table has %d", name, len(vals), t.Len())
	}
	if i, ok := t.index[name]; ok {
		t.cols[i] = vals
		return nil
	}
	t.index[name] = len(t.names)
	t.names = append(t.names, name)
	t.cols = append(t.cols, vals)
	return nil
}

// AppendRow appends one row; row must have one value per column, in order.
func (t *Table) AppendRow(row []float64) error {
	if len(row) != len(t.cols) {
		return fmt.Errorf("particle: row has %d values, table has %d columns", len(row), len(t.cols))
	}
	for i, v := range row {
		t.cols[i] = append(t.cols[i], v)
	}
	return nil
}

// Row copies row i into dst (allocated when nil or short) and returns it.
func (t *Table) Row(i int, dst []float64) []float64 {
	if cap(dst) < len(t.cols) {
		dst = make([]float64, len(t.cols))
	}
	dst = dst[:len(t.cols)]
	for j, c := range t.cols {
		dst[j] = c[i]
	}
	return dst
}

// Clone returns a deep copy.
func (t *Table) Clone() *Table {
	c := MustNew(t.names, 0)
	for i, col := range t.cols {
		c.cols[i] = append([]float64(nil), col...)
	}
	for k, v := range t.Meta {
		c.Meta[k] = v
	}
	return c
}

// Filter returns a new table with the rows for which keep returns true.
func (t *Table) Filter(keep func(i int) bool) *Table {
	out := MustNew(t.names, 0)
	for k, v := range t.Meta {
		out.Meta[k] = v
	}
	for i := 0; i < t.Len(); i++ {
		if keep(i) {
			for j, c := range t.cols {
				out.cols[j] = append(out.cols[j], c[i])
			}
		}
	}
	return out
}

// NumParticles returns the number of distinct indx values (R-STILT's
// footprint normalisation count), or 0 when there is no indx column.
func (t *Table) NumParticles() int {
	idx := t.Col("indx")
	if idx == nil {
		return 0
	}
	seen := make(map[float64]struct{}, 1024)
	for _, v := range idx {
		seen[v] = struct{}{}
	}
	return len(seen)
}

// SortBy sorts rows by the given columns in ascending order (stable).
// The receiver is modified in place.
func (t *Table) SortBy(names ...string) error {
	keys, err := t.Need(names...)
	if err != nil {
		return err
	}
	n := t.Len()
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	sort.SliceStable(perm, func(a, b int) bool {
		for _, k := range keys {
			if k[perm[a]] != k[perm[b]] {
				return k[perm[a]] < k[perm[b]]
			}
		}
		return false
	})
	for j, c := range t.cols {
		nc := make([]float64, n)
		for i, p := range perm {
			nc[i] = c[p]
		}
		t.cols[j] = nc
	}
	return nil
}
