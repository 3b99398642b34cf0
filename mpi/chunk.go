package mpi

// piece is one contiguous part of a payload moved by one MPI call.
type piece struct {
	off int64
	n   int
}

// pieces splits total bytes into pieces of at most chunk bytes.
func pieces(total int64, chunk int) []piece {
	var out []piece
	for off := int64(0); off < total; off += int64(chunk) {
		n := total - off
		if n > int64(chunk) {
			n = int64(chunk)
		}
		out = append(out, piece{off: off, n: int(n)})
	}
	return out
}

// rounds plans a chunked scatter/gather of per-rank lengths: each round gives
// every rank a count (possibly 0) and the counts of a round sum to at most
// chunk. Ranks are filled in order; every rank computes the same plan from
// the same lengths. No rounds are needed when every length is 0.
func rounds(lengths []int64, chunk int) [][]int {
	rem := append([]int64(nil), lengths...)
	var out [][]int
	i := 0 // first rank with bytes left
	for {
		for i < len(rem) && rem[i] == 0 {
			i++
		}
		if i == len(rem) {
			return out
		}
		budget := int64(chunk)
		round := make([]int, len(rem))
		for j := i; j < len(rem) && budget > 0; j++ {
			take := rem[j]
			if take > budget {
				take = budget
			}
			round[j] = int(take)
			rem[j] -= take
			budget -= take
		}
		out = append(out, round)
	}
}
