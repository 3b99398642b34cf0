package config

import "testing"

// BenchmarkParseFull parses and validates the complete test run.toml.
func BenchmarkParseFull(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Parse([]byte(full), "/proj/run.toml"); err != nil {
			b.Fatal(err)
		}
	}
}
