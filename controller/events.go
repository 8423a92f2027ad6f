package controller

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// DefaultMaxEvents bounds the events a Recorder keeps.
const DefaultMaxEvents = 10000

// Recorder records Kubernetes-style events (core/v1 Event objects): an
// event with the same object, type, reason and message as an earlier one
// bumps its count and lastTimestamp instead of adding another, and past 10
// different messages of the same object, type and reason within 10
// minutes they are combined into one event whose message starts with
// "(combined from similar events): ", as Kubernetes' event correlator
// does; past Max events the oldest are dropped. It is safe for concurrent
// use.
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
	// hashed once per Eventf; entries with the same hash are chained.
	byHash map[uint64]*eventEntry
	// ring holds the kept events, oldest (by first record) at head; n
	// are in use.
	ring    []*eventEntry
	head, n int
	agg     map[aggKey]*aggregate
	// aggQ lists the aggregates oldest first, to expire them in order;
	// an entry whose aggregate was replaced is skipped.
	aggQ    []aggEntry
	aggHead int
}

type aggEntry struct {
	key aggKey
	a   *aggregate
}

// aggKey groups similar events: same object, type and reason, any message.
type aggKey struct {
	ref, typ, reason string
}

// aggregate counts the distinct messages of similar events in a window.
type aggregate struct {
	since    time.Time
	messages int
}

// Kubernetes' event aggregator: past aggregateMax distinct messages of
// similar events within aggregateWindow, they are combined into one event.
const (
	aggregateMax    = 10
	aggregateWindow = 10 * time.Minute
	combinedPrefix  = "(combined from similar events): "
)

type eventKey struct {
	ref, typ, reason, message string
}

// eventEntry is a kept event under its key.
type eventEntry struct {
	key  eventKey
	hash uint64
	ev   *workload.Event
	next *eventEntry // another key with the same hash
}

func (r *Recorder) hash(k eventKey) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	for _, s := range [...]string{k.ref, k.typ, k.reason, k.message} {
		h.WriteString(s)
		h.WriteByte(0)
	}
	return h.Sum64()
}

// lookup returns the kept event of key k, which hashes to h, or nil.
func (r *Recorder) lookup(k eventKey, h uint64) *workload.Event {
	for e := r.byHash[h]; e != nil; e = e.next {
		if e.key == k {
			return e.ev
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
	return &Recorder{clock: c, logger: logger, seed: maphash.MakeSeed(), byHash: map[uint64]*eventEntry{}, agg: map[aggKey]*aggregate{}}
}

// Eventf records an event about obj. typ is workload.EventTypeNormal or
// workload.EventTypeWarning.
func (r *Recorder) Eventf(obj workload.Object, typ, reason, format string, args ...any) {
	if r == nil || workload.IsNil(obj) {
		return
	}
	msg := fmt.Sprintf(format, args...)
	m := obj.GetObjectMeta()
	ref := workload.Ref(obj)
	now := workload.NewTime(r.clock.Now())
	if r.logger.Enabled(context.Background(), slog.LevelDebug) {
		r.logger.Debug("event", "object", ref, "type", typ, "reason", reason, "message", msg)
	}
	k := eventKey{ref, typ, reason, msg}
	h := r.hash(k) // the seed never changes: no lock needed

	r.mu.Lock()
	defer r.mu.Unlock()
	if ev := r.lookup(k, h); ev != nil {
		ev.Count++
		ev.LastTimestamp = now
		return
	}
	// A new message: past aggregateMax similar ones in the window, combine
	// them into one event, as Kubernetes' EventAggregator does.
	ak := aggKey{ref, typ, reason}
	a := r.agg[ak]
	if a == nil || now.Sub(a.since) > aggregateWindow {
		a = &aggregate{since: now.Time}
		r.agg[ak] = a
		r.aggQ = append(r.aggQ, aggEntry{ak, a})
		r.expireAggregates(now.Time)
	}
	a.messages++
	if a.messages > aggregateMax {
		msg = combinedPrefix + msg
		k = eventKey{ref, typ, reason, combinedPrefix}
		h = r.hash(k)
		if ev := r.lookup(k, h); ev != nil {
			ev.Count++
			ev.LastTimestamp = now
			ev.Message = msg
			return
		}
	}
	ns := m.Namespace
	if ns == "" {
		ns = "default"
	}
	r.seq++
	ev := &workload.Event{
		TypeMeta: workload.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta: workload.ObjectMeta{
			Name:              m.Name + "." + strconv.FormatUint(r.seq, 16),
			Namespace:         ns,
			CreationTimestamp: now,
		},
		InvolvedObject: workload.ObjectReference{
			Kind:       obj.Kind(),
			Namespace:  m.Namespace,
			Name:       m.Name,
			UID:        m.UID,
			APIVersion: workload.APIVersionOf(obj.Kind()),
		},
		Reason:         reason,
		Message:        msg,
		Source:         workload.EventSource{Component: "orchestra"},
		FirstTimestamp: now,
		LastTimestamp:  now,
		Count:          1,
		Type:           typ,
	}
	r.insert(k, h, ev)
}

// insert keeps ev under key k, which hashes to h, as the newest event.
func (r *Recorder) insert(k eventKey, h uint64, ev *workload.Event) {
	e := &eventEntry{key: k, hash: h, ev: ev, next: r.byHash[h]}
	r.byHash[h] = e
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

// expireAggregates forgets the aggregates whose window has passed, and
// the oldest ones past 2*max (Kubernetes bounds its aggregator's cache
// likewise), oldest first: amortised O(1) per event.
func (r *Recorder) expireAggregates(now time.Time) {
	for r.aggHead < len(r.aggQ) {
		e := r.aggQ[r.aggHead]
		cur := r.agg[e.key] == e.a
		if cur && now.Sub(e.a.since) <= aggregateWindow && len(r.agg) <= 2*r.max() {
			break
		}
		if cur {
			delete(r.agg, e.key)
		}
		r.aggQ[r.aggHead] = aggEntry{}
		r.aggHead++
	}
	if r.aggHead > 4096 && r.aggHead*2 > len(r.aggQ) {
		r.aggQ = append([]aggEntry(nil), r.aggQ[r.aggHead:]...)
		r.aggHead = 0
	}
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
		c := r.ring[(r.head+i)%len(r.ring)].ev.DeepCopy()
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
