package met

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/testenv"
)

func TestDescribe(t *testing.T) {
	in, err := Describe(testenv.Shared(t, "met", hrrrFiles[1]))
	if err != nil {
		t.Fatal(err)
	}
	if !in.ChecksumsOK || in.Projection != "lambert" || in.Periods != 6 || in.Step != "1h0m0s" ||
		!in.First.Equal(time.Date(2019, 5, 30, 6, 0, 0, 0, time.UTC)) || len(in.Levels) != 20 {
		t.Errorf("describe: %+v", in)
	}
	var b bytes.Buffer
	in.WriteText(&b)
	for _, s := range []string{"lambert 59 x 41", "all 1020 data records verify", "2019-05-30 06:00 to 2019-05-30 11:00", "TEMP UWND VWND WWND DIFW SPHU TKEN PRES"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, b.String())
		}
	}
	// a corrupted record is reported, not fatal
	p := synthOne(t)
	raw, _ := os.ReadFile(p)
	f, _ := Open(p)
	off := int64(f.RecordsPerPeriod()-1)*int64(f.RecordLen()) + LabelLen
	f.Close()
	raw[off] ^= 1
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, raw, 0o644)
	in, err = Describe(bad)
	if err != nil {
		t.Fatal(err)
	}
	if in.ChecksumsOK || len(in.Mismatches) != 1 {
		t.Errorf("corrupted file: ok=%v mismatches %v", in.ChecksumsOK, in.Mismatches)
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2019, 5, 30, 11, 0, 0, 0, time.UTC)
	for _, s := range []string{"201905301100", "2019-05-30 11:00", "2019-05-30T11:00", "2019-05-30T11:00:00Z", "2019-05-30T05:00:00-06:00"} {
		if got, err := ParseTime(s); err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseTime("yesterday"); err == nil {
		t.Error("accepted 'yesterday'")
	}
}
