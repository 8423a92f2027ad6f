package service

import (
	"sync"
	"sync/atomic"
)

// LeastRequest sends each request to the less busy of two endpoints drawn
// at random ("power of two choices", as Envoy's and Finagle's least-request
// balancers do). Busy means requests in flight: the picker counts them per
// endpoint, so the caller must say when a request ends:
//
//	req, err := p.Start()
//	if err != nil {
//		return err // ErrNoEndpoints: fail the request or retry later
//	}
//	defer req.Done()
//	send(req.Endpoint)
//
// Pick alone chooses the same way but does not count a request.
//
// Start and Pick are lock-free and allocation-free: one atomic load of the
// snapshot, one atomic add on the random counter, two loads of in-flight
// counters, and for Start one atomic add on the chosen endpoint's counter.
// The two draws are distinct endpoints; a tie goes to either at random.
//
// In-flight counts belong to the endpoint (address and port), not to a
// snapshot: they survive Updates that keep the endpoint. An endpoint that
// is removed and added back starts again from zero; the Done calls of its
// earlier requests then decrement the old count, which nothing reads.
// Update is O(n) with one map operation per endpoint.
//
// The zero value is a least-request picker with seed 0 and no endpoints.
type LeastRequest struct {
	snap atomic.Pointer[lrSnapshot]
	_    pad
	next atomic.Uint64
	_    pad

	mu    sync.Mutex // serialises Update
	seed  uint64
	loads map[key]*inFlight
	opts  options
}

type lrSnapshot struct {
	eps   []Endpoint
	loads []*inFlight // loads[i] counts the requests in flight to eps[i]
}

// inFlight is padded to a cache line so that endpoints' counters do not
// share one.
type inFlight struct {
	n atomic.Int64
	_ [56]byte
}

// Request is one request started by [LeastRequest.Start]. Call Done exactly
// once when the request ends, whatever its outcome.
type Request struct {
	// Endpoint is where to send the request; shared and read-only (see
	// [Picker]).
	Endpoint *Endpoint
	load     *inFlight
}

// Done records that the request has ended. Calling it on the zero Request
// does nothing.
func (r Request) Done() {
	if r.load != nil {
		r.load.n.Add(-1)
	}
}

var _ Picker = (*LeastRequest)(nil)

// NewLeastRequest returns a least-request picker with no endpoints, whose
// random draws are determined by seed.
func NewLeastRequest(seed uint64, opts ...Option) *LeastRequest {
	return &LeastRequest{seed: seed, opts: buildOptions(opts)}
}

// Start picks the less busy of two random endpoints and counts a request
// in flight to it until Done. It returns ErrNoEndpoints if there is no
// usable endpoint.
func (p *LeastRequest) Start() (Request, error) {
	s := p.snap.Load()
	if s == nil || len(s.eps) == 0 {
		return Request{}, ErrNoEndpoints
	}
	i := p.choose(s)
	l := s.loads[i]
	l.n.Add(1)
	return Request{Endpoint: &s.eps[i], load: l}, nil
}

// Pick chooses as Start does without counting a request in flight. The
// endpoint is shared and read-only (see [Picker]).
func (p *LeastRequest) Pick() (*Endpoint, error) {
	s := p.snap.Load()
	if s == nil || len(s.eps) == 0 {
		return nil, ErrNoEndpoints
	}
	return &s.eps[p.choose(s)], nil
}

func (p *LeastRequest) choose(s *lrSnapshot) uint64 {
	n := uint64(len(s.eps))
	if n == 1 {
		return 0
	}
	h1 := mix(p.seed + p.next.Add(1)*0x9e3779b97f4a7c15)
	h2 := mix(h1)
	a := below(h1, n)
	b := below(h2, n-1)
	if b >= a {
		b++
	}
	la, lb := s.loads[a].n.Load(), s.loads[b].n.Load()
	if lb < la || (lb == la && h2&1 == 1) {
		return b
	}
	return a
}

// Update replaces the endpoint set, as [RoundRobin.Update] does, keeping
// the in-flight counts of endpoints that stay.
func (p *LeastRequest) Update(eps []Endpoint) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	out, _, err := usable(eps, &p.opts, [2]*key{})
	if err != nil {
		return err
	}
	loads := make(map[key]*inFlight, len(out))
	s := &lrSnapshot{eps: out, loads: make([]*inFlight, len(out))}
	for i := range out {
		k := keyOf(&out[i])
		l := loads[k]
		if l == nil {
			if l = p.loads[k]; l == nil {
				l = new(inFlight)
			}
			loads[k] = l
		}
		s.loads[i] = l
	}
	p.loads = loads
	p.snap.Store(s)
	return nil
}

// InFlight returns the number of requests started and not yet done on the
// endpoint with the given address and port, 0 if the picker does not have it.
func (p *LeastRequest) InFlight(address string, port int32) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l := p.loads[key{address, port}]; l != nil {
		return l.n.Load()
	}
	return 0
}

func (p *LeastRequest) current() []Endpoint {
	if s := p.snap.Load(); s != nil {
		return s.eps
	}
	return nil
}
