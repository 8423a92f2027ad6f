// Package scheduler places pods on nodes: a pure function of a pod, a
// Snapshot of the nodes and the pods bound to them, and a seed.
//
// Placement runs Filters (one-method interfaces, composed in order) on the
// nodes, then Scorers on the nodes that pass, and takes the best total,
// ties broken by the seed. The filters are spec.nodeName, unschedulable
// (cordon), the Ready condition, NoSchedule and NoExecute taints against
// tolerations, spec.nodeSelector, required node affinity, host ports,
// cpu, memory, extended resources, hugepages and pods-count room against
// allocatable, topology spread constraints (DoNotSchedule), and required
// inter-pod affinity and anti-affinity (the pod's terms, and existing
// pods' anti-affinity against it). The scores spread the pods of a
// ReplicaSet, StatefulSet or ReplicationController over nodes and zones
// (kube-scheduler's system default spreading), prefer the least
// allocated node and, for a pod with cpu or memory requests, the node
// whose cpu and memory it leaves most evenly requested, avoid PreferNoSchedule
// taints, follow preferred node affinity and preferred inter-pod affinity,
// and balance ScheduleAnyway spread constraints. Each follows
// the kube-scheduler plugin of the same purpose; the doc of each type says
// where it differs.
//
// Nothing here reads a clock, keeps global state or has a side effect. The
// caller owns the loop: it keeps one live Snapshot updated from the watch,
// schedules pending pods one at a time, binds them through the runtime and
// "assumes" each bound pod into the snapshot at once, so the next pod sees
// it. A pod that fits nowhere stays Pending until a node or pod changes:
//
//	snap, err := scheduler.NewSnapshot(nodes, boundPods)
//	sched := scheduler.New(scheduler.Config{Seed: seed})
//	for {
//		select {
//		case ev := <-nodeEvents: // Added/Modified -> AddNode, Deleted -> RemoveNode(name)
//			applyNode(snap, ev)
//			requeueUnschedulable()
//		case ev := <-podEvents: // bound pods: AddPod / UpdatePod / RemovePod
//			applyPod(snap, ev)
//			if ev.Type == watch.Deleted {
//				requeueUnschedulable()
//			}
//		case pod := <-pending:
//			res, err := sched.Schedule(pod, snap)
//			var fit *scheduler.FitError
//			switch {
//			case errors.As(err, &fit):
//				setCondition(pod, fit.Condition(workload.NewTime(now)))
//				warn(pod, scheduler.EventFailedScheduling, fit.Message())
//				parkUntilClusterChanges(pod)
//			case err != nil: // scheduler.ErrInvalidPod: retrying will not help
//				warn(pod, scheduler.EventFailedScheduling, err.Error())
//			default:
//				bound := bind(pod, res.Node) // pod.Spec.NodeName = res.Node, create through the runtime
//				snap.AddPod(bound)           // assume: the watch event later replaces it
//				normal(pod, scheduler.EventScheduled, scheduler.ScheduledMessage(pod, res.Node))
//			}
//		}
//	}
//
// Cost: a pod update of the snapshot, and a change to a known node, is
// O(1) amortised (plus a scan of the controllers on that node); adding or
// removing a node shifts the sorted node list and its dense arrays, O(n)
// word copies. Schedule does no allocation on success with the
// default filters and scorers; it checks one node for a pinned pod
// (DaemonSet pods), and otherwise stops once kube-scheduler's adaptive
// share of feasible nodes is found (10% of 5,000 nodes). With the default
// filters and scorers it reads a dense array of small per-node records the
// snapshot keeps in step with its NodeInfos, touching a NodeInfo only for
// the rarer checks (taints, selectors, node affinity, host ports, scalar
// resources), and counts a controller's pods per node from one list kept
// per controller; custom filters and scorers see the NodeInfos as always.
//
// Inter-pod affinity and topology spread read the pods of the whole
// snapshot, as kube-scheduler's plugins do, but only for a pod with terms
// or constraints of its own, or (inter-pod affinity) while some pod in the
// snapshot has terms (the snapshot keeps a list of those): otherwise they
// cost two tests per pod. kube-scheduler's system default spreading
// (SpreadScorer: hostname and zone constraints) counts the pods of the
// pod's controller from the per-controller list; while no node has a zone
// label, a node's score depends on its count alone, and the scan picks
// the best node without keeping a list of the feasible ones. The pod's
// Services, whose selectors kube-scheduler also spreads by, are not seen.
//
// Not modelled: volumes, ephemeral storage,
// pod overhead, priority and preemption (no pod is evicted for another;
// messages end with the "preemption:" part kube-scheduler writes when it
// finds no victims), scheduling gates (Schedule places a gated pod all
// the same: the caller holds it back, as the Cluster does), and several
// scheduler profiles.
package scheduler
