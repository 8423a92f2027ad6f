package fake

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// sinkEvents collects the runtime's kubelet events as "<at> <reason>
// <message>", at in seconds since t0.
func sinkEvents(h *harness) *[]string {
	var got []string
	h.r.SetEventSink(func(e workload.KubeletEvent) {
		got = append(got, fmt.Sprintf("%v %s %s", h.clk.Now().Sub(t0).Seconds(), e.Reason, e.Message))
	})
	return &got
}

func livePod(name, policy string) *workload.Pod {
	p := newPod(name, policy, nil, "app")
	p.Spec.Containers[0].LivenessProbe = &workload.Probe{
		ProbeHandler:  workload.ProbeHandler{HTTPGet: &workload.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}},
		PeriodSeconds: 5, FailureThreshold: 3,
	}
	return p
}

// A failing liveness probe (SetContainerLive false) fails now and every
// period (an Unhealthy event each time); at its failureThreshold the
// container is killed (Killing) and restarted, its next run failing the
// probe from a period after its start, until the probe passes again.
func TestLivenessProbeKillsAndRestarts(t *testing.T) {
	h := newHarness(t, Config{Behaviors: []Behavior{{Match: Match{Container: "c0"}, StopAfter: dur(time.Second)}}})
	got := sinkEvents(h)
	h.create(livePod("web", workload.RestartPolicyAlways))
	h.at(10 * time.Second)
	h.must(h.r.SetContainerLive("default", "web", "c0", false))
	h.at(21 * time.Second) // failures at 10, 15, 20: killed at 20, exits 0 at 21, restarted at once
	c := h.ctr("web")
	if c.RestartCount != 1 || c.State.Running == nil || c.LastTerminationState.Terminated == nil {
		t.Fatalf("at 21s %+v, want restarted once", c)
	}
	h.at(37 * time.Second) // the new run fails at 26, 31, 36: killed, exits at 37, back-off 10 s
	if c = h.ctr("web"); c.State.Waiting == nil || c.State.Waiting.Reason != ReasonCrashLoopBackOff {
		t.Fatalf("at 37s %+v, want CrashLoopBackOff", c.State)
	}
	h.must(h.r.SetContainerLive("default", "web", "c0", true))
	h.at(time.Hour)
	if c = h.ctr("web"); c.RestartCount != 2 || c.State.Running == nil {
		t.Fatalf("%+v: once the probe passes the container runs on", c)
	}
	fail := " Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500"
	kill := " Killing Container c0 failed liveness probe, will be restarted"
	want := []string{"10" + fail, "15" + fail, "20" + fail, "20" + kill, "26" + fail, "31" + fail, "36" + fail, "36" + kill}
	if fmt.Sprint(*got) != fmt.Sprint(want) {
		t.Fatalf("events:\n%q\nwant:\n%q", *got, want)
	}
}

// Under restartPolicy OnFailure a run killed by its liveness probe
// restarts even when it exits 0 on SIGTERM; under Never it does not, and
// the Killing event says nothing of a restart.
func TestLivenessKillRestartPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy   string
		restarts int32
		phase    string
		kill     string
	}{
		{workload.RestartPolicyOnFailure, 1, workload.PodRunning, "Container c0 failed liveness probe, will be restarted"},
		{workload.RestartPolicyNever, 0, workload.PodSucceeded, "Container c0 failed liveness probe"},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			h := newHarness(t, Config{Behaviors: []Behavior{{Match: Match{Container: "c0"}, RunFor: dur(time.Hour), StopAfter: dur(time.Second)}}})
			got := sinkEvents(h)
			p := livePod("job", tc.policy)
			p.Spec.Containers[0].LivenessProbe.FailureThreshold = 1
			h.create(p)
			h.at(time.Second)
			h.must(h.r.SetContainerLive("default", "job", "", false))
			h.at(3 * time.Second)
			pod := h.pod("job")
			if c := pod.Status.ContainerStatuses[0]; c.RestartCount != tc.restarts || pod.Status.Phase != tc.phase {
				t.Fatalf("%+v, phase %s: want restartCount %d, phase %s", c, pod.Status.Phase, tc.restarts, tc.phase)
			}
			if len(*got) < 2 || (*got)[1] != "1 Killing "+tc.kill {
				t.Fatalf("events %q, want the kill %q at 1s", *got, tc.kill)
			}
		})
	}
}

// A failing readiness probe (SetContainerReady false) is reported now and
// every period while the container runs, and no more once it passes.
func TestReadinessProbeFailureEvents(t *testing.T) {
	h := newHarness(t, Config{})
	got := sinkEvents(h)
	p := newPod("web", workload.RestartPolicyAlways, nil, "app")
	p.Spec.Containers[0].Ports = []workload.ContainerPort{{Name: "http", ContainerPort: 8080}}
	p.Spec.Containers[0].ReadinessProbe = &workload.Probe{
		ProbeHandler:  workload.ProbeHandler{TCPSocket: &workload.TCPSocketAction{Port: intstr.FromString("http")}},
		PeriodSeconds: 2,
	}
	h.create(p)
	h.at(time.Second)
	h.must(h.r.SetContainerReady("default", "web", "c0", false))
	h.at(5 * time.Second)
	h.must(h.r.SetContainerReady("default", "web", "c0", true))
	h.at(time.Minute)
	fail := " Unhealthy Readiness probe failed: dial tcp " + h.pod("web").Status.PodIP + ":8080: connect: connection refused"
	want := []string{"1" + fail, "3" + fail, "5" + fail}
	if fmt.Sprint(*got) != fmt.Sprint(want) {
		t.Fatalf("events:\n%q\nwant:\n%q", *got, want)
	}
	if c := h.ctr("web"); !c.Ready || c.RestartCount != 0 {
		t.Fatalf("%+v: a readiness probe never restarts; ready again", c)
	}
}

// SetContainerLive needs a container that declares a liveness probe.
func TestSetContainerLiveErrors(t *testing.T) {
	h := newHarness(t, Config{})
	h.create(newPod("web", workload.RestartPolicyAlways, nil, "app"))
	if err := h.r.SetContainerLive("default", "web", "c0", false); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no livenessProbe: %v, want ErrInvalid", err)
	}
	if err := h.r.SetContainerLive("default", "nope", "c0", false); !errors.Is(err, workload.ErrPodNotFound) {
		t.Fatalf("no pod: %v", err)
	}
}
