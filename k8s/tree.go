package k8s

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// KV is one key of a Map.
type KV struct {
	Key   string
	Value any // string, int, bool, Map or List
}

// Map is an ordered mapping (keys are written in order).
type Map []KV

// List is a sequence.
type List []any

// MarshalJSON writes the map with its keys in order.
func (m Map) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.Key)
		v, err := json.Marshal(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", kv.Key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Get returns the value at a dotted path ("spec.template.spec"); list
// elements are addressed by index ("containers.0").
func (m Map) Get(path string) (any, bool) {
	var cur any = m
	for _, p := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case Map:
			found := false
			for _, kv := range c {
				if kv.Key == p {
					cur, found = kv.Value, true
					break
				}
			}
			if !found {
				return nil, false
			}
		case List:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// quote writes a YAML double-quoted scalar (JSON string syntax is valid
// YAML).
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return quote(x)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return quote(fmt.Sprint(v))
}

// writeYAML writes v in block style at the given indentation.
func writeYAML(b *strings.Builder, v any, indent int) {
	pad := strings.Repeat("  ", indent)
	switch x := v.(type) {
	case Map:
		for _, kv := range x {
			key := kv.Key
			if strings.ContainsAny(key, ":#{}[],&*?|<>=!%@`'\" ") {
				key = quote(key)
			}
			switch c := kv.Value.(type) {
			case Map:
				if len(c) == 0 {
					fmt.Fprintf(b, "%s%s: {}\n", pad, key)
					continue
				}
				fmt.Fprintf(b, "%s%s:\n", pad, key)
				writeYAML(b, c, indent+1)
			case List:
				if len(c) == 0 {
					fmt.Fprintf(b, "%s%s: []\n", pad, key)
					continue
				}
				fmt.Fprintf(b, "%s%s:\n", pad, key)
				writeYAML(b, c, indent)
			default:
				fmt.Fprintf(b, "%s%s: %s\n", pad, key, scalar(c))
			}
		}
	case List:
		for _, item := range x {
			switch c := item.(type) {
			case Map:
				// first key on the dash line, the rest indented under it
				var sub strings.Builder
				writeYAML(&sub, c, indent+1)
				s := sub.String()
				fmt.Fprintf(b, "%s- %s", pad, strings.TrimPrefix(s, pad+"  "))
			case List:
				fmt.Fprintf(b, "%s-\n", pad)
				writeYAML(b, c, indent+1)
			default:
				fmt.Fprintf(b, "%s- %s\n", pad, scalar(c))
			}
		}
	}
}
