package footprint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"time"
)

// Binary encoding of a Grid (MarshalBinary), version 1, little-endian:
//
//	"STFP" 0x01
//	float64 ×7   xmin xmax ymin ymax xres yres smooth_factor
//	string       projection            (uvarint length + bytes)
//	byte         flags                 (bit 0: time_integrate)
//	time         receptor time         (varint Unix seconds + uvarint nanoseconds)
//	uvarint      N
//	string       empty reason
//	uvarint nx, float64 ×nx  X;  uvarint ny, float64 ×ny  Y
//	uvarint nt, then per layer: varint layer, time label
//	uvarint nnz, then per non-zero cell in (layer, y, x) order:
//	             uvarint gap to the previous linear index (+1), float64 value
//	uint32       CRC-32 (IEEE) of everything before it
//
// The encoding is deterministic: equal Grids give equal bytes.
const encMagic = "STFP\x01"

// maxCells bounds the dense size UnmarshalBinary will allocate.
const maxCells = 1 << 31

type encoder struct{ b []byte }

func (e *encoder) f64(v float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *encoder) uv(v uint64)   { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) iv(v int64)    { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) str(s string)  { e.uv(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) tm(t time.Time) {
	e.iv(t.Unix())
	e.uv(uint64(t.Nanosecond()))
}

// MarshalBinary encodes the grid compactly (sparse cells) with a trailing
// CRC-32.
func (g *Grid) MarshalBinary() ([]byte, error) {
	nx, ny, nt := len(g.X), len(g.Y), len(g.Times)
	if len(g.Data) != nx*ny*nt || len(g.Layers) != nt {
		return nil, fmt.Errorf("footprint: marshal: inconsistent grid (%d x %d x %d cells, %d layers, %d data)", nt, ny, nx, len(g.Layers), len(g.Data))
	}
	e := &encoder{b: make([]byte, 0, 128+8*(nx+ny)+16*g.NonZero())}
	e.b = append(e.b, encMagic...)
	for _, v := range []float64{g.Xmin, g.Xmax, g.Ymin, g.Ymax, g.Xres, g.Yres, g.SmoothFactor} {
		e.f64(v)
	}
	e.str(g.Projection)
	var flags byte
	if g.TimeIntegrate {
		flags |= 1
	}
	e.b = append(e.b, flags)
	e.tm(g.ReceptorTime)
	e.uv(uint64(g.N))
	e.str(g.EmptyReason)
	e.uv(uint64(nx))
	for _, v := range g.X {
		e.f64(v)
	}
	e.uv(uint64(ny))
	for _, v := range g.Y {
		e.f64(v)
	}
	e.uv(uint64(nt))
	for k := range g.Times {
		e.iv(int64(g.Layers[k]))
		e.tm(g.Times[k])
	}
	e.uv(uint64(g.NonZero()))
	prev := -1
	for i, v := range g.Data {
		if v != 0 {
			e.uv(uint64(i - prev))
			e.f64(v)
			prev = i
		}
	}
	e.b = binary.LittleEndian.AppendUint32(e.b, crc32.ChecksumIEEE(e.b))
	return e.b, nil
}

type decoder struct {
	b   []byte
	off int
	err error
}

var errTruncated = errors.New("truncated")

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = fmt.Errorf("%w at byte %d", err, d.off)
	}
}

func (d *decoder) f64() float64 {
	if d.err != nil || len(d.b)-d.off < 8 {
		d.fail(errTruncated)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.off:]))
	d.off += 8
	return v
}

func (d *decoder) uv() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) iv() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.off += n
	return v
}

// count reads a length that must leave room for at least min bytes each.
func (d *decoder) count(what string, min int) int {
	v := d.uv()
	if d.err == nil && v > uint64(len(d.b)-d.off)/uint64(min) {
		d.fail(fmt.Errorf("%s count %d exceeds the data", what, v))
		return 0
	}
	return int(v)
}

func (d *decoder) str() string {
	n := d.count("string", 1)
	if d.err != nil {
		return ""
	}
	s := string(d.b[d.off : d.off+n])
	d.off += n
	return s
}

func (d *decoder) tm() time.Time {
	s := d.iv()
	ns := d.uv()
	if ns >= 1e9 {
		d.fail(fmt.Errorf("nanoseconds %d out of range", ns))
	}
	return time.Unix(s, int64(ns)).UTC()
}

// UnmarshalBinary decodes MarshalBinary's encoding, verifying the checksum
// and every count and index.
func (g *Grid) UnmarshalBinary(b []byte) error {
	if len(b) < len(encMagic)+4 || string(b[:len(encMagic)]) != encMagic {
		return fmt.Errorf("footprint: unmarshal: not a version-1 footprint encoding")
	}
	body := b[:len(b)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return fmt.Errorf("footprint: unmarshal: checksum mismatch (corrupt data)")
	}
	d := &decoder{b: body, off: len(encMagic)}
	var out Grid
	for _, p := range []*float64{&out.Xmin, &out.Xmax, &out.Ymin, &out.Ymax, &out.Xres, &out.Yres, &out.SmoothFactor} {
		*p = d.f64()
	}
	out.Projection = d.str()
	if d.err == nil {
		if d.off >= len(body) {
			d.fail(errTruncated)
		} else {
			out.TimeIntegrate = body[d.off]&1 != 0
			d.off++
		}
	}
	out.ReceptorTime = d.tm()
	out.N = int(d.uv())
	out.EmptyReason = d.str()
	nx := d.count("x", 8)
	out.X = make([]float64, nx)
	for i := range out.X {
		out.X[i] = d.f64()
	}
	ny := d.count("y", 8)
	out.Y = make([]float64, ny)
	for i := range out.Y {
		out.Y[i] = d.f64()
	}
	nt := d.count("layer", 2)
	out.Layers = make([]int, nt)
	out.Times = make([]time.Time, nt)
	for k := 0; k < nt; k++ {
		out.Layers[k] = int(d.iv())
		out.Times[k] = d.tm()
	}
	if d.err != nil {
		return fmt.Errorf("footprint: unmarshal: %w", d.err)
	}
	total := uint64(nx) * uint64(ny) * uint64(nt)
	if total > maxCells {
		return fmt.Errorf("footprint: unmarshal: %d x %d x %d cells exceed the limit", nt, ny, nx)
	}
	out.Data = make([]float64, total)
	nnz := d.count("cell", 9)
	idx := int64(-1)
	for k := 0; k < nnz && d.err == nil; k++ {
		gap := d.uv()
		v := d.f64()
		if gap == 0 || gap > total || uint64(idx+1)+gap-1 >= total {
			d.fail(fmt.Errorf("cell %d: index gap %d out of range", k, gap))
			break
		}
		idx += int64(gap)
		out.Data[idx] = v
	}
	if d.err == nil && d.off != len(body) {
		d.fail(fmt.Errorf("%d trailing bytes", len(body)-d.off))
	}
	if d.err != nil {
		return fmt.Errorf("footprint: unmarshal: %w", d.err)
	}
	*g = out
	return nil
}
