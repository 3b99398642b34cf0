package batch

import (
	"fmt"
	"io"
	"time"
)

// Progress logs completed/total, failures, rate and ETA on rank 0, at most
// once per Every, one line per update (suitable for non-interactive logs).
type Progress struct {
	W     io.Writer
	Total int
	Every time.Duration
	now   func() time.Time

	start    time.Time
	last     time.Time
	done     int
	failed   int
	empty    int
	interrup int
}

// NewProgress starts the clock.
func NewProgress(w io.Writer, total int, every time.Duration) *Progress {
	p := &Progress{W: w, Total: total, Every: every, now: time.Now}
	p.start = p.now()
	p.last = p.start
	return p
}

// Add records one result.
func (p *Progress) Add(r Result) {
	switch r.Status {
	case StatusFailed:
		p.failed++
		p.done++
	case StatusCompleteEmpty:
		p.empty++
		p.done++
	case StatusInterrupted:
		p.interrup++
	default:
		p.done++
	}
}

// Tick prints a line when Every has passed since the last one.
func (p *Progress) Tick() {
	if p.Every <= 0 {
		return
	}
	if now := p.now(); now.Sub(p.last) >= p.Every {
		p.last = now
		fmt.Fprintln(p.W, p.Line())
	}
}

// Final prints the closing line.
func (p *Progress) Final() { fmt.Fprintln(p.W, p.Line()) }

// Line formats the current state.
func (p *Progress) Line() string {
	el := p.now().Sub(p.start)
	rate := 0.0
	if el > 0 {
		rate = float64(p.done) / el.Hours()
	}
	eta := "unknown"
	if p.done > 0 && p.Total > p.done {
		left := time.Duration(float64(el) / float64(p.done) * float64(p.Total-p.done))
		eta = left.Round(time.Second).String()
	} else if p.Total <= p.done {
		eta = "0s"
	}
	pct := 0.0
	if p.Total > 0 {
		pct = 100 * float64(p.done) / float64(p.Total)
	}
	return fmt.Sprintf("progress: %d/%d (%.1f%%) done, %d failed, %d empty, %d interrupted, %.0f sims/h, elapsed %s, eta %s",
		p.done, p.Total, pct, p.failed, p.empty, p.interrup, rate, el.Round(time.Second), eta)
}
