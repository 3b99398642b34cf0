// Package registry is the durable state of a stilt-mpi batch: one row per
// simulation (status, attempts, failure class, timings, where it ran), one row
// per run of the program, and the result blobs (footprints) of completed
// simulations with their SHA-256 checksums.
//
// The Store interface is what the rest of the program uses. Two back ends
// implement it: SQLite (mattn/go-sqlite3, always built with -tags
// libsqlite3; the default, one writer per file) and PostgreSQL (pgx; many
// workers and jobs at once, with the Queue interface's leased claims).
// OpenURL picks one from a registry URL.
//
// Concurrency contract: exactly one writer per registry file (rank 0 of an MPI
// job, or one array task per shard file). Readers (the status verb, tests,
// monitoring) open their own read-only connection with OpenReadOnly; WAL mode
// lets them read a consistent snapshot while the writer commits. Every state
// change is one SQLite transaction, so a process killed at any moment leaves
// either the old or the new state, never a partial row.
//
// A simulation counts as done only if the registry says so (status complete
// or complete-empty) AND its stored blobs are all present and match their
// checksums (Done, LoadBlobs).
//
// Status transitions:
//
//	pending ──MarkRunning──> running ──CommitResult──> complete | complete-empty | failed
//	   ^                        │                      (or pending: interrupted)
//	   └──MarkStaleRunning──────┘
//	   └──Reset (all, or failed only) from any state
//
// Typical use by rank 0 of `run`:
//
//	reg, err := registry.Open(filepath.Join(out, "registry.sqlite"))
//	run, err := reg.BeginRun(ctx, registry.RunInfo{Ranks: size, ConfigHash: h, Version: v})
//	reclaimed, err := reg.MarkStaleRunning(ctx, run.ID) // rows left running by dead runs
//	rep, err := reg.Register(ctx, sims)                  // idempotent
//	if noSkip { reg.Reset(ctx, registry.ResetAll) }
//	pending, err := reg.Pending(ctx, 0)
//	// per block handed to a rank:
//	err = reg.MarkRunning(ctx, block.IDs(), rank, host, run.ID)
//	// per result message (or several at once with CommitResults):
//	err = reg.CommitResult(ctx, registry.Result{SimID: id, RunID: run.ID, Status: ..., Blobs: ...})
//	err = reg.EndRun(ctx, run.ID, registry.RunComplete)
//
// The status verb opens the file with OpenReadOnly and calls Counts,
// Failures and FormatStatus. SLURM array tasks each write their own shard
// file; the main registry folds them in with Merge.
package registry
