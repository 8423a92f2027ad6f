//go:build linux

package process_test

import (
	"context"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra/process"
	"github.com/orchestra-go/orchestra/workload"
)

// Example runs echo as a container through the runtime directly: create a
// pod, watch until it has finished, read its log. $(POD_NAME) is expanded
// by the runtime, not by a shell.
func Example() {
	rt, err := process.New(process.Config{Nodes: []string{"node-a"}})
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	ctx := context.Background()
	_, _, version, _ := rt.List(ctx)
	w, _ := rt.Watch(ctx, version)
	defer w.Stop()
	err = rt.CreatePod(ctx, &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "greeter", Namespace: "default"},
		Spec: workload.PodSpec{
			NodeName:      "node-a",
			RestartPolicy: workload.RestartPolicyNever,
			Containers: []workload.Container{{Name: "main", Image: "informational",
				Command: []string{"echo"}, Args: []string{"hello from $(POD_NAME) on $(NODE_NAME)"}}},
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
			t := p.Status.ContainerStatuses[0].State.Terminated
			fmt.Println(p.Name, p.Status.Phase, "exit code", t.ExitCode, t.Reason)
			break
		}
	}
	logs, _ := rt.Logs(ctx, "default", "greeter", "main", false)
	fmt.Print(string(logs))
	// Output:
	// greeter Succeeded exit code 0 Completed
	// hello from greeter on node-a
}
