package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

// The Waiting message of a container in crash-loop back-off names the pod
// as the kubelet's format.Pod does, "<name>_<namespace>(<uid>)": "back-off
// 10s restarting failed container=c pod=p_default(<uid>)", the same words
// as the BackOff event's "in pod p_default(<uid>)". The fake (and the real
// runtimes' kubelet) left the uid out.
// Source: pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff
// ("back-off %s restarting failed container=%s pod=%s", format.Pod(pod));
// pkg/kubelet/util/format/pod.go PodDesc ("%s_%s(%s)").
func TestR8cPodBackOffMessageNamesUID(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {sim.orchestra.dev/run-for: 1s, sim.orchestra.dev/exit-code: "1"}}
spec:
  containers: [{name: c, image: x}]
`)
	// Runs 0-1 s, restarts at once, runs 1-2 s, then waits 10 s.
	advance(t, c, 3*time.Second)
	p := r3getPod(t, c, "p")
	w := p.Status.ContainerStatuses[0].State.Waiting
	want := "back-off 10s restarting failed container=c pod=p_default(" + p.UID + ")"
	if w == nil || w.Reason != "CrashLoopBackOff" || w.Message != want {
		t.Fatalf("waiting %+v, want CrashLoopBackOff %q", w, want)
	}
}

// The kubelet writes why a pod is not ready or not initialized in the
// conditions' messages: ContainersReady and Ready False with reason
// ContainersNotReady say "containers with unready status: [b]" (the app
// containers not ready, in spec order), Initialized False with reason
// ContainersNotInitialized says "containers with incomplete status: [i2
// i3]" (the init containers that have not succeeded). A finished pod's
// PodCompleted / PodFailed reasons have no message. The messages were
// always empty.
// Source: pkg/kubelet/status/generate.go GenerateContainersReadyCondition,
// GeneratePodReadyCondition, GeneratePodInitializedCondition.
func TestR8cPodConditionMessages(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{
		{Match: fake.Match{Image: "slow"}, ReadyAfter: time.Minute},
		{Match: fake.Match{Image: "bad"}, ExitCode: 2, RunFor: r8cDur(time.Second)},
	}, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: a, image: x}, {name: b, image: slow}, {name: c, image: slow}]
---
apiVersion: v1
kind: Pod
metadata: {name: init}
spec:
  restartPolicy: Never
  initContainers: [{name: i1, image: ok}, {name: i2, image: bad}, {name: i3, image: ok}]
  containers: [{name: c, image: x}]
`)
	advance(t, c, 30*time.Second)
	msg := func(pod, typ string) string {
		t.Helper()
		cd := r3cond(r3getPod(t, c, pod), typ)
		if cd == nil {
			t.Fatalf("%s: no %s condition", pod, typ)
		}
		return cd.Status + " " + cd.Reason + " " + cd.Message
	}
	for _, typ := range []string{"ContainersReady", "Ready"} {
		if got, want := msg("web", typ), "False ContainersNotReady containers with unready status: [b c]"; got != want {
			t.Errorf("web %s: %q, want %q", typ, got, want)
		}
	}
	if got, want := msg("init", "Initialized"), "False ContainersNotInitialized containers with incomplete status: [i2 i3]"; got != want {
		t.Errorf("init Initialized: %q, want %q", got, want)
	}
	if got, want := msg("init", "Ready"), "False PodFailed "; got != want {
		t.Errorf("init Ready: %q, want %q", got, want)
	}
	advance(t, c, time.Minute)
	for _, typ := range []string{"ContainersReady", "Ready", "Initialized"} {
		if got, want := msg("web", typ), "True  "; got != want {
			t.Errorf("web %s once ready: %q, want %q", typ, got, want)
		}
	}
}

func r8cDur(d time.Duration) *time.Duration { return &d }

// A negative grace period in a pod's delete call is one second, not a
// forced deletion: the API server's pod strategy (CheckGracefulDelete)
// turns period < 0 into 1, so the pod is terminating (the kubelet kills
// its container 2 s later, its minimum: kuberuntime_container.go
// killContainer raises a shorter grace to minimumGracePeriodInSeconds),
// while an unscheduled pod still goes at once.
// Source: pkg/registry/core/pod/strategy.go CheckGracefulDelete
// ("if period < 0 { period = 1 }").
func TestR8cPodNegativeGraceIsOneSecond(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: x}]
`)
	advance(t, c, time.Minute)
	now := c.Now()
	if err := c.DeletePod("default", "p", workload.Ptr[int64](-5)); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 0)
	p := r3getPod(t, c, "p")
	if p.DeletionTimestamp == nil || !p.DeletionTimestamp.Equal(now.Add(time.Second)) ||
		p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 1 {
		t.Fatalf("deletionTimestamp %v grace %v, want %v and 1", p.DeletionTimestamp, p.DeletionGracePeriodSeconds, now.Add(time.Second))
	}
	advance(t, c, 1500*time.Millisecond)
	if ps := pods(t, c, ""); len(ps) != 1 {
		t.Errorf("1.5 s later: %d pods, want the pod still terminating", len(ps))
	}
	advance(t, c, time.Second)
	if ps := pods(t, c, ""); len(ps) != 0 {
		t.Errorf("2.5 s later: %d pods, want the pod gone", len(ps))
	}
}

// A pod bound to a node that does not exist is not deleted at once: the
// pod GC quarantines the missing node for 40 s (it may be joining), then
// marks the pod Failed with DisruptionTarget DeletionByPodGC and deletes
// it. A pod whose node joins within the quarantine starts there. Both
// were deleted the instant they were seen.
// Source: pkg/controller/podgc/gc_controller.go gcOrphaned
// (quarantineTime = 40 s, markFailedAndDeletePodWithCondition,
// "PodGC: node no longer exists").
func TestR8cPodOrphanQuarantine(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: ghost}
spec:
  nodeName: ghost
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: late}
spec:
  nodeName: late
  containers: [{name: c, image: x}]
`)
	advance(t, c, 30*time.Second)
	if p := r3getPod(t, c, "ghost"); p.DeletionTimestamp != nil || p.Status.Phase == workload.PodFailed {
		t.Errorf("ghost at 30 s: phase %s, deletion %v; want it waiting, not deleted", p.Status.Phase, p.DeletionTimestamp)
	}
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "late"}}); err != nil {
		t.Fatal(err)
	}
	var phases []string
	if err := c.OnChange(func(ev workload.WatchEvent) {
		if p, ok := ev.Object.(*workload.Pod); ok && p.Name == "ghost" {
			if cd := r3cond(p, workload.DisruptionTarget); cd != nil {
				phases = append(phases, ev.Type+" "+p.Status.Phase+" "+cd.Reason+" "+cd.Message)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 11*time.Second)
	if _, err := c.Get("Pod", "default", "ghost"); err == nil {
		t.Errorf("ghost at 41 s: still there")
	}
	if len(phases) == 0 || phases[0] != "MODIFIED Failed DeletionByPodGC PodGC: node no longer exists" {
		t.Errorf("ghost's last changes %q, want it Failed with DisruptionTarget DeletionByPodGC first", phases)
	}
	if p := r3getPod(t, c, "late"); p.Status.Phase != workload.PodRunning {
		t.Errorf("late, whose node joined at 30 s: phase %s, want Running", p.Status.Phase)
	}
}

// A pod is Pending from the moment it is created: the API server's pod
// strategy (PrepareForCreate) sets status.phase Pending, so a pod the
// scheduler has not seen yet (its control plane is stopped) or whose node
// has not joined shows Pending, not an empty phase.
// Source: pkg/registry/core/pod/strategy.go PrepareForCreate
// (pod.Status = api.PodStatus{Phase: api.PodPending, ...}).
func TestR8cPodCreatedPending(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: waiting}
spec:
  nodeName: later
  containers: [{name: c, image: x}]
`)
	if p := r3getPod(t, c, "waiting"); p.Status.Phase != workload.PodPending {
		t.Errorf("just created: phase %q, want Pending", p.Status.Phase)
	}
	advance(t, c, 10*time.Second)
	if p := r3getPod(t, c, "waiting"); p.Status.Phase != workload.PodPending {
		t.Errorf("10 s later, its node not there yet: phase %q, want Pending", p.Status.Phase)
	}
}
