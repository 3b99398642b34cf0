package config

import (
	"errors"
	"testing"
)

// FuzzParse: Parse never panics; bad input yields a non-empty Errors whose
// entries all name the file.
func FuzzParse(f *testing.F) {
	f.Add(full)
	f.Add(base)
	f.Add(obsBase + "mode = 'slant'\ngroup = 'time_gap'\nmax_gap = 60\n")
	f.Add(base + "[params]\nziscale = [[1], [2]]\n")
	f.Add("a.b.c = 1\n[[x]]\ny = \"\"\"\nz\n\"\"\"\n")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := Parse([]byte(data), "/f/run.toml")
		if err == nil {
			if c == nil || len(c.Met) == 0 || (c.Receptors.Path == "") == (c.Observations.Path == "") {
				t.Fatalf("accepted config without met or without exactly one of receptors and observations: %+v", c)
			}
			_ = c.Hash()
			return
		}
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error %v is not a non-empty Errors", err)
		}
		for _, e := range es {
			if e.File != "/f/run.toml" {
				t.Fatalf("error without file: %v", e)
			}
		}
	})
}
