package orchestra_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Events are correlated as Kubernetes' are: a CronJob that creates a Job
// every 5 minutes for two hours has 24 SuccessfulCreate occurrences, the
// first nine as events of their own and the rest combined into one event
// whose Count says how many it stands for. Add up Count to count them.
func ExampleCluster_Events() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(start), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}})
	_, err = c.Apply(&workload.CronJob{
		ObjectMeta: workload.ObjectMeta{Name: "tick"},
		Spec: workload.CronJobSpec{
			Schedule: "*/5 * * * *",
			JobTemplate: workload.JobTemplateSpec{Spec: workload.JobSpec{
				Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
					RestartPolicy: workload.RestartPolicyOnFailure,
					Containers:    []workload.Container{{Name: "tick", Image: "busybox"}},
				}},
			}},
		},
	})
	if err != nil {
		panic(err)
	}
	if err := c.Advance(2 * time.Hour); err != nil {
		panic(err)
	}
	events, total := 0, int32(0)
	for _, e := range c.Events() {
		if e.InvolvedObject.Kind == "CronJob" && e.Reason == "SuccessfulCreate" {
			events++
			total += e.Count
			if e.Count > 1 {
				fmt.Printf("x%d %s\n", e.Count, e.Message)
			}
		}
	}
	fmt.Println(events, "events,", total, "Jobs created")
	// Output:
	// x15 (combined from similar events): Created job tick-29453880
	// 10 events, 24 Jobs created
}
