package netcdf

/*
#cgo pkg-config: netcdf
#include <stdlib.h>
#include <netcdf.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// mu serialises every call into libnetcdf (it is not thread-safe) and
// makes multi-call sequences (inquire, then read) atomic.
var mu sync.Mutex

// work carries calls to the one goroutine, locked to one OS thread, that
// makes every libnetcdf call. Besides serialising, this keeps HDF5 on one
// thread: a thread-safe HDF5 keeps its error-reporting switch per thread,
// and libnetcdf turns the automatic error printing off only on the thread
// that initialised it, so calls from other threads print "HDF5-DIAG" noise
// for errors libnetcdf expects and handles.
var work = make(chan func())

func init() {
	go func() {
		runtime.LockOSThread()
		for f := range work {
			f()
		}
	}()
}

// onThread runs one libnetcdf call on the netCDF thread and returns its
// status.
func onThread(f func() C.int) C.int {
	var rc C.int
	done := make(chan struct{})
	work <- func() {
		rc = f()
		close(done)
	}
	<-done
	return rc
}

// Type is a netCDF external data type.
type Type int

// The netCDF data types this binding reads and writes.
const (
	Byte   Type = C.NC_BYTE
	Char   Type = C.NC_CHAR
	Short  Type = C.NC_SHORT
	Int    Type = C.NC_INT
	Float  Type = C.NC_FLOAT
	Double Type = C.NC_DOUBLE
	Int64  Type = C.NC_INT64
)

// String returns the CDL name of the type.
func (t Type) String() string {
	switch t {
	case Byte:
		return "byte"
	case Char:
		return "char"
	case Short:
		return "short"
	case Int:
		return "int"
	case Float:
		return "float"
	case Double:
		return "double"
	case Int64:
		return "int64"
	}
	return fmt.Sprintf("type(%d)", int(t))
}

// Unlimited is the length to pass to DefDim for an unlimited (record)
// dimension.
const Unlimited = 0

// Error is a libnetcdf failure.
type Error struct {
	Code int    // libnetcdf status (negative)
	Msg  string // nc_strerror(Code)
	Op   string // the operation, e.g. "define variable"
	Path string // file path
	Name string // variable, dimension or attribute name, if any
}

func (e *Error) Error() string {
	s := "netcdf: " + e.Path + ": " + e.Op
	if e.Name != "" {
		s += " " + e.Name
	}
	return s + ": " + e.Msg
}

// strerror returns libnetcdf's message for a status (static strings: safe on
// any thread).
func strerror(code C.int) string {
	return C.GoString(C.nc_strerror(code))
}

// File is an open netCDF dataset.
type File struct {
	id     C.int
	path   string
	closed bool
}

// Path returns the path the file was created or opened with.
func (f *File) Path() string { return f.path }

func (f *File) err(code C.int, op, name string) error {
	if code == C.NC_NOERR {
		return nil
	}
	return &Error{Code: int(code), Msg: strerror(code), Op: op, Path: f.path, Name: name}
}

// Create creates a new netCDF-4 (HDF5) file, overwriting an existing one.
// The file is left in define mode.
func Create(path string) (*File, error) {
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	mu.Lock()
	defer mu.Unlock()
	var id C.int
	rc := onThread(func() C.int { return C.nc_create(cs, C.NC_NETCDF4|C.NC_CLOBBER, &id) })
	if rc != C.NC_NOERR {
		return nil, &Error{Code: int(rc), Msg: strerror(rc), Op: "create", Path: path}
	}
	return &File{id: id, path: path}, nil
}

// Open opens an existing file read-only, or for writing when write is true.
func Open(path string, write bool) (*File, error) {
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	mode := C.int(C.NC_NOWRITE)
	if write {
		mode = C.NC_WRITE
	}
	mu.Lock()
	defer mu.Unlock()
	var id C.int
	rc := onThread(func() C.int { return C.nc_open(cs, mode, &id) })
	if rc != C.NC_NOERR {
		return nil, &Error{Code: int(rc), Msg: strerror(rc), Op: "open", Path: path}
	}
	return &File{id: id, path: path}, nil
}

// EndDef leaves define mode. netCDF-4 files do this implicitly, but calling
// it before writing data is cheap and makes intent explicit.
func (f *File) EndDef() error {
	mu.Lock()
	defer mu.Unlock()
	rc := onThread(func() C.int { return C.nc_enddef(f.id) })
	if rc == C.NC_ENOTINDEFINE {
		return nil
	}
	return f.err(rc, "end define mode", "")
}

// Sync flushes buffers to disk.
func (f *File) Sync() error {
	mu.Lock()
	defer mu.Unlock()
	return f.err(onThread(func() C.int { return C.nc_sync(f.id) }), "sync", "")
}

// Close closes the file. Closing twice returns nil.
func (f *File) Close() error {
	if f == nil || f.closed {
		return nil
	}
	mu.Lock()
	defer mu.Unlock()
	f.closed = true
	return f.err(onThread(func() C.int { return C.nc_close(f.id) }), "close", "")
}

// Dim is a dimension of a file.
type Dim struct {
	f    *File
	id   C.int
	Name string
}

// DefDim defines a dimension of length n; n == Unlimited (0) makes it
// unlimited.
func (f *File) DefDim(name string, n int) (Dim, error) {
	if n < 0 {
		return Dim{}, &Error{Code: int(C.NC_EDIMSIZE), Msg: "negative dimension length", Op: "define dimension", Path: f.path, Name: name}
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	mu.Lock()
	defer mu.Unlock()
	var id C.int
	if err := f.err(onThread(func() C.int { return C.nc_def_dim(f.id, cs, C.size_t(n), &id) }), "define dimension", name); err != nil {
		return Dim{}, err
	}
	return Dim{f: f, id: id, Name: name}, nil
}

// Dim looks up a dimension by name.
func (f *File) Dim(name string) (Dim, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	mu.Lock()
	defer mu.Unlock()
	var id C.int
	if err := f.err(onThread(func() C.int { return C.nc_inq_dimid(f.id, cs, &id) }), "find dimension", name); err != nil {
		return Dim{}, err
	}
	return Dim{f: f, id: id, Name: name}, nil
}

// Len returns the current length of the dimension (for an unlimited
// dimension, the number of records written so far).
func (d Dim) Len() (int, error) {
	mu.Lock()
	defer mu.Unlock()
	var n C.size_t
	if err := d.f.err(onThread(func() C.int { return C.nc_inq_dimlen(d.f.id, d.id, &n) }), "dimension length", d.Name); err != nil {
		return 0, err
	}
	return int(n), nil
}

// Unlimited reports whether d is an unlimited dimension.
func (d Dim) Unlimited() (bool, error) {
	mu.Lock()
	defer mu.Unlock()
	var n C.int
	ids := make([]C.int, C.NC_MAX_DIMS)
	if err := d.f.err(onThread(func() C.int { return C.nc_inq_unlimdims(d.f.id, &n, &ids[0]) }), "unlimited dimensions", d.Name); err != nil {
		return false, err
	}
	for _, id := range ids[:n] {
		if id == d.id {
			return true, nil
		}
	}
	return false, nil
}

// Var is a variable of a file, or the file's global attribute holder (see
// File.Global).
type Var struct {
	f    *File
	id   C.int
	Name string
}

// Global returns the holder of the file's global attributes. Only the
// attribute methods may be used on it.
func (f *File) Global() Var { return Var{f: f, id: C.NC_GLOBAL, Name: "(global)"} }

// DefVar defines a variable of type t over dims (slowest-varying first; an
// empty dims list makes a scalar).
func (f *File) DefVar(name string, t Type, dims ...Dim) (Var, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	ids := make([]C.int, len(dims)+1)
	for i, d := range dims {
		ids[i] = d.id
	}
	mu.Lock()
	defer mu.Unlock()
	var id C.int
	if err := f.err(onThread(func() C.int { return C.nc_def_var(f.id, cs, C.nc_type(t), C.int(len(dims)), &ids[0], &id) }), "define variable", name); err != nil {
		return Var{}, err
	}
	return Var{f: f, id: id, Name: name}, nil
}

// Var looks up a variable by name.
func (f *File) Var(name string) (Var, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	mu.Lock()
	defer mu.Unlock()
	var id C.int
	if err := f.err(onThread(func() C.int { return C.nc_inq_varid(f.id, cs, &id) }), "find variable", name); err != nil {
		return Var{}, err
	}
	return Var{f: f, id: id, Name: name}, nil
}

// File returns the file the variable belongs to.
func (v Var) File() *File { return v.f }

func (v Var) err(code C.int, op string) error { return v.f.err(code, op, v.Name) }

// SetDeflate enables zlib compression at level (0–9), with the byte
// shuffle filter when shuffle is true. Must be called in define mode,
// before any data are written.
func (v Var) SetDeflate(shuffle bool, level int) error {
	sh := C.int(0)
	if shuffle {
		sh = 1
	}
	mu.Lock()
	defer mu.Unlock()
	return v.err(onThread(func() C.int { return C.nc_def_var_deflate(v.f.id, v.id, sh, 1, C.int(level)) }), "set deflate on")
}

// SetChunking sets chunked storage with the given chunk lengths (one per
// dimension).
func (v Var) SetChunking(chunks ...int) error {
	cs := make([]C.size_t, len(chunks)+1)
	for i, c := range chunks {
		cs[i] = C.size_t(c)
	}
	mu.Lock()
	defer mu.Unlock()
	return v.err(onThread(func() C.int { return C.nc_def_var_chunking(v.f.id, v.id, C.NC_CHUNKED, &cs[0]) }), "set chunking on")
}

// SetFill sets the fill value (the variable's _FillValue). value must have
// the variable's Go type: float64 for Double, float32 for Float, int32 for
// Int, int64 for Int64, byte for Char.
func (v Var) SetFill(value any) error {
	var p unsafe.Pointer
	switch x := value.(type) {
	case float64:
		p = unsafe.Pointer(&x)
	case float32:
		p = unsafe.Pointer(&x)
	case int32:
		p = unsafe.Pointer(&x)
	case int64:
		p = unsafe.Pointer(&x)
	case byte:
		p = unsafe.Pointer(&x)
	default:
		return &Error{Code: int(C.NC_EBADTYPE), Msg: fmt.Sprintf("unsupported fill value type %T", value), Op: "set fill on", Path: v.f.path, Name: v.Name}
	}
	mu.Lock()
	defer mu.Unlock()
	return v.err(onThread(func() C.int { return C.nc_def_var_fill(v.f.id, v.id, 0, p) }), "set fill on")
}

// Info describes a variable.
type Info struct {
	Type  Type
	Dims  []string
	Shape []int
}

// Info returns the variable's type, dimension names and current shape.
func (v Var) Info() (Info, error) {
	mu.Lock()
	defer mu.Unlock()
	var t C.nc_type
	var nd C.int
	if err := v.err(onThread(func() C.int { return C.nc_inq_vartype(v.f.id, v.id, &t) }), "inquire type of"); err != nil {
		return Info{}, err
	}
	if err := v.err(onThread(func() C.int { return C.nc_inq_varndims(v.f.id, v.id, &nd) }), "inquire rank of"); err != nil {
		return Info{}, err
	}
	in := Info{Type: Type(t)}
	if nd == 0 {
		return in, nil
	}
	ids := make([]C.int, nd)
	if err := v.err(onThread(func() C.int { return C.nc_inq_vardimid(v.f.id, v.id, &ids[0]) }), "inquire dimensions of"); err != nil {
		return Info{}, err
	}
	buf := (*C.char)(C.malloc(C.NC_MAX_NAME + 1))
	defer C.free(unsafe.Pointer(buf))
	for _, id := range ids {
		var n C.size_t
		if err := v.err(onThread(func() C.int { return C.nc_inq_dim(v.f.id, id, buf, &n) }), "inquire dimension of"); err != nil {
			return Info{}, err
		}
		in.Dims = append(in.Dims, C.GoString(buf))
		in.Shape = append(in.Shape, int(n))
	}
	return in, nil
}

// sizes converts start/count to C arrays; it checks that they have equal
// length and that count covers n values.
func (v Var) sizes(op string, start, count []int, n int) ([]C.size_t, []C.size_t, error) {
	if len(start) != len(count) {
		return nil, nil, &Error{Code: int(C.NC_EINVAL), Msg: fmt.Sprintf("start has %d entries, count %d", len(start), len(count)), Op: op, Path: v.f.path, Name: v.Name}
	}
	total := 1
	cs := make([]C.size_t, len(start)+1)
	cc := make([]C.size_t, len(start)+1)
	for i := range start {
		if start[i] < 0 || count[i] < 0 {
			return nil, nil, &Error{Code: int(C.NC_EINVAL), Msg: "negative start or count", Op: op, Path: v.f.path, Name: v.Name}
		}
		cs[i], cc[i] = C.size_t(start[i]), C.size_t(count[i])
		total *= count[i]
	}
	if total != n {
		return nil, nil, &Error{Code: int(C.NC_EINVAL), Msg: fmt.Sprintf("count covers %d values, buffer holds %d", total, n), Op: op, Path: v.f.path, Name: v.Name}
	}
	return cs, cc, nil
}

// slab runs one put/get call with the given element pointer.
func (v Var) slab(op string, start, count []int, n int, p unsafe.Pointer,
	call func(id, vid C.int, s, c *C.size_t, p unsafe.Pointer) C.int) error {
	cs, cc, err := v.sizes(op, start, count, n)
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	mu.Lock()
	defer mu.Unlock()
	return v.err(call(v.f.id, v.id, &cs[0], &cc[0], p), op)
}

// PutFloat64s writes data to the hyperslab at start with shape count.
func (v Var) PutFloat64s(start, count []int, data []float64) error {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return v.slab("write", start, count, len(data), p, func(id, vid C.int, s, c *C.size_t, p unsafe.Pointer) C.int {
		return onThread(func() C.int { return C.nc_put_vara_double(id, vid, s, c, (*C.double)(p)) })
	})
}

// GetFloat64s reads the hyperslab at start with shape count into data.
func (v Var) GetFloat64s(start, count []int, data []float64) error {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return v.slab("read", start, count, len(data), p, func(id, vid C.int, s, c *C.size_t, p unsafe.Pointer) C.int {
		return onThread(func() C.int { return C.nc_get_vara_double(id, vid, s, c, (*C.double)(p)) })
	})
}

// PutFloat32s writes data to the hyperslab at start with shape count.
func (v Var) PutFloat32s(start, count []int, data []float32) error {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return v.slab("write", start, count, len(data), p, func(id, vid C.int, s, c *C.size_t, p unsafe.Pointer) C.int {
		return onThread(func() C.int { return C.nc_put_vara_float(id, vid, s, c, (*C.float)(p)) })
	})
}

// GetFloat32s reads the hyperslab at start with shape count into data.
func (v Var) GetFloat32s(start, count []int, data []float32) error {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return v.slab("read", start, count, len(data), p, func(id, vid C.int, s, c *C.size_t, p unsafe.Pointer) C.int {
		return onThread(func() C.int { return C.nc_get_vara_float(id, vid, s, c, (*C.float)(p)) })
	})
}

// PutInt32s writes data to the hyperslab at start with shape count.
func (v Var) PutInt32s(start, count []int, data []int32) error {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return v.slab("write", start, count, len(data), p, func(id, vid C.int, s, c *C.size_t, p unsafe.Pointer) C.int {
		return onThread(func() C.int { return C.nc_put_vara_int(id, vid, s, c, (*C.int)(p)) })
	})
}

// GetInt32s reads the hyperslab at start with shape count into data.
func (v Var) GetInt32s(start, count []int, data []int32) error {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return v.slab("read", start, count, len(data), p, func(id, vid C.int, s, c *C.size_t, p unsafe.Pointer) C.int {
		return onThread(func() C.int { return C.nc_get_vara_int(id, vid, s, c, (*C.int)(p)) })
	})
}

// PutInt64s writes data to the hyperslab at start with shape count.
func (v Var) PutInt64s(start, count []int, data []int64) error {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return v.slab("write", start, count, len(data), p, func(id, vid C.int, s, c *C.size_t, p unsafe.Pointer) C.int {
		return onThread(func() C.int { return C.nc_put_vara_longlong(id, vid, s, c, (*C.longlong)(p)) })
	})
}

// GetInt64s reads the hyperslab at start with shape count into data.
func (v Var) GetInt64s(start, count []int, data []int64) error {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return v.slab("read", start, count, len(data), p, func(id, vid C.int, s, c *C.size_t, p unsafe.Pointer) C.int {
		return onThread(func() C.int { return C.nc_get_vara_longlong(id, vid, s, c, (*C.longlong)(p)) })
	})
}

// PutText writes raw characters to the hyperslab at start with shape count
// of a Char variable.
func (v Var) PutText(start, count []int, data []byte) error {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return v.slab("write", start, count, len(data), p, func(id, vid C.int, s, c *C.size_t, p unsafe.Pointer) C.int {
		return onThread(func() C.int { return C.nc_put_vara_text(id, vid, s, c, (*C.char)(p)) })
	})
}

// GetText reads raw characters from the hyperslab at start with shape count
// of a Char variable.
func (v Var) GetText(start, count []int, data []byte) error {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return v.slab("read", start, count, len(data), p, func(id, vid C.int, s, c *C.size_t, p unsafe.Pointer) C.int {
		return onThread(func() C.int { return C.nc_get_vara_text(id, vid, s, c, (*C.char)(p)) })
	})
}

// PutStrings writes strings as rows of a 2-D Char variable (n, strlen),
// starting at row first. Each string is NUL-padded to strlen; a longer one
// is an error.
func (v Var) PutStrings(first int, strlen int, strs []string) error {
	buf := make([]byte, len(strs)*strlen)
	for i, s := range strs {
		if len(s) > strlen {
			return &Error{Code: int(C.NC_EINVAL), Msg: fmt.Sprintf("string %d (%q) longer than %d characters", i, s, strlen), Op: "write", Path: v.f.path, Name: v.Name}
		}
		copy(buf[i*strlen:], s)
	}
	return v.PutText([]int{first, 0}, []int{len(strs), strlen}, buf)
}

// GetStrings reads n rows of a 2-D Char variable (n, strlen) starting at row
// first, trimming trailing NUL bytes.
func (v Var) GetStrings(first, n, strlen int) ([]string, error) {
	buf := make([]byte, n*strlen)
	if err := v.GetText([]int{first, 0}, []int{n, strlen}, buf); err != nil {
		return nil, err
	}
	out := make([]string, n)
	for i := range out {
		row := buf[i*strlen : (i+1)*strlen]
		end := len(row)
		for end > 0 && row[end-1] == 0 {
			end--
		}
		out[i] = string(row[:end])
	}
	return out, nil
}
