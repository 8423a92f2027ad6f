package controller

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// GarbageCollector deletes dependents whose owners are gone, as Kubernetes'
// garbage collector does with ownerReferences:
//
//   - Background (the default): the owner goes at once; then every
//     dependent whose owners are all gone is deleted (pods gracefully), and
//     a dependent that still has a live owner only loses the dangling
//     reference.
//   - Foreground: the owner stays, with deletionTimestamp and the
//     foregroundDeletion finalizer, while its dependents are deleted (also
//     in the foreground); the finalizer is removed, and the owner goes, when
//     no dependent that blocks owner deletion is left.
//   - Orphan: the owner stays with the orphan finalizer until the
//     references to it are removed from its dependents, which then live on.
//
// Dependents live in the owner's namespace (or are cluster-scoped owners'
// dependents anywhere), as in Kubernetes: a reference to a namespaced
// owner in another namespace is treated as absent (with a Warning event,
// OwnerRefInvalidNamespace); a cluster-scoped object (a Node, a
// Namespace) that names an owner of a namespaced kind has an
// unresolvable reference and is never garbage collected (the same event
// when that owner exists). A dependent that blocks a foreground
// deletion but has another live owner only loses its reference to the
// owner being deleted, which then no longer waits for it.
type GarbageCollector struct {
	deps Deps
	// live maps the uid of every object in the store to its kind,
	// namespace and name, in 24 bytes (150,000 pods are 150,000 entries).
	// kinds are the kinds that liveRef.kind indexes, kindIdx their
	// indexes.
	live    map[string]liveRef
	kinds   []string
	kindIdx map[string]uint16
	// reported holds "<dependent uid>/<owner uid>" for each namespaced
	// owner of a cluster-scoped object already reported with an
	// OwnerRefInvalidNamespace event.
	reported map[string]bool
}

type objRef struct{ kind, namespace, name string }

// liveRef is an objRef kept small: the object's store key ("namespace/name",
// or the name of a cluster-scoped object: one string, the one its watch
// events carry), the length of its namespace in key, and its kind as an
// index in GarbageCollector.kinds.
type liveRef struct {
	key   string
	nsLen int32
	kind  uint16
}

// liveRef returns the liveRef of the object of kind with that key,
// namespace and name (key is workload.Key's, namespace/name).
func (g *GarbageCollector) liveRef(kind, key, namespace string) liveRef {
	i, ok := g.kindIdx[kind]
	if !ok {
		i = uint16(len(g.kinds))
		g.kinds = append(g.kinds, kind)
		g.kindIdx[kind] = i
	}
	return liveRef{key: key, nsLen: int32(len(namespace)), kind: i}
}

// ref returns the objRef l stands for.
func (g *GarbageCollector) ref(l liveRef) objRef {
	if l.nsLen == 0 {
		return objRef{g.kinds[l.kind], "", l.key}
	}
	return objRef{g.kinds[l.kind], l.key[:l.nsLen], l.key[l.nsLen+1:]}
}

func (r objRef) String() string { return r.kind + "/" + r.namespace + "/" + r.name }

func parseObjRef(s string) objRef {
	parts := strings.SplitN(s, "/", 3)
	if len(parts) != 3 {
		return objRef{}
	}
	return objRef{parts[0], parts[1], parts[2]}
}

// NewGarbageCollector returns the garbage collector.
func NewGarbageCollector(deps Deps) Controller {
	return &GarbageCollector{deps: deps}
}

// Name returns "garbage-collector".
func (g *GarbageCollector) Name() string { return "garbage-collector" }

// Keys: "owner:<uid>" handles the dependents of a deleted owner;
// "object:<kind>/<ns>/<name>" handles one object (its finalizers and its
// own owner references).

// Start indexes every object and checks those with owners or finalizers.
func (g *GarbageCollector) Start(enqueue func(string)) {
	g.live = map[string]liveRef{}
	g.reported = nil
	g.kinds, g.kindIdx = nil, map[string]uint16{}
	for _, kind := range workload.Kinds {
		if kind == "Event" {
			continue
		}
		for _, o := range g.deps.Store.List(kind, "", nil) {
			m := o.GetObjectMeta()
			g.live[m.UID] = g.liveRef(kind, workload.Key(o), m.Namespace)
		}
	}
	for _, kind := range workload.Kinds {
		if kind == "Event" {
			continue
		}
		for _, o := range g.deps.Store.List(kind, "", nil) {
			m := o.GetObjectMeta()
			if len(m.OwnerReferences) > 0 || m.DeletionTimestamp != nil {
				enqueue("object:" + objRef{kind, m.Namespace, m.Name}.String())
			}
		}
	}
}

// Handle tracks live objects and queues the work deletions cause.
func (g *GarbageCollector) Handle(ev store.Event, enqueue func(string)) {
	o := ev.Object
	kind := o.Kind()
	if kind == "Event" {
		return
	}
	m := o.GetObjectMeta()
	ref := objRef{kind, m.Namespace, m.Name}
	if ev.Type == store.Deleted {
		if cur, ok := g.live[m.UID]; ok && g.ref(cur) == ref {
			delete(g.live, m.UID)
		}
		if len(g.reported) > 0 && m.Namespace == "" {
			for _, or := range m.OwnerReferences {
				delete(g.reported, m.UID+"/"+or.UID)
			}
		}
		enqueue("owner:" + m.UID)
		// An owner waiting in the foreground for this dependent may now
		// be done.
		for _, or := range m.OwnerReferences {
			if owner, ok := g.live[or.UID]; ok {
				enqueue("object:" + g.ref(owner).String())
			}
		}
		return
	}
	if ev.Type == store.Added {
		// An update keeps the uid, kind, namespace and name: the object
		// is indexed since its Added event (or Start's list).
		g.live[m.UID] = g.liveRef(kind, ev.ObjectKey(), m.Namespace)
	}
	if m.DeletionTimestamp != nil && (slices.Contains(m.Finalizers, store.FinalizerForeground) || slices.Contains(m.Finalizers, store.FinalizerOrphan)) {
		enqueue("object:" + ref.String())
	}
	for _, or := range m.OwnerReferences {
		if !g.ownerAlive(m.Namespace, or) {
			enqueue("object:" + ref.String())
			break
		}
	}
}

// Reconcile handles one key.
func (g *GarbageCollector) Reconcile(ctx context.Context, key string) (Result, error) {
	if uid, ok := strings.CutPrefix(key, "owner:"); ok {
		return Result{}, g.ownerGone(uid)
	}
	if r, ok := strings.CutPrefix(key, "object:"); ok {
		return Result{}, g.object(parseObjRef(r))
	}
	return Result{}, nil
}

// dependents returns the objects whose owner references name uid, in the
// owner's namespace unless the owner is cluster-scoped.
func (g *GarbageCollector) dependents(uid, namespace string, clusterScoped bool) []workload.Object {
	var out []workload.Object
	for _, kind := range workload.Kinds {
		if kind == "Event" {
			continue
		}
		for _, o := range g.deps.Store.ListByOwner(kind, uid) {
			if clusterScoped || o.GetObjectMeta().Namespace == namespace {
				out = append(out, o)
			}
		}
	}
	return out
}

// ownerGone deletes or releases the dependents of an owner that is gone.
func (g *GarbageCollector) ownerGone(uid string) error {
	if _, ok := g.live[uid]; ok {
		return nil
	}
	var errs []error
	for _, kind := range workload.Kinds {
		if kind == "Event" {
			continue
		}
		for _, d := range g.deps.Store.ListByOwner(kind, uid) {
			errs = append(errs, g.object(objRef{kind, d.GetObjectMeta().Namespace, d.GetObjectMeta().Name}))
		}
	}
	return errors.Join(errs...)
}

// object applies the garbage collector's rules to one object: its
// foreground or orphan finalizer, and its owner references.
func (g *GarbageCollector) object(r objRef) error {
	s := g.deps.Store
	o, err := s.Get(r.kind, r.namespace, r.name)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	m := o.GetObjectMeta()
	if m.DeletionTimestamp != nil {
		if slices.Contains(m.Finalizers, store.FinalizerOrphan) {
			return g.orphan(o)
		}
		if slices.Contains(m.Finalizers, store.FinalizerForeground) {
			return g.foreground(o)
		}
	}
	if len(m.OwnerReferences) == 0 {
		return nil
	}
	if workload.IsClusterScoped(r.kind) && g.namespacedOwnerOfClusterScoped(o) {
		return nil
	}
	var alive, dangling []workload.OwnerReference
	for _, or := range m.OwnerReferences {
		if g.ownerAlive(m.Namespace, or) {
			alive = append(alive, or)
			continue
		}
		dangling = append(dangling, or)
		if owner, ok := g.live[or.UID]; ok && owner.nsLen != 0 && g.ref(owner).namespace != m.Namespace {
			// Kubernetes' attemptToDeleteItem: a namespaced owner in
			// another namespace is treated as absent.
			g.deps.Events.Eventf(o, workload.EventTypeWarning, "OwnerRefInvalidNamespace",
				"ownerRef [%s/%s, namespace: %s, name: %s, uid: %s] does not exist in namespace %q",
				or.APIVersion, or.Kind, m.Namespace, or.Name, or.UID, m.Namespace)
		}
	}
	if len(dangling) == 0 {
		return nil
	}
	if len(alive) > 0 {
		// Some owner lives: only drop the references to the gone ones.
		c := o.DeepCopyObject()
		c.GetObjectMeta().OwnerReferences = alive
		c.GetObjectMeta().ResourceVersion = m.ResourceVersion
		_, err := s.Update(c)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	if m.DeletionTimestamp != nil {
		return nil
	}
	g.deps.Logger.Debug("garbage collecting", "object", workload.Ref(o))
	return g.deleteDependent(o, "")
}

// namespacedOwnerOfClusterScoped reports whether the cluster-scoped o
// names an owner of a kind that is not cluster-scoped, and then reports
// each such owner that exists in a namespace with a Warning event
// OwnerRefInvalidNamespace, once per owner. As Kubernetes' garbage
// collector, which finds such a reference unresolvable
// (namespacedOwnerOfClusterScopedObjectErr in attemptToDeleteItem): o is
// then neither deleted nor changed, whatever its other owners.
func (g *GarbageCollector) namespacedOwnerOfClusterScoped(o workload.Object) bool {
	m := o.GetObjectMeta()
	found := false
	for _, or := range m.OwnerReferences {
		if workload.IsClusterScopedKind(or.Kind) {
			continue
		}
		found = true
		owner, ok := g.live[or.UID]
		if !ok || owner.nsLen == 0 {
			continue
		}
		key := m.UID + "/" + or.UID
		if g.reported[key] {
			continue
		}
		if g.reported == nil {
			g.reported = map[string]bool{}
		}
		g.reported[key] = true
		g.deps.Events.Eventf(o, workload.EventTypeWarning, "OwnerRefInvalidNamespace",
			"ownerRef [%s/%s, namespace: %s, name: %s, uid: %s] does not exist in namespace %q",
			or.APIVersion, or.Kind, m.Namespace, or.Name, or.UID, m.Namespace)
	}
	return found
}

// ownerAlive reports whether the owner that or names exists, for a
// dependent in namespace ns: same uid, kind and name, and, for a
// namespaced owner, the dependent's namespace.
func (g *GarbageCollector) ownerAlive(ns string, or workload.OwnerReference) bool {
	l, ok := g.live[or.UID]
	if !ok {
		return false
	}
	owner := g.ref(l)
	return owner.kind == or.Kind && owner.name == or.Name && (owner.namespace == "" || owner.namespace == ns)
}

func (g *GarbageCollector) deleteDependent(o workload.Object, policy string) error {
	m := o.GetObjectMeta()
	var err error
	if o.Kind() == "Pod" {
		// The pod strategy's grace period whatever the policy: 0 for a
		// pod that is not scheduled or has finished.
		err = DeletePodWithPolicy(g.deps.Store, m.Namespace, m.Name, nil, policy)
	} else {
		_, err = g.deps.Store.Delete(o.Kind(), m.Namespace, m.Name, store.DeleteOptions{
			PropagationPolicy: policy, Preconditions: store.Preconditions{UID: m.UID}, NoResult: true,
		})
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

// foreground deletes an owner's dependents (in the foreground too, those
// that have dependents) and removes its finalizer once none that blocks
// owner deletion is left.
func (g *GarbageCollector) foreground(o workload.Object) error {
	m := o.GetObjectMeta()
	blocking := 0
	var errs []error
	for _, d := range g.dependents(m.UID, m.Namespace, workload.IsClusterScoped(o.Kind())) {
		dm := d.GetObjectMeta()
		if dm.DeletionTimestamp == nil && slices.ContainsFunc(dm.OwnerReferences, func(or workload.OwnerReference) bool {
			return or.UID != m.UID && g.ownerAlive(dm.Namespace, or)
		}) {
			// A dependent with another live owner only loses this
			// reference, and then no longer blocks (attemptToDeleteItem).
			if err := g.dropOwnerRef(d, m.UID); err != nil {
				errs = append(errs, err)
				blocking++
			}
			continue
		}
		if slices.ContainsFunc(dm.OwnerReferences, func(or workload.OwnerReference) bool {
			return or.UID == m.UID && or.BlockOwnerDeletion != nil && *or.BlockOwnerDeletion
		}) {
			blocking++
		}
		if dm.DeletionTimestamp == nil {
			// In the foreground too if it has dependents of its own,
			// else in the background (Kubernetes' attemptToDeleteItem:
			// an owner waiting for its dependents and the item's
			// dependentsLength), so that a pod gets no foregroundDeletion
			// finalizer.
			policy := ""
			if len(g.dependents(dm.UID, dm.Namespace, workload.IsClusterScoped(d.Kind()))) > 0 {
				policy = store.DeleteForeground
			}
			errs = append(errs, g.deleteDependent(d, policy))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if blocking > 0 {
		return nil // a dependent's deletion requeues this owner
	}
	return g.removeFinalizer(o, store.FinalizerForeground)
}

// orphan removes the references to an owner from its dependents, then its
// orphan finalizer.
func (g *GarbageCollector) orphan(o workload.Object) error {
	m := o.GetObjectMeta()
	for _, d := range g.dependents(m.UID, m.Namespace, workload.IsClusterScoped(o.Kind())) {
		if err := g.dropOwnerRef(d, m.UID); err != nil {
			return err
		}
	}
	return g.removeFinalizer(o, store.FinalizerOrphan)
}

func (g *GarbageCollector) dropOwnerRef(d workload.Object, uid string) error {
	c := d.DeepCopyObject()
	cm := c.GetObjectMeta()
	cm.OwnerReferences = slices.DeleteFunc(cm.OwnerReferences, func(r workload.OwnerReference) bool { return r.UID == uid })
	_, err := g.deps.Store.Update(c)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func (g *GarbageCollector) removeFinalizer(o workload.Object, f string) error {
	c := o.DeepCopyObject()
	cm := c.GetObjectMeta()
	cm.Finalizers = slices.DeleteFunc(cm.Finalizers, func(x string) bool { return x == f })
	_, err := g.deps.Store.Update(c)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
