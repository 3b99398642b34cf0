package config

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a run.toml file.
type Error struct {
	File string
	Line int    // 1-based; 0 when the key is absent (e.g. a missing required key)
	Key  string // dotted key path, e.g. "params.numpar"
	Msg  string // what is wrong and what is allowed
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Errors lists every problem found; Load returns it as its error.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

func (es Errors) sorted() Errors {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		la, lb := a.Line, b.Line
		if la == 0 {
			la = 1 << 30
		}
		if lb == 0 {
			lb = 1 << 30
		}
		if la != lb {
			return la < lb
		}
		return a.Key < b.Key
	})
	return es
}
