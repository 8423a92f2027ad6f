package orchestra_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// GetAs and ListAs read objects as their own types: no kind string, no
// type assertion.
func ExampleGetAs() {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	if _, err := c.Apply(&workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr(int32(2)),
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
			},
		},
	}); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	d, err := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Name, "available:", d.Status.AvailableReplicas)
	rss, err := orchestra.ListAs[*workload.ReplicaSet](c, "default", "app=web")
	if err != nil {
		panic(err)
	}
	fmt.Println(len(rss), "ReplicaSet with", *rss[0].Spec.Replicas, "replicas")
	_, err = orchestra.GetAs[*workload.Job](c, "default", "web")
	fmt.Println(err)
	// Output:
	// web available: 2
	// 1 ReplicaSet with 2 replicas
	// store: not found: Job/default/web
}

// ListAs lists objects as their own type: here the nodes the fake
// runtime reports, once the cluster has been driven.
func ExampleListAs() {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	for _, name := range []string{"node-b", "node-a"} {
		if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: name}}); err != nil {
			panic(err)
		}
	}
	if err := c.Advance(0); err != nil {
		panic(err)
	}
	nodes, err := orchestra.ListAs[*workload.Node](c, "", "")
	if err != nil {
		panic(err)
	}
	for _, n := range nodes {
		fmt.Println(n.Name, n.Status.Conditions[len(n.Status.Conditions)-1].Type)
	}
	// Output:
	// node-a Ready
	// node-b Ready
}
