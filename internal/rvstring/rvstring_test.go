package rvstring

import (
	"math"
	"strconv"
	"testing"
)

func TestFormatMatchesFormatUint(t *testing.T) {
	var f Formatter
	check := func(v uint64) {
		t.Helper()
		if got, want := f.Format(v), strconv.FormatUint(v, 10); got != want {
			t.Fatalf("Format(%d) = %q, want %q", v, got, want)
		}
	}
	// Consecutive versions across batches and digit counts, then jumps
	// back and forth, repeats and the top of the range.
	for v := uint64(0); v < 2000; v++ {
		check(v)
	}
	for _, v := range []uint64{5, 99_999_998, 99_999_999, 100_000_000, 7, 7, 8, 100_000_001,
		math.MaxUint64 - 9, math.MaxUint64 - 1, math.MaxUint64, 0, math.MaxUint64, 1} {
		check(v)
	}
}

func TestConsecutiveVersionsShareAnAllocation(t *testing.T) {
	var f Formatter
	v := uint64(1_000_000)
	allocs := testing.AllocsPerRun(100, func() {
		for range batch {
			v++
			_ = f.Format(v)
		}
	})
	// One string per batch of consecutive versions (a run may straddle
	// two batches).
	if allocs > 2 {
		t.Fatalf("%d consecutive versions cost %v allocations, want at most 2", batch, allocs)
	}
}
