package met

import (
	"fmt"
	"path/filepath"
	"sort"
	"time"
)

// Dataset is several ARL files of one grid, chained in time order. Like File
// it is safe for concurrent readers.
type Dataset struct {
	files  []*File
	times  []time.Time
	fileOf map[int64]int
	step   time.Duration
}

// OpenDataset opens the files, orders them by first valid time and checks that
// they share one grid and level layout, do not overlap and keep one time step.
func OpenDataset(paths ...string) (*Dataset, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("met: dataset needs at least one file")
	}
	d := &Dataset{fileOf: map[int64]int{}}
	for _, p := range paths {
		f, err := Open(p)
		if err != nil {
			d.Close()
			return nil, err
		}
		d.files = append(d.files, f)
	}
	sort.SliceStable(d.files, func(i, j int) bool {
		ti, tj := d.files[i].periods[0].t, d.files[j].periods[0].t
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return filepath.Base(d.files[i].path) < filepath.Base(d.files[j].path)
	})
	first := d.files[0]
	for i, f := range d.files {
		if i > 0 {
			if err := sameStructure(first.idx, f.idx); err != nil {
				d.Close()
				return nil, fmt.Errorf("met: %s and %s differ: %w", first.path, f.path, err)
			}
		}
		for _, t := range f.Times() {
			if n := len(d.times); n > 0 {
				prev := d.times[n-1]
				if !t.After(prev) {
					d.Close()
					return nil, fmt.Errorf("met: %s: time %s overlaps the previous file (which ends %s)", f.path, t.Format("2006-01-02 15:04"), prev.Format("2006-01-02 15:04"))
				}
				step := t.Sub(prev)
				if d.step == 0 {
					d.step = step
				} else if step != d.step {
					d.Close()
					return nil, fmt.Errorf("met: %s: meteorological data time interval varies: %s before %s, %s elsewhere (gap or different step)",
						f.path, step, t.Format("2006-01-02 15:04"), d.step)
				}
			}
			d.times = append(d.times, t)
			d.fileOf[t.Unix()] = i
		}
	}
	return d, nil
}

// Close closes every file.
func (d *Dataset) Close() error {
	var first error
	for _, f := range d.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Files returns the files in time order.
func (d *Dataset) Files() []*File { return d.files }

// Times returns every valid time, ascending.
func (d *Dataset) Times() []time.Time { return append([]time.Time(nil), d.times...) }

// Step returns the time step.
func (d *Dataset) Step() time.Duration { return d.step }

// Grid returns the common grid.
func (d *Dataset) Grid() *Grid { return d.files[0].grid }

// Index returns the first file's index.
func (d *Dataset) Index() *Index { return d.files[0].idx }

// Vertical returns the common vertical coordinate.
func (d *Dataset) Vertical() Vertical { return d.files[0].Vertical() }

// File returns the file holding time t.
func (d *Dataset) File(t time.Time) (*File, error) {
	i, ok := d.fileOf[t.Unix()]
	if !ok {
		return nil, fmt.Errorf("met: no data at %s (dataset covers %s to %s)", t.UTC().Format("2006-01-02 15:04"),
			d.times[0].Format("2006-01-02 15:04"), d.times[len(d.times)-1].Format("2006-01-02 15:04"))
	}
	return d.files[i], nil
}

// Bracket returns the two valid times around t and the weight of the second
// (t = (1-w)·t0 + w·t1). t equal to a valid time gives t0 = t1 = t, w = 0.
func (d *Dataset) Bracket(t time.Time) (t0, t1 time.Time, w float64, err error) {
	n := len(d.times)
	if t.Before(d.times[0]) || t.After(d.times[n-1]) {
		return t0, t1, 0, fmt.Errorf("met: %s is outside the meteorology (%s to %s)", t.UTC().Format("2006-01-02 15:04:05"),
			d.times[0].Format("2006-01-02 15:04"), d.times[n-1].Format("2006-01-02 15:04"))
	}
	i := sort.Search(n, func(i int) bool { return !d.times[i].Before(t) })
	if d.times[i].Equal(t) {
		return t, t, 0, nil
	}
	t0, t1 = d.times[i-1], d.times[i]
	return t0, t1, float64(t.Sub(t0)) / float64(t1.Sub(t0)), nil
}

// Read unpacks one variable on one level at valid time t.
func (d *Dataset) Read(name string, level int, t time.Time) (*Field, error) {
	f, err := d.File(t)
	if err != nil {
		return nil, err
	}
	return f.Read(name, level, t)
}

// Read3D unpacks an upper-level variable on all its levels at valid time t.
func (d *Dataset) Read3D(name string, t time.Time) (*Field3D, error) {
	f, err := d.File(t)
	if err != nil {
		return nil, err
	}
	return f.Read3D(name, t)
}

// Snapshot reads the named fields at valid time t (nil lists: everything).
func (d *Dataset) Snapshot(t time.Time, surface, upper []string) (*Snapshot, error) {
	f, err := d.File(t)
	if err != nil {
		return nil, err
	}
	return f.Snapshot(t, surface, upper)
}

// ReadRegion unpacks the sub-grid s of one record at valid time t.
func (d *Dataset) ReadRegion(name string, level int, t time.Time, s SubGrid) (*Field, error) {
	f, err := d.File(t)
	if err != nil {
		return nil, err
	}
	return f.ReadRegion(name, level, t, s)
}

// ReadCorrected reads a variable plus its DIF* correction at valid time t.
func (d *Dataset) ReadCorrected(name string, level int, t time.Time) (*Field, error) {
	f, err := d.File(t)
	if err != nil {
		return nil, err
	}
	return f.ReadCorrected(name, level, t)
}
