package scheduler

import (
	"fmt"
	"math"

	"github.com/orchestra-go/orchestra/workload"
	klabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// Topology spread constraints, as kube-scheduler's PodTopologySpread plugin
// (pkg/scheduler/framework/plugins/podtopologyspread: common.go,
// filtering.go, scoring.go). Only the pod's own constraints: kube-scheduler's
// system default constraints (hostname maxSkew 3, zone maxSkew 5, both
// ScheduleAnyway, over the pods of the pod's Services and controllers) are
// stood in for by SpreadScorer, which counts the pods of the pod's
// controller per node and steps aside for a pod with constraints of its
// own, as the defaults do.

// spreadConstraint is a compiled TopologySpreadConstraint.
type spreadConstraint struct {
	maxSkew     int64
	topologyKey string
	// selector is labelSelector with matchLabelKeys merged in
	// (labels.Nothing() without a labelSelector).
	selector   klabels.Selector
	minDomains int
	hard       bool // DoNotSchedule
	// honorAffinity: only nodes passing the pod's nodeSelector and
	// required node affinity are domains (nodeAffinityPolicy Honor, the
	// default); honorTaints: only nodes whose NoSchedule and NoExecute
	// taints the pod tolerates (nodeTaintsPolicy Honor; default Ignore).
	honorAffinity, honorTaints bool
	selfMatch                  bool // the selector matches the pod itself
	// Filled by Schedule for a hard constraint: the global minimum of
	// matching pods over the eligible domains, and their number.
	min, domains int
}

// compileSpread compiles the pod's topology spread constraints.
func compileSpread(pod *workload.Pod) ([]spreadConstraint, *fieldError) {
	cs := pod.Spec.TopologySpreadConstraints
	if len(cs) == 0 {
		return nil, nil
	}
	out := make([]spreadConstraint, 0, len(cs))
	for i := range cs {
		c := &cs[i]
		at := fmt.Sprintf("spec.topologySpreadConstraints[%d]", i)
		if c.MaxSkew <= 0 {
			return nil, (&fieldError{path: "maxSkew", msg: "must be greater than zero"}).in(at)
		}
		sc := spreadConstraint{
			maxSkew:       int64(c.MaxSkew),
			topologyKey:   c.TopologyKey,
			minDomains:    1,
			hard:          c.WhenUnsatisfiable == workload.DoNotSchedule,
			honorAffinity: c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == workload.NodeInclusionPolicyHonor,
			honorTaints:   c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == workload.NodeInclusionPolicyHonor,
		}
		if c.WhenUnsatisfiable != workload.DoNotSchedule && c.WhenUnsatisfiable != workload.ScheduleAnyway {
			return nil, (&fieldError{path: "whenUnsatisfiable", msg: fmt.Sprintf("%q is not DoNotSchedule or ScheduleAnyway", c.WhenUnsatisfiable)}).in(at)
		}
		if c.MinDomains != nil {
			sc.minDomains = int(*c.MinDomains)
		}
		sel, err := c.LabelSelector.AsSelector()
		if err != nil {
			return nil, (&fieldError{path: "labelSelector", msg: err.Error()}).in(at)
		}
		if c.LabelSelector != nil {
			var ferr *fieldError
			if sel, ferr = withLabelKeys(sel, c.LabelSelector, pod, c.MatchLabelKeys, selection.In, "matchLabelKeys"); ferr != nil {
				return nil, ferr.in(at)
			}
		}
		sc.selector = sel
		sc.selfMatch = sel.Matches(klabels.Set(pod.Labels))
		out = append(out, sc)
	}
	return out, nil
}

// includes reports whether node n is a domain of c for pod p under c's
// node inclusion policies.
func (c *spreadConstraint) includes(p *PodInfo, n *NodeInfo) bool {
	if c.honorAffinity {
		if ok, _ := (NodeSelectorFilter{}).Filter(p, n); !ok {
			return false
		}
		if p.hasRequired && !p.required.matches(n) {
			return false
		}
	}
	if c.honorTaints {
		if ok, _ := (TaintFilter{}).Filter(p, n); !ok {
			return false
		}
	}
	return true
}

// countMatching counts the pods on n the selector matches in namespace
// ns, leaving terminating pods out (kube-scheduler's
// countPodsMatchSelector); an empty selector counts none.
func countMatching(n *NodeInfo, sel klabels.Selector, ns string) int {
	if sel.Empty() {
		return 0
	}
	c := 0
	for _, q := range n.Pods {
		if q.DeletionTimestamp != nil || q.Namespace != ns {
			continue
		}
		if sel.Matches(klabels.Set(q.Labels)) {
			c++
		}
	}
	return c
}

// hasKeys reports whether n has the topology key of every constraint in
// cs that hard (or, for !hard, soft) selects.
func hasKeys(n *NodeInfo, cs []spreadConstraint, hard bool) bool {
	for i := range cs {
		if cs[i].hard != hard {
			continue
		}
		if _, ok := n.Node.Labels[cs[i].topologyKey]; !ok {
			return false
		}
	}
	return true
}

// spreadState is what Schedule computes of the pod's constraints and the
// snapshot (kube-scheduler's PreFilter and PreScore states).
type spreadState struct {
	// counts holds, per domain of a hard constraint, its matching pods.
	counts map[topologyPair]int
	hard   bool // the pod has DoNotSchedule constraints
	// For the ScheduleAnyway constraints: per constraint, the matching
	// pods per domain of the feasible nodes (not for the hostname key,
	// counted per node), and the weight log(domains+2); ignored marks
	// the feasible nodes (in s.feasible order) that lack a topology key.
	softCounts []map[string]int64
	weights    []float64
	ignored    []bool
}

// prepareSpreadFilter computes the global minima and domain counts of
// the pod's DoNotSchedule constraints over the nodes of snap.
func (s *Scheduler) prepareSpreadFilter(p *PodInfo, snap *Snapshot) {
	st := &s.spreadSt
	st.hard = false
	for i := range p.spread {
		st.hard = st.hard || p.spread[i].hard
	}
	if !st.hard {
		return
	}
	if st.counts == nil {
		st.counts = map[topologyPair]int{}
	}
	clear(st.counts)
	ns := p.Pod.Namespace
	for _, n := range snap.list {
		if !hasKeys(n, p.spread, true) {
			continue
		}
		for i := range p.spread {
			c := &p.spread[i]
			if !c.hard || !c.includes(p, n) {
				continue
			}
			st.counts[topologyPair{c.topologyKey, n.Node.Labels[c.topologyKey]}] += countMatching(n, c.selector, ns)
		}
	}
	for i := range p.spread {
		c := &p.spread[i]
		if !c.hard {
			continue
		}
		c.min, c.domains = math.MaxInt, 0
		for tp, k := range st.counts {
			if tp.key == c.topologyKey {
				c.domains++
				c.min = min(c.min, k)
			}
		}
		if c.domains < c.minDomains {
			c.min = 0 // fewer eligible domains than minDomains
		}
	}
}

// TopologySpreadFilter is kube-scheduler's PodTopologySpread filter for
// the pod's DoNotSchedule constraints: the node must have each one's
// topology key, and placing the pod in its domain must leave that
// domain's matching pods (plus one if the pod matches the selector itself)
// at most maxSkew above the global minimum over the eligible domains
// (taken as 0 while there are fewer than minDomains). Eligible domains
// are those of the nodes that have every constraint's key and pass the
// node inclusion policies; pods count in the pod's namespace only, and
// terminating pods do not count.
//
// It reads what Schedule computed for the pod; called outside Schedule
// (on a PodInfo from NewPodInfo) it lets every node pass.
type TopologySpreadFilter struct{}

// Filter implements Filter.
func (TopologySpreadFilter) Filter(p *PodInfo, n *NodeInfo) (bool, string) {
	if !p.spreadReady {
		return true, ""
	}
	st := p.spreadSt
	for i := range p.spread {
		c := &p.spread[i]
		if !c.hard {
			continue
		}
		v, ok := n.Node.Labels[c.topologyKey]
		if !ok {
			return false, ReasonSpreadMissingLabel
		}
		self := 0
		if c.selfMatch {
			self = 1
		}
		if int64(st.counts[topologyPair{c.topologyKey, v}]+self-c.min) > c.maxSkew {
			return false, ReasonSpreadConstraintsNotMatch
		}
	}
	return true, ""
}

// hasSoftSpread reports whether p has ScheduleAnyway constraints.
func (p *PodInfo) hasSoftSpread() bool {
	for i := range p.spread {
		if !p.spread[i].hard {
			return true
		}
	}
	return false
}

// prepareSpreadScore computes the pod's ScheduleAnyway constraints over
// the feasible nodes s.feasible (kube-scheduler's PreScore).
func (s *Scheduler) prepareSpreadScore(p *PodInfo, snap *Snapshot) {
	st := &s.spreadSt
	cs := p.spread
	for len(st.softCounts) < len(cs) {
		st.softCounts = append(st.softCounts, map[string]int64{})
	}
	st.weights = st.weights[:0]
	st.ignored = st.ignored[:0]
	sizes := make([]int, len(cs))
	notIgnored := 0
	for i := range cs {
		clear(st.softCounts[i])
	}
	for _, pos := range s.feasible {
		n := snap.list[pos]
		ok := hasKeys(n, cs, false)
		st.ignored = append(st.ignored, !ok)
		if !ok {
			continue
		}
		notIgnored++
		for i := range cs {
			c := &cs[i]
			if c.hard || c.topologyKey == workload.LabelHostname {
				continue
			}
			v := n.Node.Labels[c.topologyKey]
			if _, seen := st.softCounts[i][v]; !seen {
				st.softCounts[i][v] = 0
				sizes[i]++
			}
		}
	}
	for i := range cs {
		size := sizes[i]
		if cs[i].topologyKey == workload.LabelHostname {
			size = notIgnored
		}
		st.weights = append(st.weights, math.Log(float64(size+2)))
	}
	ns := p.Pod.Namespace
	for _, n := range snap.list {
		if !hasKeys(n, cs, false) {
			continue
		}
		for i := range cs {
			c := &cs[i]
			if c.hard || c.topologyKey == workload.LabelHostname || !c.includes(p, n) {
				continue
			}
			v := n.Node.Labels[c.topologyKey]
			if k, seen := st.softCounts[i][v]; seen {
				st.softCounts[i][v] = k + int64(countMatching(n, c.selector, ns))
			}
		}
	}
}

// TopologySpreadScorer is kube-scheduler's PodTopologySpread score for the
// pod's ScheduleAnyway constraints: a node lacking one of their topology
// keys scores 0; any other sums, per constraint, count*log(domains+2) +
// maxSkew-1, where count is the matching pods in the node's domain (on the
// node itself for kubernetes.io/hostname) and domains the number of
// domains among the feasible nodes; normalized as
// MaxNodeScore*(max+min-score)/max, so that the emptiest domain scores
// highest. Without ScheduleAnyway constraints every node scores 0.
type TopologySpreadScorer struct{}

// Score implements Scorer: the raw, rounded sum.
func (TopologySpreadScorer) Score(p *PodInfo, n *NodeInfo) int64 {
	if !p.spreadScore || !hasKeys(n, p.spread, false) {
		return 0
	}
	st := p.spreadSt
	var score float64
	for i := range p.spread {
		c := &p.spread[i]
		if c.hard {
			continue
		}
		v, ok := n.Node.Labels[c.topologyKey]
		if !ok {
			continue
		}
		var cnt int64
		if c.topologyKey == workload.LabelHostname {
			cnt = int64(countMatching(n, c.selector, p.Pod.Namespace))
		} else {
			cnt = st.softCounts[i][v]
		}
		score += float64(cnt)*st.weights[i] + float64(c.maxSkew-1)
	}
	return int64(math.Round(score))
}

// skip: without ScheduleAnyway constraints every node scores 0.
func (TopologySpreadScorer) skip(p *PodInfo) (int64, bool) { return 0, !p.spreadScore }

// Normalize implements Normalizer.
func (TopologySpreadScorer) Normalize(p *PodInfo, scores []int64) {
	if !p.spreadScore {
		return
	}
	ignored := p.spreadSt.ignored
	lo, hi := int64(math.MaxInt64), int64(0)
	for i, s := range scores {
		if i < len(ignored) && ignored[i] {
			continue
		}
		lo, hi = min(lo, s), max(hi, s)
	}
	for i, s := range scores {
		switch {
		case i < len(ignored) && ignored[i]:
			scores[i] = 0
		case hi == 0:
			scores[i] = MaxNodeScore
		default:
			scores[i] = MaxNodeScore * (hi + lo - s) / hi
		}
	}
}
