package store

import (
	"math/rand/v2"
	"testing"
)

// TestEntrySetIsASet: random adds (duplicates included) and removes
// across the inline, list and map forms agree with a map.
func TestEntrySetIsASet(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pool := make([]*entry, 3*smallSet)
	for i := range pool {
		pool[i] = &entry{name: string(rune('a' + i%26))}
	}
	for round := range 50 {
		var s entrySet
		want := map[*entry]bool{}
		span := 1 + rng.IntN(len(pool))
		for step := range 4 * smallSet {
			e := pool[rng.IntN(span)]
			if rng.IntN(3) == 0 {
				s.remove(e)
				delete(want, e)
			} else {
				s.add(e)
				want[e] = true
			}
			if s.size() != len(want) {
				t.Fatalf("round %d step %d: size %d, want %d", round, step, s.size(), len(want))
			}
		}
		got := map[*entry]bool{}
		for e := range s.all {
			if got[e] {
				t.Fatalf("round %d: all yields an entry twice", round)
			}
			got[e] = true
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: all yields %d entries, want %d", round, len(got), len(want))
		}
		for e := range want {
			if !got[e] {
				t.Fatalf("round %d: all misses an entry", round)
			}
		}
	}
}
