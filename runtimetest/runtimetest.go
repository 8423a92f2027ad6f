package runtimetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Behavior is what the single container of a test pod does.
type Behavior struct {
	// RunFor is how long the container runs before it exits; zero means
	// it runs until it is stopped.
	RunFor time.Duration
	// ExitCode is the code it exits with after RunFor.
	ExitCode int32
	// IgnoreStop makes it keep running when asked to stop, so that only
	// the end of the grace period kills it. Runtimes whose containers
	// always do so (the fake) may ignore the field. The suite waits for
	// such a pod to be Ready before it deletes it, so a real container can
	// report ready once it ignores the stop signal.
	IgnoreStop bool
}

// Harness is what a runtime gives the suite.
type Harness struct {
	// Runtime is the runtime under test.
	Runtime workload.Runtime
	// Node names a node the runtime has and that can run the test pods.
	Node string
	// Pod returns a pod in namespace "default" named name, with the given
	// restart policy, whose one container behaves as b. The suite creates
	// it on Node.
	Pod func(name, restartPolicy string, b Behavior) *workload.Pod
	// Virtual, when the runtime runs on a virtual clock, is that clock:
	// the suite advances it and checks times exactly.
	Virtual *vtime.Virtual
	// Tick is the unit of the suite's timings (run times, grace periods):
	// 1 s suits a virtual clock; a real runtime uses something small, such
	// as 50 ms.
	Tick time.Duration
	// BackoffBase is the runtime's first crash-loop back-off (the kubelet's
	// is 10 s): the first restart is immediate, the second waits
	// BackoffBase, the third twice as long.
	BackoffBase time.Duration
	// Timeout bounds every wait of a real-time run (default 30 s).
	Timeout time.Duration
	// Sidecar, when set, returns a container named name that behaves as
	// b, which the suite makes a sidecar (restartPolicy Always) among a
	// test pod's init containers. The suite uses two: one that runs until
	// it is stopped and exits promptly when asked (the zero Behavior), and
	// one that exits with ExitCode after RunFor, each run. Nil skips the
	// sidecar tests.
	Sidecar func(name string, b Behavior) workload.Container
}

// Run runs the whole suite; newHarness makes a fresh runtime for each
// test.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *suite)
	}{
		{"Errors", testErrors},
		{"ListThenWatch", testListThenWatch},
		{"RunToCompletion", testRunToCompletion},
		{"CreatePodLeavesInputAlone", testCreatePodLeavesInputAlone},
		{"ExitCode", testExitCode},
		{"OnFailureSucceeds", testOnFailureSucceeds},
		{"RestartOnFailureWithBackoff", testRestartBackoff},
		{"RestartAlways", testRestartAlways},
		{"GracefulDeletion", testGracefulDeletion},
		{"DeleteFinishedPod", testDeleteFinished},
		{"StatusInOrder", testStatusInOrder},
		{"WatchFromVersion", testWatchFromVersion},
		{"SidecarJobCompletes", testSidecarJobCompletes},
		{"SidecarRestarts", testSidecarRestarts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if h.Tick <= 0 {
				h.Tick = time.Second
			}
			if h.Timeout <= 0 {
				h.Timeout = 30 * time.Second
			}
			if h.Sidecar == nil && strings.HasPrefix(tc.name, "Sidecar") {
				t.Skip("Harness.Sidecar is nil")
			}
			s := newSuite(t, h)
			defer s.w.Stop()
			tc.fn(t, s)
		})
	}
}

// suite follows the runtime's watch and keeps what it reported.
type suite struct {
	t       *testing.T
	h       *Harness
	w       workload.Watcher
	version uint64
	last    uint64
	pods    map[string]*workload.Pod
	history map[string][]report
}

type report struct {
	at   time.Time
	typ  string
	pod  *workload.Pod
	vers uint64
}

func newSuite(t *testing.T, h *Harness) *suite {
	t.Helper()
	_, _, v, err := h.Runtime.List(context.Background())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	w, err := h.Runtime.Watch(context.Background(), v)
	if err != nil {
		t.Fatalf("Watch(%d): %v", v, err)
	}
	return &suite{t: t, h: h, w: w, version: v, last: v, pods: map[string]*workload.Pod{}, history: map[string][]report{}}
}

func (s *suite) now() time.Time {
	if s.h.Virtual != nil {
		return s.h.Virtual.Now()
	}
	return time.Now()
}

// take records one watch event, checking versions grow with no repeat.
func (s *suite) take(ev workload.WatchEvent) {
	s.t.Helper()
	if ev.Version <= s.last {
		s.t.Fatalf("watch event version %d after %d: versions must grow", ev.Version, s.last)
	}
	s.last = ev.Version
	p, ok := ev.Object.(*workload.Pod)
	if !ok {
		return
	}
	p = p.DeepCopy()
	s.history[p.Name] = append(s.history[p.Name], report{at: s.now(), typ: ev.Type, pod: p, vers: ev.Version})
	if ev.Type == workload.Deleted {
		delete(s.pods, p.Name)
	} else {
		s.pods[p.Name] = p
	}
}

// drain takes every event that is ready.
func (s *suite) drain() {
	for {
		ev, ok := s.w.TryNext()
		if !ok {
			return
		}
		s.take(ev)
	}
}

// waitFor lets time pass until cond holds, for at most limit of the
// runtime's time (virtual) or the harness's Timeout (real).
func (s *suite) waitFor(what string, limit time.Duration, cond func() bool) {
	s.t.Helper()
	if v := s.h.Virtual; v != nil {
		end := v.Now().Add(limit)
		for {
			s.drain()
			if cond() {
				return
			}
			next, ok := v.Next()
			if !ok || next.After(end) {
				s.t.Fatalf("%s: not within %v of virtual time (now %v)", what, limit, v.Now())
			}
			v.AdvanceTo(next)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.h.Timeout)
	defer cancel()
	for {
		s.drain()
		if cond() {
			return
		}
		ev, err := s.w.Next(ctx)
		if err != nil {
			s.t.Fatalf("%s: %v", what, err)
		}
		s.take(ev)
	}
}

// advance lets d pass (virtual only).
func (s *suite) advance(d time.Duration) {
	if v := s.h.Virtual; v != nil {
		v.AdvanceTo(v.Now().Add(d))
		s.drain()
	}
}

func (s *suite) create(name, restart string, b Behavior) *workload.Pod {
	s.t.Helper()
	p := s.h.Pod(name, restart, b)
	p.Namespace = "default"
	p.Spec.NodeName = s.h.Node
	p.Spec.RestartPolicy = restart
	if p.UID == "" {
		p.UID = "uid-" + name
	}
	if err := s.h.Runtime.CreatePod(context.Background(), p); err != nil {
		s.t.Fatalf("CreatePod(%s): %v", name, err)
	}
	return p
}

func (s *suite) pod(name string) *workload.Pod { return s.pods[name] }

// createWithSidecar creates a pod whose app container behaves as main and
// whose one init container is a sidecar named "proxy" that behaves as
// side, with a grace period of a second.
func (s *suite) createWithSidecar(name, restart string, main, side Behavior) {
	s.t.Helper()
	p := s.h.Pod(name, restart, main)
	p.Namespace, p.UID = "default", "uid-"+name
	p.Spec.NodeName, p.Spec.RestartPolicy = s.h.Node, restart
	p.Spec.TerminationGracePeriodSeconds = workload.Ptr[int64](1)
	c := s.h.Sidecar("proxy", side)
	c.RestartPolicy = workload.Ptr(workload.ContainerRestartPolicyAlways)
	p.Spec.InitContainers = append(p.Spec.InitContainers, c)
	if err := s.h.Runtime.CreatePod(context.Background(), p); err != nil {
		s.t.Fatalf("CreatePod(%s): %v", name, err)
	}
}

func sidecarStatus(p *workload.Pod) workload.ContainerStatus {
	if p == nil || len(p.Status.InitContainerStatuses) == 0 {
		return workload.ContainerStatus{}
	}
	return p.Status.InitContainerStatuses[len(p.Status.InitContainerStatuses)-1]
}

func terminated(p *workload.Pod) *workload.ContainerStateTerminated {
	if p == nil || len(p.Status.ContainerStatuses) == 0 {
		return nil
	}
	return p.Status.ContainerStatuses[0].State.Terminated
}

func restarts(p *workload.Pod) int32 {
	if p == nil || len(p.Status.ContainerStatuses) == 0 {
		return 0
	}
	return p.Status.ContainerStatuses[0].RestartCount
}

func phase(p *workload.Pod) string {
	if p == nil {
		return ""
	}
	return p.Status.Phase
}

func testErrors(t *testing.T, s *suite) {
	ctx := context.Background()
	p := s.h.Pod("no-node", workload.RestartPolicyNever, Behavior{RunFor: s.h.Tick})
	p.Namespace, p.UID = "default", "uid-no-node"
	p.Spec.NodeName = "no-such-node"
	if err := s.h.Runtime.CreatePod(ctx, p); !errors.Is(err, workload.ErrNodeNotFound) {
		t.Errorf("CreatePod on a missing node: %v, want ErrNodeNotFound", err)
	}
	s.create("twice", workload.RestartPolicyAlways, Behavior{})
	again := s.h.Pod("twice", workload.RestartPolicyAlways, Behavior{})
	again.Namespace, again.UID, again.Spec.NodeName = "default", "uid-twice-2", s.h.Node
	if err := s.h.Runtime.CreatePod(ctx, again); !errors.Is(err, workload.ErrPodExists) {
		t.Errorf("CreatePod twice: %v, want ErrPodExists", err)
	}
	if err := s.h.Runtime.DeletePod(ctx, "default", "no-such-pod", 0); !errors.Is(err, workload.ErrPodNotFound) {
		t.Errorf("DeletePod of a missing pod: %v, want ErrPodNotFound", err)
	}
	_ = s.h.Runtime.DeletePod(ctx, "default", "twice", 0)
	s.waitFor("pod twice gone", 10*s.h.Tick, func() bool { return s.pod("twice") == nil })
}

func testListThenWatch(t *testing.T, s *suite) {
	nodes, _, _, err := s.h.Runtime.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range nodes {
		if n.Name == s.h.Node {
			found = true
		}
	}
	if !found {
		t.Fatalf("List does not report node %q", s.h.Node)
	}
	s.create("listed", workload.RestartPolicyAlways, Behavior{})
	s.waitFor("pod listed reported", 10*s.h.Tick, func() bool { return s.pod("listed") != nil })
	if h := s.history["listed"]; h[0].typ != workload.Added || h[0].vers <= s.version {
		t.Fatalf("first report %s at version %d, want ADDED after the list's version %d", h[0].typ, h[0].vers, s.version)
	}
	_, pods, v2, err := s.h.Runtime.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v2 < s.history["listed"][0].vers {
		t.Fatalf("List version %d older than a change already watched (%d)", v2, s.history["listed"][0].vers)
	}
	found = false
	for _, p := range pods {
		if p.Name == "listed" && p.Namespace == "default" {
			found = p.Spec.NodeName == s.h.Node
		}
	}
	if !found {
		t.Fatal("List does not report the created pod on its node")
	}
	// The runtime keeps the pod's metadata as given.
	if got := s.pod("listed"); got.UID != "uid-listed" {
		t.Fatalf("pod uid %q, want the one given, uid-listed", got.UID)
	}
	_ = s.h.Runtime.DeletePod(context.Background(), "default", "listed", 0)
	s.waitFor("pod listed gone", 10*s.h.Tick, func() bool { return s.pod("listed") == nil })
}

func testRunToCompletion(t *testing.T, s *suite) {
	run := 2 * s.h.Tick
	s.create("done", workload.RestartPolicyNever, Behavior{RunFor: run})
	s.waitFor("pod done Succeeded", 20*s.h.Tick, func() bool { return phase(s.pod("done")) == workload.PodSucceeded })
	term := terminated(s.pod("done"))
	if term == nil || term.ExitCode != 0 {
		t.Fatalf("terminated state %+v, want exit code 0", term)
	}
	ran := term.FinishedAt.Sub(term.StartedAt.Time)
	if s.h.Virtual != nil && ran != run || s.h.Virtual == nil && ran < run-time.Second {
		t.Fatalf("ran %v (from %v to %v), want %v", ran, term.StartedAt, term.FinishedAt, run)
	}
	if p := s.pod("done"); p.Status.StartTime == nil {
		t.Fatal("no startTime")
	}
}

// testCreatePodLeavesInputAlone checks the CreatePod contract of
// workload.Runtime: the runtime does not change the pod it is given, nor
// anything it points to (the cluster passes its stored pod, which other
// readers share), however the pod runs. The runtime may keep the pod (the
// caller gives it up), so the caller does not change it either.
func testCreatePodLeavesInputAlone(t *testing.T, s *suite) {
	p := s.create("input", workload.RestartPolicyNever, Behavior{RunFor: 2 * s.h.Tick})
	before := p.DeepCopy()
	s.waitFor("pod input Succeeded", 20*s.h.Tick, func() bool { return phase(s.pod("input")) == workload.PodSucceeded })
	got := s.pod("input")
	for i, cs := range got.Status.ContainerStatuses {
		if cs.Name != before.Spec.Containers[i].Name {
			t.Errorf("container status %d is named %q, want %q as created", i, cs.Name, before.Spec.Containers[i].Name)
		}
	}
	if !reflect.DeepEqual(p, before) {
		t.Errorf("CreatePod changed its input:\nbefore %+v\nafter  %+v", before, p)
	}
}

func testExitCode(t *testing.T, s *suite) {
	s.create("three", workload.RestartPolicyNever, Behavior{RunFor: s.h.Tick, ExitCode: 3})
	s.waitFor("pod three Failed", 20*s.h.Tick, func() bool { return phase(s.pod("three")) == workload.PodFailed })
	if term := terminated(s.pod("three")); term == nil || term.ExitCode != 3 {
		t.Fatalf("terminated state %+v, want exit code 3", term)
	}
	if n := restarts(s.pod("three")); n != 0 {
		t.Fatalf("restartPolicy Never restarted %d times", n)
	}
}

func testOnFailureSucceeds(t *testing.T, s *suite) {
	s.create("ok", workload.RestartPolicyOnFailure, Behavior{RunFor: s.h.Tick})
	s.waitFor("pod ok Succeeded", 20*s.h.Tick, func() bool { return phase(s.pod("ok")) == workload.PodSucceeded })
	if n := restarts(s.pod("ok")); n != 0 {
		t.Fatalf("an OnFailure container that exited 0 restarted %d times", n)
	}
}

func testRestartBackoff(t *testing.T, s *suite) {
	if s.h.BackoffBase <= 0 {
		t.Skip("the harness gives no BackoffBase")
	}
	s.create("flaky", workload.RestartPolicyOnFailure, Behavior{RunFor: s.h.Tick, ExitCode: 1})
	limit := 10*s.h.Tick + 8*s.h.BackoffBase
	s.waitFor("pod flaky restarted twice", limit, func() bool { return restarts(s.pod("flaky")) >= 2 })
	if p := s.pod("flaky"); phase(p) == workload.PodSucceeded || phase(p) == workload.PodFailed {
		t.Fatalf("an OnFailure pod whose container fails is %s, want it restarting", phase(p))
	}
	// Each restart waits for its back-off after the run that failed: the
	// first none, the second BackoffBase.
	var finished, started []time.Time
	for _, r := range s.history["flaky"] {
		if len(r.pod.Status.ContainerStatuses) == 0 {
			continue
		}
		cs := r.pod.Status.ContainerStatuses[0]
		if cs.LastTerminationState.Terminated != nil {
			ft := cs.LastTerminationState.Terminated.FinishedAt.Time
			if len(finished) == 0 || !finished[len(finished)-1].Equal(ft) {
				finished = append(finished, ft)
			}
		}
		if cs.State.Running != nil {
			st := cs.State.Running.StartedAt.Time
			if len(started) == 0 || !started[len(started)-1].Equal(st) {
				started = append(started, st)
			}
		}
	}
	if len(finished) < 2 || len(started) < 3 {
		t.Fatalf("saw %d finished and %d started runs, want 2 and 3", len(finished), len(started))
	}
	for i, want := range []time.Duration{0, s.h.BackoffBase} {
		gap := started[i+1].Sub(finished[i])
		if s.h.Virtual != nil && gap != want || s.h.Virtual == nil && gap < want-time.Second/100 {
			t.Errorf("restart %d started %v after the failed run, want %v", i+1, gap, want)
		}
	}
	if p := s.pod("flaky"); p.Status.ContainerStatuses[0].LastTerminationState.Terminated.ExitCode != 1 {
		t.Fatalf("lastState exit code %d, want 1", p.Status.ContainerStatuses[0].LastTerminationState.Terminated.ExitCode)
	}
}

func testRestartAlways(t *testing.T, s *suite) {
	s.create("again", workload.RestartPolicyAlways, Behavior{RunFor: s.h.Tick})
	limit := 10*s.h.Tick + 4*max(s.h.BackoffBase, s.h.Tick)
	s.waitFor("pod again restarted", limit, func() bool { return restarts(s.pod("again")) >= 1 })
	if p := s.pod("again"); phase(p) != workload.PodRunning && phase(p) != workload.PodPending {
		t.Fatalf("restartPolicy Always pod is %s, want Running", phase(p))
	}
}

func testGracefulDeletion(t *testing.T, s *suite) {
	s.create("stubborn", workload.RestartPolicyAlways, Behavior{IgnoreStop: true})
	s.waitFor("pod stubborn running and ready", 20*s.h.Tick, func() bool {
		p := s.pod("stubborn")
		if phase(p) != workload.PodRunning {
			return false
		}
		for _, c := range p.Status.Conditions {
			if c.Type == workload.PodReady {
				return c.Status == workload.ConditionTrue
			}
		}
		return false
	})
	grace := 3 * s.h.Tick
	asked := s.now()
	if err := s.h.Runtime.DeletePod(context.Background(), "default", "stubborn", grace); err != nil {
		t.Fatal(err)
	}
	if s.h.Virtual != nil {
		s.advance(grace - s.h.Tick)
		if s.pod("stubborn") == nil {
			t.Fatal("pod gone before its grace period ended")
		}
	}
	s.waitFor("pod stubborn gone", grace+20*s.h.Tick, func() bool { return s.pod("stubborn") == nil })
	h := s.history["stubborn"]
	gone := h[len(h)-1].at
	if d := gone.Sub(asked); s.h.Virtual != nil && d != grace || s.h.Virtual == nil && d < grace-time.Second/100 {
		t.Fatalf("pod went %v after the delete, want %v (its grace period)", d, grace)
	}
	if h[len(h)-1].typ != workload.Deleted {
		t.Fatal("last report is not DELETED")
	}
}

func testDeleteFinished(t *testing.T, s *suite) {
	s.create("finished", workload.RestartPolicyNever, Behavior{RunFor: s.h.Tick})
	s.waitFor("pod finished Succeeded", 20*s.h.Tick, func() bool { return phase(s.pod("finished")) == workload.PodSucceeded })
	asked := s.now()
	if err := s.h.Runtime.DeletePod(context.Background(), "default", "finished", time.Hour); err != nil {
		t.Fatal(err)
	}
	s.waitFor("finished pod gone", 10*s.h.Tick, func() bool { return s.pod("finished") == nil })
	if s.h.Virtual != nil && !s.now().Equal(asked) {
		t.Fatalf("a finished pod went %v after its delete, want at once", s.now().Sub(asked))
	}
}

func testStatusInOrder(t *testing.T, s *suite) {
	s.create("ordered", workload.RestartPolicyNever, Behavior{RunFor: 2 * s.h.Tick})
	s.waitFor("pod ordered Succeeded", 20*s.h.Tick, func() bool { return phase(s.pod("ordered")) == workload.PodSucceeded })
	if err := s.h.Runtime.DeletePod(context.Background(), "default", "ordered", 0); err != nil {
		t.Fatal(err)
	}
	s.waitFor("pod ordered gone", 10*s.h.Tick, func() bool { return s.pod("ordered") == nil })
	rank := map[string]int{"": 0, workload.PodPending: 0, workload.PodRunning: 1, workload.PodSucceeded: 2, workload.PodFailed: 2}
	h := s.history["ordered"]
	if h[0].typ != workload.Added {
		t.Fatalf("first report %s, want ADDED", h[0].typ)
	}
	prev := 0
	for i, r := range h {
		if r.typ == workload.Deleted && i != len(h)-1 {
			t.Fatalf("report %d is DELETED but more follow", i)
		}
		if r.typ == workload.Deleted {
			continue
		}
		if rk := rank[r.pod.Status.Phase]; rk < prev {
			t.Fatalf("phase went back to %s at report %d", r.pod.Status.Phase, i)
		} else {
			prev = rk
		}
	}
	if prev != 2 {
		t.Fatal("never reported a terminal phase")
	}
}

func testWatchFromVersion(t *testing.T, s *suite) {
	s.create("replayed", workload.RestartPolicyAlways, Behavior{})
	s.waitFor("pod replayed reported", 10*s.h.Tick, func() bool { return s.pod("replayed") != nil })
	w, err := s.h.Runtime.Watch(context.Background(), s.version)
	if errors.Is(err, workload.ErrWatchExpired) {
		return // allowed: the caller lists again
	}
	if err != nil {
		t.Fatalf("Watch(%d): %v", s.version, err)
	}
	defer w.Stop()
	want := s.history["replayed"][0].vers
	for {
		ev, ok := w.TryNext()
		if !ok {
			if errors.Is(w.Err(), workload.ErrWatchExpired) {
				return
			}
			t.Fatalf("a watch from version %d did not replay the change at %d", s.version, want)
		}
		if ev.Version <= s.version {
			t.Fatalf("replayed version %d, not after %d", ev.Version, s.version)
		}
		if ev.Version == want {
			if p, ok := ev.Object.(*workload.Pod); !ok || p.Name != "replayed" || ev.Type != workload.Added {
				t.Fatalf("replayed %s %v at %d", ev.Type, ev.Object, ev.Version)
			}
			return
		}
	}
}

// String names a behaviour in messages.
func (b Behavior) String() string {
	return fmt.Sprintf("runFor=%v exit=%d ignoreStop=%v", b.RunFor, b.ExitCode, b.IgnoreStop)
}

// testSidecarJobCompletes: a Never pod whose app container exits 0 beside
// a sidecar (an init container with restartPolicy Always, which runs until
// stopped) ends Succeeded: the sidecar starts first, is stopped once the
// app container has exited, and its end does not count for the phase.
func testSidecarJobCompletes(t *testing.T, s *suite) {
	s.createWithSidecar("job", workload.RestartPolicyNever, Behavior{RunFor: 2 * s.h.Tick}, Behavior{})
	s.waitFor("pod job Succeeded", 20*s.h.Tick+5*time.Second, func() bool { return phase(s.pod("job")) == workload.PodSucceeded })
	p := s.pod("job")
	main, side := terminated(p), sidecarStatus(p).State.Terminated
	if main == nil || main.ExitCode != 0 || side == nil {
		t.Fatalf("app container %+v, sidecar %+v: want both terminated, the app container with 0", main, side)
	}
	if side.StartedAt.After(main.StartedAt.Time) || side.FinishedAt.Before(main.FinishedAt.Time) {
		t.Fatalf("sidecar ran %v to %v, app container %v to %v: the sidecar starts first and stops last",
			side.StartedAt, side.FinishedAt, main.StartedAt, main.FinishedAt)
	}
	if n := sidecarStatus(p).RestartCount; n != 0 {
		t.Fatalf("sidecar restarted %d times once stopped", n)
	}
	for _, r := range s.history["job"] {
		if r.pod.Status.Phase == workload.PodRunning && terminated(r.pod) != nil && sidecarStatus(r.pod).State.Running == nil && sidecarStatus(r.pod).State.Terminated == nil {
			t.Fatalf("report %d: the sidecar waits to restart after the app container exited", r.vers)
		}
	}
}

// testSidecarRestarts: a sidecar that exits is restarted whatever the
// pod's restartPolicy (Never here), with the crash-loop back-off, while
// the app container runs on and the pod stays Running.
func testSidecarRestarts(t *testing.T, s *suite) {
	s.createWithSidecar("crashy", workload.RestartPolicyNever, Behavior{}, Behavior{RunFor: s.h.Tick, ExitCode: 1})
	limit := 40*s.h.Tick + 4*s.h.BackoffBase
	s.waitFor("sidecar restarted twice", limit, func() bool { return sidecarStatus(s.pod("crashy")).RestartCount >= 2 })
	p := s.pod("crashy")
	if last := sidecarStatus(p).LastTerminationState.Terminated; last == nil || last.ExitCode != 1 {
		t.Fatalf("sidecar last state %+v, want exit code 1", last)
	}
	if c := p.Status.ContainerStatuses[0]; c.RestartCount != 0 || c.State.Running == nil || p.Status.Phase != workload.PodRunning {
		t.Fatalf("app container %+v, phase %s: want it running, never restarted, the pod Running", c, p.Status.Phase)
	}
	_ = s.h.Runtime.DeletePod(context.Background(), "default", "crashy", 0)
	s.waitFor("pod crashy gone", 20*s.h.Tick, func() bool { return s.pod("crashy") == nil })
}
