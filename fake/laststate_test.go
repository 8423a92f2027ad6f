package fake_test

import (
	"context"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestExitReportLastStateIsPreviousRun: the report of a container's exit
// made before its immediate restart shows the exit as its state and, as
// lastState, the run before it: none for a first exit. Kubernetes' kubelet
// (kubelet_pods.go convertToAPIContainerStatuses) takes lastState from
// the previous container instance, and before the first restart there is
// none. The restarted run then shows the exit as its lastState.
func TestExitReportLastStateIsPreviousRun(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := vtime.NewVirtual(start)
	rt, err := fake.New(fake.Config{Clock: clk, Behaviors: []fake.Behavior{
		{Match: fake.Match{Container: "c"}, RunFor: workload.Ptr(5 * time.Second), ExitCode: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	if err := rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}}); err != nil {
		t.Fatal(err)
	}
	w, err := rt.Watch(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := rt.CreatePod(ctx, &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "default"},
		Spec: workload.PodSpec{NodeName: "n", RestartPolicy: workload.RestartPolicyAlways,
			Containers: []workload.Container{{Name: "c", Image: "x"}}}}); err != nil {
		t.Fatal(err)
	}
	var exited, restarted *workload.ContainerStatus
	for clk.Since(start) <= 5*time.Second {
		for {
			ev, ok := w.TryNext()
			if !ok {
				break
			}
			p, ok := ev.Object.(*workload.Pod)
			if !ok || len(p.Status.ContainerStatuses) == 0 {
				continue
			}
			cs := p.Status.ContainerStatuses[0]
			switch {
			case cs.State.Terminated != nil && exited == nil:
				exited = &cs
			case cs.State.Running != nil && cs.RestartCount == 1 && restarted == nil:
				restarted = &cs
			}
		}
		if !clk.Step() {
			break
		}
	}
	if exited == nil || restarted == nil {
		t.Fatalf("exit reported: %v, restart reported: %v", exited != nil, restarted != nil)
	}
	if exited.RestartCount != 0 || exited.LastTerminationState.Terminated != nil {
		t.Errorf("exit report: restartCount %d, lastState %+v; want 0 and none (no earlier run)",
			exited.RestartCount, exited.LastTerminationState.Terminated)
	}
	if lt := restarted.LastTerminationState.Terminated; lt == nil || lt.ExitCode != 1 || lt.Reason != "Error" {
		t.Errorf("restarted run: lastState %+v, want the exit (1, Error)", lt)
	}
}
