package service_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/workload"
)

func getService(t *testing.T, c *orchestra.Cluster, name string) *workload.Service {
	t.Helper()
	o, err := c.Get("Service", "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.Service)
}

// wantInvalid checks err is a validation error on Service/default/name
// naming field.
func wantInvalid(t *testing.T, err error, name, field string) {
	t.Helper()
	var ve *workload.ValidationError
	if !errors.Is(err, workload.ErrInvalid) || !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a validation error", err)
	}
	if ve.Kind != "Service" || ve.Namespace != "default" || ve.Name != name || len(ve.Errors) != 1 || ve.Errors[0].Path != field {
		t.Fatalf("err = %v, want Service/default/%s %s", err, name, field)
	}
}

func TestClusterIPAllocation(t *testing.T) {
	c := newCluster(t)
	apply(t, c, newService("a", "a"))
	if ip := getService(t, c, "a").Spec.ClusterIP; ip != "10.96.1.1" {
		t.Fatalf("first dynamic ClusterIP %s, want 10.96.1.1 (lowest of the upper band, which starts after the 256 static addresses .0.1-.1.0)", ip)
	}
	fixed := newService("b", "b")
	fixed.Spec.ClusterIP = "10.96.0.10"
	apply(t, c, fixed)
	if s := getService(t, c, "b"); s.Spec.ClusterIP != "10.96.0.10" || len(s.Spec.ClusterIPs) != 1 || s.Spec.ClusterIPs[0] != "10.96.0.10" {
		t.Fatalf("requested ClusterIP: %v %v", s.Spec.ClusterIP, s.Spec.ClusterIPs)
	}

	// Conflicts and bad requests fail the Apply and change nothing.
	dup := newService("dup", "x")
	dup.Spec.ClusterIP = "10.96.0.10"
	_, err := c.Apply(dup)
	wantInvalid(t, err, "dup", "spec.clusterIPs")
	if !strings.Contains(err.Error(), "already allocated") {
		t.Fatalf("err = %v", err)
	}
	out := newService("out", "x")
	out.Spec.ClusterIP = "10.200.0.1"
	_, err = c.Apply(out)
	wantInvalid(t, err, "out", "spec.clusterIPs")
	if !strings.Contains(err.Error(), "10.96.0.0/12") {
		t.Fatalf("err = %v, want the range named", err)
	}
	for _, n := range []string{"dup", "out"} {
		if _, err := c.Get("Service", "default", n); err == nil {
			t.Fatalf("Service %s stored after a failed Apply", n)
		}
	}

	// Re-applying a manifest without clusterIP keeps the address.
	apply(t, c, newService("a", "a"))
	if ip := getService(t, c, "a").Spec.ClusterIP; ip != "10.96.1.1" {
		t.Fatalf("ClusterIP after re-apply: %s", ip)
	}
	// Changing it is refused (immutable).
	moved := newService("a", "a")
	moved.Spec.ClusterIP = "10.96.5.5"
	if _, err := c.Apply(moved); !errors.Is(err, workload.ErrInvalid) {
		t.Fatalf("changing clusterIP: %v", err)
	}

	// Deleting b frees 10.96.0.10 at once (before the controller runs).
	if err := c.Delete("Service", "default", "b", ""); err != nil {
		t.Fatal(err)
	}
	apply(t, c, dup)
	if ip := getService(t, c, "dup").Spec.ClusterIP; ip != "10.96.0.10" {
		t.Fatalf("reused ClusterIP: %s", ip)
	}

	// Headless Services and ExternalName Services get none.
	hl := newService("hl", "x")
	hl.Spec.ClusterIP = workload.ClusterIPNone
	apply(t, c, hl)
	ext := &workload.Service{ObjectMeta: workload.ObjectMeta{Name: "ext", Namespace: "default"},
		Spec: workload.ServiceSpec{Type: workload.ServiceTypeExternalName, ExternalName: "db.example.com"}}
	apply(t, c, ext)
	if ip := getService(t, c, "hl").Spec.ClusterIP; ip != workload.ClusterIPNone {
		t.Fatal(ip)
	}
	if ip := getService(t, c, "ext").Spec.ClusterIP; ip != "" {
		t.Fatal(ip)
	}
	if ip := getService(t, c, "dup").Spec.ClusterIP; ip != "10.96.0.10" {
		t.Fatal(ip)
	}
}

func TestNodePortAllocation(t *testing.T) {
	c := newCluster(t)
	np := newService("np", "np")
	np.Spec.Type = workload.ServiceTypeNodePort
	apply(t, c, np)
	if p := getService(t, c, "np").Spec.Ports[0].NodePort; p != 30086 {
		t.Fatalf("first dynamic node port %d, want 30086", p)
	}
	fixed := newService("fixed", "x")
	fixed.Spec.Type = workload.ServiceTypeLoadBalancer // treated as NodePort
	fixed.Spec.Ports[0].NodePort = 30080
	apply(t, c, fixed)
	if p := getService(t, c, "fixed").Spec.Ports[0].NodePort; p != 30080 {
		t.Fatalf("requested node port: %d", p)
	}
	clash := newService("clash", "x")
	clash.Spec.Type = workload.ServiceTypeNodePort
	clash.Spec.Ports[0].NodePort = 30080
	_, err := c.Apply(clash)
	wantInvalid(t, err, "clash", "spec.ports[0].nodePort")
	if _, err := c.Get("Service", "default", "clash"); err == nil {
		t.Fatal("clash stored")
	}
	// A failed Apply takes nothing: its ClusterIP is still free.
	next := newService("next", "x")
	apply(t, c, next)
	if ip := getService(t, c, "next").Spec.ClusterIP; ip != "10.96.1.3" {
		t.Fatalf("ClusterIP after a failed Apply: %s, want 10.96.1.3", ip)
	}
	outside := newService("outside", "x")
	outside.Spec.Type = workload.ServiceTypeNodePort
	outside.Spec.Ports[0].NodePort = 8080
	_, err = c.Apply(outside)
	wantInvalid(t, err, "outside", "spec.ports[0].nodePort")

	// Re-apply keeps the node port; a type change to ClusterIP releases it.
	apply(t, c, newServiceTyped("fixed", workload.ServiceTypeLoadBalancer))
	if p := getService(t, c, "fixed").Spec.Ports[0].NodePort; p != 30080 {
		t.Fatalf("node port after re-apply: %d", p)
	}
	apply(t, c, newServiceTyped("fixed", workload.ServiceTypeClusterIP))
	if p := getService(t, c, "fixed").Spec.Ports[0].NodePort; p != 0 {
		t.Fatalf("node port after the change to ClusterIP: %d", p)
	}
	apply(t, c, clash)
	if p := getService(t, c, "clash").Spec.Ports[0].NodePort; p != 30080 {
		t.Fatalf("released node port: %d", p)
	}
}

func newServiceTyped(name, typ string) *workload.Service {
	s := newService(name, "x")
	s.Spec.Type = typ
	return s
}

func TestAllocationsRebuiltWhenTheControlPlaneStarts(t *testing.T) {
	c := newCluster(t)
	a := newService("a", "a")
	a.Spec.Type = workload.ServiceTypeNodePort
	apply(t, c, a)
	c.StopControlPlane()
	// While the control plane is down, b is created and a deleted.
	apply(t, c, newService("b", "b"))
	if err := c.Delete("Service", "default", "a", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.StartControlPlane(); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	ipTaken, portTaken := c.Services().Allocated("10.96.1.1", 30086)
	if ipTaken || portTaken {
		t.Fatalf("a's addresses still allocated after the rebuild: ip %v port %v", ipTaken, portTaken)
	}
	if ipTaken, _ := c.Services().Allocated(getService(t, c, "b").Spec.ClusterIP, 0); !ipTaken {
		t.Fatal("b's ClusterIP not allocated after the rebuild")
	}
	clash := newService("clash", "x")
	clash.Spec.ClusterIP = getService(t, c, "b").Spec.ClusterIP
	_, err := c.Apply(clash)
	wantInvalid(t, err, "clash", "spec.clusterIPs")
}

func TestServiceCIDRConfig(t *testing.T) {
	if _, err := orchestra.New(orchestra.Config{Services: servicesConfig("10.0.0.0/40", "")}); err == nil {
		t.Fatal("bad ServiceCIDR accepted")
	}
	if _, err := orchestra.New(orchestra.Config{Services: servicesConfig("", "5-1")}); err == nil {
		t.Fatal("bad NodePortRange accepted")
	}
	c, err := orchestra.New(orchestra.Config{Services: servicesConfig("127.2.0.0/16", "40000-40009")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := newServiceTyped("a", workload.ServiceTypeNodePort)
	if _, err := c.Apply(s); err != nil {
		t.Fatal(err)
	}
	got := getService(t, c, "a")
	// /16: lower band 256; range 10 ports: lower band 16 > size, so the
	// lowest free port.
	if got.Spec.ClusterIP != "127.2.1.1" || got.Spec.Ports[0].NodePort != 40000 {
		t.Fatalf("ClusterIP %s node port %d", got.Spec.ClusterIP, got.Spec.Ports[0].NodePort)
	}
}

func servicesConfig(cidr, ports string) service.Config {
	return service.Config{ServiceCIDR: cidr, NodePortRange: ports}
}

// On create, a requested node port is taken once per port number, as the
// API server's initNodePorts (pkg/registry/core/service/storage/alloc.go):
// 53/TCP and 53/UDP share it, but 80/TCP and 443/UDP asking for the same
// one are refused ("provided port is already allocated"). On an update
// (updateNodePorts' portAllocated) the same request is accepted.
func TestNodePortRequestedTwiceOnCreate(t *testing.T) {
	c := newCluster(t)
	s := newService("np", "x",
		workload.ServicePort{Name: "http", Port: 80, NodePort: 30080},
		workload.ServicePort{Name: "quic", Port: 443, Protocol: workload.ProtocolUDP, NodePort: 30080})
	s.Spec.Type = workload.ServiceTypeNodePort
	_, err := c.Apply(s)
	wantInvalid(t, err, "np", "spec.ports[1].nodePort")
	if !strings.Contains(err.Error(), "already allocated") {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.Get("Service", "default", "np"); err == nil {
		t.Fatal("refused Service stored")
	}
	if _, taken := c.Services().Allocated("", 30080); taken {
		t.Fatal("30080 still allocated after the refused create")
	}
	// Created with 80/TCP alone, then updated to add 443/UDP on 30080.
	one := newService("np", "x", workload.ServicePort{Name: "http", Port: 80, NodePort: 30080})
	one.Spec.Type = workload.ServiceTypeNodePort
	apply(t, c, one)
	apply(t, c, s)
	if p := getService(t, c, "np").Spec.Ports; p[0].NodePort != 30080 || p[1].NodePort != 30080 {
		t.Fatalf("node ports after the update: %d %d, want 30080 twice", p[0].NodePort, p[1].NodePort)
	}
}

// A type change to NodePort allocates the node ports as an update does
// (updateNodePorts: one per port asking for none, whatever its port
// number), not as a create: 53/TCP and 53/UDP get one each, while a
// Service created as NodePort gives them one (initNodePorts).
func TestTypeChangeToNodePortAllocatesPerPort(t *testing.T) {
	c := newCluster(t)
	dns := func(typ string) *workload.Service {
		s := newService("dns", "x",
			workload.ServicePort{Name: "dns-tcp", Port: 53},
			workload.ServicePort{Name: "dns-udp", Port: 53, Protocol: workload.ProtocolUDP})
		s.Spec.Type = typ
		return s
	}
	apply(t, c, dns(workload.ServiceTypeClusterIP))
	apply(t, c, dns(workload.ServiceTypeNodePort))
	p := getService(t, c, "dns").Spec.Ports
	if p[0].NodePort == 0 || p[1].NodePort == 0 || p[0].NodePort == p[1].NodePort {
		t.Fatalf("node ports after ClusterIP -> NodePort: %d %d, want two distinct", p[0].NodePort, p[1].NodePort)
	}
	for _, np := range []int32{p[0].NodePort, p[1].NodePort} {
		if _, taken := c.Services().Allocated("", np); !taken {
			t.Fatalf("node port %d not allocated", np)
		}
	}
	// Back to ClusterIP: both released.
	apply(t, c, dns(workload.ServiceTypeClusterIP))
	for _, np := range []int32{p[0].NodePort, p[1].NodePort} {
		if _, taken := c.Services().Allocated("", np); taken {
			t.Fatalf("node port %d still allocated after NodePort -> ClusterIP", np)
		}
	}
}

// A healthCheckNodePort is taken from the same allocation as the node
// ports (allocHealthCheckNodePort with the Service's nodePortOp,
// pkg/registry/core/service/storage/alloc.go): asking for a node port the
// Service's own ports take in the same create or update is refused, and
// nothing is taken.
func TestHealthCheckNodePortNotOneOfTheServicesNodePorts(t *testing.T) {
	c := newCluster(t)
	lb := func(name string, nodePort, hc int32) *workload.Service {
		s := newService(name, "x", workload.ServicePort{Port: 80, NodePort: nodePort})
		s.Spec.Type = workload.ServiceTypeLoadBalancer
		s.Spec.ExternalTrafficPolicy = workload.TrafficPolicyLocal
		s.Spec.HealthCheckNodePort = hc
		return s
	}
	_, err := c.Apply(lb("a", 30100, 30100))
	wantInvalid(t, err, "a", "spec.healthCheckNodePort")
	if !strings.Contains(err.Error(), "already allocated") {
		t.Fatalf("err = %v", err)
	}
	if _, taken := c.Services().Allocated("", 30100); taken {
		t.Fatal("30100 allocated after the refused create")
	}
	// An update from Cluster to Local that asks for a new node port and
	// the same health check node port.
	b := lb("b", 0, 0)
	b.Spec.ExternalTrafficPolicy = workload.TrafficPolicyCluster
	apply(t, c, b)
	old := getService(t, c, "b")
	_, err = c.Apply(lb("b", 30101, 30101))
	wantInvalid(t, err, "b", "spec.healthCheckNodePort")
	if _, taken := c.Services().Allocated("", 30101); taken {
		t.Fatal("30101 allocated after the refused update")
	}
	if got := getService(t, c, "b"); got.Spec.Ports[0].NodePort != old.Spec.Ports[0].NodePort || got.Spec.HealthCheckNodePort != 0 {
		t.Fatalf("refused update changed b: node port %d hc %d", got.Spec.Ports[0].NodePort, got.Spec.HealthCheckNodePort)
	}

	// A port asking for no node port does not get the lowest free one
	// when the Service asks for that one as its health check node port.
	free := int32(30087) // the lowest free port of the upper band (b has 30086)
	if _, taken := c.Services().Allocated("", free); taken {
		t.Fatalf("%d taken", free)
	}
	got, err := c.Apply(lb("c", 0, free))
	if err != nil {
		t.Fatalf("health check node port %d, the lowest free one: %v", free, err)
	}
	if s := got.(*workload.Service); s.Spec.HealthCheckNodePort != free || s.Spec.Ports[0].NodePort == free || s.Spec.Ports[0].NodePort == 0 {
		t.Fatalf("node port %d, health check node port %d; want %d for the health check only", s.Spec.Ports[0].NodePort, s.Spec.HealthCheckNodePort, free)
	}
}
