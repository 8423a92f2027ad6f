package orchestra_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// exampleWeb is a Deployment of two nginx pods.
func exampleWeb() *workload.Deployment {
	return &workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr(int32(2)),
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
			},
		},
	}
}

// Scale is kubectl scale: spec.replicas alone changes.
func ExampleCluster_Scale() {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	if _, err := c.Apply(exampleWeb()); err != nil {
		panic(err)
	}
	if err := c.Scale("deploy", "default", "web", 4); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	pods, _ := c.Pods("default", "app=web")
	fmt.Println(len(pods), "pods")
	fmt.Println(c.Scale("deploy", "default", "web", -1))
	// Output:
	// 4 pods
	// workload: invalid object Deployment/default/web: spec.replicas: Invalid value: -1: must be greater than or equal to 0
}

// RolloutRestart is kubectl rollout restart: a rollout of a template
// stamped with the time replaces every pod.
func ExampleCluster_RolloutRestart() {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	if _, err := c.Apply(exampleWeb()); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	if err := c.RolloutRestart("deployment", "default", "web"); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	d, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	fmt.Println("restartedAt:", d.Spec.Template.Annotations[orchestra.RestartedAtAnnotation])
	rss, _ := orchestra.ListAs[*workload.ReplicaSet](c, "default", "app=web")
	for _, rs := range rss {
		fmt.Println("revision", rs.Annotations["deployment.kubernetes.io/revision"], "replicas", *rs.Spec.Replicas)
	}
	// Unordered output:
	// restartedAt: 2026-01-01T00:01:00Z
	// revision 1 replicas 0
	// revision 2 replicas 2
}

// RolloutUndo is kubectl rollout undo: the template of the revision
// before the latest comes back, as a new revision.
func ExampleCluster_RolloutUndo() {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	web := exampleWeb()
	for _, image := range []string{"nginx:1.26", "nginx:1.27"} {
		web.Spec.Template.Spec.Containers[0].Image = image
		if _, err := c.Apply(web); err != nil {
			panic(err)
		}
		if err := c.Advance(time.Minute); err != nil {
			panic(err)
		}
	}
	if err := c.RolloutUndo("default", "web", 0); err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	pods, _ := c.Pods("default", "app=web")
	for _, p := range pods {
		fmt.Println("pod runs", p.Spec.Containers[0].Image)
	}
	rss, _ := orchestra.ListAs[*workload.ReplicaSet](c, "default", "app=web")
	for _, rs := range rss {
		fmt.Println(rs.Spec.Template.Spec.Containers[0].Image, "is revision", rs.Annotations[workload.RevisionAnnotation])
	}
	// Unordered output:
	// pod runs nginx:1.26
	// pod runs nginx:1.26
	// nginx:1.26 is revision 3
	// nginx:1.27 is revision 2
}
