package orchestra_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Delete takes kubectl's --cascade as its propagation: "Orphan" deletes
// the Deployment and leaves its ReplicaSet running, with its pods (the
// garbage collector removes the ReplicaSet's owner reference; the pods keep
// theirs, to the ReplicaSet); "Background" (or "") deletes the owner at
// once and its dependents after it; "Foreground" deletes the dependents
// first. A pod's default grace period (30 s) passes before it is gone.
func ExampleCluster_Delete() {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	deploy := func(name string) *workload.Deployment {
		labels := map[string]string{"app": name}
		return &workload.Deployment{
			ObjectMeta: workload.ObjectMeta{Name: name},
			Spec: workload.DeploymentSpec{
				Replicas: workload.Ptr[int32](2),
				Selector: &workload.LabelSelector{MatchLabels: labels},
				Template: workload.PodTemplateSpec{
					ObjectMeta: workload.ObjectMeta{Labels: labels},
					Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
				},
			},
		}
	}
	// count tells what is left of a Deployment: its ReplicaSets (and how
	// many still have an owner) and its pods.
	count := func(app string) string {
		rss, _ := c.List("rs", "", "app="+app)
		owned := 0
		for _, rs := range rss {
			if workload.ControllerOf(rs) != nil {
				owned++
			}
		}
		pods, _ := c.Pods("", "app="+app)
		return fmt.Sprintf("%d ReplicaSet (%d with an owner), %d pods", len(rss), owned, len(pods))
	}
	for _, name := range []string{"kept", "gone"} {
		if _, err := c.Apply(deploy(name)); err != nil {
			panic(err)
		}
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	if err := c.Delete("Deployment", "", "kept", "Orphan"); err != nil {
		panic(err)
	}
	if err := c.Delete("Deployment", "", "gone", "Background"); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	fmt.Println("Orphan:    ", count("kept"))
	fmt.Println("Background:", count("gone"))
	// Output:
	// Orphan:     1 ReplicaSet (0 with an owner), 2 pods
	// Background: 0 ReplicaSet (0 with an owner), 0 pods
}

// Deleting a Namespace deletes what is in it: the Namespace is Terminating
// while its pods have their grace period, and goes with the last of them.
func ExampleCluster_Delete_namespace() {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	if _, err := c.Apply(&workload.Namespace{ObjectMeta: workload.ObjectMeta{Name: "team-a"}}); err != nil {
		panic(err)
	}
	labels := map[string]string{"app": "web"}
	if _, err := c.Apply(&workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "team-a"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr[int32](2),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
			},
		},
	}); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	show := func() {
		pods, _ := c.Pods("team-a", "")
		ns, err := orchestra.GetAs[*workload.Namespace](c, "", "team-a")
		if err != nil {
			fmt.Printf("%s: namespace gone, %d pods\n", c.Now().Format("15:04:05"), len(pods))
			return
		}
		fmt.Printf("%s: namespace %s, %d pods\n", c.Now().Format("15:04:05"), ns.Status.Phase, len(pods))
	}
	show()
	if err := c.Delete("Namespace", "", "team-a", ""); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Second); err != nil {
		panic(err)
	}
	show()
	if err := c.Advance(time.Minute); err != nil { // the pods' 30 s grace period
		panic(err)
	}
	show()
	// Output:
	// 00:01:00: namespace Active, 2 pods
	// 00:01:01: namespace Terminating, 2 pods
	// 00:02:01: namespace gone, 0 pods
}
