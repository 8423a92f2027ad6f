package service

import (
	"bytes"
	"hash/maphash"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"unsafe"
)

// RoundRobin is the default picker: it hands out its endpoints in turn, each
// exactly once per cycle while the set does not change, from any number of
// goroutines.
//
// Pick is one atomic load of an immutable snapshot, one atomic add on a
// counter and an index: it never locks, never allocates and never blocks.
// Update builds a new snapshot and publishes it with one atomic store.
// The snapshot is a list of pointers to immutable endpoints that versions
// share: an Update that changes a few endpoints of an unchanged list (a
// readiness change) compares the list with the previous one, copies only
// the endpoints that changed and splices the list of pointers, so it costs
// one pass of comparisons over the endpoints and a copy of the pointers,
// not a copy of every endpoint.
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

	mu   sync.Mutex // serialises Update and guards the fields below
	seed uint64
	rng  *rand.Rand
	opts options

	// The endpoints of the last successful Update, in the order given
	// (validated, immutable, shared with the snapshots), the class of
	// each, and how many are ready. The published snapshot holds, in
	// order, the endpoints of class wantClass(nReady).
	all     []*Endpoint
	cls     []uint8
	kh      []uint64 // keyHash of each endpoint
	nReady  int
	changed []int // scratch for Update
}

// The classes of an endpoint for a picker.
const (
	clsNone     uint8 = iota // not usable
	clsReady                 // ready (on the Local node)
	clsFallback              // serving and terminating (on the Local node), not ready
)

func classOf(e *Endpoint, o *options) uint8 {
	if o.local && e.NodeName != o.node {
		return clsNone
	}
	switch {
	case e.Ready:
		return clsReady
	case e.Serving && e.Terminating:
		return clsFallback
	}
	return clsNone
}

// wantClass is the class the snapshot uses: ready endpoints, or if there is
// none the serving and terminating ones.
func wantClass(nReady int) uint8 {
	if nReady > 0 {
		return clsReady
	}
	return clsFallback
}

type rrSnapshot struct {
	eps []*Endpoint // usable endpoints; list and endpoints never modified once published
	off uint64      // index = (counter + off) mod len(eps)
	m   uint64      // fastmodM(len(eps))
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
		return s.eps[slowIndex(&p.next, c, s.off, n)], nil
	}
	return s.eps[fastmod(c+s.off, s.m, n)], nil
}

// Update replaces the endpoint set with a copy of the usable endpoints among
// eps: the ready ones, or if none is ready the serving and terminating ones
// (on the Local node only, with [Local]). Once Update returns, no Pick that
// starts afterwards returns an endpoint it removed.
//
// An endpoint listed twice gets two turns per cycle.
//
// When eps has as many endpoints as the previous Update and few of them
// differ, Update copies only those: its cost is one comparison per endpoint
// and a copy of a pointer per usable endpoint.
func (p *RoundRobin) Update(eps []Endpoint) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.opts.check(); err != nil {
		return err
	}
	if p.rng == nil {
		p.rng = newRand(p.seed)
	}
	old := p.snap.Load()
	c := p.next.Load()
	var track [2]*key
	if old != nil && len(old.eps) > 0 {
		n := uint64(len(old.eps))
		i := lastIndex(c, old.off, n)
		last, due := keyOf(old.eps[i]), keyOf(old.eps[(i+1)%n])
		track = [2]*key{&last, &due}
	}
	var (
		out []*Endpoint
		ok  bool
		err error
	)
	if old != nil && len(eps) == len(p.all) && len(eps) > 0 {
		if out, ok, err = p.patch(old, eps); err != nil {
			return err
		}
	}
	if !ok {
		if out, err = p.rebuild(eps); err != nil {
			return err
		}
	}
	s := &rrSnapshot{eps: out}
	if n := uint64(len(out)); n > 0 {
		pos := p.positions(track, wantClass(p.nReady))
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

// keySeed seeds the key hashes, which only speed up searches by key.
var keySeed = maphash.MakeSeed()

// keyHash hashes the key (address and port) of e.
func keyHash(addr string, port int32) uint64 {
	return maphash.String(keySeed, addr) ^ uint64(port)*0x9e3779b97f4a7c15
}

// positions returns, for each key of track, the position among the
// endpoints of class w of the first one with that key (-1 if none).
func (p *RoundRobin) positions(track [2]*key, w uint8) [2]int {
	pos := [2]int{-1, -1}
	if track[0] == nil {
		return pos
	}
	var h [2]uint64
	for k, t := range track {
		h[k] = keyHash(t.addr, t.port)
	}
	found := 0
	for i, x := range p.kh {
		if (x != h[0] && x != h[1]) || p.cls[i] != w {
			continue
		}
		e := p.all[i]
		for k, t := range track {
			if pos[k] < 0 && e.Port == t.port && e.Address == t.addr {
				pos[k] = bytes.Count(p.cls[:i], []byte{w})
				found++
			}
		}
		if found == len(pos) {
			break
		}
	}
	return pos
}

// rebuild validates eps and replaces the picker's endpoints with a copy of
// all of them; it returns the usable ones.
func (p *RoundRobin) rebuild(eps []Endpoint) ([]*Endpoint, error) {
	nReady, nFallback := 0, 0
	for i := range eps {
		e := &eps[i]
		if err := validate(i, e); err != nil {
			return nil, err
		}
		switch classOf(e, &p.opts) {
		case clsReady:
			nReady++
		case clsFallback:
			nFallback++
		}
	}
	store := append([]Endpoint(nil), eps...)
	all := make([]*Endpoint, len(store))
	cls := make([]uint8, len(store))
	kh := make([]uint64, len(store))
	for i := range store {
		e := &store[i]
		all[i], cls[i], kh[i] = e, classOf(e, &p.opts), keyHash(e.Address, e.Port)
	}
	p.all, p.cls, p.kh, p.nReady = all, cls, kh, nReady
	w := wantClass(nReady)
	count := nReady
	if w == clsFallback {
		count = nFallback
	}
	if count == 0 {
		return nil, nil
	}
	out := make([]*Endpoint, 0, count)
	for i, k := range cls {
		if k == w {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// patch handles an Update with as many endpoints as the last one: it
// compares eps with the picker's endpoints and, if few differ, copies those
// and splices old's list. ok is false (and nothing is changed) when too
// many differ or the usable class flips; the caller then rebuilds.
func (p *RoundRobin) patch(old *rrSnapshot, eps []Endpoint) (out []*Endpoint, ok bool, err error) {
	limit := len(eps)/16 + 4
	changed := p.changed[:0]
	for i := range eps {
		if !sameEndpoint(&eps[i], p.all[i]) {
			if len(changed) == limit {
				return nil, false, nil
			}
			changed = append(changed, i)
		}
	}
	p.changed = changed[:0]
	nReady := p.nReady
	for _, i := range changed {
		e := &eps[i]
		if err := validate(i, e); err != nil {
			return nil, false, err
		}
		if p.cls[i] == clsReady {
			nReady--
		}
		if classOf(e, &p.opts) == clsReady {
			nReady++
		}
	}
	w := wantClass(p.nReady)
	if wantClass(nReady) != w {
		return nil, false, nil
	}
	if len(changed) == 0 {
		return old.eps, true, nil
	}
	// Splice: old.eps holds, in order, p.all[i] for each i of class w.
	var (
		grow    int
		from    int // old.eps[from:] not yet copied
		counted int // p.cls[:counted] counted into opos
		opos    int // position in old.eps of the next endpoint of class w
	)
	for _, i := range changed {
		if p.cls[i] == w {
			grow--
		}
		if classOf(&eps[i], &p.opts) == w {
			grow++
		}
	}
	if len(old.eps)+grow > 0 {
		out = make([]*Endpoint, 0, len(old.eps)+grow)
	}
	for _, i := range changed {
		opos += bytes.Count(p.cls[counted:i], []byte{w})
		counted = i + 1
		out = append(out, old.eps[from:opos]...)
		from = opos
		if p.cls[i] == w {
			from++
			opos++
		}
		ep := new(Endpoint)
		*ep = eps[i]
		cl := classOf(ep, &p.opts)
		p.all[i], p.cls[i], p.kh[i] = ep, cl, keyHash(ep.Address, ep.Port)
		if cl == w {
			out = append(out, ep)
		}
	}
	out = append(out, old.eps[from:]...)
	p.nReady = nReady
	return out, true, nil
}

// endpointWords is the size of an Endpoint in 64-bit words.
const endpointWords = unsafe.Sizeof(Endpoint{}) / 8

// sameEndpoint reports whether a and b are equal. Endpoints copied from one
// another have the same words (their strings share their data), which a
// comparison of the words checks at the speed of memory; otherwise the
// fields are compared.
func sameEndpoint(a, b *Endpoint) bool {
	wa := (*[endpointWords]uint64)(unsafe.Pointer(a))
	wb := (*[endpointWords]uint64)(unsafe.Pointer(b))
	var d uint64
	for i := range wa {
		d |= wa[i] ^ wb[i]
	}
	return d == 0 || *a == *b
}

func (p *RoundRobin) current() []Endpoint {
	s := p.snap.Load()
	if s == nil || len(s.eps) == 0 {
		return nil
	}
	out := make([]Endpoint, len(s.eps))
	for i, e := range s.eps {
		out[i] = *e
	}
	return out
}

func (p *RoundRobin) currentPtrs() []*Endpoint {
	if s := p.snap.Load(); s != nil {
		return s.eps
	}
	return nil
}
