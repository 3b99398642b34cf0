// Package batch runs many simulations: one simulation end to end
// (Simulate: met selection, transport, transforms, footprints) and the
// rank-0 coordinator / worker loops of `stilt-mpi run`.
//
// The loops see simulations only as ids and opaque results: they hand ids to
// a SimFunc and pass its Result to a Sink (the registry on rank 0). They talk
// to other ranks through the small Comm interface, implemented by package mpi
// in production; they never know about footprints.
package batch
