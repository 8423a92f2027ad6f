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
