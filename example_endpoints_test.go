package orchestra_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Services and the core/v1 Endpoints kind, as in Kubernetes: a Service
// with a selector gets an Endpoints object of its name listing its pods
// (the Endpoints controller), beside its EndpointSlices; the Endpoints
// object written by hand for a Service without a selector is mirrored
// into an EndpointSlice (the EndpointSlice mirroring controller), which
// the Service's pickers then use.
func ExampleCluster_Apply_endpoints() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(start), Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}})
	for _, o := range []workload.Object{
		&workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: "web-1", Labels: map[string]string{"app": "web"}},
			Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: "nginx"}}},
		},
		&workload.Service{
			ObjectMeta: workload.ObjectMeta{Name: "web"},
			Spec:       workload.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []workload.ServicePort{{Name: "http", Port: 80}}},
		},
		&workload.Service{
			ObjectMeta: workload.ObjectMeta{Name: "db"},
			Spec:       workload.ServiceSpec{Ports: []workload.ServicePort{{Name: "pg", Port: 5432}}},
		},
		&workload.Endpoints{
			ObjectMeta: workload.ObjectMeta{Name: "db"},
			Subsets: []workload.EndpointSubset{{
				Addresses: []workload.EndpointAddress{{IP: "192.0.2.10"}},
				Ports:     []workload.CoreEndpointPort{{Name: "pg", Port: 5432}},
			}},
		},
	} {
		if _, err := c.Apply(o); err != nil {
			panic(err)
		}
	}
	c.Advance(time.Second)

	web, _ := orchestra.GetAs[*workload.Endpoints](c, "default", "web")
	for _, s := range web.Subsets {
		for _, a := range s.Addresses {
			fmt.Printf("Endpoints web: %s (pod %s), port %s %d\n", a.IP, a.TargetRef.Name, s.Ports[0].Name, s.Ports[0].Port)
		}
	}
	mirrored, _ := orchestra.ListAs[*workload.EndpointSlice](c, "default", "kubernetes.io/service-name=db")
	for _, es := range mirrored {
		fmt.Printf("EndpointSlice of db, managed by %s: %s port %d\n",
			es.Labels["endpointslice.kubernetes.io/managed-by"], es.Endpoints[0].Addresses[0], *es.Ports[0].Port)
	}
	picker, err := c.Services().Picker("default", "db", "pg")
	if err != nil {
		panic(err)
	}
	ep, err := picker.Pick()
	if err != nil {
		panic(err)
	}
	fmt.Printf("db picks %s:%d\n", ep.Address, ep.Port)
	// Output:
	// Endpoints web: 10.244.0.2 (pod web-1), port http 80
	// EndpointSlice of db, managed by endpointslicemirroring-controller.k8s.io: 192.0.2.10 port 5432
	// db picks 192.0.2.10:5432
}
