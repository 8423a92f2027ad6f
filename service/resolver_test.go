package service_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// resolverCluster has a ClusterIP Service web in default and shop, and a
// headless Service mysql in default with StatefulSet-style pods mysql-0
// (ready), mysql-1 (ready) and mysql-2 (never ready).
func resolverCluster(t testing.TB) *orchestra.Cluster {
	c := newCluster(t, "node-a")
	web := newService("web", "web", workload.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")})
	apply(t, c, web)
	shop := newService("web", "web")
	shop.Namespace = "shop"
	apply(t, c, shop)
	db := newService("mysql", "mysql", workload.ServicePort{Name: "mysql", Port: 3306, TargetPort: intstr.FromString("mysql")})
	db.Spec.ClusterIP = workload.ClusterIPNone
	apply(t, c, db)
	for i := range 3 {
		p := newPod(fmt.Sprintf("mysql-%d", i), "mysql", onNode("node-a"), port("mysql", 3306+int32(i)))
		p.Spec.Hostname, p.Spec.Subdomain = p.Name, "mysql"
		if i == 2 {
			annotate(fake.AnnotationNeverReady, "true")(p)
		}
		apply(t, c, p)
	}
	apply(t, c, newPod("web-0", "web", onNode("node-a"), port("http", 8080)))
	advance(t, c, time.Second)
	return c
}

func TestResolverLookupHost(t *testing.T) {
	c := resolverCluster(t)
	r := c.Resolver()
	webIP := getService(t, c, "web").Spec.ClusterIP
	o, _ := c.Get("Service", "shop", "web")
	shopIP := o.(*workload.Service).Spec.ClusterIP
	tests := []struct {
		from, name string
		want       []string
	}{
		{"", "web", []string{webIP}},
		{"default", "web.default", []string{webIP}},
		{"shop", "web", []string{shopIP}},
		{"shop", "web.default", []string{webIP}},
		{"shop", "web.default.svc", []string{webIP}},
		{"shop", "web.default.svc.cluster.local", []string{webIP}},
		{"shop", "web.default.svc.cluster.local.", []string{webIP}},
		{"default", "WEB.shop", []string{shopIP}},
		{"default", "mysql", []string{"10.244.0.2", "10.244.0.3"}}, // headless: ready pods
		{"default", "mysql-1.mysql", []string{"10.244.0.3"}},
		{"shop", "mysql-0.mysql.default.svc.cluster.local", []string{"10.244.0.2"}},
	}
	for _, tt := range tests {
		got, err := r.LookupHost(tt.from, tt.name)
		if err != nil || !cmp.Equal(got, tt.want) {
			t.Errorf("LookupHost(%q, %q) = %v, %v; want %v", tt.from, tt.name, got, err, tt.want)
		}
	}
	for _, name := range []string{"nope", "web.nope", "mysql-2.mysql", "web-0.web", "mysql.default.svc.other.domain", "x.y.z.default.svc.cluster.local"} {
		if got, err := r.LookupHost("default", name); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("LookupHost(%q) = %v, %v; want ErrNotFound", name, got, err)
		}
	}
}

func TestResolverHeadlessWithoutReadyPods(t *testing.T) {
	c := newCluster(t, "node-a")
	db := newService("db", "db")
	db.Spec.ClusterIP = workload.ClusterIPNone
	apply(t, c, db)
	apply(t, c, newPod("db-0", "db", onNode("node-a"), annotate(fake.AnnotationNeverReady, "true")))
	advance(t, c, time.Second)
	if _, err := c.Resolver().LookupHost("", "db"); !errors.Is(err, service.ErrNoEndpoints) {
		t.Fatalf("headless Service without ready pods: %v, want ErrNoEndpoints", err)
	}
}

func TestResolverLookupSRV(t *testing.T) {
	c := resolverCluster(t)
	r := c.Resolver()
	got, err := r.LookupSRV("shop", "_mysql._tcp.mysql.default")
	want := []service.SRV{
		{Target: "mysql-0.mysql.default.svc.cluster.local", Port: 3306},
		{Target: "mysql-1.mysql.default.svc.cluster.local", Port: 3307},
	}
	if err != nil || !cmp.Equal(got, want) {
		t.Fatalf("headless SRV = %v, %v; want %v", got, err, want)
	}
	got, err = r.LookupSRV("", "_http._tcp.web.default.svc.cluster.local")
	if want := []service.SRV{{Target: "web.default.svc.cluster.local", Port: 80}}; err != nil || !cmp.Equal(got, want) {
		t.Fatalf("ClusterIP SRV = %v, %v; want %v", got, err, want)
	}
	// A Service's own name asks for every port (CoreDNS's parseRequest).
	got, err = r.LookupSRV("default", "web")
	if want := []service.SRV{{Target: "web.default.svc.cluster.local", Port: 80}}; err != nil || !cmp.Equal(got, want) {
		t.Fatalf("SRV of the Service name = %v, %v; want %v", got, err, want)
	}
	for _, name := range []string{"_grpc._tcp.web", "_http._udp.web", "_http._tcp.nope", "nope"} {
		if got, err := r.LookupSRV("default", name); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("LookupSRV(%q) = %v, %v; want ErrNotFound", name, got, err)
		}
	}
}

func ExampleResolver() {
	c, _ := orchestra.New(orchestra.Config{Clock: newVirtualClock(), Seed: 1})
	defer c.Close()
	_ = c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}})
	db := &workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "mysql", Namespace: "default"},
		Spec: workload.ServiceSpec{
			ClusterIP: workload.ClusterIPNone,
			Selector:  map[string]string{"app": "mysql"},
			Ports:     []workload.ServicePort{{Name: "mysql", Port: 3306}},
		},
	}
	web := &workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "php-fpm", Namespace: "default"},
		Spec: workload.ServiceSpec{
			Selector: map[string]string{"app": "php-fpm"},
			Ports:    []workload.ServicePort{{Name: "fastcgi", Port: 9000}},
		},
	}
	pod := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "mysql-0", Namespace: "default", Labels: map[string]string{"app": "mysql"}},
		Spec: workload.PodSpec{
			Hostname: "mysql-0", Subdomain: "mysql",
			Containers: []workload.Container{{Name: "mysql", Image: "mysql:8"}},
		},
	}
	for _, o := range []workload.Object{db, web, pod} {
		if _, err := c.Apply(o); err != nil {
			panic(err)
		}
	}
	_ = c.Advance(time.Second)
	r := c.Resolver()
	fmt.Println(r.LookupHost("default", "php-fpm"))
	fmt.Println(r.LookupHost("default", "mysql-0.mysql"))
	fmt.Println(r.LookupSRV("default", "_mysql._tcp.mysql"))
	_, err := r.LookupHost("default", "redis")
	fmt.Println(errors.Is(err, service.ErrNotFound))
	// Output:
	// [10.96.1.1] <nil>
	// [10.244.0.2] <nil>
	// [{mysql-0.mysql.default.svc.cluster.local 3306}] <nil>
	// true
}

func newVirtualClock() *vtime.Virtual { return vtime.NewVirtual(t0) }

// An ExternalName Service answers SRV as CoreDNS's findServices does
// (plugin/kubernetes/kubernetes.go, "External services do not have
// endpoints, nor can we accept port/protocol pseudo subdomains in an SRV
// query"): its own name gives one record whose target is the external
// name (port 0, a CNAME-type service), a named port or an endpoint under
// it gives nothing, whatever ports the Service lists.
func TestResolverLookupSRVExternalName(t *testing.T) {
	c := newCluster(t)
	ext := newService("ext", "x", workload.ServicePort{Name: "http", Port: 80})
	ext.Spec.Selector = nil
	ext.Spec.Type = workload.ServiceTypeExternalName
	ext.Spec.ExternalName = "db.example.com"
	apply(t, c, ext)
	r := c.Resolver()
	got, err := r.LookupSRV("default", "ext")
	if want := []service.SRV{{Target: "db.example.com", Port: 0}}; err != nil || !cmp.Equal(got, want) {
		t.Fatalf("SRV of the ExternalName Service = %v, %v; want %v", got, err, want)
	}
	for _, name := range []string{"_http._tcp.ext", "ep.ext"} {
		if got, err := r.LookupSRV("default", name); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("LookupSRV(%q) = %v, %v; want ErrNotFound", name, got, err)
		}
	}
}
