package registry

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const crashEnv = "REGISTRY_CRASH_CHILD"

// TestCrashChild is not a test on its own: TestKilledMidTransaction re-runs
// the test binary with this test selected and crashEnv set. The child opens
// the registry, starts a large write transaction, announces READY from inside
// it (just before COMMIT) and waits to be SIGKILLed.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("helper process for TestKilledMidTransaction")
	}
	mode, path, _ := strings.Cut(spec, ":")
	s, err := Open(path)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	ctx := context.Background()
	testHookBeforeCommit = func() {
		fmt.Println("READY")
		os.Stdout.Sync()
		time.Sleep(time.Minute)
		os.Exit(4) // not reached: the parent kills us
	}
	switch mode {
	case "commit":
		blobs := make([]Blob, 150)
		for i := range blobs {
			blobs[i] = Blob{Name: fmt.Sprintf("foot%03d", i), Data: blobData(i, 100_000)}
		}
		err = s.CommitResult(ctx, Result{SimID: "a_0000", Status: StatusComplete, Blobs: blobs})
	case "register":
		_, err = s.Register(ctx, mkSims(20000, "big"))
	}
	fmt.Println("ERROR not killed", err)
	os.Exit(5)
}

// TestKilledMidTransaction kills a writer inside a large transaction and
// checks that the file is intact and holds none of that transaction.
func TestKilledMidTransaction(t *testing.T) {
	for _, mode := range []string{"commit", "register"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "registry.sqlite")
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			s.Register(ctx, mkSims(3, "a"))
			run, _ := s.BeginRun(ctx, RunInfo{Ranks: 1})
			s.MarkRunning(ctx, []string{"a_0000"}, 0, "h", run.ID)
			before := dump(t, s)
			s.Close()

			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashEnv+"="+mode+":"+path)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			ready := false
			for sc.Scan() {
				if strings.TrimSpace(sc.Text()) == "READY" {
					ready = true
					break
				}
				t.Logf("child: %s", sc.Text())
			}
			if !ready {
				cmd.Wait()
				t.Fatal("child never reached the commit point")
			}
			// Evidence that the transaction really was in flight on disk.
			wal, _ := os.Stat(path + "-wal")
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			werr := cmd.Wait()
			t.Logf("child: %v; wal size at kill: %d bytes", werr, sizeOf(wal))

			s2, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			var ic string
			if err := s2.DB().QueryRow(`PRAGMA integrity_check`).Scan(&ic); err != nil || ic != "ok" {
				t.Fatalf("integrity_check = %q, %v", ic, err)
			}
			if after := dump(t, s2); after != before {
				t.Fatalf("killed transaction left changes:\nbefore:\n%s\nafter:\n%s", clip(before), clip(after))
			}
			// The registry stays usable.
			if err := s2.CommitResult(ctx, Result{SimID: "a_0000", Status: StatusComplete,
				Blobs: []Blob{{Name: "foot", Data: []byte("ok")}}}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func sizeOf(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "..."
	}
	return s
}
