package fake

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/orchestra-go/orchestra/workload"
)

// The runtime reports through a small versioned log of its own rather than
// package store: a store write costs several full deep copies, a
// reflective comparison and a re-index, which is most of the cost of a
// container event, and store.Create replaces the uid and
// creationTimestamp that a Runtime must keep as given. Here every change
// makes one immutable snapshot of the object, shared by the history, every
// watcher and the next snapshot (which copies only what changed: a pod's
// status). Snapshots are never modified; List and GetPod hand out deep
// copies.

// Defaults for Config.WatchBuffer and Config.History.
const (
	DefaultWatchBuffer = 1 << 17
	DefaultHistory     = 1 << 16
)

// emit gives obj (a new snapshot, not yet shared) the next version and
// records and sends the event. Caller holds r.mu.
func (r *Runtime) emit(typ string, obj workload.Object) {
	r.rv++
	obj.GetObjectMeta().ResourceVersion = strconv.FormatUint(r.rv, 10)
	ev := workload.WatchEvent{Type: typ, Object: obj, Version: r.rv}
	if len(r.history) < r.histCap {
		r.history = append(r.history, ev)
	} else {
		r.history[(r.rv-1)%uint64(r.histCap)] = ev
	}
	if len(r.watchers) == 0 {
		return
	}
	live := r.watchers[:0]
	for _, w := range r.watchers {
		if w.push(ev) {
			live = append(live, w)
		}
	}
	clear(r.watchers[len(live):])
	r.watchers = live
}

// watcher is one Watch of the runtime. Its queue is a slice bounded by
// Config.WatchBuffer; writers never wait for it.
type watcher struct {
	r     *Runtime
	limit int
	ready chan struct{} // cap 1
	done  chan struct{} // closed when the watch ends

	mu    sync.Mutex
	queue []workload.WatchEvent
	head  int
	err   error
}

// push queues ev; false when the watch has ended (now, by overflow, or
// before).
func (w *watcher) push(ev workload.WatchEvent) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return false
	}
	n := len(w.queue) - w.head
	if n >= w.limit {
		w.endLocked(fmt.Errorf("fake: watch: more than %d events unread: %w", w.limit, workload.ErrWatchExpired))
		return false
	}
	if w.head > 0 && len(w.queue) == cap(w.queue) {
		copy(w.queue, w.queue[w.head:])
		clear(w.queue[n:])
		w.queue, w.head = w.queue[:n], 0
	}
	w.queue = append(w.queue, ev)
	w.signal()
	return true
}

func (w *watcher) signal() {
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

func (w *watcher) endLocked(err error) {
	if w.err != nil {
		return
	}
	w.err = err
	w.queue, w.head = nil, 0
	close(w.done)
	w.signal()
}

func (w *watcher) popLocked() (workload.WatchEvent, bool) {
	if w.head >= len(w.queue) {
		return workload.WatchEvent{}, false
	}
	ev := w.queue[w.head]
	w.queue[w.head] = workload.WatchEvent{}
	w.head++
	if w.head == len(w.queue) {
		w.queue, w.head = w.queue[:0], 0
	}
	return ev, true
}

// TryNext returns the next change without blocking; false when none is
// queued or the watch has ended (see Err).
func (w *watcher) TryNext() (workload.WatchEvent, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.popLocked()
}

// Next waits for the next change, the end of the watch or ctx.
func (w *watcher) Next(ctx context.Context) (workload.WatchEvent, error) {
	for {
		w.mu.Lock()
		ev, ok := w.popLocked()
		more := w.head < len(w.queue)
		err := w.err
		w.mu.Unlock()
		if ok {
			if more {
				w.signal()
			}
			return ev, nil
		}
		if err != nil {
			return workload.WatchEvent{}, err
		}
		select {
		case <-w.ready:
		case <-w.done:
		case <-ctx.Done():
			return workload.WatchEvent{}, ctx.Err()
		}
	}
}

// Ready receives a value when a change is queued or the watch ends.
func (w *watcher) Ready() <-chan struct{} { return w.ready }

// Stop ends the watch; it is idempotent.
func (w *watcher) Stop() {
	r := w.r
	r.mu.Lock()
	for i, x := range r.watchers {
		if x == w {
			r.watchers = append(r.watchers[:i], r.watchers[i+1:]...)
			break
		}
	}
	r.mu.Unlock()
	w.mu.Lock()
	w.endLocked(ErrWatchStopped)
	w.mu.Unlock()
}

// Err returns why the watch ended, or nil while it runs.
func (w *watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// newWatcher starts a watch from version. Caller holds r.mu.
func (r *Runtime) newWatcher(version uint64) (*watcher, error) {
	if version > r.rv {
		return nil, fmt.Errorf("%w: watch: version %d is newer than the runtime's %d", ErrInvalid, version, r.rv)
	}
	w := &watcher{r: r, limit: r.watchBuffer, ready: make(chan struct{}, 1), done: make(chan struct{})}
	if version != 0 {
		oldest := r.rv - uint64(len(r.history)) // the history holds the versions above oldest
		if version < oldest {
			return nil, fmt.Errorf("fake: watch: version %d is older than the history, which starts after %d: %w",
				version, oldest, workload.ErrWatchExpired)
		}
		for v := version + 1; v <= r.rv; v++ {
			if !w.push(r.history[(v-1)%uint64(r.histCap)]) {
				return w, nil // ended by overflow: Err says so
			}
		}
	}
	r.watchers = append(r.watchers, w)
	return w, nil
}
