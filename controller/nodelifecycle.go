package controller

import (
	"context"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/orchestra-go/orchestra/scheduler"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// NodeLifecycle taints nodes by their Ready condition and evicts the pods
// that do not tolerate a node's NoExecute taints, as Kubernetes' node
// lifecycle controller and its taint-based eviction do:
//
//   - Ready False: node.kubernetes.io/not-ready, with effects NoSchedule and
//     NoExecute; Ready Unknown (the kubelet stopped reporting):
//     node.kubernetes.io/unreachable, both effects. The taints go when the
//     node is Ready again.
//   - A pod on a node with NoExecute taints is evicted at once if it does
//     not tolerate one of them, at the earliest timeAdded +
//     tolerationSeconds if its tolerations are bounded, and never if they
//     are not. Every pod carries 300 s tolerations of not-ready and
//     unreachable by default, so pods leave a failed node after five
//     minutes; DaemonSet pods tolerate them forever.
//   - An evicted pod gets the DisruptionTarget condition (reason
//     DeletionByTaintManager) and is deleted gracefully.
//
// Unlike Kubernetes, the Ready condition is taken as the runtime reports
// it: there is no node-monitor grace period.
type NodeLifecycle struct {
	deps Deps
	// tainted holds the nodes with NoExecute taints: only their pods'
	// changes concern this controller.
	tainted map[string]bool
}

// NewNodeLifecycle returns the node lifecycle controller.
func NewNodeLifecycle(deps Deps) Controller { return &NodeLifecycle{deps: deps} }

// Name returns "node-lifecycle".
func (n *NodeLifecycle) Name() string { return "node-lifecycle" }

// Start queues every node.
func (n *NodeLifecycle) Start(enqueue func(string)) {
	n.tainted = map[string]bool{}
	for _, o := range n.deps.Store.List("Node", "", nil) {
		n.track(o.(*workload.Node))
		enqueue(o.GetObjectMeta().Name)
	}
}

func (n *NodeLifecycle) track(node *workload.Node) {
	for _, t := range node.Spec.Taints {
		if t.Effect == workload.TaintEffectNoExecute {
			n.tainted[node.Name] = true
			return
		}
	}
	delete(n.tainted, node.Name)
}

// Handle queues a node when it changes or a pod lands on it.
func (n *NodeLifecycle) Handle(ev store.Event, enqueue func(string)) {
	switch o := ev.Object.(type) {
	case *workload.Node:
		if ev.Type == store.Deleted {
			delete(n.tainted, o.Name)
			return
		}
		n.track(o)
		enqueue(o.Name)
	case *workload.Pod:
		if ev.Type != store.Deleted && o.DeletionTimestamp == nil && n.tainted[o.Spec.NodeName] {
			enqueue(o.Spec.NodeName)
		}
	}
}

// conditionTaints returns the taints a node's Ready condition calls for.
func conditionTaints(node *workload.Node) []string {
	status := workload.ConditionUnknown
	for _, c := range node.Status.Conditions {
		if c.Type == workload.NodeReady {
			status = c.Status
		}
	}
	switch status {
	case workload.ConditionTrue:
		return nil
	case workload.ConditionFalse:
		return []string{workload.TaintNodeNotReady}
	default:
		return []string{workload.TaintNodeUnreachable}
	}
}

// Reconcile sets the node's condition taints and evicts what must go.
func (n *NodeLifecycle) Reconcile(ctx context.Context, name string) (Result, error) {
	o, err := n.deps.Store.Get("Node", "", name)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	node := o.(*workload.Node)
	now := n.deps.Clock.Now()
	want := conditionTaints(node)
	taints, changed := reconcileConditionTaints(node.Spec.Taints, want, now)
	if changed {
		node.Spec.Taints = taints
		out, err := n.deps.Store.Update(node)
		if err != nil {
			return Result{}, err
		}
		node = out.(*workload.Node)
	}
	var noExec []workload.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == workload.TaintEffectNoExecute {
			noExec = append(noExec, t)
		}
	}
	if len(noExec) == 0 {
		return Result{}, nil
	}
	var next time.Time
	for _, p := range n.deps.Store.ListPodsOnNode(name) {
		if p.DeletionTimestamp != nil || IsPodTerminal(p) {
			continue
		}
		at, evict := EvictionTime(p, noExec)
		if !evict {
			continue
		}
		if at.After(now) {
			if next.IsZero() || at.Before(next) {
				next = at
			}
			continue
		}
		if err := n.evict(p); err != nil {
			return Result{}, err
		}
	}
	if next.IsZero() {
		return Result{}, nil
	}
	return Result{RequeueAfter: next.Sub(now)}, nil
}

// reconcileConditionTaints returns taints with exactly the condition taints
// in want (both effects), keeping timeAdded of those already there.
func reconcileConditionTaints(taints []workload.Taint, want []string, now time.Time) ([]workload.Taint, bool) {
	managed := func(k string) bool { return k == workload.TaintNodeNotReady || k == workload.TaintNodeUnreachable }
	var out []workload.Taint
	changed := false
	for _, t := range taints {
		if managed(t.Key) && !slices.Contains(want, t.Key) {
			changed = true
			continue
		}
		out = append(out, t)
	}
	for _, k := range want {
		for _, eff := range []string{workload.TaintEffectNoSchedule, workload.TaintEffectNoExecute} {
			if !hasTaintKeyEffect(out, k, eff) {
				out = append(out, workload.Taint{Key: k, Effect: eff, TimeAdded: workload.NewTimePtr(now)})
				changed = true
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Effect < out[j].Effect
	})
	return out, changed
}

func hasTaintKeyEffect(ts []workload.Taint, key, effect string) bool {
	for _, t := range ts {
		if t.Key == key && t.Effect == effect {
			return true
		}
	}
	return false
}

// EvictionTime returns when a pod must leave a node with the given
// NoExecute taints: evict is false when it tolerates them all forever;
// otherwise at is now-or-earlier for an untolerated taint, or the earliest
// timeAdded + tolerationSeconds among its bounded tolerations.
func EvictionTime(p *workload.Pod, noExec []workload.Taint) (at time.Time, evict bool) {
	for _, t := range noExec {
		var best *workload.Toleration
		for i := range p.Spec.Tolerations {
			tol := &p.Spec.Tolerations[i]
			if !scheduler.ToleratesTaint(tol, &t) {
				continue
			}
			if tol.TolerationSeconds == nil {
				best = tol
				break
			}
			if best == nil || *tol.TolerationSeconds > *best.TolerationSeconds {
				best = tol
			}
		}
		if best == nil {
			return time.Time{}, true
		}
		if best.TolerationSeconds == nil {
			continue
		}
		added := time.Time{}
		if t.TimeAdded != nil {
			added = t.TimeAdded.Time
		}
		secs := *best.TolerationSeconds
		if secs < 0 {
			secs = 0
		}
		when := added.Add(time.Duration(secs) * time.Second)
		if !evict || when.Before(at) {
			at, evict = when, true
		}
	}
	return at, evict
}

func (n *NodeLifecycle) evict(p *workload.Pod) error {
	now := workload.NewTime(n.deps.Clock.Now())
	p.Status.Conditions = setPodCond(p.Status.Conditions, workload.PodCondition{
		Type: workload.DisruptionTarget, Status: workload.ConditionTrue, LastTransitionTime: now,
		Reason: "DeletionByTaintManager", Message: "Taint manager: deleting due to NoExecute taint",
	})
	if _, err := n.deps.Store.UpdateStatus(p); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	n.deps.Events.Eventf(p, workload.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s", workload.Key(p))
	return DeletePod(n.deps.Store, p.Namespace, p.Name, nil)
}

func setPodCond(conds []workload.PodCondition, c workload.PodCondition) []workload.PodCondition {
	for i := range conds {
		if conds[i].Type == c.Type {
			conds[i] = c
			return conds
		}
	}
	return append(conds, c)
}
