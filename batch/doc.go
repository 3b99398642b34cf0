// Package batch runs many simulations: one simulation end to end
// (Simulate: met selection, transport, transforms, footprints) and the
// rank-0 coordinator / worker loops of `stilt-mpi run`.
//
// The loops see simulations only as ids and opaque results: they hand ids to
// a SimFunc and pass its Result to a Sink (the registry on rank 0). They talk
// to other ranks through the small Comm interface, implemented by package mpi
// in production; they never know about footprints.
//
// Protocol: a worker asks for a block, runs it and sends each result; rank 0
// commits results (those waiting together in one transaction) before it
// acknowledges them, and a worker keeps at most one result unacknowledged.
// Finished scenes are written by a background goroutine on rank 0.
//
// Interruption: on SIGTERM/SIGINT rank 0 stops handing out work, commits
// in-flight simulations as pending again, ends the run as "interrupted" and
// returns nil (a single-process `run` exits 0; mpirun exits 1 when it was
// signalled, and gives rank 0 only odls_base_sigkill_timeout, 1 s by
// default, before SIGKILL). If a rank dies, mpirun (or srun
// --kill-on-bad-exit) ends the job; the next run returns the rows left
// running to pending and rewrites any scene that is not finished. Tested
// end to end in integration_test.go.
package batch
