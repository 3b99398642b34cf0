package pgtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPgUpDownScripts: scripts/pg-up.sh starts a server whose printed URL
// accepts connections, refuses a second start on the same directory, and
// scripts/pg-down.sh stops it, removes the directory and is idempotent.
func TestPgUpDownScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server (about 10 s); skipped with -short")
	}
	if _, err := BinDir(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	scripts, _ := filepath.Abs(filepath.Join("..", "..", "scripts"))
	base, err := os.MkdirTemp("", "pgup-")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(base) // pg-up creates it
	t.Cleanup(func() {
		exec.Command(filepath.Join(scripts, "pg-down.sh"), base).Run()
		os.RemoveAll(base)
	})
	up := exec.Command(filepath.Join(scripts, "pg-up.sh"), base)
	var stderr strings.Builder
	up.Stderr = &stderr
	out, err := up.Output()
	if err != nil {
		t.Fatalf("pg-up: %v\n%s", err, stderr.String())
	}
	url := strings.TrimSpace(string(out))
	if strings.Contains(url, "\n") || !strings.HasPrefix(url, "postgres://stilt@127.0.0.1:") {
		t.Fatalf("pg-up stdout %q: want only the URL", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	var one int
	if err := c.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
		t.Fatalf("query: %v", err)
	}
	c.Close(ctx)
	if err := exec.Command(filepath.Join(scripts, "pg-up.sh"), base).Run(); err == nil {
		t.Fatal("second pg-up on a running base succeeded")
	}
	for i := 0; i < 2; i++ { // the second stop finds nothing: not an error
		if out, err := exec.Command(filepath.Join(scripts, "pg-down.sh"), base).CombinedOutput(); err != nil {
			t.Fatalf("pg-down #%d: %v\n%s", i+1, err, out)
		}
	}
	if _, err := os.Stat(base); !os.IsNotExist(err) {
		t.Fatalf("base %s still exists after pg-down: %v", base, err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel2()
	if c, err := pgx.Connect(ctx2, url); err == nil {
		c.Close(ctx2)
		t.Fatal("server still accepts connections after pg-down")
	}
	notMine := t.TempDir()
	os.WriteFile(filepath.Join(notMine, "keep"), []byte("x"), 0o644)
	if err := exec.Command(filepath.Join(scripts, "pg-down.sh"), notMine).Run(); err == nil {
		t.Fatal("pg-down accepted a directory pg-up did not make")
	}
	if _, err := os.Stat(filepath.Join(notMine, "keep")); err != nil {
		t.Fatal("pg-down deleted a foreign directory")
	}
}
