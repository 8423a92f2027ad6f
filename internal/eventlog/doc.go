// Package eventlog is the versioned change log that orchestra's runtimes
// (fake, inproc, process) report nodes and pods through: every change gets
// the next version, a bounded history serves watches from a past version,
// and each watcher has a bounded queue that writers never wait for.
//
// A runtime emits one immutable snapshot per change, under the lock that
// guards its own state so that List and the log's version agree:
//
//	r.mu.Lock()
//	obj := snapshotOf(pod)          // a new object, never modified later
//	r.events.Emit(workload.Modified, obj)
//	r.mu.Unlock()
//
// and a reader lists, then watches from the list's version:
//
//	w, err := r.events.Watch(version)
//	for {
//		ev, err := w.Next(ctx)
//		if errors.Is(err, workload.ErrWatchExpired) {
//			// list again and watch from the new version
//		}
//		...
//	}
//
// A watch whose version the history no longer reaches, or whose unread
// queue passes Config.WatchBuffer, ends with an error wrapping
// workload.ErrWatchExpired.
package eventlog
