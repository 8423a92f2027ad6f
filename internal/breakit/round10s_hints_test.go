package breakit_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// r10sAutoCluster returns a cluster whose nodes are given as name=zone
// (cpu), with one pod per entry of pods (name=node) behind Service web,
// annotated service.kubernetes.io/topology-mode: Auto.
func r10sAutoCluster(t *testing.T, nodes map[string][2]string, pods map[string]string) *orchestra.Cluster {
	t.Helper()
	c := newCluster(t)
	for n, zc := range nodes {
		node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: n, Labels: map[string]string{workload.LabelZone: zc[0]}}}
		if zc[1] != "" {
			node.Status.Capacity = workload.ResourceList{workload.ResourceCPU: resource.MustParse(zc[1])}
		}
		if err := c.Fake().AddNode(node); err != nil {
			t.Fatal(err)
		}
	}
	y := `
apiVersion: v1
kind: Service
metadata: {name: web, annotations: {service.kubernetes.io/topology-mode: Auto}}
spec: {selector: {app: web}, ports: [{port: 80}]}`
	for p, n := range pods {
		y += fmt.Sprintf(`
---
apiVersion: v1
kind: Pod
metadata: {name: %s, labels: {app: web}}
spec: {nodeName: %s, containers: [{name: c, image: i}]}`, p, n)
	}
	applyYAML(t, c, y)
	advance(t, c, time.Minute)
	return c
}

// Topology-aware routing (service.kubernetes.io/topology-mode: Auto): the
// EndpointSlice controller hints the ready endpoints for zones in
// proportion to each zone's allocatable CPU, an endpoint for its own
// zone unless its zone has more than its share, and kube-proxy on a node
// then keeps to its zone's endpoints; when the minimum share of a zone
// cannot be met within the 20 % overload threshold there are no hints
// and a TopologyAwareHintsDisabled event says why. orchestra ignored the
// annotation. Kubernetes:
// staging/src/k8s.io/endpointslice/topologycache (AddHints,
// getAllocations, redistributeHints);
// https://kubernetes.io/docs/concepts/services-networking/topology-aware-routing/
func TestR10sSvcTopologyModeAuto(t *testing.T) {
	c := r10sAutoCluster(t,
		map[string][2]string{"n1": {"za", ""}, "n2": {"zb", ""}, "n3": {"zc", ""}},
		map[string]string{"p1": "n1", "p2": "n1", "p3": "n2", "p4": "n3"})
	got := map[string]string{}
	for _, p := range []string{"p1", "p2", "p3", "p4"} {
		got[p] = r10sHintsOf(t, c, p)
	}
	// 4 endpoints, 3 equal zones: desired 4/3 each, minimum 2
	// (ceil(1.33/1.2)) each, 6 > 4: the minimum allocations cannot be met.
	for p, h := range got {
		if h != "none" {
			t.Errorf("%s hinted %s with 4 endpoints over 3 zones, want no hints (overload threshold)", p, h)
		}
	}
	if !r10sHasEvent(c, "TopologyAwareHintsDisabled", "Unable to allocate minimum required endpoints to each zone without exceeding overload threshold (4 endpoints, 3 zones), addressType: IPv4") {
		t.Errorf("no TopologyAwareHintsDisabled event naming the overload threshold; events: %v", eventsFor(c, "web"))
	}

	// Two zones, zone za with 3 times zb's CPU, 4 pods in za and 4 in zb:
	// za should get 6 hints, zb 2, so two of zb's pods are hinted for za.
	c = r10sAutoCluster(t,
		map[string][2]string{"n1": {"za", "12"}, "n2": {"zb", "4"}},
		map[string]string{"a1": "n1", "a2": "n1", "a3": "n1", "a4": "n1", "b1": "n2", "b2": "n2", "b3": "n2", "b4": "n2"})
	count := map[string]int{}
	for _, p := range []string{"a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4"} {
		h := r10sHintsOf(t, c, p)
		count[h]++
		if strings.HasPrefix(p, "a") && h != "za" {
			t.Errorf("%s (zone za, which needs more) hinted %s, want za", p, h)
		}
	}
	if count["za"] != 6 || count["zb"] != 2 {
		t.Errorf("hints by zone %v, want za 6 zb 2", count)
	}
	if !r10sHasEvent(c, "TopologyAwareHintsEnabled", "Topology Aware Hints has been enabled, addressType: IPv4") {
		t.Errorf("no TopologyAwareHintsEnabled event; events: %v", eventsFor(c, "web"))
	}
	// kube-proxy on zb's node uses only the two endpoints hinted for zb.
	pk, err := c.Services().NodePicker("n2", "default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(r10sPicks(t, pk), ",") + 1; got != 2 {
		t.Errorf("from node n2: %s, want the 2 endpoints hinted for zb", r10sPicks(t, pk))
	}
}

// A node without a zone label makes the node information insufficient:
// no hints. Kubernetes: topologycache.SetNodes, getAllocations
// (InsufficientNodeInfo).
func TestR10sSvcTopologyModeAutoNeedsZones(t *testing.T) {
	c := newCluster(t)
	for n, z := range map[string]string{"n1": "za", "n2": "zb", "n3": ""} {
		node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: n, Labels: map[string]string{}}}
		if z != "" {
			node.Labels[workload.LabelZone] = z
		}
		if err := c.Fake().AddNode(node); err != nil {
			t.Fatal(err)
		}
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web, annotations: {service.kubernetes.io/topology-mode: Auto}}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p1, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p2, labels: {app: web}}
spec: {nodeName: n2, containers: [{name: c, image: i}]}`)
	advance(t, c, time.Minute)
	if h := r10sHintsOf(t, c, "p1"); h != "none" {
		t.Errorf("p1 hinted %s with a node lacking a zone, want none", h)
	}
	if !r10sHasEvent(c, "TopologyAwareHintsDisabled", "Insufficient Node information: allocatable CPU or zone not specified on one or more nodes, addressType: IPv4") {
		t.Errorf("no InsufficientNodeInfo event; events: %v", eventsFor(c, "web"))
	}
	// The node gets its zone: 2 endpoints for 3 zones are too few.
	zc := "zc"
	if err := c.Fake().SetNodeLabels("n3", map[string]*string{workload.LabelZone: &zc}); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: web, annotations: {service.kubernetes.io/topology-mode: Auto}, labels: {v: "2"}}, spec: {selector: {app: web}, ports: [{port: 80}]}}`)
	advance(t, c, time.Second)
	if h := r10sHintsOf(t, c, "p1"); h != "none" {
		t.Errorf("p1 hinted %s with 2 endpoints over 3 zones, want none", h)
	}
	if !r10sHasEvent(c, "TopologyAwareHintsDisabled", "Insufficient number of endpoints (2 endpoints, 3 zones), addressType: IPv4") {
		t.Errorf("no InsufficientNumberOfEndpoints event; events: %v", eventsFor(c, "web"))
	}
	// A third pod, in zone zc: every zone has its endpoint.
	applyYAML(t, c, `{apiVersion: v1, kind: Pod, metadata: {name: p3, labels: {app: web}}, spec: {nodeName: n3, containers: [{name: c, image: i}]}}`)
	advance(t, c, time.Minute)
	for p, z := range map[string]string{"p1": "za", "p2": "zb", "p3": "zc"} {
		if h := r10sHintsOf(t, c, p); h != z {
			t.Errorf("%s hinted %s, want %s", p, h, z)
		}
	}
	// The annotation goes: so do the hints, with an event.
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {app: web}, ports: [{port: 80}]}}`)
	advance(t, c, time.Second)
	if h := r10sHintsOf(t, c, "p1"); h != "none" {
		t.Errorf("p1 hinted %s without the annotation, want none", h)
	}
	if !r10sHasEvent(c, "TopologyAwareHintsDisabled", "Topology Aware Hints has been disabled, addressType: IPv4") {
		t.Errorf("no TopologyAwareHintsDisabled event for the removed annotation; events: %v", eventsFor(c, "web"))
	}
}

func r10sHintsOf(t *testing.T, c *orchestra.Cluster, pod string) string {
	t.Helper()
	e, _ := endpointOf(t, c, "web", pod)
	if e == nil {
		t.Fatalf("no endpoint for %s", pod)
	}
	if e.Hints == nil {
		return "none"
	}
	var zs []string
	for _, z := range e.Hints.ForZones {
		zs = append(zs, z.Name)
	}
	return strings.Join(zs, ",")
}

func r10sHasEvent(c *orchestra.Cluster, reason, msg string) bool {
	for _, e := range c.Events() {
		if e.InvolvedObject.Kind == "Service" && e.Reason == reason && e.Message == msg {
			return true
		}
	}
	return false
}

// The topology-mode annotation and its deprecated name must agree when
// both are given. Kubernetes: pkg/apis/core/validation/validation.go
// ValidateService ("must match annotations[...] when both are
// specified").
func TestR10sSvcTopologyAnnotationsAgree(t *testing.T) {
	c := newCluster(t, "a")
	objs, _, err := workload.Decode([]byte(`{apiVersion: v1, kind: Service, metadata: {name: web, annotations: {service.kubernetes.io/topology-mode: Auto, service.kubernetes.io/topology-aware-hints: Disabled}}, spec: {ports: [{port: 80}]}}`), "web.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply(objs[0])
	if err == nil || !strings.Contains(err.Error(), "metadata.annotations[service.kubernetes.io/topology-mode]") {
		t.Errorf("disagreeing topology annotations: err %v, want one naming metadata.annotations[service.kubernetes.io/topology-mode]", err)
	}
	applyYAML(t, c, `{apiVersion: v1, kind: Service, metadata: {name: ok, annotations: {service.kubernetes.io/topology-mode: Auto, service.kubernetes.io/topology-aware-hints: Auto}}, spec: {ports: [{port: 80}]}}`)
}
