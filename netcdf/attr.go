package netcdf

/*
#include <stdlib.h>
#include <netcdf.h>
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// PutAttr writes an attribute. Supported values: string (NC_CHAR text),
// float64 and []float64 (double), float32 and []float32 (float), int,
// int32 and []int32 (int), int64 and []int64 (int64).
func (v Var) PutAttr(name string, value any) error {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	put := func(t C.nc_type, n int, p unsafe.Pointer) error {
		mu.Lock()
		defer mu.Unlock()
		return v.f.err(onThread(func() C.int { return C.nc_put_att(v.f.id, v.id, cs, t, C.size_t(n), p) }), "write attribute", v.Name+":"+name)
	}
	switch x := value.(type) {
	case string:
		b := []byte(x)
		if len(b) == 0 {
			b = []byte{0}
			mu.Lock()
			defer mu.Unlock()
			return v.f.err(onThread(func() C.int { return C.nc_put_att_text(v.f.id, v.id, cs, 0, (*C.char)(unsafe.Pointer(&b[0]))) }), "write attribute", v.Name+":"+name)
		}
		return put(C.NC_CHAR, len(b), unsafe.Pointer(&b[0]))
	case float64:
		return put(C.NC_DOUBLE, 1, unsafe.Pointer(&x))
	case []float64:
		if len(x) == 0 {
			return v.attrTypeErr(name, value)
		}
		return put(C.NC_DOUBLE, len(x), unsafe.Pointer(&x[0]))
	case float32:
		return put(C.NC_FLOAT, 1, unsafe.Pointer(&x))
	case []float32:
		if len(x) == 0 {
			return v.attrTypeErr(name, value)
		}
		return put(C.NC_FLOAT, len(x), unsafe.Pointer(&x[0]))
	case int:
		y := int32(x)
		if int(y) != x {
			i64 := int64(x)
			return put(C.NC_INT64, 1, unsafe.Pointer(&i64))
		}
		return put(C.NC_INT, 1, unsafe.Pointer(&y))
	case int32:
		return put(C.NC_INT, 1, unsafe.Pointer(&x))
	case []int32:
		if len(x) == 0 {
			return v.attrTypeErr(name, value)
		}
		return put(C.NC_INT, len(x), unsafe.Pointer(&x[0]))
	case []int:
		if len(x) == 0 {
			return v.attrTypeErr(name, value)
		}
		y := make([]int32, len(x))
		for i, e := range x {
			y[i] = int32(e)
			if int(y[i]) != e {
				return &Error{Code: int(C.NC_ERANGE), Msg: fmt.Sprintf("value %d does not fit an int attribute", e), Op: "write attribute", Path: v.f.path, Name: v.Name + ":" + name}
			}
		}
		return put(C.NC_INT, len(y), unsafe.Pointer(&y[0]))
	case int64:
		return put(C.NC_INT64, 1, unsafe.Pointer(&x))
	case []int64:
		if len(x) == 0 {
			return v.attrTypeErr(name, value)
		}
		return put(C.NC_INT64, len(x), unsafe.Pointer(&x[0]))
	}
	return v.attrTypeErr(name, value)
}

func (v Var) attrTypeErr(name string, value any) error {
	return &Error{Code: int(C.NC_EBADTYPE), Msg: fmt.Sprintf("unsupported or empty attribute value of type %T", value), Op: "write attribute", Path: v.f.path, Name: v.Name + ":" + name}
}

// attrInfo returns an attribute's type and length.
func (v Var) attrInfo(cs *C.char, name string) (Type, int, error) {
	var t C.nc_type
	var n C.size_t
	if err := v.f.err(onThread(func() C.int { return C.nc_inq_att(v.f.id, v.id, cs, &t, &n) }), "find attribute", v.Name+":"+name); err != nil {
		return 0, 0, err
	}
	return Type(t), int(n), nil
}

// HasAttr reports whether the attribute exists.
func (v Var) HasAttr(name string) bool {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	mu.Lock()
	defer mu.Unlock()
	_, _, err := v.attrInfo(cs, name)
	return err == nil
}

// AttrText reads a text (NC_CHAR) attribute.
func (v Var) AttrText(name string) (string, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	mu.Lock()
	defer mu.Unlock()
	t, n, err := v.attrInfo(cs, name)
	if err != nil {
		return "", err
	}
	if t != Char {
		return "", &Error{Code: int(C.NC_EBADTYPE), Msg: fmt.Sprintf("attribute is %s, want char", t), Op: "read attribute", Path: v.f.path, Name: v.Name + ":" + name}
	}
	if n == 0 {
		return "", nil
	}
	buf := make([]byte, n)
	if err := v.f.err(onThread(func() C.int { return C.nc_get_att_text(v.f.id, v.id, cs, (*C.char)(unsafe.Pointer(&buf[0]))) }), "read attribute", v.Name+":"+name); err != nil {
		return "", err
	}
	for len(buf) > 0 && buf[len(buf)-1] == 0 {
		buf = buf[:len(buf)-1]
	}
	return string(buf), nil
}

// AttrFloat64s reads a numeric attribute converted to float64.
func (v Var) AttrFloat64s(name string) ([]float64, error) {
	return numAttr[float64](v, name, func(cs *C.char, p unsafe.Pointer) C.int {
		return C.nc_get_att_double(v.f.id, v.id, cs, (*C.double)(p))
	})
}

// AttrInt64s reads an integer attribute converted to int64.
func (v Var) AttrInt64s(name string) ([]int64, error) {
	return numAttr[int64](v, name, func(cs *C.char, p unsafe.Pointer) C.int {
		return C.nc_get_att_longlong(v.f.id, v.id, cs, (*C.longlong)(p))
	})
}

// numAttr reads a numeric attribute with get (an nc_get_att_* call writing
// into p), under the library lock; a text attribute is an error.
func numAttr[T float64 | int64](v Var, name string, get func(cs *C.char, p unsafe.Pointer) C.int) ([]T, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	mu.Lock()
	defer mu.Unlock()
	t, n, err := v.attrInfo(cs, name)
	if err != nil {
		return nil, err
	}
	if t == Char {
		return nil, &Error{Code: int(C.NC_ECHAR), Msg: "attribute is text, want a number", Op: "read attribute", Path: v.f.path, Name: v.Name + ":" + name}
	}
	out := make([]T, n+1)
	if err := v.f.err(onThread(func() C.int { return get(cs, unsafe.Pointer(&out[0])) }), "read attribute", v.Name+":"+name); err != nil {
		return nil, err
	}
	return out[:n], nil
}
