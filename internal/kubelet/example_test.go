package kubelet_test

import (
	"context"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra/internal/kubelet"
	"github.com/orchestra-go/orchestra/workload"
)

// echo is a starter whose runs print their args and exit 0 at once.
type echo struct{}

type done struct{ ch chan struct{} }

func (d done) Done() <-chan struct{} { return d.ch }
func (d done) Exit() kubelet.Exit    { return kubelet.Exit{} }
func (d done) Stop()                 {}
func (d done) Kill()                 {}

func (echo) Start(run *kubelet.Run) (kubelet.Handle, error) {
	fmt.Fprintln(run.Log, run.Container.Args)
	d := done{ch: make(chan struct{})}
	close(d.ch)
	return d, nil
}

func Example() {
	k, err := kubelet.New(kubelet.Config{Name: "echo", Starter: echo{}, Nodes: []string{"node-a"}, Addressing: kubelet.AddressingPerPod})
	if err != nil {
		panic(err)
	}
	defer k.Close()
	ctx := context.Background()
	w, _ := k.Watch(ctx, 0)
	defer w.Stop()
	_ = k.CreatePod(ctx, &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "hi"},
		Spec: workload.PodSpec{NodeName: "node-a", RestartPolicy: workload.RestartPolicyNever,
			Containers: []workload.Container{{Name: "main", Image: "echo", Args: []string{"hello", "world"}}}},
	})
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		ev, err := w.Next(wait)
		if err != nil {
			panic(err)
		}
		if p := ev.Object.(*workload.Pod); p.Status.Phase == workload.PodSucceeded {
			fmt.Println(p.Name, p.Status.PodIP, p.Status.Phase)
			break
		}
	}
	logs, _ := k.Logs(ctx, "default", "hi", "main", false)
	fmt.Print(string(logs))
	// Output:
	// hi 127.1.0.2 Succeeded
	// [hello world]
}
