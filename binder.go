package orchestra

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/scheduler"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// binder is the scheduler's loop: it keeps a live scheduler.Snapshot from
// store changes, places every unbound pod that names no other scheduler
// than default-scheduler and has no scheduling gates left, and retries
// the pods that fit nowhere when nodes change, when the pod itself changes (or every five
// minutes, as kube-scheduler flushes its unschedulable queue).
type binder struct {
	c     *Cluster
	sched *scheduler.Scheduler
	snap  *scheduler.Snapshot
	// unschedulable holds the pods that fit nowhere, with the
	// metadata.generation that was tried: a pod whose spec changed since
	// is tried again at once, as kube-scheduler's queue moves an updated
	// unschedulable pod back to its active queue (isPodUpdated).
	unschedulable map[string]parkedPod
	// seq numbers the failed attempts, in order.
	seq uint64
	// waitingForPods holds the unschedulable pods that some node refused
	// for inter-pod affinity, anti-affinity or topology spread, which a
	// pod bound or relabelled may change: kube-scheduler's
	// InterPodAffinity and PodTopologySpread requeue such a pod on those
	// events when their queueing hint says the pod may now fit
	// (scheduler.BoundPodMayHelp), with each one's compiled PodInfo (nil
	// until it is first needed). bound
	// holds the pods bound since they were last looked at (only while
	// some pod waits).
	waitingForPods map[string]*scheduler.PodInfo
	bound          []*workload.Pod
}

// parkedPod is what the binder keeps of an unschedulable pod: the
// metadata.generation tried, and what orders it among the pods tried
// again together, as kube-scheduler's active queue (PrioritySort): higher
// spec.priority first, then the pod that failed earlier (its queue
// timestamp).
type parkedPod struct {
	gen  int64
	prio int32
	seq  uint64
}

// sortParked sorts keys of parked pods in the order kube-scheduler's
// active queue would pop them; keys no longer parked go last, by name.
func (b *binder) sortParked(keys []string) {
	slices.SortFunc(keys, func(x, y string) int {
		px, okx := b.unschedulable[x]
		py, oky := b.unschedulable[y]
		if okx != oky {
			if okx {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(py.prio, px.prio), cmp.Compare(px.seq, py.seq), strings.Compare(x, y))
	})
}

// unschedulableRetry is how long a pod that fits nowhere waits before it is
// tried again when nothing changes.
const unschedulableRetry = 5 * time.Minute

func newBinder(c *Cluster) *binder {
	return &binder{c: c, sched: scheduler.New(scheduler.Config{Seed: uint64(c.cfg.Seed)})}
}

func (b *binder) Name() string { return "scheduler" }

func (b *binder) Start(enqueue func(string)) {
	var nodes []*workload.Node
	for _, o := range b.c.store.List("Node", "", nil) {
		nodes = append(nodes, o.(*workload.Node))
	}
	var pods []*workload.Pod
	for _, o := range b.c.store.List("Pod", "", nil) {
		p := o.(*workload.Pod)
		if p.Spec.NodeName != "" {
			pods = append(pods, p)
		} else if p.DeletionTimestamp == nil && responsibleFor(p) {
			enqueue(workload.Key(p))
		}
	}
	snap, err := scheduler.NewSnapshot(nodes, pods)
	if err != nil {
		b.c.logger.Error("building the scheduler snapshot failed", "err", err)
		snap, _ = scheduler.NewSnapshot(nil, nil)
	}
	for _, o := range b.c.store.List("Namespace", "", nil) {
		snap.SetNamespace(o.(*workload.Namespace))
	}
	b.snap = snap
	b.unschedulable = map[string]parkedPod{}
	b.waitingForPods = map[string]*scheduler.PodInfo{}
}

func (b *binder) Handle(ev store.Event, enqueue func(string)) {
	if len(b.bound) > 0 {
		b.retryWaitingForPods(enqueue, nil, nil)
	}
	switch o := ev.Object.(type) {
	case *workload.Namespace:
		// Inter-pod affinity terms select namespaces by their labels.
		if ev.Type == store.Deleted {
			b.snap.RemoveNamespace(o.Name)
		} else {
			b.snap.SetNamespace(o)
		}
		b.retryUnschedulable(enqueue)
	case *workload.Node:
		if ev.Type == store.Deleted {
			b.snap.RemoveNode(o.Name)
		} else if err := b.snap.UpdateNode(o); err != nil {
			b.c.logger.Warn("node not usable by the scheduler", "node", o.Name, "err", err)
		}
		b.retryUnschedulable(enqueue)
	case *workload.Pod:
		key := ev.ObjectKey()
		if ev.Type == store.Deleted {
			b.snap.RemovePod(o)
			delete(b.unschedulable, key)
			delete(b.waitingForPods, key)
			if o.Spec.NodeName != "" {
				b.retryUnschedulable(enqueue)
			}
			return
		}
		if o.Spec.NodeName == "" {
			if o.DeletionTimestamp != nil || !responsibleFor(o) {
				return
			}
			if pp, parked := b.unschedulable[key]; !parked || pp.gen != o.Generation {
				delete(b.unschedulable, key)
				enqueue(key)
			}
			return
		}
		delete(b.unschedulable, key)
		var relabelledFrom *workload.Pod // the version with the old labels
		added := false                   // bound by another than this scheduler
		if len(b.waitingForPods) > 0 {
			old := b.snap.Pod(o.Namespace, o.Name)
			if old != nil && !maps.Equal(old.Labels, o.Labels) {
				relabelledFrom = old
			}
			added = old == nil
		}
		if controller.IsPodTerminal(o) {
			// A finished pod no longer uses its node's resources.
			if b.snap.HasPod(o.Namespace, o.Name) {
				b.snap.RemovePod(o)
				b.retryUnschedulable(enqueue)
			}
			return
		}
		if b.snap.RefreshStatus(o) {
			// A status or metadata update: nothing the scheduler accounts
			// changed. The snapshot now holds this version, not the one
			// it replaces.
			if relabelledFrom != nil {
				b.retryWaitingForPods(enqueue, relabelledFrom, o)
			}
			return
		}
		if err := b.snap.UpdatePod(o); err != nil {
			b.c.logger.Warn("pod not accounted by the scheduler", "pod", key, "err", err)
		}
		switch {
		case added:
			b.bound = append(b.bound, o)
			b.retryWaitingForPods(enqueue, nil, nil)
		case relabelledFrom != nil:
			b.retryWaitingForPods(enqueue, relabelledFrom, o)
		}
	}
}

// retryWaitingForPods tries again, in queue order (sortParked), the unschedulable pods
// refused for inter-pod affinity, anti-affinity or spread that a pod bound
// since they were last looked at (b.bound), or cur relabelled from old,
// may now let on a node (kube-scheduler's queueing hints:
// scheduler.BoundPodMayHelp); the others stay parked.
func (b *binder) retryWaitingForPods(enqueue func(string), old, cur *workload.Pod) {
	bound := b.bound
	b.bound = nil
	var keys []string
	for k, pi := range b.waitingForPods {
		if _, parked := b.unschedulable[k]; !parked {
			delete(b.waitingForPods, k)
			continue
		}
		if pi == nil {
			pi = b.waitingInfo(k)
			if pi == nil {
				keys = append(keys, k) // try it rather than forget it
				continue
			}
			b.waitingForPods[k] = pi
		}
		if b.mayHelp(pi, bound, old, cur) {
			keys = append(keys, k)
		}
	}
	b.sortParked(keys)
	for _, k := range keys {
		delete(b.waitingForPods, k)
		delete(b.unschedulable, k)
		enqueue(k)
	}
}

// waitingInfo compiles the waiting pod of key, nil when it cannot.
func (b *binder) waitingInfo(key string) *scheduler.PodInfo {
	ns, name, _ := strings.Cut(key, "/")
	o, err := b.c.store.Peek("Pod", ns, name)
	if err != nil {
		return nil
	}
	pi, err := scheduler.NewPodInfo(o.(*workload.Pod))
	if err != nil {
		return nil
	}
	return pi
}

// mayHelp reports whether one of the pods bound, or cur relabelled from
// old, may make the waiting pod pi schedulable.
func (b *binder) mayHelp(pi *scheduler.PodInfo, bound []*workload.Pod, old, cur *workload.Pod) bool {
	if cur != nil && scheduler.BoundPodMayHelp(pi, old, cur, b.snap) {
		return true
	}
	for _, q := range bound {
		if scheduler.BoundPodMayHelp(pi, nil, q, b.snap) {
			return true
		}
	}
	return false
}

func (b *binder) retryUnschedulable(enqueue func(string)) {
	if len(b.unschedulable) == 0 {
		return
	}
	keys := make([]string, 0, len(b.unschedulable))
	for k := range b.unschedulable {
		keys = append(keys, k)
	}
	b.sortParked(keys)
	for _, k := range keys {
		delete(b.unschedulable, k)
		enqueue(k)
	}
}

func (b *binder) Reconcile(ctx context.Context, key string) (controller.Result, error) {
	ns, name, _ := strings.Cut(key, "/")
	o, err := b.c.store.Peek("Pod", ns, name) // read-only: the stored pod itself
	if errors.Is(err, store.ErrNotFound) {
		delete(b.unschedulable, key)
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	p := o.(*workload.Pod)
	if p.Spec.NodeName != "" || p.DeletionTimestamp != nil || !responsibleFor(p) {
		return controller.Result{}, nil
	}
	res, err := b.sched.Schedule(p, b.snap)
	if err != nil {
		var fe *scheduler.FitError
		if !errors.As(err, &fe) {
			return controller.Result{}, err
		}
		b.seq++
		pp := parkedPod{gen: p.Generation, seq: b.seq}
		if p.Spec.Priority != nil {
			pp.prio = *p.Spec.Priority
		}
		b.unschedulable[key] = pp
		waits := false
		for _, r := range fe.Reasons {
			switch r {
			case scheduler.ReasonAffinityRulesNotMatch, scheduler.ReasonAntiAffinityRulesNotMatch, scheduler.ReasonSpreadConstraintsNotMatch:
				waits = true
			}
		}
		if pi, ok := b.waitingForPods[key]; !waits {
			delete(b.waitingForPods, key)
		} else if !ok || pi != nil && pi.Pod != p {
			b.waitingForPods[key] = nil // compiled when first needed
		}
		cond := fe.Condition(workload.NewTime(b.c.clock.Now()))
		if old := controller.PodCondition(p, workload.PodScheduled); old == nil || old.Status != cond.Status || old.Message != cond.Message {
			if old != nil && old.Status == cond.Status {
				cond.LastTransitionTime = old.LastTransitionTime
			}
			np := *p // a shallow copy: only the status below is new
			np.Status.Conditions = setPodCondition(slices.Clone(p.Status.Conditions), cond)
			np.Status.Phase = workload.PodPending
			if err := b.c.store.SetStatus(&np); err != nil && !errors.Is(err, store.ErrNotFound) {
				return controller.Result{}, err
			}
		}
		b.c.rec.Event(p, workload.EventTypeWarning, "FailedScheduling", fe.Message())
		return controller.Result{RequeueAfter: unschedulableRetry}, nil
	}
	// One write, as Kubernetes' pods/binding: spec.nodeName and the
	// PodScheduled condition together.
	sp, err := b.c.store.Bind(ns, name, p.UID, res.Node)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			return controller.Result{}, nil // gone, replaced, bound or being deleted meanwhile
		}
		return controller.Result{}, err
	}
	// Account the pod at once, so that the next pod of this drain sees
	// the node's resources taken even before the store event arrives.
	_ = b.snap.UpdatePod(sp)
	delete(b.waitingForPods, key)
	if len(b.waitingForPods) > 0 {
		b.bound = append(b.bound, sp)
	}
	// scheduler.ScheduledMessage in parts: no string unless it is shown.
	ref := key // "namespace/name", as the message names the pod
	if sp.Namespace == "" {
		ref = sp.Name
	}
	b.c.rec.EventJoin(sp, workload.EventTypeNormal, "Scheduled", "Successfully assigned ", ref, " to ", res.Node)
	return controller.Result{}, nil
}

// responsibleFor reports whether the cluster's scheduler places a pod: one
// that names no scheduler or the default one, as kube-scheduler places
// only the pods of its profiles' schedulerName (responsibleForPod); a pod
// that names another scheduler waits for it to bind the pod.
// A pod with scheduling gates left is not placed until they are all
// removed (kube-scheduler's SchedulingGates PreEnqueue plugin keeps it out
// of the active queue, with no FailedScheduling event).
func responsibleFor(p *workload.Pod) bool {
	return (p.Spec.SchedulerName == "" || p.Spec.SchedulerName == workload.DefaultSchedulerName) && len(p.Spec.SchedulingGates) == 0
}

func secondsToDuration(s int64) time.Duration { return time.Duration(s) * time.Second }
