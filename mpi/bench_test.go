package mpi

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	benchItersEnv = "STILT_MPI_BENCH_ITERS"
	benchBytesEnv = "STILT_MPI_BENCH_BYTES"
)

// benchMain is the rank side of BenchmarkPingPong: rank 0 sends a payload to
// rank 1 and waits for it back, iters times, and prints the elapsed time.
func benchMain() int {
	iters, _ := strconv.Atoi(os.Getenv(benchItersEnv))
	size, _ := strconv.Atoi(os.Getenv(benchBytesEnv))
	c, err := Init(ThreadFunneled)
	if err != nil {
		fmt.Println("FAIL init:", err)
		return 1
	}
	buf := gen(1, size)
	c.Barrier()
	t0 := time.Now()
	for i := 0; i < iters; i++ {
		switch c.Rank() {
		case 0:
			if err := c.Send(buf, 1, 1); err != nil {
				fmt.Println("FAIL", err)
				c.Abort(2)
			}
			if _, _, err := c.Recv(1, 1); err != nil {
				fmt.Println("FAIL", err)
				c.Abort(2)
			}
		case 1:
			got, _, err := c.Recv(0, 1)
			if err == nil {
				err = c.Send(got, 0, 1)
			}
			if err != nil {
				fmt.Println("FAIL", err)
				c.Abort(2)
			}
		}
	}
	el := time.Since(t0)
	if c.Rank() == 0 {
		fmt.Printf("BENCH %d\n", el.Nanoseconds())
	}
	c.Finalize()
	return 0
}

// BenchmarkPingPong runs two ranks under mpirun and reports the round-trip
// time of Send+Recv for a few payload sizes, with Open MPI busy polling
// (yield=0, the default) or yielding the CPU while idle (yield=1). ns/op
// includes the launch; read ns/roundtrip and MB/s.
func BenchmarkPingPong(b *testing.B) {
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		b.Skipf("mpirun not installed: %v", err)
	}
	self, _ := os.Executable()
	for _, tc := range []struct{ size, yield int }{
		{1 << 10, 0}, {50_000, 0}, {1 << 20, 0}, {1 << 10, 1}, {50_000, 1}, {1 << 20, 1},
	} {
		size := tc.size
		b.Run(fmt.Sprintf("yield=%d/bytes=%d", tc.yield, size), func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, mpirun, "-n", "2", "--bind-to", "none",
				"--mca", "mpi_yield_when_idle", strconv.Itoa(tc.yield),
				"-x", childEnv+"=bench", "-x", benchItersEnv+"="+strconv.Itoa(b.N),
				"-x", benchBytesEnv+"="+strconv.Itoa(size), self, "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"=bench", benchItersEnv+"="+strconv.Itoa(b.N),
				benchBytesEnv+"="+strconv.Itoa(size), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
			var ns int64 = -1
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				if v, ok := strings.CutPrefix(sc.Text(), "BENCH "); ok {
					ns, _ = strconv.ParseInt(v, 10, 64)
				}
			}
			if ns < 0 {
				b.Fatalf("no timing in output:\n%s", out)
			}
			per := float64(ns) / float64(b.N)
			b.ReportMetric(per, "ns/roundtrip")
			b.ReportMetric(2*float64(size)/per*1e3, "MB/s")
		})
	}
}
