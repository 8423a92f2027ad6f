package service

import (
	"container/heap"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// Weighted is smooth weighted round robin, nginx's algorithm: over each
// cycle every endpoint gets Weight picks (0 counts as 1), spread out rather
// than in runs. Weights 5, 1, 1 for a, b, c give a a b a c a a.
//
// nginx keeps a running score per peer and updates all of them on every
// pick, under a lock. Weighted instead computes the whole cycle once per
// Update and stores it, immutable, in the snapshot; Pick indexes it with
// the shared counter, so Pick is as cheap as [RoundRobin]'s: one atomic
// load, one atomic add, two indexes, no lock, no allocation.
//
// The cycle has sum(weights)/gcd(weights) entries. Update computes it
// exactly as nginx does while n × sum stays within 4,194,304 steps. Above
// that, it scales the weights down to a cycle of at most 1,048,576 entries
// (each endpoint keeps at least one) and orders the cycle by earliest
// deadline first (the k-th pick of an endpoint of weight w is due at
// (k+1/2)/w of the cycle): the same proportions, spread out, but less
// evenly than nginx's order (5, 1, 1 gives a a a b c a a). With all weights equal, Weighted is round robin.
//
// The first cycle starts at a random position drawn from the seed. An
// Update that changes neither the endpoints' identities nor their weights
// keeps the rotation where it is; any other change starts the new cycle at
// a random position, so a set that changes in step with the picks cannot
// favour an endpoint.
//
// The zero value is a weighted picker with seed 0 and no endpoints.
type Weighted struct {
	snap atomic.Pointer[wSnapshot]
	_    pad
	next atomic.Uint64
	_    pad

	mu   sync.Mutex // serialises Update
	seed uint64
	rng  *rand.Rand
	opts options
}

type wSnapshot struct {
	eps   []Endpoint
	cycle []uint32 // indexes into eps; nil means each endpoint once, in order
	off   uint64
}

var _ Picker = (*Weighted)(nil)

// NewWeighted returns a smooth weighted round-robin picker with no
// endpoints. The seed decides where the rotation starts.
func NewWeighted(seed uint64, opts ...Option) *Weighted {
	return &Weighted{seed: seed, opts: buildOptions(opts)}
}

// Pick returns the next endpoint of the weighted cycle, or ErrNoEndpoints.
// The endpoint is shared and read-only (see [Picker]).
func (p *Weighted) Pick() (*Endpoint, error) {
	s := p.snap.Load()
	if s == nil || len(s.eps) == 0 {
		return nil, ErrNoEndpoints
	}
	n := uint64(len(s.eps))
	if s.cycle != nil {
		n = uint64(len(s.cycle))
	}
	c := p.next.Add(1)
	var i uint64
	if c >= rebaseAt {
		i = slowIndex(&p.next, c, s.off, n)
	} else {
		i = (c + s.off) % n
	}
	if s.cycle != nil {
		i = uint64(s.cycle[i])
	}
	return &s.eps[i], nil
}

// Update replaces the endpoint set, as [RoundRobin.Update] does, and
// computes the weighted cycle: O(n + sum of weights) memory, and at most
// about 4 million steps of work for large weighted sets.
func (p *Weighted) Update(eps []Endpoint) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rng == nil {
		p.rng = newRand(p.seed)
	}
	out, _, err := usable(eps, &p.opts, [2]*key{})
	if err != nil {
		return err
	}
	s := &wSnapshot{eps: out}
	if len(out) == 0 {
		p.snap.Store(s)
		return nil
	}
	w := make([]int64, len(out))
	for i := range out {
		w[i] = max(1, int64(out[i].Weight))
	}
	budget := p.opts.swrrBudget
	if budget == 0 {
		budget = 1 << 22
	}
	s.cycle = smoothCycle(w, budget)
	n := uint64(len(out))
	if s.cycle != nil {
		n = uint64(len(s.cycle))
	}
	if old := p.snap.Load(); old != nil && sameWeightedSet(old.eps, out) {
		s.off = old.off
	} else {
		s.off = offsetFor(p.next.Load(), p.rng.Uint64N(n), n)
	}
	p.snap.Store(s)
	return nil
}

func (p *Weighted) current() []Endpoint {
	if s := p.snap.Load(); s != nil {
		return s.eps
	}
	return nil
}

// sameWeightedSet reports whether a and b list the same endpoints, in the
// same order, with the same weights.
func sameWeightedSet(a, b []Endpoint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Port != b[i].Port || max(1, a[i].Weight) != max(1, b[i].Weight) || a[i].Address != b[i].Address {
			return false
		}
	}
	return true
}

// maxCycle bounds the length of a scaled-down weighted cycle.
const maxCycle = 1 << 20

// smoothCycle returns the smooth weighted round-robin order of endpoints
// with weights w (all >= 1) as indexes into w, or nil if all weights are
// equal (plain round robin). It runs nginx's algorithm when len(w) × the
// reduced sum of weights is at most budget, else an earliest-deadline-first
// order over weights scaled to at most maxCycle picks.
func smoothCycle(w []int64, budget int64) []uint32 {
	g := int64(0)
	for _, x := range w {
		g = gcd(g, x)
	}
	if g == w[0] && allEqual(w) {
		return nil
	}
	total := int64(0)
	for i := range w {
		w[i] /= g
		total += w[i]
	}
	n := int64(len(w))
	if n*total <= budget {
		return nginxCycle(w, total)
	}
	if total > maxCycle {
		g = 0
		for i := range w {
			w[i] = max(1, w[i]*maxCycle/total)
			g = gcd(g, w[i])
		}
		total = 0
		for i := range w {
			w[i] /= g
			total += w[i]
		}
	}
	return edfCycle(w, total)
}

func allEqual(w []int64) bool {
	for _, x := range w {
		if x != w[0] {
			return false
		}
	}
	return true
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// nginxCycle is ngx_http_upstream_get_peer run for total picks: every peer
// adds its weight to its score, the highest score (the first on ties) wins
// and gives back the total.
func nginxCycle(w []int64, total int64) []uint32 {
	cur := make([]int64, len(w))
	cycle := make([]uint32, total)
	for k := range cycle {
		best := 0
		for i := range w {
			cur[i] += w[i]
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		cycle[k] = uint32(best)
	}
	return cycle
}

// edfCycle orders total picks so that the k-th pick of endpoint i (k from
// 0) is due at (2k+1)/(2w[i]); the earliest due goes first, the lowest
// index on ties. O(total log n).
func edfCycle(w []int64, total int64) []uint32 {
	h := &edfHeap{w: w, k: make([]int64, len(w)), idx: make([]int, len(w))}
	for i := range w {
		h.idx[i] = i
	}
	heap.Init(h)
	cycle := make([]uint32, 0, total)
	for int64(len(cycle)) < total {
		i := h.idx[0]
		cycle = append(cycle, uint32(i))
		h.k[i]++
		if h.k[i] == w[i] {
			heap.Pop(h)
		} else {
			heap.Fix(h, 0)
		}
	}
	return cycle
}

type edfHeap struct {
	w, k []int64
	idx  []int
}

func (h *edfHeap) Len() int { return len(h.idx) }
func (h *edfHeap) Less(a, b int) bool {
	i, j := h.idx[a], h.idx[b]
	// (2k_i+1)/(2w_i) < (2k_j+1)/(2w_j)
	l, r := (2*h.k[i]+1)*h.w[j], (2*h.k[j]+1)*h.w[i]
	if l != r {
		return l < r
	}
	return i < j
}
func (h *edfHeap) Swap(a, b int) { h.idx[a], h.idx[b] = h.idx[b], h.idx[a] }
func (h *edfHeap) Push(x any)    { h.idx = append(h.idx, x.(int)) }
func (h *edfHeap) Pop() any {
	x := h.idx[len(h.idx)-1]
	h.idx = h.idx[:len(h.idx)-1]
	return x
}
