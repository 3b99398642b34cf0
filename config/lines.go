package config

import (
	"bufio"
	"regexp"
	"strconv"
	"strings"
)

// keyLines maps dotted key paths to the line where they are defined. It is a
// light scanner over the TOML text (the toml package keeps key positions
// private): table headers [a.b], array tables [[a.b]] (indexed a.b[0], a.b[1]
// …) and `key = value` lines with bare or quoted keys, dotted keys included.
// Lines inside multi-line strings are skipped. Unknown positions return 0.
type keyLines map[string]int

var (
	headerRE = regexp.MustCompile(`^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$`)
	assignRE = regexp.MustCompile(`^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=`)
)

func splitDotted(s string) []string {
	var parts []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		case c == ' ' || c == '\t':
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, strings.TrimSpace(cur.String()))
	return parts
}

func scanKeyLines(data []byte) keyLines {
	kl := keyLines{}
	arrayCount := map[string]int{}
	var table []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	line := 0
	inML := "" // open multi-line string delimiter
	for sc.Scan() {
		line++
		text := sc.Text()
		if inML != "" {
			if strings.Count(text, inML)%2 == 1 {
				inML = ""
			}
			continue
		}
		if m := headerRE.FindStringSubmatch(text); m != nil && !strings.Contains(text, "=") {
			path := splitDotted(m[2])
			name := strings.Join(path, ".")
			if m[1] == "[[" {
				idx := arrayCount[name]
				arrayCount[name] = idx + 1
				// the array itself and the indexed element
				if _, ok := kl[name]; !ok {
					kl[name] = line
				}
				last := path[len(path)-1] + "[" + strconv.Itoa(idx) + "]"
				path = append(append([]string{}, path[:len(path)-1]...), last)
				name = strings.Join(path, ".")
			}
			table = path
			if _, ok := kl[name]; !ok {
				kl[name] = line
			}
			// parent tables implicitly defined here
			for i := 1; i < len(path); i++ {
				p := strings.Join(path[:i], ".")
				if _, ok := kl[p]; !ok {
					kl[p] = line
				}
			}
			continue
		}
		if m := assignRE.FindStringSubmatch(text); m != nil {
			full := append(append([]string{}, table...), splitDotted(m[1])...)
			for i := len(table) + 1; i <= len(full); i++ {
				p := strings.Join(full[:i], ".")
				if _, ok := kl[p]; !ok {
					kl[p] = line
				}
			}
			rest := text[len(m[0]):]
			for _, d := range []string{`"""`, `'''`} {
				if strings.Count(rest, d)%2 == 1 {
					inML = d
				}
			}
		}
	}
	return kl
}

// lookup returns the line of path, falling back to its closest defined
// parent (so a missing key points at its table).
func (kl keyLines) lookup(path string) int {
	for p := path; p != ""; {
		if l, ok := kl[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}
