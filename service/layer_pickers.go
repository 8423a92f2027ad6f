package service

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// ErrNotFound is wrapped by the errors of Layer.Picker (no such Service,
// or no such port on it) and of the Resolver (a name no Service, pod or
// port answers to). The message names what was looked for.
var ErrNotFound = errors.New("service: not found")

// Annotations that select a Service's picker policy and an endpoint's
// weight.
const (
	// AnnotationLBPolicy on a Service selects the policy of its pickers:
	// "round-robin" (the default), "random", "weighted" (smooth weighted
	// round robin over the pods' AnnotationWeight) or "least-request"
	// (power of two choices over requests in flight; use PortPicker.Start
	// and Request.Done). An unknown value is logged and round robin is
	// used. sessionAffinity ClientIP wraps the policy in [Affinity].
	AnnotationLBPolicy = "orchestra.dev/lb-policy"
	// AnnotationWeight on a pod is its weight under the "weighted"
	// policy: an integer 1 to MaxWeight (default 1; a bad value is logged
	// and counts as 1).
	AnnotationWeight = "orchestra.dev/weight"
)

// Picker policies (values of AnnotationLBPolicy).
const (
	PolicyRoundRobin   = "round-robin"
	PolicyRandom       = "random"
	PolicyWeighted     = "weighted"
	PolicyLeastRequest = "least-request"
)

// policy is what a Service asks of its pickers.
type policy struct {
	lb            string
	affinity      time.Duration // 0: no session affinity
	internalLocal bool
	externalLocal bool
}

// policyOf reads a Service's picker policy. A bad annotation is reported
// and round robin used.
func policyOf(s *workload.Service) (policy, error) {
	var p policy
	var err error
	switch v := s.Annotations[AnnotationLBPolicy]; v {
	case "", PolicyRoundRobin:
		p.lb = PolicyRoundRobin
	case PolicyRandom, PolicyWeighted, PolicyLeastRequest:
		p.lb = v
	default:
		p.lb = PolicyRoundRobin
		err = fmt.Errorf("service: Service/%s/%s: metadata.annotations[%s]: %q is not one of round-robin, random, weighted, least-request; using round-robin",
			s.Namespace, s.Name, AnnotationLBPolicy, v)
	}
	if s.Spec.SessionAffinity == workload.SessionAffinityClientIP {
		p.affinity = DefaultAffinityTimeout
		if c := s.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
			p.affinity = time.Duration(*c.ClientIP.TimeoutSeconds) * time.Second
		}
	}
	p.internalLocal = s.Spec.InternalTrafficPolicy != nil && *s.Spec.InternalTrafficPolicy == workload.TrafficPolicyLocal
	p.externalLocal = needsNodePorts(s) && s.Spec.ExternalTrafficPolicy == workload.TrafficPolicyLocal
	return p, err
}

// svcPickers is the picker state of one Service.
type svcPickers struct {
	pol   policy
	ports map[string]*portState // by Service port name
}

type portState struct {
	eps   []Endpoint // the latest endpoints the controller published
	views map[viewKey]*PortPicker
}

type viewKey struct {
	node     string
	external bool
}

// PortPicker picks endpoints for one port of one Service, as seen from one
// place: anywhere (Layer.Picker), a pod on a node (Layer.NodePicker,
// which honours internalTrafficPolicy Local) or a node port of a node
// (Layer.ExternalPicker, externalTrafficPolicy Local). The endpoints
// controller updates it in the reconcile that changes the Service's
// endpoints; it stays valid across policy changes and while the Service
// is deleted and created again (with no Service, Pick returns
// ErrNoEndpoints).
//
// Pick costs the policy's Pick plus one atomic load.
type PortPicker struct {
	namespace, service, port, node string
	external                       bool
	box                            atomic.Pointer[pickerBox]
}

type pickerBox struct {
	p    Picker
	aff  *Affinity
	lr   *LeastRequest
	pol  policy
	zone string // the zone of the view's node when the box was built
}

// Pick returns the endpoint for the next request, or ErrNoEndpoints. The
// endpoint is shared and read-only (see [Picker]).
func (p *PortPicker) Pick() (*Endpoint, error) {
	return p.box.Load().p.Pick()
}

// PickFor is Pick for a request from clientIP: with sessionAffinity
// ClientIP, the client keeps its endpoint (see [Affinity]); otherwise it is
// Pick.
func (p *PortPicker) PickFor(clientIP string) (*Endpoint, error) {
	b := p.box.Load()
	if b.aff != nil {
		return b.aff.PickFor(clientIP)
	}
	return b.p.Pick()
}

// RepickFor is PickFor for a request from clientIP whose endpoint did not
// answer (a failed dial): with sessionAffinity ClientIP the client gets
// the next endpoint and keeps that one (see [Affinity.Repick]); otherwise
// it is Pick.
func (p *PortPicker) RepickFor(clientIP string) (*Endpoint, error) {
	b := p.box.Load()
	if b.aff != nil {
		return b.aff.Repick(clientIP)
	}
	return b.p.Pick()
}

// Start is Pick for a request whose end the caller reports with
// Request.Done: the least-request policy counts it in flight; other
// policies just pick.
func (p *PortPicker) Start() (Request, error) {
	b := p.box.Load()
	if b.lr != nil && b.aff == nil {
		return b.lr.Start()
	}
	ep, err := b.p.Pick()
	return Request{Endpoint: ep}, err
}

// Policy returns the picker's policy: round-robin, random, weighted or
// least-request.
func (p *PortPicker) Policy() string { return p.box.Load().pol.lb }

// String names the picker: "default/web:http" (and "@node" for a node's
// view).
func (p *PortPicker) String() string {
	s := p.namespace + "/" + p.service + ":" + p.port
	if p.node != "" {
		s += "@" + p.node
		if p.external {
			s += " (external)"
		}
	}
	return s
}

// Picker returns the picker of a Service port for clients anywhere: the
// traffic policies Local do not apply (a caller of the library is on no
// node). portName may be empty when the Service has one port. It fails
// with an error wrapping ErrNotFound when the store has no such Service or
// port (the error lists the Service's port names).
func (l *Layer) Picker(namespace, name, portName string) (*PortPicker, error) {
	return l.view(namespace, name, portName, viewKey{})
}

// NodePicker returns the picker of a Service port for a client pod on
// node: with internalTrafficPolicy Local only that node's endpoints, with
// no fallback to other nodes.
func (l *Layer) NodePicker(node, namespace, name, portName string) (*PortPicker, error) {
	if node == "" {
		return nil, fmt.Errorf("service: NodePicker: node name is empty")
	}
	return l.view(namespace, name, portName, viewKey{node: node})
}

// ExternalPicker returns the picker of a Service port for traffic that
// arrives at a node port of node: with externalTrafficPolicy Local only
// that node's endpoints, with no fallback to other nodes.
func (l *Layer) ExternalPicker(node, namespace, name, portName string) (*PortPicker, error) {
	if node == "" {
		return nil, fmt.Errorf("service: ExternalPicker: node name is empty")
	}
	return l.view(namespace, name, portName, viewKey{node: node, external: true})
}

func (l *Layer) view(namespace, name, portName string, vk viewKey) (*PortPicker, error) {
	if namespace == "" {
		namespace = "default"
	}
	o, err := l.store.Peek("Service", namespace, name)
	if err != nil {
		return nil, fmt.Errorf("%w: Service %s/%s", ErrNotFound, namespace, name)
	}
	svc := o.(*workload.Service)
	port, ok := servicePortName(svc, portName)
	if !ok {
		return nil, fmt.Errorf("%w: Service %s/%s has no port %q (its ports: %s)", ErrNotFound, namespace, name, portName, quotedPortNames(svc))
	}
	key := namespace + "/" + name
	l.mu.Lock()
	defer l.mu.Unlock()
	sp := l.svcs[key]
	if sp == nil {
		pol, _ := policyOf(svc)
		sp = &svcPickers{pol: pol, ports: map[string]*portState{}}
		l.svcs[key] = sp
	}
	ps := sp.ports[port]
	if ps == nil {
		ps = &portState{}
		sp.ports[port] = ps
	}
	if v := ps.views[vk]; v != nil {
		return v, nil
	}
	v := &PortPicker{namespace: namespace, service: name, port: port, node: vk.node, external: vk.external}
	v.box.Store(l.newBox(v, sp.pol, ps.eps))
	if ps.views == nil {
		ps.views = map[viewKey]*PortPicker{}
	}
	ps.views[vk] = v
	return v, nil
}

// quotedPortNames lists the names of svc's ports, quoted, for an error.
func quotedPortNames(svc *workload.Service) string {
	if len(svc.Spec.Ports) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, p := range svc.Spec.Ports {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(p.Name))
	}
	return b.String()
}

// servicePortName resolves a port name of svc ("" for its only port).
func servicePortName(svc *workload.Service, name string) (string, bool) {
	if name == "" && len(svc.Spec.Ports) == 1 {
		return svc.Spec.Ports[0].Name, true
	}
	for _, p := range svc.Spec.Ports {
		if p.Name == name {
			return name, true
		}
	}
	return "", false
}

// newBox builds the picker of a view under pol and fills it with eps. A
// view on a node follows the endpoints' topology hints
// (trafficDistribution) unless its traffic policy is Local, as
// kube-proxy's cluster endpoints do.
func (l *Layer) newBox(v *PortPicker, pol policy, eps []Endpoint) *pickerBox {
	var opts []Option
	zone := ""
	if v.node != "" {
		zone = l.nodeZone(v.node)
		if (!v.external && pol.internalLocal) || (v.external && pol.externalLocal) {
			opts = append(opts, Local(v.node))
		} else {
			opts = append(opts, Topology(v.node, zone))
		}
	}
	seed := l.seedFor(v)
	b := &pickerBox{pol: pol, zone: zone}
	switch pol.lb {
	case PolicyRandom:
		b.p = NewRandom(seed, opts...)
	case PolicyWeighted:
		b.p = NewWeighted(seed, opts...)
	case PolicyLeastRequest:
		b.lr = NewLeastRequest(seed, opts...)
		b.p = b.lr
	default:
		b.p = NewRoundRobin(seed, opts...)
	}
	if pol.affinity > 0 {
		a, err := NewAffinity(b.p, AffinityConfig{Timeout: pol.affinity, Clock: l.clock})
		if err == nil {
			b.aff = a
			b.p = a
		}
	}
	if err := b.p.Update(eps); err != nil {
		l.logger.Warn("picker update failed", "picker", v.String(), "err", err)
	}
	return b
}

// rezone rebuilds the pickers of the views on node after its zone label
// changed, so that they read the topology hints for the new zone.
func (l *Layer) rezone(node string) {
	zone := l.nodeZone(node)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, sp := range l.svcs {
		for _, ps := range sp.ports {
			for vk, v := range ps.views {
				if vk.node == node && v.box.Load().zone != zone {
					v.box.Store(l.newBox(v, sp.pol, ps.eps))
				}
			}
		}
	}
}

// nodeZone returns the topology.kubernetes.io/zone label of the stored
// Node, or "".
func (l *Layer) nodeZone(node string) string {
	o, err := l.store.Peek("Node", "", node)
	if err != nil {
		return ""
	}
	return o.GetObjectMeta().Labels[workload.LabelZone]
}

func (l *Layer) seedFor(v *PortPicker) uint64 {
	h := fnv.New64a()
	h.Write([]byte(v.namespace + "/" + v.service + ":" + v.port + "@" + v.node + "/" + strconv.FormatBool(v.external)))
	return mix(l.seed ^ h.Sum64())
}

// publish gives the pickers of the Service key its endpoints: for each
// port name in ports, fill gets the port's current list (the caller's to
// patch in place or truncate and refill) and returns the new one, and, if
// it patched the list in place, the indexes it rewrote (nil when it
// refilled it), so that pickers that can take the change alone do.
// Ports not listed get none. It runs under the layer's lock:
// once it returns, no Pick returns an endpoint it removed.
func (l *Layer) publish(key string, svc *workload.Service, ports []string, fill func(i int, dst []Endpoint) ([]Endpoint, []int)) {
	pol, err := policyOf(svc)
	if err != nil {
		l.logger.Warn("service picker policy", "err", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	sp := l.svcs[key]
	if sp == nil {
		sp = &svcPickers{pol: pol, ports: map[string]*portState{}}
		l.svcs[key] = sp
	}
	rebuild := sp.pol != pol
	sp.pol = pol
	seen := make(map[string]bool, len(ports))
	for i, name := range ports {
		seen[name] = true
		ps := sp.ports[name]
		if ps == nil {
			ps = &portState{}
			sp.ports[name] = ps
		}
		var at []int
		ps.eps, at = fill(i, ps.eps)
		l.updateViewsAt(ps, pol, rebuild, at)
	}
	for name, ps := range sp.ports {
		if !seen[name] {
			ps.eps = ps.eps[:0]
			l.updateViews(ps, pol, rebuild)
			if len(ps.views) == 0 {
				delete(sp.ports, name)
			}
		}
	}
}

func (l *Layer) updateViews(ps *portState, pol policy, rebuild bool) {
	l.updateViewsAt(ps, pol, rebuild, nil)
}

// updatesAt is implemented by pickers that can take a change of some
// endpoints of their list alone ([RoundRobin.UpdateAt]).
type updatesAt interface {
	UpdateAt(at []int, eps []Endpoint) error
}

// updateViewsAt updates the views of ps; at, if not nil, lists the only
// indexes of ps.eps that changed since the last update.
func (l *Layer) updateViewsAt(ps *portState, pol policy, rebuild bool, at []int) {
	var changed []Endpoint // ps.eps at the indexes at, built once
	for _, v := range ps.views {
		if rebuild {
			v.box.Store(l.newBox(v, pol, ps.eps))
			continue
		}
		p := v.box.Load().p
		var err error
		if u, ok := p.(updatesAt); ok && at != nil {
			if changed == nil {
				changed = make([]Endpoint, len(at))
				for k, i := range at {
					changed[k] = ps.eps[i]
				}
			}
			err = u.UpdateAt(at, changed)
		} else {
			err = p.Update(ps.eps)
		}
		if err != nil {
			l.logger.Warn("picker update failed", "picker", v.String(), "err", err)
		}
	}
}

// unpublish empties the pickers of a deleted Service. Pickers handed out
// stay registered, so that a Service created again under the same name
// fills them again.
func (l *Layer) unpublish(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sp := l.svcs[key]
	if sp == nil {
		return
	}
	for name, ps := range sp.ports {
		ps.eps = nil
		l.updateViews(ps, sp.pol, false)
		if len(ps.views) == 0 {
			delete(sp.ports, name)
		}
	}
	if len(sp.ports) == 0 {
		delete(l.svcs, key)
	}
}
