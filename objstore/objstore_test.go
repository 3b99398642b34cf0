package objstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stilt-mpi/stilt-mpi/objstore/objstoretest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := objstoretest.StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// sums are computed here with the standard library, independently of the
// code under test.
func sums(b []byte) (sha, md string) {
	s, m := sha256.Sum256(b), md5.Sum(b)
	return hex.EncodeToString(s[:]), hex.EncodeToString(m[:])
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var payloads = []struct {
	key  string
	data []byte
}{
	{"empty.nc", nil},
	{"scenes/small.nc", []byte("CDF\x01 hello")},
	{"simulations/2019053011_-112_40.7_5/2019053011_-112_40.7_5_traj.parquet", randomBytes(1<<20 + 17)},
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// s3Store opens a store on the shared server with a fresh prefix.
func s3Store(t *testing.T, opt Options) *S3 {
	t.Helper()
	srv := objstoretest.Shared(t)
	opt.Getenv = srv.Getenv
	if opt.Sleep == nil {
		opt.Sleep = func(context.Context, time.Duration) error { return nil }
	}
	st, err := Open("s3://"+srv.Bucket+"/"+strings.ReplaceAll(t.Name(), "/", "-"), opt)
	if err != nil {
		t.Fatal(err)
	}
	return st.(*S3)
}

func TestRoundTrip(t *testing.T) {
	stores := map[string]func(t *testing.T) Store{
		"dir": func(t *testing.T) Store { return NewDir(t.TempDir()) },
		"s3":  func(t *testing.T) Store { return s3Store(t, Options{}) },
	}
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			st := mk(t)
			ctx := context.Background()
			src := t.TempDir()
			for i, p := range payloads {
				local := writeFile(t, src, fmt.Sprintf("f%d", i), p.data)
				wantSHA, wantMD5 := sums(p.data)
				o, err := st.Put(ctx, p.key, local)
				if err != nil {
					t.Fatalf("put %s: %v", p.key, err)
				}
				if o.SHA256 != wantSHA || o.Size != int64(len(p.data)) || o.Key != p.key {
					t.Errorf("put %s: %+v, want sha256 %s size %d", p.key, o, wantSHA, len(p.data))
				}
				if name == "s3" && o.ETag != wantMD5 {
					t.Errorf("put %s: ETag %s, want MD5 %s", p.key, o.ETag, wantMD5)
				}
				so, err := st.Stat(ctx, p.key)
				if err != nil || so.SHA256 != wantSHA || so.Size != int64(len(p.data)) {
					t.Errorf("stat %s: %+v %v (metadata sha256 missing or wrong)", p.key, so, err)
				}
				back := filepath.Join(t.TempDir(), "sub", "back")
				if _, err := st.Get(ctx, p.key, back); err != nil {
					t.Fatalf("get %s: %v", p.key, err)
				}
				got, err := os.ReadFile(back)
				if err != nil || !bytes.Equal(got, p.data) {
					t.Errorf("get %s: %d bytes back, want %d (%v)", p.key, len(got), len(p.data), err)
				}
			}
			list, err := st.List(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, o := range list {
				keys = append(keys, o.Key)
			}
			want := "empty.nc scenes/small.nc " + payloads[2].key
			if strings.Join(keys, " ") != want {
				t.Errorf("list: %v, want %s", keys, want)
			}
			if l, err := st.List(ctx, "scenes/"); err != nil || len(l) != 1 || l[0].Key != "scenes/small.nc" || l[0].Size != int64(len(payloads[1].data)) {
				t.Errorf("list scenes/: %+v %v", l, err)
			}
			if _, err := st.Stat(ctx, "scenes/absent.nc"); !errors.Is(err, ErrNotExist) || !strings.Contains(err.Error(), "scenes/absent.nc") {
				t.Errorf("stat of a missing key: %v, want ErrNotExist naming the key", err)
			}
			if _, err := st.Get(ctx, "scenes/absent.nc", filepath.Join(src, "x")); !errors.Is(err, ErrNotExist) {
				t.Errorf("get of a missing key: %v, want ErrNotExist", err)
			}
		})
	}
}

// TestS3MetadataHeader checks the raw x-amz-meta-sha256 response header of
// a stored object (not objstore's parsing of it).
func TestS3MetadataHeader(t *testing.T) {
	st := s3Store(t, Options{})
	ctx := context.Background()
	data := []byte("metadata check")
	wantSHA, _ := sums(data)
	if _, err := st.Put(ctx, "m.nc", writeFile(t, t.TempDir(), "m", data)); err != nil {
		t.Fatal(err)
	}
	full, _ := st.full("m.nc")
	info, err := st.client.StatObject(ctx, st.loc.Bucket, full, minioStatOpts())
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Headers.Get("X-Amz-Meta-Sha256"); got != wantSHA {
		t.Errorf("x-amz-meta-sha256 = %q, want %s (headers %v)", got, wantSHA, info.Headers)
	}
	if ct := info.ContentType; ct != "application/x-netcdf" {
		t.Errorf("content type %q", ct)
	}
}

// flakyTransportDouble is a test double http.RoundTripper: it fails the
// first Fail requests (a connection reset, or a 503 reply when Status is
// set) and passes the rest to the real transport.
type flakyTransportDouble struct {
	mu       sync.Mutex
	Fail     int
	Status   int
	requests int
	methods  []string // "METHOD path" per request
}

func (f *flakyTransportDouble) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.requests++
	n := f.requests
	f.methods = append(f.methods, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	if n <= f.Fail {
		if r.Body != nil {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		if f.Status != 0 {
			return &http.Response{StatusCode: f.Status, Status: http.StatusText(f.Status), Header: http.Header{},
				Body: io.NopCloser(strings.NewReader("")), Request: r, ProtoMajor: 1, ProtoMinor: 1}, nil
		}
		return nil, fmt.Errorf("flaky transport double: request %d: %w", n, syscall.ECONNRESET)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestS3Retries(t *testing.T) {
	data := []byte("retry me")
	wantSHA, _ := sums(data)
	cases := []struct {
		name     string
		fail     int
		status   int
		attempts int
		ok       bool
	}{
		{"reset twice", 2, 0, 4, true},
		{"503 three times", 3, http.StatusServiceUnavailable, 4, true},
		{"reset beyond the bound", 10, 0, 3, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := &flakyTransportDouble{Fail: c.fail, Status: c.status}
			var waits []time.Duration
			st := s3Store(t, Options{Transport: tr, Attempts: c.attempts, BaseDelay: 100 * time.Millisecond, MaxDelay: 250 * time.Millisecond,
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }})
			local := writeFile(t, t.TempDir(), "f", data)
			o, err := st.Put(context.Background(), "scenes/r.nc", local)
			if c.ok {
				if err != nil {
					t.Fatalf("put after %d transient failures: %v", c.fail, err)
				}
				if o.SHA256 != wantSHA {
					t.Errorf("sha256 %s, want %s", o.SHA256, wantSHA)
				}
				// each failed attempt fails at its first request (the PUT)
				if len(waits) != c.fail {
					t.Errorf("%d waits, want %d", len(waits), c.fail)
				}
			} else {
				if err == nil {
					t.Fatal("put succeeded although every attempt failed")
				}
				for _, s := range []string{"scenes/r.nc", fmt.Sprintf("gave up after %d attempts", c.attempts)} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				if tr.requests != c.attempts {
					t.Errorf("%d requests, want %d (bounded)", tr.requests, c.attempts)
				}
			}
			// back-off: ±25 % jitter around 100, 200, 250 (cap), 250 ms
			base := []time.Duration{100, 200, 250, 250}
			for i, w := range waits {
				b := base[i] * time.Millisecond
				if w < b*3/4 || w > b*5/4 {
					t.Errorf("wait %d = %v, want %v ± 25 %%", i, w, b)
				}
			}
		})
	}
}

// corruptTransportDouble is a test double http.RoundTripper that flips one
// byte of the body of the first PUT: the server must reject it (Content-MD5)
// and Put must retry and store the right bytes.
type corruptTransportDouble struct {
	mu     sync.Mutex
	done   bool
	status int // reply to the corrupted PUT
	puts   int
}

func (c *corruptTransportDouble) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	first := r.Method == http.MethodPut && !c.done
	if r.Method == http.MethodPut {
		c.puts++
	}
	if first {
		c.done = true
	}
	c.mu.Unlock()
	if first && r.Body != nil {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		b[0] ^= 0xff
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(b))
		r2.ContentLength = int64(len(b))
		r2.Header.Del("X-Amz-Content-Sha256") // leave Content-MD5 as the only guard
		r2.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		resp, err := http.DefaultTransport.RoundTrip(r2)
		if resp != nil {
			c.status = resp.StatusCode
		}
		return resp, err
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestS3CorruptedUploadRetried(t *testing.T) {
	tr := &corruptTransportDouble{}
	st := s3Store(t, Options{Transport: tr, Attempts: 3})
	data := []byte("content that must arrive intact")
	wantSHA, wantMD5 := sums(data)
	o, err := st.Put(context.Background(), "c.nc", writeFile(t, t.TempDir(), "c", data))
	if err != nil {
		t.Fatal(err)
	}
	if !tr.done {
		t.Fatal("the test double did not corrupt a PUT")
	}
	// Real S3 answers 400 BadDigest (Content-MD5); s3rver 3.7.1 does not
	// check Content-MD5 and stores the corrupted bytes (200): then the
	// ETag comparison after the upload must catch it. Either way the PUT
	// is repeated.
	t.Logf("corrupted PUT answered %d; %d PUTs in all", tr.status, tr.puts)
	if tr.puts < 2 {
		t.Errorf("%d PUTs: the corrupted upload was not repeated", tr.puts)
	}
	back := filepath.Join(t.TempDir(), "back")
	if _, err := st.Get(context.Background(), "c.nc", back); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(back)
	if !bytes.Equal(got, data) || o.SHA256 != wantSHA || o.ETag != wantMD5 {
		t.Errorf("stored %q (%+v), want %q", got, o, data)
	}
}

func TestS3PermanentErrorsNotRetried(t *testing.T) {
	srv := objstoretest.Shared(t)
	tr := &flakyTransportDouble{} // counts requests only
	env := srv.Env()
	env["AWS_ACCESS_KEY_ID"] = "NOTAKEY"
	st, err := Open("s3://"+srv.Bucket+"/p", Options{Transport: tr, Attempts: 5, Getenv: func(k string) string { return env[k] },
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Check(context.Background()); err == nil {
		t.Error("Check passed with an unknown access key")
	}
	tr.requests = 0
	_, err = st.Put(context.Background(), "scenes/x.nc", writeFile(t, t.TempDir(), "x", []byte("x")))
	if err == nil || !strings.Contains(err.Error(), "s3://stilt/p/scenes/x.nc") {
		t.Errorf("bad credentials: %v, want an error naming the key", err)
	}
	if tr.requests != 1 {
		t.Errorf("%d requests for a permanent error, want 1: %v", tr.requests, tr.methods)
	}
	// a bucket that does not exist
	st2, err := Open("s3://no-such-bucket/p", Options{Getenv: srv.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	if err := st2.Check(context.Background()); err == nil || !strings.Contains(err.Error(), `bucket "no-such-bucket" does not exist`) {
		t.Errorf("Check of a missing bucket: %v", err)
	}
	if err := s3Store(t, Options{}).Check(context.Background()); err != nil {
		t.Errorf("Check of the test bucket: %v", err)
	}
	_, err = st2.Put(context.Background(), "scenes/y.nc", writeFile(t, t.TempDir(), "y", []byte("y")))
	if err == nil || !strings.Contains(err.Error(), "s3://no-such-bucket/p/scenes/y.nc") {
		t.Errorf("missing bucket: %v, want an error naming the key", err)
	}
}

func TestParseURL(t *testing.T) {
	cases := []struct {
		url  string
		want Location
		err  string
	}{
		{"s3://bucket/a/b/", Location{"s3", "bucket", "a/b"}, ""},
		{"s3://my.bucket-1", Location{"s3", "my.bucket-1", ""}, ""},
		{"file:///tmp/x/", Location{"file", "", "/tmp/x"}, ""},
		{"s3://", Location{}, "not a valid S3 bucket name"},
		{"s3://Upper/p", Location{}, "not a valid S3 bucket name"},
		{"s3://bkt/p/../q", Location{}, "'..'"},
		{"s3://bkt:9000/p", Location{}, "endpoint comes from AWS_ENDPOINT_URL"},
		{"s3://user@bkt/p", Location{}, "without user"},
		{"gs://bkt/p", Location{}, `unsupported scheme "gs"`},
		{"bucket/prefix", Location{}, "missing scheme"},
		{"file://host/x", Location{}, "no host"},
		{"file:rel", Location{}, "absolute"},
		{"s3://b\x7f", Location{}, "invalid control character"},
	}
	for _, c := range cases {
		got, err := ParseURL(c.url)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseURL(%q) = %+v, %v; want error containing %q", c.url, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", c.url, got, err, c.want)
		}
	}
}

func TestOpenEnvErrors(t *testing.T) {
	cases := []struct {
		env map[string]string
		err string
	}{
		{map[string]string{"AWS_ACCESS_KEY_ID": "a"}, "AWS_SECRET_ACCESS_KEY must be set"},
		{map[string]string{"AWS_ENDPOINT_URL": "127.0.0.1:9000", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}, "AWS_ENDPOINT_URL="},
		{map[string]string{"S3_ENDPOINT": "ftp://x", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}, "S3_ENDPOINT="},
	}
	for _, c := range cases {
		_, err := Open("s3://bucket/p", Options{Getenv: func(k string) string { return c.env[k] }})
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("env %v: %v, want error containing %q", c.env, err, c.err)
		}
	}
	st, err := Open("s3://bucket/p", Options{Getenv: func(k string) string {
		return map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}[k]
	}})
	if err != nil {
		t.Fatal(err)
	}
	if st.(*S3).Endpoint != "http://127.0.0.1:1" || st.URL() != "s3://bucket/p" {
		t.Errorf("endpoint %s url %s", st.(*S3).Endpoint, st.URL())
	}
}

func TestBadKeys(t *testing.T) {
	st := NewDir(t.TempDir())
	local := writeFile(t, t.TempDir(), "f", []byte("x"))
	for _, key := range []string{"", "/abs", "a/../b", "a//b", `a\b`} {
		_, err := st.Put(context.Background(), key, local)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", key)) && key != "" {
			t.Errorf("put %q: %v, want an error naming the key", key, err)
		}
	}
	if _, err := st.Put(context.Background(), "scenes/missing.nc", filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "scenes/missing.nc") {
		t.Errorf("missing local file: %v, want an error naming the key", err)
	}
}

func TestTransient(t *testing.T) {
	if Transient(nil) || Transient(errors.New("x")) || Transient(context.Canceled) {
		t.Error("plain errors are not transient")
	}
	if !Transient(fmt.Errorf("wrapped: %w", transientError{errors.New("x")})) {
		t.Error("a wrapped transient error is transient")
	}
}
