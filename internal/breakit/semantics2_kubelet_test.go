package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// Crash-loop back-off: the kubelet restarts a container at once after its
// first crash; the back-off (10 s, doubling, capped at 5 min) applies from
// the second crash on ("Initial crash: Kubernetes attempts an immediate
// restart based on the Pod restartPolicy. Repeated crashes: after the
// initial crash Kubernetes applies an exponential backoff delay").
// Source: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts
// (section "How Pods handle problems with containers"); pkg/kubelet/kuberuntime/kuberuntime_manager.go
// doBackOff (no back-off entry before the first crash: backOff.Next is
// called and the container restarts); https://github.com/kubernetes/kubernetes/issues/133472
// (open: "containers have to crash twice before a backoff is applied").
//
// A container that runs 5 s and exits 1 under restartPolicy Always
// therefore starts at about 0 s, 5 s, 20 s (10 s back-off), 45 s (20 s)...
// orchestra's fake waits 10 s before the first restart too (fake/status.go
// backoffDelay: BackoffInitial before the first restart), so every restart
// is one step late and an OnFailure Job reaches backoffLimit later.
func TestCrashLoopFirstRestartImmediate(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "crash"}, RunFor: workload.Ptr(5 * time.Second), ExitCode: 1}}, "a")
	// A start is a new Running.StartedAt: an immediate restart goes from
	// running to running, with a new start time and restart count.
	var starts []time.Duration
	var last time.Time
	if err := c.OnChange(func(ev store.Event) {
		p, ok := ev.Object.(*workload.Pod)
		if !ok || len(p.Status.ContainerStatuses) == 0 {
			return
		}
		cs := p.Status.ContainerStatuses[0]
		if r := cs.State.Running; r != nil && !r.StartedAt.Time.Equal(last) {
			last = r.StartedAt.Time
			starts = append(starts, last.Sub(t0))
		}
	}); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"crash"}]}}`)
	advance(t, c, 50*time.Second)
	if len(starts) < 3 {
		t.Fatalf("container starts at %v", starts)
	}
	if gap := starts[1] - (starts[0] + 5*time.Second); gap > 2*time.Second {
		t.Errorf("container starts at %v: the first restart came %v after the first crash; the kubelet restarts at once after the first crash and backs off 10 s only after the second", starts, gap)
	}
	if gap := starts[2] - (starts[1] + 5*time.Second); gap != 10*time.Second {
		t.Errorf("container starts at %v: back-off after the second crash %v, want 10s", starts, gap)
	}
}
