package controller_test

import (
	"fmt"
	"time"

	orchestra "github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// exampleCluster is a virtual-time cluster with two fake nodes and the
// workload controllers.
func exampleCluster() *orchestra.Cluster {
	clock := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c, err := orchestra.New(orchestra.Config{Clock: clock, Seed: 1, Controllers: appsControllers()})
	if err != nil {
		panic(err)
	}
	for _, n := range []string{"node-a", "node-b"} {
		if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			panic(err)
		}
	}
	return c
}

func ExampleNewDeployment() {
	c := exampleCluster()
	defer c.Close()
	d := &workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr[int32](3),
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx:1.27"}}},
			},
		},
	}
	if _, err := c.Apply(d); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	o, _ := c.Get("Deployment", "default", "web")
	st := o.(*workload.Deployment).Status
	fmt.Println("available:", st.AvailableReplicas, "updated:", st.UpdatedReplicas)
	for _, cd := range st.Conditions {
		fmt.Println(cd.Type, cd.Status, cd.Reason)
	}
	// Output:
	// available: 3 updated: 3
	// Available True MinimumReplicasAvailable
	// Progressing True NewReplicaSetAvailable
}

func ExampleNewStatefulSet() {
	c := exampleCluster()
	defer c.Close()
	set := &workload.StatefulSet{
		ObjectMeta: workload.ObjectMeta{Name: "db"},
		Spec: workload.StatefulSetSpec{
			Replicas:    workload.Ptr[int32](3),
			ServiceName: "db",
			Selector:    &workload.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "db"},
					Annotations: map[string]string{"sim.orchestra.dev/ready-after": "5s"}},
				Spec: workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "mysql:8"}}},
			},
		},
	}
	if _, err := c.Apply(set); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	pods, _ := c.Pods("default", "app=db")
	for _, p := range pods {
		// one at a time, each once the previous one is ready
		fmt.Println(p.Name, p.Spec.Hostname+"."+p.Spec.Subdomain, p.CreationTimestamp.Sub(c.Now().Add(-time.Minute)))
	}
	// Output:
	// db-0 db-0.db 0s
	// db-1 db-1.db 5s
	// db-2 db-2.db 10s
}

func ExampleNewReplicaSet() {
	c := exampleCluster()
	defer c.Close()
	rs := &workload.ReplicaSet{
		ObjectMeta: workload.ObjectMeta{Name: "fe"},
		Spec: workload.ReplicaSetSpec{
			Replicas: workload.Ptr[int32](2),
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "fe"}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "fe"}},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
			},
		},
	}
	if _, err := c.Apply(rs); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	pods, _ := c.Pods("default", "app=fe")
	// A pod killed by its node is restarted in place; a deleted one is
	// replaced by a new pod.
	if err := c.DeletePod("default", pods[0].Name, workload.Ptr[int64](0)); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	o, _ := c.Get("ReplicaSet", "default", "fe")
	fmt.Println("ready:", o.(*workload.ReplicaSet).Status.ReadyReplicas)
	for _, e := range c.Events() {
		if e.InvolvedObject.Kind == "ReplicaSet" {
			fmt.Println(e.Reason)
		}
	}
	// Output:
	// ready: 2
	// SuccessfulCreate
	// SuccessfulCreate
	// SuccessfulCreate
}
