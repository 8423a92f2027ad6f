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

// The FailedScheduling message and PodScheduled condition end with what
// kube-scheduler's DefaultPreemption PostFilter adds when it finds nothing
// to evict, as users quote it from kubectl describe: "preemption: 0/N nodes
// are available: ..", with the double period (framework.FitError.Error adds
// " %v." to a message that already ends with one). A node that failed only
// for resources its pods hold counts as "No preemption victims found for
// incoming pod"; one whose taints, affinity or cordon keep the pod off, or
// whose allocatable is smaller than the pod's request (fit.go Unresolvable),
// as "Preemption is not helpful for scheduling" (nodesWherePreemptionMightHelp).
func TestR10cFailedSchedulingPreemptionPart(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "full", map[string]string{"cpu": "2"}, nil)
	r4node(t, c, "small", map[string]string{"cpu": "1"}, nil)
	r4node(t, c, "tainted", map[string]string{"cpu": "4"}, nil, workload.Taint{Key: "dedicated", Value: "db", Effect: workload.TaintEffectNoSchedule})
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: filler}
spec:
  nodeName: full
  containers: [{name: c, image: x, resources: {requests: {cpu: "1500m"}}}]
`)
	advance(t, c, time.Second)
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: x, resources: {requests: {cpu: "1500m"}}}]
`)
	advance(t, c, time.Minute)
	want := "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 Insufficient cpu." +
		" preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.."
	if got := r4schedMsg(c, "p"); got != want {
		t.Errorf("FailedScheduling\n got %q\nwant %q", got, want)
	}
	if cd := r10cCond(r3getPod(t, c, "p"), workload.PodScheduled); cd == nil || cd.Message != want {
		t.Errorf("PodScheduled %+v, want the same message", cd)
	}
}
