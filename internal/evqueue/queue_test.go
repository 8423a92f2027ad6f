package evqueue

import (
	"math/rand/v2"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// TestQueueIsFIFO pushes and pops in random runs across many blocks and
// checks the order against a slice.
func TestQueueIsFIFO(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var q Queue
	var want []uint64
	next := uint64(1)
	for range 2000 {
		for range rng.IntN(3 * blockSize) {
			q.Push(workload.WatchEvent{Version: next})
			want = append(want, next)
			next++
		}
		for range rng.IntN(3 * blockSize) {
			ev, ok := q.Pop()
			if len(want) == 0 {
				if ok {
					t.Fatalf("Pop of an empty queue returned %v", ev.Version)
				}
				break
			}
			if !ok || ev.Version != want[0] {
				t.Fatalf("Pop = %v, %v; want %v", ev.Version, ok, want[0])
			}
			want = want[1:]
		}
		if q.Len() != len(want) {
			t.Fatalf("Len = %d, want %d", q.Len(), len(want))
		}
	}
}

// TestQueueKeepsLittle: a drained queue holds at most its block and
// maxSpare spares, and clears the slots it popped.
func TestQueueKeepsLittle(t *testing.T) {
	var q Queue
	obj := &workload.Pod{}
	for range 10 * maxSpare * blockSize {
		q.Push(workload.WatchEvent{Object: obj})
	}
	for q.Len() > 0 {
		q.Pop()
	}
	blocks := 0
	for b := q.head; b != nil; b = b.next {
		blocks++
		for i := range b.ev {
			if b.ev[i].Object != nil {
				t.Fatal("a popped slot still holds its object")
			}
		}
	}
	for b := q.spare; b != nil; b = b.next {
		blocks++
	}
	if blocks > 1+maxSpare {
		t.Fatalf("a drained queue keeps %d blocks, want at most %d", blocks, 1+maxSpare)
	}
}

// BenchmarkPushPop is a batch of 1,000 events pushed and drained; after
// the first, a batch reuses the queue's blocks.
func BenchmarkPushPop(b *testing.B) {
	var q Queue
	ev := workload.WatchEvent{Object: &workload.Pod{}}
	for b.Loop() {
		for range 1000 {
			q.Push(ev)
		}
		for range 1000 {
			q.Pop()
		}
	}
}

// BenchmarkPushPopSmall is a batch of 100 events, within one block.
func BenchmarkPushPopSmall(b *testing.B) {
	var q Queue
	ev := workload.WatchEvent{Object: &workload.Pod{}}
	for b.Loop() {
		for range 100 {
			q.Push(ev)
		}
		for range 100 {
			q.Pop()
		}
	}
}

// TestPopBatchIsFIFO mixes PopBatch with buffers of every size, Pop and
// Push, and checks the order, the lengths and that taken slots are cleared.
func TestPopBatchIsFIFO(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var q Queue
	var want []uint64
	next := uint64(1)
	obj := &workload.Pod{}
	for range 2000 {
		for range rng.IntN(3 * blockSize) {
			q.Push(workload.WatchEvent{Version: next, Object: obj})
			want = append(want, next)
			next++
		}
		if rng.IntN(4) == 0 {
			if ev, ok := q.Pop(); ok != (len(want) > 0) || ok && ev.Version != want[0] {
				t.Fatalf("Pop = %v, %v; want %v", ev.Version, ok, want)
			} else if ok {
				want = want[1:]
			}
		}
		buf := make([]workload.WatchEvent, rng.IntN(3), rng.IntN(2*blockSize+2)+3)
		got := q.PopBatch(buf)
		n := min(cap(buf), len(want))
		if len(got) != n {
			t.Fatalf("PopBatch returned %d events, want %d (cap %d, queued %d)", len(got), n, cap(buf), len(want))
		}
		for i, ev := range got {
			if ev.Version != want[i] {
				t.Fatalf("PopBatch[%d] = %d, want %d", i, ev.Version, want[i])
			}
		}
		want = want[n:]
		if q.Len() != len(want) {
			t.Fatalf("Len = %d, want %d", q.Len(), len(want))
		}
	}
	for q.Len() > 0 {
		q.PopBatch(make([]workload.WatchEvent, 0, 100))
	}
	for b := q.head; b != nil; b = b.next {
		for i := range b.ev {
			if b.ev[i].Object != nil {
				t.Fatalf("a taken slot still holds its object")
			}
		}
	}
}
