package orchestra

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/scheduler"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// binder is the scheduler's loop: it keeps a live scheduler.Snapshot from
// store changes, places every unbound pod that names no other scheduler
// than default-scheduler, and retries the pods that fit
// nowhere when nodes change, when the pod itself changes (or every five
// minutes, as kube-scheduler flushes its unschedulable queue).
type binder struct {
	c     *Cluster
	sched *scheduler.Scheduler
	snap  *scheduler.Snapshot
	// unschedulable holds the pods that fit nowhere, with the
	// metadata.generation that was tried: a pod whose spec changed since
	// is tried again at once, as kube-scheduler's queue moves an updated
	// unschedulable pod back to its active queue (isPodUpdated).
	unschedulable map[string]int64
	// waitingForPods holds the unschedulable pods that some node refused
	// for inter-pod affinity, anti-affinity or topology spread, which the
	// labels of a bound pod may change: kube-scheduler's InterPodAffinity
	// and PodTopologySpread requeue such pods when a bound pod's labels
	// change (Pod/UpdatePodLabel). Those refused for affinity or spread
	// (true) also wait for a pod to be bound anywhere (Pod/Add); podBound
	// says a pod was bound since they were last tried.
	waitingForPods map[string]bool
	podBound       bool
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
	b.unschedulable = map[string]int64{}
	b.waitingForPods = map[string]bool{}
}

func (b *binder) Handle(ev store.Event, enqueue func(string)) {
	if b.podBound && len(b.waitingForPods) > 0 {
		b.retryWaitingForPods(enqueue, false)
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
			if gen, parked := b.unschedulable[key]; !parked || gen != o.Generation {
				delete(b.unschedulable, key)
				enqueue(key)
			}
			return
		}
		delete(b.unschedulable, key)
		relabelled := false
		if len(b.waitingForPods) > 0 {
			if old := b.snap.Pod(o.Namespace, o.Name); old != nil && !maps.Equal(old.Labels, o.Labels) {
				relabelled = true
			}
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
			if relabelled {
				b.retryWaitingForPods(enqueue, true)
			}
			return
		}
		if err := b.snap.UpdatePod(o); err != nil {
			b.c.logger.Warn("pod not accounted by the scheduler", "pod", key, "err", err)
		}
		if len(b.waitingForPods) > 0 {
			b.retryWaitingForPods(enqueue, relabelled)
		}
	}
}

// retryWaitingForPods tries again, in key order, the unschedulable pods
// that wait for a pod to be bound (inter-pod affinity, topology spread),
// and with relabelled those refused for inter-pod anti-affinity too (a
// bound pod's labels changed).
func (b *binder) retryWaitingForPods(enqueue func(string), relabelled bool) {
	b.podBound = false
	keys := make([]string, 0, len(b.waitingForPods))
	for k, onBind := range b.waitingForPods {
		if onBind || relabelled {
			keys = append(keys, k)
			delete(b.waitingForPods, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, parked := b.unschedulable[k]; parked {
			delete(b.unschedulable, k)
			enqueue(k)
		}
	}
}

func (b *binder) retryUnschedulable(enqueue func(string)) {
	if len(b.unschedulable) == 0 {
		return
	}
	keys := make([]string, 0, len(b.unschedulable))
	for k := range b.unschedulable {
		keys = append(keys, k)
	}
	sort.Strings(keys)
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
		b.unschedulable[key] = p.Generation
		delete(b.waitingForPods, key)
		for _, r := range fe.Reasons {
			switch r {
			case scheduler.ReasonAffinityRulesNotMatch, scheduler.ReasonSpreadConstraintsNotMatch:
				b.waitingForPods[key] = true
			case scheduler.ReasonAntiAffinityRulesNotMatch:
				if _, ok := b.waitingForPods[key]; !ok {
					b.waitingForPods[key] = false
				}
			}
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
	b.podBound = true
	delete(b.waitingForPods, key)
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
func responsibleFor(p *workload.Pod) bool {
	return p.Spec.SchedulerName == "" || p.Spec.SchedulerName == workload.DefaultSchedulerName
}

func secondsToDuration(s int64) time.Duration { return time.Duration(s) * time.Second }
