package hysplit

import (
	"testing"
)

// BenchmarkWriteInputs writes CONTROL and SETUP.CFG (atomic writes) for a
// point receptor.
func BenchmarkWriteInputs(b *testing.B) {
	rec := readReceptor(b, "time,lat,lon,z\n201905301100,40.766,-111.848,5\n")
	p := loadParams(b, "n_hours = -10\nnumpar = 200\n")
	dir := b.TempDir()
	for i := 0; i < b.N; i++ {
		if err := WriteInputs(dir, Inputs{Receptor: rec, MetFiles: refMet, Params: p}); err != nil {
			b.Fatal(err)
		}
	}
}
