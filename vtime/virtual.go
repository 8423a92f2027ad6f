package vtime

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Virtual is a deterministic virtual clock. Time stands still until the owner
// moves it with [Virtual.AdvanceTo], [Virtual.Advance] or [Virtual.Step];
// these fire the due timers on the calling goroutine, in order of deadline,
// timers with equal deadlines in the order they were created. The same calls
// therefore always give the same callbacks in the same order.
//
// A Virtual is safe for concurrent use. Its lock is never held while a
// callback runs, so callbacks may use the clock freely (read the time, add and
// stop timers). Use [NewVirtual] to create one; the zero value is not usable.
type Virtual struct {
	mu    sync.Mutex
	start time.Time    // time at offset 0; all offsets are nanoseconds from here
	now   atomic.Int64 // current time as an offset from start; written under mu, read without it
	seq   uint64       // creation counter; breaks ties between equal deadlines
	heap  []entry      // min-heap by (when, seq); may hold stopped timers
	live  int          // timers in heap that are neither stopped nor fired
}

var _ Clock = (*Virtual)(nil)

// NewVirtual returns a virtual clock that reads start until it is advanced.
//
// Start a cluster's clock at a real date, such as
// time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), never at the zero
// time.Time{}: Kubernetes' logic, which orchestra follows, reads a zero
// timestamp as unset, so a pod that became ready at the zero time never
// counts as available for minReadySeconds, for one.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{start: start}
}

// Now returns the clock's current virtual time.
func (v *Virtual) Now() time.Time {
	return v.start.Add(time.Duration(v.now.Load()))
}

// Since returns the virtual time elapsed since t.
func (v *Virtual) Since(t time.Time) time.Duration {
	return v.Now().Sub(t)
}

// AfterFunc schedules f to run once, d from the current virtual time. f runs
// on the goroutine that advances the clock past its deadline, never inside
// AfterFunc: a d <= 0 makes the deadline "now", so f runs at the next
// AdvanceTo, Advance or Step. A nil f makes a timer that does nothing when
// it fires.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	if f == nil {
		f = nop // a nil f marks a fired or stopped timer
	}
	t := &virtualTimer{v: v, f: f}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.pushLocked(d, t)
	return t
}

// pushLocked adds the pending timer t, due d from now. v.mu must be held.
func (v *Virtual) pushLocked(d time.Duration, t *virtualTimer) {
	when := v.now.Load()
	if d > 0 {
		if when > math.MaxInt64-int64(d) {
			when = math.MaxInt64 // saturate: "never" in practice
		} else {
			when += int64(d)
		}
	}
	v.push(entry{when: when, seq: v.seq, t: t})
	v.seq++
	v.live++
}

// Next returns the earliest deadline of the pending timers, and false if no
// timer is pending.
func (v *Virtual) Next() (time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.dropStoppedTop() {
		return time.Time{}, false
	}
	return v.start.Add(time.Duration(v.heap[0].when)), true
}

// Pending returns the number of timers that have neither fired nor been
// stopped.
func (v *Virtual) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.live
}

// AdvanceTo fires, in order, every timer whose deadline is at or before t,
// and then sets the clock to t. Before each callback the clock is set to
// that timer's deadline, so a callback reads its own deadline from Now.
// Timers that callbacks add are fired in the same call if they are due by t,
// in their place in the order. The clock never moves backwards: a t before
// Now fires what is due at t (nothing, as every pending deadline is at or
// after Now) and leaves the clock where it is. AdvanceTo returns the number of
// callbacks it ran.
func (v *Virtual) AdvanceTo(t time.Time) int {
	target := int64(t.Sub(v.start)) // Sub saturates, so far-off times are safe
	fired := 0
	for {
		v.mu.Lock()
		if !v.dropStoppedTop() || v.heap[0].when > target {
			if target > v.now.Load() {
				v.now.Store(target)
			}
			v.mu.Unlock()
			return fired
		}
		e := v.pop()
		if e.when > v.now.Load() {
			v.now.Store(e.when)
		}
		f := e.t.f
		e.t.f = nil // marks the timer fired and releases the callback
		e.t.fired.Store(true)
		v.live--
		v.mu.Unlock()
		f()
		fired++
	}
}

// Advance moves the clock forward by d, firing the timers that fall due; it
// is AdvanceTo(Now().Add(d)).
func (v *Virtual) Advance(d time.Duration) int {
	return v.AdvanceTo(v.Now().Add(d))
}

// Step jumps the clock to the earliest pending deadline and fires every timer
// due then, including timers those callbacks add with a zero delay. It
// reports false, leaving the clock unchanged, if no timer is pending.
func (v *Virtual) Step() bool {
	next, ok := v.Next()
	if !ok {
		return false
	}
	v.AdvanceTo(next)
	return true
}

func nop() {}

// virtualTimer is one AfterFunc call of a Virtual clock. f is nil once the
// timer has fired or been stopped; fired is set when it fires (it is then
// out of the heap, so Again may use it again).
type virtualTimer struct {
	v     *Virtual
	f     func()
	fired atomic.Bool // written with v.mu held; Stop reads it without
}

// Again is AfterFunc that may reuse t's memory: when t is a timer of v
// that has fired (its callback has run or is running), t itself is set to
// run f d from now and returned; otherwise (t nil, pending, stopped, or not
// v's) Again returns a new timer, as AfterFunc. Either way the callers
// must no longer use t as the timer it was. The order of firing is
// AfterFunc's: a reused timer sorts as one created now. A timer that
// re-arms itself from its own callback (a container's start, run, exit)
// so costs no allocation.
func (v *Virtual) Again(t Timer, d time.Duration, f func()) Timer {
	vt, ok := t.(*virtualTimer)
	if !ok || vt == nil || vt.v != v {
		return v.AfterFunc(d, f)
	}
	if f == nil {
		f = nop
	}
	v.mu.Lock()
	if !vt.fired.Load() {
		v.mu.Unlock()
		return v.AfterFunc(d, f)
	}
	defer v.mu.Unlock()
	vt.fired.Store(false)
	vt.f = f
	v.pushLocked(d, vt)
	return vt
}

// Stop cancels the timer. It reports whether the timer was still pending.
// The heap entry is removed lazily, when it reaches the top of the heap or
// when stopped entries make up most of the heap. Stopping a timer that has
// fired takes no lock (a container's own timer, stopped from its callback).
func (t *virtualTimer) Stop() bool {
	if t.fired.Load() {
		return false
	}
	v := t.v
	v.mu.Lock()
	defer v.mu.Unlock()
	if t.f == nil {
		return false
	}
	t.f = nil
	v.live--
	if stopped := len(v.heap) - v.live; stopped > 64 && stopped > v.live {
		v.compact()
	}
	return true
}

// entry is one heap slot. The ordering key lives in the slot itself, so that
// sifting reads one contiguous array and never follows a pointer.
type entry struct {
	when int64  // deadline as an offset from start
	seq  uint64 // creation order
	t    *virtualTimer
}

func (a entry) less(b entry) bool {
	return a.when < b.when || (a.when == b.when && a.seq < b.seq)
}

// The heap is 4-ary, like the Go runtime's timer heap: half the depth of a
// binary heap and better cache use when it holds millions of timers.
const arity = 4

// dropStoppedTop pops stopped timers off the top of the heap and reports
// whether a live timer remains. v.mu must be held.
func (v *Virtual) dropStoppedTop() bool {
	if len(v.heap) == v.live {
		return v.live > 0 // no stopped timers: nothing to look at
	}
	for len(v.heap) > 0 && v.heap[0].t.f == nil {
		v.pop()
	}
	return len(v.heap) > 0
}

func (v *Virtual) push(e entry) {
	h := append(v.heap, e)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / arity
		if !e.less(h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
	v.heap = h
}

func (v *Virtual) pop() entry {
	h := v.heap
	top := h[0]
	n := len(h) - 1
	last := h[n]
	h[n] = entry{}
	h = h[:n]
	if n > 0 {
		siftDown(h, 0, last)
	}
	v.heap = h
	return top
}

// siftDown places e, which belongs at or below slot i, into h.
func siftDown(h []entry, i int, e entry) {
	n := len(h)
	for {
		c := i*arity + 1
		if c >= n {
			break
		}
		m := c
		end := min(c+arity, n)
		for j := c + 1; j < end; j++ {
			if h[j].less(h[m]) {
				m = j
			}
		}
		if !h[m].less(e) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = e
}

// compact removes every stopped timer from the heap and rebuilds it, in
// O(n). Stop calls it when stopped timers outnumber live ones, which keeps
// memory bounded by twice the live timers and the cost amortised O(1).
func (v *Virtual) compact() {
	h := v.heap[:0]
	for _, e := range v.heap {
		if e.t.f != nil {
			h = append(h, e)
		}
	}
	clear(v.heap[len(h):])
	for i := (len(h) - 2) / arity; i >= 0; i-- {
		siftDown(h, i, h[i])
	}
	v.heap = h
}
