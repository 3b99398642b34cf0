package mpi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests re-execute this test binary as MPI ranks: with childEnv set,
// TestMain runs childMain (the checks below, on every rank) instead of the
// tests.
const (
	childEnv  = "STILT_MPI_CHILD"
	expectEnv = "STILT_MPI_EXPECT_SIZE"
)

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
	case "bench":
		os.Exit(benchMain())
	default:
		os.Exit(childMain())
	}
	os.Exit(m.Run())
}

func childMain() int {
	want, _ := strconv.Atoi(os.Getenv(expectEnv))
	c, err := Init(ThreadFunneled)
	if err != nil {
		fmt.Println("FAIL init:", err)
		return 1
	}
	if err := childChecks(c, want); err != nil {
		fmt.Printf("FAIL rank %d: %v\n", c.Rank(), err)
		os.Stdout.Sync()
		c.Abort(3)
		return 3
	}
	if err := c.Finalize(); err != nil {
		fmt.Printf("FAIL rank %d: %v\n", c.Rank(), err)
		return 1
	}
	if !Finalized() {
		fmt.Printf("FAIL rank %d: not finalized\n", c.Rank())
		return 1
	}
	fmt.Printf("PASS rank %d of %d\n", c.Rank(), c.Size())
	return 0
}

// gen is deterministic test data distinct per seed.
func gen(seed, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 12345
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func childChecks(c *Comm, want int) error {
	if !Initialized() {
		return errors.New("Initialized() is false after Init")
	}
	if c.Size() != want || c.Rank() < 0 || c.Rank() >= c.Size() {
		return fmt.Errorf("rank %d size %d, expected size %d", c.Rank(), c.Size(), want)
	}
	if c.ThreadLevel() < ThreadFunneled {
		return fmt.Errorf("thread level %s", c.ThreadLevel())
	}
	if name, err := ProcessorName(); err != nil || name == "" {
		return fmt.Errorf("processor name %q: %v", name, err)
	}
	if v, err := LibraryVersion(); err != nil || !strings.Contains(v, "Open MPI") {
		return fmt.Errorf("library version %q: %v", v, err)
	}
	if err := c.Send(nil, c.Size(), 0); err == nil {
		return errors.New("Send to a rank out of range accepted")
	}
	// Default chunk size, then a tiny forced one so that every operation
	// below is split into many pieces (including exact multiples).
	for _, chunk := range []int{DefaultChunkSize, 64} {
		if err := c.SetChunkSize(chunk); err != nil {
			return err
		}
		if err := commChecks(c); err != nil {
			return fmt.Errorf("chunk size %d: %w", chunk, err)
		}
	}
	if err := c.SetChunkSize(8); err == nil {
		return errors.New("chunk size 8 accepted")
	}
	return c.Barrier()
}

func commChecks(c *Comm) error {
	r, n := c.Rank(), c.Size()
	ringLen := func(rank int) int { return 1000*rank + 13 }
	if n > 1 {
		// Ring: even ranks send first, odd ranks receive first.
		right, left := (r+1)%n, (r-1+n)%n
		send := func() error { return c.Send(gen(r, ringLen(r)), right, 7) }
		recv := func() error {
			got, st, err := c.Recv(left, 7)
			if err != nil {
				return err
			}
			if st.Source != left || st.Tag != 7 || st.Bytes != ringLen(left) || !bytes.Equal(got, gen(left, ringLen(left))) {
				return fmt.Errorf("ring: got %d bytes from %d tag %d (status bytes %d), expected %d from %d", len(got), st.Source, st.Tag, st.Bytes, ringLen(left), left)
			}
			return nil
		}
		steps := []func() error{send, recv}
		if r%2 == 1 {
			steps = []func() error{recv, send}
		}
		for _, f := range steps {
			if err := f(); err != nil {
				return fmt.Errorf("ring: %w", err)
			}
		}

		// Any source / any tag into rank 0, probing first.
		msgLen := func(rank int) int { return 40*rank - 40 } // 0, 40, 80, ...
		if r == 0 {
			seen := map[int]bool{}
			for k := 1; k < n; k++ {
				var st Status
				deadline := time.Now().Add(60 * time.Second)
				for {
					s, ok, err := c.Iprobe(AnySource, AnyTag)
					if err != nil {
						return err
					}
					if ok {
						st = s
						break
					}
					if time.Now().After(deadline) {
						return errors.New("Iprobe: no message within 60 s")
					}
					time.Sleep(time.Millisecond)
				}
				p, err := c.Probe(st.Source, st.Tag)
				if err != nil {
					return err
				}
				if p != st {
					return fmt.Errorf("Probe %+v differs from Iprobe %+v", p, st)
				}
				wantBytes := msgLen(st.Source)
				if wantBytes >= c.ChunkSize() {
					wantBytes = -1
				}
				if st.Bytes != wantBytes {
					return fmt.Errorf("probe of rank %d's message: %d bytes, expected %d", st.Source, st.Bytes, wantBytes)
				}
				got, rs, err := c.Recv(st.Source, AnyTag)
				if err != nil {
					return err
				}
				if rs.Tag != 100+rs.Source || rs.Source != st.Source || !bytes.Equal(got, gen(rs.Source+500, msgLen(rs.Source))) || seen[rs.Source] {
					return fmt.Errorf("any-source: bad message from %d tag %d (%d bytes)", rs.Source, rs.Tag, len(got))
				}
				seen[rs.Source] = true
			}
		} else if err := c.Send(gen(r+500, msgLen(r)), 0, 100+r); err != nil {
			return err
		}
	}

	// Bcast from the last rank, a long and an empty payload.
	for _, size := range []int{10_007, 0, 128} {
		root := n - 1
		var data []byte
		if r == root {
			data = gen(99+size, size)
		}
		got, err := c.Bcast(data, root)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, gen(99+size, size)) {
			return fmt.Errorf("bcast of %d bytes: got %d bytes, content differs", size, len(got))
		}
	}

	// Scatterv from rank 0: rank i gets 300*i+5 bytes, rank 1 gets none.
	partLen := func(i int) int {
		if i == 1 {
			return 0
		}
		return 300*i + 5
	}
	var parts [][]byte
	if r == 0 {
		for i := 0; i < n; i++ {
			parts = append(parts, gen(i+1, partLen(i)))
		}
	}
	mine, err := c.Scatterv(parts, 0)
	if err != nil {
		return err
	}
	if !bytes.Equal(mine, gen(r+1, partLen(r))) {
		return fmt.Errorf("scatterv: rank %d got %d bytes, expected %d", r, len(mine), partLen(r))
	}
	// A root with the wrong number of parts: every rank gets an error.
	var wrong [][]byte
	if r == 0 {
		wrong = make([][]byte, n+1)
	}
	if _, err := c.Scatterv(wrong, 0); err == nil {
		return errors.New("scatterv with wrong part count accepted")
	}

	// Gatherv to the last rank.
	all, err := c.Gatherv(gen(r+50, 200*r+1), n-1)
	if err != nil {
		return err
	}
	if r == n-1 {
		if len(all) != n {
			return fmt.Errorf("gatherv: %d parts", len(all))
		}
		for i, p := range all {
			if !bytes.Equal(p, gen(i+50, 200*i+1)) {
				return fmt.Errorf("gatherv: part %d has %d bytes, content differs", i, len(p))
			}
		}
	} else if all != nil {
		return errors.New("gatherv: non-root got parts")
	}
	return c.Barrier()
}

func TestPiecesAndRounds(t *testing.T) {
	for _, tc := range []struct {
		total int64
		chunk int
		want  int
	}{{0, 10, 0}, {1, 10, 1}, {10, 10, 1}, {11, 10, 2}, {95, 10, 10}} {
		ps := pieces(tc.total, tc.chunk)
		if len(ps) != tc.want {
			t.Fatalf("pieces(%d,%d): %d pieces, want %d", tc.total, tc.chunk, len(ps), tc.want)
		}
		var next int64
		for _, p := range ps {
			if p.off != next || p.n < 1 || p.n > tc.chunk {
				t.Fatalf("pieces(%d,%d): bad piece %+v", tc.total, tc.chunk, p)
			}
			next += int64(p.n)
		}
		if next != tc.total {
			t.Fatalf("pieces(%d,%d) cover %d", tc.total, tc.chunk, next)
		}
	}
	for _, tc := range []struct {
		lengths []int64
		chunk   int
	}{{[]int64{0, 0, 0}, 16}, {[]int64{5, 0, 40, 16}, 16}, {[]int64{100}, 7}, {[]int64{1, 1, 1, 1, 1}, 2}, {[]int64{3 << 31, 5, 1 << 31}, 1 << 30}} {
		rs := rounds(tc.lengths, tc.chunk)
		sum := make([]int64, len(tc.lengths))
		var total int64
		for _, l := range tc.lengths {
			total += l
		}
		for _, round := range rs {
			var s int64
			for i, c := range round {
				if c < 0 {
					t.Fatalf("negative count")
				}
				sum[i] += int64(c)
				s += int64(c)
			}
			if s > int64(tc.chunk) || s == 0 {
				t.Fatalf("round total %d, chunk %d", s, tc.chunk)
			}
		}
		for i := range sum {
			if sum[i] != tc.lengths[i] {
				t.Fatalf("lengths %v: rank %d moved %d", tc.lengths, i, sum[i])
			}
		}
		// Greedy filling leaves no round short except the last.
		if wantRounds := (total + int64(tc.chunk) - 1) / int64(tc.chunk); int64(len(rs)) != wantRounds {
			t.Fatalf("lengths %v chunk %d: %d rounds, want %d", tc.lengths, tc.chunk, len(rs), wantRounds)
		}
	}
}

func runRanks(t *testing.T, n int, launcher bool, extra ...string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	if launcher {
		mpirun, err := exec.LookPath("mpirun")
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("mpirun not found in CI: %v", err)
			}
			t.Skipf("mpirun not installed: %v", err)
		}
		args := append([]string{"-n", strconv.Itoa(n), "--bind-to", "none", "--mca", "mpi_yield_when_idle", "1"}, extra...)
		args = append(args, "-x", childEnv+"=1", "-x", expectEnv+"="+strconv.Itoa(n), self, "-test.run=^$")
		cmd = exec.CommandContext(ctx, mpirun, args...)
	} else {
		cmd = exec.CommandContext(ctx, self, "-test.run=^$")
	}
	cmd.Env = append(os.Environ(), childEnv+"=1", expectEnv+"="+strconv.Itoa(n),
		"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	for r := 0; r < n; r++ {
		if want := fmt.Sprintf("PASS rank %d of %d", r, n); !bytes.Contains(out, []byte(want)) {
			t.Fatalf("missing %q in output:\n%s", want, out)
		}
	}
}

func TestSingleton(t *testing.T)            { runRanks(t, 1, false) }
func TestMpirun2(t *testing.T)              { runRanks(t, 2, true) }
func TestMpirun4Oversubscribe(t *testing.T) { runRanks(t, 4, true, "--oversubscribe") }
