package controller

import (
	"errors"
	"testing"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// A Pending replica whose claim has gone gets it made again, as Kubernetes'
// processReplica does for a pending pod (createMissingPersistentVolumeClaims,
// pkg/controller/statefulset/stateful_set_control.go); a Running one does
// not (its claim is only made before the pod is).
func TestStatefulSetPendingPodGetsMissingClaim(t *testing.T) {
	h := newHarness(t, NewStatefulSet)
	set := testSts(2, workload.ParallelPodManagement, 0)
	set.Spec.VolumeClaimTemplates = []workload.PersistentVolumeClaim{{ObjectMeta: workload.ObjectMeta{Name: "data"}}}
	h.create(set)
	h.settle()
	h.setPodStatus("default", "db-0", workload.PodPending, false)
	h.setPodStatus("default", "db-1", workload.PodRunning, true)
	h.settle()
	for _, name := range []string{"data-db-0", "data-db-1"} {
		if _, err := h.store.Delete("PersistentVolumeClaim", "default", name, store.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A change to the set brings a sync.
	cur := h.get("StatefulSet", "default", "db").(*workload.StatefulSet)
	cur.Annotations = map[string]string{"touch": "1"}
	if _, err := h.store.Update(cur); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if _, err := h.store.Get("PersistentVolumeClaim", "default", "data-db-0"); err != nil {
		t.Errorf("claim of the Pending pod db-0: %v, want it made again", err)
	}
	if _, err := h.store.Get("PersistentVolumeClaim", "default", "data-db-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("claim of the Running pod db-1: %v, want it left gone", err)
	}
}

// A sync whose pod creation fails still writes the set's status, as
// Kubernetes' performUpdate does ("make sure to update the latest status
// even if there is an error", pkg/controller/statefulset/stateful_set_control.go):
// observedGeneration and the revisions show the set was seen.
func TestStatefulSetStatusWrittenWhenCreateFails(t *testing.T) {
	h := newHarnessWith(t, store.Config{Admit: func(o workload.Object) error {
		if _, ok := o.(*workload.Pod); ok {
			return errors.New("refused")
		}
		return nil
	}}, NewStatefulSet)
	set := testSts(2, "", 0)
	set.Generation = 0
	h.create(set)
	h.settle()
	got := h.get("StatefulSet", "default", "db").(*workload.StatefulSet)
	if got.Status.ObservedGeneration != got.Generation || got.Status.UpdateRevision == "" || got.Status.CollisionCount == nil {
		t.Errorf("status %+v (generation %d): want observedGeneration, updateRevision and collisionCount written", got.Status, got.Generation)
	}
}
