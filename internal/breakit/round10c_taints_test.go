package breakit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

const r10cCancelled = "TaintManagerEviction: Cancelling deletion of Pod default/p"

// r10cNotReadyPod is a pod running on node a, with a scheduled eviction:
// node a has been NotReady for a minute (its not-ready:NoExecute taint
// tolerated for the default 300 s).
func r10cNotReadyPod(t *testing.T) *orchestra.Cluster {
	t.Helper()
	c := newCluster(t, "a")
	r11bSpareNode(t, c) // a Ready node: not every node NotReady (master disruption mode)
	r3apply(t, c, r3pod("p"))
	advance(t, c, time.Minute)
	if err := c.Fake().SetNodeReady("a", false); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if r3terminating(t, c, "p") {
		t.Fatal("pod evicted within a minute of its node going NotReady; it tolerates that for 300 s")
	}
	return c
}

// A NoExecute taint the pod does not tolerate evicts it at once, even when
// an eviction is already scheduled for later: the taint manager cancels the
// scheduled one and deletes the pod now (processPodOnNode: !allTolerated ->
// cancelWorkWithEvent, AddWork(now, now)).
// pkg/controller/tainteviction/taint_eviction.go.
func TestR10cUntoleratedTaintEvictsDespiteScheduledEviction(t *testing.T) {
	c := r10cNotReadyPod(t)
	if err := c.Fake().SetNodeTaints("a", []workload.Taint{{Key: "maint", Effect: workload.TaintEffectNoExecute}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if !r3terminating(t, c, "p") {
		t.Fatalf("pod not evicted a second after an untolerated NoExecute taint (events %q)", eventsFor(c, "p"))
	}
	ev := eventsFor(c, "p")
	i, j := r10cIndex(ev, r10cCancelled), r10cIndex(ev, "TaintManagerEviction: Marking for deletion Pod default/p")
	if i < 0 || j < i {
		t.Errorf("events %q: want the scheduled eviction cancelled, then the pod marked for deletion", ev)
	}
}

// A node that is Ready again before the pods' toleration runs out keeps
// them, and each pod whose eviction was scheduled gets a Normal
// TaintManagerEviction event "Cancelling deletion of Pod ns/name"
// (handleNodeUpdate: no NoExecute taints left -> cancelWorkWithEvent for
// every pod; emitCancelPodDeletionEvent).
func TestR10cNodeReadyAgainCancelsEvictionWithEvent(t *testing.T) {
	c := r10cNotReadyPod(t)
	if err := c.Fake().SetNodeReady("a", true); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Minute)
	if r3terminating(t, c, "p") {
		t.Fatal("pod evicted although its node was Ready again within the toleration")
	}
	if ev := eventsFor(c, "p"); r10cIndex(ev, r10cCancelled) < 0 {
		t.Errorf("events %q: want %q", ev, r10cCancelled)
	}
	for _, e := range c.Events() {
		if e.Reason == "TaintManagerEviction" && strings.HasPrefix(e.Message, "Cancelling") && e.Type != workload.EventTypeNormal {
			t.Errorf("cancel event of type %s, want Normal", e.Type)
		}
	}
}

// A pod deleted while its eviction is scheduled has the eviction cancelled,
// with the event (handlePodUpdate: pod not found -> cancelWorkWithEvent). A
// pod the taint manager evicts itself gets no such event.
func TestR10cPodDeletedCancelsScheduledEviction(t *testing.T) {
	c := r10cNotReadyPod(t)
	if err := c.DeletePod("default", "p", workload.Ptr(int64(0))); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if ev := eventsFor(c, "p"); r10cIndex(ev, r10cCancelled) < 0 {
		t.Errorf("events %q: want %q", ev, r10cCancelled)
	}

	c = r10cNotReadyPod(t)
	advance(t, c, 5*time.Minute)
	if !r3terminating(t, c, "p") {
		t.Fatal("pod not evicted 6 minutes after its node went NotReady")
	}
	if ev := eventsFor(c, "p"); r10cIndex(ev, r10cCancelled) >= 0 {
		t.Errorf("events %q: an evicted pod's eviction was not cancelled", ev)
	}
}

func r10cIndex(ss []string, s string) int {
	for i := range ss {
		if ss[i] == s {
			return i
		}
	}
	return -1
}

// Events name the component that records them in Kubernetes (source.
// component, kubectl describe's From column): default-scheduler for
// Scheduled (pkg/scheduler: the profile's scheduler name), kubelet for the
// container events, the controller for its object's events
// (replicaset-controller, deployment-controller: their
// NewBroadcaster(...).NewRecorder(scheme, EventSource{Component: ...})),
// taint-eviction-controller and node-controller for theirs.
func TestR10cEventSourceComponents(t *testing.T) {
	c := newCluster(t, "a")
	r11bSpareNode(t, c) // a Ready node: not every node NotReady (master disruption mode)
	applyYAML(t, c, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
`)
	advance(t, c, time.Minute)
	if err := c.Fake().SetNodeReady("a", false); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 6*time.Minute)
	want := map[string]string{
		"ScalingReplicaSet": "deployment-controller", "SuccessfulCreate": "replicaset-controller",
		"Scheduled": "default-scheduler", "Created": "kubelet", "Started": "kubelet",
		"NodeNotReady": "node-controller", "TaintManagerEviction": "taint-eviction-controller",
	}
	for _, e := range c.Events() {
		w, ok := want[e.Reason]
		if !ok {
			continue
		}
		delete(want, e.Reason)
		if e.Source.Component != w {
			t.Errorf("%s event on %s/%s: source.component %q, want %q", e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Source.Component, w)
		}
	}
	if len(want) > 0 {
		t.Errorf("no events of reasons %v", want)
	}
}

// A node reports, besides Ready, the MemoryPressure, DiskPressure and
// PIDPressure conditions a kubelet posts (pkg/kubelet/nodestatus/setters.go:
// False, reasons KubeletHasSufficientMemory, KubeletHasNoDiskPressure,
// KubeletHasSufficientPID); when its kubelet stops posting, the node
// lifecycle controller marks each of them Unknown with reason
// NodeStatusUnknown, "Kubelet stopped posting node status."
// (tryUpdateNodeHealth) once the node monitor grace period (50 s) has
// passed, and they are False again once it posts again.
func TestR10cNodePressureConditions(t *testing.T) {
	c := newCluster(t, "a")
	advance(t, c, time.Second)
	check := func(when, status string, reasons map[string]string) {
		t.Helper()
		n := r9cNode(t, c, "a")
		for typ, reason := range reasons {
			var got *workload.NodeCondition
			for i := range n.Status.Conditions {
				if n.Status.Conditions[i].Type == typ {
					got = &n.Status.Conditions[i]
				}
			}
			if got == nil || got.Status != status || got.Reason != reason {
				t.Errorf("%s: %s condition %+v, want %s with reason %s", when, typ, got, status, reason)
			}
		}
	}
	healthy := map[string]string{
		workload.NodeMemoryPressure: "KubeletHasSufficientMemory", workload.NodeDiskPressure: "KubeletHasNoDiskPressure",
		workload.NodePIDPressure: "KubeletHasSufficientPID",
	}
	check("registered", workload.ConditionFalse, healthy)
	if err := c.Fake().FailNode("a"); err != nil {
		t.Fatal(err)
	}
	// As last posted until the node monitor grace period (50 s) has
	// passed.
	advance(t, c, 49*time.Second)
	check("kubelet silent 49s", workload.ConditionFalse, healthy)
	check("kubelet silent 49s", workload.ConditionTrue, map[string]string{workload.NodeReady: "KubeletReady"})
	advance(t, c, time.Second)
	check("kubelet silent", workload.ConditionUnknown, map[string]string{
		workload.NodeMemoryPressure: "NodeStatusUnknown", workload.NodeDiskPressure: "NodeStatusUnknown",
		workload.NodePIDPressure: "NodeStatusUnknown", workload.NodeReady: "NodeStatusUnknown",
	})
	if err := c.Fake().SetNodeReady("a", true); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	check("kubelet back", workload.ConditionFalse, healthy)
}

// The events kubectl describe node shows: RegisteredNode "Node a event:
// Registered Node a in Controller" from the node controller when it first
// sees the node (monitorNodeHealth), "Node a status is now: NodeNotReady"
// when the node stops being Ready (nodeutil.RecordNodeStatusChange), then
// NodeReady when it is Ready again, NodeNotSchedulable and NodeSchedulable
// as it is cordoned and uncordoned (the kubelet's recordNodeStatusEvent),
// and RemovingNode "Node a event: Removing Node a from Controller" when it
// goes.
func TestR10cNodeEvents(t *testing.T) {
	c := newCluster(t, "a")
	advance(t, c, time.Second)
	step := func(what string, f func() error) {
		t.Helper()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		advance(t, c, time.Second)
	}
	step("not ready", func() error { return c.Fake().SetNodeReady("a", false) })
	step("ready", func() error { return c.Fake().SetNodeReady("a", true) })
	step("cordon", func() error { return c.Fake().Cordon("a") })
	step("uncordon", func() error { return c.Fake().Uncordon("a") })
	step("remove", func() error { return c.Fake().RemoveNode("a") })
	var got []string
	for _, e := range c.Events() {
		if e.InvolvedObject.Kind == "Node" && e.InvolvedObject.Name == "a" {
			got = append(got, e.Type+" "+e.Reason+" "+e.Source.Component+": "+e.Message)
		}
	}
	want := []string{
		"Normal RegisteredNode node-controller: Node a event: Registered Node a in Controller",
		"Normal NodeNotReady node-controller: Node a status is now: NodeNotReady",
		"Normal NodeReady kubelet: Node a status is now: NodeReady",
		"Normal NodeNotSchedulable kubelet: Node a status is now: NodeNotSchedulable",
		"Normal NodeSchedulable kubelet: Node a status is now: NodeSchedulable",
		"Normal RemovingNode node-controller: Node a event: Removing Node a from Controller",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("node events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The taint manager evicts every pod bound to a node with a NoExecute taint
// it does not tolerate long enough, whatever the pod's phase: a Job's
// completed pod on a node that stays NotReady is deleted once its 300 s
// toleration is over (handleNodeUpdate lists all the node's pods; users
// asked for finished pods to be spared, kubernetes/kubernetes#96363, and
// they are not). The Job stays complete, its success counted.
func TestR10cFinishedPodsEvictedFromNotReadyNode(t *testing.T) {
	c := newCluster(t, "a")
	r11bSpareNode(t, c) // a Ready node: not every node NotReady (master disruption mode)
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: x}]
`)
	advance(t, c, time.Minute)
	ps := pods(t, c, "job-name=once")
	if len(ps) != 1 || ps[0].Status.Phase != workload.PodSucceeded {
		t.Fatalf("job pods %d, want one Succeeded", len(ps))
	}
	if err := c.Fake().SetNodeReady("a", false); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 4*time.Minute)
	if len(pods(t, c, "job-name=once")) != 1 {
		t.Fatal("completed pod gone before its 300 s toleration of not-ready ended")
	}
	advance(t, c, 2*time.Minute)
	if ps := pods(t, c, "job-name=once"); len(ps) != 0 {
		t.Errorf("completed pod still there 6 minutes after its node went NotReady (phase %s)", ps[0].Status.Phase)
	}
	if ev := eventsFor(c, ps[0].Name); r10cIndex(ev, "TaintManagerEviction: Marking for deletion Pod default/"+ps[0].Name) < 0 {
		t.Errorf("events %q: want the eviction", ev)
	}
	j := getJob(t, c, "once")
	if j.Status.Succeeded != 1 || jobCond(j, "Complete") == nil {
		t.Errorf("job succeeded=%d conditions %s, want still complete with 1", j.Status.Succeeded, condSummary(j.Status.Conditions))
	}
	advance(t, c, time.Hour)
	if ps := pods(t, c, "job-name=once"); len(ps) != 0 {
		t.Errorf("a complete job made %d new pods", len(ps))
	}
}
