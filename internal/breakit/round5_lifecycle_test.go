package breakit_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/workload"
)

// r5twoRuns starts a cluster on inproc whose first Run demonstrably drives
// it (a pod reaches Running in the store, which only the loop's mirror
// writes), then a second Run, and waits until that second Run is blocked
// waiting for the loop (its goroutine is in Cluster.enterLoop).
func r5twoRuns(t *testing.T) (c *orchestra.Cluster, rt *inproc.Runtime, cancel1, cancel2 context.CancelFunc, ran1, ran2 chan error) {
	t.Helper()
	rt, err := inproc.New(inproc.Config{Nodes: []string{"n1"}, FirstPodCIDR: testPodCIDR})
	if err != nil {
		t.Fatal(err)
	}
	rt.Register("block", func(ctx context.Context, ct *inproc.Container) error { <-ctx.Done(); return nil })
	c, err = orchestra.New(orchestra.Config{Runtime: rt, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.Store().Watch("", c.Store().ResourceVersion())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var ctx1, ctx2 context.Context
	ctx1, cancel1 = context.WithCancel(context.Background())
	ctx2, cancel2 = context.WithCancel(context.Background())
	ran1, ran2 = make(chan error, 1), make(chan error, 1)
	go func() { ran1 <- c.Run(ctx1) }()
	applyYAML(t, c, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"terminationGracePeriodSeconds":1,"containers":[{"name":"c","image":"func://block"}]}}`)
	deadline := time.After(30 * time.Second)
	for {
		o, err := c.Get("Pod", "default", "p")
		if err == nil && o.(*workload.Pod).Status.Phase == workload.PodRunning {
			break
		}
		select {
		case <-w.Ready():
			for {
				if _, ok := w.TryNext(); !ok {
					break
				}
			}
		case <-deadline:
			t.Fatal("the pod did not run within 30s: Run 1 does not drive the cluster")
		}
	}
	go func() { ran2 <- c.Run(ctx2) }()
	// Wait (event: a goroutine stack) for Run 2 to be waiting its turn.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		buf := make([]byte, 1<<20)
		if s := string(buf[:runtime.Stack(buf, true)]); strings.Count(s, "orchestra.(*Cluster).Run(") >= 2 {
			break
		}
		select {
		case err := <-ran2:
			t.Fatalf("the second Run returned at once: %v", err)
		case <-tick.C:
		case <-deadline:
			t.Fatal("the second Run never waited for the loop")
		}
	}
	return c, rt, cancel1, cancel2, ran1, ran2
}

// Run "drives the cluster in real time until ctx is done, then returns
// ctx's error" (Cluster.Run). A second Run on a cluster whose loop another
// Run holds waits for that loop in enterLoop (a mutex), deaf to its own
// context: cancelling it does not make it return; it returns only once the
// other Run ends. A program that starts Run from a retry loop, or a test
// helper that starts Run again, leaks a goroutine it cannot stop.
// orchestra's own contract, not a Kubernetes behaviour.
func TestR5SecondRunReturnsOnItsContext(t *testing.T) {
	snap := leakcheck.Take()
	c, rt, cancel1, cancel2, ran1, ran2 := r5twoRuns(t)
	cancel2()
	returned := false
	select {
	case <-ran2:
		returned = true
	case <-time.After(30 * time.Second):
		t.Error("the second Run did not return within 30s of its context's end (it waits for the first Run's loop)")
	}
	cancel1()
	<-ran1
	if !returned {
		<-ran2
	}
	c.Close()
	rt.Close()
	snap.Check(t, 20*time.Second)
}

// Close is documented as "a Run in progress ends (with context.Canceled)
// first". The second Run records its cancel in the cluster before it
// waits for the loop, over the first Run's, and the first Run clears that
// record when it returns (driver.go Run: c.runCancel = cancel, then the
// deferred c.runCancel = nil). So once the first Run has ended, the second
// drives the cluster with no cancel recorded, and Close blocks on the loop
// until the caller cancels the second Run's context.
func TestR5RunTwiceThenCloseEndsRun(t *testing.T) {
	snap := leakcheck.Take()
	c, rt, cancel1, cancel2, ran1, ran2 := r5twoRuns(t)
	defer cancel2()
	cancel1()
	select {
	case <-ran1:
	case <-time.After(30 * time.Second):
		t.Fatal("Run 1 did not return after its context ended")
	}
	// Run 2 now drives the cluster: a deletion goes through (the pod
	// leaves the store only once the loop has stopped it on the runtime).
	if err := c.DeletePod("default", "p", nil); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, err := c.Get("Pod", "default", "p"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second Run does not drive the cluster")
		}
		time.Sleep(10 * time.Millisecond) // polling the store for a state, not a fixed wait
	}
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Error("Close did not return within 30s while the second Run drove the cluster: it could not end that Run")
		cancel2()
		<-closed
	}
	select {
	case <-ran2:
	case <-time.After(30 * time.Second):
		t.Error("the second Run did not return after Close")
	}
	rt.Close()
	snap.Check(t, 20*time.Second)
}
