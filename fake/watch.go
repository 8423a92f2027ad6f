package fake

import (
	"github.com/orchestra-go/orchestra/internal/eventlog"
	"github.com/orchestra-go/orchestra/workload"
)

// The runtime reports through a small versioned log of its own
// (internal/eventlog, shared with the real runtimes) rather than package
// store: a store write costs several full deep copies, a reflective
// comparison and a re-index, which is most of the cost of a container
// event, and store.Create replaces the uid and creationTimestamp that a
// Runtime must keep as given. Here every change makes one immutable
// snapshot of the object, shared by the history, every watcher and the
// next snapshot (which copies only what changed: a pod's status).
// Snapshots are never modified; List and GetPod hand out deep copies.

// Defaults for Config.WatchBuffer and Config.History.
const (
	DefaultWatchBuffer = eventlog.DefaultWatchBuffer
	DefaultHistory     = eventlog.DefaultHistory
)

// emit gives obj (a new snapshot, not yet shared) the next version and
// records and sends the event. Caller holds r.mu.
func (r *Runtime) emit(typ string, obj workload.Object) {
	r.events.Emit(typ, obj)
}
