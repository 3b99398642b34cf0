package objstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/objstore/objstoretest"
)

// BenchmarkPut measures verified uploads (Put = upload + stat + checks) of
// a file of each size to a local directory and to the shared s3rver.
func BenchmarkPut(b *testing.B) {
	for _, size := range []int{64 << 10, 4 << 20} {
		src := filepath.Join(b.TempDir(), "f")
		if err := os.WriteFile(src, randomBytes(size), 0o644); err != nil {
			b.Fatal(err)
		}
		stores := map[string]func(b *testing.B) Store{
			"dir": func(b *testing.B) Store { return NewDir(b.TempDir()) },
			"s3":  s3BenchStore,
		}
		for _, name := range []string{"dir", "s3"} {
			b.Run(fmt.Sprintf("%s/%dKiB", name, size>>10), func(b *testing.B) {
				st := stores[name](b)
				b.SetBytes(int64(size))
				for i := 0; i < b.N; i++ {
					if _, err := st.Put(context.Background(), fmt.Sprintf("bench/%d.nc", i%4), src); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func s3BenchStore(b *testing.B) Store {
	srv := objstoretest.Shared(b)
	st, err := Open("s3://"+srv.Bucket+"/bench", Options{Getenv: srv.Getenv})
	if err != nil {
		b.Fatal(err)
	}
	return st
}
