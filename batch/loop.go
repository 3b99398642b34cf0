package batch

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// SimFunc runs one simulation. It must always return a Result (failures are
// results, not errors); when ctx is cancelled it returns StatusInterrupted.
type SimFunc func(ctx context.Context, simID string) Result

// Scheduler hands out blocks of simulation ids. Next returns nil when no work
// is left. It is called from one goroutine only.
type Scheduler interface {
	Next(rank int) []string
}

// Sink receives the coordinator's state changes; on rank 0 it is the
// registry. Commit must make the result durable before returning.
type Sink interface {
	MarkRunning(ids []string, rank int) error
	Commit(r Result) error
}

// BatchSink is a Sink that can also commit several results in one
// transaction (a group commit: one fsync for all). The coordinator uses it
// for the results that are waiting in its inbox together.
type BatchSink interface {
	Sink
	CommitBatch(rs []Result) error
}

// maxGroup bounds the results committed in one group.
const maxGroup = 64

// Coordinator is rank 0's loop: it answers work requests from the other
// ranks with blocks from the Scheduler, commits every result to the Sink
// before acknowledging it, and (when Local is set) computes too.
type Coordinator struct {
	Comm     Comm
	Sched    Scheduler
	Sink     Sink
	Local    SimFunc   // rank 0's own compute; nil to only coordinate
	Progress *Progress // may be nil
	// Idle is the longest the loop sleeps when nothing happened (default
	// 10 ms). After any activity it sleeps 50 µs, doubling while nothing
	// happens, so a quiet rank 0 wakes rarely and leaves its core to its own
	// simulations while a busy one answers at once.
	Idle time.Duration
	// Stats is filled by Run: what rank 0 measured of every rank's work.
	Stats LoopStats
}

// RankStats is rank 0's account of one rank's work.
type RankStats struct {
	Results int
	BusySec float64 // sum over its results of Finished - Started
}

// LoopStats are the coordinator's timings, for the end-of-run summary and
// the scaling benchmark.
type LoopStats struct {
	Wall      time.Duration // from the start of Run to its end
	Ranks     []RankStats   // by rank
	CommitSec float64       // rank 0 time committing results (Sink.Commit, CommitBatch)
	Commits   int           // results committed
	Groups    int           // group commits (CommitBatch calls)
	Messages  int           // messages received from other ranks
}

// Idle returns the fraction of the wall time rank r did not spend in a
// simulation.
func (s LoopStats) Idle(r int) float64 {
	if s.Wall <= 0 || r >= len(s.Ranks) {
		return 0
	}
	return 1 - s.Ranks[r].BusySec/s.Wall.Seconds()
}

// Summary formats the statistics, one line per rank, then rank 0's commit
// cost.
func (s LoopStats) Summary() string {
	var b strings.Builder
	for r, st := range s.Ranks {
		fmt.Fprintf(&b, "rank %d: %d results, busy %.2f s of %.2f s wall, idle %.1f%%\n", r, st.Results, st.BusySec, s.Wall.Seconds(), 100*s.Idle(r))
	}
	per := 0.0
	if s.Commits > 0 {
		per = 1000 * s.CommitSec / float64(s.Commits)
	}
	fmt.Fprintf(&b, "rank 0 overhead: %.2f ms per committed result (%d results, %.2f s in commits, %d group commits, %d messages)", per, s.Commits, s.CommitSec, s.Groups, s.Messages)
	return b.String()
}

type localMsg struct {
	res     *Result
	wantJob bool
	done    bool
}

// Run coordinates until every rank has been told to stop and rank 0's own
// compute has finished. Cancelling ctx stops handing out work; simulations in
// flight return as interrupted and are committed as such.
func (c *Coordinator) Run(ctx context.Context) error {
	maxIdle := c.Idle
	if maxIdle <= 0 {
		maxIdle = 10 * time.Millisecond
	}
	const minIdle = 50 * time.Microsecond
	idle := minIdle
	remote := c.Comm.Size() - 1
	stopped := 0
	t0 := time.Now()
	c.Stats = LoopStats{Ranks: make([]RankStats, c.Comm.Size())}
	defer func() { c.Stats.Wall = time.Since(t0) }()

	// Rank 0's own worker runs in a goroutine that never calls MPI.
	var toLocal chan []string
	fromLocal := make(chan localMsg, 4)
	localDone := c.Local == nil
	if c.Local != nil {
		toLocal = make(chan []string)
		go func() {
			for {
				fromLocal <- localMsg{wantJob: true}
				block := <-toLocal
				if len(block) == 0 {
					fromLocal <- localMsg{done: true}
					return
				}
				for _, id := range block {
					r := c.Local(ctx, id)
					fromLocal <- localMsg{res: &r}
				}
			}
		}()
	}

	next := func(rank int) ([]string, error) {
		if ctx.Err() != nil {
			return nil, nil
		}
		block := c.Sched.Next(rank)
		if len(block) > 0 {
			if err := c.Sink.MarkRunning(block, rank); err != nil {
				return nil, err
			}
		}
		return block, nil
	}
	account := func(r Result) {
		c.Stats.Commits++
		if r.Rank >= 0 && r.Rank < len(c.Stats.Ranks) {
			c.Stats.Ranks[r.Rank].Results++
			if r.Finished > r.Started {
				c.Stats.Ranks[r.Rank].BusySec += float64(r.Finished-r.Started) / 1e9
			}
		}
		if c.Progress != nil {
			c.Progress.Add(r)
		}
	}
	commit := func(r Result) error {
		tc := time.Now()
		if err := c.Sink.Commit(r); err != nil {
			return fmt.Errorf("committing %s: %w", r.SimID, err)
		}
		c.Stats.CommitSec += time.Since(tc).Seconds()
		account(r)
		return nil
	}
	batchSink, canGroup := c.Sink.(BatchSink)
	// commitGroup commits the results that arrived together from other
	// ranks, then acknowledges each to its sender.
	commitGroup := func(rs []Result, from []int) error {
		if canGroup && len(rs) > 1 {
			tc := time.Now()
			if err := batchSink.CommitBatch(rs); err != nil {
				return fmt.Errorf("committing %d results (first %s): %w", len(rs), rs[0].SimID, err)
			}
			c.Stats.CommitSec += time.Since(tc).Seconds()
			c.Stats.Groups++
			for _, r := range rs {
				account(r)
			}
		} else {
			for _, r := range rs {
				if err := commit(r); err != nil {
					return err
				}
			}
		}
		for _, f := range from {
			if err := c.Comm.Send(nil, f, tagAck); err != nil {
				return err
			}
		}
		return nil
	}

	for stopped < remote || !localDone {
		busy := false
		// Take every message waiting (up to maxGroup results): requests are
		// answered at once, results are committed together afterwards.
		var group []Result
		var groupFrom []int
		for remote > 0 && len(group) < maxGroup {
			ok, err := c.Comm.Iprobe()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			busy = true
			buf, from, tag, err := c.Comm.Recv(-1, -1)
			if err != nil {
				return err
			}
			c.Stats.Messages++
			switch tag {
			case tagRequest:
				block, err := next(from)
				if err != nil {
					return err
				}
				msg, err := encode(block)
				if err != nil {
					return err
				}
				if err := c.Comm.Send(msg, from, tagBlock); err != nil {
					return err
				}
				if len(block) == 0 {
					stopped++
				}
			case tagResult:
				var r Result
				if err := decode(buf, &r); err != nil {
					return fmt.Errorf("result from rank %d: %w", from, err)
				}
				group = append(group, r)
				groupFrom = append(groupFrom, from)
			default:
				return fmt.Errorf("rank 0: unexpected message tag %d from rank %d", tag, from)
			}
		}
		if len(group) > 0 {
			if err := commitGroup(group, groupFrom); err != nil {
				return err
			}
		}
		if !localDone {
			select {
			case m := <-fromLocal:
				busy = true
				switch {
				case m.wantJob:
					block, err := next(0)
					if err != nil {
						return err
					}
					toLocal <- block
				case m.res != nil:
					if err := commit(*m.res); err != nil {
						return err
					}
				case m.done:
					localDone = true
				}
			default:
			}
		}
		if c.Progress != nil {
			c.Progress.Tick()
		}
		if busy {
			idle = minIdle
		} else {
			time.Sleep(idle)
			if idle *= 2; idle > maxIdle {
				idle = maxIdle
			}
		}
	}
	if c.Progress != nil {
		c.Progress.Final()
	}
	return nil
}

// Worker is the loop of every rank but 0: ask for a block, run it, send each
// result, until rank 0 sends an empty block. Rank 0 acknowledges a result
// once it is committed; the worker waits for that acknowledgement only
// before sending its next result (one result in flight), so that rank 0's
// commit overlaps the next simulation instead of idling the worker.
func Worker(ctx context.Context, comm Comm, sim SimFunc) error {
	unacked := false
	waitAck := func() error {
		if !unacked {
			return nil
		}
		unacked = false
		_, _, _, err := comm.Recv(0, tagAck)
		return err
	}
	for {
		if err := comm.Send(nil, 0, tagRequest); err != nil {
			return err
		}
		buf, _, _, err := comm.Recv(0, tagBlock)
		if err != nil {
			return err
		}
		var block []string
		if err := decode(buf, &block); err != nil {
			return err
		}
		if len(block) == 0 {
			return waitAck()
		}
		for _, id := range block {
			r := sim(ctx, id)
			r.Rank = comm.Rank()
			msg, err := encode(r)
			if err != nil {
				return err
			}
			if err := waitAck(); err != nil {
				return err
			}
			if err := comm.Send(msg, 0, tagResult); err != nil {
				return err
			}
			unacked = true
		}
	}
}
