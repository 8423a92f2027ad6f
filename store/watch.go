package store

import (
	"context"
	"slices"
	"strconv"
	"sync"

	"github.com/orchestra-go/orchestra/internal/evqueue"
	"github.com/orchestra-go/orchestra/workload"
)

// Event is one change of the store: workload.WatchEvent, so that a
// *Watcher is a workload.Watcher.
//
// Type is Added, Modified or Deleted. Object is the object after the
// change; for Deleted, its last state with the resourceVersion of the
// deletion. Object is the stored object itself (the store never modifies a
// stored object; an update replaces it), shared by every watcher and the
// store's history: treat it as read-only and DeepCopyObject it before
// changing it.
// Version is the store's resourceVersion after the change: each change adds
// one, so the versions a watcher sees have no gap.
type Event = workload.WatchEvent

// Event types, as in Kubernetes watches.
const (
	Added    = workload.Added
	Modified = workload.Modified
	Deleted  = workload.Deleted
)

var _ workload.BatchWatcher = (*Watcher)(nil)

// Watcher delivers the events of one watch, in version order, with no gap
// and no duplicate, until the watch ends. It is meant for one reader.
//
// A watcher never blocks the store's writers: events queue (in blocks of
// internal/evqueue, so that a burst costs no copies and a drained queue
// keeps next to nothing). When
// more than Config.WatchBuffer events are waiting, the watch ends with
// ErrWatchOverflow and its queue is dropped; the reader must then list
// again (ListWithVersion) and watch from the list's version.
type Watcher struct {
	s     *Store
	kind  string
	limit int
	ready chan struct{} // cap 1
	done  chan struct{} // closed when the watch ends

	mu    sync.Mutex
	queue evqueue.Queue
	err   error
}

// Watch starts a watch of the objects of kind ("" for every kind).
//
// With fromVersion 0 the watch delivers the changes made from now on.
// Otherwise it first replays, from the store's history, every change with a
// version greater than fromVersion, then delivers the new ones. It fails
// with ErrExpired when the history (Config.History events) no longer
// reaches back to fromVersion, and with ErrInvalid for an unknown kind or
// a fromVersion newer than the store.
func (s *Store) Watch(kind string, fromVersion uint64) (*Watcher, error) {
	wref := watchRef(kind)
	if kind != "" && workload.APIVersionOf(kind) == "" {
		return nil, newError(ErrInvalid, wref, "unknown kind "+strconv.Quote(kind))
	}
	w := &Watcher{
		s:     s,
		kind:  kind,
		limit: s.watchBuffer,
		ready: make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if fromVersion > s.rv {
		return nil, newError(ErrInvalid, wref, "fromVersion "+strconv.FormatUint(fromVersion, 10)+
			" is newer than the store's resourceVersion "+strconv.FormatUint(s.rv, 10))
	}
	if fromVersion != 0 {
		// The history holds the versions above oldest.
		oldest := s.rv - uint64(len(s.history))
		if fromVersion < oldest {
			return nil, newError(ErrExpired, wref, "fromVersion "+strconv.FormatUint(fromVersion, 10)+
				" is older than the history, which starts after "+strconv.FormatUint(oldest, 10)+"; list again and watch from the list's version")
		}
		for v := fromVersion + 1; v <= s.rv; v++ {
			ev := s.history[(v-1)%uint64(s.histCap)]
			if kind == "" || ev.Object.Kind() == kind {
				if !w.push(ev) {
					return w, nil // ended with ErrWatchOverflow
				}
			}
		}
	}
	s.watchers[kind] = append(s.watchers[kind], w)
	return w, nil
}

func watchRef(kind string) string {
	if kind == "" {
		return "watch of all kinds"
	}
	return "watch of " + kind
}

// emit records ev in the history and queues it for the watchers of kind
// and of all kinds. Caller holds mu for writing.
func (s *Store) emit(ev Event, kind string) {
	if len(s.history) < s.histCap {
		s.history = append(s.history, ev)
	} else {
		s.history[(ev.Version-1)%uint64(s.histCap)] = ev
	}
	var ended []*Watcher
	for _, w := range s.watchers[kind] {
		if !w.push(ev) {
			ended = append(ended, w)
		}
	}
	for _, w := range s.watchers[""] {
		if !w.push(ev) {
			ended = append(ended, w)
		}
	}
	for _, w := range ended {
		s.unregister(w)
	}
}

// unregister removes w from the watchers that emit serves. Caller holds mu
// for writing.
func (s *Store) unregister(w *Watcher) {
	list := s.watchers[w.kind]
	if i := slices.Index(list, w); i >= 0 {
		s.watchers[w.kind] = slices.Delete(list, i, i+1)
	}
}

// push queues ev. It reports false when the watch has ended (now, by
// overflow, or before).
func (w *Watcher) push(ev Event) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return false
	}
	n := w.queue.Len()
	if n >= w.limit {
		w.endLocked(newError(ErrWatchOverflow, watchRef(w.kind),
			"more than "+strconv.Itoa(w.limit)+" events unread; list again and watch from the list's version"))
		return false
	}
	w.queue.Push(ev)
	if n == 0 {
		// A reader drains until the queue is empty before it waits
		// again (see Ready), so only the first event of a batch needs to
		// wake it.
		w.signal()
	}
	return true
}

func (w *Watcher) signal() {
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

// endLocked ends the watch with err. Caller holds w.mu.
func (w *Watcher) endLocked(err error) {
	if w.err != nil {
		return
	}
	w.err = err
	w.queue.Reset()
	close(w.done)
	w.signal()
}

// popLocked returns the next queued event. Caller holds w.mu.
func (w *Watcher) popLocked() (Event, bool) {
	return w.queue.Pop()
}

// TryNext returns the next event without blocking. It returns false when
// no event is waiting, or when the watch has ended (then Err says why).
// It is what a single-goroutine virtual-time driver calls.
func (w *Watcher) TryNext() (Event, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.popLocked()
}

// TryNextBatch is TryNext for every event waiting, up to cap(buf) of them,
// in one call: it fills buf[:0] and returns it (empty when none is
// waiting or the watch has ended). It implements workload.BatchWatcher.
func (w *Watcher) TryNextBatch(buf []Event) []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.queue.PopBatch(buf)
}

// Next returns the next event, waiting for one. It returns an error when
// the watch has ended (ErrWatchOverflow or ErrStopped, as Err) or ctx is
// done (ctx.Err()).
func (w *Watcher) Next(ctx context.Context) (Event, error) {
	for {
		w.mu.Lock()
		ev, ok := w.popLocked()
		more := w.queue.Len() > 0
		err := w.err
		w.mu.Unlock()
		if ok {
			if more {
				w.signal() // for any other reader
			}
			return ev, nil
		}
		if err != nil {
			return Event{}, err
		}
		select {
		case <-w.ready:
		case <-w.done:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// Ready returns a channel of capacity one that receives a value when an
// event has been queued or the watch has ended. Read with TryNext until it
// returns false, then wait on Ready again; a wake-up may find nothing new.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// Done returns a channel that is closed when the watch ends.
func (w *Watcher) Done() <-chan struct{} { return w.done }

// Stop ends the watch: queued events are dropped, Next returns ErrStopped.
// It may be called more than once, from any goroutine.
func (w *Watcher) Stop() {
	w.s.mu.Lock()
	w.s.unregister(w)
	w.s.mu.Unlock()
	w.mu.Lock()
	w.endLocked(newError(ErrStopped, watchRef(w.kind), ""))
	w.mu.Unlock()
}

// Err returns why the watch ended (wrapping ErrWatchOverflow or
// ErrStopped), or nil while it runs.
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
