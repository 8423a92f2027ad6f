package breakit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

func r8bClusterDomain(t *testing.T, domain string) (*orchestra.Cluster, error) {
	t.Helper()
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1, Services: service.Config{ClusterDomain: domain}})
	if err != nil {
		return nil, err
	}
	t.Cleanup(c.Close)
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "a"}}); err != nil {
		t.Fatal(err)
	}
	return c, nil
}

// The cluster domain is a DNS name like any other: written fully
// qualified or in capitals ("Corp.Local."), it still answers
// "web.default.svc.corp.local" and gives SRV targets under
// "corp.local"; a domain that is no DNS name is refused at New, naming
// it. DNS compares names case-insensitively (RFC 4343), and kubelet's
// --cluster-domain and CoreDNS's kubernetes zones are plain, dot-less
// names (CoreDNS normalises its zones to lower case).
func TestR8bDNSClusterDomainNormalised(t *testing.T) {
	c, err := r8bClusterDomain(t, "Corp.Local.")
	if err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: db-0, labels: {app: db}}
spec: {hostname: db-0, subdomain: db, containers: [{name: c, image: x, ports: [{name: sql, containerPort: 3306}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{name: sql, port: 3306, targetPort: sql}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: 10.96.0.80, selector: {app: db}, ports: [{name: http, port: 80}]}`)
	advance(t, c, time.Minute)
	if d := c.Services().Domain(); d != "corp.local" {
		t.Errorf("Domain() = %q, want corp.local", d)
	}
	r := c.Resolver()
	for _, n := range []string{"web.default.svc.corp.local", "web.default.svc.corp.local.", "WEB.default.svc.Corp.Local."} {
		if a, err := r.LookupHost("default", n); err != nil || len(a) != 1 || a[0] != "10.96.0.80" {
			t.Errorf("LookupHost(%q) = %v, %v; want [10.96.0.80]", n, a, err)
		}
	}
	if a, err := r.LookupHost("default", "db-0.db.default.svc.corp.local."); err != nil || len(a) != 1 {
		t.Errorf("LookupHost(db-0.db.default.svc.corp.local.) = %v, %v; want the pod's address", a, err)
	}
	srv, err := r.LookupSRV("default", "_sql._tcp.db")
	if err != nil || len(srv) != 1 || srv[0].Target != "db-0.db.default.svc.corp.local" {
		t.Errorf("LookupSRV(_sql._tcp.db) = %v, %v; want target db-0.db.default.svc.corp.local", srv, err)
	}

	for _, bad := range []string{"bad domain!", "-x.local", strings.Repeat("a", 254)} {
		_, err := r8bClusterDomain(t, bad)
		if err == nil || !strings.Contains(err.Error(), "ClusterDomain") || !errors.Is(err, workload.ErrInvalid) {
			t.Errorf("ClusterDomain %.20q: err %v, want one naming ClusterDomain and wrapping ErrInvalid", bad, err)
		}
	}
}

// A pod answers to its address with dashes under its namespace's pod
// subdomain: "10-244-0-2.default.pod.cluster.local" (and "10-244-0-2.
// default.pod" from the search list) resolve to 10.244.0.2 while a pod of
// that namespace has it; another namespace, or no such pod, is not found.
// Kubernetes: docs "DNS for Services and Pods" (Pods: A/AAAA records,
// pod-ip-address.my-namespace.pod.cluster-domain.example); CoreDNS's
// kubernetes plugin "pods verified".
func TestR8bDNSPodARecords(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec: {containers: [{name: c, image: x}]}`)
	advance(t, c, time.Minute)
	ps, err := c.Pods("shop", "")
	if err != nil || len(ps) != 1 || ps[0].Status.PodIP == "" {
		t.Fatalf("pods %v, %v: want one with an address", ps, err)
	}
	ip := ps[0].Status.PodIP
	name := strings.ReplaceAll(ip, ".", "-")
	r := c.Resolver()
	for _, n := range []string{name + ".shop.pod.cluster.local", name + ".shop.pod.cluster.local.", name + ".shop.pod", strings.ToUpper(name + ".SHOP.POD.cluster.local")} {
		if a, err := r.LookupHost("default", n); err != nil || len(a) != 1 || a[0] != ip {
			t.Errorf("LookupHost(%q) = %v, %v; want [%s]", n, a, err, ip)
		}
	}
	for _, n := range []string{name + ".default.pod.cluster.local", "10-244-99-99.shop.pod.cluster.local", "banana.shop.pod.cluster.local"} {
		if a, err := r.LookupHost("default", n); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("LookupHost(%q) = %v, %v; want ErrNotFound", n, a, err)
		}
	}
	if err := c.Delete("Pod", "shop", "p", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if a, err := r.LookupHost("default", name+".shop.pod.cluster.local"); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("after the pod is gone: %v, %v; want ErrNotFound", a, err)
	}
}
