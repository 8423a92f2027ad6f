package scheduler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/orchestra-go/orchestra/workload"
	klabels "k8s.io/apimachinery/pkg/labels"
)

// NodeInfo is one node of a Snapshot with the pods bound to it and the
// sums the filters and scorers read, kept up to date as pods come and go.
// It is read-only to everyone but its Snapshot.
type NodeInfo struct {
	// Node is the node object as last given to the snapshot.
	Node *workload.Node
	// Pods are the pods bound to the node, terminating ones included, in no
	// particular order.
	Pods []*workload.Pod

	// A Snapshot mirrors what Schedule reads of every node into a hotNode
	// (see there); these fields stay the truth that custom filters and
	// scorers, and the fused path's rarer checks, read.
	ready         bool
	unreachable   bool // not ready, and the condition is Unknown or missing (not False)
	unschedulable bool
	ownerBloom    uint64 // bit hash>>58 set for the hash of each owner
	allocatable   Resources
	allocPods     int64
	requested     Resources // sum of pod requests
	nonZero       Resources // sum of pod non-zero requests
	nameHash      uint64
	hardTaints    []hardTaint      // NoSchedule and NoExecute taints
	softTaints    []workload.Taint // PreferNoSchedule taints
	ports         []HostPort
	allocScalar   map[string]int64 // allocatable scalar resources; nil if none
	reqScalar     map[string]int64 // sum of pod scalar requests; nil if none

	name    string
	zone    uint32       // Snapshot.zones id of the zone label while listed; 0 for none or ""
	owners  []ownerCount // per controller with pods here, not terminating
	entries []*podEntry  // parallel to Pods
	slot    int32        // index in Snapshot.slots while listed
}

// ownerCount counts the pods of one controller on a node. The controller
// is known by ownerHash of its uid alone: two uids colliding on 64 mixed
// bits (odds about 1 in 10^19 per pair) would only bend a soft score.
type ownerCount struct {
	hash uint64
	n    int32
	at   int32 // index of this node in the Snapshot's ownerSet.nodes while listed
}

// hotNode is what Schedule with the default filters and scorers reads of
// every node it visits, kept by the Snapshot in a dense array in the order
// of its node list, so that a scan reads consecutive memory rather than a
// heap object per node. Flags say when a node needs one of the rarer
// checks, which then read the NodeInfo. Snapshot.sync rebuilds it from the
// NodeInfo after every change.
type hotNode struct {
	free        Resources // allocatable - requested, as ResourcesFilter computes it
	allocatable Resources
	nonZero     Resources
	allocPods   int64
	nameHash    uint64
	// leastDefault is the LeastAllocatedScorer score of a pod whose
	// non-zero requests are the defaults (DefaultMilliCPURequest and
	// DefaultMemoryRequest: any pod without requests), so that scoring
	// such a pod divides nothing.
	leastDefault int64
	numPods      int32 // len(NodeInfo.Pods)
	flags        hotFlags
}

type hotFlags uint8

const (
	hotReady hotFlags = 1 << iota
	hotUnschedulable
	hotHardTaints // NoSchedule or NoExecute taints: TaintFilter reads the NodeInfo
	hotSoftTaints // PreferNoSchedule taints: TaintScorer reads the NodeInfo
	hotPorts      // host ports in use: HostPortsFilter reads the NodeInfo
	hotUnreachable
	hotHostname // the node has the kubernetes.io/hostname label
	hotZone     // the node has the topology.kubernetes.io/zone label
)

// hot returns n's hotNode.
func (n *NodeInfo) hot() hotNode {
	h := hotNode{
		free:        Resources{MilliCPU: n.allocatable.MilliCPU - n.requested.MilliCPU, Memory: n.allocatable.Memory - n.requested.Memory},
		allocatable: n.allocatable,
		nonZero:     n.nonZero,
		allocPods:   n.allocPods,
		nameHash:    n.nameHash,
		numPods:     int32(len(n.Pods)),
	}
	h.leastDefault = leastAllocated(defaultNonZero, &h)
	if n.ready {
		h.flags |= hotReady
	}
	if n.unreachable {
		h.flags |= hotUnreachable
	}
	if n.unschedulable {
		h.flags |= hotUnschedulable
	}
	if len(n.hardTaints) > 0 {
		h.flags |= hotHardTaints
	}
	if len(n.softTaints) > 0 {
		h.flags |= hotSoftTaints
	}
	if len(n.ports) > 0 {
		h.flags |= hotPorts
	}
	h.flags |= spreadKeyFlags(n.Node.Labels)
	return h
}

// spreadKeyFlags returns hotHostname and hotZone for the keys of the
// default spreading constraints that node labels l have.
func spreadKeyFlags(l map[string]string) hotFlags {
	var f hotFlags
	if _, ok := l[workload.LabelHostname]; ok {
		f |= hotHostname
	}
	if _, ok := l[workload.LabelZone]; ok {
		f |= hotZone
	}
	return f
}

// ownerSet is what a Snapshot knows of one controller: how many of its
// pods it counts, on any node, and how many on each listed node holding
// some, so that SpreadScorer's counts come from one short list per pod
// rather than a lookup per scored node.
type ownerSet struct {
	pods  int
	nodes []ownerNode
}

type ownerNode struct {
	slot int32 // Snapshot.slots index of the node
	n    int32
}

// hardTaint is a NoSchedule or NoExecute taint with its failure reason
// built once.
type hardTaint struct {
	taint  workload.Taint
	reason string
}

// podEntry is what a snapshot remembers of one bound pod, so that removing
// it undoes exactly what adding it did.
type podEntry struct {
	pod     *workload.Pod
	node    *NodeInfo
	idx     int // index in node.Pods and node.entries
	req     Resources
	nonZero Resources
	scalar  map[string]int64
	ports   []HostPort
	owned   bool   // counted for spreading: has a controller, not terminating
	ownerH  uint64 // ownerHash of the controller uid
	// aff is the pod's compiled inter-pod affinity (nil without any, or
	// when it cannot be evaluated); affIdx its index in
	// Snapshot.withAffinity.
	aff    *podAffinity
	affIdx int
	// What the accounting depends on besides the node (see
	// RefreshStatus): the pod's uid, spec version, deletion state and
	// controller.
	uid        string
	generation int64
	deleting   bool
	ctrl       string
}

type podID struct{ namespace, name string }

// NewNodeInfo returns the scheduling view of a node with no pods, for
// callers that evaluate filters on one node outside a Snapshot (a
// DaemonSet controller asking whether a node should run its pod, tests).
func NewNodeInfo(node *workload.Node) (*NodeInfo, error) {
	if err := checkNode(node); err != nil {
		return nil, err
	}
	n := &NodeInfo{}
	n.setNode(node)
	return n, nil
}

// Name returns the node's name.
func (n *NodeInfo) Name() string { return n.name }

// Allocatable returns the node's allocatable cpu and memory and the number
// of pods it may hold. A resource missing from status.allocatable is taken
// from status.capacity; missing from both, it is zero.
func (n *NodeInfo) Allocatable() (r Resources, pods int64) { return n.allocatable, n.allocPods }

// Requested returns the sum of the requests of the pods bound to the node.
func (n *NodeInfo) Requested() Resources { return n.requested }

// Scalar returns the node's allocatable amount of a scalar resource (see
// IsScalarResource) and the sum its pods request.
func (n *NodeInfo) Scalar(name string) (allocatable, requested int64) {
	return n.allocScalar[name], n.reqScalar[name]
}

// OwnerCount returns how many pods bound to the node, not terminating, have
// the controller with uid ownerUID.
func (n *NodeInfo) OwnerCount(ownerUID string) int {
	return int(n.ownerCount(ownerHash(ownerUID)))
}

// ownerCount counts the pods of one controller on n. Most nodes hold none
// of a given controller's pods, and the bloom filter, in a cache line
// every filter reads anyway, says so without touching n.owners.
func (n *NodeInfo) ownerCount(hash uint64) int64 {
	if n.ownerBloom&(1<<(hash>>58)) == 0 {
		return 0
	}
	if i := n.ownerIndex(hash); i >= 0 {
		return int64(n.owners[i].n)
	}
	return 0
}

func (n *NodeInfo) ownerIndex(hash uint64) int {
	for i := range n.owners {
		if n.owners[i].hash == hash {
			return i
		}
	}
	return -1
}

// Ready reports whether the node's Ready condition is True.
func (n *NodeInfo) Ready() bool { return n.ready }

func checkNode(node *workload.Node) error {
	if node == nil {
		return fmt.Errorf("%w: nil node", ErrInvalidNode)
	}
	if node.Name == "" {
		return fmt.Errorf("%w: metadata.name: required", ErrInvalidNode)
	}
	return nil
}

// setNode replaces the node object and everything derived from it; the
// pod sums stay.
func (n *NodeInfo) setNode(node *workload.Node) {
	n.Node = node
	n.name = node.Name
	n.nameHash = fnvString(fnvOffset, node.Name)
	n.unschedulable = node.Spec.Unschedulable
	n.ready, n.unreachable = false, true
	for _, c := range node.Status.Conditions {
		if c.Type == workload.NodeReady {
			n.ready = c.Status == workload.ConditionTrue
			n.unreachable = c.Status != workload.ConditionTrue && c.Status != workload.ConditionFalse
			break
		}
	}
	n.allocatable = Resources{
		MilliCPU: quantity(node, workload.ResourceCPU, true),
		Memory:   quantity(node, workload.ResourceMemory, false),
	}
	n.allocPods = quantity(node, workload.ResourcePods, false)
	n.allocScalar = nil
	for _, rl := range []workload.ResourceList{node.Status.Capacity, node.Status.Allocatable} {
		for name := range rl {
			if IsScalarResource(name) {
				if n.allocScalar == nil {
					n.allocScalar = map[string]int64{}
				}
				n.allocScalar[name] = quantity(node, name, false)
			}
		}
	}
	n.hardTaints = n.hardTaints[:0]
	n.softTaints = n.softTaints[:0]
	for _, t := range node.Spec.Taints {
		switch t.Effect {
		case workload.TaintEffectNoSchedule, workload.TaintEffectNoExecute:
			n.hardTaints = append(n.hardTaints, hardTaint{taint: t, reason: taintReason(t.Key, t.Value)})
		case workload.TaintEffectPreferNoSchedule:
			n.softTaints = append(n.softTaints, t)
		}
	}
}

// clearNode forgets the node object and what was derived from it, leaving
// a placeholder that only counts pods.
func (n *NodeInfo) clearNode() {
	n.Node = nil
	n.ready, n.unreachable, n.unschedulable = false, false, false
	n.allocatable, n.allocPods = Resources{}, 0
	n.allocScalar = nil
	n.hardTaints, n.softTaints = nil, nil
}

// quantity reads a resource from allocatable, falling back to capacity.
func quantity(node *workload.Node, name string, milli bool) int64 {
	q, ok := node.Status.Allocatable[name]
	if !ok {
		q, ok = node.Status.Capacity[name]
	}
	if !ok {
		return 0
	}
	if milli {
		return q.MilliValue()
	}
	return q.Value()
}

func (n *NodeInfo) addEntry(e *podEntry) {
	e.node = n
	e.idx = len(n.Pods)
	n.Pods = append(n.Pods, e.pod)
	n.entries = append(n.entries, e)
	n.requested.MilliCPU += e.req.MilliCPU
	n.requested.Memory += e.req.Memory
	n.nonZero.MilliCPU += e.nonZero.MilliCPU
	n.nonZero.Memory += e.nonZero.Memory
	for name, v := range e.scalar {
		if n.reqScalar == nil {
			n.reqScalar = map[string]int64{}
		}
		n.reqScalar[name] += v
	}
	n.ports = append(n.ports, e.ports...)
}

func (n *NodeInfo) removeEntry(e *podEntry) {
	last := len(n.Pods) - 1
	if e.idx != last {
		moved := n.entries[last]
		n.entries[e.idx], n.Pods[e.idx] = moved, moved.pod
		moved.idx = e.idx
	}
	n.entries[last], n.Pods[last] = nil, nil
	n.entries, n.Pods = n.entries[:last], n.Pods[:last]
	n.requested.MilliCPU -= e.req.MilliCPU
	n.requested.Memory -= e.req.Memory
	n.nonZero.MilliCPU -= e.nonZero.MilliCPU
	n.nonZero.Memory -= e.nonZero.Memory
	for name, v := range e.scalar {
		if n.reqScalar[name] -= v; n.reqScalar[name] == 0 {
			delete(n.reqScalar, name)
		}
	}
	for _, p := range e.ports {
		if i := slices.Index(n.ports, p); i >= 0 {
			n.ports = slices.Delete(n.ports, i, i+1)
		}
	}
	e.node = nil
}

// Snapshot is the scheduler's view of the cluster: every node with the pods
// bound to it. The caller keeps one live snapshot and updates it per watch
// event (AddNode, UpdateNode, RemoveNode, AddPod, UpdatePod, RemovePod);
// a pod update, or a change to a known node, costs O(1) amortised (plus a
// scan of the controllers on that node); adding or removing a node shifts
// the node list, kept sorted by name, and the dense arrays beside it
// (O(nodes) word copies). Scheduling never rebuilds any of it.
//
// The snapshot keeps the pointers it is given: the objects must not change
// afterwards (give it copies, as the store hands out). A Snapshot is not
// safe for concurrent use.
type Snapshot struct {
	list   []*NodeInfo          // nodes with a Node object, sorted by name
	hot    []hotNode            // parallel to list
	byName map[string]*NodeInfo // every node, and placeholders for pods on unknown nodes
	pods   map[podID]*podEntry
	owners map[uint64]*ownerSet // by ownerHash, controllers with pods counted for spreading
	// withAffinity holds the pods with inter-pod affinity terms: when it
	// is empty, a pod without terms of its own skips inter-pod affinity.
	withAffinity []*podEntry
	// nsLabels holds the labels of the namespaces SetNamespace was given,
	// kubernetes.io/metadata.name included.
	nsLabels map[string]klabels.Set
	// zoned counts the listed nodes with a zone label, unnamed those
	// without a hostname label: while both are 0, the default spreading
	// score of a node is a function of its count of the pod's
	// controller's pods alone (see scanPick).
	zoned, unnamed int
	// zones interns the values of the listed nodes' zone labels, so that
	// the default spreading counts pods per zone in an array; zoneOf,
	// parallel to list, holds each node's zone id.
	zones  zoneTable
	zoneOf []uint32

	// A listed node has a slot that stays while it is listed, for the
	// ownerSets to name it by; positions in list shift as nodes come and go.
	slots     []*NodeInfo // by slot; nil when free
	posOf     []int32     // by slot: index in list and hot
	slotAt    []int32     // parallel to list: the node's slot
	freeSlots []int32
}

// NewSnapshot returns a snapshot of nodes and pods. Pods that are not bound
// to a node, or that have finished (Succeeded or Failed), are left out. A
// pod bound to a node missing from nodes is kept, and counts once that node
// is added, as kube-scheduler's cache does.
func NewSnapshot(nodes []*workload.Node, pods []*workload.Pod) (*Snapshot, error) {
	s := &Snapshot{
		list:   make([]*NodeInfo, 0, len(nodes)),
		byName: make(map[string]*NodeInfo, len(nodes)),
		pods:   make(map[podID]*podEntry, len(pods)),
		owners: make(map[uint64]*ownerSet),
		hot:    make([]hotNode, 0, len(nodes)),
		slotAt: make([]int32, 0, len(nodes)),
	}
	for _, n := range nodes {
		if err := checkNode(n); err != nil {
			return nil, err
		}
	}
	// Added in name order, each node goes at the end of the list: nothing
	// shifts. The sort is stable, so of two nodes of one name the later
	// still replaces the earlier.
	sorted := slices.Clone(nodes)
	slices.SortStableFunc(sorted, func(a, b *workload.Node) int { return strings.Compare(a.Name, b.Name) })
	for _, n := range sorted {
		if err := s.AddNode(n); err != nil {
			return nil, err
		}
	}
	for _, p := range pods {
		if err := s.AddPod(p); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Snapshot) init() {
	if s.byName == nil {
		s.byName = make(map[string]*NodeInfo)
		s.pods = make(map[podID]*podEntry)
		s.owners = make(map[uint64]*ownerSet)
	}
}

// Nodes returns the nodes sorted by name. The slice and the NodeInfos are
// the snapshot's own: read them, do not change them, and do not keep them
// across updates.
func (s *Snapshot) Nodes() []*NodeInfo { return s.list }

// Node returns the node called name, or nil.
func (s *Snapshot) Node(name string) *NodeInfo {
	if n := s.byName[name]; n != nil && n.Node != nil {
		return n
	}
	return nil
}

// NumPods returns how many bound, unfinished pods the snapshot counts.
func (s *Snapshot) NumPods() int { return len(s.pods) }

// AddNode adds node, or replaces the node of that name (so a relist is
// harmless). Pods already bound to it keep counting. It fails, changing
// nothing, when node is nil or has no name.
func (s *Snapshot) AddNode(node *workload.Node) error {
	if err := checkNode(node); err != nil {
		return err
	}
	s.init()
	n := s.byName[node.Name]
	if n == nil {
		n = &NodeInfo{}
		s.byName[node.Name] = n
	}
	wasListed := n.Node != nil
	if wasListed {
		s.countLabels(s.hot[s.posOf[n.slot]].flags, -1)
		s.zones.release(n.zone)
	}
	n.setNode(node)
	n.zone = s.zones.intern(node.Labels[workload.LabelZone])
	if wasListed {
		s.sync(n)
		s.countLabels(s.hot[s.posOf[n.slot]].flags, 1)
		s.zoneOf[s.posOf[n.slot]] = n.zone
		return nil
	}
	slot := int32(len(s.slots))
	if k := len(s.freeSlots); k > 0 {
		slot, s.freeSlots = s.freeSlots[k-1], s.freeSlots[:k-1]
		s.slots[slot] = n
	} else {
		s.slots = append(s.slots, n)
		s.posOf = append(s.posOf, 0)
	}
	n.slot = slot
	i, _ := slices.BinarySearchFunc(s.list, node.Name, cmpName)
	s.list = slices.Insert(s.list, i, n)
	s.hot = slices.Insert(s.hot, i, n.hot())
	s.countLabels(s.hot[i].flags, 1)
	s.zoneOf = slices.Insert(s.zoneOf, i, n.zone)
	s.slotAt = slices.Insert(s.slotAt, i, slot)
	s.renumber(i)
	for k := range n.owners {
		o := &n.owners[k]
		set := s.owners[o.hash]
		o.at = int32(len(set.nodes))
		set.nodes = append(set.nodes, ownerNode{slot: slot, n: o.n})
	}
	return nil
}

// countLabels counts a listed node with flags f in s.zoned and
// s.unnamed, d being 1 as it is listed and -1 as it goes.
func (s *Snapshot) countLabels(f hotFlags, d int) {
	if f&hotZone != 0 {
		s.zoned += d
	}
	if f&hotHostname == 0 {
		s.unnamed += d
	}
}

// zoneTable interns zone label values with reference counts: id 0 stands
// for no label (and the empty value, which kube-scheduler's default
// spreading counts in one domain with it); an id is reused once no node
// has its value.
type zoneTable struct {
	ids   map[string]uint32
	names []string // by id
	refs  []int32  // by id: listed nodes with the value
	free  []uint32
}

// intern returns the id of zone value v, counting one more node with it.
func (t *zoneTable) intern(v string) uint32 {
	if v == "" {
		return 0
	}
	if id, ok := t.ids[v]; ok {
		t.refs[id]++
		return id
	}
	if t.ids == nil {
		t.ids = map[string]uint32{}
		t.names, t.refs = []string{""}, []int32{0}
	}
	var id uint32
	if k := len(t.free); k > 0 {
		id, t.free = t.free[k-1], t.free[:k-1]
		t.names[id], t.refs[id] = v, 1
	} else {
		id = uint32(len(t.names))
		t.names, t.refs = append(t.names, v), append(t.refs, 1)
	}
	t.ids[v] = id
	return id
}

// release counts one node fewer with the zone of id.
func (t *zoneTable) release(id uint32) {
	if id == 0 {
		return
	}
	if t.refs[id]--; t.refs[id] == 0 {
		delete(t.ids, t.names[id])
		t.names[id] = ""
		t.free = append(t.free, id)
	}
}

// size returns one more than the highest zone id in use.
func (t *zoneTable) size() int { return max(len(t.names), 1) }

// renumber updates posOf for the nodes listed from index i on.
func (s *Snapshot) renumber(i int) {
	for k := i; k < len(s.slotAt); k++ {
		s.posOf[s.slotAt[k]] = int32(k)
	}
}

// sync copies what the fused Schedule reads of n into its hotNode, after
// any change to n.
func (s *Snapshot) sync(n *NodeInfo) {
	if n.Node != nil {
		s.hot[s.posOf[n.slot]] = n.hot()
	}
}

// UpdateNode is AddNode: both add or replace.
func (s *Snapshot) UpdateNode(node *workload.Node) error { return s.AddNode(node) }

// RemoveNode removes the node called name; removing an unknown node does
// nothing. Pods still bound to it stay counted against a placeholder until
// they are removed, so that a node that comes back does not look empty.
func (s *Snapshot) RemoveNode(name string) {
	n := s.byName[name]
	if n == nil || n.Node == nil {
		return
	}
	i := int(s.posOf[n.slot])
	s.countLabels(s.hot[i].flags, -1)
	s.zones.release(n.zone)
	n.zone = 0
	s.zoneOf = slices.Delete(s.zoneOf, i, i+1)
	s.list = slices.Delete(s.list, i, i+1)
	s.hot = slices.Delete(s.hot, i, i+1)
	s.slotAt = slices.Delete(s.slotAt, i, i+1)
	s.renumber(i)
	for k := range n.owners {
		o := &n.owners[k]
		s.dropOwnerNode(o.hash, s.owners[o.hash], o.at)
		o.at = -1
	}
	s.slots[n.slot] = nil
	s.freeSlots = append(s.freeSlots, n.slot)
	n.clearNode()
	if len(n.Pods) == 0 {
		delete(s.byName, name)
	}
}

func cmpName(n *NodeInfo, name string) int { return strings.Compare(n.name, name) }

// AddPod records pod, or replaces the pod of the same namespace and name.
// A pod with no spec.nodeName, or in phase Succeeded or Failed, is not
// counted (and is forgotten if it was). A terminating pod counts against
// its node's resources, pods limit and host ports, but not for spreading.
// It fails, changing nothing, when pod is nil or has no name.
func (s *Snapshot) AddPod(pod *workload.Pod) error {
	if pod == nil {
		return fmt.Errorf("%w: nil pod", ErrInvalidPod)
	}
	if pod.Name == "" {
		return fmt.Errorf("%w: pod in namespace %q: metadata.name: required", ErrInvalidPod, pod.Namespace)
	}
	s.init()
	id := podID{pod.Namespace, pod.Name}
	old := s.pods[id]
	if old != nil {
		s.removeEntry(id, old)
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == workload.PodSucceeded || pod.Status.Phase == workload.PodFailed {
		return nil
	}
	e := old
	if e == nil {
		e = &podEntry{}
	}
	*e = podEntry{pod: pod, ports: appendHostPorts(e.ports[:0], &pod.Spec)}
	e.req, e.nonZero = podRequests(&pod.Spec)
	e.scalar = scalarRequests(&pod.Spec)
	e.uid, e.generation, e.deleting = pod.UID, pod.Generation, pod.DeletionTimestamp != nil
	if hasInterPodAffinity(pod) {
		// Terms that cannot be evaluated are left out, as kube-scheduler
		// leaves out a pod it cannot parse.
		if e.aff, _ = compilePodAffinity(pod); e.aff != nil {
			e.affIdx = len(s.withAffinity)
			s.withAffinity = append(s.withAffinity, e)
		}
	}
	if ref := workload.ControllerOf(pod); ref != nil {
		e.ctrl = ref.UID
		if pod.DeletionTimestamp == nil {
			e.owned, e.ownerH = true, ownerHash(ref.UID)
		}
	}
	n := s.byName[pod.Spec.NodeName]
	if n == nil {
		n = &NodeInfo{name: pod.Spec.NodeName}
		s.byName[pod.Spec.NodeName] = n
	}
	n.addEntry(e)
	if e.owned {
		s.addOwner(n, e.ownerH)
	}
	s.sync(n)
	s.pods[id] = e
	return nil
}

// addOwner counts one more pod of the controller with hash h on n.
func (s *Snapshot) addOwner(n *NodeInfo, h uint64) {
	set := s.owners[h]
	if set == nil {
		set = &ownerSet{}
		s.owners[h] = set
	}
	set.pods++
	listed := n.Node != nil
	if i := n.ownerIndex(h); i >= 0 {
		o := &n.owners[i]
		o.n++
		if listed {
			set.nodes[o.at].n++
		}
		return
	}
	o := ownerCount{hash: h, n: 1, at: -1}
	if listed {
		o.at = int32(len(set.nodes))
		set.nodes = append(set.nodes, ownerNode{slot: n.slot, n: 1})
	}
	n.owners = append(n.owners, o)
	n.ownerBloom |= 1 << (h >> 58)
}

// removeOwner counts one pod fewer of the controller with hash h on n.
func (s *Snapshot) removeOwner(n *NodeInfo, h uint64) {
	set := s.owners[h]
	i := n.ownerIndex(h)
	o := &n.owners[i]
	o.n--
	listed := n.Node != nil
	if listed {
		set.nodes[o.at].n--
	}
	if o.n == 0 {
		if listed {
			s.dropOwnerNode(h, set, o.at)
		}
		last := len(n.owners) - 1
		n.owners[i] = n.owners[last]
		n.owners = n.owners[:last]
		n.ownerBloom = 0
		for _, o := range n.owners {
			n.ownerBloom |= 1 << (o.hash >> 58)
		}
	}
	if set.pods--; set.pods == 0 {
		delete(s.owners, h)
	}
}

// dropOwnerNode removes entry at from set.nodes, the controller with hash
// h's, by moving the last entry there.
func (s *Snapshot) dropOwnerNode(h uint64, set *ownerSet, at int32) {
	last := int32(len(set.nodes) - 1)
	if at != last {
		moved := set.nodes[last]
		set.nodes[at] = moved
		m := s.slots[moved.slot]
		m.owners[m.ownerIndex(h)].at = at
	}
	set.nodes = set.nodes[:last]
}

// UpdatePod is AddPod: both add or replace.
func (s *Snapshot) UpdatePod(pod *workload.Pod) error { return s.AddPod(pod) }

// RefreshPod replaces the object recorded for pod's namespace and name with
// pod, a newer version of the same pod whose scheduling inputs did not
// change (its node, spec, controller and deletion state: a status update),
// without accounting it again, so that the snapshot does not keep the
// older version alive. It reports whether that pod was recorded on pod's
// node; when it was not, nothing changes (use AddPod).
func (s *Snapshot) RefreshPod(pod *workload.Pod) bool {
	if pod == nil {
		return false
	}
	e := s.pods[podID{pod.Namespace, pod.Name}]
	if e == nil || e.node.name != pod.Spec.NodeName {
		return false
	}
	e.pod = pod
	e.node.Pods[e.idx] = pod
	return true
}

// RefreshStatus is RefreshPod for a caller that does not know whether the
// scheduling inputs changed: when pod is recorded on its node with the
// same uid, generation (spec version), deletion state and controller, as
// for a status update, it replaces the recorded object without
// accounting it again and reports true; otherwise it changes nothing and
// reports false (use UpdatePod). One lookup, for the watch loop's most
// common event.
func (s *Snapshot) RefreshStatus(pod *workload.Pod) bool {
	if pod == nil {
		return false
	}
	e := s.pods[podID{pod.Namespace, pod.Name}]
	if e == nil || e.node.name != pod.Spec.NodeName || e.uid != pod.UID || e.generation != pod.Generation ||
		e.deleting != (pod.DeletionTimestamp != nil) {
		return false
	}
	ctrl := ""
	if ref := workload.ControllerOf(pod); ref != nil {
		ctrl = ref.UID
	}
	if e.ctrl != ctrl {
		return false
	}
	e.pod = pod
	e.node.Pods[e.idx] = pod
	return true
}

// Pod returns the version of the pod of that namespace and name that the
// snapshot counts, or nil when it counts none. The caller must not modify
// it.
func (s *Snapshot) Pod(namespace, name string) *workload.Pod {
	if e := s.pods[podID{namespace, name}]; e != nil {
		return e.pod
	}
	return nil
}

// HasPod reports whether the snapshot counts the pod of that namespace
// and name.
func (s *Snapshot) HasPod(namespace, name string) bool {
	_, ok := s.pods[podID{namespace, name}]
	return ok
}

// RemovePod forgets the pod with pod's namespace and name; forgetting an
// unknown pod does nothing.
func (s *Snapshot) RemovePod(pod *workload.Pod) {
	if pod == nil {
		return
	}
	id := podID{pod.Namespace, pod.Name}
	if e := s.pods[id]; e != nil {
		s.removeEntry(id, e)
	}
}

func (s *Snapshot) removeEntry(id podID, e *podEntry) {
	n := e.node
	n.removeEntry(e)
	if e.aff != nil {
		last := len(s.withAffinity) - 1
		moved := s.withAffinity[last]
		s.withAffinity[e.affIdx] = moved
		moved.affIdx = e.affIdx
		s.withAffinity[last] = nil
		s.withAffinity = s.withAffinity[:last]
		e.aff = nil
	}
	if e.owned {
		s.removeOwner(n, e.ownerH)
	}
	s.sync(n)
	delete(s.pods, id)
	if n.Node == nil && len(n.Pods) == 0 {
		delete(s.byName, n.name)
	}
}

// SetNamespace records the labels of a namespace, which inter-pod
// affinity terms with a namespaceSelector match, with the
// kubernetes.io/metadata.name label the API server sets on every
// namespace. A namespace never given has that label alone.
func (s *Snapshot) SetNamespace(ns *workload.Namespace) {
	if ns == nil {
		return
	}
	if s.nsLabels == nil {
		s.nsLabels = map[string]klabels.Set{}
	}
	set := make(klabels.Set, len(ns.Labels)+1)
	for k, v := range ns.Labels {
		set[k] = v
	}
	set[workload.LabelMetadataName] = ns.Name
	s.nsLabels[ns.Name] = set
}

// RemoveNamespace forgets what SetNamespace recorded of the namespace.
func (s *Snapshot) RemoveNamespace(name string) { delete(s.nsLabels, name) }

func (s *Snapshot) namespaceLabels(ns string) klabels.Set {
	if set, ok := s.nsLabels[ns]; ok {
		return set
	}
	return klabels.Set{workload.LabelMetadataName: ns}
}
