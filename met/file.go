package met

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Field is one unpacked 2-D record. Data is row-major with x fastest: grid
// point (x, y) (1-based) is Data[(y-1)*Nx + x-1].
type Field struct {
	Nx, Ny int
	Data   []float32
}

// At returns the value at 1-based grid point (x, y).
func (f *Field) At(x, y int) float32 { return f.Data[(y-1)*f.Nx+x-1] }

// Bilinear interpolates at 1-based grid coordinates, clamping to the grid.
func (f *Field) Bilinear(x, y float64) float64 {
	return bilinear(f.Data, f.Nx, f.Ny, x, y)
}

func bilinear(d []float32, nx, ny int, x, y float64) float64 {
	x, y = clamp(x-1, 0, float64(nx-1)), clamp(y-1, 0, float64(ny-1))
	i, j := int(x), int(y)
	if i >= nx-1 {
		i = nx - 2
	}
	if j >= ny-1 {
		j = ny - 2
	}
	if i < 0 {
		i = 0
	}
	if j < 0 {
		j = 0
	}
	fx, fy := x-float64(i), y-float64(j)
	at := func(a, b int) float64 {
		if a >= nx {
			a = nx - 1
		}
		if b >= ny {
			b = ny - 1
		}
		return float64(d[b*nx+a])
	}
	return (1-fy)*((1-fx)*at(i, j)+fx*at(i+1, j)) + fy*((1-fx)*at(i, j+1)+fx*at(i+1, j+1))
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// Field3D holds one upper-air variable on several levels: level Levels[k]
// (index-record level number) is Data[k*Nx*Ny : (k+1)*Nx*Ny], laid out as Field.
type Field3D struct {
	Nx, Ny int
	Levels []int
	Data   []float32
}

// Layer returns level slot k (0-based into Levels) as a Field sharing Data.
func (f *Field3D) Layer(k int) *Field {
	n := f.Nx * f.Ny
	return &Field{Nx: f.Nx, Ny: f.Ny, Data: f.Data[k*n : (k+1)*n : (k+1)*n]}
}

// At returns the value of level slot k (0-based into Levels) at 1-based grid
// point (x, y).
func (f *Field3D) At(k, x, y int) float32 { return f.Data[(k*f.Ny+y-1)*f.Nx+x-1] }

// Bilinear interpolates level slot k at 1-based grid coordinates, clamping
// to the grid.
func (f *Field3D) Bilinear(k int, x, y float64) float64 {
	n := f.Nx * f.Ny
	return bilinear(f.Data[k*n:(k+1)*n], f.Nx, f.Ny, x, y)
}

// ChecksumError reports a record whose bytes do not match the checksum stored
// in its period's index record.
type ChecksumError struct {
	Path      string
	Time      time.Time
	Level     int
	Var       string
	Want, Got int
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s: checksum mismatch at %s level %d variable %s: index says %d, record sums to %d",
		e.Path, e.Time.Format("2006-01-02 15:04"), e.Level, e.Var, e.Want, e.Got)
}

type recKey struct {
	level int
	name  string
}

// period is one time period (record set) of a file.
type period struct {
	t         time.Time
	off       int64 // byte offset of the first index record
	checksums []int // per data record, in record order
}

// File is an open ARL file. It is immutable after Open and safe for
// concurrent use; records are read with ReadAt.
type File struct {
	path      string
	f         *os.File
	size      int64
	lrec      int64
	nIndexRec int
	idx       *Index
	grid      *Grid
	periods   []period
	byTime    map[int64]int
	recPos    map[recKey]int // record position within a period (after the index records)
	recLevel  []int
	recName   []string
	step      time.Duration
	bufPool   sync.Pool
}

// Open opens an ARL file and reads every period's index record.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("met: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("met: %w", err)
	}
	f, err := newFile(path, fh, st.Size())
	if err != nil {
		fh.Close()
		return nil, err
	}
	return f, nil
}

// readIndexAt reads the index record(s) starting at off. lrec may be 0 when
// unknown (first call): it is derived from the header.
func readIndexAt(r io.ReaderAt, path string, off, size int64) (Label, *Index, int64, error) {
	head := make([]byte, LabelLen+IndexFixedLen)
	if off+int64(len(head)) > size {
		return Label{}, nil, 0, fmt.Errorf("%s: truncated: index record at byte %d needs %d bytes, file has %d", path, off, len(head), size-off)
	}
	if _, err := r.ReadAt(head, off); err != nil {
		return Label{}, nil, 0, fmt.Errorf("%s: reading index at byte %d: %w", path, off, err)
	}
	lab, err := ParseLabel(head)
	if err != nil {
		return lab, nil, 0, fmt.Errorf("%s: byte %d: %w", path, off, err)
	}
	if lab.Var != "INDX" {
		return lab, nil, 0, fmt.Errorf("%s: byte %d: expected an index record (INDX), found variable %q", path, off, lab.Var)
	}
	thx, thy := lab.Thousands()
	h, err := ParseHeader(head[LabelLen:], thx, thy)
	if err == nil && h.NX*h.NY < IndexFixedLen {
		err = fmt.Errorf("grid %dx%d smaller than the index header", h.NX, h.NY)
	}
	if err != nil {
		// Grids with fewer than 108 points spread the fixed part over
		// several records: find the body length that reproduces itself.
		h2, ok := smallGridHeader(r, off, size, thx, thy)
		if !ok {
			return lab, nil, 0, fmt.Errorf("%s: index at %s (byte %d): %w", path, lab.Time().Format("2006-01-02 15"), off, err)
		}
		h = h2
	}
	body := int64(h.NX) * int64(h.NY)
	lrec := LabelLen + body
	nrec := int64(NumIndexRecords(h.LenH, int(body)))
	if off+nrec*lrec > size {
		return lab, nil, 0, fmt.Errorf("%s: truncated: index at %s (byte %d) needs %d bytes, file has %d",
			path, lab.Time().Format("2006-01-02 15"), off, nrec*lrec, size-off)
	}
	// Read only the LENH characters of index text (not whole records: a
	// CONUS record is 1.9 MB).
	text := make([]byte, h.LenH)
	for k := int64(0); k < nrec; k++ {
		lo := k * body
		hi := min(lo+body, int64(h.LenH))
		if lo >= hi {
			break
		}
		at := off + k*lrec + LabelLen
		if _, err := r.ReadAt(text[lo:hi], at); err != nil {
			return lab, nil, 0, fmt.Errorf("%s: reading index text at byte %d: %w", path, at, err)
		}
	}
	ix, err := ParseIndex(text, thx, thy)
	if err != nil {
		return lab, nil, 0, fmt.Errorf("%s: index at %s (byte %d): %w", path, lab.Time().Format("2006-01-02 15"), off, err)
	}
	return lab, ix, lrec, nil
}

// smallGridHeader finds the header of a grid whose record body (NX·NY) is
// shorter than the 108-character fixed part.
func smallGridHeader(r io.ReaderAt, off, size int64, thx, thy int) (Header, bool) {
	for body := 1; body < IndexFixedLen; body++ {
		lrec := int64(LabelLen + body)
		nrec := int64(IndexFixedLen/body + 1)
		if off+nrec*lrec > size {
			continue
		}
		raw := make([]byte, nrec*lrec)
		if _, err := r.ReadAt(raw, off); err != nil {
			continue
		}
		text := make([]byte, 0, nrec*int64(body))
		for k := int64(0); k < nrec; k++ {
			text = append(text, raw[k*lrec+LabelLen:(k+1)*lrec]...)
		}
		h, err := ParseHeader(text, thx, thy)
		if err == nil && h.NX*h.NY == body {
			return h, true
		}
	}
	return Header{}, false
}

func newFile(path string, r *os.File, size int64) (*File, error) {
	lab, ix, lrec, err := readIndexAt(r, path, 0, size)
	if err != nil {
		return nil, err
	}
	f := &File{path: path, f: r, size: size, lrec: lrec, idx: ix, byTime: map[int64]int{}, recPos: map[recKey]int{}}
	f.nIndexRec = NumIndexRecords(ix.LenH, ix.NX*ix.NY)
	if f.grid, err = NewGrid(ix.Header); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for k, l := range ix.Levels {
		for _, v := range l.Vars {
			key := recKey{k, v.Name}
			if _, dup := f.recPos[key]; dup {
				return nil, fmt.Errorf("%s: index lists variable %s twice on level %d", path, v.Name, k)
			}
			f.recPos[key] = len(f.recLevel)
			f.recLevel = append(f.recLevel, k)
			f.recName = append(f.recName, v.Name)
		}
	}
	perPeriod := int64(f.nIndexRec+len(f.recLevel)) * lrec
	if size%perPeriod != 0 {
		return nil, fmt.Errorf("%s: truncated or mixed file: size %d is not a whole number of periods of %d bytes (%d records of %d bytes)",
			path, size, perPeriod, f.nIndexRec+len(f.recLevel), lrec)
	}
	np := int(size / perPeriod)
	for p := 0; p < np; p++ {
		off := int64(p) * perPeriod
		ixp := ix
		if p > 0 {
			lab, ixp, _, err = readIndexAt(r, path, off, size)
			if err != nil {
				return nil, err
			}
			if err := sameStructure(ix, ixp); err != nil {
				return nil, fmt.Errorf("%s: period %d (%s) has a different layout from the first: %w", path, p+1, lab.Time().Format("2006-01-02 15"), err)
			}
		}
		cs := make([]int, 0, len(f.recLevel))
		for _, l := range ixp.Levels {
			for _, v := range l.Vars {
				cs = append(cs, v.Checksum)
			}
		}
		t := lab.Time().Add(time.Duration(ixp.Minutes) * time.Minute)
		f.periods = append(f.periods, period{t: t, off: off, checksums: cs})
		pt := f.periods[p].t
		if p > 0 {
			prev := f.periods[p-1].t
			if !pt.After(prev) {
				return nil, fmt.Errorf("%s: period %d time %s is not after %s", path, p+1, pt.Format("2006-01-02 15:04"), prev.Format("2006-01-02 15:04"))
			}
			d := pt.Sub(prev)
			if p == 1 {
				f.step = d
			} else if d != f.step {
				return nil, fmt.Errorf("%s: meteorological data time interval varies: %s between %s and %s, %s before",
					path, d, prev.Format("2006-01-02 15:04"), pt.Format("2006-01-02 15:04"), f.step)
			}
		}
		f.byTime[pt.Unix()] = p
	}
	f.bufPool.New = func() any { b := make([]byte, lrec); return &b }
	return f, nil
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// Path returns the path the file was opened with.
func (f *File) Path() string { return f.path }

// Size returns the file size in bytes.
func (f *File) Size() int64 { return f.size }

// RecordLen returns LREC = 50 + NX·NY.
func (f *File) RecordLen() int { return int(f.lrec) }

// Index returns the first period's index (header, levels and variables). Do
// not modify it.
func (f *File) Index() *Index { return f.idx }

// Header returns the grid header.
func (f *File) Header() Header { return f.idx.Header }

// Grid returns the horizontal grid.
func (f *File) Grid() *Grid { return f.grid }

// Vertical returns the vertical coordinate description.
func (f *File) Vertical() Vertical {
	v := Vertical{KFlag: f.idx.KFlag, Levels: make([]float64, len(f.idx.Levels))}
	for k, l := range f.idx.Levels {
		v.Levels[k] = l.Height
	}
	return v
}

// Times returns the valid times of the periods, in order.
func (f *File) Times() []time.Time {
	out := make([]time.Time, len(f.periods))
	for i, p := range f.periods {
		out[i] = p.t
	}
	return out
}

// Step returns the time step between periods (0 for a single-period file).
func (f *File) Step() time.Duration { return f.step }

// Vars returns the variable names of level k in record order.
func (f *File) Vars(level int) []string { return f.idx.VarNames(level) }

// Has reports whether variable name exists on level.
func (f *File) Has(name string, level int) bool {
	_, ok := f.recPos[recKey{level, name}]
	return ok
}

// NumRecords returns the number of records (index and data) in the file.
func (f *File) NumRecords() int { return int(f.size / f.lrec) }

// RecordsPerPeriod returns index + data records per time period.
func (f *File) RecordsPerPeriod() int { return f.nIndexRec + len(f.recLevel) }

func (f *File) periodOf(t time.Time) (int, error) {
	p, ok := f.byTime[t.Unix()]
	if !ok || !f.periods[p].t.Equal(t) {
		if len(f.periods) == 0 {
			return 0, fmt.Errorf("%s: no periods", f.path)
		}
		return 0, fmt.Errorf("%s: no period at %s (file covers %s to %s)", f.path, t.UTC().Format("2006-01-02 15:04"),
			f.periods[0].t.Format("2006-01-02 15:04"), f.periods[len(f.periods)-1].t.Format("2006-01-02 15:04"))
	}
	return p, nil
}

// Raw reads one record without unpacking: its label and its packed bytes (a
// fresh slice). The checksum is verified.
func (f *File) Raw(name string, level int, t time.Time) (Label, []byte, error) {
	p, err := f.periodOf(t)
	if err != nil {
		return Label{}, nil, err
	}
	r, ok := f.recPos[recKey{level, name}]
	if !ok {
		return Label{}, nil, fmt.Errorf("%s: no variable %s on level %d", f.path, name, level)
	}
	buf := make([]byte, f.lrec)
	lab, err := f.readRecord(p, r, buf)
	if err != nil {
		return lab, nil, err
	}
	return lab, buf[LabelLen:], nil
}

// readRecord reads data record r of period p into buf (len lrec), checks its
// label against the index and its checksum.
func (f *File) readRecord(p, r int, buf []byte) (Label, error) {
	pr := f.periods[p]
	off := pr.off + int64(f.nIndexRec+r)*f.lrec
	name, level := f.recName[r], f.recLevel[r]
	if _, err := f.f.ReadAt(buf, off); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Label{}, fmt.Errorf("%s: reading %s level %d at %s (byte %d): %w", f.path, name, level, pr.t.Format("2006-01-02 15:04"), off, err)
	}
	lab, err := ParseLabel(buf)
	if err != nil {
		return lab, fmt.Errorf("%s: %s level %d at %s (byte %d): %w", f.path, name, level, pr.t.Format("2006-01-02 15:04"), off, err)
	}
	if lab.Var != name || lab.Level != level {
		return lab, fmt.Errorf("%s: record at byte %d is %s level %d, index expects %s level %d", f.path, off, lab.Var, lab.Level, name, level)
	}
	if got := Checksum(buf[LabelLen:]); got != pr.checksums[r] {
		return lab, &ChecksumError{Path: f.path, Time: pr.t, Level: level, Var: name, Want: pr.checksums[r], Got: got}
	}
	return lab, nil
}

// ReadInto unpacks variable name on level at time t into dst (len ≥ NX·NY).
func (f *File) ReadInto(dst []float32, name string, level int, t time.Time) error {
	p, err := f.periodOf(t)
	if err != nil {
		return err
	}
	r, ok := f.recPos[recKey{level, name}]
	if !ok {
		return fmt.Errorf("%s: no variable %s on level %d", f.path, name, level)
	}
	return f.readUnpack(p, r, dst)
}

func (f *File) readUnpack(p, r int, dst []float32) error {
	bp := f.bufPool.Get().(*[]byte)
	defer f.bufPool.Put(bp)
	lab, err := f.readRecord(p, r, *bp)
	if err != nil {
		return err
	}
	if err := Unpack((*bp)[LabelLen:], f.idx.NX, f.idx.NY, lab.NExp, lab.Prec, lab.Var1, dst); err != nil {
		return fmt.Errorf("%s: %s level %d at %s: %w", f.path, f.recName[r], f.recLevel[r], f.periods[p].t.Format("2006-01-02 15:04"), err)
	}
	return nil
}

// readLabeled unpacks into dst and returns the record label.
func (f *File) readLabeled(dst []float32, name string, level int, t time.Time) (Label, error) {
	p, err := f.periodOf(t)
	if err != nil {
		return Label{}, err
	}
	r, ok := f.recPos[recKey{level, name}]
	if !ok {
		return Label{}, fmt.Errorf("%s: no variable %s on level %d", f.path, name, level)
	}
	bp := f.bufPool.Get().(*[]byte)
	defer f.bufPool.Put(bp)
	lab, err := f.readRecord(p, r, *bp)
	if err != nil {
		return lab, err
	}
	if err := Unpack((*bp)[LabelLen:], f.idx.NX, f.idx.NY, lab.NExp, lab.Prec, lab.Var1, dst); err != nil {
		return lab, fmt.Errorf("%s: %s level %d at %s: %w", f.path, name, level, t.Format("2006-01-02 15:04"), err)
	}
	return lab, nil
}

// ReadRegion unpacks the sub-grid s (1-based, inclusive) of one record. The
// whole record is read so that its checksum is verified.
func (f *File) ReadRegion(name string, level int, t time.Time, s SubGrid) (*Field, error) {
	p, err := f.periodOf(t)
	if err != nil {
		return nil, err
	}
	r, ok := f.recPos[recKey{level, name}]
	if !ok {
		return nil, fmt.Errorf("%s: no variable %s on level %d", f.path, name, level)
	}
	bp := f.bufPool.Get().(*[]byte)
	defer f.bufPool.Put(bp)
	lab, err := f.readRecord(p, r, *bp)
	if err != nil {
		return nil, err
	}
	fl := &Field{Nx: s.NX(), Ny: s.NY()}
	if fl.Nx <= 0 || fl.Ny <= 0 {
		return nil, fmt.Errorf("%s: empty region %+v", f.path, s)
	}
	fl.Data = make([]float32, fl.Nx*fl.Ny)
	if err := UnpackRegion((*bp)[LabelLen:], f.idx.NX, f.idx.NY, lab.NExp, lab.Prec, lab.Var1, s.I0, s.I1, s.J0, s.J1, fl.Data); err != nil {
		return nil, fmt.Errorf("%s: %s level %d at %s: %w", f.path, name, level, t.Format("2006-01-02 15:04"), err)
	}
	return fl, nil
}

// DiffOf returns the DIF* record that corrects variable name on level (the
// DIF record following it at the same level, e.g. DIFW after WWND, DIFR
// after TPP1), if the file has one.
func (f *File) DiffOf(name string, level int) (string, bool) {
	r, ok := f.recPos[recKey{level, name}]
	if !ok || strings.HasPrefix(name, "DIF") {
		return "", false
	}
	if r+1 < len(f.recName) && f.recLevel[r+1] == level && strings.HasPrefix(f.recName[r+1], "DIF") {
		return f.recName[r+1], true
	}
	return "", false
}

// ReadCorrected reads a variable and adds its DIF* correction record when
// the file has one (true field = parent + difference).
func (f *File) ReadCorrected(name string, level int, t time.Time) (*Field, error) {
	fl, err := f.Read(name, level, t)
	if err != nil {
		return nil, err
	}
	if d, ok := f.DiffOf(name, level); ok {
		df, err := f.Read(d, level, t)
		if err != nil {
			return nil, err
		}
		for i := range fl.Data {
			fl.Data[i] += df.Data[i]
		}
	}
	return fl, nil
}

// Read unpacks one variable on one level at one time.
func (f *File) Read(name string, level int, t time.Time) (*Field, error) {
	fl := &Field{Nx: f.idx.NX, Ny: f.idx.NY, Data: make([]float32, f.idx.NX*f.idx.NY)}
	if err := f.ReadInto(fl.Data, name, level, t); err != nil {
		return nil, err
	}
	return fl, nil
}

// Read3D unpacks variable name on every upper level (1…NZ-1) that has it.
func (f *File) Read3D(name string, t time.Time) (*Field3D, error) {
	p, err := f.periodOf(t)
	if err != nil {
		return nil, err
	}
	n := f.idx.NX * f.idx.NY
	out := &Field3D{Nx: f.idx.NX, Ny: f.idx.NY}
	for k := 1; k < len(f.idx.Levels); k++ {
		if _, ok := f.recPos[recKey{k, name}]; ok {
			out.Levels = append(out.Levels, k)
		}
	}
	if len(out.Levels) == 0 {
		return nil, fmt.Errorf("%s: no upper-level variable %s", f.path, name)
	}
	out.Data = make([]float32, n*len(out.Levels))
	for s, k := range out.Levels {
		if err := f.readUnpack(p, f.recPos[recKey{k, name}], out.Data[s*n:(s+1)*n]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Snapshot is every requested field of one time period.
type Snapshot struct {
	Time    time.Time
	Surface map[string]*Field   // level-0 variables
	Upper   map[string]*Field3D // upper-level variables
}

// Snapshot reads the named surface and upper variables at time t. Nil lists
// mean "every variable the file has".
func (f *File) Snapshot(t time.Time, surface, upper []string) (*Snapshot, error) {
	if _, err := f.periodOf(t); err != nil {
		return nil, err
	}
	if surface == nil {
		surface = f.Vars(0)
	}
	if upper == nil {
		seen := map[string]bool{}
		for k := 1; k < len(f.idx.Levels); k++ {
			for _, v := range f.Vars(k) {
				if !seen[v] {
					seen[v] = true
					upper = append(upper, v)
				}
			}
		}
	}
	s := &Snapshot{Time: t, Surface: map[string]*Field{}, Upper: map[string]*Field3D{}}
	for _, v := range surface {
		fl, err := f.Read(v, 0, t)
		if err != nil {
			return nil, err
		}
		s.Surface[v] = fl
	}
	for _, v := range upper {
		fl, err := f.Read3D(v, t)
		if err != nil {
			return nil, err
		}
		s.Upper[v] = fl
	}
	return s, nil
}

// RecordInfo describes one data record as found in the file.
type RecordInfo struct {
	Time       time.Time
	Level      int
	Var        string
	Label      Label
	ChecksumOK bool
	Err        error // read, label or checksum error (nil when fine)
}

// Verify reads every data record and checks labels and checksums. It returns
// one entry per record and the first error met (nil when all verify).
func (f *File) Verify() ([]RecordInfo, error) {
	var first error
	buf := make([]byte, f.lrec)
	out := make([]RecordInfo, 0, len(f.periods)*len(f.recLevel))
	for p := range f.periods {
		for r := range f.recLevel {
			lab, err := f.readRecord(p, r, buf)
			ri := RecordInfo{Time: f.periods[p].t, Level: f.recLevel[r], Var: f.recName[r], Label: lab, ChecksumOK: err == nil, Err: err}
			if err != nil && first == nil {
				first = err
			}
			out = append(out, ri)
		}
	}
	return out, first
}

// RecordRef names one data record of a period.
type RecordRef struct {
	Level int
	Var   string
}

// Layout returns the data records of one period in file order.
func (f *File) Layout() []RecordRef {
	out := make([]RecordRef, len(f.recLevel))
	for r := range f.recLevel {
		out[r] = RecordRef{Level: f.recLevel[r], Var: f.recName[r]}
	}
	return out
}
