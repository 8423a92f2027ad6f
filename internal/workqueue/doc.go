// Package workqueue is the work queue of orchestra's controllers: a
// de-duplicating, delaying, rate-limited queue of string keys, after
// client-go's workqueue but non-blocking, single-consumer friendly and
// deterministic on a virtual clock.
//
// A key names an object ("namespace/name"), never an event: the controller
// looks at the whole current state each time it processes a key, so adding a
// key twice costs nothing and a key is never handed out twice at once. A key
// is in one of these states:
//
//   - queued: Add put it in the FIFO; further Adds do nothing;
//   - processing: Get handed it out; an Add now marks it to be queued again
//     when Done is called;
//   - waiting: AddAfter or AddRateLimited set a timer on the queue's clock;
//     only the earliest deadline per key is kept. A waiting key may at the
//     same time be queued or processing.
//
// In virtual time the driver drains every queue on its own goroutine, then
// advances the clock to the next deadline, which fires the timers that make
// delayed keys ready:
//
//	for {
//		key, ok := q.Get()
//		if !ok {
//			break // idle: the driver moves the clock to its next deadline
//		}
//		res, err := reconcile(key)
//		switch {
//		case err != nil:
//			q.AddRateLimited(key) // retry with per-key exponential back-off
//		case res.RequeueAfter > 0:
//			q.Forget(key)
//			q.AddAfter(key, res.RequeueAfter)
//		default:
//			q.Forget(key)
//		}
//		q.Done(key)
//	}
//
// In real time a worker goroutine waits on Ready and then drains the queue
// the same way:
//
//	for {
//		select {
//		case <-ctx.Done():
//			return
//		case <-q.Ready():
//		}
//		for { /* Get, reconcile, Done as above, until Get reports false */ }
//	}
//
// ShutDown stops all pending timers; the queue starts no goroutines of its
// own.
package workqueue
