package kubelet_test

import (
	"context"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A pod deleted while its container waits out a crash-loop back-off is
// reported, before it goes, with that container's last run as its state
// (exit 1), not as ContainerStatusUnknown, and phase Failed: once the pod
// is deleted the kubelet no longer shows the back-off's Waiting state
// (kubelet_pods.go convertToAPIContainerStatuses: only for a container
// ShouldContainerBeRestarted, false for a deleted pod), and TerminatePod
// leaves a terminated state alone.
func TestDeletedInBackOffReportsLastRun(t *testing.T) {
	ctx := context.Background()
	k, w := failingPod(t)
	// The timeout only bounds a broken run.
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var last *workload.Pod
	deleted := false
	for {
		ev, err := w.Next(wait)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := ev.Object.(*workload.Pod)
		if !ok || len(p.Status.ContainerStatuses) == 0 {
			continue
		}
		if ev.Type == workload.Deleted {
			break
		}
		last = p
		if ws := p.Status.ContainerStatuses[0].State.Waiting; !deleted && ws != nil && ws.Reason == "CrashLoopBackOff" {
			if err := k.DeletePod(ctx, "ns", "p", 30*time.Second); err != nil {
				t.Fatal(err)
			}
			deleted = true
		}
	}
	cs := last.Status.ContainerStatuses[0]
	if term := cs.State.Terminated; last.Status.Phase != workload.PodFailed || term == nil || term.ExitCode != 1 || term.Reason == "ContainerStatusUnknown" {
		t.Errorf("last report: phase %s, state %+v (terminated %+v); want Failed, the last run's exit 1", last.Status.Phase, cs.State, cs.State.Terminated)
	}
}

// A container restarted at once (its first restart) is first reported
// exited, then running again: the kubelet's SyncPod writes the pod's
// status before it starts the container again.
func TestImmediateRestartReportsTheExit(t *testing.T) {
	ctx := context.Background()
	_, w := failingPod(t)
	// The timeout only bounds a broken run.
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	exitReported := false
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
		if cs.State.Terminated != nil && cs.RestartCount == 0 {
			exitReported = true
		}
		if ws := cs.State.Waiting; ws != nil && ws.Reason == "CrashLoopBackOff" {
			break
		}
	}
	if !exitReported {
		t.Error("the first exit was never reported before the container restarted")
	}
}
