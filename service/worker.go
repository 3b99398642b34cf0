package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/stilt-mpi/stilt-mpi/registry"
)

// RunFunc computes one claimed simulation and returns its result. The
// worker fills SimID, RunID and Host when they are empty. When ctx is
// cancelled (shutdown) it should return promptly with Status pending
// (interrupted); the worker then releases the claim without counting the
// attempt. A panic is recorded as a failed result of class "INTERNAL_PANIC".
type RunFunc func(ctx context.Context, sim registry.Simulation) registry.Result

// Options configure a worker. Zero values take the defaults shown.
type Options struct {
	WorkerID  string        // default: <host>-<pid>-<random>; use a run id from BeginRun to record it on rows
	RunID     string        // written into results (default: none)
	Host      string        // default: os.Hostname()
	Batch     int           // simulations per claim (default 1)
	Lease     time.Duration // claim lease (default 2 min)
	Heartbeat time.Duration // lease renewal interval (default Lease/3)
	IdleMin   time.Duration // first idle wait (default 1 s)
	IdleMax   time.Duration // longest idle wait (default 60 s)
	// OnCommitted, if set, runs after each committed result (e.g. to write a
	// scene's files when its last simulation ends). Its error is logged.
	OnCommitted func(ctx context.Context, sim registry.Simulation, r registry.Result) error
	Log         io.Writer // progress lines (default io.Discard)
}

func (o *Options) defaults() {
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	if o.WorkerID == "" {
		var b [4]byte
		rand.Read(b[:])
		o.WorkerID = fmt.Sprintf("%s-%d-%s", o.Host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if o.Batch < 1 {
		o.Batch = 1
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Heartbeat <= 0 || o.Heartbeat >= o.Lease {
		o.Heartbeat = o.Lease / 3
	}
	if o.IdleMin <= 0 {
		o.IdleMin = time.Second
	}
	if o.IdleMax <= 0 {
		o.IdleMax = 60 * time.Second
	}
	if o.IdleMax < o.IdleMin {
		o.IdleMax = o.IdleMin
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// Report counts what one worker did.
type Report struct {
	WorkerID    string
	Claimed     int
	Complete    int // complete or complete-empty
	Failed      int
	Interrupted int // handed back as pending (released on shutdown or requeued)
	LeaseLost   int // results refused because the claim had expired
	HookFailed  int // OnCommitted errors (e.g. a scene file not written); the results themselves are committed
}

// commitTimeout bounds registry writes made after shutdown began.
const commitTimeout = 30 * time.Second

// Drain claims and runs simulations until nothing is pending or claimed in
// the registry (it waits, with back-off, while other workers hold claims, so
// that it can take over those whose leases expire; rows a batch run marked
// running without a lease are not waited for), or until ctx is
// cancelled (claims in flight are released; the error is nil). It returns
// an error only for registry failures.
func Drain(ctx context.Context, q registry.Queue, run RunFunc, o Options) (Report, error) {
	return loop(ctx, q, run, o, false)
}

// Serve is Drain that never returns on an empty queue: it waits for new
// simulations with exponential back-off (IdleMin doubling to IdleMax, reset
// by a successful claim), survives registry errors (logged, retried after
// back-off) and returns nil when ctx is cancelled, after releasing its
// in-flight claims.
func Serve(ctx context.Context, q registry.Queue, run RunFunc, o Options) (Report, error) {
	return loop(ctx, q, run, o, true)
}

func loop(ctx context.Context, q registry.Queue, run RunFunc, o Options, follow bool) (Report, error) {
	o.defaults()
	rep := Report{WorkerID: o.WorkerID}
	wait := o.IdleMin
	sleep := func() bool {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		wait = min(2*wait, o.IdleMax)
		return true
	}
	for ctx.Err() == nil {
		sims, err := q.Claim(ctx, o.WorkerID, o.Batch, o.Lease)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if !follow {
				return rep, err
			}
			fmt.Fprintf(o.Log, "worker %s: %v (retrying in %v)\n", o.WorkerID, err, wait)
			if !sleep() {
				break
			}
			continue
		}
		if len(sims) == 0 {
			if !follow {
				pending, leased, err := q.Outstanding(ctx)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					return rep, err
				}
				if pending+leased == 0 {
					return rep, nil
				}
				// Others hold claims: wait no longer than a lease so that an
				// expired one is taken over promptly.
				wait = min(wait, o.Lease)
			}
			if !sleep() {
				break
			}
			continue
		}
		wait = o.IdleMin
		rep.Claimed += len(sims)
		process(ctx, q, run, o, sims, &rep)
	}
	return rep, nil
}

// process runs one claimed batch with a heartbeat keeping the leases alive.
func process(ctx context.Context, q registry.Queue, run RunFunc, o Options, sims []registry.Simulation, rep *Report) {
	bg := context.WithoutCancel(ctx)
	var mu sync.Mutex
	lostIDs := map[string]bool{}
	var current string                   // simulation running now
	var cancelCurrent context.CancelFunc // cancels it when its lease is lost
	held := make([]string, len(sims))
	for i, s := range sims {
		held[i] = s.SimID
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(o.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			mu.Lock()
			ids := append([]string(nil), held...)
			mu.Unlock()
			hctx, cancel := context.WithTimeout(bg, o.Heartbeat)
			err := q.Heartbeat(hctx, o.WorkerID, ids, o.Lease)
			cancel()
			if err == nil {
				continue
			}
			fmt.Fprintf(o.Log, "worker %s: %v\n", o.WorkerID, err)
			var lost *registry.LeaseLostError
			if errors.As(err, &lost) {
				// Another worker owns these now: stop running them.
				mu.Lock()
				for _, id := range lost.IDs {
					lostIDs[id] = true
					if id == current && cancelCurrent != nil {
						cancelCurrent()
					}
				}
				mu.Unlock()
			}
		}
	}()
	done := func(id string) {
		mu.Lock()
		defer mu.Unlock()
		for i, h := range held {
			if h == id {
				held = append(held[:i], held[i+1:]...)
				return
			}
		}
	}
	defer func() {
		close(stop)
		wg.Wait()
		mu.Lock()
		rest := held
		mu.Unlock()
		if len(rest) > 0 { // shutdown before they ran
			cctx, cancel := context.WithTimeout(bg, commitTimeout)
			n, err := q.Release(cctx, o.WorkerID, rest)
			cancel()
			rep.Interrupted += n
			if err != nil {
				fmt.Fprintf(o.Log, "worker %s: %v\n", o.WorkerID, err)
			}
		}
	}()
	for _, sim := range sims {
		if ctx.Err() != nil {
			return
		}
		simCtx, cancelSim := context.WithCancel(ctx)
		mu.Lock()
		skip := lostIDs[sim.SimID]
		current, cancelCurrent = sim.SimID, cancelSim
		mu.Unlock()
		if skip { // lost before it started: not ours to run or release
			cancelSim()
			done(sim.SimID)
			rep.LeaseLost++
			continue
		}
		r := safeRun(simCtx, run, sim)
		mu.Lock()
		current, cancelCurrent = "", nil
		mu.Unlock()
		cancelSim()
		if r.SimID == "" {
			r.SimID = sim.SimID
		}
		if r.RunID == "" {
			r.RunID = o.RunID
		}
		if r.Host == "" {
			r.Host = o.Host
		}
		cctx, cancel := context.WithTimeout(bg, commitTimeout)
		var err error
		if r.Status == registry.StatusPending && ctx.Err() != nil {
			_, err = q.Release(cctx, o.WorkerID, []string{sim.SimID})
			rep.Interrupted++
		} else {
			err = q.CommitClaimed(cctx, o.WorkerID, r)
			switch {
			case errors.Is(err, registry.ErrLeaseLost):
				rep.LeaseLost++
			case err != nil:
			case r.Status.Finished():
				rep.Complete++
			case r.Status == registry.StatusFailed:
				rep.Failed++
			default:
				rep.Interrupted++
			}
			if err == nil && o.OnCommitted != nil {
				if herr := o.OnCommitted(cctx, sim, r); herr != nil {
					rep.HookFailed++
					fmt.Fprintf(o.Log, "worker %s: after %s: %v\n", o.WorkerID, sim.SimID, herr)
				}
			}
		}
		cancel()
		done(sim.SimID)
		if err != nil {
			fmt.Fprintf(o.Log, "worker %s: %s: %v\n", o.WorkerID, sim.SimID, err)
		} else {
			fmt.Fprintf(o.Log, "worker %s: %s %s\n", o.WorkerID, sim.SimID, r.Status)
		}
	}
}

// safeRun calls run, turning a panic into a failed result.
func safeRun(ctx context.Context, run RunFunc, sim registry.Simulation) (r registry.Result) {
	defer func() {
		if p := recover(); p != nil {
			r = registry.Result{SimID: sim.SimID, Status: registry.StatusFailed, ErrorClass: "INTERNAL_PANIC",
				ErrorMessage: fmt.Sprintf("panic: %v\n%s", p, debug.Stack())}
		}
	}()
	return run(ctx, sim)
}
