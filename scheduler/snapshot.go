package scheduler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/orchestra-go/orchestra/workload"
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

	// What every Schedule reads for every node comes first, to share cache
	// lines with Node and Pods.
	ready         bool
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
	owners  []ownerCount // per controller with pods here, not terminating
	entries []*podEntry  // parallel to Pods
}

// ownerCount counts the pods of one controller on a node. The controller
// is known by ownerHash of its uid alone: two uids colliding on 64 mixed
// bits (odds about 1 in 10^19 per pair) would only bend a soft score.
type ownerCount struct {
	hash uint64
	n    int64
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
		return n.owners[i].n
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
	n.ready = false
	for _, c := range node.Status.Conditions {
		if c.Type == workload.NodeReady {
			n.ready = c.Status == workload.ConditionTrue
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
	n.ready, n.unschedulable = false, false
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
	if e.owned {
		if i := n.ownerIndex(e.ownerH); i >= 0 {
			n.owners[i].n++
		} else {
			n.owners = append(n.owners, ownerCount{hash: e.ownerH, n: 1})
			n.ownerBloom |= 1 << (e.ownerH >> 58)
		}
	}
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
	if e.owned {
		if i := n.ownerIndex(e.ownerH); i >= 0 {
			if n.owners[i].n--; n.owners[i].n == 0 {
				last := len(n.owners) - 1
				n.owners[i] = n.owners[last]
				n.owners = n.owners[:last]
				n.ownerBloom = 0
				for _, o := range n.owners {
					n.ownerBloom |= 1 << (o.hash >> 58)
				}
			}
		}
	}
	e.node = nil
}

// Snapshot is the scheduler's view of the cluster: every node with the pods
// bound to it. The caller keeps one live snapshot and updates it per watch
// event (AddNode, UpdateNode, RemoveNode, AddPod, UpdatePod, RemovePod);
// each update costs O(1) amortised, plus O(log nodes) to keep the node
// list sorted by name, so that scheduling never rebuilds it.
//
// The snapshot keeps the pointers it is given: the objects must not change
// afterwards (give it copies, as the store hands out). A Snapshot is not
// safe for concurrent use.
type Snapshot struct {
	list   []*NodeInfo          // nodes with a Node object, sorted by name
	byName map[string]*NodeInfo // every node, and placeholders for pods on unknown nodes
	pods   map[podID]*podEntry
	owners map[uint64]int // ownerHash -> pods counted for spreading
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
		owners: make(map[uint64]int),
	}
	for _, n := range nodes {
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
		s.owners = make(map[uint64]int)
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
	n.setNode(node)
	if !wasListed {
		i, _ := slices.BinarySearchFunc(s.list, node.Name, cmpName)
		s.list = slices.Insert(s.list, i, n)
	}
	return nil
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
	if i, ok := slices.BinarySearchFunc(s.list, name, cmpName); ok {
		s.list = slices.Delete(s.list, i, i+1)
	}
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
	if ref := workload.ControllerOf(pod); ref != nil && pod.DeletionTimestamp == nil {
		e.owned, e.ownerH = true, ownerHash(ref.UID)
		s.owners[e.ownerH]++
	}
	n := s.byName[pod.Spec.NodeName]
	if n == nil {
		n = &NodeInfo{name: pod.Spec.NodeName}
		s.byName[pod.Spec.NodeName] = n
	}
	n.addEntry(e)
	s.pods[id] = e
	return nil
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
	if e.owned {
		if s.owners[e.ownerH]--; s.owners[e.ownerH] == 0 {
			delete(s.owners, e.ownerH)
		}
	}
	delete(s.pods, id)
	if n.Node == nil && len(n.Pods) == 0 {
		delete(s.byName, n.name)
	}
}
