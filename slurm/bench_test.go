package slurm_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/slurm"
	"github.com/stilt-mpi/stilt-mpi/slurm/slurmtest"
)

// BenchmarkGenerate measures rendering the scripts of a 64-size bench plan.
func BenchmarkGenerate(b *testing.B) {
	nodes := make([]int, 64)
	for i := range nodes {
		nodes[i] = i + 1
	}
	o := slurm.Options{Mode: slurm.ModeBench, BenchNodes: nodes, BenchDir: "/b", RunConfig: "/r.toml",
		Setup: []string{"module load openmpi"}, ExtraSBATCH: []string{"--exclusive"}}
	for b.Loop() {
		if _, err := slurm.Generate(o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJobRoundTrip measures submit -> COMPLETED of a trivial one-task
// mpi-mode job (the script's command is a stand-in, /bin/true) on the test
// cluster: the scheduling and launch overhead every job pays.
func BenchmarkJobRoundTrip(b *testing.B) {
	c := slurmtest.StartCluster(b, slurmtest.DefaultCPUs)
	dir := b.TempDir()
	scripts, err := slurm.Generate(slurm.Options{RunConfig: "/dev/null", Binary: "/bin/true", LogDir: dir, SignalGrace: -1})
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(dir, "job.sh")
	os.WriteFile(p, []byte(scripts[0].Text), 0o755)
	cl := &slurm.Client{Conf: c.Conf, PollInterval: 50 * time.Millisecond}
	b.ResetTimer()
	for b.Loop() {
		id, err := cl.Submit(p)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		st, err := cl.Wait(ctx, id)
		cancel()
		if err != nil || !st.OK() {
			b.Fatalf("job %s: %s %v", id, st.State, err)
		}
	}
}
