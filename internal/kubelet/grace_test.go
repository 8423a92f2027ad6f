package kubelet_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/internal/kubelet"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// stubborn is a starter whose runs ignore Stop (SIGTERM) and end only
// when killed; kills counts the Kill calls.
type stubborn struct{ kills *atomic.Int32 }

type stubbornRun struct {
	ch    chan struct{}
	once  *atomic.Bool
	kills *atomic.Int32
}

func (s stubborn) Start(*kubelet.Run) (kubelet.Handle, error) {
	return stubbornRun{ch: make(chan struct{}), once: new(atomic.Bool), kills: s.kills}, nil
}
func (r stubbornRun) Done() <-chan struct{} { return r.ch }
func (r stubbornRun) Exit() kubelet.Exit    { return kubelet.Exit{ExitCode: 137, Signal: 9} }
func (r stubbornRun) Stop()                 {}
func (r stubbornRun) Kill() {
	r.kills.Add(1)
	if r.once.CompareAndSwap(false, true) {
		close(r.ch)
	}
}

// A run asked to stop is killed no sooner than 2 s later, whatever the
// grace: kuberuntime_container.go killContainer raises a shorter grace to
// minimumGracePeriodInSeconds ("always give containers a minimal shutdown
// window to avoid unnecessary SIGKILLs"). So DeletePod with a grace of
// 1 s kills after 2 s, and a pod past its activeDeadlineSeconds with
// terminationGracePeriodSeconds 0 is killed 2 s after its deadline.
func TestKillNoSoonerThanMinimumGrace(t *testing.T) {
	for _, tc := range []struct {
		name     string
		deadline bool
	}{{"delete with grace 1s", false}, {"deadline with terminationGracePeriodSeconds 0", true}} {
		t.Run(tc.name, func(t *testing.T) {
			kills := new(atomic.Int32)
			clk := vtime.NewVirtual(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
			k, err := kubelet.New(kubelet.Config{Name: "test", Starter: stubborn{kills}, Clock: clk,
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
				Containers: []workload.Container{{Name: "c", Image: "x"}}}
			if tc.deadline {
				spec.ActiveDeadlineSeconds = workload.Ptr(int64(5))
				spec.TerminationGracePeriodSeconds = workload.Ptr(int64(0))
			}
			if err := k.CreatePod(ctx, &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "ns", UID: "u-1"}, Spec: spec}); err != nil {
				t.Fatal(err)
			}
			clk.Advance(0) // the start, due now
			// The timeout only bounds a broken run.
			wait, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			for running := false; !running; {
				ev, err := w.Next(wait)
				if err != nil {
					t.Fatal(err)
				}
				if p, ok := ev.Object.(*workload.Pod); ok && len(p.Status.ContainerStatuses) == 1 {
					running = p.Status.ContainerStatuses[0].State.Running != nil
				}
			}
			if tc.deadline {
				clk.Advance(5 * time.Second)
			} else if err := k.DeletePod(ctx, "ns", "p", time.Second); err != nil {
				t.Fatal(err)
			}
			clk.Advance(1500 * time.Millisecond)
			if n := kills.Load(); n != 0 {
				t.Fatalf("killed %d times 1.5 s after the stop, want not before 2 s", n)
			}
			clk.Advance(600 * time.Millisecond)
			if n := kills.Load(); n == 0 {
				t.Fatal("not killed 2.1 s after the stop")
			}
		})
	}
}
