package evqueue

import "github.com/orchestra-go/orchestra/workload"

// blockSize is the number of events in a block (256 events of 56 bytes:
// 14 KiB); a drained queue keeps up to maxSpare blocks (224 KiB) for the
// next batch.
const (
	blockSize = 256
	maxSpare  = 16
)

type block struct {
	ev   [blockSize]workload.WatchEvent
	next *block
}

// Queue is a FIFO of watch events. The zero value is an empty queue. It is
// not safe for concurrent use: the watchers call it under their lock.
type Queue struct {
	head, tail *block
	hi, ti     int // next slot to pop in head, next slot to push in tail
	n          int
	spare      *block // drained blocks kept for the next batch, linked by next
	spares     int
}

// Len returns the number of events waiting.
func (q *Queue) Len() int { return q.n }

// Push adds ev at the back.
func (q *Queue) Push(ev workload.WatchEvent) {
	if q.tail == nil || q.ti == blockSize {
		b := q.spare
		if b != nil {
			q.spare, b.next = b.next, nil
			q.spares--
		} else {
			b = new(block)
		}
		if q.tail == nil {
			q.head, q.hi = b, 0
		} else {
			q.tail.next = b
		}
		q.tail, q.ti = b, 0
	}
	q.tail.ev[q.ti] = ev
	q.ti++
	q.n++
}

// Pop removes and returns the event at the front; false when the queue is
// empty. The slot it leaves is cleared, so the queue keeps no object
// alive that it no longer holds.
func (q *Queue) Pop() (workload.WatchEvent, bool) {
	if q.n == 0 {
		return workload.WatchEvent{}, false
	}
	b := q.head
	ev := b.ev[q.hi]
	b.ev[q.hi] = workload.WatchEvent{}
	q.popped(b, 1)
	return ev, true
}

// popped accounts for the k events just taken (and cleared) from the front
// of the head block b.
func (q *Queue) popped(b *block, k int) {
	q.hi += k
	q.n -= k
	switch {
	case q.n == 0:
		// Empty: start over at the front of the block, and let the
		// blocks after it (none: head is the tail) be.
		q.hi, q.ti = 0, 0
		q.head, q.tail = b, b
		b.next = nil
	case q.hi == blockSize:
		q.head, q.hi = b.next, 0
		b.next = nil
		if q.spares < maxSpare {
			q.spare, b.next = b, q.spare
			q.spares++
		}
	}
}

// PopBatch moves the events at the front into buf[:0], as many as are
// queued and fit in cap(buf), and returns the filled slice: Pop for each,
// in one call. The slots they leave are cleared.
func (q *Queue) PopBatch(buf []workload.WatchEvent) []workload.WatchEvent {
	buf = buf[:0]
	for len(buf) < cap(buf) && q.n > 0 {
		b := q.head
		end := q.ti
		if b != q.tail {
			end = blockSize
		}
		k := min(end-q.hi, cap(buf)-len(buf))
		buf = append(buf, b.ev[q.hi:q.hi+k]...)
		clear(b.ev[q.hi : q.hi+k])
		q.popped(b, k)
	}
	return buf
}

// Reset empties the queue and drops its blocks.
func (q *Queue) Reset() { *q = Queue{} }
