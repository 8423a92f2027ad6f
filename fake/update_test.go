package fake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// withImage returns a copy of p whose container i has image img.
func withImage(p *workload.Pod, i int, img string) *workload.Pod {
	q := p.DeepCopy()
	q.Spec.Containers[i].Image = img
	return q
}

// A running container whose image is updated is stopped as on deletion
// (this one ignores SIGTERM: killed, 137, when the 5 s grace period ends)
// and started again at once with the new image, whatever the restart
// policy, its restartCount one more.
func TestUpdateImageRestartsContainer(t *testing.T) {
	for _, policy := range []string{workload.RestartPolicyAlways, workload.RestartPolicyNever} {
		t.Run(policy, func(t *testing.T) {
			h := newHarness(t, Config{Behaviors: []Behavior{{Match: Match{Container: "c0"}, RunFor: dur(time.Hour)}}})
			p := newPod("web", policy, nil, "app:v1")
			p.Spec.TerminationGracePeriodSeconds = workload.Ptr[int64](5)
			h.create(p)
			h.at(time.Second)
			w, err := h.r.Watch(t.Context(), 0)
			h.must(err)
			defer w.Stop()
			h.must(h.r.UpdatePod(t.Context(), withImage(p, 0, "app:v2")))
			evs := drain(w)
			if len(evs) != 1 || evs[0].Type != workload.Modified || evs[0].Object.(*workload.Pod).Spec.Containers[0].Image != "app:v2" {
				t.Fatalf("events after UpdatePod: %+v, want one Modified with the new spec", evs)
			}
			h.at(5900 * time.Millisecond)
			if c := h.ctr("web"); c.State.Running == nil || c.RestartCount != 0 || c.Image != "app:v1" {
				t.Fatalf("at 5.9s %+v, want the v1 run still running (it ignores SIGTERM)", c)
			}
			h.at(6 * time.Second)
			c := h.ctr("web")
			if c.State.Running == nil || c.RestartCount != 1 || c.Image != "app:v2" {
				t.Fatalf("at 6s %+v, want restarted with app:v2, restartCount 1", c)
			}
			if l := c.LastTerminationState.Terminated; l == nil || l.ExitCode != CrashExitCode {
				t.Fatalf("lastState %+v, want killed (137)", c.LastTerminationState)
			}
			if got := h.pod("web"); got.Spec.Containers[0].Image != "app:v2" || got.Status.Phase != workload.PodRunning {
				t.Fatalf("pod spec image %q, phase %s", got.Spec.Containers[0].Image, got.Status.Phase)
			}
		})
	}
}

// A run that handles SIGTERM (StopAfter) exits 0 that long after the
// update and is started again then; the new image's rule gives the new
// run its behaviour (here it crashes, and the restart policy applies).
func TestUpdateImageNewBehaviour(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Image: "app:v1"}, StopAfter: dur(time.Second)},
		{Match: Match{Image: "app:v2"}, RunFor: dur(3 * time.Second), ExitCode: 2},
	}})
	p := newPod("web", workload.RestartPolicyAlways, nil, "app:v1")
	h.create(p)
	h.at(0) // v1 starts
	h.must(h.r.UpdatePod(t.Context(), withImage(p, 0, "app:v2")))
	h.at(time.Second)
	c := h.ctr("web")
	if c.State.Running == nil || c.RestartCount != 1 || c.Image != "app:v2" {
		t.Fatalf("at 1s %+v, want the v2 run started", c)
	}
	if l := c.LastTerminationState.Terminated; l == nil || l.ExitCode != 0 || l.Reason != ReasonCompleted {
		t.Fatalf("lastState %+v, want exited 0 (it handled SIGTERM)", c.LastTerminationState)
	}
	h.at(4 * time.Second) // v2 exits 2: its first restart is immediate
	if c = h.ctr("web"); c.RestartCount != 2 || c.LastTerminationState.Terminated.ExitCode != 2 {
		t.Fatalf("at 4s %+v, want v2's crash and restart", c)
	}
}

// A container waiting out a crash-loop back-off starts at once with a
// new image: the kubelet keeps the back-off per container definition.
func TestUpdateImageEndsBackOff(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{
		{Match: Match{Image: "app:v1"}, CrashAfter: time.Second},
	}})
	p := newPod("web", workload.RestartPolicyAlways, nil, "app:v1")
	h.create(p)
	h.at(2 * time.Second) // crashed at 1 s (restarted at once), again at 2 s: back-off 10 s
	if c := h.ctr("web"); c.State.Waiting == nil || c.State.Waiting.Reason != ReasonCrashLoopBackOff {
		t.Fatalf("at 2s %+v, want CrashLoopBackOff", c.State)
	}
	h.must(h.r.UpdatePod(t.Context(), withImage(p, 0, "app:v2")))
	h.at(2 * time.Second)
	c := h.ctr("web")
	if c.State.Running == nil || c.Image != "app:v2" || c.RestartCount != 2 {
		t.Fatalf("after the update %+v, want app:v2 running at once", c)
	}
	h.at(time.Hour)
	if c = h.ctr("web"); c.State.Running == nil || c.RestartCount != 2 {
		t.Fatalf("%+v: app:v2 (no rule: runs on) should run on", c)
	}
}

// A sidecar whose image changes is restarted as an app container is; a
// plain init container's image is for its later runs.
func TestUpdateSidecarImage(t *testing.T) {
	h := newHarness(t, Config{})
	p := sidecarPod("web", workload.RestartPolicyAlways)
	p.Spec.InitContainers = p.Spec.InitContainers[1:2]
	h.create(p)
	h.at(time.Second)
	q := p.DeepCopy()
	q.Spec.InitContainers[0].Image = "proxy:v2"
	h.must(h.r.UpdatePod(t.Context(), q))
	h.at(6 * time.Second) // the 5 s grace period
	s := initStatus(h.pod("web"), "proxy")
	if s.State.Running == nil || s.RestartCount != 1 || s.Image != "proxy:v2" {
		t.Fatalf("proxy %+v, want restarted with proxy:v2", s)
	}
	if c := h.ctr("web"); c.RestartCount != 0 || c.State.Running == nil {
		t.Fatalf("c0 %+v, want untouched", c)
	}
}

// An activeDeadlineSeconds lowered by an update takes effect, counting
// from the pod's start.
func TestUpdateLowersDeadline(t *testing.T) {
	h := newHarness(t, Config{})
	p := newPod("web", workload.RestartPolicyAlways, nil, "app")
	p.Spec.ActiveDeadlineSeconds = workload.Ptr[int64](100)
	h.create(p)
	h.at(5 * time.Second)
	q := p.DeepCopy()
	q.Spec.ActiveDeadlineSeconds = workload.Ptr[int64](10)
	h.must(h.r.UpdatePod(t.Context(), q))
	h.at(9 * time.Second)
	if got := h.pod("web"); got.Status.Phase != workload.PodRunning {
		t.Fatalf("at 9s phase %s, want Running", got.Status.Phase)
	}
	h.at(10 * time.Second)
	if got := h.pod("web"); got.Status.Phase != workload.PodFailed || got.Status.Reason != ReasonDeadlineExceeded {
		t.Fatalf("at 10s phase %s reason %q, want Failed DeadlineExceeded", got.Status.Phase, got.Status.Reason)
	}
}

// Bad updates are refused and change nothing.
func TestUpdatePodErrors(t *testing.T) {
	h := newHarness(t, Config{})
	p := newPod("web", workload.RestartPolicyAlways, nil, "app:v1")
	h.create(p)
	h.at(time.Second)
	renamed := withImage(p, 0, "app:v2")
	renamed.Spec.Containers[0].Name = "other"
	other := withImage(p, 0, "app:v2")
	other.UID = "not-the-pod"
	missing := withImage(p, 0, "app:v2")
	missing.Name = "nope"
	for _, tc := range []struct {
		name string
		pod  *workload.Pod
		want error
	}{
		{"nil", nil, ErrInvalid},
		{"renamed container", renamed, ErrInvalid},
		{"another uid", other, workload.ErrPodNotFound},
		{"no such pod", missing, workload.ErrPodNotFound},
	} {
		if err := h.r.UpdatePod(context.Background(), tc.pod); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	h.at(time.Hour)
	if c := h.ctr("web"); c.Image != "app:v1" || c.RestartCount != 0 || h.pod("web").Spec.Containers[0].Image != "app:v1" {
		t.Fatalf("%+v: a refused update changed the pod", c)
	}
}
