package orchestra_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestRunRealTime drives a cluster on the real clock: a pod runs to
// completion; Run returns when its context ends and leaves no goroutine.
func TestRunRealTime(t *testing.T) {
	snap := leakcheck.Take()
	f, err := fake.New(fake.Config{Clock: vtime.Real(), Behaviors: []fake.Behavior{{RunFor: workload.Ptr(20 * time.Millisecond)}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: f})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	w, err := c.Store().Watch("Pod", c.Store().ResourceVersion())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	if _, err := c.Apply(&workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "once"},
		Spec: workload.PodSpec{
			RestartPolicy: workload.RestartPolicyNever,
			Containers:    []workload.Container{{Name: "main", Image: "busybox"}},
		},
	}); err != nil {
		t.Fatal(err)
	}
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	for {
		ev, err := w.Next(wait)
		if err != nil {
			t.Fatalf("pod did not succeed in time: %v", err)
		}
		if p := ev.Object.(*workload.Pod); p.Status.Phase == workload.PodSucceeded {
			if p.Spec.NodeName != "node-a" {
				t.Fatalf("node %q", p.Spec.NodeName)
			}
			break
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	c.Close()
	f.Close()
	w.Stop()
	snap.Check(t, 10*time.Second)
}

func TestAdvanceNeedsVirtualClock(t *testing.T) {
	c, err := orchestra.New(orchestra.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Advance(time.Second); !errors.Is(err, orchestra.ErrNotVirtual) {
		t.Fatalf("Advance on a real clock: %v", err)
	} else if !strings.Contains(err.Error(), "vtime.NewVirtual") {
		// A zero Config is the real clock: the error says what to set.
		t.Errorf("Advance on a real clock: %q does not say to pass vtime.NewVirtual as Config.Clock", err)
	}
	// AdvanceTo used to dereference the missing virtual clock and panic.
	if err := c.AdvanceTo(time.Now().Add(time.Second)); !errors.Is(err, orchestra.ErrNotVirtual) {
		t.Fatalf("AdvanceTo on a real clock: %v", err)
	}
	if _, err := c.RunUntil(func() bool { return true }, time.Second); !errors.Is(err, orchestra.ErrNotVirtual) {
		t.Fatalf("RunUntil on a real clock: %v", err)
	}
	v, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Run(context.Background()); !errors.Is(err, orchestra.ErrVirtual) {
		t.Fatalf("Run on a virtual clock: %v", err)
	}
}

// TestAdvanceBackwards: virtual time only moves forward. A negative
// Advance or RunUntil limit, or an AdvanceTo before now, is an error and
// does nothing; it used to do part of the instant's work (the work queued,
// not the timers due now) and return nil.
func TestAdvanceBackwards(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	c, err := orchestra.New(orchestra.Config{Clock: clock, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(&workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "p"},
		Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "c", Image: "busybox"}}},
	}); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"Advance(-1s)":            func() error { return c.Advance(-time.Second) },
		"AdvanceTo(a minute ago)": func() error { return c.AdvanceTo(t0) },
		"RunUntil(limit -1s)": func() error {
			_, err := c.RunUntil(func() bool { return true }, -time.Second)
			return err
		},
	} {
		if err := call(); !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "virtual time only moves forward") {
			t.Errorf("%s: %v, want an error wrapping workload.ErrInvalid saying time only moves forward", name, err)
		}
	}
	if got, want := c.Now(), t0.Add(time.Minute); !got.Equal(want) {
		t.Errorf("clock at %v, want %v", got, want)
	}
	if p, err := c.Get("Pod", "", "p"); err != nil || p.(*workload.Pod).Spec.NodeName != "" {
		t.Errorf("the pod was scheduled (%v, %v): the bad calls did some work", p, err)
	}
	if err := c.AdvanceTo(c.Now()); err != nil { // now is not before now
		t.Fatal(err)
	}
	if p, _ := c.Get("Pod", "", "p"); p.(*workload.Pod).Status.Phase != workload.PodRunning {
		t.Errorf("after AdvanceTo(now): pod %s, want Running", p.(*workload.Pod).Status.Phase)
	}
}

// TestControlPlaneStopStartWhileRunning stops and starts the control plane
// of a cluster that Run drives, from another goroutine, and closes it
// while Run runs.
func TestControlPlaneStopStartWhileRunning(t *testing.T) {
	snap := leakcheck.Take()
	c, err := orchestra.New(orchestra.Config{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background()) }()
	c.StopControlPlane()
	if c.ControlPlaneRunning() {
		t.Fatal("control plane still running after StopControlPlane")
	}
	if err := c.StartControlPlane(); err != nil {
		t.Fatal(err)
	}
	if !c.ControlPlaneRunning() {
		t.Fatal("control plane not running after StartControlPlane")
	}
	c.Close() // ends Run
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) && !errors.Is(err, orchestra.ErrClosed) {
			t.Fatalf("Run returned %v after Close, want context.Canceled (or ErrClosed if it had not started)", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after Close")
	}
	snap.Check(t, 10*time.Second)
}
