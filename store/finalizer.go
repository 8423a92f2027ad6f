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
		if nm.DeletionTimestamp != nil {
			s.remove(kind, ki, e, n)
			return nil
		}
	}
	s.commitSameKeys(kind, e, n) // finalizers are not index keys
	return nil
}
