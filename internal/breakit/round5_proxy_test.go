package breakit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/workload"
)

// r5proxyEnv runs a Deployment "web" of n pods of fn (image func://web,
// port 8080 named tcp) behind a Service "web" (port 80, spec extra), and
// waits until n pods are ready.
func r5proxyEnv(t *testing.T, n int, svcExtra string, fn inproc.Func) *r5env {
	t.Helper()
	e := r5newInproc(t, inproc.Config{}, &service.ProxyConfig{EphemeralNodePorts: true}, func(rt *inproc.Runtime) {
		// Ready when the function says so (after it listens), as a
		// readiness probe would have it.
		rt.Register("web", fn, inproc.WaitForReady())
	})
	e.apply(fmt.Sprintf(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: %d
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
spec: {selector: {app: web}, ports: [{name: tcp, port: 80, targetPort: tcp}]%s}`, n, svcExtra))
	e.wait(fmt.Sprintf("%d ready pods", n), func() bool {
		ps, err := e.c.Pods("default", "app=web")
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for _, p := range ps {
			if r5ready(p) && p.DeletionTimestamp == nil {
				k++
			}
		}
		if k != n {
			return false
		}
		// The store has the pods ready before the endpoints controller
		// (on Run's goroutine) has put them in the Service's slices and
		// picker, in the same reconcile: wait for that too, or the first
		// connections go to the pods that were ready first.
		eps, err := e.c.List("EndpointSlice", "default", workload.LabelServiceName+"=web")
		if err != nil {
			t.Fatal(err)
		}
		k = 0
		for _, o := range eps {
			for _, ep := range o.(*workload.EndpointSlice).Endpoints {
				if ep.Conditions.Ready == nil || *ep.Conditions.Ready {
					k++
				}
			}
		}
		return k == n
	})
	return e
}

// r5fetch dials addr and reads everything the backend sends.
func r5fetch(addr string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(conn)
	return string(b), err
}

// r5proxyAddr waits for the proxy's listener of Service web, and for
// endpoints in its picker, and returns the listener's address.
func (e *r5env) r5proxyAddr(node bool) string {
	e.t.Helper()
	var addr string
	e.wait("the proxy listens for Service web", func() bool {
		var err error
		if node {
			addr, err = e.c.Services().Proxy().NodePortAddr("default", "web", "tcp")
		} else {
			addr, err = e.c.Services().Proxy().Addr("default", "web", "tcp")
		}
		if err != nil {
			return false
		}
		// and its picker has the endpoints
		pk, err := e.c.Services().Picker("default", "web", "tcp")
		if err != nil {
			return false
		}
		_, err = pk.Pick()
		return err == nil
	})
	return addr
}

// A userspace proxy's accept loop must not go silently dead on a
// transient accept error. kube-proxy's userspace proxier
// (pkg/proxy/userspace/proxysocket.go, tcpProxySocket.ProxyLoop) panics on
// EMFILE ("Accept failed: too many open files"), so the process dies
// loudly and is restarted, and logs and continues on any other accept
// error that is not a closed listener; Go's net/http.Server retries
// temporary Accept errors with a back-off (5 ms doubling to 1 s).
// orchestra's Proxy.accept (service/proxy.go) returns on any error that is
// not net.ErrClosed or a timeout, without a log: after one EMFILE (a burst
// of connections in a program near its descriptor limit) the listener
// stays open, the kernel keeps completing handshakes into its backlog, and
// nobody ever accepts again: every client of that Service port hangs for
// good, while the Service, its endpoints and Proxy.Addr all look healthy.
func TestR5ProxyAcceptSurvivesEMFILE(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc/self/fd and RLIMIT_NOFILE")
	}
	e := r5proxyEnv(t, 1, "", r5serveName)
	addr := e.r5proxyAddr(false)
	if got, err := r5fetch(addr); err != nil || !strings.HasPrefix(got, "web-") {
		t.Fatalf("through the proxy: %q %v", got, err)
	}
	acceptLoops := func() int {
		buf := make([]byte, 4<<20)
		return strings.Count(string(buf[:runtime.Stack(buf, true)]), "service.(*Proxy).accept(")
	}
	before := acceptLoops()

	// Leave exactly one free descriptor: fill every hole below the highest
	// open descriptor, then cap the limit just above the next one.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	var fill []*os.File
	defer func() {
		for _, f := range fill {
			f.Close()
		}
	}()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	maxFD := 0
	for _, en := range ents {
		var n int
		fmt.Sscan(en.Name(), &n)
		maxFD = max(maxFD, n)
	}
	var next uintptr
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		if int(f.Fd()) > maxFD+4 {
			next = f.Fd()
			f.Close()
			break
		}
		fill = append(fill, f)
	}
	low := lim
	low.Cur = uint64(next) + 1 // descriptor "next" is the only one left
	restored := false
	restore := func() {
		if !restored {
			restored = true
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer restore()
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	// The client's socket takes the last descriptor: the proxy's accept
	// fails with EMFILE.
	c1, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		restore()
		t.Fatalf("dial with one descriptor left: %v", err)
	}
	defer c1.Close()
	// Wait until the accept loop has hit the limit: it exits (the bug),
	// or, if it retries, 2 s pass.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline) && acceptLoops() >= before; {
		time.Sleep(10 * time.Millisecond) // polling goroutine stacks for an exit
	}
	restore()
	for _, f := range fill {
		f.Close()
	}
	fill = nil

	got, err := r5fetch(addr)
	if err != nil || !strings.HasPrefix(got, "web-") {
		t.Errorf("after a transient EMFILE the proxy no longer serves: %q %v (accept loops %d, were %d)", got, err, acceptLoops(), before)
	}
}

// Half-close through the proxy (ProxyConfig docs: "bytes are copied both
// ways ... with half-close"), as a TCP connection through kube-proxy: a
// client that shuts its write side down still gets the response. Also:
// a Ready endpoint that refuses connections is skipped (the proxy dials
// another one; kube-proxy's userspace mode, TryConnectEndpoints, dialled
// the next endpoint on a failed dial).
func TestR5ProxyHalfCloseAndFailover(t *testing.T) {
	var mu sync.Mutex
	refuse := map[string]bool{}
	e := r5proxyEnv(t, 3, ", sessionAffinity: None", func(ctx context.Context, ct *inproc.Container) error {
		name := ct.Getenv("POD_NAME")
		mu.Lock()
		if len(refuse) == 0 {
			refuse[name] = true // the first pod never listens, but is Ready
		}
		r := refuse[name]
		mu.Unlock()
		if r {
			ct.Ready()
			<-ctx.Done()
			return nil
		}
		l, err := ct.Listen("tcp", 8080)
		if err != nil {
			return err
		}
		ct.Ready()
		go func() { <-ctx.Done(); l.Close() }()
		for {
			conn, err := l.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return nil
				}
				return err
			}
			go func() { // read to EOF, then answer
				defer conn.Close()
				b, _ := io.ReadAll(conn)
				fmt.Fprintf(conn, "%s:%d", name, len(b))
			}()
		}
	})
	addr := e.r5proxyAddr(false)
	seen := map[string]int{}
	for i := 0; i < 12; i++ {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(conn)
		conn.Close()
		name, n, _ := strings.Cut(string(b), ":")
		if err != nil || n != "5" {
			t.Errorf("connection %d after half-close: %q %v, want <pod>:5", i, b, err)
			continue
		}
		seen[name]++
	}
	if len(seen) != 2 {
		t.Errorf("served by %v: want the two listening pods (the refusing one skipped)", seen)
	}
}

// A Service deleted while a connection through it is open: its listener
// closes (new connections are refused), and the connection already
// proxied goes on (ProxyConfig docs: "connections already proxied go on
// until either side closes them"; as with kube-proxy, whose rules
// removal leaves established TCP connections to their endpoints).
func TestR5ProxyServiceDeletedWithOpenConnection(t *testing.T) {
	e := r5proxyEnv(t, 1, "", func(ctx context.Context, ct *inproc.Container) error {
		l, err := ct.Listen("tcp", 8080)
		if err != nil {
			return err
		}
		ct.Ready()
		go func() { <-ctx.Done(); l.Close() }()
		for {
			conn, err := l.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return nil
				}
				return err
			}
			go func() { // echo until EOF, then close
				defer conn.Close()
				io.Copy(conn, conn)
			}()
		}
	})
	addr := e.r5proxyAddr(false)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	echo := func(s string) error {
		if _, err := conn.Write([]byte(s)); err != nil {
			return err
		}
		b := make([]byte, len(s))
		if _, err := io.ReadFull(conn, b); err != nil {
			return err
		}
		if string(b) != s {
			return fmt.Errorf("echo %q, got %q", s, b)
		}
		return nil
	}
	// A round trip: the connection reaches the endpoint.
	if err := echo("abc"); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Delete("Service", "default", "web", ""); err != nil {
		t.Fatal(err)
	}
	e.wait("the proxy stops listening for the deleted Service", func() bool {
		_, err := e.c.Services().Proxy().Addr("default", "web", "tcp")
		return err != nil
	})
	if c2, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
		c2.Close()
		t.Errorf("a new connection to the deleted Service's listener %s was accepted", addr)
	}
	if err := echo("de"); err != nil {
		t.Fatalf("the open connection broke when its Service was deleted: %v", err)
	}
	conn.(*net.TCPConn).CloseWrite()
	if b, err := io.ReadAll(conn); err != nil || len(b) != 0 {
		t.Errorf("after half-close: %q %v, want a clean EOF", b, err)
	}
}
