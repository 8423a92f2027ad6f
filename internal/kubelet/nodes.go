package kubelet

import (
	"fmt"
	"math/bits"
	"net/netip"
	"runtime"
	"slices"
	"strings"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// nodeState is the kubelet's view of one node.
type nodeState struct {
	name   string
	snap   *workload.Node // as last reported; never modified
	hostIP string
	// hostIPs is the status.hostIPs of every pod on the node, shared
	// (read-only) by their statuses.
	hostIPs []workload.HostIP
	cidr    uint32    // first address of the pod CIDR (127.1.i.0)
	used    [4]uint64 // bit i: address cidr+i is taken (or reserved)
	pods    map[*podState]struct{}
}

const loopbackNodes = 0x7F010000 // 127.1.0.0

func ip4String(v uint32) string {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// allocIP returns the lowest free pod address of the node's /24.
func (n *nodeState) allocIP() (uint32, bool) {
	for i, w := range n.used {
		if w != ^uint64(0) {
			off := uint32(i*64 + bits.TrailingZeros64(^w))
			n.used[i] |= 1 << (off % 64)
			return n.cidr + off, true
		}
	}
	return 0, false
}

func (n *nodeState) releaseIP(ip uint32) {
	if off := ip - n.cidr; off < 256 {
		n.used[off/64] &^= 1 << (off % 64)
	}
}

func (n *nodeState) sortedPods() []*podState {
	ps := make([]*podState, 0, len(n.pods))
	for p := range n.pods {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *podState) int { return strings.Compare(a.key, b.key) })
	return ps
}

// AddNode adds a node, as a kubelet registering itself, with the fake
// runtime's defaults: capacity cpu 4, memory 16Gi, pods 110 (each missing
// key), allocatable = capacity where unset, a Ready condition True, the
// labels kubernetes.io/hostname, kubernetes.io/os and kubernetes.io/arch
// (this machine's GOOS and GOARCH) where absent, spec.podCIDR
// 127.1.i.0/24 for the i-th node added (from 0, or from
// Config.FirstPodCIDR; any given podCIDR is
// replaced: addresses are the runtime's), and the addresses InternalIP
// (127.1.i.1, or 127.0.0.1 under AddressingShared) and Hostname. A node
// that workload.Validate refuses is refused, naming the field (ErrInvalid,
// and workload.ErrInvalid), and changes nothing.
func (k *Kubelet) AddNode(in *workload.Node) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.begin(nil); err != nil {
		return err
	}
	if in == nil {
		return fmt.Errorf("%s: %w: AddNode: node is nil", k.name, ErrInvalid)
	}
	if in.Name == "" {
		return fmt.Errorf("%s: %w: Node: metadata.name: required", k.name, ErrInvalid)
	}
	if k.nodes[in.Name] != nil {
		return fmt.Errorf("%s: Node/%s: %w", k.name, in.Name, ErrNodeExists)
	}
	cidr := k.cidr0 + k.nodeSeq<<8
	if k.nodeSeq >= (0x7FFFFF00-k.cidr0)>>8 {
		return fmt.Errorf("%s: Node/%s: no /24 left in 127.0.0.0/8: %w", k.name, in.Name, ErrNoPodIP)
	}
	n := in.DeepCopy()
	n.ResourceVersion = ""
	n.Namespace = ""
	n.Spec.PodCIDR = ip4String(cidr) + "/24"
	n.Spec.PodCIDRs = []string{n.Spec.PodCIDR}
	hostIP := ip4String(cidr + 1)
	if k.shared {
		hostIP = "127.0.0.1"
	}
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	for key, v := range map[string]string{workload.LabelHostname: n.Name, workload.LabelOS: runtime.GOOS, workload.LabelArch: runtime.GOARCH} {
		if _, ok := n.Labels[key]; !ok {
			n.Labels[key] = v
		}
	}
	if n.Status.Capacity == nil {
		n.Status.Capacity = workload.ResourceList{}
	}
	for key, v := range map[string]string{workload.ResourceCPU: "4", workload.ResourceMemory: "16Gi", workload.ResourcePods: "110"} {
		if _, ok := n.Status.Capacity[key]; !ok {
			n.Status.Capacity[key] = resource.MustParse(v)
		}
	}
	if n.Status.Allocatable == nil {
		n.Status.Allocatable = workload.ResourceList{}
	}
	for key, v := range n.Status.Capacity {
		if _, ok := n.Status.Allocatable[key]; !ok {
			n.Status.Allocatable[key] = v.DeepCopy()
		}
	}
	now := workload.NewTime(k.clock.Now())
	if !slices.ContainsFunc(n.Status.Conditions, func(c workload.NodeCondition) bool { return c.Type == workload.NodeReady }) {
		n.Status.Conditions = append(n.Status.Conditions, workload.NodeCondition{
			Type: workload.NodeReady, Status: workload.ConditionTrue, Reason: "KubeletReady",
			Message: "kubelet is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now,
		})
	}
	n.Status.Addresses = []workload.NodeAddress{{Type: "InternalIP", Address: hostIP}, {Type: "Hostname", Address: n.Name}}
	if err := workload.Validate(n); err != nil {
		return fmt.Errorf("%s: %w: AddNode: %w", k.name, ErrInvalid, err)
	}
	if n.UID == "" {
		n.UID = newUID()
	}
	if n.CreationTimestamp.IsZero() {
		n.CreationTimestamp = now
	}
	n.Generation = max(n.Generation, 1)
	n.APIVersion, n.TypeMeta.Kind = "v1", "Node"
	ns := &nodeState{name: n.Name, snap: n, hostIP: hostIP, hostIPs: []workload.HostIP{{IP: hostIP}}, cidr: cidr, pods: map[*podState]struct{}{}}
	ns.used[0] |= 1 | 2   // network address and the host (.1)
	ns.used[3] |= 1 << 63 // broadcast
	k.nodes[n.Name] = ns
	k.events.Emit(workload.Added, n)
	k.nodeSeq++
	k.logInfo("node added", "node", n.Name, "podCIDR", n.Spec.PodCIDR)
	return nil
}

// RemoveNode removes a node and, first, every pod on it: their runs are
// killed and they are reported deleted (in namespace/name order), then the
// node.
func (k *Kubelet) RemoveNode(name string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	n, err := k.node(name)
	if err != nil {
		return err
	}
	for _, p := range n.sortedPods() {
		k.removePod(p)
	}
	delete(k.nodes, name)
	last := *n.snap
	k.events.Emit(workload.Deleted, &last)
	k.logInfo("node removed", "node", name)
	return nil
}

// SetNodeReady sets the node's Ready condition True or False, as its
// kubelet reports it. Its pods keep running either way. A node that
// becomes Ready reports every pod's status again (in key order), as a
// kubelet reconciles the statuses the control plane changed meanwhile
// (the node lifecycle controller marks the pods of a node that is not
// ready NotReady).
func (k *Kubelet) SetNodeReady(name string, ready bool) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	n, err := k.node(name)
	if err != nil {
		return err
	}
	status, reason, msg := workload.ConditionFalse, "KubeletNotReady", "kubelet is not ready"
	if ready {
		status, reason, msg = workload.ConditionTrue, "KubeletReady", "kubelet is posting ready status"
	}
	obj := n.snap.DeepCopy()
	now := workload.NewTime(k.clock.Now())
	found := false
	for i := range obj.Status.Conditions {
		c := &obj.Status.Conditions[i]
		if c.Type != workload.NodeReady {
			continue
		}
		found = true
		if c.Status == status {
			return nil
		}
		c.Status, c.Reason, c.Message, c.LastTransitionTime, c.LastHeartbeatTime = status, reason, msg, now, now
	}
	if !found {
		obj.Status.Conditions = append(obj.Status.Conditions, workload.NodeCondition{Type: workload.NodeReady,
			Status: status, Reason: reason, Message: msg, LastTransitionTime: now, LastHeartbeatTime: now})
	}
	k.events.Emit(workload.Modified, obj)
	n.snap = obj
	if ready {
		pods := make([]*podState, 0, len(n.pods))
		for p := range n.pods {
			pods = append(pods, p)
		}
		slices.SortFunc(pods, func(a, b *podState) int { return strings.Compare(a.key, b.key) })
		for _, p := range pods {
			again := *p.snap // snapshots are never modified: a shallow copy is a new one
			k.events.Emit(workload.Modified, &again)
			p.snap = &again
		}
	}
	k.logInfo("node ready changed", "node", name, "ready", ready)
	return nil
}

// GetNode returns a copy of the node as last reported.
func (k *Kubelet) GetNode(name string) (*workload.Node, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := k.nodes[name]
	if n == nil {
		return nil, fmt.Errorf("%s: Node/%s: %w", k.name, name, workload.ErrNodeNotFound)
	}
	return n.snap.DeepCopy(), nil
}

// node returns the named node. Caller holds mu.
func (k *Kubelet) node(name string) (*nodeState, error) {
	if err := k.begin(nil); err != nil {
		return nil, err
	}
	n := k.nodes[name]
	if n == nil {
		return nil, fmt.Errorf("%s: Node/%s: %w", k.name, name, workload.ErrNodeNotFound)
	}
	return n, nil
}
