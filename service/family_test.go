package service_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A Service's endpoints are addresses of its IP family: a host-network
// pod on a node whose only address is IPv6 has no IPv4 address, so an
// IPv4 Service (every Service of an IPv4 cluster) has no endpoint for it,
// in its EndpointSlices (addressType IPv4), its Endpoints object and its
// pickers, as Kubernetes' getEndpointAddresses and
// podToEndpointAddressForService keep to the Service's family. The
// slice listed the IPv6 address under addressType IPv4.
func TestEndpointsKeepToTheServiceFamily(t *testing.T) {
	c := newCluster(t)
	if err := c.Fake().AddNode(&workload.Node{
		ObjectMeta: workload.ObjectMeta{Name: "n6"},
		Status:     workload.NodeStatus{Addresses: []workload.NodeAddress{{Type: "InternalIP", Address: "fd00::10"}}},
	}); err != nil {
		t.Fatal(err)
	}
	apply(t, c, newService("web", "web"))
	hn := newPod("web-a", "web", onNode("n6"))
	hn.Spec.HostNetwork = true
	apply(t, c, hn)
	apply(t, c, newPod("web-b", "web", onNode("n6")))
	advance(t, c, 5*time.Second)

	objs, err := c.List("EndpointSlice", "default", workload.LabelServiceName+"=web")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, o := range objs {
		es := o.(*workload.EndpointSlice)
		for _, ep := range es.Endpoints {
			listed = append(listed, es.AddressType+" "+ep.Addresses[0]+" "+ep.TargetRef.Name)
		}
	}
	if len(listed) != 1 || listed[0] != "IPv4 10.244.0.2 web-b" {
		t.Fatalf("slices list %v, want [IPv4 10.244.0.2 web-b]", listed)
	}
	o, err := c.Get("Endpoints", "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, ss := range o.(*workload.Endpoints).Subsets {
		for _, a := range append(ss.Addresses, ss.NotReadyAddresses...) {
			addrs = append(addrs, a.IP)
		}
	}
	if len(addrs) != 1 || addrs[0] != "10.244.0.2" {
		t.Fatalf("Endpoints list %v, want [10.244.0.2]", addrs)
	}
	p, err := c.Services().Picker("default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range picks(t, p, 4) {
		if name != "web-b" {
			t.Fatalf("picked %s, want web-b only", name)
		}
	}
}
