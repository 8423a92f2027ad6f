package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// kube-scheduler places only the pods whose spec.schedulerName is one of
// its profiles' (default-scheduler): a pod that names another scheduler
// stays Pending, with no PodScheduled condition and no event from it,
// until that scheduler binds it (pkg/scheduler/eventhandlers.go
// responsibleForPod; a custom scheduler, as users write them, binds it by
// setting spec.nodeName). Pods bound by any scheduler still use their
// node's resources.
func TestR10cOtherSchedulersPodsAreLeftAlone(t *testing.T) {
	c := newCluster(t, "a")
	p := r3pod("p")
	p.Spec.SchedulerName = "my-scheduler"
	r3apply(t, c, p)
	advance(t, c, 10*time.Minute)
	got := r3getPod(t, c, "p")
	if got.Spec.NodeName != "" || got.Status.Phase != workload.PodPending {
		t.Fatalf("pod for my-scheduler bound to %q, phase %s: the default scheduler must leave it alone", got.Spec.NodeName, got.Status.Phase)
	}
	if cd := r10cCond(got, workload.PodScheduled); cd != nil {
		t.Errorf("pod for my-scheduler has condition %+v from the default scheduler", cd)
	}
	for _, e := range c.Events() {
		if e.InvolvedObject.Name == "p" {
			t.Errorf("event %s %q about a pod the default scheduler does not handle", e.Reason, e.Message)
		}
	}

	// The custom scheduler binds it.
	bound := got.DeepCopy()
	bound.Spec.NodeName = "a"
	bound.ResourceVersion = ""
	r3apply(t, c, bound)
	advance(t, c, time.Second)
	if got := r3getPod(t, c, "p"); got.Status.Phase != workload.PodRunning {
		t.Errorf("pod bound by its scheduler: phase %s, want Running", got.Status.Phase)
	}

	// A pod naming the default scheduler explicitly is placed as usual.
	q := r3pod("q")
	q.Spec.SchedulerName = workload.DefaultSchedulerName
	r3apply(t, c, q)
	advance(t, c, time.Second)
	if got := r3getPod(t, c, "q"); got.Spec.NodeName != "a" {
		t.Errorf("pod for default-scheduler on %q, want a", got.Spec.NodeName)
	}
}
