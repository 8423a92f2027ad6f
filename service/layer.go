package service

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// Config configures the service layer of a cluster. The zero value works:
// ClusterIPs from 10.96.0.0/12, node ports from 30000-32767, the domain
// cluster.local and no proxy.
type Config struct {
	// ServiceCIDR is the ClusterIP range (DefaultServiceCIDR when empty).
	// A loopback range such as "127.2.0.0/16" gives Services addresses
	// the proxy can listen on (see ProxyConfig).
	ServiceCIDR string
	// NodePortRange is the node port range, "low-high" (30000-32767 when
	// empty).
	NodePortRange string
	// ClusterDomain is the DNS domain of the resolver ("cluster.local"
	// when empty), a DNS subdomain; it is used in lower case and without
	// a trailing dot, as DNS compares names case-insensitively.
	ClusterDomain string
	// Proxy, when not nil, runs the userspace TCP proxy: only for
	// runtimes whose pods have real, dialable addresses (never the fake).
	Proxy *ProxyConfig
}

// DefaultClusterDomain is the resolver's domain when Config.ClusterDomain
// is empty.
const DefaultClusterDomain = "cluster.local"

// Layer is the service layer of one cluster: the ClusterIP and node port
// allocators, the endpoints controller's pickers, the resolver and the
// optional proxy. The cluster owns it; its methods are safe for
// concurrent use.
type Layer struct {
	cfg    Config
	domain string
	store  *store.Store
	clock  interface{ Now() time.Time }
	logger *slog.Logger
	seed   uint64

	amu       sync.Mutex // serialises admission (allocate + store write)
	ips       *IPAllocator
	ports     *PortAllocator
	ipOwner   map[netip.Addr]string // "ns/name"
	portOwner map[int32]string

	mu   sync.RWMutex // guards svcs
	svcs map[string]*svcPickers

	proxy *Proxy

	pmu    sync.Mutex
	extra  []*Proxy // started with StartProxy
	closed bool     // Close was called: StartProxy refuses
}

// ErrLayerClosed is returned by Layer.StartProxy after Layer.Close (the
// cluster's Close): a proxy started then would outlive its cluster.
var ErrLayerClosed = errors.New("service: the service layer is closed")

// LayerDeps is what a Layer needs from its cluster.
type LayerDeps struct {
	Store  *store.Store
	Clock  interface{ Now() time.Time } // nil: the real clock
	Logger *slog.Logger                 // nil: silent
	Seed   int64
}

// NewLayer returns the service layer over a store. It fails, with an
// error naming the field and wrapping workload.ErrInvalid, if the
// configuration is bad: a range that does not parse, a cluster domain that
// is no DNS name, a bad proxy configuration.
func NewLayer(cfg Config, d LayerDeps) (*Layer, error) {
	cidr := cfg.ServiceCIDR
	if cidr == "" {
		cidr = DefaultServiceCIDR
	}
	ips, err := NewIPAllocator(cidr)
	if err != nil {
		return nil, fmt.Errorf("Config.ServiceCIDR: %w: %w", err, workload.ErrInvalid)
	}
	pr := DefaultNodePortRange
	if cfg.NodePortRange != "" {
		if pr, err = ParsePortRange(cfg.NodePortRange); err != nil {
			return nil, fmt.Errorf("Config.NodePortRange: %w: %w", err, workload.ErrInvalid)
		}
	}
	ports, _ := NewPortAllocator(pr)
	// DNS names are case-insensitive and the domain may be written fully
	// qualified ("Cluster.Local."): the resolver compares lower-case names
	// without the root's dot.
	domain := strings.ToLower(strings.TrimSuffix(cfg.ClusterDomain, "."))
	if domain == "" {
		domain = DefaultClusterDomain
	}
	if msgs := validation.IsDNS1123Subdomain(domain); len(msgs) > 0 {
		return nil, fmt.Errorf("service: Config.ClusterDomain %q: %s: %w", cfg.ClusterDomain, strings.Join(msgs, "; "), workload.ErrInvalid)
	}
	l := &Layer{
		cfg: cfg, domain: domain, store: d.Store, clock: d.Clock, logger: d.Logger, seed: uint64(d.Seed),
		ips: ips, ports: ports, ipOwner: map[netip.Addr]string{}, portOwner: map[int32]string{},
		svcs: map[string]*svcPickers{},
	}
	if l.clock == nil {
		l.clock = realClock{}
	}
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Proxy != nil {
		p, err := NewProxy(l, *cfg.Proxy)
		if err != nil {
			return nil, err
		}
		l.proxy = p
	}
	return l, nil
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Proxy returns the layer's proxy, or nil when Config.Proxy is nil.
func (l *Layer) Proxy() *Proxy { return l.proxy }

// Domain returns the resolver's cluster domain.
func (l *Layer) Domain() string { return l.domain }

// StartProxy starts another proxy over the layer's pickers, as kube-proxy
// runs one on every node: typically with Node set to a node's name,
// NodePortAddress to that node's address and NodePortsOnly, so that the
// node's node ports listen on its own address and use its external view
// (externalTrafficPolicy Local). It opens the listeners of every Service
// now and follows them from then on. Stop it with StopProxy; Close stops
// it too. After Close it fails with ErrLayerClosed.
func (l *Layer) StartProxy(cfg ProxyConfig) (*Proxy, error) {
	p, err := NewProxy(l, cfg)
	if err != nil {
		return nil, err
	}
	l.pmu.Lock()
	if l.closed {
		l.pmu.Unlock()
		p.Close()
		return nil, fmt.Errorf("service: StartProxy: %w", ErrLayerClosed)
	}
	l.extra = append(l.extra, p)
	l.pmu.Unlock()
	for _, o := range l.store.List("Service", "", nil) {
		p.sync(o.(*workload.Service))
	}
	return p, nil
}

// StopProxy stops a proxy StartProxy started and returns after its
// goroutines end.
func (l *Layer) StopProxy(p *Proxy) error {
	l.pmu.Lock()
	l.extra = slices.DeleteFunc(l.extra, func(x *Proxy) bool { return x == p })
	l.pmu.Unlock()
	return p.Close()
}

// proxies returns every running proxy.
func (l *Layer) proxies() []*Proxy {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	out := make([]*Proxy, 0, len(l.extra)+1)
	if l.proxy != nil {
		out = append(out, l.proxy)
	}
	return append(out, l.extra...)
}

// Close stops every proxy and returns after their goroutines end.
func (l *Layer) Close() error {
	var errs []error
	for _, p := range l.proxies() {
		errs = append(errs, p.Close())
	}
	l.pmu.Lock()
	l.closed = true
	extra := l.extra
	l.extra = nil
	l.pmu.Unlock()
	for _, p := range extra { // started while the others were closing
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}

// KeepAllocated carries what the layer allocated to old over to an update
// svc that leaves it unset, as the API server does for an applied
// manifest: the ClusterIP (or "None") when neither is ExternalName, and
// each port's node port, matched by port name, when both need node ports
// and the value is not used by another port of svc. Call it before
// workload.Validate, as the API server patches the allocated values in
// before it validates (patchAllocatedValues).
func KeepAllocated(svc, old *workload.Service) {
	if svc == nil || old == nil {
		return
	}
	// As the API server's needsClusterIP, "None" counts: a headless
	// Service applied without clusterIP stays headless.
	hasClusterIP := func(s *workload.Service) bool { return s.Spec.Type != workload.ServiceTypeExternalName }
	if hasClusterIP(svc) && hasClusterIP(old) && svc.Spec.ClusterIP == "" {
		svc.Spec.ClusterIP = old.Spec.ClusterIP
		if len(svc.Spec.ClusterIPs) == 0 { // one given is left to validation
			svc.Spec.ClusterIPs = append([]string(nil), old.Spec.ClusterIPs...)
		}
	}
	if sp := &svc.Spec; sp.ClusterIP != "" && sp.ClusterIP != old.Spec.ClusterIP && slices.Equal(sp.ClusterIPs, old.Spec.ClusterIPs) {
		// A new clusterIP beside the clusterIPs as read: the API
		// server's normalizeClusterIPs sets clusterIPs from it (so that
		// validation speaks of the change, not of a mismatch).
		sp.ClusterIPs = []string{sp.ClusterIP}
	}
	if needsHealthCheck(svc) && needsHealthCheck(old) && svc.Spec.HealthCheckNodePort == 0 {
		svc.Spec.HealthCheckNodePort = old.Spec.HealthCheckNodePort
	}
	if !needsNodePorts(svc) || !needsNodePorts(old) {
		return
	}
	// The node ports svc asks for itself are not handed to other ports;
	// fixed before patching, so that two ports of old that shared one
	// (53/TCP and 53/UDP) both get it back, as patchAllocatedValues does.
	used := map[int32]bool{}
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			used[p.NodePort] = true
		}
	}
	byName := map[string]int32{}
	for _, p := range old.Spec.Ports {
		byName[p.Name] = p.NodePort
	}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if v := byName[p.Name]; p.NodePort == 0 && v != 0 && !used[v] {
			p.NodePort = v
		}
	}
}

// DropTypeDependentFields clears what an update of old to svc that
// changes the Service's type leaves over from the old type, as the API
// server's dropTypeDependentFields (pkg/registry/core/service/strategy.go)
// does before it validates: so that a Service read back, given a new type
// and applied (kubectl edit) is accepted. Only fields the update kept as
// they were are cleared: the clusterIP and clusterIPs when the new type is
// ExternalName, every nodePort when the new type has none (and no port
// asks for a node port old did not have), externalTrafficPolicy when the
// new type is neither NodePort nor LoadBalancer,
// allocateLoadBalancerNodePorts when the new type is not LoadBalancer. A
// field the update changed is left for validation to judge. Call it
// before workload.Validate.
func DropTypeDependentFields(svc, old *workload.Service) {
	if svc == nil || old == nil {
		return
	}
	sp, op := &svc.Spec, &old.Spec
	if op.Type != workload.ServiceTypeExternalName && sp.Type == workload.ServiceTypeExternalName {
		if sp.ClusterIP == op.ClusterIP && slices.Equal(sp.ClusterIPs, op.ClusterIPs) {
			sp.ClusterIP, sp.ClusterIPs = "", nil
		}
		// And the IP families the update kept (dropTypeDependentFields).
		if slices.Equal(sp.IPFamilies, op.IPFamilies) {
			sp.IPFamilies = nil
		}
		if (sp.IPFamilyPolicy == nil) == (op.IPFamilyPolicy == nil) && (sp.IPFamilyPolicy == nil || *sp.IPFamilyPolicy == *op.IPFamilyPolicy) {
			sp.IPFamilyPolicy = nil
		}
	}
	if needsNodePorts(old) && !needsNodePorts(svc) {
		had := map[int32]bool{}
		for _, p := range op.Ports {
			had[p.NodePort] = true
		}
		same := true
		for _, p := range sp.Ports {
			if p.NodePort != 0 && !had[p.NodePort] {
				same = false
			}
		}
		if same {
			for i := range sp.Ports {
				sp.Ports[i].NodePort = 0
			}
		}
	}
	if needsNodePorts(old) && !needsNodePorts(svc) && sp.ExternalTrafficPolicy == op.ExternalTrafficPolicy {
		sp.ExternalTrafficPolicy = ""
	}
	if needsHealthCheck(old) && !needsHealthCheck(svc) && sp.HealthCheckNodePort == op.HealthCheckNodePort {
		sp.HealthCheckNodePort = 0
	}
	if op.Type == workload.ServiceTypeLoadBalancer && sp.Type != workload.ServiceTypeLoadBalancer &&
		sp.AllocateLoadBalancerNodePorts != nil && op.AllocateLoadBalancerNodePorts != nil &&
		*sp.AllocateLoadBalancerNodePorts == *op.AllocateLoadBalancerNodePorts {
		sp.AllocateLoadBalancerNodePorts = nil
	}
}

// nodePortOfPort returns the node port of the first of ports whose port
// number is port and that has one, or 0.
func nodePortOfPort(ports []workload.ServicePort, port int32) int32 {
	for _, p := range ports {
		if p.Port == port && p.NodePort != 0 {
			return p.NodePort
		}
	}
	return 0
}

func needsClusterIP(s *workload.Service) bool {
	return s.Spec.Type != workload.ServiceTypeExternalName && s.Spec.ClusterIP != workload.ClusterIPNone
}

// needsHealthCheck reports whether s needs a health check node port: a
// LoadBalancer with externalTrafficPolicy Local (apiservice.NeedsHealthCheck).
func needsHealthCheck(s *workload.Service) bool {
	return s.Spec.Type == workload.ServiceTypeLoadBalancer && s.Spec.ExternalTrafficPolicy == workload.TrafficPolicyLocal
}

func needsNodePorts(s *workload.Service) bool {
	return s.Spec.Type == workload.ServiceTypeNodePort || s.Spec.Type == workload.ServiceTypeLoadBalancer
}

// allocatesNodePorts reports whether the ports of s that ask for no node
// port get one, as Kubernetes' shouldAllocateNodePorts: NodePort
// Services, and LoadBalancer Services unless allocateLoadBalancerNodePorts
// is false.
func allocatesNodePorts(s *workload.Service) bool {
	switch s.Spec.Type {
	case workload.ServiceTypeNodePort:
		return true
	case workload.ServiceTypeLoadBalancer:
		return s.Spec.AllocateLoadBalancerNodePorts == nil || *s.Spec.AllocateLoadBalancerNodePorts
	}
	return false
}

// allocation is what one admission took or gives back.
type allocation struct {
	ip    netip.Addr
	ports []int32
}

// Create writes a new Service with its addresses: a ClusterIP (the
// requested one, which must be in range and free, or the next free one;
// none for headless and ExternalName Services) and, for NodePort and
// LoadBalancer Services, a node port per port (the requested one exactly,
// or the next free one; ports with the same port number, such as 53/TCP
// and 53/UDP, share one, as in Kubernetes; with
// allocateLoadBalancerNodePorts false only the requested ones). It sets them on svc, then calls write (the
// store's Create of svc). If allocation fails, nothing changes and the
// error names the field; an allocation conflict or an address out of
// range is a *workload.ValidationError (errors.Is(err,
// workload.ErrInvalid)). If write fails, the addresses are released.
func (l *Layer) Create(svc *workload.Service, write func() (workload.Object, error)) (workload.Object, error) {
	return l.admit(svc, nil, write)
}

// Update is Create for an update of old to svc: it keeps the addresses
// svc keeps, allocates the new ones (a node port per port asking for
// none, without Create's sharing by port number, as Kubernetes'
// updateNodePorts, a type change to NodePort included), and after a
// successful write
// releases those svc no longer has (a type change to ClusterIP releases
// the node ports, to ExternalName everything). Call KeepAllocated first.
func (l *Layer) Update(svc, old *workload.Service, write func() (workload.Object, error)) (workload.Object, error) {
	return l.admit(svc, old, write)
}

func (l *Layer) admit(svc, old *workload.Service, write func() (workload.Object, error)) (workload.Object, error) {
	if svc == nil || write == nil {
		return nil, fmt.Errorf("service: admitting a Service: nil Service or write function: %w", workload.ErrInvalid)
	}
	l.amu.Lock()
	defer l.amu.Unlock()
	got, drop, err := l.allocate(svc, old)
	if err != nil {
		return nil, err
	}
	out, err := write()
	if err != nil {
		l.free(got)
		return nil, err
	}
	l.free(drop)
	m := out.GetObjectMeta()
	l.own(m.Namespace+"/"+m.Name, got)
	return out, nil
}

func (l *Layer) free(a allocation) {
	if a.ip.IsValid() {
		l.ips.Release(a.ip)
		delete(l.ipOwner, a.ip)
	}
	for _, p := range a.ports {
		l.ports.Release(p)
		delete(l.portOwner, p)
	}
}

func (l *Layer) own(owner string, a allocation) {
	if a.ip.IsValid() {
		l.ipOwner[a.ip] = owner
	}
	for _, p := range a.ports {
		l.portOwner[p] = owner
	}
}

// allocate takes what svc needs beyond what old holds. It returns what it
// took and what old held that svc no longer needs. On error nothing is
// taken.
func (l *Layer) allocate(svc, old *workload.Service) (got, drop allocation, err error) {
	defer func() {
		if err != nil {
			l.free(got)
			got, drop = allocation{}, allocation{}
		}
	}()
	if err := l.initIPFamilyFields(svc, old); err != nil {
		return got, drop, err
	}
	var oldIP netip.Addr
	if old != nil && needsClusterIP(old) {
		oldIP, _ = netip.ParseAddr(old.Spec.ClusterIP)
	}
	sp := &svc.Spec
	if needsClusterIP(svc) && len(sp.ClusterIPs) > 1 {
		return got, drop, invalid(svc, "spec.clusterIPs", sp.ClusterIPs, "this cluster is not configured for dual-stack services")
	}
	if needsClusterIP(svc) {
		req := sp.ClusterIP
		if req == "" && len(sp.ClusterIPs) > 0 {
			req = sp.ClusterIPs[0]
		}
		switch {
		case req == "":
			ip, err := l.ips.AllocateNext()
			if errors.Is(err, ErrRangeFull) && l.reclaim() {
				ip, err = l.ips.AllocateNext()
			}
			if err != nil {
				return got, drop, fmt.Errorf("service: Service/%s/%s: spec.clusterIP: %w", svc.Namespace, svc.Name, err)
			}
			got.ip = ip
			sp.ClusterIP, sp.ClusterIPs = ip.String(), []string{ip.String()}
		case oldIP.IsValid() && req == oldIP.String():
		default:
			ip, perr := netip.ParseAddr(req)
			if perr != nil {
				return got, drop, invalid(svc, "spec.clusterIP", req, "must be empty, 'None', or a valid IP address")
			}
			if err := l.takeIP(ip); err != nil {
				// As allocIPs words it, at spec.clusterIPs.
				if errors.Is(err, ErrNotInRange) {
					return got, drop, invalid(svc, "spec.clusterIPs", []string{req}, fmt.Sprintf(
						"failed to allocate IP %s: the provided IP (%s) is not in the valid range. The range of valid IPs is %s", req, req, l.ips.CIDR()))
				}
				return got, drop, invalid(svc, "spec.clusterIPs", []string{req}, fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", req))
			}
			got.ip = ip
			sp.ClusterIP, sp.ClusterIPs = ip.String(), []string{ip.String()}
		}
	}
	if oldIP.IsValid() && (!needsClusterIP(svc) || sp.ClusterIP != oldIP.String()) {
		drop.ip = oldIP
	}

	held := map[int32]bool{}
	if old != nil && needsNodePorts(old) {
		for _, p := range old.Spec.Ports {
			if p.NodePort != 0 {
				held[p.NodePort] = true
			}
		}
	}
	kept := map[int32]bool{}
	// The node ports svc asks for itself, which no port of it gets from
	// nextPort: allocating the lowest free port, orchestra would
	// otherwise hand a port asked for further on (the health check node
	// port, say) to a port asking for none.
	requested := map[int32]bool{}
	for _, p := range sp.Ports {
		if p.NodePort != 0 {
			requested[p.NodePort] = true
		}
	}
	if needsHealthCheck(svc) && sp.HealthCheckNodePort != 0 {
		requested[sp.HealthCheckNodePort] = true
	}
	if needsNodePorts(svc) {
		// A new Service gives the ports of one port number (53/TCP and
		// 53/UDP) one node port, as Kubernetes' initNodePorts: one asked
		// for by a port of the group, else the one allocated for its
		// first port. An update, a type change to NodePort included, goes
		// through updateNodePorts instead: a port asking for none gets
		// its own.
		share := old == nil
		alloc := allocatesNodePorts(svc)
		for i := range sp.Ports {
			p := &sp.Ports[i]
			if p.NodePort == 0 && !alloc {
				// allocateLoadBalancerNodePorts false: no new node
				// port, but a requested one is taken (initNodePorts).
				continue
			}
			if share && p.NodePort == 0 {
				p.NodePort = nodePortOfPort(sp.Ports, p.Port)
			}
			switch {
			case p.NodePort == 0:
				v, err := l.nextPort(requested)
				if err != nil {
					return got, drop, fmt.Errorf("service: Service/%s/%s: spec.ports[%d].nodePort: %w", svc.Namespace, svc.Name, i, err)
				}
				got.ports = append(got.ports, v)
				p.NodePort = v
			case held[p.NodePort] || kept[p.NodePort]:
				kept[p.NodePort] = true
			case containsPort(got.ports, p.NodePort):
				// The node port of another port of this Service. On an
				// update any (updateNodePorts' portAllocated; validation
				// refuses two of one protocol); on create only the one of
				// its port number (initNodePorts' svcPortToNodePort), the
				// second request of another being "already allocated".
				if share && nodePortOfPort(sp.Ports[:i], p.Port) != p.NodePort {
					return got, drop, invalid(svc, fmt.Sprintf("spec.ports[%d].nodePort", i), p.NodePort, "provided port is already allocated")
				}
			default:
				if err := l.takePort(p.NodePort); err != nil {
					path := fmt.Sprintf("spec.ports[%d].nodePort", i)
					if errors.Is(err, ErrNotInRange) {
						return got, drop, invalid(svc, path, p.NodePort, fmt.Sprintf(
							"provided port is not in the valid range. The range of valid ports is %s", l.ports.Range()))
					}
					return got, drop, invalid(svc, path, p.NodePort, "provided port is already allocated")
				}
				got.ports = append(got.ports, p.NodePort)
			}
		}
	} else {
		for i := range sp.Ports {
			sp.Ports[i].NodePort = 0
		}
	}
	for v := range held {
		if !kept[v] {
			drop.ports = append(drop.ports, v)
		}
	}
	// The health check node port (allocHealthCheckNodePort, and on an
	// update updateHealthCheckNodePort: kept while it is needed, released
	// when it no longer is).
	var oldHC int32
	if old != nil && needsHealthCheck(old) {
		oldHC = old.Spec.HealthCheckNodePort
	}
	if needsHealthCheck(svc) {
		switch hc := sp.HealthCheckNodePort; {
		case oldHC != 0 && (hc == 0 || hc == oldHC):
			sp.HealthCheckNodePort = oldHC
		case oldHC != 0:
			return got, drop, invalid(svc, "spec.healthCheckNodePort", hc, "field is immutable")
		case hc == 0:
			v, err := l.nextPort(requested)
			if err != nil {
				return got, drop, fmt.Errorf("service: Service/%s/%s: spec.healthCheckNodePort: %w", svc.Namespace, svc.Name, err)
			}
			got.ports = append(got.ports, v)
			sp.HealthCheckNodePort = v
		case containsPort(got.ports, hc):
			// One of the node ports this admission takes: the same
			// allocation operation refuses it (allocHealthCheckNodePort).
			return got, drop, invalid(svc, "spec.healthCheckNodePort", hc, "provided port is already allocated")
		default:
			if err := l.takePort(hc); err != nil {
				if errors.Is(err, ErrNotInRange) {
					return got, drop, invalid(svc, "spec.healthCheckNodePort", hc, fmt.Sprintf(
						"provided port is not in the valid range. The range of valid ports is %s", l.ports.Range()))
				}
				return got, drop, invalid(svc, "spec.healthCheckNodePort", hc, "provided port is already allocated")
			}
			got.ports = append(got.ports, hc)
		}
	}
	if oldHC != 0 && sp.HealthCheckNodePort != oldHC {
		drop.ports = append(drop.ports, oldHC)
	}
	sort.Slice(drop.ports, func(i, j int) bool { return drop.ports[i] < drop.ports[j] })
	return got, drop, nil
}

// nextPort allocates the lowest free node port that is not in skip (the
// ports the Service being admitted asks for itself), reclaiming the ports
// of deleted Services when the range is full.
func (l *Layer) nextPort(skip map[int32]bool) (int32, error) {
	var aside []int32
	defer func() {
		for _, p := range aside {
			l.ports.Release(p)
		}
	}()
	for {
		v, err := l.ports.AllocateNext()
		if errors.Is(err, ErrRangeFull) && l.reclaim() {
			v, err = l.ports.AllocateNext()
		}
		if err != nil || !skip[v] {
			return v, err
		}
		aside = append(aside, v)
	}
}

func containsPort(ps []int32, p int32) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// takeIP allocates a requested address. An address held for a Service the
// store no longer has (its deletion not yet seen by the controller) is
// taken over.
func (l *Layer) takeIP(ip netip.Addr) error {
	err := l.ips.Allocate(ip)
	if !errors.Is(err, ErrAllocated) || l.holdsIP(l.ipOwner[ip], ip) {
		return err
	}
	delete(l.ipOwner, ip)
	return nil // still set in the bitmap: now ours
}

func (l *Layer) takePort(port int32) error {
	err := l.ports.Allocate(port)
	if !errors.Is(err, ErrAllocated) || l.holdsPort(l.portOwner[port], port) {
		return err
	}
	delete(l.portOwner, port)
	return nil
}

// holdsIP reports whether the stored Service owner still has ip.
func (l *Layer) holdsIP(owner string, ip netip.Addr) bool {
	s := l.peekService(owner)
	return s != nil && needsClusterIP(s) && s.Spec.ClusterIP == ip.String()
}

func (l *Layer) holdsPort(owner string, port int32) bool {
	s := l.peekService(owner)
	if s == nil || !needsNodePorts(s) {
		return false
	}
	if needsHealthCheck(s) && s.Spec.HealthCheckNodePort == port {
		return true
	}
	for _, p := range s.Spec.Ports {
		if p.NodePort == port {
			return true
		}
	}
	return false
}

func (l *Layer) peekService(key string) *workload.Service {
	if key == "" {
		return nil
	}
	ns, name := splitKey(key)
	o, err := l.store.Peek("Service", ns, name)
	if err != nil {
		return nil
	}
	return o.(*workload.Service)
}

// initIPFamilyFields sets ipFamilyPolicy and ipFamilies as the API
// server's initIPFamilyFields (pkg/registry/core/service/storage/alloc.go)
// does on a single-stack cluster, whose family is the service CIDR's: an
// unset policy is the old one on an update, RequireDualStack for a headless
// Service without selector, else SingleStack; families come from the
// cluster IPs, else the cluster's family (both families for a headless
// Service without selector that is not SingleStack). It refuses, with the
// API server's words, two cluster IPs or families under SingleStack,
// RequireDualStack, and a family the cluster does not have. ExternalName
// Services are left alone.
func (l *Layer) initIPFamilyFields(svc, old *workload.Service) error {
	sp := &svc.Spec
	if sp.Type == workload.ServiceTypeExternalName {
		return nil
	}
	family, other := workload.IPv4Protocol, workload.IPv6Protocol
	if l.ips.CIDR().Addr().Is6() {
		family, other = other, family
	}
	headlessNoSelector := sp.ClusterIP == workload.ClusterIPNone && len(sp.Selector) == 0
	if sp.IPFamilyPolicy == nil {
		switch {
		case old != nil && old.Spec.IPFamilyPolicy != nil:
			sp.IPFamilyPolicy = workload.Ptr(*old.Spec.IPFamilyPolicy)
		case headlessNoSelector:
			sp.IPFamilyPolicy = workload.Ptr(workload.IPFamilyPolicyRequireDualStack)
		default:
			sp.IPFamilyPolicy = workload.Ptr(workload.IPFamilyPolicySingleStack)
		}
	}
	policy := *sp.IPFamilyPolicy
	var errs workload.ErrorList
	bad := func(path string, value any, detail string) {
		errs = append(errs, &workload.FieldError{Path: path, Type: workload.ErrorTypeInvalid, Value: value, Detail: detail})
	}
	if policy == workload.IPFamilyPolicySingleStack {
		if len(sp.ClusterIPs) == 2 {
			bad("spec.ipFamilyPolicy", policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified")
		}
		if len(sp.IPFamilies) == 2 {
			bad("spec.ipFamilyPolicy", policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified")
		}
	}
	for i, ip := range sp.ClusterIPs {
		if ip == workload.ClusterIPNone {
			break
		}
		a, err := netip.ParseAddr(ip)
		if err != nil || i < len(sp.IPFamilies) {
			continue // left to validation, or given
		}
		fam := workload.IPv4Protocol
		if a.Is6() && !a.Is4In6() {
			fam = workload.IPv6Protocol
		}
		if fam != family {
			bad(fmt.Sprintf("spec.clusterIPs[%d]", i), sp.ClusterIPs, fam+" is not configured on this cluster")
			continue
		}
		sp.IPFamilies = append(sp.IPFamilies, fam)
	}
	if len(errs) == 0 && headlessNoSelector {
		if len(sp.IPFamilies) == 0 {
			sp.IPFamilies = []string{family}
		}
		if len(sp.IPFamilies) < 2 && policy != workload.IPFamilyPolicySingleStack {
			if sp.IPFamilies[0] == family {
				sp.IPFamilies = append(sp.IPFamilies, other)
			} else {
				sp.IPFamilies = append(sp.IPFamilies, family)
			}
		}
		return nil
	}
	if len(errs) == 0 {
		if policy == workload.IPFamilyPolicyRequireDualStack {
			bad("spec.ipFamilyPolicy", policy, "this cluster is not configured for dual-stack services")
		}
		for i, f := range sp.IPFamilies {
			if f != family {
				bad(fmt.Sprintf("spec.ipFamilies[%d]", i), f, "not configured on this cluster")
			}
		}
	}
	if len(errs) > 0 {
		return &workload.ValidationError{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name, Errors: errs}
	}
	if len(sp.IPFamilies) == 0 {
		sp.IPFamilies = []string{family}
	}
	return nil
}

func invalid(svc *workload.Service, path string, value any, detail string) error {
	return &workload.ValidationError{
		Kind: "Service", Namespace: svc.Namespace, Name: svc.Name,
		Errors: workload.ErrorList{{Path: path, Type: workload.ErrorTypeInvalid, Value: value, Detail: detail}},
	}
}

// Rebuild sets the allocators' state from the Services in the store, as
// the API server's repair loop does: called when the control plane starts.
// A value two stored Services claim stays with the first (by namespace and
// name) and is logged.
func (l *Layer) Rebuild() {
	l.amu.Lock()
	defer l.amu.Unlock()
	l.ips.Reset()
	l.ports.Reset()
	clear(l.ipOwner)
	clear(l.portOwner)
	for _, o := range l.store.List("Service", "", nil) {
		s := o.(*workload.Service)
		key := s.Namespace + "/" + s.Name
		if needsClusterIP(s) {
			if ip, err := netip.ParseAddr(s.Spec.ClusterIP); err == nil {
				if err := l.ips.Allocate(ip); err != nil {
					l.logger.Warn("service ClusterIP not restored", "service", key, "clusterIP", s.Spec.ClusterIP, "err", err)
				} else {
					l.ipOwner[ip] = key
				}
			}
		}
		if needsNodePorts(s) {
			ports := make([]int32, 0, len(s.Spec.Ports)+1)
			for _, p := range s.Spec.Ports {
				ports = append(ports, p.NodePort)
			}
			if needsHealthCheck(s) {
				ports = append(ports, s.Spec.HealthCheckNodePort)
			}
			for _, p := range ports {
				if p == 0 || l.portOwner[p] == key {
					continue
				}
				if err := l.ports.Allocate(p); err != nil {
					l.logger.Warn("service node port not restored", "service", key, "nodePort", p, "err", err)
				} else {
					l.portOwner[p] = key
				}
			}
		}
	}
}

// release gives back what the deleted Service svc held, unless the store
// has a Service of that name that still holds it (deleted and created
// again) or another Service took it over meanwhile.
func (l *Layer) release(svc *workload.Service) {
	key := svc.Namespace + "/" + svc.Name
	l.amu.Lock()
	defer l.amu.Unlock()
	if ip, err := netip.ParseAddr(svc.Spec.ClusterIP); err == nil && l.ipOwner[ip] == key && !l.holdsIP(key, ip) {
		l.ips.Release(ip)
		delete(l.ipOwner, ip)
	}
	ports := make([]int32, 0, len(svc.Spec.Ports)+1)
	for _, p := range svc.Spec.Ports {
		ports = append(ports, p.NodePort)
	}
	ports = append(ports, svc.Spec.HealthCheckNodePort)
	for _, p := range ports {
		if p != 0 && l.portOwner[p] == key && !l.holdsPort(key, p) {
			l.ports.Release(p)
			delete(l.portOwner, p)
		}
	}
}

// ReleaseDeleted gives back at once what a Service just deleted from the
// store held, as the API server releases a Service's ClusterIP and node
// ports in the delete call itself (its REST storage's afterDelete), not
// when a controller later sees the deletion. A Service the store still
// has (terminating, or created again) keeps what it holds. The cluster's
// Delete calls it; the endpoints controller does the same for deletions
// it sees.
func (l *Layer) ReleaseDeleted(svc *workload.Service) {
	if svc != nil {
		l.release(svc)
	}
}

// reclaim releases every ClusterIP and node port whose owner the store no
// longer has (deleted while the control plane was not there to see it),
// and reports whether it freed any. Dynamic allocation calls it before it
// gives up on a full range. Caller holds amu.
func (l *Layer) reclaim() bool {
	freed := false
	for ip, owner := range l.ipOwner {
		if !l.holdsIP(owner, ip) {
			l.ips.Release(ip)
			delete(l.ipOwner, ip)
			freed = true
		}
	}
	for port, owner := range l.portOwner {
		if !l.holdsPort(owner, port) {
			l.ports.Release(port)
			delete(l.portOwner, port)
			freed = true
		}
	}
	return freed
}

// Allocated reports whether the ClusterIP ip (an address) or the node port
// (a number) is allocated: for tests and diagnostics.
func (l *Layer) Allocated(ip string, nodePort int32) (ipTaken, portTaken bool) {
	l.amu.Lock()
	defer l.amu.Unlock()
	if a, err := netip.ParseAddr(ip); err == nil {
		ipTaken = l.ips.Has(a)
	}
	if nodePort != 0 {
		portTaken = l.ports.Has(nodePort)
	}
	return ipTaken, portTaken
}

func splitKey(key string) (ns, name string) {
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			return key[:i], key[i+1:]
		}
	}
	return "", key
}
