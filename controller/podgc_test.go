package controller

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// podGCPod creates a pod bound to node n and sets its phase (and reason).
func podGCPod(t *testing.T, h *harness, name, phase, reason string) {
	t.Helper()
	p := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       workload.PodSpec{NodeName: "n", Containers: []workload.Container{{Name: "c", Image: "x"}}},
	}
	o, err := h.store.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	p = o.(*workload.Pod)
	p.Status.Phase, p.Status.Reason = phase, reason
	if _, err := h.store.UpdateStatus(p); err != nil {
		t.Fatal(err)
	}
}

func podGCNames(h *harness) []string {
	var out []string
	for _, o := range h.store.List("Pod", "", nil) {
		out = append(out, o.GetObjectMeta().Name)
	}
	slices.Sort(out)
	return out
}

// Kubernetes' pod GC (pkg/controller/podgc gcTerminated) deletes the
// terminated pods (Succeeded, Failed) above --terminated-pod-gc-threshold:
// evicted ones first (byEvictionAndCreationTimestamp), then the oldest;
// running and pending pods never count.
func TestPodGCDeletesOldestTerminatedAboveThreshold(t *testing.T) {
	h := newHarness(t, NewPodGCWith(PodGCConfig{TerminatedPodThreshold: 3}))
	for i, phase := range []string{workload.PodSucceeded, workload.PodRunning, workload.PodFailed, workload.PodSucceeded, workload.PodPending} {
		podGCPod(t, h, fmt.Sprintf("p%d", i), phase, "")
		h.advance(time.Second)
	}
	if got, want := podGCNames(h), []string{"p0", "p1", "p2", "p3", "p4"}; !slices.Equal(got, want) {
		t.Fatalf("at the threshold (3 terminated): pods %v, want %v", got, want)
	}
	podGCPod(t, h, "p5", workload.PodSucceeded, "")
	h.advance(time.Second)
	if got, want := podGCNames(h), []string{"p1", "p2", "p3", "p4", "p5"}; !slices.Equal(got, want) {
		t.Fatalf("4 terminated, threshold 3: pods %v, want %v (the oldest terminated, p0, deleted)", got, want)
	}
	podGCPod(t, h, "p6", workload.PodFailed, "Evicted")
	h.advance(time.Second)
	if got, want := podGCNames(h), []string{"p1", "p2", "p3", "p4", "p5"}; !slices.Equal(got, want) {
		t.Fatalf("an evicted pod over the threshold: pods %v, want %v (the evicted p6 deleted first)", got, want)
	}
}

// The default threshold is Kubernetes' 12500; a negative one turns the
// collection off.
func TestPodGCThresholdDefaultAndOff(t *testing.T) {
	if g := NewPodGC(Deps{}).(*podGC); g.threshold != 12500 {
		t.Errorf("default threshold %d, want 12500", g.threshold)
	}
	if g := NewPodGCWith(PodGCConfig{})(Deps{}).(*podGC); g.threshold != 12500 {
		t.Errorf("zero config threshold %d, want 12500", g.threshold)
	}
	h := newHarness(t, NewPodGCWith(PodGCConfig{TerminatedPodThreshold: -1}))
	podGCPod(t, h, "a", workload.PodSucceeded, "")
	h.advance(time.Second)
	if got := podGCNames(h); len(got) != 1 {
		t.Errorf("collection off: pods %v, want a kept", got)
	}
}
