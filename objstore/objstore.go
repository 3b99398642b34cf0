package objstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"
	"time"
)

// MetaSHA256 is the user-metadata name (x-amz-meta-sha256 on S3) holding
// the lowercase hex SHA-256 of an object's content.
const MetaSHA256 = "sha256"

// Object describes a stored object.
type Object struct {
	Key      string    // relative to the store's prefix
	Size     int64     // bytes
	SHA256   string    // lowercase hex; "" when the store does not know it (S3 List)
	ETag     string    // S3 ETag without quotes; "" for directories
	Modified time.Time // last modification
}

// Store is a place output files are published to.
type Store interface {
	// Put uploads the local file to key and verifies the stored copy
	// against the file's SHA-256 (and MD5 where the store reports one).
	Put(ctx context.Context, key, localPath string) (Object, error)
	// Get downloads key to localPath (atomically) and verifies its SHA-256
	// when the object records one.
	Get(ctx context.Context, key, localPath string) (Object, error)
	// Stat describes key; errors.Is(err, ErrNotExist) when it is absent.
	Stat(ctx context.Context, key string) (Object, error)
	// List returns the objects whose keys start with prefix, sorted by key.
	List(ctx context.Context, prefix string) ([]Object, error)
	// URL is the store's location (s3://bucket/prefix or file:///dir).
	URL() string
	// Check verifies that the store is reachable and exists (the bucket,
	// or the directory, created when missing), before outputs are due.
	Check(ctx context.Context) error
}

// ErrNotExist is wrapped by Stat and Get when the key is absent.
var ErrNotExist = errors.New("object does not exist")

// ErrChecksum is wrapped when a stored copy does not match the local file.
var ErrChecksum = errors.New("checksum mismatch")

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Transport for S3 HTTP requests (default: a clone of
	// http.DefaultTransport). Tests inject failures here.
	Transport http.RoundTripper
	// Attempts per operation, first one included (default 5).
	Attempts int
	// BaseDelay is the wait after the first failure, doubled after each
	// further one up to MaxDelay (defaults 200 ms and 5 s), with jitter.
	BaseDelay, MaxDelay time.Duration
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// Sleep waits between attempts (default: a timer honouring ctx).
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o *Options) defaults() {
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 200 * time.Millisecond
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 5 * time.Second
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Location is a parsed store URL.
type Location struct {
	Scheme string // "s3" or "file"
	Bucket string // s3 only
	Prefix string // s3: key prefix without leading or trailing slash; file: absolute directory
}

// bucket names: S3's rules (3-63 chars of lowercase letters, digits, dots
// and hyphens, starting and ending with a letter or digit).
var bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ParseURL parses s3://bucket/prefix or file:///abs/dir.
func ParseURL(raw string) (Location, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Location{}, fmt.Errorf("%q: %w", raw, err)
	}
	switch u.Scheme {
	case "s3":
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Port() != "" {
			return Location{}, fmt.Errorf("%q: want s3://bucket/prefix without user, port, query or fragment (the endpoint comes from AWS_ENDPOINT_URL)", raw)
		}
		if !bucketRE.MatchString(u.Host) || strings.Contains(u.Host, "..") {
			return Location{}, fmt.Errorf("%q: bucket %q is not a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')", raw, u.Host)
		}
		p := strings.Trim(u.Path, "/")
		if p != "" {
			if err := checkKey(p); err != nil {
				return Location{}, fmt.Errorf("%q: prefix: %w", raw, err)
			}
		}
		return Location{Scheme: "s3", Bucket: u.Host, Prefix: p}, nil
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return Location{}, fmt.Errorf("%q: want file:///absolute/dir (no host)", raw)
		}
		if !strings.HasPrefix(u.Path, "/") || u.Path == "/" {
			return Location{}, fmt.Errorf("%q: want file:///absolute/dir", raw)
		}
		return Location{Scheme: "file", Prefix: path.Clean(u.Path)}, nil
	case "":
		return Location{}, fmt.Errorf("%q: missing scheme; want s3://bucket/prefix or file:///dir", raw)
	default:
		return Location{}, fmt.Errorf("%q: unsupported scheme %q; want s3://bucket/prefix or file:///dir", raw, u.Scheme)
	}
}

// checkKey rejects keys that are not clean relative slash paths.
func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("empty key")
	}
	if strings.HasPrefix(key, "/") || strings.Contains(key, "\\") {
		return fmt.Errorf("key %q: want a relative slash-separated path", key)
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("key %q: empty, '.' or '..' path element", key)
		}
	}
	return nil
}

// Open opens the store at a URL (see ParseURL).
func Open(raw string, opt Options) (Store, error) {
	loc, err := ParseURL(raw)
	if err != nil {
		return nil, err
	}
	opt.defaults()
	if loc.Scheme == "file" {
		return NewDir(loc.Prefix), nil
	}
	return newS3(loc, opt)
}

// FileSHA256 returns the lowercase hex SHA-256 and the size of a file.
func FileSHA256(p string) (sum string, size int64, err error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// retry runs op up to opt.Attempts times while it fails with a transient
// error, waiting BaseDelay·2^k (capped at MaxDelay, ±25 % jitter) between.
func retry(ctx context.Context, opt Options, what string, op func() error) error {
	var err error
	delay := opt.BaseDelay
	for attempt := 1; ; attempt++ {
		err = op()
		if err == nil || !Transient(err) || attempt >= opt.Attempts || ctx.Err() != nil {
			break
		}
		d := delay/4*3 + time.Duration(rand.Int64N(int64(delay/2)+1))
		if serr := opt.Sleep(ctx, d); serr != nil {
			return fmt.Errorf("%s: %w (interrupted while waiting to retry: %v)", what, err, serr)
		}
		if delay *= 2; delay > opt.MaxDelay {
			delay = opt.MaxDelay
		}
	}
	if err != nil && Transient(err) && opt.Attempts > 1 && ctx.Err() == nil {
		return fmt.Errorf("%s: gave up after %d attempts: %w", what, opt.Attempts, err)
	}
	return err
}

// transientError marks a failure worth retrying.
type transientError struct{ err error }

func (e transientError) Error() string { return e.err.Error() }
func (e transientError) Unwrap() error { return e.err }

// Transient reports whether err is worth retrying: network failures, 5xx,
// 429/SlowDown, request timeouts and checksum mismatches after an upload.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var te transientError
	return errors.As(err, &te)
}
