package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

func r3tolPod(name string, tols ...workload.Toleration) *workload.Pod {
	p := r3pod(name)
	p.Spec.Tolerations = tols
	return p
}

// r3terminating reports whether the pod is gone or being deleted.
func r3terminating(t *testing.T, c *orchestra.Cluster, name string) bool {
	t.Helper()
	o := r3get(t, c, "Pod", "default", name)
	return o == nil || o.GetObjectMeta().DeletionTimestamp != nil
}

// A pod that tolerates a NoExecute taint for tolerationSeconds stays that
// long after the taint manager sees it on the tainted node. A taint set by
// a user (kubectl taint, or the fake's SetNodeTaints) without timeAdded
// must not make the toleration count from the zero time.
// https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions ;
// pkg/controller/tainteviction/taint_eviction.go processPodOnNode
// (triggerTime = now + minTolerationTime).
func TestR3NodeNoExecuteTolerationSecondsWithoutTimeAdded(t *testing.T) {
	c := newCluster(t, "a")
	r3apply(t, c, r3tolPod("p", workload.Toleration{Key: "maint", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: workload.Ptr(int64(120))}))
	advance(t, c, time.Minute)
	if err := c.Fake().SetNodeTaints("a", []workload.Taint{{Key: "maint", Effect: "NoExecute"}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 60*time.Second)
	if r3terminating(t, c, "p") {
		n, _ := c.Fake().GetNode("a")
		t.Errorf("pod evicted within 60s of a NoExecute taint it tolerates for 120s (node taints %+v)", n.Spec.Taints)
	}
	advance(t, c, 2*time.Minute)
	if !r3terminating(t, c, "p") {
		t.Errorf("pod not evicted 180s after a NoExecute taint it tolerates for 120s")
	}
}

// A pod that arrives on a node whose NoExecute taint (tolerated for 300 s)
// was added an hour earlier gets its 300 s from its arrival: the taint
// manager starts the clock when it processes the pod on the node
// (processPodOnNode: startTime := now), not at the taint's timeAdded.
// Otherwise a controller's pod is evicted, replaced onto the same node,
// evicted again, forever.
// pkg/controller/tainteviction/taint_eviction.go processPodOnNode.
func TestR3NodeTolerationClockStartsWhenPodArrives(t *testing.T) {
	c := newCluster(t, "a")
	added := workload.NewTimePtr(t0)
	if err := c.Fake().SetNodeTaints("a", []workload.Taint{{Key: "maint", Effect: "NoExecute", TimeAdded: added}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Hour)
	r3apply(t, c, r3tolPod("p", workload.Toleration{Key: "maint", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: workload.Ptr(int64(300))}))
	advance(t, c, time.Minute)
	p := r3get(t, c, "Pod", "default", "p")
	if p == nil || p.GetObjectMeta().DeletionTimestamp != nil {
		t.Errorf("pod evicted within a minute of arriving on a node whose NoExecute taint it tolerates for 300s")
	} else if pp := p.(*workload.Pod); pp.Spec.NodeName != "a" {
		t.Fatalf("pod on node %q", pp.Spec.NodeName)
	}
}

// For each taint the taint manager uses the FIRST toleration that matches
// it (v1helper.GetMatchingTolerations breaks at the first match), then
// the minimum tolerationSeconds of those (getMinTolerationTime). A pod
// tolerating the taint for 60 s in its first matching toleration and for
// ever in a later catch-all toleration is evicted after 60 s.
// pkg/apis/core/v1/helper/helpers.go GetMatchingTolerations;
// pkg/controller/tainteviction/taint_eviction.go getMinTolerationTime.
func TestR3NodeFirstMatchingTolerationWins(t *testing.T) {
	c := newCluster(t, "a")
	r3apply(t, c, r3tolPod("p",
		workload.Toleration{Key: "maint", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: workload.Ptr(int64(60))},
		workload.Toleration{Operator: "Exists"},
	))
	advance(t, c, time.Minute)
	if err := c.Fake().SetNodeTaints("a", []workload.Taint{{Key: "maint", Effect: "NoExecute", TimeAdded: workload.NewTimePtr(c.Now())}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 3*time.Minute)
	if !r3terminating(t, c, "p") {
		t.Errorf("pod not evicted 3m after a taint its first matching toleration tolerates for 60s")
	}
}

// DefaultTolerationSeconds: a pod with a catch-all toleration (empty key,
// empty effect) already tolerates not-ready and unreachable, so admission
// adds nothing. plugin/pkg/admission/defaulttolerationseconds/admission.go.
func TestR3NodeCatchAllTolerationGetsNoDefaults(t *testing.T) {
	c := newCluster(t, "a")
	p := r3apply(t, c, r3tolPod("p", workload.Toleration{Operator: "Exists"})).(*workload.Pod)
	if len(p.Spec.Tolerations) != 1 {
		t.Errorf("tolerations %+v, want only the catch-all", p.Spec.Tolerations)
	}
	q := r3apply(t, c, r3tolPod("q", workload.Toleration{Key: workload.TaintNodeNotReady, Operator: "Exists", Effect: "NoSchedule"})).(*workload.Pod)
	if len(q.Spec.Tolerations) != 3 {
		t.Errorf("tolerations %+v, want the NoSchedule one plus both 300s NoExecute defaults", q.Spec.Tolerations)
	}
}

// A plain pod on a node that goes NotReady keeps running for its 300 s
// default toleration, then is evicted with the DisruptionTarget condition
// (reason DeletionByTaintManager) and deleted gracefully.
// https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions ;
// https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-conditions
func TestR3NodeNotReadyEvictsAfter300s(t *testing.T) {
	c := newCluster(t, "a")
	r11bSpareNode(t, c) // a Ready node: not every node NotReady (master disruption mode)
	r3apply(t, c, r3pod("p"))
	advance(t, c, time.Minute)
	if err := c.Fake().SetNodeReady("a", false); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 299*time.Second)
	if r3terminating(t, c, "p") {
		t.Fatalf("pod evicted before its 300s toleration ran out")
	}
	advance(t, c, 2*time.Second)
	o := r3get(t, c, "Pod", "default", "p")
	if o == nil {
		return // gone already: fine
	}
	p := o.(*workload.Pod)
	if p.DeletionTimestamp == nil {
		t.Fatalf("pod not evicted 301s after its node went NotReady")
	}
	var ok bool
	for _, cd := range p.Status.Conditions {
		if cd.Type == workload.DisruptionTarget && cd.Status == "True" && cd.Reason == "DeletionByTaintManager" {
			ok = true
		}
	}
	if !ok {
		t.Errorf("evicted pod conditions %v, want DisruptionTarget True DeletionByTaintManager", p.Status.Conditions)
	}
}

// A pod bound to a node that no longer exists is deleted by Pod GC
// (gcOrphaned), which first sets DisruptionTarget with reason
// DeletionByPodGC and phase Failed, then deletes it with grace 0; a
// ReplicaSet replaces it on a live node.
// pkg/controller/podgc/gc_controller.go gcOrphaned / markFailedAndDeletePodWithCondition ;
// https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-conditions
func TestR3NodePodsOnDeletedNode(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, deployment)
	advance(t, c, time.Minute)
	var onA []string
	for _, p := range pods(t, c, "app=web") {
		if p.Spec.NodeName == "a" {
			onA = append(onA, p.Name)
		}
	}
	if len(onA) == 0 {
		t.Skip("no pod on a")
	}
	reasons := map[string]string{}
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok {
			for _, cd := range p.Status.Conditions {
				if cd.Type == workload.DisruptionTarget {
					reasons[p.Name] = cd.Reason + "/" + p.Status.Phase
				}
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Fake().RemoveNode("a"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	for _, n := range onA {
		if o := r3get(t, c, "Pod", "default", n); o != nil {
			t.Errorf("pod %s still exists a minute after its node was deleted (deletionTimestamp %v)", n, since(o.GetObjectMeta().DeletionTimestamp))
		}
	}
	for _, n := range onA {
		if reasons[n] != "DeletionByPodGC/Failed" {
			t.Errorf("pod %s: DisruptionTarget reason/phase %q, want DeletionByPodGC/Failed", n, reasons[n])
		}
	}
	ps := pods(t, c, "app=web")
	if len(ps) != 3 {
		t.Errorf("%d pods, want 3 replaced on b", len(ps))
	}
	for _, p := range ps {
		if p.Spec.NodeName != "b" || p.Status.Phase != workload.PodRunning {
			t.Errorf("pod %s on %q phase %s", p.Name, p.Spec.NodeName, p.Status.Phase)
		}
	}
}
