package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR11pHostIPs: a running pod's status carries hostIPs beside hostIP,
// the node's address (GA since Kubernetes 1.30: the kubelet's
// generateAPIPodStatus in pkg/kubelet/kubelet_pods.go sets s.HostIP and
// s.HostIPs from the node's addresses together), and a manifest holding
// status.hostIPs decodes without a warning that the field is ignored.
func TestR11pHostIPs(t *testing.T) {
	c := newCluster(t, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: nginx}
`)
	advance(t, c, time.Second)
	o, err := c.Get("Pod", "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	st := o.(*workload.Pod).Status
	if st.HostIP == "" || len(st.HostIPs) != 1 || st.HostIPs[0].IP != st.HostIP {
		t.Fatalf("hostIP %q hostIPs %v, want hostIPs [{%s}]", st.HostIP, st.HostIPs, st.HostIP)
	}
	_, warns, err := workload.Decode([]byte(`
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: app, image: nginx}]}
status: {hostIP: 10.0.0.1, hostIPs: [{ip: 10.0.0.1}]}
`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Errorf("warning: %v", w)
	}
}

// TestR11pDeletedInBackOffShowsLastExit: a pod deleted while a container
// waits out a crash-loop back-off ends with that container's last run as
// its state, not ContainerStatusUnknown: the dead container is still in
// the runtime, and once the pod is deleted the kubelet no longer shows it
// Waiting (kubelet_pods.go convertToAPIContainerStatuses overrides the
// state with the back-off's Waiting only for a container
// ShouldContainerBeRestarted, which is false for a pod with a
// deletionTimestamp); the status manager's TerminatePod then leaves a
// terminated state alone and makes the phase Failed. The same goes for an
// init container in back-off (its app container never ran: it stays
// Waiting).
func TestR11pDeletedInBackOffShowsLastExit(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "failer"}, RunFor: workload.Ptr(time.Second), ExitCode: 1}}, "n1")
	final := map[string]*workload.Pod{}
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && ev.Type == store.Deleted {
			final[p.Name] = p
		}
	}); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
  - {name: c, image: failer}
---
apiVersion: v1
kind: Pod
metadata: {name: init}
spec:
  initContainers:
  - {name: i, image: failer}
  containers:
  - {name: c, image: nginx}
`)
	// Runs 0-1 s, 1-2 s (restarted at once), 12-13 s; back-off until 33 s.
	advance(t, c, 20*time.Second)
	for _, n := range []string{"app", "init"} {
		if err := c.DeletePod("default", n, nil); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, time.Second)
	for _, tc := range []struct {
		pod  string
		init bool
	}{{"app", false}, {"init", true}} {
		p := final[tc.pod]
		if p == nil {
			t.Fatalf("%s: not deleted", tc.pod)
		}
		sts := p.Status.ContainerStatuses
		if tc.init {
			sts = p.Status.InitContainerStatuses
		}
		cs := sts[0]
		term := cs.State.Terminated
		if p.Status.Phase != workload.PodFailed || term == nil || term.ExitCode != 1 || term.Reason != "Error" ||
			!term.StartedAt.Equal(t0.Add(12*time.Second)) || !term.FinishedAt.Equal(t0.Add(13*time.Second)) || cs.RestartCount != 2 {
			t.Errorf("%s: final phase %s, %s restartCount %d state %+v; want Failed, restartCount 2, terminated exit 1 Error 12-13 s",
				tc.pod, p.Status.Phase, cs.Name, cs.RestartCount, cs.State)
		}
		if tc.init {
			if w := p.Status.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "PodInitializing" {
				t.Errorf("init: app container %+v, want Waiting PodInitializing", p.Status.ContainerStatuses[0].State)
			}
		}
	}
}

// TestR11pNodeGonePodStatus: the pods of a node that goes are marked
// Failed with the DisruptionTarget condition (DeletionByPodGC, "PodGC:
// node no longer exists") and deleted, and that is all the pod garbage
// collector writes: gc_controller.go markFailedAndDeletePodWithCondition
// applies the phase and the condition alone, so the pod has no status
// reason (no "NodeLost") and its other conditions stay as the kubelet
// last wrote them.
func TestR11pNodeGonePodStatus(t *testing.T) {
	c := newCluster(t, "n1")
	var last *workload.Pod
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && p.Name == "web" && ev.Type != store.Deleted {
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
  containers:
  - {name: app, image: nginx}
`)
	advance(t, c, time.Minute)
	if err := c.Fake().RemoveNode("n1"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if _, err := c.Get("Pod", "default", "web"); err == nil {
		t.Fatal("the pod is still there after its node went")
	}
	st := last.Status
	var dt, ready *workload.PodCondition
	for i := range st.Conditions {
		switch st.Conditions[i].Type {
		case workload.DisruptionTarget:
			dt = &st.Conditions[i]
		case workload.PodReady:
			ready = &st.Conditions[i]
		}
	}
	if st.Phase != workload.PodFailed || st.Reason != "" || st.Message != "" {
		t.Errorf("last status: phase %s reason %q message %q, want Failed and no reason", st.Phase, st.Reason, st.Message)
	}
	if dt == nil || dt.Status != workload.ConditionTrue || dt.Reason != "DeletionByPodGC" || dt.Message != "PodGC: node no longer exists" {
		t.Errorf("DisruptionTarget %+v, want True DeletionByPodGC", dt)
	}
	if ready == nil || ready.Status != workload.ConditionTrue || !ready.LastTransitionTime.Equal(t0) {
		t.Errorf("Ready %+v, want True since %v, as the kubelet last wrote it", ready, t0)
	}
}

// TestR11pImmediateRestartReportsTheExit: a container restarted at once
// (its first restart: no back-off yet) is first reported exited and not
// ready, then running again, so the pod's Ready condition moves at the
// crash: the kubelet's SyncPod writes the pod's status (the container
// terminated, ContainersReady and Ready False) before it starts the
// container again (pkg/kubelet/kubelet.go SyncPod: generateAPIPodStatus
// and statusManager.SetPodStatus, then containerRuntime.SyncPod).
func TestR11pImmediateRestartReportsTheExit(t *testing.T) {
	c := newCluster(t, "n1")
	var states []string
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && len(p.Status.ContainerStatuses) == 1 {
			cs := p.Status.ContainerStatuses[0]
			switch {
			case cs.State.Terminated != nil:
				states = append(states, "terminated")
			case cs.State.Running != nil:
				states = append(states, "running")
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: crash, annotations: {sim.orchestra.dev/run-for: 5s, sim.orchestra.dev/exit-code: "1"}}
spec:
  containers:
  - {name: app, image: busybox}
`)
	advance(t, c, 6*time.Second)
	o, err := c.Get("Pod", "default", "crash")
	if err != nil {
		t.Fatal(err)
	}
	p := o.(*workload.Pod)
	if cs := p.Status.ContainerStatuses[0]; cs.RestartCount != 1 || cs.State.Running == nil {
		t.Fatalf("container %+v, want running again after its first exit", cs)
	}
	for _, cond := range p.Status.Conditions {
		if cond.Type == workload.PodReady && (cond.Status != workload.ConditionTrue || !cond.LastTransitionTime.Equal(t0.Add(5*time.Second))) {
			t.Errorf("Ready %s since %v, want True since the restart at 5 s", cond.Status, cond.LastTransitionTime)
		}
	}
	want := []string{"running", "terminated", "running"}
	var got []string
	for _, s := range states {
		if len(got) == 0 || got[len(got)-1] != s {
			got = append(got, s)
		}
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("container states %v, want %v", got, want)
	}
}
