package breakit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/workload"
)

// r10pCIDR is the pod CIDR of this round's real-runtime tests, apart from
// the other tests of the package.
var r10pCIDR = testPodCIDRAt(100)

// r10pRuntime is an inproc runtime with node n1 and a watch on it; the
// test's cleanup shuts it down and checks for leaked goroutines.
type r10pRuntime struct {
	t    *testing.T
	rt   *inproc.Runtime
	w    workload.Watcher
	last map[string]*workload.Pod
}

func r10pNewInproc(t *testing.T, cfg inproc.Config) *r10pRuntime {
	t.Helper()
	snap := leakcheck.Take()
	if cfg.Nodes == nil {
		cfg.Nodes = []string{"n1"}
	}
	if !cfg.FirstPodCIDR.IsValid() {
		cfg.FirstPodCIDR = r10pCIDR
	}
	if cfg.ProbeSecond == 0 {
		cfg.ProbeSecond = 50 * time.Millisecond
	}
	rt, err := inproc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w, err := rt.Watch(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := rt.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		snap.Check(t, 20*time.Second)
	})
	return &r10pRuntime{t: t, rt: rt, w: w, last: map[string]*workload.Pod{}}
}

// waitPod waits (30 s at most) until cond holds for the pod's last
// report (nil once it is gone).
func (e *r10pRuntime) waitPod(name, what string, cond func(*workload.Pod) bool) *workload.Pod {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if p := e.last[name]; cond(p) {
			return p
		}
		ev, err := e.w.Next(ctx)
		if err != nil {
			e.t.Fatalf("pod %s: %s: %v (last report %+v)", name, what, err, e.last[name])
		}
		if p, ok := ev.Object.(*workload.Pod); ok {
			if ev.Type == workload.Deleted {
				delete(e.last, p.Name)
			} else {
				e.last[p.Name] = p
			}
		}
	}
}

func (e *r10pRuntime) create(p *workload.Pod) {
	e.t.Helper()
	if p.Namespace == "" {
		p.Namespace = "default"
	}
	if p.Spec.NodeName == "" {
		p.Spec.NodeName = "n1"
	}
	if err := e.rt.CreatePod(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
}

func r10pPod(name, restart string, cs ...workload.Container) *workload.Pod {
	return &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: name},
		Spec: workload.PodSpec{RestartPolicy: restart, Containers: cs}}
}

func r10pCS(p *workload.Pod) workload.ContainerStatus {
	if p == nil || len(p.Status.ContainerStatuses) == 0 {
		return workload.ContainerStatus{}
	}
	return p.Status.ContainerStatuses[0]
}

// TestR10pLogsPreviousInCrashLoopBackOff: while a container waits in
// CrashLoopBackOff, kubectl logs and kubectl logs --previous both show the
// run that just crashed (its lastState), as the kubelet's
// validateContainerLogStatus picks the container of
// lastState.terminated for previous, and for the current log falls back
// on it when the container is not running; once it runs again, previous
// is that crashed run and the current log the new one. Before the fix,
// previous during the back-off was the run before the crashed one.
func TestR10pLogsPreviousInCrashLoopBackOff(t *testing.T) {
	e := r10pNewInproc(t, inproc.Config{BackoffBase: time.Hour})
	e.rt.Register("crash", func(ctx context.Context, c *inproc.Container) error {
		fmt.Fprintf(c.Stdout(), "run %d\n", c.RestartCount())
		return inproc.Exit(3)
	})
	e.create(r10pPod("cl", workload.RestartPolicyAlways, workload.Container{Name: "c", Image: inproc.Image("crash")}))
	p := e.waitPod("cl", "in CrashLoopBackOff", func(p *workload.Pod) bool {
		w := r10pCS(p).State.Waiting
		return w != nil && w.Reason == "CrashLoopBackOff"
	})
	cs := r10pCS(p)
	if cs.RestartCount != 1 || cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 3 {
		t.Fatalf("status %+v: want restartCount 1 and lastState terminated with 3", cs)
	}
	for _, previous := range []bool{false, true} {
		b, err := e.rt.Logs(context.Background(), "default", "cl", "c", previous)
		if err != nil || string(b) != "run 1\n" {
			t.Errorf("Logs(previous=%v) in CrashLoopBackOff = %q, %v; want the crashed run's %q", previous, b, err, "run 1\n")
		}
	}
}

// TestR10pLogsPreviousAfterRestart: a container running again after a
// crash shows the new run as its log and the crashed run as previous; one
// never restarted has no previous log.
func TestR10pLogsPreviousAfterRestart(t *testing.T) {
	e := r10pNewInproc(t, inproc.Config{BackoffBase: time.Hour})
	e.rt.Register("once", func(ctx context.Context, c *inproc.Container) error {
		fmt.Fprintf(c.Stdout(), "run %d\n", c.RestartCount())
		if c.RestartCount() == 0 {
			return inproc.Exit(1)
		}
		<-ctx.Done()
		return ctx.Err()
	})
	e.create(r10pPod("rs", workload.RestartPolicyAlways, workload.Container{Name: "c", Image: inproc.Image("once")}))
	e.waitPod("rs", "running again", func(p *workload.Pod) bool {
		cs := r10pCS(p)
		return cs.RestartCount == 1 && cs.State.Running != nil
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		cur, err := e.rt.Logs(context.Background(), "default", "rs", "c", false)
		if err == nil && string(cur) == "run 1\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("current log %q, %v: want %q", cur, err, "run 1\n")
		}
		time.Sleep(5 * time.Millisecond) // logs have no change notification
	}
	if b, err := e.rt.Logs(context.Background(), "default", "rs", "c", true); err != nil || string(b) != "run 0\n" {
		t.Errorf("previous log %q, %v; want %q", b, err, "run 0\n")
	}
	e.rt.Register("never", func(ctx context.Context, c *inproc.Container) error { return nil })
	e.create(r10pPod("nv", workload.RestartPolicyNever, workload.Container{Name: "c", Image: inproc.Image("never")}))
	e.waitPod("nv", "succeeded", func(p *workload.Pod) bool { return p != nil && p.Status.Phase == workload.PodSucceeded })
	if b, err := e.rt.Logs(context.Background(), "default", "nv", "c", true); err == nil || !strings.Contains(err.Error(), "previous") {
		t.Errorf("previous log of a container never restarted = %q, %v; want an error", b, err)
	}
}

// TestR10pTerminationMessageBounded: a run's termination message (an
// inproc function's error) is kept to its last 4096 bytes, as the
// kubelet reads at most MaxContainerTerminationMessageLength bytes, the
// end of the message (kuberuntime getTerminationMessage, tail.ReadAtMost).
func TestR10pTerminationMessageBounded(t *testing.T) {
	e := r10pNewInproc(t, inproc.Config{FirstPodCIDR: testPodCIDRAt(114)})
	msg := strings.Repeat("x", 10000) + "the end"
	e.rt.Register("verbose", func(ctx context.Context, c *inproc.Container) error { return errors.New(msg) })
	e.create(r10pPod("tm", workload.RestartPolicyNever, workload.Container{Name: "c", Image: inproc.Image("verbose")}))
	p := e.waitPod("tm", "failed", func(p *workload.Pod) bool { return p != nil && p.Status.Phase == workload.PodFailed })
	term := r10pCS(p).State.Terminated
	if term == nil || term.ExitCode != 1 || term.Message != msg[len(msg)-4096:] {
		t.Errorf("terminated %d bytes of message ending %q, want the last 4096", len(term.Message), term.Message[max(0, len(term.Message)-10):])
	}
}
