package batch

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/receptor"
	"github.com/stilt-mpi/stilt-mpi/registry"
)

// BenchmarkSinkCommit measures rank 0's throughput: results per second it
// can commit to the SQLite registry (one transaction per result, blob
// stored) with the scene bookkeeping, for footprint blobs of typical sizes
// (≈ 0.9 KB is what the integration batches store; 64 KB and 1 MB stand for
// large hourly footprints), one result per transaction (group=1, Commit)
// or 16 (CommitBatch, what rank 0 does with results waiting together).
// Scene files are not written here.
func BenchmarkSinkCommit(b *testing.B) {
	for _, tc := range []struct{ size, group int }{{1 << 10, 1}, {1 << 10, 16}, {64 << 10, 1}, {64 << 10, 16}, {1 << 20, 1}} {
		size, group := tc.size, tc.group
		b.Run(fmt.Sprintf("blob=%dKB/group=%d", size>>10, group), func(b *testing.B) {
			ctx := context.Background()
			store, err := registry.Open(filepath.Join(b.TempDir(), "registry.sqlite"))
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			n := b.N
			rows := make([]registry.Simulation, n)
			specs := make([]SimSpec, n)
			for i := range rows {
				id := fmt.Sprintf("syn_201905301000_%d", i)
				sc := fmt.Sprintf("scene%d", i%10)
				rows[i] = registry.Simulation{SimID: id, Scene: sc, ReceptorID: id[4:], Receptor: []byte(`{}`), Met: "syn/20190530", Cost: 1}
				specs[i] = SimSpec{ID: id, Scene: sc, Met: "syn"}
			}
			if _, err := store.Register(ctx, rows); err != nil {
				b.Fatal(err)
			}
			run, err := store.BeginRun(ctx, registry.RunInfo{Ranks: 1})
			if err != nil {
				b.Fatal(err)
			}
			st, err := newSceneState(&config.Config{}, store, specs, false)
			if err != nil {
				b.Fatal(err)
			}
			sink := &registrySink{store: store, runID: run.ID, host: "bench", scenes: st}
			blob := make([]byte, size)
			rand.New(rand.NewSource(1)).Read(blob)
			now := time.Now().UnixNano()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; i < n; i += group {
				rs := make([]Result, 0, group)
				for j := i; j < n && j < i+group; j++ {
					rs = append(rs, Result{SimID: specs[j].ID, Status: StatusComplete, Rank: j % 4, Host: "bench", Engine: "native",
						Started: now, Finished: now + 1e9, TransportSec: 0.8, FootprintSec: 0.2, Outputs: map[string][]byte{"f": blob}})
				}
				var err error
				if group == 1 {
					err = sink.Commit(rs[0])
				} else {
					err = sink.CommitBatch(rs)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "results/s")
		})
	}
}

// BenchmarkMessageCodec measures the gob encoding and decoding of one
// result message (what every worker sends and rank 0 decodes).
func BenchmarkMessageCodec(b *testing.B) {
	blob := make([]byte, 1<<10)
	r := Result{SimID: "syn_201905301000_-112.2_40.5_10", Status: StatusComplete, Rank: 3, Host: "node001", Engine: "native",
		Started: 1, Finished: 2, TransportSec: 0.8, FootprintSec: 0.2, Outputs: map[string][]byte{"f": blob}}
	for i := 0; i < b.N; i++ {
		buf, err := encode(r)
		if err != nil {
			b.Fatal(err)
		}
		var got Result
		if err := decode(buf, &got); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkPlanBroadcast measures the plan rank 0 broadcasts to every rank
// (gob-encoded pending simulations): bytes per simulation and encode time,
// for the cost model of very large batches.
func BenchmarkPlanBroadcast(b *testing.B) {
	const n = 10000
	specs := make([]SimSpec, n)
	t0 := time.Date(2019, 5, 30, 10, 0, 0, 0, time.UTC)
	for i := range specs {
		r := receptor.Receptor{Kind: receptor.Point, Time: t0.Add(time.Duration(i) * time.Hour),
			Lons: []float64{-112 + 1e-4*float64(i)}, Lats: []float64{40.5 + 1e-4*float64(i)}, Heights: []float64{5}, Scene: "scene1"}
		specs[i] = SimSpec{ID: fmt.Sprintf("hrrr_%s_%.4f_%.4f_5", r.Time.Format("200601021504"), r.Lons[0], r.Lats[0]), Scene: "scene1", Met: "hrrr", Receptor: r}
	}
	p := plan{ConfigPath: "/project/run.toml", Config: make([]byte, 2000), Specs: specs, RunID: "20261126T180000Z-0123456789ab"}
	var size int
	for i := 0; i < b.N; i++ {
		buf, err := encode(p)
		if err != nil {
			b.Fatal(err)
		}
		size = len(buf)
	}
	b.ReportMetric(float64(size)/n, "bytes/sim")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/sim")
}
