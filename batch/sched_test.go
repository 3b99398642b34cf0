package batch

import (
	"fmt"
	"testing"

	"github.com/stilt-mpi/stilt-mpi/decomposition"
)

func TestSchedAdapterCapAndCoverage(t *testing.T) {
	for _, max := range []int{0, 1, 3} {
		var sims []decomposition.Sim
		for i := 0; i < 37; i++ {
			sims = append(sims, decomposition.Sim{ID: fmt.Sprintf("s%02d", i), Scene: fmt.Sprint(i % 3), Met: "m", Cost: float64(1 + i%5)})
		}
		s, err := decomposition.NewScheduler(sims, 4, decomposition.Options{})
		if err != nil {
			t.Fatal(err)
		}
		a := &schedAdapter{s: s, max: max}
		seen := map[string]int{}
		for rank := 0; ; rank = (rank + 1) % 4 {
			b := a.Next(rank)
			if b == nil {
				break
			}
			if max > 0 && len(b) > max {
				t.Fatalf("max %d: block of %d", max, len(b))
			}
			for _, id := range b {
				seen[id]++
			}
		}
		if len(seen) != len(sims) {
			t.Fatalf("max %d: %d of %d handed out", max, len(seen), len(sims))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("max %d: %s handed out %d times", max, id, n)
			}
		}
	}
}
