package transport

import (
	"testing"
	"testing/fstest"
)

// FuzzRunSettings: any SETUP.CFG and CONTROL text gives settings or an
// error, never a panic; settings returned without an error are runnable.
func FuzzRunSettings(f *testing.F) {
	control := testControl([]string{"40.5 -112.2 5"}, "-5", "0", "25000.0")
	f.Add("$SETUP\nVEGHT=0.5,\nKMIX0=150,\nNUMPAR=1000,\nIDSP=2,\nWVERT=FALSE,\n$END\n", control)
	f.Add("VEGHT=0.3\nNTURB=1\nTLFRAC=0.05\n", testControl([]string{"40.5 -112.2 0", "40.5 -112.2 400"}, "-2", "0", "15000"))
	f.Add("KMIXD=1,\n", "19 05 30 05\n2\n40 -112 5\n")
	f.Add("DELT=-3,\nVEGHT=,\n", "x\n-1\n")
	f.Fuzz(func(t *testing.T, setup, control string) {
		fsys := fstest.MapFS{"r/SETUP.CFG": {Data: []byte(setup)}, "r/CONTROL": {Data: []byte(control)}}
		rs, err := ReadRunSettings(fsys, "r", DefaultParams())
		if err != nil {
			return
		}
		if verr := rs.Params.Validate(); verr != nil {
			t.Fatalf("settings returned without error are not runnable: %v", verr)
		}
	})
}
