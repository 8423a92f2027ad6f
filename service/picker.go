package service

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"sync/atomic"
)

// ErrNoEndpoints is returned by every Pick when the picker has no endpoint
// to offer: no endpoint is ready, none is serving while terminating, or (with
// [Local]) none of those is on the picker's node.
//
// It is not a failure of the picker. The caller should fail the request it
// was about to send (as kube-proxy drops the packet), or retry later: the
// next Update that brings a usable endpoint makes Pick succeed again.
var ErrNoEndpoints = errors.New("service: no endpoints available")

// ErrInvalidEndpoint is wrapped by the error an Update returns when one of
// the endpoints it is given is malformed. The returned error names the
// endpoint's index, its pod and the field; the picker keeps its previous
// endpoints.
var ErrInvalidEndpoint = errors.New("service: invalid endpoint")

// MaxWeight is the largest Endpoint.Weight an Update accepts.
const MaxWeight = 1_000_000

// Endpoint is one backend of a Service: the address and port of a pod,
// where it runs, and the conditions of an EndpointSlice endpoint.
//
// Pickers copy the endpoints they are given, so a caller may reuse its
// slice after Update. Pick returns a pointer into the picker's immutable
// copy, shared with every other caller: read it, copy it, never write
// through it.
type Endpoint struct {
	// Address is the pod's IP address.
	Address string
	// Port is the target port, 1-65535.
	Port int32
	// PodName and Namespace name the pod behind the endpoint.
	PodName   string
	Namespace string
	// NodeName is the node the pod runs on; the [Local] traffic policy
	// keeps only the endpoints of one node.
	NodeName string
	// Zone is the topology zone of the node.
	Zone string
	// Ready means the pod is ready and not terminating: pickers send
	// traffic to ready endpoints.
	Ready bool
	// Serving means the pod passes its readiness checks, terminating or
	// not. Together with Terminating it marks the fallback set used when
	// no endpoint is ready, as kube-proxy does.
	Serving bool
	// Terminating means the pod is being deleted.
	Terminating bool
	// Weight is the relative share of traffic for [Weighted]; 0 means 1.
	// It must be between 0 and [MaxWeight]. Other policies ignore it.
	Weight int32
	// ForZones and ForNodes are the endpoint's topology hints (its
	// EndpointSlice hints.forZones and hints.forNodes), names separated by
	// commas; empty means no hint. A picker built with [Topology] follows
	// them as kube-proxy does.
	ForZones string
	ForNodes string
}

// Picker chooses the endpoint for each request of one Service.
//
// Update replaces the endpoint set and may be called at any time from any
// goroutine; once it returns, no Pick that starts afterwards returns an
// endpoint it removed. Pick may be called from any number of goroutines at
// once. The pickers of this package never block or allocate in Pick.
type Picker interface {
	// Pick returns the endpoint for the next request, or ErrNoEndpoints.
	// The endpoint is shared and read-only: it points into the immutable
	// set published by an Update, which stays valid (and unchanged) for as
	// long as the caller holds the pointer. Copy it (e := *ep) to keep a
	// value of your own; never write through it.
	Pick() (*Endpoint, error)
	// Update replaces the endpoints with a copy of endpoints. It returns an
	// error wrapping ErrInvalidEndpoint, and changes nothing, if an
	// endpoint is malformed.
	Update(endpoints []Endpoint) error
}

// Option configures a picker at construction.
type Option func(*options)

type options struct {
	local      bool
	node       string
	topo       bool   // follow topology hints (Topology)
	tnode      string // the node and zone of Topology
	zone       string
	mode       uint8 // the topology mode of the current endpoints (RoundRobin)
	swrrBudget int64 // tests lower the exact-SWRR budget through this; 0 = default
}

// Topology modes, as kube-proxy's topologyModeFromHints.
const (
	topoNone uint8 = iota // every ready endpoint
	topoNode              // the ready endpoints hinted for the node
	topoZone              // the ready endpoints hinted for the zone
)

// Topology makes the picker follow the endpoints' topology hints
// (Endpoint.ForNodes, Endpoint.ForZones) as kube-proxy on node, in zone,
// does: when every ready endpoint has a node hint and one names node, it
// uses only the ready endpoints hinted for node; else when every ready
// endpoint has a zone hint and one names zone, only those hinted for
// zone; else every ready endpoint. The fallback to serving and
// terminating endpoints ignores hints. [Local] takes precedence: a Local
// picker ignores hints, as kube-proxy's local endpoints do.
func Topology(node, zone string) Option {
	return func(o *options) { o.topo, o.tnode, o.zone = true, node, zone }
}

// hasName reports whether the comma-separated list names name.
func hasName(list, name string) bool {
	if name == "" {
		return false
	}
	for list != "" {
		var n string
		n, list, _ = strings.Cut(list, ",")
		if n == name {
			return true
		}
	}
	return false
}

// topoMode returns the topology mode of eps for o (topoNone without
// Topology, or with Local), as kube-proxy's topologyModeFromHints: it
// looks at the ready endpoints only.
func topoMode(eps []Endpoint, o *options) uint8 {
	if !o.topo || o.local {
		return topoNone
	}
	ready, allNode, forNode, allZone, forZone := false, true, false, true, false
	for i := range eps {
		e := &eps[i]
		if !e.Ready {
			continue
		}
		ready = true
		if e.ForNodes == "" {
			allNode = false
		} else if hasName(e.ForNodes, o.tnode) {
			forNode = true
		}
		if e.ForZones == "" {
			allZone = false
		} else if hasName(e.ForZones, o.zone) {
			forZone = true
		}
	}
	switch {
	case !ready:
		return topoNone
	case allNode && forNode:
		return topoNode
	case allZone && forZone:
		return topoZone
	}
	return topoNone
}

// topoOK reports whether a ready endpoint may be used in mode.
func topoOK(e *Endpoint, o *options, mode uint8) bool {
	switch mode {
	case topoNode:
		return hasName(e.ForNodes, o.tnode)
	case topoZone:
		return hasName(e.ForZones, o.zone)
	}
	return true
}

// Local applies the traffic policy Local: the picker uses only the endpoints
// on the named node (ready ones, else serving and terminating ones) and never
// falls back to other nodes. With no such endpoint, Pick returns
// ErrNoEndpoints, as kube-proxy drops the traffic.
func Local(node string) Option {
	return func(o *options) { o.local, o.node = true, node }
}

func buildOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

func (o *options) check() error {
	if o.local && o.node == "" {
		return fmt.Errorf("service: picker option Local: node name is empty")
	}
	return nil
}

// current is implemented by every picker of this package: it returns the
// endpoints Pick currently chooses from (read-only, shared).
type currentEndpoints interface {
	current() []Endpoint
}

// currentPointers is implemented by pickers that keep their endpoints as
// pointers: it returns the endpoints Pick currently chooses from (read-only,
// shared), without copying them.
type currentPointers interface {
	currentPtrs() []*Endpoint
}

// key identifies an endpoint across updates.
type key struct {
	addr string
	port int32
}

func keyOf(e *Endpoint) key { return key{e.Address, e.Port} }

// validate checks one endpoint given to Update at index i.
func validate(i int, e *Endpoint) error {
	switch {
	case e.Address == "":
		return fmt.Errorf("%w: endpoints[%d] (pod %q): address is empty", ErrInvalidEndpoint, i, podRef(e))
	case e.Port < 1 || e.Port > 65535:
		return fmt.Errorf("%w: endpoints[%d] (pod %q): port %d is not in 1-65535", ErrInvalidEndpoint, i, podRef(e), e.Port)
	case e.Weight < 0 || e.Weight > MaxWeight:
		return fmt.Errorf("%w: endpoints[%d] (pod %q): weight %d is not in 0-%d", ErrInvalidEndpoint, i, podRef(e), e.Weight, MaxWeight)
	}
	return nil
}

func podRef(e *Endpoint) string {
	if e.Namespace == "" {
		return e.PodName
	}
	return e.Namespace + "/" + e.PodName
}

// usable validates in and returns a new slice holding the endpoints a picker
// should use, in the order given: the ready ones (on the local node, with
// Local), or if there is none the serving and terminating ones. It also
// reports the positions in the result of the endpoints with keys track[0]
// and track[1] (-1 if absent); a nil track entry is not searched for.
//
// It makes one pass over in (two when nothing is ready), copies runs of
// usable endpoints in bulk, and compares strings only for the tracked keys.
func usable(in []Endpoint, o *options, track [2]*key) ([]Endpoint, [2]int, error) {
	pos := [2]int{-1, -1}
	if err := o.check(); err != nil {
		return nil, pos, err
	}
	for i := range in {
		if err := validate(i, &in[i]); err != nil {
			return nil, pos, err
		}
	}
	mode := topoMode(in, o)
	var out []Endpoint
	fallback := false
	run := 0 // in[run:i] are usable and not yet copied
	for i := range in {
		e := &in[i]
		if e.Ready && (!o.local || e.NodeName == o.node) && (mode == topoNone || topoOK(e, o, mode)) {
			track1(track, &pos, e, len(out)+i-run)
			continue
		}
		if e.Serving && e.Terminating && (!o.local || e.NodeName == o.node) {
			fallback = true
		}
		if run < i {
			if out == nil {
				out = make([]Endpoint, 0, len(in)-run-1)
			}
			out = append(out, in[run:i]...)
		}
		run = i + 1
	}
	if run < len(in) {
		if out == nil {
			out = make([]Endpoint, 0, len(in)-run)
		}
		out = append(out, in[run:]...)
	}
	if len(out) > 0 || !fallback {
		return out, pos, nil
	}
	for i := range in {
		e := &in[i]
		if e.Serving && e.Terminating && (!o.local || e.NodeName == o.node) {
			track1(track, &pos, e, len(out))
			out = append(out, *e)
		}
	}
	return out, pos, nil
}

func track1(track [2]*key, pos *[2]int, e *Endpoint, at int) {
	for k, t := range track {
		if t != nil && pos[k] < 0 && e.Port == t.port && e.Address == t.addr {
			pos[k] = at
		}
	}
}

// The rotation counter of a picker is a uint64 that every pick increments.
// A picker maps it to an index with (counter + offset) mod n. If the counter
// were left to wrap at 2^64, the index would jump whenever n does not divide
// 2^64 and one cycle would skip endpoints. Instead, a pick that sees the
// counter at or above rebaseAt replaces it by its remainder mod n: that
// changes no residue mod n, so the rotation goes on exactly, and the counter
// never comes near 2^64. Picks that find the counter below rebaseAt take
// the fast path, where counter + offset cannot overflow.
//
// rebaseAt is 2^31 so that on the fast path counter + offset (offset < n <
// 2^31) fits in 32 bits, where a remainder is two multiplications
// (fastmod) instead of a 64-bit division.
const rebaseAt = 1 << 31

// rebase brings the counter below rebaseAt by subtracting a multiple of n,
// the cycle length of the snapshot the caller picked from. Concurrent adds
// only make the CompareAndSwap retry; none is lost.
func rebase(next *atomic.Uint64, n uint64) {
	for {
		c := next.Load()
		if c < rebaseAt {
			return
		}
		// c mod n keeps every residue: the rotation goes on exactly.
		if next.CompareAndSwap(c, c%n) {
			return
		}
	}
}

// slowIndex is the index for counter value c >= rebaseAt: it rebases the
// counter and computes (c + off) mod n without overflow.
func slowIndex(next *atomic.Uint64, c, off, n uint64) uint64 {
	rebase(next, n)
	return (c%n + off) % n
}

// offsetFor returns the offset that makes the pick after counter value c
// land on index j of a cycle of length n.
func offsetFor(c, j, n uint64) uint64 {
	return (j + n - (c+1)%n) % n
}

// lastIndex is the index the pick that got counter value c chose.
func lastIndex(c, off, n uint64) uint64 {
	return (c%n + off) % n
}

// newRand returns the update-time random source of a picker.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x6f72636865737472)) // "orchestr"
}

// mix is the splitmix64 finaliser: a cheap, well-mixed hash of x.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// below maps a uniform 64-bit value to [0, n) by multiply-shift (Lemire);
// the bias is below n/2^64.
func below(h, n uint64) uint64 {
	hi, _ := bits.Mul64(h, n)
	return hi
}

// pad keeps the shared counter on a cache line of its own, so that picks
// incrementing it do not evict the snapshot pointer every pick reads.
type pad [64]byte

// fastmodM returns the multiplier m of fastmod for divisor n (0 < n < 2^32):
// for a < 2^32, a mod n is the high word of (m*a) × n, two multiplications
// instead of a division (Lemire, Kaser and Kurz, "Faster remainder by
// direct computation", 2019). RoundRobin.Pick writes it out as
// bits.Mul64(m*a, n).
func fastmodM(n uint64) uint64 { return ^uint64(0)/n + 1 }
