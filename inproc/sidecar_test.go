package inproc_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func initStatus(p *workload.Pod, name string) workload.ContainerStatus {
	if p != nil {
		for _, s := range p.Status.InitContainerStatuses {
			if s.Name == name {
				return s
			}
		}
	}
	return workload.ContainerStatus{}
}

func condStatus(p *workload.Pod, typ string) string {
	for _, c := range p.Status.Conditions {
		if c.Type == typ {
			return c.Status
		}
	}
	return ""
}

var always = workload.Ptr(workload.ContainerRestartPolicyAlways)

// A sidecar with a startup probe: the next init container starts only
// once the probe has passed, the app container once that one has
// succeeded; the sidecar's readiness counts for the pod's.
func TestSidecarStartOrder(t *testing.T) {
	e := newEnv(t, inproc.Config{ProbeSecond: 10 * time.Millisecond})
	var healthy, setupRan atomic.Bool
	probed := make(chan struct{}, 100)
	e.register("proxy", func(ctx context.Context, c *inproc.Container) error {
		l, err := c.Listen("tcp", 15000)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			select {
			case probed <- struct{}{}:
			default:
			}
			if !healthy.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		})}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		_ = srv.Serve(l)
		return ctx.Err()
	})
	e.register("setup", func(ctx context.Context, c *inproc.Container) error { setupRan.Store(true); return nil })
	e.register("app", func(ctx context.Context, c *inproc.Container) error { <-ctx.Done(); return ctx.Err() })
	probe := &workload.Probe{ProbeHandler: workload.ProbeHandler{HTTPGet: &workload.HTTPGetAction{Path: "/", Port: intstr.FromInt(15000)}},
		PeriodSeconds: 1, FailureThreshold: 1000}
	readiness := *probe
	readiness.FailureThreshold = 1
	p := pod("web", "", workload.Container{Image: "func://app"})
	p.Spec.InitContainers = []workload.Container{
		{Name: "proxy", Image: "func://proxy", RestartPolicy: always, StartupProbe: probe, ReadinessProbe: &readiness},
		{Name: "setup", Image: "func://setup"},
	}
	e.create(p)
	for range 3 { // the startup probe fails three times: setup waits
		select {
		case <-probed:
		case <-time.After(10 * time.Second):
			t.Fatal("proxy not probed")
		}
	}
	if setupRan.Load() {
		t.Fatal("setup ran before proxy's startup probe passed")
	}
	healthy.Store(true)
	p = e.waitPod("web", "app running", running)
	if s := initStatus(p, "setup"); s.State.Terminated == nil || s.State.Terminated.ExitCode != 0 {
		t.Fatalf("setup %+v, want succeeded before the app started", s.State)
	}
	if s := initStatus(p, "proxy"); s.State.Running == nil || s.Started == nil || !*s.Started {
		t.Fatalf("proxy %+v, want running and started", s)
	}
	p = e.waitPod("web", "Ready", func(p *workload.Pod) bool { return condStatus(p, workload.PodReady) == workload.ConditionTrue })
	if !initStatus(p, "proxy").Ready || condStatus(p, workload.PodInitialized) != workload.ConditionTrue {
		t.Fatalf("proxy ready %v, Initialized %s", initStatus(p, "proxy").Ready, condStatus(p, workload.PodInitialized))
	}
	healthy.Store(false) // the sidecar's readiness probe fails: the pod is not Ready
	e.waitPod("web", "not Ready", func(p *workload.Pod) bool { return condStatus(p, workload.PodReady) == workload.ConditionFalse })
}

// A sidecar that exits is restarted under restartPolicy Never while the
// app container runs on; once the app container has exited 0 the sidecar
// is stopped and the pod Succeeded.
func TestSidecarRestartsThenStopsWhenAppDone(t *testing.T) {
	e := newEnv(t, inproc.Config{})
	var runs atomic.Int32
	e.register("proxy", func(ctx context.Context, c *inproc.Container) error {
		if runs.Add(1) == 1 {
			return inproc.Exit(1)
		}
		<-ctx.Done()
		return ctx.Err()
	})
	finish := make(chan struct{})
	e.register("app", func(ctx context.Context, c *inproc.Container) error {
		select {
		case <-finish:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	p := pod("job", workload.RestartPolicyNever, workload.Container{Image: "func://app"})
	p.Spec.InitContainers = []workload.Container{{Name: "proxy", Image: "func://proxy", RestartPolicy: always}}
	e.create(p)
	p = e.waitPod("job", "app running", running)
	e.waitPod("job", "proxy restarted", func(p *workload.Pod) bool {
		s := initStatus(p, "proxy")
		return s.RestartCount == 1 && s.State.Running != nil
	})
	if p := e.pods["job"]; p.Status.Phase != workload.PodRunning {
		t.Fatalf("phase %s while app runs", p.Status.Phase)
	}
	close(finish)
	p = e.waitPod("job", "Succeeded", phaseIs(workload.PodSucceeded))
	if s := initStatus(p, "proxy"); s.State.Terminated == nil || s.RestartCount != 1 {
		t.Fatalf("proxy %+v: want stopped after the app, not restarted again", s)
	}
	if cstatus(p).State.Terminated == nil || cstatus(p).State.Terminated.ExitCode != 0 {
		t.Fatalf("app %+v", cstatus(p).State)
	}
}

// On deletion the app container is stopped first, then the sidecars, the
// last declared first.
func TestSidecarStopOrderOnDelete(t *testing.T) {
	e := newEnv(t, inproc.Config{})
	var mu sync.Mutex
	var order []string
	stopper := func(ctx context.Context, c *inproc.Container) error {
		<-ctx.Done()
		time.Sleep(20 * time.Millisecond) // a stop that takes a moment, so that an order shows
		mu.Lock()
		order = append(order, c.Getenv("NAME"))
		mu.Unlock()
		return ctx.Err()
	}
	e.register("stopper", stopper)
	ctr := func(name string, side bool) workload.Container {
		c := workload.Container{Name: name, Image: "func://stopper", Env: []workload.EnvVar{{Name: "NAME", Value: name}}}
		if side {
			c.RestartPolicy = always
		}
		return c
	}
	p := pod("web", "", ctr("app", false))
	p.Spec.InitContainers = []workload.Container{ctr("first", true), ctr("second", true)}
	e.create(p)
	e.waitPod("web", "app running", running)
	if err := e.rt.DeletePod(context.Background(), "default", "web", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	e.waitPod("web", "gone", gone)
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"app", "second", "first"}; !slices.Equal(order, want) {
		t.Fatalf("stopped in order %q, want %q", order, want)
	}
}

// On deletion a sidecar's preStop hook runs at once, with the app
// container's (KEP-753: the hooks start the grace period for every
// container), while its SIGTERM waits until the app container has
// exited.
func TestSidecarPreStopAtOnceSigtermAfterApp(t *testing.T) {
	e := newEnv(t, inproc.Config{})
	hooked, listening := make(chan struct{}), make(chan struct{})
	var hookOnce, listenOnce sync.Once
	var appExited, termAfterApp atomic.Bool
	e.register("proxy", func(ctx context.Context, c *inproc.Container) error {
		l, err := c.Listen("tcp", 15000)
		if err != nil {
			return err
		}
		listenOnce.Do(func() { close(listening) })
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			hookOnce.Do(func() { close(hooked) })
		})}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		_ = srv.Serve(l)
		termAfterApp.Store(appExited.Load())
		return ctx.Err()
	})
	e.register("app", func(ctx context.Context, c *inproc.Container) error {
		<-ctx.Done()
		select { // the app container stops only once the sidecar's hook has run
		case <-hooked:
		case <-time.After(10 * time.Second):
		}
		appExited.Store(true)
		return ctx.Err()
	})
	p := pod("web", "", workload.Container{Image: "func://app"})
	p.Spec.InitContainers = []workload.Container{{Name: "proxy", Image: "func://proxy", RestartPolicy: always,
		Lifecycle: &workload.Lifecycle{PreStop: &workload.LifecycleHandler{HTTPGet: &workload.HTTPGetAction{Path: "/", Port: intstr.FromInt(15000)}}}}}
	e.create(p)
	e.waitPod("web", "app running", running)
	// The sidecar counts as started once its function runs, which may be
	// before it listens: a preStop hook sent before then would be refused.
	select {
	case <-listening:
	case <-time.After(10 * time.Second):
		t.Fatal("the sidecar never listened")
	}
	if err := e.rt.DeletePod(context.Background(), "default", "web", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case <-hooked:
	case <-time.After(10 * time.Second):
		t.Fatal("the sidecar's preStop hook did not run while the app container was stopping")
	}
	e.waitPod("web", "gone", gone)
	if !termAfterApp.Load() {
		t.Fatal("the sidecar was stopped before the app container had exited")
	}
}
