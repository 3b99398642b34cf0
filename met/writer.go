package met

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Writer writes an ARL file period by period with the same packing and
// checksums HYSPLIT uses. The file appears at its path only when Close
// succeeds (temporary file + rename).
type Writer struct {
	path      string
	tmp       *os.File
	bw        *bufio.Writer
	idx       Index
	nx, ny    int
	nIndexRec int
	last      time.Time
	periods   int
	err       error
	// Forecast returns the label forecast hour of a record (nil: the
	// header's Forecast for every record).
	Forecast func(level int, name string) int
}

// Create starts a new ARL file. h describes the grid (LenH is recomputed);
// levels give the level values and variable names in record order (their
// checksums are ignored).
func Create(path string, h Header, levels []Level) (*Writer, error) {
	if len(levels) == 0 {
		return nil, fmt.Errorf("met: create %s: no levels", path)
	}
	h.NZ = len(levels)
	ix := Index{Header: h, Levels: make([]Level, len(levels))}
	for k, l := range levels {
		ix.Levels[k] = Level{Height: l.Height, Vars: append([]VarEntry(nil), l.Vars...)}
	}
	ix.LenH = ix.ComputeLenH()
	if _, err := ix.Format(); err != nil {
		return nil, fmt.Errorf("met: create %s: %w", path, err)
	}
	if _, err := NewGrid(h); err != nil {
		return nil, fmt.Errorf("met: create %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("met: create %s: %w", path, err)
	}
	w := &Writer{path: path, tmp: tmp, bw: bufio.NewWriterSize(tmp, 1<<20), idx: ix, nx: h.NX, ny: h.NY}
	w.nIndexRec = NumIndexRecords(ix.LenH, h.NX*h.NY)
	return w, nil
}

// WritePeriod writes one time period: the index record(s) then every record
// in index order, each field obtained from get(level, name) (NX·NY values,
// layout as Field.Data).
func (w *Writer) WritePeriod(t time.Time, get func(level int, name string) ([]float32, error)) error {
	if w.err != nil {
		return w.err
	}
	t = t.UTC()
	if w.periods > 0 && !t.After(w.last) {
		return fmt.Errorf("met: write %s: period %s is not after %s", w.path, t.Format("2006-01-02 15:04"), w.last.Format("2006-01-02 15:04"))
	}
	body := w.nx * w.ny
	lrec := LabelLen + body
	ix := w.idx
	ix.Levels = make([]Level, len(w.idx.Levels))
	ix.Minutes = t.Minute()
	hour := t.Truncate(time.Hour)
	var recs [][]byte
	for k, l := range w.idx.Levels {
		ix.Levels[k] = Level{Height: l.Height, Vars: make([]VarEntry, len(l.Vars))}
		for v, e := range l.Vars {
			vals, err := get(k, e.Name)
			if err != nil {
				return w.fail(fmt.Errorf("met: write %s: %s level %d at %s: %w", w.path, e.Name, k, t.Format("2006-01-02 15:04"), err))
			}
			pk, err := Pack(vals, w.nx, w.ny)
			if err != nil {
				return w.fail(fmt.Errorf("met: write %s: %s level %d at %s: %w", w.path, e.Name, k, t.Format("2006-01-02 15:04"), err))
			}
			fc := w.idx.Forecast
			if w.Forecast != nil {
				fc = w.Forecast(k, e.Name)
			}
			lab := Label{Year: hour.Year(), Month: int(hour.Month()), Day: hour.Day(), Hour: hour.Hour(), Forecast: fc,
				Level: k, GridX: gridChar(w.nx), GridY: gridChar(w.ny), Var: e.Name, NExp: pk.NExp, Prec: pk.Prec, Var1: pk.Var1}
			lb, err := lab.Format()
			if err != nil {
				return w.fail(fmt.Errorf("met: write %s: %w", w.path, err))
			}
			rec := make([]byte, lrec)
			copy(rec, lb)
			copy(rec[LabelLen:], pk.Data)
			recs = append(recs, rec)
			ix.Levels[k].Vars[v] = VarEntry{Name: e.Name, Checksum: Checksum(pk.Data)}
		}
	}
	text, err := ix.Format()
	if err != nil {
		return w.fail(fmt.Errorf("met: write %s: %w", w.path, err))
	}
	ilab := Label{Year: hour.Year(), Month: int(hour.Month()), Day: hour.Day(), Hour: hour.Hour(), Forecast: w.idx.Forecast,
		Level: 0, GridX: gridChar(w.nx), GridY: gridChar(w.ny), Var: "INDX"}
	ilb, err := ilab.Format()
	if err != nil {
		return w.fail(fmt.Errorf("met: write %s: %w", w.path, err))
	}
	padded := make([]byte, w.nIndexRec*body) // NUL padding as HYSPLIT writes
	copy(padded, text)
	for r := 0; r < w.nIndexRec; r++ {
		if _, err := w.bw.Write(ilb); err != nil {
			return w.fail(err)
		}
		if _, err := w.bw.Write(padded[r*body : (r+1)*body]); err != nil {
			return w.fail(err)
		}
	}
	for _, rec := range recs {
		if _, err := w.bw.Write(rec); err != nil {
			return w.fail(fmt.Errorf("met: write %s: %w", w.path, err))
		}
	}
	w.last = t
	w.periods++
	return nil
}

func (w *Writer) fail(err error) error {
	w.err = err
	return err
}

// Close flushes, syncs and renames the file into place. After an earlier
// write error it removes the temporary file and returns that error.
func (w *Writer) Close() error {
	if w.tmp == nil {
		return w.err
	}
	tmp := w.tmp
	w.tmp = nil
	if w.err == nil && w.periods == 0 {
		w.err = fmt.Errorf("met: write %s: no periods written", w.path)
	}
	if w.err == nil {
		if err := w.bw.Flush(); err != nil {
			w.err = fmt.Errorf("met: write %s: %w", w.path, err)
		} else if err := tmp.Sync(); err != nil {
			w.err = fmt.Errorf("met: write %s: %w", w.path, err)
		}
	}
	cerr := tmp.Close()
	if w.err == nil && cerr != nil {
		w.err = fmt.Errorf("met: write %s: %w", w.path, cerr)
	}
	if w.err == nil {
		if err := os.Rename(tmp.Name(), w.path); err != nil {
			w.err = fmt.Errorf("met: write %s: %w", w.path, err)
		}
	}
	if w.err != nil {
		os.Remove(tmp.Name())
	}
	return w.err
}

// Abort discards the file.
func (w *Writer) Abort() {
	if w.err == nil {
		w.err = fmt.Errorf("met: write %s: aborted", w.path)
	}
	w.Close()
}
