package store

import (
	"strconv"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// Bind assigns the pod namespace/name to node in one write, as Kubernetes'
// pods/binding subresource does: it sets spec.nodeName, sets the
// PodScheduled condition to True (its lastTransitionTime the store's clock,
// unless it was True already) and the phase to Pending when it has none.
// metadata.generation does not change: a binding is not a spec update.
//
// A non-empty uid must be the stored pod's (else ErrConflict, as a
// Binding's UID precondition). It fails with ErrNotFound when there is no
// such pod, ErrConflict when the pod is already bound or being deleted,
// and ErrInvalid when node is empty or the pod has scheduling gates left;
// a failed Bind changes nothing.
//
// It returns the stored pod itself, read-only (as [Store.Peek]).
func (s *Store) Bind(namespace, name, uid, node string) (*workload.Pod, error) {
	namespace = normNamespace("Pod", namespace)
	r := func() string { return ref("Pod", namespace, name) } // for an error only
	if name == "" {
		return nil, newError(ErrInvalid, r(), "metadata.name: required")
	}
	if node == "" {
		return nil, newError(ErrInvalid, r(), "target.name: required (the node to bind to)")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ki, e := s.lookup("Pod", namespace, name)
	if e == nil {
		return nil, newError(ErrNotFound, r(), "")
	}
	old := e.obj.(*workload.Pod)
	if err := checkUID(old, uid); err != nil {
		return nil, err
	}
	if old.DeletionTimestamp != nil {
		return nil, newError(ErrConflict, r(), "pod is being deleted, cannot be assigned to a node")
	}
	if old.Spec.NodeName != "" {
		return nil, newError(ErrConflict, r(), "spec.nodeName: pod is already assigned to node "+strconv.Quote(old.Spec.NodeName))
	}
	if len(old.Spec.SchedulingGates) > 0 {
		// As the binding subresource (setPodNodeAndMetadata): a gated
		// pod is not to be scheduled.
		return nil, newError(ErrInvalid, r(), "spec.schedulingGates: pod "+name+" has non-empty .spec.schedulingGates")
	}
	// A shallow copy: stored objects are never modified, so the new pod
	// shares everything but the node name and the conditions.
	np := *old
	np.Spec.NodeName = node
	if len(old.Status.Conditions) == 0 {
		// The usual pod, never scheduled before: PodScheduled alone, a
		// list shared by the pods bound at this instant.
		np.Status.Conditions = s.scheduledAt(s.clock.Now())
		if np.Status.Phase == "" {
			np.Status.Phase = workload.PodPending
		}
		s.commit(Modified, "Pod", ki, e, &np)
		return &np, nil
	}
	conds := make([]workload.PodCondition, len(old.Status.Conditions), len(old.Status.Conditions)+1)
	copy(conds, old.Status.Conditions)
	found := false
	for i := range conds {
		if conds[i].Type == workload.PodScheduled {
			found = true
			if conds[i].Status != workload.ConditionTrue {
				conds[i] = workload.PodCondition{Type: workload.PodScheduled, Status: workload.ConditionTrue,
					LastTransitionTime: workload.NewTime(s.clock.Now())}
			}
		}
	}
	if !found {
		conds = append(conds, workload.PodCondition{Type: workload.PodScheduled, Status: workload.ConditionTrue,
			LastTransitionTime: workload.NewTime(s.clock.Now())})
	}
	np.Status.Conditions = conds
	if np.Status.Phase == "" {
		np.Status.Phase = workload.PodPending
	}
	s.commit(Modified, "Pod", ki, e, &np)
	return &np, nil
}

// scheduledAt returns the condition list of a pod bound at now that had
// none: PodScheduled True since now. Pods bound at one instant share it
// (stored objects are never modified; a list of one is full, so an
// append copies it). Caller holds mu.
func (s *Store) scheduledAt(now time.Time) []workload.PodCondition {
	if s.schedConds == nil || s.schedAt != now {
		s.schedConds = []workload.PodCondition{{Type: workload.PodScheduled, Status: workload.ConditionTrue,
			LastTransitionTime: workload.NewTime(now)}}
		s.schedAt = now
	}
	return s.schedConds
}
