package config

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// walker collects errors while reading a decoded TOML tree.
type walker struct {
	file  string
	lines keyLines
	errs  Errors
}

func (w *walker) errAt(path, format string, args ...any) {
	w.errs = append(w.errs, &Error{File: w.file, Line: w.lines.lookup(path), Key: path, Msg: fmt.Sprintf(format, args...)})
}

// tbl is one TOML table being read; it remembers which keys were asked for
// so that finish can report unknown keys.
type tbl struct {
	w     *walker
	path  string
	m     map[string]any
	known []string
	hints map[string]string // unknown key → where it belongs
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case []map[string]any:
		return "array of tables"
	case map[string]any:
		return "table"
	case time.Time:
		return "datetime"
	}
	return fmt.Sprintf("%T", v)
}

func (t *tbl) get(key string) (any, bool) {
	t.known = append(t.known, key)
	if t.m == nil {
		return nil, false
	}
	v, ok := t.m[key]
	return v, ok
}

func (t *tbl) has(key string) bool {
	if t.m == nil {
		return false
	}
	_, ok := t.m[key]
	return ok
}

func (t *tbl) errf(key, format string, args ...any) {
	t.w.errAt(join(t.path, key), format, args...)
}

// sub returns the sub-table key (empty when absent).
func (t *tbl) sub(key string) *tbl {
	v, ok := t.get(key)
	s := &tbl{w: t.w, path: join(t.path, key)}
	if !ok {
		return s
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		t.errf(key, "must be a table, got %s", tomlType(v))
		return s
	}
	s.m = m
	return s
}

// subKeys returns the sorted keys of a table of tables (e.g. [met.<name>]).
func (t *tbl) subKeys() []string {
	keys := make([]string, 0, len(t.m))
	for k := range t.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (t *tbl) str(key string, dst *string, allowed ...string) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	s, isStr := v.(string)
	if !isStr {
		t.errf(key, "must be a string, got %s", tomlType(v))
		return
	}
	if len(allowed) > 0 {
		for _, a := range allowed {
			if s == a {
				*dst = s
				return
			}
		}
		q := make([]string, len(allowed))
		for i, a := range allowed {
			q[i] = fmt.Sprintf("%q", a)
		}
		t.errf(key, "%q is not allowed; use one of %s", s, strings.Join(q, ", "))
		return
	}
	*dst = s
}

func (t *tbl) boolean(key string, dst *bool) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	b, isBool := v.(bool)
	if !isBool {
		t.errf(key, "must be a boolean (true or false), got %s", tomlType(v))
		return
	}
	*dst = b
}

// check is a range check returning "" when v is allowed, else what is allowed.
type check[T int | int64 | float64] func(v T) string

func atLeast[T int | int64 | float64](lo T) check[T] {
	return func(v T) string {
		if v < lo {
			return fmt.Sprintf("must be >= %v", lo)
		}
		return ""
	}
}

func above[T int | int64 | float64](lo T) check[T] {
	return func(v T) string {
		if v <= lo {
			return fmt.Sprintf("must be > %v", lo)
		}
		return ""
	}
}

func between[T int | int64 | float64](lo, hi T) check[T] {
	return func(v T) string {
		if v < lo || v > hi {
			return fmt.Sprintf("must be between %v and %v", lo, hi)
		}
		return ""
	}
}

func oneOf[T int | int64 | float64](vals ...T) check[T] {
	return func(v T) string {
		for _, a := range vals {
			if v == a {
				return ""
			}
		}
		return fmt.Sprintf("must be one of %v", vals)
	}
}

func (t *tbl) intValue(key string, v any) (int64, bool) {
	i, isInt := v.(int64)
	if !isInt {
		t.errf(key, "must be an integer, got %s", tomlType(v))
		return 0, false
	}
	return i, true
}

func (t *tbl) integer(key string, dst *int, c check[int]) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	i, ok := t.intValue(key, v)
	if !ok {
		return
	}
	if c != nil {
		if msg := c(int(i)); msg != "" {
			t.errf(key, "%d: %s", i, msg)
			return
		}
	}
	*dst = int(i)
}

func (t *tbl) optInt(key string, dst **int, c check[int]) {
	optional(t, key, dst, func(x *int) { t.integer(key, x, c) })
}

// optional sets *dst to a new value read by read when key is present and
// valid, and leaves it nil when the key is absent (the key stays known).
func optional[T any](t *tbl, key string, dst **T, read func(*T)) {
	if !t.has(key) {
		t.known = append(t.known, key)
		return
	}
	var x T
	before := len(t.w.errs)
	read(&x)
	if len(t.w.errs) == before {
		*dst = &x
	}
}

func (t *tbl) int64v(key string, dst *int64, c check[int64]) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	i, ok := t.intValue(key, v)
	if !ok {
		return
	}
	if c != nil {
		if msg := c(i); msg != "" {
			t.errf(key, "%d: %s", i, msg)
			return
		}
	}
	*dst = i
}

func (t *tbl) floatValue(key string, v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.errf(key, "must be a finite number, got %v", x)
			return 0, false
		}
		return x, true
	case int64:
		return float64(x), true
	}
	t.errf(key, "must be a number, got %s", tomlType(v))
	return 0, false
}

func (t *tbl) float(key string, dst *float64, c check[float64]) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	f, ok := t.floatValue(key, v)
	if !ok {
		return
	}
	if c != nil {
		if msg := c(f); msg != "" {
			t.errf(key, "%v: %s", f, msg)
			return
		}
	}
	*dst = f
}

func (t *tbl) optFloat(key string, dst **float64, c check[float64]) {
	optional(t, key, dst, func(x *float64) { t.float(key, x, c) })
}

// floats reads a number or an array of numbers.
func (t *tbl) floats(key string, dst *[]float64, scalarOK bool, c check[float64]) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case float64, int64:
		if !scalarOK {
			t.errf(key, "must be an array of numbers, got %s", tomlType(v))
			return
		}
		items = []any{x}
	default:
		t.errf(key, "must be an array of numbers, got %s", tomlType(v))
		return
	}
	out := make([]float64, 0, len(items))
	for i, it := range items {
		k := fmt.Sprintf("%s[%d]", key, i)
		f, ok := t.floatValue(k, it)
		if !ok {
			return
		}
		if c != nil {
			if msg := c(f); msg != "" {
				t.errf(k, "%v: %s", f, msg)
				return
			}
		}
		out = append(out, f)
	}
	*dst = out
}

func (t *tbl) strs(key string, dst *[]string) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	items, isArr := v.([]any)
	if !isArr {
		t.errf(key, "must be an array of strings, got %s", tomlType(v))
		return
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, isStr := it.(string)
		if !isStr {
			t.errf(fmt.Sprintf("%s[%d]", key, i), "must be a string, got %s", tomlType(it))
			return
		}
		out = append(out, s)
	}
	*dst = out
}

// duration reads a Go duration string ("90s", "1h30m") or a number of seconds.
func (t *tbl) duration(key string, dst *time.Duration, min time.Duration) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	var d time.Duration
	switch x := v.(type) {
	case string:
		p, err := time.ParseDuration(x)
		if err != nil {
			t.errf(key, "%q is not a duration (use e.g. \"90s\", \"30m\", \"1h30m\", or a number of seconds)", x)
			return
		}
		d = p
	case int64:
		d = time.Duration(x) * time.Second
	case float64:
		d = time.Duration(x * float64(time.Second))
	default:
		t.errf(key, "must be a duration string or a number of seconds, got %s", tomlType(v))
		return
	}
	if d < min {
		t.errf(key, "%v: must be >= %v", d, min)
		return
	}
	*dst = d
}

// tables reads an array of tables (either [[a.b]] or an inline array of
// inline tables).
func (t *tbl) tables(key string) []*tbl {
	v, ok := t.get(key)
	if !ok {
		return nil
	}
	var maps []map[string]any
	switch x := v.(type) {
	case []map[string]any:
		maps = x
	case []any:
		for i, it := range x {
			m, isMap := it.(map[string]any)
			if !isMap {
				t.errf(fmt.Sprintf("%s[%d]", key, i), "must be a table, got %s", tomlType(it))
				return nil
			}
			maps = append(maps, m)
		}
	default:
		t.errf(key, "must be an array of tables, got %s", tomlType(v))
		return nil
	}
	out := make([]*tbl, len(maps))
	for i, m := range maps {
		out[i] = &tbl{w: t.w, path: fmt.Sprintf("%s[%d]", join(t.path, key), i), m: m}
	}
	return out
}

// finish reports keys of the table that no getter asked for.
func (t *tbl) finish() {
	if t.m == nil {
		return
	}
	known := map[string]bool{}
	for _, k := range t.known {
		known[k] = true
	}
	var unknown []string
	for k := range t.m {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	allowed := append([]string(nil), t.known...)
	sort.Strings(allowed)
	for _, k := range unknown {
		msg := "unknown key"
		if h, ok := t.hints[k]; ok {
			msg += "; " + h
		} else if s := suggest(k, allowed); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		where := "the top level"
		if t.path != "" {
			where = "[" + t.path + "]"
		}
		msg += fmt.Sprintf("; allowed in %s: %s", where, strings.Join(allowed, ", "))
		t.errf(k, "%s", msg)
	}
}

// suggest returns the allowed key closest to k by edit distance (≤ 2).
func suggest(k string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if d := editDistance(strings.ToLower(k), a); d < bestD {
			best, bestD = a, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
