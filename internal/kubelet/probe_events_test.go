package kubelet_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/internal/kubelet"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// sick is a starter whose runs fail every exec probe (exit code 1) and
// exit 143 when asked to stop (they handle SIGTERM).
type sick struct{}

type sickRun struct {
	ch   chan struct{}
	once *sync.Once
}

func (sick) Start(*kubelet.Run) (kubelet.Handle, error) {
	return sickRun{ch: make(chan struct{}), once: new(sync.Once)}, nil
}
func (r sickRun) Done() <-chan struct{} { return r.ch }
func (r sickRun) Exit() kubelet.Exit    { return kubelet.Exit{ExitCode: 143, Signal: 15} }
func (r sickRun) Stop()                 { r.once.Do(func() { close(r.ch) }) }
func (r sickRun) Kill()                 { r.Stop() }
func (r sickRun) Exec(context.Context, []string) (int, error) {
	return 1, nil
}

// Every failed probe is reported as a Warning Unhealthy event "<Kind>
// probe failed: <output>", and a liveness probe past its failureThreshold
// kills the container with a Normal Killing event "Container <name>
// failed liveness probe, will be restarted" (without the end under
// restartPolicy Never), as the kubelet's prober and computePodActions
// record them.
func TestProbeFailureEvents(t *testing.T) {
	for _, tc := range []struct {
		policy, killing string
	}{
		{workload.RestartPolicyAlways, "Container app failed liveness probe, will be restarted"},
		{workload.RestartPolicyNever, "Container app failed liveness probe"},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			clk := vtime.NewVirtual(t0)
			k, err := kubelet.New(kubelet.Config{Name: "test", Starter: sick{}, Clock: clk, ExecProbes: true,
				Nodes: []string{"node-a"}, Addressing: kubelet.AddressingPerPod})
			if err != nil {
				t.Fatal(err)
			}
			defer k.Close()
			events := make(chan workload.KubeletEvent, 16)
			k.SetEventSink(func(e workload.KubeletEvent) { events <- e })
			exec := workload.ProbeHandler{Exec: &workload.ExecAction{Command: []string{"check"}}}
			spec := workload.PodSpec{NodeName: "node-a", RestartPolicy: tc.policy, Containers: []workload.Container{{Name: "app", Image: "x",
				LivenessProbe: &workload.Probe{ProbeHandler: exec, PeriodSeconds: 1, FailureThreshold: 2}}}}
			ctx := context.Background()
			if err := k.CreatePod(ctx, &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "ns", UID: "u-1"}, Spec: spec}); err != nil {
				t.Fatal(err)
			}
			clk.Advance(0) // the start
			// The probes run on the kubelet's goroutines: wait for each
			// event (the timeout only bounds a broken run).
			next := func() workload.KubeletEvent {
				t.Helper()
				select {
				case e := <-events:
					// The probe's goroutine reports with the kubelet's
					// lock held and schedules the next probe before it
					// lets go: a call that takes the lock waits for that,
					// so that the clock is not advanced before.
					_, _ = k.GetPod("ns", "p")
					return e
				case <-time.After(30 * time.Second):
					t.Fatal("no event")
					return workload.KubeletEvent{}
				}
			}
			want := workload.KubeletEvent{Namespace: "ns", Name: "p", UID: "u-1", Container: "app", Type: workload.EventTypeWarning,
				Reason: "Unhealthy", Message: "Liveness probe failed: exec probe: command check exited with 1"}
			clk.Advance(time.Second) // the first probe: a failure
			if e := next(); e != want {
				t.Fatalf("first event %+v, want %+v", e, want)
			}
			clk.Advance(time.Second) // the second: the failure threshold
			if e := next(); e != want {
				t.Fatalf("second event %+v, want %+v", e, want)
			}
			kill := want
			kill.Type, kill.Reason, kill.Message = workload.EventTypeNormal, "Killing", tc.killing
			if e := next(); e != kill {
				t.Fatalf("third event %+v, want %+v", e, kill)
			}
			select {
			case e := <-events:
				t.Fatalf("unexpected event %+v", e)
			default:
			}
		})
	}
}

// A sidecar killed by its failing startup probe: "Init container <name>
// failed startup probe" (computeInitContainerActions).
func TestSidecarStartupProbeKillEvent(t *testing.T) {
	clk := vtime.NewVirtual(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	k, err := kubelet.New(kubelet.Config{Name: "test", Starter: sick{}, Clock: clk, ExecProbes: true,
		Nodes: []string{"node-a"}, Addressing: kubelet.AddressingPerPod})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	events := make(chan workload.KubeletEvent, 16)
	k.SetEventSink(func(e workload.KubeletEvent) { events <- e })
	exec := workload.ProbeHandler{Exec: &workload.ExecAction{Command: []string{"check"}}}
	spec := workload.PodSpec{NodeName: "node-a",
		InitContainers: []workload.Container{{Name: "proxy", Image: "x", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways),
			StartupProbe: &workload.Probe{ProbeHandler: exec, PeriodSeconds: 1, FailureThreshold: 1}}},
		Containers: []workload.Container{{Name: "app", Image: "x"}}}
	if err := k.CreatePod(context.Background(), &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "ns", UID: "u-1"}, Spec: spec}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(0)
	clk.Advance(time.Second)
	for _, want := range []string{"Startup probe failed: exec probe: command check exited with 1", "Init container proxy failed startup probe"} {
		select {
		case e := <-events:
			if e.Message != want || e.Container != "proxy" {
				t.Fatalf("event %+v, want message %q", e, want)
			}
		case <-time.After(30 * time.Second): // bounds a broken run only
			t.Fatalf("no event %q", want)
		}
	}
}

// A probe that cannot be made (a port the container does not name) gives
// no result, but the prober records it: Warning Unhealthy "<Kind> probe
// errored and resulted in unknown state: <error>".
func TestProbeErrorEvent(t *testing.T) {
	clk := vtime.NewVirtual(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	k, err := kubelet.New(kubelet.Config{Name: "test", Starter: sick{}, Clock: clk,
		Nodes: []string{"node-a"}, Addressing: kubelet.AddressingPerPod})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	events := make(chan workload.KubeletEvent, 16)
	k.SetEventSink(func(e workload.KubeletEvent) { events <- e })
	spec := workload.PodSpec{NodeName: "node-a", Containers: []workload.Container{{Name: "app", Image: "x",
		ReadinessProbe: &workload.Probe{ProbeHandler: workload.ProbeHandler{TCPSocket: &workload.TCPSocketAction{Port: intstr.FromString("http")}}}}}}
	if err := k.CreatePod(context.Background(), &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "ns", UID: "u-1"}, Spec: spec}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(0) // the start, and the readiness probe at once
	select {
	case e := <-events:
		if want := `Readiness probe errored and resulted in unknown state: port "http": no container port of that name`; e.Message != want || e.Reason != "Unhealthy" {
			t.Fatalf("event %+v, want Unhealthy %q", e, want)
		}
	case <-time.After(30 * time.Second): // bounds a broken run only
		t.Fatal("no event")
	}
}
