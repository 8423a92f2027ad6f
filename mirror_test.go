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

// reportingRuntime is a fake runtime that remembers the last pod each of
// its watches reported, by name.
type reportingRuntime struct {
	*fake.Runtime
	last map[string]*workload.Pod
}

type reportingWatch struct {
	workload.Watcher
	r *reportingRuntime
}

func (w reportingWatch) TryNext() (workload.WatchEvent, bool) {
	ev, ok := w.Watcher.TryNext()
	if p, isPod := ev.Object.(*workload.Pod); ok && isPod {
		w.r.last[p.Name] = p
	}
	return ev, ok
}

func (r *reportingRuntime) Watch(ctx context.Context, version uint64) (workload.Watcher, error) {
	w, err := r.Runtime.Watch(ctx, version)
	if err != nil {
		return nil, err
	}
	return reportingWatch{Watcher: w, r: r}, nil
}

// TestMirrorKeepsReportedStatus: the store keeps the status the runtime
// reported without copying it (runtimes never modify a reported pod), and
// still hands callers copies they may change freely.
func TestMirrorKeepsReportedStatus(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	f, err := fake.New(fake.Config{Clock: clock, Behaviors: []fake.Behavior{{RunFor: workload.Ptr(time.Minute)}}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rt := &reportingRuntime{Runtime: f, last: map[string]*workload.Pod{}}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p"},
		Spec: workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "x"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(90 * time.Second); err != nil { // started, exited, restarted
		t.Fatal(err)
	}
	o, err := c.Store().Peek("Pod", "default", "p")
	if err != nil {
		t.Fatal(err)
	}
	stored, reported := o.(*workload.Pod), rt.last["p"]
	if reported == nil || stored.Status.ContainerStatuses[0].RestartCount != 1 {
		t.Fatalf("reported %v, stored status %+v: want one restart", reported != nil, stored.Status)
	}
	if &stored.Status.ContainerStatuses[0] != &reported.Status.ContainerStatuses[0] ||
		&stored.Status.Conditions[0] != &reported.Status.Conditions[0] {
		t.Fatal("the store copied the reported status instead of keeping it")
	}
	got, err := c.Get("Pod", "default", "p")
	if err != nil {
		t.Fatal(err)
	}
	gp := got.(*workload.Pod)
	gp.Status.ContainerStatuses[0].RestartCount = 99
	gp.Status.Conditions[0].Status = "Changed"
	if stored.Status.ContainerStatuses[0].RestartCount != 1 || reported.Status.Conditions[0].Status == "Changed" {
		t.Fatal("changing what Get returned changed the stored or reported pod")
	}
}
