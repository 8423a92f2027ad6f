package workqueue

import (
	"math"
	"sync"
	"time"

	"github.com/orchestra-go/orchestra/vtime"
)

// Default per-key back-off of AddRateLimited, as client-go's default item
// exponential limiter: 5ms, doubling on every failure, capped at 1000s.
const (
	DefaultBaseDelay = 5 * time.Millisecond
	DefaultMaxDelay  = 1000 * time.Second
)

// Option configures a Queue.
type Option func(*Queue)

// WithBackoff sets the per-key back-off of AddRateLimited: the first retry
// waits base, each further one twice as long, never more than max. A base
// <= 0 keeps the default base; a max below base is raised to base.
func WithBackoff(base, max time.Duration) Option {
	return func(q *Queue) {
		if base > 0 {
			q.baseDelay = base
		}
		q.maxDelay = max
	}
}

// Queue is a de-duplicating, delaying, rate-limited queue of string keys. A
// key is in at most one of three states at a time (queued, processing,
// processing and queued again), so it is never handed out twice at once.
// Get hands keys out in FIFO order; with a [vtime.Virtual] clock the same
// calls always give the same order. A Queue is safe for concurrent use.
type Queue struct {
	clock     vtime.Clock
	baseDelay time.Duration
	maxDelay  time.Duration
	ready     chan struct{}

	mu         sync.Mutex
	queue      []string // FIFO of keys ready to Get: queue[head:]
	head       int
	dirty      map[string]struct{} // keys queued, or to be queued again at Done
	processing map[string]struct{} // keys handed out by Get, not yet Done
	waiting    map[string]*waiter  // keys with a pending AddAfter
	failures   map[string]int      // AddRateLimited calls since the last Forget
	shutDown   bool
}

// waiter is the pending delayed add of one key.
type waiter struct {
	q     *Queue
	key   string
	when  time.Time
	timer vtime.Timer
}

// New returns an empty queue on clock c; a nil c means the real clock.
func New(c vtime.Clock, opts ...Option) *Queue {
	if c == nil {
		c = vtime.Real()
	}
	q := &Queue{
		clock:      c,
		baseDelay:  DefaultBaseDelay,
		maxDelay:   DefaultMaxDelay,
		ready:      make(chan struct{}, 1),
		dirty:      make(map[string]struct{}),
		processing: make(map[string]struct{}),
		waiting:    make(map[string]*waiter),
		failures:   make(map[string]int),
	}
	for _, o := range opts {
		o(q)
	}
	if q.maxDelay < q.baseDelay {
		q.maxDelay = q.baseDelay
	}
	return q
}

// Add queues key. It does nothing if key is already queued, and if key is
// being processed it is queued again when Done is called for it. Add does
// not cancel a pending AddAfter of key: that still comes due later, so a
// requested wake-up is never lost. After ShutDown, Add does nothing.
func (q *Queue) Add(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.add(key)
}

// add is Add with q.mu held.
func (q *Queue) add(key string) {
	if q.shutDown {
		return
	}
	if _, ok := q.dirty[key]; ok {
		return
	}
	q.dirty[key] = struct{}{}
	if _, ok := q.processing[key]; ok {
		return // Done queues it
	}
	q.push(key)
}

// push appends key to the FIFO and signals Ready. q.mu must be held.
func (q *Queue) push(key string) {
	q.queue = append(q.queue, key)
	select {
	case q.ready <- struct{}{}:
	default: // a signal is already pending
	}
}

// AddAfter queues key once d has passed on the queue's clock; a d <= 0 is
// Add. Each key has at most one pending delayed add, with the earliest
// deadline asked for: a later AddAfter does not postpone an earlier one, and
// an earlier one replaces a later one.
func (q *Queue) AddAfter(key string, d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutDown {
		return
	}
	if d <= 0 {
		q.add(key)
		return
	}
	when := q.clock.Now().Add(d)
	if w, ok := q.waiting[key]; ok {
		if !when.Before(w.when) {
			return
		}
		w.timer.Stop()
	}
	w := &waiter{q: q, key: key, when: when}
	q.waiting[key] = w
	// The virtual clock never runs a callback inline, and a real timer's
	// callback waits for q.mu, so it always sees w.timer set.
	w.timer = q.clock.AfterFunc(d, w.fire)
}

// fire is the timer callback of a delayed add.
func (w *waiter) fire() {
	q := w.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.waiting[w.key] != w {
		return // replaced by an earlier AddAfter, or shut down
	}
	delete(q.waiting, w.key)
	q.add(w.key)
}

// AddRateLimited queues key after its back-off: the base delay on the first
// call since the last Forget, doubling on each further call, capped at the
// maximum (see WithBackoff).
func (q *Queue) AddRateLimited(key string) {
	q.mu.Lock()
	if q.shutDown {
		q.mu.Unlock()
		return
	}
	n := q.failures[key]
	q.failures[key] = n + 1
	q.mu.Unlock()
	q.AddAfter(key, q.backoff(n))
}

// backoff returns base * 2^n, capped at the maximum.
func (q *Queue) backoff(n int) time.Duration {
	if n > 62 {
		return q.maxDelay
	}
	d := float64(q.baseDelay) * math.Exp2(float64(n))
	if d >= float64(q.maxDelay) {
		return q.maxDelay
	}
	return time.Duration(d)
}

// Forget resets key's back-off, typically after it was processed
// successfully. It does not remove key from the queue.
func (q *Queue) Forget(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.failures, key)
}

// NumRequeues returns how many times AddRateLimited was called for key since
// the last Forget.
func (q *Queue) NumRequeues(key string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.failures[key]
}

// Get hands out the key that has been ready longest and marks it as being
// processed; the caller must call Done for it. Get never blocks: it reports
// false if no key is ready (wait on Ready for one). Keys queued before
// ShutDown can still be taken.
func (q *Queue) Get() (key string, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.queue) {
		return "", false
	}
	key = q.queue[q.head]
	q.queue[q.head] = ""
	q.head++
	switch {
	case q.head == len(q.queue): // drained: reuse the array from its start
		q.queue = q.queue[:0]
		q.head = 0
	case q.head >= 64 && q.head*2 >= len(q.queue): // mostly consumed: move the rest down
		n := copy(q.queue, q.queue[q.head:])
		clear(q.queue[n:])
		q.queue = q.queue[:n]
		q.head = 0
	}
	delete(q.dirty, key)
	q.processing[key] = struct{}{}
	return key, true
}

// Done marks key as processed. If key was added while it was being processed,
// it is queued again now. Done for a key that is not being processed does
// nothing.
func (q *Queue) Done(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.processing[key]; !ok {
		return
	}
	delete(q.processing, key)
	if _, ok := q.dirty[key]; ok && !q.shutDown {
		q.push(key)
	}
}

// Len returns the number of keys ready to Get now.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue) - q.head
}

// Ready returns a channel, with a buffer of one, that receives a value when a
// key becomes ready. One signal may stand for many keys, so a consumer drains
// the queue with Get until it reports false before waiting again; a key that
// becomes ready after that always sends a fresh signal.
func (q *Queue) Ready() <-chan struct{} {
	return q.ready
}

// ShutDown stops every pending delayed add; from then on Add, AddAfter and
// AddRateLimited do nothing and Done does not queue keys again. Keys
// already queued can still be taken with Get. ShutDown may be called more
// than once.
func (q *Queue) ShutDown() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.shutDown = true
	for key, w := range q.waiting {
		w.timer.Stop()
		delete(q.waiting, key)
	}
}

// ShuttingDown reports whether ShutDown has been called.
func (q *Queue) ShuttingDown() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.shutDown
}
