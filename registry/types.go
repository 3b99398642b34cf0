package registry

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Status is the state of one simulation.
type Status string

const (
	StatusPending       Status = "pending"
	StatusRunning       Status = "running"
	StatusComplete      Status = "complete"
	StatusCompleteEmpty Status = "complete-empty" // ran fine, footprint has no cells
	StatusFailed        Status = "failed"
)

// AllStatuses lists the statuses in display order.
var AllStatuses = []Status{StatusPending, StatusRunning, StatusComplete, StatusCompleteEmpty, StatusFailed}

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	for _, v := range AllStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Finished reports whether s is a successful terminal state.
func (s Status) Finished() bool { return s == StatusComplete || s == StatusCompleteEmpty }

// RunStatus is the state of one run of the program.
type RunStatus string

const (
	RunRunning     RunStatus = "running"
	RunComplete    RunStatus = "complete"
	RunFailed      RunStatus = "failed"
	RunInterrupted RunStatus = "interrupted"
	RunStale       RunStatus = "stale" // never ended; its running rows were reclaimed
)

// Simulation is one registry row.
type Simulation struct {
	SimID      string
	Scene      string
	ReceptorID string
	Receptor   json.RawMessage // receptor as JSON (opaque to the registry)
	Met        string          // met window key (groups sims sharing staged met)
	Cost       float64         // estimated cost (numpar x |n_hours| x release points)

	Status       Status
	Attempts     int
	ErrorClass   string
	ErrorMessage string
	RunID        string
	Rank         int // -1 when never run
	Host         string
	Engine       string

	QueuedAt   time.Time
	StartedAt  time.Time // zero when never started
	FinishedAt time.Time // zero when not finished
	TransportS float64
	FootprintS float64

	NumBlobs int      // blobs written by the last CommitResult
	Outputs  []Output // filled by Get only
}

// Blob is one stored result (a footprint encoded by its producer).
type Blob struct {
	Name   string // footprint name, unique per simulation
	Data   []byte
	SHA256 string // hex; computed by CommitResult; if set by the caller it must match
}

// Output references a file written outside the registry (e.g. an exported
// _foot.nc) with its checksum.
type Output struct {
	Name   string
	Path   string
	Bytes  int64
	SHA256 string // hex
}

// Result is what a worker reports for one simulation. CommitResult writes it
// in one transaction.
type Result struct {
	SimID        string
	RunID        string
	Status       Status // complete, complete-empty, failed, or pending (interrupted)
	ErrorClass   string // required (defaults to "unknown") when Status is failed
	ErrorMessage string
	Rank         int
	Host         string
	Engine       string
	StartedAt    time.Time
	FinishedAt   time.Time
	TransportS   float64
	FootprintS   float64
	Blobs        []Blob
	Outputs      []Output
}

// Run is one row of the runs table.
type Run struct {
	ID         string
	Start      time.Time
	End        time.Time // zero while running
	Ranks      int
	ConfigHash string
	Version    string
	Host       string
	Status     RunStatus
}

// RunInfo describes a run being started.
type RunInfo struct {
	Ranks      int
	ConfigHash string
	Version    string
	Host       string
}

// RegisterReport tells what Register did.
type RegisterReport struct {
	Inserted   int
	Existing   []string // already registered with the same content: left unchanged
	Conflicts  []string // already registered with different scene/receptor/met: left unchanged
	Duplicates []string // repeated within the input batch: only the first was used
}

// Counts are simulation counts by status, overall and per scene.
type Counts struct {
	Total    int                       `json:"total"`
	ByStatus map[Status]int            `json:"by_status"`
	ByScene  map[string]map[Status]int `json:"by_scene"`
}

// FailureGroup aggregates failed simulations of one error class.
type FailureGroup struct {
	Class   string   `json:"class"`
	Count   int      `json:"count"`
	Example string   `json:"example"` // one error message of the class
	SimIDs  []string `json:"sim_ids"` // up to 10, sorted
}

// Measured is the recorded duration of one finished simulation.
type Measured struct {
	SimID   string
	Scene   string
	Met     string
	Cost    float64 // estimated cost stored at registration
	Seconds float64 // finished - started wall time
}

// ResetScope selects what Reset returns to pending.
type ResetScope int

const (
	ResetAll    ResetScope = iota // every simulation (--no-skip); stored blobs are deleted
	ResetFailed                   // failed simulations only
)

// MergeReport tells what Merge did.
type MergeReport struct {
	Runs     int // runs copied
	Inserted int // simulations new to the main registry
	Updated  int // simulations replaced by a more advanced shard row
	Kept     int // simulations where the main registry was as or more advanced
}

var (
	// ErrNotFound is returned for an unknown sim id or run id.
	ErrNotFound = errors.New("registry: not found")
	// ErrChecksum is returned when stored data do not match their checksum.
	ErrChecksum = errors.New("registry: checksum mismatch")
	// ErrLocked is returned by Open when another process holds the writer
	// lock of the registry file (open it with OpenReadOnly to read).
	ErrLocked = errors.New("registry: locked by another writer")
	// ErrState is returned for a transition the current status does not allow.
	ErrState = errors.New("registry: invalid state transition")
)

// Store is the registry back-end interface.
type Store interface {
	BeginRun(ctx context.Context, info RunInfo) (Run, error)
	EndRun(ctx context.Context, runID string, status RunStatus) error
	GetRun(ctx context.Context, runID string) (Run, error)
	Register(ctx context.Context, sims []Simulation) (RegisterReport, error)
	Pending(ctx context.Context, limit int) ([]Simulation, error)
	MarkRunning(ctx context.Context, ids []string, rank int, host, runID string) error
	CommitResult(ctx context.Context, r Result) error
	CommitResults(ctx context.Context, rs []Result) error
	MarkStaleRunning(ctx context.Context, currentRunID string, deadRunIDs ...string) (int, error)
	Reset(ctx context.Context, scope ResetScope) (int, error)
	Counts(ctx context.Context) (Counts, error)
	Failures(ctx context.Context) ([]FailureGroup, error)
	Get(ctx context.Context, simID string) (Simulation, error)
	LoadBlobs(ctx context.Context, simID string) ([]Blob, error)
	Done(ctx context.Context, simID string) (bool, error)
	MeasuredDurations(ctx context.Context) ([]Measured, error)
	Close() error
}
