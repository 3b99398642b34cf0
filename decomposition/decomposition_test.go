package decomposition

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

// synthSims makes n sims over scenes and met windows with costs drawn by gen.
func synthSims(n, scenes, mets int, seed uint64, gen func(r *rand.Rand, i int) float64) []Sim {
	r := rand.New(rand.NewPCG(seed, 7))
	sims := make([]Sim, n)
	for i := range sims {
		sims[i] = Sim{
			ID:    fmt.Sprintf("sim%05d", i),
			Scene: fmt.Sprintf("scene%d", i%scenes),
			Met:   fmt.Sprintf("met%d", (i/scenes)%mets),
			Cost:  gen(r, i),
		}
	}
	return sims
}

func lognormal(r *rand.Rand, _ int) float64 { return math.Exp(r.NormFloat64()) }
func bimodal(r *rand.Rand, _ int) float64 { // 10 % "columns" 20x longer
	if r.Float64() < 0.1 {
		return 20 * (0.8 + 0.4*r.Float64())
	}
	return 0.8 + 0.4*r.Float64()
}
func uniform(r *rand.Rand, _ int) float64 { return 1 + r.Float64() }

func TestEverySimAssignedOnce(t *testing.T) {
	cases := []struct {
		n, ranks int
		opt      Options
	}{
		{0, 3, Options{}}, {1, 4, Options{}}, {3, 8, Options{}}, {10, 1, Options{}},
		{1000, 7, Options{}}, {1000, 7, Options{K: 1}}, {1000, 7, Options{K: 4, Endgame: -1}},
		{1000, 16, Options{ByCount: true}}, {37, 5, Options{ByCount: true, K: 3}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("n%d_p%d_k%d_count%v_end%g", tc.n, tc.ranks, tc.opt.K, tc.opt.ByCount, tc.opt.Endgame), func(t *testing.T) {
			sims := synthSims(tc.n, 3, 4, 1, lognormal)
			s, err := NewScheduler(sims, tc.ranks, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			init := s.Initial()
			wantInit := tc.ranks
			if tc.n < wantInit {
				wantInit = tc.n
			}
			if len(init) != wantInit {
				t.Fatalf("initial scatter: %d blocks, want %d", len(init), wantInit)
			}
			blocks := init
			for {
				b, ok := s.Next()
				if !ok {
					break
				}
				blocks = append(blocks, b)
			}
			count := map[string]int{}
			for i, b := range blocks {
				if b.Seq != i {
					t.Fatalf("block %d has seq %d", i, b.Seq)
				}
				if len(b.Sims) == 0 {
					t.Fatalf("block %d is empty", i)
				}
				var c float64
				for _, x := range b.Sims {
					count[x.ID]++
					c += x.Cost
				}
				if math.Abs(c-b.Cost) > 1e-9*math.Max(1, c) {
					t.Fatalf("block %d cost %g, sims sum to %g", i, b.Cost, c)
				}
			}
			if len(count) != tc.n {
				t.Fatalf("%d sims assigned, want %d", len(count), tc.n)
			}
			for id, c := range count {
				if c != 1 {
					t.Fatalf("%s assigned %d times", id, c)
				}
			}
			if s.Remaining() != 0 {
				t.Fatalf("remaining %d", s.Remaining())
			}
		})
	}
}

func TestBlocksShrinkByCount(t *testing.T) {
	const n, ranks, k = 1000, 8, 2
	blocks, err := Blocks(synthSims(n, 2, 3, 2, uniform), ranks, Options{K: k, ByCount: true})
	if err != nil {
		t.Fatal(err)
	}
	// Block sizes follow ceil(remaining/(k*ranks)), recomputed here independently.
	rem := n
	for i, b := range blocks {
		want := int(math.Ceil(float64(rem) / float64(k*ranks)))
		if len(b.Sims) != want {
			t.Fatalf("block %d: %d sims, want ceil(%d/%d) = %d", i, len(b.Sims), rem, k*ranks, want)
		}
		if i > 0 && len(b.Sims) > len(blocks[i-1].Sims) {
			t.Fatalf("block %d grew: %d > %d", i, len(b.Sims), len(blocks[i-1].Sims))
		}
		rem -= len(b.Sims)
	}
	if first, last := len(blocks[0].Sims), len(blocks[len(blocks)-1].Sims); first != 63 || last != 1 {
		t.Fatalf("first block %d (want ceil(1000/16)=63), last %d (want 1)", first, last)
	}
}

// In the default cost mode each block stops as soon as it reaches its target
// remaining/(K*ranks), targets shrink, and the endgame hands out the tail
// longest first.
func TestBlocksShrinkByCost(t *testing.T) {
	const ranks, k = 8, 2
	sims := synthSims(1000, 2, 3, 4, lognormal)
	var remaining, maxCost float64
	for _, s := range sims {
		remaining += s.Cost
		maxCost = math.Max(maxCost, s.Cost)
	}
	blocks, err := Blocks(sims, ranks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	prevTarget := math.Inf(1)
	for i, b := range blocks {
		target := remaining / (k * ranks)
		if target > prevTarget {
			t.Fatalf("block %d: target grew", i)
		}
		prevTarget = target
		last := b.Sims[len(b.Sims)-1].Cost
		if len(b.Sims) > 1 && b.Cost-last >= target {
			t.Fatalf("block %d overshot: cost without its last sim %g >= target %g", i, b.Cost-last, target)
		}
		remaining -= b.Cost
	}
	if first, last := blocks[0].Cost, blocks[len(blocks)-1].Cost; last > first/10 {
		t.Fatalf("blocks did not shrink: first %g, last %g", first, last)
	}
	// The final blocks are single sims in non-increasing cost order.
	tail := blocks[len(blocks)-ranks:]
	for i := 1; i < len(tail); i++ {
		if len(tail[i].Sims) != 1 || tail[i].Cost > tail[i-1].Cost {
			t.Fatalf("tail block %d: %d sims, cost %g after %g", i, len(tail[i].Sims), tail[i].Cost, tail[i-1].Cost)
		}
	}
}

func TestOrderAndDeterminism(t *testing.T) {
	sims := synthSims(300, 3, 4, 3, lognormal)
	o := Order(sims)
	for i := 1; i < len(o); i++ {
		a, b := o[i-1], o[i]
		ok := a.Scene < b.Scene || a.Scene == b.Scene && (a.Met < b.Met || a.Met == b.Met && a.Cost >= b.Cost)
		if !ok {
			t.Fatalf("order broken at %d: %+v then %+v", i, a, b)
		}
	}
	want, _ := Blocks(sims, 5, Options{})
	r := rand.New(rand.NewPCG(9, 9))
	for trial := 0; trial < 3; trial++ {
		sh := append([]Sim(nil), sims...)
		r.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
		got, _ := Blocks(sh, 5, Options{})
		if !reflect.DeepEqual(got, want) {
			t.Fatal("blocks depend on input order")
		}
	}
}

func TestSchedulerRejectsBadInput(t *testing.T) {
	cases := []struct {
		name  string
		sims  []Sim
		ranks int
		opt   Options
	}{
		{"no ranks", nil, 0, Options{}},
		{"negative K", nil, 1, Options{K: -1}},
		{"empty id", []Sim{{ID: ""}}, 1, Options{}},
		{"duplicate", []Sim{{ID: "a"}, {ID: "a"}}, 1, Options{}},
		{"negative cost", []Sim{{ID: "a", Cost: -1}}, 1, Options{}},
		{"NaN cost", []Sim{{ID: "a", Cost: math.NaN()}}, 1, Options{}},
	}
	for _, tc := range cases {
		if _, err := NewScheduler(tc.sims, tc.ranks, tc.opt); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestEstimateAndRefine(t *testing.T) {
	if got := EstimateCost(200, -24, 2); got != 9600 {
		t.Fatalf("EstimateCost = %g", got)
	}
	if got := EstimateCost(100, 10, 0); got != 1000 {
		t.Fatalf("EstimateCost with 0 points = %g", got)
	}
	sims := []Sim{
		{ID: "a1", Scene: "A", Cost: 10},
		{ID: "a2", Scene: "A", Cost: 30}, // measured itself
		{ID: "b1", Scene: "B", Cost: 10},
		{ID: "c1", Scene: "C", Cost: 10}, // no measurement in its scene: global ratio
	}
	measured := []Measurement{
		{ID: "a2", Scene: "A", Cost: 30, Seconds: 90}, // A: 3 s per unit ...
		{ID: "a9", Scene: "A", Cost: 10, Seconds: 10}, // ... and 1: A ratio (90+10)/(30+10) = 2.5
		{ID: "b9", Scene: "B", Cost: 20, Seconds: 10}, // B ratio 0.5
		{ID: "zz", Scene: "B", Cost: 10, Seconds: -1}, // ignored
	}
	got := Refine(sims, measured)
	// Global ratio = (90+10+10)/(30+10+20) = 110/60.
	want := []float64{25, 90, 5, 10 * 110.0 / 60}
	for i := range want {
		if math.Abs(got[i].Cost-want[i]) > 1e-12 {
			t.Errorf("%s: cost %g, want %g", got[i].ID, got[i].Cost, want[i])
		}
	}
	if sims[0].Cost != 10 {
		t.Fatal("Refine modified its input")
	}
	if un := Refine(sims, nil); !reflect.DeepEqual(un, sims) {
		t.Fatal("Refine without measurements changed costs")
	}
}

func TestShard(t *testing.T) {
	var ids []string
	for i := 0; i < 2000; i++ {
		ids = append(ids, fmt.Sprintf("2024060112_-111.8_40.7_%d", i))
	}
	const k = 4
	seen := map[string]int{}
	var shards [][]string
	for i := 0; i < k; i++ {
		s, err := Shard(append(ids, ids[0]), i, k) // a repeated id is listed once
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, s)
		if !sort.StringsAreSorted(s) {
			t.Fatal("shard not sorted")
		}
		for _, id := range s {
			seen[id]++
		}
		// FNV-1a spreads these ids evenly: each shard within 15 % of n/k.
		if d := math.Abs(float64(len(s)) - float64(len(ids))/k); d > 0.15*float64(len(ids))/k {
			t.Errorf("shard %d has %d ids, expected about %d", i, len(s), len(ids)/k)
		}
	}
	if len(seen) != len(ids) {
		t.Fatalf("shards cover %d ids of %d", len(seen), len(ids))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s in %d shards", id, n)
		}
	}
	// Stable under reordering and under adding ids.
	rev := append([]string(nil), ids...)
	sort.Sort(sort.Reverse(sort.StringSlice(rev)))
	more := append(rev, "new1", "new2", "new3")
	for i := 0; i < k; i++ {
		a, _ := Shard(rev, i, k)
		if !reflect.DeepEqual(a, shards[i]) {
			t.Fatalf("shard %d changed when input was reordered", i)
		}
		b, _ := Shard(more, i, k)
		var old []string
		for _, id := range b {
			if len(id) > 4 && id[:4] != "new1" && id[:4] != "new2" && id[:4] != "new3" {
				old = append(old, id)
			}
		}
		if !reflect.DeepEqual(old, shards[i]) {
			t.Fatalf("shard %d lost or gained old ids when new ids were added", i)
		}
	}
	for _, bad := range [][2]int{{0, 0}, {-1, 2}, {2, 2}} {
		if _, err := Shard(ids, bad[0], bad[1]); err == nil {
			t.Errorf("Shard(i=%d, k=%d) accepted", bad[0], bad[1])
		}
	}
}

// ---- discrete-event simulation of a batch -------------------------------

type worker struct {
	free float64
	id   int
}
type workerHeap []worker

func (h workerHeap) Len() int { return len(h) }
func (h workerHeap) Less(i, j int) bool {
	return h[i].free < h[j].free || h[i].free == h[j].free && h[i].id < h[j].id
}
func (h workerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *workerHeap) Push(x any)   { *h = append(*h, x.(worker)) }
func (h *workerHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// simulateDynamic runs the scheduler: the initial scatter starts at t=0, then
// whichever worker frees first requests the next block, paying latency per
// request. It returns the idle fraction 1 - work / (ranks * makespan).
// actual, when not nil, gives the true run time of a sim (the scheduler sees
// only the estimate).
func simulateDynamic(t *testing.T, sims []Sim, ranks int, opt Options, latency float64, actual map[string]float64) float64 {
	s, err := NewScheduler(sims, ranks, opt)
	if err != nil {
		t.Fatal(err)
	}
	h := &workerHeap{}
	var work, makespan float64
	cost := func(b Block) float64 {
		if actual == nil {
			return b.Cost
		}
		var c float64
		for _, x := range b.Sims {
			c += actual[x.ID]
		}
		return c
	}
	for i, b := range s.Initial() {
		heap.Push(h, worker{free: latency + cost(b), id: i})
		work += cost(b)
	}
	for {
		w := heap.Pop(h).(worker)
		b, ok := s.Next()
		if !ok {
			makespan = math.Max(makespan, w.free)
			for h.Len() > 0 {
				makespan = math.Max(makespan, heap.Pop(h).(worker).free)
			}
			break
		}
		work += cost(b)
		w.free += latency + cost(b)
		heap.Push(h, w)
	}
	return 1 - work/(float64(ranks)*makespan)
}

// simulateRoundRobin is PYSTILT's static split: sim i (pending order) goes to
// worker i mod ranks.
func simulateRoundRobin(sims []Sim, ranks int) float64 {
	load := make([]float64, ranks)
	var work float64
	for i, s := range sims {
		load[i%ranks] += s.Cost
		work += s.Cost
	}
	var makespan float64
	for _, l := range load {
		makespan = math.Max(makespan, l)
	}
	return 1 - work/(float64(ranks)*makespan)
}

func TestSchedulingBeatsRoundRobin(t *testing.T) {
	cases := []struct {
		name  string
		gen   func(*rand.Rand, int) float64
		n     int
		ranks int
	}{
		{"lognormal", lognormal, 2000, 16},
		{"bimodal columns", bimodal, 1000, 32},
		{"uniform", uniform, 500, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sims := synthSims(tc.n, 3, 4, 11, tc.gen)
			// Latency of one request/response, 0.1 % of a mean simulation.
			var mean float64
			for _, s := range sims {
				mean += s.Cost / float64(len(sims))
			}
			rr := simulateRoundRobin(sims, tc.ranks)
			gss := simulateDynamic(t, sims, tc.ranks, Options{}, 1e-3*mean, nil)
			count := simulateDynamic(t, sims, tc.ranks, Options{ByCount: true, Endgame: -1}, 1e-3*mean, nil)
			noEnd := simulateDynamic(t, sims, tc.ranks, Options{Endgame: -1}, 1e-3*mean, nil)
			// Estimates off by a lognormal factor (sigma 0.3) from the truth.
			r := rand.New(rand.NewPCG(5, 5))
			actual := map[string]float64{}
			for _, s := range sims {
				actual[s.ID] = s.Cost * math.Exp(0.3*r.NormFloat64())
			}
			noisy := simulateDynamic(t, sims, tc.ranks, Options{}, 1e-3*mean, actual)
			t.Logf("idle fraction: round-robin %.4f, GSS default %.4f, with 30%% estimate noise %.4f "+
				"(by count, no endgame %.4f; by cost, no endgame %.4f)", rr, gss, noisy, count, noEnd)
			if gss > 0.05 || noisy > 0.05 {
				t.Errorf("GSS idle fraction %.4f (noisy %.4f), want < 5 %%", gss, noisy)
			}
			if gss >= rr {
				t.Errorf("GSS (%.4f) not better than round-robin (%.4f)", gss, rr)
			}
		})
	}
}
