package scheduler

import (
	"fmt"
	"strconv"

	"github.com/orchestra-go/orchestra/workload"
)

// Defaults that the least-allocated score assumes for a container that does
// not request cpu or memory, as kube-scheduler's non-zero requests do; the
// resources filter never uses them.
const (
	DefaultMilliCPURequest int64 = 100               // 0.1 core
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024 // 200 MiB
)

// Resources is an amount of cpu (in millicores) and memory (in bytes), the
// integer form the scheduler does its arithmetic in.
type Resources struct {
	MilliCPU int64
	Memory   int64
}

// PodInfo is a pod with everything the filters and scorers need computed
// once per Schedule call: its requests as integers, its host ports, its
// controller, its tolerations of the well-known taints and its compiled
// node affinity. Build one with NewPodInfo; it is read-only afterwards.
type PodInfo struct {
	// Pod is the pod being placed.
	Pod *workload.Pod
	// Requests is max(sum of containers, max of init containers) per
	// resource, as Kubernetes computes a pod's effective request.
	Requests Resources
	// NonZeroRequests is Requests with DefaultMilliCPURequest and
	// DefaultMemoryRequest standing in for containers that request nothing;
	// scores use it so that best-effort pods still spread.
	NonZeroRequests Resources
	// HostPorts lists the host ports the pod's containers want.
	HostPorts []HostPort
	// OwnerUID is the uid of the pod's controller owner reference, or "".
	OwnerUID string

	tolerates tolerated
	required  *nodeSelector // nil: no required node affinity
	preferred []preferredTerm
	pin       string // node the pod is pinned to, when pinKind != pinNone
	pinKind   pinKind
	hash      uint64 // FNV-1a of the pod's uid (or namespace/name)
}

type pinKind uint8

const (
	pinNone     pinKind = iota
	pinNodeName         // spec.nodeName
	pinAffinity         // one required term with matchFields metadata.name In [x]
)

// tolerated records which well-known taints the pod tolerates.
type tolerated struct {
	unschedulable bool // node.kubernetes.io/unschedulable:NoSchedule
	notReady      bool // node.kubernetes.io/not-ready with NoSchedule or NoExecute
}

// HostPort is one host port a pod uses: the host IP ("0.0.0.0" when the
// container names none), the protocol ("TCP" when it names none) and the
// port.
type HostPort struct {
	IP       string
	Protocol string
	Port     int32
}

// conflicts reports whether a and b cannot both be bound on one node: same
// protocol and port, and the same IP or either one the wildcard 0.0.0.0.
func (a HostPort) conflicts(b HostPort) bool {
	if a.Port != b.Port || a.Protocol != b.Protocol {
		return false
	}
	return a.IP == b.IP || a.IP == wildcardIP || b.IP == wildcardIP
}

const wildcardIP = "0.0.0.0"

// NewPodInfo computes the scheduling view of pod. It fails, with an error
// wrapping ErrInvalidPod that names the pod and the field, when the pod is
// nil or its node affinity cannot be evaluated (an unknown operator, a
// wrong number of values, a Gt/Lt value that is not an integer, a
// matchFields key other than metadata.name).
func NewPodInfo(pod *workload.Pod) (*PodInfo, error) {
	p := &PodInfo{}
	if err := p.init(pod); err != nil {
		return nil, err
	}
	return p, nil
}

// init fills p from pod, reusing p's slices.
func (p *PodInfo) init(pod *workload.Pod) error {
	if pod == nil {
		return fmt.Errorf("%w: nil pod", ErrInvalidPod)
	}
	ports := p.HostPorts[:0]
	*p = PodInfo{Pod: pod}
	p.Requests, p.NonZeroRequests = podRequests(&pod.Spec)
	p.HostPorts = appendHostPorts(ports, &pod.Spec)
	if ref := workload.ControllerOf(pod); ref != nil {
		p.OwnerUID = ref.UID
	}
	for i := range pod.Spec.Tolerations {
		t := &pod.Spec.Tolerations[i]
		if ToleratesTaint(t, &taintUnschedulable) {
			p.tolerates.unschedulable = true
		}
		if ToleratesTaint(t, &taintNotReadyNoSchedule) || ToleratesTaint(t, &taintNotReadyNoExecute) {
			p.tolerates.notReady = true
		}
	}
	p.hash = podHash(pod)
	if pod.Spec.NodeName != "" {
		p.pin, p.pinKind = pod.Spec.NodeName, pinNodeName
	}
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil {
		const path = "spec.affinity.nodeAffinity."
		na := a.NodeAffinity
		if req := na.RequiredDuringSchedulingIgnoredDuringExecution; req != nil {
			sel, err := compileSelector(req.NodeSelectorTerms, path+"requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")
			if err != nil {
				return fmt.Errorf("%w: pod %s: %w", ErrInvalidPod, podKey(pod), err)
			}
			p.required = sel
			if p.pinKind == pinNone && len(sel.terms) == 1 && sel.terms[0].pin != "" {
				p.pin, p.pinKind = sel.terms[0].pin, pinAffinity
			}
		}
		for i, pt := range na.PreferredDuringSchedulingIgnoredDuringExecution {
			t, err := compileTerm(pt.Preference, fmt.Sprintf("%spreferredDuringSchedulingIgnoredDuringExecution[%d].preference", path, i))
			if err != nil {
				return fmt.Errorf("%w: pod %s: %w", ErrInvalidPod, podKey(pod), err)
			}
			if pt.Weight < 1 || pt.Weight > 100 {
				return fmt.Errorf("%w: pod %s: %spreferredDuringSchedulingIgnoredDuringExecution[%d].weight: %d is not in the range 1-100",
					ErrInvalidPod, podKey(pod), path, i, pt.Weight)
			}
			p.preferred = append(p.preferred, preferredTerm{weight: int64(pt.Weight), term: t})
		}
	}
	return nil
}

var (
	taintUnschedulable      = workload.Taint{Key: workload.TaintNodeUnschedulable, Effect: workload.TaintEffectNoSchedule}
	taintNotReadyNoSchedule = workload.Taint{Key: workload.TaintNodeNotReady, Effect: workload.TaintEffectNoSchedule}
	taintNotReadyNoExecute  = workload.Taint{Key: workload.TaintNodeNotReady, Effect: workload.TaintEffectNoExecute}
)

// podKey returns "namespace/name" for messages.
func podKey(pod *workload.Pod) string {
	if pod.Namespace == "" {
		return pod.Name
	}
	return pod.Namespace + "/" + pod.Name
}

// podHash hashes the pod's uid, or its namespace and name when it has no
// uid, so that tie-breaking and sampling depend only on the pod's identity.
func podHash(pod *workload.Pod) uint64 {
	h := uint64(fnvOffset)
	if pod.UID != "" {
		return fnvString(h, pod.UID)
	}
	h = fnvString(h, pod.Namespace)
	h = fnvString(h, "/")
	return fnvString(h, pod.Name)
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnvString continues an FNV-1a hash over s without allocating.
func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// mix is the splitmix64 finalizer: it spreads the bits of x so that
// nearby inputs give unrelated outputs.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// podRequests returns the pod's effective requests and its non-zero
// requests (defaults for containers that request nothing).
func podRequests(spec *workload.PodSpec) (req, nonZero Resources) {
	for i := range spec.Containers {
		r, nz := containerRequests(&spec.Containers[i])
		req.MilliCPU += r.MilliCPU
		req.Memory += r.Memory
		nonZero.MilliCPU += nz.MilliCPU
		nonZero.Memory += nz.Memory
	}
	for i := range spec.InitContainers {
		r, nz := containerRequests(&spec.InitContainers[i])
		req.MilliCPU = max(req.MilliCPU, r.MilliCPU)
		req.Memory = max(req.Memory, r.Memory)
		nonZero.MilliCPU = max(nonZero.MilliCPU, nz.MilliCPU)
		nonZero.Memory = max(nonZero.Memory, nz.Memory)
	}
	return req, nonZero
}

func containerRequests(c *workload.Container) (req, nonZero Resources) {
	rl := c.Resources.Requests
	nonZero = Resources{MilliCPU: DefaultMilliCPURequest, Memory: DefaultMemoryRequest}
	if q, ok := rl[workload.ResourceCPU]; ok {
		req.MilliCPU = q.MilliValue()
		nonZero.MilliCPU = req.MilliCPU
	}
	if q, ok := rl[workload.ResourceMemory]; ok {
		req.Memory = q.Value()
		nonZero.Memory = req.Memory
	}
	return req, nonZero
}

// appendHostPorts appends the host ports of the pod's containers (not its
// init containers, as kube-scheduler's NodePorts). With hostNetwork, a
// port without hostPort uses its containerPort, as API defaulting does.
func appendHostPorts(dst []HostPort, spec *workload.PodSpec) []HostPort {
	for i := range spec.Containers {
		for _, cp := range spec.Containers[i].Ports {
			port := cp.HostPort
			if port == 0 && spec.HostNetwork {
				port = cp.ContainerPort
			}
			if port <= 0 {
				continue
			}
			hp := HostPort{IP: cp.HostIP, Protocol: cp.Protocol, Port: port}
			if hp.IP == "" {
				hp.IP = wildcardIP
			}
			if hp.Protocol == "" {
				hp.Protocol = workload.ProtocolTCP
			}
			dst = append(dst, hp)
		}
	}
	return dst
}

// ToleratesTaint reports whether tol tolerates taint, exactly as
// Kubernetes' Toleration.ToleratesTaint: an empty effect matches every
// effect, an empty key matches every key, operator Exists matches any
// value, and Equal (the default) needs the same value.
func ToleratesTaint(tol *workload.Toleration, taint *workload.Taint) bool {
	if tol.Effect != "" && tol.Effect != taint.Effect {
		return false
	}
	if tol.Key != "" && tol.Key != taint.Key {
		return false
	}
	switch tol.Operator {
	case "", workload.TolerationOpEqual:
		return tol.Value == taint.Value
	case workload.TolerationOpExists:
		return true
	}
	return false
}

// toleratesAny reports whether any of tols tolerates taint.
func toleratesAny(tols []workload.Toleration, taint *workload.Taint) bool {
	for i := range tols {
		if ToleratesTaint(&tols[i], taint) {
			return true
		}
	}
	return false
}

// nodeSelector is a compiled NodeSelector: terms ORed.
type nodeSelector struct {
	terms []nodeTerm
}

// nodeTerm is a compiled NodeSelectorTerm: requirements ANDed. A term with
// no requirements matches nothing, as in Kubernetes.
type nodeTerm struct {
	reqs []nodeReq
	pin  string // the value of a metadata.name In [x] field requirement
}

type preferredTerm struct {
	weight int64
	term   nodeTerm
}

type nodeOp uint8

const (
	opIn nodeOp = iota
	opNotIn
	opExists
	opDoesNotExist
	opGt
	opLt
)

// nodeReq is one compiled requirement on a node label, or on the node's
// name when field is set.
type nodeReq struct {
	key    string
	op     nodeOp
	field  bool
	values []string
	num    int64 // Gt, Lt
}

func (s *nodeSelector) matches(n *NodeInfo) bool {
	for i := range s.terms {
		if s.terms[i].matches(n) {
			return true
		}
	}
	return false
}

func (t *nodeTerm) matches(n *NodeInfo) bool {
	if len(t.reqs) == 0 {
		return false
	}
	for i := range t.reqs {
		if !t.reqs[i].matches(n) {
			return false
		}
	}
	return true
}

func (r *nodeReq) matches(n *NodeInfo) bool {
	var v string
	var ok bool
	if r.field {
		v, ok = n.name, true
	} else {
		v, ok = n.Node.Labels[r.key]
	}
	switch r.op {
	case opIn:
		return ok && contains(r.values, v)
	case opNotIn:
		return !ok || !contains(r.values, v)
	case opExists:
		return ok
	case opDoesNotExist:
		return !ok
	case opGt, opLt:
		if !ok {
			return false
		}
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return false
		}
		if r.op == opGt {
			return x > r.num
		}
		return x < r.num
	}
	return false
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func compileSelector(terms []workload.NodeSelectorTerm, path string) (*nodeSelector, error) {
	sel := &nodeSelector{terms: make([]nodeTerm, 0, len(terms))}
	for i := range terms {
		t, err := compileTerm(terms[i], fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		sel.terms = append(sel.terms, t)
	}
	return sel, nil
}

func compileTerm(term workload.NodeSelectorTerm, path string) (nodeTerm, error) {
	var t nodeTerm
	for i, e := range term.MatchExpressions {
		r, err := compileReq(e, false, fmt.Sprintf("%s.matchExpressions[%d]", path, i))
		if err != nil {
			return t, err
		}
		t.reqs = append(t.reqs, r)
	}
	for i, e := range term.MatchFields {
		r, err := compileReq(e, true, fmt.Sprintf("%s.matchFields[%d]", path, i))
		if err != nil {
			return t, err
		}
		if r.op == opIn && t.pin == "" {
			t.pin = r.values[0]
		}
		t.reqs = append(t.reqs, r)
	}
	return t, nil
}

func compileReq(e workload.NodeSelectorRequirement, field bool, path string) (nodeReq, error) {
	r := nodeReq{key: e.Key, field: field, values: e.Values}
	switch e.Operator {
	case workload.NodeSelectorOpIn:
		r.op = opIn
	case workload.NodeSelectorOpNotIn:
		r.op = opNotIn
	case workload.NodeSelectorOpExists:
		r.op = opExists
	case workload.NodeSelectorOpDoesNotExist:
		r.op = opDoesNotExist
	case workload.NodeSelectorOpGt:
		r.op = opGt
	case workload.NodeSelectorOpLt:
		r.op = opLt
	default:
		return r, fmt.Errorf("%s.operator: unsupported value %q", path, e.Operator)
	}
	if field {
		if e.Key != "metadata.name" {
			return r, fmt.Errorf("%s.key: unsupported value %q: only metadata.name is supported", path, e.Key)
		}
		if r.op != opIn && r.op != opNotIn {
			return r, fmt.Errorf("%s.operator: unsupported value %q: matchFields supports In and NotIn", path, e.Operator)
		}
		if len(e.Values) != 1 {
			return r, fmt.Errorf("%s.values: must have one element for a node field selector", path)
		}
		return r, nil
	}
	if e.Key == "" {
		return r, fmt.Errorf("%s.key: required", path)
	}
	switch r.op {
	case opIn, opNotIn:
		if len(e.Values) == 0 {
			return r, fmt.Errorf("%s.values: must be non-empty when operator is %s", path, e.Operator)
		}
	case opExists, opDoesNotExist:
		if len(e.Values) != 0 {
			return r, fmt.Errorf("%s.values: must be empty when operator is %s", path, e.Operator)
		}
	case opGt, opLt:
		if len(e.Values) != 1 {
			return r, fmt.Errorf("%s.values: must have one element when operator is %s", path, e.Operator)
		}
		n, err := strconv.ParseInt(e.Values[0], 10, 64)
		if err != nil {
			return r, fmt.Errorf("%s.values[0]: %q is not an integer", path, e.Values[0])
		}
		r.num = n
	}
	return r, nil
}
