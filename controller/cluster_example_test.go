package controller_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// newExampleCluster is a virtual-time cluster with every controller and
// the given nodes.
func newExampleCluster(nodes ...string) *orchestra.Cluster {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Seed: 1})
	if err != nil {
		panic(err)
	}
	for _, n := range nodes {
		if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			panic(err)
		}
	}
	return c
}

// A CronJob every minute, played for three minutes: one Job per slot,
// named after the slot's Unix minute.
func ExampleNewCronJob() {
	c := newExampleCluster("node-a")
	defer c.Close()
	_, err := c.Apply(&workload.CronJob{
		ObjectMeta: workload.ObjectMeta{Name: "tick"},
		Spec: workload.CronJobSpec{
			Schedule: "* * * * *",
			JobTemplate: workload.JobTemplateSpec{Spec: workload.JobSpec{Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
				RestartPolicy: workload.RestartPolicyOnFailure,
				Containers:    []workload.Container{{Name: "tick", Image: "busybox"}},
			}}}},
		},
	})
	if err != nil {
		panic(err)
	}
	c.Advance(3*time.Minute + 30*time.Second)
	jobs, _ := c.List("Job", "default", "")
	for _, o := range jobs {
		j := o.(*workload.Job)
		fmt.Println(j.Name, j.Annotations[workload.CronJobScheduledTimestamp], "succeeded", j.Status.Succeeded)
	}
	// Output:
	// tick-29453761 2026-01-01T00:01:00Z succeeded 1
	// tick-29453762 2026-01-01T00:02:00Z succeeded 1
	// tick-29453763 2026-01-01T00:03:00Z succeeded 1
}

// Deleting a Deployment with the Orphan policy leaves its ReplicaSet and
// pods running; Background (the default) would delete them after it.
func ExampleNewGarbageCollector() {
	c := newExampleCluster("node-a")
	defer c.Close()
	_, err := c.Apply(&workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr[int32](2),
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	})
	if err != nil {
		panic(err)
	}
	c.Advance(time.Minute)
	c.Delete("Deployment", "default", "web", "Orphan")
	c.Advance(time.Minute)
	for _, kind := range []string{"Deployment", "ReplicaSet", "Pod"} {
		objs, _ := c.List(kind, "default", "")
		owned := 0
		for _, o := range objs {
			if len(o.GetObjectMeta().OwnerReferences) > 0 {
				owned++
			}
		}
		fmt.Printf("%s: %d (%d with an owner)\n", kind, len(objs), owned)
	}
	// Output:
	// Deployment: 0 (0 with an owner)
	// ReplicaSet: 1 (0 with an owner)
	// Pod: 2 (2 with an owner)
}

// A node that stops being Ready gets the not-ready taints; its pods, which
// tolerate them for 300 s by default, are evicted five minutes later and
// their Deployment puts them back on the node that is left.
func ExampleNewNodeLifecycle() {
	c := newExampleCluster("node-a", "node-b")
	defer c.Close()
	_, err := c.Apply(&workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr[int32](2),
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	})
	if err != nil {
		panic(err)
	}
	c.Advance(time.Minute)
	c.Fake().SetNodeReady("node-a", false)
	where := func() map[string]int {
		pods, _ := c.Pods("default", "app=web")
		n := map[string]int{}
		for _, p := range pods {
			if p.DeletionTimestamp == nil {
				n[p.Spec.NodeName]++
			}
		}
		return n
	}
	c.Advance(299 * time.Second)
	fmt.Println("after 299 s:", where())
	c.Advance(time.Minute)
	fmt.Println("after 359 s:", where())
	// Output:
	// after 299 s: map[node-a:1 node-b:1]
	// after 359 s: map[node-b:2]
}
