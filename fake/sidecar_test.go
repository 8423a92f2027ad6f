package fake

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// sidecarPod is a pod whose init containers are setup (plain), then proxy
// (a sidecar), then a second plain init container, late, and app c0.
func sidecarPod(name, policy string) *workload.Pod {
	p := newPod(name, policy, nil, "app")
	p.Spec.TerminationGracePeriodSeconds = workload.Ptr[int64](5)
	p.Spec.InitContainers = []workload.Container{
		{Name: "setup", Image: "setup"},
		{Name: "proxy", Image: "proxy", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
		{Name: "late", Image: "late"},
	}
	return p
}

func initStatus(p *workload.Pod, name string) workload.ContainerStatus {
	for _, s := range p.Status.InitContainerStatuses {
		if s.Name == name {
			return s
		}
	}
	return workload.ContainerStatus{}
}

// A sidecar starts in its turn among the init containers, lets the next
// one start once it has started, runs beside the app container, and is
// ready (its readiness counts for the pod's).
func TestSidecarStartOrder(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Container: "setup"}, RunFor: dur(2 * time.Second)},
		{Match: Match{Container: "proxy"}, StartDelay: 3 * time.Second, ReadyAfter: 4 * time.Second},
		{Match: Match{Container: "late"}, RunFor: dur(time.Second)},
	}})
	h.create(sidecarPod("web", workload.RestartPolicyAlways))
	h.at(2 * time.Second) // setup done; proxy created, starting in 3 s
	p := h.pod("web")
	if s := initStatus(p, "proxy"); s.State.Running != nil || initStatus(p, "late").State.Running != nil {
		t.Fatalf("at 2s: proxy %+v, late %+v: nothing runs yet", s.State, initStatus(p, "late").State)
	}
	h.at(5 * time.Second) // proxy starts; late starts beside it
	p = h.pod("web")
	if s := initStatus(p, "proxy"); s.State.Running == nil || s.Started == nil || !*s.Started {
		t.Fatalf("at 5s proxy %+v, want running and started", s)
	}
	if s := initStatus(p, "late"); s.State.Running == nil {
		t.Fatalf("at 5s late %+v, want running once proxy started", s.State)
	}
	if p.Status.Phase != workload.PodPending || cond(p, workload.PodInitialized).Status != workload.ConditionFalse {
		t.Fatalf("at 5s phase %s, Initialized %s: want Pending, False", p.Status.Phase, cond(p, workload.PodInitialized).Status)
	}
	h.at(6 * time.Second) // late done: c0 starts, the pod is initialized
	p = h.pod("web")
	if p.Status.ContainerStatuses[0].State.Running == nil || cond(p, workload.PodInitialized).Status != workload.ConditionTrue {
		t.Fatalf("at 6s c0 %+v, Initialized %s", p.Status.ContainerStatuses[0].State, cond(p, workload.PodInitialized).Status)
	}
	if p.Status.Phase != workload.PodRunning || cond(p, workload.PodReady).Status != workload.ConditionFalse {
		t.Fatalf("at 6s phase %s, Ready %s: want Running, not Ready (proxy not ready yet)", p.Status.Phase, cond(p, workload.PodReady).Status)
	}
	if got := cond(p, workload.ContainersReady).Message; got != "containers with unready status: [proxy]" {
		t.Fatalf("ContainersReady message %q", got)
	}
	h.at(9 * time.Second) // proxy ready
	if p = h.pod("web"); cond(p, workload.PodReady).Status != workload.ConditionTrue {
		t.Fatalf("at 9s Ready %s, want True", cond(p, workload.PodReady).Status)
	}
	// A sidecar's readiness probe failing makes the pod not Ready.
	h.must(h.r.SetContainerReady("default", "web", "proxy", false))
	if p = h.pod("web"); cond(p, workload.PodReady).Status != workload.ConditionFalse || !p.Status.ContainerStatuses[0].Ready {
		t.Fatalf("proxy unready: pod Ready %s", cond(p, workload.PodReady).Status)
	}
}

// A sidecar that exits is restarted whatever the pod's restartPolicy,
// with the crash-loop back-off, while the app container runs on.
func TestSidecarRestartsUnderNever(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Container: "c0"}, RunFor: dur(time.Hour)},
	}})
	p := sidecarPod("job", workload.RestartPolicyNever)
	p.Spec.InitContainers = p.Spec.InitContainers[1:2]
	h.create(p)
	h.at(time.Second)
	h.must(h.r.KillContainer("default", "job", "proxy", 1))
	p = h.pod("job")
	s := initStatus(p, "proxy")
	if s.RestartCount != 1 || s.State.Running == nil || p.Status.Phase != workload.PodRunning {
		t.Fatalf("after the first crash: proxy %+v, phase %s: want restarted at once, Running", s, p.Status.Phase)
	}
	h.must(h.r.KillContainer("default", "job", "proxy", 1))
	if s = initStatus(h.pod("job"), "proxy"); s.State.Waiting == nil || s.State.Waiting.Reason != ReasonCrashLoopBackOff {
		t.Fatalf("after the second crash: %+v, want CrashLoopBackOff", s.State)
	}
	h.at(12 * time.Second)
	p = h.pod("job")
	if s = initStatus(p, "proxy"); s.RestartCount != 2 || s.State.Running == nil {
		t.Fatalf("after the back-off: %+v", s)
	}
	if c := p.Status.ContainerStatuses[0]; c.RestartCount != 0 || c.State.Running == nil || p.Status.Phase != workload.PodRunning {
		t.Fatalf("c0 %+v, phase %s: the app container runs on", c, p.Status.Phase)
	}
}

// When the app containers of a Never pod have exited, the sidecars are
// stopped, the last declared first, and the phase comes from the app
// containers alone: Succeeded although a sidecar was killed (137).
func TestSidecarsStoppedWhenAppsFinish(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Container: "c0"}, RunFor: dur(10 * time.Second)},
		{Match: Match{Container: "first"}, StopAfter: dur(time.Second)},
	}})
	p := newPod("job", workload.RestartPolicyNever, nil, "app")
	p.Spec.TerminationGracePeriodSeconds = workload.Ptr[int64](5)
	p.Spec.InitContainers = []workload.Container{
		{Name: "first", Image: "s", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
		{Name: "second", Image: "s", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
	}
	h.create(p)
	h.at(10 * time.Second) // c0 exits 0; second is asked to stop (it ignores SIGTERM)
	p = h.pod("job")
	if p.Status.Phase != workload.PodRunning || initStatus(p, "first").State.Running == nil || initStatus(p, "second").State.Running == nil {
		t.Fatalf("at 10s phase %s: want Running with both sidecars running", p.Status.Phase)
	}
	h.at(15 * time.Second) // the grace period ends: second is killed; first is asked now (2 s of grace), exits 1 s later
	p = h.pod("job")
	if s := initStatus(p, "second"); s.State.Terminated == nil || s.State.Terminated.ExitCode != CrashExitCode {
		t.Fatalf("at 15s second %+v, want killed", s.State)
	}
	if s := initStatus(p, "second"); s.RestartCount != 0 {
		t.Fatal("a stopped sidecar was restarted")
	}
	if p.Status.Phase != workload.PodRunning {
		t.Fatalf("at 15s phase %s, want Running until first has stopped", p.Status.Phase)
	}
	h.at(16 * time.Second)
	p = h.pod("job")
	if s := initStatus(p, "first"); s.State.Terminated == nil || s.State.Terminated.ExitCode != 0 {
		t.Fatalf("at 16s first %+v, want exited 0 after its StopAfter", s.State)
	}
	if p.Status.Phase != workload.PodSucceeded {
		t.Fatalf("phase %s, want Succeeded", p.Status.Phase)
	}
}

// On deletion the sidecars are stopped after the app containers.
func TestSidecarStoppedAfterAppsOnDelete(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Container: "c0"}, StopAfter: dur(2 * time.Second)},
		{Match: Match{Container: "proxy"}, StopAfter: dur(time.Second)},
	}})
	p := sidecarPod("web", workload.RestartPolicyAlways)
	p.Spec.InitContainers = p.Spec.InitContainers[1:2]
	p.Spec.TerminationGracePeriodSeconds = workload.Ptr[int64](30)
	h.create(p)
	h.at(time.Second)
	h.must(h.r.DeletePod(t.Context(), "default", "web", 30*time.Second))
	h.at(3 * time.Second) // c0 exits at 3 s; proxy is asked then
	p = h.pod("web")
	if p.Status.ContainerStatuses[0].State.Terminated == nil || initStatus(p, "proxy").State.Running == nil {
		t.Fatalf("at 3s c0 %+v, proxy %+v: want c0 exited, proxy still running", p.Status.ContainerStatuses[0].State, initStatus(p, "proxy").State)
	}
	h.at(4 * time.Second)
	if !h.gone("web") {
		t.Fatal("pod still there once proxy stopped")
	}
}

// An init container that fails under restartPolicy Never fails the pod;
// the sidecar started before it is stopped, not restarted.
func TestSidecarStoppedWhenInitFails(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Container: "late"}, RunFor: dur(time.Second), ExitCode: 3},
	}})
	p := sidecarPod("job", workload.RestartPolicyNever)
	h.create(p)
	h.at(time.Second)
	p = h.pod("job")
	if p.Status.Phase != workload.PodFailed {
		t.Fatalf("phase %s, want Failed", p.Status.Phase)
	}
	h.at(10 * time.Second) // the grace period (5 s) is over
	p = h.pod("job")
	if s := initStatus(p, "proxy"); s.State.Terminated == nil || s.RestartCount != 0 {
		t.Fatalf("proxy %+v: want stopped, not restarted", s)
	}
	if p.Status.ContainerStatuses[0].State.Waiting == nil {
		t.Fatalf("c0 %+v: it never starts", p.Status.ContainerStatuses[0].State)
	}
}

// A sidecar that crashes while a later init container runs is restarted
// at once, whatever the pod's restartPolicy, and the pod goes on
// initializing.
func TestSidecarRestartsDuringInit(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Container: "late"}, RunFor: dur(time.Minute)},
	}})
	h.create(sidecarPod("job", workload.RestartPolicyNever))
	h.at(10 * time.Second)
	h.must(h.r.KillContainer("default", "job", "proxy", 2))
	p := h.pod("job")
	if s := initStatus(p, "proxy"); s.RestartCount != 1 || s.State.Running == nil {
		t.Fatalf("proxy %+v: want restarted", s)
	}
	if p.Status.Phase != workload.PodPending || initStatus(p, "late").State.Running == nil {
		t.Fatalf("phase %s, late %+v: want Pending, late running on", p.Status.Phase, initStatus(p, "late").State)
	}
	h.at(time.Minute)
	if p = h.pod("job"); p.Status.ContainerStatuses[0].State.Running == nil {
		t.Fatalf("c0 %+v: want running once late succeeded", p.Status.ContainerStatuses[0].State)
	}
}

// A pod past its activeDeadlineSeconds is stopped in the order of a
// deletion (the kubelet kills it as it kills a deleted pod): the app
// container first; when the grace period ends it is killed, and the
// sidecars, whose turn had not come, are asked to stop then and killed
// 2 s (the minimum grace) later, not with the app container.
func TestSidecarsPastDeadlineStopInDeletionOrder(t *testing.T) {
	h := newHarness(t, Config{})
	p := newPod("web", workload.RestartPolicyAlways, nil, "app")
	p.Spec.TerminationGracePeriodSeconds = workload.Ptr[int64](5)
	p.Spec.ActiveDeadlineSeconds = workload.Ptr[int64](10)
	p.Spec.InitContainers = []workload.Container{
		{Name: "first", Image: "s", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
		{Name: "second", Image: "s", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
	}
	h.create(p)
	h.at(10 * time.Second) // past the deadline: c0 is asked to stop (it ignores SIGTERM)
	p = h.pod("web")
	if p.Status.Phase != workload.PodFailed || p.Status.ContainerStatuses[0].State.Running == nil {
		t.Fatalf("at 10s phase %s, c0 %+v: want Failed, c0 still running", p.Status.Phase, p.Status.ContainerStatuses[0].State)
	}
	h.at(15 * time.Second) // the grace period ends: c0 is killed, the sidecars get their 2 s
	p = h.pod("web")
	if s := p.Status.ContainerStatuses[0].State.Terminated; s == nil || s.ExitCode != CrashExitCode {
		t.Fatalf("at 15s c0 %+v, want killed", p.Status.ContainerStatuses[0].State)
	}
	for _, name := range []string{"first", "second"} {
		if s := initStatus(p, name); s.State.Running == nil {
			t.Fatalf("at 15s sidecar %s %+v: killed with the app container, want 2 s of grace after it", name, s.State)
		}
	}
	h.at(17 * time.Second)
	p = h.pod("web")
	for _, name := range []string{"first", "second"} {
		s := initStatus(p, name)
		if tm := s.State.Terminated; tm == nil || tm.ExitCode != CrashExitCode || !tm.FinishedAt.Time.Equal(t0.Add(17*time.Second)) || s.RestartCount != 0 {
			t.Fatalf("at 17s sidecar %s %+v, want killed at 17s, not restarted", name, s)
		}
	}
	if h.gone("web") {
		t.Fatal("a pod past its deadline stays")
	}
}

// Past the deadline, a sidecar whose turn to stop comes during the grace
// period (the app container handled SIGTERM) is asked then, and killed
// when the grace period ends; the one declared before it is asked then.
func TestSidecarsPastDeadlineInTurn(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Container: "c0"}, StopAfter: dur(time.Second)},
	}})
	p := newPod("web", workload.RestartPolicyAlways, nil, "app")
	p.Spec.TerminationGracePeriodSeconds = workload.Ptr[int64](5)
	p.Spec.ActiveDeadlineSeconds = workload.Ptr[int64](10)
	p.Spec.InitContainers = []workload.Container{
		{Name: "first", Image: "s", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
		{Name: "second", Image: "s", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
	}
	h.create(p)
	h.at(11 * time.Second) // c0 exits 0 at 11 s; second is asked
	p = h.pod("web")
	if s := p.Status.ContainerStatuses[0].State.Terminated; s == nil || s.ExitCode != 0 {
		t.Fatalf("at 11s c0 %+v, want exited 0", p.Status.ContainerStatuses[0].State)
	}
	h.at(15 * time.Second) // second killed; first asked, killed at 17 s
	p = h.pod("web")
	if s := initStatus(p, "second").State.Terminated; s == nil || s.ExitCode != CrashExitCode {
		t.Fatalf("at 15s second %+v, want killed", initStatus(p, "second").State)
	}
	if s := initStatus(p, "first"); s.State.Running == nil {
		t.Fatalf("at 15s first %+v, want running (2 s of grace)", s.State)
	}
	h.at(17 * time.Second)
	if s := initStatus(h.pod("web"), "first").State.Terminated; s == nil || s.ExitCode != CrashExitCode {
		t.Fatalf("at 17s first %+v, want killed", initStatus(h.pod("web"), "first").State)
	}
}

// A sidecar whose turn to stop comes shortly before the grace period ends
// still gets 2 s (killContainer: what is left of the grace period after
// its wait for its turn, in whole seconds, at least
// minimumGracePeriodInSeconds), on deletion and past the active deadline
// alike.
func TestSidecarTurnLateInGraceGetsMinimum(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy string
		start  func(h *harness, p *workload.Pod) // at 1 s
		killAt time.Duration
	}{
		// Deleted at 1 s with 5 s: c0 exits at 5.5 s; proxy's turn then,
		// 1 s left (5 - 4 whole seconds waited): 2 s, killed at 7.5 s.
		{"deletion", workload.RestartPolicyAlways, func(h *harness, p *workload.Pod) {
			h.must(h.r.DeletePod(h.t.Context(), "default", "web", 5*time.Second))
		}, 7500 * time.Millisecond},
		// Past its deadline at 10 s: c0 exits at 14.5 s, proxy killed at
		// 16.5 s.
		{"deadline", workload.RestartPolicyAlways, func(h *harness, p *workload.Pod) {}, 16500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{Behaviors: []Behavior{{Match: Match{Container: "c0"}, StopAfter: dur(4500 * time.Millisecond)}}})
			p := sidecarPod("web", tc.policy)
			p.Spec.InitContainers = p.Spec.InitContainers[1:2]
			if tc.name == "deadline" {
				p.Spec.ActiveDeadlineSeconds = workload.Ptr[int64](10)
			}
			h.create(p)
			h.at(time.Second)
			tc.start(h, p)
			h.at(tc.killAt - time.Millisecond)
			if s := initStatus(h.pod("web"), "proxy"); s.State.Running == nil {
				t.Fatalf("proxy %+v at %v, want running until %v", s.State, tc.killAt-time.Millisecond, tc.killAt)
			}
			h.at(tc.killAt)
			if tc.name == "deletion" {
				if !h.gone("web") {
					t.Fatalf("pod still there at %v", tc.killAt)
				}
				return
			}
			if s := initStatus(h.pod("web"), "proxy"); s.State.Terminated == nil || s.State.Terminated.ExitCode != CrashExitCode {
				t.Fatalf("proxy %+v at %v, want killed", s.State, tc.killAt)
			}
		})
	}
}

// Once the app containers are done, the sidecars stop as on deletion: the
// last declared first, and one whose turn comes shortly before the grace
// period ends still gets 2 s.
func TestSidecarsStopAfterAppsLateTurn(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Container: "c0"}, RunFor: dur(9 * time.Second)},
		{Match: Match{Container: "second"}, StopAfter: dur(4500 * time.Millisecond)},
	}})
	p := newPod("job", workload.RestartPolicyNever, nil, "app")
	p.Spec.TerminationGracePeriodSeconds = workload.Ptr[int64](5)
	p.Spec.InitContainers = []workload.Container{
		{Name: "first", Image: "s", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
		{Name: "second", Image: "s", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
	}
	h.create(p)
	// c0 exits at 9 s; second is asked, exits at 13.5 s; first's turn
	// then, 1 s of the 5 left (4 whole seconds waited): 2 s, killed at
	// 15.5 s.
	h.at(15499 * time.Millisecond)
	p = h.pod("job")
	if s := initStatus(p, "second"); s.State.Terminated == nil || s.State.Terminated.ExitCode != 0 {
		t.Fatalf("second %+v, want exited 0 at 13.5 s", s.State)
	}
	if s := initStatus(p, "first"); s.State.Running == nil {
		t.Fatalf("first %+v at 15.499 s, want running until 15.5 s", s.State)
	}
	h.at(15500 * time.Millisecond)
	p = h.pod("job")
	if s := initStatus(p, "first"); s.State.Terminated == nil || s.State.Terminated.ExitCode != CrashExitCode {
		t.Fatalf("first %+v at 15.5 s, want killed", s.State)
	}
	if p.Status.Phase != workload.PodSucceeded {
		t.Fatalf("phase %s, want Succeeded", p.Status.Phase)
	}
}
