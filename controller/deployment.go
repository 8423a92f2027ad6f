package controller

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// NewDeployment returns the Deployment controller: it rolls a
// Deployment's pod template out through ReplicaSets, following
// Kubernetes' apps/v1 deployment controller (pkg/controller/deployment:
// sync.go, rolling.go, recreate.go, progress.go, util/deployment_util.go).
// The ReplicaSet controller (NewReplicaSet) makes the pods.
//
//   - ReplicaSets: one per pod template, named "<deploy>-<hash>", where
//     the hash (TemplateHash of the template and status.collisionCount)
//     is the pod-template-hash label on the ReplicaSet, its selector and
//     its template. The new ReplicaSet is the oldest whose template
//     equals the Deployment's, ignoring that label; it carries the
//     revision annotation deployment.kubernetes.io/revision = 1 + the
//     highest revision of the others, so an old ReplicaSet brought back
//     by applying its template again (a rollback) gets a new revision,
//     its former one going to the revision-history annotation (a
//     revision that is not an integer is left as it is).
//     The Deployment carries its new ReplicaSet's revision too. The new
//     ReplicaSet carries the Deployment's annotations (but kubectl's
//     last-applied-configuration and the revision and replica ones),
//     copied again on every sync when added or changed, so that a
//     kubernetes.io/change-cause set later still reaches it. A name
//     taken by a ReplicaSet of another template bumps collisionCount.
//     ReplicaSets without a controller that match the selector are
//     adopted.
//   - RollingUpdate: maxSurge (rounded up) and maxUnavailable (rounded
//     down), ints or percentages of replicas; both 0 makes maxUnavailable
//     1. The new ReplicaSet grows while all ReplicaSets together ask for at
//     most replicas + maxSurge pods; old ones shrink, oldest first, their
//     unavailable pods first, while replicas - maxUnavailable pods stay
//     available.
//   - Recreate: old ReplicaSets go to 0; once none of their pods is left
//     (terminating ones included), the new ReplicaSet is created with
//     replicas.
//   - Scaling a Deployment during a rollout scales its active ReplicaSets
//     proportionally (the desired-replicas and max-replicas annotations).
//   - paused: no rollout progress, only scaling; Progressing is Unknown
//     with reason DeploymentPaused, then DeploymentResumed on resume.
//   - progressDeadlineSeconds: Progressing is True (NewReplicaSetCreated,
//     FoundNewReplicaSet, ReplicaSetUpdated on each progress,
//     NewReplicaSetAvailable when complete) and turns False with reason
//     ProgressDeadlineExceeded once the deadline (the condition's
//     lastUpdateTime plus progressDeadlineSeconds) has strictly passed with
//     no progress; the Deployment is requeued a second after the deadline
//     (DeploymentTimedOut, requeueStuckDeployment).
//     A new ReplicaSet the store refuses makes Progressing False with
//     reason ReplicaSetCreateError and a Warning event of that reason
//     (but in a namespace being deleted).
//   - revisionHistoryLimit: once a rollout is complete (or while paused),
//     old ReplicaSets with no pods beyond the limit are deleted, lowest
//     revision first (by creation for equal revisions, or when either is
//     not an integer).
//   - Status: observedGeneration, replicas, updatedReplicas,
//     readyReplicas, availableReplicas, unavailableReplicas,
//     terminatingReplicas (the sum of the ReplicaSets'), collisionCount,
//     and the Available (MinimumReplicasAvailable when
//     replicas - maxUnavailable pods are available) and Progressing
//     conditions, and ReplicaFailure copied from a ReplicaSet that has it
//     (the new one first) while it has it. Events: ScalingReplicaSet ("Scaled up replica set
//     web-5d8f from 0 to 3").
//
// Where orchestra differs, deliberately:
//
//   - Template equality compares the templates' JSON forms (nil and empty
//     are the same), rather than apimachinery's semantic equality.
//   - Owned ReplicaSets whose labels stop matching are not released, and
//     the deprecated rollbackTo annotation is not supported: roll back by
//     applying the older template.
func NewDeployment(deps Deps) Controller {
	return &deploymentController{deps: deps}
}

// deploymentController is the Deployment controller (see NewDeployment).
type deploymentController struct {
	deps Deps
	// byNS caches the Deployments' selectors, to find the Deployment that
	// may adopt a ReplicaSet without a controller.
	byNS map[string]map[string]*parsedSelector
}

// Name returns "deployment".
func (c *deploymentController) Name() string { return "deployment" }

// Start enqueues every Deployment.
func (c *deploymentController) Start(enqueue func(string)) {
	c.byNS = map[string]map[string]*parsedSelector{}
	for _, o := range c.deps.Store.List("Deployment", "", nil) {
		c.setSelector(o.(*workload.Deployment))
		enqueue(workload.Key(o))
	}
}

func (c *deploymentController) setSelector(d *workload.Deployment) {
	ns := c.byNS[d.Namespace]
	if ns == nil {
		ns = map[string]*parsedSelector{}
		c.byNS[d.Namespace] = ns
	}
	key := workload.Key(d)
	p := ns[key]
	if p == nil {
		p = &parsedSelector{}
		ns[key] = p
	}
	p.of(d.Spec.Selector)
}

// Handle enqueues the Deployment a change concerns: the Deployment; the
// controller of a ReplicaSet (or, for one without a controller, every
// Deployment of its namespace that selects it); the Deployment of a pod's
// ReplicaSet when the pod is gone (Recreate waits for that).
func (c *deploymentController) Handle(ev store.Event, enqueue func(string)) {
	switch o := ev.Object.(type) {
	case *workload.Deployment:
		if ev.Type == store.Deleted {
			if ns := c.byNS[o.Namespace]; ns != nil {
				delete(ns, workload.Key(o))
			}
		} else {
			c.setSelector(o)
		}
		enqueue(workload.Key(o))
	case *workload.ReplicaSet:
		if ref := workload.ControllerOf(o); ref != nil {
			if ref.Kind == "Deployment" {
				enqueue(o.Namespace + "/" + ref.Name)
			}
			return
		}
		if ev.Type == store.Deleted {
			return
		}
		var keys []string
		for k, p := range c.byNS[o.Namespace] {
			// A selector that does not parse (sel nil) selects nothing.
			if sel := p.sel; sel != nil && !sel.Empty() && sel.Matches(labels.Set(o.Labels)) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			enqueue(k)
		}
	case *workload.Pod:
		if ev.Type != store.Deleted {
			return
		}
		ref := workload.ControllerOf(o)
		if ref == nil || ref.Kind != "ReplicaSet" {
			return
		}
		rs, err := c.deps.Store.Peek("ReplicaSet", o.Namespace, ref.Name)
		if err != nil {
			return
		}
		if dref := workload.ControllerOf(rs); dref != nil && dref.Kind == "Deployment" {
			enqueue(o.Namespace + "/" + dref.Name)
		}
	}
}

// Reconcile syncs one Deployment.
func (c *deploymentController) Reconcile(ctx context.Context, key string) (Result, error) {
	s := c.deps.Store
	ns, name, _ := strings.Cut(key, "/")
	o, err := s.Peek("Deployment", ns, name)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	d := o.(*workload.Deployment)
	sel, err := c.byNS[ns][key].parse(d.Spec.Selector)
	if err != nil {
		return Result{}, fmt.Errorf("%s: spec.selector: %v: %w", workload.Ref(d), err, ErrPermanent)
	}
	if sel.Empty() {
		c.deps.Events.Eventf(d, workload.EventTypeWarning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
		return Result{}, nil
	}
	rss, err := c.replicaSets(d, sel)
	if err != nil {
		return Result{}, err
	}
	obs := deployObserved{ReplicaSets: rss}
	if d.Spec.Strategy.Type == workload.RecreateStrategy {
		obs.OldPods = map[string]int{}
		for _, rs := range rss {
			n := 0
			for _, po := range s.ListByOwner("Pod", rs.UID) {
				if p := po.(*workload.Pod); IsControlledBy(p, rs.UID) && !IsPodTerminal(p) {
					n++
				}
			}
			obs.OldPods[rs.UID] = n
		}
	}
	plan := planDeployment(d, obs, c.deps.Clock.Now())
	return c.apply(d, plan)
}

// replicaSets returns the ReplicaSets d controls, adopting orphans its
// selector matches.
func (c *deploymentController) replicaSets(d *workload.Deployment, sel labels.Selector) ([]*workload.ReplicaSet, error) {
	var out []*workload.ReplicaSet
	for _, o := range c.deps.Store.ListByOwner("ReplicaSet", d.UID) {
		if IsControlledBy(o, d.UID) {
			out = append(out, o.(*workload.ReplicaSet))
		}
	}
	if d.DeletionTimestamp != nil {
		return out, nil
	}
	for _, o := range c.deps.Store.List("ReplicaSet", d.Namespace, sel) {
		rs := o.(*workload.ReplicaSet)
		if workload.ControllerOf(rs) != nil || rs.DeletionTimestamp != nil {
			continue
		}
		rs.OwnerReferences = append(rs.OwnerReferences, workload.NewControllerRef(d))
		n, err := c.deps.Store.Update(rs)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: adopting %s: %w", workload.Ref(d), workload.Ref(rs), err)
		}
		out = append(out, n.(*workload.ReplicaSet))
	}
	return out, nil
}

// apply writes a plan: the new ReplicaSet, scaled ReplicaSets, deleted
// ones, events, the revision annotation and the status.
func (c *deploymentController) apply(d *workload.Deployment, plan deployPlan) (Result, error) {
	s, ev := c.deps.Store, c.deps.Events
	if rs := plan.Create; rs != nil {
		rs.CreationTimestamp = workload.Time{}
		_, err := s.Create(rs)
		if errors.Is(err, store.ErrAlreadyExists) {
			return c.collision(d, rs)
		}
		if err != nil {
			c.createFailed(d, rs, err)
			return Result{}, fmt.Errorf("%s: creating %s: %w", workload.Ref(d), workload.Ref(rs), err)
		}
	}
	for _, rs := range plan.Update {
		if _, err := s.Update(rs); err != nil {
			return Result{}, fmt.Errorf("%s: updating %s: %w", workload.Ref(d), workload.Ref(rs), err)
		}
	}
	for _, e := range plan.Events {
		ev.Eventf(d, e.Type, e.Reason, "%s", e.Message)
	}
	for _, rs := range plan.Delete {
		_, err := s.Delete("ReplicaSet", rs.Namespace, rs.Name, store.DeleteOptions{Preconditions: store.Preconditions{UID: rs.UID}, NoResult: true})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Result{}, fmt.Errorf("%s: deleting %s: %w", workload.Ref(d), workload.Ref(rs), err)
		}
	}
	if plan.Revision != "" && d.Annotations[workload.RevisionAnnotation] != plan.Revision {
		cp := d.DeepCopy()
		setAnnotation(&cp.ObjectMeta, workload.RevisionAnnotation, plan.Revision)
		if _, err := s.Update(cp); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Result{}, err
		}
	}
	if !reflect.DeepEqual(d.Status, plan.Status) {
		cp := *d
		cp.ResourceVersion = ""
		cp.Status = plan.Status
		if _, err := s.UpdateStatus(&cp); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Result{}, err
		}
	}
	return Result{RequeueAfter: plan.RequeueAfter}, nil
}

// createFailed reports a new ReplicaSet the store refused, as Kubernetes'
// getNewReplicaSet: Progressing False with reason ReplicaSetCreateError
// (with a progress deadline) and a Warning event; nothing while the
// namespace is being deleted, where every create fails.
func (c *deploymentController) createFailed(d *workload.Deployment, rs *workload.ReplicaSet, err error) {
	if o, nerr := c.deps.Store.Peek("Namespace", "", d.Namespace); nerr == nil && o.GetObjectMeta().DeletionTimestamp != nil {
		return
	}
	msg := fmt.Sprintf("Failed to create new replica set %q: %v", rs.Name, err)
	cur := FindCondition(d.Status.Conditions, workload.DeploymentProgressing)
	if hasProgressDeadline(d) && (cur == nil || cur.Status != workload.ConditionFalse || cur.Reason != workload.ReasonReplicaSetCreateError) {
		cp := d.DeepCopy()
		cp.ResourceVersion = ""
		t := workload.NewTime(c.deps.Clock.Now())
		setDeployCondition(&cp.Status, workload.Condition{Type: workload.DeploymentProgressing, Status: workload.ConditionFalse,
			Reason: workload.ReasonReplicaSetCreateError, Message: msg, LastUpdateTime: t, LastTransitionTime: t})
		// As Kubernetes, the status write's own error is not reported:
		// the refused create is.
		_, _ = c.deps.Store.UpdateStatus(cp)
	}
	c.deps.Events.Eventf(d, workload.EventTypeWarning, workload.ReasonReplicaSetCreateError, "%s", msg)
}

// collision handles a new ReplicaSet's name taken: by the Deployment's
// own ReplicaSet of the same template (nothing to do: sync again), or by
// another one (collisionCount goes up, so the next hash differs).
func (c *deploymentController) collision(d *workload.Deployment, want *workload.ReplicaSet) (Result, error) {
	o, err := c.deps.Store.Get("ReplicaSet", want.Namespace, want.Name)
	if err != nil {
		return Result{}, err
	}
	have := o.(*workload.ReplicaSet)
	if IsControlledBy(have, d.UID) && EqualIgnoreHash(&have.Spec.Template, &d.Spec.Template) {
		return Result{}, fmt.Errorf("%s: %s exists already; syncing again", workload.Ref(d), workload.Ref(have))
	}
	cp := d.DeepCopy()
	cp.ResourceVersion = ""
	n := int32(0)
	if cp.Status.CollisionCount != nil {
		n = *cp.Status.CollisionCount
	}
	cp.Status.CollisionCount = workload.Ptr(n + 1)
	if _, err := c.deps.Store.UpdateStatus(cp); err != nil {
		return Result{}, err
	}
	return Result{}, nil
}
