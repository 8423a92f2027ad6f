package breakit_test

import (
	stdslices "slices"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// Foreground deletion of a ReplicaSet: the ReplicaSet stays, with its
// deletionTimestamp and the foregroundDeletion finalizer, until its pods
// (which block owner deletion) are gone; the garbage collector deletes
// those pods in the background, since they have no dependents of their
// own, so no pod ever carries the foregroundDeletion finalizer. Source:
// pkg/controller/garbagecollector/garbagecollector.go attemptToDeleteItem
// (an owner waiting for its dependents and item.dependentsLength() == 0:
// the default case, Background), processDeletingDependentsItem.
func TestR11bForegroundDeletesPodsInTheBackground(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {terminationGracePeriodSeconds: 30, containers: [{name: c, image: v1}]}`)
	advance(t, c, time.Minute)
	var bad []string
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && stdslices.Contains(p.Finalizers, store.FinalizerForeground) {
			bad = append(bad, p.Name)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("ReplicaSet", "default", "web", "Foreground"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Second)
	o, err := c.Get("ReplicaSet", "default", "web")
	if err != nil {
		t.Fatalf("the ReplicaSet went before its pods: %v", err)
	}
	if m := o.GetObjectMeta(); m.DeletionTimestamp == nil || !stdslices.Contains(m.Finalizers, store.FinalizerForeground) {
		t.Errorf("ReplicaSet while its pods terminate: deletionTimestamp %v, finalizers %v; want both set", m.DeletionTimestamp, m.Finalizers)
	}
	ps := pods(t, c, "app=web")
	if len(ps) != 2 {
		t.Fatalf("%d pods 10s into the deletion, want 2 terminating (grace 30s)", len(ps))
	}
	for _, p := range ps {
		if p.DeletionTimestamp == nil {
			t.Errorf("pod %s not being deleted", p.Name)
		}
	}
	advance(t, c, time.Minute)
	if o, _ := c.Get("ReplicaSet", "default", "web"); o != nil {
		t.Errorf("ReplicaSet still there after its pods went")
	}
	if len(bad) > 0 {
		t.Errorf("pods %v carried the foregroundDeletion finalizer; the garbage collector deletes them in the background", bad)
	}
}
