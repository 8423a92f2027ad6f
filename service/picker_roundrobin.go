package service

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// RoundRobin is the default picker: it hands out its endpoints in turn, each
// exactly once per cycle while the set does not change, from any number of
// goroutines.
//
// Pick is one atomic load of an immutable snapshot, one atomic add on a
// counter and an index: it never locks, never allocates and never blocks.
// Update builds a new snapshot (one pass over the endpoints, O(n)) and
// publishes it with one atomic store.
//
// The first cycle starts at a random endpoint drawn from the seed, so many
// clients do not all start with the same endpoint. The counter belongs to
// the picker, not to the snapshot: an Update does not restart the rotation.
// It goes on after the endpoint that was picked last, at its position in
// the new list, or, if that endpoint was removed, with the one that was due
// next. So an endpoint that comes and goes does not shift turns towards
// one of the others: they keep exactly equal shares. The one that comes
// and goes gets its turn whenever the rotation passes its place while it
// is present; if it flaps every few picks that is somewhat more than its
// share of that time (it is often due soon after it is back), and if it
// flaps in lockstep with the picks it can be much more or much less.
// Under concurrent picks, the first cycle after an Update may
// skip or repeat one endpoint per pick in flight during it.
//
// The zero value is a round-robin picker with seed 0 and no endpoints.
type RoundRobin struct {
	snap atomic.Pointer[rrSnapshot]
	_    pad
	next atomic.Uint64
	_    pad

	mu   sync.Mutex // serialises Update
	seed uint64
	rng  *rand.Rand
	opts options
}

type rrSnapshot struct {
	eps []Endpoint // usable endpoints, never modified once published
	off uint64     // index = (counter + off) mod len(eps)
	m   uint64     // fastmodM(len(eps))
}

var _ Picker = (*RoundRobin)(nil)

// NewRoundRobin returns a round-robin picker with no endpoints. The seed
// decides where the rotation starts: pickers built with the same seed and
// given the same calls pick the same endpoints.
func NewRoundRobin(seed uint64, opts ...Option) *RoundRobin {
	p := &RoundRobin{seed: seed, opts: buildOptions(opts)}
	p.snap.Store(&rrSnapshot{})
	return p
}

// Pick returns the next endpoint in the rotation, or ErrNoEndpoints.
// The endpoint is shared and read-only (see [Picker]).
func (p *RoundRobin) Pick() (*Endpoint, error) {
	s := p.snap.Load()
	if s == nil || len(s.eps) == 0 {
		return nil, ErrNoEndpoints
	}
	n := uint64(len(s.eps))
	c := p.next.Add(1)
	if c >= rebaseAt {
		return &s.eps[slowIndex(&p.next, c, s.off, n)], nil
	}
	return &s.eps[fastmod(c+s.off, s.m, n)], nil
}

// Update replaces the endpoint set with a copy of the usable endpoints among
// eps: the ready ones, or if none is ready the serving and terminating ones
// (on the Local node only, with [Local]). Once Update returns, no Pick that
// starts afterwards returns an endpoint it removed.
//
// An endpoint listed twice gets two turns per cycle.
func (p *RoundRobin) Update(eps []Endpoint) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rng == nil {
		p.rng = newRand(p.seed)
	}
	old := p.snap.Load()
	c := p.next.Load()
	var track [2]*key
	if old != nil && len(old.eps) > 0 {
		n := uint64(len(old.eps))
		i := lastIndex(c, old.off, n)
		last, due := keyOf(&old.eps[i]), keyOf(&old.eps[(i+1)%n])
		track = [2]*key{&last, &due}
	}
	out, pos, err := usable(eps, &p.opts, track)
	if err != nil {
		return err
	}
	s := &rrSnapshot{eps: out}
	if n := uint64(len(out)); n > 0 {
		var j uint64
		switch {
		case pos[0] >= 0:
			j = uint64(pos[0]+1) % n
		case pos[1] >= 0:
			j = uint64(pos[1])
		default:
			j = p.rng.Uint64N(n)
		}
		s.off = offsetFor(c, j, n)
		s.m = fastmodM(n)
	}
	p.snap.Store(s)
	return nil
}

func (p *RoundRobin) current() []Endpoint {
	if s := p.snap.Load(); s != nil {
		return s.eps
	}
	return nil
}
