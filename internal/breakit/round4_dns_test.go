package breakit_test

import (
	stdslices "slices"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

func r4podIPs(t *testing.T, c *orchestra.Cluster, sel string) []string {
	t.Helper()
	var out []string
	for _, p := range pods(t, c, sel) {
		if p.Status.PodIP != "" {
			out = append(out, p.Status.PodIP)
		}
	}
	stdslices.Sort(out)
	return out
}

// The SRV answer of a headless Service names one target per ready
// endpoint, "<hostname or dashed IP>.<svc>.<ns>.svc.cluster.local", and
// each such target has an A record: a client that looks up the SRV record
// and then the target reaches the pod. For pods without a hostname
// (Deployment pods) the name is the dashed IP.
// https://github.com/kubernetes/dns/blob/master/docs/specification.md
// (2.4.1 "<hostname>.<service>.<ns>.svc.<zone>" A records for each ready
// endpoint of a headless Service, hostname "is either the endpoint's
// hostname, or a unique, system-assigned identifier"; 2.5.1 SRV targets
// are those names); CoreDNS plugin/kubernetes endpointHostname (dashed IP).
func TestR4DNSHeadlessSRVTargetsResolve(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: mysql, port: 3306}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db}
spec:
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: c, image: mysql, ports: [{name: mysql, containerPort: 3306}]}]
`)
	runUntil(t, c, time.Minute, "2 db pods with IPs", func() bool { return len(r4podIPs(t, c, "app=db")) == 2 })
	advance(t, c, time.Second)
	ips := r4podIPs(t, c, "app=db")
	r := c.Resolver()
	got, err := r.LookupHost("default", "db")
	if err != nil || !stdslices.Equal(got, ips) {
		t.Fatalf("LookupHost db = %v, %v; want %v", got, err, ips)
	}
	srvs, err := r.LookupSRV("default", "_mysql._tcp.db")
	if err != nil || len(srvs) != 2 {
		t.Fatalf("LookupSRV = %v, %v; want 2 targets", srvs, err)
	}
	var via []string
	for _, s := range srvs {
		if s.Port != 3306 {
			t.Errorf("SRV %s port %d, want 3306", s.Target, s.Port)
		}
		a, err := r.LookupHost("default", s.Target)
		if err != nil {
			t.Errorf("SRV target %s does not resolve: %v", s.Target, err)
			continue
		}
		via = append(via, a...)
	}
	stdslices.Sort(via)
	if len(via) > 0 && !stdslices.Equal(via, ips) {
		t.Errorf("SRV targets resolve to %v, want %v", via, ips)
	}
}

// StatefulSet pods behind their governing headless Service resolve as
// <pod>.<svc> from their namespace, as <pod>.<svc>.<ns> from another, and
// fully qualified; the SRV targets are those names.
// https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id
func TestR4DNSStatefulSetPodNames(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: mysql, namespace: shop}
spec:
  clusterIP: None
  selector: {app: mysql}
  ports: [{name: sql, port: 3306}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mysql, namespace: shop}
spec:
  serviceName: mysql
  replicas: 2
  selector: {matchLabels: {app: mysql}}
  template:
    metadata: {labels: {app: mysql}}
    spec:
      containers: [{name: c, image: mysql, ports: [{name: sql, containerPort: 3306}]}]
`)
	runUntil(t, c, 5*time.Minute, "2 mysql pods with IPs", func() bool {
		ps, _ := c.Pods("shop", "app=mysql")
		n := 0
		for _, p := range ps {
			if p.Status.PodIP != "" && p.Status.Phase == workload.PodRunning {
				n++
			}
		}
		return n == 2
	})
	advance(t, c, time.Second)
	p0, err := c.Get("Pod", "shop", "mysql-0")
	if err != nil {
		t.Fatal(err)
	}
	ip0 := p0.(*workload.Pod).Status.PodIP
	r := c.Resolver()
	for _, q := range []struct{ from, name string }{
		{"shop", "mysql-0.mysql"},
		{"other", "mysql-0.mysql.shop"},
		{"other", "mysql-0.mysql.shop.svc"},
		{"", "mysql-0.mysql.shop.svc.cluster.local"},
		{"", "mysql-0.mysql.shop.svc.cluster.local."},
		{"shop", "MySQL-0.MySQL"},
	} {
		got, err := r.LookupHost(q.from, q.name)
		if err != nil || len(got) != 1 || got[0] != ip0 {
			t.Errorf("LookupHost(%q, %q) = %v, %v; want [%s]", q.from, q.name, got, err, ip0)
		}
	}
	srvs, err := r.LookupSRV("shop", "_sql._tcp.mysql")
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, s := range srvs {
		targets = append(targets, s.Target)
	}
	want := []string{"mysql-0.mysql.shop.svc.cluster.local", "mysql-1.mysql.shop.svc.cluster.local"}
	if !stdslices.Equal(targets, want) {
		t.Errorf("SRV targets %v, want %v", targets, want)
	}
	if _, err := r.LookupHost("default", "mysql-0.mysql"); err == nil {
		t.Errorf("mysql-0.mysql resolved from namespace default")
	}
	if _, err := r.LookupHost("shop", "nosuch"); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("unknown name: err %v", err)
	}
}

// A Service without a selector is backed by EndpointSlices its owner
// writes (labelled kubernetes.io/service-name); kube-proxy routes the
// Service's traffic to them as to any other endpoints.
// https://kubernetes.io/docs/concepts/services-networking/service/#services-without-selectors
// ("... you can add EndpointSlices ... the Service ... routes traffic to
// the endpoints defined in the EndpointSlice"). orchestra's pickers get
// nothing, so the Service cannot be used through a picker or the proxy.
func TestR4SvcSelectorlessManualEndpointSlice(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ext-1
  labels: {kubernetes.io/service-name: ext}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: ["10.1.2.3"]
  conditions: {ready: true}
`)
	advance(t, c, time.Second)
	pk, err := c.Services().Picker("default", "ext", "http")
	if err != nil {
		t.Fatal(err)
	}
	ep, err := pk.Pick()
	if err != nil {
		t.Fatalf("Pick on a selectorless Service with a ready EndpointSlice: %v", err)
	}
	if ep.Address != "10.1.2.3" || ep.Port != 8080 {
		t.Errorf("picked %s:%d, want 10.1.2.3:8080", ep.Address, ep.Port)
	}
}

// A headless Service with publishNotReadyAddresses answers with every
// pod that has an IP, ready or not (StatefulSet peer discovery relies on
// it). https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec
func TestR4DNSPublishNotReadyHeadless(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: peers}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: peers}
  ports: [{name: gossip, port: 7000}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: peers}
spec:
  replicas: 2
  selector: {matchLabels: {app: peers}}
  template:
    metadata:
      labels: {app: peers}
      annotations: {sim.orchestra.dev/never-ready: "true"}
    spec:
      containers: [{name: c, image: peer}]
`)
	runUntil(t, c, time.Minute, "2 peers with IPs", func() bool { return len(r4podIPs(t, c, "app=peers")) == 2 })
	advance(t, c, time.Second)
	got, err := c.Resolver().LookupHost("default", "peers")
	if want := r4podIPs(t, c, "app=peers"); err != nil || !stdslices.Equal(got, want) {
		t.Errorf("LookupHost peers = %v, %v; want %v (not ready, but published)", got, err, want)
	}
}
