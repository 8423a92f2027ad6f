package fake_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// FailNode makes a node's kubelet go silent. Through a cluster: the node
// keeps the status it last posted until the node monitor grace period
// (50 s) has passed; then the node lifecycle controller marks it
// Ready=Unknown and taints it unreachable, its pod is marked not ready,
// and when the pod's default toleration of the taint (300 s) runs out,
// 350 s after the failure, it is evicted: it stays Terminating, as no
// kubelet confirms it gone, and its ReplicaSet creates a replacement on
// the node that works.
func ExampleRuntime_FailNode() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(start), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	f := c.Fake()
	for _, n := range []string{"node-a", "node-b"} {
		if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			panic(err)
		}
	}
	labels := map[string]string{"app": "web"}
	if _, err := c.Apply(&workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr[int32](2),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	// seen prints each pod's node, readiness and deletion as they change.
	seen := map[string]string{}
	report := func(p *workload.Pod) {
		s := fmt.Sprintf("on %s ready=%v", p.Spec.NodeName, controller.IsPodReady(p))
		if p.DeletionTimestamp != nil {
			s += " terminating"
		}
		if seen[p.Name] != s {
			seen[p.Name] = s
			fmt.Printf("%-5v pod %s %s\n", c.Now().Sub(start), p.Name, s)
		}
	}
	pods, _ := c.Pods("default", "app=web")
	for _, p := range pods {
		report(p)
	}
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && p.Spec.NodeName != "" {
			report(p)
		}
	}); err != nil {
		panic(err)
	}

	if err := f.FailNode("node-b"); err != nil {
		panic(err)
	}
	if err := c.Advance(10 * time.Minute); err != nil {
		panic(err)
	}
	o, err := c.Get("Node", "", "node-b")
	if err != nil {
		panic(err)
	}
	for _, cond := range o.(*workload.Node).Status.Conditions {
		if cond.Type == workload.NodeReady {
			fmt.Println("node-b Ready:", cond.Status)
		}
	}
	// Output:
	// 1m0s  pod web-74456c49cd-6ctr2 on node-b ready=true
	// 1m0s  pod web-74456c49cd-7rsvx on node-a ready=true
	// 1m50s pod web-74456c49cd-6ctr2 on node-b ready=false
	// 6m50s pod web-74456c49cd-6ctr2 on node-b ready=false terminating
	// 6m50s pod web-74456c49cd-vp9df on node-a ready=false
	// 6m50s pod web-74456c49cd-vp9df on node-a ready=true
	// node-b Ready: Unknown
}
