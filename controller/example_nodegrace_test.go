package controller_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// A node whose kubelet goes silent is marked Unknown once the node monitor
// grace period has passed: 50 s by default, here 40 s (Kubernetes' default
// before 1.32), set with NewNodeLifecycleWith in place of
// NewNodeLifecycle among the cluster's controllers.
func ExampleNewNodeLifecycleWith() {
	nodeLifecycle, err := controller.NewNodeLifecycleWith(controller.NodeLifecycleConfig{NodeMonitorGracePeriod: 40 * time.Second})
	if err != nil {
		panic(err)
	}
	makers := []func(controller.Deps) controller.Controller{nodeLifecycle}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(start), Seed: 1, Controllers: makers})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	for _, n := range []string{"node-a", "node-b"} {
		if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			panic(err)
		}
	}
	if err := c.Fake().FailNode("node-b"); err != nil {
		panic(err)
	}
	for _, at := range []time.Duration{39 * time.Second, 40 * time.Second} {
		if err := c.AdvanceTo(start.Add(at)); err != nil {
			panic(err)
		}
		n, err := orchestra.GetAs[*workload.Node](c, "", "node-b")
		if err != nil {
			panic(err)
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == workload.NodeReady {
				fmt.Printf("%v: Ready %s %s\n", at, cond.Status, cond.Reason)
			}
		}
	}
	// Output:
	// 39s: Ready True KubeletReady
	// 40s: Ready Unknown NodeStatusUnknown
}
