package scheduler

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

type filterCase struct {
	name     string
	node     *workload.Node
	existing []*workload.Pod // bound to node
	pod      *workload.Pod
	reason   string // "" means the node fits
}

func runFilterCases(t *testing.T, f Filter, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := nodeWith(t, tc.node, tc.existing...)
			ok, reason := f.Filter(podInfo(t, tc.pod), n)
			if ok != (tc.reason == "") || reason != tc.reason {
				t.Errorf("Filter = (%v, %q), want (%v, %q)", ok, reason, tc.reason == "", tc.reason)
			}
		})
	}
}

const (
	exists = workload.TolerationOpExists
	equal  = workload.TolerationOpEqual
	noSch  = workload.TaintEffectNoSchedule
	noExe  = workload.TaintEffectNoExecute
	prefer = workload.TaintEffectPreferNoSchedule
)

func TestNodeNameFilter(t *testing.T) {
	runFilterCases(t, NodeNameFilter{}, []filterCase{
		{name: "no nodeName fits any node", node: mkNode("a"), pod: mkPod("p")},
		{name: "nodeName of this node", node: mkNode("a"), pod: mkPod("p", onNode("a"))},
		{name: "nodeName of another node", node: mkNode("a"), pod: mkPod("p", onNode("b")), reason: ReasonNodeName},
	})
}

func TestUnschedulableFilter(t *testing.T) {
	const key = workload.TaintNodeUnschedulable
	runFilterCases(t, UnschedulableFilter{}, []filterCase{
		{name: "schedulable node", node: mkNode("a"), pod: mkPod("p")},
		{name: "cordoned node", node: mkNode("a", cordoned), pod: mkPod("p"), reason: ReasonUnschedulable},
		{name: "tolerated with Exists NoSchedule", node: mkNode("a", cordoned), pod: mkPod("p", tol(key, exists, "", noSch))},
		{name: "tolerated with Exists any effect", node: mkNode("a", cordoned), pod: mkPod("p", tol(key, exists, "", ""))},
		{name: "tolerated with Equal empty value", node: mkNode("a", cordoned), pod: mkPod("p", tol(key, "", "", noSch))},
		{name: "tolerate everything", node: mkNode("a", cordoned), pod: mkPod("p", tol("", exists, "", ""))},
		{name: "NoExecute toleration does not count", node: mkNode("a", cordoned), pod: mkPod("p", tol(key, exists, "", noExe)), reason: ReasonUnschedulable},
		{name: "Equal with a value does not match", node: mkNode("a", cordoned), pod: mkPod("p", tol(key, equal, "x", noSch)), reason: ReasonUnschedulable},
	})
}

func TestReadyFilter(t *testing.T) {
	const key, unreach = workload.TaintNodeNotReady, workload.TaintNodeUnreachable
	want := "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"
	wantU := "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"
	notReady, unknown := readyStatus(workload.ConditionFalse), readyStatus(workload.ConditionUnknown)
	runFilterCases(t, ReadyFilter{}, []filterCase{
		{name: "ready", node: mkNode("a"), pod: mkPod("p")},
		{name: "not ready", node: mkNode("a", notReady), pod: mkPod("p"), reason: want},
		{name: "unknown", node: mkNode("a", unknown), pod: mkPod("p"), reason: wantU},
		{name: "no Ready condition", node: mkNode("a", readyStatus("")), pod: mkPod("p"), reason: wantU},
		// DefaultTolerationSeconds gives every pod these two: not enough,
		// the node also gets the NoSchedule taint.
		{name: "default 300 s NoExecute tolerations", node: mkNode("a", notReady), pod: mkPod("p",
			tolSecs(key, noExe, 300), tolSecs(unreach, noExe, 300)), reason: want},
		{name: "tolerates not-ready NoExecute only", node: mkNode("a", notReady), pod: mkPod("p", tol(key, exists, "", noExe)), reason: want},
		{name: "tolerates not-ready NoSchedule only", node: mkNode("a", notReady), pod: mkPod("p", tol(key, exists, "", noSch)), reason: want},
		{name: "tolerates not-ready both effects", node: mkNode("a", notReady), pod: mkPod("p", tol(key, exists, "", noSch), tol(key, exists, "", noExe))},
		{name: "tolerates not-ready any effect", node: mkNode("a", notReady), pod: mkPod("p", tol(key, exists, "", ""))},
		{name: "not-ready toleration on an unknown node", node: mkNode("a", unknown), pod: mkPod("p", tol(key, exists, "", "")), reason: wantU},
		{name: "tolerates unreachable any effect", node: mkNode("a", unknown), pod: mkPod("p", tol(unreach, exists, "", ""))},
		{name: "tolerates everything", node: mkNode("a", readyStatus("")), pod: mkPod("p", tol("", exists, "", ""))},
		{name: "PreferNoSchedule toleration does not count", node: mkNode("a", notReady), pod: mkPod("p", tol(key, exists, "", prefer)), reason: want},
		{name: "other key does not count", node: mkNode("a", notReady), pod: mkPod("p", tol(unreach, exists, "", "")), reason: want},
	})
}

func TestTaintFilter(t *testing.T) {
	db := taint("dedicated", "db", noSch)
	runFilterCases(t, TaintFilter{}, []filterCase{
		{name: "no taints", node: mkNode("a"), pod: mkPod("p")},
		{name: "untolerated NoSchedule", node: mkNode("a", db), pod: mkPod("p"), reason: "node(s) had untolerated taint {dedicated: db}"},
		{name: "untolerated NoExecute", node: mkNode("a", taint("k", "", noExe)), pod: mkPod("p"), reason: "node(s) had untolerated taint {k: }"},
		{name: "PreferNoSchedule does not filter", node: mkNode("a", taint("k", "v", prefer)), pod: mkPod("p")},
		{name: "Equal with the value", node: mkNode("a", db), pod: mkPod("p", tol("dedicated", equal, "db", noSch))},
		{name: "operator defaults to Equal", node: mkNode("a", db), pod: mkPod("p", tol("dedicated", "", "db", noSch))},
		{name: "Equal with another value", node: mkNode("a", db), pod: mkPod("p", tol("dedicated", equal, "web", noSch)), reason: "node(s) had untolerated taint {dedicated: db}"},
		{name: "Exists ignores the value", node: mkNode("a", db), pod: mkPod("p", tol("dedicated", exists, "", noSch))},
		{name: "empty effect matches all effects", node: mkNode("a", db), pod: mkPod("p", tol("dedicated", equal, "db", ""))},
		{name: "other effect does not match", node: mkNode("a", db), pod: mkPod("p", tol("dedicated", equal, "db", noExe)), reason: "node(s) had untolerated taint {dedicated: db}"},
		{name: "empty key with Exists matches all", node: mkNode("a", db, taint("x", "y", noExe)), pod: mkPod("p", tol("", exists, "", ""))},
		{name: "empty key with Exists and an effect", node: mkNode("a", db, taint("x", "y", noExe)), pod: mkPod("p", tol("", exists, "", noSch)), reason: "node(s) had untolerated taint {x: y}"},
		{name: "first untolerated taint is named", node: mkNode("a", taint("one", "1", noSch), taint("two", "2", noSch)), pod: mkPod("p", tol("one", exists, "", "")), reason: "node(s) had untolerated taint {two: 2}"},
		{name: "unknown operator tolerates nothing", node: mkNode("a", db), pod: mkPod("p", tol("dedicated", "Gt", "db", noSch)), reason: "node(s) had untolerated taint {dedicated: db}"},
	})
}

func TestNodeSelectorFilter(t *testing.T) {
	n := mkNode("a", labels("disk", "ssd", "zone", "z1"))
	runFilterCases(t, NodeSelectorFilter{}, []filterCase{
		{name: "no selector", node: n, pod: mkPod("p")},
		{name: "empty selector", node: n, pod: mkPod("p", selector())},
		{name: "all labels match", node: n, pod: mkPod("p", selector("disk", "ssd", "zone", "z1"))},
		{name: "value differs", node: n, pod: mkPod("p", selector("disk", "hdd")), reason: ReasonNodeAffinity},
		{name: "label missing", node: n, pod: mkPod("p", selector("disk", "ssd", "gpu", "yes")), reason: ReasonNodeAffinity},
	})
}

func TestNodeAffinityFilter(t *testing.T) {
	n := mkNode("a", labels("disk", "ssd", "cores", "8"))
	cases := []struct {
		name  string
		terms []workload.NodeSelectorTerm
		fits  bool
	}{
		{"In matches", []workload.NodeSelectorTerm{term(expr("disk", "In", "hdd", "ssd"))}, true},
		{"In misses", []workload.NodeSelectorTerm{term(expr("disk", "In", "hdd"))}, false},
		{"In on a missing label", []workload.NodeSelectorTerm{term(expr("gpu", "In", "yes"))}, false},
		{"NotIn matches", []workload.NodeSelectorTerm{term(expr("disk", "NotIn", "hdd"))}, true},
		{"NotIn misses", []workload.NodeSelectorTerm{term(expr("disk", "NotIn", "ssd"))}, false},
		{"NotIn on a missing label matches", []workload.NodeSelectorTerm{term(expr("gpu", "NotIn", "yes"))}, true},
		{"Exists", []workload.NodeSelectorTerm{term(expr("disk", "Exists"))}, true},
		{"Exists on a missing label", []workload.NodeSelectorTerm{term(expr("gpu", "Exists"))}, false},
		{"DoesNotExist", []workload.NodeSelectorTerm{term(expr("gpu", "DoesNotExist"))}, true},
		{"DoesNotExist on a present label", []workload.NodeSelectorTerm{term(expr("disk", "DoesNotExist"))}, false},
		{"Gt true", []workload.NodeSelectorTerm{term(expr("cores", "Gt", "4"))}, true},
		{"Gt equal is false", []workload.NodeSelectorTerm{term(expr("cores", "Gt", "8"))}, false},
		{"Lt true", []workload.NodeSelectorTerm{term(expr("cores", "Lt", "16"))}, true},
		{"Lt false", []workload.NodeSelectorTerm{term(expr("cores", "Lt", "8"))}, false},
		{"Gt on a non-integer label", []workload.NodeSelectorTerm{term(expr("disk", "Gt", "1"))}, false},
		{"Lt on a missing label", []workload.NodeSelectorTerm{term(expr("gpu", "Lt", "1"))}, false},
		{"matchFields In", []workload.NodeSelectorTerm{fieldTerm("In", "a")}, true},
		{"matchFields In another node", []workload.NodeSelectorTerm{fieldTerm("In", "b")}, false},
		{"matchFields NotIn", []workload.NodeSelectorTerm{fieldTerm("NotIn", "b")}, true},
		{"matchFields NotIn this node", []workload.NodeSelectorTerm{fieldTerm("NotIn", "a")}, false},
		{"requirements are ANDed", []workload.NodeSelectorTerm{term(expr("disk", "In", "ssd"), expr("cores", "Gt", "9"))}, false},
		{"expressions and fields are ANDed", []workload.NodeSelectorTerm{{
			MatchExpressions: []workload.NodeSelectorRequirement{expr("disk", "In", "ssd")},
			MatchFields:      []workload.NodeSelectorRequirement{{Key: "metadata.name", Operator: "In", Values: []string{"b"}}},
		}}, false},
		{"terms are ORed", []workload.NodeSelectorTerm{term(expr("disk", "In", "hdd")), term(expr("cores", "Gt", "2"))}, true},
		{"no terms match nothing", nil, false},
		{"an empty term matches nothing", []workload.NodeSelectorTerm{{}}, false},
		{"an empty term ORed with a matching one", []workload.NodeSelectorTerm{{}, term(expr("disk", "Exists"))}, true},
	}
	var fc []filterCase
	for _, c := range cases {
		reason := ReasonNodeAffinity
		if c.fits {
			reason = ""
		}
		fc = append(fc, filterCase{name: c.name, node: n, pod: mkPod("p", required(c.terms...)), reason: reason})
	}
	fc = append(fc, filterCase{name: "no affinity", node: n, pod: mkPod("p")})
	fc = append(fc, filterCase{name: "preferred only does not filter", node: n, pod: mkPod("p", preferred(10, term(expr("gpu", "Exists"))))})
	runFilterCases(t, NodeAffinityFilter{}, fc)
}

func TestHostPortsFilter(t *testing.T) {
	n := func() *workload.Node { return mkNode("a") }
	used := func(port int32, proto, ip string, opts ...podOpt) []*workload.Pod {
		return []*workload.Pod{mkPod("used", append([]podOpt{hostPort(port, proto, ip)}, opts...)...)}
	}
	hostNet := func(p *workload.Pod) {
		p.Spec.HostNetwork = true
		p.Spec.Containers[0].Ports = []workload.ContainerPort{{ContainerPort: 80}}
	}
	runFilterCases(t, HostPortsFilter{}, []filterCase{
		{name: "no ports", node: n(), existing: used(80, "TCP", ""), pod: mkPod("p")},
		{name: "container port without host port", node: n(), existing: used(80, "TCP", ""), pod: mkPod("p", hostPort(0, "TCP", ""))},
		{name: "free port", node: n(), existing: used(80, "TCP", ""), pod: mkPod("p", hostPort(81, "TCP", ""))},
		{name: "same port and protocol", node: n(), existing: used(80, "TCP", ""), pod: mkPod("p", hostPort(80, "TCP", "")), reason: ReasonHostPorts},
		{name: "protocol defaults to TCP", node: n(), existing: used(80, "", ""), pod: mkPod("p", hostPort(80, "TCP", "")), reason: ReasonHostPorts},
		{name: "other protocol", node: n(), existing: used(80, "TCP", ""), pod: mkPod("p", hostPort(80, "UDP", ""))},
		{name: "different host IPs", node: n(), existing: used(80, "TCP", "10.0.0.1"), pod: mkPod("p", hostPort(80, "TCP", "10.0.0.2"))},
		{name: "same host IP", node: n(), existing: used(80, "TCP", "10.0.0.1"), pod: mkPod("p", hostPort(80, "TCP", "10.0.0.1")), reason: ReasonHostPorts},
		{name: "wildcard used conflicts with an IP", node: n(), existing: used(80, "TCP", "0.0.0.0"), pod: mkPod("p", hostPort(80, "TCP", "10.0.0.1")), reason: ReasonHostPorts},
		{name: "an IP used conflicts with the wildcard", node: n(), existing: used(80, "TCP", "10.0.0.1"), pod: mkPod("p", hostPort(80, "TCP", "")), reason: ReasonHostPorts},
		{name: "terminating pod still holds its port", node: n(), existing: used(80, "TCP", "", terminating), pod: mkPod("p", hostPort(80, "TCP", "")), reason: ReasonHostPorts},
		{name: "finished pod frees its port", node: n(), existing: used(80, "TCP", "", phase(workload.PodSucceeded)), pod: mkPod("p", hostPort(80, "TCP", ""))},
		{name: "hostNetwork uses the container port", node: n(), existing: used(80, "TCP", ""), pod: mkPod("p", hostNet), reason: ReasonHostPorts},
		{name: "init container ports do not count", node: n(), existing: used(80, "TCP", ""), pod: mkPod("p", func(p *workload.Pod) {
			p.Spec.InitContainers = []workload.Container{{Name: "i", Ports: []workload.ContainerPort{{ContainerPort: 80, HostPort: 80}}}}
		})},
	})
}

func TestResourcesFilter(t *testing.T) {
	small := func() *workload.Node { return mkNode("a", alloc("1", "1Gi", "3")) }
	both := ReasonInsufficientCPU + ", " + ReasonInsufficientMemory
	runFilterCases(t, ResourcesFilter{}, []filterCase{
		{name: "fits exactly", node: small(), existing: []*workload.Pod{mkPod("e", requests("500m", "512Mi"))}, pod: mkPod("p", requests("500m", "512Mi"))},
		{name: "insufficient cpu", node: small(), existing: []*workload.Pod{mkPod("e", requests("600m", ""))}, pod: mkPod("p", requests("500m", "")), reason: ReasonInsufficientCPU},
		{name: "insufficient memory", node: small(), existing: []*workload.Pod{mkPod("e", requests("", "600Mi"))}, pod: mkPod("p", requests("", "512Mi")), reason: ReasonInsufficientMemory},
		{name: "both", node: small(), pod: mkPod("p", requests("2", "2Gi")), reason: both},
		{name: "too many pods", node: small(), existing: []*workload.Pod{mkPod("e1"), mkPod("e2"), mkPod("e3")}, pod: mkPod("p"), reason: ReasonTooManyPods},
		{name: "every shortfall", node: small(), existing: []*workload.Pod{mkPod("e1"), mkPod("e2"), mkPod("e3", requests("1", "1Gi"))}, pod: mkPod("p", requests("1m", "1")),
			reason: ReasonTooManyPods + ", " + both},
		{name: "zero request fits an overcommitted node", node: small(), existing: []*workload.Pod{mkPod("e", requests("2", "2Gi"))}, pod: mkPod("p")},
		{name: "terminating pods count", node: small(), existing: []*workload.Pod{mkPod("e", requests("1", ""), terminating)}, pod: mkPod("p", requests("1m", "")), reason: ReasonInsufficientCPU},
		{name: "finished pods do not count", node: small(), existing: []*workload.Pod{mkPod("e", requests("1", ""), phase(workload.PodFailed))}, pod: mkPod("p", requests("1", ""))},
		{name: "containers are summed", node: small(), pod: mkPod("p", requests("600m", ""), container("500m", "")), reason: ReasonInsufficientCPU},
		{name: "init containers: max, not sum", node: small(), pod: mkPod("p", requests("500m", ""), initContainer("1", ""), initContainer("1", ""))},
		{name: "an init container above the sum", node: small(), pod: mkPod("p", requests("500m", ""), initContainer("1100m", "")), reason: ReasonInsufficientCPU},
		{name: "allocatable falls back to capacity", node: mkNode("a", alloc("", "", ""), func(n *workload.Node) {
			n.Status.Capacity = workload.ResourceList{}
			for k, v := range rl("1", "1Gi") {
				n.Status.Capacity[k] = v
			}
			n.Status.Capacity[workload.ResourcePods] = n.Status.Capacity[workload.ResourceCPU]
		}), pod: mkPod("p", requests("1", "1Gi"))},
		{name: "no pods allocatable", node: mkNode("a", alloc("1", "1Gi", "")), pod: mkPod("p"), reason: ReasonTooManyPods},
	})
}

func TestDefaultFilterOrder(t *testing.T) {
	// A node failing several filters reports the first one's reason.
	n := mkNode("a", cordoned, readyStatus(workload.ConditionFalse), taint("k", "v", noSch), alloc("0", "0", "0"))
	p := mkPod("p", requests("1", ""), selector("x", "y"))
	s := New(Config{})
	ok, reason := s.fits(podInfo(t, p), nodeWith(t, n))
	if ok || reason != ReasonUnschedulable {
		t.Errorf("fits = (%v, %q), want (false, %q)", ok, reason, ReasonUnschedulable)
	}
}

// TestDefaultFitsMatchesFilters checks that the inlined default filter
// chain gives the same answer as the generic loop over DefaultFilters, on
// random pods and nodes.
func TestDefaultFitsMatchesFilters(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	generic := New(Config{Filters: DefaultFilters()})
	if generic.fused {
		t.Fatal("explicit filters must not take the fused path")
	}
	for i := range 2000 {
		var nopts []nodeOpt
		if rng.IntN(4) == 0 {
			nopts = append(nopts, cordoned)
		}
		if rng.IntN(4) == 0 {
			nopts = append(nopts, readyStatus(pick("False", "Unknown", "")))
		}
		if rng.IntN(3) == 0 {
			nopts = append(nopts, taint(pick("a", "b"), pick("", "v"), pick(noSch, noExe, prefer)))
		}
		nopts = append(nopts, labels("disk", pick("ssd", "hdd")), alloc(pick("1", "2"), pick("1Gi", "2Gi"), pick("1", "2", "10")))
		node := mkNode(pick("n1", "n2"), nopts...)
		var existing []*workload.Pod
		for j := range rng.IntN(3) {
			existing = append(existing, mkPod(fmt.Sprintf("e%d", j), requests(pick("", "500m"), pick("", "1Gi")), hostPort(int32(rng.IntN(2)), "", "")))
		}
		popts := []podOpt{requests(pick("", "1", "500m"), pick("", "512Mi")), hostPort(int32(rng.IntN(2)), "", "")}
		if rng.IntN(4) == 0 {
			popts = append(popts, onNode(pick("n1", "n2")))
		}
		if rng.IntN(3) == 0 {
			popts = append(popts, tol(pick("", "a", workload.TaintNodeUnschedulable, workload.TaintNodeNotReady), pick(exists, equal), pick("", "v"), pick("", noSch, noExe)))
		}
		if rng.IntN(3) == 0 {
			popts = append(popts, selector("disk", pick("ssd", "hdd")))
		}
		if rng.IntN(3) == 0 {
			popts = append(popts, required(term(expr("disk", pick("In", "NotIn"), "ssd"))))
		}
		p := podInfo(t, mkPod("p", popts...))
		n := nodeWith(t, node, existing...)
		ok1, r1 := defaultFits(p, n)
		ok2, r2 := generic.fits(p, n)
		if ok1 != ok2 || r1 != r2 {
			t.Fatalf("case %d: defaultFits = (%v, %q), filters = (%v, %q)", i, ok1, r1, ok2, r2)
		}
	}
}

// TestScalarResources: extended resources and hugepages are counted as
// NodeResourcesFit counts scalar resources: per name, against the node's
// allocatable (none when it reports none), init containers by max.
func TestScalarResources(t *testing.T) {
	want := func(name string, n int64) podOpt {
		return func(p *workload.Pod) {
			if p.Spec.Containers[0].Resources.Requests == nil {
				p.Spec.Containers[0].Resources.Requests = workload.ResourceList{}
			}
			p.Spec.Containers[0].Resources.Requests[name] = *resource.NewQuantity(n, resource.DecimalSI)
		}
	}
	withDongles := func(n *workload.Node) {
		n.Status.Allocatable["example.com/dongle"] = resource.MustParse("2")
	}
	node := mkNode("a", withDongles)
	snap, err := NewSnapshot([]*workload.Node{node, mkNode("b")}, []*workload.Pod{mkPod("x", onNode("a"), want("example.com/dongle", 1))})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Seed: 1})
	res, err := s.Schedule(mkPod("one", want("example.com/dongle", 1)), snap)
	if err != nil || res.Node != "a" {
		t.Fatalf("one dongle: %v on %q, want node a (b has none)", err, res.Node)
	}
	_, err = s.Schedule(mkPod("two", want("example.com/dongle", 2)), snap)
	var fit *FitError
	if !errors.As(err, &fit) || fit.Message() != "0/2 nodes are available: 2 Insufficient example.com/dongle."+
		" preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.." {
		t.Fatalf("two dongles: %v", err)
	}
	_, err = s.Schedule(mkPod("huge", requests("8", ""), want("hugepages-2Mi", 1)), snap)
	if !errors.As(err, &fit) || fit.Message() != "0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient hugepages-2Mi."+
		" preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.." {
		t.Fatalf("cpu and hugepages: %v", err)
	}
	// The bound pod leaves: its dongle is free again.
	snap.RemovePod(mkPod("x"))
	if res, err := s.Schedule(mkPod("two", want("example.com/dongle", 2)), snap); err != nil || res.Node != "a" {
		t.Fatalf("two dongles after x left: %v on %q", err, res.Node)
	}
	if !IsScalarResource("nvidia.com/gpu") || IsScalarResource("cpu") || IsScalarResource("kubernetes.io/batteries") || IsScalarResource("ephemeral-storage") {
		t.Fatal("IsScalarResource")
	}
}
