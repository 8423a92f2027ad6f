package fake

import (
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Node condition reasons, as the kubelet writes them.
const (
	reasonKubeletReady    = "KubeletReady"
	reasonKubeletNotReady = "KubeletNotReady"
)

// nodeState is the runtime's own view of one node: its object (the truth
// the store copies), its pod address range and its pods.
type nodeState struct {
	name   string
	snap   *workload.Node // as last reported; never modified
	hostIP string
	// hostIPs is the status.hostIPs of every pod on the node: one list,
	// shared (read-only) by their statuses.
	hostIPs []workload.HostIP
	cidr    uint32      // first address of the pod CIDR
	size    uint32      // addresses in the pod CIDR
	used    []uint64    // bit i: address cidr+i is taken (or reserved)
	failed  bool        // FailNode: the kubelet stopped reporting
	pods    []*podState // in no order; podState.nodeIdx is a pod's place
}

// addPod adds p to the node's pods.
func (n *nodeState) addPod(p *podState) {
	p.nodeIdx = int32(len(n.pods))
	n.pods = append(n.pods, p)
}

// removePod removes p from the node's pods, if it is there.
func (n *nodeState) removePod(p *podState) {
	i := int(p.nodeIdx)
	if i < 0 || i >= len(n.pods) || n.pods[i] != p {
		return
	}
	last := len(n.pods) - 1
	n.pods[i] = n.pods[last]
	n.pods[i].nodeIdx = int32(i)
	n.pods[last] = nil
	n.pods = n.pods[:last]
	p.nodeIdx = -1
}

func ip4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func ip4String(v uint32) string {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// allocIP returns the lowest free pod address of the node.
func (n *nodeState) allocIP() (uint32, bool) {
	for i, w := range n.used {
		if w != ^uint64(0) {
			off := uint32(i*64 + bits.TrailingZeros64(^w))
			if off >= n.size {
				return 0, false
			}
			n.used[i] |= 1 << (off % 64)
			return n.cidr + off, true
		}
	}
	return 0, false
}

func (n *nodeState) releaseIP(ip uint32) {
	off := ip - n.cidr
	if off < n.size {
		n.used[off/64] &^= 1 << (off % 64)
	}
}

func (n *nodeState) sortedPods() []*podState {
	ps := slices.Clone(n.pods)
	slices.SortFunc(ps, func(a, b *podState) int { return strings.Compare(a.key, b.key) })
	return ps
}

// AddNode adds a node, as a kubelet registering itself. The runtime keeps
// a copy with these defaults filled in: capacity cpu 4, memory 16Gi, pods
// 110 (each missing key); allocatable = capacity where unset; a Ready
// condition True when no Ready condition is given; the labels
// kubernetes.io/hostname, kubernetes.io/os=linux and
// kubernetes.io/arch=amd64 where absent; spec.podCIDR(s) from
// Config.PodCIDRBase when unset; an InternalIP and Hostname address when
// there are none. Watchers see an Added event. A node Kubernetes would
// refuse (workload.Validate: its name, labels, taints, a negative or
// fractional capacity) is refused with an error wrapping ErrInvalid and
// workload.ErrInvalid that names the field, and changes nothing; so is a
// SetNodeLabels or SetNodeTaints that would make the node so.
func (r *Runtime) AddNode(node *workload.Node) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ref := "Node/"
	if node != nil {
		ref += node.Name
	}
	return r.record("AddNode", ref, r.addNode(node))
}

func (r *Runtime) addNode(in *workload.Node) error {
	if err := r.begin(nil); err != nil {
		return err
	}
	if in == nil {
		return fmt.Errorf("%w: AddNode: node is nil", ErrInvalid)
	}
	if in.Name == "" {
		return fmt.Errorf("%w: Node: metadata.name: required", ErrInvalid)
	}
	if r.nodes[in.Name] != nil {
		return fmt.Errorf("fake: Node/%s: %w", in.Name, ErrNodeExists)
	}
	n := in.DeepCopy()
	n.ResourceVersion = ""
	n.Namespace = ""

	var cidr netip.Prefix
	if n.Spec.PodCIDR != "" {
		p, err := netip.ParsePrefix(n.Spec.PodCIDR)
		if err != nil || !p.Addr().Is4() || p.Bits() < 8 || p.Bits() > 30 {
			return fmt.Errorf("%w: Node/%s: spec.podCIDR: %q is not an IPv4 prefix between /8 and /30", ErrInvalid, n.Name, n.Spec.PodCIDR)
		}
		cidr = p.Masked()
	} else {
		a := r.cidrBase + r.nodeSeq<<8
		cidr = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), 0}), 24)
		n.Spec.PodCIDR = cidr.String()
	}
	if len(n.Spec.PodCIDRs) == 0 {
		n.Spec.PodCIDRs = []string{n.Spec.PodCIDR}
	}
	hostIP := ip4String(0xAC100000 + r.nodeSeq + 2) // 172.16.0.2 upwards

	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	for k, v := range map[string]string{workload.LabelHostname: n.Name, workload.LabelOS: "linux", workload.LabelArch: "amd64"} {
		if _, ok := n.Labels[k]; !ok {
			n.Labels[k] = v
		}
	}
	if n.Status.Capacity == nil {
		n.Status.Capacity = workload.ResourceList{}
	}
	for k, v := range map[string]string{workload.ResourceCPU: "4", workload.ResourceMemory: "16Gi", workload.ResourcePods: "110"} {
		if _, ok := n.Status.Capacity[k]; !ok {
			n.Status.Capacity[k] = resource.MustParse(v)
		}
	}
	if n.Status.Allocatable == nil {
		n.Status.Allocatable = workload.ResourceList{}
	}
	for k, v := range n.Status.Capacity {
		if _, ok := n.Status.Allocatable[k]; !ok {
			n.Status.Allocatable[k] = v.DeepCopy()
		}
	}
	now := workload.NewTime(r.clock.Now())
	if !slices.ContainsFunc(n.Status.Conditions, func(c workload.NodeCondition) bool { return c.Type == workload.NodeReady }) {
		n.Status.Conditions = append(n.Status.Conditions, workload.NodeCondition{
			Type: workload.NodeReady, Status: workload.ConditionTrue, Reason: reasonKubeletReady,
			Message: "kubelet is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now,
		})
	}
	// The pressure conditions come first, Ready last, in the kubelet's
	// order (defaultNodeStatusFuncs).
	var conds []workload.NodeCondition
	for _, pc := range pressureConditions {
		if !slices.ContainsFunc(n.Status.Conditions, func(c workload.NodeCondition) bool { return c.Type == pc.typ }) {
			conds = append(conds, workload.NodeCondition{
				Type: pc.typ, Status: workload.ConditionFalse, Reason: pc.reason, Message: pc.msg,
				LastHeartbeatTime: now, LastTransitionTime: now,
			})
		}
	}
	n.Status.Conditions = append(conds, n.Status.Conditions...)
	if len(n.Status.Addresses) == 0 {
		n.Status.Addresses = []workload.NodeAddress{{Type: "InternalIP", Address: hostIP}, {Type: "Hostname", Address: n.Name}}
	} else {
		for _, a := range n.Status.Addresses {
			if a.Type == "InternalIP" {
				hostIP = a.Address
				break
			}
		}
	}
	if err := workload.Validate(n); err != nil {
		return fmt.Errorf("%w: AddNode: %w", ErrInvalid, err)
	}
	if n.UID == "" {
		n.UID = r.newUID()
	}
	if n.CreationTimestamp.IsZero() {
		n.CreationTimestamp = now
	}
	n.Generation = max(n.Generation, 1)
	n.APIVersion, n.TypeMeta.Kind = "v1", "Node"
	size := uint32(1) << (32 - cidr.Bits())
	ns := &nodeState{
		name:    n.Name,
		snap:    n,
		hostIP:  hostIP,
		hostIPs: []workload.HostIP{{IP: hostIP}},
		cidr:    ip4(cidr.Addr()),
		size:    size,
		used:    make([]uint64, (size+63)/64),
	}
	// Reserve the network address, the gateway (.1) and the broadcast
	// address.
	for _, off := range []uint32{0, 1, size - 1} {
		ns.used[off/64] |= 1 << (off % 64)
	}
	for off := size; off < uint32(len(ns.used))*64; off++ {
		ns.used[off/64] |= 1 << (off % 64)
	}
	r.nodes[n.Name] = ns
	r.emit(workload.Added, n)
	r.nodeSeq++ // counted for every node, so node i keeps the i-th /24
	r.logInfo("node added", "node", n.Name, "podCIDR", n.Spec.PodCIDR)
	return nil
}

// node returns the named node or an error naming it. Caller holds mu.
func (r *Runtime) node(name string) (*nodeState, error) {
	if err := r.begin(nil); err != nil {
		return nil, err
	}
	n := r.nodes[name]
	if n == nil {
		return nil, fmt.Errorf("fake: Node/%s: %w", name, workload.ErrNodeNotFound)
	}
	return n, nil
}

// nodeOp runs f on a copy of the named node under the lock, records the
// call and, when f reports a change, reports the node (a Modified event).
func (r *Runtime) nodeOp(method, name string, f func(n *nodeState, obj *workload.Node) bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.record(method, "Node/"+name, r.nodeOpLocked(name, f))
}

func (r *Runtime) nodeOpLocked(name string, f func(n *nodeState, obj *workload.Node) bool) error {
	n, err := r.node(name)
	if err != nil {
		return err
	}
	obj := n.snap.DeepCopy()
	if f(n, obj) {
		if err := workload.Validate(obj); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err) // the node stays as it was
		}
		r.emit(workload.Modified, obj)
		n.snap = obj
	}
	return nil
}

// RemoveNode removes a node and, first, every pod on it (Deleted events,
// in namespace/name order, then the node's).
func (r *Runtime) RemoveNode(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.record("RemoveNode", "Node/"+name, r.removeNode(name))
}

func (r *Runtime) removeNode(name string) error {
	n, err := r.node(name)
	if err != nil {
		return err
	}
	for _, p := range n.sortedPods() {
		r.dropPod(p)
	}
	delete(r.nodes, name)
	last := *n.snap // shares the immutable rest; only the version differs
	r.emit(workload.Deleted, &last)
	r.logInfo("node removed", "node", name)
	return nil
}

// SetNodeLabels merges labels into the node's: a nil value deletes the
// label.
func (r *Runtime) SetNodeLabels(name string, labels map[string]*string) error {
	return r.nodeOp("SetNodeLabels", name, func(_ *nodeState, obj *workload.Node) bool {
		changed := false
		if obj.Labels == nil {
			obj.Labels = map[string]string{}
		}
		for k, v := range labels {
			old, had := obj.Labels[k]
			switch {
			case v == nil && had:
				delete(obj.Labels, k)
				changed = true
			case v != nil && (!had || old != *v):
				obj.Labels[k] = *v
				changed = true
			}
		}
		return changed
	})
}

// SetNodeTaints replaces all the node's taints.
func (r *Runtime) SetNodeTaints(name string, taints []workload.Taint) error {
	return r.nodeOp("SetNodeTaints", name, func(_ *nodeState, obj *workload.Node) bool {
		var ts []workload.Taint
		for _, t := range taints {
			ts = append(ts, *t.DeepCopy())
		}
		if slices.EqualFunc(ts, obj.Spec.Taints, taintEqual) {
			return false
		}
		obj.Spec.Taints = ts
		return true
	})
}

func taintEqual(a, b workload.Taint) bool {
	if a.Key != b.Key || a.Value != b.Value || a.Effect != b.Effect || (a.TimeAdded == nil) != (b.TimeAdded == nil) {
		return false
	}
	return a.TimeAdded == nil || a.TimeAdded.Equal(b.TimeAdded.Time)
}

// Cordon marks the node unschedulable (spec.unschedulable).
func (r *Runtime) Cordon(name string) error {
	return r.nodeOp("Cordon", name, func(_ *nodeState, obj *workload.Node) bool {
		changed := !obj.Spec.Unschedulable
		obj.Spec.Unschedulable = true
		return changed
	})
}

// Uncordon marks the node schedulable again.
func (r *Runtime) Uncordon(name string) error {
	return r.nodeOp("Uncordon", name, func(_ *nodeState, obj *workload.Node) bool {
		changed := obj.Spec.Unschedulable
		obj.Spec.Unschedulable = false
		return changed
	})
}

// SetNodeReady sets the node's Ready condition True or False, as its
// kubelet reports it. The node's pods keep running either way: evicting
// them is the control plane's job. On a node that FailNode failed, the
// kubelet reports again at once: the node's status (every condition with
// a new lastHeartbeatTime, without the KubeletSilentSinceAnnotation), then
// the statuses of its pods that changed meanwhile (in namespace/name
// order), and the pods whose deletion finished meanwhile are gone. A node
// that becomes Ready, or comes back Ready from FailNode, reports every
// pod's status again, as a kubelet reconciles the statuses the control
// plane changed meanwhile (the node lifecycle controller marks the pods of
// a node that is not ready NotReady).
func (r *Runtime) SetNodeReady(name string, ready bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var flush *nodeState
	all := false
	err := r.nodeOpLocked(name, func(n *nodeState, obj *workload.Node) bool {
		status, reason, msg := workload.ConditionFalse, reasonKubeletNotReady, "kubelet is not ready"
		if ready {
			status, reason, msg = workload.ConditionTrue, reasonKubeletReady, "kubelet is posting ready status"
		}
		now := r.clock.Now()
		changed := setNodeReady(obj, status, reason, msg, now)
		if n.failed {
			// The kubelet posts its status again: every condition's
			// heartbeat moves.
			n.failed = false
			flush, changed = n, true
			delete(obj.Annotations, workload.KubeletSilentSinceAnnotation)
			if len(obj.Annotations) == 0 {
				obj.Annotations = nil
			}
			t := workload.NewTime(now)
			for i := range obj.Status.Conditions {
				obj.Status.Conditions[i].LastHeartbeatTime = t
			}
			all = ready
		}
		if ready && changed {
			flush, all = n, true
		}
		return changed
	})
	if flush != nil {
		for _, p := range flush.sortedPods() {
			switch {
			case p.removeWhenBack:
				// Gone: its name may already belong to another pod.
				r.dropPod(p)
			case all || p.dirty:
				r.publish(p)
			}
			p.thaw()
		}
	}
	if err == nil {
		r.logInfo("node ready changed", "node", name, "ready", ready)
	}
	return r.record("SetNodeReady", "Node/"+name, err)
}

// FailNode makes the node's kubelet stop reporting, as a kubelet that
// crashed or lost its network: the node is reported once more, with the
// status it last posted and the KubeletSilentSinceAnnotation (the time
// of its last heartbeat, now), and then not at all; the statuses of its
// pods stay as last reported, although their containers go on running in
// the fake. The node's conditions are the control plane's to change:
// through a cluster, the node lifecycle controller marks them Unknown
// (NodeStatusUnknown, "Kubelet stopped posting node status.") once the
// node monitor grace period (50 s) has passed, then taints the node
// unreachable and marks its pods not ready; the pods are evicted when
// their toleration of the taint (300 s by default) runs out, about 350 s
// after the failure, as in Kubernetes. SetNodeReady brings the kubelet
// back. FailNode on a failed node does nothing.
// DeletePod still runs its course on the node's pods, but a pod whose
// deletion finishes stays (no Deleted event) until the kubelet reports
// again, as a pod on an unreachable node stays Terminating in Kubernetes;
// RemoveNode removes the node and its pods at once.
func (r *Runtime) FailNode(name string) error {
	return r.nodeOp("FailNode", name, func(n *nodeState, obj *workload.Node) bool {
		if n.failed {
			return false
		}
		// What GetPod and List say while the node is failed: the
		// statuses as last reported (shared: a pod's status lists are
		// copied before they change once reported).
		for _, p := range n.pods {
			if p.repVersion != 0 {
				st := p.status
				p.podTimers().frozen = &st
			}
		}
		n.failed = true
		r.logInfo("node failed", "node", name)
		if obj.Annotations == nil {
			obj.Annotations = map[string]string{}
		}
		obj.Annotations[workload.KubeletSilentSinceAnnotation] = r.clock.Now().UTC().Format(time.RFC3339Nano)
		return true
	})
}

// pressureConditions are the node conditions a kubelet reports besides
// Ready, as a healthy kubelet reports them (False; pkg/kubelet/nodestatus
// MemoryPressureCondition, DiskPressureCondition, PIDPressureCondition).
var pressureConditions = []struct{ typ, reason, msg string }{
	{workload.NodeMemoryPressure, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
	{workload.NodeDiskPressure, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
	{workload.NodePIDPressure, "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
}

// setNodeReady sets the node's Ready condition as the kubelet posts it and
// reports whether it changed. A pressure condition that is Unknown (as a
// node was added with it) is posted False again; the others stay as the
// kubelet last posted them.
func setNodeReady(obj *workload.Node, status, reason, msg string, now time.Time) bool {
	t := workload.NewTime(now)
	for i := range obj.Status.Conditions {
		c := &obj.Status.Conditions[i]
		for _, pc := range pressureConditions {
			if c.Type != pc.typ || c.Status != workload.ConditionUnknown {
				continue
			}
			c.Status, c.Reason, c.Message = workload.ConditionFalse, pc.reason, pc.msg
			c.LastTransitionTime, c.LastHeartbeatTime = t, t
		}
	}
	for i := range obj.Status.Conditions {
		c := &obj.Status.Conditions[i]
		if c.Type != workload.NodeReady {
			continue
		}
		if c.Status == status && c.Reason == reason {
			return false
		}
		if c.Status != status {
			c.LastTransitionTime = t
		}
		c.LastHeartbeatTime = t
		c.Status, c.Reason, c.Message = status, reason, msg
		return true
	}
	obj.Status.Conditions = append(obj.Status.Conditions, workload.NodeCondition{
		Type: workload.NodeReady, Status: status, Reason: reason, Message: msg, LastTransitionTime: t, LastHeartbeatTime: t,
	})
	return true
}
