package orchestra_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// A bare pod on the fake runtime, played forward in virtual time: it is
// scheduled, runs for the fake's default ten seconds and succeeds, at
// exact virtual times and without sleeping.
func ExampleCluster() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(start), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}})
	last := ""
	c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && p.Status.Phase != last {
			last = p.Status.Phase
			fmt.Printf("%s %s on %s: %s\n", c.Now().Sub(start), p.Name, p.Spec.NodeName, p.Status.Phase)
		}
	})
	_, err = c.Apply(&workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "hello"},
		Spec: workload.PodSpec{
			RestartPolicy: workload.RestartPolicyNever,
			Containers:    []workload.Container{{Name: "main", Image: "busybox"}},
		},
	})
	if err != nil {
		panic(err)
	}
	c.Advance(time.Minute)
	// Output:
	// 0s hello on node-a: Pending
	// 0s hello on node-a: Running
	// 10s hello on node-a: Succeeded
}

// Apply rejects a bad object with every bad field named, and changes
// nothing.
func ExampleCluster_Apply() {
	c, _ := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Unix(0, 0)), Seed: 1})
	defer c.Close()
	_, err := c.Apply(&workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "Backup"},
		Spec: workload.JobSpec{
			Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
				RestartPolicy: workload.RestartPolicyAlways,
				Containers:    []workload.Container{{Name: "dump", Image: "mysql"}},
			}},
		},
	})
	fmt.Println(err)
	jobs, _ := c.List("Job", "", "")
	fmt.Println(len(jobs), "jobs stored")
	// Output:
	// workload: invalid object Job/default/Backup: metadata.name: Invalid value: "Backup": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'); spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"
	// 0 jobs stored
}
