package scheduler

import (
	"fmt"
	"strconv"
	"strings"

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
	// Requests is the pod's effective request, per resource, as
	// Kubernetes' PodRequests computes it: max(sum of the containers and
	// sidecars, for each other init container its request plus the
	// sidecars declared before it).
	Requests Resources
	// NonZeroRequests is Requests with DefaultMilliCPURequest and
	// DefaultMemoryRequest standing in for containers that request nothing;
	// scores use it so that best-effort pods still spread.
	NonZeroRequests Resources
	// HostPorts lists the host ports the pod's containers want.
	HostPorts []HostPort
	// ScalarRequests are the pod's effective requests of extended
	// resources ("example.com/gpu") and hugepages, by name; nil when it
	// requests none.
	ScalarRequests map[string]int64
	// OwnerUID is the uid of the pod's controller owner reference, or "".
	OwnerUID string

	ownerHash   uint64 // ownerHash(OwnerUID)
	ownerAbsent bool   // Schedule found no counted pod of OwnerUID
	// defSpread: the pod gets kube-scheduler's system default spreading
	// (see SpreadScorer); defSt is what Schedule computed of it.
	defSpread   bool
	defSt       *defaultSpreadState
	tolerates   tolerated
	required    nodeSelector // valid when hasRequired
	hasRequired bool
	preferred   []preferredTerm
	pin         string // node the pod is pinned to, when pinKind != pinNone
	pinKind     pinKind
	// pinTerms: the pod is not pinned to one node, but every one of its
	// several required terms names its node (matchFields metadata.name
	// In): kube-scheduler's NodeAffinity PreFilter leaves out every other
	// node, and a FitError counts those apart (see inPinTerms).
	pinTerms bool
	// termsConflict: every required term names nodes, and each one two
	// different nodes: the PreFilter fails, "pod affinity terms conflict".
	termsConflict bool
	hash          uint64 // FNV-1a of the pod's uid (or namespace/name)
	// aff is the pod's compiled inter-pod affinity, nil without any;
	// inter what Schedule computed of it and of the snapshot's pods for
	// InterPodAffinityFilter and InterPodAffinityScorer, nil when they
	// have nothing to do.
	aff   *podAffinity
	inter *interPodState
	// spread holds the pod's compiled topology spread constraints;
	// spreadSt what Schedule computed of them (spreadReady: for the
	// DoNotSchedule ones, spreadScore: for the ScheduleAnyway ones).
	spread                   []spreadConstraint
	spreadSt                 *spreadState
	spreadReady, spreadScore bool
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
	// notReady and unreachable: node.kubernetes.io/not-ready (a node whose
	// Ready condition is False), node.kubernetes.io/unreachable (Unknown),
	// each with both NoSchedule and NoExecute, the taints the node
	// lifecycle puts on such a node.
	notReady, unreachable bool
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
// wrong number of values, a Gt/Lt value that is not an integer in a
// preferred term, a matchFields key other than metadata.name), nor its
// inter-pod affinity (a broken label selector, a weight outside 1-100) or
// topology spread constraints (a maxSkew below 1, an unknown
// whenUnsatisfiable, a broken label selector). In a required node
// affinity term a Gt/Lt value that is not an integer is no error: the term
// matches no node, as in kube-scheduler.
func NewPodInfo(pod *workload.Pod) (*PodInfo, error) {
	p := &PodInfo{}
	if err := p.init(pod); err != nil {
		return nil, err
	}
	return p, nil
}

// init fills p from pod, reusing p's slices so that scheduling a pod
// allocates nothing once the Scheduler has warmed up.
func (p *PodInfo) init(pod *workload.Pod) error {
	if pod == nil {
		return fmt.Errorf("%w: nil pod", ErrInvalidPod)
	}
	ports, terms, preferred := p.HostPorts[:0], p.required.terms, p.preferred[:0]
	*p = PodInfo{Pod: pod}
	p.Requests, p.NonZeroRequests = podRequests(&pod.Spec)
	p.ScalarRequests = scalarRequests(&pod.Spec)
	p.HostPorts = appendHostPorts(ports, &pod.Spec)
	if ref := workload.ControllerOf(pod); ref != nil {
		p.OwnerUID, p.ownerHash = ref.UID, ownerHash(ref.UID)
		p.defSpread = len(pod.Spec.TopologySpreadConstraints) == 0 && defaultSpreadOwner(ref)
	}
	var notReadyNS, notReadyNE, unreachNS, unreachNE bool
	for i := range pod.Spec.Tolerations {
		t := &pod.Spec.Tolerations[i]
		p.tolerates.unschedulable = p.tolerates.unschedulable || ToleratesTaint(t, &taintUnschedulable)
		notReadyNS = notReadyNS || ToleratesTaint(t, &taintNotReadyNoSchedule)
		notReadyNE = notReadyNE || ToleratesTaint(t, &taintNotReadyNoExecute)
		unreachNS = unreachNS || ToleratesTaint(t, &taintUnreachableNoSchedule)
		unreachNE = unreachNE || ToleratesTaint(t, &taintUnreachableNoExecute)
	}
	p.tolerates.notReady = notReadyNS && notReadyNE
	p.tolerates.unreachable = unreachNS && unreachNE
	p.hash = podHash(pod)
	if pod.Spec.NodeName != "" {
		p.pin, p.pinKind = pod.Spec.NodeName, pinNodeName
	}
	p.required.terms = terms[:0]
	if len(pod.Spec.TopologySpreadConstraints) > 0 {
		spread, ferr := compileSpread(pod)
		if ferr != nil {
			return fmt.Errorf("%w: pod %s: %s: %s", ErrInvalidPod, podKey(pod), ferr.path, ferr.msg)
		}
		p.spread = spread
	}
	if hasInterPodAffinity(pod) {
		aff, ferr := compilePodAffinity(pod)
		if ferr != nil {
			return fmt.Errorf("%w: pod %s: %s: %s", ErrInvalidPod, podKey(pod), ferr.path, ferr.msg)
		}
		p.aff = aff
	}
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil {
		na := a.NodeAffinity
		if req := na.RequiredDuringSchedulingIgnoredDuringExecution; req != nil {
			p.hasRequired = true
			for i := range req.NodeSelectorTerms {
				var reqs []nodeReq
				if i < cap(terms) {
					reqs = terms[:cap(terms)][i].reqs[:0]
				}
				t, err := compileTerm(&req.NodeSelectorTerms[i], reqs, true)
				if err != nil {
					return invalidAffinity(pod, err.in(fmt.Sprintf("requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[%d]", i)))
				}
				p.required.terms = append(p.required.terms, t)
			}
			if p.pinKind == pinNone && len(p.required.terms) == 1 && p.required.terms[0].pin != "" {
				p.pin, p.pinKind = p.required.terms[0].pin, pinAffinity
			}
			if p.pinKind == pinNone && len(p.required.terms) > 1 {
				p.pinTerms = true
				for i := range p.required.terms {
					if p.required.terms[i].pin == "" {
						p.pinTerms = false
						break
					}
				}
			}
			if p.pinKind != pinNodeName && (p.pinTerms || p.pinKind == pinAffinity) {
				p.termsConflict = true
				for i := range p.required.terms {
					if !p.required.terms[i].conflict {
						p.termsConflict = false
						break
					}
				}
			}
		}
		p.preferred = preferred
		for i := range na.PreferredDuringSchedulingIgnoredDuringExecution {
			pt := &na.PreferredDuringSchedulingIgnoredDuringExecution[i]
			var reqs []nodeReq
			if i < cap(preferred) {
				reqs = preferred[:cap(preferred)][i].term.reqs[:0]
			}
			t, err := compileTerm(&pt.Preference, reqs, false)
			if err != nil {
				return invalidAffinity(pod, err.in("preference").in(fmt.Sprintf("preferredDuringSchedulingIgnoredDuringExecution[%d]", i)))
			}
			if pt.Weight < 1 || pt.Weight > 100 {
				werr := &fieldError{path: "weight", msg: fmt.Sprintf("%d is not in the range 1-100", pt.Weight)}
				return invalidAffinity(pod, werr.in(fmt.Sprintf("preferredDuringSchedulingIgnoredDuringExecution[%d]", i)))
			}
			p.preferred = append(p.preferred, preferredTerm{weight: int64(pt.Weight), term: t})
		}
	}
	return nil
}

// fieldError is a problem with one field, its path built up on the way out
// so that nothing is formatted when all is well.
type fieldError struct {
	path, msg string
}

// in prefixes the path with parent.
func (e *fieldError) in(parent string) *fieldError {
	if e.path == "" || e.path[0] == '[' {
		e.path = parent + e.path
	} else {
		e.path = parent + "." + e.path
	}
	return e
}

func invalidAffinity(pod *workload.Pod, e *fieldError) error {
	e.in("spec.affinity.nodeAffinity")
	return fmt.Errorf("%w: pod %s: %s: %s", ErrInvalidPod, podKey(pod), e.path, e.msg)
}

var (
	taintUnschedulable      = workload.Taint{Key: workload.TaintNodeUnschedulable, Effect: workload.TaintEffectNoSchedule}
	taintNotReadyNoSchedule = workload.Taint{Key: workload.TaintNodeNotReady, Effect: workload.TaintEffectNoSchedule}
	taintNotReadyNoExecute  = workload.Taint{Key: workload.TaintNodeNotReady, Effect: workload.TaintEffectNoExecute}

	taintUnreachableNoSchedule = workload.Taint{Key: workload.TaintNodeUnreachable, Effect: workload.TaintEffectNoSchedule}
	taintUnreachableNoExecute  = workload.Taint{Key: workload.TaintNodeUnreachable, Effect: workload.TaintEffectNoExecute}
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
// requests (defaults for containers that request nothing), as
// Kubernetes' PodRequests (component-helpers resource.AggregateContainerRequests):
// the larger of the sum of the app containers and sidecars (init
// containers with restartPolicy Always, which run beside them), and, for
// each other init container, its request plus those of the sidecars
// declared before it (they run while it does).
func podRequests(spec *workload.PodSpec) (req, nonZero Resources) {
	for i := range spec.Containers {
		r, nz := containerRequests(&spec.Containers[i])
		req.add(r)
		nonZero.add(nz)
	}
	var init, initNZ, side, sideNZ Resources // the largest init use; the sidecars so far
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		r, nz := containerRequests(c)
		if workload.IsSidecar(c) {
			req.add(r)
			nonZero.add(nz)
			side.add(r)
			sideNZ.add(nz)
			continue // its use while the pod initializes, side, is at most req
		}
		r.add(side)
		nz.add(sideNZ)
		init.max(r)
		initNZ.max(nz)
	}
	req.max(init)
	nonZero.max(initNZ)
	return req, nonZero
}

// add adds o to r.
func (r *Resources) add(o Resources) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
}

// max sets each resource of r to the larger of r's and o's.
func (r *Resources) max(o Resources) {
	r.MilliCPU = max(r.MilliCPU, o.MilliCPU)
	r.Memory = max(r.Memory, o.Memory)
}

// IsScalarResource reports whether the scheduler counts a resource by
// name beside cpu, memory and pods, as kube-scheduler's NodeResourcesFit
// counts its scalar resources: an extended resource (a domain-prefixed
// name outside kubernetes.io, such as "nvidia.com/gpu") or hugepages-*.
// Ephemeral storage is not counted.
func IsScalarResource(name string) bool {
	if strings.HasPrefix(name, "hugepages-") {
		return true
	}
	return strings.Contains(name, "/") && !strings.Contains(name, "kubernetes.io/") && !strings.HasPrefix(name, "requests.")
}

// scalarRequests returns the pod's effective scalar requests (see
// IsScalarResource), per name as podRequests computes cpu and memory: the
// larger of the sum of the containers and sidecars, and each other init
// container's request plus the sidecars declared before it. Nil when
// there are none.
func scalarRequests(spec *workload.PodSpec) map[string]int64 {
	var out, side, init map[string]int64 // the sum; the sidecars so far; the largest init use
	add := func(m *map[string]int64, name string, v int64) {
		if *m == nil {
			*m = map[string]int64{}
		}
		(*m)[name] += v
	}
	for i := range spec.Containers {
		for name, q := range spec.Containers[i].Resources.Requests {
			if IsScalarResource(name) {
				add(&out, name, q.Value())
			}
		}
	}
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if workload.IsSidecar(c) {
			for name, q := range c.Resources.Requests {
				if IsScalarResource(name) {
					add(&out, name, q.Value())
					add(&side, name, q.Value())
				}
			}
			continue
		}
		for name, q := range c.Resources.Requests {
			if IsScalarResource(name) {
				if init == nil {
					init = map[string]int64{}
				}
				init[name] = max(init[name], q.Value()+side[name])
			}
		}
	}
	for name, v := range init {
		if v > out[name] {
			add(&out, name, v-out[name])
		}
	}
	return out
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

// appendHostPorts appends the host ports of the pod's containers and
// sidecars (not its other init containers, as kube-scheduler's NodePorts,
// which counts sidecars since kubernetes/kubernetes#132040). With
// hostNetwork, a port without hostPort uses its containerPort, as API
// defaulting does.
func appendHostPorts(dst []HostPort, spec *workload.PodSpec) []HostPort {
	dst = appendContainerHostPorts(dst, spec, spec.Containers, false)
	if len(spec.InitContainers) > 0 {
		dst = appendContainerHostPorts(dst, spec, spec.InitContainers, true)
	}
	return dst
}

// appendContainerHostPorts appends the host ports of cs (of its sidecars
// only, with sidecarsOnly).
func appendContainerHostPorts(dst []HostPort, spec *workload.PodSpec, cs []workload.Container, sidecarsOnly bool) []HostPort {
	for i := range cs {
		if sidecarsOnly && !workload.IsSidecar(&cs[i]) {
			continue
		}
		for _, cp := range cs[i].Ports {
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
	// conflict: two metadata.name In requirements name different nodes,
	// so the term names no node (an empty intersection).
	conflict bool
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
	// opNever is a Gt or Lt requirement whose value is not an integer:
	// it matches no node.
	opNever
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

// inPinTerms reports whether one of the pod's required terms names the
// node (matchFields metadata.name In), so that kube-scheduler's
// NodeAffinity PreFilter, which keeps the union of the nodes the terms
// name, lets it through to the filters. Only meaningful when pinTerms.
func (p *PodInfo) inPinTerms(name string) bool {
	for i := range p.required.terms {
		if t := &p.required.terms[i]; t.pin == name && !t.conflict {
			return true
		}
	}
	return false
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

// compileTerm compiles term, appending its requirements to reqs. With
// lenient (required terms), a Gt or Lt value that is not an integer is no
// error: the requirement matches no node, as kube-scheduler's NodeAffinity
// filter ignores such parse errors; a preferred term fails, as its
// PreScore does.
func compileTerm(term *workload.NodeSelectorTerm, reqs []nodeReq, lenient bool) (nodeTerm, *fieldError) {
	t := nodeTerm{reqs: reqs}
	for i := range term.MatchExpressions {
		r, err := compileReq(&term.MatchExpressions[i], false)
		if err != nil && !(lenient && r.op == opNever) {
			return t, err.in(fmt.Sprintf("matchExpressions[%d]", i))
		}
		t.reqs = append(t.reqs, r)
	}
	for i := range term.MatchFields {
		r, err := compileReq(&term.MatchFields[i], true)
		if err != nil {
			return t, err.in(fmt.Sprintf("matchFields[%d]", i))
		}
		if r.op == opIn {
			if t.pin == "" {
				t.pin = r.values[0]
			} else if t.pin != r.values[0] {
				t.conflict = true
			}
		}
		t.reqs = append(t.reqs, r)
	}
	return t, nil
}

func compileReq(e *workload.NodeSelectorRequirement, field bool) (nodeReq, *fieldError) {
	r := nodeReq{key: e.Key, field: field, values: e.Values}
	bad := func(path, format string, args ...any) (nodeReq, *fieldError) {
		return r, &fieldError{path: path, msg: fmt.Sprintf(format, args...)}
	}
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
		return bad("operator", "unsupported value %q", e.Operator)
	}
	if field {
		if e.Key != "metadata.name" {
			return bad("key", "unsupported value %q: only metadata.name is supported", e.Key)
		}
		if r.op != opIn && r.op != opNotIn {
			return bad("operator", "unsupported value %q: matchFields supports In and NotIn", e.Operator)
		}
		if len(e.Values) != 1 {
			return bad("values", "must have one element for a node field selector")
		}
		return r, nil
	}
	if e.Key == "" {
		return bad("key", "required")
	}
	switch r.op {
	case opIn, opNotIn:
		if len(e.Values) == 0 {
			return bad("values", "must be non-empty when operator is %s", e.Operator)
		}
	case opExists, opDoesNotExist:
		if len(e.Values) != 0 {
			return bad("values", "must be empty when operator is %s", e.Operator)
		}
	case opGt, opLt:
		if len(e.Values) != 1 {
			return bad("values", "must have one element when operator is %s", e.Operator)
		}
		n, err := strconv.ParseInt(e.Values[0], 10, 64)
		if err != nil {
			r.op = opNever
			return bad("values[0]", "%q is not an integer", e.Values[0])
		}
		r.num = n
	}
	return r, nil
}

// ownerHash hashes a controller uid with every bit well mixed, since
// NodeInfo's bloom filter uses the top six.
func ownerHash(uid string) uint64 { return mix(fnvString(fnvOffset, uid)) }
