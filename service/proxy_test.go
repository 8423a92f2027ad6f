package service_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// proxyEnv is a store, a service layer with a proxy and a control plane
// with only the endpoints controller: pods are written to the store by
// hand, with real loopback addresses.
type proxyEnv struct {
	t testing.TB
	s *store.Store
	l *service.Layer
	m *controller.Manager
}

func newProxyEnv(t testing.TB, cfg service.Config) *proxyEnv {
	t.Helper()
	if cfg.Proxy == nil {
		cfg.Proxy = &service.ProxyConfig{}
	}
	return newEnv(t, cfg)
}

// newEnv is newProxyEnv with cfg as given (no proxy when cfg.Proxy is nil).
func newEnv(t testing.TB, cfg service.Config) *proxyEnv {
	t.Helper()
	s := store.New(store.Config{Seed: 1})
	l, err := service.NewLayer(cfg, service.LayerDeps{Store: s, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The node addPod's pods run on: a pod whose Node object is missing
	// is no endpoint.
	if _, err := s.Create(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	deps := controller.Deps{Store: s}
	m := controller.NewManager(deps, service.NewEndpointsController(l, deps))
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	e := &proxyEnv{t: t, s: s, l: l, m: m}
	t.Cleanup(func() {
		m.Stop()
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

func (e *proxyEnv) settle() {
	for e.m.Step(context.Background()) {
	}
}

func (e *proxyEnv) addService(svc *workload.Service) {
	e.t.Helper()
	workload.Default(svc)
	if _, err := e.l.Create(svc, func() (workload.Object, error) { return e.s.Create(svc) }); err != nil {
		e.t.Fatal(err)
	}
	e.settle()
}

// addPod stores a running, ready pod at 127.0.0.1 whose container port
// "http" is port.
func (e *proxyEnv) addPod(name string, port int) {
	e.t.Helper()
	p := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: workload.PodSpec{NodeName: "node-a", Containers: []workload.Container{{
			Name: "main", Image: "x", Ports: []workload.ContainerPort{{Name: "http", ContainerPort: int32(port)}},
		}}},
	}
	if _, err := e.s.Create(p); err != nil {
		e.t.Fatal(err)
	}
	p.Status = workload.PodStatus{Phase: workload.PodRunning, PodIP: "127.0.0.1",
		Conditions: []workload.PodCondition{{Type: workload.PodReady, Status: workload.ConditionTrue}}}
	if _, err := e.s.UpdateStatus(p); err != nil {
		e.t.Fatal(err)
	}
	e.settle()
}

func webService() *workload.Service {
	return &workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: workload.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []workload.ServicePort{{Name: "http", Port: 18080, TargetPort: intstr.FromString("http")}},
		},
	}
}

// backend is a TCP server on 127.0.0.1 that greets each connection with
// its id and a newline, then echoes.
type backend struct {
	id string
	ln net.Listener
	wg sync.WaitGroup
}

func startBackend(t testing.TB, id string) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{id: id, ln: ln}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.wg.Add(1)
			go func() {
				defer b.wg.Done()
				defer c.Close()
				if _, err := io.WriteString(c, b.id+"\n"); err != nil {
					return
				}
				io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(b.stop)
	return b
}

func (b *backend) port() int { return b.ln.Addr().(*net.TCPAddr).Port }

func (b *backend) stop() {
	b.ln.Close()
	b.wg.Wait()
}

// refusedPort returns a loopback port nothing listens on.
func refusedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}

// greet dials addr, reads the backend's id, and closes.
func greet(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the greeting through %s: %v", addr, err)
	}
	return line[:len(line)-1]
}

func TestProxyRoundRobin(t *testing.T) {
	leakCheck(t)
	e := newProxyEnv(t, service.Config{})
	e.addService(webService())
	for _, id := range []string{"a", "b", "c"} {
		e.addPod("web-"+id, startBackend(t, id).port())
	}
	addr, err := e.l.Proxy().Addr("default", "web", "http")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	count := map[string]int{}
	for range 9 {
		id := greet(t, addr)
		got = append(got, id)
		count[id]++
	}
	for i := 3; i < len(got); i++ {
		if got[i] != got[i-3] {
			t.Fatalf("not a rotation: %v", got)
		}
	}
	if count["a"] != 3 || count["b"] != 3 || count["c"] != 3 {
		t.Fatalf("9 connections over 3 endpoints: %v", count)
	}

	// Bytes go both ways, with half-close.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	payload := bytes.Repeat([]byte("orchestra"), 100_000)
	go func() {
		c.Write(payload)
		c.(*net.TCPConn).CloseWrite()
	}()
	all, err := io.ReadAll(c)
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.IndexByte(all, '\n'); i < 0 || !bytes.Equal(all[i+1:], payload) {
		t.Fatalf("echo through the proxy: %d bytes back, want greeting + %d", len(all), len(payload))
	}
}

func TestProxyFailover(t *testing.T) {
	leakCheck(t)
	var dials, failed atomic.Int64
	d := &net.Dialer{}
	cfg := service.Config{Proxy: &service.ProxyConfig{Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		dials.Add(1)
		c, err := d.DialContext(ctx, network, address)
		if err != nil {
			failed.Add(1)
		}
		return c, err
	}}}
	e := newProxyEnv(t, cfg)
	e.addService(webService())
	e.addPod("web-a", startBackend(t, "a").port())
	e.addPod("web-dead", refusedPort(t))
	e.addPod("web-c", startBackend(t, "c").port())
	addr, err := e.l.Proxy().Addr("default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for range 6 {
		count[greet(t, addr)]++
	}
	if count["a"]+count["c"] != 6 || count["a"] == 0 || count["c"] == 0 {
		t.Fatalf("connections: %v", count)
	}
	// The dead endpoint is tried once per cycle of the rotation: 2 or 3
	// times over 6 connections, depending on where the rotation starts,
	// and each failed dial is followed by one that succeeds.
	if f := failed.Load(); f < 2 || f > 3 || dials.Load() != 6+f {
		t.Fatalf("dials %d, failed %d; want 6 + failed, failed 2 or 3", dials.Load(), f)
	}
}

func TestProxyAllEndpointsRefuse(t *testing.T) {
	leakCheck(t)
	e := newProxyEnv(t, service.Config{Proxy: &service.ProxyConfig{MaxDialAttempts: 2}})
	e.addService(webService())
	e.addPod("web-dead", refusedPort(t))
	addr, _ := e.l.Proxy().Addr("default", "web", "")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatalf("read %d bytes from a Service whose endpoints refuse", n)
	}
}

func TestProxyListenersFollowTheService(t *testing.T) {
	leakCheck(t)
	e := newProxyEnv(t, service.Config{ServiceCIDR: "127.62.0.0/16", Proxy: &service.ProxyConfig{EphemeralNodePorts: true}})
	svc := webService()
	svc.Spec.Type = workload.ServiceTypeNodePort
	e.addService(svc)
	e.addPod("web-a", startBackend(t, "a").port())
	p := e.l.Proxy()
	addr, err := p.Addr("default", "web", "http")
	if err != nil {
		t.Fatal(err)
	}
	// A loopback ClusterIP: the proxy listens on ClusterIP:port itself.
	if want := svc.Spec.ClusterIP + ":18080"; addr != want {
		t.Fatalf("Addr = %s, want %s", addr, want)
	}
	np, err := p.NodePortAddr("default", "web", "http")
	if err != nil {
		t.Fatal(err)
	}
	if greet(t, addr) != "a" || greet(t, np) != "a" {
		t.Fatal("wrong greeting")
	}
	if n := len(p.Listeners()); n != 2 {
		t.Fatalf("listeners %v", p.Listeners())
	}
	if _, err := e.s.Delete("Service", "default", "web", store.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if _, err := p.Addr("default", "web", "http"); !errors.Is(err, service.ErrNotListening) {
		t.Fatalf("Addr after the Service is deleted: %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, 10*time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts after the Service is deleted", addr)
	}
	if n := len(p.Listeners()); n != 0 {
		t.Fatalf("listeners %v", p.Listeners())
	}
}

func TestProxyCloseEndsOpenConnections(t *testing.T) {
	leakCheck(t)
	e := newProxyEnv(t, service.Config{})
	e.addService(webService())
	e.addPod("web-a", startBackend(t, "a").port())
	addr, _ := e.l.Proxy().Addr("default", "web", "")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if err := e.l.Close(); err != nil { // returns after every proxy goroutine
		t.Fatal(err)
	}
	if _, err := r.ReadByte(); err == nil {
		t.Fatal("connection still open after Close")
	}
}

func TestProxyConfigErrors(t *testing.T) {
	s := store.New(store.Config{})
	if _, err := service.NewLayer(service.Config{Proxy: &service.ProxyConfig{Address: "localhost"}}, service.LayerDeps{Store: s}); err == nil {
		t.Fatal("a host name as proxy address accepted")
	}
	l, err := service.NewLayer(service.Config{Proxy: &service.ProxyConfig{}}, service.LayerDeps{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = l.Proxy().Addr("", "nope", strconv.Itoa(1))
	if !errors.Is(err, service.ErrNotListening) {
		t.Fatalf("Addr of an unknown Service: %v", err)
	}
	// The error names the Service and says it may not be processed yet.
	if want := "Service default/nope: no listener (no such Service, or one the endpoints controller has not processed yet"; !strings.Contains(err.Error(), want) {
		t.Fatalf("Addr of an unknown Service: %q, want it to contain %q", err, want)
	}
}

// leakCheck checks, after every cleanup of the test, that the test's
// goroutines have ended.
func leakCheck(t *testing.T) {
	leaks := leakcheck.Take()
	t.Cleanup(func() { leaks.Check(t, 10*time.Second) })
}

// TestProxyRetriesAFailedListen: a listener that could not listen (its
// address taken) is tried again on the Service's next endpoints change,
// rather than only when its spec changes.
func TestProxyRetriesAFailedListen(t *testing.T) {
	leakCheck(t)
	e := newProxyEnv(t, service.Config{ServiceCIDR: "127.62.0.0/16"})
	blocker, err := net.Listen("tcp", "127.62.0.50:18080")
	if err != nil {
		t.Skipf("cannot listen on 127.62.0.50: %v", err)
	}
	svc := webService()
	svc.Spec.ClusterIP = "127.62.0.50"
	e.addService(svc)
	p := e.l.Proxy()
	if addr, err := p.Addr("default", "web", "http"); err == nil {
		t.Fatalf("Addr = %s while the address is taken", addr)
	}
	blocker.Close()
	e.addPod("web-a", startBackend(t, "a").port())
	addr, err := p.Addr("default", "web", "http")
	if err != nil {
		t.Fatalf("Addr after the address was freed and the endpoints changed: %v", err)
	}
	if greet(t, addr) != "a" {
		t.Fatal("wrong greeting")
	}
}

// TestProxyFollowsServicePortChanges: the proxy is kube-proxy's rules for
// a Service as it is now. A changed port number moves the ClusterIP
// listener (the old port refuses), a renamed port is served under its new
// name, and once the Service has no endpoint left a new connection is
// closed at once, not left hanging (kube-proxy rejects it: the iptables
// proxier's REJECT rule "has no endpoints").
func TestProxyFollowsServicePortChanges(t *testing.T) {
	leakCheck(t)
	e := newProxyEnv(t, service.Config{ServiceCIDR: "127.62.0.0/16"})
	svc := webService()
	e.addService(svc)
	e.addPod("web-a", startBackend(t, "a").port())
	p := e.l.Proxy()
	old, err := p.Addr("default", "web", "http")
	if err != nil {
		t.Fatal(err)
	}
	if greet(t, old) != "a" {
		t.Fatal("wrong greeting")
	}
	update := func(change func(s *workload.Service)) {
		t.Helper()
		o, err := e.s.Get("Service", "default", "web")
		if err != nil {
			t.Fatal(err)
		}
		prev := o.(*workload.Service)
		next := prev.DeepCopy()
		change(next)
		if _, err := e.l.Update(next, prev, func() (workload.Object, error) { return e.s.Update(next) }); err != nil {
			t.Fatal(err)
		}
		e.settle()
	}

	update(func(s *workload.Service) { s.Spec.Ports[0].Port = 18090 })
	moved, err := p.Addr("default", "web", "http")
	if err != nil {
		t.Fatal(err)
	}
	if want := svc.Spec.ClusterIP + ":18090"; moved != want {
		t.Fatalf("Addr after the port change = %s, want %s", moved, want)
	}
	if greet(t, moved) != "a" {
		t.Fatal("wrong greeting on the new port")
	}
	if c, err := net.DialTimeout("tcp", old, 10*time.Second); err == nil {
		c.Close()
		t.Fatalf("the old port %s still accepts", old)
	}

	update(func(s *workload.Service) { s.Spec.Ports[0].Name = "web" })
	if _, err := p.Addr("default", "web", "http"); !errors.Is(err, service.ErrNotListening) {
		t.Fatalf("Addr of the old port name: %v, want ErrNotListening", err)
	}
	renamed, err := p.Addr("default", "web", "web")
	if err != nil {
		t.Fatal(err)
	}
	if greet(t, renamed) != "a" {
		t.Fatal("wrong greeting under the new port name")
	}

	// Two ports that swap numbers in one update.
	update(func(s *workload.Service) {
		s.Spec.Ports = append(s.Spec.Ports, workload.ServicePort{Name: "admin", Protocol: workload.ProtocolTCP, Port: 18091, TargetPort: intstr.FromString("http")})
	})
	update(func(s *workload.Service) { s.Spec.Ports[0].Port, s.Spec.Ports[1].Port = 18091, 18090 })
	for port, want := range map[string]string{"web": ":18091", "admin": ":18090"} {
		addr, err := p.Addr("default", "web", port)
		if err != nil || !strings.HasSuffix(addr, want) {
			t.Fatalf("Addr of port %s after the swap = %q, %v; want port %s", port, addr, err, want)
		}
		if greet(t, addr) != "a" {
			t.Fatalf("wrong greeting on port %s after the swap", port)
		}
	}

	if _, err := e.s.Delete("Pod", "default", "web-a", store.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	c, err := net.DialTimeout("tcp", renamed, 10*time.Second)
	if err != nil {
		return // refused: as good as closed
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a connection to a Service without endpoints: read %d bytes, %v; want it closed at once", n, err)
	}
}

// TestProxySkipsServicesOfAnotherProxy: as kube-proxy, the proxy leaves
// alone a Service labelled service.kubernetes.io/service-proxy-name
// (another proxy implements it) or service.kubernetes.io/headless, and
// serves it once the label goes. Kubernetes: cmd/kube-proxy/app/server.go
// ProxyServer.Run (informers with labelSelector "!service.kubernetes.io/
// service-proxy-name,!service.kubernetes.io/headless");
// https://kubernetes.io/docs/reference/labels-annotations-taints/#servicekubernetesioservice-proxy-name
func TestProxySkipsServicesOfAnotherProxy(t *testing.T) {
	leakCheck(t)
	e := newProxyEnv(t, service.Config{})
	svc := webService()
	svc.Labels = map[string]string{service.LabelServiceProxyName: "other-proxy"}
	e.addService(svc)
	e.addPod("web-a", startBackend(t, "a").port())
	p := e.l.Proxy()
	if addr, err := p.Addr("default", "web", "http"); !errors.Is(err, service.ErrNotListening) {
		t.Fatalf("Addr of a Service of another proxy = %q, %v; want ErrNotListening", addr, err)
	}
	relabel := func(lbls map[string]string) {
		t.Helper()
		o, err := e.s.Get("Service", "default", "web")
		if err != nil {
			t.Fatal(err)
		}
		prev := o.(*workload.Service)
		next := prev.DeepCopy()
		next.Labels = lbls
		if _, err := e.l.Update(next, prev, func() (workload.Object, error) { return e.s.Update(next) }); err != nil {
			t.Fatal(err)
		}
		e.settle()
	}
	relabel(nil)
	addr, err := p.Addr("default", "web", "http")
	if err != nil {
		t.Fatal(err)
	}
	if greet(t, addr) != "a" {
		t.Fatal("wrong greeting")
	}
	relabel(map[string]string{service.LabelHeadless: ""})
	if addr, err := p.Addr("default", "web", "http"); !errors.Is(err, service.ErrNotListening) {
		t.Fatalf("Addr of a Service labelled headless = %q, %v; want ErrNotListening", addr, err)
	}
}
