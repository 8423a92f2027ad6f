// Package evqueue is the FIFO of watch events behind every watcher of the
// store and of the runtimes' event logs.
//
// A watcher's queue takes a burst (150,000 pods created at once queue as
// many events) and is then drained. A slice grown by append to the size
// of the burst copies it over and over as it grows, and keeps its whole
// capacity once drained; this queue holds events in fixed-size blocks
// instead: a push never copies, memory follows the events waiting, and a
// drained queue keeps at most maxSpare blocks besides its own, so that
// batches of a few thousand events (one per pod of a small cluster, every
// step) reuse their blocks.
//
// The caller's loop:
//
//	var q evqueue.Queue
//	q.Push(ev)
//	for {
//		ev, ok := q.Pop()
//		if !ok {
//			break
//		}
//		handle(ev)
//	}
package evqueue
