package inproc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// testPodCIDR keeps this package's pods apart from those of other test
// packages that run at the same time (go test ./... runs packages in
// parallel, and their pods listen on loopback addresses), and from this
// package's tests run at the same time from another checkout: each test
// process takes one of 127.200.0.0/16 to 127.219.0.0/16 by its process id.
var testPodCIDR = netip.AddrFrom4([4]byte{127, byte(200 + os.Getpid()%20), 0, 0})

// podNet is testPodCIDR's first two bytes, "127.2xx", for expected
// addresses.
var podNet = fmt.Sprintf("127.%d", testPodCIDR.As4()[1])

// env is an inproc runtime with a watch on it.
type env struct {
	t  *testing.T
	rt *inproc.Runtime
	w  workload.Watcher
	// last pod reports by name, and the history of each.
	pods map[string]*workload.Pod
	hist map[string][]workload.WatchEvent
}

func newEnv(t *testing.T, cfg inproc.Config) *env {
	t.Helper()
	snap := leakcheck.Take()
	if cfg.Nodes == nil {
		cfg.Nodes = []string{"node-a"}
	}
	if cfg.BackoffBase == 0 {
		cfg.BackoffBase = 20 * time.Millisecond
	}
	if !cfg.FirstPodCIDR.IsValid() {
		cfg.FirstPodCIDR = testPodCIDR
	}
	rt, err := inproc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w, err := rt.Watch(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rt.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		snap.Check(t, 10*time.Second)
	})
	return &env{t: t, rt: rt, w: w, pods: map[string]*workload.Pod{}, hist: map[string][]workload.WatchEvent{}}
}

func (e *env) register(name string, f inproc.Func, opts ...inproc.Option) {
	e.t.Helper()
	if err := e.rt.Register(name, f, opts...); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) create(p *workload.Pod) {
	e.t.Helper()
	p.Namespace = "default"
	if p.Spec.NodeName == "" {
		p.Spec.NodeName = "node-a"
	}
	if err := e.rt.CreatePod(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
}

func pod(name, restart string, c workload.Container) *workload.Pod {
	if c.Name == "" {
		c.Name = "main"
	}
	return &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: name},
		Spec: workload.PodSpec{RestartPolicy: restart, Containers: []workload.Container{c}}}
}

// waitPod waits until cond holds for the named pod's last report (nil
// once it is gone).
func (e *env) waitPod(name, what string, cond func(p *workload.Pod) bool) *workload.Pod {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		for {
			ev, ok := e.w.TryNext()
			if !ok {
				break
			}
			e.take(ev)
		}
		if p := e.pods[name]; cond(p) {
			return p
		}
		ev, err := e.w.Next(ctx)
		if err != nil {
			e.t.Fatalf("pod %s: %s: %v (last report %+v)", name, what, err, e.pods[name])
		}
		e.take(ev)
	}
}

func (e *env) take(ev workload.WatchEvent) {
	p, ok := ev.Object.(*workload.Pod)
	if !ok {
		return
	}
	e.hist[p.Name] = append(e.hist[p.Name], ev)
	if ev.Type == workload.Deleted {
		delete(e.pods, p.Name)
	} else {
		e.pods[p.Name] = p
	}
}

func cstatus(p *workload.Pod) workload.ContainerStatus {
	if p == nil || len(p.Status.ContainerStatuses) == 0 {
		return workload.ContainerStatus{}
	}
	return p.Status.ContainerStatuses[0]
}

func phaseIs(phase string) func(*workload.Pod) bool {
	return func(p *workload.Pod) bool { return p != nil && p.Status.Phase == phase }
}

func running(p *workload.Pod) bool { return cstatus(p).State.Running != nil }

func gone(p *workload.Pod) bool { return p == nil }

// lastTerminated is the last terminated state reported before the pod
// went.
func (e *env) lastTerminated(name string) *workload.ContainerStateTerminated {
	h := e.hist[name]
	for i := len(h) - 1; i >= 0; i-- {
		if t := cstatus(h[i].Object.(*workload.Pod)).State.Terminated; t != nil {
			return t
		}
	}
	return nil
}

func TestExitCodes(t *testing.T) {
	e := newEnv(t, inproc.Config{})
	e.register("ok", func(context.Context, *inproc.Container) error { return nil })
	e.register("three", func(context.Context, *inproc.Container) error { return inproc.Exit(3) })
	e.register("wrapped", func(context.Context, *inproc.Container) error {
		return fmt.Errorf("wrapped: %w", inproc.Exit(4))
	})
	e.register("fails", func(context.Context, *inproc.Container) error { return errors.New("disk full") })
	e.register("panics", func(context.Context, *inproc.Container) error { panic("boom") })
	tests := []struct {
		image, phase, reason, message string
		code                          int32
	}{
		{"ok", workload.PodSucceeded, "Completed", "", 0},
		{"three", workload.PodFailed, "Error", "", 3},
		{"wrapped", workload.PodFailed, "Error", "", 4},
		{"fails", workload.PodFailed, "Error", "disk full", 1},
		{"panics", workload.PodFailed, "Error", "panic: boom", 2},
	}
	for _, tc := range tests {
		e.create(pod(tc.image, workload.RestartPolicyNever, workload.Container{Image: inproc.Image(tc.image)}))
		p := e.waitPod(tc.image, "finished", func(p *workload.Pod) bool { return phaseIs(tc.phase)(p) })
		term := cstatus(p).State.Terminated
		if term == nil || term.ExitCode != tc.code || term.Reason != tc.reason || term.Message != tc.message {
			t.Errorf("%s: terminated %+v, want code %d reason %s message %q", tc.image, term, tc.code, tc.reason, tc.message)
		}
	}
	logs, err := e.rt.Logs(context.Background(), "default", "fails", "main", false)
	if err != nil || string(logs) != "error: disk full\n" {
		t.Errorf("log of a failed function: %q, %v", logs, err)
	}
}

// TestStopAndKill: a function that returns its context's error when asked
// to stop exits 143 (SIGTERM); one that ignores it is killed at the end of
// the grace period, 137 (SIGKILL), and the pod is gone only then.
func TestStopAndKill(t *testing.T) {
	e := newEnv(t, inproc.Config{})
	release := make(chan struct{})
	defer close(release)
	e.register("polite", func(ctx context.Context, _ *inproc.Container) error { <-ctx.Done(); return ctx.Err() })
	e.register("stubborn", func(ctx context.Context, _ *inproc.Container) error { <-release; return nil })
	for _, tc := range []struct {
		name         string
		grace        time.Duration
		code, signal int32
	}{
		{"polite", time.Hour, 143, 15},
		{"stubborn", 100 * time.Millisecond, 137, 9},
	} {
		e.create(pod(tc.name, workload.RestartPolicyAlways, workload.Container{Image: inproc.Image(tc.name)}))
		e.waitPod(tc.name, "running", running)
		asked := time.Now()
		if err := e.rt.DeletePod(context.Background(), "default", tc.name, tc.grace); err != nil {
			t.Fatal(err)
		}
		e.waitPod(tc.name, "gone", gone)
		if took := time.Since(asked); tc.name == "stubborn" && took < tc.grace {
			t.Errorf("%s: gone %v after the delete, before its grace period %v", tc.name, took, tc.grace)
		}
		term := e.lastTerminated(tc.name)
		if term == nil || term.ExitCode != tc.code || term.Signal != tc.signal {
			t.Errorf("%s: last terminated state %+v, want exit %d signal %d", tc.name, term, tc.code, tc.signal)
		}
	}
}

// TestImages: an image without func:// cannot start (InvalidImageName);
// one naming no function waits (ErrImagePull, Pending) until the function
// is registered.
func TestImages(t *testing.T) {
	e := newEnv(t, inproc.Config{})
	e.create(pod("bad", workload.RestartPolicyNever, workload.Container{Image: "busybox"}))
	p := e.waitPod("bad", "waiting", func(p *workload.Pod) bool { return p != nil && cstatus(p).State.Waiting.Reason == "InvalidImageName" })
	if p.Status.Phase != workload.PodPending || !strings.Contains(cstatus(p).State.Waiting.Message, `"busybox"`) {
		t.Errorf("pod %s, waiting %+v", p.Status.Phase, cstatus(p).State.Waiting)
	}
	e.create(pod("later", workload.RestartPolicyNever, workload.Container{Image: "func://later"}))
	p = e.waitPod("later", "waiting", func(p *workload.Pod) bool { return p != nil && cstatus(p).State.Waiting.Reason == "ErrImagePull" })
	if p.Status.Phase != workload.PodPending || !strings.Contains(cstatus(p).State.Waiting.Message, `no function registered as "later"`) {
		t.Errorf("pod %s, waiting %+v", p.Status.Phase, cstatus(p).State.Waiting)
	}
	e.register("later", func(context.Context, *inproc.Container) error { return nil })
	e.waitPod("later", "Succeeded once registered", phaseIs(workload.PodSucceeded))
}

func TestRegisterErrors(t *testing.T) {
	e := newEnv(t, inproc.Config{})
	for _, name := range []string{"", "a/b"} {
		if err := e.rt.Register(name, func(context.Context, *inproc.Container) error { return nil }); !errors.Is(err, inproc.ErrInvalid) {
			t.Errorf("Register(%q): %v, want ErrInvalid", name, err)
		}
	}
	if err := e.rt.Register("nil", nil); !errors.Is(err, inproc.ErrInvalid) {
		t.Errorf("Register of nil: %v", err)
	}
	// The image's name given for the function's: the error says which
	// name to register.
	err := e.rt.Register("func://web", func(context.Context, *inproc.Container) error { return nil })
	if want := `register it as "web" (the image "func://web" names it)`; !errors.Is(err, inproc.ErrInvalid) || !strings.Contains(err.Error(), want) {
		t.Errorf(`Register("func://web"): %v, want ErrInvalid saying %s`, err, want)
	}
	if _, err := inproc.New(inproc.Config{BackoffBase: -1}); !errors.Is(err, inproc.ErrInvalid) || !strings.Contains(err.Error(), "BackoffBase") {
		t.Errorf("negative BackoffBase: %v", err)
	}
}

func TestEnvAndArgs(t *testing.T) {
	e := newEnv(t, inproc.Config{})
	got := make(chan string, 1)
	e.register("env", func(_ context.Context, c *inproc.Container) error {
		got <- fmt.Sprint(c.Getenv("POD_NAME"), " ", c.Getenv("POD_NAMESPACE"), " ", c.Getenv("POD_IP"), " ",
			c.Getenv("NODE_NAME"), " ", c.Getenv("JOB_COMPLETION_INDEX"), " ", c.Getenv("GREETING"), " ", c.Args(), " ", c.Name())
		return nil
	})
	e.create(pod("envy", workload.RestartPolicyNever, workload.Container{
		Image: "func://env", Command: []string{"backup"}, Args: []string{"--all"},
		Env: []workload.EnvVar{{Name: "JOB_COMPLETION_INDEX", Value: "2"}, {Name: "GREETING", Value: "hi"}, {Name: "GREETING", Value: "hello"}},
	}))
	p := e.waitPod("envy", "Succeeded", phaseIs(workload.PodSucceeded))
	want := "envy default " + p.Status.PodIP + " node-a 2 hello [backup --all] main"
	if s := <-got; s != want {
		t.Errorf("env %q, want %q", s, want)
	}
}

// TestPodAddresses: node i has the i-th /24 from FirstPodCIDR (here
// testPodCIDR, 127.2xx.0.0); pods get .2 upwards, and an
// address is given again once its pod is gone.
func TestPodAddresses(t *testing.T) {
	e := newEnv(t, inproc.Config{Nodes: []string{"node-a", "node-b"}, Addressing: inproc.AddressingPerPod})
	e.register("idle", func(ctx context.Context, _ *inproc.Container) error { <-ctx.Done(); return nil })
	n, _ := e.rt.GetNode("node-b")
	if n.Spec.PodCIDR != podNet+".1.0/24" || n.Status.Addresses[0].Address != podNet+".1.1" || n.Labels[workload.LabelHostname] != "node-b" {
		t.Fatalf("node-b: podCIDR %s, addresses %v, labels %v", n.Spec.PodCIDR, n.Status.Addresses, n.Labels)
	}
	for _, name := range []string{"a1", "a2"} {
		e.create(pod(name, "", workload.Container{Image: "func://idle"}))
	}
	b := pod("b1", "", workload.Container{Image: "func://idle"})
	b.Spec.NodeName = "node-b"
	e.create(b)
	for name, ip := range map[string]string{"a1": podNet + ".0.2", "a2": podNet + ".0.3", "b1": podNet + ".1.2"} {
		if p := e.waitPod(name, "running", running); p.Status.PodIP != ip || p.Status.HostIP != strings.TrimSuffix(ip, ip[strings.LastIndex(ip, "."):])+".1" {
			t.Errorf("pod %s: IP %s host %s, want %s", name, p.Status.PodIP, p.Status.HostIP, ip)
		}
	}
	_ = e.rt.DeletePod(context.Background(), "default", "a1", time.Second)
	e.waitPod("a1", "gone", gone)
	e.create(pod("a3", "", workload.Container{Image: "func://idle"}))
	if p := e.waitPod("a3", "reported", func(p *workload.Pod) bool { return p != nil }); p.Status.PodIP != podNet+".0.2" {
		t.Errorf("a3 got %s, want the freed %s.0.2", p.Status.PodIP, podNet)
	}
}

func ready(p *workload.Pod) bool { return cstatus(p).Ready }

// TestWaitForReady: a function registered WaitForReady is not ready until
// it calls Ready.
func TestWaitForReady(t *testing.T) {
	e := newEnv(t, inproc.Config{})
	now := make(chan struct{})
	e.register("slow", func(ctx context.Context, c *inproc.Container) error {
		select {
		case <-now:
			c.Ready()
		case <-ctx.Done():
		}
		<-ctx.Done()
		return nil
	}, inproc.WaitForReady())
	e.create(pod("slow", "", workload.Container{Image: "func://slow"}))
	if p := e.waitPod("slow", "running", running); ready(p) {
		t.Fatal("ready before calling Ready")
	}
	close(now)
	e.waitPod("slow", "ready", ready)
}

// TestReadinessProbe: an httpGet readiness probe gates Ready, both ways.
func TestReadinessProbe(t *testing.T) {
	e := newEnv(t, inproc.Config{ProbeSecond: 10 * time.Millisecond})
	var healthy atomic.Bool
	e.register("web", func(ctx context.Context, c *inproc.Container) error {
		l, err := c.Listen("tcp", 8080)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if !healthy.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		})}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		_ = srv.Serve(l)
		return nil
	})
	e.create(pod("web", "", workload.Container{Image: "func://web",
		Ports: []workload.ContainerPort{{Name: "http", ContainerPort: 8080}},
		ReadinessProbe: &workload.Probe{ProbeHandler: workload.ProbeHandler{HTTPGet: &workload.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
			PeriodSeconds: 1, FailureThreshold: 1}}))
	e.waitPod("web", "running", running)
	healthy.Store(true)
	e.waitPod("web", "ready", ready)
	healthy.Store(false)
	e.waitPod("web", "not ready", func(p *workload.Pod) bool { return !ready(p) })
	if p := e.pods["web"]; cstatus(p).RestartCount != 0 {
		t.Fatal("a failing readiness probe restarted the container")
	}
}

// TestLivenessProbe: a tcpSocket liveness probe that keeps failing stops
// the container (its context is cancelled: 143) and it restarts.
func TestLivenessProbe(t *testing.T) {
	e := newEnv(t, inproc.Config{ProbeSecond: 10 * time.Millisecond})
	e.register("deaf", func(ctx context.Context, c *inproc.Container) error { <-ctx.Done(); return ctx.Err() })
	e.create(pod("deaf", "", workload.Container{Image: "func://deaf",
		LivenessProbe: &workload.Probe{ProbeHandler: workload.ProbeHandler{TCPSocket: &workload.TCPSocketAction{Port: intstr.FromInt32(9)}},
			PeriodSeconds: 1, FailureThreshold: 2}}))
	p := e.waitPod("deaf", "restarted", func(p *workload.Pod) bool { return cstatus(p).RestartCount >= 1 })
	if last := cstatus(p).LastTerminationState.Terminated; last == nil || last.ExitCode != 143 {
		t.Fatalf("last state %+v, want exit 143", last)
	}
}

// TestExecProbeUnsupported: a container with an exec probe does not start.
func TestExecProbeUnsupported(t *testing.T) {
	e := newEnv(t, inproc.Config{})
	e.register("x", func(context.Context, *inproc.Container) error { return nil })
	e.create(pod("exec", "", workload.Container{Image: "func://x",
		ReadinessProbe: &workload.Probe{ProbeHandler: workload.ProbeHandler{Exec: &workload.ExecAction{Command: []string{"true"}}}}}))
	p := e.waitPod("exec", "waiting", func(p *workload.Pod) bool {
		return p != nil && cstatus(p).State.Waiting.Reason == "CreateContainerConfigError"
	})
	if !strings.Contains(cstatus(p).State.Waiting.Message, "exec probes are not supported by the inproc runtime") {
		t.Fatalf("waiting %+v", cstatus(p).State.Waiting)
	}
}

// TestLogs: the current and previous run of a restarting container, each
// bounded by LogLimit (the last bytes kept).
func TestLogs(t *testing.T) {
	e := newEnv(t, inproc.Config{LogLimit: 8})
	e.register("count", func(ctx context.Context, c *inproc.Container) error {
		fmt.Fprintf(c.Stdout(), "xxxxxxxxxxrun %d\n", c.RestartCount())
		if c.RestartCount() < 1 {
			return inproc.Exit(1)
		}
		c.Ready() // the log line is written
		<-ctx.Done()
		return nil
	}, inproc.WaitForReady())
	if _, err := e.rt.Logs(context.Background(), "default", "count", "main", false); !errors.Is(err, workload.ErrPodNotFound) {
		t.Fatalf("logs of a missing pod: %v", err)
	}
	e.create(pod("count", "", workload.Container{Image: "func://count"}))
	e.waitPod("count", "restarted and ready", func(p *workload.Pod) bool { return ready(p) && cstatus(p).RestartCount == 1 })
	for _, tc := range []struct {
		previous bool
		want     string
	}{{false, "xxrun 1\n"}, {true, "xxrun 0\n"}} {
		got, err := e.rt.Logs(context.Background(), "default", "count", "main", tc.previous)
		if err != nil || string(got) != tc.want {
			t.Errorf("logs previous=%v: %q, %v; want %q", tc.previous, got, err, tc.want)
		}
	}
	if _, err := e.rt.Logs(context.Background(), "default", "count", "nope", false); !errors.Is(err, inproc.ErrContainerNotFound) {
		t.Errorf("logs of a missing container: %v", err)
	}
}

// TestSharedAddressing: where pods share 127.0.0.1, Listen takes a free
// port, and probes and PodAddr map the container port to it.
func TestSharedAddressing(t *testing.T) {
	e := newEnv(t, inproc.Config{Addressing: inproc.AddressingShared, ProbeSecond: 10 * time.Millisecond})
	e.register("listener", func(ctx context.Context, c *inproc.Container) error {
		l, err := c.Listen("tcp", 8080)
		if err != nil {
			return err
		}
		go func() { <-ctx.Done(); _ = l.Close() }()
		for {
			conn, err := l.Accept()
			if err != nil {
				return nil
			}
			_ = conn.Close()
		}
	})
	probe := &workload.Probe{ProbeHandler: workload.ProbeHandler{TCPSocket: &workload.TCPSocketAction{Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1}
	for _, name := range []string{"one", "two"} {
		e.create(pod(name, "", workload.Container{Image: "func://listener", ReadinessProbe: probe}))
	}
	ports := map[uint16]bool{}
	for _, name := range []string{"one", "two"} {
		p := e.waitPod(name, "ready", ready)
		if p.Status.PodIP != "127.0.0.1" {
			t.Errorf("pod %s IP %s, want 127.0.0.1", name, p.Status.PodIP)
		}
		a, err := e.rt.PodAddr("default", name, 8080)
		if err != nil {
			t.Fatal(err)
		}
		ports[a.Port()] = true
	}
	if len(ports) != 2 || ports[8080] {
		t.Fatalf("mapped ports %v, want two distinct free ports", ports)
	}
}
