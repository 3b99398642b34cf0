// Package service runs stilt-mpi as independent pull workers sharing one
// PostgreSQL registry (registry.Queue): each worker claims a few pending
// simulations under a lease (FOR UPDATE SKIP LOCKED, no transaction held
// while a simulation runs), keeps the lease alive with heartbeats, runs them
// through a caller-supplied function, and commits each result only if it
// still holds the claim. A worker that dies loses its claims when their
// leases expire; they go back to pending (or fail, with the error kept,
// after the registry's MaxAttempts claims). A heartbeat that finds a claim
// taken over cancels that simulation.
//
// Drain is `stilt-mpi pull-worker` (a Kubernetes Job): it returns when
// nothing is pending or claimed. Serve is `stilt-mpi serve` (a Deployment):
// it waits for new work with exponential back-off (1 s doubling to 60 s,
// reset by a successful claim) until its context is cancelled (SIGTERM),
// then releases its in-flight claims to pending (attempt not counted) and
// returns nil. RunWorker wraps either with a run row per worker process, a
// private scratch directory, the batch simulation code (BatchRunFunc) and
// scene assembly when a scene's last simulation ends (SceneWriter).
//
// Usage (one database, or one schema via ?search_path=, per run.toml: a
// worker can only run simulations of its own receptor set):
//
//	URL=$(scripts/pg-up.sh /tmp/stilt-pg)          # or any PostgreSQL >= 12
//	# run.toml: [registry] url = "postgres://..."  (or $STILT_REGISTRY_URL)
//	stilt-mpi register run.toml [--scene ID]
//	stilt-mpi pull-worker run.toml &               # as many as you like, anywhere
//	stilt-mpi serve run.toml                       # long-lived; SIGTERM to stop
//	stilt-mpi k8s run.toml --kind job --image IMG --workers 20 --data-pvc PVC
//	scripts/pg-down.sh /tmp/stilt-pg
package service
