package orchestra_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/workload"
)

// Run drives a cluster in real time: here on the inproc runtime, where a
// container is a Go function. The caller waits for what it needs with
// WaitFor (never by sleeping), then cancels Run's context and closes the
// cluster and the runtime; Run returns after its goroutines have ended.
func ExampleCluster_Run() {
	rt, err := inproc.New(inproc.Config{Nodes: []string{"node-a"},
		FirstPodCIDR: netip.MustParseAddr("127.31.0.0")}) // apart from other runtimes on this machine
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	if err := rt.Register("greet", func(ctx context.Context, c *inproc.Container) error {
		fmt.Fprintln(c.Stdout(), "hello from", c.Getenv("POD_NAME"))
		return nil
	}); err != nil {
		panic(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: rt, Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	if _, err := c.Apply(&workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "greet"},
		Spec: workload.JobSpec{Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
			RestartPolicy: workload.RestartPolicyNever,
			Containers:    []workload.Container{{Name: "main", Image: inproc.Image("greet")}},
		}}},
	}); err != nil {
		panic(err)
	}
	var finished *workload.Condition
	if err := c.WaitFor(ctx, func() bool {
		j, err := orchestra.GetAs[*workload.Job](c, "default", "greet")
		if err != nil {
			return false
		}
		finished = controller.JobFinished(j) // Complete or Failed, once True
		return finished != nil
	}); err != nil {
		panic(err)
	}
	fmt.Println("Job", finished.Type)
	pods, _ := c.Pods("default", "job-name=greet")
	logs, err := rt.Logs(ctx, "default", pods[0].Name, "main", false)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(logs))

	cancel()
	fmt.Println("Run:", <-done)
	// Output:
	// Job Complete
	// hello from greet-7gww7
	// Run: context canceled
}
