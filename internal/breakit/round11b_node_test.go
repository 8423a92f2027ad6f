package breakit_test

import (
	stdslices "slices"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// r11bSpareNode adds a Ready node "spare", cordoned so that nothing is
// scheduled on it: a cluster where one node goes NotReady then still has
// a Ready node, as taint-based eviction needs (with every node NotReady
// Kubernetes evicts nothing, see TestR11bNoEvictionWhenEveryNodeIsNotReady).
func r11bSpareNode(t *testing.T, c *orchestra.Cluster) {
	t.Helper()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "spare"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Fake().Cordon("spare"); err != nil {
		t.Fatal(err)
	}
}

func r11bNoExecute(t *testing.T, c *orchestra.Cluster, node string) []string {
	t.Helper()
	o, err := c.Get("Node", "", node)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tn := range o.(*workload.Node).Spec.Taints {
		if tn.Effect == workload.TaintEffectNoExecute {
			out = append(out, tn.Key)
		}
	}
	stdslices.Sort(out)
	return out
}

// When every node of the cluster is NotReady (a single-node cluster whose
// node fails, or all of them losing the control plane), Kubernetes' node
// lifecycle controller enters "master disruption mode": it cannot tell a
// network partition from failed nodes, so it adds no NoExecute
// not-ready/unreachable taint, removes those already there, and evicts
// nothing; the pods keep running, marked not Ready. The NoSchedule taints
// still come. Once a node is Ready again it leaves that mode and the nodes
// still NotReady are tainted (and their pods evicted after their 300 s
// toleration), the first taint 10 s after it leaves that mode. Source:
// pkg/controller/nodelifecycle/node_lifecycle_controller.go
// handleDisruption ("Controller detected that all Nodes are not-Ready.
// Entering master disruption mode."), ComputeZoneState; issues #20640,
// #55713.
func TestR11bNoEvictionWhenEveryNodeIsNotReady(t *testing.T) {
	c := newCluster(t, "a", "b")
	p := r3pod("p")
	p.Spec.NodeName = "a"
	r3apply(t, c, p)
	advance(t, c, time.Minute)
	if err := c.Fake().SetNodeReady("a", false); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if got := r11bNoExecute(t, c, "a"); !stdslices.Equal(got, []string{workload.TaintNodeNotReady}) {
		t.Fatalf("a NotReady, b Ready: NoExecute taints of a %v, want not-ready", got)
	}
	// b fails too: every node NotReady; a's NoExecute taint goes, none
	// comes on b.
	if err := c.Fake().SetNodeReady("b", false); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	for _, n := range []string{"a", "b"} {
		if got := r11bNoExecute(t, c, n); len(got) != 0 {
			t.Errorf("every node NotReady: NoExecute taints of %s %v, want none", n, got)
		}
	}
	advance(t, c, 10*time.Minute)
	if r3terminating(t, c, "p") {
		t.Fatal("pod evicted while every node was NotReady")
	}
	// b is Ready again: the zone's tainting resumes with an empty rate
	// limiter (SwapLimiter drains the new one when the old allowed
	// nothing), so a is tainted anew 10 s later, and p goes 300 s after.
	if err := c.Fake().SetNodeReady("b", true); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 9*time.Second)
	if got := r11bNoExecute(t, c, "a"); len(got) != 0 {
		t.Fatalf("9s after b is Ready again: NoExecute taints of a %v, want none yet", got)
	}
	advance(t, c, time.Second)
	if got := r11bNoExecute(t, c, "a"); !stdslices.Equal(got, []string{workload.TaintNodeNotReady}) {
		t.Fatalf("10s after b is Ready again: NoExecute taints of a %v, want not-ready", got)
	}
	advance(t, c, 298*time.Second)
	if r3terminating(t, c, "p") {
		t.Fatal("pod evicted before 300 s after a was tainted again")
	}
	advance(t, c, 2*time.Second)
	if !r3terminating(t, c, "p") {
		t.Error("pod not evicted 300 s after a was tainted again")
	}
}

// A zone (here the whole small cluster, whose nodes carry no zone label)
// with more than two NotReady nodes making at least 55% of it is
// partially disrupted; with at most 50 nodes its eviction rate is 0, so
// the nodes that go NotReady then get no NoExecute taint and their pods
// stay (a user's "3 of 4 nodes shut down for 2 hours, pods still
// Running", issue #108589). A node tainted before the zone tipped keeps
// its taint. Source: pkg/controller/nodelifecycle/node_lifecycle_controller.go
// ComputeZoneState (unhealthyZoneThreshold 0.55), ReducedQPSFunc
// (largeClusterThreshold 50), handleDisruption, setLimiterInZone;
// pkg/controller/nodelifecycle/scheduler/rate_limited_queue.go SwapLimiter.
func TestR11bPartialDisruptionHoldsEvictions(t *testing.T) {
	c := newCluster(t, "n1", "n2", "n3", "n4")
	advance(t, c, time.Minute)
	for _, n := range []string{"n1", "n2"} {
		if err := c.Fake().SetNodeReady(n, false); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, 11*time.Second) // one taint every 10 s in a zone
	for _, n := range []string{"n1", "n2"} {
		if got := r11bNoExecute(t, c, n); len(got) != 1 {
			t.Fatalf("2 of 4 NotReady (normal zone): NoExecute taints of %s %v, want not-ready", n, got)
		}
	}
	// A third: 3 of 4 (75%) NotReady, more than two: partial disruption.
	if err := c.Fake().SetNodeReady("n3", false); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if got := r11bNoExecute(t, c, "n3"); len(got) != 0 {
		t.Errorf("3 of 4 NotReady: NoExecute taints of n3 %v, want none (zone eviction rate 0)", got)
	}
	for _, n := range []string{"n1", "n2"} {
		if got := r11bNoExecute(t, c, n); len(got) != 1 {
			t.Errorf("3 of 4 NotReady: NoExecute taints of %s %v, want its not-ready taint kept", n, got)
		}
	}
	// n1 is Ready again: 2 of 4, normal; n3 is tainted 10 s later (the
	// zone's new rate limiter starts empty).
	if err := c.Fake().SetNodeReady("n1", true); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Second)
	if got := r11bNoExecute(t, c, "n3"); !stdslices.Equal(got, []string{workload.TaintNodeNotReady}) {
		t.Errorf("2 of 4 NotReady again: NoExecute taints of n3 %v, want not-ready", got)
	}
	if got := r11bNoExecute(t, c, "n1"); len(got) != 0 {
		t.Errorf("n1 Ready: NoExecute taints %v, want none", got)
	}
}

// The node lifecycle controller adds NoExecute not-ready/unreachable
// taints through a rate limiter per zone, 0.1 node a second: two nodes
// that go NotReady together are tainted 10 s apart, and the pods of the
// second are evicted 10 s after those of the first. Source:
// pkg/controller/nodelifecycle/node_lifecycle_controller.go
// (evictionLimiterQPS default 0.1, --node-eviction-rate;
// zoneNoExecuteTainter, doNoExecuteTaintingPass);
// https://kubernetes.io/docs/concepts/architecture/nodes/#rate-limits-on-eviction
func TestR11bNoExecuteTaintsAreRateLimited(t *testing.T) {
	c := newCluster(t, "n1", "n2", "n3", "n4", "n5")
	for _, n := range []string{"n1", "n2"} {
		p := r3pod("p-" + n)
		p.Spec.NodeName = n
		r3apply(t, c, p)
	}
	advance(t, c, time.Minute)
	for _, n := range []string{"n1", "n2"} {
		if err := c.Fake().SetNodeReady(n, false); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, time.Second)
	tainted := 0
	for _, n := range []string{"n1", "n2"} {
		tainted += len(r11bNoExecute(t, c, n))
	}
	if tainted != 1 {
		t.Fatalf("1s after two nodes went NotReady: %d NoExecute taints, want 1 (one node every 10 s)", tainted)
	}
	first, second := "n1", "n2"
	if len(r11bNoExecute(t, c, "n1")) == 0 {
		first, second = "n2", "n1"
	}
	advance(t, c, 10*time.Second)
	if got := r11bNoExecute(t, c, second); len(got) != 1 {
		t.Fatalf("11s after: NoExecute taints of %s %v, want not-ready", second, got)
	}
	advance(t, c, 290*time.Second) // 301s after the first taint
	if !r3terminating(t, c, "p-"+first) || r3terminating(t, c, "p-"+second) {
		t.Errorf("301s after the first taint: %s evicted %v, %s evicted %v; want only the first",
			first, r3terminating(t, c, "p-"+first), second, r3terminating(t, c, "p-"+second))
	}
	advance(t, c, 10*time.Second)
	if !r3terminating(t, c, "p-"+second) {
		t.Errorf("pod of %s not evicted 300s after its node was tainted", second)
	}
}
