package breakit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// Close waits for loopMu, which Run holds until its context ends, so Close
// called while Run runs blocks until someone cancels Run's context. A
// program that defers Close before it defers the cancel (or calls Close
// from a signal handler) deadlocks. Close should end Run (Run then
// returns) or at least not wait on it. Cause: Cluster.Close (driver.go)
// takes loopMu.
func TestCloseBlocksWhileRunRuns(t *testing.T) {
	snap := leakcheck.Take()
	c, err := orchestra.New(orchestra.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "a"}}); err != nil {
		t.Fatal(err)
	}
	running := make(chan struct{})
	var once sync.Once
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && p.Status.Phase == workload.PodRunning {
			once.Do(func() { close(running) })
		}
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- c.Run(ctx) }()
	pod := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p"}, Spec: workload.PodSpec{Containers: []workload.Container{{Name: "c", Image: "i"}}}}
	if _, err := c.Apply(pod); err != nil {
		t.Fatal(err)
	}
	select { // Run is driving the cluster
	case <-running:
	case <-time.After(10 * time.Second):
		t.Fatal("the pod did not run within 10s")
	}
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Error("Close did not return within 10s while Run was running")
		cancel()
		<-closed
	}
	cancel()
	<-ran
	snap.Check(t, 10*time.Second)
}

// OnChange observers read a store watch that notify (driver.go) drains
// with TryNext but never checks for an end: once more than the store's
// WatchBuffer (1<<17) changes pile up between two drains (many Applys
// before Advance, or a busy Run), the watch ends with ErrWatchOverflow and
// every observer silently stops receiving changes for the rest of the
// cluster's life. The scenario player's timeline is built on OnChange.
// The controllers' Manager resyncs on the same condition; the observers
// do not.
func TestOnChangeObserversGoSilentAfterWatchOverflow(t *testing.T) {
	c := newCluster(t)
	seen := 0
	if err := c.OnChange(func(store.Event) { seen++ }); err != nil {
		t.Fatal(err)
	}
	const n = 1<<17 + 1
	for i := 0; i < n; i++ {
		if _, err := c.Apply(&workload.Namespace{ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("ns-%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, time.Second)
	seen = 0
	if _, err := c.Apply(&workload.Namespace{ObjectMeta: workload.ObjectMeta{Name: "after"}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if seen == 0 {
		t.Error("the observer saw no change after a burst overflowed its watch: it is dead for good")
	}
}
