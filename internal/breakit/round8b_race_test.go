package breakit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/store"

	"github.com/orchestra-go/orchestra/workload"
)

// Apply, Delete and DeletePod from many goroutines while Run runs, the
// proxy serves clients and the endpoints controller opens and closes
// listeners, race with nothing (go test -race) and leave no goroutine
// behind once Run's context ends, the cluster is closed and the runtime
// shut down (r5newInproc's cleanup checks). DESIGN.md, Reliability: "Every
// goroutine is owned and stopped. The suites run under the race
// detector."
func TestR8bRaceApplyDeleteWhileServing(t *testing.T) {
	e := r5proxyEnv(t, 3, "", r5serveName)
	addr := e.r5proxyAddr(false)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				name := fmt.Sprintf("s%d-%d", w, i%4)
				typ := []string{"ClusterIP", "NodePort", "ClusterIP", "LoadBalancer"}[i%4]
				svc := &workload.Service{
					ObjectMeta: workload.ObjectMeta{Name: name},
					Spec: workload.ServiceSpec{Type: typ, Selector: map[string]string{"app": "web"},
						Ports: []workload.ServicePort{{Name: "tcp", Port: 80}}},
				}
				if _, err := e.c.Apply(svc); err != nil {
					errs <- fmt.Errorf("apply %s: %w", name, err)
					return
				}
				if i%3 == 0 {
					if err := e.c.Delete("Service", "default", name, ""); err != nil {
						errs <- fmt.Errorf("delete %s: %w", name, err)
						return
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 2 {
			ps, err := e.c.Pods("default", "app=web")
			if err != nil || len(ps) == 0 {
				continue
			}
			_ = e.c.DeletePod("default", ps[0].Name, workload.Ptr(int64(0)))
		}
	}()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				r5fetch(addr) // failures are fine while pods come and go
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// r8bEcho is an inproc function: a TCP server on 8080 that echoes each
// connection until the client closes it.
func r8bEcho(ctx context.Context, ct *inproc.Container) error {
	l, err := ct.Listen("tcp", 8080)
	if err != nil {
		return err
	}
	ct.Ready()
	go func() { <-ctx.Done(); l.Close() }()
	for {
		conn, err := l.Accept()
		if err != nil {
			return nil
		}
		go func() {
			defer conn.Close()
			go func() { <-ctx.Done(); conn.Close() }()
			io.Copy(conn, conn)
		}()
	}
}

// Connections held open through the proxy (clients that never hang up,
// backends that never do either) do not keep Close from returning, and
// leave no goroutine behind.
func TestR8bRaceCloseWithOpenConnections(t *testing.T) {
	var conns []net.Conn
	// Registered first, so it runs last: after r5newInproc's cleanup has
	// closed the cluster and checked for leaks with the connections open.
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	e := r5proxyEnv(t, 2, "", r8bEcho)
	addr := e.r5proxyAddr(false)
	for i := range 20 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		msg := fmt.Sprintf("hello %d\n", i)
		c.Write([]byte(msg))
		buf := make([]byte, len(msg))
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != msg {
			t.Fatalf("echo %d: %q, %v", i, buf, err)
		}
	}
	// The cluster is closed by r5newInproc's cleanup, with the 20
	// connections open; it checks for leaks.
}

// With sessionAffinity ClientIP, a connection whose sticky endpoint does
// not answer fails over to another endpoint, and the client's affinity
// moves with it: its next connection goes straight to the endpoint that
// answered, not to the dead one again (one failed dial, not one per
// connection). kube-proxy's userspace proxy, which this proxy follows:
// pkg/proxy/userspace/proxysocket.go TryConnectEndpoints sets
// sessionAffinityReset after a failed dial, and
// roundrobin.go NextEndpoint then replaces the client's affinity.
func TestR8bProxyAffinityMovesOnFailover(t *testing.T) {
	var mu sync.Mutex
	dead := ""
	dials := map[string]int{}
	d := &net.Dialer{Timeout: 5 * time.Second}
	e := r5newInproc(t, inproc.Config{}, &service.ProxyConfig{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dials[addr]++
		isDead := addr == dead
		mu.Unlock()
		if isDead {
			return nil, fmt.Errorf("connection refused (test)")
		}
		return d.DialContext(ctx, network, addr)
	}}, func(rt *inproc.Runtime) {
		rt.Register("web", r5serveName, inproc.WaitForReady())
	})
	e.apply(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: web, image: "func://web", ports: [{name: tcp, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, sessionAffinity: ClientIP, ports: [{name: tcp, port: 80, targetPort: tcp}]}`)
	e.wait("2 endpoints", func() bool {
		pk, err := e.c.Services().Picker("default", "web", "tcp")
		if err != nil {
			return false
		}
		seen := map[string]bool{}
		for range 4 {
			if ep, err := pk.Pick(); err == nil {
				seen[ep.Address] = true
			}
		}
		return len(seen) == 2
	})
	addr := e.r5proxyAddr(false)
	first, err := r5fetch(addr)
	if err != nil || e.pod(first) == nil {
		t.Fatalf("first connection: %q, %v", first, err)
	}
	mu.Lock()
	dead = e.pod(first).Status.PodIP + ":8080"
	dials[dead] = 0 // the first connection's dial went through
	mu.Unlock()
	second, err := r5fetch(addr)
	if err != nil || second == first || e.pod(second) == nil {
		t.Fatalf("second connection (sticky endpoint %s refuses): %q, %v; want the other pod", dead, second, err)
	}
	for i := range 3 {
		if got, err := r5fetch(addr); err != nil || got != second {
			t.Errorf("connection %d after the failover: %q, %v; want %s", i+3, got, err, second)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if n := dials[dead]; n != 1 {
		t.Errorf("%d dials to the refusing endpoint %s; want 1 (the client's affinity should move to %s)", n, dead, second)
	}
}

// Run's context ends while other goroutines Apply and Delete: Run
// returns, the calls that come after it still succeed or fail cleanly
// (the store takes them; nothing reconciles), a second Run picks the work
// up, and Close then Shutdown leave no goroutine.
func TestR8bRaceRunCancelledWhileApplying(t *testing.T) {
	snap := leakcheck.Take()
	rt, err := inproc.New(inproc.Config{Nodes: []string{"n1"}, FirstPodCIDR: testPodCIDR})
	if err != nil {
		t.Fatal(err)
	}
	rt.Register("web", r5serveName)
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Seed: 1, Services: service.Config{Proxy: &service.ProxyConfig{EphemeralNodePorts: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // a worker cancels it midway; this is for a failed test
	ran := make(chan error, 1)
	go func() { ran <- c.Run(ctx) }()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				if w == 0 && i == 10 {
					cancel()
				}
				name := fmt.Sprintf("w%d-%d", w, i%3)
				y := fmt.Sprintf(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s}
spec:
  replicas: 1
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec: {terminationGracePeriodSeconds: 0, containers: [{name: web, image: "func://web", ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: %[1]s}
spec: {type: NodePort, selector: {app: %[1]s}, ports: [{port: 80, targetPort: 8080}]}`, name)
				objs, _, err := workload.Decode([]byte(y), "x.yaml")
				if err != nil {
					t.Error(err)
					return
				}
				for _, o := range objs {
					if _, err := c.Apply(o); err != nil {
						t.Errorf("apply %s %s: %v", o.Kind(), name, err)
					}
				}
				if i%2 == 1 {
					for _, k := range []string{"Deployment", "Service"} {
						if err := c.Delete(k, "default", name, ""); err != nil && !errors.Is(err, store.ErrNotFound) {
							t.Errorf("delete %s %s: %v", k, name, err)
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-ran:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	// A second Run reconciles what the first left.
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { ran <- c.Run(ctx2) }()
	w, err := c.Watch("")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(30 * time.Second)
	for {
		ps, err := c.Pods("default", "")
		if err != nil {
			t.Fatal(err)
		}
		ds, _ := c.List("Deployment", "default", "")
		running := 0
		for _, p := range ps {
			if p.Status.Phase == workload.PodRunning && p.DeletionTimestamp == nil {
				running++
			}
		}
		if running == len(ds) && len(ps) == len(ds) {
			break
		}
		select {
		case <-w.Ready():
			for {
				if _, ok := w.TryNext(); !ok {
					break
				}
			}
		case <-deadline:
			t.Fatalf("after the second Run: %d pods for %d Deployments", len(ps), len(ds))
		}
	}
	w.Stop()
	cancel2()
	<-ran
	c.Close()
	sctx, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	if err := rt.Shutdown(sctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	snap.Check(t, 20*time.Second)
}

// On the virtual clock, Apply, Delete, Get and the resolver from other
// goroutines while one goroutine drives the cluster with Advance race with
// nothing, and every Service the writers leave ends with its slices.
func TestR8bRaceVirtualApplyWhileAdvancing(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web, ports: [{name: http, containerPort: 8080}]}]}`)
	stop := make(chan struct{})
	drove := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				drove <- nil
				return
			default:
			}
			if err := c.Advance(time.Second); err != nil {
				drove <- err
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				name := fmt.Sprintf("s%d-%d", w, i%5)
				svc := &workload.Service{ObjectMeta: workload.ObjectMeta{Name: name},
					Spec: workload.ServiceSpec{Type: []string{"ClusterIP", "NodePort"}[i%2], Selector: map[string]string{"app": "web"},
						Ports: []workload.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}}}
				if _, err := c.Apply(svc); err != nil {
					t.Errorf("apply %s: %v", name, err)
					return
				}
				c.Resolver().LookupHost("default", name)
				if pk, err := c.Services().Picker("default", name, "http"); err == nil {
					pk.Pick()
				}
				if i%4 == 3 {
					if err := c.Delete("Service", "default", name, ""); err != nil && !errors.Is(err, store.ErrNotFound) {
						t.Errorf("delete %s: %v", name, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-drove; err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	svcs, err := c.List("Service", "default", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range svcs {
		name := o.GetObjectMeta().Name
		n := 0
		for _, s := range slices(t, c, name) {
			n += len(s.Endpoints)
		}
		if n != 4 {
			t.Errorf("Service %s: %d endpoints in its slices, want 4", name, n)
		}
		pk, err := c.Services().Picker("default", name, "http")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pk.Pick(); err != nil {
			t.Errorf("Service %s: Pick: %v", name, err)
		}
	}
}

// StartProxy on a closed cluster's service layer fails instead of
// starting a proxy nobody will stop (its listeners and accept loops would
// outlive the cluster); one started before Close is stopped by Close.
func TestR8bRaceStartProxyAfterClose(t *testing.T) {
	snap := leakcheck.Take()
	rt, err := inproc.New(inproc.Config{Nodes: []string{"n1"}, FirstPodCIDR: testPodCIDR})
	if err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {type: NodePort, ports: [{port: 80}]}}`)
	before, err := c.Services().StartProxy(service.ProxyConfig{NodePortsOnly: true, EphemeralNodePorts: true, Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Listeners()) != 1 {
		t.Fatalf("listeners %v, want the node port", before.Listeners())
	}
	c.Close()
	if l := before.Listeners(); len(l) != 0 {
		t.Errorf("after Close the per-node proxy still listens: %v", l)
	}
	p, err := c.Services().StartProxy(service.ProxyConfig{NodePortsOnly: true, EphemeralNodePorts: true, Node: "n1"})
	if err == nil {
		t.Errorf("StartProxy after Close: accepted (listeners %v)", p.Listeners())
		p.Close()
	}
	rt.Close()
	snap.Check(t, 20*time.Second)
}

// StartControlPlane on a closed cluster fails with ErrClosed, as Run,
// Advance, Apply and Delete do; it used to start the controllers again
// (ControlPlaneRunning true) on a cluster nothing could drive.
func TestR8bRaceStartControlPlaneAfterClose(t *testing.T) {
	c := newCluster(t, "a")
	c.Close()
	if err := c.StartControlPlane(); !errors.Is(err, orchestra.ErrClosed) {
		t.Errorf("StartControlPlane after Close: %v, want ErrClosed", err)
	}
	if c.ControlPlaneRunning() {
		t.Error("the control plane of a closed cluster runs")
	}
}
