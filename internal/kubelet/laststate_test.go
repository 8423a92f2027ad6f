package kubelet_test

import (
	"context"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// The status reported when a container exits, before its immediate first
// restart, shows the exit as the state and no lastState: the kubelet's
// convertToAPIContainerStatuses (pkg/kubelet/kubelet_pods.go) takes
// lastState from the previous container instance, and there is none
// before the first restart. The restarted run, here waiting out its
// back-off, shows that exit as its lastState.
func TestExitReportLastStateIsPreviousRun(t *testing.T) {
	ctx := context.Background()
	_, w := failingPod(t)
	// The timeout only bounds a broken run.
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var exited *workload.ContainerStatus
	for {
		ev, err := w.Next(wait)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := ev.Object.(*workload.Pod)
		if !ok || len(p.Status.ContainerStatuses) == 0 {
			continue
		}
		cs := p.Status.ContainerStatuses[0]
		if cs.State.Terminated != nil && exited == nil {
			exited = &cs
			if cs.RestartCount != 0 || cs.LastTerminationState.Terminated != nil {
				t.Errorf("first exit: restartCount %d, lastState %+v; want 0 and none",
					cs.RestartCount, cs.LastTerminationState.Terminated)
			}
		}
		if ws := cs.State.Waiting; ws != nil && ws.Reason == "CrashLoopBackOff" {
			if exited == nil {
				t.Error("the first exit was not reported")
			}
			if lt := cs.LastTerminationState.Terminated; lt == nil || lt.ExitCode != 1 {
				t.Errorf("in back-off: lastState %+v, want the exit (1)", lt)
			}
			return
		}
	}
}
