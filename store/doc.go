// Package store is orchestra's versioned in-memory object store: the
// "etcd + apiserver" that the controllers read, write and watch.
//
// # Objects and versions
//
// A Store holds workload.Objects by kind, namespace and name. Every write
// (Create, Update, UpdateStatus, Delete) that changes something adds one to
// the store's resourceVersion, stamps it on the object
// (metadata.resourceVersion, in decimal) and records one Event. Writes that
// change nothing are not written and make no event.
//
// Objects are copied in and out with their DeepCopyObject method (never an
// encoding round-trip): no caller can change what is stored, and what a
// caller gets back is its own. A stored object is never modified (a write
// replaces it), which allows two exceptions for hot read-only paths:
// Event.Object is the stored object of that version, shared by every
// watcher, and Peek returns the stored object without copying. Treat both
// as read-only.
//
// # What the store does for Kubernetes semantics
//
//   - Create fills uid, resourceVersion, creationTimestamp, generation (1),
//     apiVersion and kind; a name from generateName plus five random
//     characters; the namespace "default" for namespaced kinds. The UIDs and
//     generated names come from a generator seeded by Config.Seed: the same
//     seed and the same calls give the same UIDs and names.
//   - Update is optimistic concurrency: an object carrying a resourceVersion
//     that is no longer the stored one fails with ErrConflict (an empty
//     resourceVersion updates unconditionally). For kinds with a Status
//     field, Update ignores the status and UpdateStatus changes only the
//     status (the status subresource). metadata.generation goes up when the
//     spec changes (for kinds without a spec: anything besides metadata).
//   - Delete of an object with finalizers only marks it (deletionTimestamp);
//     the update that removes its last finalizer removes it. Propagation
//     policies Foreground and Orphan add the "foregroundDeletion" and
//     "orphan" finalizers for the garbage collector to honour.
//     DeleteOptions.GracePeriodSeconds is recorded on a marked object
//     (deletionGracePeriodSeconds), whose deletionTimestamp is then the
//     time it is due to be gone, now + the grace period, as the API
//     server's; a later, shorter one shortens both.
//   - Errors wrap sentinel errors (ErrNotFound, ErrConflict, ...) in an
//     *Error naming the object; test them with errors.Is.
//
// Differences from Kubernetes: no validation of names or specs (package
// workload does that), no defaulting, status is stored as given on Create,
// timestamps keep the clock's precision, a grace period is only recorded
// (nothing waits for it: a Pod without finalizers goes at once), and a
// namespace need not exist.
//
// # Indexes
//
// Get is a map lookup. List with a label selector starts from the smallest
// posting set of the selector's equality requirements (app=web, app in
// (web)), so it costs in proportion to that set, not to the store.
// ListByOwner (owner references) and ListPodsOnNode (spec.nodeName) are
// indexed too. Lists are sorted by namespace, then name.
//
// # Watching
//
// A watch delivers the events of one kind (or all kinds) in version order,
// with no gap and no duplicate. Watch(kind, v) replays the history after
// version v first, so list-then-watch misses nothing:
//
//	objs, rv := s.ListWithVersion("Pod", "", nil)
//	// ... build the cache from objs ...
//	w, err := s.Watch("Pod", rv)
//	if err != nil { // ErrExpired: list again
//		return err
//	}
//	defer w.Stop()
//	for {
//		ev, err := w.Next(ctx)
//		if err != nil { // ErrWatchOverflow: list again; ctx done: return
//			return err
//		}
//		apply(ev.Type, ev.Object)
//	}
//
// A single-goroutine driver (virtual time) never blocks: it drains each
// watcher with TryNext until it returns false, then checks Err.
//
// Writers never wait for watchers. Each watcher's queue is a slice bounded
// by Config.WatchBuffer; a watcher that falls further behind ends with
// ErrWatchOverflow, and its reader lists again and watches from the list's
// version, as a Kubernetes informer does after "410 Gone".
//
// The Store starts no goroutine. It is safe for concurrent use.
package store
