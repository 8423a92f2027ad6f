package controller

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// PersistentVolumeClaim phases.
const (
	ClaimBound   = "Bound"
	ClaimPending = "Pending"
)

// Event reasons of the StatefulSet controller when a replica that
// finished (Failed, or Succeeded) is deleted to be made again
// (stateful_set_control.go processReplica).
const (
	EventRecreatingFailedPod     = "RecreatingFailedPod"
	EventRecreatingTerminatedPod = "RecreatingTerminatedPod"
)

// staleClaimRetry is how soon a sync that waits for a stale claim (one a
// scaled-down pod owned, which the garbage collector is about to delete)
// looks again.
const staleClaimRetry = time.Second

// NewStatefulSet returns the StatefulSet controller: pods with stable
// names, started and stopped in order, following Kubernetes' apps/v1
// StatefulSet controller (pkg/controller/statefulset: stateful_set.go,
// stateful_set_control.go, stateful_set_utils.go):
//
//   - Identity: pod "<set>-<ordinal>" for ordinals.start (default 0) up
//     to start + replicas - 1, with the labels
//     statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index
//     and controller-revision-hash, hostname = the pod name and subdomain
//     = serviceName (DNS <pod>.<service>). A pod that is deleted, fails or
//     succeeds is replaced by a pod of the same name once the old one is
//     gone.
//   - podManagementPolicy OrderedReady (default): one pod at a time; the
//     pod of ordinal i is created only when every lower ordinal is
//     Running and Ready (for minReadySeconds); scale-down removes the
//     highest ordinal first, one at a time, waiting until the previous one
//     is gone, and only while it and the others are Running and Ready for
//     minReadySeconds (a pod may go before that if it is the first that is
//     not, Kubernetes' firstUnavailablePod since PR #130909: a Ready pod
//     not yet available goes at once). Parallel: all at once, creating
//     at most BurstReplicas (500) pods a sync, the rest in the syncs their
//     creations bring (Kubernetes creates every missing pod in one sync,
//     PR #117865; a set of 2^31-1 replicas would exhaust the embedding
//     process). A sync's memory and time follow the pods that exist and
//     those it creates, never spec.replicas.
//   - updateStrategy RollingUpdate: pods whose revision is not the update
//     revision are deleted (and recreated at the update revision) from the
//     highest ordinal down to partition, at most maxUnavailable (default
//     1, int or percent of replicas rounded down, at least 1) unavailable
//     at a time, counting every replica; ordinals below partition keep
//     (and are recreated at) the current revision. Under Parallel, pods of
//     an old revision that are unavailable anyway (a broken first
//     revision) are replaced at once, outside that budget
//     (kubernetes/kubernetes#137409, fixed by #137666). OnDelete: a pod
//     takes the update revision only when someone deletes it.
//   - Revisions: each template is a ControllerRevision named
//     "<set>-<hash>" (data: the template's JSON; revision number; the
//     template's labels and controller.kubernetes.io/hash=<hash>; the
//     set's annotations when it was made, where kubectl rollout history
//     reads a change-cause); a template seen before reuses its revision
//     with a new number.
//     status.currentRevision becomes the update revision once every pod
//     that exists (status.replicas, condemned ones included) is updated
//     and ready. Revisions no pod uses, other than the
//     current and update ones, are deleted beyond revisionHistoryLimit,
//     oldest first.
//   - PersistentVolumeClaims: one record per volumeClaimTemplate and
//     ordinal, "<claim>-<set>-<ordinal>", created before the pod (and again
//     while the pod is Pending, should it be gone), with the
//     template's labels plus the selector's matchLabels; a claim of that
//     name made beforehand (labelled or not) is used instead. orchestra does
//     not provision storage; a claim is created with status.phase Bound,
//     as a cluster with a default StorageClass would show it, so that
//     readers see the steady state. persistentVolumeClaimRetentionPolicy:
//     whenDeleted Delete gives claims a controller reference to the set
//     (the garbage collector deletes them with it); whenScaled Delete gives
//     the claims of scaled-down ordinals one to their pod (deleted with
//     it). Retain keeps them. A claim that another controller owns, or
//     that names an earlier set or pod of the same name, is not given
//     either reference. A pod whose claim still belongs to a scaled-down
//     pod waits until that claim is gone.
//   - Ownership: pods named as members of the set that match its selector
//     and have no controller are adopted, and so are the ControllerRevisions
//     without a controller that it matches (a set deleted with orphan
//     propagation and created again finds its template among them and
//     rolls nothing); owned pods that stop matching are released.
//   - Status: observedGeneration, replicas (pods that exist, terminating
//     ones included), readyReplicas, availableReplicas, currentReplicas,
//     updatedReplicas, currentRevision, updateRevision, collisionCount.
//     Events: SuccessfulCreate ("create Pod web-0 in StatefulSet web
//     successful"), SuccessfulDelete, FailedCreate, FailedDelete,
//     SuccessfulUpdate and FailedUpdate (a pod's identity labels fixed), and
//     before a replica that finished is deleted to be made again
//     RecreatingFailedPod (Warning, "StatefulSet default/web is
//     recreating failed Pod web-0") or RecreatingTerminatedPod (Normal,
//     "... is recreating terminated Pod web-0") for a Succeeded one.
//
// Where orchestra differs, deliberately:
//
//   - Pods carry no volumes (orchestra's PodSpec has none), so claims are
//     records next to the pods rather than mounted by them.
//   - A pod counts as created once it is in the store (Kubernetes: once
//     it has a phase).
func NewStatefulSet(deps Deps) Controller {
	return &statefulSetController{deps: deps}
}

// statefulSetController is the StatefulSet controller (see
// NewStatefulSet).
type statefulSetController struct {
	deps Deps
	byNS map[string]map[string]labels.Selector
}

// Name returns "statefulset".
func (c *statefulSetController) Name() string { return "statefulset" }

// Start enqueues every StatefulSet.
func (c *statefulSetController) Start(enqueue func(string)) {
	c.byNS = map[string]map[string]labels.Selector{}
	for _, o := range c.deps.Store.List("StatefulSet", "", nil) {
		c.setSelector(o.(*workload.StatefulSet))
		enqueue(workload.Key(o))
	}
}

func (c *statefulSetController) setSelector(s *workload.StatefulSet) {
	ns := c.byNS[s.Namespace]
	if ns == nil {
		ns = map[string]labels.Selector{}
		c.byNS[s.Namespace] = ns
	}
	sel, err := s.Spec.Selector.AsSelector()
	if err != nil {
		sel = labels.Nothing()
	}
	ns[workload.Key(s)] = sel
}

// Handle enqueues the StatefulSet a change concerns: the set; a pod's
// controller; for a pod without a controller, the sets of its namespace
// whose selector matches it.
func (c *statefulSetController) Handle(ev store.Event, enqueue func(string)) {
	switch o := ev.Object.(type) {
	case *workload.StatefulSet:
		if ev.Type == store.Deleted {
			if ns := c.byNS[o.Namespace]; ns != nil {
				delete(ns, workload.Key(o))
			}
		} else {
			c.setSelector(o)
		}
		enqueue(workload.Key(o))
	case *workload.Pod:
		if ref := workload.ControllerOf(o); ref != nil {
			if ref.Kind == "StatefulSet" {
				enqueue(o.Namespace + "/" + ref.Name)
			}
			return
		}
		if ev.Type == store.Deleted {
			return
		}
		var keys []string
		for k, sel := range c.byNS[o.Namespace] {
			if !sel.Empty() && sel.Matches(labels.Set(o.Labels)) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			enqueue(k)
		}
	}
}

// Reconcile syncs one StatefulSet.
func (c *statefulSetController) Reconcile(ctx context.Context, key string) (Result, error) {
	s := c.deps.Store
	ns, name, _ := strings.Cut(key, "/")
	o, err := s.Get("StatefulSet", ns, name)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	set := o.(*workload.StatefulSet)
	sel, err := set.Spec.Selector.AsSelector()
	if err != nil {
		return Result{}, fmt.Errorf("%s: spec.selector: %v: %w", workload.Ref(set), err, ErrPermanent)
	}
	pods, err := c.pods(set, sel)
	if err != nil {
		return Result{}, err
	}
	revs, err := c.revisions(set, sel)
	if err != nil {
		return Result{}, err
	}
	now := c.deps.Clock.Now()
	in := stsInput{Set: set, Pods: pods,
		CurrentRevision: revs.current.Name, UpdateRevision: revs.update.Name}
	if in.CurrentTemplate, err = revisionTemplate(revs.current); err != nil {
		return Result{}, fmt.Errorf("%s: %s: %v: %w", workload.Ref(set), workload.Ref(revs.current), err, ErrPermanent)
	}
	if in.UpdateTemplate, err = revisionTemplate(revs.update); err != nil {
		return Result{}, fmt.Errorf("%s: %s: %v: %w", workload.Ref(set), workload.Ref(revs.update), err, ErrPermanent)
	}
	d := decideStatefulSet(in, now)
	res := Result{RequeueAfter: d.RequeueAfter}
	// A failed write still lets the status and the history be brought up
	// to date, as Kubernetes' performUpdate and UpdateStatefulSet do; the
	// error is returned after, for a retry.
	var applyErr error
	if set.DeletionTimestamp == nil {
		wait, err := c.apply(set, pods, d)
		applyErr = err
		if wait && (res.RequeueAfter == 0 || res.RequeueAfter > staleClaimRetry) {
			res.RequeueAfter = staleClaimRetry
		}
	}
	// Always set, 0 before any collision, as Kubernetes'
	// updateStatefulSet writes it.
	d.Status.CollisionCount = workload.Ptr(int32(0))
	if revs.collisionCount != nil {
		d.Status.CollisionCount = workload.Ptr(*revs.collisionCount)
	}
	if len(d.Status.Conditions) == 0 {
		d.Status.Conditions = nil
	}
	if !reflect.DeepEqual(set.Status, d.Status) {
		set.Status = d.Status
		set.ResourceVersion = ""
		if _, err := s.UpdateStatus(set); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Result{}, cmp.Or(applyErr, err)
		}
	}
	if err := c.truncateHistory(set, pods, revs); err != nil {
		return Result{}, errors.Join(applyErr, err)
	}
	if applyErr != nil {
		return Result{}, applyErr
	}
	return res, nil
}

// pods returns the pods the set controls, adopting and releasing as its
// selector says.
func (c *statefulSetController) pods(set *workload.StatefulSet, sel labels.Selector) ([]*workload.Pod, error) {
	s := c.deps.Store
	var out []*workload.Pod
	for _, o := range s.ListByOwner("Pod", set.UID) {
		p := o.(*workload.Pod)
		if !IsControlledBy(p, set.UID) {
			continue
		}
		if set.DeletionTimestamp == nil && !sel.Matches(labels.Set(p.Labels)) {
			p.OwnerReferences = slices.DeleteFunc(p.OwnerReferences, func(r workload.OwnerReference) bool { return r.UID == set.UID })
			if _, err := s.Update(p); err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("%s: releasing %s: %w", workload.Ref(set), workload.Ref(p), err)
			}
			continue
		}
		out = append(out, p)
	}
	if set.DeletionTimestamp != nil || sel.Empty() {
		return out, nil
	}
	for _, o := range s.List("Pod", set.Namespace, sel) {
		p := o.(*workload.Pod)
		if workload.ControllerOf(p) != nil || p.DeletionTimestamp != nil || stsOrdinal(set.Name, p.Name) < 0 {
			continue
		}
		p.OwnerReferences = append(p.OwnerReferences, workload.NewControllerRef(set))
		n, err := s.Update(p)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: adopting %s: %w", workload.Ref(set), workload.Ref(p), err)
		}
		out = append(out, n.(*workload.Pod))
	}
	return out, nil
}

// stsRevisions are a set's ControllerRevisions, sorted by revision number.
type stsRevisions struct {
	all             []*workload.ControllerRevision
	current, update *workload.ControllerRevision
	collisionCount  *int32
}

func revisionTemplate(cr *workload.ControllerRevision) (*workload.PodTemplateSpec, error) {
	var t workload.PodTemplateSpec
	if err := json.Unmarshal(cr.Data, &t); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return &t, nil
}

func sortRevisions(revs []*workload.ControllerRevision) {
	slices.SortFunc(revs, func(a, b *workload.ControllerRevision) int {
		if c := cmp.Compare(a.Revision, b.Revision); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
}

// revisions adopts the orphaned ControllerRevisions the set's selector
// matches (a set deleted with orphan propagation and created again keeps
// its history), finds or makes the update revision (the set's template) and
// finds the current one (status.currentRevision, else the update one).
func (c *statefulSetController) revisions(set *workload.StatefulSet, sel labels.Selector) (stsRevisions, error) {
	s := c.deps.Store
	var r stsRevisions
	for _, o := range s.ListByOwner("ControllerRevision", set.UID) {
		if IsControlledBy(o, set.UID) {
			r.all = append(r.all, o.(*workload.ControllerRevision))
		}
	}
	if set.DeletionTimestamp == nil && !sel.Empty() {
		for _, o := range s.List("ControllerRevision", set.Namespace, sel) {
			if workload.ControllerOf(o) != nil || o.GetObjectMeta().DeletionTimestamp != nil {
				continue
			}
			cr := o.(*workload.ControllerRevision)
			cr.OwnerReferences = append(cr.OwnerReferences, workload.NewControllerRef(set))
			n, err := s.Update(cr)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return r, fmt.Errorf("%s: adopting %s: %w", workload.Ref(set), workload.Ref(cr), err)
			}
			r.all = append(r.all, n.(*workload.ControllerRevision))
		}
	}
	sortRevisions(r.all)
	next := int64(1)
	if len(r.all) > 0 {
		next = r.all[len(r.all)-1].Revision + 1
	}
	data, err := json.Marshal(&set.Spec.Template)
	if err != nil {
		return r, err
	}
	r.collisionCount = set.Status.CollisionCount
	for i := len(r.all) - 1; i >= 0; i-- {
		if bytes.Equal(r.all[i].Data, data) {
			r.update = r.all[i]
			break
		}
	}
	switch {
	case r.update != nil && r.update != r.all[len(r.all)-1]:
		cp := r.update.DeepCopy()
		cp.Revision = next
		n, err := s.Update(cp)
		if err != nil {
			return r, fmt.Errorf("%s: %s: %w", workload.Ref(set), workload.Ref(cp), err)
		}
		r.update = n.(*workload.ControllerRevision)
		r.all = slices.DeleteFunc(r.all, func(x *workload.ControllerRevision) bool { return x.Name == cp.Name })
		r.all = append(r.all, r.update)
	case r.update == nil:
		for tries := 0; r.update == nil; tries++ {
			if tries > 10 {
				return r, fmt.Errorf("%s: no free ControllerRevision name after %d collisions", workload.Ref(set), tries)
			}
			// The template's labels and the hash, and the set's
			// annotations (where kubectl rollout history finds a
			// revision's change-cause), as Kubernetes' newRevision.
			hash := TemplateHash(&set.Spec.Template, r.collisionCount)
			lbls := maps.Clone(set.Spec.Template.Labels)
			if lbls == nil {
				lbls = map[string]string{}
			}
			lbls[workload.RevisionHashLabel] = hash
			cr := &workload.ControllerRevision{
				TypeMeta: workload.TypeMeta{APIVersion: "apps/v1", Kind: "ControllerRevision"},
				ObjectMeta: workload.ObjectMeta{
					Name:            set.Name + "-" + hash,
					Namespace:       set.Namespace,
					Labels:          lbls,
					Annotations:     maps.Clone(set.Annotations),
					OwnerReferences: []workload.OwnerReference{workload.NewControllerRef(set)},
				},
				Data:     data,
				Revision: next,
			}
			n, err := s.Create(cr)
			if errors.Is(err, store.ErrAlreadyExists) {
				o, gerr := s.Get("ControllerRevision", cr.Namespace, cr.Name)
				if gerr == nil && IsControlledBy(o, set.UID) && bytes.Equal(o.(*workload.ControllerRevision).Data, data) {
					r.update = o.(*workload.ControllerRevision)
					break
				}
				cc := int32(0)
				if r.collisionCount != nil {
					cc = *r.collisionCount
				}
				r.collisionCount = workload.Ptr(cc + 1)
				continue
			}
			if err != nil {
				return r, fmt.Errorf("%s: %s: %w", workload.Ref(set), workload.Ref(cr), err)
			}
			r.update = n.(*workload.ControllerRevision)
			r.all = append(r.all, r.update)
		}
	}
	for _, cr := range r.all {
		if cr.Name == set.Status.CurrentRevision {
			r.current = cr
		}
	}
	if r.current == nil {
		r.current = r.update
	}
	return r, nil
}

// truncateHistory deletes revisions no pod uses, other than the current
// and update ones, beyond revisionHistoryLimit, oldest first.
func (c *statefulSetController) truncateHistory(set *workload.StatefulSet, pods []*workload.Pod, r stsRevisions) error {
	live := map[string]bool{r.current.Name: true, r.update.Name: true}
	for _, p := range pods {
		live[p.Labels[workload.ControllerRevisionHashLabel]] = true
	}
	var old []*workload.ControllerRevision
	for _, cr := range r.all {
		if !live[cr.Name] {
			old = append(old, cr)
		}
	}
	limit := 10
	if set.Spec.RevisionHistoryLimit != nil {
		limit = int(*set.Spec.RevisionHistoryLimit)
	}
	for i := 0; i < len(old)-limit; i++ {
		_, err := c.deps.Store.Delete("ControllerRevision", old[i].Namespace, old[i].Name,
			store.DeleteOptions{Preconditions: store.Preconditions{UID: old[i].UID}, NoResult: true})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// apply writes a decision: claims, then pods created, relabelled and
// deleted, and the claims' owner references. It reports whether a
// creation waits for a stale claim.
func (c *statefulSetController) apply(set *workload.StatefulSet, pods []*workload.Pod, d stsDecision) (bool, error) {
	s, ev := c.deps.Store, c.deps.Events
	// A pod's claims are found by name, as Kubernetes' GetClaim: one made
	// beforehand without the selector's labels is the pod's too.
	claims := stsClaims{store: s, namespace: set.Namespace, byName: map[string]*workload.PersistentVolumeClaim{}}
	start, n := stsStart(set), int(replicasOf(set.Spec.Replicas))
	inRange := func(p *workload.Pod) bool {
		ord := stsOrdinal(set.Name, p.Name)
		return ord >= start && ord < start+n
	}
	wait := false
	for _, p := range d.Create {
		ord := stsOrdinal(set.Name, p.Name)
		stale, err := c.ensureClaims(set, ord, claims)
		if err != nil {
			return false, err
		}
		if stale {
			wait = true
			if set.Spec.PodManagementPolicy != workload.ParallelPodManagement {
				break
			}
			continue
		}
		if _, err := s.Create(p); err != nil {
			ev.Eventf(set, workload.EventTypeWarning, EventFailedCreate, "create Pod %s in StatefulSet %s failed error: %v", p.Name, set.Name, err)
			return false, fmt.Errorf("%s: creating %s: %w", workload.Ref(set), workload.Ref(p), err)
		}
		ev.Eventf(set, workload.EventTypeNormal, EventSuccessfulCreate, "create Pod %s in StatefulSet %s successful", p.Name, set.Name)
	}
	for _, p := range d.Claims {
		// A claim that is being deleted, or still another pod's, is
		// left to a later sync.
		if _, err := c.ensureClaims(set, stsOrdinal(set.Name, p.Name), claims); err != nil {
			return false, err
		}
	}
	for _, p := range d.Relabel {
		// The pod-name label is the pod's name, which may be longer than
		// a label value (a set name of 63 characters): the API server
		// refuses the update (ValidateObjectMetaUpdate), and the store,
		// which does not validate a controller's writes, must not take it.
		err := workload.ValidateObjectMeta(p)
		if err == nil {
			_, err = s.Update(p)
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			ev.Eventf(set, workload.EventTypeWarning, "FailedUpdate", "update Pod %s in StatefulSet %s failed error: %v", p.Name, set.Name, err)
			return false, fmt.Errorf("%s: updating %s: %w", workload.Ref(set), workload.Ref(p), err)
		default:
			ev.Eventf(set, workload.EventTypeNormal, "SuccessfulUpdate", "update Pod %s in StatefulSet %s successful", p.Name, set.Name)
		}
	}
	// Claims of existing pods follow the retention policy before any pod
	// goes, so that a scaled-down pod takes its claims with it.
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if err := c.fixClaimOwners(set, p, inRange(p), claims); err != nil {
			return false, err
		}
	}
	for _, p := range d.Delete {
		if inRange(p) && IsPodTerminal(p) {
			// A replica that finished is deleted to be made again.
			if p.Status.Phase == workload.PodFailed {
				ev.Eventf(set, workload.EventTypeWarning, EventRecreatingFailedPod, "StatefulSet %s/%s is recreating failed Pod %s", set.Namespace, set.Name, p.Name)
			} else {
				ev.Eventf(set, workload.EventTypeNormal, EventRecreatingTerminatedPod, "StatefulSet %s/%s is recreating terminated Pod %s", set.Namespace, set.Name, p.Name)
			}
		}
		if err := DeletePod(s, p.Namespace, p.Name, nil); err != nil {
			ev.Eventf(set, workload.EventTypeWarning, EventFailedDelete, "delete Pod %s in StatefulSet %s failed error: %v", p.Name, set.Name, err)
			return false, fmt.Errorf("%s: deleting %s: %w", workload.Ref(set), workload.Ref(p), err)
		}
		ev.Eventf(set, workload.EventTypeNormal, EventSuccessfulDelete, "delete Pod %s in StatefulSet %s successful", p.Name, set.Name)
	}
	return wait, nil
}

// stsClaims finds a set's claims by name in the store (read-only, shared
// objects), remembering what it found and what a sync created.
type stsClaims struct {
	store     *store.Store
	namespace string
	byName    map[string]*workload.PersistentVolumeClaim
}

// get returns the claim of that name, or nil.
func (cs stsClaims) get(name string) *workload.PersistentVolumeClaim {
	if cl, ok := cs.byName[name]; ok {
		return cl
	}
	var cl *workload.PersistentVolumeClaim
	if o, err := cs.store.Peek("PersistentVolumeClaim", cs.namespace, name); err == nil {
		cl = o.(*workload.PersistentVolumeClaim)
	}
	cs.byName[name] = cl
	return cl
}

// ensureClaims creates the missing claims of ordinal ord, with an event
// for each as Kubernetes' recordClaimEvent; it reports stale when one
// still belongs to a scaled-down pod.
func (c *statefulSetController) ensureClaims(set *workload.StatefulSet, ord int, claims stsClaims) (stale bool, err error) {
	pod := stsPodName(set, ord)
	for i := range set.Spec.VolumeClaimTemplates {
		t := &set.Spec.VolumeClaimTemplates[i]
		name := claimName(set, t, ord)
		if have := claims.get(name); have != nil {
			if have.DeletionTimestamp != nil || slices.ContainsFunc(have.OwnerReferences, func(r workload.OwnerReference) bool { return r.Kind == "Pod" }) {
				stale = true
			}
			continue
		}
		pvc := t.DeepCopy()
		pvc.TypeMeta = workload.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"}
		pvc.ObjectMeta = workload.ObjectMeta{
			Name:        name,
			Namespace:   set.Namespace,
			Labels:      map[string]string{},
			Annotations: t.Annotations,
		}
		for k, v := range t.Labels {
			pvc.Labels[k] = v
		}
		for k, v := range set.Spec.Selector.MatchLabels {
			pvc.Labels[k] = v
		}
		pvc.OwnerReferences = claimOwners(set, nil, true, nil)
		pvc.Status.Phase = ClaimBound
		out, err := c.deps.Store.Create(pvc)
		if err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			c.deps.Events.Eventf(set, workload.EventTypeWarning, EventFailedCreate, "create Claim %s for Pod %s in StatefulSet %s failed error: %v", name, pod, set.Name, err)
			return false, fmt.Errorf("%s: creating %s: %w", workload.Ref(set), workload.Ref(pvc), err)
		}
		if err == nil {
			claims.byName[name] = out.(*workload.PersistentVolumeClaim)
			c.deps.Events.Eventf(set, workload.EventTypeNormal, EventSuccessfulCreate, "create Claim %s Pod %s in StatefulSet %s success", name, pod, set.Name)
		}
	}
	return stale, nil
}

// fixClaimOwners brings the owner references of a pod's claims in line
// with the retention policy.
func (c *statefulSetController) fixClaimOwners(set *workload.StatefulSet, p *workload.Pod, inRange bool, claims stsClaims) error {
	ord := stsOrdinal(set.Name, p.Name)
	for i := range set.Spec.VolumeClaimTemplates {
		cl := claims.get(claimName(set, &set.Spec.VolumeClaimTemplates[i], ord))
		if cl == nil || cl.DeletionTimestamp != nil {
			continue
		}
		want := claimOwners(set, p, inRange, cl.OwnerReferences)
		if reflect.DeepEqual(want, cl.OwnerReferences) || (len(want) == 0 && len(cl.OwnerReferences) == 0) {
			continue
		}
		cp := cl.DeepCopy()
		cp.OwnerReferences = want
		if _, err := c.deps.Store.Update(cp); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s: updating %s: %w", workload.Ref(set), workload.Ref(cp), err)
		}
	}
	return nil
}
