package orchestra_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Create refuses a name that is taken; Update refuses a stale read, as
// client-go's Create and Update do: read again, change and retry.
func ExampleCluster_Update() {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		panic(err)
	}
	web := &workload.Deployment{
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
	if _, err := c.Create(web); err != nil {
		panic(err)
	}
	_, err = c.Create(web)
	fmt.Println("create again, already exists:", errors.Is(err, store.ErrAlreadyExists))

	d, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if err := c.Advance(time.Minute); err != nil { // the controllers write its status
		panic(err)
	}
	d.Spec.Replicas = workload.Ptr(int32(3))
	_, err = c.Update(d)
	fmt.Println("stale update, conflict:", errors.Is(err, store.ErrConflict))

	for { // the usual retry loop
		d, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
		d.Spec.Replicas = workload.Ptr(int32(3))
		if _, err = c.Update(d); !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	if err != nil {
		panic(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		panic(err)
	}
	d, _ = orchestra.GetAs[*workload.Deployment](c, "default", "web")
	fmt.Println("available:", d.Status.AvailableReplicas)
	// Output:
	// create again, already exists: true
	// stale update, conflict: true
	// available: 3
}
