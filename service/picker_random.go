package service

import (
	"sync"
	"sync/atomic"
)

// Random picks an endpoint uniformly at random for each request, as
// kube-proxy's iptables mode does.
//
// The random numbers come from a counter hashed with splitmix64 and the
// seed, so a picker with a given seed makes the same choices for the same
// sequence of calls, and Pick stays lock-free and allocation-free (one
// atomic load, one atomic add, a hash). Update is O(n), as for
// [RoundRobin].
//
// The zero value is a random picker with seed 0 and no endpoints.
type Random struct {
	snap atomic.Pointer[[]Endpoint]
	_    pad
	next atomic.Uint64
	_    pad

	mu   sync.Mutex // serialises Update
	seed uint64
	opts options
}

var _ Picker = (*Random)(nil)

// NewRandom returns a random picker with no endpoints, whose choices are
// determined by seed.
func NewRandom(seed uint64, opts ...Option) *Random {
	return &Random{seed: seed, opts: buildOptions(opts)}
}

// Pick returns a random endpoint, or ErrNoEndpoints. The endpoint is shared
// and read-only (see [Picker]).
func (p *Random) Pick() (*Endpoint, error) {
	s := p.snap.Load()
	if s == nil || len(*s) == 0 {
		return nil, ErrNoEndpoints
	}
	eps := *s
	h := mix(p.seed + p.next.Add(1)*0x9e3779b97f4a7c15)
	return &eps[below(h, uint64(len(eps)))], nil
}

// Update replaces the endpoint set, as [RoundRobin.Update] does.
func (p *Random) Update(eps []Endpoint) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	out, _, err := usable(eps, &p.opts, [2]*key{})
	if err != nil {
		return err
	}
	p.snap.Store(&out)
	return nil
}

func (p *Random) current() []Endpoint {
	if s := p.snap.Load(); s != nil {
		return *s
	}
	return nil
}
