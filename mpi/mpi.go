package mpi

/*
#cgo pkg-config: ompi-c
#include <mpi.h>
#include <stdlib.h>

// Small wrappers: MPI handles are macros whose kind differs between MPI
// implementations (addresses in Open MPI, integers in MPICH).
static MPI_Comm stilt_world(void) { return MPI_COMM_WORLD; }
static int stilt_any_source(void) { return MPI_ANY_SOURCE; }
static int stilt_any_tag(void) { return MPI_ANY_TAG; }
static int stilt_success(void) { return MPI_SUCCESS; }
static int stilt_thread_single(void) { return MPI_THREAD_SINGLE; }
static int stilt_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static int stilt_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static int stilt_thread_multiple(void) { return MPI_THREAD_MULTIPLE; }

static int stilt_init_thread(int required, int *provided) {
	return MPI_Init_thread(NULL, NULL, required, provided);
}
static int stilt_errors_return(MPI_Comm comm) {
	return MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
}
static int stilt_send(void *buf, int count, int dest, int tag, MPI_Comm comm) {
	return MPI_Send(buf, count, MPI_BYTE, dest, tag, comm);
}
static int stilt_recv(void *buf, int count, int src, int tag, MPI_Comm comm, int *osrc, int *otag, int *ocount) {
	MPI_Status st;
	int rc = MPI_Recv(buf, count, MPI_BYTE, src, tag, comm, &st);
	if (rc != MPI_SUCCESS) return rc;
	*osrc = st.MPI_SOURCE;
	*otag = st.MPI_TAG;
	return MPI_Get_count(&st, MPI_BYTE, ocount);
}
static int stilt_probe(int src, int tag, MPI_Comm comm, int *osrc, int *otag, int *ocount) {
	MPI_Status st;
	int rc = MPI_Probe(src, tag, comm, &st);
	if (rc != MPI_SUCCESS) return rc;
	*osrc = st.MPI_SOURCE;
	*otag = st.MPI_TAG;
	return MPI_Get_count(&st, MPI_BYTE, ocount);
}
static int stilt_iprobe(int src, int tag, MPI_Comm comm, int *flag, int *osrc, int *otag, int *ocount) {
	MPI_Status st;
	int rc = MPI_Iprobe(src, tag, comm, flag, &st);
	if (rc != MPI_SUCCESS || !*flag) return rc;
	*osrc = st.MPI_SOURCE;
	*otag = st.MPI_TAG;
	return MPI_Get_count(&st, MPI_BYTE, ocount);
}
// Matched probe and receive: the probed message is the one received.
static int stilt_mprobe(int src, int tag, MPI_Comm comm, MPI_Message *msg, int *osrc, int *otag, int *ocount) {
	MPI_Status st;
	int rc = MPI_Mprobe(src, tag, comm, msg, &st);
	if (rc != MPI_SUCCESS) return rc;
	*osrc = st.MPI_SOURCE;
	*otag = st.MPI_TAG;
	return MPI_Get_count(&st, MPI_BYTE, ocount);
}
static int stilt_mrecv(void *buf, int count, MPI_Message *msg) {
	return MPI_Mrecv(buf, count, MPI_BYTE, msg, MPI_STATUS_IGNORE);
}
static int stilt_bcast(void *buf, int count, int root, MPI_Comm comm) {
	return MPI_Bcast(buf, count, MPI_BYTE, root, comm);
}
static int stilt_allgather(void *sbuf, void *rbuf, int count, MPI_Comm comm) {
	return MPI_Allgather(sbuf, count, MPI_BYTE, rbuf, count, MPI_BYTE, comm);
}
static int stilt_scatterv(void *sbuf, int *counts, int *displs, void *rbuf, int rcount, int root, MPI_Comm comm) {
	return MPI_Scatterv(sbuf, counts, displs, MPI_BYTE, rbuf, rcount, MPI_BYTE, root, comm);
}
static int stilt_gatherv(void *sbuf, int scount, void *rbuf, int *counts, int *displs, int root, MPI_Comm comm) {
	return MPI_Gatherv(sbuf, scount, MPI_BYTE, rbuf, counts, displs, MPI_BYTE, root, comm);
}
static int stilt_processor_name(char *name, int *len) { return MPI_Get_processor_name(name, len); }
static int stilt_max_processor_name(void) { return MPI_MAX_PROCESSOR_NAME; }
static int stilt_max_library_version(void) { return MPI_MAX_LIBRARY_VERSION_STRING; }
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// ThreadLevel is an MPI thread support level.
type ThreadLevel int

const (
	ThreadSingle ThreadLevel = iota
	ThreadFunneled
	ThreadSerialized
	ThreadMultiple
)

func (l ThreadLevel) String() string {
	switch l {
	case ThreadSingle:
		return "single"
	case ThreadFunneled:
		return "funneled"
	case ThreadSerialized:
		return "serialized"
	case ThreadMultiple:
		return "multiple"
	}
	return fmt.Sprintf("ThreadLevel(%d)", int(l))
}

func (l ThreadLevel) c() C.int {
	switch l {
	case ThreadSingle:
		return C.stilt_thread_single()
	case ThreadSerialized:
		return C.stilt_thread_serialized()
	case ThreadMultiple:
		return C.stilt_thread_multiple()
	}
	return C.stilt_thread_funneled()
}

func levelFromC(v C.int) ThreadLevel {
	switch v {
	case C.stilt_thread_single():
		return ThreadSingle
	case C.stilt_thread_serialized():
		return ThreadSerialized
	case C.stilt_thread_multiple():
		return ThreadMultiple
	}
	return ThreadFunneled
}

// AnySource and AnyTag match any sender and any tag in Recv and the probes.
var (
	AnySource = int(C.stilt_any_source())
	AnyTag    = int(C.stilt_any_tag())
)

// DefaultChunkSize is the largest piece moved by one MPI call (256 MiB).
const DefaultChunkSize = 1 << 28

// minChunkSize keeps room for the 8-byte length header of a chunked Send.
const minChunkSize = 16

// Comm is the world communicator. Its methods must be called from the
// goroutine that called Init (see the package documentation).
type Comm struct {
	c        C.MPI_Comm
	rank     int
	size     int
	provided ThreadLevel
	chunk    int
}

// Status describes a received or probed message.
type Status struct {
	Source int
	Tag    int
	// Bytes is the payload size. For a chunked message (payload of at least
	// ChunkSize bytes) a probe cannot know it and reports -1; Recv reports
	// the full size.
	Bytes int
}

func errorString(rc C.int) string {
	buf := make([]byte, 1024) // > MPI_MAX_ERROR_STRING
	var n C.int
	if C.MPI_Error_string(rc, (*C.char)(unsafe.Pointer(&buf[0])), &n) != C.stilt_success() || n <= 0 {
		return fmt.Sprintf("MPI error %d", int(rc))
	}
	return string(buf[:n])
}

func check(rc C.int, op string, args ...any) error {
	if rc == C.stilt_success() {
		return nil
	}
	return fmt.Errorf("mpi: %s: %s", fmt.Sprintf(op, args...), errorString(rc))
}

func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func intPtr(v []C.int) *C.int {
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}

// Initialized reports whether MPI_Init has been called.
func Initialized() bool {
	var f C.int
	C.MPI_Initialized(&f)
	return f != 0
}

// Finalized reports whether MPI_Finalize has been called.
func Finalized() bool {
	var f C.int
	C.MPI_Finalized(&f)
	return f != 0
}

// Init locks the calling goroutine to its OS thread, initialises MPI with
// the requested thread level and returns the world communicator. Provided
// levels below the request are an error (FUNNELED is enough for the
// one-goroutine design). Init may be called once per process.
func Init(level ThreadLevel) (*Comm, error) {
	if Initialized() {
		return nil, errors.New("mpi: Init: MPI is already initialised")
	}
	runtime.LockOSThread()
	var provided C.int
	if err := check(C.stilt_init_thread(level.c(), &provided), "MPI_Init_thread(%s)", level); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	c := &Comm{c: C.stilt_world(), provided: levelFromC(provided), chunk: DefaultChunkSize}
	if err := check(C.stilt_errors_return(c.c), "MPI_Comm_set_errhandler"); err != nil {
		return nil, err
	}
	if c.provided < level {
		return c, fmt.Errorf("mpi: Init: thread level %s requested, the library provides %s", level, c.provided)
	}
	var r, s C.int
	if err := check(C.MPI_Comm_rank(c.c, &r), "MPI_Comm_rank"); err != nil {
		return nil, err
	}
	if err := check(C.MPI_Comm_size(c.c, &s), "MPI_Comm_size"); err != nil {
		return nil, err
	}
	c.rank, c.size = int(r), int(s)
	return c, nil
}

// Rank returns this process's rank in the world communicator.
func (c *Comm) Rank() int { return c.rank }

// Size returns the number of ranks.
func (c *Comm) Size() int { return c.size }

// ThreadLevel returns the thread level the library provided.
func (c *Comm) ThreadLevel() ThreadLevel { return c.provided }

// ChunkSize returns the largest piece moved by one MPI call.
func (c *Comm) ChunkSize() int { return c.chunk }

// SetChunkSize changes the piece size (for tests of the chunking logic).
// Every rank must set the same value before communicating.
func (c *Comm) SetChunkSize(n int) error {
	if n < minChunkSize || n > math.MaxInt32 {
		return fmt.Errorf("mpi: chunk size %d: expected %d..%d", n, minChunkSize, math.MaxInt32)
	}
	c.chunk = n
	return nil
}

func (c *Comm) checkRank(r int, what string, allowAny bool) error {
	if allowAny && r == AnySource {
		return nil
	}
	if r < 0 || r >= c.size {
		return fmt.Errorf("mpi: %s rank %d: expected 0..%d", what, r, c.size-1)
	}
	return nil
}

func checkTag(tag int, allowAny bool) error {
	if allowAny && tag == AnyTag {
		return nil
	}
	if tag < 0 {
		return fmt.Errorf("mpi: tag %d: expected >= 0", tag)
	}
	return nil
}

// Send sends buf to rank dest with tag (blocking; buf may be reused when it
// returns). Payloads of ChunkSize bytes or more are chunked.
func (c *Comm) Send(buf []byte, dest, tag int) error {
	if err := c.checkRank(dest, "Send to", false); err != nil {
		return err
	}
	if err := checkTag(tag, false); err != nil {
		return err
	}
	if len(buf) < c.chunk {
		return check(C.stilt_send(ptr(buf), C.int(len(buf)), C.int(dest), C.int(tag), c.c), "Send %d bytes to rank %d tag %d", len(buf), dest, tag)
	}
	first := make([]byte, c.chunk)
	binary.LittleEndian.PutUint64(first, uint64(len(buf)))
	copy(first[8:], buf)
	if err := check(C.stilt_send(ptr(first), C.int(len(first)), C.int(dest), C.int(tag), c.c), "Send first piece of %d bytes to rank %d tag %d", len(buf), dest, tag); err != nil {
		return err
	}
	for _, p := range pieces(int64(len(buf)-(c.chunk-8)), c.chunk) {
		piece := buf[int64(c.chunk-8)+p.off : int64(c.chunk-8)+p.off+int64(p.n)]
		if err := check(C.stilt_send(ptr(piece), C.int(p.n), C.int(dest), C.int(tag), c.c), "Send piece at %d of %d bytes to rank %d tag %d", p.off, len(buf), dest, tag); err != nil {
			return err
		}
	}
	return nil
}

// Recv receives the next message from source (or AnySource) with tag (or
// AnyTag), whatever its size, and returns it with its actual source and tag.
func (c *Comm) Recv(source, tag int) ([]byte, Status, error) {
	if err := c.checkRank(source, "Recv from", true); err != nil {
		return nil, Status{}, err
	}
	if err := checkTag(tag, true); err != nil {
		return nil, Status{}, err
	}
	var msg C.MPI_Message
	var src, tg, cnt C.int
	if err := check(C.stilt_mprobe(C.int(source), C.int(tag), c.c, &msg, &src, &tg, &cnt), "Mprobe source %d tag %d", source, tag); err != nil {
		return nil, Status{}, err
	}
	st := Status{Source: int(src), Tag: int(tg), Bytes: int(cnt)}
	first := make([]byte, int(cnt))
	if err := check(C.stilt_mrecv(ptr(first), cnt, &msg), "Mrecv %d bytes from rank %d tag %d", int(cnt), st.Source, st.Tag); err != nil {
		return nil, st, err
	}
	if int(cnt) < c.chunk {
		return first, st, nil
	}
	if int(cnt) != c.chunk {
		return nil, st, fmt.Errorf("mpi: Recv from rank %d tag %d: message of %d bytes exceeds the chunk size %d (ranks disagree on ChunkSize?)", st.Source, st.Tag, int(cnt), c.chunk)
	}
	total := binary.LittleEndian.Uint64(first)
	if total < uint64(c.chunk) || total > math.MaxInt {
		return nil, st, fmt.Errorf("mpi: Recv from rank %d tag %d: chunked message header gives %d bytes, expected at least %d", st.Source, st.Tag, total, c.chunk)
	}
	out := make([]byte, int(total))
	head := copy(out, first[8:])
	for _, p := range pieces(int64(total)-int64(head), c.chunk) {
		dst := out[int64(head)+p.off : int64(head)+p.off+int64(p.n)]
		var s2, t2, n2 C.int
		if err := check(C.stilt_recv(ptr(dst), C.int(p.n), C.int(st.Source), C.int(st.Tag), c.c, &s2, &t2, &n2),
			"Recv piece at %d of %d bytes from rank %d tag %d", p.off, total, st.Source, st.Tag); err != nil {
			return nil, st, err
		}
		if int(n2) != p.n {
			return nil, st, fmt.Errorf("mpi: Recv from rank %d tag %d: piece at %d has %d bytes, expected %d", st.Source, st.Tag, p.off, int(n2), p.n)
		}
	}
	st.Bytes = int(total)
	return out, st, nil
}

func (c *Comm) probeStatus(src, tg, cnt C.int) Status {
	st := Status{Source: int(src), Tag: int(tg), Bytes: int(cnt)}
	if st.Bytes >= c.chunk {
		st.Bytes = -1
	}
	return st
}

// Probe blocks until a message from source (or AnySource) with tag (or
// AnyTag) is available and describes it without receiving it.
func (c *Comm) Probe(source, tag int) (Status, error) {
	if err := c.checkRank(source, "Probe", true); err != nil {
		return Status{}, err
	}
	if err := checkTag(tag, true); err != nil {
		return Status{}, err
	}
	var src, tg, cnt C.int
	if err := check(C.stilt_probe(C.int(source), C.int(tag), c.c, &src, &tg, &cnt), "Probe source %d tag %d", source, tag); err != nil {
		return Status{}, err
	}
	return c.probeStatus(src, tg, cnt), nil
}

// Iprobe is Probe without blocking: ok is false when no message matches yet.
func (c *Comm) Iprobe(source, tag int) (st Status, ok bool, err error) {
	if err := c.checkRank(source, "Iprobe", true); err != nil {
		return Status{}, false, err
	}
	if err := checkTag(tag, true); err != nil {
		return Status{}, false, err
	}
	var flag, src, tg, cnt C.int
	if err := check(C.stilt_iprobe(C.int(source), C.int(tag), c.c, &flag, &src, &tg, &cnt), "Iprobe source %d tag %d", source, tag); err != nil {
		return Status{}, false, err
	}
	if flag == 0 {
		return Status{}, false, nil
	}
	return c.probeStatus(src, tg, cnt), true, nil
}

// Bcast broadcasts buf from root. Every rank calls it; on root buf is the
// data, elsewhere it is ignored. Every rank returns the data (root returns
// buf itself).
func (c *Comm) Bcast(buf []byte, root int) ([]byte, error) {
	if err := c.checkRank(root, "Bcast root", false); err != nil {
		return nil, err
	}
	hdr := make([]byte, 8)
	if c.rank == root {
		binary.LittleEndian.PutUint64(hdr, uint64(len(buf)))
	}
	if err := check(C.stilt_bcast(ptr(hdr), 8, C.int(root), c.c), "Bcast length from root %d", root); err != nil {
		return nil, err
	}
	total := binary.LittleEndian.Uint64(hdr)
	if total > math.MaxInt {
		return nil, fmt.Errorf("mpi: Bcast from root %d: length %d too large", root, total)
	}
	out := buf
	if c.rank != root {
		out = make([]byte, int(total))
	}
	for _, p := range pieces(int64(total), c.chunk) {
		if err := check(C.stilt_bcast(ptr(out[p.off:p.off+int64(p.n)]), C.int(p.n), C.int(root), c.c), "Bcast piece at %d of %d bytes from root %d", p.off, total, root); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// allLengths shares one int64 per rank with every rank.
func (c *Comm) allLengths(n int64) ([]int64, error) {
	send := make([]byte, 8)
	binary.LittleEndian.PutUint64(send, uint64(n))
	recv := make([]byte, 8*c.size)
	if err := check(C.stilt_allgather(ptr(send), ptr(recv), 8, c.c), "Allgather lengths"); err != nil {
		return nil, err
	}
	out := make([]int64, c.size)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(recv[8*i:]))
	}
	return out, nil
}

// Scatterv sends parts[i] from root to rank i. Every rank calls it; parts
// matters only on root and must have Size() elements. Each rank returns its
// part. If root's parts are invalid every rank returns an error.
func (c *Comm) Scatterv(parts [][]byte, root int) ([]byte, error) {
	if err := c.checkRank(root, "Scatterv root", false); err != nil {
		return nil, err
	}
	// Root broadcasts [valid, len_0, ..., len_{n-1}].
	hdr := make([]byte, 8*(c.size+1))
	if c.rank == root && len(parts) == c.size {
		binary.LittleEndian.PutUint64(hdr, 1)
		for i, p := range parts {
			binary.LittleEndian.PutUint64(hdr[8*(i+1):], uint64(len(p)))
		}
	}
	if err := check(C.stilt_bcast(ptr(hdr), C.int(len(hdr)), C.int(root), c.c), "Scatterv lengths from root %d", root); err != nil {
		return nil, err
	}
	if binary.LittleEndian.Uint64(hdr) != 1 {
		return nil, fmt.Errorf("mpi: Scatterv from root %d: root has %d parts, expected %d (one per rank)", root, len(parts), c.size)
	}
	lengths := make([]int64, c.size)
	for i := range lengths {
		lengths[i] = int64(binary.LittleEndian.Uint64(hdr[8*(i+1):]))
	}
	out := make([]byte, lengths[c.rank])
	offs := make([]int64, c.size) // bytes of each part already moved
	for _, round := range rounds(lengths, c.chunk) {
		counts := make([]C.int, c.size)
		displs := make([]C.int, c.size)
		var stage []byte
		total := 0
		for i, n := range round {
			counts[i], displs[i] = C.int(n), C.int(total)
			total += n
		}
		if c.rank == root {
			stage = make([]byte, 0, total)
			for i, n := range round {
				stage = append(stage, parts[i][offs[i]:offs[i]+int64(n)]...)
			}
		}
		me := round[c.rank]
		dst := out[offs[c.rank] : offs[c.rank]+int64(me)]
		var sp unsafe.Pointer
		var cp, dp *C.int
		if c.rank == root {
			sp, cp, dp = ptr(stage), intPtr(counts), intPtr(displs)
		}
		if err := check(C.stilt_scatterv(sp, cp, dp, ptr(dst), C.int(me), C.int(root), c.c), "Scatterv round from root %d", root); err != nil {
			return nil, err
		}
		for i, n := range round {
			offs[i] += int64(n)
		}
	}
	return out, nil
}

// Gatherv collects every rank's part on root, which returns them indexed by
// rank; other ranks return nil.
func (c *Comm) Gatherv(part []byte, root int) ([][]byte, error) {
	if err := c.checkRank(root, "Gatherv root", false); err != nil {
		return nil, err
	}
	lengths, err := c.allLengths(int64(len(part)))
	if err != nil {
		return nil, err
	}
	var out [][]byte
	if c.rank == root {
		out = make([][]byte, c.size)
		for i, n := range lengths {
			out[i] = make([]byte, 0, n)
		}
	}
	var sent int64
	for _, round := range rounds(lengths, c.chunk) {
		counts := make([]C.int, c.size)
		displs := make([]C.int, c.size)
		total := 0
		for i, n := range round {
			counts[i], displs[i] = C.int(n), C.int(total)
			total += n
		}
		me := round[c.rank]
		src := part[sent : sent+int64(me)]
		var stage []byte
		var rp unsafe.Pointer
		var cp, dp *C.int
		if c.rank == root {
			stage = make([]byte, total)
			rp, cp, dp = ptr(stage), intPtr(counts), intPtr(displs)
		}
		if err := check(C.stilt_gatherv(ptr(src), C.int(me), rp, cp, dp, C.int(root), c.c), "Gatherv round to root %d", root); err != nil {
			return nil, err
		}
		sent += int64(me)
		if c.rank == root {
			for i, n := range round {
				out[i] = append(out[i], stage[int(displs[i]):int(displs[i])+n]...)
			}
		}
	}
	return out, nil
}

// Barrier blocks until every rank has called it.
func (c *Comm) Barrier() error { return check(C.MPI_Barrier(c.c), "Barrier") }

// Abort terminates every rank of the job with the given exit code.
func (c *Comm) Abort(code int) error { return check(C.MPI_Abort(c.c, C.int(code)), "Abort(%d)", code) }

// Finalize shuts MPI down and unlocks the OS thread locked by Init.
func (c *Comm) Finalize() error {
	err := check(C.MPI_Finalize(), "Finalize")
	runtime.UnlockOSThread()
	return err
}

// ProcessorName returns MPI_Get_processor_name (usually the host name).
func ProcessorName() (string, error) {
	buf := make([]byte, int(C.stilt_max_processor_name())+1)
	var n C.int
	if err := check(C.stilt_processor_name((*C.char)(unsafe.Pointer(&buf[0])), &n), "Get_processor_name"); err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// LibraryVersion returns MPI_Get_library_version (e.g. "Open MPI v4.1.4, ...").
// It may be called before Init.
func LibraryVersion() (string, error) {
	buf := make([]byte, int(C.stilt_max_library_version())+1)
	var n C.int
	if err := check(C.MPI_Get_library_version((*C.char)(unsafe.Pointer(&buf[0])), &n), "Get_library_version"); err != nil {
		return "", err
	}
	// The length counts the trailing NUL: read up to it.
	return C.GoString((*C.char)(unsafe.Pointer(&buf[0]))), nil
}
