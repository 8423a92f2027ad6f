package orchestra_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// RunUntil plays virtual time forward until a condition holds, here a
// Job's Complete condition. The fake runtime is made on the cluster's
// clock, with a behaviour rule: the Job's container fails twice (exit 1),
// then succeeds, each run lasting 5 s. The Job controller retries with a
// new pod after its back-off (10 s, then 20 s), so the Job completes at
// exactly 45 s of virtual time: runs at 0-5 s, 15-20 s and 40-45 s.
func ExampleCluster_RunUntil() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := vtime.NewVirtual(start)
	f, err := fake.New(fake.Config{Clock: clock, Behaviors: []fake.Behavior{{
		Match:     fake.Match{Image: "migrate*"},
		RunFor:    workload.Ptr(5 * time.Second),
		ExitCodes: []int32{1, 1, 0},
	}}})
	if err != nil {
		panic(err)
	}
	defer f.Close()
	c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: clock, Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	if _, err := c.Apply(&workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "migrate"},
		Spec: workload.JobSpec{
			BackoffLimit: workload.Ptr[int32](3),
			Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
				RestartPolicy: workload.RestartPolicyNever,
				Containers:    []workload.Container{{Name: "migrate", Image: "migrate:1"}},
			}},
		},
	}); err != nil {
		panic(err)
	}
	complete := func() bool {
		o, err := c.Get("Job", "default", "migrate")
		if err != nil {
			return false
		}
		cond := controller.FindCondition(o.(*workload.Job).Status.Conditions, workload.JobComplete)
		return cond != nil && cond.Status == workload.ConditionTrue
	}
	ok, err := c.RunUntil(complete, time.Hour)
	if err != nil {
		panic(err)
	}
	o, _ := c.Get("Job", "default", "migrate")
	job := o.(*workload.Job)
	fmt.Println("complete:", ok, "at", c.Now().Sub(start))
	fmt.Println("failed:", job.Status.Failed, "succeeded:", job.Status.Succeeded)
	// Output:
	// complete: true at 45s
	// failed: 2 succeeded: 1
}
