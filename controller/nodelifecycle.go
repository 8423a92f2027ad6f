package controller

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/orchestra-go/orchestra/scheduler"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// NodeLifecycle taints nodes by their conditions and evicts the pods
// that do not tolerate a node's NoExecute taints, as Kubernetes' node
// lifecycle controller and its taint-based eviction do:
//
//   - Ready False: node.kubernetes.io/not-ready, with effects NoSchedule and
//     NoExecute; Ready Unknown (the kubelet stopped reporting):
//     node.kubernetes.io/unreachable, both effects. The taints go when the
//     node is Ready again. A cordoned node (spec.unschedulable) gets
//     node.kubernetes.io/unschedulable:NoSchedule until it is uncordoned.
//     A True MemoryPressure, DiskPressure, PIDPressure or NetworkUnavailable
//     condition taints the node NoSchedule with node.kubernetes.io/
//     memory-pressure, disk-pressure, pid-pressure or network-unavailable
//     for as long as it is True.
//
//   - A pod on a node with NoExecute taints (running or finished: the
//     taint manager looks at every pod bound to the node) is evicted at
//     once if it does not tolerate one of them, after the shortest
//     tolerationSeconds of
//     the first tolerations that match them if one is bounded (counted
//     from when the pod is first seen on the tainted node), and never if
//     none is (see TolerationTime). Every pod carries 300 s tolerations of not-ready and
//     unreachable by default, so pods leave a node five minutes after it
//     is tainted (a node whose kubelet went silent: 50 s + 300 s after);
//     DaemonSet pods tolerate them forever.
//
//   - Disruption (handleDisruption): when no node of the cluster is Ready
//     ("master disruption mode") the NoExecute not-ready and unreachable
//     taints are removed from every node and none is added, so nothing is
//     evicted, until a node is Ready again; in a zone (the nodes' region
//     and zone labels) of at most 50 nodes where more than two, and at
//     least 55%, are not Ready, no new such taint is added (the zone's
//     eviction rate is 0), those already there stay. Otherwise a zone
//     gets a new such taint at most every 10 s (every 100 s when a zone
//     of more than 50 nodes is partially disrupted): nodes that fail
//     together are tainted, and their pods evicted, 10 s apart. See
//     evictionMode.
//
//   - An evicted pod gets the DisruptionTarget condition (reason
//     DeletionByTaintManager) and is deleted gracefully. A scheduled
//     eviction is cancelled, with a Normal TaintManagerEviction event
//     "Cancelling deletion of Pod ns/name", when the node loses its
//     NoExecute taints (Ready again), the pod goes, the pod tolerates the
//     taints for ever, or a new taint is not tolerated (the pod is then
//     evicted at once, not at the time scheduled before).
//
//   - While a node's Ready condition is not True, every pod on it has its
//     Ready condition set to False (MarkPodsNotReady), with a NodeNotReady
//     warning on the pod, so Services stop routing to it at once; the
//     runtime reports the pods' own status again when the node is Ready.
//     This goes further than Kubernetes, whose monitorNodeHealth marks
//     the pods only when it turns a True Ready condition Unknown itself
//     (the kubelet went silent), and whose processPod marks only a pod
//     newly bound to (or first seen on) a node that is not Ready: a node
//     whose kubelet posts Ready False (its container runtime is down),
//     or that goes from False to Unknown, keeps its pods Ready there
//     (kubernetes/kubernetes#125618 and #112733, open as bugs).
//     An evicted pod of such a node stays Terminating until its kubelet
//     confirms (or it is force-deleted); with the taint
//     node.kubernetes.io/out-of-service as well, its terminating pods are
//     marked Failed and force-deleted (pod GC's gcTerminating, at once
//     rather than on its 20 s cycle).
//
//   - A node with no Ready condition (a Node object applied to the store
//     that no runtime reports: a node without a kubelet) gets the
//     conditions Kubernetes gives a node whose kubelet never posted its
//     status: Ready, MemoryPressure, DiskPressure and PIDPressure Unknown,
//     reason NodeStatusNeverUpdated, message "Kubelet never posted node
//     status.", lastHeartbeatTime its creation (tryUpdateNodeHealth). Ready
//     Unknown then taints it unreachable, as above.
//
//   - The pods bound to a node whose Node object is gone (deleted through
//     the API while the runtime still runs it), those that were there and
//     those bound to it afterwards, are, after the pod GC's 40 s
//     quarantine (gcOrphaned), marked Failed with the DisruptionTarget
//     condition (reason DeletionByPodGC, "PodGC: node no longer exists")
//     and force-deleted (grace 0): the runtime stops them, their
//     controllers replace them elsewhere. A node the runtime reports again
//     within the quarantine (its Node object comes back) keeps its pods.
//
//   - A node whose kubelet stopped posting its status (the runtime reports
//     it with workload.KubeletSilentSinceAnnotation, the time of the
//     kubelet's last heartbeat) keeps the conditions it last posted until
//     the node monitor grace period (NodeLifecycleConfig; 50 s, Kubernetes'
//     --node-monitor-grace-period since 1.32) has passed since that
//     heartbeat, or since the controller started if it started later (a
//     restarted Kubernetes controller takes its first look at a node as
//     its last heartbeat); then Ready, MemoryPressure, DiskPressure and
//     PIDPressure that are not Unknown become Unknown, reason
//     NodeStatusUnknown, message "Kubelet stopped posting node status.",
//     lastTransitionTime now, lastHeartbeatTime as posted
//     (tryUpdateNodeHealth). Ready Unknown then taints it unreachable, as
//     above: the pods of a node that failed at t are marked not ready at
//     t+50 s and, with the default 300 s tolerations, evicted at t+350 s.
//     A kubelet that posts again within the grace period leaves no trace.
//
// Unlike Kubernetes, there is no 5 s monitor pass: a silent node is marked
// Unknown the moment its grace period has passed (Kubernetes: at its first
// pass after that, up to 5 s later, and the kubelet's last Lease renewal
// may be up to 10 s before it went silent), and the Ready condition the
// kubelet posts is taken as it is, with no node startup grace period
// (Kubernetes gives a new node 60 s to post its status before it marks it
// Unknown; orchestra does at once).
type NodeLifecycle struct {
	deps Deps
	// grace is the node monitor grace period; startedAt is when Start
	// ran (the controller's first look at every node).
	grace     time.Duration
	startedAt time.Time
	// tainted holds the nodes with NoExecute taints: only their pods'
	// changes concern this controller.
	tainted map[string]bool
	// evictAt holds the scheduled evictions of the pods on tainted nodes
	// that tolerate the taints for a while, by node, then pod key.
	evictAt map[string]map[string]scheduledEviction
	// goneAt holds when each node seen gone with pods still bound to it
	// was first seen gone (the start of its pods' quarantine).
	goneAt map[string]time.Time
	// nodes holds the names of the Node objects that exist, so that a pod
	// a runtime runs on a node whose Node object is gone (bound to it
	// after it went) is found without a store read per pod change.
	nodes map[string]bool
	// seen holds, by name, what the controller last saw of each node it
	// knows: for its events.
	seen map[string]seenNode
	// health holds each Node object's zone and readiness, and zones the
	// ready and not-ready counts by zone: the disruption states that
	// decide whether NoExecute condition taints are added (see
	// evictionMode).
	health map[string]nodeHealth
	zones  map[string]*zoneCount
	// taintAt holds, by zone, the earliest time the next NoExecute
	// condition taint may be added to a node of the zone (the zone's
	// rate limiter, one token).
	taintAt map[string]time.Time
	// paceSince holds, by zone, when its tainting pace last changed.
	paceSince map[string]time.Time
}

// nodeHealth is what the disruption states read of a node: its zone key
// and whether its Ready condition is True.
type nodeHealth struct {
	zone  string
	ready bool
}

// zoneCount counts a zone's nodes by readiness.
type zoneCount struct{ ready, notReady int }

// seenNode is what the node events compare: the node's Ready status and
// whether it was cordoned.
type seenNode struct {
	ready, unschedulable bool
}

// OrphanQuarantine is how long the pods of a node whose Node object is gone
// wait for it to come back before they are deleted: Kubernetes' pod GC
// quarantine (quarantineTime; it deletes on its next 20 s pass, here at
// once).
const OrphanQuarantine = 40 * time.Second

// scheduledEviction is when a pod (by UID) must leave its node.
type scheduledEviction struct {
	uid string
	at  time.Time
}

// DefaultNodeMonitorGracePeriod is how long a node's kubelet may stay
// silent before the node lifecycle controller marks the node Unknown:
// Kubernetes' --node-monitor-grace-period default since 1.32
// (kubernetes/kubernetes#126287; 40 s before).
const DefaultNodeMonitorGracePeriod = 50 * time.Second

// NodeLifecycleConfig configures the node lifecycle controller. Its zero
// value is Kubernetes' defaults.
type NodeLifecycleConfig struct {
	// NodeMonitorGracePeriod is how long after a kubelet's last heartbeat
	// its node is marked Unknown (kube-controller-manager's
	// --node-monitor-grace-period); 0 means DefaultNodeMonitorGracePeriod.
	NodeMonitorGracePeriod time.Duration
}

// NewNodeLifecycle returns the node lifecycle controller with Kubernetes'
// defaults.
func NewNodeLifecycle(deps Deps) Controller {
	return &NodeLifecycle{deps: deps, grace: DefaultNodeMonitorGracePeriod}
}

// NewNodeLifecycleWith returns a maker of the node lifecycle controller
// configured by cfg, to put in place of NewNodeLifecycle among the
// cluster's controllers. A negative NodeMonitorGracePeriod is refused with
// an error wrapping ErrPermanent that names the field.
func NewNodeLifecycleWith(cfg NodeLifecycleConfig) (func(Deps) Controller, error) {
	if cfg.NodeMonitorGracePeriod < 0 {
		return nil, fmt.Errorf("%w: NodeLifecycleConfig.NodeMonitorGracePeriod: %v is negative", ErrPermanent, cfg.NodeMonitorGracePeriod)
	}
	grace := cfg.NodeMonitorGracePeriod
	if grace == 0 {
		grace = DefaultNodeMonitorGracePeriod
	}
	return func(deps Deps) Controller { return &NodeLifecycle{deps: deps, grace: grace} }, nil
}

// Name returns "node-lifecycle".
func (n *NodeLifecycle) Name() string { return "node-lifecycle" }

// Start queues every node.
func (n *NodeLifecycle) Start(enqueue func(string)) {
	n.startedAt = n.deps.Clock.Now()
	n.tainted = map[string]bool{}
	n.evictAt = map[string]map[string]scheduledEviction{}
	n.goneAt = map[string]time.Time{}
	n.nodes = map[string]bool{}
	n.seen = map[string]seenNode{}
	n.health = map[string]nodeHealth{}
	n.zones = map[string]*zoneCount{}
	n.taintAt = map[string]time.Time{}
	n.paceSince = map[string]time.Time{}
	for _, o := range n.deps.Store.List("Node", "", nil) {
		n.track(o.(*workload.Node))
		n.setHealth(o.GetObjectMeta().Name, o.(*workload.Node))
		n.nodes[o.GetObjectMeta().Name] = true
		enqueue(o.GetObjectMeta().Name)
	}
	// Nodes that went while the control plane was down, with pods still
	// bound to them.
	gone := map[string]bool{}
	for _, o := range n.deps.Store.List("Pod", "", nil) {
		if name := o.(*workload.Pod).Spec.NodeName; name != "" && !n.nodes[name] && !gone[name] {
			gone[name] = true
			enqueue(name)
		}
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
			delete(n.evictAt, o.Name)
			delete(n.nodes, o.Name)
			n.healthChanged(o.Name, nil, enqueue)
			if _, ok := n.seen[o.Name]; ok {
				delete(n.seen, o.Name)
				n.deps.Events.Eventf(o, workload.EventTypeNormal, "RemovingNode", "Node %s event: Removing Node %s from Controller", o.Name, o.Name)
			}
			enqueue(o.Name) // its pods, if any, are orphans
			return
		}
		n.nodes[o.Name] = true
		n.track(o)
		n.healthChanged(o.Name, o, enqueue)
		enqueue(o.Name)
	case *workload.Pod:
		if ev.Type == store.Deleted {
			// A pod gone while its eviction is scheduled: the taint
			// manager cancels it with an event (handlePodUpdate).
			if e, ok := n.evictAt[o.Spec.NodeName][ev.ObjectKey()]; ok {
				delete(n.evictAt[o.Spec.NodeName], ev.ObjectKey())
				if e.uid == o.UID && e.at.After(n.deps.Clock.Now()) {
					n.cancelled(o)
				}
			}
			return
		}
		if name := o.Spec.NodeName; name != "" && slices.Contains(o.Finalizers, RuntimeFinalizer) && !n.nodes[name] {
			// A runtime runs a pod bound to a node whose Node object is
			// gone (bound to it after the Node went): an orphan, as those
			// that were there (gcOrphaned looks at every pod). Pods no
			// runtime started are the kubelet bridge's orphans.
			enqueue(name)
		}
		if o.DeletionTimestamp != nil {
			return // its scheduled eviction, if any, is cancelled when it is gone
		}
		if len(n.tainted) > 0 && n.tainted[o.Spec.NodeName] {
			enqueue(o.Spec.NodeName)
		}
	}
}

// nodeReadyStatus is the status of the node's Ready condition, Unknown
// when it has none.
func nodeReadyStatus(node *workload.Node) string {
	status := workload.ConditionUnknown
	for _, c := range node.Status.Conditions {
		if c.Type == workload.NodeReady {
			status = c.Status
		}
	}
	return status
}

// managedTaint is a taint the node lifecycle controller keeps: a key and
// an effect.
type managedTaint struct{ key, effect string }

// conditionTaints returns the taints a node's conditions and
// spec.unschedulable call for: not-ready or unreachable with both effects;
// memory-pressure, disk-pressure, pid-pressure and network-unavailable
// NoSchedule while the MemoryPressure, DiskPressure, PIDPressure or
// NetworkUnavailable condition is True; and unschedulable:NoSchedule on a
// cordoned node (Kubernetes' doNoScheduleTaintingPass, which maps each
// condition through nodeConditionToTaintKeyStatusMap, and
// doNoExecuteTaintingPass).
func conditionTaints(node *workload.Node) []managedTaint {
	var out []managedTaint
	both := func(key string) {
		out = append(out, managedTaint{key, workload.TaintEffectNoSchedule}, managedTaint{key, workload.TaintEffectNoExecute})
	}
	switch nodeReadyStatus(node) {
	case workload.ConditionTrue:
	case workload.ConditionFalse:
		both(workload.TaintNodeNotReady)
	default:
		both(workload.TaintNodeUnreachable)
	}
	for _, c := range node.Status.Conditions {
		if key, ok := pressureTaints[c.Type]; ok && c.Status == workload.ConditionTrue {
			out = append(out, managedTaint{key, workload.TaintEffectNoSchedule})
		}
	}
	if node.Spec.Unschedulable {
		out = append(out, managedTaint{workload.TaintNodeUnschedulable, workload.TaintEffectNoSchedule})
	}
	return out
}

// pressureTaints maps the node conditions that, while True, taint the
// node NoSchedule to their taint's key (nodeConditionToTaintKeyStatusMap).
var pressureTaints = map[string]string{
	workload.NodeMemoryPressure:     workload.TaintNodeMemoryPressure,
	workload.NodeDiskPressure:       workload.TaintNodeDiskPressure,
	workload.NodePIDPressure:        workload.TaintNodePIDPressure,
	workload.NodeNetworkUnavailable: workload.TaintNodeNetworkUnavailable,
}

// isManagedTaint reports whether the controller owns a taint: not-ready
// and unreachable of any effect; unschedulable, memory-pressure,
// disk-pressure, pid-pressure and network-unavailable with NoSchedule.
func isManagedTaint(t *workload.Taint) bool {
	switch t.Key {
	case workload.TaintNodeNotReady, workload.TaintNodeUnreachable:
		return true
	case workload.TaintNodeUnschedulable, workload.TaintNodeMemoryPressure, workload.TaintNodeDiskPressure,
		workload.TaintNodePIDPressure, workload.TaintNodeNetworkUnavailable:
		return t.Effect == workload.TaintEffectNoSchedule
	}
	return false
}

// Reconcile marks the node Unknown if its kubelet has been silent too
// long, sets its condition taints and evicts what must go.
func (n *NodeLifecycle) Reconcile(ctx context.Context, name string) (Result, error) {
	o, err := n.deps.Store.Get("Node", "", name)
	if errors.Is(err, store.ErrNotFound) {
		return n.gcOrphans(name)
	}
	if err != nil {
		return Result{}, err
	}
	delete(n.goneAt, name)
	node := o.(*workload.Node)
	now := n.deps.Clock.Now()
	if !slices.ContainsFunc(node.Status.Conditions, func(c workload.NodeCondition) bool { return c.Type == workload.NodeReady }) {
		node.Status.Conditions = neverPostedConditions(node, now)
		out, err := n.deps.Store.UpdateStatus(node)
		if err != nil {
			return Result{}, err
		}
		node = out.(*workload.Node)
	}
	// silentWait is how long until a silent kubelet's grace period ends.
	var silentWait time.Duration
	if since, ok := silentSince(node); ok {
		at := since
		if at.Before(n.startedAt) {
			at = n.startedAt
		}
		at = at.Add(n.grace)
		if now.Before(at) {
			silentWait = at.Sub(now)
		} else if conds, changed := stoppedPostingConditions(node, now); changed {
			node.Status.Conditions = conds
			out, err := n.deps.Store.UpdateStatus(node)
			if err != nil {
				return Result{}, err
			}
			node = out.(*workload.Node)
		}
	}
	res, err := n.reconcileNode(node, now)
	if silentWait > 0 && (res.RequeueAfter <= 0 || silentWait < res.RequeueAfter) {
		res.RequeueAfter = silentWait
	}
	return res, err
}

// reconcileNode sets the node's condition taints and evicts what must go.
func (n *NodeLifecycle) reconcileNode(node *workload.Node, now time.Time) (Result, error) {
	name := node.Name
	n.nodeEvents(node)
	want := conditionTaints(node)
	noExecWanted := slices.ContainsFunc(want, func(t managedTaint) bool { return t.effect == workload.TaintEffectNoExecute })
	hasNoExec := slices.ContainsFunc(node.Spec.Taints, func(t workload.Taint) bool {
		return t.Effect == workload.TaintEffectNoExecute && (t.Key == workload.TaintNodeNotReady || t.Key == workload.TaintNodeUnreachable)
	})
	dropNoExec := func() {
		want = slices.DeleteFunc(want, func(t managedTaint) bool { return t.effect == workload.TaintEffectNoExecute })
	}
	// retry is when a NoExecute taint the zone's rate limiter held back
	// may be added.
	var retry time.Duration
	switch mode, interval := n.evictionMode(node.Name); {
	case mode == evictionsOff:
		dropNoExec()
	case !noExecWanted || hasNoExec:
		// Nothing new to add: a not-ready taint becomes unreachable (or
		// back) at once (SwapNodeControllerTaint).
	case mode == evictionsHeld:
		dropNoExec()
	default:
		if retry = n.takeTaintToken(n.health[node.Name].zone, interval, now); retry > 0 {
			dropNoExec()
		}
	}
	taints, changed := reconcileConditionTaints(node.Spec.Taints, want, now)
	if changed {
		node.Spec.Taints = taints
		out, err := n.deps.Store.Update(node)
		if err != nil {
			return Result{}, err
		}
		node = out.(*workload.Node)
	}
	if nodeReadyStatus(node) != workload.ConditionTrue {
		if err := n.markPodsNotReady(name); err != nil {
			return Result{}, err
		}
		if slices.ContainsFunc(node.Spec.Taints, func(t workload.Taint) bool { return t.Key == workload.TaintNodeOutOfService }) {
			if err := n.forceDeleteTerminating(name); err != nil {
				return Result{}, err
			}
		}
	}
	var noExec []workload.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == workload.TaintEffectNoExecute {
			noExec = append(noExec, t)
		}
	}
	if len(noExec) == 0 {
		// No NoExecute taint left: every scheduled eviction is cancelled,
		// each with its event (handleNodeUpdate).
		if len(n.evictAt[name]) > 0 {
			for _, p := range n.deps.Store.ListPodsOnNode(name) {
				if e, ok := n.evictAt[name][workload.Key(p)]; ok && e.uid == p.UID {
					n.cancelled(p)
				}
			}
		}
		delete(n.evictAt, name)
		return Result{RequeueAfter: retry}, nil
	}
	var next time.Time
	for _, p := range n.deps.Store.ListPodsOnNode(name) {
		if p.DeletionTimestamp != nil {
			continue // its scheduled eviction, if any, is cancelled when it is gone
		}
		// A pod that has finished is evicted all the same (the taint
		// manager looks at every pod bound to the node, whatever its
		// phase: kubernetes/kubernetes#96363); being terminal, it goes
		// at once.
		key := workload.Key(p)
		e, scheduled := n.evictAt[name][key]
		scheduled = scheduled && e.uid == p.UID
		d, forever, tolerated := tolerationTime(p, noExec)
		if forever || !tolerated {
			// A pod that now tolerates the taints for ever, or no longer
			// tolerates one of them (then it goes at once), has its
			// scheduled eviction cancelled (processPodOnNode).
			delete(n.evictAt[name], key)
			if scheduled {
				n.cancelled(p)
			}
			if forever {
				continue
			}
		}
		// The clock starts when the pod is first seen on the tainted
		// node; a later change keeps the scheduled time (as the taint
		// manager's processPodOnNode does).
		at := now.Add(d)
		if scheduled && tolerated {
			at = e.at
		} else {
			if n.evictAt[name] == nil {
				n.evictAt[name] = map[string]scheduledEviction{}
			}
			n.evictAt[name][key] = scheduledEviction{uid: p.UID, at: at}
		}
		if at.After(now) {
			if next.IsZero() || at.Before(next) {
				next = at
			}
			continue
		}
		delete(n.evictAt[name], key) // evicted, not cancelled
		if err := n.evict(p); err != nil {
			return Result{}, err
		}
	}
	if next.IsZero() {
		return Result{RequeueAfter: retry}, nil
	}
	if d := next.Sub(now); retry == 0 || d < retry {
		retry = d
	}
	return Result{RequeueAfter: retry}, nil
}

// nodeEvents records the events Kubernetes records on a Node as its
// status changes: RegisteredNode "Node x event: Registered Node x in
// Controller" when the node lifecycle controller first sees it (also
// after it restarts, as its monitorNodeHealth does for every node it does
// not know); NodeNotReady and NodeReady "Node x status is now: NodeReady"
// when its Ready condition leaves or reaches True
// (nodeutil.RecordNodeStatusChange; the kubelet's recordNodeStatusEvent);
// NodeNotSchedulable and NodeSchedulable when it is cordoned or uncordoned
// (the kubelet's). RemovingNode is recorded when it goes (Handle).
func (n *NodeLifecycle) nodeEvents(node *workload.Node) {
	now := seenNode{ready: nodeReadyStatus(node) == workload.ConditionTrue, unschedulable: node.Spec.Unschedulable}
	was, ok := n.seen[node.Name]
	n.seen[node.Name] = now
	ev := n.deps.Events
	if !ok {
		ev.Eventf(node, workload.EventTypeNormal, "RegisteredNode", "Node %s event: Registered Node %s in Controller", node.Name, node.Name)
		return
	}
	status := func(s string) {
		ev.Eventf(node, workload.EventTypeNormal, s, "Node %s status is now: %s", node.Name, s)
	}
	switch {
	case was.ready && !now.ready:
		status("NodeNotReady")
	case !was.ready && now.ready:
		status("NodeReady")
	}
	switch {
	case !was.unschedulable && now.unschedulable:
		status("NodeNotSchedulable")
	case was.unschedulable && !now.unschedulable:
		status("NodeSchedulable")
	}
}

// Disruption states, as Kubernetes' node lifecycle controller keeps them
// per zone (ComputeZoneState, handleDisruption): a zone whose nodes are
// all not Ready is fully disrupted; one with more than two not Ready
// nodes, at least 55% of them (unhealthyZoneThreshold), is partially
// disrupted.
const (
	unhealthyZoneThreshold = 0.55
	largeClusterThreshold  = 50
)

// Rates of the zones' NoExecute tainting (Kubernetes' evictionLimiterQPS
// and secondaryEvictionLimiterQPS, one token each): one node every 10 s,
// one every 100 s in a large partially disrupted zone.
const (
	taintInterval        = 10 * time.Second
	reducedTaintInterval = 100 * time.Second
)

// takeTaintToken takes the zone's token for a new NoExecute taint at now
// and returns 0, or returns how long until the token is there again.
func (n *NodeLifecycle) takeTaintToken(zone string, interval time.Duration, now time.Time) time.Duration {
	if at, ok := n.taintAt[zone]; ok && now.Before(at) {
		return at.Sub(now)
	}
	n.taintAt[zone] = now.Add(interval)
	return 0
}

// evictionMode says what may happen to a node's NoExecute condition
// taints (not-ready, unreachable), which are what evict its pods, and at
// what pace new ones are added in its zone:
//
//   - evictionsOff: every zone is fully disrupted (no node in the cluster
//     is Ready): Kubernetes "enters master disruption mode", removes those
//     taints from every node and evicts nothing, for a control plane that
//     sees no Ready node cannot tell a partition from a failure.
//   - evictionsHeld: the node's zone is partially disrupted and has no
//     more than 50 nodes (largeClusterThreshold): the zone's eviction rate
//     is 0 (ReducedQPSFunc), so no new taint is added; taints already
//     there stay.
//   - evictionsOn: otherwise, a new taint at most every 10 s in the zone
//     (evictionLimiterQPS 0.1), every 100 s in a partially disrupted zone
//     of more than 50 nodes (secondaryEvictionLimiterQPS 0.01). A zone
//     whose pace changes (setLimiterInZone) gets a new limiter, whose
//     token is there only if the old one had one: after a time without
//     new taints (master disruption mode, a held zone) the first comes
//     10 s later.
//
// Kubernetes adds the taints from a queue it works through every 100 ms,
// for nodes its 5 s monitor pass found not Ready; orchestra adds one when
// it reconciles the node.
func (n *NodeLifecycle) evictionMode(node string) (evictionMode, time.Duration) {
	if n.allFullyDisrupted() {
		return evictionsOff, 0
	}
	h, ok := n.health[node]
	if !ok {
		return evictionsOn, taintInterval
	}
	if d := n.zoneInterval(h.zone, false); d > 0 {
		return evictionsOn, d
	}
	return evictionsHeld, 0
}

// zoneInterval is the pace of a zone's new NoExecute taints (its rate
// limiter, setLimiterInZone): 0 (none) while every zone is fully
// disrupted (allFull) or the zone is partially disrupted with at most 50
// nodes, 100 s when partially disrupted with more, else 10 s.
func (n *NodeLifecycle) zoneInterval(zone string, allFull bool) time.Duration {
	z := n.zones[zone]
	switch {
	case allFull:
		return 0
	case z == nil || zoneState(z) != zonePartial:
		return taintInterval
	case z.ready+z.notReady <= largeClusterThreshold:
		return 0
	}
	return reducedTaintInterval
}

type evictionMode int

const (
	evictionsOn evictionMode = iota
	evictionsHeld
	evictionsOff
)

type zoneDisruption int

const (
	zoneNormal zoneDisruption = iota
	zonePartial
	zoneFull
)

// zoneState is Kubernetes' ComputeZoneState.
func zoneState(z *zoneCount) zoneDisruption {
	switch {
	case z.ready == 0 && z.notReady > 0:
		return zoneFull
	case z.notReady > 2 && float64(z.notReady)/float64(z.notReady+z.ready) >= unhealthyZoneThreshold:
		return zonePartial
	}
	return zoneNormal
}

// allFullyDisrupted reports whether there are nodes and every zone is
// fully disrupted.
func (n *NodeLifecycle) allFullyDisrupted() bool {
	if len(n.zones) == 0 {
		return false
	}
	for _, z := range n.zones {
		if zoneState(z) != zoneFull {
			return false
		}
	}
	return true
}

// zoneKey is Kubernetes' GetZoneKey: region and zone from the node's
// topology labels (or their deprecated failure-domain forms), "" when it
// has neither.
func zoneKey(node *workload.Node) string {
	l := node.Labels
	region := l["topology.kubernetes.io/region"]
	if region == "" {
		region = l["failure-domain.beta.kubernetes.io/region"]
	}
	zone := l[workload.LabelZone]
	if zone == "" {
		zone = l["failure-domain.beta.kubernetes.io/zone"]
	}
	if region == "" && zone == "" {
		return ""
	}
	return region + ":\x00:" + zone
}

// setHealth records node's zone and readiness (node nil: it is gone) in
// the zone counts.
func (n *NodeLifecycle) setHealth(name string, node *workload.Node) {
	if old, ok := n.health[name]; ok {
		z := n.zones[old.zone]
		if old.ready {
			z.ready--
		} else {
			z.notReady--
		}
		if z.ready+z.notReady == 0 {
			delete(n.zones, old.zone)
		}
		delete(n.health, name)
	}
	if node == nil {
		return
	}
	h := nodeHealth{zone: zoneKey(node), ready: nodeReadyStatus(node) == workload.ConditionTrue}
	n.health[name] = h
	z := n.zones[h.zone]
	if z == nil {
		z = &zoneCount{}
		n.zones[h.zone] = z
	}
	if h.ready {
		z.ready++
	} else {
		z.notReady++
	}
}

// healthChanged records a node's new zone and readiness; when that moves
// the cluster in or out of master disruption mode, or changes the state
// or the tainting pace of a zone, the nodes affected are queued, so that
// their NoExecute condition taints follow. A zone whose pace changes gets
// a new rate limiter, as SwapLimiter makes it: its token is there unless
// the old limiter had none (or allowed none).
func (n *NodeLifecycle) healthChanged(name string, node *workload.Node, enqueue func(string)) {
	old, had := n.health[name]
	if node != nil && had && old.zone == zoneKey(node) && old.ready == (nodeReadyStatus(node) == workload.ConditionTrue) {
		return
	}
	type zoneView struct {
		state    zoneDisruption
		interval time.Duration
	}
	view := func() (bool, map[string]zoneView) {
		all := n.allFullyDisrupted()
		m := make(map[string]zoneView, len(n.zones))
		for k, z := range n.zones {
			m[k] = zoneView{zoneState(z), n.zoneInterval(k, all)}
		}
		return all, m
	}
	allBefore, before := view()
	n.setHealth(name, node)
	allAfter, after := view()
	now := n.deps.Clock.Now()
	for k := range n.paceSince {
		if _, ok := after[k]; !ok {
			delete(n.taintAt, k) // the zone is gone
			delete(n.paceSince, k)
		}
	}
	for k, v := range after {
		b, existed := before[k]
		if !existed {
			n.paceSince[k] = now
		}
		if !existed || b.interval == v.interval {
			continue
		}
		// A pace of none that began at this very instant (nodes seen one
		// by one as the cluster starts, where Kubernetes' monitor pass
		// sees them together) drains nothing.
		stopped := b.interval == 0 && n.paceSince[k].Before(now)
		n.paceSince[k] = now
		switch {
		case v.interval == 0:
		case stopped || now.Before(n.taintAt[k]):
			n.taintAt[k] = now.Add(v.interval) // drained
		default:
			delete(n.taintAt, k)
		}
	}
	if allBefore != allAfter {
		for other := range n.health {
			enqueue(other)
		}
		return
	}
	for k, v := range after {
		if before[k] != v {
			for other, h := range n.health {
				if h.zone == k {
					enqueue(other)
				}
			}
		}
	}
}

// silentSince returns when the node's kubelet last heartbeat, if the
// runtime reports it silent (workload.KubeletSilentSinceAnnotation); a
// value that is not an RFC 3339 time is ignored.
func silentSince(node *workload.Node) (time.Time, bool) {
	v, ok := node.Annotations[workload.KubeletSilentSinceAnnotation]
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	return t, err == nil
}

// stoppedPostingConditions returns node's conditions as Kubernetes'
// tryUpdateNodeHealth leaves them once a node's grace period has passed
// without a heartbeat: each of Ready, MemoryPressure, DiskPressure and
// PIDPressure that is not Unknown becomes Unknown, reason
// NodeStatusUnknown, message "Kubelet stopped posting node status.",
// lastTransitionTime now (lastHeartbeatTime stays); one the kubelet never
// posted is added as neverPostedConditions adds it. changed says whether
// any changed.
func stoppedPostingConditions(node *workload.Node, now time.Time) ([]workload.NodeCondition, bool) {
	conds := neverPostedConditions(node, now)
	changed := len(conds) != len(node.Status.Conditions)
	for i := range conds {
		c := &conds[i]
		switch c.Type {
		case workload.NodeReady, workload.NodeMemoryPressure, workload.NodeDiskPressure, workload.NodePIDPressure:
		default:
			continue
		}
		if c.Status == workload.ConditionUnknown {
			continue
		}
		c.Status, c.Reason, c.Message = workload.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."
		c.LastTransitionTime = workload.NewTime(now)
		changed = true
	}
	return conds, changed
}

// neverPostedConditions returns node's conditions with each of Ready,
// MemoryPressure, DiskPressure and PIDPressure that it lacks added as
// Unknown, as Kubernetes' tryUpdateNodeHealth does for a node whose kubelet
// never posted status: reason NodeStatusNeverUpdated, lastHeartbeatTime
// the node's creation, lastTransitionTime now.
func neverPostedConditions(node *workload.Node, now time.Time) []workload.NodeCondition {
	conds := slices.Clone(node.Status.Conditions)
	for _, typ := range []string{workload.NodeReady, workload.NodeMemoryPressure, workload.NodeDiskPressure, workload.NodePIDPressure} {
		if slices.ContainsFunc(conds, func(c workload.NodeCondition) bool { return c.Type == typ }) {
			continue
		}
		conds = append(conds, workload.NodeCondition{
			Type: typ, Status: workload.ConditionUnknown,
			Reason: "NodeStatusNeverUpdated", Message: "Kubelet never posted node status.",
			LastHeartbeatTime: node.CreationTimestamp, LastTransitionTime: workload.NewTime(now),
		})
	}
	return conds
}

// gcOrphans deletes the pods bound to a node that is gone, once they have
// waited OrphanQuarantine for it, as Kubernetes' pod GC (gcOrphaned,
// markFailedAndDeletePodWithCondition): a pod that has not finished is
// marked Failed with the DisruptionTarget condition first; every one is
// deleted with a grace period of 0.
func (n *NodeLifecycle) gcOrphans(node string) (Result, error) {
	pods := n.deps.Store.ListPodsOnNode(node)
	if len(pods) == 0 {
		delete(n.goneAt, node)
		return Result{}, nil
	}
	now := n.deps.Clock.Now()
	since, ok := n.goneAt[node]
	if !ok {
		since = now
		n.goneAt[node] = now
	}
	if wait := since.Add(OrphanQuarantine).Sub(now); wait > 0 {
		return Result{RequeueAfter: wait}, nil
	}
	delete(n.goneAt, node)
	zero := int64(0)
	for _, p := range pods {
		if !IsPodTerminal(p) {
			p.Status.Phase = workload.PodFailed
			p.Status.Conditions = setPodCond(p.Status.Conditions, workload.PodCondition{
				Type: workload.DisruptionTarget, Status: workload.ConditionTrue, LastTransitionTime: workload.NewTime(now),
				Reason: "DeletionByPodGC", Message: "PodGC: node no longer exists",
			})
			if _, err := n.deps.Store.UpdateStatus(p); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				return Result{}, err
			}
		}
		if err := DeletePod(n.deps.Store, p.Namespace, p.Name, &zero); err != nil {
			return Result{}, err
		}
	}
	return Result{}, nil
}

// reconcileConditionTaints returns taints with exactly the managed taints
// in want, keeping timeAdded of those already there.
func reconcileConditionTaints(taints []workload.Taint, want []managedTaint, now time.Time) ([]workload.Taint, bool) {
	var out []workload.Taint
	changed := false
	for _, t := range taints {
		if isManagedTaint(&t) && !slices.Contains(want, managedTaint{t.Key, t.Effect}) {
			changed = true
			continue
		}
		out = append(out, t)
	}
	for _, w := range want {
		if !hasTaintKeyEffect(out, w.key, w.effect) {
			out = append(out, workload.Taint{Key: w.key, Effect: w.effect, TimeAdded: workload.NewTimePtr(now)})
			changed = true
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

// TolerationTime returns how long a pod may stay on a node with the given
// NoExecute taints, as Kubernetes' taint manager reckons it: each taint
// is matched by the pod's first toleration that tolerates it
// (GetMatchingTolerations), and the pod may stay for the shortest
// tolerationSeconds among those (0 for a negative one). forever is true
// when none of them is bounded; d is 0 when a taint is not tolerated at
// all. A tolerationSeconds of math.MaxInt64, or past time.Duration's
// range, is unbounded. The time counts from when the pod is first seen on
// the tainted node, not from the taints' timeAdded.
func TolerationTime(p *workload.Pod, noExec []workload.Taint) (d time.Duration, forever bool) {
	d, forever, _ = tolerationTime(p, noExec)
	return d, forever
}

// tolerationTime is TolerationTime, also saying whether every taint is
// tolerated.
func tolerationTime(p *workload.Pod, noExec []workload.Taint) (d time.Duration, forever, tolerated bool) {
	minSecs := int64(-1)
	for i := range noExec {
		var used *workload.Toleration
		for j := range p.Spec.Tolerations {
			if scheduler.ToleratesTaint(&p.Spec.Tolerations[j], &noExec[i]) {
				used = &p.Spec.Tolerations[j]
				break
			}
		}
		if used == nil {
			return 0, false, false
		}
		if used.TolerationSeconds == nil || *used.TolerationSeconds > maxTolerationSeconds {
			// Kubernetes' getMinTolerationTime reads math.MaxInt64 as no
			// bound; so is any count past time.Duration's range (about
			// 292 years), which its multiplication would overflow.
			continue
		}
		secs := max(*used.TolerationSeconds, 0)
		if minSecs < 0 || secs < minSecs {
			minSecs = secs
		}
	}
	if minSecs < 0 {
		return 0, true, true
	}
	return time.Duration(minSecs) * time.Second, false, true
}

// maxTolerationSeconds is the largest tolerationSeconds a time.Duration
// holds.
const maxTolerationSeconds = int64(math.MaxInt64 / time.Second)

// cancelled records the event of a pod whose scheduled eviction is
// cancelled, as the taint manager's emitCancelPodDeletionEvent.
func (n *NodeLifecycle) cancelled(p *workload.Pod) {
	n.deps.Events.Eventf(p, workload.EventTypeNormal, "TaintManagerEviction", "Cancelling deletion of Pod %s", workload.Key(p))
}

// markPodsNotReady sets the Ready condition of every pod on the node to
// False, as Kubernetes' MarkPodsNotReady does for the pods of a node whose
// Ready condition is not True: the condition keeps its reason and message,
// its transition time is now, and the pod gets a NodeNotReady warning.
func (n *NodeLifecycle) markPodsNotReady(node string) error {
	now := workload.NewTime(n.deps.Clock.Now())
	for _, p := range n.deps.Store.ListPodsOnNode(node) {
		i := slices.IndexFunc(p.Status.Conditions, func(c workload.PodCondition) bool { return c.Type == workload.PodReady })
		if i < 0 || p.Status.Conditions[i].Status == workload.ConditionFalse {
			continue
		}
		p.Status.Conditions[i].Status = workload.ConditionFalse
		p.Status.Conditions[i].LastTransitionTime = now
		if _, err := n.deps.Store.UpdateStatus(p); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			return err
		}
		n.deps.Events.Eventf(p, workload.EventTypeWarning, "NodeNotReady", "Node is not ready")
	}
	return nil
}

// forceDeleteTerminating does what Kubernetes' pod GC does on a node that
// is not ready and has the out-of-service taint (gcTerminating,
// markFailedAndDeletePod): every pod on it that is terminating is marked
// Failed (unless it has finished) and deleted with a grace period of 0.
func (n *NodeLifecycle) forceDeleteTerminating(node string) error {
	zero := int64(0)
	for _, p := range n.deps.Store.ListPodsOnNode(node) {
		if p.DeletionTimestamp == nil {
			continue
		}
		if !IsPodTerminal(p) {
			p.Status.Phase = workload.PodFailed
			if _, err := n.deps.Store.UpdateStatus(p); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				return err
			}
		}
		if err := DeletePod(n.deps.Store, p.Namespace, p.Name, &zero); err != nil {
			return err
		}
	}
	return nil
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
