package inproc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// clusterEnv is a cluster over an inproc runtime, driven by Run on the
// real clock.
type clusterEnv struct {
	t  *testing.T
	rt *inproc.Runtime
	c  *orchestra.Cluster
	w  *store.Watcher
}

// newCluster starts a cluster on rt; the test's cleanup stops Run, closes
// the cluster and the runtime and checks that no goroutine is left.
func newCluster(t *testing.T, nodes ...string) *clusterEnv {
	t.Helper()
	return newClusterOn(t, nil, nodes...)
}

// newClusterOn is newCluster on the given clock (nil: the real clock).
func newClusterOn(t *testing.T, clock vtime.Clock, nodes ...string) *clusterEnv {
	t.Helper()
	snap := leakcheck.Take()
	rt, err := inproc.New(inproc.Config{Clock: clock, Nodes: nodes, BackoffBase: 50 * time.Millisecond, FirstPodCIDR: testPodCIDR})
	if err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Clock: clock, Controllers: withDaemonSet()})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.Store().Watch("", c.Store().ResourceVersion())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
		w.Stop()
		c.Close()
		sctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		if err := rt.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		snap.Check(t, 10*time.Second)
	})
	return &clusterEnv{t: t, rt: rt, c: c, w: w}
}

// withDaemonSet returns the default controllers plus the DaemonSet
// controller, which DefaultControllers does not include (yet).
func withDaemonSet() []func(controller.Deps) controller.Controller {
	ctrls := orchestra.DefaultControllers()
	for _, mk := range ctrls {
		if strings.HasSuffix(runtime.FuncForPC(reflect.ValueOf(mk).Pointer()).Name(), ".NewDaemonSet") {
			return ctrls
		}
	}
	return append(ctrls, controller.NewDaemonSet)
}

func (e *clusterEnv) apply(manifest string) {
	e.t.Helper()
	objs, _, err := workload.Decode([]byte(manifest), "test")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, o := range objs {
		if _, err := e.c.Apply(o); err != nil {
			e.t.Fatal(err)
		}
	}
}

// waitFor waits (at most timeout) for a store change after which cond
// holds.
func (e *clusterEnv) waitFor(what string, timeout time.Duration, cond func() bool) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for !cond() {
		if _, err := e.w.Next(ctx); err != nil {
			e.t.Fatalf("%s: %v", what, err)
		}
	}
}

func (e *clusterEnv) pods(selector string) []*workload.Pod {
	e.t.Helper()
	ps, err := e.c.Pods("default", selector)
	if err != nil {
		e.t.Fatal(err)
	}
	return ps
}

func count(ps []*workload.Pod, ok func(*workload.Pod) bool) int {
	n := 0
	for _, p := range ps {
		if ok(p) {
			n++
		}
	}
	return n
}

func isReady(p *workload.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == workload.PodReady {
			return c.Status == workload.ConditionTrue
		}
	}
	return false
}

// TestClusterJobRetries: a Job whose function fails twice, then succeeds:
// three pods, the Job controller's back-off between them, the Job
// Complete. The Job controller's replacement back-off is Kubernetes' 10 s
// doubling and not configurable, so this test takes about 30 s.
func TestClusterJobRetries(t *testing.T) {
	// The Job controller's back-off (10 s, then 20 s) passes on a clock
	// that runs 20 times faster than the wall: about 1.5 s.
	e := newClusterOn(t, vtime.Scaled(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 20), "node-a")
	var tries atomic.Int32
	if err := e.rt.Register("flaky-backup", func(ctx context.Context, c *inproc.Container) error {
		n := tries.Add(1)
		fmt.Fprintf(c.Stdout(), "attempt %d on %s\n", n, c.Getenv("NODE_NAME"))
		if n <= 2 {
			return fmt.Errorf("backup attempt %d failed", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.apply(`
apiVersion: batch/v1
kind: Job
metadata: {name: backup}
spec:
  backoffLimit: 4
  template:
    spec:
      restartPolicy: Never
      containers: [{name: backup, image: "func://flaky-backup"}]
`)
	complete := func() bool {
		o, err := e.c.Get("Job", "default", "backup")
		if err != nil {
			return false
		}
		for _, cond := range o.(*workload.Job).Status.Conditions {
			if cond.Type == workload.JobComplete && cond.Status == workload.ConditionTrue {
				return true
			}
		}
		return false
	}
	e.waitFor("Job backup Complete", 90*time.Second, complete)
	ps := e.pods("job-name=backup")
	failed := count(ps, func(p *workload.Pod) bool { return p.Status.Phase == workload.PodFailed })
	succeeded := count(ps, func(p *workload.Pod) bool { return p.Status.Phase == workload.PodSucceeded })
	if len(ps) != 3 || failed != 2 || succeeded != 1 {
		t.Fatalf("%d pods, %d failed, %d succeeded; want 3, 2, 1", len(ps), failed, succeeded)
	}
	var finished, created []time.Time
	for _, p := range ps {
		created = append(created, p.CreationTimestamp.Time)
		cs := p.Status.ContainerStatuses[0]
		term := cs.State.Terminated
		if p.Status.Phase == workload.PodFailed {
			if term == nil || term.ExitCode != 1 || !strings.Contains(term.Message, "failed") {
				t.Errorf("failed pod %s: terminated %+v, want exit 1 and the error as message", p.Name, term)
			}
			finished = append(finished, term.FinishedAt.Time)
			logs, err := e.rt.Logs(context.Background(), "default", p.Name, "backup", false)
			if err != nil || !strings.Contains(string(logs), "error: backup attempt") {
				t.Errorf("logs of %s: %q, %v", p.Name, logs, err)
			}
		}
	}
	// Each replacement waited for the Job's back-off after a failure.
	for _, f := range finished {
		later := 0
		for _, c := range created {
			if c.After(f) {
				later++
				if c.Sub(f) < 9*time.Second {
					t.Errorf("a replacement pod came %v after a failure, want the Job's back-off (10 s or more)", c.Sub(f))
				}
			}
		}
		if later == 0 {
			t.Errorf("no pod created after the failure at %v", f)
		}
	}
}

// TestClusterPanic: a panicking function fails its pod (exit 2), with the
// panic and its stack in the container's log.
func TestClusterPanic(t *testing.T) {
	e := newCluster(t, "node-a")
	if err := e.rt.Register("oops", func(ctx context.Context, c *inproc.Container) error {
		var m map[string]int
		m["x"]++ // assignment to entry in nil map
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.apply(`
apiVersion: v1
kind: Pod
metadata: {name: oops}
spec:
  restartPolicy: Never
  containers: [{name: main, image: "func://oops"}]
`)
	var p *workload.Pod
	e.waitFor("pod oops Failed", 20*time.Second, func() bool {
		ps := e.pods("")
		if len(ps) == 1 && ps[0].Status.Phase == workload.PodFailed {
			p = ps[0]
			return true
		}
		return false
	})
	term := p.Status.ContainerStatuses[0].State.Terminated
	if term == nil || term.ExitCode != 2 || term.Reason != "Error" || !strings.Contains(term.Message, "nil map") {
		t.Fatalf("terminated %+v, want exit 2, reason Error, the panic as message", term)
	}
	logs, err := e.rt.Logs(context.Background(), "default", "oops", "main", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"panic: assignment to entry in nil map", "goroutine ", "cluster_test.go"} {
		if !strings.Contains(string(logs), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// TestClusterDaemonSet: a DaemonSet of functions on three nodes: one pod
// per node, each with its own address on its node's /24, each told its
// node.
func TestClusterDaemonSet(t *testing.T) {
	e := newCluster(t, "node-a", "node-b", "node-c")
	if err := e.rt.Register("agent", func(ctx context.Context, c *inproc.Container) error {
		fmt.Fprintf(c.Stdout(), "agent on %s at %s\n", c.Getenv("NODE_NAME"), c.Getenv("POD_IP"))
		c.Ready() // after the log line, so that a ready agent has written it
		<-ctx.Done()
		return nil
	}, inproc.WaitForReady()); err != nil {
		t.Fatal(err)
	}
	e.apply(`
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "func://agent"}]
`)
	e.waitFor("three agents ready", 20*time.Second, func() bool {
		return count(e.pods("app=agent"), isReady) == 3
	})
	nodes := map[string]bool{}
	ips := map[string]bool{}
	for _, p := range e.pods("app=agent") {
		nodes[p.Spec.NodeName] = true
		ips[p.Status.PodIP] = true
		n, err := e.rt.GetNode(p.Spec.NodeName)
		if err != nil {
			t.Fatal(err)
		}
		if e.rt.PodAddrShared() {
			continue
		}
		prefix := strings.TrimSuffix(n.Spec.PodCIDR, "0/24")
		if !strings.HasPrefix(p.Status.PodIP, prefix) {
			t.Errorf("pod %s on %s has IP %s, outside the node's %s", p.Name, p.Spec.NodeName, p.Status.PodIP, n.Spec.PodCIDR)
		}
		logs, err := e.rt.Logs(context.Background(), "default", p.Name, "agent", false)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("agent on %s at %s\n", p.Spec.NodeName, p.Status.PodIP); string(logs) != want {
			t.Errorf("log of %s: %q, want %q", p.Name, logs, want)
		}
	}
	if len(nodes) != 3 || (!e.rt.PodAddrShared() && len(ips) != 3) {
		t.Fatalf("agents on %d nodes with %d addresses, want 3 and 3", len(nodes), len(ips))
	}
}

// TestClusterDeploymentHTTP: a Deployment of three HTTP servers, all on
// port 8080 of one node; each is reached at its own pod address and
// answers with its pod's name.
func TestClusterDeploymentHTTP(t *testing.T) {
	e := newCluster(t, "node-a")
	if e.rt.PodAddrShared() {
		t.Skip("pods share 127.0.0.1 on this platform")
	}
	if err := e.rt.Register("web", serveName, inproc.WaitForReady()); err != nil {
		t.Fatal(err)
	}
	e.apply(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: "func://web"
        ports: [{containerPort: 8080}]
`)
	e.waitFor("three web pods ready", 20*time.Second, func() bool {
		return count(e.pods("app=web"), isReady) == 3
	})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	for _, p := range e.pods("app=web") {
		resp, err := client.Get("http://" + net.JoinHostPort(p.Status.PodIP, "8080") + "/")
		if err != nil {
			t.Fatalf("GET pod %s at %s: %v", p.Name, p.Status.PodIP, err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if string(body) != p.Name {
			t.Errorf("pod %s at %s answered %q", p.Name, p.Status.PodIP, body)
		}
	}
}

// serveName serves its pod's name on port 8080 of its pod address and is
// ready once it listens.
func serveName(ctx context.Context, c *inproc.Container) error {
	l, err := c.Listen("tcp", 8080)
	if err != nil {
		return err
	}
	name := c.Getenv("POD_NAME")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, name)
	})}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		_ = srv.Close()
	}()
	c.Ready()
	err = srv.Serve(l)
	<-stopped
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
