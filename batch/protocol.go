package batch

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// Message tags exchanged between rank 0 and the workers.
const (
	tagRequest = 1 // worker -> 0: give me work (payload: none)
	tagBlock   = 2 // 0 -> worker: a block of sim ids (empty: stop)
	tagResult  = 3 // worker -> 0: one Result
	tagAck     = 4 // 0 -> worker: the result is committed
)

// Comm is what the loops need from MPI. All methods are called from one
// goroutine (the one that owns MPI).
type Comm interface {
	Rank() int
	Size() int
	Send(buf []byte, dest, tag int) error
	// Recv receives from src (-1: any source) with tag (-1: any tag).
	Recv(src, tag int) (buf []byte, from, gotTag int, err error)
	// Iprobe reports whether a message from any source is waiting.
	Iprobe() (bool, error)
}

// Status values of a simulation result, as stored in the registry.
const (
	StatusComplete      = "complete"
	StatusCompleteEmpty = "complete-empty"
	StatusFailed        = "failed"
	// StatusInterrupted is not stored: the simulation goes back to pending.
	StatusInterrupted = "interrupted"
)

// Result is the outcome of one simulation, sent from the rank that ran it to
// rank 0. Outputs are opaque named blobs (encoded footprints, trajectories).
type Result struct {
	SimID        string
	Status       string
	ErrClass     string
	ErrMsg       string
	Rank         int
	Host         string
	Engine       string
	Particles    int
	Started      int64 // unix nanoseconds
	Finished     int64
	TransportSec float64
	FootprintSec float64
	Outputs      map[string][]byte
}

func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		return nil, fmt.Errorf("batch: encoding %T: %w", v, err)
	}
	return b.Bytes(), nil
}

func decode(buf []byte, v any) error {
	if err := gob.NewDecoder(bytes.NewReader(buf)).Decode(v); err != nil {
		return fmt.Errorf("batch: decoding %T: %w", v, err)
	}
	return nil
}
