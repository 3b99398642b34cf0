package decomposition

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
)

// Sim is one pending simulation as the scheduler sees it.
type Sim struct {
	ID    string
	Scene string
	Met   string  // met window key
	Cost  float64 // estimated cost (any consistent unit)
}

// Measurement is a recorded run time of a finished simulation (from the
// registry) with the estimated cost it had.
type Measurement struct {
	ID      string
	Scene   string
	Cost    float64 // estimated cost at registration
	Seconds float64 // measured wall time
}

// EstimateCost is the a-priori cost of a simulation:
// numpar x |nHours| x release points (points < 1 counts as 1).
func EstimateCost(numpar, nHours, releasePoints int) float64 {
	if releasePoints < 1 {
		releasePoints = 1
	}
	return math.Abs(float64(numpar)) * math.Abs(float64(nHours)) * float64(releasePoints)
}

// Refine converts estimated costs to expected seconds using measurements: a
// sim that was itself measured gets its measured seconds; otherwise its cost
// is scaled by the seconds-per-cost-unit ratio of its scene, or of all
// measurements when its scene has none. Without usable measurements (none
// with cost > 0 and seconds > 0) the sims are returned unchanged. The input is
// not modified.
func Refine(sims []Sim, measured []Measurement) []Sim {
	out := append([]Sim(nil), sims...)
	type acc struct{ sec, cost float64 }
	byScene := map[string]*acc{}
	var all acc
	direct := map[string]float64{}
	for _, m := range measured {
		if m.Seconds <= 0 || math.IsNaN(m.Seconds) || math.IsInf(m.Seconds, 0) {
			continue
		}
		direct[m.ID] = m.Seconds
		if m.Cost <= 0 {
			continue
		}
		a := byScene[m.Scene]
		if a == nil {
			a = &acc{}
			byScene[m.Scene] = a
		}
		a.sec += m.Seconds
		a.cost += m.Cost
		all.sec += m.Seconds
		all.cost += m.Cost
	}
	if all.cost <= 0 {
		return out
	}
	global := all.sec / all.cost
	for i := range out {
		if sec, ok := direct[out[i].ID]; ok {
			out[i].Cost = sec
			continue
		}
		k := global
		if a := byScene[out[i].Scene]; a != nil && a.cost > 0 {
			k = a.sec / a.cost
		}
		out[i].Cost *= k
	}
	return out
}

// Order returns sims sorted by scene, met key, cost descending, then id.
// The input is not modified.
func Order(sims []Sim) []Sim {
	out := append([]Sim(nil), sims...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Scene != b.Scene {
			return a.Scene < b.Scene
		}
		if a.Met != b.Met {
			return a.Met < b.Met
		}
		if a.Cost != b.Cost {
			return a.Cost > b.Cost
		}
		return a.ID < b.ID
	})
	return out
}

// Options tune the scheduler. The zero value is the recommended policy.
type Options struct {
	// K is the guided self-scheduling divisor. Default 2.
	K int
	// ByCount sizes blocks by count, ceil(remaining sims / (K * ranks)),
	// instead of by cost. The default (false) takes sims in order until the
	// block's cost reaches remaining cost / (K * ranks), at least one sim:
	// with costs sorted descending inside each met window, count-sized
	// blocks put many of the most expensive sims into the first blocks.
	ByCount bool
	// Endgame: once the remaining cost per rank falls below Endgame times
	// the largest remaining sim cost, the rest is handed out in global cost
	// descending order (longest first) so that no long simulation starts
	// last; met locality is given up for that tail. Default 2; negative
	// disables it.
	Endgame float64
}

// Block is a unit of work handed to one rank.
type Block struct {
	Seq  int // 0, 1, 2, ... in hand-out order
	Sims []Sim
	Cost float64 // sum of the sims' costs
}

// IDs returns the sim ids of the block.
func (b Block) IDs() []string {
	ids := make([]string, len(b.Sims))
	for i, s := range b.Sims {
		ids[i] = s.ID
	}
	return ids
}

// Scheduler hands out blocks by guided self-scheduling. It is not safe for
// concurrent use (rank 0's scheduling loop owns it).
type Scheduler struct {
	sims      []Sim
	next      int
	ranks     int
	k         int
	byCount   bool
	endgame   float64
	inEndgame bool
	remaining float64 // cost not yet handed out
	seq       int
}

// NewScheduler orders sims (see Order) and prepares to hand them to ranks
// worker ranks. Duplicate ids, empty ids and negative or non-finite costs are
// errors.
func NewScheduler(sims []Sim, ranks int, opt Options) (*Scheduler, error) {
	if ranks < 1 {
		return nil, fmt.Errorf("decomposition: %d worker ranks: expected at least 1", ranks)
	}
	if opt.K == 0 {
		opt.K = 2
	}
	if opt.K < 1 {
		return nil, fmt.Errorf("decomposition: K = %d: expected at least 1", opt.K)
	}
	if opt.Endgame == 0 {
		opt.Endgame = 2
	}
	if math.IsNaN(opt.Endgame) {
		return nil, fmt.Errorf("decomposition: Endgame is NaN")
	}
	seen := make(map[string]bool, len(sims))
	var total float64
	for i, s := range sims {
		if s.ID == "" {
			return nil, fmt.Errorf("decomposition: simulation %d has an empty id", i)
		}
		if seen[s.ID] {
			return nil, fmt.Errorf("decomposition: simulation %d: duplicate id %q", i, s.ID)
		}
		seen[s.ID] = true
		if s.Cost < 0 || math.IsNaN(s.Cost) || math.IsInf(s.Cost, 0) {
			return nil, fmt.Errorf("decomposition: simulation %q: cost %g: expected a finite value >= 0", s.ID, s.Cost)
		}
		total += s.Cost
	}
	return &Scheduler{sims: Order(sims), ranks: ranks, k: opt.K, byCount: opt.ByCount, endgame: opt.Endgame,
		remaining: total}, nil
}

// Remaining returns the number of simulations not yet handed out.
func (s *Scheduler) Remaining() int { return len(s.sims) - s.next }

// Initial returns the initial scatter: one block per worker rank (fewer when
// there are fewer simulations than ranks).
func (s *Scheduler) Initial() []Block {
	var out []Block
	for r := 0; r < s.ranks; r++ {
		b, ok := s.Next()
		if !ok {
			break
		}
		out = append(out, b)
	}
	return out
}

// Next returns the next block, or false when everything has been handed out.
func (s *Scheduler) Next() (Block, bool) {
	rem := s.Remaining()
	if rem == 0 {
		return Block{}, false
	}
	s.checkEndgame()
	n := (rem + s.k*s.ranks - 1) / (s.k * s.ranks)
	if !s.byCount {
		target := s.remaining / float64(s.k*s.ranks)
		var c float64
		n = 0
		for s.next+n < len(s.sims) && (n == 0 || c < target) {
			c += s.sims[s.next+n].Cost
			n++
		}
	}
	if n < 1 {
		n = 1
	}
	b := Block{Seq: s.seq, Sims: s.sims[s.next : s.next+n : s.next+n]}
	for _, x := range b.Sims {
		b.Cost += x.Cost
	}
	s.remaining -= b.Cost
	if s.remaining < 0 {
		s.remaining = 0
	}
	s.next += n
	s.seq++
	return b, true
}

// checkEndgame switches to global longest-first order for the tail.
func (s *Scheduler) checkEndgame() {
	if s.inEndgame || s.endgame < 0 {
		return
	}
	rest := s.sims[s.next:]
	var max float64
	for _, x := range rest {
		max = math.Max(max, x.Cost)
	}
	if s.remaining/float64(s.ranks) >= s.endgame*max {
		return
	}
	s.inEndgame = true
	sort.SliceStable(rest, func(i, j int) bool {
		if rest[i].Cost != rest[j].Cost {
			return rest[i].Cost > rest[j].Cost
		}
		return rest[i].ID < rest[j].ID
	})
}

// Blocks returns every block in hand-out order (Initial then Next until
// done), for tests and dry runs.
func Blocks(sims []Sim, ranks int, opt Options) ([]Block, error) {
	s, err := NewScheduler(sims, ranks, opt)
	if err != nil {
		return nil, err
	}
	var out []Block
	for {
		b, ok := s.Next()
		if !ok {
			return out, nil
		}
		out = append(out, b)
	}
}

// ShardOf returns the shard (0..k-1) of a sim id: FNV-1a 64 of the id mod k.
// It depends on the id alone, so a sim keeps its shard when other sims are
// added, removed or reordered.
func ShardOf(id string, k int) int {
	h := fnv.New64a()
	h.Write([]byte(id))
	return int(h.Sum64() % uint64(k))
}

// Shard returns the ids of shard i of k (see ShardOf), sorted, without
// duplicates. The result does not depend on the order of ids.
func Shard(ids []string, i, k int) ([]string, error) {
	if k < 1 {
		return nil, fmt.Errorf("decomposition: shard count %d: expected at least 1", k)
	}
	if i < 0 || i >= k {
		return nil, fmt.Errorf("decomposition: shard index %d: expected 0..%d", i, k-1)
	}
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" {
			return nil, errors.New("decomposition: shard: empty sim id")
		}
		if !seen[id] && ShardOf(id, k) == i {
			out = append(out, id)
		}
		seen[id] = true
	}
	sort.Strings(out)
	return out, nil
}
