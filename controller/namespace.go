package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// namespaceController empties a Namespace being deleted, as Kubernetes'
// namespace controller does (pkg/controller/namespace/deletion,
// namespacedResourcesDeleter): the Namespace is Terminating from the delete
// call on (the store marks it; new content is refused), every object in its
// namespace is deleted (pods first, gracefully, with their grace periods,
// and the rest only once no pod is left, as Kubernetes' ordered namespace
// deletion; owners in the background), and once none is left
// the controller removes its "kubernetes" finalizer from spec.finalizers, so
// that the Namespace goes, and the Recorder forgets the namespace's events
// (Event objects, which the namespace's deletion deletes in Kubernetes). An object that never goes (one with a finalizer
// nobody removes) keeps the Namespace Terminating, as in Kubernetes. The
// status conditions Kubernetes reports on the way (NamespaceContentRemaining
// and the like) are not modelled.
type namespaceController struct {
	deps Deps
	// terminating holds the namespaces whose Namespace is being deleted.
	terminating map[string]bool
}

// NewNamespace returns the namespace controller.
func NewNamespace(deps Deps) Controller { return &namespaceController{deps: deps} }

// Name returns "namespace".
func (n *namespaceController) Name() string { return "namespace" }

// Start queues every Namespace being deleted.
func (n *namespaceController) Start(enqueue func(string)) {
	n.terminating = map[string]bool{}
	for _, o := range n.deps.Store.List("Namespace", "", nil) {
		if m := o.GetObjectMeta(); m.DeletionTimestamp != nil {
			n.terminating[m.Name] = true
			enqueue(m.Name)
		}
	}
}

// Handle queues a Namespace whose deletion starts, and a terminating one
// whenever an object in it goes.
func (n *namespaceController) Handle(ev store.Event, enqueue func(string)) {
	if ns, ok := ev.Object.(*workload.Namespace); ok {
		switch {
		case ev.Type == store.Deleted:
			delete(n.terminating, ns.Name)
		case ns.DeletionTimestamp != nil:
			n.terminating[ns.Name] = true
			enqueue(ns.Name)
		}
		return
	}
	if len(n.terminating) == 0 || ev.Type != store.Deleted {
		return
	}
	if m := ev.Object.GetObjectMeta(); n.terminating[m.Namespace] {
		enqueue(m.Namespace)
	}
}

// Reconcile deletes what is left in a terminating namespace, and finalizes
// the Namespace once nothing is.
func (n *namespaceController) Reconcile(ctx context.Context, name string) (Result, error) {
	o, err := n.deps.Store.Peek("Namespace", "", name)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	ns := o.(*workload.Namespace)
	if ns.DeletionTimestamp == nil {
		return Result{}, nil
	}
	var rem nsRemaining
	var failed []error
	for _, kind := range nsDeletionOrder {
		if kind != "Pod" && rem.total > 0 {
			// Kubernetes' ordered namespace deletion (KEP-5080,
			// OrderedNamespaceDeletion, on for good since 1.34): the
			// pods first, the rest once none is left, so that what
			// guards them (a Service, a policy) outlives them.
			break
		}
		var kindErr error
		for _, obj := range n.deps.Store.List(kind, name, nil) {
			m := obj.GetObjectMeta()
			if m.DeletionTimestamp != nil {
				rem.add(kind, m.Finalizers) // going: its Deleted event queues the namespace again
				continue
			}
			if kind == "Pod" {
				err = DeletePod(n.deps.Store, name, m.Name, nil)
			} else {
				_, err = n.deps.Store.Delete(kind, name, m.Name, store.DeleteOptions{PropagationPolicy: store.DeleteBackground, NoResult: true})
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) && kindErr == nil {
				kindErr = err
			}
			if o, err := n.deps.Store.Peek(kind, name, m.Name); err == nil {
				rem.add(kind, o.GetObjectMeta().Finalizers)
			}
		}
		if kindErr != nil {
			failed = append(failed, kindErr)
		}
	}
	if err := n.updateConditions(ns, &rem, failed); err != nil && !errors.Is(err, store.ErrNotFound) {
		return Result{}, err
	}
	if len(failed) > 0 {
		return Result{}, errors.Join(failed...)
	}
	if rem.total > 0 {
		// Each object left queues the namespace again when it goes (its
		// Deleted event): no timer is needed, and a namespace held by an
		// object that never goes costs nothing while it waits.
		return Result{}, nil
	}
	if !slices.Contains(ns.Spec.Finalizers, workload.FinalizerKubernetes) {
		return Result{}, nil
	}
	cur := ns
	if o, err := n.deps.Store.Peek("Namespace", "", name); err == nil {
		// With the conditions just written.
		cur = o.(*workload.Namespace)
	}
	c := cur.DeepCopy()
	c.Spec.Finalizers = slices.DeleteFunc(c.Spec.Finalizers, func(f string) bool { return f == workload.FinalizerKubernetes })
	if len(c.Spec.Finalizers) == 0 {
		c.Spec.Finalizers = nil
	}
	// The finalize subresource: the store removes a Namespace being
	// deleted once it has no finalizer left.
	_, err = n.deps.Store.Update(c, store.NoResult)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, nil
	}
	if err == nil {
		// Its Event objects went with the rest of its content.
		n.deps.Events.ForgetNamespace(name)
	}
	return Result{}, err
}

// nsDeletionOrder is the order the namespaced kinds are deleted in: Pod
// first (see Reconcile).
var nsDeletionOrder = func() []string {
	out := []string{"Pod"}
	for _, k := range workload.Kinds {
		if k != "Pod" && !workload.IsClusterScoped(k) {
			out = append(out, k)
		}
	}
	return out
}()

// nsRemaining counts what is left in a namespace being deleted, by kind
// and by finalizer (the runtime's own finalizer, which stands for the
// kubelet still stopping a pod, left out).
type nsRemaining struct {
	total      int
	byKind     map[string]int
	byFinalize map[string]int
}

func (r *nsRemaining) add(kind string, finalizers []string) {
	if r.byKind == nil {
		r.byKind, r.byFinalize = map[string]int{}, map[string]int{}
	}
	r.total++
	r.byKind[kind]++
	for _, f := range finalizers {
		if f != RuntimeFinalizer {
			r.byFinalize[f]++
		}
	}
}

// nsResource names kind's resource as the namespace controller's
// conditions do: plural and API group ("pods.", "deployments.apps").
func nsResource(kind string) string {
	plural := strings.ToLower(kind) + "s"
	if kind == "Endpoints" {
		plural = "endpoints"
	}
	group, _, ok := strings.Cut(workload.APIVersionOf(kind), "/")
	if !ok {
		group = ""
	}
	return plural + "." + group
}

// nsConditionOK holds the reason and message of each condition the
// namespace controller maintains when nothing is wrong (Kubernetes'
// status_condition_utils.go okReasons and okMessages), in its order.
var nsConditionOK = []struct{ typ, reason, message string }{
	{workload.NamespaceDeletionDiscoveryFailure, "ResourcesDiscovered", "All resources successfully discovered"},
	{workload.NamespaceDeletionGVParsingFailure, "ParsedGroupVersions", "All legacy kube types successfully parsed"},
	{workload.NamespaceDeletionContentFailure, "ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
	{workload.NamespaceContentRemaining, "ContentRemoved", "All content successfully removed"},
	{workload.NamespaceFinalizersRemaining, "ContentHasNoFinalizers", "All content-preserving finalizers finished"},
}

// updateConditions writes the Namespace's deletion conditions as
// Kubernetes' namespace deleter does (namespaceConditionUpdater): each of
// the five is True with what is wrong (resources remaining by resource,
// finalizers remaining by finalizer, deletions that failed), else False
// with its ok reason; lastTransitionTime moves only when the status
// does. An unchanged set is not written.
func (n *namespaceController) updateConditions(ns *workload.Namespace, rem *nsRemaining, failed []error) error {
	now := workload.NewTime(n.deps.Clock.Now())
	bad := map[string]workload.NamespaceCondition{}
	if len(rem.byKind) > 0 {
		var parts []string
		for kind, k := range rem.byKind {
			parts = append(parts, fmt.Sprintf("%s has %d resource instances", nsResource(kind), k))
		}
		sort.Strings(parts)
		bad[workload.NamespaceContentRemaining] = workload.NamespaceCondition{Reason: "SomeResourcesRemain",
			Message: "Some resources are remaining: " + strings.Join(parts, ", ")}
	}
	if len(rem.byFinalize) > 0 {
		var parts []string
		for f, k := range rem.byFinalize {
			parts = append(parts, fmt.Sprintf("%s in %d resource instances", f, k))
		}
		sort.Strings(parts)
		bad[workload.NamespaceFinalizersRemaining] = workload.NamespaceCondition{Reason: "SomeFinalizersRemain",
			Message: "Some content in the namespace has finalizers remaining: " + strings.Join(parts, ", ")}
	}
	if len(failed) > 0 {
		msgs := make([]string, len(failed))
		for i, e := range failed {
			msgs[i] = e.Error()
		}
		sort.Strings(msgs)
		bad[workload.NamespaceDeletionContentFailure] = workload.NamespaceCondition{Reason: "ContentDeletionFailed",
			Message: fmt.Sprintf("Failed to delete all resource types, %d remaining: %s", len(failed), strings.Join(msgs, ", "))}
	}
	c := ns.DeepCopy()
	changed := false
	for _, ok := range nsConditionOK {
		want := workload.NamespaceCondition{Type: ok.typ, Status: workload.ConditionFalse, Reason: ok.reason, Message: ok.message}
		if b, isBad := bad[ok.typ]; isBad {
			want.Status, want.Reason, want.Message = workload.ConditionTrue, b.Reason, b.Message
		}
		i := slices.IndexFunc(c.Status.Conditions, func(x workload.NamespaceCondition) bool { return x.Type == ok.typ })
		if i < 0 {
			want.LastTransitionTime = now
			c.Status.Conditions = append(c.Status.Conditions, want)
			changed = true
			continue
		}
		old := &c.Status.Conditions[i]
		if old.Status == want.Status && old.Reason == want.Reason && old.Message == want.Message {
			continue
		}
		if old.Status != want.Status {
			old.LastTransitionTime = now
		}
		old.Status, old.Reason, old.Message = want.Status, want.Reason, want.Message
		changed = true
	}
	if !changed {
		return nil
	}
	_, err := n.deps.Store.UpdateStatus(c, store.NoResult)
	return err
}
