package batch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/objstore"
	"github.com/stilt-mpi/stilt-mpi/objstore/objstoretest"
	"github.com/stilt-mpi/stilt-mpi/registry"
)

// soloWorldDouble is a test double World of one rank (rank 0 computes
// itself); Bcast is the identity.
type soloWorldDouble struct{ *chanComm }

func (w soloWorldDouble) Bcast(buf []byte, root int) ([]byte, error) { return buf, nil }

func sha256File(t *testing.T, p string) (string, []byte) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), b
}

// TestRunUploadsToObjectStore runs a small synthetic batch in process with
// [output] url on a local s3rver: every scene file and trajectory export
// must be in the bucket, byte-identical to the local file, with its
// SHA-256 in x-amz-meta-sha256. A second run (nothing pending) re-uploads
// a scene object that went missing; `export --per-sim` uploads its files.
func TestRunUploadsToObjectStore(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end object-store test: skipped under -short")
	}
	srv := objstoretest.Start(t)
	srv.SetEnv(t)
	dir := t.TempDir()
	url := "s3://" + srv.Bucket + "/runs/t1"
	receptors := "time,latitude,longitude,altitude,scene\n" +
		"2019-05-30 07:00:00,40.7,-112.0,5,north\n" +
		"2019-05-30 08:00:00,40.8,-112.1,15,north\n" +
		"2019-05-30 09:00:00,40.6,-111.9,5,south\n"
	cfg := writeSynthProject(t, dir, receptors, "[output]\ntrajectories = true\nurl = \""+url+"\"\n[scenes]\nrule = \"column\"\n")
	if cfg.Output.URL != url {
		t.Fatalf("output.url = %q, want %q", cfg.Output.URL, url)
	}
	var log bytes.Buffer
	run := func() {
		t.Helper()
		if err := Run(context.Background(), soloWorldDouble{newChanWorld(1)[0]}, cfg.Path, RunOptions{Log: &log}); err != nil {
			t.Fatalf("run: %v\n%s", err, log.String())
		}
	}
	run()

	// every local output file (scenes and simulation exports) is in the
	// bucket under its relative path, with equal bytes and sha256
	var local []string
	for _, sub := range []string{"scenes", "simulations"} {
		filepath.WalkDir(filepath.Join(cfg.OutputDir(), sub), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(cfg.OutputDir(), p)
				local = append(local, filepath.ToSlash(rel))
			}
			return nil
		})
	}
	sort.Strings(local)
	want := []string{"scenes/north.nc", "scenes/south.nc"}
	for _, w := range want {
		if i := sort.SearchStrings(local, w); i == len(local) || local[i] != w {
			t.Fatalf("local scene file %s missing; local files %v\n%s", w, local, log.String())
		}
	}
	var trajs int
	for _, k := range local {
		if strings.HasSuffix(k, "_traj.parquet") {
			trajs++
		}
	}
	if trajs != 3 {
		t.Errorf("%d trajectory exports, want 3: %v", trajs, local)
	}
	// an independent client: opened from the URL, not the run's cache
	st, err := objstore.Open(url, objstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	list, err := st.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range list {
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, "\n") != strings.Join(local, "\n") {
		t.Errorf("bucket keys\n%v\nlocal files\n%v", keys, local)
	}
	for _, k := range local {
		sum, data := sha256File(t, filepath.Join(cfg.OutputDir(), filepath.FromSlash(k)))
		o, err := st.Stat(ctx, k)
		if err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		if o.SHA256 != sum || o.Size != int64(len(data)) {
			t.Errorf("%s: stored sha256 %s size %d, local %s size %d", k, o.SHA256, o.Size, sum, len(data))
		}
		back := filepath.Join(t.TempDir(), "back")
		if _, err := st.Get(ctx, k, back); err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		if _, got := sha256File(t, back); !bytes.Equal(got, data) {
			t.Errorf("%s: downloaded object differs from the local file", k)
		}
	}

	// a lost upload is repaired by the next run: remove one object
	// behind the store's back (s3rver keeps objects as files), rerun
	if err := removeS3rverObject(t, srv, "runs/t1/scenes/south.nc"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Stat(ctx, "scenes/south.nc"); err == nil {
		t.Fatal("object still present after removal")
	}
	run()
	sum, _ := sha256File(t, filepath.Join(cfg.OutputDir(), "scenes", "south.nc"))
	if o, err := st.Stat(ctx, "scenes/south.nc"); err != nil || o.SHA256 != sum {
		t.Errorf("after the rerun: %+v %v, want sha256 %s", o, err, sum)
	}

	// `export --per-sim` uploads the R-STILT-style footprint files too
	reg, err := registry.OpenReadOnly(cfg.RegistryPath())
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if err := Export(ctx, cfg, reg, "", true, &log); err != nil {
		t.Fatalf("export: %v\n%s", err, log.String())
	}
	foots, _ := filepath.Glob(filepath.Join(cfg.OutputDir(), "simulations", "*", "*_foot.nc"))
	if len(foots) != 3 {
		t.Fatalf("%d per-simulation footprint files, want 3: %v", len(foots), foots)
	}
	for _, f := range foots {
		sum, _ := sha256File(t, f)
		rel, _ := filepath.Rel(cfg.OutputDir(), f)
		if o, err := st.Stat(ctx, filepath.ToSlash(rel)); err != nil || o.SHA256 != sum {
			t.Errorf("export %s: %+v %v, want sha256 %s", rel, o, err, sum)
		}
	}
}

// removeS3rverObject deletes an object with a DELETE request signed by a
// plain minio client (objstore has no Delete: outputs are never removed).
func removeS3rverObject(t *testing.T, srv *objstoretest.Server, key string) error {
	t.Helper()
	return srv.Remove(context.Background(), key)
}

// TestRunChecksOutputStore: a misconfigured or missing object store stops
// `run` before any simulation, as bad input when the configuration is at
// fault.
func TestRunChecksOutputStore(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end object-store test: skipped under -short")
	}
	srv := objstoretest.Start(t)
	receptors := "time,latitude,longitude,altitude\n2019-05-30 07:00:00,40.7,-112.0,5\n"
	cases := []struct {
		name   string
		url    string
		env    map[string]string
		bad    bool
		errHas []string
	}{
		{"no credentials", "s3://" + srv.Bucket + "/x", map[string]string{"AWS_ENDPOINT_URL": srv.Endpoint}, true,
			[]string{"output.url", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set"}},
		{"missing bucket", "s3://no-such-bucket/x", srv.Env(), false,
			[]string{"output.url", `bucket "no-such-bucket" does not exist`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"AWS_ENDPOINT_URL", "S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"} {
				t.Setenv(k, c.env[k])
			}
			dir := t.TempDir()
			cfg := writeSynthProject(t, dir, receptors, "[output]\nurl = \""+c.url+"\"\n")
			var log bytes.Buffer
			err := Run(context.Background(), soloWorldDouble{newChanWorld(1)[0]}, cfg.Path, RunOptions{Log: &log})
			if err == nil {
				t.Fatalf("run succeeded\n%s", log.String())
			}
			var bad BadInputError
			if isBad := errors.As(err, &bad); isBad != c.bad {
				t.Errorf("bad input = %v, want %v: %v", isBad, c.bad, err)
			}
			for _, s := range c.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if _, err := os.Stat(filepath.Join(cfg.OutputDir(), "registry.sqlite")); err == nil {
				t.Error("a registry was created: the check came after the run started")
			}
		})
	}
}

// TestRunUploadsToDirectoryStore: url = "file:///dir" mirrors the outputs
// into another directory (no server needed).
func TestRunUploadsToDirectoryStore(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end object-store test: skipped under -short")
	}
	dir := t.TempDir()
	mirror := filepath.Join(t.TempDir(), "mirror")
	receptors := "time,latitude,longitude,altitude\n2019-05-30 07:00:00,40.7,-112.0,5\n2019-05-30 08:00:00,40.8,-112.1,15\n"
	cfg := writeSynthProject(t, dir, receptors, "[output]\nurl = \"file://"+mirror+"\"\n[scenes]\nrule = \"utc_day\"\n")
	var log bytes.Buffer
	if err := Run(context.Background(), soloWorldDouble{newChanWorld(1)[0]}, cfg.Path, RunOptions{Log: &log}); err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	scenes, _ := filepath.Glob(filepath.Join(cfg.OutputDir(), "scenes", "*.nc"))
	if len(scenes) != 1 {
		t.Fatalf("scene files %v, want 1", scenes)
	}
	for _, f := range scenes {
		_, want := sha256File(t, f)
		_, got := sha256File(t, filepath.Join(mirror, "scenes", filepath.Base(f)))
		if !bytes.Equal(got, want) {
			t.Errorf("mirrored %s differs from the local file", filepath.Base(f))
		}
	}
}

func TestOutputKey(t *testing.T) {
	cfg := writeSynthProject(t, t.TempDir(), "time,latitude,longitude,altitude\n2019-05-30 07:00:00,40.7,-112.0,5\n", "")
	out := cfg.OutputDir()
	cases := []struct {
		path, key, err string
	}{
		{filepath.Join(out, "scenes", "a.nc"), "scenes/a.nc", ""},
		{filepath.Join(out, "simulations", "s1", "s1_traj.parquet"), "simulations/s1/s1_traj.parquet", ""},
		{out, "", "not inside the output directory"},
		{filepath.Join(filepath.Dir(out), "elsewhere.nc"), "", "not inside the output directory"},
	}
	for _, c := range cases {
		key, err := OutputKey(cfg, c.path)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("OutputKey(%s) = %q, %v; want error %q", c.path, key, err, c.err)
			}
			continue
		}
		if err != nil || key != c.key {
			t.Errorf("OutputKey(%s) = %q, %v; want %q", c.path, key, err, c.key)
		}
	}
	// without [output] url publishing is a no-op, even for a missing file
	if err := PublishOutput(context.Background(), cfg, filepath.Join(out, "nope.nc")); err != nil {
		t.Errorf("PublishOutput without url: %v", err)
	}
}
