package controller

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// stsInput is what one StatefulSet sync decides on.
type stsInput struct {
	// Set is the StatefulSet as stored.
	Set *workload.StatefulSet
	// CurrentTemplate and UpdateTemplate are the pod templates of the
	// current and update revisions, named CurrentRevision and
	// UpdateRevision.
	CurrentTemplate, UpdateTemplate *workload.PodTemplateSpec
	CurrentRevision, UpdateRevision string
	// Pods are the pods the set owns.
	Pods []*workload.Pod
}

// stsDecision is what one StatefulSet sync does: plain data.
type stsDecision struct {
	// Create are the pods to create, in order.
	Create []*workload.Pod
	// Delete are the pods to delete, in order.
	Delete []*workload.Pod
	// Claims are Pending replicas whose missing claims are made again
	// (Kubernetes' processReplica, createMissingPersistentVolumeClaims).
	Claims []*workload.Pod
	// Relabel are pods whose identity labels must be fixed, as they
	// should be written.
	Relabel []*workload.Pod
	// Status is the set's new status.
	Status workload.StatefulSetStatus
	// RequeueAfter is when a ready pod becomes available
	// (minReadySeconds), or 0.
	RequeueAfter time.Duration
}

// stsOrdinal returns the ordinal of a pod named "<set>-<ordinal>", or -1.
func stsOrdinal(setName, podName string) int {
	rest, ok := strings.CutPrefix(podName, setName+"-")
	if !ok || rest == "" || (len(rest) > 1 && rest[0] == '0') {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

func stsStart(set *workload.StatefulSet) int {
	if set.Spec.Ordinals != nil {
		return int(set.Spec.Ordinals.Start)
	}
	return 0
}

func stsPodName(set *workload.StatefulSet, ord int) string {
	return set.Name + "-" + strconv.Itoa(ord)
}

func isRunningAndReady(p *workload.Pod) bool {
	return p.Status.Phase == workload.PodRunning && IsPodReady(p)
}

// stsHealthy: Running, Ready for minReadySeconds, not being deleted.
func stsHealthy(p *workload.Pod, minReady int32, now time.Time) bool {
	return p != nil && p.DeletionTimestamp == nil && p.Status.Phase == workload.PodRunning && IsPodAvailable(p, minReady, now)
}

// stsMaxUnavailable resolves rollingUpdate.maxUnavailable (default 1)
// against replicas, rounding down, at least 1, as Kubernetes'
// getStatefulSetMaxUnavailable.
func stsMaxUnavailable(set *workload.StatefulSet) int {
	n := int(replicasOf(set.Spec.Replicas))
	ru := set.Spec.UpdateStrategy.RollingUpdate
	if ru == nil || ru.MaxUnavailable == nil {
		return 1
	}
	v, err := ScaledValue(ru.MaxUnavailable, n, false, 1)
	if err != nil || v < 1 {
		return 1
	}
	return v
}

func stsPartition(set *workload.StatefulSet) int {
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		return int(*ru.Partition)
	}
	return 0
}

// newStatefulPod builds the pod of ordinal ord from a template, with the
// set's identity: name "<set>-<ord>", the pod-name, pod-index and
// controller-revision-hash labels, hostname = name, subdomain =
// serviceName.
func newStatefulPod(set *workload.StatefulSet, tmpl *workload.PodTemplateSpec, revision string, ord int) *workload.Pod {
	name := stsPodName(set, ord)
	p := NewPodFromTemplate(tmpl, set, name, "")
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[workload.StatefulSetPodNameLabel] = name
	p.Labels[workload.PodIndexLabel] = strconv.Itoa(ord)
	p.Labels[workload.ControllerRevisionHashLabel] = revision
	p.Spec.Hostname = name
	p.Spec.Subdomain = set.Spec.ServiceName
	return p
}

// decideStatefulSet is the StatefulSet controller's decision, Kubernetes'
// UpdateStatefulSet (stateful_set_control.go) on data.
func decideStatefulSet(in stsInput, now time.Time) stsDecision {
	set := in.Set
	var d stsDecision
	start := stsStart(set)
	n := int(replicasOf(set.Spec.Replicas))
	minReady := set.Spec.MinReadySeconds
	monotonic := set.Spec.PodManagementPolicy != workload.ParallelPodManagement

	// The replicas that exist, sorted by ordinal: memory and time follow
	// the pods, not spec.replicas (2^31-1 is valid).
	var replicas []stsReplica
	var condemned []*workload.Pod
	for _, p := range in.Pods {
		ord := stsOrdinal(set.Name, p.Name)
		switch {
		case ord < 0:
		case ord >= start && ord < start+n:
			replicas = append(replicas, stsReplica{ord, p})
		default:
			condemned = append(condemned, p)
		}
	}
	slices.SortFunc(replicas, func(a, b stsReplica) int { return cmp.Compare(a.ord, b.ord) })
	slices.SortFunc(condemned, func(a, b *workload.Pod) int {
		return cmp.Compare(stsOrdinal(set.Name, b.Name), stsOrdinal(set.Name, a.Name))
	})

	d.Status, d.RequeueAfter = stsStatus(in, now)
	if set.DeletionTimestamp != nil {
		return d
	}

	// The first unavailable pod (Kubernetes' firstUnavailablePod, by
	// isUnavailable since PR #130909: not Running and Ready for
	// minReadySeconds, or terminating): the lowest ordinal among the
	// replicas, else among the condemned. A condemned pod that is it may
	// go although it is not available (issue #123918).
	var firstUnhealthy *workload.Pod
	unhealthyFound := false
	for i, r := range replicas {
		if r.ord != start+i || !stsHealthy(r.pod, minReady, now) {
			// A missing ordinal below this one is the first (nil).
			if r.ord == start+i {
				firstUnhealthy = r.pod
			}
			unhealthyFound = true
			break
		}
	}
	if !unhealthyFound && len(replicas) < n {
		unhealthyFound = true
	}
	if !unhealthyFound {
		for i := len(condemned) - 1; i >= 0; i-- {
			if !stsHealthy(condemned[i], minReady, now) {
				firstUnhealthy = condemned[i]
				break
			}
		}
	}

	current := set.Status.CurrentReplicas
	useCurrent := func(ord int) bool {
		ru := set.Spec.UpdateStrategy.RollingUpdate
		if set.Spec.UpdateStrategy.Type == workload.RollingUpdateStrategy && ru == nil {
			return ord < start+int(current)
		}
		return ru != nil && ru.Partition != nil && ord < start+int(*ru.Partition)
	}
	create := func(ord int) {
		if useCurrent(ord) {
			d.Create = append(d.Create, newStatefulPod(set, in.CurrentTemplate, in.CurrentRevision, ord))
		} else {
			d.Create = append(d.Create, newStatefulPod(set, in.UpdateTemplate, in.UpdateRevision, ord))
		}
	}
	// Ordinals are walked in order, the missing ones between the pods
	// that exist created: OrderedReady stops at the first, Parallel
	// creates at most BurstReplicas per sync (the creations' events bring
	// the next sync), so that a sync never walks spec.replicas ordinals.
	exit := false
	next := start // the lowest ordinal not walked yet
	createUpTo := func(end int) {
		for ord := next; ord < end && !exit && len(d.Create) < BurstReplicas; ord++ {
			create(ord)
			exit = monotonic
		}
		next = end
	}
	for _, r := range replicas {
		createUpTo(r.ord)
		if exit {
			break
		}
		next = r.ord + 1
		p, ord := r.pod, r.ord
		if IsPodTerminal(p) {
			if p.DeletionTimestamp == nil {
				d.Delete = append(d.Delete, p)
			}
			exit = monotonic
			continue
		}
		if p.Status.Phase == workload.PodPending && len(set.Spec.VolumeClaimTemplates) > 0 {
			d.Claims = append(d.Claims, p)
		}
		if monotonic && (p.DeletionTimestamp != nil || !isRunningAndReady(p) || !IsPodAvailable(p, minReady, now)) {
			exit = true
			break
		}
		if fixed := fixIdentity(set, p, ord); fixed != nil {
			d.Relabel = append(d.Relabel, fixed)
		}
	}
	if !exit {
		createUpTo(start + n)
	}
	if exit {
		return d
	}
	for _, p := range condemned {
		if p.DeletionTimestamp != nil {
			if monotonic {
				return d
			}
			continue
		}
		if monotonic && p != firstUnhealthy && (!isRunningAndReady(p) || !IsPodAvailable(p, minReady, now)) {
			return d
		}
		d.Delete = append(d.Delete, p)
		if monotonic {
			return d
		}
	}
	if set.Spec.UpdateStrategy.Type == workload.OnDeleteStrategy {
		return d
	}
	maxUnavailable := stsMaxUnavailable(set)
	// outdated: a pod of an old revision the update may delete.
	outdated := func(p *workload.Pod) bool {
		return p != nil && p.DeletionTimestamp == nil && !slices.Contains(d.Delete, p) &&
			p.Labels[workload.ControllerRevisionHashLabel] != in.UpdateRevision
	}
	// Every missing ordinal is unavailable, created now or not.
	unavailable, unavailableOutdated := n-len(replicas), 0
	for _, r := range replicas {
		if p := r.pod; !stsHealthy(p, minReady, now) || slices.Contains(d.Delete, p) {
			unavailable++
			if !monotonic && outdated(p) {
				unavailableOutdated++
			}
		}
	}
	if unavailable >= maxUnavailable && unavailableOutdated == 0 {
		return d
	}
	partition := stsPartition(set)
	del := func(p *workload.Pod) {
		d.Delete = append(d.Delete, p)
		d.Status.CurrentReplicas--
	}
	if !monotonic {
		// Parallel: pods of an old revision that are unavailable anyway
		// go first and cost no budget, then available ones within it. A
		// pod that would come back at the current revision (rollingUpdate
		// unset: ordinals below status.currentReplicas) is left alone,
		// else it would be deleted and recreated for ever.
		for _, r := range slices.Backward(replicas) {
			if p := r.pod; r.ord-start >= partition && outdated(p) && !stsHealthy(p, minReady, now) && !useCurrent(r.ord) {
				del(p)
			}
		}
	}
	budget := maxUnavailable - unavailable
	for _, r := range slices.Backward(replicas) {
		if budget <= 0 || r.ord-start < partition {
			break
		}
		if p := r.pod; outdated(p) && (monotonic || stsHealthy(p, minReady, now)) {
			del(p)
			budget--
		}
	}
	return d
}

// stsReplica is a pod of the set in range, with its ordinal.
type stsReplica struct {
	ord int
	pod *workload.Pod
}

// fixIdentity returns p with its pod-name and pod-index labels fixed, or
// nil when they are right.
func fixIdentity(set *workload.StatefulSet, p *workload.Pod, ord int) *workload.Pod {
	idx := strconv.Itoa(ord)
	if p.Labels[workload.StatefulSetPodNameLabel] == p.Name && p.Labels[workload.PodIndexLabel] == idx {
		return nil
	}
	cp := p.DeepCopy()
	if cp.Labels == nil {
		cp.Labels = map[string]string{}
	}
	cp.Labels[workload.StatefulSetPodNameLabel] = p.Name
	cp.Labels[workload.PodIndexLabel] = idx
	return cp
}

// stsStatus counts the pods as Kubernetes' computeReplicaStatus and
// completes a rolling update whose pods are all updated and ready.
func stsStatus(in stsInput, now time.Time) (workload.StatefulSetStatus, time.Duration) {
	set := in.Set
	st := workload.StatefulSetStatus{
		ObservedGeneration: set.Generation,
		CurrentRevision:    in.CurrentRevision,
		UpdateRevision:     in.UpdateRevision,
		CollisionCount:     set.Status.CollisionCount,
		Conditions:         set.Status.Conditions,
	}
	var next time.Duration
	for _, p := range in.Pods {
		if stsOrdinal(set.Name, p.Name) < 0 {
			continue
		}
		st.Replicas++
		if isRunningAndReady(p) {
			st.ReadyReplicas++
			if IsPodAvailable(p, set.Spec.MinReadySeconds, now) {
				st.AvailableReplicas++
			} else if at := AvailableAt(p, set.Spec.MinReadySeconds).Sub(now); at > 0 && (next == 0 || at < next) {
				next = at
			}
		}
		if p.DeletionTimestamp == nil {
			rev := p.Labels[workload.ControllerRevisionHashLabel]
			if rev == in.CurrentRevision {
				st.CurrentReplicas++
			}
			if rev == in.UpdateRevision {
				st.UpdatedReplicas++
			}
		}
	}
	completeRollingUpdate(set, &st)
	return st, next
}

// completeRollingUpdate makes the update revision current once every
// pod that exists is updated and ready (RollingUpdate only). As
// Kubernetes' completeRollingUpdate it counts against status.replicas,
// not spec.replicas: pods still to be made by a scale-up, or condemned
// ones of a scale-down that are updated and ready, do not hold it back.
func completeRollingUpdate(set *workload.StatefulSet, st *workload.StatefulSetStatus) {
	if set.Spec.UpdateStrategy.Type == workload.RollingUpdateStrategy &&
		st.UpdatedReplicas == st.Replicas && st.ReadyReplicas == st.Replicas {
		st.CurrentReplicas = st.UpdatedReplicas
		st.CurrentRevision = st.UpdateRevision
	}
}

// claimName is the name of ordinal ord's claim from template tmpl:
// "<claim>-<set>-<ordinal>".
func claimName(set *workload.StatefulSet, tmpl *workload.PersistentVolumeClaim, ord int) string {
	return tmpl.Name + "-" + stsPodName(set, ord)
}

// claimOwners returns the owner references a claim should carry under
// the set's persistentVolumeClaimRetentionPolicy: a controller reference
// to the set when whenDeleted is Delete and the pod is in range, to the
// pod when whenScaled is Delete and the pod is scaled down (pod nil: not
// known, none). The references to this set and pod (by kind and name)
// are replaced; others are kept. Under a Delete policy a claim that
// another controller owns, or that names an earlier set or pod of the
// same name (another uid), only loses its references to this set and pod
// and gets none (Kubernetes' hasUnexpectedController): the claim is not
// taken from its controller, and the stale reference goes first.
func claimOwners(set *workload.StatefulSet, pod *workload.Pod, inRange bool, refs []workload.OwnerReference) []workload.OwnerReference {
	isSet := func(r *workload.OwnerReference) bool { return r.Kind == "StatefulSet" && r.Name == set.Name }
	isPod := func(r *workload.OwnerReference) bool { return pod != nil && r.Kind == "Pod" && r.Name == pod.Name }
	pol := set.Spec.PersistentVolumeClaimRetentionPolicy
	whenDeleted, whenScaled := workload.RetainPersistentVolumeClaimRetentionPolicyType, workload.RetainPersistentVolumeClaimRetentionPolicyType
	if pol != nil {
		whenDeleted, whenScaled = pol.WhenDeleted, pol.WhenScaled
	}
	del := workload.DeletePersistentVolumeClaimRetentionPolicyType
	unexpected := false
	if whenDeleted == del || whenScaled == del {
		for i := range refs {
			r := &refs[i]
			switch {
			case isSet(r):
				unexpected = unexpected || r.UID != set.UID
			case isPod(r):
				unexpected = unexpected || r.UID != pod.UID
			case r.Controller != nil && *r.Controller:
				unexpected = true
			}
		}
	}
	out := slices.DeleteFunc(slices.Clone(refs), func(r workload.OwnerReference) bool { return isSet(&r) || isPod(&r) })
	switch {
	case unexpected:
	case !inRange && whenScaled == del:
		if pod != nil {
			out = append(out, workload.NewControllerRef(pod))
		}
	case whenDeleted == del && (inRange || whenScaled != del):
		out = append(out, workload.NewControllerRef(set))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
