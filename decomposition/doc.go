// Package decomposition is the scheduling policy of a stilt-mpi batch: it
// turns pending simulations into blocks of work for MPI ranks, and splits
// simulation ids into shards for SLURM job arrays. It is pure Go and knows
// nothing of MPI or of the registry's storage (the batch runner converts
// registry rows into Sim and Measurement values).
//
// Policy:
//   - Order: by scene, then met window key (so consecutive work shares staged
//     met), then estimated cost descending (largest first), then id.
//   - Initial scatter: one block per worker rank.
//   - Then guided self-scheduling: each request gets the next
//     ceil(remaining / (K * ranks)) simulations (at least 1), so blocks shrink
//     as the queue drains and the last blocks are single simulations.
//   - Costs: numpar x |n_hours| x release points, replaced by measured
//     seconds (scaled per scene) when the registry has durations.
//
// Everything is deterministic: the same input gives the same blocks.
package decomposition
