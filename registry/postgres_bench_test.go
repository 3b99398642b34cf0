package registry

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/registry/pgtest"
)

// BenchmarkQueue8Workers measures queue throughput: 8 concurrent workers
// (each with its own connection pool) claim b.N simulations, n at a time,
// and commit each as complete with a 1 KiB blob. Reported: claims/s
// (simulations claimed and committed per second, all workers together).
func BenchmarkQueue8Workers(b *testing.B) {
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			ctx := context.Background()
			url := pgtest.URL(b)
			setup, err := OpenPostgres(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			defer setup.Close()
			if _, err := setup.Register(ctx, mkSims(b.N, "a")); err != nil {
				b.Fatal(err)
			}
			const workers = 8
			qs := make([]*Postgres, workers)
			for i := range qs {
				if qs[i], err = OpenPostgresWith(ctx, url, PostgresOptions{MaxConns: 2}); err != nil {
					b.Fatal(err)
				}
				defer qs[i].Close()
			}
			blob := blobData(1, 1024)
			var wg sync.WaitGroup
			errs := make([]error, workers)
			b.ResetTimer()
			t0 := time.Now()
			for w := range qs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := fmt.Sprintf("w%d", w)
					for {
						sims, err := qs[w].Claim(ctx, id, n, time.Minute)
						if err != nil || len(sims) == 0 {
							errs[w] = err
							return
						}
						for _, s := range sims {
							if err := qs[w].CommitClaimed(ctx, id, Result{SimID: s.SimID, Status: StatusComplete,
								Blobs: []Blob{{Name: "foot", Data: blob}}}); err != nil {
								errs[w] = err
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			el := time.Since(t0)
			b.StopTimer()
			for _, err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
			if c, _ := setup.Counts(ctx); c.ByStatus[StatusComplete] != b.N {
				b.Fatalf("%d of %d complete", c.ByStatus[StatusComplete], b.N)
			}
			b.ReportMetric(float64(b.N)/el.Seconds(), "claims/s")
		})
	}
}

// BenchmarkPostgresRegister10k registers 10 000 new simulations in one
// call (one transaction, batched inserts).
func BenchmarkPostgresRegister10k(b *testing.B) {
	ctx := context.Background()
	url := pgtest.URL(b)
	p, err := OpenPostgres(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	for i := 0; i < b.N; i++ {
		sims := mkSims(10000, fmt.Sprintf("s%d", i))
		rep, err := p.Register(ctx, sims)
		if err != nil || rep.Inserted != 10000 {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "sims/s")
}
