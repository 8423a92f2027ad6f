package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unsafe"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// ReplicaSet condition type and reasons.
const (
	ReplicaSetReplicaFailure = "ReplicaFailure"
	ReasonFailedCreate       = "FailedCreate"
	ReasonFailedDelete       = "FailedDelete"
)

// NewReplicaSet returns the ReplicaSet controller: it keeps spec.replicas
// pods matching each ReplicaSet's selector, following Kubernetes' apps/v1
// ReplicaSet controller (pkg/controller/replicaset/replica_set.go and
// controller_utils.go):
//
//   - Ownership: pods without a controller whose labels match the
//     selector are adopted (a controller reference is added); owned pods
//     whose labels stop matching are released (the reference is removed).
//     A ReplicaSet being deleted adopts nothing, releases nothing and
//     creates or deletes no pods; its dependents are the garbage
//     collector's business.
//   - Scaling: active pods (not Succeeded, not Failed, not being deleted)
//     count. Missing ones are created from the template, named by
//     generateName "<rs>-", at most BurstReplicas (500) per sync, in
//     slow-start batches of 1, 2, 4, ... (the first failing batch ends the
//     sync, which is retried with back-off). Extra ones are deleted
//     gracefully, at most 500 per sync, in Kubernetes' order: unscheduled
//     before scheduled; Pending, then Unknown, then Running; not ready
//     before ready; lower controller.kubernetes.io/pod-deletion-cost first;
//     pods on nodes holding more pods of this ReplicaSet and its siblings
//     (ReplicaSets with the same controller; no such rank for a
//     ReplicaSet without a controller) first; the more recently
//     ready first; more container restarts first; newer first. Ready and
//     creation times compare by the power of two of their age
//     (LogarithmicScaleDown): two in the same bucket order by pod UID.
//   - Status: replicas, fullyLabeledReplicas (pods carrying every
//     template label), readyReplicas, availableReplicas (Ready for
//     minReadySeconds), terminatingReplicas (pods being deleted that have
//     not finished; Kubernetes 1.35 reports it by default),
//     observedGeneration, and the ReplicaFailure
//     condition (FailedCreate, FailedDelete) while creations or deletions
//     fail. When minReadySeconds holds a ready pod back, the ReplicaSet is
//     requeued at the instant that pod becomes available.
//   - Events: SuccessfulCreate ("Created pod: x"), SuccessfulDelete,
//     FailedCreate, FailedDelete.
//
// Where orchestra differs, deliberately:
//
//   - Among ready pods, ready times and creation times compare exactly;
//     Kubernetes (LogarithmicScaleDown) compares them in power-of-two
//     buckets of their age and breaks ties by UID. Here ties go by name,
//     so runs are deterministic.
//   - No expectations: the store is read directly and is never stale, so
//     a sync never acts twice on the same missing pod.
//   - The controller keeps its own index of pods by owner, fed by the
//     store watch (as an informer), so a sync reads its pods without
//     copying them.
func NewReplicaSet(deps Deps) Controller {
	return &replicaSetController{deps: deps}
}

// replicaSetController is the ReplicaSet controller (see NewReplicaSet).
// Its state is a read-only cache of pods and ReplicaSets built from the
// watch, on the Manager's goroutine; Start rebuilds it.
type replicaSetController struct {
	deps Deps

	pods    map[string]*rsCached            // "ns/name" -> pod
	byOwner map[string]map[string]*rsCached // controller uid -> "ns/name" -> pod
	orphans map[string]map[string]*rsCached // namespace -> "ns/name" -> pod without controller
	sets    map[string]*rsMeta              // "ns/name" -> ReplicaSet
	byNS    map[string]map[string]*rsMeta   // namespace -> "ns/name" -> ReplicaSet
	byUID   map[string]*rsMeta
	byCtl   map[string]map[string]*rsMeta // the ReplicaSets' controller uid -> "ns/name" -> ReplicaSet
	// expect holds, per ReplicaSet uid, the pods ("ns/name") this
	// controller created or deleted whose watch event has not arrived yet
	// (Kubernetes' expectations): until it has, the cache may not show
	// the write, so the ReplicaSet is not scaled again. Within one
	// Manager step events always arrive before the next sync; this guards
	// a requeue that fires during a step in real time.
	expect map[string]*rsExpect
}

// rsExpect is what a ReplicaSet expects: the names of the pods in its
// namespace (pods are in their controller's) whose events it waits for.
type rsExpect struct {
	namespace string
	names     map[string]bool
}

// rsCached is the cache's entry of one pod, shared by its indexes, so that a
// newer version of the pod with the same controller (a status update)
// replaces it in all of them at once.
type rsCached struct {
	pod   *workload.Pod // the stored pod (shared, read-only)
	owner string        // its controller's uid, or "" for an orphan
}

// rsMeta is what the cache keeps of a ReplicaSet.
type rsMeta struct {
	key, uid, namespace string
	selector            parsedSelector // sel is nil when the selector does not parse
	ownerUID            string         // the ReplicaSet's own controller
}

// Name returns "replicaset".
func (c *replicaSetController) Name() string { return "replicaset" }

// Start rebuilds the cache from the store and enqueues every ReplicaSet.
func (c *replicaSetController) Start(enqueue func(string)) {
	c.pods = map[string]*rsCached{}
	c.byOwner = map[string]map[string]*rsCached{}
	c.orphans = map[string]map[string]*rsCached{}
	c.sets = map[string]*rsMeta{}
	c.byNS = map[string]map[string]*rsMeta{}
	c.byUID = map[string]*rsMeta{}
	c.byCtl = map[string]map[string]*rsMeta{}
	c.expect = map[string]*rsExpect{}
	s := c.deps.Store
	for _, o := range s.List("ReplicaSet", "", nil) {
		c.setRS(o.(*workload.ReplicaSet))
	}
	for _, o := range s.List("Pod", "", nil) {
		owner := ""
		if ref := workload.ControllerOf(o); ref != nil {
			owner = ref.UID
		}
		c.setPod(o.(*workload.Pod), workload.Key(o), owner)
	}
	keys := make([]string, 0, len(c.sets))
	for k := range c.sets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		enqueue(k)
	}
}

// Handle keeps the cache and enqueues the ReplicaSets a change concerns:
// the ReplicaSet itself; for a pod, its controller before and after, and,
// for a pod without a controller, every ReplicaSet of its namespace whose
// selector matches it (adoption). As Kubernetes' ReplicaSet controller
// with its expectations, an update that keeps the pod's controller only
// wakes it when it changes what a sync reads (rsPodChanged) or is a write
// it waits for; an orphan's update only looks for a ReplicaSet to adopt
// it when its labels change.
func (c *replicaSetController) Handle(ev store.Event, enqueue func(string)) {
	switch o := ev.Object.(type) {
	case *workload.ReplicaSet:
		key := workload.Key(o)
		if ev.Type == store.Deleted {
			c.deleteRS(key)
		} else {
			c.setRS(o)
		}
		enqueue(key)
	case *workload.Pod:
		key := ev.ObjectKey()
		e := c.pods[key]
		expected := c.observed(o)
		if ev.Type == store.Deleted {
			if e != nil {
				expected = c.observed(e.pod) || expected
				c.enqueueOwner(e.pod, enqueue)
				c.deletePod(key)
			}
			c.enqueueOwner(o, enqueue)
			return
		}
		ref := workload.ControllerOf(o)
		owner := ""
		if ref != nil {
			owner = ref.UID
		}
		if e != nil && e.owner == owner {
			old := e.pod
			e.pod = o
			switch {
			case ref != nil:
				if expected || rsPodChanged(old, o) {
					c.enqueueOwner(o, enqueue)
				}
				return
			case o.DeletionTimestamp != nil || sameLabels(old.Labels, o.Labels):
				return
			}
		} else {
			if e != nil {
				c.observed(e.pod)
				c.enqueueOwner(e.pod, enqueue)
			}
			c.setPod(o, key, owner)
			if ref != nil {
				c.enqueueOwner(o, enqueue)
				return
			}
			if o.DeletionTimestamp != nil {
				return
			}
		}
		set := labels.Set(o.Labels)
		var keys []string
		for _, m := range c.byNS[o.Namespace] {
			if sel := m.selector.sel; sel != nil && !sel.Empty() && sel.Matches(set) {
				keys = append(keys, m.key)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			enqueue(k)
		}
	}
}

// rsPodChanged reports whether the update of a pod from a to b (same
// controller) changes what its ReplicaSet's sync reads to decide and to
// report: whether it is active, being deleted or finished, its labels,
// and its readiness and since when. (Its node, phase and restarts only
// rank pods for a scale-down, which a sync does when it finds one due,
// whatever woke it.)
func rsPodChanged(a, b *workload.Pod) bool {
	if (a.DeletionTimestamp == nil) != (b.DeletionTimestamp == nil) || IsPodTerminal(a) != IsPodTerminal(b) ||
		!sameLabels(a.Labels, b.Labels) {
		return true
	}
	ra, rb := PodCondition(a, workload.PodReady), PodCondition(b, workload.PodReady)
	if (ra == nil) != (rb == nil) {
		return true
	}
	return ra != nil && (ra.Status != rb.Status || !ra.LastTransitionTime.Equal(rb.LastTransitionTime.Time))
}

// sameLabels reports whether two label maps are equal; updates that keep
// an object's labels usually share the map, which answers at once.
func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || *(*unsafe.Pointer)(unsafe.Pointer(&a)) == *(*unsafe.Pointer)(unsafe.Pointer(&b)) {
		return true
	}
	return maps.Equal(a, b)
}

// observed clears the expectation of the pod's controller for it and
// reports whether there was one.
func (c *replicaSetController) observed(p *workload.Pod) bool {
	if len(c.expect) == 0 {
		return false
	}
	ref := workload.ControllerOf(p)
	if ref == nil {
		return false
	}
	set := c.expect[ref.UID]
	if set == nil || p.Namespace != set.namespace || !set.names[p.Name] {
		return false
	}
	delete(set.names, p.Name)
	if len(set.names) == 0 {
		delete(c.expect, ref.UID)
	}
	return true
}

func (c *replicaSetController) expectWrite(rs *workload.ReplicaSet, name string) {
	c.expectRoom(rs, 0).names[name] = true
}

// expectRoom returns the expectations of rs, made with room for n names
// when it has none (a scale-up expects each pod it creates: a map that
// grows name by name would be rehashed over and over).
func (c *replicaSetController) expectRoom(rs *workload.ReplicaSet, n int) *rsExpect {
	set := c.expect[rs.UID]
	if set == nil {
		set = &rsExpect{namespace: rs.Namespace, names: make(map[string]bool, n)}
		c.expect[rs.UID] = set
	}
	return set
}

func (c *replicaSetController) enqueueOwner(p *workload.Pod, enqueue func(string)) {
	ref := workload.ControllerOf(p)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return
	}
	if m := c.byUID[ref.UID]; m != nil {
		enqueue(m.key)
	}
}

func (c *replicaSetController) setRS(rs *workload.ReplicaSet) {
	key := workload.Key(rs)
	if old := c.sets[key]; old != nil && old.uid != rs.UID {
		c.deleteRS(key)
	}
	m := c.sets[key]
	if m == nil {
		m = &rsMeta{key: key, uid: rs.UID, namespace: rs.Namespace}
		c.sets[key] = m
		c.byUID[rs.UID] = m
		ns := c.byNS[rs.Namespace]
		if ns == nil {
			ns = map[string]*rsMeta{}
			c.byNS[rs.Namespace] = ns
		}
		ns[key] = m
	}
	m.selector.of(rs.Spec.Selector)
	owner := ""
	if ref := workload.ControllerOf(rs); ref != nil {
		owner = ref.UID
	}
	if owner != m.ownerUID {
		c.unindexCtl(m)
		m.ownerUID = owner
		if owner != "" {
			set := c.byCtl[owner]
			if set == nil {
				set = map[string]*rsMeta{}
				c.byCtl[owner] = set
			}
			set[key] = m
		}
	}
}

// unindexCtl removes m from byCtl.
func (c *replicaSetController) unindexCtl(m *rsMeta) {
	if set := c.byCtl[m.ownerUID]; set != nil {
		delete(set, m.key)
		if len(set) == 0 {
			delete(c.byCtl, m.ownerUID)
		}
	}
}

func (c *replicaSetController) deleteRS(key string) {
	m := c.sets[key]
	if m == nil {
		return
	}
	delete(c.sets, key)
	delete(c.byUID, m.uid)
	c.unindexCtl(m)
	delete(c.expect, m.uid)
	if ns := c.byNS[m.namespace]; ns != nil {
		delete(ns, key)
		if len(ns) == 0 {
			delete(c.byNS, m.namespace)
		}
	}
}

// setPod caches p, whose key is key and whose controller's uid is owner
// ("" for none), replacing what the cache had under key.
func (c *replicaSetController) setPod(p *workload.Pod, key, owner string) {
	c.deletePod(key)
	e := &rsCached{pod: p, owner: owner}
	c.pods[key] = e
	index, k := c.byOwner, owner
	if owner == "" {
		index, k = c.orphans, p.Namespace
	}
	set := index[k]
	if set == nil {
		set = map[string]*rsCached{}
		index[k] = set
	}
	set[key] = e
}

func (c *replicaSetController) deletePod(key string) {
	e := c.pods[key]
	if e == nil {
		return
	}
	delete(c.pods, key)
	index, k := c.byOwner, e.owner
	if e.owner == "" {
		index, k = c.orphans, e.pod.Namespace
	}
	if set := index[k]; set != nil {
		delete(set, key)
		if len(set) == 0 {
			delete(index, k)
		}
	}
}

// podsOf returns the pods of a set, in no particular order.
func podsOf(set map[string]*rsCached) []*workload.Pod {
	out := make([]*workload.Pod, 0, len(set))
	for _, e := range set {
		out = append(out, e.pod)
	}
	return out
}

// sortPods sorts pods by name.
func sortPods(pods []*workload.Pod) {
	slices.SortFunc(pods, func(a, b *workload.Pod) int { return strings.Compare(a.Name, b.Name) })
}

// Reconcile syncs one ReplicaSet: ownership, scaling, status.
func (c *replicaSetController) Reconcile(ctx context.Context, key string) (Result, error) {
	ns, name, _ := strings.Cut(key, "/")
	o, err := c.deps.Store.Peek("ReplicaSet", ns, name)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	rs := o.(*workload.ReplicaSet)
	var cached *parsedSelector
	if m := c.sets[key]; m != nil && m.uid == rs.UID {
		cached = &m.selector
	}
	sel, err := cached.parse(rs.Spec.Selector)
	if err != nil {
		return Result{}, fmt.Errorf("%s: spec.selector: %v: %w", workload.Ref(rs), err, ErrPermanent)
	}
	// The decision does not depend on the order of the pods (deletions
	// are ranked, ties broken by name); only adoptions and releases, rare,
	// are made in name order.
	owned := podsOf(c.byOwner[rs.UID])
	if rs.DeletionTimestamp == nil && !sel.Empty() {
		orphans := podsOf(c.orphans[ns])
		adopt, release := claimPods(sel, owned, orphans)
		if len(adopt)+len(release) > 0 {
			sortPods(owned)
			sortPods(orphans)
			adopt, release = claimPods(sel, owned, orphans)
			owned, err = c.claim(rs, owned, adopt, release)
			if err != nil {
				return Result{}, err
			}
		}
	}
	var related []*workload.Pod
	if m := c.sets[key]; m != nil && m.ownerUID != "" && rs.DeletionTimestamp == nil && activePods(owned) > int(replicasOf(rs.Spec.Replicas)) {
		// Only a scale-down ranks pods by their siblings.
		related = c.siblingPods(m)
	}
	d := decideReplicaSet(rs, owned, related, c.deps.Clock.Now())
	var manageErr error
	if e := c.expect[rs.UID]; e == nil || len(e.names) == 0 {
		manageErr = c.apply(rs, d)
	}

	st := d.Status
	st.Conditions = slices.Clone(st.Conditions)
	if manageErr != nil {
		// Set once, with the first failure's message: calculateStatus
		// adds the condition only when there is none (a message that
		// changed with every failed attempt would also write the status,
		// and wake the ReplicaSet, on every one).
		if FindCondition(st.Conditions, ReplicaSetReplicaFailure) == nil {
			reason := ReasonFailedCreate
			if d.Create == 0 {
				reason = ReasonFailedDelete
			}
			st.Conditions = SetCondition(st.Conditions, workload.Condition{
				Type: ReplicaSetReplicaFailure, Status: workload.ConditionTrue, Reason: reason,
				Message: manageErr.Error(), LastTransitionTime: workload.NewTime(c.deps.Clock.Now()),
			})
		}
	} else {
		st.Conditions = RemoveCondition(st.Conditions, ReplicaSetReplicaFailure)
	}
	if len(st.Conditions) == 0 {
		st.Conditions = nil
	}
	if !rsStatusEqual(rs.Status, st) {
		cp := *rs
		cp.Status = st
		if _, err := c.deps.Store.UpdateStatus(&cp); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Result{}, err
		}
	}
	if manageErr != nil {
		return Result{}, manageErr
	}
	return Result{RequeueAfter: d.RequeueAfter}, nil
}

func rsStatusEqual(a, b workload.ReplicaSetStatus) bool {
	if a.Replicas != b.Replicas || a.FullyLabeledReplicas != b.FullyLabeledReplicas || a.ReadyReplicas != b.ReadyReplicas ||
		a.AvailableReplicas != b.AvailableReplicas || a.ObservedGeneration != b.ObservedGeneration ||
		len(a.Conditions) != len(b.Conditions) || (a.TerminatingReplicas == nil) != (b.TerminatingReplicas == nil) {
		return false
	}
	if a.TerminatingReplicas != nil && *a.TerminatingReplicas != *b.TerminatingReplicas {
		return false
	}
	for i := range a.Conditions {
		x, y := a.Conditions[i], b.Conditions[i]
		if x.Type != y.Type || x.Status != y.Status || x.Reason != y.Reason || x.Message != y.Message {
			return false
		}
	}
	return true
}

// siblingPods returns the pods of every ReplicaSet with the same
// controller as m (m's own included), for the colocation ranks.
func (c *replicaSetController) siblingPods(m *rsMeta) []*workload.Pod {
	var out []*workload.Pod
	for _, o := range c.byCtl[m.ownerUID] {
		if o.namespace != m.namespace {
			continue
		}
		for _, e := range c.byOwner[o.uid] {
			out = append(out, e.pod)
		}
	}
	return out
}

// activePods counts the active pods of pods.
func activePods(pods []*workload.Pod) int {
	n := 0
	for _, p := range pods {
		if IsPodActive(p) {
			n++
		}
	}
	return n
}

// claim adopts and releases pods and returns the owned pods after it.
func (c *replicaSetController) claim(rs *workload.ReplicaSet, owned, adopt, release []*workload.Pod) ([]*workload.Pod, error) {
	s := c.deps.Store
	var out []*workload.Pod
	gone := map[string]bool{}
	for _, p := range release {
		cp := p.DeepCopy()
		cp.OwnerReferences = slices.DeleteFunc(cp.OwnerReferences, func(r workload.OwnerReference) bool { return r.UID == rs.UID })
		if _, err := s.Update(cp); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%s: releasing pod %s: %w", workload.Ref(rs), p.Name, err)
		}
		gone[p.Name] = true
	}
	for _, p := range owned {
		if !gone[p.Name] {
			out = append(out, p)
		}
	}
	for _, p := range adopt {
		cp := p.DeepCopy()
		cp.OwnerReferences = append(cp.OwnerReferences, workload.NewControllerRef(rs))
		n, err := s.Update(cp)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: adopting pod %s: %w", workload.Ref(rs), p.Name, err)
		}
		out = append(out, n.(*workload.Pod))
	}
	slices.SortFunc(out, func(a, b *workload.Pod) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// apply creates and deletes the decided pods.
func (c *replicaSetController) apply(rs *workload.ReplicaSet, d rsDecision) error {
	s, ev := c.deps.Store, c.deps.Events
	if d.Create > 0 {
		// One copy of the template, admitted (defaulted) once, that the
		// new pods share: each is adopted by the store (stored objects are
		// never changed, and admission finds nothing left to change).
		tmpl := NewPodFromTemplate(&rs.Spec.Template, rs, "", GenerateNamePrefix(rs.Name))
		workload.DefaultPod(tmpl)
		c.expectRoom(rs, d.Create)
		for _, batch := range slowStartBatches(d.Create) {
			var firstErr error
			for range batch {
				pod := new(workload.Pod)
				*pod = *tmpl
				out, err := s.Create(pod, store.Adopt, store.SharedResult)
				if err != nil {
					ev.Eventf(rs, workload.EventTypeWarning, EventFailedCreate, "Error creating: %v", err)
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				c.expectWrite(rs, out.GetObjectMeta().Name)
				ev.EventJoin(rs, workload.EventTypeNormal, EventSuccessfulCreate, "Created pod: ", out.GetObjectMeta().Name)
			}
			if firstErr != nil {
				return fmt.Errorf("%s: creating pods: %w", workload.Ref(rs), firstErr)
			}
		}
	}
	var firstErr error
	for _, p := range d.Delete {
		if err := DeletePod(s, p.Namespace, p.Name, nil); err != nil {
			ev.Eventf(rs, workload.EventTypeWarning, EventFailedDelete, "Error deleting: %v", err)
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: deleting pod %s: %w", workload.Ref(rs), p.Name, err)
			}
			continue
		}
		c.expectWrite(rs, p.Name)
		ev.EventJoin(rs, workload.EventTypeNormal, EventSuccessfulDelete, "Deleted pod: ", p.Name)
	}
	return firstErr
}
