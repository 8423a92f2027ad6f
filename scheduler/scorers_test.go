package scheduler

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		name    string
		in      []int64
		reverse bool
		want    []int64
	}{
		{"scaled to the maximum", []int64{0, 5, 10}, false, []int64{0, 50, 100}},
		{"all zero", []int64{0, 0}, false, []int64{0, 0}},
		{"reversed", []int64{0, 1, 4}, true, []int64{100, 75, 0}},
		{"reversed all zero", []int64{0, 0}, true, []int64{100, 100}},
		{"empty", []int64{}, true, []int64{}},
		{"beyond the table", []int64{0, 100, 40, 3}, false, []int64{0, 100, 40, 3}},
		{"beyond the table reversed", []int64{0, 200, 50}, true, []int64{100, 0, 75}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]int64, len(tc.in))
			copy(got, tc.in)
			normalize(got, tc.reverse)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("normalize(%v, %v) (-want +got):\n%s", tc.in, tc.reverse, diff)
			}
		})
	}
}

// scoreCase scores pod on each of nodes (node i with existing[i] bound to
// it) and compares the normalized scores.
type scoreCase struct {
	name     string
	nodes    []*workload.Node
	existing [][]*workload.Pod
	pod      *workload.Pod
	raw      []int64 // nil: not checked
	want     []int64
}

func runScoreCases(t *testing.T, sc Scorer, cases []scoreCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := podInfo(t, tc.pod)
			got := make([]int64, len(tc.nodes))
			for i, n := range tc.nodes {
				var ex []*workload.Pod
				if i < len(tc.existing) {
					ex = tc.existing[i]
				}
				got[i] = sc.Score(p, nodeWith(t, n, ex...))
			}
			if tc.raw != nil {
				if diff := cmp.Diff(tc.raw, got); diff != "" {
					t.Errorf("raw scores (-want +got):\n%s", diff)
				}
			}
			if nz, ok := sc.(Normalizer); ok {
				nz.Normalize(p, got)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
		})
	}
}

func three() []*workload.Node { return []*workload.Node{mkNode("a"), mkNode("b"), mkNode("c")} }

// spreadParts schedules pod on snap with every node scored and returns
// the SpreadScorer part of each scored node's score, by node.
func spreadParts(t *testing.T, snap *Snapshot, pod *workload.Pod) map[string]int64 {
	t.Helper()
	res, err := New(Config{RecordScores: true, PercentageOfNodesToScore: 100}).Schedule(pod, snap)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, ns := range res.Scores {
		got[ns.Node] = ns.Parts[0] // DefaultScorers()[0] is SpreadScorer
	}
	return got
}

// TestSpreadScorer checks the system default spreading against scores
// worked out by hand from kube-scheduler's podtopologyspread scoring.go
// (weights log(size+2), count*weight + maxSkew-1 per constraint, rounded,
// normalized as 100*(max+min-s)/max).
func TestSpreadScorer(t *testing.T) {
	rs := func(name string, opts ...podOpt) *workload.Pod { return mkPod(name, append(opts, ownedBy("rs1"))...) }
	on := func(node string, p *workload.Pod) *workload.Pod { p.Spec.NodeName = node; return p }
	cases := []struct {
		name  string
		nodes []*workload.Node
		pods  []*workload.Pod
		pod   *workload.Pod
		want  map[string]int64
	}{
		{name: "hostname labels only", nodes: three(),
			pods: []*workload.Pod{on("a", rs("x1")), on("a", rs("x2")), on("b", rs("x3")),
				on("b", rs("gone", terminating)), on("c", mkPod("o1", ownedBy("rs2")))},
			pod: rs("p"),
			// 3 feasible nodes: weight log(5) = 1.609. Raw a: 2*1.609+2 =
			// 5.22 -> 5; b: 1.609+2 -> 4; c: 2 (the terminating pod and
			// the other controller's do not count). 100*(5+2-s)/5.
			want: map[string]int64{"a": 40, "b": 60, "c": 100}},
		{name: "zones, and a node without one",
			nodes: []*workload.Node{mkNode("a", labels(workload.LabelZone, "z1")), mkNode("b", labels(workload.LabelZone, "z1")),
				mkNode("c", labels(workload.LabelZone, "z2")), mkNode("d"), mkNode("e", labels(workload.LabelZone, "z2"), cordoned)},
			pods: []*workload.Pod{on("a", rs("x1")), on("a", rs("x2")), on("c", rs("x3")), on("e", rs("x4"))},
			pod:  rs("p"),
			// Feasible a, b, c, d: hostname weight log(6) = 1.792; zone
			// values z1, z2 and "" (d): weight log(5) = 1.609. Zone counts
			// z1 2, z2 2 (the cordoned e counts). Raw a: 2*1.792+2 +
			// 2*1.609+4 = 12.80 -> 13; b: 2 + 7.22 -> 9; c: 3.79 + 7.22
			// -> 11; d: 2 (no zone label: no zone term). 100*(13+2-s)/13.
			want: map[string]int64{"a": 15, "b": 46, "c": 30, "d": 100}},
		{name: "pods on nodes outside the pod's node selector do not count in the zone",
			nodes: []*workload.Node{mkNode("a", labels(workload.LabelZone, "z1", "pool", "x")),
				mkNode("b", labels(workload.LabelZone, "z1")), mkNode("c", labels(workload.LabelZone, "z2", "pool", "x"))},
			pods: []*workload.Pod{on("b", rs("x1")), on("b", rs("x2"))},
			pod:  rs("p", selector("pool", "x")),
			// Feasible a, c: zone counts 0 (b is left out), every raw
			// score 2+4 = 6: all 100.
			want: map[string]int64{"a": 100, "c": 100}},
		{name: "no pods of the controller anywhere", nodes: three(), pod: rs("p"),
			want: map[string]int64{"a": 100, "b": 100, "c": 100}},
		{name: "a pod without a controller is not spread", nodes: three(),
			pods: []*workload.Pod{on("a", rs("x1"))}, pod: mkPod("p"),
			want: map[string]int64{"a": 0, "b": 0, "c": 0}},
		{name: "a Job's pod is not spread", nodes: three(),
			pods: []*workload.Pod{on("a", mkPod("x1", jobOwned("j")))}, pod: mkPod("p", jobOwned("j")),
			want: map[string]int64{"a": 0, "b": 0, "c": 0}},
		{name: "a pod with constraints of its own gets no default ones", nodes: three(),
			pods: []*workload.Pod{on("a", rs("x1"))},
			pod:  rs("p", podLabels("app", "web"), spread(1, workload.LabelHostname, workload.ScheduleAnyway, "web")),
			want: map[string]int64{"a": 0, "b": 0, "c": 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := spreadParts(t, snapshot(t, tc.nodes, tc.pods...), tc.pod)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("spread scores (-want +got):\n%s", diff)
			}
		})
	}
}

func jobOwned(uid string) podOpt {
	return func(p *workload.Pod) {
		p.OwnerReferences = append(p.OwnerReferences, workload.OwnerReference{APIVersion: "batch/v1", Kind: "Job", Name: "job-" + uid, UID: uid, Controller: workload.Ptr(true)})
	}
}

func TestLeastAllocatedScorer(t *testing.T) {
	big := mkNode("big", alloc("4", "8Gi", "110"))
	runScoreCases(t, LeastAllocatedScorer{}, []scoreCase{
		{name: "empty node, half-size pod", nodes: []*workload.Node{big}, pod: mkPod("p", requests("2", "4Gi")), want: []int64{50}},
		{name: "cpu and memory weigh equally", nodes: []*workload.Node{big}, pod: mkPod("p", requests("1", "8Gi")), want: []int64{(75 + 0) / 2}},
		{name: "existing pods count", nodes: []*workload.Node{mkNode("a"), mkNode("b")},
			existing: [][]*workload.Pod{{mkPod("e", requests("2", "4Gi"))}},
			pod:      mkPod("p", requests("1", "2Gi")), want: []int64{25, 75}},
		{name: "best-effort pods count with default requests", nodes: []*workload.Node{mkNode("a", alloc("1", "1Gi", "10"))},
			existing: [][]*workload.Pod{{mkPod("e")}},
			pod:      mkPod("p"),
			// cpu: 1000-200 of 1000 -> 80; memory: 1024Mi-400Mi of 1024Mi -> 60
			want: []int64{70}},
		{name: "an explicit zero request is not defaulted", nodes: []*workload.Node{mkNode("a", alloc("1", "1Gi", "10"))},
			pod: mkPod("p", requests("0", "0")), want: []int64{100}},
		{name: "over capacity scores 0", nodes: []*workload.Node{mkNode("a", alloc("1", "1Gi", "10"))},
			pod: mkPod("p", requests("2", "2Gi")), want: []int64{0}},
		{name: "no allocatable scores 0", nodes: []*workload.Node{mkNode("a", alloc("", "", "10"))},
			pod: mkPod("p"), want: []int64{0}},
	})
}

func TestTaintScorer(t *testing.T) {
	soft := func(k string) nodeOpt { return taint(k, "v", prefer) }
	nodes := func() []*workload.Node {
		return []*workload.Node{mkNode("a"), mkNode("b", soft("x")), mkNode("c", soft("x"), soft("y"), taint("z", "v", noSch))}
	}
	runScoreCases(t, TaintScorer{}, []scoreCase{
		{name: "fewer intolerable PreferNoSchedule taints score higher", nodes: nodes(), pod: mkPod("p"),
			raw: []int64{0, 1, 2}, want: []int64{100, 50, 0}},
		{name: "a PreferNoSchedule toleration counts", nodes: nodes(), pod: mkPod("p", tol("x", exists, "", prefer)),
			raw: []int64{0, 0, 1}, want: []int64{100, 100, 0}},
		{name: "a toleration with empty effect counts", nodes: nodes(), pod: mkPod("p", tol("x", equal, "v", "")),
			raw: []int64{0, 0, 1}, want: []int64{100, 100, 0}},
		{name: "a NoSchedule toleration does not", nodes: nodes(), pod: mkPod("p", tol("x", exists, "", noSch)),
			raw: []int64{0, 1, 2}, want: []int64{100, 50, 0}},
		{name: "all tolerated", nodes: nodes(), pod: mkPod("p", tol("", exists, "", "")),
			raw: []int64{0, 0, 0}, want: []int64{100, 100, 100}},
	})
}

func TestNodeAffinityScorer(t *testing.T) {
	nodes := func() []*workload.Node {
		return []*workload.Node{mkNode("a"), mkNode("b", labels("disk", "ssd")), mkNode("c", labels("disk", "ssd", "gpu", "yes"))}
	}
	ssd := term(expr("disk", "In", "ssd"))
	gpu := term(expr("gpu", "Exists"))
	runScoreCases(t, NodeAffinityScorer{}, []scoreCase{
		{name: "no preferences", nodes: nodes(), pod: mkPod("p"), raw: []int64{0, 0, 0}, want: []int64{0, 0, 0}},
		{name: "weights of matching terms add up", nodes: nodes(), pod: mkPod("p", preferred(20, ssd), preferred(60, gpu)),
			raw: []int64{0, 20, 80}, want: []int64{0, 25, 100}},
		{name: "an empty preference matches nothing", nodes: nodes(), pod: mkPod("p", preferred(50, workload.NodeSelectorTerm{})),
			raw: []int64{0, 0, 0}, want: []int64{0, 0, 0}},
		{name: "matchFields preference", nodes: nodes(), pod: mkPod("p", preferred(10, fieldTerm("In", "a"))),
			raw: []int64{10, 0, 0}, want: []int64{100, 0, 0}},
	})
}

// TestSpreadScorerSkewTolerance: the hostname constraint's maxSkew 3 adds
// 2 to every node's raw score, which waters a one-pod difference down to
// a third of the spreading weight, so a roomy node holding one pod of
// the controller wins over a nearly full empty one. Raw a: round(log(4)
// + 2) = 3, b: 2; normalized a 100*(3+2-3)/3 = 66, b 100. LeastAllocated
// a: cpu (4000-910)*100/4000 = 77, memory (8Gi-1000Mi)*100/8Gi = 87: 82;
// b: cpu 10, memory 2: 6. BalancedAllocation a: cpu 910/4000 = 0.2275,
// memory 1000Mi/8Gi = 0.1221, 100*(1-0.0527) = 94; b: 0.9 and 0.9756,
// 100*(1-0.0378) = 96. a: 2*66 + 82 + 94 = 308, b: 2*100 + 6 + 96 = 302
// (and 3*100 each for taints). A spreading score of 0 against 100, as a
// plain per-node count gives, would pick b.
func TestSpreadScorerSkewTolerance(t *testing.T) {
	snap := snapshot(t, []*workload.Node{mkNode("a"), mkNode("b", alloc("1", "1Gi", "110"))},
		mkPod("x", onNode("a"), ownedBy("rs1"), requests("10m", "1Mi")))
	pod := mkPod("p", ownedBy("rs1"), requests("900m", "999Mi"))
	for _, record := range []bool{false, true} {
		res, err := New(Config{RecordScores: record}).Schedule(pod, snap)
		if err != nil {
			t.Fatal(err)
		}
		if res.Node != "a" || res.Score != 2*66+82+3*100+94 {
			t.Errorf("RecordScores %v: chose %s with %d, want a with %d (scores %+v)", record, res.Node, res.Score, 2*66+82+3*100+94, res.Scores)
		}
	}
}

// TestBalancedAllocationScorer: kube-scheduler's
// NodeResourcesBalancedAllocation, 100*(1-|f(cpu)-f(memory)|/2) with f the
// share of each resource the node's pods and this one request (as given:
// a container without a memory request counts 0, not 200Mi), at most 1; a
// best-effort pod is not scored (kubernetes/kubernetes#129138).
func TestBalancedAllocationScorer(t *testing.T) {
	existing := [][]*workload.Pod{
		{mkPod("x", onNode("a"), requests("2", ""))},
		{mkPod("y", onNode("b"), requests("1", "2Gi"))},
		{mkPod("z", onNode("c"), requests("8", "1Gi"))},
	}
	runScoreCases(t, BalancedAllocationScorer{}, []scoreCase{
		// a: cpu 3/4, memory 1/8: 100*(1-0.3125) = 68; b: 2/4, 3/8: 93;
		// c: cpu 9/4 counts 1, memory 2/8: 62.
		{name: "requests", nodes: three(), existing: existing, pod: mkPod("p", requests("1", "1Gi")),
			want: []int64{68, 93, 62}},
		// a: 3/4, 0: 62; b: 2/4, 2/8: 87; c: 1, 1/8: 56.
		{name: "cpu only", nodes: three(), existing: existing, pod: mkPod("p", requests("1", "")),
			want: []int64{62, 87, 56}},
		{name: "best effort", nodes: three(), existing: existing, pod: mkPod("p"),
			want: []int64{0, 0, 0}},
	})
}

// TestBalancedAllocationPicks: with LeastAllocated one point apart, the
// node whose cpu and memory stay in balance wins, as in kube-scheduler
// (NodeResourcesBalancedAllocation weighs 1 beside NodeResourcesFit).
// LeastAllocated a: cpu 27, memory 87: 57; b: cpu 50, memory 62: 56.
// BalancedAllocation a: 0.725 and 0.125: 70; b: 0.5 and 0.375: 93.
func TestBalancedAllocationPicks(t *testing.T) {
	snap := snapshot(t, []*workload.Node{mkNode("a"), mkNode("b")},
		mkPod("x", onNode("a"), requests("1900m", "0")),
		mkPod("y", onNode("b"), requests("1", "2Gi")))
	for _, record := range []bool{false, true} {
		res, err := New(Config{RecordScores: record}).Schedule(mkPod("p", requests("1", "1Gi")), snap)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(56 + 3*100 + 93); res.Node != "b" || res.Score != want {
			t.Errorf("RecordScores %v: chose %s with %d, want b with %d (scores %+v)", record, res.Node, res.Score, want, res.Scores)
		}
	}
}
