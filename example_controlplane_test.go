package orchestra_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// StopControlPlane plays a control plane outage: the pods run on, but a pod
// deleted meanwhile is not replaced, and a Deployment applied meanwhile
// makes no pods, until StartControlPlane, when the controllers rebuild
// their view from the store and catch up at once.
func ExampleCluster_StopControlPlane() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(start), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	deployment := func(name string) *workload.Deployment {
		labels := map[string]string{"app": name}
		return &workload.Deployment{
			ObjectMeta: workload.ObjectMeta{Name: name},
			Spec: workload.DeploymentSpec{
				Replicas: workload.Ptr[int32](2),
				Selector: &workload.LabelSelector{MatchLabels: labels},
				Template: workload.PodTemplateSpec{
					ObjectMeta: workload.ObjectMeta{Labels: labels},
					Spec:       workload.PodSpec{Containers: []workload.Container{{Name: name, Image: name + ":1"}}},
				},
			},
		}
	}
	// running counts the pods of app that run and are not being deleted.
	running := func(app string) int {
		pods, _ := c.Pods("default", "app="+app)
		n := 0
		for _, p := range pods {
			if p.Status.Phase == workload.PodRunning && p.DeletionTimestamp == nil {
				n++
			}
		}
		return n
	}
	if _, err := c.Apply(deployment("web")); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	fmt.Println("web pods running:", running("web"))

	c.StopControlPlane()
	pods, _ := c.Pods("default", "app=web")
	if err := c.DeletePod("default", pods[0].Name, workload.Ptr[int64](0)); err != nil {
		panic(err)
	}
	if _, err := c.Apply(deployment("api")); err != nil {
		panic(err)
	}
	if err := c.Advance(10 * time.Minute); err != nil {
		panic(err)
	}
	fmt.Println("control plane down 10m: web", running("web"), "api", running("api"))

	if err := c.StartControlPlane(); err != nil {
		panic(err)
	}
	ok, err := c.RunUntil(func() bool {
		d, err := orchestra.GetAs[*workload.Deployment](c, "default", "api")
		return err == nil && controller.DeploymentComplete(d) && running("web") == 2
	}, time.Hour)
	if err != nil {
		panic(err)
	}
	fmt.Println("control plane back: caught up", ok, "after", c.Now().Sub(start.Add(11*time.Minute)), "web", running("web"), "api", running("api"))
	// Output:
	// web pods running: 2
	// control plane down 10m: web 1 api 0
	// control plane back: caught up true after 0s web 2 api 2
}
