package scheduler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
)

type spreadOpt func(*workload.TopologySpreadConstraint)

func minDomains(n int32) spreadOpt {
	return func(c *workload.TopologySpreadConstraint) { c.MinDomains = &n }
}

func affinityPolicy(p string) spreadOpt {
	return func(c *workload.TopologySpreadConstraint) { c.NodeAffinityPolicy = &p }
}

func taintsPolicy(p string) spreadOpt {
	return func(c *workload.TopologySpreadConstraint) { c.NodeTaintsPolicy = &p }
}

func matchKeys(keys ...string) spreadOpt {
	return func(c *workload.TopologySpreadConstraint) { c.MatchLabelKeys = keys }
}

// spread adds a constraint selecting app=<app>.
func spread(maxSkew int32, key, when, app string, opts ...spreadOpt) podOpt {
	return func(p *workload.Pod) {
		c := workload.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when,
			LabelSelector: &workload.LabelSelector{MatchLabels: map[string]string{"app": app}}}
		for _, o := range opts {
			o(&c)
		}
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, c)
	}
}

// zoned returns nodes named <zone>-<i>, count per zone.
func zoned(counts map[string]int, opts ...nodeOpt) []*workload.Node {
	var out []*workload.Node
	for _, z := range []string{"za", "zb", "zc"} {
		for i := range counts[z] {
			out = append(out, mkNode(fmt.Sprintf("%s-%d", z, i), append([]nodeOpt{labels(zone, z)}, opts...)...))
		}
	}
	return out
}

// web returns n pods app=web bound to node.
func web(node string, n int, opts ...podOpt) []*workload.Pod {
	var out []*workload.Pod
	for i := range n {
		out = append(out, mkPod(fmt.Sprintf("web-%s-%d", node, i), append([]podOpt{onNode(node), podLabels("app", "web")}, opts...)...))
	}
	return out
}

func pods(groups ...[]*workload.Pod) []*workload.Pod {
	var out []*workload.Pod
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func TestTopologySpreadFilter(t *testing.T) {
	const (
		skew    = ReasonSpreadConstraintsNotMatch
		missing = ReasonSpreadMissingLabel
		dns     = workload.DoNotSchedule
	)
	one := map[string]int{"za": 1, "zb": 1, "zc": 1}
	cases := []struct {
		name     string
		nodes    []*workload.Node
		existing []*workload.Pod
		pod      *workload.Pod
		want     map[string]string
	}{
		{
			name:     "maxSkew 1: not in the zone that already has one more",
			nodes:    zoned(one),
			existing: pods(web("za-0", 2), web("zb-0", 1), web("zc-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, zone, dns, "web")),
			want:     map[string]string{"za-0": skew, "zb-0": "", "zc-0": ""},
		},
		{
			name:     "maxSkew 2 allows it",
			nodes:    zoned(one),
			existing: pods(web("za-0", 2), web("zb-0", 1), web("zc-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(2, zone, dns, "web")),
			want:     map[string]string{"za-0": "", "zb-0": "", "zc-0": ""},
		},
		{
			name:     "a node without the key is no domain and does not fit",
			nodes:    append(zoned(map[string]int{"za": 1, "zb": 1}), mkNode("bare")),
			existing: pods(web("za-0", 1), web("bare", 3)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, zone, dns, "web")),
			want:     map[string]string{"za-0": skew, "zb-0": "", "bare": missing},
		},
		{
			name:     "fewer domains than minDomains: the global minimum is 0",
			nodes:    zoned(map[string]int{"za": 1, "zb": 1}),
			existing: pods(web("za-0", 1), web("zb-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, zone, dns, "web", minDomains(3))),
			want:     map[string]string{"za-0": skew, "zb-0": skew},
		},
		{
			name:     "enough domains for minDomains",
			nodes:    zoned(map[string]int{"za": 1, "zb": 1}),
			existing: pods(web("za-0", 1), web("zb-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, zone, dns, "web", minDomains(2))),
			want:     map[string]string{"za-0": "", "zb-0": ""},
		},
		{
			name:     "a pod its selector does not match adds nothing to the skew",
			nodes:    zoned(one),
			existing: pods(web("za-0", 2), web("zb-0", 1), web("zc-0", 1)),
			pod:      mkPod("p", podLabels("app", "api"), spread(1, zone, dns, "web")),
			want:     map[string]string{"za-0": "", "zb-0": "", "zc-0": ""},
		},
		{
			name:     "pods of other namespaces and terminating pods do not count",
			nodes:    zoned(one),
			existing: pods(web("za-0", 2, inNamespace("other")), web("zb-0", 2, terminating), web("zc-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, zone, dns, "web")),
			want:     map[string]string{"za-0": "", "zb-0": "", "zc-0": skew},
		},
		{
			name:     "nodeAffinityPolicy Honor (default): nodes the pod's selector refuses are no domain",
			nodes:    append(zoned(map[string]int{"za": 1, "zb": 1}, labels("disk", "ssd")), zoned(map[string]int{"zc": 1})...),
			existing: pods(web("za-0", 1), web("zb-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), selector("disk", "ssd"), spread(1, zone, dns, "web")),
			want:     map[string]string{"za-0": "", "zb-0": "", "zc-0": ReasonNodeAffinity},
		},
		{
			name:     "nodeAffinityPolicy Ignore: they are domains",
			nodes:    append(zoned(map[string]int{"za": 1, "zb": 1}, labels("disk", "ssd")), zoned(map[string]int{"zc": 1})...),
			existing: pods(web("za-0", 1), web("zb-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), selector("disk", "ssd"), spread(1, zone, dns, "web", affinityPolicy(workload.NodeInclusionPolicyIgnore))),
			want:     map[string]string{"za-0": skew, "zb-0": skew, "zc-0": ReasonNodeAffinity},
		},
		{
			name:     "nodeTaintsPolicy Ignore (default): a tainted node is a domain",
			nodes:    append(zoned(map[string]int{"za": 1, "zb": 1}), zoned(map[string]int{"zc": 1}, taint("dedicated", "db", noSch))...),
			existing: pods(web("za-0", 1), web("zb-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, zone, dns, "web")),
			want:     map[string]string{"za-0": skew, "zb-0": skew, "zc-0": taintReason("dedicated", "db")},
		},
		{
			name:     "nodeTaintsPolicy Honor: an untolerated taint leaves the node out",
			nodes:    append(zoned(map[string]int{"za": 1, "zb": 1}), zoned(map[string]int{"zc": 1}, taint("dedicated", "db", noSch))...),
			existing: pods(web("za-0", 1), web("zb-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, zone, dns, "web", taintsPolicy(workload.NodeInclusionPolicyHonor))),
			want:     map[string]string{"za-0": "", "zb-0": "", "zc-0": taintReason("dedicated", "db")},
		},
		{
			name:     "matchLabelKeys: only the pods of the pod's own version count",
			nodes:    zoned(one),
			existing: pods(web("za-0", 2, podLabels("version", "v1")), web("zb-0", 1, podLabels("version", "v2"))),
			pod:      mkPod("p", podLabels("app", "web", "version", "v2"), spread(1, zone, dns, "web", matchKeys("version"))),
			want:     map[string]string{"za-0": "", "zb-0": skew, "zc-0": ""},
		},
		{
			name:     "by hostname",
			nodes:    zoned(map[string]int{"za": 2, "zb": 1}),
			existing: pods(web("za-0", 1), web("za-1", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, host, dns, "web")),
			want:     map[string]string{"za-0": skew, "za-1": skew, "zb-0": ""},
		},
		{
			name:     "ScheduleAnyway does not filter",
			nodes:    zoned(one),
			existing: pods(web("za-0", 5)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, zone, workload.ScheduleAnyway, "web")),
			want:     map[string]string{"za-0": "", "zb-0": "", "zc-0": ""},
		},
		{
			name:     "every DoNotSchedule constraint holds",
			nodes:    zoned(map[string]int{"za": 2, "zb": 1}),
			existing: pods(web("za-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, host, dns, "web"), spread(1, zone, dns, "web")),
			want:     map[string]string{"za-0": skew, "za-1": skew, "zb-0": ""},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap := snapshot(t, tc.nodes, tc.existing...)
			if diff := cmp.Diff(tc.want, filterAll(t, snap, tc.pod)); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTopologySpreadMessage(t *testing.T) {
	nodes := append(zoned(map[string]int{"za": 1, "zb": 1}), mkNode("bare"))
	snap := snapshot(t, nodes, pods(web("za-0", 1), web("zb-0", 1))...)
	_, err := New(Config{}).Schedule(mkPod("p", podLabels("app", "web"), spread(1, zone, workload.DoNotSchedule, "web", minDomains(3))), snap)
	want := "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), " +
		"2 node(s) didn't match pod topology spread constraints. " +
		"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.."
	if fe := fitErrorOf(err); fe == nil || fe.Message() != want {
		t.Fatalf("err = %v,\nwant the message %q", err, want)
	}
}

func TestTopologySpreadScorer(t *testing.T) {
	const sa = workload.ScheduleAnyway
	cases := []struct {
		name     string
		nodes    []*workload.Node
		existing []*workload.Pod
		pod      *workload.Pod
		want     map[string]int64 // normalized TopologySpreadScorer part
	}{
		{
			// raw: count*log(3+2) + maxSkew-1 = 3.2 -> 3, 1.6 -> 2, 0.
			name:     "zones: the emptiest scores highest",
			nodes:    zoned(map[string]int{"za": 1, "zb": 1, "zc": 1}),
			existing: pods(web("za-0", 2), web("zb-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, zone, sa, "web")),
			want:     map[string]int64{"za-0": 0, "zb-0": 33, "zc-0": 100},
		},
		{
			name:     "a node lacking the key scores 0",
			nodes:    append(zoned(map[string]int{"za": 1, "zb": 1}), mkNode("bare")),
			existing: pods(web("za-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(1, zone, sa, "web")),
			want:     map[string]int64{"za-0": 0, "zb-0": 100, "bare": 0},
		},
		{
			// raw: 1*log(2+2) + 1 = 2.39 -> 2 on za-0, 1 on za-1;
			// normalized 100*(2+1-s)/2.
			name:     "hostname counts per node; maxSkew-1 waters the difference down",
			nodes:    zoned(map[string]int{"za": 2}),
			existing: pods(web("za-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(2, host, sa, "web")),
			want:     map[string]int64{"za-0": 50, "za-1": 100},
		},
		{
			name:     "no matching pods: every node the best",
			nodes:    zoned(map[string]int{"za": 1, "zb": 1}),
			existing: pods(web("za-0", 2)),
			pod:      mkPod("p", podLabels("app", "api"), spread(1, zone, sa, "api")),
			want:     map[string]int64{"za-0": 100, "zb-0": 100},
		},
		{
			name:     "DoNotSchedule alone does not score",
			nodes:    zoned(map[string]int{"za": 1, "zb": 1}),
			existing: pods(web("za-0", 1)),
			pod:      mkPod("p", podLabels("app", "web"), spread(5, zone, workload.DoNotSchedule, "web")),
			want:     map[string]int64{"za-0": 0, "zb-0": 0},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap := snapshot(t, tc.nodes, tc.existing...)
			res, err := New(Config{RecordScores: true}).Schedule(tc.pod, snap)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, ns := range res.Scores {
				got[ns.Node] = ns.Parts[5]
				if ns.Parts[0] != 0 {
					t.Errorf("node %s: SpreadScorer %d for a pod with constraints of its own, want 0", ns.Node, ns.Parts[0])
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("TopologySpreadScorer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTopologySpreadPlaces binds pods one by one: DoNotSchedule keeps
// zones within maxSkew, and ScheduleAnyway evens them out although one
// zone has most of the nodes.
func TestTopologySpreadPlaces(t *testing.T) {
	for _, when := range []string{workload.DoNotSchedule, workload.ScheduleAnyway} {
		for k, cfg := range []Config{{}, {Filters: DefaultFilters(), Scorers: DefaultScorers()}} {
			snap := snapshot(t, zoned(map[string]int{"za": 4, "zb": 1, "zc": 1}))
			s := New(cfg)
			perZone := map[string]int{}
			for i := range 6 {
				p := mkPod(fmt.Sprintf("web-%d", i), podLabels("app", "web"), ownedBy("rs"), spread(1, zone, when, "web"))
				res, err := s.Schedule(p, snap)
				if err != nil {
					t.Fatal(err)
				}
				p.Spec.NodeName = res.Node
				if err := snap.AddPod(p); err != nil {
					t.Fatal(err)
				}
				perZone[res.Node[:2]]++
			}
			if want := map[string]int{"za": 2, "zb": 2, "zc": 2}; !cmp.Equal(perZone, want) {
				t.Errorf("%s, scheduler %d: pods per zone %v, want %v", when, k, perZone, want)
			}
		}
	}
}

func TestTopologySpreadInvalid(t *testing.T) {
	snap := snapshot(t, zoned(map[string]int{"za": 1}))
	_, err := New(Config{}).Schedule(mkPod("p", spread(0, zone, workload.DoNotSchedule, "web")), snap)
	if err == nil || !strings.Contains(err.Error(), "spec.topologySpreadConstraints[0].maxSkew") {
		t.Errorf("err = %v, want an ErrInvalidPod naming maxSkew", err)
	}
}
