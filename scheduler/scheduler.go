package scheduler

import (
	"errors"

	"github.com/orchestra-go/orchestra/workload"
)

// Config configures a Scheduler. The zero value works: the default filters
// and scorers, adaptive sampling, seed 0.
type Config struct {
	// Seed breaks ties between equally scored nodes and picks where the
	// scan of the nodes starts. The same pod, snapshot and seed always give
	// the same node.
	Seed uint64
	// Filters run in order for each node; nil means DefaultFilters().
	Filters []Filter
	// Scorers rate the nodes that pass; nil means DefaultScorers().
	Scorers []WeightedScorer
	// PercentageOfNodesToScore bounds the search as kube-scheduler's
	// option of that name: once this share of the nodes (at least 100
	// nodes) has passed the filters, the scan stops and only those are
	// scored. 0 means adaptive, 50% minus 1% per 125 nodes and at least
	// 5% (10% of 5,000 nodes); 100 or more means every node. See
	// Scheduler.Schedule for how this stays deterministic.
	PercentageOfNodesToScore int
	// RecordScores makes Schedule fill Result.Scores (it then allocates).
	RecordScores bool
}

// Scheduler places pods on nodes: Schedule is a pure function of the pod,
// the snapshot and the Config. It reuses scratch space between calls, so
// one Scheduler must not be used by two goroutines at once.
type Scheduler struct {
	seed        uint64
	filters     []Filter
	scorers     []WeightedScorer
	normalizers []Normalizer // parallel to scorers; nil entries for plain scorers
	pct         int
	record      bool
	fused       bool // filters are the defaults: call defaultFits

	pod      PodInfo
	feasible []*NodeInfo
	failed   []failure
	raw      [][]int64 // per scorer, per feasible node
	total    []int64
}

type failure struct {
	node   *NodeInfo
	reason string
}

// Result is where a pod goes.
type Result struct {
	// Node is the chosen node's name.
	Node string
	// Score is the chosen node's weighted total (0 when it was the only
	// feasible node, which is not scored).
	Score int64
	// Evaluated is how many nodes went through the filters; Feasible how
	// many of those passed.
	Evaluated, Feasible int
	// Scores holds every scored node, in scan order, when
	// Config.RecordScores is set.
	Scores []NodeScore
}

// NodeScore is one scored node: its weighted total and the normalized
// score of each scorer, in Config order.
type NodeScore struct {
	Node  string
	Total int64
	Parts []int64
}

// New returns a Scheduler for cfg.
func New(cfg Config) *Scheduler {
	s := &Scheduler{
		seed:    cfg.Seed,
		filters: cfg.Filters,
		scorers: cfg.Scorers,
		pct:     cfg.PercentageOfNodesToScore,
		record:  cfg.RecordScores,
	}
	if s.filters == nil {
		s.filters, s.fused = DefaultFilters(), true
	}
	if s.scorers == nil {
		s.scorers = DefaultScorers()
	}
	s.normalizers = make([]Normalizer, len(s.scorers))
	s.raw = make([][]int64, len(s.scorers))
	for i, ws := range s.scorers {
		s.normalizers[i], _ = ws.Scorer.(Normalizer)
	}
	return s
}

// errNilSnapshot is returned by Schedule for a nil snapshot.
var errNilSnapshot = errors.New("scheduler: nil snapshot")

// Schedule picks a node for pod from snap. It changes neither; binding the
// pod and adding it to the snapshot is the caller's job (see the package
// doc).
//
// A pod pinned to one node, by spec.nodeName or by a single required term
// with matchFields metadata.name In [x] (how DaemonSet pods are made), is
// checked against that node alone, found by name: O(1) whatever the size
// of the cluster.
//
// Otherwise the nodes are scanned in name order, starting at an offset
// derived from the seed and the pod's uid, wrapping around, until
// Config.PercentageOfNodesToScore worth of feasible nodes is found or all
// nodes were seen. The feasible ones are scored; the highest weighted total
// wins, and a tie goes to the node with the lowest hash of (seed, pod uid,
// node name). Start and ties depend only on the pod, the set of nodes and
// the seed, never on map order or the order of updates.
//
// When no node fits, the error is a *FitError wrapping ErrNoNodeFits. A nil
// or invalid pod gives an error wrapping ErrInvalidPod.
func (s *Scheduler) Schedule(pod *workload.Pod, snap *Snapshot) (Result, error) {
	if snap == nil {
		return Result{}, errNilSnapshot
	}
	p := &s.pod
	if err := p.init(pod); err != nil {
		return Result{}, err
	}
	defer func() { p.Pod = nil }() // do not keep the pod alive
	if p.pinKind != pinNone {
		return s.schedulePinned(p, snap)
	}
	if p.OwnerUID != "" && snap.owners[p.ownerHash] == 0 {
		p.ownerAbsent = true
	}
	nodes := snap.list
	n := len(nodes)
	base := mix(s.seed ^ p.hash)
	want := numFeasibleNodesToFind(n, s.pct)
	s.feasible, s.failed = s.feasible[:0], s.failed[:0]
	evaluated := 0
	if n > 0 {
		start := int(base % uint64(n))
		for i := 0; i < n && len(s.feasible) < want; i++ {
			j := start + i
			if j >= n {
				j -= n
			}
			ni := nodes[j]
			evaluated++
			if ok, reason := s.fits(p, ni); ok {
				s.feasible = append(s.feasible, ni)
			} else {
				s.failed = append(s.failed, failure{ni, reason})
			}
		}
	}
	if len(s.feasible) == 0 {
		fe := &FitError{Pod: podKey(pod), NumAllNodes: n, Reasons: make(map[string]string, len(s.failed))}
		for _, f := range s.failed {
			fe.Reasons[f.node.name] = f.reason
		}
		clear(s.failed)
		return Result{Evaluated: evaluated}, fe
	}
	clear(s.failed)
	res := s.pick(p, base)
	res.Evaluated = evaluated
	clear(s.feasible)
	return res, nil
}

func (s *Scheduler) fits(p *PodInfo, n *NodeInfo) (bool, string) {
	if s.fused {
		return defaultFits(p, n)
	}
	for _, f := range s.filters {
		if ok, reason := f.Filter(p, n); !ok {
			return false, reason
		}
	}
	return true, ""
}

func (s *Scheduler) schedulePinned(p *PodInfo, snap *Snapshot) (Result, error) {
	total := len(snap.list)
	ni := snap.Node(p.pin)
	if ni == nil {
		return Result{}, s.pinnedFitError(p, total, map[string]string{}, total)
	}
	if ok, reason := s.fits(p, ni); !ok {
		return Result{Evaluated: 1}, s.pinnedFitError(p, total, map[string]string{ni.name: reason}, total-1)
	}
	return Result{Node: ni.name, Evaluated: 1, Feasible: 1}, nil
}

func (s *Scheduler) pinnedFitError(p *PodInfo, total int, reasons map[string]string, unconsidered int) *FitError {
	fe := &FitError{Pod: podKey(p.Pod), NumAllNodes: total, Reasons: reasons,
		Unconsidered: unconsidered, UnconsideredReason: ReasonNodeName}
	if p.pinKind == pinAffinity {
		fe.UnconsideredReason = ReasonNodeAffinity
	}
	return fe
}

// pick scores s.feasible and returns the best.
func (s *Scheduler) pick(p *PodInfo, base uint64) Result {
	nf := len(s.feasible)
	res := Result{Feasible: nf}
	if nf == 1 && !s.record {
		res.Node = s.feasible[0].name
		return res
	}
	s.total = grow(s.total, nf)
	clear(s.total)
	for j, ws := range s.scorers {
		raw := grow(s.raw[j], nf)
		s.raw[j] = raw
		if sk, ok := ws.Scorer.(skipper); ok {
			if c, ok := sk.skip(p); ok {
				for i := range raw {
					raw[i] = c
					s.total[i] += ws.Weight * c
				}
				continue
			}
		}
		for i, ni := range s.feasible {
			raw[i] = ws.Scorer.Score(p, ni)
		}
		if norm := s.normalizers[j]; norm != nil {
			norm.Normalize(p, raw)
		}
		for i := range raw {
			s.total[i] += ws.Weight * raw[i]
		}
	}
	best, bestTie := -1, uint64(0)
	for i, ni := range s.feasible {
		t := s.total[i]
		if best >= 0 && t < s.total[best] {
			continue
		}
		tie := mix(base ^ ni.nameHash)
		if best < 0 || t > s.total[best] || tie < bestTie {
			best, bestTie = i, tie
		}
	}
	res.Node, res.Score = s.feasible[best].name, s.total[best]
	if s.record {
		res.Scores = make([]NodeScore, nf)
		for i, ni := range s.feasible {
			parts := make([]int64, len(s.scorers))
			for j := range s.scorers {
				parts[j] = s.raw[j][i]
			}
			res.Scores[i] = NodeScore{Node: ni.name, Total: s.total[i], Parts: parts}
		}
	}
	return res
}

func grow(b []int64, n int) []int64 {
	if cap(b) < n {
		return make([]int64, n, n+n/4)
	}
	return b[:n]
}

// Bounds of the adaptive search, as kube-scheduler's.
const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
)

// numFeasibleNodesToFind is kube-scheduler's rule for how many feasible
// nodes are enough.
func numFeasibleNodesToFind(numAll, pct int) int {
	if numAll < minFeasibleNodesToFind || pct >= 100 {
		return numAll
	}
	if pct <= 0 {
		pct = 50 - numAll/125
		if pct < minFeasibleNodesPercentageToFind {
			pct = minFeasibleNodesPercentageToFind
		}
	}
	n := numAll * pct / 100
	if n < minFeasibleNodesToFind {
		return minFeasibleNodesToFind
	}
	return n
}
