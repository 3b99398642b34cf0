package receptor

import (
	"fmt"
	"strings"
	"testing"
)

func benchCSV(n int) string {
	var b strings.Builder
	b.WriteString("time,latitude,longitude,altitude\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "2019-05-30 %02d:00:00,%.4f,%.4f,%d\n", i%24, 40+float64(i%1000)*1e-3, -112+float64(i/1000)*1e-3, 5+i%7)
	}
	return b.String()
}

// BenchmarkReadCSV10k reads 10 000 point receptors (validation and
// duplicate-id check included).
func BenchmarkReadCSV10k(b *testing.B) {
	data := benchCSV(10000)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		if _, err := Read(strings.NewReader(data), "bench.csv"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMultipointLocationID(b *testing.B) {
	r := Receptor{Kind: MultiPoint, Lons: []float64{-112.1, -112.05, -112.0, -111.95}, Lats: []float64{40.7, 40.72, 40.74, 40.76}, Heights: []float64{0, 1000, 2000, 3000}}
	for i := 0; i < b.N; i++ {
		_ = r.LocationID()
	}
}
