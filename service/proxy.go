package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// ErrNotListening is wrapped by Proxy.Addr and Proxy.NodePortAddr when the
// proxy has no listener for the port: no proxy at all (a nil *Proxy), no
// such Service or port, a Service not processed yet (Cluster.Apply only
// writes to the store; the listener opens when the cluster is next
// driven, so under Cluster.Run retry a moment later), a headless or
// ExternalName Service, one labelled LabelServiceProxyName or
// LabelHeadless, a UDP port, or a listen that failed (the error says
// which).
var ErrNotListening = errors.New("service: proxy not listening")

// ProxyConfig configures the userspace TCP proxy. The zero value works:
// listeners on 127.0.0.1, three dial attempts, a 5 s dial timeout.
//
// Where a Service port listens: when the Service's ClusterIP is a
// loopback address (a cluster configured with ServiceCIDR
// "127.2.0.0/16", say; Linux routes all of 127.0.0.0/8 to the loopback
// interface, other systems need the addresses added), on ClusterIP:port
// itself, so clients dial the address the resolver gives them. Otherwise
// (ClusterIPs from 10.96.0.0/12 are not local addresses), on Address with
// a port the system chooses; Proxy.Addr tells it. Ports below 1024 need
// the privilege to bind them.
//
// Node ports listen on NodePortAddress:nodePort, or with
// EphemeralNodePorts on a port the system chooses (Proxy.NodePortAddr).
type ProxyConfig struct {
	// Address is the IP the listeners of non-loopback ClusterIPs bind
	// ("127.0.0.1" when empty).
	Address string
	// NodePortAddress is the IP the node port listeners bind ("127.0.0.1"
	// when empty; "0.0.0.0" exposes them to the network).
	NodePortAddress string
	// EphemeralNodePorts binds node port listeners to ports the system
	// chooses instead of the allocated node ports (tests, or several
	// clusters on one machine).
	EphemeralNodePorts bool
	// NodePortsOnly opens only the node port listeners, for a per-node
	// proxy beside a cluster-wide one that holds the ClusterIP listeners
	// (see Layer.StartProxy).
	NodePortsOnly bool
	// Node is the node this proxy stands for: its ClusterIP listeners use
	// the node's view (internalTrafficPolicy Local) and its node port
	// listeners the node's external view (externalTrafficPolicy Local).
	// Empty: the cluster-wide pickers.
	Node string
	// DialTimeout bounds each dial of an endpoint (5 s when zero; negative
	// is refused).
	DialTimeout time.Duration
	// MaxDialAttempts is how many endpoints a connection tries before it
	// is closed (3 when zero; negative is refused).
	MaxDialAttempts int
	// Dial dials an endpoint; nil means a net.Dialer. Tests use it to
	// count or fail dials.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// Proxy is a userspace TCP proxy, as kube-proxy's old userspace mode: one
// listener per TCP Service port (and node port); each accepted connection
// goes to the next endpoint from the port's picker (PickFor the client's
// IP, so ClientIP affinity holds), and to another one when a dial fails,
// up to MaxDialAttempts (the client's affinity then moves to the endpoint
// tried next, as kube-proxy's userspace mode resets it); then bytes are
// copied both ways (io.Copy between TCP connections, which splices on
// Linux) with half-close.
//
// The endpoints controller keeps the listeners in step with the Services:
// a new Service port gets a listener, a deleted Service's listeners close
// (connections already proxied go on until either side closes them or
// the Proxy is closed). A listener that could not listen (its address
// taken) is logged and tried again on the Service's next change or
// endpoints change; one whose accept fails for a while (out of file
// descriptors) keeps accepting after a pause. Close stops everything and
// returns after every goroutine of the proxy has returned.
//
// A nil *Proxy (Layer.Proxy of a layer configured without one) listens
// nowhere: Addr and NodePortAddr fail with ErrNotListening, Listeners is
// empty and Close does nothing.
type Proxy struct {
	l      *Layer
	cfg    ProxyConfig
	ctx    context.Context
	cancel context.CancelFunc
	dial   func(ctx context.Context, network, address string) (net.Conn, error)

	mu     sync.Mutex
	closed bool
	svcs   map[string]*proxySvc
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

type proxySvc struct {
	sig       string
	listeners map[string]*proxyListener // "cluster/<port>" or "node/<port>"
}

type proxyListener struct {
	ln   net.Listener
	addr string
	err  error
	pick *PortPicker
}

// NewProxy returns a proxy over the pickers of l with no listeners yet.
// The cluster creates it from Config.Proxy; the endpoints controller
// feeds it.
func NewProxy(l *Layer, cfg ProxyConfig) (*Proxy, error) {
	for _, a := range []string{cfg.Address, cfg.NodePortAddress} {
		if a != "" {
			if _, err := netip.ParseAddr(a); err != nil {
				return nil, fmt.Errorf("service: proxy address %q: %w: %w", a, err, workload.ErrInvalid)
			}
		}
	}
	if cfg.DialTimeout < 0 {
		return nil, fmt.Errorf("service: ProxyConfig.DialTimeout: negative duration %v: %w", cfg.DialTimeout, workload.ErrInvalid)
	}
	if cfg.MaxDialAttempts < 0 {
		return nil, fmt.Errorf("service: ProxyConfig.MaxDialAttempts: negative %d: %w", cfg.MaxDialAttempts, workload.ErrInvalid)
	}
	if cfg.Address == "" {
		cfg.Address = "127.0.0.1"
	}
	if cfg.NodePortAddress == "" {
		cfg.NodePortAddress = "127.0.0.1"
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.MaxDialAttempts == 0 {
		cfg.MaxDialAttempts = 3
	}
	p := &Proxy{l: l, cfg: cfg, svcs: map[string]*proxySvc{}, conns: map[net.Conn]struct{}{}}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.dial = cfg.Dial
	if p.dial == nil {
		d := &net.Dialer{Timeout: cfg.DialTimeout}
		p.dial = d.DialContext
	}
	return p, nil
}

// Addr returns the address ("ip:port") where the proxy accepts
// connections for a Service port (portName may be empty for a Service
// with one port).
func (p *Proxy) Addr(namespace, name, portName string) (string, error) {
	return p.addr("cluster", namespace, name, portName)
}

// NodePortAddr returns the address where the proxy accepts connections
// for the node port of a Service port.
func (p *Proxy) NodePortAddr(namespace, name, portName string) (string, error) {
	return p.addr("node", namespace, name, portName)
}

func (p *Proxy) addr(kind, namespace, name, portName string) (string, error) {
	if p == nil {
		return "", fmt.Errorf("%w: no proxy runs (Config.Proxy is nil): Service %s/%s", ErrNotListening, nsOr(namespace), name)
	}
	if namespace == "" {
		namespace = "default"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ps := p.svcs[namespace+"/"+name]
	if ps == nil {
		return "", fmt.Errorf("%w: Service %s/%s: no listener (no such Service, "+
			"or one the endpoints controller has not processed yet: the cluster opens it when next driven)",
			ErrNotListening, namespace, name)
	}
	pl := ps.listeners[kind+"/"+portName]
	if pl == nil && portName == "" && len(ps.listeners) > 0 {
		var only *proxyListener
		n := 0
		for k, l := range ps.listeners {
			if len(k) > len(kind) && k[:len(kind)+1] == kind+"/" {
				only = l
				n++
			}
		}
		if n == 1 {
			pl = only
		}
	}
	if pl == nil {
		return "", fmt.Errorf("%w: Service %s/%s port %q (%s)", ErrNotListening, namespace, name, portName, kind)
	}
	if pl.err != nil {
		return "", fmt.Errorf("%w: Service %s/%s port %q: %w", ErrNotListening, namespace, name, portName, pl.err)
	}
	return pl.addr, nil
}

// want is one listener a Service asks for.
type want struct {
	id, bind, port string
	node           bool
}

// LabelServiceProxyName on a Service hands it to another proxy: as
// kube-proxy, the Proxy serves no Service that has it, nor one labelled
// LabelHeadless (kube-proxy's informers select Services without either
// label: cmd/kube-proxy/app/server.go ProxyServer.Run, labelSelector).
const LabelServiceProxyName = "service.kubernetes.io/service-proxy-name"

func (p *Proxy) wants(svc *workload.Service) []want {
	if _, ok := svc.Labels[LabelServiceProxyName]; ok {
		return nil
	}
	if _, ok := svc.Labels[LabelHeadless]; ok {
		return nil
	}
	var out []want
	ip, err := netip.ParseAddr(svc.Spec.ClusterIP)
	hasIP := err == nil && needsClusterIP(svc)
	for _, sp := range svc.Spec.Ports {
		if sp.Protocol != "" && sp.Protocol != workload.ProtocolTCP {
			continue
		}
		if hasIP && !p.cfg.NodePortsOnly {
			bind := net.JoinHostPort(p.cfg.Address, "0")
			if ip.IsLoopback() {
				bind = net.JoinHostPort(ip.String(), strconv.Itoa(int(sp.Port)))
			}
			out = append(out, want{id: "cluster/" + sp.Name, bind: bind, port: sp.Name})
		}
		if needsNodePorts(svc) && sp.NodePort != 0 {
			port := strconv.Itoa(int(sp.NodePort))
			if p.cfg.EphemeralNodePorts {
				port = "0"
			}
			out = append(out, want{id: "node/" + sp.Name, bind: net.JoinHostPort(p.cfg.NodePortAddress, port), port: sp.Name, node: true})
		}
	}
	return out
}

// sync makes the listeners of a Service match its spec. It runs on the
// control plane's goroutine.
func (p *Proxy) sync(svc *workload.Service) {
	key := svc.Namespace + "/" + svc.Name
	ws := p.wants(svc)
	sig := fmt.Sprint(ws)
	p.mu.Lock()
	ps := p.svcs[key]
	if p.closed || (ps != nil && ps.sig == sig && !ps.failed()) {
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()

	// Pickers first: they take the layer's lock, never under ours.
	picks := make([]*PortPicker, len(ws))
	for i, w := range ws {
		var pk *PortPicker
		var err error
		switch {
		case p.cfg.Node == "":
			pk, err = p.l.Picker(svc.Namespace, svc.Name, w.port)
		case w.node:
			pk, err = p.l.ExternalPicker(p.cfg.Node, svc.Namespace, svc.Name, w.port)
		default:
			pk, err = p.l.NodePicker(p.cfg.Node, svc.Namespace, svc.Name, w.port)
		}
		if err != nil {
			return // the Service is gone from the store; its deletion follows
		}
		picks[i] = pk
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	ps = p.svcs[key]
	if ps == nil {
		ps = &proxySvc{listeners: map[string]*proxyListener{}}
		p.svcs[key] = ps
	}
	ps.sig = sig
	// Every listener that goes or changes is closed before any is
	// opened: a renamed port's new listener binds the address its old one
	// holds, and two ports that swap numbers each other's.
	keep := map[string]bool{}
	for i, w := range ws {
		if old := ps.listeners[w.id]; old != nil && old.pick == picks[i] && old.err == nil && bindMatches(old.addr, w.bind) {
			keep[w.id] = true
		}
	}
	for id, old := range ps.listeners {
		if !keep[id] {
			old.close()
			delete(ps.listeners, id)
		}
	}
	for i, w := range ws {
		if !keep[w.id] {
			ps.listeners[w.id] = p.listen(w, picks[i], key)
		}
	}
}

// bindMatches reports whether a listener at addr satisfies bind (an
// address with port 0 matches any port of the same IP).
func bindMatches(addr, bind string) bool {
	h1, p1, _ := net.SplitHostPort(addr)
	h2, p2, _ := net.SplitHostPort(bind)
	return h1 == h2 && (p2 == "0" || p1 == p2)
}

// listen opens one listener and starts its accept loop. Called with mu
// held.
func (p *Proxy) listen(w want, pick *PortPicker, key string) *proxyListener {
	pl := &proxyListener{pick: pick}
	ln, err := net.Listen("tcp", w.bind)
	if err != nil {
		pl.err = err
		p.l.logger.Warn("proxy listen failed", "service", key, "port", w.port, "bind", w.bind, "err", err)
		return pl
	}
	pl.ln, pl.addr = ln, ln.Addr().String()
	p.wg.Add(1)
	go p.accept(pl)
	return pl
}

// failed reports whether one of the Service's listeners could not
// listen: sync then tries it again (on the Service's next change or
// endpoints change), as the port may be free by now.
func (ps *proxySvc) failed() bool {
	for _, pl := range ps.listeners {
		if pl.err != nil {
			return true
		}
	}
	return false
}

func (pl *proxyListener) close() {
	if pl.ln != nil {
		pl.ln.Close()
	}
}

// remove closes the listeners of a deleted Service.
func (p *Proxy) remove(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ps := p.svcs[key]; ps != nil {
		for _, pl := range ps.listeners {
			pl.close()
		}
		delete(p.svcs, key)
	}
}

func (p *Proxy) accept(pl *proxyListener) {
	defer p.wg.Done()
	var delay time.Duration
	for {
		c, err := pl.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// Out of file descriptors, or another passing failure: the
			// listener is still open, so keep accepting after a pause (5
			// ms doubling to 1 s, as net/http's Server). This waits on
			// the real clock: the proxy serves real sockets.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			p.l.logger.Warn("proxy: accept failed; retrying", "listener", pl.ln.Addr().String(), "err", err, "in", delay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-p.ctx.Done():
				t.Stop()
				return
			}
			continue
		}
		delay = 0
		if !p.track(c) {
			c.Close()
			return
		}
		p.wg.Add(1)
		go p.serve(c, pl.pick)
	}
}

// track registers a connection so that Close can close it; false once the
// proxy is closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// serve dials an endpoint for one client connection and copies both ways.
func (p *Proxy) serve(client net.Conn, pick *PortPicker) {
	defer p.wg.Done()
	defer p.untrack(client)
	clientIP := ""
	if ap, err := netip.ParseAddrPort(client.RemoteAddr().String()); err == nil {
		clientIP = ap.Addr().String()
	}
	var backend net.Conn
	for attempt := 0; attempt < p.cfg.MaxDialAttempts; attempt++ {
		var ep *Endpoint
		var err error
		if attempt == 0 {
			ep, err = pick.PickFor(clientIP)
		} else {
			ep, err = pick.RepickFor(clientIP) // the client's affinity moves too
		}
		if err != nil {
			p.l.logger.Debug("proxy: no endpoint", "picker", pick.String(), "err", err)
			return
		}
		ctx, cancel := context.WithTimeout(p.ctx, p.cfg.DialTimeout)
		backend, err = p.dial(ctx, "tcp", net.JoinHostPort(ep.Address, strconv.Itoa(int(ep.Port))))
		cancel()
		if err == nil {
			break
		}
		p.l.logger.Debug("proxy: dial failed; trying another endpoint", "picker", pick.String(), "endpoint", ep.Address, "err", err)
		if p.ctx.Err() != nil {
			return
		}
	}
	if backend == nil {
		return
	}
	if !p.track(backend) {
		backend.Close()
		return
	}
	defer p.untrack(backend)
	done := make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(done)
		io.Copy(backend, client)
		closeWrite(backend)
	}()
	io.Copy(client, backend)
	closeWrite(client)
	<-done
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		return
	}
	c.Close()
}

// Listeners returns the addresses the proxy listens on, sorted, with the
// Service and port of each ("default/web:http 127.0.0.1:40123", node
// ports marked "nodePort"): for diagnostics.
func (p *Proxy) Listeners() []string {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for key, ps := range p.svcs {
		for id, pl := range ps.listeners {
			if pl.err != nil {
				continue
			}
			kind, port := splitKey(id)
			s := key + ":" + port + " " + pl.addr
			if kind == "node" {
				s += " nodePort"
			}
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Close closes every listener and connection and returns after every
// goroutine of the proxy has returned. Closing twice is harmless.
func (p *Proxy) Close() error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		p.cancel()
		for _, ps := range p.svcs {
			for _, pl := range ps.listeners {
				pl.close()
			}
		}
		p.svcs = map[string]*proxySvc{}
		for c := range p.conns {
			c.Close()
		}
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}
