package scheduler

import (
	"math"

	"github.com/orchestra-go/orchestra/workload"
)

// MaxNodeScore is the highest score one scorer gives a node.
const MaxNodeScore int64 = 100

// Scorer rates a node that passed the filters. A scorer without a
// Normalizer returns 0..MaxNodeScore; one with a Normalizer may return any
// raw value (a count, a sum of weights) and maps the raw values of all the
// scored nodes to 0..MaxNodeScore afterwards. Scorers are pure and must not
// allocate.
type Scorer interface {
	Score(p *PodInfo, n *NodeInfo) int64
}

// Normalizer is implemented by scorers whose raw scores only mean
// something relative to the other nodes' (kube-scheduler's
// NormalizeScore): it rewrites scores, one per scored node, in place.
type Normalizer interface {
	Normalize(p *PodInfo, scores []int64)
}

// skipper is implemented by this package's scorers that can tell, from the
// pod alone, that every node gets the same normalized score.
type skipper interface {
	skip(p *PodInfo) (score int64, ok bool)
}

// WeightedScorer is a scorer and the weight its 0..100 score carries in a
// node's total.
type WeightedScorer struct {
	Scorer Scorer
	Weight int64
}

// DefaultScorers returns the scorers a zero Config uses, with
// kube-scheduler's default plugin weights: TaintToleration 3,
// NodeAffinity 2, PodTopologySpread 2 (SpreadScorer for its system
// default constraints, TopologySpreadScorer for the pod's own
// constraints: one of them at most scores), InterPodAffinity 2,
// NodeResourcesFit 1, NodeResourcesBalancedAllocation 1.
func DefaultScorers() []WeightedScorer {
	return []WeightedScorer{
		{Scorer: SpreadScorer{}, Weight: 2},
		{Scorer: LeastAllocatedScorer{}, Weight: 1},
		{Scorer: TaintScorer{}, Weight: 3},
		{Scorer: NodeAffinityScorer{}, Weight: 2},
		{Scorer: InterPodAffinityScorer{}, Weight: 2},
		{Scorer: TopologySpreadScorer{}, Weight: 2},
		{Scorer: BalancedAllocationScorer{}, Weight: 1},
	}
}

// BalancedAllocationScorer prefers the node whose cpu and memory would be
// requested in the most even shares of its allocatable
// (kube-scheduler's NodeResourcesBalancedAllocation): with f the share of
// each resource the node's pods and this one request (their requests as
// given, not the non-zero defaults; at most 1; a resource the node has
// none of left out), 100*(1-|f(cpu)-f(memory)|/2). A pod that requests
// neither cpu nor memory is not scored by it (0 on every node), as
// kube-scheduler skips it for best-effort pods
// (kubernetes/kubernetes#129138).
type BalancedAllocationScorer struct{}

// Score implements Scorer.
func (BalancedAllocationScorer) Score(p *PodInfo, n *NodeInfo) int64 {
	if p.Requests == (Resources{}) {
		return 0
	}
	return balancedAllocation(p.Requests, n.requested, n.allocatable)
}

// skip: a pod without cpu and memory requests scores 0 everywhere.
func (BalancedAllocationScorer) skip(p *PodInfo) (int64, bool) {
	return 0, p.Requests == (Resources{})
}

// balancedAllocation is BalancedAllocationScorer's score of a pod
// requesting req on a node whose pods request used of alloc.
func balancedAllocation(req, used, alloc Resources) int64 {
	var f [2]float64
	k := 0
	if alloc.MilliCPU != 0 {
		f[k] = min(float64(used.MilliCPU+req.MilliCPU)/float64(alloc.MilliCPU), 1)
		k++
	}
	if alloc.Memory != 0 {
		f[k] = min(float64(used.Memory+req.Memory)/float64(alloc.Memory), 1)
		k++
	}
	std := 0.0
	if k == 2 {
		std = math.Abs((f[0] - f[1]) / 2)
	}
	return int64((1 - std) * float64(MaxNodeScore))
}

// LeastAllocatedScorer prefers the node with the most room left
// (kube-scheduler's LeastAllocated strategy with cpu and memory weighted
// equally): for each resource, (allocatable-requested)*100/allocatable,
// where requested counts the node's pods and this one with their non-zero
// requests; 0 when the node has none of it or is already full.
type LeastAllocatedScorer struct{}

// Score implements Scorer.
func (LeastAllocatedScorer) Score(p *PodInfo, n *NodeInfo) int64 {
	cpu := leastRequested(n.nonZero.MilliCPU+p.NonZeroRequests.MilliCPU, n.allocatable.MilliCPU)
	mem := leastRequested(n.nonZero.Memory+p.NonZeroRequests.Memory, n.allocatable.Memory)
	return (cpu + mem) / 2
}

func leastRequested(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * MaxNodeScore / capacity
}

// TaintScorer prefers nodes with fewer PreferNoSchedule taints the pod does
// not tolerate (only tolerations with effect PreferNoSchedule or empty
// count): MaxNodeScore - MaxNodeScore*count/max over the scored nodes, as
// kube-scheduler's TaintToleration score.
type TaintScorer struct{}

// Score implements Scorer: the raw count of intolerable taints.
func (TaintScorer) Score(p *PodInfo, n *NodeInfo) int64 {
	var c int64
	for i := range n.softTaints {
		if !toleratesPreferNoSchedule(p, &n.softTaints[i]) {
			c++
		}
	}
	return c
}

func toleratesPreferNoSchedule(p *PodInfo, t *workload.Taint) bool {
	tols := p.Pod.Spec.Tolerations
	for i := range tols {
		if tols[i].Effect != "" && tols[i].Effect != t.Effect {
			continue
		}
		if ToleratesTaint(&tols[i], t) {
			return true
		}
	}
	return false
}

// Normalize implements Normalizer.
func (TaintScorer) Normalize(_ *PodInfo, scores []int64) { normalize(scores, true) }

// NodeAffinityScorer prefers nodes matching the pod's preferred node
// affinity: the sum of the weights of the matching terms, scaled so that
// the best scored node gets MaxNodeScore (kube-scheduler's NodeAffinity
// score). Without preferred terms every node scores 0.
type NodeAffinityScorer struct{}

// Score implements Scorer: the raw sum of weights.
func (NodeAffinityScorer) Score(p *PodInfo, n *NodeInfo) int64 {
	var s int64
	for i := range p.preferred {
		if p.preferred[i].term.matches(n) {
			s += p.preferred[i].weight
		}
	}
	return s
}

// skip: without preferred terms every node scores 0.
func (NodeAffinityScorer) skip(p *PodInfo) (int64, bool) { return 0, len(p.preferred) == 0 }

// Normalize implements Normalizer.
func (NodeAffinityScorer) Normalize(_ *PodInfo, scores []int64) { normalize(scores, false) }

// normalize scales scores to 0..MaxNodeScore by their maximum, reversed
// (high raw values score low) when reverse is set, as kube-scheduler's
// DefaultNormalizeScore. With a maximum of 0 every node scores 0, or
// MaxNodeScore when reversed.
func normalize(scores []int64, reverse bool) {
	var hi int64
	for _, s := range scores {
		hi = max(hi, s)
	}
	n := makeNorm(hi, reverse)
	for i, s := range scores {
		scores[i] = n.of(s)
	}
}

// norm maps raw scores to normalized ones for one maximum.
type norm struct {
	hi      int64
	reverse bool
	// Raw values are small counts; when they are, divide once per value
	// rather than once per node.
	small bool
	table [33]int64
}

func makeNorm(hi int64, reverse bool) norm {
	n := norm{hi: hi, reverse: reverse, small: hi < 33}
	if n.small && hi > 0 {
		for s := int64(0); s <= hi; s++ {
			n.table[s] = scaled(s, hi, reverse)
		}
	}
	return n
}

// of returns the normalized score of raw score s.
func (n *norm) of(s int64) int64 {
	switch {
	case n.hi == 0:
		if n.reverse {
			return MaxNodeScore
		}
		return 0
	case n.small && s >= 0:
		return n.table[s]
	}
	return scaled(s, n.hi, n.reverse)
}

func scaled(s, hi int64, reverse bool) int64 {
	if reverse {
		return MaxNodeScore - s*MaxNodeScore/hi
	}
	return s * MaxNodeScore / hi
}
