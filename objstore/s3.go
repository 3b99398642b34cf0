package objstore

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is a Store in an S3-compatible bucket.
type S3 struct {
	loc      Location
	client   *minio.Client
	opt      Options
	Endpoint string // scheme://host[:port] requests go to
}

// newS3 builds the client from the environment (see the package comment).
func newS3(loc Location, opt Options) (*S3, error) {
	env := opt.Getenv
	endpoint := env("AWS_ENDPOINT_URL")
	name := "AWS_ENDPOINT_URL"
	if endpoint == "" {
		endpoint, name = env("S3_ENDPOINT"), "S3_ENDPOINT"
	}
	host, secure, lookup := "s3.amazonaws.com", true, minio.BucketLookupAuto
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
			return nil, fmt.Errorf("%s=%q: want http(s)://host[:port]", name, endpoint)
		}
		host, secure, lookup = u.Host, u.Scheme == "https", minio.BucketLookupPath
	}
	ak, sk := env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")
	if ak == "" || sk == "" {
		return nil, fmt.Errorf("s3://%s: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set", loc.Bucket)
	}
	region := env("AWS_REGION")
	if region == "" {
		region = env("AWS_DEFAULT_REGION")
	}
	if region == "" {
		region = "us-east-1" // also spares a GetBucketLocation request
	}
	tr := opt.Transport
	if tr == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	c, err := minio.New(host, &minio.Options{
		Creds:        credentials.NewStaticV4(ak, sk, env("AWS_SESSION_TOKEN")),
		Secure:       secure,
		Transport:    tr,
		Region:       region,
		BucketLookup: lookup,
		MaxRetries:   1, // retries are ours (retry), with back-off and verification
	})
	if err != nil {
		return nil, fmt.Errorf("s3://%s: endpoint %s: %w", loc.Bucket, host, err)
	}
	scheme := "https"
	if !secure {
		scheme = "http"
	}
	return &S3{loc: loc, client: c, opt: opt, Endpoint: scheme + "://" + host}, nil
}

// URL is s3://bucket[/prefix].
func (s *S3) URL() string {
	if s.loc.Prefix == "" {
		return "s3://" + s.loc.Bucket
	}
	return "s3://" + s.loc.Bucket + "/" + s.loc.Prefix
}

func (s *S3) full(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", fmt.Errorf("objstore %s: %w", s.URL(), err)
	}
	if s.loc.Prefix == "" {
		return key, nil
	}
	return s.loc.Prefix + "/" + key, nil
}

var md5ETag = regexp.MustCompile(`^[0-9a-f]{32}$`)

// classify wraps err as transient when a retry may succeed.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && (resp.StatusCode != 0 || resp.Code != "") {
		switch {
		case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout:
			return transientError{err}
		}
		switch resp.Code {
		case "SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "BadDigest", "IncompleteBody", "XAmzContentSHA256Mismatch":
			return transientError{err}
		}
		return err
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return transientError{err}
	}
	return err
}

func notFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == "NoSuchKey"
}

// Put uploads the file with Content-MD5 (the server rejects a corrupted
// body) and x-amz-meta-sha256, then stats the object and compares size,
// MD5 ETag and recorded SHA-256 with the local file. Transient failures,
// including a mismatch, are retried.
func (s *S3) Put(ctx context.Context, key, localPath string) (Object, error) {
	full, err := s.full(key)
	if err != nil {
		return Object{}, err
	}
	f, err := os.Open(localPath)
	if err != nil {
		return Object{}, fmt.Errorf("objstore put %s: %w", key, err)
	}
	hs, hm := sha256.New(), md5.New()
	size, err := io.Copy(io.MultiWriter(hs, hm), f)
	f.Close()
	if err != nil {
		return Object{}, fmt.Errorf("objstore put %s: reading %s: %w", key, localPath, err)
	}
	sum, md := hex.EncodeToString(hs.Sum(nil)), hex.EncodeToString(hm.Sum(nil))
	what := fmt.Sprintf("objstore put %s/%s", s.URL(), key)
	var out Object
	err = retry(ctx, s.opt, what, func() error {
		f, err := os.Open(localPath)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = s.client.PutObject(ctx, s.loc.Bucket, full, f, size, minio.PutObjectOptions{
			UserMetadata:     map[string]string{MetaSHA256: sum},
			SendContentMd5:   true,
			DisableMultipart: true, // one part: the ETag is the content MD5
			// no streaming (aws-chunked) signature: the body goes as is,
			// guarded by Content-MD5 and checked afterwards
			DisableContentSha256: true,
			ContentType:          contentType(key),
		})
		if err != nil {
			return classify(err)
		}
		o, err := s.stat(ctx, key, full)
		if err != nil {
			return classify(err)
		}
		switch {
		case o.Size != size:
			return transientError{fmt.Errorf("stored object has %d bytes, local file %s has %d: %w", o.Size, localPath, size, ErrChecksum)}
		case md5ETag.MatchString(o.ETag) && o.ETag != md:
			return transientError{fmt.Errorf("stored ETag %s is not the MD5 %s of %s: %w", o.ETag, md, localPath, ErrChecksum)}
		case o.SHA256 != sum:
			return transientError{fmt.Errorf("stored x-amz-meta-sha256 %q is not the SHA-256 %s of %s: %w", o.SHA256, sum, localPath, ErrChecksum)}
		}
		out = o
		return nil
	})
	if err != nil {
		if !strings.HasPrefix(err.Error(), what) {
			err = fmt.Errorf("%s: %w", what, err)
		}
		return Object{}, err
	}
	return out, nil
}

func contentType(key string) string {
	switch filepath.Ext(key) {
	case ".nc":
		return "application/x-netcdf"
	case ".parquet":
		return "application/vnd.apache.parquet"
	case ".json":
		return "application/json"
	}
	return "application/octet-stream"
}

func (s *S3) stat(ctx context.Context, key, full string) (Object, error) {
	info, err := s.client.StatObject(ctx, s.loc.Bucket, full, minio.StatObjectOptions{})
	if err != nil {
		return Object{}, err
	}
	return Object{Key: key, Size: info.Size, SHA256: info.Metadata.Get("X-Amz-Meta-" + MetaSHA256),
		ETag: strings.Trim(info.ETag, `"`), Modified: info.LastModified}, nil
}

// Stat describes key (its SHA256 is the recorded x-amz-meta-sha256).
func (s *S3) Stat(ctx context.Context, key string) (Object, error) {
	full, err := s.full(key)
	if err != nil {
		return Object{}, err
	}
	what := fmt.Sprintf("objstore stat %s/%s", s.URL(), key)
	var o Object
	err = retry(ctx, s.opt, what, func() error {
		var err error
		o, err = s.stat(ctx, key, full)
		return classify(err)
	})
	if err != nil {
		if notFound(err) {
			return Object{}, fmt.Errorf("%s: %w", what, ErrNotExist)
		}
		return Object{}, fmt.Errorf("%s: %w", what, err)
	}
	return o, nil
}

// Get downloads key to localPath through a temp file and a rename and
// checks the content against the recorded SHA-256 (when there is one).
func (s *S3) Get(ctx context.Context, key, localPath string) (Object, error) {
	full, err := s.full(key)
	if err != nil {
		return Object{}, err
	}
	what := fmt.Sprintf("objstore get %s/%s", s.URL(), key)
	var out Object
	err = retry(ctx, s.opt, what, func() error {
		obj, err := s.client.GetObject(ctx, s.loc.Bucket, full, minio.GetObjectOptions{})
		if err != nil {
			return classify(err)
		}
		defer obj.Close()
		info, err := obj.Stat()
		if err != nil {
			return classify(err)
		}
		if err := os.MkdirAll(filepath.Dir(localPath), 0o755); err != nil {
			return err
		}
		tmp, err := os.CreateTemp(filepath.Dir(localPath), "."+filepath.Base(localPath)+".tmp*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(tmp, h), obj)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return classify(err)
		}
		got := hex.EncodeToString(h.Sum(nil))
		want := info.Metadata.Get("X-Amz-Meta-" + MetaSHA256)
		if n != info.Size || (want != "" && got != want) {
			return transientError{fmt.Errorf("downloaded %d bytes with sha256 %s; stored %d bytes, x-amz-meta-sha256 %q: %w", n, got, info.Size, want, ErrChecksum)}
		}
		if err := os.Rename(tmp.Name(), localPath); err != nil {
			return err
		}
		out = Object{Key: key, Size: n, SHA256: got, ETag: strings.Trim(info.ETag, `"`), Modified: info.LastModified}
		return nil
	})
	if err != nil {
		if notFound(err) {
			return Object{}, fmt.Errorf("%s: %w", what, ErrNotExist)
		}
		if !strings.HasPrefix(err.Error(), what) {
			err = fmt.Errorf("%s: %w", what, err)
		}
		return Object{}, err
	}
	return out, nil
}

// List returns the objects under prefix. S3 listings carry no user
// metadata, so SHA256 is empty (Stat each key to get it).
func (s *S3) List(ctx context.Context, prefix string) ([]Object, error) {
	full := prefix
	if s.loc.Prefix != "" {
		full = s.loc.Prefix + "/" + prefix
	}
	what := fmt.Sprintf("objstore list %s/%s", s.URL(), prefix)
	var out []Object
	err := retry(ctx, s.opt, what, func() error {
		out = out[:0]
		lctx, cancel := context.WithCancel(ctx) // stops the lister on an early return
		defer cancel()
		for info := range s.client.ListObjects(lctx, s.loc.Bucket, minio.ListObjectsOptions{Prefix: full, Recursive: true}) {
			if info.Err != nil {
				return classify(info.Err)
			}
			key := info.Key
			if s.loc.Prefix != "" {
				key = strings.TrimPrefix(key, s.loc.Prefix+"/")
			}
			out = append(out, Object{Key: key, Size: info.Size, ETag: strings.Trim(info.ETag, `"`), Modified: info.LastModified})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func minioStatOpts() minio.StatObjectOptions { return minio.StatObjectOptions{} }

// Check verifies the credentials and that the bucket exists.
func (s *S3) Check(ctx context.Context) error {
	what := fmt.Sprintf("objstore check %s (endpoint %s)", s.URL(), s.Endpoint)
	var ok bool
	err := retry(ctx, s.opt, what, func() error {
		var err error
		ok, err = s.client.BucketExists(ctx, s.loc.Bucket)
		return classify(err)
	})
	if err != nil {
		if !strings.HasPrefix(err.Error(), what) {
			err = fmt.Errorf("%s: %w", what, err)
		}
		return err
	}
	if !ok {
		return fmt.Errorf("%s: bucket %q does not exist", what, s.loc.Bucket)
	}
	return nil
}
