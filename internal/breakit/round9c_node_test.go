package breakit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// r9cNode returns the stored node, or nil.
func r9cNode(t *testing.T, c *orchestra.Cluster, name string) *workload.Node {
	t.Helper()
	o, err := c.Get("Node", "", name)
	if err != nil {
		return nil
	}
	return o.(*workload.Node)
}

// r9cPod returns the stored pod default/name, or nil.
func r9cPod(t *testing.T, c *orchestra.Cluster, name string) *workload.Pod {
	t.Helper()
	o, err := c.Get("Pod", "default", name)
	if err != nil {
		return nil
	}
	return o.(*workload.Pod)
}

func r9cConds(n *workload.Node) string {
	var b strings.Builder
	for _, c := range n.Status.Conditions {
		fmt.Fprintf(&b, "%s=%s %s %q hb=%s tr=%s; ", c.Type, c.Status, c.Reason, c.Message, since(&c.LastHeartbeatTime), since(&c.LastTransitionTime))
	}
	return b.String()
}

func r9cTaints(n *workload.Node) string {
	var out []string
	for _, t := range n.Spec.Taints {
		out = append(out, t.Key+":"+t.Effect)
	}
	return strings.Join(out, ",")
}

// A Node applied through Cluster.Apply has no kubelet (no runtime reports
// it). Kubernetes' node lifecycle controller gives a node whose kubelet
// never posted its status Ready, MemoryPressure, DiskPressure and
// PIDPressure Unknown, reason NodeStatusNeverUpdated, message "Kubelet
// never posted node status.", lastHeartbeatTime its creation
// (pkg/controller/nodelifecycle tryUpdateNodeHealth), and Ready Unknown
// taints it node.kubernetes.io/unreachable with both effects. orchestra
// has no grace periods: it does so at once.
func TestR9cAppliedNodeNeverPostedStatus(t *testing.T) {
	c := newCluster(t, "a")
	advance(t, c, time.Minute)
	applyYAML(t, c, `
apiVersion: v1
kind: Node
metadata: {name: ghost, labels: {role: ghost}}
`)
	advance(t, c, time.Second)
	n := r9cNode(t, c, "ghost")
	if n == nil {
		t.Fatal("applied node gone")
	}
	want := `Ready=Unknown NodeStatusNeverUpdated "Kubelet never posted node status." hb=1m0s tr=1m0s; ` +
		`MemoryPressure=Unknown NodeStatusNeverUpdated "Kubelet never posted node status." hb=1m0s tr=1m0s; ` +
		`DiskPressure=Unknown NodeStatusNeverUpdated "Kubelet never posted node status." hb=1m0s tr=1m0s; ` +
		`PIDPressure=Unknown NodeStatusNeverUpdated "Kubelet never posted node status." hb=1m0s tr=1m0s; `
	if got := r9cConds(n); got != want {
		t.Errorf("conditions of an applied node:\n got %s\nwant %s", got, want)
	}
	if got, want := r9cTaints(n), "node.kubernetes.io/unreachable:NoExecute,node.kubernetes.io/unreachable:NoSchedule"; got != want {
		t.Errorf("taints %s, want %s", got, want)
	}
	// The runtime's node keeps its own conditions: Ready True, none
	// Unknown.
	a := r9cNode(t, c, "a")
	for _, cd := range a.Status.Conditions {
		if cd.Status == workload.ConditionUnknown || cd.Type == workload.NodeReady && cd.Status != workload.ConditionTrue {
			t.Errorf("runtime node a: %s", r9cConds(a))
			break
		}
	}
}

// A pod bound (spec.nodeName) to a Node object without a kubelet stays
// Pending in Kubernetes: no kubelet admits or runs it, and the pod GC's
// gcOrphaned only takes pods whose node does not exist. The taint manager
// evicts it once its unreachable toleration (300 s by default) is over.
// orchestra treated it as an orphan: Failed (DeletionByPodGC) 40 s later.
func TestR9cPodOnAppliedNodeStaysPending(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Node
metadata: {name: ghost}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  nodeName: ghost
  containers: [{name: c, image: nginx}]
`)
	advance(t, c, 299*time.Second)
	p := r9cPod(t, c, "p")
	if p == nil {
		t.Fatalf("pod gone before its toleration ran out; events %q", eventsFor(c, "p"))
	}
	if p.Status.Phase != workload.PodPending || p.DeletionTimestamp != nil || p.Status.Reason != "" {
		t.Errorf("pod on a node without a kubelet: phase %s reason %q deleting %v, want Pending", p.Status.Phase, p.Status.Reason, p.DeletionTimestamp != nil)
	}
	if ev := eventsFor(c, "p"); len(ev) != 0 {
		t.Errorf("events %q: no kubelet, no event", ev)
	}
	if got := c.Fake().Calls(); len(got) != 0 {
		for _, call := range got {
			if call.Method == "CreatePod" {
				t.Errorf("the runtime was asked to create the pod: %+v", call)
			}
		}
	}
	advance(t, c, 2*time.Second)
	if ev := eventsFor(c, "p"); !strings.Contains(strings.Join(ev, "|"), "TaintManagerEviction") {
		t.Errorf("events %q after 301 s, want TaintManagerEviction", ev)
	}
}

// A pod waiting on a Node object without a kubelet starts once the
// runtime reports a node of that name (a kubelet registers against the
// existing Node object): the node is Ready, its unreachable taints go, the
// pod runs.
func TestR9cAppliedNodeThenRuntimeNode(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Node
metadata: {name: late}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  nodeName: late
  containers: [{name: c, image: nginx}]
`)
	advance(t, c, time.Minute)
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "late"}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	n := r9cNode(t, c, "late")
	if n == nil || r9cTaints(n) != "" || !strings.Contains(r9cConds(n), "Ready=True") {
		t.Fatalf("node after the runtime reported it: %v %s", r9cTaints(n), r9cConds(n))
	}
	p := r9cPod(t, c, "p")
	if p == nil || p.Status.Phase != workload.PodRunning || !controller.IsPodReady(p) {
		t.Fatalf("pod %v after its node's kubelet registered, want Running and Ready; events %q", p, eventsFor(c, "p"))
	}
}

// Deleting a Node object without a kubelet makes the pods bound to it
// orphans: the pod GC's quarantine (40 s), then Failed with
// DisruptionTarget DeletionByPodGC.
func TestR9cAppliedNodeDeletedOrphansItsPods(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Node
metadata: {name: ghost}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  nodeName: ghost
  tolerations: [{operator: Exists}]
  containers: [{name: c, image: nginx}]
`)
	advance(t, c, time.Hour)
	if p := r9cPod(t, c, "p"); p == nil || p.Status.Phase != workload.PodPending {
		t.Fatalf("pod tolerating everything on a node without a kubelet: %v, want Pending", p)
	}
	if err := c.Delete("Node", "", "ghost", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 39*time.Second)
	if p := r9cPod(t, c, "p"); p == nil {
		t.Fatal("pod gone before the orphan quarantine")
	}
	advance(t, c, 2*time.Second)
	if p := r9cPod(t, c, "p"); p != nil {
		t.Fatalf("pod of a deleted node after 41 s: phase %s, want gone", p.Status.Phase)
	}
}

// r9cEndingRuntime is a fake runtime whose watches the test can end, as a
// real runtime's watch ends when its connection drops; the cluster then
// lists the runtime again.
type r9cEndingRuntime struct {
	*fake.Runtime
	mu sync.Mutex
	ws []*r9cEndingWatch
}

type r9cEndingWatch struct {
	workload.Watcher
	mu    sync.Mutex
	ended bool
	done  chan struct{}
}

var errR9cEnded = errors.New("watch ended")

func (w *r9cEndingWatch) isEnded() bool { w.mu.Lock(); defer w.mu.Unlock(); return w.ended }

func (w *r9cEndingWatch) TryNext() (workload.WatchEvent, bool) {
	if w.isEnded() {
		return workload.WatchEvent{}, false
	}
	return w.Watcher.TryNext()
}

func (w *r9cEndingWatch) Ready() <-chan struct{} {
	if w.isEnded() {
		return w.done
	}
	return w.Watcher.Ready()
}

func (w *r9cEndingWatch) Err() error {
	if w.isEnded() {
		return errR9cEnded
	}
	return w.Watcher.Err()
}

func (r *r9cEndingRuntime) Watch(ctx context.Context, version uint64) (workload.Watcher, error) {
	w, err := r.Runtime.Watch(ctx, version)
	if err != nil {
		return nil, err
	}
	ew := &r9cEndingWatch{Watcher: w, done: make(chan struct{})}
	r.mu.Lock()
	r.ws = append(r.ws, ew)
	r.mu.Unlock()
	return ew, nil
}

func (r *r9cEndingRuntime) endWatches() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.ws {
		w.mu.Lock()
		if !w.ended {
			w.ended = true
			close(w.done)
		}
		w.mu.Unlock()
	}
}

// A relist of the runtime (its watch ended) removes the runtime's nodes
// that went meanwhile, but not a Node object applied to the API: no
// runtime ever reported it, as no kubelet deletes a Node object it never
// registered. It used to delete every Node the runtime did not list.
func TestR9cRelistKeepsAppliedNode(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	f, err := fake.New(fake.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rt := &r9cEndingRuntime{Runtime: f}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, n := range []string{"a", "b"} {
		if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			t.Fatal(err)
		}
	}
	applyYAML(t, c, "apiVersion: v1\nkind: Node\nmetadata: {name: ghost}\n")
	advance(t, c, time.Second)
	rt.endWatches()
	if err := f.RemoveNode("b"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	var got []string
	for _, o := range c.Store().List("Node", "", nil) {
		got = append(got, o.GetObjectMeta().Name)
	}
	if strings.Join(got, ",") != "a,ghost" {
		t.Errorf("nodes after a relist: %v, want [a ghost] (b left the runtime, ghost was applied)", got)
	}
}

// A scenario's Node object (under objects or in a manifest) is applied as
// a Node object without a kubelet: the scenario warns, the node is
// Unknown and tainted unreachable, and nothing runs there.
func TestR9cScenarioNodeObjectWarns(t *testing.T) {
	s, err := scenario.Parse([]byte(`
nodes: [{name: a}]
objects:
  - {apiVersion: v1, kind: Node, metadata: {name: ghost}}
  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: d}
    spec:
      selector: {matchLabels: {app: d}}
      template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c, image: x}]}}
run: 10m
`), "node-object.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := "Node/ghost: a Node object has no kubelet here: it stays Unknown, tainted unreachable, and runs no pods (declare nodes under nodes: or with addNode)"
	if !strings.Contains(strings.Join(s.Warnings, "\n"), want) {
		t.Errorf("warnings %q, want %q", s.Warnings, want)
	}
	r, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ghost *workload.Node
	for _, n := range r.Nodes {
		if n.Name == "ghost" {
			ghost = n
		}
	}
	if ghost == nil || !strings.HasPrefix(r9cConds(ghost), "Ready=Unknown NodeStatusNeverUpdated") {
		t.Fatalf("ghost at the end: %+v", ghost)
	}
	for _, p := range r.Pods {
		if p.Spec.NodeName == "ghost" {
			t.Errorf("daemon pod %s on a node without a kubelet (its unreachable:NoSchedule taint is not tolerated)", p.Name)
		}
	}
	if len(r.Pods) != 1 {
		t.Errorf("%d pods, want the daemon pod of a", len(r.Pods))
	}
}

// A Node the runtime reports, changed through the API (Apply), keeps the
// change across the runtime's later reports, as a Node labelled or
// cordoned with kubectl keeps it while its kubelet posts status: the
// kubelet owns the labels it sets (and reconciles them), the API the
// rest. orchestra's mirror replaced the stored node's labels and
// spec.unschedulable with the runtime's on every report, so an applied
// label or cordon vanished at the node's next status change, and Apply
// itself dropped the runtime's labels (kubernetes.io/hostname, os, arch)
// until then.
func TestR9cAppliedChangeToRuntimeNodeSticks(t *testing.T) {
	c := newCluster(t, "a", "b")
	ssd := "ssd"
	if err := c.Fake().SetNodeLabels("a", map[string]*string{"disk": &ssd}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	applyYAML(t, c, `
apiVersion: v1
kind: Node
metadata: {name: a, labels: {team: blue}}
spec: {unschedulable: true}
`)
	n := r9cNode(t, c, "a")
	for _, k := range []string{"team", "disk", workload.LabelHostname, workload.LabelOS} {
		if _, ok := n.Labels[k]; !ok {
			t.Errorf("label %s missing right after Apply: %v", k, n.Labels)
		}
	}
	advance(t, c, time.Second)
	// The runtime reports the node again: a label of its own changes, one
	// goes.
	gold := "gold"
	if err := c.Fake().SetNodeLabels("a", map[string]*string{"tier": &gold, "disk": nil}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	n = r9cNode(t, c, "a")
	if n.Labels["team"] != "blue" || n.Labels["tier"] != "gold" || n.Labels[workload.LabelHostname] != "a" {
		t.Errorf("labels after a runtime report %v, want team=blue (API), tier=gold and hostname (runtime)", n.Labels)
	}
	if _, ok := n.Labels["disk"]; ok {
		t.Errorf("labels %v: the runtime removed disk", n.Labels)
	}
	if !n.Spec.Unschedulable || !strings.Contains(r9cTaints(n), workload.TaintNodeUnschedulable) {
		t.Errorf("cordon through the API undone by a runtime report: unschedulable %v taints %s", n.Spec.Unschedulable, r9cTaints(n))
	}
	applyYAML(t, c, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n")
	advance(t, c, time.Second)
	if p := r9cPod(t, c, "p"); p == nil || p.Spec.NodeName != "b" {
		t.Errorf("pod on %v, want b (a is cordoned)", p)
	}
	// The runtime's own cordon and uncordon still count.
	if err := c.Fake().Cordon("b"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if err := c.Fake().Uncordon("b"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if n := r9cNode(t, c, "b"); n.Spec.Unschedulable {
		t.Errorf("b cordoned and uncordoned through the runtime: unschedulable")
	}
}

// In a scenario, applying a Node of the scenario relabels or cordons it
// through the API (no warning), and a later setNodeLabels keeps it.
func TestR9cScenarioApplyDeclaredNode(t *testing.T) {
	s, err := scenario.Parse([]byte(`
nodes: [{name: a}, {name: b}]
steps:
  - at: 1m
    apply: {apiVersion: v1, kind: Node, metadata: {name: a, labels: {team: blue}}}
  - at: 2m
    setNodeLabels: {name: a, labels: {tier: gold}}
run: 3m
`), "apply-node.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("warnings %q for applying a node of the scenario", s.Warnings)
	}
	r, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range r.Nodes {
		if n.Name == "a" && (n.Labels["team"] != "blue" || n.Labels["tier"] != "gold") {
			t.Errorf("labels of a at the end: %v, want team=blue and tier=gold", n.Labels)
		}
	}
}

// A Node object deleted through the API while its runtime runs it leaves
// pods bound to a node that does not exist. Kubernetes' pod GC
// (gcOrphaned) quarantines them 40 s, then marks each Failed with
// DisruptionTarget DeletionByPodGC ("PodGC: node no longer exists") and
// force-deletes it; the ReplicaSet replaces it on a node that exists.
// orchestra left them Running, bound to no node, for ever.
func TestR9cDeletedNodeObjectOrphansItsPods(t *testing.T) {
	c := newCluster(t, "a", "b")
	if err := c.Fake().Cordon("b"); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: w}
spec:
  replicas: 1
  selector: {matchLabels: {app: w}}
  template:
    metadata: {labels: {app: w}}
    spec: {containers: [{name: c, image: x}]}
`)
	advance(t, c, 10*time.Second)
	old := pods(t, c, "app=w")
	if len(old) != 1 || old[0].Spec.NodeName != "a" {
		t.Fatalf("pods %v, want one on a", old)
	}
	if err := c.Fake().Uncordon("b"); err != nil {
		t.Fatal(err)
	}
	var gone *workload.Pod
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && p.Name == old[0].Name && p.Status.Phase == workload.PodFailed && gone == nil {
			gone = p.DeepCopy()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Node", "", "a", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 39*time.Second)
	if p := r9cPod(t, c, old[0].Name); p == nil || p.Status.Phase != workload.PodRunning {
		t.Fatalf("pod before the quarantine's end: %v, want Running", p)
	}
	advance(t, c, 2*time.Second)
	if p := r9cPod(t, c, old[0].Name); p != nil {
		t.Errorf("pod of the deleted node after 41 s: phase %s deleting %v, want gone", p.Status.Phase, p.DeletionTimestamp != nil)
	}
	if gone == nil {
		t.Fatal("the pod was never Failed")
	}
	if cond := controller.PodCondition(gone, workload.DisruptionTarget); cond == nil || cond.Reason != "DeletionByPodGC" || cond.Message != "PodGC: node no longer exists" {
		t.Errorf("DisruptionTarget %+v, want DeletionByPodGC", cond)
	}
	if _, err := c.Fake().GetPod("default", old[0].Name); err == nil {
		t.Errorf("the runtime still runs the deleted pod")
	}
	now := pods(t, c, "app=w")
	if len(now) != 1 || now[0].Spec.NodeName != "b" {
		t.Errorf("pods %v, want the replacement on b", now)
	}
}
