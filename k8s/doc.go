// Package k8s renders Kubernetes manifests that run stilt-mpi's pull
// workers against a PostgreSQL registry: a batch/v1 Job whose pods drain
// the queue and exit (`stilt-mpi pull-worker`, the work-queue Job pattern:
// parallelism = workers, completions unset), or an apps/v1 Deployment of
// long-lived `stilt-mpi serve` pods that wait for new simulations and hand
// in-flight work back on SIGTERM (terminationGracePeriodSeconds covers the
// release).
//
// Pods read the registry URL from a Secret (env STILT_REGISTRY_URL,
// secretKeyRef), run with node-local scratch on an emptyDir mounted at
// /scratch (TMPDIR), and get CPU/memory requests and limits. The run.toml,
// receptors and met must be reachable in the pod (baked into the image or
// on a mounted PersistentVolumeClaim, --data-pvc); outputs written to the
// output directory need that shared volume too. Object-store outputs are
// not implemented.
//
// ScaledObject adds a KEDA autoscaler for the Deployment (0..max replicas on
// the number of pending or running simulations).
//
// Output is YAML (every string double-quoted, so no YAML type surprises) or
// JSON, from one ordered tree.
package k8s
