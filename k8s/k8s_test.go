package k8s

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func baseOptions(kind string) Options {
	return Options{Kind: kind, Project: "Demo Run", Image: "ghcr.io/example/stilt-mpi:1.0", ConfigPath: "/data/run.toml",
		Workers: 4, DataPVC: "stilt-data", Lease: "5m", Batch: 2, MaxAttempts: 5, Namespace: "stilt"}
}

// render returns the manifest decoded from its JSON rendering.
func render(t *testing.T, o Options) map[string]any {
	t.Helper()
	m, err := Manifest(o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, true, m); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatalf("JSON output does not parse: %v\n%s", err, b.String())
	}
	return v
}

// at walks a decoded JSON value by a dotted path.
func at(t *testing.T, v any, path string) any {
	t.Helper()
	for _, p := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[p]; !ok {
				t.Fatalf("%s: no key %q", path, p)
			}
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(c) {
				t.Fatalf("%s: no element %q", path, p)
			}
			v = c[i]
		default:
			t.Fatalf("%s: %q under a scalar", path, p)
		}
	}
	return v
}

func TestManifestRequiredFields(t *testing.T) {
	cases := []struct {
		kind, apiVersion, k8sKind, verb, restart, countKey string
	}{
		{KindJob, "batch/v1", "Job", "pull-worker", "Never", "spec.parallelism"},
		{KindDeployment, "apps/v1", "Deployment", "serve", "Always", "spec.replicas"},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			v := render(t, baseOptions(tc.kind))
			want := map[string]any{
				"apiVersion":                            tc.apiVersion,
				"kind":                                  tc.k8sKind,
				"metadata.name":                         "stilt-demo-run",
				"metadata.namespace":                    "stilt",
				tc.countKey:                             4.0,
				"spec.template.spec.restartPolicy":      tc.restart,
				"spec.template.spec.containers.0.image": "ghcr.io/example/stilt-mpi:1.0",
				"spec.template.spec.containers.0.command.0":                         "stilt-mpi",
				"spec.template.spec.containers.0.args.0":                            tc.verb,
				"spec.template.spec.containers.0.args.1":                            "/data/run.toml",
				"spec.template.spec.containers.0.env.0.name":                        "STILT_REGISTRY_URL",
				"spec.template.spec.containers.0.env.0.valueFrom.secretKeyRef.name": "stilt-registry",
				"spec.template.spec.containers.0.env.0.valueFrom.secretKeyRef.key":  "url",
				"spec.template.spec.containers.0.env.1.name":                        "TMPDIR",
				"spec.template.spec.containers.0.env.1.value":                       "/scratch",
				"spec.template.spec.containers.0.resources.requests.cpu":            "1",
				"spec.template.spec.containers.0.resources.limits.memory":           "2Gi",
				"spec.template.spec.containers.0.volumeMounts.0.mountPath":          "/scratch",
				"spec.template.spec.containers.0.volumeMounts.1.name":               "data",
				"spec.template.spec.volumes.0.name":                                 "scratch",
				"spec.template.spec.volumes.0.emptyDir.sizeLimit":                   "10Gi",
				"spec.template.spec.volumes.1.persistentVolumeClaim.claimName":      "stilt-data",
			}
			for path, w := range want {
				if got := at(t, v, path); got != w {
					t.Errorf("%s = %v, want %v", path, got, w)
				}
			}
			args := fmt.Sprint(at(t, v, "spec.template.spec.containers.0.args"))
			if args != "["+tc.verb+" /data/run.toml --lease 5m --batch 2 --max-attempts 5]" {
				t.Errorf("args %s", args)
			}
			// every volume mount names a volume
			vols := map[string]bool{}
			for _, vol := range at(t, v, "spec.template.spec.volumes").([]any) {
				vols[vol.(map[string]any)["name"].(string)] = true
			}
			for _, m := range at(t, v, "spec.template.spec.containers.0.volumeMounts").([]any) {
				if n := m.(map[string]any)["name"].(string); !vols[n] {
					t.Errorf("mount %s has no volume", n)
				}
			}
			labels := at(t, v, "spec.template.metadata").(map[string]any)["labels"]
			if tc.kind == KindDeployment {
				sel := at(t, v, "spec.selector").(map[string]any)["matchLabels"]
				if !reflect.DeepEqual(sel, labels) {
					t.Errorf("selector %v does not match the pod labels %v", sel, labels)
				}
			} else if _, ok := v["spec"].(map[string]any)["completions"]; ok {
				t.Error("work-queue Job must leave completions unset")
			}
		})
	}
}

func TestManifestRejectsBadOptions(t *testing.T) {
	mod := func(f func(*Options)) Options {
		o := baseOptions(KindJob)
		f(&o)
		return o
	}
	cases := map[string]Options{
		"kind":        mod(func(o *Options) { o.Kind = "cronjob" }),
		"image":       mod(func(o *Options) { o.Image = "" }),
		"config":      mod(func(o *Options) { o.ConfigPath = "run.toml" }),
		"name":        mod(func(o *Options) { o.Name = "Bad_Name" }),
		"long name":   mod(func(o *Options) { o.Name = strings.Repeat("a", 64) }),
		"namespace":   mod(func(o *Options) { o.Namespace = "NS" }),
		"cpu":         mod(func(o *Options) { o.CPU = "lots" }),
		"memory":      mod(func(o *Options) { o.Memory = "2 GB" }),
		"workers":     mod(func(o *Options) { o.Workers = -1 }),
		"secret name": mod(func(o *Options) { o.SecretName = "a_b" }),
	}
	for name, o := range cases {
		if _, err := Manifest(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	o := mod(func(o *Options) { o.Project = strings.Repeat("Very Long Project ", 10) })
	m, err := Manifest(o)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := m.Get("metadata.name"); len(n.(string)) > 63 || strings.HasSuffix(n.(string), "-") {
		t.Fatalf("default name %q", n)
	}
}

// parseYAML reads the block-style subset Write emits (maps, "- " lists,
// double-quoted strings, integers) into the values encoding/json produces,
// so that the YAML and JSON renderings can be compared.
func parseYAML(t *testing.T, src string) []any {
	t.Helper()
	var docs []any
	for _, doc := range strings.Split(src, "---\n") {
		lines := strings.Split(strings.TrimRight(doc, "\n"), "\n")
		i := 0
		docs = append(docs, parseBlock(t, lines, &i, 0))
	}
	return docs
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

func parseScalar(t *testing.T, s string) any {
	if strings.HasPrefix(s, `"`) {
		var v string
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("scalar %s: %v", s, err)
		}
		return v
	}
	if s == "{}" {
		return map[string]any{}
	}
	if s == "[]" {
		return []any{}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("unquoted non-number scalar %q", s)
	}
	return f
}

func parseBlock(t *testing.T, lines []string, i *int, ind int) any {
	if *i >= len(lines) {
		return nil
	}
	if strings.HasPrefix(strings.TrimLeft(lines[*i], " "), "- ") && indentOf(lines[*i]) == ind {
		var out []any
		for *i < len(lines) && indentOf(lines[*i]) == ind && strings.HasPrefix(strings.TrimLeft(lines[*i], " "), "- ") {
			rest := strings.TrimLeft(lines[*i], " ")[2:]
			if !strings.Contains(rest, ": ") && !strings.HasSuffix(rest, ":") {
				out = append(out, parseScalar(t, rest))
				*i++
				continue
			}
			// a map whose first key sits on the dash line
			lines[*i] = strings.Repeat(" ", ind+2) + rest
			out = append(out, parseBlock(t, lines, i, ind+2))
		}
		return out
	}
	out := map[string]any{}
	for *i < len(lines) && indentOf(lines[*i]) == ind && !strings.HasPrefix(strings.TrimLeft(lines[*i], " "), "- ") {
		line := strings.TrimLeft(lines[*i], " ")
		var key, val string
		if strings.HasPrefix(line, `"`) {
			end := strings.Index(line[1:], `"`) + 1
			json.Unmarshal([]byte(line[:end+1]), &key)
			val = strings.TrimPrefix(strings.TrimPrefix(line[end+1:], ":"), " ")
		} else {
			k, v, _ := strings.Cut(line, ":")
			key, val = k, strings.TrimPrefix(v, " ")
		}
		*i++
		if val != "" {
			out[key] = parseScalar(t, val)
			continue
		}
		if *i < len(lines) && strings.HasPrefix(strings.TrimLeft(lines[*i], " "), "- ") && indentOf(lines[*i]) == ind {
			out[key] = parseBlock(t, lines, i, ind)
		} else {
			out[key] = parseBlock(t, lines, i, ind+2)
		}
	}
	return out
}

// TestYAMLMatchesJSON: the YAML rendering carries the same tree as the JSON
// one, for both kinds and the Secret.
func TestYAMLMatchesJSON(t *testing.T) {
	for _, kind := range []string{KindJob, KindDeployment} {
		o := baseOptions(kind)
		m, err := Manifest(o)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Secret(o, `postgres://stilt:p"w@db:5432/stilt?sslmode=require`)
		if err != nil {
			t.Fatal(err)
		}
		docs := []Map{m, s}
		if kind == KindDeployment {
			so, err := ScaledObject(o, 10, 3)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, so)
		}
		var y bytes.Buffer
		if err := Write(&y, false, docs...); err != nil {
			t.Fatal(err)
		}
		got := parseYAML(t, y.String())
		if len(got) != len(docs) {
			t.Fatalf("%d YAML documents, want %d", len(got), len(docs))
		}
		for i, d := range docs {
			var j bytes.Buffer
			Write(&j, true, d)
			var want any
			json.Unmarshal(j.Bytes(), &want)
			if !reflect.DeepEqual(got[i], want) {
				t.Fatalf("%s document %d: YAML and JSON differ\nYAML:\n%s\nJSON:\n%s", kind, i, y.String(), j.String())
			}
		}
	}
}

func TestScaledObject(t *testing.T) {
	o := baseOptions(KindDeployment)
	m, err := ScaledObject(o, 50, 2)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := Manifest(o)
	dn, _ := d.Get("metadata.name")
	want := map[string]any{
		"apiVersion":               "keda.sh/v1alpha1",
		"kind":                     "ScaledObject",
		"spec.scaleTargetRef.name": dn,
		"spec.minReplicaCount":     0,
		"spec.maxReplicaCount":     50,
		"spec.triggers.0.type":     "postgresql",
		"spec.triggers.0.metadata.targetQueryValue":  "2",
		"spec.triggers.0.metadata.connectionFromEnv": "STILT_REGISTRY_URL",
	}
	for path, w := range want {
		if got, ok := m.Get(path); !ok || got != w {
			t.Errorf("%s = %v, want %v", path, got, w)
		}
	}
	// the env var KEDA reads must exist on the Deployment's container
	if env, _ := d.Get("spec.template.spec.containers.0.env.0.name"); env != "STILT_REGISTRY_URL" {
		t.Errorf("deployment env %v", env)
	}
	if q, _ := m.Get("spec.triggers.0.metadata.query"); !strings.Contains(q.(string), "'running'") {
		t.Errorf("query %q must count running simulations too", q)
	}
	if _, err := ScaledObject(baseOptions(KindJob), 5, 1); err == nil {
		t.Error("ScaledObject for a Job accepted")
	}
	if _, err := ScaledObject(o, 0, 1); err == nil {
		t.Error("max replicas 0 accepted")
	}
}
