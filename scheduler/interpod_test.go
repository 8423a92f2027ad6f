package scheduler

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
)

func podLabels(kv ...string) podOpt {
	return func(p *workload.Pod) {
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Labels[kv[i]] = kv[i+1]
		}
	}
}

func inNamespace(ns string) podOpt { return func(p *workload.Pod) { p.Namespace = ns } }

// affTerm is a term selecting the pods with labels kv, by topology key.
func affTerm(key string, kv ...string) workload.PodAffinityTerm {
	sel := &workload.LabelSelector{MatchLabels: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		sel.MatchLabels[kv[i]] = kv[i+1]
	}
	return workload.PodAffinityTerm{LabelSelector: sel, TopologyKey: key}
}

func interPod(p *workload.Pod) *workload.Affinity {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &workload.Affinity{}
	}
	a := p.Spec.Affinity
	if a.PodAffinity == nil {
		a.PodAffinity = &workload.PodAffinity{}
	}
	if a.PodAntiAffinity == nil {
		a.PodAntiAffinity = &workload.PodAntiAffinity{}
	}
	return a
}

func requiredAffinity(terms ...workload.PodAffinityTerm) podOpt {
	return func(p *workload.Pod) {
		a := interPod(p).PodAffinity
		a.RequiredDuringSchedulingIgnoredDuringExecution = append(a.RequiredDuringSchedulingIgnoredDuringExecution, terms...)
	}
}

func requiredAnti(terms ...workload.PodAffinityTerm) podOpt {
	return func(p *workload.Pod) {
		a := interPod(p).PodAntiAffinity
		a.RequiredDuringSchedulingIgnoredDuringExecution = append(a.RequiredDuringSchedulingIgnoredDuringExecution, terms...)
	}
}

func preferredAffinity(w int32, t workload.PodAffinityTerm) podOpt {
	return func(p *workload.Pod) {
		a := interPod(p).PodAffinity
		a.PreferredDuringSchedulingIgnoredDuringExecution = append(a.PreferredDuringSchedulingIgnoredDuringExecution, workload.WeightedPodAffinityTerm{Weight: w, PodAffinityTerm: t})
	}
}

func preferredAnti(w int32, t workload.PodAffinityTerm) podOpt {
	return func(p *workload.Pod) {
		a := interPod(p).PodAntiAffinity
		a.PreferredDuringSchedulingIgnoredDuringExecution = append(a.PreferredDuringSchedulingIgnoredDuringExecution, workload.WeightedPodAffinityTerm{Weight: w, PodAffinityTerm: t})
	}
}

// filterAll runs the default filters for pod on every node of snap, as
// Schedule does, and returns each node's reason ("" for a node that fits).
func filterAll(t *testing.T, snap *Snapshot, pod *workload.Pod) map[string]string {
	t.Helper()
	s := New(Config{})
	p := &s.pod
	if err := p.init(pod); err != nil {
		t.Fatal(err)
	}
	s.prepareFilters(p, snap)
	out := map[string]string{}
	for _, n := range snap.Nodes() {
		_, out[n.Name()] = defaultFits(p, n)
	}
	return out
}

const (
	zone = workload.LabelZone
	host = workload.LabelHostname
)

// threeNodes: a and b in zone z1, c in zone z2.
func threeNodes() []*workload.Node {
	return []*workload.Node{mkNode("a", labels(zone, "z1")), mkNode("b", labels(zone, "z1")), mkNode("c", labels(zone, "z2"))}
}

func TestInterPodAffinityFilter(t *testing.T) {
	const (
		aff      = ReasonAffinityRulesNotMatch
		anti     = ReasonAntiAffinityRulesNotMatch
		existing = ReasonExistingAntiAffinityRulesNotMatch
	)
	noZone := mkNode("d") // no zone label
	cases := []struct {
		name     string
		nodes    []*workload.Node
		existing []*workload.Pod
		ns       []*workload.Namespace
		pod      *workload.Pod
		want     map[string]string
	}{
		{
			name:     "affinity: the domains holding a matching pod",
			nodes:    append(threeNodes(), noZone),
			existing: []*workload.Pod{mkPod("db", onNode("a"), podLabels("app", "db"))},
			pod:      mkPod("p", requiredAffinity(affTerm(zone, "app", "db"))),
			want:     map[string]string{"a": "", "b": "", "c": aff, "d": aff},
		},
		{
			name:     "affinity: one pod must match every term",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("db", onNode("a"), podLabels("app", "db")), mkPod("cache", onNode("c"), podLabels("tier", "cache"))},
			pod:      mkPod("p", requiredAffinity(affTerm(zone, "app", "db"), affTerm(zone, "tier", "cache"))),
			// No pod matches both, so no domain counts; the pod does not
			// match its own terms either.
			want: map[string]string{"a": aff, "b": aff, "c": aff},
		},
		{
			name:  "affinity: the first pod of a group that matches its own term goes anywhere the key exists",
			nodes: append(threeNodes(), noZone),
			pod:   mkPod("p", podLabels("app", "web"), requiredAffinity(affTerm(zone, "app", "web"))),
			want:  map[string]string{"a": "", "b": "", "c": "", "d": aff},
		},
		{
			name:  "affinity: a pod that does not match its own term is no first pod",
			nodes: threeNodes(),
			pod:   mkPod("p", podLabels("app", "api"), requiredAffinity(affTerm(zone, "app", "web"))),
			want:  map[string]string{"a": aff, "b": aff, "c": aff},
		},
		{
			name:     "affinity: once a matching pod runs, the first-pod rule no longer applies",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("web-0", onNode("c"), podLabels("app", "web"))},
			pod:      mkPod("p", podLabels("app", "web"), requiredAffinity(affTerm(zone, "app", "web"))),
			want:     map[string]string{"a": aff, "b": aff, "c": ""},
		},
		{
			name:     "affinity: pods of another namespace do not count by default",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("db", onNode("a"), inNamespace("other"), podLabels("app", "db"))},
			pod:      mkPod("p", requiredAffinity(affTerm(zone, "app", "db"))),
			want:     map[string]string{"a": aff, "b": aff, "c": aff},
		},
		{
			name:     "affinity: namespaces names the other namespace",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("db", onNode("c"), inNamespace("other"), podLabels("app", "db"))},
			pod: mkPod("p", requiredAffinity(func() workload.PodAffinityTerm {
				t := affTerm(zone, "app", "db")
				t.Namespaces = []string{"other"}
				return t
			}())),
			want: map[string]string{"a": aff, "b": aff, "c": ""},
		},
		{
			name:     "affinity: namespaceSelector by the namespace's labels",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("db", onNode("c"), inNamespace("other"), podLabels("app", "db")), mkPod("db2", onNode("a"), inNamespace("third"), podLabels("app", "db"))},
			ns:       []*workload.Namespace{{ObjectMeta: workload.ObjectMeta{Name: "other", Labels: map[string]string{"team": "x"}}}},
			pod: mkPod("p", requiredAffinity(func() workload.PodAffinityTerm {
				t := affTerm(zone, "app", "db")
				t.NamespaceSelector = &workload.LabelSelector{MatchLabels: map[string]string{"team": "x"}}
				return t
			}())),
			want: map[string]string{"a": aff, "b": aff, "c": ""},
		},
		{
			name:     "affinity: an empty namespaceSelector selects every namespace",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("db", onNode("c"), inNamespace("third"), podLabels("app", "db"))},
			pod: mkPod("p", requiredAffinity(func() workload.PodAffinityTerm {
				t := affTerm(zone, "app", "db")
				t.NamespaceSelector = &workload.LabelSelector{}
				return t
			}())),
			want: map[string]string{"a": aff, "b": aff, "c": ""},
		},
		{
			name:     "affinity: a term without labelSelector matches no pod",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("db", onNode("a"), podLabels("app", "db"))},
			pod:      mkPod("p", requiredAffinity(workload.PodAffinityTerm{TopologyKey: zone})),
			want:     map[string]string{"a": aff, "b": aff, "c": aff},
		},
		{
			name:     "anti-affinity: not in a domain holding a matching pod",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("web-0", onNode("a"), podLabels("app", "web"))},
			pod:      mkPod("p", podLabels("app", "web"), requiredAnti(affTerm(host, "app", "web"))),
			want:     map[string]string{"a": anti, "b": "", "c": ""},
		},
		{
			name:     "anti-affinity by zone; a node without the key is no domain",
			nodes:    append(threeNodes(), noZone),
			existing: []*workload.Pod{mkPod("web-0", onNode("a"), podLabels("app", "web"))},
			pod:      mkPod("p", requiredAnti(affTerm(zone, "app", "web"))),
			want:     map[string]string{"a": anti, "b": anti, "c": "", "d": ""},
		},
		{
			name:     "anti-affinity: a terminating pod still counts",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("web-0", onNode("a"), podLabels("app", "web"), terminating)},
			pod:      mkPod("p", requiredAnti(affTerm(host, "app", "web"))),
			want:     map[string]string{"a": anti, "b": "", "c": ""},
		},
		{
			name:  "anti-affinity: matchLabelKeys takes the value from the pod's own labels",
			nodes: threeNodes(),
			existing: []*workload.Pod{
				mkPod("web-v1", onNode("a"), podLabels("app", "web", "version", "v1")),
				mkPod("web-v2", onNode("b"), podLabels("app", "web", "version", "v2")),
			},
			pod: mkPod("p", podLabels("app", "web", "version", "v2"), requiredAnti(func() workload.PodAffinityTerm {
				t := affTerm(host, "app", "web")
				t.MatchLabelKeys = []string{"version"}
				return t
			}())),
			want: map[string]string{"a": "", "b": anti, "c": ""},
		},
		{
			// The API server merged version In (v1) when the pod was
			// created; relabelled since, the pod keeps that selector (the
			// merge happens once, at creation), as kube-scheduler reads
			// it: no second requirement for v2.
			name:  "anti-affinity: matchLabelKeys merged at creation stay as merged after a relabel",
			nodes: threeNodes(),
			existing: []*workload.Pod{
				mkPod("web-v1", onNode("a"), podLabels("app", "web", "version", "v1")),
				mkPod("web-v2", onNode("b"), podLabels("app", "web", "version", "v2")),
			},
			pod: mkPod("p", podLabels("app", "web", "version", "v2"), requiredAnti(func() workload.PodAffinityTerm {
				t := affTerm(host, "app", "web")
				t.MatchLabelKeys = []string{"version"}
				t.LabelSelector.MatchExpressions = []workload.LabelSelectorRequirement{{Key: "version", Operator: workload.LabelSelectorOpIn, Values: []string{"v1"}}}
				return t
			}())),
			want: map[string]string{"a": anti, "b": "", "c": ""},
		},
		{
			name:  "anti-affinity: mismatchLabelKeys selects the pods of other values",
			nodes: threeNodes(),
			existing: []*workload.Pod{
				mkPod("t1", onNode("a"), podLabels("app", "web", "tenant", "t1")),
				mkPod("t2", onNode("b"), podLabels("app", "web", "tenant", "t2")),
			},
			pod: mkPod("p", podLabels("app", "web", "tenant", "t2"), requiredAnti(func() workload.PodAffinityTerm {
				t := affTerm(host, "app", "web")
				t.MismatchLabelKeys = []string{"tenant"}
				return t
			}())),
			want: map[string]string{"a": anti, "b": "", "c": ""},
		},
		{
			name:     "existing pods' anti-affinity keeps matching pods out of their domain",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("db", onNode("a"), podLabels("app", "db"), requiredAnti(affTerm(zone, "app", "web")))},
			pod:      mkPod("p", podLabels("app", "web")),
			want:     map[string]string{"a": existing, "b": existing, "c": ""},
		},
		{
			name:     "existing pods' anti-affinity does not touch other pods",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("db", onNode("a"), podLabels("app", "db"), requiredAnti(affTerm(zone, "app", "web")))},
			pod:      mkPod("p", podLabels("app", "api")),
			want:     map[string]string{"a": "", "b": "", "c": ""},
		},
		{
			name:     "existing pods' anti-affinity in another namespace reads the incoming pod's namespace",
			nodes:    threeNodes(),
			existing: []*workload.Pod{mkPod("db", onNode("a"), inNamespace("other"), podLabels("app", "db"), requiredAnti(affTerm(zone, "app", "web")))},
			pod:      mkPod("p", podLabels("app", "web")),
			want:     map[string]string{"a": "", "b": "", "c": ""},
		},
		{
			name:     "the filters before come first",
			nodes:    []*workload.Node{mkNode("a", labels(zone, "z1"), cordoned), mkNode("b", labels(zone, "z1"))},
			existing: []*workload.Pod{mkPod("web-0", onNode("b"), podLabels("app", "web"))},
			pod:      mkPod("p", requiredAnti(affTerm(zone, "app", "web"))),
			want:     map[string]string{"a": ReasonUnschedulable, "b": anti},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap := snapshot(t, tc.nodes, tc.existing...)
			for _, ns := range tc.ns {
				snap.SetNamespace(ns)
			}
			if diff := cmp.Diff(tc.want, filterAll(t, snap, tc.pod)); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInterPodAffinityMessage(t *testing.T) {
	snap := snapshot(t, threeNodes(),
		mkPod("web-0", onNode("a"), podLabels("app", "web")),
		mkPod("web-1", onNode("b"), podLabels("app", "web")),
		mkPod("web-2", onNode("c"), podLabels("app", "web")))
	_, err := New(Config{}).Schedule(mkPod("web-3", podLabels("app", "web"), requiredAnti(affTerm(host, "app", "web"))), snap)
	want := "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. " +
		"preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.."
	if fe := fitErrorOf(err); fe == nil || fe.Message() != want {
		t.Fatalf("err = %v, want the message %q", err, want)
	}
	_, err = New(Config{}).Schedule(mkPod("p", requiredAffinity(affTerm(zone, "app", "db"))), snap)
	want = "0/3 nodes are available: 3 node(s) didn't match pod affinity rules. " +
		"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."
	if fe := fitErrorOf(err); fe == nil || fe.Message() != want {
		t.Fatalf("err = %v, want the message %q", err, want)
	}
}

func TestInterPodAffinityScorer(t *testing.T) {
	nodes := threeNodes()
	cases := []struct {
		name     string
		existing []*workload.Pod
		pod      *workload.Pod
		want     map[string]int64 // normalized InterPodAffinityScorer part
	}{
		{
			name:     "preferred affinity: the domain of the matching pod",
			existing: []*workload.Pod{mkPod("db", onNode("c"), podLabels("app", "db"))},
			pod:      mkPod("p", preferredAffinity(50, affTerm(zone, "app", "db"))),
			want:     map[string]int64{"a": 0, "b": 0, "c": 100},
		},
		{
			name:     "preferred anti-affinity: away from the matching pod",
			existing: []*workload.Pod{mkPod("web-0", onNode("a"), podLabels("app", "web"))},
			pod:      mkPod("p", preferredAnti(10, affTerm(zone, "app", "web"))),
			want:     map[string]int64{"a": 0, "b": 0, "c": 100},
		},
		{
			name: "weights add up and normalize from lowest to highest",
			existing: []*workload.Pod{
				mkPod("db", onNode("a"), podLabels("app", "db")),
				mkPod("web-0", onNode("c"), podLabels("app", "web")),
			},
			pod:  mkPod("p", preferredAffinity(30, affTerm(host, "app", "db")), preferredAnti(10, affTerm(zone, "app", "web"))),
			want: map[string]int64{"a": 100, "b": 25, "c": 0}, // raw 30, 0, -10
		},
		{
			name:     "an existing pod's required affinity draws the pods it matches (weight 1)",
			existing: []*workload.Pod{mkPod("web-0", onNode("b"), podLabels("app", "web"), requiredAffinity(affTerm(host, "app", "cache")))},
			pod:      mkPod("cache", podLabels("app", "cache")),
			want:     map[string]int64{"a": 0, "b": 100, "c": 0},
		},
		{
			name:     "an existing pod's preferred anti-affinity pushes the pods it matches away",
			existing: []*workload.Pod{mkPod("web-0", onNode("b"), podLabels("app", "web"), preferredAnti(5, affTerm(zone, "app", "batch")))},
			pod:      mkPod("job", podLabels("app", "batch")),
			want:     map[string]int64{"a": 0, "b": 0, "c": 100},
		},
		{
			name:     "nothing to sum: every node 0",
			existing: []*workload.Pod{mkPod("web-0", onNode("b"), podLabels("app", "web"))},
			pod:      mkPod("p", preferredAffinity(5, affTerm(zone, "app", "none"))),
			want:     map[string]int64{"a": 0, "b": 0, "c": 0},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap := snapshot(t, nodes, tc.existing...)
			res, err := New(Config{RecordScores: true}).Schedule(tc.pod, snap)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, ns := range res.Scores {
				got[ns.Node] = ns.Parts[4]
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("InterPodAffinityScorer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInterPodAffinityPlaces checks that the preferred terms move pods
// through the whole score, and that the fused and generic paths agree.
func TestInterPodAffinityPlaces(t *testing.T) {
	snap := snapshot(t, threeNodes(), mkPod("db", onNode("c"), podLabels("app", "db")))
	for _, s := range []*Scheduler{New(Config{}), New(Config{Filters: DefaultFilters(), Scorers: DefaultScorers()})} {
		res, err := s.Schedule(mkPod("p", preferredAffinity(100, affTerm(zone, "app", "db"))), snap)
		if err != nil || res.Node != "c" {
			t.Errorf("preferred affinity: %+v, %v; want node c", res, err)
		}
		res, err = s.Schedule(mkPod("q", preferredAnti(100, affTerm(zone, "app", "db"))), snap)
		if err != nil || res.Node == "c" {
			t.Errorf("preferred anti-affinity: %+v, %v; want a or b", res, err)
		}
	}
}

func TestInterPodAffinityInvalid(t *testing.T) {
	bad := affTerm(zone)
	bad.LabelSelector = &workload.LabelSelector{MatchExpressions: []workload.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}
	snap := snapshot(t, threeNodes())
	_, err := New(Config{}).Schedule(mkPod("p", requiredAnti(affTerm(zone, "app", "x"), bad)), snap)
	if err == nil || !strings.Contains(err.Error(), "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[1].labelSelector") {
		t.Errorf("err = %v, want an ErrInvalidPod naming the term's labelSelector", err)
	}
	_, err = New(Config{}).Schedule(mkPod("p", preferredAffinity(0, affTerm(zone, "app", "x"))), snap)
	if err == nil || !strings.Contains(err.Error(), "spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight") {
		t.Errorf("err = %v, want an ErrInvalidPod naming the weight", err)
	}
}

// TestSnapshotAffinityIndex checks that the snapshot's list of pods with
// inter-pod affinity follows adds, updates and removals.
func TestSnapshotAffinityIndex(t *testing.T) {
	snap := snapshot(t, threeNodes())
	a := mkPod("a", onNode("a"), requiredAnti(affTerm(host, "app", "x")))
	b := mkPod("b", onNode("b"), preferredAffinity(3, affTerm(host, "app", "x")))
	c := mkPod("c", onNode("c"))
	for _, p := range []*workload.Pod{a, b, c} {
		if err := snap.AddPod(p); err != nil {
			t.Fatal(err)
		}
	}
	if len(snap.withAffinity) != 2 {
		t.Fatalf("withAffinity holds %d pods, want 2", len(snap.withAffinity))
	}
	snap.RemovePod(a)
	if err := snap.UpdatePod(b); err != nil {
		t.Fatal(err)
	}
	if len(snap.withAffinity) != 1 || snap.withAffinity[0].pod != b || snap.withAffinity[0].affIdx != 0 {
		t.Fatalf("withAffinity after removing a: %d pods", len(snap.withAffinity))
	}
	snap.RemovePod(b)
	if len(snap.withAffinity) != 0 {
		t.Fatalf("withAffinity holds %d pods, want none", len(snap.withAffinity))
	}
}
