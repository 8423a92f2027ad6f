package controller

import (
	"container/heap"
	"slices"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// This file holds the DaemonSet controller's pure decisions: what to do on
// one node (manageNode), what a node contributes to the status and to a
// rolling update (summarize), and which nodes a rolling update may touch
// next (rolloutState.pick). None of them reads the store or a clock.

// nodeView is what the controller observed of one node for one DaemonSet.
type nodeView struct {
	name string
	// node is nil when the node is not in the store.
	node *workload.Node
	elig eligibility
	// pods are the DaemonSet's pods aimed at the node (bound to it, or
	// pinned to it by node affinity), oldest first as Kubernetes'
	// podByCreationTimestampAndPhase orders them (bound pods first). Pods
	// that are both terminal and being deleted are left out: nothing is left
	// to do with them.
	pods []*workload.Pod
}

// sortDaemonPods orders pods as podByCreationTimestampAndPhase: bound pods
// first, then by creation time, then by name.
func sortDaemonPods(pods []*workload.Pod) {
	slices.SortFunc(pods, func(a, b *workload.Pod) int {
		ab, bb := a.Spec.NodeName != "", b.Spec.NodeName != ""
		switch {
		case ab && !bb:
			return -1
		case !ab && bb:
			return 1
		}
		if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
			return c
		}
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
}

// podBackoff is the per-node back-off between deletions of Failed daemon
// pods: flowcontrol.Backoff with 1 s initial delay and a 15 min cap, and
// its rule that an entry idle for twice the cap starts over.
type podBackoff struct {
	delay time.Duration
	last  time.Time
}

// wait returns how long a deletion must still wait at now (0: go ahead).
func (b podBackoff) wait(now time.Time) time.Duration {
	if b.delay == 0 {
		return 0
	}
	if d := b.last.Add(b.delay).Sub(now); d > 0 {
		return d
	}
	return 0
}

// next records a deletion at now: the delay doubles (capped), or starts
// again at 1 s when the last one is long past.
func (b podBackoff) next(now time.Time) podBackoff {
	if b.delay == 0 || now.Sub(b.last) > 2*daemonPodBackoffMax {
		return podBackoff{delay: daemonPodBackoffBase, last: now}
	}
	return podBackoff{delay: min(2*b.delay, daemonPodBackoffMax), last: now}
}

// expired reports whether the entry no longer matters at now.
func (b podBackoff) expired(now time.Time) bool {
	return b.delay == 0 || now.Sub(b.last) > 2*daemonPodBackoffMax
}

// nodeActions is what manageNode decides for one node.
type nodeActions struct {
	// create asks for a new daemon pod on the node.
	create bool
	// deletes are the pods to delete; failed lists those of them that are
	// Failed (each gets a FailedDaemonPod event).
	deletes []*workload.Pod
	failed  []*workload.Pod
	// succeeded lists the deletes that are Succeeded (each gets a
	// SucceededDaemonPod event).
	succeeded []*workload.Pod
	// backoff is the node's failed-pod back-off after this decision.
	backoff podBackoff
	// requeue, when positive, asks to look at the node again after it (a
	// Failed pod waiting for its back-off).
	requeue time.Duration
}

func (a *nodeActions) empty() bool { return !a.create && len(a.deletes) == 0 }

// manageNode decides the pods of one node as Kubernetes'
// podsShouldBeOnNode: create a pod where one should run and none exists
// (without surge a pod still terminating counts as existing, so there are
// never two; with surge its replacement starts at once, as does that of a
// Failed or Succeeded pod deleted now, but not beside a Failed pod waiting
// out its back-off: Kubernetes creates one there too, which its issue
// #124388 reports as an endless create-and-evict loop on a node under
// pressure);
// where pods may keep running, delete Failed ones (at most once per
// back-off step) and Succeeded ones, and excess ones (without surge all
// but the oldest; with surge the oldest updated and the oldest old one,
// the old one going once the new one is available or the old one is not
// ready); where pods may not keep running, delete them all. On a node that
// is gone only pods never bound are deleted: bound ones are pod GC's.
func manageNode(p *dsPlan, v *nodeView, now time.Time, bo podBackoff) nodeActions {
	acts := nodeActions{backoff: bo}
	exists := len(v.pods) > 0
	switch {
	case v.node == nil:
		for _, pod := range v.pods {
			if pod.DeletionTimestamp == nil && pod.Spec.NodeName == "" {
				acts.deletes = append(acts.deletes, pod)
			}
		}
	case v.elig.shouldRun && !exists:
		acts.create = true
	case v.elig.shouldContinueRunning:
		var running []*workload.Pod
		heldFailed := false // a Failed pod waits out its back-off
		for _, pod := range v.pods {
			if pod.DeletionTimestamp != nil {
				continue
			}
			switch pod.Status.Phase {
			case workload.PodFailed:
				if w := acts.backoff.wait(now); w > 0 {
					if acts.requeue == 0 || w < acts.requeue {
						acts.requeue = w
					}
					heldFailed = true
					continue
				}
				acts.backoff = acts.backoff.next(now)
				acts.deletes = append(acts.deletes, pod)
				acts.failed = append(acts.failed, pod)
			case workload.PodSucceeded:
				acts.deletes = append(acts.deletes, pod)
				acts.succeeded = append(acts.succeeded, pod)
			default:
				running = append(running, pod)
			}
		}
		if len(running) == 0 && p.surge && v.elig.shouldRun && !heldFailed {
			// Surging: the node keeps one pod that is not going, so the
			// replacement of one being deleted starts at once.
			acts.create = true
		}
		if len(running) <= 1 {
			break
		}
		if !p.surge {
			acts.deletes = append(acts.deletes, running[1:]...)
			break
		}
		var oldestNew, oldestOld *workload.Pod
		for _, pod := range running {
			if pod.Labels[workload.ControllerRevisionHashLabel] == p.hash {
				if oldestNew == nil {
					oldestNew = pod
					continue
				}
			} else if oldestOld == nil {
				oldestOld = pod
				continue
			}
			acts.deletes = append(acts.deletes, pod)
		}
		if oldestNew != nil && oldestOld != nil &&
			(!IsPodReady(oldestOld) || IsPodAvailable(oldestNew, p.minReadySeconds, now)) {
			acts.deletes = append(acts.deletes, oldestOld)
		}
	case exists:
		for _, pod := range v.pods {
			if pod.DeletionTimestamp == nil {
				acts.deletes = append(acts.deletes, pod)
			}
		}
	}
	return acts
}

// rolloutClass says what a rolling update makes of one node.
type rolloutClass uint8

const (
	// rolloutNone: nothing to do for the update here.
	rolloutNone rolloutClass = iota
	// rolloutWaiting: the node is between states (no pod yet, a new pod not
	// available yet, pods being replaced or in excess): it counts against
	// maxUnavailable (without surge) or maxSurge (with surge).
	rolloutWaiting
	// rolloutCandidate: an available old pod; it is replaced (deleted, or
	// with surge a new pod is started beside it) when the budget allows.
	rolloutCandidate
	// rolloutReplace: an old pod that is not available; it is replaced at
	// once (without surge it is deleted; with surge a new pod starts beside
	// it). Without surge it also counts against maxUnavailable.
	rolloutReplace
	// rolloutRetire: with surge, the old pod goes now (its new pod is
	// available, or the node no longer runs the DaemonSet and the old pod
	// is not available).
	rolloutRetire
	// rolloutSunset: with surge, an available old pod on a node that should
	// no longer run one; it goes only while more pods are available than
	// desired.
	rolloutSunset
)

var rolloutClassNames = [...]string{"none", "waiting", "candidate", "replace", "retire", "sunset"}

func (c rolloutClass) String() string { return rolloutClassNames[c] }

// dsCounts are the sums the controller keeps over the nodes of one
// DaemonSet: the status fields, and what the rolling update budgets.
type dsCounts struct {
	desired, current, misscheduled, ready, available, updated int
	// waiting counts the nodes of class rolloutWaiting, and without surge
	// also rolloutReplace: against maxUnavailable, or with surge maxSurge.
	waiting int
	// surgeAvailable counts, with surge, the nodes whose old pod (else new
	// pod) is available.
	surgeAvailable int
}

func (c *dsCounts) add(o *dsCounts, sign int) {
	c.desired += sign * o.desired
	c.current += sign * o.current
	c.misscheduled += sign * o.misscheduled
	c.ready += sign * o.ready
	c.available += sign * o.available
	c.updated += sign * o.updated
	c.waiting += sign * o.waiting
	c.surgeAvailable += sign * o.surgeAvailable
}

// nodeSummary is what one node contributes: its counts, its rollout class
// and the pods a rollout action would touch.
type nodeSummary struct {
	counts dsCounts
	class  rolloutClass
	// oldPod and newPod are the node's one old and one updated pod (not
	// terminating), when the node has at most one of each.
	oldPod, newPod *workload.Pod
	// availableIn, when positive, is how long until a Ready pod of the
	// node becomes available (minReadySeconds).
	availableIn time.Duration
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// summarize computes a node's summary as Kubernetes'
// updateDaemonSetStatus (status counts, existing nodes only, from the
// oldest pod) and rollingUpdate (rollout class, from the pods not being
// deleted) do.
//
// One deliberate difference from Kubernetes (issue #123232, fixed the
// same way upstream in PR #123233): an old pod that is not available
// counts against maxUnavailable while it is replaced, so that updates that
// never become available do not eat further into availability.
func summarize(p *dsPlan, v *nodeView, now time.Time) nodeSummary {
	var s nodeSummary
	if v.node != nil {
		scheduled := len(v.pods) > 0
		if v.elig.shouldRun {
			s.counts.desired = 1
			if scheduled {
				pod := v.pods[0]
				s.counts.current = 1
				s.counts.ready = b2i(IsPodReady(pod))
				s.counts.available = b2i(IsPodReady(pod) && IsPodAvailable(pod, p.minReadySeconds, now))
				s.counts.updated = b2i(pod.Labels[workload.ControllerRevisionHashLabel] == p.hash)
			}
		} else if scheduled {
			s.counts.misscheduled = 1
		}
	}
	for _, pod := range v.pods {
		if IsPodReady(pod) && !IsPodAvailable(pod, p.minReadySeconds, now) {
			if d := AvailableAt(pod, p.minReadySeconds).Sub(now); d > 0 && (s.availableIn == 0 || d < s.availableIn) {
				s.availableIn = d
			}
		}
	}
	if p.onDelete || (len(v.pods) == 0 && !v.elig.shouldRun) {
		return s
	}

	// findUpdatedPodsOnNode
	ok := true
	for _, pod := range v.pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		if pod.Labels[workload.ControllerRevisionHashLabel] == p.hash {
			if s.newPod != nil {
				ok = false
			}
			s.newPod = pod
		} else {
			if s.oldPod != nil {
				ok = false
			}
			s.oldPod = pod
		}
	}
	if !ok {
		s.oldPod, s.newPod = nil, nil
		s.class = rolloutWaiting
		s.counts.waiting = 1
		return s
	}
	avail := func(pod *workload.Pod) bool { return IsPodAvailable(pod, p.minReadySeconds, now) }
	old, nw := s.oldPod, s.newPod

	if !p.surge {
		switch {
		case old == nil && nw == nil, old != nil && nw != nil:
			s.class = rolloutWaiting
		case nw != nil:
			if !avail(nw) {
				s.class = rolloutWaiting
			}
		case !avail(old):
			s.class = rolloutReplace
		default:
			s.class = rolloutCandidate
		}
		if s.class == rolloutWaiting || s.class == rolloutReplace {
			s.counts.waiting = 1
		}
		return s
	}

	switch {
	case old != nil:
		s.counts.surgeAvailable = b2i(avail(old))
	case nw != nil:
		s.counts.surgeAvailable = b2i(avail(nw))
	}
	switch {
	case old == nil:
	case nw == nil:
		switch {
		case !avail(old) && !v.elig.shouldRun:
			s.class = rolloutRetire
		case !avail(old):
			s.class = rolloutReplace
		case !v.elig.shouldRun:
			s.class = rolloutSunset
		default:
			s.class = rolloutCandidate
		}
	case !avail(nw):
		s.class = rolloutWaiting
		s.counts.waiting = 1
	default:
		s.class = rolloutRetire
	}
	return s
}

// nameHeap is a min-heap of node names: rollout candidates are taken in
// name order, whatever order they became candidates in.
type nameHeap []string

func (h nameHeap) Len() int           { return len(h) }
func (h nameHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h nameHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nameHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *nameHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// nodeRecord is the last summary of a node and its heap memberships.
type nodeRecord struct {
	sum                nodeSummary
	inCands, inSunsets bool
}

// rolloutState keeps the summaries of the nodes of one DaemonSet, their
// sums, and the candidates of a rolling update in name order, so that one
// node's change costs O(log nodes), never O(nodes).
type rolloutState struct {
	nodes   map[string]*nodeRecord
	totals  dsCounts
	cands   nameHeap
	sunsets nameHeap
}

func newRolloutState() *rolloutState {
	return &rolloutState{nodes: map[string]*nodeRecord{}}
}

// set records node's new summary.
func (r *rolloutState) set(node string, s nodeSummary) {
	rec := r.nodes[node]
	if rec == nil {
		rec = &nodeRecord{}
		r.nodes[node] = rec
	} else {
		r.totals.add(&rec.sum.counts, -1)
	}
	rec.sum = s
	r.totals.add(&s.counts, 1)
	switch s.class {
	case rolloutCandidate:
		if !rec.inCands {
			rec.inCands = true
			heap.Push(&r.cands, node)
		}
	case rolloutSunset:
		if !rec.inSunsets {
			rec.inSunsets = true
			heap.Push(&r.sunsets, node)
		}
	}
	if s == (nodeSummary{}) && !rec.inCands && !rec.inSunsets {
		delete(r.nodes, node)
	}
}

// class returns node's last rollout class.
func (r *rolloutState) class(node string) rolloutClass {
	if rec := r.nodes[node]; rec != nil {
		return rec.sum.class
	}
	return rolloutNone
}

// pick returns the candidates a rolling update may act on now, in name
// order: without surge, as many as maxUnavailable leaves room for; with
// surge, as many as maxSurge leaves room for, and the sunset nodes while
// more pods are available than desired (Kubernetes' rollingUpdate). The
// picked nodes leave the heaps; a node that is still a candidate after
// the caller's action and new summary joins them again.
func (r *rolloutState) pick(surge bool, maxSurge, maxUnavailable int) (cands, sunsets []string) {
	budget := maxUnavailable - r.totals.waiting
	if surge {
		budget = maxSurge - r.totals.waiting
	}
	cands = r.popValid(&r.cands, budget, rolloutCandidate)
	if surge {
		sunsets = r.popValid(&r.sunsets, r.totals.surgeAvailable-r.totals.desired, rolloutSunset)
	}
	return cands, sunsets
}

func (r *rolloutState) popValid(h *nameHeap, n int, want rolloutClass) []string {
	var out []string
	for len(out) < n && h.Len() > 0 {
		node := heap.Pop(h).(string)
		rec := r.nodes[node]
		if rec == nil {
			continue
		}
		if want == rolloutCandidate {
			rec.inCands = false
		} else {
			rec.inSunsets = false
		}
		if rec.sum.class != want {
			if rec.sum == (nodeSummary{}) && !rec.inCands && !rec.inSunsets {
				delete(r.nodes, node)
			}
			continue
		}
		out = append(out, node)
	}
	return out
}
