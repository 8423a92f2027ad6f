package inproc_test

import (
	"context"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/workload"
)

// Example runs a function to completion through the runtime directly:
// create a pod whose image names it, watch until the pod succeeds, read
// its log.
func Example() {
	rt, err := inproc.New(inproc.Config{Nodes: []string{"node-a"}})
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	_ = rt.Register("hello", func(ctx context.Context, c *inproc.Container) error {
		fmt.Fprintf(c.Stdout(), "hello from %s on %s, args %v\n", c.Getenv("POD_NAME"), c.Getenv("NODE_NAME"), c.Args())
		return nil
	})

	ctx := context.Background()
	_, _, version, _ := rt.List(ctx)
	w, _ := rt.Watch(ctx, version)
	defer w.Stop()
	err = rt.CreatePod(ctx, &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "greeter", Namespace: "default"},
		Spec: workload.PodSpec{
			NodeName:      "node-a",
			RestartPolicy: workload.RestartPolicyNever,
			Containers:    []workload.Container{{Name: "main", Image: "func://hello", Args: []string{"--loud"}}},
		},
	})
	if err != nil {
		panic(err)
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		ev, err := w.Next(wait)
		if err != nil {
			panic(err)
		}
		if p := ev.Object.(*workload.Pod); p.Status.Phase == workload.PodSucceeded {
			fmt.Println(p.Name, p.Status.Phase, "exit code", p.Status.ContainerStatuses[0].State.Terminated.ExitCode)
			break
		}
	}
	logs, _ := rt.Logs(ctx, "default", "greeter", "main", false)
	fmt.Print(string(logs))
	// Output:
	// greeter Succeeded exit code 0
	// hello from greeter on node-a, args [--loud]
}
