package breakit_test

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestR10pHTTPGetProbeRequest: an httpGet probe is made as the kubelet's
// (pkg/probe/http: NewRequestForHTTPGetAction, RedirectChecker,
// DoHTTPProbe): a redirect to the same host is followed and the answer at
// its end decides (a 500 there fails the probe); a redirect to another
// host is not followed and passes (a Warning, which is success); the Host
// header of httpHeaders sets the request's host; headers of one name are
// all sent; Accept is */* and User-Agent kube-probe/... unless given.
func TestR10pHTTPGetProbeRequest(t *testing.T) {
	e := r10pNewInproc(t, inproc.Config{})
	var badHits atomic.Int32
	e.rt.Register("probed", func(ctx context.Context, c *inproc.Container) error {
		port, _ := strconv.Atoi(c.Getenv("PORT"))
		l, err := c.Listen("tcp", port)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {})
		mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
		mux.HandleFunc("/redir-bad", func(w http.ResponseWriter, r *http.Request) {
			badHits.Add(1)
			http.Redirect(w, r, "/bad", http.StatusFound)
		})
		mux.HandleFunc("/redir-ok", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusMovedPermanently) })
		mux.HandleFunc("/offhost", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://elsewhere.invalid:1/bad", http.StatusFound)
		})
		mux.HandleFunc("/host", func(w http.ResponseWriter, r *http.Request) {
			if r.Host != "probe.example" {
				w.WriteHeader(400)
			}
		})
		mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Accept") != "*/*" || !strings.HasPrefix(r.UserAgent(), "kube-probe/") ||
				strings.Join(r.Header.Values("X-Probe"), ",") != "a,b" {
				w.WriteHeader(400)
			}
		})
		srv := &http.Server{Handler: mux}
		go func() { <-ctx.Done(); srv.Close() }()
		srv.Serve(l)
		return ctx.Err()
	})
	type tc struct {
		name, path string
		headers    []workload.HTTPHeader
		ready      bool
	}
	cases := []tc{
		{name: "redir-bad", path: "/redir-bad", ready: false},
		{name: "redir-ok", path: "/redir-ok", ready: true},
		{name: "offhost", path: "/offhost", ready: true},
		{name: "host", path: "/host", headers: []workload.HTTPHeader{{Name: "Host", Value: "probe.example"}}, ready: true},
		{name: "headers", path: "/headers", headers: []workload.HTTPHeader{{Name: "X-Probe", Value: "a"}, {Name: "X-Probe", Value: "b"}}, ready: true},
	}
	var cs []workload.Container
	for i, c := range cases {
		port := 8001 + i
		cs = append(cs, workload.Container{Name: c.name, Image: inproc.Image("probed"),
			Env: []workload.EnvVar{{Name: "PORT", Value: strconv.Itoa(port)}},
			ReadinessProbe: &workload.Probe{PeriodSeconds: 1, TimeoutSeconds: 100,
				ProbeHandler: workload.ProbeHandler{HTTPGet: &workload.HTTPGetAction{Path: c.path, Port: intstr.FromInt32(int32(port)), HTTPHeaders: c.headers}}}})
	}
	e.create(r10pPod("hp", workload.RestartPolicyAlways, cs...))
	readyOf := func(p *workload.Pod) map[string]bool {
		m := map[string]bool{}
		if p != nil {
			for _, s := range p.Status.ContainerStatuses {
				m[s.Name] = s.Ready
			}
		}
		return m
	}
	e.waitPod("hp", "the probes that pass passed", func(p *workload.Pod) bool {
		m := readyOf(p)
		for _, c := range cases {
			if c.ready && !m[c.name] {
				return false
			}
		}
		return true
	})
	// The third request of the redirecting probe means that the first two
	// results are in.
	deadline := time.Now().Add(30 * time.Second)
	for badHits.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the redir-bad probe ran %d times in 30s", badHits.Load())
		}
		time.Sleep(5 * time.Millisecond) // the server's counter has no notification
	}
	p, err := e.rt.GetPod("default", "hp")
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range readyOf(p) {
		for _, c := range cases {
			if c.name == name && c.ready != r {
				t.Errorf("container %s (probe %s): ready %v, want %v", name, c.path, r, c.ready)
			}
		}
	}
}

// TestR10pInitialDelayFromContainerStart: initialDelaySeconds counts from
// the container's start for every probe, as the kubelet's prober worker
// checks it (pkg/kubelet/prober/worker.go doProbe: time since
// State.Running.StartedAt), so a readiness probe whose initial delay ends
// while the startup probe still runs probes as soon as it may once the
// startup probe passed, not initialDelaySeconds after that. On a virtual
// clock: the startup probe passes at 20 s; the readiness probe
// (initialDelaySeconds 30) runs at 30 s, not at 50 s.
func TestR10pInitialDelayFromContainerStart(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	e := r10pNewInproc(t, inproc.Config{Clock: clock, ProbeSecond: time.Second, FirstPodCIDR: testPodCIDRAt(101)})
	listening := make(chan struct{})
	var readyHits atomic.Int32
	e.rt.Register("srv", func(ctx context.Context, c *inproc.Container) error {
		l, err := c.Listen("tcp", 8080)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/startup", func(w http.ResponseWriter, r *http.Request) {})
		mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) { readyHits.Add(1) })
		srv := &http.Server{Handler: mux}
		go func() { <-ctx.Done(); srv.Close() }()
		close(listening)
		srv.Serve(l)
		return ctx.Err()
	})
	get := func(path string) workload.ProbeHandler {
		return workload.ProbeHandler{HTTPGet: &workload.HTTPGetAction{Path: path, Port: intstr.FromInt32(8080)}}
	}
	e.create(r10pPod("sd", workload.RestartPolicyAlways, workload.Container{Name: "c", Image: inproc.Image("srv"),
		StartupProbe:   &workload.Probe{ProbeHandler: get("/startup"), InitialDelaySeconds: 20, PeriodSeconds: 10, TimeoutSeconds: 100},
		ReadinessProbe: &workload.Probe{ProbeHandler: get("/ready"), InitialDelaySeconds: 30, PeriodSeconds: 100, TimeoutSeconds: 100}}))
	clock.Advance(0) // the container starts at t0
	select {
	case <-listening:
	case <-time.After(30 * time.Second):
		t.Fatal("the container did not listen within 30s")
	}
	clock.Advance(20 * time.Second) // the startup probe runs and passes
	p := e.waitPod("sd", "started", func(p *workload.Pod) bool {
		s := r10pCS(p).Started
		return s != nil && *s
	})
	if r10pCS(p).Ready || readyHits.Load() != 0 {
		t.Fatalf("at 20s: ready %v after %d readiness probes; want not ready before the first", r10pCS(p).Ready, readyHits.Load())
	}
	clock.Advance(10 * time.Second) // 30 s after the start: the readiness probe runs
	e.waitPod("sd", "ready at 30s", func(p *workload.Pod) bool { return r10pCS(p).Ready })
}

// TestR10pProbeErrorIsNoResult: a probe that cannot be made at all (a
// named port the container does not declare) gives no result, as the
// kubelet's prober worker throws a prober error away
// (pkg/kubelet/prober/worker.go doProbe: "Prober error, throw away the
// result"): such a liveness probe never restarts the container, and such
// a readiness probe never makes it ready. Before, each error counted as
// a failure, and the liveness probe restarted the container again and
// again.
func TestR10pProbeErrorIsNoResult(t *testing.T) {
	e := r10pNewInproc(t, inproc.Config{FirstPodCIDR: testPodCIDRAt(103), BackoffBase: 100 * time.Millisecond})
	var hits atomic.Int32
	e.rt.Register("srv", func(ctx context.Context, c *inproc.Container) error {
		port, _ := strconv.Atoi(c.Getenv("PORT"))
		l, err := c.Listen("tcp", port)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })}
		go func() { <-ctx.Done(); srv.Close() }()
		srv.Serve(l)
		return ctx.Err()
	})
	named := func(port string) workload.ProbeHandler {
		return workload.ProbeHandler{TCPSocket: &workload.TCPSocketAction{Port: intstr.FromString(port)}}
	}
	e.create(r10pPod("pe", workload.RestartPolicyAlways,
		workload.Container{Name: "c", Image: inproc.Image("srv"), Env: []workload.EnvVar{{Name: "PORT", Value: "8080"}},
			Ports:          []workload.ContainerPort{{Name: "web", ContainerPort: 8080}},
			LivenessProbe:  &workload.Probe{ProbeHandler: named("nope"), PeriodSeconds: 1, FailureThreshold: 1},
			ReadinessProbe: &workload.Probe{ProbeHandler: named("nope"), PeriodSeconds: 1, SuccessThreshold: 1},
			// A probe that works, to count periods by.
			StartupProbe: &workload.Probe{ProbeHandler: workload.ProbeHandler{HTTPGet: &workload.HTTPGetAction{Port: intstr.FromString("web")}}, PeriodSeconds: 1, FailureThreshold: 100}},
		workload.Container{Name: "d", Image: inproc.Image("srv"), Env: []workload.EnvVar{{Name: "PORT", Value: "8081"}},
			Ports: []workload.ContainerPort{{Name: "web", ContainerPort: 8081}},
			LivenessProbe: &workload.Probe{ProbeHandler: workload.ProbeHandler{HTTPGet: &workload.HTTPGetAction{Port: intstr.FromInt32(8080)}},
				PeriodSeconds: 1}}))
	e.waitPod("pe", "c started", func(p *workload.Pod) bool {
		s := r10pCS(p).Started
		return s != nil && *s
	})
	// Container d's liveness probe hits c's server every period: ten of
	// them are ten periods of c's liveness and readiness probes.
	start := hits.Load()
	deadline := time.Now().Add(30 * time.Second)
	for hits.Load() < start+10 {
		if time.Now().After(deadline) {
			t.Fatalf("%d probes in 30s", hits.Load()-start)
		}
		time.Sleep(5 * time.Millisecond) // the server's counter has no notification
	}
	p, err := e.rt.GetPod("default", "pe")
	if err != nil {
		t.Fatal(err)
	}
	cs := r10pCS(p)
	if cs.RestartCount != 0 || cs.State.Running == nil || cs.Ready {
		t.Errorf("container c: restartCount %d, state %+v, ready %v; want running, never restarted, not ready", cs.RestartCount, cs.State, cs.Ready)
	}
}

// TestR10pLivenessKillRestartsOnFailure: a container killed for failing
// its liveness probe is restarted under restartPolicy OnFailure even when
// it exits 0 on SIGTERM, as the kubelet's computePodActions restarts a
// container that failed its liveness (or startup) probe whenever the
// policy is not Never (shouldRestartOnFailure), whatever its exit code.
// Before, a graceful exit 0 made it Completed and the pod Succeeded: a
// Job's hung pod counted as a success.
func TestR10pLivenessKillRestartsOnFailure(t *testing.T) {
	e := r10pNewInproc(t, inproc.Config{FirstPodCIDR: testPodCIDRAt(104)})
	e.rt.Register("hang", func(ctx context.Context, c *inproc.Container) error {
		if c.RestartCount() > 0 {
			return nil // the second run does its work
		}
		l, err := c.Listen("tcp", 8080)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })}
		go func() { <-ctx.Done(); srv.Close() }()
		srv.Serve(l)
		return nil // a graceful exit on SIGTERM
	})
	e.create(r10pPod("lk", workload.RestartPolicyOnFailure, workload.Container{Name: "c", Image: inproc.Image("hang"),
		LivenessProbe: &workload.Probe{PeriodSeconds: 1, FailureThreshold: 2,
			ProbeHandler: workload.ProbeHandler{HTTPGet: &workload.HTTPGetAction{Port: intstr.FromInt32(8080)}}}}))
	p := e.waitPod("lk", "finished", func(p *workload.Pod) bool {
		return p != nil && (p.Status.Phase == workload.PodSucceeded || p.Status.Phase == workload.PodFailed)
	})
	cs := r10pCS(p)
	last := cs.LastTerminationState.Terminated
	if p.Status.Phase != workload.PodSucceeded || cs.RestartCount != 1 || last == nil || last.ExitCode != 0 {
		t.Errorf("phase %s, restartCount %d, lastState %+v; want Succeeded after one restart, the killed run's exit 0 in lastState",
			p.Status.Phase, cs.RestartCount, last)
	}
}

// TestR10pProbeTimeoutOnTheClock: timeoutSeconds runs on the runtime's
// clock, as periods, initial delays and grace periods do: on a virtual
// (or scaled) clock a probe that hangs fails once its timeout has passed
// on that clock. Before, the timeout was always real time, so on a clock
// scaled ×100 a hanging liveness probe took a hundred times too long to
// fail, and on a virtual clock it ignored the clock altogether.
func TestR10pProbeTimeoutOnTheClock(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	e := r10pNewInproc(t, inproc.Config{Clock: clock, ProbeSecond: time.Second, FirstPodCIDR: testPodCIDRAt(107)})
	listening := make(chan struct{}, 2)
	hit := make(chan struct{}, 1)
	e.rt.Register("hang", func(ctx context.Context, c *inproc.Container) error {
		l, err := c.Listen("tcp", 8080)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case hit <- struct{}{}:
			default:
			}
			<-r.Context().Done() // never answers
		})}
		go func() { <-ctx.Done(); srv.Close() }()
		listening <- struct{}{}
		srv.Serve(l)
		return ctx.Err()
	})
	e.create(r10pPod("pt", workload.RestartPolicyAlways, workload.Container{Name: "c", Image: inproc.Image("hang"),
		LivenessProbe: &workload.Probe{InitialDelaySeconds: 5, PeriodSeconds: 10, TimeoutSeconds: 1000, FailureThreshold: 1,
			ProbeHandler: workload.ProbeHandler{HTTPGet: &workload.HTTPGetAction{Port: intstr.FromInt32(8080)}}}}))
	clock.Advance(0)
	select {
	case <-listening:
	case <-time.After(30 * time.Second):
		t.Fatal("the container did not listen within 30s")
	}
	clock.Advance(10 * time.Second) // the first tick past the initial delay: the probe starts and hangs
	select {
	case <-hit:
	case <-time.After(30 * time.Second):
		t.Fatal("the liveness probe did not run within 30s")
	}
	clock.Advance(1000 * time.Second) // its timeout passes: it fails, the container restarts
	e.waitPod("pt", "restarted by the timed-out liveness probe", func(p *workload.Pod) bool { return r10pCS(p).RestartCount >= 1 })
}

// TestR10pProbeTerminationGracePeriod: a liveness probe's own
// terminationGracePeriodSeconds, not the pod's, bounds the kill of a
// container that failed it (pkg/kubelet/kuberuntime
// setTerminationGracePeriod: for a liveness or startup probe failure the
// probe's value wins). On a virtual clock: a function that ignores SIGTERM
// is killed 5 s after the probe failed, though the pod's grace is an hour.
// (The probe runs on its worker's ticker: first at 100 s, the first tick
// past its initial delay of 1 s.)
func TestR10pProbeTerminationGracePeriod(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	e := r10pNewInproc(t, inproc.Config{Clock: clock, ProbeSecond: time.Second, FirstPodCIDR: testPodCIDRAt(117)})
	started := make(chan context.Context, 2)
	release := make(chan struct{})
	defer close(release)
	e.rt.Register("deaf", func(ctx context.Context, c *inproc.Container) error {
		started <- ctx
		<-release // ignores ctx: killed at the end of the grace period
		return nil
	})
	hour, five := int64(3600), int64(5)
	p := r10pPod("pg", workload.RestartPolicyAlways, workload.Container{Name: "c", Image: inproc.Image("deaf"),
		LivenessProbe: &workload.Probe{InitialDelaySeconds: 1, PeriodSeconds: 100, FailureThreshold: 1, TerminationGracePeriodSeconds: &five,
			ProbeHandler: workload.ProbeHandler{TCPSocket: &workload.TCPSocketAction{Port: intstr.FromInt32(8080)}}}})
	p.Spec.TerminationGracePeriodSeconds = &hour
	e.create(p)
	clock.Advance(0)
	runCtx := <-started
	clock.Advance(100 * time.Second) // the probe runs: nothing listens, it fails
	deadline := time.Now().Add(30 * time.Second)
	for runCtx.Err() == nil { // cancelled (SIGTERM) by the failed probe
		if time.Now().After(deadline) {
			t.Fatal("the failed liveness probe did not stop the container within 30s")
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond) // the probe's goroutine has no notification
	}
	clock.Advance(5 * time.Second) // the probe's grace period ends: killed, restarted
	e.waitPod("pg", "killed and restarted", func(p *workload.Pod) bool {
		cs := r10pCS(p)
		return cs.RestartCount == 1 && cs.LastTerminationState.Terminated != nil && cs.LastTerminationState.Terminated.ExitCode == 137
	})
}

// TestR10pProbeTerminationGracePeriodValidated: a probe's
// terminationGracePeriodSeconds is positive and not on a readiness probe,
// as Kubernetes' validateProbe.
func TestR10pProbeTerminationGracePeriodValidated(t *testing.T) {
	c := newCluster(t, "n1")
	for _, tc := range []struct{ probe, path string }{
		{`readinessProbe: {tcpSocket: {port: 80}, terminationGracePeriodSeconds: 5}`, "spec.containers[0].readinessProbe.terminationGracePeriodSeconds"},
		{`livenessProbe: {tcpSocket: {port: 80}, terminationGracePeriodSeconds: 0}`, "spec.containers[0].livenessProbe.terminationGracePeriodSeconds"},
	} {
		objs, _, err := workload.Decode([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {containers: [{name: c, image: x, "+tc.probe+"}]}\n"), "bad.yaml")
		if err != nil {
			t.Fatalf("%s: %v", tc.probe, err)
		}
		_, err = c.Apply(objs[0])
		var ve *workload.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Path != tc.path {
			t.Errorf("%s: Apply = %v, want one error at %s", tc.probe, err, tc.path)
		}
	}
}
