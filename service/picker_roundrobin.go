package service

import (
	"bytes"
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// RoundRobin is the default picker: it hands out its endpoints in turn, each
// exactly once per cycle while the set does not change, from any number of
// goroutines.
//
// Pick is one atomic load of an immutable snapshot, one atomic add on a
// counter and an index: it never locks, never allocates and never blocks,
// and it is small enough for the compiler to inline at the call site.
// Update builds a new snapshot and publishes it with one atomic store.
//
// A snapshot is a packed list of positions (byte offsets) in an array of
// endpoints that successive snapshots share: an endpoint stored there is
// never modified, and an Update that changes some endpoints appends their
// new values and publishes a new list of positions. So an Update that
// changes a few endpoints of a list as long as the last one (a readiness
// change) costs a comparison per endpoint and a copy of the positions (4
// bytes per usable endpoint, no pointers for the garbage collector to
// trace), not a copy of every endpoint, and [RoundRobin.UpdateAt], which is
// told what changed, costs only the copy of the positions.
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
	// snap is the published *rrSnapshot, nil while no endpoint is usable;
	// it is only accessed through load and store. It is an unsafe.Pointer
	// rather than an atomic.Pointer[rrSnapshot] because the generic
	// method costs Pick 3 more of its 80-point inlining budget, which it
	// does not have (see Pick).
	snap unsafe.Pointer
	_    pad
	next atomic.Uint64
	_    pad

	mu   sync.Mutex // serialises updates and guards the fields below
	seed uint64
	rng  *rand.Rand
	opts options

	// arena holds the endpoints of the published snapshots: entries below
	// len(arena) are never modified, new values are appended while the
	// capacity lasts (snapshots only read below their own length).
	arena []Endpoint
	// The endpoints of the last update, in the order given: their
	// positions in arena, their classes and key hashes, and how many are
	// ready. The published snapshot lists, in order, the positions of the
	// endpoints of class wantClass(nReady).
	all     []uint32
	cls     []uint8
	kh      []uint64
	nReady  int
	offs    []uint32 // the positions (offsets) of the usable endpoints last published
	changes []change // scratch
}

// load returns the published snapshot, nil if there is none.
func (p *RoundRobin) load() *rrSnapshot {
	return (*rrSnapshot)(atomic.LoadPointer(&p.snap))
}

// store publishes s (nil for no usable endpoint).
func (p *RoundRobin) store(s *rrSnapshot) {
	atomic.StorePointer(&p.snap, unsafe.Pointer(s))
}

// change is one endpoint of the list that an update replaces.
type change struct {
	i int       // index in the list
	e *Endpoint // new value (the caller's, not yet copied)
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
	case e.Ready && o.mode != topoNone && !topoOK(e, o, o.mode):
		return clsNone // a ready endpoint the topology hints leave out
	case e.Ready:
		return clsReady
	case e.Serving && e.Terminating:
		return clsFallback
	}
	return clsNone
}

// wantClass is the class the snapshot uses: ready endpoints, or if there
// is none the serving and terminating ones.
func wantClass(nReady int) uint8 {
	if nReady > 0 {
		return clsReady
	}
	return clsFallback
}

// rrSnapshot is what Pick reads: the positions of the usable endpoints, at
// least one (an empty set is published as a nil snapshot), in an arena,
// and the constants of the index computation. It is never modified once
// published, nor are the endpoints it points to.
type rrSnapshot struct {
	offs []uint32       // byte offsets from arena of the usable endpoints, in order
	base unsafe.Pointer // the arena's first endpoint (and what keeps it alive)
	off  uint64         // index = (counter + off) mod n
	m    uint64         // fastmodM(n)
	n    uint64         // len(offs)
}

// at returns the usable endpoint k (k < s.n).
func (s *rrSnapshot) at(k uint64) *Endpoint {
	return (*Endpoint)(unsafe.Add(s.base, s.offs[k]))
}

// endpointSize is the size of an Endpoint, the step between the offsets of
// an arena.
const endpointSize = uint32(unsafe.Sizeof(Endpoint{}))

// maxEndpoints is the longest list an Update of a RoundRobin accepts
// (26,843,541): its arena, with room for a quarter more, must stay within
// 4 GiB, so that 32-bit offsets address it.
const maxEndpoints = (math.MaxUint32/int(endpointSize) - 4) * 4 / 5

// arenaCap is the capacity of the arena rebuild allocates for n endpoints:
// room for a quarter of them to change before the next rebuild.
func arenaCap(n int) int { return n + n/4 + 4 }

var _ Picker = (*RoundRobin)(nil)

// NewRoundRobin returns a round-robin picker with no endpoints. The seed
// decides where the rotation starts: pickers built with the same seed and
// given the same calls pick the same endpoints.
func NewRoundRobin(seed uint64, opts ...Option) *RoundRobin {
	return &RoundRobin{seed: seed, opts: buildOptions(opts)}
}

// Pick returns the next endpoint in the rotation, or ErrNoEndpoints.
// The endpoint is shared and read-only (see [Picker]).
func (p *RoundRobin) Pick() (*Endpoint, error) {
	// This body fits the compiler's inlining budget (cost 76 of 80; see
	// go build -gcflags=-m=2), and TestRoundRobinPickInlines keeps it so:
	// called, not inlined, a pick costs a quarter more (bench/: orchestra
	// against orchestra-iface). Hence the nil snapshot for an empty set
	// (no length check), the unsafe.Pointer snap, no local copies of
	// fields, and the rebase written out here, one CompareAndSwap, rather
	// than a call to rebase. The endpoint is at a byte offset from the
	// arena's start, which every update keeps below the arena's size
	// (arenaCap, maxEndpoints): no multiplication and no second bounds
	// check. The snapshot's fields are read after the add: copying them
	// before it measured 40% slower.
	if s := (*rrSnapshot)(atomic.LoadPointer(&p.snap)); s != nil {
		c := p.next.Add(1)
		if c >= rebaseAt {
			// Replace the counter by its remainder (see rebaseAt), and
			// pick with the remainder: c%n is exact for any c. If
			// another pick moved the counter since the add, the
			// CompareAndSwap fails and changes nothing; the counter
			// stays above rebaseAt until the CompareAndSwap of a pick
			// that no other overlaps, so it never comes near 2^64.
			p.next.CompareAndSwap(c, c%s.n)
			c %= s.n
		}
		k, _ := bits.Mul64(s.m*(c+s.off), s.n) // (c + s.off) mod s.n: see fastmodM
		return (*Endpoint)(unsafe.Add(s.base, s.offs[k])), nil
	}
	return nil, ErrNoEndpoints
}

// Update replaces the endpoint set with a copy of the usable endpoints among
// eps: the ready ones, or if none is ready the serving and terminating ones
// (on the Local node only, with [Local]). Once Update returns, no Pick that
// starts afterwards returns an endpoint it removed.
//
// An endpoint listed twice gets two turns per cycle. A list of more than
// 26,843,541 endpoints is an error.
//
// When eps has as many endpoints as the last update and few of them differ,
// Update copies only those: it costs one comparison per endpoint and a copy
// of 4 bytes per usable endpoint.
func (p *RoundRobin) Update(eps []Endpoint) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.opts.check(); err != nil {
		return err
	}
	track := p.begin()
	if p.opts.topo {
		// The topology mode depends on every endpoint: rebuild.
		return p.rebuildTopo(eps, track)
	}
	if len(eps) == len(p.all) && len(eps) > 0 {
		chs, ok := p.diff(eps)
		if ok {
			for _, ch := range chs {
				if err := validate(ch.i, ch.e); err != nil {
					return err
				}
			}
			if idx, ok := p.apply(chs); ok {
				p.publish(idx, track)
				return nil
			}
		}
	}
	idx, err := p.rebuild(eps)
	if err != nil {
		return err
	}
	p.publish(idx, track)
	return nil
}

// UpdateAt changes some endpoints of the list given to the last update:
// the endpoint at index at[k] of that list becomes eps[k] (when an index
// is listed twice, the last one counts). It is Update of the list so
// changed, without the comparison of every endpoint: it costs a copy of 4
// bytes per usable endpoint. It returns an error, and changes nothing, if
// an index is out of range (naming it) or an endpoint is malformed
// (wrapping ErrInvalidEndpoint).
func (p *RoundRobin) UpdateAt(at []int, eps []Endpoint) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.opts.check(); err != nil {
		return err
	}
	if len(at) != len(eps) {
		return fmt.Errorf("service: UpdateAt: %d indexes for %d endpoints", len(at), len(eps))
	}
	chs := p.changes[:0]
	for k, i := range at {
		if i < 0 || i >= len(p.all) {
			return fmt.Errorf("service: UpdateAt: at[%d]: index %d is not in [0, %d)", k, i, len(p.all))
		}
		if err := validate(i, &eps[k]); err != nil {
			return err
		}
		chs = append(chs, change{i, &eps[k]})
	}
	slices.SortStableFunc(chs, func(a, b change) int { return cmp.Compare(a.i, b.i) })
	// Keep the last change of each index.
	out := chs[:0]
	for k, ch := range chs {
		if k+1 < len(chs) && chs[k+1].i == ch.i {
			continue
		}
		out = append(out, ch)
	}
	chs = out
	p.changes = chs[:0]
	track := p.begin()
	if p.opts.topo {
		return p.rebuildTopo(p.listWith(chs), track)
	}
	if idx, ok := p.apply(chs); ok {
		p.publish(idx, track)
		return nil
	}
	// The usable class flips or the arena is full: rebuild from the list.
	idx, err := p.rebuild(p.listWith(chs))
	if err != nil {
		return err
	}
	p.publish(idx, track)
	return nil
}

// listWith returns a copy of the list of the last update with the changes
// chs made. Caller holds mu.
func (p *RoundRobin) listWith(chs []change) []Endpoint {
	eps := make([]Endpoint, len(p.all))
	for i, j := range p.all {
		eps[i] = p.arena[j]
	}
	for _, ch := range chs {
		eps[ch.i] = *ch.e
	}
	return eps
}

// rebuildTopo is the update of a picker with Topology: the topology mode
// of eps first, then a rebuild. Caller holds mu.
func (p *RoundRobin) rebuildTopo(eps []Endpoint, track [2]*key) error {
	was := p.opts.mode
	p.opts.mode = topoMode(eps, &p.opts)
	idx, err := p.rebuild(eps)
	if err != nil {
		p.opts.mode = was
		return err
	}
	p.publish(idx, track)
	return nil
}

// begin prepares an update: it returns the keys of the endpoint picked
// last and of the one due next (nil if none is published).
func (p *RoundRobin) begin() [2]*key {
	if p.rng == nil {
		p.rng = newRand(p.seed)
	}
	old := p.load()
	var track [2]*key
	if old != nil {
		c := p.next.Load()
		i := lastIndex(c, old.off, old.n)
		last, due := keyOf(old.at(i)), keyOf(old.at((i+1)%old.n))
		track = [2]*key{&last, &due}
	}
	return track
}

// publish stores the snapshot of offs, the positions of the usable
// endpoints in the arena, with the rotation going on after the endpoint
// with key track[0], else at the one with key track[1], else at a random
// one.
func (p *RoundRobin) publish(offs []uint32, track [2]*key) {
	p.offs = offs
	n := uint64(len(offs))
	if n == 0 {
		p.store(nil)
		return
	}
	c := p.next.Load()
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
	p.store(&rrSnapshot{offs: offs, base: unsafe.Pointer(unsafe.SliceData(p.arena)), off: offsetFor(c, j, n), m: fastmodM(n), n: n})
}

// keySeed seeds the key hashes, which only speed up searches by key.
var keySeed = maphash.MakeSeed()

// keyHash hashes an endpoint key (address and port).
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
		e := &p.arena[p.all[i]]
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
// all of them in a new arena; it returns the positions of the usable ones.
func (p *RoundRobin) rebuild(eps []Endpoint) ([]uint32, error) {
	if len(eps) > maxEndpoints {
		return nil, fmt.Errorf("service: %d endpoints: a round-robin picker holds at most %d", len(eps), maxEndpoints)
	}
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
	arena := make([]Endpoint, len(eps), arenaCap(len(eps)))
	copy(arena, eps)
	all := make([]uint32, len(eps))
	cls := make([]uint8, len(eps))
	kh := make([]uint64, len(eps))
	for i := range arena {
		e := &arena[i]
		all[i], cls[i], kh[i] = uint32(i), classOf(e, &p.opts), keyHash(e.Address, e.Port)
	}
	p.arena, p.all, p.cls, p.kh, p.nReady = arena, all, cls, kh, nReady
	w := wantClass(nReady)
	count := nReady
	if w == clsFallback {
		count = nFallback
	}
	if count == 0 {
		return nil, nil
	}
	offs := make([]uint32, 0, count)
	for i, k := range cls {
		if k == w {
			offs = append(offs, all[i]*endpointSize)
		}
	}
	return offs, nil
}

// diff compares eps with the picker's endpoints (as many) and returns the
// ones that differ, in order; ok is false when too many differ for apply to
// pay off.
func (p *RoundRobin) diff(eps []Endpoint) (chs []change, ok bool) {
	limit := min(len(eps)/16+4, cap(p.arena)-len(p.arena))
	chs = p.changes[:0]
	for i := range eps {
		if !sameEndpoint(&eps[i], &p.arena[p.all[i]]) {
			if len(chs) == limit {
				return nil, false
			}
			chs = append(chs, change{i, &eps[i]})
		}
	}
	p.changes = chs[:0]
	return chs, true
}

// apply replaces the (validated) endpoints chs, sorted by index with no
// index twice, appending their values to the arena (within its capacity,
// so that published snapshots keep sharing it), and returns the new
// positions of the usable endpoints, spliced from the last ones. It
// changes nothing and returns false when the usable class flips or the
// arena is full; the caller then rebuilds.
func (p *RoundRobin) apply(chs []change) ([]uint32, bool) {
	old := p.offs
	if len(chs) > cap(p.arena)-len(p.arena) {
		return nil, false
	}
	nReady := p.nReady
	grow := 0
	w := wantClass(p.nReady)
	for _, ch := range chs {
		cl := classOf(ch.e, &p.opts)
		if p.cls[ch.i] == clsReady {
			nReady--
		}
		if cl == clsReady {
			nReady++
		}
		if p.cls[ch.i] == w {
			grow--
		}
		if cl == w {
			grow++
		}
	}
	if wantClass(nReady) != w {
		return nil, false
	}
	if len(chs) == 0 {
		return old, true
	}
	// old lists, in order, p.all[i]*endpointSize for each i of class w.
	var (
		idx     []uint32
		from    int // old[from:] not yet copied
		counted int // p.cls[:counted] counted into opos
		opos    int // position in old of the next endpoint of class w
	)
	if len(old)+grow > 0 {
		idx = make([]uint32, 0, len(old)+grow)
	}
	for _, ch := range chs {
		i := ch.i
		opos += bytes.Count(p.cls[counted:i], []byte{w})
		counted = i + 1
		idx = append(idx, old[from:opos]...)
		from = opos
		if p.cls[i] == w {
			from++
			opos++
		}
		j := uint32(len(p.arena))
		p.arena = append(p.arena, *ch.e)
		e := &p.arena[j]
		cl := classOf(e, &p.opts)
		p.all[i], p.cls[i], p.kh[i] = j, cl, keyHash(e.Address, e.Port)
		if cl == w {
			idx = append(idx, j*endpointSize)
		}
	}
	idx = append(idx, old[from:]...)
	p.nReady = nReady
	return idx, true
}

// endpointWords is the size of an Endpoint in 64-bit words (it holds
// strings, so its size is a multiple of 8).
const endpointWords = unsafe.Sizeof(Endpoint{}) / 8

// sameEndpoint reports whether a and b are equal. Endpoints copied from one
// another have the same words (their strings share their data), which a
// comparison of the words as one array (runtime.memequal, vector
// instructions) checks at the speed of memory; otherwise the fields are
// compared (equal words imply equal fields, padding included).
func sameEndpoint(a, b *Endpoint) bool {
	wa := (*[endpointWords]uint64)(unsafe.Pointer(a))
	wb := (*[endpointWords]uint64)(unsafe.Pointer(b))
	return *wa == *wb || *a == *b
}

func (p *RoundRobin) current() []Endpoint {
	s := p.load()
	if s == nil {
		return nil
	}
	out := make([]Endpoint, s.n)
	for k := range out {
		out[k] = *s.at(uint64(k))
	}
	return out
}

func (p *RoundRobin) currentPtrs() []*Endpoint {
	s := p.load()
	if s == nil {
		return nil
	}
	out := make([]*Endpoint, s.n)
	for k := range out {
		out[k] = s.at(uint64(k))
	}
	return out
}
