package scheduler

import (
	"errors"
	"math"
	"strings"

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
	fused       bool // filters are the defaults: call defaultFits, read hotNodes
	fusedScores bool // scorers are the defaults: score from hotNodes

	pod      PodInfo
	feasible []int32 // indexes in the snapshot's node list
	failed   []failure
	raw      [][]int64 // per scorer, per feasible node
	total    []int64
	counts   []int32 // by index in the node list: pods of the pod's controller
	buckets  []bucket
	inter    interPodState
	spreadSt spreadState
	defSt    defaultSpreadState
}

// bucket is scanPick's best node among the feasible ones that hold a
// given number of pods of the pod's controller.
type bucket struct {
	own int64  // its weighted LeastAllocated and BalancedAllocation scores
	tie uint64 // its tie-break hash
	pos int32  // its index in the node list, -1 for none yet
}

type failure struct {
	pos    int32
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
		s.scorers, s.fusedScores = DefaultScorers(), true
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
	defer func() { p.Pod, p.inter, p.spread = nil, nil, nil }() // do not keep the pod alive
	if p.termsConflict && len(snap.list) > 0 {
		return Result{}, &FitError{Pod: podKey(pod), NumAllNodes: len(snap.list), Reasons: map[string]string{}, PreFilterMsg: ReasonTermsConflict}
	}
	s.prepareFilters(p, snap)
	if p.pinKind != pinNone {
		return s.schedulePinned(p, snap)
	}
	if p.OwnerUID != "" && snap.owners[p.ownerHash] == nil {
		p.ownerAbsent = true
	}
	n := len(snap.list)
	base := mix(s.seed ^ p.hash)
	want := numFeasibleNodesToFind(n, s.pct)
	s.feasible, s.failed = s.feasible[:0], s.failed[:0]
	if n > 0 && s.fused && s.fusedScores && !s.record && !p.topology() {
		if res, ok := s.scanPick(p, snap, int(base%uint64(n)), want, base); ok {
			return res, nil
		}
		s.feasible, s.failed = s.feasible[:0], s.failed[:0]
	}
	evaluated := 0
	if n > 0 {
		start := int(base % uint64(n))
		if s.fused {
			evaluated = s.scanFused(p, snap, start, want)
		} else {
			evaluated = s.scan(p, snap, start, want)
		}
	}
	if len(s.feasible) == 0 {
		fe := &FitError{Pod: podKey(pod), NumAllNodes: n, Reasons: make(map[string]string, len(s.failed))}
		for _, f := range s.failed {
			name := snap.list[f.pos].name
			if p.pinTerms && !p.inPinTerms(name) {
				fe.Unconsidered++ // left out by the PreFilter: not evaluated
				continue
			}
			fe.Reasons[name] = f.reason
			if resolvable(p, snap.list[f.pos], f.reason) {
				fe.Resolvable++
			}
		}
		if fe.Unconsidered > 0 {
			fe.UnconsideredReason = ReasonPreFilterNodeAffinity
		}
		clear(s.failed)
		return Result{Evaluated: evaluated}, fe
	}
	clear(s.failed)
	var res Result
	if s.fusedScores && !s.record && !p.topology() {
		res = s.pickFused(p, snap, base)
	} else {
		res = s.pick(p, snap, base)
	}
	res.Evaluated = evaluated
	return res, nil
}

// scanPick is scanFused then pickFused in one pass over the nodes, with
// no list of the feasible ones, for the common pod: no spec.nodeName,
// node selector, required or preferred node affinity or scalar requests.
// While every node has a hostname label and none a zone label, a node's
// default spreading score is a function of the number c of the pod's
// controller's pods it holds, given the number of feasible nodes and the
// lowest and highest c among them, all known at the end of the scan. Of
// the feasible nodes with the same c, the one with the highest
// LeastAllocated score (ties: lowest hash) is the only one that can win,
// so it keeps one per c and picks among those at the end, as pickFused
// would. It reports false, having decided nothing, for another pod, when
// some node has a zone label or lacks a hostname label and the pod is
// spread (pickFused then scores every feasible node), when no node fits
// (scanFused then gathers the reasons), or when a feasible node has
// PreferNoSchedule taints (a score it does not compute). It must agree
// with scan and pick (TestFusedMatchesGeneric).
func (s *Scheduler) scanPick(p *PodInfo, snap *Snapshot, start, want int, base uint64) (Result, bool) {
	if p.Pod.Spec.NodeName != "" || len(p.Pod.Spec.NodeSelector) > 0 || p.hasRequired || len(p.ScalarRequests) > 0 {
		return Result{}, false
	}
	if _, skipAff := (NodeAffinityScorer{}).skip(p); !skipAff {
		return Result{}, false
	}
	spread := p.defSpread
	if spread && (snap.zoned > 0 || snap.unnamed > 0) {
		return Result{}, false
	}
	wSpread, wLeast, wTaint, wBal := s.scorers[0].Weight, s.scorers[1].Weight, s.scorers[2].Weight, s.scorers[6].Weight
	_, skipBal := BalancedAllocationScorer{}.skip(p)
	var counts []int32
	top := int32(0) // the highest count on any node
	if spread && !p.ownerAbsent {
		counts = s.controllerCounts(p, snap)
		for _, o := range snap.owners[p.ownerHash].nodes {
			top = max(top, o.n)
		}
		defer s.clearCounts(p, snap)
	}
	if cap(s.buckets) < int(top)+1 {
		s.buckets = make([]bucket, int(top)+1)
	}
	bs := s.buckets[:top+1]
	for i := range bs {
		bs[i] = bucket{pos: -1}
	}
	nz := p.NonZeroRequests
	dflt := nz == defaultNonZero
	mask := hotHardTaints // nodes that need their NodeInfo for this pod
	if len(p.HostPorts) > 0 {
		mask |= hotPorts
	}
	nodes, hot := snap.list, snap.hot
	n := len(nodes)
	evaluated, feasible, lo, hi := 0, 0, top, int32(0)
	for i := 0; i < n && feasible < want; i++ {
		j := start + i
		if j >= n {
			j -= n
		}
		evaluated++
		h := &hot[j]
		var ok bool
		if h.flags&mask != 0 {
			ok, _ = defaultFits(p, nodes[j])
		} else {
			ok, _ = hotFits(p, h)
		}
		if !ok {
			continue
		}
		if h.flags&hotSoftTaints != 0 {
			return Result{}, false
		}
		feasible++
		c := int32(0)
		if counts != nil {
			c = counts[j]
			hi = max(hi, c)
		}
		lo = min(lo, c)
		least := h.leastDefault
		if !dflt {
			least = leastAllocated(nz, h)
		}
		own := wLeast * least
		if !skipBal {
			own += wBal * balancedHot(p.Requests, h)
		}
		b := &bs[c]
		if b.pos >= 0 && own < b.own {
			continue
		}
		tie := mix(base ^ h.nameHash)
		if b.pos < 0 || own > b.own || tie < b.tie {
			*b = bucket{own: own, tie: tie, pos: int32(j)}
		}
	}
	if feasible == 0 {
		return Result{}, false
	}
	res := Result{Evaluated: evaluated, Feasible: feasible}
	common := wTaint * MaxNodeScore // no feasible node has soft taints
	// Every node has the hostname label alone: it scores
	// round(c*log(feasible+2) + 2), increasing with c.
	w := math.Log(float64(feasible + 2))
	rawOf := func(c int32) int64 { return int64(math.Round(float64(c)*w + (defaultHostnameSkew - 1))) }
	rlo, rhi := rawOf(lo), rawOf(hi)
	best, bestTie, bestT := int32(-1), uint64(0), int64(0)
	for c := range bs[:hi+1] {
		b := &bs[c]
		if b.pos < 0 {
			continue
		}
		t := common + b.own
		if spread {
			t += wSpread * normalizeSpread(rawOf(int32(c)), rlo, rhi)
		}
		if best < 0 || t > bestT || (t == bestT && b.tie < bestTie) {
			best, bestTie, bestT = b.pos, b.tie, t
		}
	}
	res.Node = nodes[best].name
	if feasible > 1 {
		res.Score = bestT // a single feasible node is not scored
	}
	return res, true
}

// scan runs s.filters on the nodes from start on, wrapping around, until
// want of them fit or all were seen, and returns how many it saw.
func (s *Scheduler) scan(p *PodInfo, snap *Snapshot, start, want int) int {
	nodes := snap.list
	n := len(nodes)
	evaluated := 0
	for i := 0; i < n && len(s.feasible) < want; i++ {
		j := start + i
		if j >= n {
			j -= n
		}
		evaluated++
		if ok, reason := s.fits(p, nodes[j]); ok {
			s.feasible = append(s.feasible, int32(j))
		} else {
			s.failed = append(s.failed, failure{int32(j), reason})
		}
	}
	return evaluated
}

// scanFused is scan with the default filters. It reads each node's
// hotNode, and the NodeInfo only when the pod or the node needs one of
// the rarer filters (taints, node selector, node affinity, host ports,
// scalar resources), in which case defaultFits decides. It must agree with
// scan (TestFusedMatchesGeneric).
func (s *Scheduler) scanFused(p *PodInfo, snap *Snapshot, start, want int) int {
	nodes, hot := snap.list, snap.hot
	n := len(nodes)
	// With any of these the pod needs the NodeInfo of every node.
	slow := p.Pod.Spec.NodeName != "" || len(p.Pod.Spec.NodeSelector) > 0 || p.hasRequired || len(p.ScalarRequests) > 0 ||
		p.topology()
	mask := hotHardTaints // nodes that need their NodeInfo for this pod
	if len(p.HostPorts) > 0 {
		mask |= hotPorts
	}
	evaluated := 0
	for i := 0; i < n && len(s.feasible) < want; i++ {
		j := start + i
		if j >= n {
			j -= n
		}
		evaluated++
		h := &hot[j]
		var ok bool
		var reason string
		if slow || h.flags&mask != 0 {
			ok, reason = defaultFits(p, nodes[j])
		} else {
			ok, reason = hotFits(p, h)
		}
		if ok {
			s.feasible = append(s.feasible, int32(j))
		} else {
			s.failed = append(s.failed, failure{int32(j), reason})
		}
	}
	return evaluated
}

// hotFits is defaultFits for a pod with no spec.nodeName, node selector,
// required node affinity or scalar requests, on a node with no hard taint
// and, if the pod has host ports, no host port in use: only the cordon,
// readiness and resource checks remain, and h has what they read.
func hotFits(p *PodInfo, h *hotNode) (bool, string) {
	if h.flags&hotUnschedulable != 0 && !p.tolerates.unschedulable {
		return false, ReasonUnschedulable
	}
	if h.flags&hotReady == 0 {
		if h.flags&hotUnreachable != 0 {
			if !p.tolerates.unreachable {
				return false, ReasonUnreachable
			}
		} else if !p.tolerates.notReady {
			return false, ReasonNotReady
		}
	}
	var bits int
	if int64(h.numPods)+1 > h.allocPods {
		bits |= 1
	}
	r := p.Requests
	if r.MilliCPU > 0 && r.MilliCPU > h.free.MilliCPU {
		bits |= 2
	}
	if r.Memory > 0 && r.Memory > h.free.Memory {
		bits |= 4
	}
	if bits == 0 {
		return true, ""
	}
	return false, resourceReasons[bits]
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
		fe := s.pinnedFitError(p, total, map[string]string{ni.name: reason}, total-1)
		if resolvable(p, ni, reason) {
			fe.Resolvable = 1
		}
		return Result{Evaluated: 1}, fe
	}
	return Result{Node: ni.name, Evaluated: 1, Feasible: 1}, nil
}

// resolvable reports whether evicting pods from node n could make room
// for p there, given why it does not fit (kube-scheduler's
// nodesWherePreemptionMightHelp): the node's host ports, or its resources
// when none of p's requests is larger than the node's allocatable (fit.go
// marks that one Unresolvable), or either anti-affinity reason
// (interpodaffinity's Filter returns Unschedulable for them, but
// UnschedulableAndUnresolvable for the affinity rules). Every other reason (taints, affinity, node
// name, a cordon) is UnschedulableAndUnresolvable.
func resolvable(p *PodInfo, n *NodeInfo, reason string) bool {
	switch reason {
	case ReasonHostPorts, ReasonAntiAffinityRulesNotMatch, ReasonExistingAntiAffinityRulesNotMatch, ReasonSpreadConstraintsNotMatch:
		return true // Unschedulable, not UnschedulableAndUnresolvable
	}
	for part := range strings.SplitSeq(reason, ", ") {
		if part != ReasonTooManyPods && !strings.HasPrefix(part, "Insufficient ") {
			return false
		}
	}
	r := p.Requests
	if r.MilliCPU > n.allocatable.MilliCPU || r.Memory > n.allocatable.Memory {
		return false
	}
	for name, v := range p.ScalarRequests {
		if v > n.allocScalar[name] {
			return false
		}
	}
	return true
}

func (s *Scheduler) pinnedFitError(p *PodInfo, total int, reasons map[string]string, unconsidered int) *FitError {
	fe := &FitError{Pod: podKey(p.Pod), NumAllNodes: total, Reasons: reasons,
		Unconsidered: unconsidered, UnconsideredReason: ReasonNodeName}
	if p.pinKind == pinAffinity {
		fe.UnconsideredReason = ReasonPreFilterNodeAffinity
	}
	return fe
}

// pick scores s.feasible and returns the best.
func (s *Scheduler) pick(p *PodInfo, snap *Snapshot, base uint64) Result {
	nf := len(s.feasible)
	res := Result{Feasible: nf}
	if nf == 1 && !s.record {
		res.Node = snap.list[s.feasible[0]].name
		return res
	}
	s.total = grow(s.total, nf)
	clear(s.total)
	if p.hasSoftSpread() {
		s.prepareSpreadScore(p, snap)
		p.spreadSt, p.spreadScore = &s.spreadSt, true
	}
	if p.defSpread {
		s.prepareDefaultSpread(p, snap, nf)
		p.defSt = &s.defSt
	}
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
		if s.fusedScores {
			s.scoreFused(j, p, snap, raw)
		} else {
			for i, pos := range s.feasible {
				raw[i] = ws.Scorer.Score(p, snap.list[pos])
			}
		}
		if norm := s.normalizers[j]; norm != nil {
			norm.Normalize(p, raw)
		}
		for i := range raw {
			s.total[i] += ws.Weight * raw[i]
		}
	}
	best, bestTie := -1, uint64(0)
	for i, pos := range s.feasible {
		t := s.total[i]
		if best >= 0 && t < s.total[best] {
			continue
		}
		tie := mix(base ^ snap.hot[pos].nameHash)
		if best < 0 || t > s.total[best] || tie < bestTie {
			best, bestTie = i, tie
		}
	}
	res.Node, res.Score = snap.list[s.feasible[best]].name, s.total[best]
	if s.record {
		res.Scores = make([]NodeScore, nf)
		for i, pos := range s.feasible {
			parts := make([]int64, len(s.scorers))
			for j := range s.scorers {
				parts[j] = s.raw[j][i]
			}
			res.Scores[i] = NodeScore{Node: snap.list[pos].name, Total: s.total[i], Parts: parts}
		}
	}
	return res
}

// pickFused is pick for the default scorers without RecordScores: one pass
// over the feasible nodes' hotNodes gathers the raw scores and their
// maxima, a second normalizes, totals and picks, with no call per node but
// for the rarer scores (PreferNoSchedule taints, preferred node affinity).
// It must agree with pick (TestFusedMatchesGeneric).
func (s *Scheduler) pickFused(p *PodInfo, snap *Snapshot, base uint64) Result {
	nf := len(s.feasible)
	res := Result{Feasible: nf}
	if nf == 1 {
		res.Node = snap.list[s.feasible[0]].name
		return res
	}
	// The weights of DefaultScorers, in its order.
	wSpread, wLeast, wTaint, wAff, wBal := s.scorers[0].Weight, s.scorers[1].Weight, s.scorers[2].Weight, s.scorers[3].Weight, s.scorers[6].Weight
	_, skipBal := BalancedAllocationScorer{}.skip(p)
	spreadRaw, taintRaw, affRaw := grow(s.raw[0], nf), grow(s.raw[2], nf), grow(s.raw[3], nf)
	s.raw[0], s.raw[2], s.raw[3] = spreadRaw, taintRaw, affRaw
	total := grow(s.total, nf)
	s.total = total
	spread := p.defSpread
	_, skipAff := NodeAffinityScorer{}.skip(p)
	var counts []int32
	if spread {
		s.prepareDefaultSpread(p, snap, nf)
		if !p.ownerAbsent {
			counts = s.controllerCounts(p, snap)
		}
	}
	nz := p.NonZeroRequests
	dflt := nz == defaultNonZero // the score is in the hotNode
	var hiSpread, hiTaint, hiAff int64
	loSpread := int64(math.MaxInt64)
	for i, pos := range s.feasible {
		h := &snap.hot[pos]
		if dflt {
			total[i] = wLeast * h.leastDefault
		} else {
			total[i] = wLeast * leastAllocated(nz, h)
		}
		if !skipBal {
			total[i] += wBal * balancedHot(p.Requests, h)
		}
		if spread {
			var c int64
			if counts != nil {
				c = int64(counts[pos])
			}
			r := s.defSt.raw(c, h.flags, snap.zoneOf[pos])
			spreadRaw[i], loSpread, hiSpread = r, min(loSpread, r), max(hiSpread, r)
		}
		taintRaw[i] = 0
		if h.flags&hotSoftTaints != 0 {
			c := TaintScorer{}.Score(p, snap.list[pos])
			taintRaw[i], hiTaint = c, max(hiTaint, c)
		}
		if !skipAff {
			c := NodeAffinityScorer{}.Score(p, snap.list[pos])
			affRaw[i], hiAff = c, max(hiAff, c)
		}
	}
	if counts != nil {
		s.clearCounts(p, snap)
	}
	// What every node gets from the scores that are the same everywhere;
	// default spreading scores 0 everywhere for a pod it skips.
	var common int64
	taintN, affN := makeNorm(hiTaint, true), makeNorm(hiAff, false)
	varTaint, varAff := hiTaint > 0, !skipAff && hiAff > 0
	if !varTaint {
		common += wTaint * MaxNodeScore
	}
	// Node affinity without preferred terms, or matching none, scores 0.
	best, bestTie, bestT := -1, uint64(0), int64(0)
	for i, pos := range s.feasible {
		t := total[i] + common
		if spread {
			t += wSpread * normalizeSpread(spreadRaw[i], loSpread, hiSpread)
		}
		if varTaint {
			t += wTaint * taintN.of(taintRaw[i])
		}
		if varAff {
			t += wAff * affN.of(affRaw[i])
		}
		if best >= 0 && t < bestT {
			continue
		}
		tie := mix(base ^ snap.hot[pos].nameHash)
		if best < 0 || t > bestT || tie < bestTie {
			best, bestTie, bestT = i, tie, t
		}
	}
	res.Node, res.Score = snap.list[s.feasible[best]].name, bestT
	return res
}

// scoreFused fills raw with the raw scores of DefaultScorers()[j] for the
// feasible nodes, from their hotNodes where it can. It must agree with the
// scorers' Score methods (TestFusedMatchesGeneric).
func (s *Scheduler) scoreFused(j int, p *PodInfo, snap *Snapshot, raw []int64) {
	switch j {
	case 0: // SpreadScorer: the controller's counts, one pass over its nodes
		counts := s.controllerCounts(p, snap)
		for i, pos := range s.feasible {
			raw[i] = s.defSt.raw(int64(counts[pos]), snap.hot[pos].flags, snap.zoneOf[pos])
		}
		s.clearCounts(p, snap)
	case 1: // LeastAllocatedScorer
		nz := p.NonZeroRequests
		for i, pos := range s.feasible {
			raw[i] = leastAllocated(nz, &snap.hot[pos])
		}
	case 2: // TaintScorer: only nodes with PreferNoSchedule taints score
		for i, pos := range s.feasible {
			raw[i] = 0
			if snap.hot[pos].flags&hotSoftTaints != 0 {
				raw[i] = TaintScorer{}.Score(p, snap.list[pos])
			}
		}
	case 3: // NodeAffinityScorer
		for i, pos := range s.feasible {
			raw[i] = NodeAffinityScorer{}.Score(p, snap.list[pos])
		}
	case 4: // InterPodAffinityScorer
		for i, pos := range s.feasible {
			raw[i] = InterPodAffinityScorer{}.Score(p, snap.list[pos])
		}
	case 5: // TopologySpreadScorer
		for i, pos := range s.feasible {
			raw[i] = TopologySpreadScorer{}.Score(p, snap.list[pos])
		}
	case 6: // BalancedAllocationScorer
		for i, pos := range s.feasible {
			raw[i] = balancedHot(p.Requests, &snap.hot[pos])
		}
	}
}

// balancedHot is BalancedAllocationScorer's score of a pod requesting req
// on the node h (whose pods request its allocatable less what is free).
func balancedHot(req Resources, h *hotNode) int64 {
	used := Resources{MilliCPU: h.allocatable.MilliCPU - h.free.MilliCPU, Memory: h.allocatable.Memory - h.free.Memory}
	return balancedAllocation(req, used, h.allocatable)
}

// controllerCounts returns, by index in the node list, how many pods of
// p's controller each node holds, filled from the controller's ownerSet;
// clearCounts zeroes it again.
func (s *Scheduler) controllerCounts(p *PodInfo, snap *Snapshot) []int32 {
	if cap(s.counts) < len(snap.list) {
		s.counts = make([]int32, len(snap.list), len(snap.list)+len(snap.list)/4)
	}
	s.counts = s.counts[:len(snap.list)]
	if set := snap.owners[p.ownerHash]; set != nil && p.OwnerUID != "" {
		for _, o := range set.nodes {
			s.counts[snap.posOf[o.slot]] = o.n
		}
	}
	return s.counts
}

func (s *Scheduler) clearCounts(p *PodInfo, snap *Snapshot) {
	if set := snap.owners[p.ownerHash]; set != nil && p.OwnerUID != "" {
		for _, o := range set.nodes {
			s.counts[snap.posOf[o.slot]] = 0
		}
	}
}

// defaultNonZero is the non-zero requests of a pod without requests.
var defaultNonZero = Resources{MilliCPU: DefaultMilliCPURequest, Memory: DefaultMemoryRequest}

// leastAllocated is LeastAllocatedScorer's score of a pod with the
// non-zero requests nz on the node h.
func leastAllocated(nz Resources, h *hotNode) int64 {
	cpu := leastRequested(h.nonZero.MilliCPU+nz.MilliCPU, h.allocatable.MilliCPU)
	mem := leastRequested(h.nonZero.Memory+nz.Memory, h.allocatable.Memory)
	return (cpu + mem) / 2
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

// topology reports whether the pod needs inter-pod affinity or topology
// spread, which the fused paths do not compute.
func (p *PodInfo) topology() bool { return p.inter != nil || len(p.spread) > 0 }

// prepareFilters computes what the inter-pod affinity and topology spread
// filters read (kube-scheduler's PreFilter); it costs two tests for a pod
// without such terms in a snapshot without pods that have any.
func (s *Scheduler) prepareFilters(p *PodInfo, snap *Snapshot) {
	s.prepareInterPod(p, snap)
	if len(p.spread) > 0 {
		s.prepareSpreadFilter(p, snap)
		p.spreadSt, p.spreadReady = &s.spreadSt, s.spreadSt.hard
	}
}
