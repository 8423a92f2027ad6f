package breakit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// Graceful deletion: the API server sets deletionTimestamp to the time the
// pod is due to be gone, now + the grace period, not to the time of the
// request; a later delete may only shorten the grace period and moves
// deletionTimestamp back by the difference (never into the past).
// Source: k8s.io/apiserver/pkg/registry/rest/delete.go BeforeDelete;
// metav1.ObjectMeta.DeletionTimestamp ("RFC 3339 date and time at which
// this resource will be deleted ... may be shortened").
func TestR7PodDeletionTimestampIsDueTime(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  terminationGracePeriodSeconds: 45
  containers: [{name: c, image: x}]`)
	advance(t, c, time.Minute)
	if err := c.Delete("Pod", "default", "p", ""); err != nil {
		t.Fatal(err)
	}
	p := r7pod(t, c, "p")
	if got := since(p.DeletionTimestamp); got != "1m45s" {
		t.Errorf("deletionTimestamp %s, want 1m45s (deleted at 1m with grace 45s)", got)
	}
	advance(t, c, 5*time.Second)
	if err := c.DeletePod("default", "p", workload.Ptr[int64](10)); err != nil {
		t.Fatal(err)
	}
	p = r7pod(t, c, "p")
	if got := since(p.DeletionTimestamp); got != "1m10s" {
		t.Errorf("after shortening the grace to 10s at 1m5s: deletionTimestamp %s, want 1m10s", got)
	}
	if p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 10 {
		t.Errorf("deletionGracePeriodSeconds %v, want 10", p.DeletionGracePeriodSeconds)
	}
	if err := c.DeletePod("default", "p", workload.Ptr[int64](1)); err != nil {
		t.Fatal(err)
	}
	if got := since(r7pod(t, c, "p").DeletionTimestamp); got != "1m5s" {
		t.Errorf("after shortening the grace to 1s at 1m5s: deletionTimestamp %s, want 1m5s (never in the past)", got)
	}
}

// A pod that is not scheduled, or has finished, is deleted with a grace
// period of 0 whatever its terminationGracePeriodSeconds.
// Source: pkg/registry/core/pod/strategy.go CheckGracefulDelete ("if the
// pod is not scheduled, delete immediately"; "if the pod is already
// terminated, delete immediately").
func TestR7TerminalPodDeletedWithoutGrace(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "", neverPod, `{sim.orchestra.dev/run-for: "1s"}`))
	var pod string
	runUntil(t, c, time.Minute, "pod succeeded", func() bool {
		for _, p := range pods(t, c, "job-name=j") {
			if p.Status.Phase == workload.PodSucceeded {
				pod = p.Name
				return true
			}
		}
		return false
	})
	// The Job keeps its finished pods (and their tracking finalizer
	// until counted); delete this one.
	if err := c.Delete("Pod", "default", pod, ""); err != nil {
		t.Fatal(err)
	}
	o, err := c.Get("Pod", "default", pod)
	if err != nil {
		return // gone at once: nothing to check
	}
	p := o.(*workload.Pod)
	if p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 0 {
		t.Errorf("finished pod deleted with deletionGracePeriodSeconds %d, want 0", *p.DeletionGracePeriodSeconds)
	}
	if !p.DeletionTimestamp.Equal(c.Now()) {
		t.Errorf("finished pod's deletionTimestamp %s, want now (%s)", since(p.DeletionTimestamp), c.Now().Sub(t0))
	}
}

// spec.activeDeadlineSeconds of a pod: once the pod has been active that
// long (from status.startTime) the kubelet fails it, phase Failed with
// reason DeadlineExceeded and message "Pod was active on the node longer
// than the specified deadline", and kills its containers (with the pod's
// grace period); nothing restarts, and the pod object stays. A Job whose
// pods hit their deadline counts them failed and retries.
// Source: pkg/kubelet/active_deadline.go (reason "DeadlineExceeded");
// pkg/kubelet/kubelet_pods.go generateAPIPodStatus (ShouldEvict: phase
// Failed); https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/
// ("activeDeadlineSeconds").
func TestR7PodActiveDeadlineSeconds(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  activeDeadlineSeconds: 30
  terminationGracePeriodSeconds: 5
  containers: [{name: c, image: x}]
`)
	advance(t, c, 29*time.Second)
	if p := r7pod(t, c, "p"); p.Status.Phase != workload.PodRunning {
		t.Fatalf("phase %s at 29s, want Running", p.Status.Phase)
	}
	advance(t, c, time.Second)
	p := r7pod(t, c, "p")
	if p.Status.Phase != workload.PodFailed || p.Status.Reason != "DeadlineExceeded" ||
		p.Status.Message != "Pod was active on the node longer than the specified deadline" {
		t.Errorf("at 30s: phase %s reason %q message %q, want Failed DeadlineExceeded", p.Status.Phase, p.Status.Reason, p.Status.Message)
	}
	if r5ready(p) {
		t.Errorf("a pod past its deadline is Ready")
	}
	advance(t, c, 10*time.Second)
	p = r7pod(t, c, "p")
	cs := p.Status.ContainerStatuses[0]
	if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 137 || !cs.State.Terminated.FinishedAt.Equal(t0.Add(35*time.Second)) {
		t.Errorf("container %+v, want terminated with 137 at 35s (killed after the 5s grace)", cs.State)
	}
	if cs.RestartCount != 0 || p.Status.Phase != workload.PodFailed || p.DeletionTimestamp != nil {
		t.Errorf("restarts %d phase %s deleted %v, want 0, Failed, not deleted", cs.RestartCount, p.Status.Phase, p.DeletionTimestamp != nil)
	}

	applyYAML(t, c, jobYAML("j", "  backoffLimit: 1", `      activeDeadlineSeconds: 10
      terminationGracePeriodSeconds: 0
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`, `{sim.orchestra.dev/run-for: "1h"}`))
	runUntil(t, c, time.Hour, "job failed", func() bool { return jobCond(getJob(t, c, "j"), workload.JobFailed) != nil })
	j := getJob(t, c, "j")
	if f := jobCond(j, workload.JobFailed); f.Reason != "BackoffLimitExceeded" || j.Status.Failed != 2 {
		t.Errorf("job: failed %d, conditions %s; want 2 failed pods, BackoffLimitExceeded", j.Status.Failed, condSummary(j.Status.Conditions))
	}
	// Pod 1 runs 40-50s, its replacement after the 10s back-off 60-70s.
	if got := jobCond(j, workload.JobFailed).LastTransitionTime.Sub(t0); got != 70*time.Second {
		t.Errorf("job failed at %v, want 70s", got)
	}
}

// The same on a real runtime (inproc): the pod fails with
// DeadlineExceeded, its container is stopped and not restarted.
func TestR7InprocPodActiveDeadlineSeconds(t *testing.T) {
	e := r5newInproc(t, inproc.Config{}, nil, func(rt *inproc.Runtime) {
		rt.Register("wait", func(ctx context.Context, ct *inproc.Container) error {
			<-ctx.Done()
			return nil
		})
	})
	e.apply(`
apiVersion: v1
kind: Pod
metadata: {name: w}
spec:
  activeDeadlineSeconds: 1
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: func://wait}]
`)
	e.wait("pod failed past its deadline", func() bool {
		p := e.pod("w")
		return p != nil && p.Status.Phase == workload.PodFailed && p.Status.Reason == "DeadlineExceeded"
	})
	e.wait("container stopped", func() bool {
		p := e.pod("w")
		return p != nil && p.Status.ContainerStatuses[0].State.Terminated != nil
	})
	if p := e.pod("w"); p.Status.ContainerStatuses[0].RestartCount != 0 || p.Status.Phase != workload.PodFailed {
		t.Errorf("restarts %d phase %s, want 0 and Failed", p.Status.ContainerStatuses[0].RestartCount, p.Status.Phase)
	}
}

// A pod on a node has the PodReadyToStartContainers condition, first in
// the kubelet's order (PodReadyToStartContainers, Initialized, Ready,
// ContainersReady, PodScheduled): True once its sandbox and network are
// up, False once the pod has finished and its sandbox is gone.
// Source: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-has-network
// (beta, on by default since 1.29); pkg/kubelet/kubelet_pods.go
// generateAPIPodStatus; pkg/kubelet/status/generate.go
// GeneratePodReadyToStartContainersCondition.
func TestR7PodReadyToStartContainers(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: run}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: done, annotations: {sim.orchestra.dev/run-for: "5s"}}
spec:
  restartPolicy: Never
  containers: [{name: c, image: x}]
`)
	advance(t, c, 10*time.Second)
	var types []string
	for _, cd := range r7pod(t, c, "run").Status.Conditions {
		types = append(types, cd.Type+"="+cd.Status)
	}
	want := "[PodReadyToStartContainers=True Initialized=True Ready=True ContainersReady=True PodScheduled=True]"
	if got := fmt.Sprint(types); got != want {
		t.Errorf("running pod's conditions %s, want %s", got, want)
	}
	done := r7pod(t, c, "done")
	cd := r3cond(done, "PodReadyToStartContainers")
	if done.Status.Phase != workload.PodSucceeded || cd == nil || cd.Status != "False" || !cd.LastTransitionTime.Equal(t0.Add(5*time.Second)) {
		t.Errorf("finished pod: phase %s PodReadyToStartContainers %+v, want Succeeded and False since 5s", done.Status.Phase, cd)
	}
}

// A deleted pod ends in a terminal phase before it goes: its kubelet kills
// what still runs when the grace period ends (exit code 137: the fake's
// containers ignore SIGTERM) and reports the pod Failed, then removes it.
// So a Job whose podFailurePolicy fails the Job on exit code 137 fails when
// someone deletes its pod.
// Source: kubernetes/kubernetes#115331 ("Give terminal phase correctly to
// all pods that will not be restarted", 1.27); pkg/kubelet/status
// status_manager.go TerminatePod ("pods are transitioned to a terminal
// phase (Failed or Succeeded) before their deletion").
func TestR7DeletedPodEndsInTerminalPhase(t *testing.T) {
	c := newCluster(t, "a")
	var last *workload.Pod
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && p.Name == "web" && ev.Type == store.Modified {
			last = p
		}
	}); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 5
  containers: [{name: c, image: nginx}]
`)
	advance(t, c, time.Second)
	if err := c.Delete("Pod", "default", "web", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Second)
	if _, err := c.Get("Pod", "default", "web"); err == nil {
		t.Fatalf("pod still there after its grace period")
	}
	if last == nil || last.Status.Phase != workload.PodFailed {
		t.Fatalf("last reported status before the pod went: %+v, want phase Failed", last)
	}
	if ts := last.Status.ContainerStatuses[0].State.Terminated; ts == nil || ts.ExitCode != 137 {
		t.Errorf("container at the end %+v, want terminated with 137", last.Status.ContainerStatuses[0].State)
	}

	applyYAML(t, c, jobYAML("j", `  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes: {operator: In, values: [137]}`, `      restartPolicy: Never
      terminationGracePeriodSeconds: 5
      containers: [{name: c, image: busybox}]`, `{sim.orchestra.dev/run-for: "1h"}`))
	advance(t, c, time.Second)
	ps := pods(t, c, "job-name=j")
	if len(ps) != 1 {
		t.Fatalf("%d job pods", len(ps))
	}
	if err := c.Delete("Pod", "default", ps[0].Name, ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	j := getJob(t, c, "j")
	if f := jobCond(j, workload.JobFailed); f == nil || f.Reason != "PodFailurePolicy" {
		t.Errorf("job conditions %s, want Failed (PodFailurePolicy): the deleted pod was killed with 137", condSummary(j.Status.Conditions))
	}
}
