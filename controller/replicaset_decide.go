package controller

import (
	"cmp"
	"math"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/workload"
)

// BurstReplicas bounds the pods the ReplicaSet controller creates or
// deletes in one sync, as Kubernetes' burstReplicas (500).
const BurstReplicas = 500

// PodDeletionCostAnnotation is Kubernetes' pod deletion cost: among pods
// otherwise equal for scale-down, the one with the lower cost goes first.
const PodDeletionCostAnnotation = workload.PodDeletionCostAnnotation

// rsDecision is what one sync of a ReplicaSet does: plain data.
type rsDecision struct {
	// Create is the number of pods to create (at most BurstReplicas), in
	// the slow-start batches of Batches.
	Create int
	// Delete are the pods to delete, in deletion order.
	Delete []*workload.Pod
	// Status is the status to write (from the pods observed, before the
	// creations and deletions, as Kubernetes reports it).
	Status workload.ReplicaSetStatus
	// RequeueAfter is when a ready pod becomes available (minReadySeconds),
	// or 0.
	RequeueAfter time.Duration
}

// decideReplicaSet is the ReplicaSet controller's decision: pods are the
// pods the ReplicaSet owns (any state), related are the pods of every
// ReplicaSet with the same controller (for the colocation ranks; none for
// a ReplicaSet without a controller, as Kubernetes'
// getIndirectlyRelatedPods, so that every rank is 0), now is the time of
// the sync.
func decideReplicaSet(rs *workload.ReplicaSet, pods, related []*workload.Pod, now time.Time) rsDecision {
	var d rsDecision
	active := make([]*workload.Pod, 0, len(pods))
	var terminating int32
	for _, p := range pods {
		switch {
		case IsPodActive(p):
			active = append(active, p)
		case p.DeletionTimestamp != nil && !IsPodTerminal(p):
			terminating++
		}
	}
	want := int(replicasOf(rs.Spec.Replicas))
	if rs.DeletionTimestamp == nil {
		switch diff := len(active) - want; {
		case diff < 0:
			d.Create = min(-diff, BurstReplicas)
		case diff > 0:
			d.Delete = podsToDelete(active, related, min(diff, BurstReplicas), now)
		}
	}
	d.Status, d.RequeueAfter = replicaSetStatus(rs, active, now)
	if t := rs.Status.TerminatingReplicas; t != nil && *t == terminating {
		d.Status.TerminatingReplicas = t // unchanged: no allocation (read-only)
	} else {
		d.Status.TerminatingReplicas = &terminating
	}
	return d
}

func replicasOf(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// replicaSetStatus counts the active pods as Kubernetes' calculateStatus
// does and returns when the next ready pod becomes available.
func replicaSetStatus(rs *workload.ReplicaSet, active []*workload.Pod, now time.Time) (workload.ReplicaSetStatus, time.Duration) {
	st := workload.ReplicaSetStatus{
		Replicas:           int32(len(active)),
		ObservedGeneration: rs.Generation,
		Conditions:         rs.Status.Conditions,
	}
	tmpl := labels.Set(rs.Spec.Template.Labels)
	var next time.Duration
	for _, p := range active {
		if tmplMatches(tmpl, p.Labels) {
			st.FullyLabeledReplicas++
		}
		if !IsPodReady(p) {
			continue
		}
		st.ReadyReplicas++
		if IsPodAvailable(p, rs.Spec.MinReadySeconds, now) {
			st.AvailableReplicas++
		} else if at := AvailableAt(p, rs.Spec.MinReadySeconds).Sub(now); at > 0 && (next == 0 || at < next) {
			next = at
		}
	}
	return st, next
}

// tmplMatches reports whether have carries every template label.
func tmplMatches(tmpl labels.Set, have map[string]string) bool {
	for k, v := range tmpl {
		if hv, ok := have[k]; !ok || hv != v {
			return false
		}
	}
	return true
}

// slowStartBatches splits n creations into Kubernetes' slow-start batches:
// 1, 2, 4, ... (the last one holds what is left). A batch with a failure
// ends the creations.
func slowStartBatches(n int) []int {
	var out []int
	for size := 1; n > 0; size *= 2 {
		b := min(size, n)
		out = append(out, b)
		n -= b
	}
	return out
}

// podsToDelete picks n of the active pods to delete, in Kubernetes' order
// (controller.ActivePodsWithRanks with LogarithmicScaleDown, on by default
// since 1.22): unscheduled before scheduled; Pending before Unknown before
// Running; not ready before ready; lower pod-deletion-cost first; pods on
// nodes with more related pods first (colocation rank); the more recently
// ready first; more container restarts first, then more native sidecar
// restarts (compareMaxContainerRestarts); newer first; then by name. Ready and
// creation times compare by their age's power of two (the floor of log2
// of the age in nanoseconds at now): two times in the same bucket order
// by pod UID, a random order among equivalent pods.
func podsToDelete(active, related []*workload.Pod, n int, now time.Time) []*workload.Pod {
	if n <= 0 {
		return nil
	}
	onNode := map[string]int{}
	for _, p := range related {
		if IsPodActive(p) {
			onNode[p.Spec.NodeName]++
		}
	}
	type ranked struct {
		p    *workload.Pod
		rank int
	}
	rs := make([]ranked, len(active))
	for i, p := range active {
		rs[i] = ranked{p, onNode[p.Spec.NodeName]}
	}
	slices.SortFunc(rs, func(a, b ranked) int { return compareForDeletion(a.p, b.p, a.rank, b.rank, now) })
	n = min(n, len(rs))
	out := make([]*workload.Pod, n)
	for i := range out {
		out[i] = rs[i].p
	}
	return out
}

// compareForDeletion orders two pods for scale-down at now: negative when
// a goes before b. ra and rb are their colocation ranks.
func compareForDeletion(a, b *workload.Pod, ra, rb int, now time.Time) int {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		if a.Spec.NodeName == "" {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(phaseOrdinal(a.Status.Phase), phaseOrdinal(b.Status.Phase)); c != 0 {
		return c
	}
	ar, br := IsPodReady(a), IsPodReady(b)
	if ar != br {
		if !ar {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(deletionCost(a), deletionCost(b)); c != 0 {
		return c
	}
	if ra != rb {
		return cmp.Compare(rb, ra)
	}
	if ar && br {
		// Different ready times decide here, even in the same bucket
		// (then by UID): restarts and creation are not looked at.
		if ta, tb := readyTime(a), readyTime(b); !ta.Equal(tb) {
			return compareAges(a, b, ta, tb, now)
		}
	}
	ma, sa := maxRestarts(a)
	mb, sb := maxRestarts(b)
	if c := cmp.Compare(mb, ma); c != 0 {
		return c
	}
	if c := cmp.Compare(sb, sa); c != 0 {
		return c
	}
	if ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time; !ta.Equal(tb) {
		return compareAges(a, b, ta, tb, now)
	}
	return cmp.Compare(a.Name, b.Name)
}

// compareAges orders two different times of pods a and b, as Kubernetes'
// ActivePodsWithRanks: a zero time first, else the younger bucket
// (logAgeBucket) first, else by pod UID (then name).
func compareAges(a, b *workload.Pod, ta, tb, now time.Time) int {
	if now.IsZero() || ta.IsZero() || tb.IsZero() {
		return afterOrZero(ta, tb)
	}
	if c := cmp.Compare(logAgeBucket(ta, now), logAgeBucket(tb, now)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.UID, b.UID); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// logAgeBucket is the rank of Kubernetes' logarithmicRankDiff: the floor
// of log2 of t's age at now in nanoseconds, -1 when t is not in the past.
func logAgeBucket(t, now time.Time) int64 {
	d := now.Sub(t)
	if d <= 0 {
		return -1
	}
	return int64(math.Log2(float64(d)))
}

// afterOrZero orders zero times first, then later times before earlier.
func afterOrZero(a, b time.Time) int {
	switch {
	case a.Equal(b):
		return 0
	case a.IsZero():
		return -1
	case b.IsZero():
		return 1
	case a.After(b):
		return -1
	}
	return 1
}

func phaseOrdinal(phase string) int {
	switch phase {
	case workload.PodUnknown:
		return 1
	case workload.PodRunning:
		return 2
	}
	return 0
}

func readyTime(p *workload.Pod) time.Time {
	if c := PodCondition(p, workload.PodReady); c != nil && c.Status == workload.ConditionTrue {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

// maxRestarts returns the most restarts of a pod's containers, and of its
// native sidecars (init containers with restartPolicy Always), as
// Kubernetes' maxContainerRestarts.
func maxRestarts(p *workload.Pod) (regular, sidecar int32) {
	for _, c := range p.Status.ContainerStatuses {
		regular = max(regular, c.RestartCount)
	}
	for _, c := range p.Status.InitContainerStatuses {
		if i := slices.IndexFunc(p.Spec.InitContainers, func(ic workload.Container) bool { return ic.Name == c.Name }); i >= 0 &&
			workload.IsSidecar(&p.Spec.InitContainers[i]) {
			sidecar = max(sidecar, c.RestartCount)
		}
	}
	return regular, sidecar
}

func deletionCost(p *workload.Pod) int32 {
	n, _ := workload.PodDeletionCost(p.Annotations) // 0 when invalid
	return n
}

// claimPods decides ownership as Kubernetes' ControllerRefManager does for
// a ReplicaSet that is not being deleted, over its active pods only
// (syncReplicaSet filters with FilterActivePods first): owned pods whose
// labels stop matching sel are released, and orphans (no controller) that
// match are adopted. Finished pods and pods being deleted are neither.
// Both lists keep the input order.
func claimPods(sel labels.Selector, owned, orphans []*workload.Pod) (adopt, release []*workload.Pod) {
	for _, p := range owned {
		if IsPodActive(p) && !sel.Matches(labels.Set(p.Labels)) {
			release = append(release, p)
		}
	}
	for _, p := range orphans {
		if IsPodActive(p) && sel.Matches(labels.Set(p.Labels)) {
			adopt = append(adopt, p)
		}
	}
	return adopt, release
}
