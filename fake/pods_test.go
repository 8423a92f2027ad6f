package fake

import (
	"context"
	"errors"
	"github.com/orchestra-go/orchestra/internal/podstatus"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
)

func TestRunsToCompletionAtExactTimes(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{Match: Match{Image: "perl*"}, StartDelay: 2 * time.Second, RunFor: dur(45 * time.Second)}}})
	h.create(newPod("pi", workload.RestartPolicyNever, nil, "perl:5.34"))
	h.create(newPod("plain", workload.RestartPolicyOnFailure, nil, "busybox"))

	p := h.pod("pi")
	if p.Status.Phase != workload.PodPending || p.Status.ContainerStatuses[0].State.Waiting.Reason != ReasonContainerCreating {
		t.Fatalf("at creation: phase %s, state %+v", p.Status.Phase, p.Status.ContainerStatuses[0].State)
	}
	if p.Status.PodIP != "10.244.0.2" || p.Status.HostIP == "" || !p.Status.StartTime.Equal(t0) {
		t.Fatalf("podIP %q hostIP %q startTime %v", p.Status.PodIP, p.Status.HostIP, p.Status.StartTime)
	}
	h.at(2*time.Second - 1)
	if ph := h.pod("pi").Status.Phase; ph != workload.PodPending {
		t.Fatalf("before startDelay: %s", ph)
	}
	h.at(2 * time.Second)
	c := h.ctr("pi")
	if h.pod("pi").Status.Phase != workload.PodRunning || !c.State.Running.StartedAt.Equal(t0.Add(2*time.Second)) || !c.Ready || !*c.Started {
		t.Fatalf("at 2s: %+v", c)
	}
	if ph := h.pod("plain").Status.Phase; ph != workload.PodRunning {
		t.Fatalf("default pod at 2s: %s", ph)
	}
	h.at(10 * time.Second)
	if ph := h.pod("plain").Status.Phase; ph != workload.PodSucceeded {
		t.Fatalf("default pod (10s, exit 0) at 10s: %s", ph)
	}
	h.at(47*time.Second - 1)
	if ph := h.pod("pi").Status.Phase; ph != workload.PodRunning {
		t.Fatalf("at 47s-1ns: %s", ph)
	}
	h.at(47 * time.Second)
	p = h.pod("pi")
	term := p.Status.ContainerStatuses[0].State.Terminated
	if p.Status.Phase != workload.PodSucceeded || term == nil || term.ExitCode != 0 || term.Reason != ReasonCompleted ||
		!term.StartedAt.Equal(t0.Add(2*time.Second)) || !term.FinishedAt.Equal(t0.Add(47*time.Second)) {
		t.Fatalf("at 47s: phase %s, terminated %+v", p.Status.Phase, term)
	}
	if r := cond(p, workload.PodReady); r.Status != workload.ConditionFalse || r.Reason != podstatus.ReasonPodCompleted || !r.LastTransitionTime.Equal(t0.Add(47*time.Second)) {
		t.Fatalf("Ready condition after completion: %+v", r)
	}
	if _, ok := h.clk.Next(); ok {
		t.Fatal("timers left after every pod finished")
	}
}

// restartTimes steps the clock until the container of pod has started n
// times and returns the start times as offsets from t0.
func restartTimes(h *harness, pod string, n int) []time.Duration {
	h.t.Helper()
	w, err := h.r.Watch(context.Background(), 0)
	h.must(err)
	defer w.Stop()
	var starts []time.Duration
	for len(starts) < n && h.clk.Step() {
		for _, ev := range drain(w) {
			p := ev.Object.(*workload.Pod)
			if run := p.Status.ContainerStatuses[0].State.Running; p.Name == pod && run != nil {
				starts = append(starts, run.StartedAt.Sub(t0))
			}
		}
	}
	return starts
}

func TestCrashLoopBackOff(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{RunFor: dur(time.Second), ExitCode: 1}}})
	h.create(newPod("crash", workload.RestartPolicyAlways, nil))
	got := restartTimes(h, "crash", 9)
	// Each run lasts 1 s; the delays after the exits are 0 (the first
	// restart is immediate, as the kubelet's doBackOff), 10, 20, 40, 80,
	// 160, 300, 300 s.
	want := []time.Duration{0}
	for _, d := range []time.Duration{0, 10, 20, 40, 80, 160, 300, 300} {
		want = append(want, want[len(want)-1]+time.Second+d*time.Second)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("start times (-want +got):\n%s", diff)
	}
	c := h.ctr("crash")
	if c.RestartCount != 8 {
		t.Errorf("restartCount = %d, want 8", c.RestartCount)
	}
	// Let the ninth run exit: the container waits in CrashLoopBackOff with
	// that run as its lastState.
	h.clk.Step()
	c = h.ctr("crash")
	if c.State.Waiting == nil || c.State.Waiting.Reason != ReasonCrashLoopBackOff || c.Ready {
		t.Fatalf("after exit: state %+v", c.State)
	}
	last := c.LastTerminationState.Terminated
	if last == nil || last.ExitCode != 1 || last.Reason != ReasonError || !last.FinishedAt.Equal(t0.Add(want[8]+time.Second)) {
		t.Fatalf("lastState = %+v", last)
	}
	if ph := h.pod("crash").Status.Phase; ph != workload.PodRunning {
		t.Errorf("crash-looping pod phase = %s, want Running", ph)
	}
}

func TestBackOffResetsAfterTenMinutesOfRunning(t *testing.T) {
	for _, tc := range []struct {
		runFor time.Duration
		delays []time.Duration // between an exit and the next start
	}{
		// Runs longer than 10 minutes reset the back-off (the kubelet's
		// flowcontrol.Backoff expires an entry not updated for more than
		// twice its 5-minute maximum): every restart is immediate.
		{10*time.Minute + time.Second, []time.Duration{0, 0, 0}},
		{10 * time.Minute, []time.Duration{0, 10 * time.Second, 20 * time.Second}},
		{10*time.Minute - time.Second, []time.Duration{0, 10 * time.Second, 20 * time.Second}},
	} {
		t.Run(tc.runFor.String(), func(t *testing.T) {
			h := newHarness(t, Config{Behaviors: []Behavior{{RunFor: dur(tc.runFor), ExitCode: 2}}})
			h.create(newPod("p", workload.RestartPolicyAlways, nil))
			starts := restartTimes(h, "p", 4)
			var delays []time.Duration
			for i := 1; i < len(starts); i++ {
				delays = append(delays, starts[i]-starts[i-1]-tc.runFor)
			}
			if diff := cmp.Diff(tc.delays, delays); diff != "" {
				t.Fatalf("delays (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRestartPolicies(t *testing.T) {
	for _, tc := range []struct {
		name     string
		policy   string
		b        Behavior
		at       time.Duration
		phase    string
		restarts int32
	}{
		{"Never exit 0", workload.RestartPolicyNever, Behavior{RunFor: dur(time.Second)}, time.Hour, workload.PodSucceeded, 0},
		{"Never exit 1", workload.RestartPolicyNever, Behavior{RunFor: dur(time.Second), ExitCode: 1}, time.Hour, workload.PodFailed, 0},
		{"OnFailure exit 0", workload.RestartPolicyOnFailure, Behavior{RunFor: dur(time.Second)}, time.Hour, workload.PodSucceeded, 0},
		// 1 s run, restart at once, 1 s run, 10 s back-off, 1 s: done at 13 s.
		{"OnFailure fails twice", workload.RestartPolicyOnFailure, Behavior{RunFor: dur(time.Second), FailFirst: 2}, 13 * time.Second, workload.PodSucceeded, 2},
		{"OnFailure exit 1 forever", workload.RestartPolicyOnFailure, Behavior{RunFor: dur(time.Second), ExitCode: 1}, 13 * time.Second, workload.PodRunning, 2},
		{"Always exit 0 restarts", workload.RestartPolicyAlways, Behavior{RunFor: dur(time.Second)}, 13 * time.Second, workload.PodRunning, 2},
		{"empty policy is Always", "", Behavior{RunFor: dur(time.Second)}, 13 * time.Second, workload.PodRunning, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{Behaviors: []Behavior{tc.b}})
			h.create(newPod("p", tc.policy, nil))
			h.at(tc.at)
			p := h.pod("p")
			if p.Status.Phase != tc.phase || p.Status.ContainerStatuses[0].RestartCount != tc.restarts {
				t.Fatalf("phase %s restarts %d, want %s %d", p.Status.Phase, p.Status.ContainerStatuses[0].RestartCount, tc.phase, tc.restarts)
			}
		})
	}
}

func TestGracefulDeletion(t *testing.T) {
	h := newHarness(t, Config{})
	h.create(newPod("web", workload.RestartPolicyAlways, nil))
	h.at(5 * time.Second)
	w, err := h.r.Watch(context.Background(), 0)
	h.must(err)
	defer w.Stop()
	h.must(h.r.DeletePod(context.Background(), "default", "web", 30*time.Second))
	h.at(20 * time.Second)
	// A longer grace changes nothing; the pod reports nothing new while it
	// terminates, Ready included.
	h.must(h.r.DeletePod(context.Background(), "default", "web", time.Hour))
	p := h.pod("web")
	if cond(p, workload.PodReady).Status != workload.ConditionTrue || p.Status.Phase != workload.PodRunning {
		t.Fatalf("terminating pod: phase %s, Ready %+v", p.Status.Phase, cond(p, workload.PodReady))
	}
	h.at(35*time.Second - 1)
	if h.gone("web") {
		t.Fatal("pod gone before its grace period ended")
	}
	h.at(35 * time.Second)
	if !h.gone("web") {
		t.Fatal("pod still there when its grace period ended")
	}
	// At the end the kubelet reports the pod terminal (its container
	// killed: 137, phase Failed), then it is gone.
	evs := drain(w)
	if len(evs) != 2 || evs[0].Type != workload.Modified || evs[1].Type != workload.Deleted || evs[1].Object.GetObjectMeta().Name != "web" {
		t.Fatalf("events during deletion: %+v", evs)
	}
	last := evs[0].Object.(*workload.Pod)
	if ts := last.Status.ContainerStatuses[0].State.Terminated; last.Status.Phase != workload.PodFailed || ts == nil || ts.ExitCode != CrashExitCode {
		t.Fatalf("last status: phase %s, container %+v; want Failed, killed with 137", last.Status.Phase, last.Status.ContainerStatuses[0].State)
	}
	if err := h.r.DeletePod(context.Background(), "default", "web", 0); !errors.Is(err, workload.ErrPodNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestDeletionShortenedAndImmediate(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{Match: Match{PodName: "short-*"}, RunFor: dur(12 * time.Second)}}})
	ctx := context.Background()
	for _, n := range []string{"a", "b", "short-c"} {
		h.create(newPod(n, workload.RestartPolicyAlways, nil))
	}
	h.create(newPod("done", workload.RestartPolicyNever, nil))
	h.at(10 * time.Second) // "done" ran its default 10 s
	h.must(h.r.DeletePod(ctx, "default", "a", time.Minute))
	h.must(h.r.DeletePod(ctx, "default", "b", 0))
	h.must(h.r.DeletePod(ctx, "default", "done", time.Minute))
	h.must(h.r.DeletePod(ctx, "default", "short-c", time.Minute))
	if !h.gone("b") || !h.gone("done") {
		t.Fatal("grace 0 and a finished pod must go at once")
	}
	h.at(11 * time.Second)
	h.must(h.r.DeletePod(ctx, "default", "a", 4*time.Second)) // now ends at 15 s, not 70 s
	h.at(12 * time.Second)
	if !h.gone("short-c") {
		t.Fatal("a terminating pod whose container exits is gone then")
	}
	h.at(15*time.Second - 1)
	if h.gone("a") {
		t.Fatal("a gone early")
	}
	h.at(15 * time.Second)
	if !h.gone("a") {
		t.Fatal("shorter second grace period not applied")
	}
	// Released IPs are given again, lowest first.
	h.create(newPod("next", workload.RestartPolicyAlways, nil))
	if ip := h.pod("next").Status.PodIP; ip != "10.244.0.2" {
		t.Fatalf("pod IP after release = %s, want 10.244.0.2", ip)
	}
}

func TestExitCodesAcrossPodsAndFailFirstPerPod(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Labels: "app in (a,b,c,d)"}, RunFor: dur(time.Second), ExitCodes: []int32{1, 0, 1}, ExitCode: 3},
		{Match: Match{Container: "c0", Image: "job*"}, RunFor: dur(time.Second), FailFirst: 2, FailExitCode: 7},
	}})
	for i, n := range []string{"a", "b", "c", "d"} {
		h.at(time.Duration(i) * time.Second) // start in order a, b, c, d
		h.create(newPod(n, workload.RestartPolicyNever, nil))
	}
	h.create(newPod("j1", workload.RestartPolicyOnFailure, nil, "job:1"))
	h.create(newPod("j2", workload.RestartPolicyOnFailure, nil, "job:1"))
	h.at(time.Hour)
	for n, want := range map[string]int32{"a": 1, "b": 0, "c": 1, "d": 3} {
		if got := h.ctr(n).State.Terminated.ExitCode; got != want {
			t.Errorf("pod %s exited %d, want %d", n, got, want)
		}
	}
	for _, n := range []string{"j1", "j2"} {
		c := h.ctr(n)
		if c.RestartCount != 2 || c.LastTerminationState.Terminated.ExitCode != 7 || h.pod(n).Status.Phase != workload.PodSucceeded {
			t.Errorf("pod %s: restarts %d lastState %+v phase %s", n, c.RestartCount, c.LastTerminationState.Terminated, h.pod(n).Status.Phase)
		}
	}
}

func TestReadiness(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{PodName: "slow"}, StartDelay: time.Second, ReadyAfter: 5 * time.Second},
		{Match: Match{PodName: "never"}, NeverReady: true},
	}})
	h.create(newPod("slow", workload.RestartPolicyAlways, nil))
	h.create(newPod("never", workload.RestartPolicyAlways, nil))
	h.at(6*time.Second - 1)
	if p := h.pod("slow"); p.Status.Phase != workload.PodRunning || cond(p, workload.PodReady).Status != workload.ConditionFalse {
		t.Fatalf("before readyAfter: %s %+v", p.Status.Phase, cond(p, workload.PodReady))
	}
	h.at(6 * time.Second)
	p := h.pod("slow")
	if r := cond(p, workload.PodReady); r.Status != workload.ConditionTrue || !r.LastTransitionTime.Equal(t0.Add(6*time.Second)) ||
		cond(p, workload.ContainersReady).Status != workload.ConditionTrue || !p.Status.ContainerStatuses[0].Ready {
		t.Fatalf("after readyAfter: %+v", p.Status.Conditions)
	}
	h.at(time.Hour)
	if p := h.pod("never"); p.Status.Phase != workload.PodRunning || cond(p, workload.PodReady).Status != workload.ConditionFalse {
		t.Fatalf("neverReady: %s %+v", p.Status.Phase, cond(p, workload.PodReady))
	}
}

func TestCrashAfter(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{CrashAfter: 10 * time.Minute}}})
	h.create(newPod("p", workload.RestartPolicyAlways, nil))
	h.at(10 * time.Minute)
	c := h.ctr("p")
	last := c.LastTerminationState.Terminated
	if last == nil || last.ExitCode != CrashExitCode || last.Reason != ReasonError || !last.FinishedAt.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("lastState = %+v", last)
	}
}

func TestAnnotationsWinOverRules(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{RunFor: dur(45 * time.Second), ExitCodes: []int32{1}, StartDelay: time.Second}}})
	h.create(newPod("ann", workload.RestartPolicyNever, map[string]string{
		AnnotationRunFor: "5s", AnnotationExitCode: "4", AnnotationStartDelay: "0s",
	}))
	h.create(newPod("rule", workload.RestartPolicyNever, nil))
	h.at(5 * time.Second)
	term := h.ctr("ann").State.Terminated
	if term == nil || term.ExitCode != 4 || !term.FinishedAt.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("annotated pod: %+v", term)
	}
	h.at(46 * time.Second)
	// The annotated run counted as the rule's first: exitCodes[0] is spent.
	if term := h.ctr("rule").State.Terminated; term == nil || term.ExitCode != 0 {
		t.Fatalf("rule pod: %+v", term)
	}
	// Annotations alone, on defaults: an Always pod that exits after 1 s.
	h.create(newPod("ann2", workload.RestartPolicyAlways, map[string]string{AnnotationRunFor: "1s", AnnotationNeverReady: "true", AnnotationFailFirst: "1", AnnotationFailExitCode: "9"}))
	h.at(46*time.Second + time.Second) // startDelay 1 s from the rule
	h.at(48 * time.Second)
	if c := h.ctr("ann2"); c.LastTerminationState.Terminated == nil || c.LastTerminationState.Terminated.ExitCode != 9 {
		t.Fatalf("ann2: %+v", c)
	}
}

func TestBadInput(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		pod  *workload.Pod
		is   error
		text string
	}{
		{"nil", nil, ErrInvalid, "pod is nil"},
		{"no name", &workload.Pod{Spec: workload.PodSpec{NodeName: "node-a"}}, ErrInvalid, "metadata.name"},
		{"no node", &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "x"}, Spec: workload.PodSpec{NodeName: "nope"}}, workload.ErrNodeNotFound, "Pod/default/x"},
		{"bad annotation", newPod("y", "", map[string]string{AnnotationRunFor: "soon"}), ErrInvalid, "metadata.annotations[sim.orchestra.dev/run-for]"},
		{"bad bool", newPod("y", "", map[string]string{AnnotationNeverReady: "maybe"}), ErrInvalid, "never-ready"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := h.r.CreatePod(ctx, tc.pod)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.is, tc.text)
			}
		})
	}
	h.create(newPod("dup", "", nil))
	if err := h.r.CreatePod(ctx, newPod("dup", "", nil)); !errors.Is(err, workload.ErrPodExists) || !strings.Contains(err.Error(), "Pod/default/dup") {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := New(Config{Behaviors: []Behavior{{Match: Match{Labels: "a in"}}}}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "Behaviors[0].Match.Labels") {
		t.Fatalf("bad selector: %v", err)
	}
	if _, err := New(Config{Behaviors: []Behavior{{}, {Match: Match{Image: "["}}}}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "Behaviors[1].Match.Image") {
		t.Fatalf("bad glob: %v", err)
	}
	if _, err := New(Config{PodCIDRBase: "fe80::/64"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad CIDR: %v", err)
	}
}

func TestMetadataKeptAsGiven(t *testing.T) {
	h := newHarness(t, Config{})
	p := newPod("p", "", nil)
	p.UID = "uid-1"
	p.ResourceVersion = "999"
	p.CreationTimestamp = workload.NewTime(t0.Add(-time.Hour))
	p.OwnerReferences = []workload.OwnerReference{{Kind: "ReplicaSet", Name: "rs", UID: "rs-uid"}}
	h.create(p)
	got := h.pod("p")
	if got.UID != "uid-1" || !got.CreationTimestamp.Equal(t0.Add(-time.Hour)) || len(got.OwnerReferences) != 1 || got.ResourceVersion == "999" {
		t.Fatalf("metadata: %+v", got.ObjectMeta)
	}
}

func TestInitContainers(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Container: "migrate"}, RunFor: dur(5 * time.Second)},
		{Match: Match{Container: "fail"}, RunFor: dur(time.Second), ExitCode: 1},
	}})
	mk := func(name, policy, init string) *workload.Pod {
		p := newPod(name, policy, nil)
		p.Spec.InitContainers = []workload.Container{{Name: "setup", Image: "x"}, {Name: init, Image: "x"}}
		return p
	}
	h.create(mk("ok", workload.RestartPolicyAlways, "migrate"))
	h.create(mk("bad", workload.RestartPolicyNever, "fail"))
	h.create(mk("retry", workload.RestartPolicyAlways, "fail"))
	h.at(0)
	p := h.pod("ok")
	if p.Status.InitContainerStatuses[0].State.Terminated == nil || p.Status.InitContainerStatuses[1].State.Running == nil ||
		p.Status.ContainerStatuses[0].State.Waiting.Reason != ReasonPodInitializing || p.Status.Phase != workload.PodPending {
		t.Fatalf("at 0: %+v", p.Status)
	}
	h.at(5 * time.Second)
	p = h.pod("ok")
	if p.Status.Phase != workload.PodRunning || cond(p, workload.PodInitialized).Status != workload.ConditionTrue || !p.Status.InitContainerStatuses[1].Ready {
		t.Fatalf("at 5s: %s %+v", p.Status.Phase, p.Status.Conditions)
	}
	h.at(time.Minute)
	if p := h.pod("bad"); p.Status.Phase != workload.PodFailed || p.Status.ContainerStatuses[0].State.Waiting == nil {
		t.Fatalf("failed init, Never: %+v", p.Status)
	}
	p = h.pod("retry")
	if p.Status.Phase != workload.PodPending || p.Status.InitContainerStatuses[1].RestartCount < 2 {
		t.Fatalf("failed init, Always: %s %+v", p.Status.Phase, p.Status.InitContainerStatuses[1])
	}
}

// TestStopAfter: a container with StopAfter (here by annotation) handles
// SIGTERM: it exits 0 that long after its pod is deleted, and the pod,
// Succeeded, is gone then; a run that would end sooner ends as planned.
// A bad value is refused, naming the annotation.
func TestStopAfter(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{Match: Match{PodName: "soon"}, RunFor: dur(12 * time.Second), ExitCode: 3, StopAfter: dur(5 * time.Second)}}})
	ctx := context.Background()
	h.create(newPod("web", workload.RestartPolicyAlways, map[string]string{AnnotationStopAfter: "2s"}))
	h.create(newPod("soon", workload.RestartPolicyAlways, nil))
	h.at(10 * time.Second)
	w, err := h.r.Watch(ctx, 0)
	h.must(err)
	defer w.Stop()
	h.must(h.r.DeletePod(ctx, "default", "web", 30*time.Second))
	h.must(h.r.DeletePod(ctx, "default", "soon", 30*time.Second))
	h.at(12*time.Second - 1)
	if h.gone("web") || h.gone("soon") {
		t.Fatal("a pod went before its container stopped")
	}
	h.at(12 * time.Second)
	if !h.gone("web") || !h.gone("soon") {
		t.Fatalf("web gone %v, soon gone %v at 12 s: want both gone", h.gone("web"), h.gone("soon"))
	}
	last := map[string]*workload.Pod{}
	for _, ev := range drain(w) {
		if ev.Type == workload.Modified {
			p := ev.Object.(*workload.Pod)
			last[p.Name] = p
		}
	}
	for name, want := range map[string]struct {
		phase string
		code  int32
	}{"web": {workload.PodSucceeded, 0}, "soon": {workload.PodFailed, 3}} {
		p := last[name]
		if p == nil {
			t.Fatalf("%s: no terminal report before it went", name)
		}
		ts := p.Status.ContainerStatuses[0].State.Terminated
		if p.Status.Phase != want.phase || ts == nil || ts.ExitCode != want.code || !ts.FinishedAt.Equal(t0.Add(12*time.Second)) {
			t.Errorf("%s: phase %s, terminated %+v; want %s, exit %d at 12 s", name, p.Status.Phase, ts, want.phase, want.code)
		}
	}
	err = h.r.CreatePod(ctx, newPod("bad", "", map[string]string{AnnotationStopAfter: "soon"}))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), AnnotationStopAfter) {
		t.Errorf("bad stop-after: %v, want ErrInvalid naming %s", err, AnnotationStopAfter)
	}
}

// UnmatchedBehaviors names the rules no container has matched yet: here
// the typo "app=wbe" and the rule shadowed by the catch-all before it.
func TestUnmatchedBehaviors(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Labels: "app=wbe"}, RunFor: dur(time.Second)},
		{Match: Match{Image: "busy*"}, RunFor: dur(time.Second)},
		{RunFor: dur(2 * time.Second)},
		{Match: Match{Labels: "app=web"}, RunFor: dur(time.Second)},
	}})
	if got, want := h.r.UnmatchedBehaviors(), []int{0, 1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("before any pod: %v, want %v", got, want)
	}
	h.create(newPod("web", workload.RestartPolicyNever, nil, "busybox"))
	h.create(newPod("db", workload.RestartPolicyNever, nil, "mysql"))
	if got, want := h.r.UnmatchedBehaviors(), []int{0, 3}; !slices.Equal(got, want) {
		t.Errorf("after web and db: %v, want %v", got, want)
	}
}

// SetContainerReady plays a readiness probe: false makes a running
// container not ready without restarting it, and it stays not ready
// across restarts; true makes it ready again, but not before its
// ReadyAfter in the current run.
func TestSetContainerReady(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Labels: "app=slow"}, ReadyAfter: 5 * time.Second},
	}})
	h.create(newPod("web", workload.RestartPolicyAlways, nil))
	h.at(time.Second)
	if !h.ctr("web").Ready || cond(h.pod("web"), workload.PodReady).Status != workload.ConditionTrue {
		t.Fatal("web is not ready at 1s")
	}
	h.must(h.r.SetContainerReady("default", "web", "c0", false))
	p := h.pod("web")
	if c := h.ctr("web"); c.Ready || c.State.Running == nil || c.RestartCount != 0 || p.Status.Phase != workload.PodRunning {
		t.Errorf("after a failing probe: ready=%v running=%v restarts=%d phase=%s, want not ready, running, 0 restarts, Running", c.Ready, c.State.Running != nil, c.RestartCount, p.Status.Phase)
	}
	for _, typ := range []string{workload.PodReady, workload.ContainersReady} {
		if got := cond(p, typ).Status; got != workload.ConditionFalse {
			t.Errorf("%s is %s, want False", typ, got)
		}
	}
	h.must(h.r.KillContainer("default", "web", "c0", 1))
	h.at(2 * time.Second)
	if c := h.ctr("web"); c.RestartCount != 1 || c.State.Running == nil || c.Ready {
		t.Errorf("after a restart: restarts=%d running=%v ready=%v, want 1, running, not ready (the probe still fails)", c.RestartCount, c.State.Running != nil, c.Ready)
	}
	h.must(h.r.SetContainerReady("default", "web", "c0", true))
	if !h.ctr("web").Ready || cond(h.pod("web"), workload.PodReady).Status != workload.ConditionTrue {
		t.Error("web is not ready after the probe succeeds again")
	}

	// ReadyAfter still holds: a probe that succeeds does not make a
	// container ready before its behaviour does.
	slow := newPod("slow", workload.RestartPolicyAlways, nil)
	slow.Labels = map[string]string{"app": "slow"}
	h.create(slow)
	h.at(3 * time.Second)
	h.must(h.r.SetContainerReady("default", "slow", "c0", false))
	h.must(h.r.SetContainerReady("default", "slow", "c0", true))
	if h.ctr("slow").Ready {
		t.Error("slow is ready before its ReadyAfter")
	}
	h.at(10 * time.Second)
	if !h.ctr("slow").Ready {
		t.Error("slow is not ready after its ReadyAfter")
	}
	h.must(h.r.SetContainerReady("default", "slow", "c0", false))
	h.at(20 * time.Second)
	if h.ctr("slow").Ready {
		t.Error("slow became ready again while its probe fails")
	}

	// Bad input is refused and changes nothing.
	withInit := newPod("init", workload.RestartPolicyAlways, nil)
	withInit.Spec.InitContainers = []workload.Container{{Name: "setup", Image: "busybox"}}
	h.create(withInit)
	for _, tc := range []struct {
		pod, ctr string
		want     error
	}{
		{"nope", "c0", workload.ErrPodNotFound},
		{"web", "nope", ErrContainerNotFound},
		{"init", "setup", ErrInvalid},
	} {
		if err := h.r.SetContainerReady("default", tc.pod, tc.ctr, false); !errors.Is(err, tc.want) {
			t.Errorf("SetContainerReady(%s, %s): %v, want %v", tc.pod, tc.ctr, err, tc.want)
		}
	}
	if !h.ctr("web").Ready {
		t.Error("a refused call changed web")
	}
}
