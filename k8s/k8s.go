package k8s

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Kinds of workload.
const (
	KindJob        = "job"
	KindDeployment = "deployment"
)

// Options describe the workload. Zero values take the defaults shown.
type Options struct {
	Kind       string // "job" or "deployment" (required)
	Project    string // project name, used for the default Name
	Name       string // default "stilt-<project>", DNS-1123, at most 63 characters
	Namespace  string // default: none (kubectl's current namespace)
	Image      string // container image with stilt-mpi (required)
	ConfigPath string // run.toml inside the pod (required)
	Workers    int    // Job parallelism / Deployment replicas (default 1)

	SecretName string // Secret with the registry URL (default "stilt-registry")
	SecretKey  string // key in the Secret (default "url")

	CPU         string // request = limit (default "1")
	Memory      string // request = limit (default "2Gi")
	ScratchSize string // emptyDir size limit (default "10Gi")

	DataPVC   string // optional PersistentVolumeClaim with config, receptors, met and outputs
	DataMount string // where it is mounted (default "/data")

	Lease        string // --lease passed to the worker (default: the worker's)
	Batch        int    // --batch (default: the worker's)
	MaxAttempts  int    // --max-attempts (default: the worker's)
	BackoffLimit int    // Job pod retries (default 3)
	GraceSeconds int    // terminationGracePeriodSeconds (default 120)
}

var dns1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
var quantity = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$`)

// slug lower-cases s and replaces runs of other characters with '-'.
func slug(s string) string {
	s = strings.ToLower(s)
	s = regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(s, "-")
	return strings.Trim(s, "-")
}

func (o *Options) normalise() error {
	switch o.Kind {
	case KindJob, KindDeployment:
	default:
		return fmt.Errorf("k8s: kind %q: expected job or deployment", o.Kind)
	}
	if o.Name == "" {
		o.Name = "stilt-" + slug(o.Project)
		if len(o.Name) > 63 {
			o.Name = strings.TrimRight(o.Name[:63], "-")
		}
		o.Name = strings.TrimRight(o.Name, "-")
	}
	if len(o.Name) > 63 || !dns1123.MatchString(o.Name) {
		return fmt.Errorf("k8s: name %q: expected at most 63 lower-case letters, digits and '-', starting and ending alphanumeric", o.Name)
	}
	if o.Namespace != "" && (len(o.Namespace) > 63 || !dns1123.MatchString(o.Namespace)) {
		return fmt.Errorf("k8s: namespace %q: expected a DNS-1123 label", o.Namespace)
	}
	if o.Image == "" {
		return fmt.Errorf("k8s: an image is required (--image)")
	}
	if o.ConfigPath == "" || !strings.HasPrefix(o.ConfigPath, "/") {
		return fmt.Errorf("k8s: config path %q: expected the absolute path of run.toml inside the pod", o.ConfigPath)
	}
	if o.Workers == 0 {
		o.Workers = 1
	}
	if o.Workers < 0 {
		return fmt.Errorf("k8s: workers %d: expected >= 1", o.Workers)
	}
	if o.SecretName == "" {
		o.SecretName = "stilt-registry"
	}
	if !dns1123.MatchString(o.SecretName) {
		return fmt.Errorf("k8s: secret name %q: expected a DNS-1123 name", o.SecretName)
	}
	if o.SecretKey == "" {
		o.SecretKey = "url"
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&o.CPU, "1")
	def(&o.Memory, "2Gi")
	def(&o.ScratchSize, "10Gi")
	def(&o.DataMount, "/data")
	for name, q := range map[string]string{"cpu": o.CPU, "memory": o.Memory, "scratch size": o.ScratchSize} {
		if !quantity.MatchString(q) {
			return fmt.Errorf("k8s: %s %q: expected a Kubernetes quantity such as 500m, 1, 2Gi", name, q)
		}
	}
	if o.BackoffLimit == 0 {
		o.BackoffLimit = 3
	}
	if o.GraceSeconds == 0 {
		o.GraceSeconds = 120
	}
	if o.Batch < 0 || o.MaxAttempts < 0 || o.BackoffLimit < 0 || o.GraceSeconds < 0 {
		return fmt.Errorf("k8s: batch, max attempts, backoff limit and grace period must not be negative")
	}
	return nil
}

// Manifest builds the workload object as an ordered tree.
func Manifest(o Options) (Map, error) {
	if err := o.normalise(); err != nil {
		return nil, err
	}
	labels := Map{{"app.kubernetes.io/name", "stilt-mpi"}, {"app.kubernetes.io/instance", o.Name},
		{"app.kubernetes.io/component", map[string]string{KindJob: "pull-worker", KindDeployment: "serve"}[o.Kind]}}
	meta := Map{{"name", o.Name}}
	if o.Namespace != "" {
		meta = append(meta, KV{"namespace", o.Namespace})
	}
	meta = append(meta, KV{"labels", labels})

	verb := "pull-worker"
	if o.Kind == KindDeployment {
		verb = "serve"
	}
	args := List{verb, o.ConfigPath}
	if o.Lease != "" {
		args = append(args, "--lease", o.Lease)
	}
	if o.Batch > 0 {
		args = append(args, "--batch", strconv.Itoa(o.Batch))
	}
	if o.MaxAttempts > 0 {
		args = append(args, "--max-attempts", strconv.Itoa(o.MaxAttempts))
	}
	res := Map{{"cpu", o.CPU}, {"memory", o.Memory}, {"ephemeral-storage", o.ScratchSize}}
	mounts := List{Map{{"name", "scratch"}, {"mountPath", "/scratch"}}}
	volumes := List{Map{{"name", "scratch"}, {"emptyDir", Map{{"sizeLimit", o.ScratchSize}}}}}
	if o.DataPVC != "" {
		mounts = append(mounts, Map{{"name", "data"}, {"mountPath", o.DataMount}})
		volumes = append(volumes, Map{{"name", "data"}, {"persistentVolumeClaim", Map{{"claimName", o.DataPVC}}}})
	}
	container := Map{
		{"name", "worker"},
		{"image", o.Image},
		{"command", List{"stilt-mpi"}},
		{"args", args},
		{"env", List{
			Map{{"name", "STILT_REGISTRY_URL"}, {"valueFrom", Map{{"secretKeyRef", Map{{"name", o.SecretName}, {"key", o.SecretKey}}}}}},
			Map{{"name", "TMPDIR"}, {"value", "/scratch"}},
		}},
		{"resources", Map{{"requests", res}, {"limits", res}}},
		{"volumeMounts", mounts},
	}
	restart := "Never"
	if o.Kind == KindDeployment {
		restart = "Always"
	}
	pod := Map{
		{"restartPolicy", restart},
		{"terminationGracePeriodSeconds", o.GraceSeconds},
		{"containers", List{container}},
		{"volumes", volumes},
	}
	template := Map{{"metadata", Map{{"labels", labels}}}, {"spec", pod}}
	if o.Kind == KindJob {
		return Map{
			{"apiVersion", "batch/v1"},
			{"kind", "Job"},
			{"metadata", meta},
			{"spec", Map{
				{"parallelism", o.Workers},
				{"backoffLimit", o.BackoffLimit},
				{"template", template},
			}},
		}, nil
	}
	return Map{
		{"apiVersion", "apps/v1"},
		{"kind", "Deployment"},
		{"metadata", meta},
		{"spec", Map{
			{"replicas", o.Workers},
			{"selector", Map{{"matchLabels", labels}}},
			{"template", template},
		}},
	}, nil
}

// KEDAQuery is the query the KEDA ScaledObject polls: simulations pending
// or running, so that pods still running simulations are not scaled away
// (their SIGTERM would hand the work back and scale up again).
const KEDAQuery = `SELECT count(*) FROM sims WHERE status IN ('pending', 'running')`

// ScaledObject builds a KEDA ScaledObject (keda.sh/v1alpha1) scaling the
// serve Deployment between 0 and maxReplicas on KEDAQuery, with target
// simulations per pod. KEDA reads the registry URL from the Deployment's
// STILT_REGISTRY_URL (connectionFromEnv); KEDA's PostgreSQL client must
// reach the database and the URL's search_path, if any, must select the
// registry schema.
func ScaledObject(o Options, maxReplicas, target int) (Map, error) {
	if err := o.normalise(); err != nil {
		return nil, err
	}
	if o.Kind != KindDeployment {
		return nil, fmt.Errorf("k8s: a KEDA ScaledObject scales the serve Deployment (--kind deployment), not a %s", o.Kind)
	}
	if maxReplicas < 1 || target < 1 {
		return nil, fmt.Errorf("k8s: KEDA max replicas %d and target %d: expected >= 1", maxReplicas, target)
	}
	meta := Map{{"name", o.Name}}
	if o.Namespace != "" {
		meta = append(meta, KV{"namespace", o.Namespace})
	}
	return Map{
		{"apiVersion", "keda.sh/v1alpha1"},
		{"kind", "ScaledObject"},
		{"metadata", meta},
		{"spec", Map{
			{"scaleTargetRef", Map{{"name", o.Name}}},
			{"minReplicaCount", 0},
			{"maxReplicaCount", maxReplicas},
			{"triggers", List{Map{
				{"type", "postgresql"},
				{"metadata", Map{
					{"connectionFromEnv", "STILT_REGISTRY_URL"},
					{"query", KEDAQuery},
					{"targetQueryValue", strconv.Itoa(target)},
				}},
			}}},
		}},
	}, nil
}

// Secret builds a Secret holding the registry URL (stringData), for
// `kubectl apply`; it contains the URL in clear text.
func Secret(o Options, url string) (Map, error) {
	if err := o.normalise(); err != nil {
		return nil, err
	}
	meta := Map{{"name", o.SecretName}}
	if o.Namespace != "" {
		meta = append(meta, KV{"namespace", o.Namespace})
	}
	return Map{{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", meta}, {"type", "Opaque"},
		{"stringData", Map{{o.SecretKey, url}}}}, nil
}

// Write renders the documents as YAML (separated by ---) or, with asJSON,
// as a JSON object (one document) or a v1 List.
func Write(w io.Writer, asJSON bool, docs ...Map) error {
	if asJSON {
		var v any = docs[0]
		if len(docs) > 1 {
			items := make(List, len(docs))
			for i, d := range docs {
				items[i] = d
			}
			v = Map{{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}}
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	var b strings.Builder
	for i, d := range docs {
		if i > 0 {
			b.WriteString("---\n")
		}
		writeYAML(&b, d, 0)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
