package registry

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

type statusJSON struct {
	Counts   Counts         `json:"counts"`
	Failures []FailureGroup `json:"failures"`
}

// FormatStatus writes the report of the status verb: totals by status, one
// line per scene, and failures grouped by error class. With jsonOut it writes
// one JSON object {"counts": ..., "failures": [...]} instead.
func FormatStatus(w io.Writer, c Counts, failures []FailureGroup, jsonOut bool) error {
	if jsonOut {
		if failures == nil {
			failures = []FailureGroup{}
		}
		if c.ByStatus == nil {
			c.ByStatus = map[Status]int{}
		}
		if c.ByScene == nil {
			c.ByScene = map[string]map[Status]int{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(statusJSON{Counts: c, Failures: failures})
	}
	var b strings.Builder
	line := func(label string, m map[Status]int, total int) {
		fmt.Fprintf(&b, "%-24s total=%d", label, total)
		for _, st := range AllStatuses {
			fmt.Fprintf(&b, "  %s=%d", st, m[st])
		}
		b.WriteByte('\n')
	}
	line("all", c.ByStatus, c.Total)
	scenes := make([]string, 0, len(c.ByScene))
	for s := range c.ByScene {
		scenes = append(scenes, s)
	}
	sort.Strings(scenes)
	if len(scenes) > 1 || (len(scenes) == 1 && scenes[0] != "") {
		for _, s := range scenes {
			tot := 0
			for _, n := range c.ByScene[s] {
				tot += n
			}
			label := "scene " + s
			if s == "" {
				label = "(no scene)"
			}
			line(label, c.ByScene[s], tot)
		}
	}
	if len(failures) > 0 {
		b.WriteString("failures by class:\n")
		for _, f := range failures {
			fmt.Fprintf(&b, "  %-20s %6d  e.g. %s: %s\n", f.Class, f.Count, firstOr(f.SimIDs, "?"), oneLine(f.Example))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func firstOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
