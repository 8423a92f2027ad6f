package kubelet_test

import (
	"context"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/internal/kubelet"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// failing is a starter whose runs exit 1 at once.
type failing struct{}

type failed struct{ ch chan struct{} }

func (d failed) Done() <-chan struct{} { return d.ch }
func (d failed) Exit() kubelet.Exit    { return kubelet.Exit{ExitCode: 1} }
func (d failed) Stop()                 {}
func (d failed) Kill()                 {}

func (failing) Start(run *kubelet.Run) (kubelet.Handle, error) {
	d := failed{ch: make(chan struct{})}
	close(d.ch)
	return d, nil
}

// failingPod makes a kubelet whose runs exit 1 at once, with a back-off
// of an hour (the container waits it out while the test looks, whatever
// the machine's speed), and a watch of it, both closed when the test
// ends; then it creates pod ns/p (uid u-1, restartPolicy Always, one
// container c) on node-a.
func failingPod(t *testing.T) (*kubelet.Kubelet, workload.Watcher) {
	t.Helper()
	k, err := kubelet.New(kubelet.Config{Name: "test", Starter: failing{}, Clock: vtime.Real(), BackoffBase: time.Hour,
		Nodes: []string{"node-a"}, Addressing: kubelet.AddressingPerPod})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	ctx := context.Background()
	w, err := k.Watch(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	err = k.CreatePod(ctx, &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "ns", UID: "u-1"},
		Spec: workload.PodSpec{NodeName: "node-a", RestartPolicy: workload.RestartPolicyAlways,
			Containers: []workload.Container{{Name: "c", Image: "x"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return k, w
}

// The Waiting message of a container in back-off names the pod as the
// kubelet's format.Pod does: "<name>_<namespace>(<uid>)".
// Source: pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff;
// pkg/kubelet/util/format/pod.go PodDesc.
func TestBackOffMessageNamesPodUID(t *testing.T) {
	ctx := context.Background()
	_, w := failingPod(t)
	// The timeout only bounds a broken run.
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		ev, err := w.Next(wait)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := ev.Object.(*workload.Pod)
		if !ok || len(p.Status.ContainerStatuses) == 0 {
			continue
		}
		if ws := p.Status.ContainerStatuses[0].State.Waiting; ws != nil && ws.Reason == "CrashLoopBackOff" {
			if want := "back-off 1h0m0s restarting failed container=c pod=p_ns(u-1)"; ws.Message != want {
				t.Errorf("message %q, want %q", ws.Message, want)
			}
			return
		}
	}
}
