package breakit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR12ObserverAsksControlPlaneRunning: an OnChange observer runs on the
// goroutine that drives the cluster, and ControlPlaneRunning, a read, handed
// itself to that goroutine and waited for it: an observer that asked
// whether the control plane runs deadlocked the cluster for good (Advance
// never returned). A read must not wait for the loop.
func TestR12ObserverAsksControlPlaneRunning(t *testing.T) {
	// Not newCluster: its cleanup's Close would wait for the deadlocked
	// loop, and the test would hang instead of failing.
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n1"}}); err != nil {
		t.Fatal(err)
	}
	var seen []bool
	if err := c.OnChange(func(ev store.Event) {
		if ev.Object.Kind() == "Pod" && len(seen) == 0 {
			seen = append(seen, c.ControlPlaneRunning())
		}
	}); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
`)
	done := make(chan error, 1)
	go func() { done <- c.Advance(time.Minute) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Advance did not return within 20 s: the observer's ControlPlaneRunning waits for the loop that runs the observer")
	}
	if fmt.Sprint(seen) != "[true]" {
		t.Fatalf("the observer saw ControlPlaneRunning %v, want [true]", seen)
	}
	c.StopControlPlane()
	if c.ControlPlaneRunning() {
		t.Fatal("ControlPlaneRunning true after StopControlPlane")
	}
	if err := c.StartControlPlane(); err != nil {
		t.Fatal(err)
	}
	if !c.ControlPlaneRunning() {
		t.Fatal("ControlPlaneRunning false after StartControlPlane")
	}
	c.Close()
	if c.ControlPlaneRunning() {
		t.Fatal("ControlPlaneRunning true after Close")
	}
}
