package controller

import (
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// DefaultMaxEvents bounds the events a Recorder keeps in the store.
const DefaultMaxEvents = 10000

// Recorder records Kubernetes-style events (core/v1 Event objects) in the
// store: an event with the same object, type, reason and message as an
// earlier one bumps its count and lastTimestamp instead of adding another;
// past Max events the oldest are deleted. It is safe for concurrent use.
type Recorder struct {
	store  *store.Store
	clock  vtime.Clock
	logger *slog.Logger
	// Max bounds the number of events kept (DefaultMaxEvents when zero).
	Max int

	mu    sync.Mutex
	seq   uint64
	byKey map[eventKey]*recorded
	order []eventKey // oldest first (by first record)
	head  int
}

type eventKey struct {
	ref, typ, reason, message string
}

type recorded struct {
	namespace, name string
}

// NewRecorder returns a Recorder that writes to s, stamped by c.
func NewRecorder(s *store.Store, c vtime.Clock, logger *slog.Logger) *Recorder {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Recorder{store: s, clock: c, logger: logger, byKey: map[eventKey]*recorded{}}
}

// Eventf records an event about obj. typ is workload.EventTypeNormal or
// workload.EventTypeWarning.
func (r *Recorder) Eventf(obj workload.Object, typ, reason, format string, args ...any) {
	if r == nil || obj == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	m := obj.GetObjectMeta()
	ref := workload.Ref(obj)
	now := workload.NewTime(r.clock.Now())
	r.logger.Debug("event", "object", ref, "type", typ, "reason", reason, "message", msg)
	k := eventKey{ref, typ, reason, msg}

	r.mu.Lock()
	defer r.mu.Unlock()
	if rec, ok := r.byKey[k]; ok {
		if o, err := r.store.Get("Event", rec.namespace, rec.name); err == nil {
			ev := o.(*workload.Event)
			ev.Count++
			ev.LastTimestamp = now
			ev.ResourceVersion = ""
			if _, err := r.store.Update(ev); err == nil {
				return
			}
		}
		delete(r.byKey, k)
	}
	ns := m.Namespace
	if ns == "" {
		ns = "default"
	}
	r.seq++
	ev := &workload.Event{
		ObjectMeta: workload.ObjectMeta{
			Name:      m.Name + "." + strconv.FormatUint(r.seq, 16),
			Namespace: ns,
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
	if _, err := r.store.Create(ev); err != nil {
		r.logger.Warn("event not recorded", "object", ref, "reason", reason, "err", err)
		return
	}
	r.byKey[k] = &recorded{namespace: ns, name: ev.Name}
	r.order = append(r.order, k)
	max := r.Max
	if max <= 0 {
		max = DefaultMaxEvents
	}
	for len(r.order)-r.head > max {
		old := r.order[r.head]
		r.order[r.head] = eventKey{}
		r.head++
		if rec, ok := r.byKey[old]; ok {
			delete(r.byKey, old)
			_, _ = r.store.Delete("Event", rec.namespace, rec.name, store.DeleteOptions{})
		}
	}
	if r.head > 4096 && r.head*2 > len(r.order) {
		r.order = append([]eventKey(nil), r.order[r.head:]...)
		r.head = 0
	}
}
