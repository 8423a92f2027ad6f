package eventlog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/orchestra-go/orchestra/internal/evqueue"
	"github.com/orchestra-go/orchestra/internal/rvstring"
	"github.com/orchestra-go/orchestra/workload"
)

// Defaults for Config.WatchBuffer and Config.History.
const (
	DefaultWatchBuffer = 1 << 17
	DefaultHistory     = 1 << 10
)

// ErrStopped ends a watch after its Stop when Config.Stopped is nil.
var ErrStopped = errors.New("eventlog: watch stopped")

// ErrInvalid is wrapped by Watch for a version newer than the log's when
// Config.Invalid is nil.
var ErrInvalid = errors.New("eventlog: invalid")

// Config configures a Log. The zero value works.
type Config struct {
	// Name prefixes the log's error messages ("fake", "inproc").
	// Default "eventlog".
	Name string
	// WatchBuffer bounds the changes queued for one watcher and not yet
	// read; past it the watch ends with an error wrapping
	// workload.ErrWatchExpired. Zero or less means DefaultWatchBuffer.
	WatchBuffer int
	// History is how many past changes the log keeps for Watch from a
	// version. Zero or less means DefaultHistory.
	History int
	// Stopped is the error a watch ends with after Stop (default
	// ErrStopped), so that a runtime can export its own sentinel.
	Stopped error
	// Invalid is wrapped by Watch for a version newer than the log's
	// (default ErrInvalid).
	Invalid error
}

// Log is a versioned log of node and pod changes with a bounded history
// and any number of watchers. It is safe for concurrent use; writers never
// wait for readers.
type Log struct {
	name    string
	stopped error
	invalid error
	limit   int

	mu       sync.Mutex
	rv       uint64
	rvs      rvstring.Formatter    // formats rv
	history  []workload.WatchEvent // ring of the last histCap events
	histCap  int
	watchers []*watcher
}

// New returns an empty log at version 0.
func New(cfg Config) *Log {
	if cfg.Name == "" {
		cfg.Name = "eventlog"
	}
	if cfg.WatchBuffer <= 0 {
		cfg.WatchBuffer = DefaultWatchBuffer
	}
	if cfg.History <= 0 {
		cfg.History = DefaultHistory
	}
	if cfg.Stopped == nil {
		cfg.Stopped = ErrStopped
	}
	if cfg.Invalid == nil {
		cfg.Invalid = ErrInvalid
	}
	return &Log{name: cfg.Name, stopped: cfg.Stopped, invalid: cfg.Invalid, limit: cfg.WatchBuffer, histCap: cfg.History}
}

// Version returns the version of the last change (0 before any).
func (l *Log) Version() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rv
}

// Emit gives obj (a new snapshot that nobody modifies from now on) the
// next version, sets its resourceVersion, records the change and queues
// it for every watcher. It returns the version.
func (l *Log) Emit(typ string, obj workload.Object) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rv++
	obj.GetObjectMeta().ResourceVersion = l.rvs.Format(l.rv)
	l.record(workload.WatchEvent{Type: typ, Object: obj, Version: l.rv})
	return l.rv
}

// record keeps ev in the history and queues it for every watcher. Caller
// holds l.mu.
func (l *Log) record(ev workload.WatchEvent) {
	if len(l.history) < l.histCap {
		l.history = append(l.history, ev)
	} else {
		l.history[(l.rv-1)%uint64(l.histCap)] = ev
	}
	if len(l.watchers) == 0 {
		return
	}
	live := l.watchers[:0]
	for _, w := range l.watchers {
		if w.push(ev) {
			live = append(live, w)
		}
	}
	clear(l.watchers[len(live):])
	l.watchers = live
}

// podOf turns a queued status report (Object the base pod, Report set)
// into the pod it reports, for readers of whole objects.
func podOf(ev *workload.WatchEvent) {
	if ev.Report == nil {
		return
	}
	base := ev.Object.(*workload.Pod)
	p := new(workload.Pod)
	p.TypeMeta, p.ObjectMeta, p.Spec = base.TypeMeta, base.ObjectMeta, base.Spec
	p.ResourceVersion = strconv.FormatUint(ev.Version, 10)
	p.Status = ev.Report.Status
	ev.Object, ev.Report = p, nil
}

// EmitStatus records a status change of the pod base as rep (a new report
// that nobody modifies from now on): the next version, a Modified event.
// base is the pod's last snapshot given to Emit, whose metadata and spec
// still hold. Watchers see the event as a pod built from base and rep
// with that resourceVersion (one per watcher, when it reads the event),
// except through TryNextReports, which hands over rep itself. It returns
// the version.
func (l *Log) EmitStatus(base *workload.Pod, rep *workload.PodStatusReport) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rv++
	l.record(workload.WatchEvent{Type: workload.Modified, Object: base, Version: l.rv, Report: rep})
	return l.rv
}

// Watch starts a watch of every change after version (0: from now on).
// A version newer than the log's fails with an error wrapping
// Config.Invalid; one the history no longer reaches fails with an error
// wrapping workload.ErrWatchExpired.
func (l *Log) Watch(version uint64) (workload.Watcher, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if version > l.rv {
		return nil, fmt.Errorf("%w: watch: version %d is newer than the runtime's %d", l.invalid, version, l.rv)
	}
	w := &watcher{l: l, ready: make(chan struct{}, 1), done: make(chan struct{})}
	if version != 0 {
		oldest := l.rv - uint64(len(l.history)) // the history holds the versions above oldest
		if version < oldest {
			return nil, fmt.Errorf("%s: watch: version %d is older than the history, which starts after %d: %w",
				l.name, version, oldest, workload.ErrWatchExpired)
		}
		for v := version + 1; v <= l.rv; v++ {
			if !w.push(l.history[(v-1)%uint64(l.histCap)]) {
				return w, nil // ended by overflow: Err says so
			}
		}
	}
	l.watchers = append(l.watchers, w)
	return w, nil
}

// Close ends every watch with err (the log's Stopped error when nil).
// Emit still works afterwards but no watcher is left to see it.
func (l *Log) Close(err error) {
	if err == nil {
		err = l.stopped
	}
	l.mu.Lock()
	ws := l.watchers
	l.watchers = nil
	l.mu.Unlock()
	for _, w := range ws {
		w.mu.Lock()
		w.endLocked(err)
		w.mu.Unlock()
	}
}

var _ workload.StatusWatcher = (*watcher)(nil)

// watcher is one Watch of the log. Its queue (internal/evqueue) is bounded by
// Config.WatchBuffer; writers never wait for it.
type watcher struct {
	l     *Log
	ready chan struct{} // cap 1
	done  chan struct{} // closed when the watch ends

	mu    sync.Mutex
	queue evqueue.Queue
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
	n := w.queue.Len()
	if n >= w.l.limit {
		w.endLocked(fmt.Errorf("%s: watch: more than %d events unread: %w", w.l.name, w.l.limit, workload.ErrWatchExpired))
		return false
	}
	w.queue.Push(ev)
	if n == 0 {
		// A reader drains until the queue is empty before it waits
		// again, so only the first event of a batch needs to wake it.
		w.signal()
	}
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
	w.queue.Reset()
	close(w.done)
	w.signal()
}

func (w *watcher) popLocked() (workload.WatchEvent, bool) {
	ev, ok := w.queue.Pop()
	podOf(&ev)
	return ev, ok
}

// TryNext returns the next change without blocking; false when none is
// queued or the watch has ended (see Err).
func (w *watcher) TryNext() (workload.WatchEvent, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.popLocked()
}

// TryNextBatch fills buf[:0] with the queued changes, up to cap(buf), and
// returns it; empty when none is queued or the watch has ended.
func (w *watcher) TryNextBatch(buf []workload.WatchEvent) []workload.WatchEvent {
	w.mu.Lock()
	buf = w.queue.PopBatch(buf)
	w.mu.Unlock()
	for i := range buf {
		podOf(&buf[i])
	}
	return buf
}

// TryNextReports is TryNextBatch with status reports as they were
// emitted (workload.StatusWatcher).
func (w *watcher) TryNextReports(buf []workload.WatchEvent) []workload.WatchEvent {
	w.mu.Lock()
	buf = w.queue.PopBatch(buf)
	w.mu.Unlock()
	for i := range buf {
		if buf[i].Report != nil {
			buf[i].Object = nil
		}
	}
	return buf
}

// Next waits for the next change, the end of the watch or ctx.
func (w *watcher) Next(ctx context.Context) (workload.WatchEvent, error) {
	for {
		w.mu.Lock()
		ev, ok := w.popLocked()
		more := w.queue.Len() > 0
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
	l := w.l
	l.mu.Lock()
	for i, x := range l.watchers {
		if x == w {
			l.watchers = append(l.watchers[:i], l.watchers[i+1:]...)
			break
		}
	}
	l.mu.Unlock()
	w.mu.Lock()
	w.endLocked(l.stopped)
	w.mu.Unlock()
}

// Err returns why the watch ended, or nil while it runs.
func (w *watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
