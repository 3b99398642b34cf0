package hysplit

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// MaxSeed is the largest SEED written to SETUP.CFG. hycs_std reads SEED
// into a default (32-bit) Fortran INTEGER, and SEED=0 is its "not set"
// value (MESSAGE echoes SEED=0 by default), so seeds lie in [1, MaxSeed].
const MaxSeed = 1<<31 - 1

// SeedFor derives the SEED of one simulation from the project seed and the
// simulation id: the first 8 bytes of SHA-256(projectSeed as 8 little-endian
// bytes, simID), mapped onto [1, MaxSeed]. It is stable across platforms,
// releases and rank counts, and different ids get unrelated seeds.
func SeedFor(projectSeed uint64, simID string) uint64 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], projectSeed)
	h := sha256.New()
	h.Write(b[:])
	h.Write([]byte(simID))
	sum := h.Sum(nil)
	return 1 + binary.BigEndian.Uint64(sum[:8])%MaxSeed
}

// Random is the random-number setting of one run (hysplit-interface.md §10).
type Random struct {
	KRAND     int
	Seed      uint64
	WriteSeed bool // write SEED=Seed to SETUP.CFG
}

// DefaultKRAND is stilt-mpi's default random mode: KRAND=1 honours SEED, so
// runs are repeatable and different simulations get different streams.
const DefaultKRAND = 1

// RandomFor chooses the KRAND/SEED pair for a simulation.
//
//   - krand 0 (unset) or 1: KRAND=1 with SEED=SeedFor(projectSeed, simID);
//     bit-reproducible runs.
//   - krand 4: R-STILT's default, no SEED (every run differs; KRAND=4 ignores
//     SEED for repeatability anyway).
//   - krand 2 or 3: no SEED (the binary ignores it; runs are repeatable).
//
// Other values are an error.
func RandomFor(krand int, projectSeed uint64, simID string) (Random, error) {
	switch krand {
	case 0, 1:
		return Random{KRAND: 1, Seed: SeedFor(projectSeed, simID), WriteSeed: true}, nil
	case 2, 3, 4:
		return Random{KRAND: krand}, nil
	}
	return Random{}, fmt.Errorf("hysplit: krand = %d; hycs_std accepts 1, 2, 3 or 4 (0 = default 1)", krand)
}
