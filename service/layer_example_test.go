package service_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// A Service's picker through the cluster: the endpoints controller keeps it
// up to date as pods come, become ready and go.
func ExampleLayer_Picker() {
	c, _ := orchestra.New(orchestra.Config{Clock: newVirtualClock(), Seed: 1})
	defer c.Close()
	_ = c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}})
	svc := &workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "php-fpm", Namespace: "default"},
		Spec: workload.ServiceSpec{
			Selector: map[string]string{"app": "php-fpm"},
			Ports:    []workload.ServicePort{{Name: "fastcgi", Port: 9000}},
		},
	}
	if _, err := c.Apply(svc); err != nil {
		panic(err)
	}
	for _, name := range []string{"php-0", "php-1", "php-2"} {
		pod := &workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "php-fpm"}},
			Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "fpm", Image: "php:fpm"}}},
		}
		if _, err := c.Apply(pod); err != nil {
			panic(err)
		}
	}
	_ = c.Advance(time.Second)

	p, err := c.Services().Picker("default", "php-fpm", "fastcgi")
	if err != nil {
		panic(err)
	}
	for range 3 {
		ep, _ := p.Pick()
		fmt.Println(ep.PodName, ep.Address, ep.Port)
	}
	_ = c.DeletePod("default", "php-1", workload.Ptr[int64](0))
	_ = c.Advance(time.Second)
	for range 2 {
		ep, _ := p.Pick()
		fmt.Println(ep.PodName)
	}
	// Output:
	// php-0 10.244.0.2 9000
	// php-1 10.244.0.3 9000
	// php-2 10.244.0.4 9000
	// php-0
	// php-2
}
