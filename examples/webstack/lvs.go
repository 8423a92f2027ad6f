package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"sync"

	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/workload"
)

// lvs is the front of the stack, as Linux Virtual Server in the source
// notes: a TCP load balancer that spreads client connections over the
// squid Service's node port on every node, with orchestra's own
// round-robin picker over the nodes. Every node runs its own proxy (as
// kube-proxy does) whose node port listens on the node's address.
type lvs struct {
	s      *stack
	ln     net.Listener
	pick   *service.RoundRobin
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	proxies  map[string]*service.Proxy // by node
	backends []string
}

func newLVS(s *stack) (*lvs, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &lvs{s: s, ln: ln, pick: service.NewRoundRobin(1), proxies: map[string]*service.Proxy{}}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	if err := l.syncNodes(); err != nil {
		ln.Close()
		return nil, err
	}
	l.wg.Add(1)
	go l.serve()
	return l, nil
}

// syncNodes starts a proxy on every node that has none, stops the proxies
// of nodes that are gone, and points the picker at every node's squid
// node port.
func (l *lvs) syncNodes() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	layer := l.s.c.Services()
	nodes := map[string]string{}
	objs, _ := l.s.c.List("Node", "", "")
	for _, o := range objs {
		n := o.(*workload.Node)
		for _, a := range n.Status.Addresses {
			if a.Type == "InternalIP" {
				nodes[n.Name] = a.Address
			}
		}
	}
	for name, p := range l.proxies {
		if _, ok := nodes[name]; !ok {
			_ = layer.StopProxy(p)
			delete(l.proxies, name)
		}
	}
	var eps []service.Endpoint
	names := make([]string, 0, len(nodes))
	for name := range nodes {
		names = append(names, name)
	}
	sort.Strings(names)
	l.backends = nil
	for _, name := range names {
		p := l.proxies[name]
		if p == nil {
			var err error
			p, err = layer.StartProxy(service.ProxyConfig{Node: name, NodePortAddress: nodes[name], NodePortsOnly: true})
			if err != nil {
				return err
			}
			l.proxies[name] = p
		}
		addr, err := p.NodePortAddr(ns, "squid", "http")
		if err != nil {
			return fmt.Errorf("squid's node port on %s: %w", name, err)
		}
		host, port, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(port)
		eps = append(eps, service.Endpoint{Address: host, Port: int32(n), PodName: name, NodeName: name, Ready: true, Serving: true})
		l.backends = append(l.backends, addr)
	}
	return l.pick.Update(eps)
}

func (l *lvs) addr() string { return l.ln.Addr().String() }

func (l *lvs) serve() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer c.Close()
			ep, err := l.pick.Pick()
			if err != nil {
				return
			}
			var d net.Dialer
			b, err := d.DialContext(l.ctx, "tcp", net.JoinHostPort(ep.Address, strconv.Itoa(int(ep.Port))))
			if err != nil {
				return
			}
			defer b.Close()
			stop := context.AfterFunc(l.ctx, func() { c.Close(); b.Close() })
			defer stop()
			done := make(chan struct{})
			go func() {
				_, _ = io.Copy(b, c)
				_ = b.(*net.TCPConn).CloseWrite()
				close(done)
			}()
			_, _ = io.Copy(c, b)
			<-done
		}()
	}
}

func (l *lvs) close() {
	if l == nil {
		return
	}
	l.cancel()
	l.ln.Close()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	for name, p := range l.proxies {
		_ = l.s.c.Services().StopProxy(p)
		delete(l.proxies, name)
	}
}
