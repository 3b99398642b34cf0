package hysplit

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// Class is the reason a simulation failed. The first six phrase-based
// classes and EMPTY_LOG/UNKNOWN carry PYSTILT's names
// (hysplit-interface.md §8.1) so that status reports match.
type Class string

const (
	// Classes recognised by a phrase in the log (hysplit-interface.md §8.1).
	MissingMetFiles     Class = "MISSING_MET_FILES" // raised by met selection, before HYSPLIT runs
	MetCoverage         Class = "MET_COVERAGE"
	VaryingMetInterval  Class = "VARYING_MET_INTERVAL"
	NoTrajectoryData    Class = "NO_TRAJECTORY_DATA"
	FortranRuntimeError Class = "FORTRAN_RUNTIME_ERROR"

	// Classes from the process and its outputs (stilt-mpi additions).
	NonZeroExit       Class = "NONZERO_EXIT"       // exited with a non-zero status, no phrase
	Timeout           Class = "TIMEOUT"            // killed after ExecOptions.Timeout
	Crash             Class = "CRASH"              // terminated by a signal it did not get from us
	NoParticleOutput  Class = "NO_PARTICLE_OUTPUT" // PARTICLE_STILT.DAT not written
	EmptyTrajectory   Class = "EMPTY_TRAJECTORY"   // PARTICLE_STILT.DAT without data rows
	BadParticleOutput Class = "BAD_PARTICLE_OUTPUT"
	StartFailed       Class = "START_FAILED" // the executable could not be started
	Interrupted       Class = "INTERRUPTED"  // the caller's context was cancelled: re-queue, not a failure

	// Classes of ClassifyLog for a whole log after the fact.
	EmptyLog Class = "EMPTY_LOG"
	Unknown  Class = "UNKNOWN"
)

// FailurePhrases are the log substrings that classify a failed run, in the
// order PYSTILT tests them (hysplit-interface.md §8.1).
var FailurePhrases = []struct {
	Phrase string
	Class  Class
}{
	{"Insufficient number of meteorological files found", MissingMetFiles},
	{"start point not within (x,y,t) any data file", MetCoverage},
	{"start time after end of meteorology data", MetCoverage},
	{"meteorological data time interval varies", VaryingMetInterval},
	{"PARTICLE_STILT.DAT does not contain any trajectory data", NoTrajectoryData},
	{"Fortran runtime error", FortranRuntimeError},
}

// Failure is the error Execute returns for a failed simulation.
type Failure struct {
	Class    Class
	Message  string // what happened, naming the run directory
	LogTail  string // the last lines of the log segment written by this call
	Phrase   string // the failure phrase that matched, if any
	ExitCode int    // -1 when the process did not exit normally or never ran
}

func (f *Failure) Error() string {
	return fmt.Sprintf("hycs_std failed (%s): %s", f.Class, f.Message)
}

// Retryable reports whether the task should be re-queued rather than
// recorded as failed (the worker was interrupted).
func (f *Failure) Retryable() bool { return f.Class == Interrupted }

// MatchPhrase returns the class of the earliest failure phrase in log, the
// phrase itself, and whether one was found. PYSTILT scans line by line and
// takes the first line holding any phrase; taking the earliest position is
// the same except when two phrases share a line.
func MatchPhrase(log []byte) (Class, string, bool) {
	best := -1
	var class Class
	var phrase string
	for _, p := range FailurePhrases {
		if i := bytes.Index(log, []byte(p.Phrase)); i >= 0 && (best < 0 || i < best) {
			best, class, phrase = i, p.Class, p.Phrase
		}
	}
	return class, phrase, best >= 0
}

// ClassifyLogFile classifies a whole simulation log after the fact, as
// PYSTILT's status report does: no file or an empty one gives EmptyLog, a
// failure phrase its class, anything else Unknown.
func ClassifyLogFile(path string) (Class, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return EmptyLog, nil
		}
		return "", fmt.Errorf("hysplit: reading log %s: %w", path, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return EmptyLog, nil
	}
	if c, _, ok := MatchPhrase(b); ok {
		return c, nil
	}
	return Unknown, nil
}

// tail returns at most the last maxLines lines and maxBytes bytes of b.
func tail(b []byte, maxLines, maxBytes int) string {
	b = bytes.TrimRight(b, "\n")
	if len(b) > maxBytes {
		b = b[len(b)-maxBytes:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	lines := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			lines++
			if lines == maxLines {
				b = b[i+1:]
				break
			}
		}
	}
	return strings.ToValidUTF8(string(b), "?")
}
