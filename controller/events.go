package controller

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// DefaultMaxEvents bounds the events a Recorder keeps.
const DefaultMaxEvents = 10000

// Recorder records Kubernetes-style events (core/v1 Event objects) and
// correlates them as Kubernetes' client-go EventCorrelator does: an event
// with the same object, type, reason and message as an earlier one bumps
// its count and lastTimestamp instead of adding another; similar events
// (same object, type and reason, any message) form a group that lasts
// while they keep coming less than 10 minutes apart, and from the 10th
// different message of a group on they are combined into one event whose
// message starts with "(combined from similar events): " and is the
// latest one. Past Max events the oldest are dropped. Unlike client-go
// there is no per-object spam filter (its token bucket drops events):
// every event is counted. It is safe for concurrent use.
//
// Events are kept by the recorder, not in the store: they are many,
// short-lived and of no interest to controllers, so they cost no store
// write and no watch fan-out. Read them with Events.
type Recorder struct {
	clock  vtime.Clock
	logger *slog.Logger
	// Max bounds the number of events kept (DefaultMaxEvents when zero).
	Max int

	mu   sync.Mutex
	seq  uint64
	seed maphash.Seed
	// byHash indexes the kept events by the hash of their key, each
	// hashed once per event; entries with the same hash are chained.
	byHash map[uint64]*eventEntry
	// ring holds the kept events, oldest (by first record) at head; n
	// are in use.
	ring    []*eventEntry
	head, n int
	// agg indexes the groups of similar events by the hash of their key
	// (chained like byHash); nAgg are kept.
	agg  map[uint64]*aggregate
	nAgg int
	// aggQ lists the groups least recently used first (lazily: a group
	// used since it was queued moves to the end when it reaches the
	// head), to expire them in order.
	aggQ    []*aggregate
	aggHead int
	// gen numbers the groups' lifetimes (see aggregate.gen).
	gen uint64
	// recent holds the groups used last (a controller records several
	// events about one object in a row), found with no hashing.
	recent     [4]*aggregate
	recentNext int
	// free holds forgotten groups that no kept event refers to, for
	// reuse: a stream of events about new objects (a Scheduled event per
	// pod) forgets a group for every one it begins.
	free []*aggregate
}

// eventObj identifies an event's object.
type eventObj struct {
	kind, namespace, name, uid string
}

// aggKey groups similar events: same object, type and reason, any message.
type aggKey struct {
	obj         eventObj
	typ, reason string
}

// aggregate is a group of similar events: the distinct messages counted
// since it began, and when the last similar event came.
type aggregate struct {
	key      aggKey
	hash     uint64
	next     *aggregate // another key with the same hash
	last     time.Time
	queued   time.Time // last when it was put at the end of aggQ
	messages int
	// gen changes whenever the group begins again: an event counted in
	// another generation is a new message of this one.
	gen uint64
	// dropped is set when the group is forgotten.
	dropped bool
	// one is the group's event counted last, to be found again without
	// hashing (most groups hold one message: "Started container app").
	one *eventEntry
	// first holds the group's first event, so that a new object's event
	// costs one allocation, not two (used tells whether it is taken).
	first eventEntry
	used  bool
	// refs counts the kept events of the group; a forgotten group that
	// none refers to is reused.
	refs int32
	// sib links the groups of one object in a ring (the kubelet's
	// Created and Started come one after the other), so that from one
	// among those used last the next is found with no hashing. A group
	// joins the ring of a group of its object used last when it begins;
	// one alone is its own sibling.
	sib *aggregate
}

// Kubernetes' event aggregator: from the aggregateMax-th distinct message
// of similar events, each less than aggregateWindow after the one before,
// they are combined into one event.
const (
	aggregateMax    = 10
	aggregateWindow = 10 * time.Minute
	combinedPrefix  = "(combined from similar events): "
)

// eventEntry is a kept event. The Event object itself is made only when
// Events is called: a recorder that keeps the last Max of a stream of
// events about new objects (a Scheduled event per pod) builds neither an
// Event nor its name and message for the events it drops unread.
type eventEntry struct {
	// agg is the group the event belongs to: its key is the event's
	// object, type and reason (the group may since have been forgotten
	// or begun again: the key is what counts).
	agg *aggregate
	// msg is the message, or for a combined event (combined) the latest
	// message combined into it.
	msg      eventMsg
	combined bool
	hash     uint64
	next     *eventEntry // another key with the same hash
	seq      uint64      // names the Event (<object>.<seq in hex>)
	count    int32
	first    workload.Time
	last     workload.Time
	// gen is the generation of the group in which the message was last
	// counted.
	gen uint64
	// gone is set when the event is dropped (past Max).
	gone bool
}

// eventMsg is a message in parts, a+b+c+d, so that a message made of
// fixed texts and names is looked up, and kept, with no string built for
// it.
type eventMsg struct{ a, b, c, d string }

func (m eventMsg) String() string { return m.a + m.b + m.c + m.d }

func (m eventMsg) len() int { return len(m.a) + len(m.b) + len(m.c) + len(m.d) }

// part returns the i-th part.
func (m *eventMsg) part(i int) string {
	switch i {
	case 0:
		return m.a
	case 1:
		return m.b
	case 2:
		return m.c
	}
	return m.d
}

// equal reports whether m and o are the same message, however each is
// split into parts.
func (m eventMsg) equal(o eventMsg) bool {
	if m == o {
		return true
	}
	if m.len() != o.len() {
		return false
	}
	// Walk both in step: x and y are what is left of the current parts.
	i, j := 0, 0
	x, y := m.a, o.a
	for {
		for x == "" && i < 3 {
			i++
			x = m.part(i)
		}
		for y == "" && j < 3 {
			j++
			y = o.part(j)
		}
		if x == "" || y == "" {
			return x == y
		}
		n := min(len(x), len(y))
		if x[:n] != y[:n] {
			return false
		}
		x, y = x[n:], y[n:]
	}
}

// hash hashes the message's bytes: the same for any split into parts.
func (m eventMsg) hash(seed maphash.Seed) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(m.a)
	h.WriteString(m.b)
	h.WriteString(m.c)
	h.WriteString(m.d)
	return h.Sum64()
}

// combinedHash stands for the message in the hash of a combined event's
// key.
const combinedHash = 0x2545f4914f6cdd1d

// eventHash is the hash of an event key, from the hash of its group's key
// and that of its message.
func eventHash(agg, msg uint64) uint64 {
	return agg ^ (msg*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019)
}

// lookupCombined returns the kept combined event of the group ak, whose
// key hashes to h, or nil.
func (r *Recorder) lookupCombined(ak aggKey, h uint64) *eventEntry {
	for e := r.byHash[h]; e != nil; e = e.next {
		if e.combined && e.agg.key == ak {
			return e
		}
	}
	return nil
}

// lookupMsg returns the kept event of the group ak with the message msg,
// which hashes to h, or nil.
func (r *Recorder) lookupMsg(ak aggKey, msg eventMsg, h uint64) *eventEntry {
	for e := r.byHash[h]; e != nil; e = e.next {
		if !e.combined && e.agg.key == ak && msg.equal(e.msg) {
			return e
		}
	}
	return nil
}

// NewRecorder returns a Recorder stamped by c. The store is not written;
// the parameter is kept for callers that pass one.
func NewRecorder(_ *store.Store, c vtime.Clock, logger *slog.Logger) *Recorder {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Recorder{clock: c, logger: logger, seed: maphash.MakeSeed(), byHash: map[uint64]*eventEntry{}, agg: map[uint64]*aggregate{}}
}

// Eventf records an event about obj. typ is workload.EventTypeNormal or
// workload.EventTypeWarning.
func (r *Recorder) Eventf(obj workload.Object, typ, reason, format string, args ...any) {
	if r == nil || workload.IsNil(obj) {
		return
	}
	r.Event(obj, typ, reason, fmt.Sprintf(format, args...))
}

// Event records an event about obj with the message msg, as Eventf
// does.
func (r *Recorder) Event(obj workload.Object, typ, reason, msg string) {
	r.event(obj, typ, reason, eventMsg{a: msg})
}

// EventJoin records an event about obj whose message is its parts joined,
// as Event does; the message is built only when Events shows it, so the
// event costs no string (the scheduler's Scheduled event, the kubelet
// bridge's per-container events). Up to four parts are kept apart.
func (r *Recorder) EventJoin(obj workload.Object, typ, reason string, parts ...string) {
	var m eventMsg
	switch len(parts) {
	case 0:
	case 1:
		m.a = parts[0]
	case 2:
		m.a, m.b = parts[0], parts[1]
	case 3:
		m.a, m.b, m.c = parts[0], parts[1], parts[2]
	default:
		m.a, m.b, m.c, m.d = parts[0], parts[1], parts[2], strings.Join(parts[3:], "")
	}
	r.event(obj, typ, reason, m)
}

// event is Event with the message in parts; the message is only built
// when Events shows it.
func (r *Recorder) event(obj workload.Object, typ, reason string, msg eventMsg) {
	if r == nil || workload.IsNil(obj) {
		return
	}
	m := obj.GetObjectMeta()
	now := workload.NewTime(r.clock.Now())
	if r.logger.Enabled(context.Background(), slog.LevelDebug) {
		r.logger.Debug("event", "object", workload.Ref(obj), "type", typ, "reason", reason, "message", msg.String())
	}
	ak := aggKey{eventObj{obj.Kind(), m.Namespace, m.Name, m.UID}, typ, reason}

	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.group(ak, now.Time)
	// The event's key is hashed only when the group's last event is not
	// this one (a repeat, the common case, needs no hash); a new entry is
	// made only after that lookup.
	h := uint64(0)
	e := a.one
	if e == nil || e.gone || e.combined || !msg.equal(e.msg) {
		h = eventHash(a.hash, msg.hash(r.seed))
		e = r.lookupMsg(ak, msg, h)
	}
	if e == nil || e.gen != a.gen {
		// A message new to the group: from the aggregateMax-th on, it is
		// combined (client-go then forgets one message of the group, so
		// the group stays one short of the limit).
		a.messages++
		if a.messages >= aggregateMax {
			a.messages = aggregateMax - 1
			r.combine(a, msg, now)
			return
		}
	}
	if e != nil {
		e.gen = a.gen
		e.count++
		e.last = now
		a.one = e
		return
	}
	e = r.newEntry(a, msg, h, now)
	e.gen, a.one = a.gen, e
}

// combine records msg in the group's combined event.
func (r *Recorder) combine(a *aggregate, msg eventMsg, now workload.Time) {
	h := eventHash(a.hash, combinedHash)
	if e := r.lookupCombined(a.key, h); e != nil {
		e.count++
		e.last = now
		e.msg = msg
		return
	}
	e := r.newEntry(a, msg, h, now)
	e.combined = true
}

// newEntry keeps a new event of group a with the message msg (its key
// hashing to h), recorded now, as the newest event.
func (r *Recorder) newEntry(a *aggregate, msg eventMsg, h uint64, now workload.Time) *eventEntry {
	var e *eventEntry
	if !a.used {
		a.used = true
		e = &a.first
	} else {
		e = new(eventEntry)
	}
	r.seq++
	*e = eventEntry{agg: a, msg: msg, hash: h, seq: r.seq, count: 1, first: now, last: now}
	a.refs++
	r.insert(e)
	return e
}

// materialize returns the Event that e stands for, as of now.
func (e *eventEntry) materialize() *workload.Event {
	k := &e.agg.key
	ns := k.obj.namespace
	if ns == "" {
		ns = "default"
	}
	msg := e.msg.String()
	if e.combined {
		msg = combinedPrefix + msg
	}
	return &workload.Event{
		TypeMeta: workload.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta: workload.ObjectMeta{
			Name:              k.obj.name + "." + strconv.FormatUint(e.seq, 16),
			Namespace:         ns,
			CreationTimestamp: e.first,
		},
		InvolvedObject: workload.ObjectReference{
			Kind:       k.obj.kind,
			Namespace:  k.obj.namespace,
			Name:       k.obj.name,
			UID:        k.obj.uid,
			APIVersion: workload.APIVersionOf(k.obj.kind),
		},
		Reason:         k.reason,
		Message:        msg,
		Source:         workload.EventSource{Component: EventSourceComponent(k.obj.kind, k.reason)},
		FirstTimestamp: e.first,
		LastTimestamp:  e.last,
		Count:          e.count,
		Type:           k.typ,
	}
}

// aggHash hashes a group's key by its object's uid (or name, for objects
// without one) and its reason: enough to tell groups apart, and cheaper
// than hashing all six strings; keys that hash alike are chained.
func aggHash(seed maphash.Seed, k *aggKey) uint64 {
	id := k.obj.uid
	if id == "" {
		id = k.obj.name
	}
	return maphash.String(seed, id) ^ (maphash.String(seed, k.reason) * 0x9e3779b97f4a7c15)
}

// group returns the group of similar events of key k as of
// now, which it marks as its last use: a new group when there was none
// or the last similar event was more than aggregateWindow ago.
func (r *Recorder) group(k aggKey, now time.Time) *aggregate {
	a, sib := r.recentGroup(k)
	if a == nil {
		h := aggHash(r.seed, &k)
		for a = r.agg[h]; a != nil && !(a.key.reason == k.reason && a.key.obj.same(&k.obj) && a.key.typ == k.typ); a = a.next {
		}
		if a == nil {
			// Make room first, so that the new group is never the one
			// forgotten (its struct would be reused while its event is
			// kept).
			r.expireAggregates(now)
			r.gen++
			if n := len(r.free); n > 0 {
				a = r.free[n-1]
				r.free[n-1] = nil
				r.free = r.free[:n-1]
			} else {
				a = new(aggregate)
			}
			*a = aggregate{key: k, hash: h, next: r.agg[h], last: now, queued: now, gen: r.gen}
			r.agg[h] = a
			r.nAgg++
			r.aggQ = append(r.aggQ, a)
			a.sib = a
			if sib != nil && !sib.dropped {
				a.sib, sib.sib = sib.sib, a
			}
		}
		r.recent[r.recentNext] = a
		r.recentNext = (r.recentNext + 1) % len(r.recent)
	}
	if now.Sub(a.last) > aggregateWindow {
		r.gen++
		a.gen, a.messages = r.gen, 0
	}
	a.last = now
	return a
}

// recentGroup returns the group of key k if it is among those used last
// or their siblings; otherwise a group of k's object among those used
// last, if any (sib).
func (r *Recorder) recentGroup(k aggKey) (a, sib *aggregate) {
	for _, g := range r.recent {
		if g == nil || g.dropped {
			continue
		}
		// The object first, and once: in a stream of events about
		// many objects (pods in lockstep) most of these miss, and each
		// string compared costs a call.
		if !g.key.obj.same(&k.obj) {
			continue
		}
		if g.key.reason == k.reason && g.key.typ == k.typ {
			return g, nil
		}
		for s := g.sib; s != nil && s != g; s = s.sib {
			if s.key.reason == k.reason && s.key.typ == k.typ {
				return s, nil
			}
		}
		sib = g
	}
	return nil, sib
}

// same reports whether o and p are the same object, comparing first what
// tells objects apart (their names and uids), then the rest.
func (o *eventObj) same(p *eventObj) bool {
	return o.name == p.name && o.uid == p.uid && o.namespace == p.namespace && o.kind == p.kind
}

// insert keeps e, whose hash is set, as the newest event.
func (r *Recorder) insert(e *eventEntry) {
	e.next = r.byHash[e.hash]
	r.byHash[e.hash] = e
	r.push(e)
}

// push records e as the newest event, dropping the oldest events past
// max.
func (r *Recorder) push(e *eventEntry) {
	limit := r.max()
	for r.n >= limit {
		r.unlink(r.ring[r.head])
		r.ring[r.head] = nil
		r.head = (r.head + 1) % len(r.ring)
		r.n--
	}
	if r.n == len(r.ring) { // full below the limit: grow, oldest first
		grown := make([]*eventEntry, min(max(2*r.n, 64), limit))
		for i := range r.n {
			grown[i] = r.ring[(r.head+i)%len(r.ring)]
		}
		r.ring, r.head = grown, 0
	}
	r.ring[(r.head+r.n)%len(r.ring)] = e
	r.n++
}

// unlink removes e from byHash.
func (r *Recorder) unlink(e *eventEntry) {
	e.gone = true
	if a := e.agg; a != nil {
		if a.refs--; a.refs == 0 && a.dropped {
			r.free = append(r.free, a)
		}
	}
	p := r.byHash[e.hash]
	if p == e {
		if e.next == nil {
			delete(r.byHash, e.hash)
		} else {
			r.byHash[e.hash] = e.next
		}
		return
	}
	for ; p != nil; p = p.next {
		if p.next == e {
			p.next = e.next
			return
		}
	}
}

// expireAggregates forgets the groups whose last similar event is more
// than aggregateWindow before now, and the least recently used ones past
// 2*max-1, to make room for a group about to begin (client-go bounds its aggregator's cache likewise, as an LRU):
// amortised O(1) per event.
func (r *Recorder) expireAggregates(now time.Time) {
loop:
	for r.aggHead < len(r.aggQ) {
		a := r.aggQ[r.aggHead]
		switch {
		case now.Sub(a.last) > aggregateWindow:
			r.dropAggregate(a)
		case a.last.After(a.queued):
			// Used since it was queued: it belongs further back.
			a.queued = a.last
			r.aggQ = append(r.aggQ, a)
		case r.nAgg >= 2*r.max(): // one more is about to begin
			r.dropAggregate(a)
		default:
			break loop
		}
		r.aggQ[r.aggHead] = nil
		r.aggHead++
	}
	if r.aggHead > 4096 && r.aggHead*2 > len(r.aggQ) {
		r.aggQ = append([]*aggregate(nil), r.aggQ[r.aggHead:]...)
		r.aggHead = 0
	}
}

// dropAggregate removes a from agg (and from recent), and reuses it when
// no kept event refers to it.
func (r *Recorder) dropAggregate(a *aggregate) {
	r.nAgg--
	a.dropped = true
	for i := range r.recent {
		if r.recent[i] == a {
			r.recent[i] = nil
		}
	}
	if a.sib != nil && a.sib != a { // leave the ring of its object
		p := a.sib
		for p.sib != a {
			p = p.sib
		}
		p.sib = a.sib
	}
	a.sib = nil
	if p := r.agg[a.hash]; p == a {
		if a.next == nil {
			delete(r.agg, a.hash)
		} else {
			r.agg[a.hash] = a.next
		}
	} else {
		for ; p != nil && p.next != a; p = p.next {
		}
		if p != nil {
			p.next = a.next
		}
	}
	if a.refs == 0 {
		r.free = append(r.free, a)
	}
}

// ForgetNamespace drops the kept events about objects of namespace ns, as
// the deletion of a Namespace deletes its Event objects with the rest of
// its content (the namespace controller calls it once the namespace is
// empty).
func (r *Recorder) ForgetNamespace(ns string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := 0
	for i := range r.n {
		e := r.ring[(r.head+i)%len(r.ring)]
		if e.agg.key.obj.namespace == ns {
			r.unlink(e)
			continue
		}
		r.ring[(r.head+kept)%len(r.ring)] = e
		kept++
	}
	for i := kept; i < r.n; i++ {
		r.ring[(r.head+i)%len(r.ring)] = nil
	}
	r.n = kept
}

func (r *Recorder) max() int {
	if r.Max <= 0 {
		return DefaultMaxEvents
	}
	return r.Max
}

// Events returns copies of the events kept, oldest first (by first time,
// then by the order they were recorded).
func (r *Recorder) Events() []*workload.Event {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	out := make([]*workload.Event, 0, r.n)
	seqs := make(map[*workload.Event]int, r.n)
	for i := range r.n {
		c := r.ring[(r.head+i)%len(r.ring)].materialize()
		seqs[c] = i
		out = append(out, c)
	}
	r.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].FirstTimestamp.Equal(out[j].FirstTimestamp.Time) {
			return out[i].FirstTimestamp.Before(out[j].FirstTimestamp.Time)
		}
		return seqs[out[i]] < seqs[out[j]]
	})
	return out
}

// EventSourceComponent returns the component that records an event of
// reason about an object of kind in Kubernetes, which kubectl describe
// shows in its From column: the scheduler (default-scheduler) for a pod's
// Scheduled and FailedScheduling, the taint eviction and node lifecycle
// controllers for their pod events, the kubelet for a pod's other events
// (its containers'), the garbage collector for an invalid owner reference,
// and the controller of the object's kind for the others
// (replicaset-controller, deployment-controller, job-controller, ...);
// "orchestra" for anything else.
func EventSourceComponent(kind, reason string) string {
	switch reason {
	case "OwnerRefInvalidNamespace":
		return "garbage-collector-controller"
	}
	switch kind {
	case "Pod":
		switch reason {
		case "Scheduled", "FailedScheduling":
			return "default-scheduler"
		case "TaintManagerEviction":
			return "taint-eviction-controller"
		case "NodeNotReady":
			return "node-controller"
		}
		return "kubelet"
	case "ReplicaSet":
		return "replicaset-controller"
	case "Deployment":
		return "deployment-controller"
	case "StatefulSet":
		return "statefulset-controller"
	case "DaemonSet":
		return "daemonset-controller"
	case "Job":
		return "job-controller"
	case "CronJob":
		return "cronjob-controller"
	case "Node":
		switch reason {
		case "NodeReady", "NodeSchedulable", "NodeNotSchedulable":
			return "kubelet"
		}
		return "node-controller"
	case "Service", "EndpointSlice":
		return "endpoint-slice-controller"
	}
	return "orchestra"
}
