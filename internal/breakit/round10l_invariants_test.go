package breakit_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR10lRandomOpsSettle plays seeded random operations on a cluster
// (Deployments rolled, scaled and recreated, a StatefulSet and a DaemonSet
// updated and scaled, pods killed and deleted, nodes failed, removed,
// re-added, relabelled and cordoned, the control plane stopped and
// started), checking on the way that a DaemonSet never has two live pods on
// one node. Then the faults stop, every node is healthy, and after an hour
// every controller must have converged exactly as Kubernetes' do: each
// Deployment its replicas, all updated and available, each StatefulSet its
// ordinals on the update revision, the DaemonSet one current pod on each
// node its selector picks, the Service's endpoints its ready pods, and no
// pod left on a node that is gone.
func TestR10lRandomOpsSettle(t *testing.T) {
	seeds := uint64(16)
	if testing.Short() {
		seeds = 6
	}
	for seed := uint64(0); seed < seeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { r10lPlay(t, seed) })
	}
}

// r10lWorld is a cluster that the round-10 random tests play faults on,
// with what they did so far (log), for the failure message.
type r10lWorld struct {
	t      *testing.T
	c      *orchestra.Cluster
	rng    *rand.Rand
	names  []string        // the nodes that may exist
	nodes  map[string]bool // name -> present
	ssd    map[string]bool // nodes labelled disk=ssd
	log    []string
	policy string // the StatefulSet's podManagementPolicy
	dsSel  bool   // the DaemonSet selects disk=ssd nodes only
}

// newR10lWorld returns a virtual-time cluster, closed when the test ends,
// with the named nodes (the even ones labelled disk=ssd) and a random
// stream of its own for the seed.
func newR10lWorld(t *testing.T, seed, stream uint64, names ...string) *r10lWorld {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: int64(seed)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	w := &r10lWorld{t: t, c: c, rng: rand.New(rand.NewPCG(seed, stream)), names: names, nodes: map[string]bool{}, ssd: map[string]bool{}}
	for i, n := range names {
		w.ssd[n] = i%2 == 0
		w.addNode(n)
	}
	return w
}

func (w *r10lWorld) addNode(n string) {
	w.t.Helper()
	node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}
	if w.ssd[n] {
		node.Labels = map[string]string{"disk": "ssd"}
	}
	if err := w.c.Fake().AddNode(node); err != nil {
		w.t.Fatal(err)
	}
	w.nodes[n] = true
}

// The faults every random test plays.

func (w *r10lWorld) killRandomPod(exitCode int32) {
	if ps := w.livePods(""); len(ps) > 0 {
		p := ps[w.rng.IntN(len(ps))]
		w.note("kill %s exit %d", p.Name, exitCode)
		_ = w.c.Fake().KillContainer("default", p.Name, "main", exitCode)
	}
}

func (w *r10lWorld) deleteRandomPod(maxGrace int) {
	if ps := w.livePods(""); len(ps) > 0 {
		p := ps[w.rng.IntN(len(ps))]
		g := int64(w.rng.IntN(maxGrace))
		w.note("delete pod %s grace %d", p.Name, g)
		_ = w.c.DeletePod("default", p.Name, &g)
	}
}

func (w *r10lWorld) setRandomNodeReady() {
	if n := w.names[w.rng.IntN(len(w.names))]; w.nodes[n] {
		ready := w.rng.IntN(2) == 0
		w.note("node %s ready=%v", n, ready)
		if ready {
			_ = w.c.Fake().SetNodeReady(n, true)
		} else {
			_ = w.c.Fake().FailNode(n)
		}
	}
}

func (w *r10lWorld) removeOrAddRandomNode() {
	w.t.Helper()
	if n := w.names[w.rng.IntN(len(w.names))]; w.nodes[n] {
		w.note("remove node %s", n)
		if err := w.c.Fake().RemoveNode(n); err != nil {
			w.t.Fatal(err)
		}
		w.nodes[n] = false
	} else {
		w.note("add node %s ssd=%v", n, w.ssd[n])
		w.addNode(n)
	}
}

func (w *r10lWorld) toggleControlPlane() {
	w.t.Helper()
	if w.c.ControlPlaneRunning() {
		w.note("stop control plane")
		w.c.StopControlPlane()
		return
	}
	w.startControlPlane()
}

func (w *r10lWorld) startControlPlane() {
	w.t.Helper()
	if !w.c.ControlPlaneRunning() {
		w.note("start control plane")
		if err := w.c.StartControlPlane(); err != nil {
			w.t.Fatal(err)
		}
	}
}

// heal brings every node back, ready, and the control plane up.
func (w *r10lWorld) heal() {
	w.t.Helper()
	w.note("settle")
	for _, n := range w.names {
		if !w.nodes[n] {
			w.addNode(n)
		}
		_ = w.c.Fake().SetNodeReady(n, true)
	}
	w.startControlPlane()
}

func (w *r10lWorld) note(format string, args ...any) {
	w.log = append(w.log, fmt.Sprintf("%s ", w.c.Now().Sub(t0))+fmt.Sprintf(format, args...))
}

func (w *r10lWorld) fatalf(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("%s\nops:\n  %s", fmt.Sprintf(format, args...), strings.Join(w.log, "\n  "))
}

func (w *r10lWorld) apply(y string) {
	w.t.Helper()
	objs, _, err := workload.Decode([]byte(y), w.t.Name()+".yaml")
	if err != nil {
		w.t.Fatal(err)
	}
	for _, o := range objs {
		if _, err := w.c.Apply(o); err != nil {
			w.fatalf("apply %s: %v", o.Kind(), err)
		}
	}
}

func (w *r10lWorld) deployment(name, strategy string) {
	replicas := w.rng.IntN(6)
	image := []string{"a:1", "a:2", "a:3"}[w.rng.IntN(3)]
	ann := []string{"{}", `{sim.orchestra.dev/ready-after: "15s"}`}[w.rng.IntN(2)]
	strat := "{type: Recreate}"
	if strategy == "RollingUpdate" {
		strat = fmt.Sprintf("{type: RollingUpdate, rollingUpdate: {maxSurge: %s, maxUnavailable: %s}}",
			[]string{"0", "1", "25%", "50%"}[w.rng.IntN(4)], []string{"1", "25%", "50%"}[w.rng.IntN(3)])
	}
	w.note("deployment %s replicas=%d image=%s strategy=%s ann=%s", name, replicas, image, strat, ann)
	w.apply(fmt.Sprintf(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: %s, namespace: default}
spec:
  replicas: %d
  minReadySeconds: %d
  strategy: %s
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}, annotations: %s}
    spec:
      terminationGracePeriodSeconds: %d
      containers: [{name: main, image: %s}]
`, name, replicas, []int{0, 10}[w.rng.IntN(2)], strat, name, name, ann, w.rng.IntN(40), image))
}

func (w *r10lWorld) statefulSet() {
	replicas := w.rng.IntN(5)
	image := []string{"db:1", "db:2"}[w.rng.IntN(2)]
	partition := 0
	if w.rng.IntN(4) == 0 {
		partition = w.rng.IntN(3)
	}
	w.note("statefulset replicas=%d image=%s partition=%d", replicas, image, partition)
	w.apply(fmt.Sprintf(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  replicas: %d
  serviceName: db
  podManagementPolicy: %s
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: %d}}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: %d
      containers: [{name: main, image: %s}]
`, replicas, w.policy, partition, w.rng.IntN(20), image))
}

func (w *r10lWorld) daemonSet() {
	image := []string{"agent:1", "agent:2"}[w.rng.IntN(2)]
	w.dsSel = w.rng.IntN(2) == 0
	sel := "{}"
	if w.dsSel {
		sel = "{disk: ssd}"
	}
	w.note("daemonset image=%s nodeSelector=%s", image, sel)
	w.apply(fmt.Sprintf(`
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: %s
      terminationGracePeriodSeconds: %d
      containers: [{name: main, image: %s}]
`, sel, w.rng.IntN(20), image))
}

func (w *r10lWorld) livePods(selector string) []*workload.Pod {
	ps, err := w.c.Pods("default", selector)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []*workload.Pod
	for _, p := range ps {
		if p.DeletionTimestamp == nil && p.Status.Phase != workload.PodFailed && p.Status.Phase != workload.PodSucceeded {
			out = append(out, p)
		}
	}
	return out
}

// checkSafety checks what must hold at every instant.
func (w *r10lWorld) checkSafety() {
	w.t.Helper()
	seen := map[string]string{}
	for _, p := range w.livePods("app=agent") {
		if p.Spec.NodeName == "" {
			continue
		}
		if other, ok := seen[p.Spec.NodeName]; ok {
			w.fatalf("two live DaemonSet pods on node %s: %s and %s", p.Spec.NodeName, other, p.Name)
		}
		seen[p.Spec.NodeName] = p.Name
	}
}

func r10lReady(p *workload.Pod) bool {
	if p.Status.Phase != workload.PodRunning {
		return false
	}
	for _, cd := range p.Status.Conditions {
		if cd.Type == workload.PodReady {
			return cd.Status == workload.ConditionTrue
		}
	}
	return false
}

func r10lPlay(t *testing.T, seed uint64) {
	w := newR10lWorld(t, seed, 10, "n0", "n1", "n2", "n3", "n4")
	c := w.c
	w.policy = []string{"OrderedReady", "Parallel"}[w.rng.IntN(2)]
	w.apply(`
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
`)
	w.deployment("web", "RollingUpdate")
	w.deployment("api", "Recreate")
	w.statefulSet()
	w.daemonSet()

	for step := 0; step < 40; step++ {
		switch k := w.rng.IntN(18); k {
		case 0, 1:
			w.deployment("web", "RollingUpdate")
		case 2:
			w.deployment("api", "Recreate")
		case 3:
			w.statefulSet()
		case 4:
			w.daemonSet()
		case 5, 6:
			w.killRandomPod(1)
		case 7:
			w.deleteRandomPod(30)
		case 8:
			w.setRandomNodeReady()
		case 9:
			w.removeOrAddRandomNode()
		case 10:
			n := w.names[w.rng.IntN(len(w.names))]
			if w.nodes[n] {
				w.ssd[n] = !w.ssd[n]
				w.note("node %s ssd=%v", n, w.ssd[n])
				v := "ssd"
				var lv *string
				if w.ssd[n] {
					lv = &v
				}
				if err := c.Fake().SetNodeLabels(n, map[string]*string{"disk": lv}); err != nil {
					t.Fatal(err)
				}
			}
		case 11:
			n := w.names[w.rng.IntN(len(w.names))]
			if w.nodes[n] {
				w.note("cordon/uncordon %s", n)
				if w.rng.IntN(2) == 0 {
					_ = c.Fake().Cordon(n)
				} else {
					_ = c.Fake().Uncordon(n)
				}
			}
		case 12:
			w.toggleControlPlane()
		case 13:
			// Orphan a pod, or take a Deployment's pod out of its
			// selector (a StatefulSet pod taken out would keep its name
			// from the replacement for good, in Kubernetes too).
			if ps := w.livePods(""); len(ps) > 0 {
				p := ps[w.rng.IntN(len(ps))].DeepCopy()
				if app := p.Labels["app"]; w.rng.IntN(2) == 0 || (app != "web" && app != "api") {
					w.note("orphan %s", p.Name)
					p.OwnerReferences = nil
				} else {
					w.note("relabel %s", p.Name)
					p.Labels = map[string]string{"app": "other"}
				}
				if _, err := w.c.Store().Update(p); err != nil {
					w.note("update failed: %v", err)
				}
			}
		case 14:
			kind, name := []string{"Deployment", "StatefulSet", "DaemonSet", "Deployment"}[w.rng.IntN(4)], ""
			switch kind {
			case "Deployment":
				name = []string{"web", "api"}[w.rng.IntN(2)]
			case "StatefulSet":
				name = "db"
			default:
				name = "agent"
			}
			prop := []string{"", "Background", "Foreground", "Orphan"}[w.rng.IntN(4)]
			w.note("delete %s/%s %q", kind, name, prop)
			_ = w.c.Delete(kind, "default", name, prop)
			// Foreground deletion waits for the garbage collector (of
			// the control plane) to delete the dependents: the object
			// goes only then, and is recreated once it has gone.
			// A dependent pod on a node that is not ready stays
			// terminating until the node is back (as in Kubernetes), and
			// holds a Foreground deletion: after 10 minutes, every node
			// comes back.
			gone := false
			for i := range 120 {
				if i == 60 {
					w.note("all nodes ready")
					for n, present := range w.nodes {
						if present {
							_ = c.Fake().SetNodeReady(n, true)
						}
					}
				}
				if err := c.Advance(time.Duration(w.rng.IntN(20)) * time.Second); err != nil {
					t.Fatal(err)
				}
				w.checkSafety()
				if _, err := w.c.Get(kind, "default", name); err != nil {
					gone = true
					break
				}
				w.startControlPlane()
			}
			if !gone {
				w.fatalf("%s/%s deleted with propagation %q is still there after 20 minutes", kind, name, prop)
			}
			switch name {
			case "web":
				w.deployment("web", "RollingUpdate")
			case "api":
				w.deployment("api", "Recreate")
			case "db":
				w.statefulSet()
			default:
				w.daemonSet()
			}
		case 15:
			name := []string{"web", "api"}[w.rng.IntN(2)]
			d := w.get("Deployment", name).(*workload.Deployment).DeepCopy()
			d.Spec.Paused = !d.Spec.Paused
			w.note("deployment %s paused=%v", name, d.Spec.Paused)
			if _, err := w.c.Apply(d); err != nil {
				w.note("apply failed: %v", err)
			}
		default:
			// just time
		}
		for range w.rng.IntN(4) + 1 {
			if err := c.Advance(time.Duration(w.rng.IntN(30)) * time.Second); err != nil {
				t.Fatal(err)
			}
			w.checkSafety()
		}
	}

	// Settle: every node back, healthy and schedulable, the control plane
	// running, no more faults.
	w.heal()
	for _, n := range w.names {
		_ = c.Fake().Uncordon(n)
	}
	for _, name := range []string{"web", "api"} {
		if d := w.get("Deployment", name).(*workload.Deployment).DeepCopy(); d.Spec.Paused {
			d.Spec.Paused = false
			if _, err := w.c.Apply(d); err != nil {
				w.fatalf("resume %s: %v", name, err)
			}
		}
	}
	for range 60 {
		if err := c.Advance(time.Minute); err != nil {
			t.Fatal(err)
		}
		w.checkSafety()
	}
	w.checkSettled()
}

func (w *r10lWorld) get(kind, name string) workload.Object {
	w.t.Helper()
	o, err := w.c.Get(kind, "default", name)
	if err != nil {
		w.fatalf("get %s/%s: %v", kind, name, err)
	}
	return o
}

// checkSettled checks that every controller converged.
func (w *r10lWorld) checkSettled() {
	w.t.Helper()
	all, _ := w.c.Pods("", "")
	for _, p := range all {
		if p.Spec.NodeName != "" && !w.nodes[p.Spec.NodeName] {
			w.fatalf("pod %s is on node %s, which is gone", p.Name, p.Spec.NodeName)
		}
		if p.DeletionTimestamp != nil {
			w.fatalf("pod %s is still terminating an hour after the faults stopped", p.Name)
		}
	}
	for _, name := range []string{"web", "api"} {
		d := w.get("Deployment", name).(*workload.Deployment)
		want := *d.Spec.Replicas
		st := d.Status
		if st.ObservedGeneration != d.Generation || st.Replicas != want || st.UpdatedReplicas != want || st.AvailableReplicas != want || st.ReadyReplicas != want || st.UnavailableReplicas != 0 {
			w.fatalf("Deployment %s (replicas %d, generation %d) did not converge: %+v", name, want, d.Generation, st)
		}
		rss, _ := w.c.List("ReplicaSet", "default", "app="+name)
		// The Deployment's pods are those its ReplicaSets control: a pod
		// orphaned by hand keeps its labels and no controller adopts it
		// unless its pod-template-hash is a current ReplicaSet's.
		mine := map[string]bool{}
		for _, o := range rss {
			if ref := workload.ControllerOf(o); ref != nil && ref.UID == d.UID {
				mine[o.GetObjectMeta().Name] = true
			} else {
				w.fatalf("Deployment %s: ReplicaSet %s is not controlled by it (%+v)", name, o.GetObjectMeta().Name, ref)
			}
		}
		var ps []*workload.Pod
		for _, p := range w.livePods("app=" + name) {
			if ref := workload.ControllerOf(p); ref != nil && mine[ref.Name] {
				ps = append(ps, p)
			} else if ref != nil {
				w.fatalf("pod %s is controlled by %s %s, which is not a ReplicaSet of Deployment %s", p.Name, ref.Kind, ref.Name, name)
			}
		}
		if int32(len(ps)) != want {
			w.fatalf("Deployment %s wants %d pods, has %d live", name, want, len(ps))
		}
		// The newest ReplicaSet is the one of the highest revision; every
		// other must be scaled to zero.
		var newest *workload.ReplicaSet
		rev := func(rs *workload.ReplicaSet) int {
			n, _ := strconv.Atoi(rs.Annotations["deployment.kubernetes.io/revision"])
			return n
		}
		for _, o := range rss {
			if rs := o.(*workload.ReplicaSet); newest == nil || rev(rs) > rev(newest) {
				newest = rs
			}
		}
		for _, o := range rss {
			if rs := o.(*workload.ReplicaSet); rs != newest && (*rs.Spec.Replicas != 0 || rs.Status.Replicas != 0) {
				w.fatalf("Deployment %s: old ReplicaSet %s still has %d/%d replicas", name, rs.Name, *rs.Spec.Replicas, rs.Status.Replicas)
			}
		}
		if newest != nil && newest.Spec.Template.Spec.Containers[0].Image != d.Spec.Template.Spec.Containers[0].Image {
			w.fatalf("Deployment %s: newest ReplicaSet %s has image %s, want %s", name, newest.Name, newest.Spec.Template.Spec.Containers[0].Image, d.Spec.Template.Spec.Containers[0].Image)
		}
		if newest == nil {
			w.fatalf("Deployment %s: no ReplicaSet of the current template", name)
		}
		for _, p := range ps {
			if p.Labels["pod-template-hash"] != newest.Labels["pod-template-hash"] || !r10lReady(p) {
				w.fatalf("Deployment %s: pod %s (hash %s, ready %v) is not a ready pod of %s", name, p.Name, p.Labels["pod-template-hash"], r10lReady(p), newest.Name)
			}
		}
	}

	ss := w.get("StatefulSet", "db").(*workload.StatefulSet)
	want := int(*ss.Spec.Replicas)
	ps := w.livePods("app=db")
	var got []string
	for _, p := range ps {
		got = append(got, p.Name)
		if !r10lReady(p) {
			w.fatalf("StatefulSet pod %s is not ready", p.Name)
		}
	}
	sort.Strings(got)
	var wantNames []string
	for i := range want {
		wantNames = append(wantNames, fmt.Sprintf("db-%d", i))
	}
	sort.Strings(wantNames)
	if strings.Join(got, ",") != strings.Join(wantNames, ",") {
		w.fatalf("StatefulSet pods %v, want %v", got, wantNames)
	}
	st := ss.Status
	if st.ObservedGeneration != ss.Generation || int(st.Replicas) != want || int(st.ReadyReplicas) != want || int(st.AvailableReplicas) != want {
		w.fatalf("StatefulSet did not converge (replicas %d): %+v", want, st)
	}
	part := 0
	if ru := ss.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		part = int(*ru.Partition)
	}
	if int(st.UpdatedReplicas) != max(0, want-part) && part == 0 {
		w.fatalf("StatefulSet: updatedReplicas %d, want %d: %+v", st.UpdatedReplicas, want, st)
	}
	if part == 0 {
		if st.CurrentRevision != st.UpdateRevision || int(st.CurrentReplicas) != want {
			w.fatalf("StatefulSet: update complete but currentRevision %s != updateRevision %s or currentReplicas %d != %d", st.CurrentRevision, st.UpdateRevision, st.CurrentReplicas, want)
		}
		for _, p := range ps {
			if p.Labels["controller-revision-hash"] != st.UpdateRevision {
				w.fatalf("StatefulSet pod %s at revision %s, want %s", p.Name, p.Labels["controller-revision-hash"], st.UpdateRevision)
			}
		}
	}

	ds := w.get("DaemonSet", "agent").(*workload.DaemonSet)
	var eligible []string
	for n, present := range w.nodes {
		if present && (!w.dsSel || w.ssd[n]) {
			eligible = append(eligible, n)
		}
	}
	sort.Strings(eligible)
	var on []string
	for _, p := range w.livePods("app=agent") {
		on = append(on, p.Spec.NodeName)
		if !r10lReady(p) || p.Spec.Containers[0].Image != ds.Spec.Template.Spec.Containers[0].Image {
			w.fatalf("DaemonSet pod %s on %s: ready %v, image %s, want %s", p.Name, p.Spec.NodeName, r10lReady(p), p.Spec.Containers[0].Image, ds.Spec.Template.Spec.Containers[0].Image)
		}
	}
	sort.Strings(on)
	if strings.Join(on, ",") != strings.Join(eligible, ",") {
		w.fatalf("DaemonSet pods on %v, want one on each of %v", on, eligible)
	}
	n := int32(len(eligible))
	dst := ds.Status
	if dst.ObservedGeneration != ds.Generation || dst.DesiredNumberScheduled != n || dst.CurrentNumberScheduled != n || dst.NumberReady != n || dst.UpdatedNumberScheduled != n || dst.NumberAvailable != n || dst.NumberMisscheduled != 0 || dst.NumberUnavailable != 0 {
		w.fatalf("DaemonSet did not converge (%d eligible nodes): %+v", n, dst)
	}

	// The Service's endpoints are the web pods, all ready.
	var wantEPs []string
	for _, p := range w.livePods("app=web") {
		wantEPs = append(wantEPs, p.Name)
	}
	sort.Strings(wantEPs)
	eps, _ := w.c.List("EndpointSlice", "default", workload.LabelServiceName+"=web")
	var gotEPs []string
	for _, o := range eps {
		for _, e := range o.(*workload.EndpointSlice).Endpoints {
			if e.Conditions.Ready != nil && !*e.Conditions.Ready {
				w.fatalf("endpoint %v not ready after settling", e.Addresses)
			}
			if e.TargetRef != nil {
				gotEPs = append(gotEPs, e.TargetRef.Name)
			}
		}
	}
	sort.Strings(gotEPs)
	if strings.Join(gotEPs, ",") != strings.Join(wantEPs, ",") {
		w.fatalf("Service web endpoints %v, want %v", gotEPs, wantEPs)
	}
}
