package store

import (
	"slices"
)

// RemoveFinalizer removes finalizer from an object, as a JSON patch of
// metadata.finalizers does: without a resourceVersion check (uid, when not
// empty, must match), without copying the object in or out. An object being
// deleted whose last finalizer goes is removed (a Deleted event). Removing a
// finalizer the object does not have, or from an object that is gone, is not
// an error.
func (s *Store) RemoveFinalizer(kind, namespace, name, uid, finalizer string) error {
	namespace = normNamespace(kind, namespace)
	s.mu.Lock()
	defer s.mu.Unlock()
	ki, e := s.lookup(kind, namespace, name)
	if e == nil {
		return nil
	}
	old := e.obj
	om := old.GetObjectMeta()
	if uid != "" && om.UID != uid {
		return nil
	}
	i := slices.Index(om.Finalizers, finalizer)
	if i < 0 {
		return nil
	}
	// A shallow copy with a new finalizer list: stored objects are never
	// modified, so the new one may share everything else.
	n := shallowCopy(old)
	nm := n.GetObjectMeta()
	nm.Finalizers = slices.Delete(slices.Clone(om.Finalizers), i, i+1)
	if len(nm.Finalizers) == 0 {
		nm.Finalizers = nil
		if nm.DeletionTimestamp != nil && !specFinalized(n) {
			s.remove(kind, ki, e, n)
			return nil
		}
	}
	s.commitSameKeys(kind, e, n) // finalizers are not index keys
	return nil
}

// PromiseFinalizer promises finalizer to the object of uid: until
// ForgetPromisedFinalizers, a Delete of that object treats it as present
// (the object is marked deleted and keeps it, and a Deleted event waits
// for its removal), though no write has put it there yet. The kubelet
// bridge promises the runtime finalizer to a pod before it starts it on
// the runtime and writes it with the pod's first reported status, so that
// a Delete landing in between (from another goroutine) is still graceful.
func (s *Store) PromiseFinalizer(uid, finalizer string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pendingFin == nil {
		s.pendingFin = map[string]string{}
	}
	s.pendingFin[uid] = finalizer
}

// ForgetPromisedFinalizers ends every PromiseFinalizer: by then each
// promised finalizer is written, or its object is gone.
func (s *Store) ForgetPromisedFinalizers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.pendingFin)
}
