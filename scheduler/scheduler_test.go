package scheduler

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
)

func snapshot(t testing.TB, nodes []*workload.Node, pods ...*workload.Pod) *Snapshot {
	t.Helper()
	s, err := NewSnapshot(nodes, pods)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func manyNodes(n int, opts ...nodeOpt) []*workload.Node {
	nodes := make([]*workload.Node, n)
	for i := range nodes {
		nodes[i] = mkNode(fmt.Sprintf("node-%05d", i), opts...)
	}
	return nodes
}

func fitError(t *testing.T, err error) *FitError {
	t.Helper()
	var fe *FitError
	if !errors.As(err, &fe) || !errors.Is(err, ErrNoNodeFits) {
		t.Fatalf("error %v, want a *FitError wrapping ErrNoNodeFits", err)
	}
	return fe
}

func TestScheduleNoNodeFitsMessage(t *testing.T) {
	snap := snapshot(t, []*workload.Node{
		mkNode("db-1", labels("tier", "web"), taint("dedicated", "db", noSch)),
		mkNode("batch-1", labels("tier", "batch")),
		mkNode("batch-2", labels("tier", "batch")),
	})
	_, err := New(Config{}).Schedule(mkPod("web-0", selector("tier", "web")), snap)
	fe := fitError(t, err)
	want := "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."
	if got := fe.Message(); got != want {
		t.Errorf("Message() = %q\nwant        %q", got, want)
	}
	if got, want := err.Error(), "scheduler: no node fits: pod default/web-0: "+want; got != want {
		t.Errorf("Error() = %q\nwant      %q", got, want)
	}
	wantReasons := map[string]string{
		"db-1":    "node(s) had untolerated taint {dedicated: db}",
		"batch-1": ReasonNodeAffinity,
		"batch-2": ReasonNodeAffinity,
	}
	if diff := cmp.Diff(wantReasons, fe.Reasons); diff != "" {
		t.Errorf("Reasons (-want +got):\n%s", diff)
	}
	now := workload.NewTime(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
	wantCond := workload.PodCondition{Type: "PodScheduled", Status: "False", LastTransitionTime: now, Reason: "Unschedulable", Message: want}
	if diff := cmp.Diff(wantCond, fe.Condition(now)); diff != "" {
		t.Errorf("Condition (-want +got):\n%s", diff)
	}
}

func TestFitErrorMessage(t *testing.T) {
	cases := []struct {
		name string
		fe   FitError
		want string
	}{
		{"no nodes", FitError{}, "no nodes available to schedule pods"},
		{"each cause of a combined reason counts", FitError{NumAllNodes: 3, Reasons: map[string]string{
			"a": ReasonInsufficientCPU + ", " + ReasonInsufficientMemory, "b": ReasonInsufficientCPU, "c": ReasonUnschedulable,
		}}, "0/3 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."},
		{"sorted as strings, as Kubernetes", FitError{NumAllNodes: 12, Reasons: map[string]string{
			"a": ReasonTooManyPods, "b": ReasonHostPorts, "c": ReasonHostPorts, "d": ReasonHostPorts, "e": ReasonHostPorts,
			"f": ReasonHostPorts, "g": ReasonHostPorts, "h": ReasonHostPorts, "i": ReasonHostPorts, "j": ReasonHostPorts, "k": ReasonHostPorts, "l": ReasonHostPorts,
		}}, "0/12 nodes are available: 1 Too many pods, 11 node(s) didn't have free ports for the requested pod ports. preemption: 0/12 nodes are available: 12 Preemption is not helpful for scheduling.."},
		{"preemption might help on some nodes", FitError{NumAllNodes: 3, Resolvable: 2, Reasons: map[string]string{
			"a": ReasonInsufficientCPU, "b": ReasonHostPorts, "c": ReasonUnschedulable,
		}}, "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't have free ports for the requested pod ports, 1 node(s) were unschedulable." +
			" preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.."},
		{"unconsidered nodes of a pinned pod", FitError{NumAllNodes: 5000, Reasons: map[string]string{"x": ReasonInsufficientCPU},
			Unconsidered: 4999, UnconsideredReason: ReasonPreFilterNodeAffinity},
			"0/5000 nodes are available: 1 Insufficient cpu, 4999 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/5000 nodes are available: 5000 Preemption is not helpful for scheduling.."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fe.Message(); got != tc.want {
				t.Errorf("Message() = %q\nwant        %q", got, tc.want)
			}
		})
	}
}

func TestScheduleNoNodes(t *testing.T) {
	_, err := New(Config{}).Schedule(mkPod("p"), snapshot(t, nil))
	if fe := fitError(t, err); fe.Message() != "no nodes available to schedule pods" {
		t.Errorf("Message() = %q", fe.Message())
	}
}

func TestSchedulePinned(t *testing.T) {
	nodes := manyNodes(5000)
	nodes[1234] = mkNode("node-01234", taint("k", "v", noSch))
	snap := snapshot(t, nodes)
	daemon := func(node string, opts ...podOpt) *workload.Pod {
		return mkPod("ds-"+node, append([]podOpt{required(fieldTerm("In", node))}, opts...)...)
	}
	cases := []struct {
		name      string
		pod       *workload.Pod
		node      string // "" when none fits
		evaluated int
		message   string
	}{
		{name: "nodeName", pod: mkPod("p", onNode("node-04321")), node: "node-04321", evaluated: 1},
		{name: "matchFields metadata.name In", pod: daemon("node-00007"), node: "node-00007", evaluated: 1},
		{name: "matchFields with other requirements on the pinned node", evaluated: 1,
			pod: mkPod("p", required(workload.NodeSelectorTerm{
				MatchExpressions: []workload.NodeSelectorRequirement{expr("gpu", "Exists")},
				MatchFields:      fieldTerm("In", "node-00007").MatchFields,
			})),
			message: "0/5000 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 4999 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/5000 nodes are available: 5000 Preemption is not helpful for scheduling.."},
		{name: "pinned node does not fit", pod: daemon("node-01234"), evaluated: 1,
			message: "0/5000 nodes are available: 1 node(s) had untolerated taint {k: v}, 4999 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/5000 nodes are available: 5000 Preemption is not helpful for scheduling.."},
		{name: "pinned node tolerated", pod: daemon("node-01234", tol("k", exists, "", "")), node: "node-01234", evaluated: 1},
		{name: "nodeName of a missing node", pod: mkPod("p", onNode("gone")),
			message: "0/5000 nodes are available: 5000 node(s) didn't match the requested node name. preemption: 0/5000 nodes are available: 5000 Preemption is not helpful for scheduling.."},
		{name: "nodeName and affinity disagree", pod: mkPod("p", onNode("node-00001"), required(fieldTerm("In", "node-00002"))), evaluated: 1,
			message: "0/5000 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 4999 node(s) didn't match the requested node name. preemption: 0/5000 nodes are available: 5000 Preemption is not helpful for scheduling.."},
	}
	s := New(Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.Schedule(tc.pod, snap)
			if tc.node != "" {
				if err != nil || res.Node != tc.node {
					t.Fatalf("Schedule = %+v, %v; want node %s", res, err, tc.node)
				}
			} else if fe := fitError(t, err); fe.Message() != tc.message {
				t.Errorf("Message() = %q\nwant        %q", fe.Message(), tc.message)
			}
			if res.Evaluated != tc.evaluated {
				t.Errorf("Evaluated = %d, want %d (the fast path looks at the pinned node only)", res.Evaluated, tc.evaluated)
			}
		})
	}

	// Two terms are not a pin: the scan goes over the nodes.
	res, err := s.Schedule(mkPod("two", required(fieldTerm("In", "node-00001"), fieldTerm("In", "node-00002"))), snap)
	if err != nil || (res.Node != "node-00001" && res.Node != "node-00002") || res.Evaluated != 5000 {
		t.Errorf("two matchFields terms: %+v, %v; want node-00001 or node-00002 after a full scan", res, err)
	}
}

// TestScheduleDeterministic builds the same snapshot from updates in
// different orders and checks that every pod goes to the same node, and
// that the same call twice gives the same answer.
func TestScheduleDeterministic(t *testing.T) {
	nodes := manyNodes(300)
	for i, n := range nodes {
		if i%7 == 0 {
			n.Spec.Taints = []workload.Taint{{Key: "soft", Effect: prefer}}
		}
		if i%5 == 0 {
			n.Labels["disk"] = "ssd"
		}
	}
	var bound []*workload.Pod
	for i := range 600 {
		bound = append(bound, mkPod(fmt.Sprintf("b%d", i), onNode(nodes[(i*7)%len(nodes)].Name), requests("100m", "64Mi"), ownedBy(fmt.Sprintf("rs%d", i%4))))
	}
	var pending []*workload.Pod
	for i := range 100 {
		opts := []podOpt{requests("200m", "128Mi"), ownedBy(fmt.Sprintf("rs%d", i%4))}
		if i%3 == 0 {
			opts = append(opts, preferred(50, term(expr("disk", "In", "ssd"))))
		}
		pending = append(pending, mkPod(fmt.Sprintf("p%d", i), opts...))
	}
	place := func(order uint64, seed uint64) []string {
		rng := rand.New(rand.NewPCG(order, 99))
		ns := append([]*workload.Node(nil), nodes...)
		ps := append([]*workload.Pod(nil), bound...)
		rng.Shuffle(len(ns), func(i, j int) { ns[i], ns[j] = ns[j], ns[i] })
		rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		snap := &Snapshot{}
		for i, n := range ns { // interleave node and pod updates
			if err := snap.AddNode(n); err != nil {
				t.Fatal(err)
			}
			if err := snap.AddPod(ps[2*i]); err != nil {
				t.Fatal(err)
			}
			if err := snap.AddPod(ps[2*i+1]); err != nil {
				t.Fatal(err)
			}
		}
		s := New(Config{Seed: seed})
		var out []string
		for _, p := range pending {
			res, err := s.Schedule(p, snap)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := s.Schedule(p, snap)
			if again.Node != res.Node {
				t.Fatalf("pod %s: %s then %s from the same inputs", p.Name, res.Node, again.Node)
			}
			out = append(out, res.Node)
			b := p.DeepCopy()
			b.Spec.NodeName = res.Node
			if err := snap.AddPod(b); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	want := place(1, 42)
	for order := uint64(2); order <= 4; order++ {
		if diff := cmp.Diff(want, place(order, 42)); diff != "" {
			t.Errorf("update order %d changed placements (-first +this):\n%s", order, diff)
		}
	}
	if other := place(1, 43); cmp.Equal(want, other) {
		t.Error("seed 43 placed every pod exactly as seed 42; the seed has no effect")
	}
}

func TestScheduleSeedBreaksTies(t *testing.T) {
	snap := snapshot(t, manyNodes(10))
	seen := map[string]bool{}
	for seed := range uint64(30) {
		res, err := New(Config{Seed: seed}).Schedule(mkPod("p"), snap)
		if err != nil {
			t.Fatal(err)
		}
		seen[res.Node] = true
	}
	if len(seen) < 5 {
		t.Errorf("30 seeds chose only %d distinct nodes among 10 equal ones", len(seen))
	}
	seen = map[string]bool{}
	s := New(Config{Seed: 7})
	for i := range 30 {
		res, err := s.Schedule(mkPod(fmt.Sprintf("p%d", i)), snap)
		if err != nil {
			t.Fatal(err)
		}
		seen[res.Node] = true
	}
	if len(seen) < 5 {
		t.Errorf("30 different pods chose only %d distinct nodes among 10 equal ones", len(seen))
	}
}

// TestSchedulePrefers checks that each score steers the choice, through
// Schedule with the default weights.
func TestSchedulePrefers(t *testing.T) {
	t.Run("spread: replicas of one owner go to different nodes", func(t *testing.T) {
		snap := snapshot(t, manyNodes(3))
		s := New(Config{})
		seen := map[string]bool{}
		for i := range 3 {
			p := mkPod(fmt.Sprintf("web-%d", i), ownedBy("rs-web"))
			res, err := s.Schedule(p, snap)
			if err != nil {
				t.Fatal(err)
			}
			seen[res.Node] = true
			p.Spec.NodeName = res.Node
			if err := snap.AddPod(p); err != nil {
				t.Fatal(err)
			}
		}
		if len(seen) != 3 {
			t.Errorf("3 replicas on %d nodes, want 3", len(seen))
		}
	})
	cases := []struct {
		name  string
		nodes []*workload.Node
		bound []*workload.Pod
		pod   *workload.Pod
		want  string
	}{
		{"least allocated", []*workload.Node{mkNode("a"), mkNode("b"), mkNode("c")},
			[]*workload.Pod{mkPod("x", onNode("a"), requests("2", "4Gi")), mkPod("y", onNode("c"), requests("1", "1Gi"))},
			mkPod("p", requests("500m", "512Mi")), "b"},
		{"PreferNoSchedule avoided", []*workload.Node{mkNode("a", taint("s", "", prefer)), mkNode("b"), mkNode("c", taint("s", "", prefer))},
			nil, mkPod("p"), "b"},
		{"preferred node affinity", []*workload.Node{mkNode("a"), mkNode("b"), mkNode("c", labels("disk", "ssd"))},
			nil, mkPod("p", preferred(1, term(expr("disk", "In", "ssd")))), "c"},
		{"taints (weight 3) outweigh spreading (weight 2)",
			[]*workload.Node{mkNode("a", taint("s", "", prefer)), mkNode("b")},
			[]*workload.Pod{mkPod("x", onNode("b"), ownedBy("rs"))},
			mkPod("p", ownedBy("rs")), "b"},
		{"spreading outweighs a busier node", []*workload.Node{mkNode("a"), mkNode("b")},
			[]*workload.Pod{mkPod("x", onNode("a"), ownedBy("rs")), mkPod("y", onNode("b"), requests("2", "4Gi"))},
			mkPod("p", ownedBy("rs")), "b"},
		{"the only feasible node", []*workload.Node{mkNode("a", cordoned), mkNode("b"), mkNode("c", readyStatus(""))},
			nil, mkPod("p"), "b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(5) { // whatever the seed
				res, err := New(Config{Seed: seed}).Schedule(tc.pod, snapshot(t, tc.nodes, tc.bound...))
				if err != nil || res.Node != tc.want {
					t.Fatalf("seed %d: Schedule = %+v, %v; want node %s", seed, res, err, tc.want)
				}
			}
		})
	}
}

func TestNumFeasibleNodesToFind(t *testing.T) {
	cases := []struct{ nodes, pct, want int }{
		{0, 0, 0},
		{50, 0, 50},
		{99, 10, 99},
		{100, 0, 100},
		{1000, 0, 420},   // 50 - 8 = 42%
		{5000, 0, 500},   // 50 - 40 = 10%
		{6000, 0, 300},   // 50 - 48 = 2% -> at least 5%
		{20000, 0, 1000}, // 5%
		{1000, 5, 100},   // at least 100 nodes
		{1000, 30, 300},
		{1000, 100, 1000},
		{1000, 150, 1000},
		{1000, -1, 420},
	}
	for _, tc := range cases {
		if got := numFeasibleNodesToFind(tc.nodes, tc.pct); got != tc.want {
			t.Errorf("numFeasibleNodesToFind(%d, %d) = %d, want %d", tc.nodes, tc.pct, got, tc.want)
		}
	}
}

func TestScheduleSampling(t *testing.T) {
	nodes := manyNodes(1000)
	for i := range 500 { // every other node is cordoned
		nodes[2*i].Spec.Unschedulable = true
	}
	snap := snapshot(t, nodes)
	cases := []struct {
		pct            int
		feasible       int
		evaluatedAtMin int
	}{
		{pct: 0, feasible: 420, evaluatedAtMin: 839},
		{pct: 100, feasible: 500, evaluatedAtMin: 1000},
		{pct: 10, feasible: 100, evaluatedAtMin: 199},
	}
	for _, tc := range cases {
		res, err := New(Config{PercentageOfNodesToScore: tc.pct}).Schedule(mkPod("p"), snap)
		if err != nil {
			t.Fatal(err)
		}
		if res.Feasible != tc.feasible || res.Evaluated < tc.evaluatedAtMin || res.Evaluated > tc.evaluatedAtMin+1 {
			t.Errorf("pct %d: feasible %d of %d evaluated, want %d of %d or %d", tc.pct, res.Feasible, res.Evaluated, tc.feasible, tc.evaluatedAtMin, tc.evaluatedAtMin+1)
		}
	}
}

func TestScheduleRecordScores(t *testing.T) {
	snap := snapshot(t, []*workload.Node{mkNode("a", taint("s", "", prefer)), mkNode("b")},
		mkPod("x", onNode("b"), ownedBy("rs"), requests("2", "4Gi")))
	res, err := New(Config{RecordScores: true}).Schedule(mkPod("p", ownedBy("rs")), snap)
	if err != nil {
		t.Fatal(err)
	}
	// Parts: spread (w2), least allocated (w1), taints (w3), node affinity
	// (w2), inter-pod affinity (w2), topology spread constraints (w2),
	// balanced allocation (w1: 0, p requests nothing).
	// Spread: 2 feasible nodes, weight log(4) = 1.386; raw a 2, b 3.39 ->
	// 3; normalized 100*(3+2-s)/3.
	want := map[string]NodeScore{
		"a": {Node: "a", Total: 2*100 + 1*97 + 3*0 + 2*0 + 2*0 + 2*0 + 0, Parts: []int64{100, 97, 0, 0, 0, 0, 0}},
		"b": {Node: "b", Total: 2*66 + 1*47 + 3*100 + 2*0 + 2*0 + 2*0 + 0, Parts: []int64{66, 47, 100, 0, 0, 0, 0}},
	}
	got := map[string]NodeScore{}
	for _, ns := range res.Scores {
		got[ns.Node] = ns
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scores (-want +got):\n%s", diff)
	}
	if res.Node != "b" || res.Score != want["b"].Total {
		t.Errorf("chose %s with %d, want b with %d", res.Node, res.Score, want["b"].Total)
	}
}

func TestScheduleInvalid(t *testing.T) {
	snap := snapshot(t, manyNodes(3))
	s := New(Config{})
	if _, err := s.Schedule(nil, snap); !errors.Is(err, ErrInvalidPod) {
		t.Errorf("nil pod: error %v, want ErrInvalidPod", err)
	}
	if _, err := s.Schedule(mkPod("p"), nil); err == nil || !strings.HasPrefix(err.Error(), "scheduler: ") {
		t.Errorf("nil snapshot: error %v, want a scheduler error", err)
	}
	const req = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]."
	cases := []struct {
		name string
		pod  *workload.Pod
		text string
	}{
		{"unknown operator", mkPod("p", required(term(expr("a", "Like", "x")))), req + `matchExpressions[0].operator: unsupported value "Like"`},
		{"In without values", mkPod("p", required(term(expr("a", "In")))), req + "matchExpressions[0].values: must be non-empty"},
		{"Exists with values", mkPod("p", required(term(expr("a", "Exists", "x")))), req + "matchExpressions[0].values: must be empty"},
		{"Gt with two values", mkPod("p", required(term(expr("a", "Gt", "1", "2")))), req + "matchExpressions[0].values: must have one element"},
		{"preferred Lt not an integer", mkPod("p", preferred(1, term(expr("a", "Lt", "x")))),
			`spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].values[0]: "x" is not an integer`},
		{"empty key", mkPod("p", required(term(expr("", "Exists")))), req + "matchExpressions[0].key: required"},
		{"matchFields key", mkPod("p", required(workload.NodeSelectorTerm{MatchFields: []workload.NodeSelectorRequirement{expr("metadata.uid", "In", "x")}})),
			req + `matchFields[0].key: unsupported value "metadata.uid"`},
		{"matchFields operator", mkPod("p", required(workload.NodeSelectorTerm{MatchFields: []workload.NodeSelectorRequirement{expr("metadata.name", "Exists")}})),
			req + `matchFields[0].operator: unsupported value "Exists"`},
		{"matchFields two values", mkPod("p", required(fieldTerm("In", "a", "b"))), req + "matchFields[0].values: must have one element"},
		{"preferred weight", mkPod("p", preferred(0, term(expr("a", "Exists")))),
			"spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: 0 is not in the range 1-100"},
		{"preferred operator", mkPod("p", preferred(1, term(expr("a", "Near")))),
			`spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].operator: unsupported value "Near"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Schedule(tc.pod, snap)
			if !errors.Is(err, ErrInvalidPod) || !strings.Contains(err.Error(), "pod default/p: "+tc.text) {
				t.Errorf("error %v\nwant ErrInvalidPod naming pod default/p and %q", err, tc.text)
			}
		})
	}
}

// A required Gt or Lt whose value is not an integer matches no node (no
// error), as kube-scheduler's NodeAffinity filter ignores the parse error;
// another term still matches.
func TestScheduleRequiredGtLtNotAnInteger(t *testing.T) {
	snap := snapshot(t, manyNodes(3))
	s := New(Config{})
	_, err := s.Schedule(mkPod("p", required(term(expr("a", "Lt", "x")))), snap)
	var fit *FitError
	if !errors.As(err, &fit) || !strings.Contains(err.Error(), "3 node(s) didn't match Pod's node affinity/selector") {
		t.Errorf("error %v, want a FitError: no node matches the node affinity", err)
	}
	if _, err := s.Schedule(mkPod("p", required(term(expr("a", "Lt", "x")), term(expr("kubernetes.io/hostname", "Exists")))), snap); err != nil {
		t.Errorf("with a second term that matches: %v", err)
	}
}

func TestScheduleDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	// The controller has pods on some nodes: spreading counts them.
	snap := snapshot(t, manyNodes(1000), mkPod("x1", onNode("node-00001"), ownedBy("rs")),
		mkPod("x2", onNode("node-00500"), ownedBy("rs")), mkPod("x3", onNode("node-00500"), ownedBy("rs")))
	s := New(Config{})
	pods := []*workload.Pod{
		mkPod("plain", requests("100m", "128Mi"), ownedBy("rs")),
		mkPod("tolerant", tol("k", exists, "", noSch), selector(workload.LabelHostname, "node-00010")),
		mkPod("ds", required(fieldTerm("In", "node-00003"))),
	}
	for _, p := range pods {
		s.Schedule(p, snap) // warm the scratch space
		if n := testing.AllocsPerRun(20, func() {
			if _, err := s.Schedule(p, snap); err != nil {
				t.Fatal(err)
			}
		}); n > 0 {
			t.Errorf("pod %s: %v allocations per Schedule, want 0", p.Name, n)
		}
	}
	// With zones, default spreading counts the controller's pods per zone
	// (pickFused rather than scanPick), still in reused scratch space.
	nodes := manyNodes(300)
	var bound []*workload.Pod
	for i, n := range nodes {
		n.Labels[workload.LabelZone] = fmt.Sprintf("z%d", i%3)
		if i%7 == 0 {
			bound = append(bound, mkPod(fmt.Sprintf("x%d", i), onNode(n.Name), ownedBy("rs")))
		}
	}
	zoned := snapshot(t, nodes, bound...)
	p := mkPod("zoned", requests("100m", "128Mi"), ownedBy("rs"))
	s.Schedule(p, zoned)
	if n := testing.AllocsPerRun(20, func() {
		if _, err := s.Schedule(p, zoned); err != nil {
			t.Fatal(err)
		}
	}); n > 0 {
		t.Errorf("pod %s on zoned nodes: %v allocations per Schedule, want 0", p.Name, n)
	}
}

func TestScheduledMessage(t *testing.T) {
	if got, want := ScheduledMessage(mkPod("web-0"), "node-1"), "Successfully assigned default/web-0 to node-1"; got != want {
		t.Errorf("ScheduledMessage = %q, want %q", got, want)
	}
}
