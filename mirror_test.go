package orchestra_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// endingRuntime is a fake runtime whose watches the test can end, as a
// real runtime's watch ends when its connection drops.
type endingRuntime struct {
	*fake.Runtime
	mu sync.Mutex
	ws []*endingWatch
}

var errWatchEnded = errors.New("watch ended")

type endingWatch struct {
	workload.Watcher
	ended atomic.Bool
	done  chan struct{}
}

func (w *endingWatch) TryNext() (workload.WatchEvent, bool) {
	if w.ended.Load() {
		return workload.WatchEvent{}, false
	}
	return w.Watcher.TryNext()
}

func (w *endingWatch) Ready() <-chan struct{} {
	if w.ended.Load() {
		return w.done
	}
	return w.Watcher.Ready()
}

func (w *endingWatch) Err() error {
	if w.ended.Load() {
		return errWatchEnded
	}
	return w.Watcher.Err()
}

func (r *endingRuntime) Watch(ctx context.Context, version uint64) (workload.Watcher, error) {
	w, err := r.Runtime.Watch(ctx, version)
	if err != nil {
		return nil, err
	}
	ew := &endingWatch{Watcher: w, done: make(chan struct{})}
	r.mu.Lock()
	r.ws = append(r.ws, ew)
	r.mu.Unlock()
	return ew, nil
}

func (r *endingRuntime) endWatches() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.ws {
		if !w.ended.Swap(true) {
			close(w.done)
		}
	}
}

func (r *endingRuntime) failedLists() int {
	n := 0
	for _, c := range r.Calls() {
		if c.Method == "List" && c.Err != nil {
			n++
		}
	}
	return n
}

// TestRuntimeWatchEndsAndListFails: when the runtime's watch ends the
// cluster lists the runtime again; when that list fails it retries a
// second later rather than spinning, and catches up once the runtime
// answers.
func TestRuntimeWatchEndsAndListFails(t *testing.T) {
	clock := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	f, err := fake.New(fake.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rt := &endingRuntime{Runtime: f}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}

	down := errors.New("runtime down")
	f.SetHooks(fake.Hooks{FailList: func() error { return down }})
	rt.endWatches()
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-b"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(500 * time.Millisecond); err != nil {
		t.Fatalf("Advance with the runtime down: %v", err)
	}
	if n := rt.failedLists(); n != 1 {
		t.Fatalf("%d failed lists in 500ms, want 1 (then a retry after a second)", n)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if n := rt.failedLists(); n != 2 {
		t.Fatalf("%d failed lists after 1.5s, want 2", n)
	}

	f.SetHooks(fake.Hooks{})
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("Node", "", "node-b"); err != nil {
		t.Fatalf("node-b, added while the runtime was down: %v", err)
	}
}
