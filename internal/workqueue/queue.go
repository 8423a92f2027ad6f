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
// key is never handed out twice at once: while it is being processed, Adds
// only mark it to be queued again at Done. Get hands keys out in FIFO order;
// with a [vtime.Virtual] clock the same calls always give the same order. A
// Queue is safe for concurrent use.
type Queue struct {
	clock     vtime.Clock
	baseDelay time.Duration
	maxDelay  time.Duration
	ready     chan struct{}

	mu       sync.Mutex
	queue    []queued         // FIFO of keys ready to Get: queue[head:]
	head     int              //
	items    map[string]*item // every key that is not idle
	free     []*item          // idle items for reuse, at most maxFree
	shutDown bool
}

// queued is a key in the FIFO with its item, so that Get needs no lookup
// (a queued key is dirty, so its item is never released meanwhile).
type queued struct {
	key string
	it  *item
}

// item is the state of one key. It is dropped from Queue.items as soon as it
// is idle (see idle), so the map only holds keys with something going on.
type item struct {
	dirty      bool        // queued, or to be queued again at Done
	processing bool        // handed out by Get, not yet Done
	timer      vtime.Timer // pending delayed add, or nil
	when       time.Time   // deadline of timer
	gen        uint64      // counts timers set, to recognise a stale callback
	failures   int         // AddRateLimited calls since the last Forget
}

func (it *item) idle() bool {
	return !it.dirty && !it.processing && it.timer == nil && it.failures == 0
}

// New returns an empty queue on clock c; a nil c means the real clock.
func New(c vtime.Clock, opts ...Option) *Queue {
	if c == nil {
		c = vtime.Real()
	}
	q := &Queue{
		clock:     c,
		baseDelay: DefaultBaseDelay,
		maxDelay:  DefaultMaxDelay,
		ready:     make(chan struct{}, 1),
		items:     make(map[string]*item),
	}
	for _, o := range opts {
		o(q)
	}
	if q.maxDelay < q.baseDelay {
		q.maxDelay = q.baseDelay
	}
	return q
}

// maxFree bounds the free list of items; keys come and go in bursts, and
// reusing their items spares the allocator on every Add/Done cycle.
const maxFree = 4096

// get returns key's item, creating it if needed. q.mu must be held.
func (q *Queue) get(key string) *item {
	it := q.items[key]
	if it == nil {
		if n := len(q.free); n > 0 {
			it = q.free[n-1]
			q.free[n-1] = nil
			q.free = q.free[:n-1]
		} else {
			it = &item{}
		}
		q.items[key] = it
	}
	return it
}

// release drops key's item if it is idle. q.mu must be held. An idle item
// holds nothing but gen, which keeps counting across reuse so that a stale
// timer callback can never match a later timer.
func (q *Queue) release(key string, it *item) {
	if it.idle() {
		delete(q.items, key)
		if len(q.free) < maxFree {
			q.free = append(q.free, it)
		}
	}
}

// Add queues key. It does nothing if key is already queued, and if key is
// being processed it is queued again when Done is called for it. Add does
// not cancel a pending AddAfter of key: that still comes due later, so a
// requested wake-up is never lost. After ShutDown, Add does nothing.
func (q *Queue) Add(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutDown {
		return
	}
	q.add(key, q.get(key))
}

// add marks it dirty and queues key unless it is being processed. q.mu must
// be held.
func (q *Queue) add(key string, it *item) {
	if it.dirty {
		return
	}
	it.dirty = true
	if !it.processing {
		q.push(key, it) // else Done queues it
	}
}

// push appends key to the FIFO and signals Ready. q.mu must be held.
func (q *Queue) push(key string, it *item) {
	q.queue = append(q.queue, queued{key, it})
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
	q.addAfter(key, q.get(key), d)
}

// addAfter is AddAfter with q.mu held and key's item at hand.
func (q *Queue) addAfter(key string, it *item, d time.Duration) {
	if d <= 0 {
		q.add(key, it)
		return
	}
	when := q.clock.Now().Add(d)
	if it.timer != nil {
		if !when.Before(it.when) {
			return
		}
		it.timer.Stop()
	}
	it.gen++
	gen := it.gen
	it.when = when
	// The virtual clock never runs a callback inline, and a real timer's
	// callback waits for q.mu, so the callback always sees it.timer set.
	it.timer = q.clock.AfterFunc(d, func() { q.fire(key, it, gen) })
}

// fire is the timer callback of a delayed add.
func (q *Queue) fire(key string, it *item, gen uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutDown || q.items[key] != it || it.gen != gen || it.timer == nil {
		return // replaced by an earlier AddAfter, or shut down
	}
	it.timer = nil
	q.add(key, it)
}

// AddRateLimited queues key after its back-off: the base delay on the first
// call since the last Forget, doubling on each further call, capped at the
// maximum (see WithBackoff).
func (q *Queue) AddRateLimited(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutDown {
		return
	}
	it := q.get(key)
	d := q.backoff(it.failures)
	it.failures++
	q.addAfter(key, it, d)
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
	if it := q.items[key]; it != nil {
		it.failures = 0
		q.release(key, it)
	}
}

// NumRequeues returns how many times AddRateLimited was called for key since
// the last Forget.
func (q *Queue) NumRequeues(key string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if it := q.items[key]; it != nil {
		return it.failures
	}
	return 0
}

// Get hands out the key that has been ready longest and marks it as being
// processed; the caller must call Done for it. Get never blocks: it reports
// false if no key is ready (wait on Ready for one). Keys queued before
// ShutDown can still be taken.
func (q *Queue) Get() (key string, ok bool) {
	t, ok := q.Take()
	return t.Key, ok
}

// Taken is a key handed out by Take, with its item: Finishing it needs no
// lookup of the key.
type Taken struct {
	Key string
	it  *item
}

// Take is Get, for a caller that ends the key's processing with
// FinishTaken (or Done).
func (q *Queue) Take() (Taken, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.queue) {
		return Taken{}, false
	}
	e := q.queue[q.head]
	q.queue[q.head] = queued{}
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
	e.it.dirty = false
	e.it.processing = true
	return Taken{e.key, e.it}, true
}

// Done marks key as processed. If key was added while it was being processed,
// it is queued again now. Done for a key that is not being processed does
// nothing.
func (q *Queue) Done(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	it := q.items[key]
	if it == nil || !it.processing {
		return
	}
	q.endProcessing(key, it)
	q.release(key, it)
}

// endProcessing ends the processing of key: a key added meanwhile (dirty)
// is queued again, unless the queue is shut down. Caller holds mu.
func (q *Queue) endProcessing(key string, it *item) {
	it.processing = false
	if it.dirty {
		if q.shutDown {
			it.dirty = false
		} else {
			q.push(key, it)
		}
	}
}

// Finish is Forget, Done and, when requeueAfter > 0, AddAfter of key, in
// one step: how a worker ends a successful pass over key.
func (q *Queue) Finish(key string, requeueAfter time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.finish(key, q.items[key], requeueAfter)
}

// FinishTaken is Finish of a key Take handed out, which must not have been
// Done or Finished since: while it is processed its item stays the key's.
func (q *Queue) FinishTaken(t Taken, requeueAfter time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.finish(t.Key, t.it, requeueAfter)
}

// finish is Finish of key, whose item is it (nil for none). Caller holds
// mu.
func (q *Queue) finish(key string, it *item, requeueAfter time.Duration) {
	if it != nil {
		it.failures = 0
		if it.processing {
			q.endProcessing(key, it)
		}
	}
	if requeueAfter > 0 && !q.shutDown {
		if it == nil {
			it = q.get(key)
		}
		q.addAfter(key, it, requeueAfter)
	}
	if it != nil {
		q.release(key, it)
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
	for key, it := range q.items {
		if it.timer != nil {
			it.timer.Stop()
			it.timer = nil
		}
		q.release(key, it)
	}
}

// ShuttingDown reports whether ShutDown has been called.
func (q *Queue) ShuttingDown() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.shutDown
}
