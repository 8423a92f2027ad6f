package breakit_test

import (
	"sort"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

func slices(t *testing.T, c *orchestra.Cluster, svc string) []*workload.EndpointSlice {
	t.Helper()
	objs, err := c.List("EndpointSlice", "default", "kubernetes.io/service-name="+svc)
	if err != nil {
		t.Fatal(err)
	}
	var out []*workload.EndpointSlice
	for _, o := range objs {
		out = append(out, o.(*workload.EndpointSlice))
	}
	return out
}

func endpointOf(t *testing.T, c *orchestra.Cluster, svc, pod string) (*workload.Endpoint, *workload.EndpointSlice) {
	t.Helper()
	for _, s := range slices(t, c, svc) {
		for i := range s.Endpoints {
			if r := s.Endpoints[i].TargetRef; r != nil && r.Name == pod {
				return &s.Endpoints[i], s
			}
		}
	}
	return nil, nil
}

func b(p *bool) string {
	if p == nil {
		return "nil"
	}
	if *p {
		return "true"
	}
	return "false"
}

// A named targetPort resolves per pod: pods whose container port "http" is
// 8080 and pods whose "http" is 9090 behind one Service end up in separate
// EndpointSlices (one per port set), and each endpoint is reached on its
// own port. Source: https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports ;
// https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/ (slices grouped by ports).
func TestServiceNamedTargetPort(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: p1, labels: {app: web}}
spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p2, labels: {app: web}}
spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 9090}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p3, labels: {app: web}}
spec: {containers: [{name: c, image: i, ports: [{name: other, containerPort: 7070}]}]}`)
	advance(t, c, time.Minute)
	ss := slices(t, c, "web")
	ports := map[string]int32{}
	var noPorts []string
	for _, s := range ss {
		if len(s.Ports) == 0 {
			// Kubernetes (getEndpointPorts) keeps a pod whose named port
			// is missing, in a slice with no ports.
			for _, e := range s.Endpoints {
				noPorts = append(noPorts, e.TargetRef.Name)
			}
			continue
		}
		if len(s.Ports) != 1 || s.Ports[0].Port == nil {
			t.Errorf("slice %s ports %+v", s.Name, s.Ports)
			continue
		}
		for _, e := range s.Endpoints {
			ports[e.TargetRef.Name] = *s.Ports[0].Port
		}
	}
	if ports["p1"] != 8080 || ports["p2"] != 9090 {
		t.Errorf("ports by pod %v, want p1 8080 p2 9090", ports)
	}
	if _, ok := ports["p3"]; ok || len(noPorts) != 1 || noPorts[0] != "p3" {
		t.Errorf("p3 (no port named http): port %d, in a port-less slice: %v", ports["p3"], noPorts)
	}
	pk, err := c.Services().Picker("default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int32{}
	for i := 0; i < 4; i++ {
		e, err := pk.Pick()
		if err != nil {
			t.Fatal(err)
		}
		seen[e.PodName] = e.Port
	}
	if len(seen) != 2 || seen["p1"] != 8080 || seen["p2"] != 9090 {
		t.Errorf("picks %v", seen)
	}
}

// EndpointSlice conditions of a terminating pod: ready=false, serving=true
// (still Ready), terminating=true; it stays in the slice until it is gone.
// With publishNotReadyAddresses a not-ready pod is ready=true.
// Source: https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#conditions ;
// staging/src/k8s.io/endpointslice/utils.go podToEndpoint.
func TestServiceTerminatingConditions(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: p1, labels: {app: web}}
spec: {terminationGracePeriodSeconds: 60, containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p2, labels: {app: web}}
spec: {terminationGracePeriodSeconds: 60, containers: [{name: c, image: i}]}`)
	advance(t, c, time.Minute)
	if err := c.DeletePod("default", "p1", nil); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Second)
	e, _ := endpointOf(t, c, "web", "p1")
	if e == nil {
		t.Fatalf("terminating pod p1 dropped from the slice")
	}
	if b(e.Conditions.Ready) != "false" || b(e.Conditions.Serving) != "true" || b(e.Conditions.Terminating) != "true" {
		t.Errorf("p1 conditions ready=%s serving=%s terminating=%s, want false true true", b(e.Conditions.Ready), b(e.Conditions.Serving), b(e.Conditions.Terminating))
	}
	pk, err := c.Services().Picker("default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		ep, err := pk.Pick()
		if err != nil {
			t.Fatal(err)
		}
		if ep.PodName != "p2" {
			t.Errorf("picked %s while a ready pod exists", ep.PodName)
		}
	}
	// All terminating: fall back to serving+terminating endpoints.
	if err := c.DeletePod("default", "p2", nil); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Second)
	if _, err := pk.Pick(); err != nil {
		t.Errorf("no endpoint while both pods are terminating and serving (kube-proxy falls back to them): %v", err)
	}
	advance(t, c, 2*time.Minute)
	if e, _ := endpointOf(t, c, "web", "p1"); e != nil {
		t.Errorf("p1 still in the slice after it was gone")
	}
}

func TestServicePublishNotReady(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "slow"}, NeverReady: true}}, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, labels: {app: db}}
spec: {hostname: db-0, subdomain: db, containers: [{name: c, image: slow}]}`)
	advance(t, c, time.Minute)
	e, s := endpointOf(t, c, "db", "db-0")
	if e == nil {
		t.Fatal("not-ready pod missing with publishNotReadyAddresses")
	}
	if b(e.Conditions.Ready) != "true" || b(e.Conditions.Serving) != "false" {
		t.Errorf("conditions ready=%s serving=%s, want true false", b(e.Conditions.Ready), b(e.Conditions.Serving))
	}
	if e.Hostname == nil || *e.Hostname != "db-0" {
		t.Errorf("hostname %v", e.Hostname)
	}
	// managed-by: see TestR10sSvcImportedControllerSlicesReplaced.
	if s.Labels["kubernetes.io/service-name"] != "db" || s.AddressType != "IPv4" {
		t.Errorf("slice labels %v addressType %s", s.Labels, s.AddressType)
	}
}

// Session affinity ClientIP: a client keeps its endpoint.
func TestServiceSessionAffinity(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 3", "nginx"))
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  ports: [{port: 80}]`)
	advance(t, c, time.Minute)
	pk, err := c.Services().Picker("default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := pk.PickFor("10.0.0.1")
	for i := 0; i < 10; i++ {
		e, _ := pk.PickFor("10.0.0.1")
		if e.PodName != first.PodName {
			t.Errorf("client moved from %s to %s", first.PodName, e.PodName)
		}
	}
	o, _ := c.Get("Service", "default", "web")
	svc := o.(*workload.Service)
	if svc.Spec.SessionAffinityConfig == nil || svc.Spec.SessionAffinityConfig.ClientIP == nil ||
		svc.Spec.SessionAffinityConfig.ClientIP.TimeoutSeconds == nil || *svc.Spec.SessionAffinityConfig.ClientIP.TimeoutSeconds != 10800 {
		t.Errorf("sessionAffinityConfig not defaulted to 10800: %+v", svc.Spec.SessionAffinityConfig)
	}
}

// EndpointSlices hold at most 100 endpoints each.
func TestServiceSliceSize(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, deployYAML("web", "  replicas: 150", "nginx"))
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]`)
	advance(t, c, time.Minute)
	var sizes []int
	total := 0
	for _, s := range slices(t, c, "web") {
		sizes = append(sizes, len(s.Endpoints))
		total += len(s.Endpoints)
	}
	sort.Ints(sizes)
	if total != 150 || len(sizes) != 2 || sizes[1] > 100 {
		t.Errorf("slice sizes %v", sizes)
	}
}

// internalTrafficPolicy Local: a client on a node without a local endpoint
// gets none (traffic dropped), no fallback to other nodes.
// Source: https://kubernetes.io/docs/concepts/services-networking/service-traffic-policy/
func TestServiceInternalTrafficPolicyLocal(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p1, labels: {app: web}}
spec: {nodeName: a, containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  internalTrafficPolicy: Local
  ports: [{port: 80}]`)
	advance(t, c, time.Minute)
	onA, err := c.Services().NodePicker("a", "default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	onB, _ := c.Services().NodePicker("b", "default", "web", "")
	if e, err := onA.Pick(); err != nil || e.PodName != "p1" {
		t.Errorf("on a: %v %v", e, err)
	}
	if e, err := onB.Pick(); err == nil {
		t.Errorf("on b: got %s, want no endpoint", e.PodName)
	}
}
