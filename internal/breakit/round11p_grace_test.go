package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// The kubelet never kills a container less than 2 s after asking it to
// stop: kuberuntime_container.go killContainer ends with "always give
// containers a minimal shutdown window to avoid unnecessary SIGKILLs"
// (gracePeriod raised to minimumGracePeriodInSeconds, 2), after the pod
// worker's calculateEffectiveGracePeriod (pkg/kubelet/pod_workers.go)
// has made a grace of 0 at least 1. So a pod deleted with a grace of 1 s
// (`kubectl delete --grace-period=1`, the "immediate shutdown" kubectl
// recommends) or one with terminationGracePeriodSeconds 1, whose process
// ignores SIGTERM, is killed 2 s after the deletion, and its Pod object
// stays Terminating until then.

func r11pContainer(t *testing.T, c *orchestra.Cluster, name string) (*workload.Pod, *workload.ContainerStatus) {
	t.Helper()
	o, err := c.Get("Pod", "default", name)
	if err != nil {
		return nil, nil
	}
	p := o.(*workload.Pod)
	return p, &p.Status.ContainerStatuses[0]
}

func TestR11pDeleteGraceOneKillsAfterTwoSeconds(t *testing.T) {
	c := newCluster(t, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: g1}
spec:
  containers:
  - {name: app, image: busybox}
---
apiVersion: v1
kind: Pod
metadata: {name: t1}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: busybox}
`)
	advance(t, c, 10*time.Second)
	one := int64(1)
	if err := c.DeletePod("default", "g1", &one); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePod("default", "t1", nil); err != nil {
		t.Fatal(err)
	}
	deleted := c.Now()
	last := map[string]*workload.ContainerStateTerminated{}
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && len(p.Status.ContainerStatuses) == 1 {
			if term := p.Status.ContainerStatuses[0].State.Terminated; term != nil {
				last[p.Name] = term
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 1500*time.Millisecond)
	for _, n := range []string{"g1", "t1"} {
		p, cs := r11pContainer(t, c, n)
		if p == nil {
			t.Fatalf("%s: gone 1.5 s after its deletion with a grace of 1 s; the kubelet kills it after 2 s", n)
		}
		if cs.State.Running == nil {
			t.Fatalf("%s: container %+v 1.5 s after the deletion, want still running", n, cs.State)
		}
	}
	advance(t, c, time.Second)
	for _, n := range []string{"g1", "t1"} {
		if p, _ := r11pContainer(t, c, n); p != nil {
			t.Errorf("%s: still there 2.5 s after its deletion", n)
		}
		term := last[n]
		if term == nil || term.ExitCode != 137 || !term.FinishedAt.Equal(deleted.Add(2*time.Second)) {
			t.Errorf("%s: last terminated state %+v, want exit 137 at %v", n, term, deleted.Add(2*time.Second))
		}
	}
}

// TestR11pDeadlineGraceZeroKillsAfterTwoSeconds: a pod past its
// activeDeadlineSeconds with terminationGracePeriodSeconds 0 is Failed
// (DeadlineExceeded) at once, and its container, which ignores SIGTERM,
// is killed 2 s later (the kubelet kills a terminal pod through the pod
// worker with calculateEffectiveGracePeriod's grace, at least 1, which
// killContainer raises to 2).
func TestR11pDeadlineGraceZeroKillsAfterTwoSeconds(t *testing.T) {
	c := newCluster(t, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: d}
spec:
  activeDeadlineSeconds: 5
  terminationGracePeriodSeconds: 0
  containers:
  - {name: app, image: busybox}
`)
	advance(t, c, 6*time.Second)
	p, cs := r11pContainer(t, c, "d")
	if p.Status.Phase != workload.PodFailed || p.Status.Reason != "DeadlineExceeded" {
		t.Fatalf("phase %s reason %s at 6 s, want Failed DeadlineExceeded", p.Status.Phase, p.Status.Reason)
	}
	if cs.State.Running == nil {
		t.Fatalf("container %+v 1 s past the deadline, want still running (killed after 2 s)", cs.State)
	}
	advance(t, c, 2*time.Second)
	_, cs = r11pContainer(t, c, "d")
	if term := cs.State.Terminated; term == nil || term.ExitCode != 137 || !term.FinishedAt.Equal(t0.Add(7*time.Second)) {
		t.Fatalf("container %+v, want killed (137) at 7 s", cs.State)
	}
}

// TestR11pDeadlineKillingEvents: a pod past its activeDeadlineSeconds
// gets the Normal DeadlineExceeded event, then a Normal Killing "Stopping
// container <name>" event for each container that still runs, as the
// kubelet records one in killContainer for every container it stops
// (pkg/kubelet/kuberuntime/kuberuntime_container.go; the pod worker's
// SyncTerminatingPod kills the pod once its phase is Failed).
func TestR11pDeadlineKillingEvents(t *testing.T) {
	c := newCluster(t, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: d}
spec:
  activeDeadlineSeconds: 5
  containers:
  - {name: a, image: busybox}
  - {name: b, image: busybox}
`)
	advance(t, c, 6*time.Second)
	var got []string
	for _, e := range c.Events() {
		if e.InvolvedObject.Name == "d" && (e.Reason == "Killing" || e.Reason == "DeadlineExceeded") {
			got = append(got, e.Reason+": "+e.Message)
		}
	}
	want := []string{
		"DeadlineExceeded: Pod was active on the node longer than the specified deadline",
		"Killing: Stopping container a",
		"Killing: Stopping container b",
	}
	if len(got) != len(want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %q, want %q", got, want)
		}
	}
}
