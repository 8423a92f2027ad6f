package kubelet_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/internal/kubelet"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// imaged is a starter that reports the image of every run it starts;
// its runs exit 143 when asked to stop, unless deaf, then only when
// killed (137).
type imaged struct {
	started chan string
	deaf    bool
}

type imagedRun struct {
	ch   chan struct{}
	once *sync.Once
	deaf bool
	code *int32
}

func (s imaged) Start(run *kubelet.Run) (kubelet.Handle, error) {
	s.started <- run.Container.Image
	return imagedRun{ch: make(chan struct{}), once: new(sync.Once), deaf: s.deaf, code: new(int32)}, nil
}
func (r imagedRun) Done() <-chan struct{} { return r.ch }
func (r imagedRun) Exit() kubelet.Exit {
	if *r.code == 137 {
		return kubelet.Exit{ExitCode: 137, Signal: 9}
	}
	return kubelet.Exit{ExitCode: 143, Signal: 15}
}
func (r imagedRun) Stop() {
	if !r.deaf {
		r.once.Do(func() { *r.code = 143; close(r.ch) })
	}
}
func (r imagedRun) Kill() { r.once.Do(func() { *r.code = 137; close(r.ch) }) }

// An image update of a running container stops it (SIGTERM, SIGKILL when
// the grace period ends) and starts it again with the new image, whatever
// the restart policy, its restartCount one more.
func TestUpdateImageRestarts(t *testing.T) {
	for _, tc := range []struct {
		policy string
		deaf   bool
	}{{workload.RestartPolicyAlways, false}, {workload.RestartPolicyNever, false}, {workload.RestartPolicyOnFailure, true}} {
		t.Run(tc.policy, func(t *testing.T) {
			t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			clk := vtime.NewVirtual(t0)
			s := imaged{started: make(chan string, 4), deaf: tc.deaf}
			k, err := kubelet.New(kubelet.Config{Name: "test", Starter: s, Clock: clk,
				Nodes: []string{"node-a"}, Addressing: kubelet.AddressingPerPod})
			if err != nil {
				t.Fatal(err)
			}
			defer k.Close()
			ctx := context.Background()
			pod := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "ns", UID: "u-1"}, Spec: workload.PodSpec{
				NodeName: "node-a", RestartPolicy: tc.policy, TerminationGracePeriodSeconds: workload.Ptr[int64](5),
				Containers: []workload.Container{{Name: "app", Image: "app:v1"}}}}
			if err := k.CreatePod(ctx, pod); err != nil {
				t.Fatal(err)
			}
			clk.Advance(0)
			next := func() string {
				t.Helper()
				select {
				case img := <-s.started:
					return img
				case <-time.After(30 * time.Second): // bounds a broken run only
					t.Fatal("no start")
					return ""
				}
			}
			if img := next(); img != "app:v1" {
				t.Fatalf("first run %q", img)
			}
			up := pod.DeepCopy()
			up.Spec.Containers[0].Image = "app:v2"
			if err := k.UpdatePod(ctx, up); err != nil {
				t.Fatal(err)
			}
			if tc.deaf {
				clk.Advance(5 * time.Second) // the grace period: killed
			}
			if img := next(); img != "app:v2" {
				t.Fatalf("second run %q, want app:v2", img)
			}
			got, err := k.GetPod("ns", "p")
			if err != nil {
				t.Fatal(err)
			}
			c := got.Status.ContainerStatuses[0]
			want := int32(143)
			if tc.deaf {
				want = 137
			}
			if c.RestartCount != 1 || c.State.Running == nil || c.Image != "app:v2" || c.LastTerminationState.Terminated == nil ||
				c.LastTerminationState.Terminated.ExitCode != want || got.Spec.Containers[0].Image != "app:v2" {
				t.Fatalf("after the update %+v (spec image %q), want running app:v2, restartCount 1, last exit %d", c, got.Spec.Containers[0].Image, want)
			}
			if got.Status.Phase != workload.PodRunning {
				t.Fatalf("phase %s, want Running", got.Status.Phase)
			}
		})
	}
}

// Bad updates are refused and change nothing.
func TestUpdatePodRefused(t *testing.T) {
	clk := vtime.NewVirtual(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	k, err := kubelet.New(kubelet.Config{Name: "test", Starter: imaged{started: make(chan string, 4)}, Clock: clk,
		Nodes: []string{"node-a"}, Addressing: kubelet.AddressingPerPod})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	pod := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "ns", UID: "u-1"}, Spec: workload.PodSpec{
		NodeName: "node-a", Containers: []workload.Container{{Name: "app", Image: "app:v1"}}}}
	if err := k.CreatePod(ctx, pod); err != nil {
		t.Fatal(err)
	}
	renamed := pod.DeepCopy()
	renamed.Spec.Containers[0].Name, renamed.Spec.Containers[0].Image = "other", "app:v2"
	other := pod.DeepCopy()
	other.UID = "u-2"
	for _, tc := range []struct {
		pod  *workload.Pod
		want error
	}{{nil, kubelet.ErrInvalid}, {renamed, kubelet.ErrInvalid}, {other, workload.ErrPodNotFound}} {
		if err := k.UpdatePod(ctx, tc.pod); !errors.Is(err, tc.want) {
			t.Errorf("UpdatePod = %v, want %v", err, tc.want)
		}
	}
	got, err := k.GetPod("ns", "p")
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Containers[0].Name != "app" || got.Spec.Containers[0].Image != "app:v1" {
		t.Fatalf("a refused update changed the pod: %+v", got.Spec.Containers[0])
	}
}
