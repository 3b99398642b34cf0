// Package pgtest starts a throw-away PostgreSQL server for the tests of one
// package and hands each test its own schema.
//
// Use it from TestMain so that the server is always stopped:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		url := pgtest.URL(t) // skips (outside CI) when PostgreSQL is not installed
//		q, err := registry.OpenPostgres(ctx, url)
//	}
//
// The server is started lazily by the first URL call: initdb into a fresh
// temporary directory (owned by the postgres user when running as root,
// since PostgreSQL refuses to run as root), then postgres listening on
// 127.0.0.1 on a free port with trust authentication, fsync off (or, with
// STILT_TEST_PG_URL set, an existing server is used). The
// postmaster is started with a parent-death signal, so it also goes away if
// the test binary is killed before Main can stop it.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names an environment variable that, when set, points the tests at
// an existing server (e.g. one started by scripts/pg-up.sh, or a CI service
// container) instead of starting one. Each test still gets its own schema,
// dropped when the test ends.
const EnvURL = "STILT_TEST_PG_URL"

// ErrNoBinaries is returned by Start when initdb/postgres are not installed.
var ErrNoBinaries = errors.New("pgtest: PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb; install Debian's postgresql package or set PG_BIN)")

// Server is one running PostgreSQL server.
type Server struct {
	URL  string // postgres://stilt@127.0.0.1:PORT/postgres?sslmode=disable
	Dir  string // temporary directory holding data, socket and log
	cmd  *exec.Cmd
	done chan struct{}
}

// BinDir returns the directory holding initdb and postgres: $PG_BIN, else the
// newest /usr/lib/postgresql/*/bin, else the directory of initdb on PATH.
func BinDir() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("pgtest: PG_BIN=%s: %w", d, err)
		}
		return d, nil
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(m, func(i, j int) bool { return pgVersion(m[i]) < pgVersion(m[j]) })
	if len(m) > 0 {
		return filepath.Dir(m[len(m)-1]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNoBinaries
}

func pgVersion(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// Start initialises and starts a server. Stop it with Stop.
func Start() (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	removeOrphans()
	dir, err := os.MkdirTemp("", "stilt-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{Dir: dir}
	ok := false
	defer func() {
		if !ok {
			s.Stop()
		}
	}()
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgtest: running as root needs the postgres user (Debian's postgresql package creates it): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, fmt.Errorf("pgtest: chown %s: %w", dir, err)
		}
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "stilt", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close()
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-k", dir, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=32MB")
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGQUIT}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgtest: start postgres: %w", err)
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	s.URL = fmt.Sprintf("postgres://stilt@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, s.URL)
		cancel()
		if err == nil {
			c.Close(context.Background())
			break
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			return nil, fmt.Errorf("pgtest: postgres exited during start-up:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("pgtest: postgres on port %d not ready after 30 s: %w", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ok = true
	return s, nil
}

// ownerFile holds the pid of the test process that made a server directory.
const ownerFile = "owner.pid"

// removeOrphans deletes server directories left by test processes that died
// without stopping their server (the postmaster itself dies with its parent
// through the parent-death signal; only the directory is left).
func removeOrphans() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "stilt-pgtest-*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, ownerFile))
		if err != nil {
			continue // being created, or not ours
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Stop shuts the server down (fast shutdown, then immediate, then kill) and
// removes its directory.
func (s *Server) Stop() {
	if s == nil {
		return
	}
	if s.cmd != nil && s.cmd.Process != nil && s.done != nil {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGKILL} {
			s.cmd.Process.Signal(sig)
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
				continue
			}
			break
		}
	}
	if s.Dir != "" {
		os.RemoveAll(s.Dir)
	}
}

var (
	once     sync.Once
	shared   *Server
	startErr error
	mu       sync.Mutex
	nSchemas atomic.Int64
)

// Main runs the tests of a package and stops the shared server afterwards.
// Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	shared.Stop()
	shared = nil
	mu.Unlock()
	os.Exit(code)
}

// Shared returns the package's server, starting it on first use. Outside CI
// the test is skipped when PostgreSQL is not installed; in CI (CI set) it
// fails.
func Shared(t testing.TB) *Server {
	t.Helper()
	once.Do(func() {
		mu.Lock()
		defer mu.Unlock()
		if u := os.Getenv(EnvURL); u != "" {
			shared = &Server{URL: u} // external server: never stopped by us
			return
		}
		shared, startErr = Start()
	})
	if errors.Is(startErr, ErrNoBinaries) {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL needed in CI: %v", startErr)
		}
		t.Skipf("skipping: %v", startErr)
	}
	if startErr != nil {
		t.Fatal(startErr)
	}
	return shared
}

var unsafe = regexp.MustCompile(`[^a-z0-9_]+`)

// URL returns a connection URL whose search_path is a fresh, empty schema
// for this test, on the shared server.
func URL(t testing.TB) string {
	t.Helper()
	s := Shared(t)
	name := fmt.Sprintf("t%d_%s", nSchemas.Add(1), unsafe.ReplaceAllString(strings.ToLower(t.Name()), "_"))
	if len(name) > 60 {
		name = name[:60]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer c.Close(context.Background())
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := c.Exec(ctx, `CREATE SCHEMA `+ident); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, s.URL); err == nil {
			c.Exec(ctx, `DROP SCHEMA `+ident+` CASCADE`)
			c.Close(ctx)
		}
	})
	sep := "?"
	if strings.Contains(s.URL, "?") {
		sep = "&"
	}
	return s.URL + sep + "search_path=" + name
}
