// Package service runs stilt-mpi as independent pull workers sharing one
// PostgreSQL registry (registry.Queue): each worker claims a few pending
// simulations under a lease (FOR UPDATE SKIP LOCKED, no transaction held
// while a simulation runs), keeps the lease alive with heartbeats, runs them
// through a caller-supplied function, and commits each result only if it
// still holds the claim. A worker that dies loses its claims when their
// leases expire; they go back to pending (or fail, with the error kept,
// after the registry's MaxAttempts claims).
//
// Drain is `stilt-mpi pull-worker` (a Kubernetes Job): it returns when
// nothing is pending or running. Serve is `stilt-mpi serve` (a Deployment):
// it waits for new work with exponential back-off (1 s doubling to 60 s,
// reset by a successful claim) until its context is cancelled (SIGTERM),
// then releases its in-flight claims to pending and returns nil.
//
// The package does not know how a simulation is computed: BatchRunFunc
// adapts batch.Runner, and tests pass a test double.
package service
