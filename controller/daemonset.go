package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// Event reasons of the DaemonSet controller, as Kubernetes'.
const (
	EventSuccessfulCreate = "SuccessfulCreate"
	EventFailedCreate     = "FailedCreate"
	EventSuccessfulDelete = "SuccessfulDelete"
	EventFailedDelete     = "FailedDelete"
	EventFailedDaemonPod  = "FailedDaemonPod"
	// EventSucceededDaemonPod (Normal) reports a Succeeded daemon pod
	// about to be deleted and replaced.
	EventSucceededDaemonPod = "SucceededDaemonPod"
)

// NewDaemonSet returns the DaemonSet controller: one pod of each DaemonSet
// on every eligible node, following the nodes as they come, go and change.
// It follows Kubernetes' apps/v1 DaemonSet controller (daemon_controller.go,
// update.go, util/daemonset_util.go):
//
//   - Eligibility: a node should run the pod when the template's nodeName,
//     nodeSelector and required node affinity match it and its NoSchedule
//     and NoExecute taints are tolerated. An untolerated NoSchedule taint
//     keeps a running pod but places no new one; an untolerated NoExecute
//     taint, or a selector or affinity that stops matching, removes the pod.
//     Resources are not checked. Daemon pods tolerate not-ready and
//     unreachable (NoExecute, forever), disk-, memory- and pid-pressure and
//     unschedulable (NoSchedule), and network-unavailable with hostNetwork,
//     so cordoned and not-ready nodes keep their daemon; the control-plane
//     taint is tolerated only if the template says so.
//   - Placement: each pod is created without spec.nodeName, with its
//     required node affinity replaced by matchFields metadata.name In
//     [node], and the cluster's scheduler binds it (Kubernetes 1.12+).
//   - Per node: a Failed pod is deleted and recreated, with a per-node
//     back-off of 1 s doubling to 15 min between deletions (event
//     FailedDaemonPod), started afresh by a spec change (a new
//     generation); a Succeeded one is deleted and recreated. A node
//     never has two daemon pods of one DaemonSet except with maxSurge: a
//     surge pod during an update, or the replacement of a pod being
//     deleted, which then starts at once (without surge a new pod waits
//     until a terminating one is gone). Pods
//     never bound and aimed at a node that is gone are deleted; bound ones
//     are left to pod GC.
//   - Updates: RollingUpdate (maxUnavailable, default 1, and maxSurge,
//     default 0, each an int or a percentage of desiredNumberScheduled
//     rounded up; both 0 means maxUnavailable 1), minReadySeconds, and
//     OnDelete. Pods carry the controller-revision-hash label, and
//     pod-template-generation from the DaemonSet's annotation
//     deprecated.daemonset.template.generation (which Cluster.Apply keeps
//     as Kubernetes' API server keeps spec.templateGeneration); each
//     template is kept as a ControllerRevision (data: the template JSON;
//     the DaemonSet's annotations when it was made, for a change-cause),
//     and revisions no pod uses beyond revisionHistoryLimit (default 10)
//     are deleted, oldest first.
//   - Ownership: pods matching the selector without a controller are
//     adopted (and then replaced by the update strategy if their template
//     differs), and so are ControllerRevisions without a controller that
//     the selector matches (a DaemonSet created again after an orphan
//     delete keeps its history); owned pods that stop matching are
//     released. Deleting a DaemonSet is the garbage collector's business
//     (Background, Foreground, Orphan): the controller leaves a DaemonSet
//     being deleted alone.
//   - Status: desiredNumberScheduled, currentNumberScheduled,
//     numberMisscheduled, numberReady, updatedNumberScheduled,
//     numberAvailable, numberUnavailable, observedGeneration,
//     collisionCount. Events: SuccessfulCreate, FailedCreate,
//     SuccessfulDelete, FailedDelete, FailedDaemonPod, SucceededDaemonPod.
//
// Where orchestra differs, deliberately:
//
//   - Old pods that are already unavailable count against maxUnavailable
//     while they are replaced (Kubernetes issue #123232; Kubernetes lets
//     them through uncounted, so a second bad update deletes a further
//     available pod, and a third, until none is left). Here repeated bad
//     updates never take availability below desired - maxUnavailable.
//   - Work per event follows what the event touches. A node that is added,
//     removed, relabelled or tainted enqueues one key per DaemonSet,
//     "namespace/name@node", whose reconcile looks at that node's pods only;
//     status and the rolling update's budget are kept as running sums over
//     per-node summaries, and update candidates in a heap, so a node event
//     costs O(#DaemonSets) to map and O(log nodes) to reconcile. Kubernetes
//     re-syncs the whole DaemonSet, O(nodes), on every node or pod event.
//     The key "namespace/name" syncs everything (spec changes, start-up,
//     adoption) and costs O(nodes + pods).
//   - The failed-pod back-off requeues the node exactly when the back-off
//     ends, rather than after a full back-off period.
//   - With maxSurge, no pod is started beside a Failed pod that waits out
//     its back-off (Kubernetes starts one, and on a node under pressure
//     its issue #124388 shows pods created and evicted without end).
//   - No limit of 250 creations or deletions per sync (the store is in
//     process); the first failed creation ends the sync, to be retried with
//     back-off.
//   - Candidates for an update are taken in node-name order (Kubernetes:
//     map order).
func NewDaemonSet(deps Deps) Controller {
	return &daemonSetController{
		deps:   deps,
		sets:   map[string]*dsMeta{},
		nodes:  map[string]*workload.Node{},
		podLoc: map[string]podEntry{},
		owned:  map[string]map[string][]string{},
		state:  map[string]*dsState{},
	}
}

// daemonSetController is the DaemonSet controller (see NewDaemonSet). All
// its state lives on the Manager's loop goroutine: what Handle learns from
// the watch (the DaemonSets' selectors, the nodes as the watch delivers
// them, read-only, and an index of daemon pods by DaemonSet and target node, which
// Kubernetes builds in getNodesToDaemonPods on every sync), and what
// Reconcile keeps per DaemonSet between syncs (the compiled spec, per-node
// summaries, their sums, and the failed-pod back-offs). Start rebuilds all
// of it from the store.
type daemonSetController struct {
	deps Deps

	sets    map[string]*dsMeta // by "namespace/name"
	setKeys []string           // keys of sets, sorted
	// nodes are the stored Node objects from the watch (shared with the
	// store, never modified): the full sync walks them instead of
	// listing copies out of the store. nodeNames are their names, sorted;
	// nil when a node came or went since the last sort.
	nodes     map[string]*workload.Node
	nodeNames []string
	podLoc    map[string]podEntry            // by "namespace/name" of a daemon pod
	owned     map[string]map[string][]string // DaemonSet uid -> node -> pod names, sorted

	state map[string]*dsState // by "namespace/name"
}

// dsMeta is what Handle keeps of a DaemonSet.
type dsMeta struct {
	uid        string
	namespace  string
	generation int64
	deleting   bool
	selector   labels.Selector
}

// sameEligibility reports whether a and b agree on what eligibility reads
// from a node: its labels and its taints' keys, values and effects.
func sameEligibility(a, b *workload.Node) bool {
	if !maps.Equal(a.Labels, b.Labels) || len(a.Spec.Taints) != len(b.Spec.Taints) {
		return false
	}
	for i := range a.Spec.Taints {
		x, y := &a.Spec.Taints[i], &b.Spec.Taints[i]
		if x.Key != y.Key || x.Value != y.Value || x.Effect != y.Effect {
			return false
		}
	}
	return true
}

// sortedNodes returns the names of the cached nodes, sorted.
func (c *daemonSetController) sortedNodes() []string {
	if c.nodeNames == nil {
		c.nodeNames = slices.Sorted(maps.Keys(c.nodes))
	}
	return c.nodeNames
}

// podLoc is where the index files a daemon pod.
type podLoc struct {
	uid, dsKey, node, name string
}

// podEntry is a daemon pod's place in the index and, for a pod this
// controller created, the resourceVersion Create returned: the Added event
// of that very version brings nothing new (the node's summary already
// counts the pod), so it queues nothing.
type podEntry struct {
	podLoc
	created string
}

// dsState is what Reconcile keeps of a DaemonSet between syncs.
type dsState struct {
	plan           *dsPlan
	collisionCount int32
	roll           *rolloutState
	backoff        map[string]podBackoff // by node
}

// Name returns "daemonset".
func (c *daemonSetController) Name() string { return "daemonset" }

// Start rebuilds the controller's view from the store and enqueues every
// DaemonSet for a full sync.
func (c *daemonSetController) Start(enqueue func(string)) {
	s := c.deps.Store
	c.sets = map[string]*dsMeta{}
	c.nodes = map[string]*workload.Node{}
	c.nodeNames = nil
	c.podLoc = map[string]podEntry{}
	c.owned = map[string]map[string][]string{}
	c.state = map[string]*dsState{}
	for _, o := range s.List("DaemonSet", "", nil) {
		c.setMeta(o.(*workload.DaemonSet))
	}
	c.sortKeys()
	for _, o := range s.List("Node", "", nil) {
		n := o.(*workload.Node)
		c.nodes[n.Name] = n
	}
	for _, o := range s.List("Pod", "", nil) {
		c.indexPod(o.(*workload.Pod), false)
	}
	for _, k := range c.setKeys {
		enqueue(k)
	}
}

func (c *daemonSetController) setMeta(ds *workload.DaemonSet) {
	sel := labels.Nothing()
	if ds.Spec.Selector != nil {
		if s, err := ds.Spec.Selector.AsSelector(); err == nil {
			sel = s
		}
	}
	c.sets[workload.Key(ds)] = &dsMeta{
		uid: ds.UID, namespace: ds.Namespace, generation: ds.Generation,
		deleting: ds.DeletionTimestamp != nil, selector: sel,
	}
}

func (c *daemonSetController) sortKeys() {
	c.setKeys = slices.Sorted(maps.Keys(c.sets))
}

// Handle maps a store change to keys: a DaemonSet's spec change to its
// full key, a node change that can alter eligibility to one
// "namespace/name@node" key per DaemonSet, a daemon pod's change to its
// DaemonSet's key for the pod's node, an orphan pod to the full key of
// each DaemonSet that could adopt it.
func (c *daemonSetController) Handle(ev store.Event, enqueue func(string)) {
	switch o := ev.Object.(type) {
	case *workload.DaemonSet:
		k := workload.Key(o)
		if ev.Type == store.Deleted {
			if _, ok := c.sets[k]; ok {
				delete(c.sets, k)
				c.sortKeys()
			}
			enqueue(k)
			return
		}
		m := c.sets[k]
		if m != nil && m.uid == o.UID && m.generation == o.Generation && m.deleting == (o.DeletionTimestamp != nil) {
			return // a status write
		}
		c.setMeta(o)
		if m == nil {
			c.sortKeys()
		}
		enqueue(k)
	case *workload.Node:
		old, had := c.nodes[o.Name]
		if ev.Type == store.Deleted {
			delete(c.nodes, o.Name)
		} else {
			c.nodes[o.Name] = o
		}
		if had != (ev.Type != store.Deleted) {
			c.nodeNames = nil
		}
		if had && ev.Type != store.Deleted && sameEligibility(old, o) {
			return
		}
		for _, k := range c.setKeys {
			enqueue(k + "@" + o.Name)
		}
	case *workload.Pod:
		k := ev.ObjectKey()
		old, had := c.podLoc[k]
		if had && ev.Type == store.Added && old.created != "" && old.created == o.ResourceVersion {
			return
		}
		c.indexPodKey(o, k, ev.Type == store.Deleted)
		loc, ok := c.podLoc[k]
		if had && old.node != "" && (!ok || old.podLoc != loc.podLoc) {
			enqueue(old.dsKey + "@" + old.node)
		}
		if ok {
			if loc.node != "" {
				enqueue(loc.dsKey + "@" + loc.node)
			}
			if m := c.sets[loc.dsKey]; m != nil && m.uid == loc.uid && !m.selector.Matches(labels.Set(o.Labels)) {
				enqueue(loc.dsKey) // to be released
			}
			return
		}
		if ev.Type == store.Deleted || workload.ControllerOf(o) != nil || o.DeletionTimestamp != nil {
			return
		}
		for _, k := range c.setKeys {
			m := c.sets[k]
			if m.namespace == o.Namespace && !m.deleting && m.selector.Matches(labels.Set(o.Labels)) {
				enqueue(k) // to be adopted
			}
		}
	}
}

// indexPod files pod (or forgets it, when gone) in the daemon pod index.
func (c *daemonSetController) indexPod(pod *workload.Pod, gone bool) {
	c.indexPodKey(pod, workload.Key(pod), gone)
}

// indexPodKey is indexPod for a pod whose key k the caller has.
func (c *daemonSetController) indexPodKey(pod *workload.Pod, k string, gone bool) {
	old, had := c.podLoc[k]
	var loc podLoc
	ok := false
	if !gone {
		if ref := workload.ControllerOf(pod); ref != nil && ref.Kind == "DaemonSet" {
			loc = podLoc{uid: ref.UID, dsKey: dsKeyOf(pod.Namespace, ref.Name, old.dsKey), node: targetNodeName(pod), name: pod.Name}
			ok = true
		}
	}
	c.file(k, old, had, loc, ok, "")
}

// file moves the index entry of the pod with key k from old (if had) to
// loc (if ok).
func (c *daemonSetController) file(k string, old podEntry, had bool, loc podLoc, ok bool, created string) {
	if had && (!ok || old.podLoc != loc) {
		c.unindex(old.podLoc)
		delete(c.podLoc, k)
	}
	switch {
	case ok && (!had || old.podLoc != loc):
		c.index(loc)
		c.podLoc[k] = podEntry{podLoc: loc, created: created}
	case ok && created != "":
		c.podLoc[k] = podEntry{podLoc: loc, created: created}
	}
}

// dsKeyOf returns "namespace/name", reusing prev when it is that string.
func dsKeyOf(namespace, name, prev string) string {
	if len(prev) == len(namespace)+1+len(name) && strings.HasPrefix(prev, namespace) &&
		prev[len(namespace)] == '/' && strings.HasSuffix(prev, name) {
		return prev
	}
	return namespace + "/" + name
}

func (c *daemonSetController) index(loc podLoc) {
	byNode := c.owned[loc.uid]
	if byNode == nil {
		byNode = map[string][]string{}
		c.owned[loc.uid] = byNode
	}
	names := byNode[loc.node]
	if i, found := slices.BinarySearch(names, loc.name); !found {
		byNode[loc.node] = slices.Insert(names, i, loc.name)
	}
}

func (c *daemonSetController) unindex(loc podLoc) {
	byNode := c.owned[loc.uid]
	names := byNode[loc.node]
	if i, found := slices.BinarySearch(names, loc.name); found {
		names = slices.Delete(names, i, i+1)
	}
	if len(names) == 0 {
		delete(byNode, loc.node)
	} else {
		byNode[loc.node] = names
	}
	if len(byNode) == 0 {
		delete(c.owned, loc.uid)
	}
}

// Reconcile syncs one DaemonSet ("namespace/name") or one of its nodes
// ("namespace/name@node").
func (c *daemonSetController) Reconcile(ctx context.Context, key string) (Result, error) {
	dsKey, node, perNode := strings.Cut(key, "@")
	ns, name, _ := strings.Cut(dsKey, "/")
	// The stored object itself, read-only: the full sync works on a copy,
	// the per-node sync only reads it (writeStatus copies what it writes).
	o, err := c.deps.Store.Peek("DaemonSet", ns, name)
	if errors.Is(err, store.ErrNotFound) {
		c.forget(dsKey)
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	ds := o.(*workload.DaemonSet)
	if ds.DeletionTimestamp != nil {
		c.forget(dsKey)
		return Result{}, nil
	}
	st := c.state[dsKey]
	if !perNode || st == nil || st.plan.uid != ds.UID || st.plan.generation != ds.Generation ||
		st.collisionCount != ptrValue(ds.Status.CollisionCount) {
		return c.fullSync(ctx, ds.DeepCopy())
	}
	return c.nodeSync(ds, st, node)
}

func ptrValue(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func (c *daemonSetController) forget(dsKey string) {
	delete(c.state, dsKey)
}

// fullSync syncs every node of ds: O(nodes + pods of ds).
func (c *daemonSetController) fullSync(ctx context.Context, ds *workload.DaemonSet) (Result, error) {
	dsKey := workload.Key(ds)
	plan, err := compileDaemonSet(ds)
	if err != nil {
		c.forget(dsKey)
		return Result{}, err
	}
	now := c.deps.Clock.Now()
	claimed, err := c.claimPods(ds, plan)
	if err != nil {
		return Result{}, err
	}
	if err := c.syncRevisions(ds, plan, claimed); err != nil {
		return Result{}, err
	}

	old := c.state[dsKey]
	st := &dsState{plan: plan, collisionCount: ptrValue(ds.Status.CollisionCount), roll: newRolloutState(), backoff: map[string]podBackoff{}}
	// The failed-pod back-offs carry over within one generation only, as
	// Kubernetes keys them by uid, observed generation and node
	// (failedPodsBackoffKey): a spec change starts them afresh.
	if old != nil && old.plan.uid == ds.UID && old.plan.generation == ds.Generation {
		for n, b := range old.backoff {
			if !b.expired(now) {
				st.backoff[n] = b
			}
		}
	}
	c.state[dsKey] = st

	// Re-file the DaemonSet's pods in the index from what was just listed.
	for _, names := range c.owned[ds.UID] {
		for _, n := range names {
			delete(c.podLoc, ds.Namespace+"/"+n)
		}
	}
	delete(c.owned, ds.UID)
	byNode := map[string][]*workload.Pod{}
	for _, p := range claimed {
		c.indexPod(p, false)
		if IsPodTerminal(p) && p.DeletionTimestamp != nil {
			continue
		}
		if t := targetNodeName(p); t != "" {
			byNode[t] = append(byNode[t], p)
		}
	}

	var requeue time.Duration
	var firstErr error
	step := func(v *nodeView) {
		sortDaemonPods(v.pods)
		r, err := c.nodeStep(ds, st, v, now)
		requeue = minPositive(requeue, r)
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for _, name := range c.sortedNodes() {
		n := c.nodes[name]
		step(&nodeView{name: n.Name, node: n, elig: plan.eligible(n), pods: byNode[n.Name]})
		if firstErr != nil {
			break
		}
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
	}
	if firstErr == nil {
		for _, name := range slices.Sorted(maps.Keys(byNode)) {
			if c.nodes[name] == nil { // pods aimed at a node that is gone
				step(&nodeView{name: name, pods: byNode[name]})
			}
		}
	}
	if firstErr == nil {
		r, err := c.rolloutStep(ds, st, now)
		requeue = minPositive(requeue, r)
		firstErr = err
	}
	if err := c.writeStatus(ds, st); err != nil && firstErr == nil {
		firstErr = err
	}
	return Result{RequeueAfter: requeue}, firstErr
}

// nodeSync syncs one node of ds, then the rolling update and the status:
// O(pods of ds on the node + log nodes).
func (c *daemonSetController) nodeSync(ds *workload.DaemonSet, st *dsState, node string) (Result, error) {
	now := c.deps.Clock.Now()
	v, err := c.observe(st, node)
	if err != nil {
		return Result{}, err
	}
	requeue, err := c.nodeStep(ds, st, v, now)
	if err == nil {
		var r time.Duration
		r, err = c.rolloutStep(ds, st, now)
		requeue = minPositive(requeue, r)
	}
	if serr := c.writeStatus(ds, st); serr != nil && err == nil {
		err = serr
	}
	return Result{RequeueAfter: requeue}, err
}

func minPositive(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}

// observe reads one node and the DaemonSet's pods aimed at it.
func (c *daemonSetController) observe(st *dsState, node string) (*nodeView, error) {
	p := st.plan
	v := &nodeView{name: node}
	o, err := c.deps.Store.Peek("Node", "", node)
	switch {
	case err == nil:
		v.node = o.(*workload.Node)
		v.elig = p.eligible(v.node)
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	// A clone: a pod found gone is unindexed on the way.
	for _, name := range slices.Clone(c.owned[p.uid][node]) {
		o, err := c.deps.Store.Peek("Pod", p.namespace, name)
		if errors.Is(err, store.ErrNotFound) {
			c.indexPod(&workload.Pod{ObjectMeta: workload.ObjectMeta{Namespace: p.namespace, Name: name}}, true)
			continue
		}
		if err != nil {
			return nil, err
		}
		pod := o.(*workload.Pod)
		if !IsControlledBy(pod, p.uid) || !p.selector.Matches(labels.Set(pod.Labels)) ||
			(IsPodTerminal(pod) && pod.DeletionTimestamp != nil) {
			continue
		}
		v.pods = append(v.pods, pod)
	}
	sortDaemonPods(v.pods)
	return v, nil
}

// nodeStep manages one node, applies the rollout action the node allows
// on its own (replacing an unavailable old pod, retiring an old pod), and
// records the node's new summary. After an action it looks at the node
// again (a few rounds at most), as the watch event of its own write would
// make it do: a surge pod started beside an old pod that is not ready lets
// the old pod go at once.
func (c *daemonSetController) nodeStep(ds *workload.DaemonSet, st *dsState, v *nodeView, now time.Time) (time.Duration, error) {
	p := st.plan
	var requeue time.Duration
	var err error
	for round := 0; round < 4 && err == nil; round++ {
		acts := manageNode(p, v, now, st.backoff[v.name])
		if acts.backoff.expired(now) {
			delete(st.backoff, v.name)
		} else {
			st.backoff[v.name] = acts.backoff
		}
		requeue = minPositive(requeue, acts.requeue)
		if !acts.empty() {
			for _, pod := range acts.failed {
				c.deps.Events.Eventf(ds, workload.EventTypeWarning, EventFailedDaemonPod,
					"Found failed daemon pod %s/%s on node %s, will try to kill it", pod.Namespace, pod.Name, v.name)
			}
			for _, pod := range acts.succeeded {
				c.deps.Events.Eventf(ds, workload.EventTypeNormal, EventSucceededDaemonPod,
					"Found succeeded daemon pod %s/%s on node %s, will try to delete it", pod.Namespace, pod.Name, v.name)
			}
			v, err = c.apply(ds, st, v, acts.create, acts.deletes)
			continue
		}
		if p.onDelete {
			break
		}
		s := summarize(p, v, now)
		switch s.class {
		case rolloutReplace:
			if p.surge {
				v, err = c.apply(ds, st, v, true, nil)
			} else {
				v, err = c.apply(ds, st, v, false, []*workload.Pod{s.oldPod})
			}
			continue
		case rolloutRetire:
			v, err = c.apply(ds, st, v, false, []*workload.Pod{s.oldPod})
			continue
		}
		break
	}
	s := summarize(p, v, now)
	st.roll.set(v.name, s)
	return minPositive(requeue, s.availableIn), err
}

// rolloutStep takes the update candidates the budget allows: without surge
// their old pod is deleted (the node's next sync creates the new one);
// with surge a new pod starts beside the old one.
func (c *daemonSetController) rolloutStep(ds *workload.DaemonSet, st *dsState, now time.Time) (time.Duration, error) {
	p := st.plan
	if p.onDelete {
		return 0, nil
	}
	maxSurge, maxUnavailable := dsRollingParams(p.maxSurge, p.maxUnavailable, st.roll.totals.desired)
	cands, sunsets := st.roll.pick(p.surge, maxSurge, maxUnavailable)
	var requeue time.Duration
	act := func(node string, want rolloutClass) error {
		v, err := c.observe(st, node)
		if err != nil {
			return err
		}
		if s := summarize(p, v, now); s.class == want {
			if p.surge && want == rolloutCandidate {
				v, err = c.apply(ds, st, v, true, nil)
			} else {
				v, err = c.apply(ds, st, v, false, []*workload.Pod{s.oldPod})
			}
			if err != nil {
				st.roll.set(node, summarize(p, v, now))
				return err
			}
		}
		r, err := c.nodeStep(ds, st, v, now)
		requeue = minPositive(requeue, r)
		return err
	}
	for _, n := range cands {
		if err := act(n, rolloutCandidate); err != nil {
			return requeue, err
		}
	}
	for _, n := range sunsets {
		if err := act(n, rolloutSunset); err != nil {
			return requeue, err
		}
	}
	return requeue, nil
}

// apply creates a pod on v's node and deletes pods, and returns the view
// of the node afterwards.
func (c *daemonSetController) apply(ds *workload.DaemonSet, st *dsState, v *nodeView, create bool, deletes []*workload.Pod) (*nodeView, error) {
	s := c.deps.Store
	out := &nodeView{name: v.name, node: v.node, elig: v.elig}
	var firstErr error
	for _, pod := range v.pods {
		if !slices.Contains(deletes, pod) {
			out.pods = append(out.pods, pod)
			continue
		}
		err := DeletePod(s, pod.Namespace, pod.Name, nil)
		if err != nil {
			c.deps.Events.Eventf(ds, workload.EventTypeWarning, EventFailedDelete, "Error deleting: %v", err)
			if firstErr == nil {
				firstErr = fmt.Errorf("daemonset %s: delete pod %s: %w", workload.Key(ds), pod.Name, err)
			}
			out.pods = append(out.pods, pod)
			continue
		}
		c.deps.Events.EventJoin(ds, workload.EventTypeNormal, EventSuccessfulDelete, "Deleted pod: ", pod.Name)
		o, err := s.Peek("Pod", pod.Namespace, pod.Name)
		if err == nil && o.GetObjectMeta().UID == pod.UID {
			if p := o.(*workload.Pod); !(IsPodTerminal(p) && p.DeletionTimestamp != nil) {
				out.pods = append(out.pods, p)
			}
		}
	}
	if create && firstErr == nil {
		// The store adopts the pod, which shares all but its affinity with
		// the plan's: neither is ever changed. The result is read-only.
		o, err := s.Create(st.plan.newDaemonPod(v.name), store.Adopt, store.SharedResult)
		if err != nil {
			c.deps.Events.Eventf(ds, workload.EventTypeWarning, EventFailedCreate, "Error creating: %v", err)
			firstErr = fmt.Errorf("daemonset %s: create pod on node %s: %w", workload.Key(ds), v.name, err)
		} else {
			pod := o.(*workload.Pod)
			k := workload.Key(pod)
			old, had := c.podLoc[k]
			c.file(k, old, had, podLoc{uid: st.plan.uid, dsKey: st.plan.key, node: targetNodeName(pod), name: pod.Name}, true, pod.ResourceVersion)
			c.deps.Events.EventJoin(ds, workload.EventTypeNormal, EventSuccessfulCreate, "Created pod: ", pod.Name)
			out.pods = append(out.pods, pod)
		}
	}
	sortDaemonPods(out.pods)
	return out, firstErr
}

// claimPods adopts the orphan pods that match the selector, releases the
// owned ones that no longer match, and returns the pods ds controls.
func (c *daemonSetController) claimPods(ds *workload.DaemonSet, p *dsPlan) ([]*workload.Pod, error) {
	s := c.deps.Store
	var claimed []*workload.Pod
	seen := map[string]bool{}
	for _, o := range s.ListByOwner("Pod", ds.UID) {
		pod := o.(*workload.Pod)
		if !IsControlledBy(pod, ds.UID) {
			continue
		}
		seen[pod.Name] = true
		if p.selector.Matches(labels.Set(pod.Labels)) {
			claimed = append(claimed, pod)
			continue
		}
		pod.OwnerReferences = slices.DeleteFunc(pod.OwnerReferences, func(r workload.OwnerReference) bool { return r.UID == ds.UID })
		if _, err := s.Update(pod); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("daemonset %s: release pod %s: %w", workload.Key(ds), pod.Name, err)
		}
	}
	for _, o := range s.List("Pod", ds.Namespace, p.selector) {
		pod := o.(*workload.Pod)
		if seen[pod.Name] || workload.ControllerOf(pod) != nil || pod.DeletionTimestamp != nil {
			continue
		}
		pod.OwnerReferences = append(pod.OwnerReferences, workload.NewControllerRef(ds))
		out, err := s.Update(pod)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("daemonset %s: adopt pod %s: %w", workload.Key(ds), pod.Name, err)
		}
		claimed = append(claimed, out.(*workload.Pod))
	}
	return claimed, nil
}

// syncRevisions makes sure the current template has its ControllerRevision
// (the newest revision number), and deletes the oldest revisions no pod
// uses beyond revisionHistoryLimit. A revision of the same name with other
// data is a hash collision: status.collisionCount goes up and the sync is
// retried with the new hash.
func (c *daemonSetController) syncRevisions(ds *workload.DaemonSet, p *dsPlan, pods []*workload.Pod) error {
	s := c.deps.Store
	data, err := json.Marshal(ds.Spec.Template)
	if err != nil {
		return fmt.Errorf("%w: daemonset %s: spec.template: %v", ErrPermanent, workload.Key(ds), err)
	}
	name := revisionName(ds.Name, p.hash)
	var revs []*workload.ControllerRevision
	var cur *workload.ControllerRevision
	var maxRev int64
	keep := func(r *workload.ControllerRevision) {
		revs = append(revs, r)
		maxRev = max(maxRev, r.Revision)
		if r.Name == name {
			cur = r
		}
	}
	// adopt makes an orphaned revision the DaemonSet's (Kubernetes'
	// controlledHistories claims them), reporting false when it is gone.
	adopt := func(r *workload.ControllerRevision) (*workload.ControllerRevision, bool, error) {
		r.OwnerReferences = append(r.OwnerReferences, workload.NewControllerRef(ds))
		o, err := s.Update(r)
		if errors.Is(err, store.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("daemonset %s: adopt revision %s: %w", workload.Key(ds), r.Name, err)
		}
		return o.(*workload.ControllerRevision), true, nil
	}
	for _, o := range s.ListByOwner("ControllerRevision", ds.UID) {
		if r := o.(*workload.ControllerRevision); IsControlledBy(r, ds.UID) {
			keep(r)
		}
	}
	if ds.DeletionTimestamp == nil {
		for _, o := range s.List("ControllerRevision", ds.Namespace, p.selector) {
			if workload.ControllerOf(o) != nil || o.GetObjectMeta().DeletionTimestamp != nil {
				continue
			}
			r, ok, err := adopt(o.(*workload.ControllerRevision))
			if err != nil {
				return err
			}
			if ok {
				keep(r)
			}
		}
	}
	if cur == nil {
		if o, err := s.Get("ControllerRevision", ds.Namespace, name); err == nil {
			r := o.(*workload.ControllerRevision) // someone else's, or an orphan
			if workload.ControllerOf(r) != nil || !bytes.Equal(r.Data, data) {
				return c.collision(ds)
			}
			if r, ok, err := adopt(r); err != nil {
				return err
			} else if ok {
				revs = append(revs, r)
				cur = r
			}
		}
	} else if !bytes.Equal(cur.Data, data) {
		return c.collision(ds)
	}
	switch {
	case cur == nil:
		lbls := maps.Clone(ds.Spec.Template.Labels)
		if lbls == nil {
			lbls = map[string]string{}
		}
		lbls[workload.ControllerRevisionHashLabel] = p.hash
		r := &workload.ControllerRevision{
			ObjectMeta: workload.ObjectMeta{
				Name: name, Namespace: ds.Namespace, Labels: lbls,
				// The DaemonSet's annotations, where kubectl rollout
				// history finds a revision's change-cause (Kubernetes'
				// snapshot).
				Annotations:     maps.Clone(ds.Annotations),
				OwnerReferences: []workload.OwnerReference{workload.NewControllerRef(ds)},
			},
			Data:     data,
			Revision: maxRev + 1,
		}
		o, err := s.Create(r)
		if errors.Is(err, store.ErrAlreadyExists) {
			return fmt.Errorf("daemonset %s: revision %s appeared meanwhile: %w", workload.Key(ds), name, err)
		}
		if err != nil {
			return fmt.Errorf("daemonset %s: create revision %s: %w", workload.Key(ds), name, err)
		}
		revs = append(revs, o.(*workload.ControllerRevision))
	case cur.Revision < maxRev:
		cur.Revision = maxRev + 1 // a roll back to an earlier template
		if _, err := s.Update(cur); err != nil {
			return fmt.Errorf("daemonset %s: update revision %s: %w", workload.Key(ds), name, err)
		}
	}

	// Truncate the history.
	live := map[string]bool{p.hash: true}
	for _, pod := range pods {
		if h := pod.Labels[workload.ControllerRevisionHashLabel]; h != "" {
			live[h] = true
		}
	}
	var old []*workload.ControllerRevision
	for _, r := range revs {
		if r.Name != name && !live[r.Labels[workload.ControllerRevisionHashLabel]] {
			old = append(old, r)
		}
	}
	if len(old) <= p.historyLimit {
		return nil
	}
	slices.SortFunc(old, func(a, b *workload.ControllerRevision) int {
		if a.Revision != b.Revision {
			return int(a.Revision - b.Revision)
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, r := range old[:len(old)-p.historyLimit] {
		if _, err := s.Delete("ControllerRevision", r.Namespace, r.Name, store.DeleteOptions{NoResult: true}); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("daemonset %s: delete revision %s: %w", workload.Key(ds), r.Name, err)
		}
	}
	return nil
}

// revisionName is ControllerRevisionName: the DaemonSet's name (cut to
// 223 characters) and the hash.
func revisionName(prefix, hash string) string {
	if len(prefix) > 223 {
		prefix = prefix[:223]
	}
	return prefix + "-" + hash
}

// errCollision asks for a retry after status.collisionCount went up.
var errCollision = errors.New("controller: controller revision hash collision")

func (c *daemonSetController) collision(ds *workload.DaemonSet) error {
	n := ptrValue(ds.Status.CollisionCount) + 1
	ds.Status.CollisionCount = &n
	if _, err := c.deps.Store.UpdateStatus(ds); err != nil {
		return err
	}
	return fmt.Errorf("daemonset %s: %w (collisionCount now %d)", workload.Key(ds), errCollision, n)
}

// writeStatus writes the status from the sums, if it changed. It leaves
// ds alone: ds may be the stored object itself.
func (c *daemonSetController) writeStatus(ds *workload.DaemonSet, st *dsState) error {
	t := st.roll.totals
	s := ds.Status
	s.DesiredNumberScheduled = int32(t.desired)
	s.CurrentNumberScheduled = int32(t.current)
	s.NumberMisscheduled = int32(t.misscheduled)
	s.NumberReady = int32(t.ready)
	s.UpdatedNumberScheduled = int32(t.updated)
	s.NumberAvailable = int32(t.available)
	s.NumberUnavailable = int32(t.desired - t.available)
	s.ObservedGeneration = ds.Generation
	if statusEqual(&s, &ds.Status) {
		return nil
	}
	w := *ds // UpdateStatus stores a copy of the status only
	w.Status = s
	_, err := c.deps.Store.UpdateStatus(&w, store.NoResult)
	if err != nil {
		return fmt.Errorf("daemonset %s: update status: %w", workload.Key(ds), err)
	}
	return nil
}

func statusEqual(a, b *workload.DaemonSetStatus) bool {
	return a.DesiredNumberScheduled == b.DesiredNumberScheduled &&
		a.CurrentNumberScheduled == b.CurrentNumberScheduled &&
		a.NumberMisscheduled == b.NumberMisscheduled &&
		a.NumberReady == b.NumberReady &&
		a.UpdatedNumberScheduled == b.UpdatedNumberScheduled &&
		a.NumberAvailable == b.NumberAvailable &&
		a.NumberUnavailable == b.NumberUnavailable &&
		a.ObservedGeneration == b.ObservedGeneration
}
