// Package objstoretest runs a throw-away local S3 server (s3rver, through
// scripts/s3-up.sh and scripts/s3-down.sh) for tests. Its one job is the
// server's lifetime: started on demand on 127.0.0.1, always stopped.
package objstoretest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Credentials of s3rver (fixed by the server).
const (
	AccessKey = "S3RVER"
	SecretKey = "S3RVER"
	Bucket    = "stilt"
)

// Server is a running s3rver.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Bucket   string
	base     string
	down     string
}

// Env returns the environment variables that point objstore at the server.
func (s *Server) Env() map[string]string {
	return map[string]string{"AWS_ENDPOINT_URL": s.Endpoint, "AWS_ACCESS_KEY_ID": AccessKey,
		"AWS_SECRET_ACCESS_KEY": SecretKey, "AWS_REGION": "us-east-1"}
}

// Getenv reads Env, for objstore.Options.Getenv.
func (s *Server) Getenv(k string) string { return s.Env()[k] }

// SetEnv sets Env in the test's environment (restored after the test).
func (s *Server) SetEnv(t testing.TB) {
	for k, v := range s.Env() {
		t.Setenv(k, v)
	}
	t.Setenv("S3_ENDPOINT", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
}

// Stop stops the server and deletes its data (idempotent).
func (s *Server) Stop() error {
	if s == nil || s.base == "" {
		return nil
	}
	out, err := exec.Command(s.down, s.base, "--all").CombinedOutput()
	s.base = ""
	if err != nil {
		return fmt.Errorf("s3-down.sh: %v\n%s", err, out)
	}
	return nil
}

// need skips (or, under CI, fails) when a program is missing.
func need(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI for the S3 tests: %v", name, err)
		}
		t.Skipf("%s not found on PATH (%v): skipping the S3 test (needs Node.js to run s3rver)", name, err)
	}
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("go.mod not found above the working directory")
		}
		dir = up
	}
}

// Start starts a server for one test and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := start(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func start(t testing.TB) (*Server, error) {
	t.Helper()
	need(t, "node")
	need(t, "npm")
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp("", "stilt-s3-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(root, "scripts", "s3-up.sh"), base)
	cmd.Env = append(os.Environ(), fmt.Sprintf("S3_WATCH_PID=%d", os.Getpid()))
	if os.Getenv("S3RVER_CACHE") == "" {
		// one install per machine, not per test run
		if c, err := os.UserCacheDir(); err == nil {
			cmd.Env = append(cmd.Env, "S3RVER_CACHE="+filepath.Join(c, "stilt-mpi", "s3rver-3.7.1"))
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	s := &Server{Bucket: Bucket, base: base, down: filepath.Join(root, "scripts", "s3-down.sh")}
	if err := cmd.Run(); err != nil {
		s.Stop()
		os.RemoveAll(base)
		return nil, fmt.Errorf("scripts/s3-up.sh: %v\n%s", err, stderr.String())
	}
	s.Endpoint = strings.TrimSpace(stdout.String())
	if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") {
		s.Stop()
		return nil, fmt.Errorf("scripts/s3-up.sh printed %q, want http://127.0.0.1:PORT", s.Endpoint)
	}
	return s, nil
}

var (
	sharedMu  sync.Mutex
	shared    *Server
	sharedErr error
)

// Shared returns the package's one server, started by the first caller;
// the package's TestMain must call StopShared.
func Shared(t testing.TB) *Server {
	t.Helper()
	need(t, "node")
	need(t, "npm")
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil && sharedErr == nil {
		shared, sharedErr = start(t)
	}
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// StopShared stops the server Shared started (if any).
func StopShared() error {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	err := shared.Stop()
	shared = nil
	return err
}

// Remove deletes an object of the server's bucket (objstore itself never
// deletes outputs; tests use this to simulate a lost upload).
func (s *Server) Remove(ctx context.Context, key string) error {
	u, err := url.Parse(s.Endpoint)
	if err != nil {
		return err
	}
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return err
	}
	return c.RemoveObject(ctx, s.Bucket, key, minio.RemoveObjectOptions{})
}
