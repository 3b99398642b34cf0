package batch

import (
	"context"
	"fmt"
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

// Coordinator is rank 0's loop: it answers work requests from the other
// ranks with blocks from the Scheduler, commits every result to the Sink
// before acknowledging it, and (when Local is set) computes too.
type Coordinator struct {
	Comm     Comm
	Sched    Scheduler
	Sink     Sink
	Local    SimFunc   // rank 0's own compute; nil to only coordinate
	Progress *Progress // may be nil
	// Idle is how long the loop sleeps when nothing happened (default 1 ms).
	Idle time.Duration
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
	idle := c.Idle
	if idle <= 0 {
		idle = time.Millisecond
	}
	remote := c.Comm.Size() - 1
	stopped := 0

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
	commit := func(r Result) error {
		if err := c.Sink.Commit(r); err != nil {
			return fmt.Errorf("committing %s: %w", r.SimID, err)
		}
		if c.Progress != nil {
			c.Progress.Add(r)
		}
		return nil
	}

	for stopped < remote || !localDone {
		busy := false
		if remote > 0 {
			ok, err := c.Comm.Iprobe()
			if err != nil {
				return err
			}
			if ok {
				busy = true
				buf, from, tag, err := c.Comm.Recv(-1, -1)
				if err != nil {
					return err
				}
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
					if err := commit(r); err != nil {
						return err
					}
					if err := c.Comm.Send(nil, from, tagAck); err != nil {
						return err
					}
				default:
					return fmt.Errorf("rank 0: unexpected message tag %d from rank %d", tag, from)
				}
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
		if !busy {
			time.Sleep(idle)
		}
	}
	if c.Progress != nil {
		c.Progress.Final()
	}
	return nil
}

// Worker is the loop of every rank but 0: ask for a block, run it, send each
// result and wait for its acknowledgement, until rank 0 sends an empty block.
func Worker(ctx context.Context, comm Comm, sim SimFunc) error {
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
			return nil
		}
		for _, id := range block {
			r := sim(ctx, id)
			r.Rank = comm.Rank()
			msg, err := encode(r)
			if err != nil {
				return err
			}
			if err := comm.Send(msg, 0, tagResult); err != nil {
				return err
			}
			if _, _, _, err := comm.Recv(0, tagAck); err != nil {
				return err
			}
		}
	}
}
