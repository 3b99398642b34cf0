// Package mpi is a thin cgo binding to Open MPI (the only import "C" outside
// the netcdf binding): initialisation, rank and size, point-to-point byte
// messages with tags, probes, broadcast, scatterv/gatherv of byte slices,
// barrier, abort and finalize. It knows nothing of STILT.
//
// # Threads
//
// MPI is initialised with MPI_THREAD_FUNNELED (or another level you ask for):
// every MPI call must come from the goroutine that called Init. Init calls
// runtime.LockOSThread so that this goroutine stays on the OS thread MPI was
// initialised on; Finalize unlocks it. The intended design is one goroutine
// that owns the *Comm and talks to worker goroutines through channels.
// Calling *Comm methods from any other goroutine is a bug this package cannot
// detect.
//
// # Large payloads
//
// MPI 3.1 counts are C ints (at most 2^31-1 elements). Every operation here
// splits payloads into pieces of at most ChunkSize bytes (default 256 MiB):
//   - Send/Recv: a payload shorter than ChunkSize is one raw message. A longer
//     one is a first message of exactly ChunkSize bytes (8-byte little-endian
//     total length, then the first ChunkSize-8 payload bytes) followed by
//     pieces of at most ChunkSize bytes on the same source, tag and
//     communicator (MPI's non-overtaking rule keeps them in order).
//   - Bcast: the length is broadcast first, then the data in pieces.
//   - Scatterv/Gatherv: the per-rank lengths are shared first; the data move
//     in rounds whose total is at most ChunkSize bytes (displacements stay
//     below 2^31).
//
// All ranks must use the same chunk size (SetChunkSize exists for tests).
//
// # Launch
//
// Works under mpirun -n N, srun --mpi=pmix, and as a singleton (a plain
// process with no launcher: size 1). As root, mpirun needs
// OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1.
//
// Errors: the world communicator's error handler is set to MPI_ERRORS_RETURN
// so MPI failures come back as Go errors naming the operation.
package mpi
