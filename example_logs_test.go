package orchestra_test

import (
	"context"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Logs reads a container's log as kubectl logs does, its default container
// when none is named. The fake runtime's log is a line per start and exit;
// inproc's and process's are what the container wrote.
func ExampleCluster_Logs() {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	if _, err := c.Apply(&workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "once"},
		Spec: workload.PodSpec{
			RestartPolicy: workload.RestartPolicyNever,
			Containers:    []workload.Container{{Name: "main", Image: "busybox"}, {Name: "helper", Image: "busybox"}},
		},
	}); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	logs, err := c.Logs(context.Background(), "", "once", "", false) // main: the first container
	if err != nil {
		panic(err)
	}
	fmt.Print(string(logs))
	_, err = c.Logs(context.Background(), "", "once", "sidecar", false)
	fmt.Println(err)
	// Output:
	// 2026-01-01T00:00:00Z fake: container main started
	// 2026-01-01T00:00:10Z fake: container main exited with code 0 (Completed)
	// orchestra: logs: Pod/default/once: container "sidecar" is not valid for the pod (its containers: "main", "helper"): workload: invalid object
}
