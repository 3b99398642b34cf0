package transport

import (
	"context"
	"os"
	"testing"
)

func TestDumpD(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	sim, err := simFromRun("/work/shared/hysplit-ensemble/"+os.Getenv("DUMP"), "/work/shared/met")
	if err != nil {
		t.Fatal(err)
	}
	sim.NumPar = 1000
	sim.Params = DefaultParams()
	sim.Params.Workers = 2
	tab, err := (&Native{}).Run(context.Background(), sim)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create("/tmp/native.csv")
	defer f.Close()
	tab.WriteCSV(f)
}
