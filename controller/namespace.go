package controller

import (
	"context"
	"errors"
	"slices"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// namespaceController empties a Namespace being deleted, as Kubernetes'
// namespace controller does (pkg/controller/namespace/deletion,
// namespacedResourcesDeleter): the Namespace is Terminating from the delete
// call on (the store marks it; new content is refused), every object in its
// namespace is deleted (pods gracefully, with their grace periods; owners in
// the background, their dependents going with them), and once none is left
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
	left := 0
	for _, kind := range workload.Kinds {
		if workload.IsClusterScoped(kind) {
			continue
		}
		for _, obj := range n.deps.Store.List(kind, name, nil) {
			left++
			m := obj.GetObjectMeta()
			if m.DeletionTimestamp != nil {
				continue // going: its Deleted event queues the namespace again
			}
			if kind == "Pod" {
				err = DeletePod(n.deps.Store, name, m.Name, nil)
			} else {
				_, err = n.deps.Store.Delete(kind, name, m.Name, store.DeleteOptions{NoResult: true})
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return Result{}, err
			}
		}
	}
	if left > 0 {
		// Each object left queues the namespace again when it goes (its
		// Deleted event): no timer is needed, and a namespace held by an
		// object that never goes costs nothing while it waits.
		return Result{}, nil
	}
	if !slices.Contains(ns.Spec.Finalizers, workload.FinalizerKubernetes) {
		return Result{}, nil
	}
	c := ns.DeepCopy()
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
