package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
	"github.com/stilt-mpi/stilt-mpi/particle"
)

func runCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	resetFlags(rootCmd) // flags keep their values between calls in one process
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	defer rootCmd.SetOut(nil)
	code := run(args)
	return out.String(), code
}

func TestParticlesDump(t *testing.T) {
	dat := testenv.Shared(t, "hysplit", "B_np200", "PARTICLE_STILT.DAT.gz")
	tab, err := particle.ReadStiltDAT(dat, rstiltVarsiwant)
	if err != nil {
		t.Fatal(err)
	}
	pq := filepath.Join(t.TempDir(), "b.parquet")
	if err := particle.WriteParquet(pq, tab, map[string]string{particle.MetaIsError: "false"}); err != nil {
		t.Fatal(err)
	}
	// The same table printed from PARTICLE_STILT.DAT (SETUP.CFG beside it
	// gives the columns) and from parquet gives the same CSV.
	csvDat, code := runCLI(t, "particles", "dump", dat, "--csv")
	if code != 0 {
		t.Fatalf("dump DAT exit %d", code)
	}
	csvPq, code := runCLI(t, "particles", "dump", pq, "--csv")
	if code != 0 {
		t.Fatalf("dump parquet exit %d", code)
	}
	if csvDat != csvPq {
		t.Fatal("CSV from PARTICLE_STILT.DAT and from parquet differ")
	}
	lines := strings.Split(strings.TrimSpace(csvDat), "\n")
	if len(lines) != 72001 || lines[0] != strings.Join(rstiltVarsiwant, ",") {
		t.Fatalf("%d CSV lines, header %q", len(lines), lines[0])
	}
	if lines[1] != "-1,1,-112.0008,40.5986,24.3895,0.0225635,150,1.0323,1,0.098,16.8438" {
		t.Errorf("first row %q", lines[1])
	}
	// CSV round trip through the CLI.
	csvPath := filepath.Join(t.TempDir(), "b.csv")
	os.WriteFile(csvPath, []byte(csvDat), 0o644)
	again, code := runCLI(t, "particles", "dump", csvPath, "--csv")
	if code != 0 || again != csvDat {
		t.Fatalf("CSV round trip: exit %d, equal %v", code, again == csvDat)
	}

	sum, code := runCLI(t, "particles", "dump", pq, "--rows", "3", "--csv=false")
	if code != 0 {
		t.Fatalf("summary exit %d", code)
	}
	for _, want := range []string{"format: parquet", "rows: 72000", "particles: 200", "meta stilt:is_error: false", "... 71997 more rows"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

func TestParticlesDumpBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "PARTICLE_STILT.DAT")
	os.WriteFile(bad, []byte("hdr\n1 2 3\n"), 0o644)
	for _, args := range [][]string{
		{"particles", "dump", filepath.Join(dir, "missing.parquet")},
		{"particles", "dump", bad},
		{"particles", "dump"},
	} {
		if _, code := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// resetFlags sets every flag of c and its subcommands back to its default
// (slice flags emptied to their defaults rather than appended to).
func resetFlags(c *cobra.Command) {
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			var vals []string
			if d := strings.Trim(f.DefValue, "[]"); d != "" {
				vals = strings.Split(d, ",")
			}
			sv.Replace(vals)
			// pflag's slice values append once set; their unexported
			// "changed" field must be cleared for the next parse to replace
			if v := reflect.ValueOf(f.Value); v.Kind() == reflect.Pointer {
				if c := v.Elem().FieldByName("changed"); c.IsValid() && c.Kind() == reflect.Bool {
					reflect.NewAt(c.Type(), unsafe.Pointer(c.UnsafeAddr())).Elem().SetBool(false)
				}
			}
		} else {
			f.Value.Set(f.DefValue)
		}
		f.Changed = false
	})
	for _, sc := range c.Commands() {
		resetFlags(sc)
	}
}
