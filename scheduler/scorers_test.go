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

func TestSpreadScorer(t *testing.T) {
	rs := func(name string, opts ...podOpt) *workload.Pod { return mkPod(name, append(opts, ownedBy("rs1"))...) }
	runScoreCases(t, SpreadScorer{}, []scoreCase{
		{name: "no pods of the owner anywhere", nodes: three(), pod: rs("p"), raw: []int64{0, 0, 0}, want: []int64{100, 100, 100}},
		{name: "fewer pods of the owner score higher", nodes: three(),
			existing: [][]*workload.Pod{{rs("x1"), rs("x2")}, {rs("x3")}, nil}, pod: rs("p"),
			raw: []int64{2, 1, 0}, want: []int64{0, 50, 100}},
		{name: "other owners do not count", nodes: three(),
			existing: [][]*workload.Pod{{mkPod("o1", ownedBy("rs2")), mkPod("o2", ownedBy("rs2"))}, {rs("x1")}}, pod: rs("p"),
			raw: []int64{0, 1, 0}, want: []int64{100, 0, 100}},
		{name: "non-controller owner references do not count", nodes: three(),
			existing: [][]*workload.Pod{{mkPod("o1", func(p *workload.Pod) {
				p.OwnerReferences = []workload.OwnerReference{{UID: "rs1"}}
			})}}, pod: rs("p"),
			raw: []int64{0, 0, 0}, want: []int64{100, 100, 100}},
		{name: "terminating pods do not count", nodes: three(),
			existing: [][]*workload.Pod{{rs("x1", terminating)}, {rs("x2")}}, pod: rs("p"),
			raw: []int64{0, 1, 0}, want: []int64{100, 0, 100}},
		{name: "a pod without a controller scores the same everywhere", nodes: three(),
			existing: [][]*workload.Pod{{rs("x1")}}, pod: mkPod("p"),
			raw: []int64{0, 0, 0}, want: []int64{100, 100, 100}},
	})
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
