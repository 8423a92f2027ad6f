package fake_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// AddNode and RemoveNode are nodes joining and leaving the cluster. A
// DaemonSet follows them: a node that joins gets its daemon pod at once;
// a node that leaves takes its pods with it (RemoveNode deletes them
// first, as a machine that goes away), and the DaemonSet's desired count
// drops. A node whose labels change to match the template's nodeSelector
// gets a pod too (SetNodeLabels).
func ExampleRuntime_RemoveNode() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(start), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	f := c.Fake()
	labels := map[string]string{"app": "agent"}
	if _, err := c.Apply(&workload.DaemonSet{
		ObjectMeta: workload.ObjectMeta{Name: "agent"},
		Spec: workload.DaemonSetSpec{
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec: workload.PodSpec{
					NodeSelector: map[string]string{"pool": "edge"},
					Containers:   []workload.Container{{Name: "agent", Image: "agent:1"}},
				},
			},
		},
	}); err != nil {
		panic(err)
	}
	// show prints, after a second of virtual time, the node of each
	// daemon pod that runs, and what the DaemonSet desires.
	show := func(what string) {
		if err := c.Advance(time.Second); err != nil {
			panic(err)
		}
		pods, _ := c.Pods("default", "app=agent")
		var nodes []string
		for _, p := range pods {
			if p.Status.Phase == workload.PodRunning && p.DeletionTimestamp == nil {
				nodes = append(nodes, p.Spec.NodeName)
			}
		}
		slices.Sort(nodes) // pods are listed by name
		ds, _ := orchestra.GetAs[*workload.DaemonSet](c, "default", "agent")
		fmt.Printf("%-22s desired %d, running on %v\n", what+":", ds.Status.DesiredNumberScheduled, nodes)
	}
	edge := map[string]string{"pool": "edge"}
	for _, n := range []string{"edge-1", "edge-2"} {
		if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n, Labels: edge}}); err != nil {
			panic(err)
		}
	}
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "core-1"}}); err != nil {
		panic(err)
	}
	show("three nodes")
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "edge-3", Labels: edge}}); err != nil {
		panic(err)
	}
	show("edge-3 joins")
	if err := f.RemoveNode("edge-1"); err != nil {
		panic(err)
	}
	show("edge-1 leaves")
	if err := f.SetNodeLabels("core-1", map[string]*string{"pool": workload.Ptr("edge")}); err != nil {
		panic(err)
	}
	show("core-1 joins the pool")
	// Output:
	// three nodes:           desired 2, running on [edge-1 edge-2]
	// edge-3 joins:          desired 3, running on [edge-1 edge-2 edge-3]
	// edge-1 leaves:         desired 2, running on [edge-2 edge-3]
	// core-1 joins the pool: desired 3, running on [core-1 edge-2 edge-3]
}
