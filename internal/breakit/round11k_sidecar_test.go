package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

func r11kInitStatus(p *workload.Pod, name string) workload.ContainerStatus {
	for _, s := range p.Status.InitContainerStatuses {
		if s.Name == name {
			return s
		}
	}
	return workload.ContainerStatus{}
}

// A Deployment's pod deleted while its Istio-style proxy sidecar waits
// out a crash-loop back-off: the sidecar is not started again, the app
// container (which handles SIGTERM in 1s) stops and the pod goes 1s
// later, not at the end of the 30s grace period; the ReplicaSet's
// replacement starts at once. Source: pkg/kubelet/kuberuntime
// kuberuntime_manager.go computePodActions (nothing started for a pod
// being killed), killContainersWithSyncResult (only running containers
// are stopped).
func TestR11kPodDeletedDuringSidecarBackOff(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{
		{Match: fake.Match{Container: "istio-proxy"}, CrashAfter: 2 * time.Second},
		{Match: fake.Match{Container: "web"}, StopAfter: workload.Ptr(time.Second)},
	}, "a")
	applyYAML(t, c, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.22.0
        restartPolicy: Always
        ports: [{containerPort: 15090, name: http-envoy-prom}]
      containers: [{name: web, image: nginx}]
`)
	// The proxy crashes at 2s (restarted at once) and 4s (back-off 10s,
	// restarted at 14s), and 16s (back-off 20s): waiting at 20s.
	advance(t, c, 20*time.Second)
	ps := pods(t, c, "app=web")
	if len(ps) != 1 {
		t.Fatalf("%d pods, want 1", len(ps))
	}
	old := ps[0]
	side := r11kInitStatus(old, "istio-proxy")
	if side.State.Waiting == nil || side.State.Waiting.Reason != fake.ReasonCrashLoopBackOff || side.RestartCount != 2 {
		t.Fatalf("proxy %+v, want waiting in CrashLoopBackOff after 2 restarts", side)
	}
	if err := c.DeletePod("default", old.Name, nil); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 500*time.Millisecond)
	for _, p := range pods(t, c, "app=web") {
		if p.Name == old.Name {
			if s := r11kInitStatus(p, "istio-proxy"); s.State.Running != nil || s.RestartCount != 2 {
				t.Fatalf("terminating pod's proxy %+v: restarted after the deletion", s)
			}
		} else if p.Status.Phase != workload.PodRunning {
			t.Errorf("replacement %s is %s, want Running", p.Name, p.Status.Phase)
		}
	}
	advance(t, c, time.Second)
	for _, p := range pods(t, c, "app=web") {
		if p.Name == old.Name {
			t.Fatalf("pod %s still there 1.5s after its deletion: its app container stopped after 1s and its sidecar was not running", p.Name)
		}
	}
}

// A Job's pod whose app container has exited 0 while its log-shipper
// sidecar (which ignores SIGTERM) is being stopped, on a node that fails
// then: the pod keeps its last reported phase (Running), is evicted when
// the unreachable taint's 300s toleration ends and, deleted on a dead
// node, counts as failed; the Job makes a replacement. Source:
// pkg/controller/job/job_controller.go isPodFailed ("Count deleted Pods as
// failures to account for orphan Pods that never have a chance to reach
// the Failed phase"); pkg/controller/tainteviction.
func TestR11kNodeFailsWhileSidecarStops(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{
		{Match: fake.Match{Container: "main"}, RunFor: workload.Ptr(10 * time.Second)},
	}, "a", "b")
	applyYAML(t, c, `apiVersion: batch/v1
kind: Job
metadata: {name: report}
spec:
  template:
    metadata: {labels: {app: report}}
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: a}
      initContainers: [{name: shipper, image: fluent/fluent-bit, restartPolicy: Always}]
      containers: [{name: main, image: busybox}]
`)
	advance(t, c, 12*time.Second)
	ps := pods(t, c, "app=report")
	if len(ps) != 1 || ps[0].Status.Phase != workload.PodRunning || r11kInitStatus(ps[0], "shipper").State.Running == nil {
		t.Fatalf("pods %d, want 1 Running with its sidecar stopping", len(ps))
	}
	first := ps[0].Name
	if err := c.Fake().FailNode("a"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 2*time.Minute)
	if j := getJob(t, c, "report"); j.Status.Active != 1 || j.Status.Failed != 0 || j.Status.Succeeded != 0 {
		t.Fatalf("2m after the node failed: job active %d failed %d succeeded %d, want the pod still active", j.Status.Active, j.Status.Failed, j.Status.Succeeded)
	}
	advance(t, c, 10*time.Minute)
	j := getJob(t, c, "report")
	if j.Status.Failed != 1 || j.Status.Succeeded != 0 || j.Status.Active != 1 {
		t.Fatalf("after the eviction: job active %d failed %d succeeded %d, want 1 failed and a replacement active", j.Status.Active, j.Status.Failed, j.Status.Succeeded)
	}
	for _, p := range pods(t, c, "app=report") {
		if p.Name == first && p.DeletionTimestamp == nil {
			t.Errorf("pod %s on the failed node not evicted", p.Name)
		}
	}
}

// A pod with two sidecars (which ignore SIGTERM) deleted with the default
// 30s grace period: the app container ignores SIGTERM and is killed at
// 30s; the sidecars' turn to stop (after the app container, the last
// declared first) comes only then, when their grace period is spent, so
// both get SIGTERM at 30s and the kubelet's minimum of 2s: the pod goes at
// 32s, not 30s. When the app container handles SIGTERM in 10s, the last
// sidecar gets SIGTERM at 10s and is killed at 30s; the first one's wait
// for its turn ends at 30s, and it is killed at 32s. Source: pkg/kubelet/kuberuntime/kuberuntime_container.go
// killContainer (gracePeriod minus the time waitForTurn waited, at least
// minimumGracePeriodInSeconds = 2), terminationOrdering.waitForTurn.
func TestR11kDeletedSidecarPodGetsMinimumGrace(t *testing.T) {
	for _, tc := range []struct {
		name       string
		stop       *time.Duration
		proxyAt30s bool // istio-proxy killed at 30s (else at 32s)
	}{{"app ignores SIGTERM", nil, false}, {"app stops in 10s", workload.Ptr(10 * time.Second), true}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Container: "web"}, StopAfter: tc.stop}}, "a")
			applyYAML(t, c, `apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  initContainers:
  - {name: vault-agent, image: hashicorp/vault, restartPolicy: Always}
  - {name: istio-proxy, image: istio/proxyv2, restartPolicy: Always}
  containers: [{name: web, image: nginx}]
`)
			advance(t, c, 5*time.Second)
			if err := c.DeletePod("default", "web", nil); err != nil {
				t.Fatal(err)
			}
			advance(t, c, 31*time.Second)
			ps := pods(t, c, "app=web")
			if len(ps) != 1 {
				t.Fatalf("31s after the deletion: %d pods, want the pod still there (its first sidecar has until 32s)", len(ps))
			}
			if s := r11kInitStatus(ps[0], "istio-proxy"); tc.proxyAt30s != (s.State.Terminated != nil && s.State.Terminated.ExitCode == 137) {
				t.Errorf("istio-proxy %+v at 31s, want killed at 30s: %v", s.State, tc.proxyAt30s)
			}
			if s := r11kInitStatus(ps[0], "vault-agent"); s.State.Running == nil {
				t.Errorf("vault-agent %+v, want still running in its 2s", s.State)
			}
			advance(t, c, time.Second)
			if ps := pods(t, c, "app=web"); len(ps) != 0 {
				t.Fatalf("32s after the deletion the pod is still there")
			}
		})
	}
}
