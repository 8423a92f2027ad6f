package controller

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
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

// TestReplicaSetScaleDownRanksBySiblings: a scale-down deletes first the
// pods on nodes that hold more pods of the ReplicaSet and of its siblings
// (ReplicaSets with the same controller), as Kubernetes' colocation rank,
// also for a ReplicaSet that got its controller after it was created.
func TestReplicaSetScaleDownRanksBySiblings(t *testing.T) {
	h := newHarness(t, NewReplicaSet)
	owner := workload.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "dep-uid", Controller: workload.Ptr(true)}
	a := harnessRS("a", 2)
	a.OwnerReferences = []workload.OwnerReference{owner}
	ra := h.create(a).(*workload.ReplicaSet)
	rb := h.create(harnessRS("b", 1)).(*workload.ReplicaSet) // no controller yet
	pod := func(name, node string, rs *workload.ReplicaSet) {
		h.create(&workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", Labels: rs.Spec.Template.Labels,
				OwnerReferences: []workload.OwnerReference{workload.NewControllerRef(rs)}},
			Spec: workload.PodSpec{NodeName: node, Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
		})
	}
	pod("a-1", "n2", ra)
	pod("a-2", "n1", ra)
	pod("b-1", "n1", rb)
	h.settle()
	rb = h.get("ReplicaSet", "default", "b").(*workload.ReplicaSet)
	rb.OwnerReferences = []workload.OwnerReference{owner}
	if _, err := h.store.Update(rb); err != nil {
		t.Fatal(err)
	}
	ra = h.get("ReplicaSet", "default", "a").(*workload.ReplicaSet)
	ra.Spec.Replicas = workload.Ptr(int32(1))
	if _, err := h.store.Update(ra); err != nil {
		t.Fatal(err)
	}
	h.settle()
	// Without the sibling, both pods of a rank alike and a-1 goes by name.
	deleted := func(name string) bool {
		o, err := h.store.Get("Pod", "default", name)
		return err != nil || o.GetObjectMeta().DeletionTimestamp != nil
	}
	if !deleted("a-2") || deleted("a-1") || deleted("b-1") {
		t.Fatalf("deleted a-1 %v, a-2 %v, b-1 %v; want only a-2 (on n1 with its sibling's b-1)", deleted("a-1"), deleted("a-2"), deleted("b-1"))
	}
}

// TestStandaloneReplicaSetScaleDownHasNoColocationRank: a ReplicaSet
// without a controller has no related pods in Kubernetes
// (getReplicaSetsWithSameController returns none, replica_set.go), so
// every pod's colocation rank is 0 and a scale-down goes by the other
// keys: here the most recently ready pod, alone on its node, goes first.
func TestStandaloneReplicaSetScaleDownHasNoColocationRank(t *testing.T) {
	h := newHarness(t, NewReplicaSet)
	rs := h.create(harnessRS("fe", 3)).(*workload.ReplicaSet)
	pod := func(name, node string) {
		h.create(&workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", Labels: rs.Spec.Template.Labels,
				OwnerReferences: []workload.OwnerReference{workload.NewControllerRef(rs)}},
			Spec: workload.PodSpec{NodeName: node, Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
		})
	}
	pod("old-1", "n2")
	pod("old-2", "n2")
	pod("new", "n1")
	h.settle()
	h.setPodStatus("default", "old-1", workload.PodRunning, true)
	h.setPodStatus("default", "old-2", workload.PodRunning, true)
	h.advance(time.Hour)
	h.setPodStatus("default", "new", workload.PodRunning, true)
	h.advance(time.Minute)
	rs = h.get("ReplicaSet", "default", "fe").(*workload.ReplicaSet)
	rs.Spec.Replicas = workload.Ptr(int32(2))
	if _, err := h.store.Update(rs); err != nil {
		t.Fatal(err)
	}
	h.settle()
	deleted := func(name string) bool {
		o, err := h.store.Get("Pod", "default", name)
		return err != nil || o.GetObjectMeta().DeletionTimestamp != nil
	}
	if !deleted("new") || deleted("old-1") || deleted("old-2") {
		t.Fatalf("deleted new %v, old-1 %v, old-2 %v; want only new (the most recently ready)", deleted("new"), deleted("old-1"), deleted("old-2"))
	}
}

// TestReplicaSetWakesOnlyForWhatItReads: an update of an owned pod that
// keeps what a sync reads (a phase change without readiness, a new
// node) does not queue the ReplicaSet; readiness, labels and deletion
// do. An orphan's update looks for a ReplicaSet to adopt it only when
// its labels change.
func TestReplicaSetWakesOnlyForWhatItReads(t *testing.T) {
	h := newHarness(t, NewReplicaSet)
	rs := h.create(harnessRS("fe", 1)).(*workload.ReplicaSet)
	h.settle()
	c := h.mgr.Controllers()[0]
	var queued []string
	enqueue := func(k string) { queued = append(queued, k) }
	pod := h.pods("default")[0]
	update := func(mutate func(p *workload.Pod)) []string {
		t.Helper()
		p := pod.DeepCopy()
		mutate(p)
		queued = nil
		c.Handle(store.Event{Type: store.Modified, Object: p, Key: workload.Key(p)}, enqueue)
		pod = p
		return queued
	}
	want := []string{workload.Key(rs)}
	if got := update(func(p *workload.Pod) { p.Spec.NodeName = "n1" }); len(got) != 0 {
		t.Errorf("binding queued %v, want nothing", got)
	}
	if got := update(func(p *workload.Pod) { p.Status.Phase = workload.PodRunning }); len(got) != 0 {
		t.Errorf("Running without readiness queued %v, want nothing", got)
	}
	now := workload.NewTime(h.clock.Now())
	if got := update(func(p *workload.Pod) {
		p.Status.Conditions = []workload.PodCondition{{Type: workload.PodReady, Status: workload.ConditionTrue, LastTransitionTime: now}}
	}); !slices.Equal(got, want) {
		t.Errorf("readiness queued %v, want %v", got, want)
	}
	if got := update(func(p *workload.Pod) { p.Labels = map[string]string{"app": "fe", "tier": "web"} }); !slices.Equal(got, want) {
		t.Errorf("a label change queued %v, want %v", got, want)
	}
	if got := update(func(p *workload.Pod) { p.DeletionTimestamp = &now }); !slices.Equal(got, want) {
		t.Errorf("deletion queued %v, want %v", got, want)
	}
	// An orphan in the ReplicaSet's namespace.
	pod = &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "stray", Namespace: "default", Labels: map[string]string{"app": "other"}}}
	c.Handle(store.Event{Type: store.Added, Object: pod, Key: workload.Key(pod)}, enqueue)
	if got := update(func(p *workload.Pod) { p.Status.Phase = workload.PodRunning }); len(got) != 0 {
		t.Errorf("an orphan's status update queued %v, want nothing", got)
	}
	if got := update(func(p *workload.Pod) { p.Labels = map[string]string{"app": "fe"} }); !slices.Equal(got, want) {
		t.Errorf("an orphan's relabel to the selector queued %v, want %v", got, want)
	}
}
