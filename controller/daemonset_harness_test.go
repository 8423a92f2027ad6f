package controller

import (
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// Harness tests of the DaemonSet controller: a virtual clock and a store,
// no runtime and no scheduler. dsHarness.kubelet plays both: it binds each
// daemon pod to the node its affinity names and reports it Running (and
// Ready unless the test says otherwise).

type dsHarness struct {
	*harness
	// ready decides whether the kubelet reports a pod Ready.
	ready func(*workload.Pod) bool
}

func newDSHarness(t *testing.T, more ...func(Deps) Controller) *dsHarness {
	h := newHarness(t, append([]func(Deps) Controller{NewDaemonSet}, more...)...)
	return &dsHarness{harness: h, ready: func(*workload.Pod) bool { return true }}
}

func (h *dsHarness) addNode(name string, mut ...func(*workload.Node)) {
	h.t.Helper()
	h.create(dsNode(name, mut...))
}

func (h *dsHarness) updateNode(name string, mut func(*workload.Node)) {
	h.t.Helper()
	n := h.get("Node", "", name).(*workload.Node)
	mut(n)
	if _, err := h.store.Update(n); err != nil {
		h.t.Fatal(err)
	}
}

func (h *dsHarness) deleteNode(name string) {
	h.t.Helper()
	if _, err := h.store.Delete("Node", "", name, store.DeleteOptions{}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *dsHarness) updateDS(name string, mut func(*workload.DaemonSet)) {
	h.t.Helper()
	ds := h.get("DaemonSet", "default", name).(*workload.DaemonSet)
	mut(ds)
	if _, err := h.store.Update(ds); err != nil {
		h.t.Fatal(err)
	}
}

func (h *dsHarness) ds(name string) *workload.DaemonSet {
	h.t.Helper()
	return h.get("DaemonSet", "default", name).(*workload.DaemonSet)
}

// kubelet binds unbound pods to their target node (when it exists) and
// reports pods Running, Ready per h.ready; then settles.
func (h *dsHarness) kubelet() {
	h.t.Helper()
	h.settle()
	for _, p := range h.pods("") {
		if p.DeletionTimestamp != nil || IsPodTerminal(p) {
			continue
		}
		if p.Spec.NodeName == "" {
			target := targetNodeName(p)
			if _, err := h.store.Get("Node", "", target); err != nil {
				continue
			}
			p.Spec.NodeName = target
			if _, err := h.store.Update(p); err != nil {
				h.t.Fatal(err)
			}
		}
		ready := h.ready(p)
		if p.Status.Phase != workload.PodRunning || IsPodReady(p) != ready {
			h.setPodStatus(p.Namespace, p.Name, workload.PodRunning, ready)
		}
	}
	h.settle()
}

// nodePods returns, per node, the names of the DaemonSet's pods aimed at
// it that are not being deleted.
func (h *dsHarness) nodePods(ds string) map[string][]string {
	out := map[string][]string{}
	uid := h.ds(ds).UID
	for _, p := range h.pods("") {
		if IsControlledBy(p, uid) && p.DeletionTimestamp == nil {
			n := targetNodeName(p)
			out[n] = append(out[n], p.Name)
		}
	}
	return out
}

// nodesOf returns the sorted nodes that have a pod of ds.
func (h *dsHarness) nodesOf(ds string) []string {
	return dsSortedKeys(h.nodePods(ds))
}

// hashes returns, per node, the controller-revision-hash of ds's pods.
func (h *dsHarness) hashes(ds string) map[string][]string {
	out := map[string][]string{}
	uid := h.ds(ds).UID
	for _, p := range h.pods("") {
		if IsControlledBy(p, uid) && p.DeletionTimestamp == nil {
			n := targetNodeName(p)
			out[n] = append(out[n], p.Labels[workload.ControllerRevisionHashLabel])
		}
	}
	return out
}

type dsStatus struct {
	Desired, Current, Misscheduled, Ready, Updated, Available, Unavailable int32
	ObservedGeneration                                                     int64
}

func (h *dsHarness) status(name string) dsStatus {
	s := h.ds(name).Status
	return dsStatus{s.DesiredNumberScheduled, s.CurrentNumberScheduled, s.NumberMisscheduled, s.NumberReady,
		s.UpdatedNumberScheduled, s.NumberAvailable, s.NumberUnavailable, s.ObservedGeneration}
}

// events returns "Reason: message" of the events about ds, by first time.
func (h *dsHarness) dsEvents(name, reason string) []*workload.Event {
	var out []*workload.Event
	for _, e := range h.rec.Events() {
		if e.InvolvedObject.Kind == "DaemonSet" && e.InvolvedObject.Name == name && (reason == "" || e.Reason == reason) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FirstTimestamp.Before(out[j].FirstTimestamp.Time) })
	return out
}

func dsSetImage(img string) func(*workload.DaemonSet) {
	return func(ds *workload.DaemonSet) { ds.Spec.Template.Spec.Containers[0].Image = img }
}

func TestDaemonSetNodesJoinAndLeave(t *testing.T) {
	h := newDSHarness(t)
	for _, n := range []string{"n1", "n2", "n3"} {
		h.addNode(n)
	}
	h.create(testDS("agent"))
	h.settle()
	if got := h.nodesOf("agent"); !cmp.Equal(got, []string{"n1", "n2", "n3"}) {
		t.Fatalf("pods on %v, want n1..n3", got)
	}
	for _, p := range h.pods("") {
		if p.Spec.NodeName != "" {
			t.Errorf("pod %s created bound to %s; daemon pods go through the scheduler", p.Name, p.Spec.NodeName)
		}
	}
	if got, want := h.status("agent"), (dsStatus{3, 3, 0, 0, 3, 0, 3, 1}); got != want {
		t.Errorf("status %+v, want %+v", got, want)
	}
	h.kubelet()
	if got, want := h.status("agent"), (dsStatus{3, 3, 0, 3, 3, 3, 0, 1}); got != want {
		t.Errorf("status %+v, want %+v", got, want)
	}
	before := h.nodePods("agent")

	h.addNode("n4")
	h.settle()
	after := h.nodePods("agent")
	if len(after["n4"]) != 1 {
		t.Fatalf("n4 has pods %v, want one", after["n4"])
	}
	delete(after, "n4")
	if !cmp.Equal(before, after) {
		t.Errorf("a node join touched other nodes' pods: before %v after %v", before, after)
	}
	h.kubelet()

	// A node leaves: its bound pod is pod GC's business; the status forgets it.
	h.deleteNode("n2")
	h.settle()
	if got, want := h.status("agent"), (dsStatus{3, 3, 0, 3, 3, 3, 0, 1}); got != want {
		t.Errorf("after n2 left: status %+v, want %+v", got, want)
	}
	// A node that leaves before its pod was bound: the pod goes.
	h.addNode("n5")
	h.settle()
	if len(h.nodePods("agent")["n5"]) != 1 {
		t.Fatal("no pod for n5")
	}
	h.deleteNode("n5")
	h.settle()
	if got := h.nodePods("agent")["n5"]; len(got) != 0 {
		t.Errorf("unbound pod %v aimed at a deleted node kept", got)
	}
	if n := len(h.dsEvents("agent", EventSuccessfulCreate)); n != 5 {
		t.Errorf("%d SuccessfulCreate events, want 5", n)
	}
	if n := len(h.dsEvents("agent", EventSuccessfulDelete)); n != 1 {
		t.Errorf("%d SuccessfulDelete events, want 1", n)
	}
}

func dsLoadManifest(t *testing.T, path string) *workload.DaemonSet {
	t.Helper()
	objs, _, err := workload.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 {
		t.Fatalf("%s: %d objects", path, len(objs))
	}
	return objs[0].(*workload.DaemonSet)
}

const dsManifests = "../examples/manifests/"

// TestDaemonSetNodeSelectorSSD plays the ssd manifest: pods only on nodes
// labelled ssd=true, following label removal and re-adding.
func TestDaemonSetNodeSelectorSSD(t *testing.T) {
	h := newDSHarness(t)
	h.addNode("fast1", dsWithLabel("ssd", "true"))
	h.addNode("fast2", dsWithLabel("ssd", "true"))
	h.addNode("slow", dsWithLabel("ssd", "false"))
	h.addNode("plain")
	ds := dsLoadManifest(t, dsManifests+"k8s-daemonset-nodeselector-ssd.yaml")
	h.create(ds)
	h.kubelet()
	if got := h.nodesOf("nginx-ssd"); !cmp.Equal(got, []string{"fast1", "fast2"}) {
		t.Fatalf("pods on %v, want [fast1 fast2]", got)
	}
	for _, p := range h.pods("") {
		if p.Labels["app"] != "web-server" || p.Spec.Containers[0].Image != "nginx:latest" {
			t.Errorf("pod %s: labels %v image %s", p.Name, p.Labels, p.Spec.Containers[0].Image)
		}
	}
	fast1 := h.nodePods("nginx-ssd")["fast1"]

	h.updateNode("fast2", func(n *workload.Node) { delete(n.Labels, "ssd") })
	h.settle()
	if got := h.nodesOf("nginx-ssd"); !cmp.Equal(got, []string{"fast1"}) {
		t.Errorf("after removing the label: pods on %v, want [fast1]", got)
	}
	h.updateNode("slow", func(n *workload.Node) { n.Labels["ssd"] = "true" })
	h.updateNode("fast2", func(n *workload.Node) { n.Labels["ssd"] = "true" })
	h.kubelet()
	if got := h.nodesOf("nginx-ssd"); !cmp.Equal(got, []string{"fast1", "fast2", "slow"}) {
		t.Errorf("after adding labels: pods on %v", got)
	}
	if got := h.nodePods("nginx-ssd")["fast1"]; !cmp.Equal(got, fast1) {
		t.Errorf("fast1's pod changed from %v to %v", fast1, got)
	}
	if got, want := h.status("nginx-ssd"), (dsStatus{3, 3, 0, 3, 3, 3, 0, 1}); got != want {
		t.Errorf("status %+v, want %+v", got, want)
	}
}

// TestDaemonSetFluentdManifest plays the fluentd manifest: workers and an
// old-style master (tolerated) get a pod, a control-plane node does not.
func TestDaemonSetFluentdManifest(t *testing.T) {
	h := newDSHarness(t)
	h.addNode("worker1")
	h.addNode("worker2")
	h.addNode("master", dsWithTaint("node-role.kubernetes.io/master", workload.TaintEffectNoSchedule))
	h.addNode("cp", dsWithTaint(workload.TaintControlPlane, workload.TaintEffectNoSchedule))
	h.create(dsLoadManifest(t, dsManifests+"k8s-fluentd-elasticsearch-daemonset.yaml"))
	h.kubelet()
	ds := h.get("DaemonSet", "kube-system", "fluentd-elasticsearch").(*workload.DaemonSet)
	got := map[string]int{}
	for _, p := range h.pods("kube-system") {
		if IsControlledBy(p, ds.UID) {
			got[p.Spec.NodeName]++
			if p.Spec.Containers[0].Image != "k8s.gcr.io/fluentd-elasticsearch:1.20" {
				t.Errorf("image %s", p.Spec.Containers[0].Image)
			}
			if *p.Spec.TerminationGracePeriodSeconds != 30 {
				t.Errorf("terminationGracePeriodSeconds %d", *p.Spec.TerminationGracePeriodSeconds)
			}
		}
	}
	if want := map[string]int{"worker1": 1, "worker2": 1, "master": 1}; !cmp.Equal(got, want) {
		t.Errorf("pods per node %v, want %v", got, want)
	}
	if ds.Status.DesiredNumberScheduled != 3 || ds.Status.NumberAvailable != 3 {
		t.Errorf("status %+v", ds.Status)
	}
}

func TestDaemonSetTaints(t *testing.T) {
	h := newDSHarness(t)
	for _, n := range []string{"n1", "n2", "n3"} {
		h.addNode(n)
	}
	h.create(testDS("agent"))
	h.kubelet()
	before := h.nodePods("agent")

	// NoSchedule: the running pod stays...
	h.updateNode("n1", dsWithTaint("dedicated", workload.TaintEffectNoSchedule))
	h.settle()
	if got := h.nodePods("agent")["n1"]; !cmp.Equal(got, before["n1"]) {
		t.Errorf("NoSchedule: n1 pods %v, want %v kept", got, before["n1"])
	}
	if got, want := h.status("agent"), (dsStatus{2, 2, 1, 2, 2, 2, 0, 1}); got != want {
		t.Errorf("NoSchedule: status %+v, want %+v", got, want)
	}
	// ...but once gone, it is not replaced.
	if err := DeletePod(h.store, "default", before["n1"][0], nil); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if got := h.nodePods("agent")["n1"]; len(got) != 0 {
		t.Errorf("NoSchedule: a new pod %v was placed", got)
	}
	// NoExecute: the pod goes.
	h.updateNode("n2", dsWithTaint("dedicated", workload.TaintEffectNoExecute))
	h.settle()
	if got := h.nodesOf("agent"); !cmp.Equal(got, []string{"n3"}) {
		t.Errorf("NoExecute: pods on %v, want [n3]", got)
	}
	// Taints removed: pods come back.
	h.updateNode("n1", func(n *workload.Node) { n.Spec.Taints = nil })
	h.updateNode("n2", func(n *workload.Node) { n.Spec.Taints = nil })
	h.kubelet()
	if got := h.nodesOf("agent"); !cmp.Equal(got, []string{"n1", "n2", "n3"}) {
		t.Errorf("untainted: pods on %v", got)
	}
	if got := h.nodePods("agent")["n3"]; !cmp.Equal(got, before["n3"]) {
		t.Errorf("n3's pod changed: %v -> %v", before["n3"], got)
	}
}

// TestDaemonSetCordonedAndNotReadyNodes: daemon pods tolerate cordons and
// node problems, on nodes that have them and nodes that join with them.
func TestDaemonSetCordonedAndNotReadyNodes(t *testing.T) {
	cordon := func(n *workload.Node) {
		n.Spec.Unschedulable = true
		n.Spec.Taints = append(n.Spec.Taints, workload.Taint{Key: workload.TaintNodeUnschedulable, Effect: workload.TaintEffectNoSchedule})
	}
	dsNotReadyPod := func(n *workload.Node) {
		n.Status.Conditions[0].Status = workload.ConditionUnknown
		n.Spec.Taints = append(n.Spec.Taints,
			workload.Taint{Key: workload.TaintNodeNotReady, Effect: workload.TaintEffectNoSchedule},
			workload.Taint{Key: workload.TaintNodeUnreachable, Effect: workload.TaintEffectNoExecute})
	}
	h := newDSHarness(t)
	h.addNode("n1")
	h.addNode("n2")
	h.addNode("cordoned", cordon)
	h.addNode("sick", dsNotReadyPod)
	h.addNode("pressure", dsWithTaint(workload.TaintNodeMemoryPressure, workload.TaintEffectNoSchedule),
		dsWithTaint(workload.TaintNodeDiskPressure, workload.TaintEffectNoSchedule))
	h.create(testDS("agent"))
	h.kubelet()
	// A node that is not ready yet carries not-ready:NoSchedule, which
	// daemon pods do not tolerate (only its NoExecute twin): no pod until it
	// is ready, as in Kubernetes.
	if got := h.nodesOf("agent"); !cmp.Equal(got, []string{"cordoned", "n1", "n2", "pressure"}) {
		t.Fatalf("pods on %v", got)
	}
	before := h.nodePods("agent")
	h.updateNode("n1", cordon)
	h.updateNode("n2", dsNotReadyPod)
	h.settle()
	if got := h.nodePods("agent"); !cmp.Equal(got, before) {
		t.Errorf("cordon / not-ready changed pods: %v -> %v", before, got)
	}
	h.updateNode("sick", func(n *workload.Node) {
		n.Status.Conditions[0].Status = workload.ConditionTrue
		n.Spec.Taints = nil
	})
	h.kubelet()
	if got := h.nodesOf("agent"); !cmp.Equal(got, []string{"cordoned", "n1", "n2", "pressure", "sick"}) {
		t.Errorf("after sick became ready: pods on %v", got)
	}
	for _, p := range h.pods("") {
		var notReadyTol *workload.Toleration
		for i, tol := range p.Spec.Tolerations {
			if tol.Key == workload.TaintNodeNotReady {
				notReadyTol = &p.Spec.Tolerations[i]
			}
		}
		if notReadyTol == nil || notReadyTol.TolerationSeconds != nil || notReadyTol.Effect != workload.TaintEffectNoExecute {
			t.Errorf("pod %s: not-ready toleration %+v", p.Name, notReadyTol)
		}
	}
}

func TestDaemonSetControlPlaneTaint(t *testing.T) {
	h := newDSHarness(t)
	h.addNode("worker")
	h.addNode("cp", dsWithTaint(workload.TaintControlPlane, workload.TaintEffectNoSchedule))
	h.create(testDS("plain"))
	h.create(testDS("everywhere", dsWithToleration(workload.Toleration{Key: workload.TaintControlPlane, Operator: "Exists", Effect: "NoSchedule"})))
	h.kubelet()
	if got := h.nodesOf("plain"); !cmp.Equal(got, []string{"worker"}) {
		t.Errorf("plain: pods on %v, want [worker]", got)
	}
	if got := h.nodesOf("everywhere"); !cmp.Equal(got, []string{"cp", "worker"}) {
		t.Errorf("everywhere: pods on %v, want [cp worker]", got)
	}
}

// checkAvailability fails if fewer than min pods of ds are available.
func (h *dsHarness) availableCount(ds string) int {
	uid := h.ds(ds).UID
	n := 0
	for _, p := range h.pods("") {
		if IsControlledBy(p, uid) && p.DeletionTimestamp == nil && IsPodAvailable(p, h.ds(ds).Spec.MinReadySeconds, h.clock.Now()) {
			n++
		}
	}
	return n
}

// TestDaemonSetRollingUpdateNeverReady: with maxUnavailable 1 and a new
// version that never becomes ready, exactly one node is updated and the
// others stay available; repeated bad updates (Kubernetes #123232) never
// take a second node down.
func TestDaemonSetRollingUpdateNeverReady(t *testing.T) {
	h := newDSHarness(t)
	for i := 1; i <= 5; i++ {
		h.addNode(fmt.Sprintf("n%d", i))
	}
	h.create(testDS("agent"))
	h.kubelet()
	good := h.hashes("agent")["n1"][0]
	h.ready = func(p *workload.Pod) bool { return p.Spec.Containers[0].Image == "img:1" }

	for round, img := range []string{"img:bad2", "img:bad3", "img:bad4"} {
		h.updateDS("agent", dsSetImage(img))
		for i := 0; i < 5; i++ {
			h.kubelet()
			h.advance(time.Minute)
		}
		hashes := h.hashes("agent")
		var updated []string
		for _, n := range dsSortedKeys(hashes) {
			if len(hashes[n]) != 1 {
				t.Fatalf("round %d: node %s has pods %v", round, n, hashes[n])
			}
			if hashes[n][0] != good {
				updated = append(updated, n)
			}
		}
		if len(updated) != 1 {
			t.Errorf("round %d (%s): nodes off the good version %v, want exactly one", round, img, updated)
		}
		if got := h.availableCount("agent"); got != 4 {
			t.Errorf("round %d: %d pods available, want 4", round, got)
		}
		st := h.status("agent")
		if st.Available != 4 || st.Unavailable != 1 || st.Updated != 1 || st.ObservedGeneration != int64(round+2) {
			t.Errorf("round %d: status %+v", round, st)
		}
	}

	// A good version finally: the update completes, never below 4
	// available.
	h.ready = func(*workload.Pod) bool { return true }
	h.updateDS("agent", dsSetImage("img:5"))
	for i := 0; i < 20; i++ {
		h.kubelet()
		if got := h.availableCount("agent"); got < 4 {
			t.Fatalf("step %d: %d available, want >= 4", i, got)
		}
	}
	if got, want := h.status("agent"), (dsStatus{5, 5, 0, 5, 5, 5, 0, 5}); got != want {
		t.Errorf("final status %+v, want %+v", got, want)
	}
}

// TestDaemonSetRollingUpdateProgress: maxUnavailable 2 updates two nodes
// at a time, minReadySeconds holds each step back.
func TestDaemonSetRollingUpdateProgress(t *testing.T) {
	h := newDSHarness(t)
	for i := 1; i <= 6; i++ {
		h.addNode(fmt.Sprintf("n%d", i))
	}
	h.create(testDS("agent", func(ds *workload.DaemonSet) {
		ds.Spec.MinReadySeconds = 10
		ds.Spec.UpdateStrategy.RollingUpdate = &workload.RollingUpdateDaemonSet{MaxUnavailable: workload.Ptr(intstr.FromString("30%"))} // 1.8 -> 2
	}))
	h.kubelet()
	h.advance(10 * time.Second)
	h.updateDS("agent", dsSetImage("img:2"))
	h.settle()
	var updatedPerStep []int32
	for i := 0; i < 3; i++ {
		h.kubelet()
		if got := h.availableCount("agent"); got < 4 {
			t.Fatalf("step %d: %d available, want >= 4", i, got)
		}
		updatedPerStep = append(updatedPerStep, h.status("agent").Updated)
		h.advance(10 * time.Second)
	}
	if want := []int32{2, 4, 6}; !cmp.Equal(updatedPerStep, want) {
		t.Errorf("updated per 10 s step %v, want %v", updatedPerStep, want)
	}
	h.kubelet()
	h.advance(10 * time.Second)
	if got, want := h.status("agent"), (dsStatus{6, 6, 0, 6, 6, 6, 0, 2}); got != want {
		t.Errorf("final status %+v, want %+v", got, want)
	}
}

// TestDaemonSetSurgeUpdate: maxSurge 1, maxUnavailable 0: the new pod runs
// beside the old one, which goes once the new one is available.
func TestDaemonSetSurgeUpdate(t *testing.T) {
	h := newDSHarness(t)
	for i := 1; i <= 3; i++ {
		h.addNode(fmt.Sprintf("n%d", i))
	}
	h.create(testDS("agent", dsSurge))
	h.kubelet()
	h.ready = func(p *workload.Pod) bool { return p.Spec.Containers[0].Image != "img:2" }
	h.updateDS("agent", dsSetImage("img:2"))
	h.kubelet()
	h.advance(time.Minute)
	per := h.nodePods("agent")
	if len(per["n1"]) != 2 || len(per["n2"]) != 1 || len(per["n3"]) != 1 {
		t.Fatalf("pods per node %v, want a surge pod on n1 only", per)
	}
	if got := h.availableCount("agent"); got != 3 {
		t.Errorf("%d available, want 3", got)
	}
	// The new version becomes ready: the rollout proceeds one node at a
	// time, never fewer than 3 available, never more than 4 pods.
	h.ready = func(*workload.Pod) bool { return true }
	for i := 0; i < 10; i++ {
		h.kubelet()
		total := 0
		for _, ps := range h.nodePods("agent") {
			total += len(ps)
		}
		if total > 4 {
			t.Fatalf("step %d: %d pods, want <= 4", i, total)
		}
		if got := h.availableCount("agent"); got < 3 {
			t.Fatalf("step %d: %d available", i, got)
		}
	}
	if got, want := h.status("agent"), (dsStatus{3, 3, 0, 3, 3, 3, 0, 2}); got != want {
		t.Errorf("final status %+v, want %+v", got, want)
	}
	for n, ps := range h.nodePods("agent") {
		if len(ps) != 1 {
			t.Errorf("node %s: pods %v", n, ps)
		}
	}
}

// TestDaemonSetSurgeReplacesUnavailableAtOnce: with surge, an old pod that
// is not available gets its replacement at once, beyond maxSurge.
func TestDaemonSetSurgeReplacesUnavailableAtOnce(t *testing.T) {
	h := newDSHarness(t)
	for i := 1; i <= 3; i++ {
		h.addNode(fmt.Sprintf("n%d", i))
	}
	h.create(testDS("agent", dsSurge))
	h.kubelet()
	h.ready = func(p *workload.Pod) bool { return targetNodeName(p) != "n3" && p.Spec.Containers[0].Image == "img:1" }
	h.kubelet() // n3's pod is not ready now
	h.updateDS("agent", dsSetImage("img:2"))
	h.settle()
	ds := h.ds("agent")
	cur := TemplateHash(&ds.Spec.Template, nil)
	per := h.hashes("agent")
	// n1: a surge pod beside the old one (the budget of 1); n3: its
	// replacement started at once and the old pod, not ready, deleted.
	if len(per["n1"]) != 2 || len(per["n2"]) != 1 || !cmp.Equal(per["n3"], []string{cur}) {
		t.Errorf("pods per node %v (current %s), want a surge pod on n1 and n3 replaced", per, cur)
	}
}

func TestDaemonSetOnDelete(t *testing.T) {
	h := newDSHarness(t)
	for i := 1; i <= 3; i++ {
		h.addNode(fmt.Sprintf("n%d", i))
	}
	h.create(testDS("agent", func(ds *workload.DaemonSet) {
		ds.Spec.UpdateStrategy = workload.DaemonSetUpdateStrategy{Type: workload.OnDeleteStrategy}
	}))
	h.kubelet()
	before := h.nodePods("agent")
	oldHash := h.hashes("agent")["n1"][0]
	h.updateDS("agent", dsSetImage("img:2"))
	h.kubelet()
	h.advance(time.Hour)
	if got := h.nodePods("agent"); !cmp.Equal(got, before) {
		t.Fatalf("OnDelete replaced pods: %v -> %v", before, got)
	}
	if st := h.status("agent"); st.Updated != 0 || st.Available != 3 {
		t.Errorf("status %+v", st)
	}
	if err := DeletePod(h.store, "default", before["n2"][0], nil); err != nil {
		t.Fatal(err)
	}
	h.kubelet()
	hashes := h.hashes("agent")
	if hashes["n1"][0] != oldHash || hashes["n3"][0] != oldHash || hashes["n2"][0] == oldHash {
		t.Errorf("hashes %v: want only n2 updated", hashes)
	}
	if st := h.status("agent"); st.Updated != 1 {
		t.Errorf("status %+v, want 1 updated", st)
	}
}

// TestDaemonSetFailedPodBackoff: a daemon pod that fails at once is
// deleted and recreated 0, 1, 3, 7, 15, 31 s after the first failure (the
// back-off doubles from 1 s), on its node only.
func TestDaemonSetFailedPodBackoff(t *testing.T) {
	h := newDSHarness(t)
	h.addNode("bad")
	h.addNode("good")
	h.create(testDS("agent"))
	h.kubelet()
	goodPod := h.nodePods("agent")["good"]
	start := h.clock.Now()
	end := start.Add(40 * time.Second)
	for {
		changed := false
		for _, p := range h.pods("") {
			if targetNodeName(p) == "bad" && p.Status.Phase != workload.PodFailed && p.DeletionTimestamp == nil {
				p.Spec.NodeName = "bad"
				if _, err := h.store.Update(p); err != nil {
					t.Fatal(err)
				}
				h.setPodStatus(p.Namespace, p.Name, workload.PodFailed, false)
				changed = true
			}
		}
		h.settle()
		if changed {
			continue
		}
		next, ok := h.clock.Next()
		if !ok || next.After(end) {
			break
		}
		h.clock.AdvanceTo(next)
		h.settle()
	}
	var got []time.Duration
	for _, e := range h.dsEvents("agent", EventSuccessfulDelete) {
		got = append(got, e.FirstTimestamp.Sub(start))
	}
	want := []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second, 15 * time.Second, 31 * time.Second}
	if !cmp.Equal(got, want) {
		t.Errorf("deletions at %v, want %v", got, want)
	}
	failed := h.dsEvents("agent", EventFailedDaemonPod)
	if len(failed) != len(want) {
		t.Errorf("%d FailedDaemonPod events, want %d", len(failed), len(want))
	} else if msg := failed[0].Message; !dsContains(msg, "Found failed daemon pod default/") || !dsContains(msg, "on node bad, will try to kill it") {
		t.Errorf("message %q", msg)
	}
	if got := h.nodePods("agent")["good"]; !cmp.Equal(got, goodPod) {
		t.Errorf("good node's pod changed: %v -> %v", goodPod, got)
	}
	if per := h.nodePods("agent"); len(per["bad"]) > 1 {
		t.Errorf("two pods on bad: %v", per["bad"])
	}
}

func TestDaemonSetSucceededPodReplaced(t *testing.T) {
	h := newDSHarness(t)
	h.addNode("n1")
	h.create(testDS("agent"))
	h.kubelet()
	old := h.nodePods("agent")["n1"][0]
	h.setPodStatus("default", old, workload.PodSucceeded, false)
	h.settle()
	got := h.nodePods("agent")["n1"]
	if len(got) != 1 || got[0] == old {
		t.Errorf("n1 pods %v, want one new pod instead of %s", got, old)
	}
	// Kubernetes' podsShouldBeOnNode reports it with a Normal event.
	ev := h.dsEvents("agent", EventSucceededDaemonPod)
	if want := "Found succeeded daemon pod default/" + old + " on node n1, will try to delete it"; len(ev) != 1 || ev[0].Message != want || ev[0].Type != workload.EventTypeNormal {
		t.Errorf("SucceededDaemonPod events %v, want one Normal %q", ev, want)
	}
}

// TestDaemonSetOrphanAndAdopt: deleting with Orphan leaves the pods; a new
// DaemonSet with the same selector adopts them and rolls them to its own
// template; deleting that one (Background) removes them.
func TestDaemonSetOrphanAndAdopt(t *testing.T) {
	h := newDSHarness(t, func(d Deps) Controller {
		d.Logger = slog.New(slog.DiscardHandler) // the harness leaves it nil
		return NewGarbageCollector(d)
	})
	for i := 1; i <= 3; i++ {
		h.addNode(fmt.Sprintf("n%d", i))
	}
	h.create(testDS("agent"))
	h.kubelet()
	pods := h.nodePods("agent")
	if _, err := h.store.Delete("DaemonSet", "default", "agent", store.DeleteOptions{PropagationPolicy: store.DeleteOrphan}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if _, err := h.store.Get("DaemonSet", "default", "agent"); err == nil {
		t.Fatal("DaemonSet still there")
	}
	var orphans []string
	for _, p := range h.pods("") {
		if workload.ControllerOf(p) != nil {
			t.Errorf("pod %s still has a controller", p.Name)
		}
		orphans = append(orphans, p.Name)
	}
	if len(orphans) != 3 {
		t.Fatalf("orphans %v, want 3", orphans)
	}

	h.create(testDS("agent", dsSetImage("img:2"), func(ds *workload.DaemonSet) { ds.UID = "" }))
	h.settle()
	adopted := h.nodePods("agent")
	if !cmp.Equal(adopted, pods) {
		// With maxUnavailable 1 one of them is already being replaced.
		n := 0
		for node, ps := range pods {
			if cmp.Equal(adopted[node], ps) {
				n++
			}
		}
		if n != 2 {
			t.Errorf("adopted %v from %v: want all adopted, one replaced", adopted, pods)
		}
	}
	for i := 0; i < 10; i++ {
		h.kubelet()
	}
	for n, hs := range h.hashes("agent") {
		if len(hs) != 1 || hs[0] != h.hashes("agent")["n1"][0] {
			t.Errorf("node %s hashes %v", n, hs)
		}
	}
	for _, p := range h.pods("") {
		if p.Spec.Containers[0].Image != "img:2" {
			t.Errorf("pod %s still runs %s", p.Name, p.Spec.Containers[0].Image)
		}
		if slices.Contains(orphans, p.Name) {
			t.Errorf("orphan %s not replaced", p.Name)
		}
	}
	if got, want := h.status("agent"), (dsStatus{3, 3, 0, 3, 3, 3, 0, 1}); got != want {
		t.Errorf("status %+v, want %+v", got, want)
	}

	if _, err := h.store.Delete("DaemonSet", "default", "agent", store.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if got := h.pods(""); len(got) != 0 {
		t.Errorf("pods left after a Background delete: %v", dsPodNames(got))
	}
}

// TestDaemonSetReleasesRelabelledPod: a pod whose labels stop matching is
// released and replaced.
func TestDaemonSetReleasesRelabelledPod(t *testing.T) {
	h := newDSHarness(t)
	h.addNode("n1")
	h.create(testDS("agent"))
	h.kubelet()
	name := h.nodePods("agent")["n1"][0]
	p := h.get("Pod", "default", name).(*workload.Pod)
	p.Labels["app"] = "debug"
	if _, err := h.store.Update(p); err != nil {
		t.Fatal(err)
	}
	h.settle()
	p = h.get("Pod", "default", name).(*workload.Pod)
	if workload.ControllerOf(p) != nil {
		t.Errorf("relabelled pod still controlled: %+v", p.OwnerReferences)
	}
	if got := h.nodePods("agent")["n1"]; len(got) != 1 || got[0] == name {
		t.Errorf("n1 pods %v, want a new one", got)
	}
}

// TestDaemonSetRevisions: each template gets a ControllerRevision with
// increasing numbers; history beyond revisionHistoryLimit is trimmed, and
// a revision still used by a pod is kept.
func TestDaemonSetRevisions(t *testing.T) {
	h := newDSHarness(t)
	h.addNode("n1")
	h.create(testDS("agent", func(ds *workload.DaemonSet) {
		ds.Spec.RevisionHistoryLimit = workload.Ptr[int32](1)
		ds.Spec.UpdateStrategy = workload.DaemonSetUpdateStrategy{Type: workload.OnDeleteStrategy}
	}))
	h.kubelet()
	for i := 2; i <= 4; i++ {
		h.updateDS("agent", dsSetImage(fmt.Sprintf("img:%d", i)))
		h.settle()
	}
	type rev struct {
		Hash     string
		Revision int64
	}
	var got []rev
	for _, o := range h.store.List("ControllerRevision", "default", nil) {
		r := o.(*workload.ControllerRevision)
		got = append(got, rev{r.Labels[workload.ControllerRevisionHashLabel], r.Revision})
		if ref := workload.ControllerOf(r); ref == nil || ref.Name != "agent" {
			t.Errorf("revision %s owner %+v", r.Name, ref)
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Revision < got[j].Revision })
	podHash := h.hashes("agent")["n1"][0]
	ds := h.ds("agent")
	cur := TemplateHash(&ds.Spec.Template, nil)
	// Revision 1 (used by the pod, OnDelete), 3 (history limit 1), 4 (current).
	if len(got) != 3 || got[0] != (rev{podHash, 1}) || got[1].Revision != 3 || got[2] != (rev{cur, 4}) {
		t.Errorf("revisions %+v (pod hash %s, current %s)", got, podHash, cur)
	}
	// Back to the first template: its revision becomes the newest.
	h.updateDS("agent", dsSetImage("img:1"))
	h.settle()
	r := h.get("ControllerRevision", "default", "agent-"+podHash).(*workload.ControllerRevision)
	if r.Revision != 5 {
		t.Errorf("rolled-back revision number %d, want 5", r.Revision)
	}
}

// TestDaemonSetNeverTwoPodsPerNode: seeded random churn of nodes, labels,
// taints, pod failures and template updates; after every step no node
// has two pods of the DaemonSet unless one is a surge pod of the current
// revision beside an old one.
func TestDaemonSetNeverTwoPodsPerNode(t *testing.T) {
	for seed := int64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := newDSRand(seed)
			h := newDSHarness(t)
			surge := seed%2 == 0
			h.create(testDS("agent", func(ds *workload.DaemonSet) {
				ds.Spec.Template.Spec.NodeSelector = map[string]string{"pool": "a"}
				if surge {
					dsSurge(ds)
				}
			}))
			nodes := []string{}
			for step := 0; step < 150; step++ {
				switch rng.intn(7) {
				case 0:
					name := fmt.Sprintf("n%d", len(nodes))
					nodes = append(nodes, name)
					h.addNode(name, dsWithLabel("pool", "a"))
				case 1:
					if len(nodes) > 0 {
						n := nodes[rng.intn(len(nodes))]
						if _, err := h.store.Get("Node", "", n); err == nil {
							h.deleteNode(n)
						}
					}
				case 2, 3:
					if len(nodes) > 0 {
						n := nodes[rng.intn(len(nodes))]
						if _, err := h.store.Get("Node", "", n); err == nil {
							v := []string{"a", "b"}[rng.intn(2)]
							h.updateNode(n, func(nd *workload.Node) { nd.Labels["pool"] = v })
						}
					}
				case 4:
					h.updateDS("agent", dsSetImage(fmt.Sprintf("img:%d", rng.intn(3))))
				case 5:
					ps := h.pods("")
					if len(ps) > 0 {
						p := ps[rng.intn(len(ps))]
						if p.Spec.NodeName != "" && p.DeletionTimestamp == nil {
							h.setPodStatus(p.Namespace, p.Name, []string{workload.PodFailed, workload.PodRunning}[rng.intn(2)], false)
						}
					}
				case 6:
					h.advance(time.Duration(rng.intn(20)) * time.Second)
				}
				h.kubelet()
				ds := h.ds("agent")
				hash := TemplateHash(&ds.Spec.Template, ds.Status.CollisionCount)
				for node, hs := range h.hashes("agent") {
					if len(hs) > 2 || (len(hs) == 2 && !(surge && hs[0] != hs[1] && (hs[0] == hash || hs[1] == hash))) {
						t.Fatalf("step %d: node %s has pods with hashes %v (current %s)", step, node, hs, hash)
					}
				}
			}
			// Quiet: everything converges.
			h.advance(time.Hour)
			for i := 0; i < 10; i++ {
				h.kubelet()
				h.advance(time.Minute)
			}
			want := 0
			for _, n := range nodes {
				if o, err := h.store.Get("Node", "", n); err == nil && o.GetObjectMeta().Labels["pool"] == "a" {
					want++
				}
			}
			st := h.status("agent")
			if int(st.Desired) != want || st.Current != st.Desired || st.Updated != st.Desired || st.Misscheduled != 0 {
				t.Errorf("converged status %+v, want %d desired, all current and updated", st, want)
			}
		})
	}
}

// dsRand is a small deterministic generator (splitmix64) for the seeded
// invariant tests.
type dsRand struct{ s uint64 }

func newDSRand(seed int64) *dsRand { return &dsRand{uint64(seed)} }

func (r *dsRand) intn(n int) int {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return int(z % uint64(n))
}

// TestDaemonSetFailedPodBackoffNewGeneration: the failed-pod back-off is
// per generation, as Kubernetes' failedPodsBackoffKey (uid, observed
// generation, node): after a spec change (here OnDelete, so the update
// itself replaces nothing) the Failed pod is deleted at once, not when the
// old generation's back-off ends.
func TestDaemonSetFailedPodBackoffNewGeneration(t *testing.T) {
	h := newDSHarness(t)
	h.addNode("bad")
	h.create(testDS("agent", func(ds *workload.DaemonSet) {
		ds.Spec.UpdateStrategy = workload.DaemonSetUpdateStrategy{Type: workload.OnDeleteStrategy}
	}))
	h.settle()
	start := h.clock.Now()
	fail := func() { // the kubelet fails every daemon pod at once
		for changed := true; changed; {
			changed = false
			for _, p := range h.pods("") {
				if p.Status.Phase != workload.PodFailed && p.DeletionTimestamp == nil {
					p.Spec.NodeName = "bad"
					if _, err := h.store.Update(p); err != nil {
						t.Fatal(err)
					}
					h.setPodStatus(p.Namespace, p.Name, workload.PodFailed, false)
					changed = true
				}
			}
			h.settle()
		}
	}
	// Deletions at 0, 1, 3, 7, 15 s: then the back-off is 16 s.
	fail()
	for {
		next, ok := h.clock.Next()
		if !ok || next.After(start.Add(20*time.Second)) {
			break
		}
		h.clock.AdvanceTo(next)
		h.settle()
		fail()
	}
	h.clock.AdvanceTo(start.Add(20 * time.Second))
	h.settle()
	before := len(h.dsEvents("agent", EventSuccessfulDelete))
	if before != 5 {
		for _, e := range h.dsEvents("agent", "") {
			t.Log(e.FirstTimestamp.Sub(start), e.Reason, e.Message)
		}
		t.Fatalf("%d deletions in the first 20 s, want 5", before)
	}
	h.updateDS("agent", func(ds *workload.DaemonSet) { ds.Spec.MinReadySeconds = 5 })
	h.settle()
	if got := len(h.dsEvents("agent", EventSuccessfulDelete)); got != before+1 {
		t.Errorf("%d deletions right after the spec change, want %d (a new back-off)", got, before+1)
	}
}

// TestDaemonSetSurgeReplacesDeletedPodAtOnce: with maxSurge a pod deleted
// gracefully (still terminating) is replaced at once, as Kubernetes'
// podsShouldBeOnNode does while surging; without surge the replacement
// waits until the old pod is gone. Either way only one new pod comes.
func TestDaemonSetSurgeReplacesDeletedPodAtOnce(t *testing.T) {
	for _, surge := range []bool{false, true} {
		t.Run(fmt.Sprint("surge=", surge), func(t *testing.T) {
			h := newDSHarness(t)
			h.addNode("n1")
			if surge {
				h.create(testDS("agent", dsSurge))
			} else {
				h.create(testDS("agent"))
			}
			h.kubelet()
			old := h.nodePods("agent")["n1"][0]
			// A finalizer keeps it terminating, as a kubelet would while
			// its containers stop.
			p := h.get("Pod", "default", old).(*workload.Pod)
			p.Finalizers = append(p.Finalizers, "test/hold")
			if _, err := h.store.Update(p); err != nil {
				t.Fatal(err)
			}
			if err := DeletePod(h.store, "default", old, nil); err != nil {
				t.Fatal(err)
			}
			h.kubelet()
			if p := h.get("Pod", "default", old).(*workload.Pod); p.DeletionTimestamp == nil {
				t.Fatal("old pod not terminating")
			}
			want := 0
			if surge {
				want = 1
			}
			if got := h.nodePods("agent")["n1"]; len(got) != want {
				t.Errorf("non-terminating pods on n1: %v, want %d", got, want)
			}
		})
	}
}
