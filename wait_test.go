package orchestra_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/workload"
)

// runReal starts a real-time cluster on its own fake runtime, with one node,
// driven by Run on a goroutine; the returned stop ends Run and closes it.
func runReal(t *testing.T) (*orchestra.Cluster, func()) {
	t.Helper()
	c, err := orchestra.New(orchestra.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	w, err := c.Watch("Pod")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	// Run drives the cluster once it has scheduled a first pod.
	if _, err := c.Apply(waitPod("warm-up")); err != nil {
		t.Fatal(err)
	}
	wait, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	for {
		ev, err := w.Next(wait)
		if err != nil {
			t.Fatalf("the warm-up pod was not scheduled: %v", err)
		}
		if ev.Object.(*workload.Pod).Spec.NodeName != "" {
			break
		}
	}
	return c, func() {
		cancel()
		<-done
		c.Close()
	}
}

func waitPod(name string) *workload.Pod {
	return &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: name},
		Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
	}
}

func waitDeployment(name string, replicas int32) *workload.Deployment {
	labels := map[string]string{"app": name}
	return &workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: name},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr(replicas),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
}

// TestWaitForRealTime: WaitFor returns once the condition holds on a
// cluster that Run drives, here a Deployment's rollout, which takes several
// store changes (ReplicaSet, pods, statuses) to complete.
func TestWaitForRealTime(t *testing.T) {
	snap := leakcheck.Take()
	c, stop := runReal(t)
	if _, err := c.Apply(waitDeployment("web", 2)); err != nil {
		t.Fatal(err)
	}
	complete := func() bool {
		d, err := orchestra.GetAs[*workload.Deployment](c, "default", "web")
		return err == nil && controller.DeploymentComplete(d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.WaitFor(ctx, complete); err != nil {
		t.Fatalf("WaitFor: %v", err)
	}
	if !complete() {
		t.Fatal("WaitFor returned nil but the Deployment is not complete")
	}
	// A condition that holds already returns at once.
	if err := c.WaitFor(ctx, complete); err != nil {
		t.Fatalf("WaitFor on a condition that holds: %v", err)
	}
	stop()
	snap.Check(t, 10*time.Second)
}

// TestWaitForSettled: cond is first checked once the loop has acted on the
// changes made before the call, so a condition that holds already still
// sees the pod just applied scheduled. (Its container starts on a timer of
// the real clock: its status comes later.)
func TestWaitForSettled(t *testing.T) {
	snap := leakcheck.Take()
	c, stop := runReal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 20 {
		name := fmt.Sprintf("p%d", i)
		if _, err := c.Apply(waitPod(name)); err != nil {
			t.Fatal(err)
		}
		if err := c.WaitFor(ctx, func() bool { return true }); err != nil {
			t.Fatal(err)
		}
		p, err := orchestra.GetAs[*workload.Pod](c, "default", name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Spec.NodeName == "" {
			t.Fatalf("pod %s after WaitFor: not scheduled", name)
		}
	}
	stop()
	snap.Check(t, 10*time.Second)
}

// TestWaitForContext: a condition that never holds ends with the context's
// error, whether the context ended before the call or during the wait.
func TestWaitForContext(t *testing.T) {
	snap := leakcheck.Take()
	c, stop := runReal(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.WaitFor(ctx, func() bool { return false }); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitFor with a cancelled context: %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	waiting := make(chan struct{})
	var once bool
	done := make(chan error, 1)
	go func() {
		done <- c.WaitFor(ctx, func() bool {
			if !once {
				once = true
				close(waiting)
			}
			return false
		})
	}()
	<-waiting
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("WaitFor cancelled while waiting: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitFor did not return after its context was cancelled")
	}
	stop()
	snap.Check(t, 10*time.Second)
}

// TestWaitForClosed: closing the cluster ends a wait whose condition does not
// hold with ErrClosed; on a closed cluster a condition that holds still
// returns nil (the store can be read after Close).
func TestWaitForClosed(t *testing.T) {
	snap := leakcheck.Take()
	c, stop := runReal(t)
	waiting := make(chan struct{})
	var once bool
	done := make(chan error, 1)
	go func() {
		done <- c.WaitFor(context.Background(), func() bool {
			if !once {
				once = true
				close(waiting)
			}
			return false
		})
	}()
	<-waiting
	stop()
	select {
	case err := <-done:
		if !errors.Is(err, orchestra.ErrClosed) {
			t.Fatalf("WaitFor on a cluster closed while waiting: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitFor did not return after the cluster was closed")
	}
	if err := c.WaitFor(context.Background(), func() bool { return false }); !errors.Is(err, orchestra.ErrClosed) {
		t.Fatalf("WaitFor on a closed cluster: %v, want ErrClosed", err)
	}
	if err := c.WaitFor(context.Background(), func() bool { return true }); err != nil {
		t.Fatalf("WaitFor on a closed cluster, condition holding: %v", err)
	}
	snap.Check(t, 10*time.Second)
}
