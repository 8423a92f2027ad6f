package kubelet_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/internal/kubelet"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// deaf is a starter whose runs ignore Stop (SIGTERM) and end only when
// killed; it notes, per container, whether and when it was killed.
type deaf struct {
	clk    *vtime.Virtual
	mu     *sync.Mutex
	killed map[string]time.Time
}

type deafRun struct {
	d    deaf
	name string
	ch   chan struct{}
	once *sync.Once
}

func (d deaf) Start(run *kubelet.Run) (kubelet.Handle, error) {
	return deafRun{d: d, name: run.Container.Name, ch: make(chan struct{}), once: new(sync.Once)}, nil
}
func (r deafRun) Done() <-chan struct{} { return r.ch }
func (r deafRun) Exit() kubelet.Exit    { return kubelet.Exit{ExitCode: 137, Signal: 9} }
func (r deafRun) Stop()                 {}
func (r deafRun) Kill() {
	r.once.Do(func() {
		r.d.mu.Lock()
		r.d.killed[r.name] = r.d.clk.Now()
		r.d.mu.Unlock()
		close(r.ch)
	})
}

func (d deaf) killedAt(name string) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	at, ok := d.killed[name]
	return at, ok
}

// A pod past its activeDeadlineSeconds is killed in the order of a
// deletion (the kubelet kills it as it kills a deleted pod): when the
// grace period ends the app container is killed, and the sidecars, whose
// turn to stop had not come, are sent SIGTERM then and killed 2 s (the
// minimum grace) later, not with the app container.
func TestDeadlineStopsSidecarsAsDeletion(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clk := vtime.NewVirtual(t0)
	d := deaf{clk: clk, mu: new(sync.Mutex), killed: map[string]time.Time{}}
	k, err := kubelet.New(kubelet.Config{Name: "test", Starter: d, Clock: clk,
		Nodes: []string{"node-a"}, Addressing: kubelet.AddressingPerPod})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	w, err := k.Watch(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	always := workload.Ptr(workload.ContainerRestartPolicyAlways)
	spec := workload.PodSpec{NodeName: "node-a", RestartPolicy: workload.RestartPolicyAlways,
		ActiveDeadlineSeconds: workload.Ptr(int64(10)), TerminationGracePeriodSeconds: workload.Ptr(int64(5)),
		InitContainers: []workload.Container{{Name: "first", Image: "x", RestartPolicy: always}, {Name: "second", Image: "x", RestartPolicy: always}},
		Containers:     []workload.Container{{Name: "app", Image: "x"}}}
	if err := k.CreatePod(ctx, &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "ns", UID: "u-1"}, Spec: spec}); err != nil {
		t.Fatal(err)
	}
	// The timeout only bounds a broken run.
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for running := false; !running; {
		clk.Advance(0) // the starts, due now
		ev, err := w.Next(wait)
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := ev.Object.(*workload.Pod); ok && len(p.Status.ContainerStatuses) == 1 {
			running = p.Status.ContainerStatuses[0].State.Running != nil
		}
	}
	clk.AdvanceTo(t0.Add(15 * time.Second)) // the deadline at 10 s, its grace period over at 15 s
	if at, ok := d.killedAt("app"); !ok || !at.Equal(t0.Add(15*time.Second)) {
		t.Fatalf("app killed %v (%v), want at 15 s", ok, at)
	}
	for _, name := range []string{"first", "second"} {
		if at, ok := d.killedAt(name); ok {
			t.Fatalf("sidecar %s killed at %v with the app container, want 2 s after it", name, at.Sub(t0))
		}
	}
	clk.AdvanceTo(t0.Add(17 * time.Second))
	for _, name := range []string{"first", "second"} {
		if at, ok := d.killedAt(name); !ok || !at.Equal(t0.Add(17*time.Second)) {
			t.Fatalf("sidecar %s killed %v at %v, want at 17 s", name, ok, at.Sub(t0))
		}
	}
}

// slow is a starter whose runs exit 0 stopAfter[name] after they are
// asked to stop (on the clock), or ignore it when there is none; it notes
// when each container was killed.
type slow struct {
	deaf
	stopAfter map[string]time.Duration
}

type slowRun struct {
	deafRun
	after time.Duration
	clk   *vtime.Virtual
	code  *int32
}

func (s slow) Start(run *kubelet.Run) (kubelet.Handle, error) {
	d, _ := s.deaf.Start(run)
	after, ok := s.stopAfter[run.Container.Name]
	if !ok {
		after = -1
	}
	return slowRun{deafRun: d.(deafRun), after: after, clk: s.clk, code: new(int32)}, nil
}

func (r slowRun) Stop() {
	if r.after >= 0 {
		r.clk.AfterFunc(r.after, func() { r.once.Do(func() { close(r.ch) }) })
	}
}

func (r slowRun) Exit() kubelet.Exit {
	if _, killed := r.d.killedAt(r.name); killed {
		return kubelet.Exit{ExitCode: 137, Signal: 9}
	}
	return kubelet.Exit{}
}

// A sidecar whose turn to stop comes shortly before the grace period ends
// still gets 2 s (killContainer: what is left of the grace period after
// its wait for its turn, in whole seconds, at least
// minimumGracePeriodInSeconds), on deletion and past the deadline alike.
func TestSidecarLateTurnGetsMinimumGrace(t *testing.T) {
	for _, tc := range []struct {
		name         string
		exit, killAt time.Duration
	}{
		// Deleted at 1 s with 5 s: app exits at 5.5 s; proxy's turn then,
		// 1 s left (5 - 4 whole seconds waited): 2 s, killed at 7.5 s.
		{"deletion", 5500 * time.Millisecond, 7500 * time.Millisecond},
		// Past its deadline at 10 s: app exits at 14.5 s, proxy killed at
		// 16.5 s.
		{"deadline", 14500 * time.Millisecond, 16500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			clk := vtime.NewVirtual(t0)
			s := slow{deaf: deaf{clk: clk, mu: new(sync.Mutex), killed: map[string]time.Time{}},
				stopAfter: map[string]time.Duration{"app": 4500 * time.Millisecond}}
			k, err := kubelet.New(kubelet.Config{Name: "test", Starter: s, Clock: clk,
				Nodes: []string{"node-a"}, Addressing: kubelet.AddressingPerPod})
			if err != nil {
				t.Fatal(err)
			}
			defer k.Close()
			ctx := context.Background()
			w, err := k.Watch(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			spec := workload.PodSpec{NodeName: "node-a", RestartPolicy: workload.RestartPolicyAlways,
				TerminationGracePeriodSeconds: workload.Ptr(int64(5)),
				InitContainers:                []workload.Container{{Name: "proxy", Image: "x", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)}},
				Containers:                    []workload.Container{{Name: "app", Image: "x"}}}
			if tc.name == "deadline" {
				spec.ActiveDeadlineSeconds = workload.Ptr(int64(10))
			}
			if err := k.CreatePod(ctx, &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "ns", UID: "u-1"}, Spec: spec}); err != nil {
				t.Fatal(err)
			}
			// The timeout only bounds a broken run.
			wait, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			until := func(what string, cond func(*workload.Pod) bool) {
				t.Helper()
				for {
					ev, err := w.Next(wait)
					if err != nil {
						t.Fatalf("waiting for %s: %v", what, err)
					}
					if p, ok := ev.Object.(*workload.Pod); ok && len(p.Status.ContainerStatuses) == 1 && cond(p) {
						return
					}
				}
			}
			clk.Advance(0)
			until("app running", func(p *workload.Pod) bool { return p.Status.ContainerStatuses[0].State.Running != nil })
			clk.AdvanceTo(t0.Add(time.Second))
			if tc.name == "deletion" {
				if err := k.DeletePod(ctx, "ns", "p", 5*time.Second); err != nil {
					t.Fatal(err)
				}
			}
			clk.AdvanceTo(t0.Add(tc.exit))
			until("app exited", func(p *workload.Pod) bool { return p.Status.ContainerStatuses[0].State.Terminated != nil })
			clk.AdvanceTo(t0.Add(tc.killAt - time.Millisecond))
			if at, ok := s.killedAt("proxy"); ok {
				t.Fatalf("proxy killed at %v, want at %v (2 s after its turn)", at.Sub(t0), tc.killAt)
			}
			clk.AdvanceTo(t0.Add(tc.killAt))
			if at, ok := s.killedAt("proxy"); !ok || !at.Equal(t0.Add(tc.killAt)) {
				t.Fatalf("proxy killed %v at %v, want at %v", ok, at.Sub(t0), tc.killAt)
			}
		})
	}
}
