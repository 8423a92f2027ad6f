package service

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/workload"
)

// Resolver answers the DNS names of Services and their pods as the
// cluster DNS (CoreDNS's kubernetes plugin) does, from the store's
// Services and EndpointSlices:
//
//   - <svc>.<ns>.svc.<domain>: the ClusterIP; for a headless Service the
//     addresses of its ready endpoints (all of them with
//     publishNotReadyAddresses); for an ExternalName Service its
//     externalName (a CNAME: resolve it with the system resolver), or,
//     when that is a name of the cluster's domain, what it resolves to
//     (as CoreDNS chases the CNAME within its zone, at most 8 deep).
//   - <hostname>.<svc>.<ns>.svc.<domain>: the ready endpoint of Service
//     svc whose pod has hostname <hostname> and subdomain <svc>
//     (StatefulSet pods); a ready endpoint without a hostname answers to
//     its address with dashes ("10-244-0-2.<svc>.<ns>.svc.<domain>"), the
//     name LookupSRV gives it. As CoreDNS, these names are answered under
//     a Service with a ClusterIP too, not only under a headless one.
//   - <a-b-c-d>.<ns>.pod.<domain>: the address a.b.c.d, when a pod of
//     namespace ns that has not finished has it (CoreDNS's "pods
//     verified"; kubeadm's default "pods insecure" answers any address).
//   - _<port>._<proto>.<svc>.<ns>.svc.<domain> (LookupSRV): the named
//     port: the Service's name and port, or for a headless Service one
//     target per ready endpoint ("<hostname or dashed IP>.<svc>.<ns>.svc.
//     <domain>") with the pod's own port number. As CoreDNS, LookupSRV
//     also answers <svc>.<ns>.svc.<domain> (every port of the Service,
//     named or not) and <endpoint>.<svc>.<ns>.svc.<domain> (the ports of
//     that endpoint, under any Service but an ExternalName one). An
//     ExternalName Service answers only its own name, with one target,
//     its externalName, and port 0.
//
// Names that are not fully qualified go through the search list of a pod
// in the client's namespace, as Kubernetes' resolv.conf (ndots 5):
// <ns>.svc.<domain>, svc.<domain>, <domain>, then the name itself. So
// "web", "web.shop", "web.shop.svc" and "mysql-0.mysql" all resolve from
// the right namespace. Results are sorted. A name nothing answers to gives
// an error wrapping ErrNotFound; a Service with no ready endpoint to
// offer, one wrapping ErrNoEndpoints.
type Resolver struct {
	l *Layer
}

// SRV is one answer of LookupSRV.
type SRV struct {
	Target string
	Port   int32
}

// Resolver returns the layer's resolver.
func (l *Layer) Resolver() *Resolver { return &Resolver{l: l} }

const ndots = 5

// candidates returns the fully qualified names to try for name, as a pod
// in namespace from would.
func (r *Resolver) candidates(from, name string) []string {
	if from == "" {
		from = "default"
	}
	name = strings.ToLower(name)
	if strings.HasSuffix(name, ".") {
		return []string{strings.TrimSuffix(name, ".")}
	}
	d := r.l.domain
	search := []string{name + "." + from + ".svc." + d, name + ".svc." + d, name + "." + d}
	if strings.Count(name, ".") >= ndots {
		return append([]string{name}, search...)
	}
	return append(search, name)
}

// LookupHost returns the addresses of name, asked from a pod in namespace
// from ("" means "default").
func (r *Resolver) LookupHost(from, name string) ([]string, error) {
	for _, fq := range r.candidates(from, name) {
		addrs, err := r.host(fq)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		return addrs, err
	}
	return nil, fmt.Errorf("%w: name %q (from namespace %q)", ErrNotFound, name, nsOr(from))
}

// LookupSRV returns the targets of a named port,
// "_<port>._<proto>.<svc>.<ns>.svc.<domain>" (or a shorter form), asked
// from a pod in namespace from.
func (r *Resolver) LookupSRV(from, name string) ([]SRV, error) {
	for _, fq := range r.candidates(from, name) {
		srvs, err := r.srv(fq)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		return srvs, err
	}
	return nil, fmt.Errorf("%w: SRV name %q (from namespace %q)", ErrNotFound, name, nsOr(from))
}

func nsOr(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// split returns the labels before ".svc.<domain>", or nil.
func (r *Resolver) split(fq string) []string {
	rest, ok := strings.CutSuffix(fq, ".svc."+r.l.domain)
	if !ok || rest == "" {
		return nil
	}
	return strings.Split(rest, ".")
}

func (r *Resolver) service(name, ns string) (*workload.Service, error) {
	o, err := r.l.store.Peek("Service", ns, name)
	if err != nil {
		return nil, fmt.Errorf("%w: Service %s/%s", ErrNotFound, ns, name)
	}
	return o.(*workload.Service), nil
}

// maxCNAME bounds the chain of ExternalName aliases a lookup follows, as
// CoreDNS's backend lookup gives up past 8 CNAMEs.
const maxCNAME = 8

func (r *Resolver) host(fq string) ([]string, error) {
	return r.hostDepth(fq, 0)
}

// hostDepth is host for a name reached through depth ExternalName
// aliases.
func (r *Resolver) hostDepth(fq string, depth int) ([]string, error) {
	if rest, ok := strings.CutSuffix(fq, ".pod."+r.l.domain); ok {
		return r.podHost(fq, rest)
	}
	parts := r.split(fq)
	switch len(parts) {
	case 2:
		svc, err := r.service(parts[0], parts[1])
		if err != nil {
			return nil, err
		}
		switch {
		case svc.Spec.Type == workload.ServiceTypeExternalName:
			// A CNAME. Its target in the cluster's zone is answered too,
			// as CoreDNS chases it; another stays a name for the system
			// resolver.
			target := strings.ToLower(strings.TrimSuffix(svc.Spec.ExternalName, "."))
			if target != r.l.domain && !strings.HasSuffix(target, "."+r.l.domain) {
				return []string{svc.Spec.ExternalName}, nil
			}
			if depth >= maxCNAME {
				return nil, fmt.Errorf("%w: %s: more than %d ExternalName aliases (a loop?)", ErrNotFound, fq, maxCNAME)
			}
			addrs, err := r.hostDepth(target, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s is an alias of %s: %w", fq, target, err)
			}
			return addrs, nil
		case svc.Spec.ClusterIP != workload.ClusterIPNone:
			return []string{svc.Spec.ClusterIP}, nil
		}
		var out []string
		seen := map[string]bool{}
		for _, es := range r.slices(svc) {
			for _, ep := range es.Endpoints {
				if !readyEndpoint(&ep) {
					continue
				}
				for _, a := range ep.Addresses {
					if !seen[a] {
						seen[a] = true
						out = append(out, a)
					}
				}
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%w: headless Service %s/%s has no ready endpoint", ErrNoEndpoints, svc.Namespace, svc.Name)
		}
		sortAddrs(out)
		return out, nil
	case 3:
		// An endpoint query: answered from the endpoints of any Service
		// but an ExternalName one, with or without a ClusterIP, as
		// CoreDNS's findServices ("endpoint query or headless service").
		svc, err := r.service(parts[1], parts[2])
		if err != nil || svc.Spec.Type == workload.ServiceTypeExternalName {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, fq)
		}
		var out []string
		for _, es := range r.slices(svc) {
			for _, ep := range es.Endpoints {
				if endpointHost(&ep) == parts[0] && readyEndpoint(&ep) {
					out = append(out, ep.Addresses...)
				}
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, fq)
		}
		sortAddrs(out)
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, fq)
}

// podHost answers "<dashed IP>.<ns>.pod.<domain>" (rest is the part
// before ".pod.<domain>") with the IP, when a pod of the namespace that
// has not finished has it, as CoreDNS's "pods verified".
func (r *Resolver) podHost(fq, rest string) ([]string, error) {
	label, ns, ok := strings.Cut(rest, ".")
	if !ok || ns == "" || strings.Contains(ns, ".") {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, fq)
	}
	ip, err := netip.ParseAddr(strings.ReplaceAll(label, "-", "."))
	if err != nil {
		if ip, err = netip.ParseAddr(strings.ReplaceAll(label, "-", ":")); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, fq)
		}
	}
	for _, o := range r.l.store.List("Pod", ns, nil) {
		p := o.(*workload.Pod)
		if p.Status.Phase == workload.PodSucceeded || p.Status.Phase == workload.PodFailed {
			continue
		}
		if podHasIP(p, ip) {
			return []string{ip.String()}, nil
		}
	}
	return nil, fmt.Errorf("%w: %s (no pod in namespace %s has address %s)", ErrNotFound, fq, ns, ip)
}

func podHasIP(p *workload.Pod, ip netip.Addr) bool {
	if a, err := netip.ParseAddr(p.Status.PodIP); err == nil && a == ip {
		return true
	}
	for _, x := range p.Status.PodIPs {
		if a, err := netip.ParseAddr(x.IP); err == nil && a == ip {
			return true
		}
	}
	return false
}

func (r *Resolver) srv(fq string) ([]SRV, error) {
	// The three forms of CoreDNS's parseRequest: _<port>._<proto>.<svc>,
	// <endpoint>.<svc>, and <svc> (every port).
	parts := r.split(fq)
	var port, proto, endpoint string
	switch {
	case len(parts) == 4 && strings.HasPrefix(parts[0], "_") && strings.HasPrefix(parts[1], "_"):
		port, proto = parts[0][1:], strings.ToUpper(parts[1][1:])
		parts = parts[2:]
	case len(parts) == 3:
		endpoint, parts = parts[0], parts[1:]
	case len(parts) == 2:
	default:
		return nil, fmt.Errorf("%w: %s", ErrNotFound, fq)
	}
	svc, err := r.service(parts[0], parts[1])
	if err != nil {
		return nil, err
	}
	if svc.Spec.Type == workload.ServiceTypeExternalName {
		// As CoreDNS's findServices: an ExternalName Service has no
		// endpoints and takes no port or protocol label; its own name
		// is one record aimed at the external name, with no port.
		if endpoint != "" || port != "" || proto != "" {
			return nil, fmt.Errorf("%w: %s (ExternalName Service %s/%s has no ports or endpoints in DNS)", ErrNotFound, fq, svc.Namespace, svc.Name)
		}
		return []SRV{{Target: strings.TrimSuffix(svc.Spec.ExternalName, ".")}}, nil
	}
	wants := func(name, protocol string) bool {
		return (proto == "" || protocolOr(protocol) == proto) && (port == "" || name == port)
	}
	var sps []*workload.ServicePort
	for i := range svc.Spec.Ports {
		if p := &svc.Spec.Ports[i]; wants(p.Name, p.Protocol) && (port == "" || p.Name != "") {
			sps = append(sps, p)
		}
	}
	if port != "" && len(sps) == 0 {
		return nil, fmt.Errorf("%w: Service %s/%s has no %s port %q", ErrNotFound, svc.Namespace, svc.Name, proto, port)
	}
	base := svc.Name + "." + svc.Namespace + ".svc." + r.l.domain
	var out []SRV
	if svc.Spec.ClusterIP != workload.ClusterIPNone && endpoint == "" {
		// A ClusterIP Service: its own name, on each of its ports.
		for _, sp := range sps {
			out = append(out, SRV{Target: base, Port: sp.Port})
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%w: Service %s/%s has no port", ErrNotFound, svc.Namespace, svc.Name)
		}
		return out, nil
	}
	// A headless Service, or an endpoint of any Service: one target per
	// ready endpoint and port, on the endpoint's own port number.
	for _, es := range r.slices(svc) {
		for _, ep := range es.Endpoints {
			host := endpointHost(&ep)
			if !readyEndpoint(&ep) || len(ep.Addresses) == 0 || (endpoint != "" && host != endpoint) {
				continue
			}
			for _, p := range es.Ports {
				name, protocol := "", ""
				if p.Name != nil {
					name = *p.Name
				}
				if p.Protocol != nil {
					protocol = *p.Protocol
				}
				if p.Port != nil && wants(name, protocol) {
					out = append(out, SRV{Target: host + "." + base, Port: *p.Port})
				}
			}
		}
	}
	if len(out) == 0 {
		if endpoint != "" {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, fq)
		}
		return nil, fmt.Errorf("%w: headless Service %s/%s has no ready endpoint for port %q", ErrNoEndpoints, svc.Namespace, svc.Name, port)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Target != out[j].Target {
			return out[i].Target < out[j].Target
		}
		return out[i].Port < out[j].Port
	})
	return slices.Compact(out), nil
}

// endpointHost is the first label of an endpoint's name under a headless
// Service, as CoreDNS's endpointHostname: its hostname, or else its first
// address with dots (and colons) as dashes. "" when it has neither.
func endpointHost(ep *workload.Endpoint) string {
	if ep.Hostname != nil && *ep.Hostname != "" {
		return *ep.Hostname
	}
	if len(ep.Addresses) == 0 {
		return ""
	}
	return strings.NewReplacer(".", "-", ":", "-").Replace(ep.Addresses[0])
}

func (r *Resolver) slices(svc *workload.Service) []*workload.EndpointSlice {
	sel := labels.SelectorFromSet(labels.Set{workload.LabelServiceName: svc.Name})
	objs := r.l.store.List("EndpointSlice", svc.Namespace, sel)
	out := make([]*workload.EndpointSlice, len(objs))
	for i, o := range objs {
		out[i] = o.(*workload.EndpointSlice)
	}
	return out
}

// readyEndpoint: a nil ready condition means ready.
func readyEndpoint(ep *workload.Endpoint) bool {
	return ep.Conditions.Ready == nil || *ep.Conditions.Ready
}

func sortAddrs(a []string) {
	sort.Slice(a, func(i, j int) bool {
		x, e1 := netip.ParseAddr(a[i])
		y, e2 := netip.ParseAddr(a[j])
		if e1 == nil && e2 == nil {
			return x.Less(y)
		}
		return a[i] < a[j]
	})
}
