package controller

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// Harness tests of the ReplicaSet controller's loop (no runtime: the test
// plays the kubelet).

func harnessRS(name string, replicas int32) *workload.ReplicaSet {
	return &workload.ReplicaSet{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default"},
		Spec: workload.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
			},
		},
	}
}

func ownedBy(h *harness, uid string) []string {
	var out []string
	for _, p := range h.pods("default") {
		if IsControlledBy(p, uid) {
			out = append(out, p.Name)
		}
	}
	return out
}

func TestReplicaSetAdoptsAndReleases(t *testing.T) {
	h := newHarness(t, NewReplicaSet)
	h.create(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "stray", Namespace: "default", Labels: map[string]string{"app": "fe"}},
		Spec: workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}}})
	rs := h.create(harnessRS("fe", 2)).(*workload.ReplicaSet)
	h.settle()
	owned := ownedBy(h, rs.UID)
	if len(owned) != 2 || !slices.Contains(owned, "stray") {
		t.Fatalf("owned = %v, want stray and one new pod", owned)
	}
	// A pod relabelled out of the selector is released and replaced.
	p := h.get("Pod", "default", "stray").(*workload.Pod)
	p.Labels = map[string]string{"app": "debug"}
	if _, err := h.store.Update(p); err != nil {
		t.Fatal(err)
	}
	h.settle()
	owned = ownedBy(h, rs.UID)
	if len(owned) != 2 || slices.Contains(owned, "stray") {
		t.Errorf("owned = %v, want two pods without stray", owned)
	}
	if ref := workload.ControllerOf(h.get("Pod", "default", "stray")); ref != nil {
		t.Errorf("stray still has controller %v", ref)
	}
	// A later orphan that matches is adopted and the extra pod deleted.
	h.create(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "late", Namespace: "default", Labels: map[string]string{"app": "fe"}},
		Spec: workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}}})
	h.settle()
	if got := len(ownedBy(h, rs.UID)); got != 2 {
		t.Errorf("%d owned pods after a matching orphan appeared, want 2", got)
	}
	if late, err := h.store.Get("Pod", "default", "late"); err == nil && workload.ControllerOf(late) == nil {
		t.Error("late is still an orphan: it was neither adopted nor deleted after adoption")
	}
}

func TestReplicaSetStatusWaitsForMinReadySeconds(t *testing.T) {
	h := newHarness(t, NewReplicaSet)
	rs := harnessRS("fe", 1)
	rs.Spec.MinReadySeconds = 30
	h.create(rs)
	h.settle()
	pods := h.pods("default")
	if len(pods) != 1 {
		t.Fatalf("%d pods, want 1", len(pods))
	}
	h.setPodStatus("default", pods[0].Name, workload.PodRunning, true)
	h.advance(29 * time.Second)
	if st := h.get("ReplicaSet", "default", "fe").(*workload.ReplicaSet).Status; st.ReadyReplicas != 1 || st.AvailableReplicas != 0 {
		t.Fatalf("after 29s: status %+v", st)
	}
	h.advance(time.Second)
	if st := h.get("ReplicaSet", "default", "fe").(*workload.ReplicaSet).Status; st.AvailableReplicas != 1 {
		t.Errorf("after 30s: status %+v, want 1 available (requeued at the instant)", st)
	}
}

// TestReplicaSetExpectations syncs twice before the watch delivers the
// first sync's pods (as a requeue firing mid-step in real time would):
// the second sync must not create them again.
func TestReplicaSetExpectations(t *testing.T) {
	h := newHarness(t)
	c := NewReplicaSet(h.deps).(*replicaSetController)
	h.create(harnessRS("fe", 3))
	c.Start(func(string) {})
	for range 2 {
		if _, err := c.Reconcile(context.Background(), "default/fe"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.pods("default")); n != 3 {
		t.Fatalf("%d pods after two syncs, want 3", n)
	}
}
