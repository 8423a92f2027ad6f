package scheduler

import (
	"slices"
	"strings"
)

// Filter decides whether a pod may run on a node. It returns ok, or the
// reason the node does not fit in kube-scheduler's words; a reason naming
// several causes separates them with ", ". Filters are pure: they read the
// pod and the node and change neither. They run once per node per pod, so
// they must not allocate.
type Filter interface {
	Filter(p *PodInfo, n *NodeInfo) (ok bool, reason string)
}

// DefaultFilters returns the filters a zero Config uses, in the order they
// run; a node's reason is that of the first filter it fails, cheapest
// checks first as kube-scheduler orders its plugins.
func DefaultFilters() []Filter {
	return []Filter{
		NodeNameFilter{},
		UnschedulableFilter{},
		ReadyFilter{},
		TaintFilter{},
		NodeSelectorFilter{},
		NodeAffinityFilter{},
		HostPortsFilter{},
		ResourcesFilter{},
		TopologySpreadFilter{},
		InterPodAffinityFilter{},
	}
}

// defaultFits runs DefaultFilters in their order with direct calls, which
// the compiler can inline; it must agree with the generic loop
// (TestDefaultFitsMatchesFilters).
func defaultFits(p *PodInfo, n *NodeInfo) (bool, string) {
	if ok, r := (NodeNameFilter{}).Filter(p, n); !ok {
		return false, r
	}
	if ok, r := (UnschedulableFilter{}).Filter(p, n); !ok {
		return false, r
	}
	if ok, r := (ReadyFilter{}).Filter(p, n); !ok {
		return false, r
	}
	if ok, r := (TaintFilter{}).Filter(p, n); !ok {
		return false, r
	}
	if ok, r := (NodeSelectorFilter{}).Filter(p, n); !ok {
		return false, r
	}
	if ok, r := (NodeAffinityFilter{}).Filter(p, n); !ok {
		return false, r
	}
	if ok, r := (HostPortsFilter{}).Filter(p, n); !ok {
		return false, r
	}
	if ok, r := (ResourcesFilter{}).Filter(p, n); !ok {
		return false, r
	}
	if p.spreadReady {
		if ok, r := (TopologySpreadFilter{}).Filter(p, n); !ok {
			return false, r
		}
	}
	if p.inter == nil {
		return true, ""
	}
	return (InterPodAffinityFilter{}).Filter(p, n)
}

// NodeNameFilter lets a pod whose spec.nodeName is set fit only that node
// (kube-scheduler's NodeName plugin).
type NodeNameFilter struct{}

// Filter implements Filter.
func (NodeNameFilter) Filter(p *PodInfo, n *NodeInfo) (bool, string) {
	if name := p.Pod.Spec.NodeName; name != "" && name != n.name {
		return false, ReasonNodeName
	}
	return true, ""
}

// UnschedulableFilter keeps pods off a cordoned node (spec.unschedulable)
// unless they tolerate node.kubernetes.io/unschedulable:NoSchedule, as
// kube-scheduler's NodeUnschedulable plugin.
type UnschedulableFilter struct{}

// Filter implements Filter.
func (UnschedulableFilter) Filter(p *PodInfo, n *NodeInfo) (bool, string) {
	if n.unschedulable && !p.tolerates.unschedulable {
		return false, ReasonUnschedulable
	}
	return true, ""
}

// ReadyFilter keeps pods off a node whose Ready condition is not True
// unless the pod tolerates the taints the node lifecycle gives such a
// node, with both effects NoSchedule and NoExecute:
// node.kubernetes.io/not-ready when the condition is False,
// node.kubernetes.io/unreachable when it is Unknown or missing. The 300 s
// NoExecute tolerations every pod gets by default are not enough.
//
// Kubernetes has no such filter: it taints a node that is not ready and the
// taint filter does the rest. Checking the condition as well keeps pods off
// a node that is not ready before the node lifecycle has tainted it; a
// node that carries the taint is still checked, exactly, by TaintFilter.
// The reason reads as the taint's would.
type ReadyFilter struct{}

// Filter implements Filter.
func (ReadyFilter) Filter(p *PodInfo, n *NodeInfo) (bool, string) {
	if !n.ready {
		if n.unreachable {
			if !p.tolerates.unreachable {
				return false, ReasonUnreachable
			}
		} else if !p.tolerates.notReady {
			return false, ReasonNotReady
		}
	}
	return true, ""
}

// TaintFilter keeps pods off a node with a NoSchedule or NoExecute taint
// the pod does not tolerate (kube-scheduler's TaintToleration filter).
// PreferNoSchedule taints only score, in TaintScorer. The reason names the
// first untolerated taint in the node's order.
type TaintFilter struct{}

// Filter implements Filter.
func (TaintFilter) Filter(p *PodInfo, n *NodeInfo) (bool, string) {
	tols := p.Pod.Spec.Tolerations
	for i := range n.hardTaints {
		if !toleratesAny(tols, &n.hardTaints[i].taint) {
			return false, n.hardTaints[i].reason
		}
	}
	return true, ""
}

// NodeSelectorFilter needs every label of spec.nodeSelector on the node
// with the same value.
type NodeSelectorFilter struct{}

// Filter implements Filter.
func (NodeSelectorFilter) Filter(p *PodInfo, n *NodeInfo) (bool, string) {
	sel := p.Pod.Spec.NodeSelector
	if len(sel) == 0 {
		return true, ""
	}
	labels := n.Node.Labels
	for k, v := range sel {
		if got, ok := labels[k]; !ok || got != v {
			return false, ReasonNodeAffinity
		}
	}
	return true, ""
}

// NodeAffinityFilter needs the node to match the pod's required node
// affinity: one of the terms (ORed), each a list of requirements (ANDed)
// on labels (In, NotIn, Exists, DoesNotExist, Gt, Lt) and on the field
// metadata.name (In, NotIn). A term with no requirements matches nothing,
// so an empty list of terms matches no node, as in Kubernetes. NotIn and
// DoesNotExist match a node without the label; Gt and Lt compare the label
// as an integer and fail when it, or the requirement's value, is not one.
type NodeAffinityFilter struct{}

// Filter implements Filter.
func (NodeAffinityFilter) Filter(p *PodInfo, n *NodeInfo) (bool, string) {
	if p.hasRequired && !p.required.matches(n) {
		return false, ReasonNodeAffinity
	}
	return true, ""
}

// HostPortsFilter keeps a pod off a node where one of its host ports is in
// use: same port and protocol, and the same host IP or either one 0.0.0.0
// (kube-scheduler's NodePorts).
type HostPortsFilter struct{}

// Filter implements Filter.
func (HostPortsFilter) Filter(p *PodInfo, n *NodeInfo) (bool, string) {
	for _, want := range p.HostPorts {
		for _, used := range n.ports {
			if want.conflicts(used) {
				return false, ReasonHostPorts
			}
		}
	}
	return true, ""
}

// ResourcesFilter needs room on the node (kube-scheduler's
// NodeResourcesFit): one more pod within the pods limit (even for a pod
// that requests nothing), and the pod's cpu, memory and scalar
// (extended, hugepages) requests within allocatable minus what the node's
// pods request, terminating pods included; a node that does not report a
// scalar resource has none. A zero request always fits. Every shortfall
// is named: "Too many pods, Insufficient cpu, Insufficient memory,
// Insufficient example.com/gpu".
type ResourcesFilter struct{}

// Filter implements Filter.
func (ResourcesFilter) Filter(p *PodInfo, n *NodeInfo) (bool, string) {
	var bits int
	if int64(len(n.Pods))+1 > n.allocPods {
		bits |= 1
	}
	r := p.Requests
	if r.MilliCPU > 0 && r.MilliCPU > n.allocatable.MilliCPU-n.requested.MilliCPU {
		bits |= 2
	}
	if r.Memory > 0 && r.Memory > n.allocatable.Memory-n.requested.Memory {
		bits |= 4
	}
	var scalar []string
	for name, v := range p.ScalarRequests {
		if v > 0 && v > n.allocScalar[name]-n.reqScalar[name] {
			scalar = append(scalar, "Insufficient "+name)
		}
	}
	if bits == 0 && scalar == nil {
		return true, ""
	}
	if scalar == nil {
		return false, resourceReasons[bits]
	}
	slices.Sort(scalar)
	if bits != 0 {
		scalar = append([]string{resourceReasons[bits]}, scalar...)
	}
	return false, strings.Join(scalar, ", ")
}

// resourceReasons holds every combination of the resource reasons, indexed
// by the bits of ResourcesFilter, so that failing allocates nothing.
var resourceReasons = [8]string{
	1: ReasonTooManyPods,
	2: ReasonInsufficientCPU,
	3: ReasonTooManyPods + ", " + ReasonInsufficientCPU,
	4: ReasonInsufficientMemory,
	5: ReasonTooManyPods + ", " + ReasonInsufficientMemory,
	6: ReasonInsufficientCPU + ", " + ReasonInsufficientMemory,
	7: ReasonTooManyPods + ", " + ReasonInsufficientCPU + ", " + ReasonInsufficientMemory,
}
