package breakit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

func r3cond(p *workload.Pod, typ string) *workload.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == typ {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func r3getPod(t *testing.T, c *orchestra.Cluster, name string) *workload.Pod {
	t.Helper()
	o := r3get(t, c, "Pod", "default", name)
	if o == nil {
		t.Fatalf("pod %s not found", name)
	}
	return o.(*workload.Pod)
}

// A pod whose containers failed (phase Failed) reports ContainersReady and
// Ready False with reason PodFailed (older kubelets: ContainersNotReady);
// PodCompleted is the reason of Succeeded pods only.
// pkg/kubelet/status/generate.go GenerateContainersReadyCondition and
// generateContainersReadyConditionForTerminalPhase.
func TestR3PodStatusFailedPodReadyReason(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: bad, annotations: {sim.orchestra.dev/run-for: 5s, sim.orchestra.dev/exit-code: "2"}}
spec: {restartPolicy: Never, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: good, annotations: {sim.orchestra.dev/run-for: 5s}}
spec: {restartPolicy: Never, containers: [{name: c, image: x}]}`)
	advance(t, c, time.Minute)
	bad := r3getPod(t, c, "bad")
	if bad.Status.Phase != workload.PodFailed {
		t.Fatalf("bad: phase %s", bad.Status.Phase)
	}
	for _, typ := range []string{workload.ContainersReady, workload.PodReady} {
		if cd := r3cond(bad, typ); cd == nil || cd.Status != "False" || cd.Reason == "PodCompleted" {
			t.Errorf("failed pod %s condition %+v, want False with reason PodFailed (not PodCompleted)", typ, cd)
		}
	}
	good := r3getPod(t, c, "good")
	if cd := r3cond(good, workload.PodReady); good.Status.Phase != workload.PodSucceeded || cd == nil || cd.Reason != "PodCompleted" {
		t.Errorf("succeeded pod: phase %s Ready %+v, want Succeeded and PodCompleted", good.Status.Phase, cd)
	}
}

// An init container in a pod with restartPolicy Always (a Deployment's
// pod) runs to completion, then the app containers start: init containers
// always run to completion, whatever the pod's restartPolicy.
// https://kubernetes.io/docs/concepts/workloads/pods/init-containers/ :
// "Init containers always run to completion."
func TestR3PodStatusInitContainerInDeployment(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers: [{name: wait-for-db, image: busybox}]
      containers: [{name: c, image: web}]`)
	advance(t, c, 10*time.Minute)
	ps := pods(t, c, "app=web")
	if len(ps) != 1 {
		t.Fatalf("%d pods", len(ps))
	}
	p := ps[0]
	if p.Status.Phase != workload.PodRunning {
		t.Errorf("pod %s phase %s 10m after creation (conditions %v, init %+v), want Running", p.Name, p.Status.Phase, p.Status.Conditions, p.Status.InitContainerStatuses)
	}
	if cd := r3cond(p, workload.PodInitialized); cd == nil || cd.Status != "True" {
		t.Errorf("Initialized %+v, want True", cd)
	}
}

// While an init container runs: phase Pending, Initialized False (reason
// ContainersNotInitialized), ContainersReady/Ready False; afterwards
// Initialized True. A Succeeded pod's Initialized has reason PodCompleted.
// pkg/kubelet/status/generate.go GeneratePodInitializedCondition.
func TestR3PodStatusInitPhases(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Container: "init"}, RunFor: workload.Ptr(10 * time.Second)}}, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  restartPolicy: Never
  initContainers: [{name: init, image: x}]
  containers: [{name: c, image: app}]`)
	advance(t, c, 5*time.Second) // init runs 10 s
	p := r3getPod(t, c, "p")
	if p.Status.Phase != workload.PodPending {
		t.Errorf("during init: phase %s, want Pending", p.Status.Phase)
	}
	if cd := r3cond(p, workload.PodInitialized); cd == nil || cd.Status != "False" || cd.Reason != "ContainersNotInitialized" {
		t.Errorf("during init: Initialized %+v", cd)
	}
	if cd := r3cond(p, workload.PodScheduled); cd == nil || cd.Status != "True" {
		t.Errorf("during init: PodScheduled %+v", cd)
	}
	advance(t, c, time.Minute)
	p = r3getPod(t, c, "p")
	if p.Status.Phase != workload.PodSucceeded {
		t.Fatalf("phase %s, want Succeeded", p.Status.Phase)
	}
	if cd := r3cond(p, workload.PodInitialized); cd == nil || cd.Status != "True" || cd.Reason != "PodCompleted" {
		t.Errorf("succeeded pod: Initialized %+v, want True reason PodCompleted", cd)
	}
}

// A pod that fits no node: phase Pending, PodScheduled False with reason
// Unschedulable and the scheduler's message "0/N nodes are available:
// ...", and a FailedScheduling Warning event with the same message.
// https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions ;
// pkg/scheduler/framework/types.go FitError.Error.
func TestR3PodStatusUnschedulable(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: big}
spec:
  containers: [{name: c, image: x, resources: {requests: {cpu: "100"}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: picky}
spec:
  nodeSelector: {disk: ssd}
  containers: [{name: c, image: x}]`)
	advance(t, c, time.Minute)
	for name, want := range map[string]string{
		"big":   "0/2 nodes are available: 2 Insufficient cpu.",
		"picky": "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
	} {
		p := r3getPod(t, c, name)
		if p.Status.Phase != workload.PodPending || p.Spec.NodeName != "" {
			t.Errorf("%s: phase %s node %q", name, p.Status.Phase, p.Spec.NodeName)
		}
		cd := r3cond(p, workload.PodScheduled)
		if cd == nil || cd.Status != "False" || cd.Reason != "Unschedulable" || !strings.HasPrefix(cd.Message, want) {
			t.Errorf("%s: PodScheduled %+v, want False Unschedulable %q", name, cd, want)
		}
		if len(p.Status.Conditions) != 1 {
			t.Errorf("%s: conditions %v, want only PodScheduled", name, p.Status.Conditions)
		}
		var ev bool
		for _, e := range c.Events() {
			if e.InvolvedObject.Name == name && e.Reason == "FailedScheduling" && e.Type == "Warning" && strings.HasPrefix(e.Message, want) {
				ev = true
			}
		}
		if !ev {
			t.Errorf("%s: no FailedScheduling warning %q; events %v", name, want, eventsFor(c, name))
		}
	}
	// A node that fits arrives: the pod schedules.
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "c", Labels: map[string]string{"disk": "ssd"}}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if p := r3getPod(t, c, "picky"); p.Spec.NodeName != "c" || p.Status.Phase != workload.PodRunning {
		t.Errorf("picky after node c joined: node %q phase %s", p.Spec.NodeName, p.Status.Phase)
	}
}

// Deleting a pod sets deletionTimestamp (now + the grace period: see
// TestR7PodDeletionTimestampIsDueTime) and deletionGracePeriodSeconds
// (its terminationGracePeriodSeconds); a container that ignores SIGTERM
// is killed when the grace period ends, and the pod goes.
// https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
func TestR3PodStatusGracefulDelete(t *testing.T) {
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
	p := r3getPod(t, c, "p")
	if p.DeletionTimestamp == nil || !p.DeletionTimestamp.Equal(c.Now().Add(45*time.Second)) {
		t.Errorf("deletionTimestamp %v, want now + 45s", since(p.DeletionTimestamp))
	}
	if p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 45 {
		t.Errorf("deletionGracePeriodSeconds %v, want 45", p.DeletionGracePeriodSeconds)
	}
	advance(t, c, 46*time.Second)
	if r3get(t, c, "Pod", "default", "p") != nil {
		t.Errorf("pod still there 46s after a delete with grace 45s")
	}
}
