package inproc_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/workload"
)

// A pod deleted while its sidecar waits out a crash-loop back-off: the
// sidecar is not started again (the kubelet's killPodWithSyncResult stops
// what runs; computePodActions starts nothing for a pod being deleted),
// the app container is stopped and the pod goes as soon as it has exited,
// not at the end of the grace period or the back-off.
func TestSidecarDeletedDuringBackOff(t *testing.T) {
	e := newEnv(t, inproc.Config{BackoffBase: time.Hour})
	var runs atomic.Int32
	e.register("proxy", func(ctx context.Context, c *inproc.Container) error {
		runs.Add(1)
		return inproc.Exit(1) // crashes at once, every run
	})
	e.register("app", func(ctx context.Context, c *inproc.Container) error { <-ctx.Done(); return ctx.Err() })
	p := pod("web", "", workload.Container{Image: "func://app"})
	p.Spec.InitContainers = []workload.Container{{Name: "proxy", Image: "func://proxy", RestartPolicy: always}}
	e.create(p)
	e.waitPod("web", "app running", running)
	e.waitPod("web", "proxy in back-off", func(p *workload.Pod) bool {
		s := initStatus(p, "proxy")
		return s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff"
	})
	before := runs.Load()
	// A grace period of an hour: waitPod gives up long before it ends.
	if err := e.rt.DeletePod(context.Background(), "default", "web", time.Hour); err != nil {
		t.Fatal(err)
	}
	e.waitPod("web", "gone", gone)
	if n := runs.Load(); n != before {
		t.Fatalf("the sidecar ran %d more times after the pod's deletion", n-before)
	}
}

// A pod deleted while its sidecar keeps crashing and restarting (a
// millisecond's back-off): the deletion wins over the restarts, the pod
// goes, and no run of the sidecar outlives the runtime (newEnv's leak
// check).
func TestSidecarDeletedWhileRestarting(t *testing.T) {
	e := newEnv(t, inproc.Config{BackoffBase: time.Millisecond, BackoffMax: time.Millisecond})
	e.register("proxy", func(ctx context.Context, c *inproc.Container) error {
		select {
		case <-time.After(time.Millisecond):
			return inproc.Exit(2)
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	e.register("app", func(ctx context.Context, c *inproc.Container) error { <-ctx.Done(); return ctx.Err() })
	p := pod("web", "", workload.Container{Image: "func://app"})
	p.Spec.InitContainers = []workload.Container{{Name: "proxy", Image: "func://proxy", RestartPolicy: always}}
	e.create(p)
	e.waitPod("web", "proxy restarted", func(p *workload.Pod) bool { return initStatus(p, "proxy").RestartCount >= 3 })
	if err := e.rt.DeletePod(context.Background(), "default", "web", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	e.waitPod("web", "gone", gone)
}

// A pod deleted with a 1s grace period whose app container ignores
// SIGTERM: the app container is killed when the grace period ends, and
// the sidecars, whose turn to stop comes only then, get SIGTERM and the
// kubelet's minimum of 2s to exit rather than being killed with it
// (kuberuntime_container.go killContainer: the grace left after
// waitForTurn, at least minimumGracePeriodInSeconds). Each handles SIGTERM
// at once: exit 143, not 137.
func TestSidecarsGetMinimumGraceAfterDeletion(t *testing.T) {
	e := newEnv(t, inproc.Config{})
	release := make(chan struct{})
	defer close(release)
	e.register("stubborn", func(ctx context.Context, c *inproc.Container) error {
		<-release // ignores SIGTERM
		return nil
	})
	e.register("proxy", func(ctx context.Context, c *inproc.Container) error { <-ctx.Done(); return ctx.Err() })
	p := pod("web", "", workload.Container{Image: "func://stubborn"})
	p.Spec.InitContainers = []workload.Container{
		{Name: "first", Image: "func://proxy", RestartPolicy: always},
		{Name: "second", Image: "func://proxy", RestartPolicy: always},
	}
	e.create(p)
	e.waitPod("web", "app running", running)
	if err := e.rt.DeletePod(context.Background(), "default", "web", time.Second); err != nil {
		t.Fatal(err)
	}
	e.waitPod("web", "gone", gone)
	var last *workload.Pod
	for _, ev := range e.hist["web"] {
		last = ev.Object.(*workload.Pod)
	}
	if m := cstatus(last).State.Terminated; m == nil || m.ExitCode != 137 {
		t.Errorf("app %+v, want killed (137) at the end of the grace period", cstatus(last).State)
	}
	for _, name := range []string{"first", "second"} {
		if s := initStatus(last, name).State.Terminated; s == nil || s.ExitCode != 143 {
			t.Errorf("sidecar %s %+v, want stopped by SIGTERM (143) after the app container was killed", name, initStatus(last, name).State)
		}
	}
}
