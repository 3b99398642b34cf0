package registry

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkCommitResult measures CommitResult throughput (one transaction
// per simulation: status row + one 50 kB footprint blob + checksum) with
// synchronous FULL (default) and NORMAL, one result per transaction or a
// group of 16 per transaction (CommitResults).
func BenchmarkCommitResult(b *testing.B) {
	const blobSize = 50_000
	for _, tc := range []struct {
		sync  string
		group int
	}{{"FULL", 1}, {"NORMAL", 1}, {"FULL", 16}} {
		sync := tc.sync
		b.Run(fmt.Sprintf("sync=%s/group=%d", sync, tc.group), func(b *testing.B) {
			ctx := context.Background()
			o := DefaultOptions()
			o.Synchronous = sync
			s, err := OpenWith(filepath.Join(b.TempDir(), "bench.sqlite"), o)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			sims := make([]Simulation, b.N)
			ids := make([]string, b.N)
			for i := range sims {
				ids[i] = fmt.Sprintf("sim%08d", i)
				sims[i] = Simulation{SimID: ids[i], Scene: "s", Met: "m", Cost: 1}
			}
			if _, err := s.Register(ctx, sims); err != nil {
				b.Fatal(err)
			}
			run, _ := s.BeginRun(ctx, RunInfo{Ranks: 1})
			if err := s.MarkRunning(ctx, ids, 1, "h", run.ID); err != nil {
				b.Fatal(err)
			}
			data := make([][]byte, 16)
			for i := range data {
				data[i] = blobData(i, blobSize)
			}
			b.SetBytes(blobSize)
			b.ResetTimer()
			for i := 0; i < b.N; i += tc.group {
				var rs []Result
				for j := i; j < i+tc.group && j < b.N; j++ {
					rs = append(rs, Result{SimID: ids[j], RunID: run.ID, Status: StatusComplete, Rank: 1,
						Host: "h", Engine: "native", TransportS: 1, FootprintS: 0.1,
						Blobs: []Blob{{Name: "foot", Data: data[j%len(data)]}}})
				}
				if err := s.CommitResults(ctx, rs); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "results/s")
		})
	}
}

// BenchmarkLoadBlobs measures reading back and verifying one 50 kB blob.
func BenchmarkLoadBlobs(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "bench.sqlite"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 200
	var sims []Simulation
	for i := 0; i < n; i++ {
		sims = append(sims, Simulation{SimID: fmt.Sprintf("sim%04d", i)})
	}
	s.Register(ctx, sims)
	for i := 0; i < n; i++ {
		if err := s.CommitResult(ctx, Result{SimID: sims[i].SimID, Status: StatusComplete,
			Blobs: []Blob{{Name: "foot", Data: blobData(i, 50_000)}}}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(50_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.LoadBlobs(ctx, sims[i%n].SimID); err != nil {
			b.Fatal(err)
		}
	}
}
