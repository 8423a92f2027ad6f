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
	q.hi++
	q.n--
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
	return ev, true
}

// Reset empties the queue and drops its blocks.
func (q *Queue) Reset() { *q = Queue{} }
