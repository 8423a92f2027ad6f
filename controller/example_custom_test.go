package controller_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	orchestra "github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// perNode is a custom controller: it keeps the replicas of every
// Deployment labelled per-node=true equal to the number of Ready nodes. It
// maps changes to keys in Handle (a node change concerns every such
// Deployment) and looks at the whole current state in Reconcile.
type perNode struct{ deps controller.Deps }

func (c *perNode) Name() string { return "per-node" }

func (c *perNode) Start(enqueue func(key string)) { c.enqueueAll(enqueue) }

func (c *perNode) Handle(ev store.Event, enqueue func(key string)) {
	switch o := ev.Object.(type) {
	case *workload.Node:
		c.enqueueAll(enqueue)
	case *workload.Deployment:
		if o.Labels["per-node"] == "true" {
			enqueue(o.Namespace + "/" + o.Name)
		}
	}
}

func (c *perNode) enqueueAll(enqueue func(key string)) {
	sel := labels.SelectorFromSet(labels.Set{"per-node": "true"})
	for _, o := range c.deps.Store.List("Deployment", "", sel) {
		enqueue(o.GetObjectMeta().Namespace + "/" + o.GetObjectMeta().Name)
	}
}

func (c *perNode) Reconcile(ctx context.Context, key string) (controller.Result, error) {
	ns, name, _ := strings.Cut(key, "/")
	o, err := c.deps.Store.Get("Deployment", ns, name)
	if err != nil {
		return controller.Result{}, nil // gone: nothing to do
	}
	d := o.(*workload.Deployment)
	ready := int32(0)
	for _, n := range c.deps.Store.List("Node", "", nil) {
		for _, cond := range n.(*workload.Node).Status.Conditions {
			if cond.Type == workload.NodeReady && cond.Status == workload.ConditionTrue {
				ready++
			}
		}
	}
	if d.Spec.Replicas != nil && *d.Spec.Replicas == ready {
		return controller.Result{}, nil
	}
	d.Spec.Replicas = workload.Ptr(ready)
	// A conflict (the Deployment changed since Get) is an error: the key
	// is requeued with back-off and reconciled again from the new state.
	if _, err := c.deps.Store.Update(d); err != nil {
		return controller.Result{}, err
	}
	c.deps.Events.Eventf(d, workload.EventTypeNormal, "ScaledToNodes", "Scaled to %d replicas, one per Ready node", ready)
	return controller.Result{}, nil
}

// A custom controller runs beside orchestra's own: Config.Controllers
// takes DefaultControllers() and one more maker. Nodes join and fail; the
// controller rescales the Deployment, and the Deployment controller does
// the rest.
func ExampleController() {
	clock := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	ctrls := append(orchestra.DefaultControllers(), func(d controller.Deps) controller.Controller { return &perNode{deps: d} })
	c, err := orchestra.New(orchestra.Config{Clock: clock, Seed: 1, Controllers: ctrls})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	labels := map[string]string{"app": "agent"}
	if _, err := c.Apply(&workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "agent", Labels: map[string]string{"per-node": "true"}},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr[int32](1),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "agent", Image: "agent:1"}}},
			},
		},
	}); err != nil {
		panic(err)
	}
	show := func(what string) {
		d, _ := orchestra.GetAs[*workload.Deployment](c, "default", "agent")
		fmt.Printf("%s: replicas %d, ready %d\n", what, *d.Spec.Replicas, d.Status.ReadyReplicas)
	}
	for _, n := range []string{"node-a", "node-b", "node-c"} {
		if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			panic(err)
		}
	}
	_ = c.Advance(time.Second)
	show("3 nodes")
	if err := c.Fake().FailNode("node-c"); err != nil {
		panic(err)
	}
	// The node stays Ready for the node monitor grace period (50 s), then
	// the node lifecycle controller marks it Unknown.
	_ = c.Advance(49 * time.Second)
	show("node-c silent 49s")
	_ = c.Advance(2 * time.Second)
	show("node-c silent 51s")
	for _, e := range c.Events() {
		if e.Reason == "ScaledToNodes" {
			fmt.Println(e.Reason+":", e.Message)
		}
	}
	// Output:
	// 3 nodes: replicas 3, ready 3
	// node-c silent 49s: replicas 3, ready 3
	// node-c silent 51s: replicas 2, ready 2
	// ScaledToNodes: Scaled to 3 replicas, one per Ready node
	// ScaledToNodes: Scaled to 2 replicas, one per Ready node
}
