package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/registry"
)

// TestStatusRegistryURL: `status` reads the registry named by [registry]
// url = "sqlite://..." (and "file:..."), not the empty registry.path.
func TestStatusRegistryURL(t *testing.T) {
	for _, scheme := range []string{"sqlite://", "file:"} {
		dir := t.TempDir()
		for _, f := range []string{"demo.run.toml", "receptors.csv"} {
			b, err := os.ReadFile(filepath.Join("..", "..", "examples", f))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, f), b, 0o644)
		}
		os.Mkdir(filepath.Join(dir, "demo-met"), 0o755)
		reg := filepath.Join(dir, "elsewhere", "reg.sqlite")
		os.MkdirAll(filepath.Dir(reg), 0o755)
		st, err := registry.Open(reg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Register(context.Background(), []registry.Simulation{{SimID: "s1", Scene: "all"}}); err != nil {
			t.Fatal(err)
		}
		st.Close()
		cfg := filepath.Join(dir, "demo.run.toml")
		f, _ := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString("\n[registry]\nurl = \"" + scheme + reg + "\"\n")
		f.Close()
		out, code := runCLI(t, "status", cfg)
		if code != 0 || !strings.Contains(out, "total=1") || !strings.Contains(out, "pending=1") {
			t.Errorf("%s: status exit %d:\n%s", scheme, code, out)
		}
	}
}
