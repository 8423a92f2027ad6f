package breakit_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

func r11sEndpoints(t *testing.T, c *orchestra.Cluster, name string) *workload.Endpoints {
	t.Helper()
	o, err := c.Get("Endpoints", "default", name)
	if err != nil {
		return nil
	}
	return o.(*workload.Endpoints)
}

// r11sSubsets renders subsets as "ready|notReady|ports" per subset.
func r11sSubsets(ep *workload.Endpoints) string {
	var parts []string
	for _, s := range ep.Subsets {
		var r, n, p []string
		for _, a := range s.Addresses {
			r = append(r, a.TargetRef.Name)
		}
		for _, a := range s.NotReadyAddresses {
			n = append(n, a.TargetRef.Name)
		}
		for _, x := range s.Ports {
			p = append(p, fmt.Sprintf("%s:%d", x.Name, x.Port))
		}
		parts = append(parts, strings.Join(r, ",")+"|"+strings.Join(n, ",")+"|"+strings.Join(p, ","))
	}
	return strings.Join(parts, " ")
}

// A Service with a selector also gets the core/v1 Endpoints object of its
// name, which the (deprecated, still running) Endpoints controller keeps:
// ready pods under addresses, others under notReadyAddresses, a pod being
// deleted left out, the ports a pod serves resolved per pod and repacked
// into one subset per set of addresses; labelled with the Service's labels
// and endpoints.kubernetes.io/managed-by; deleted with the Service. The
// conformance test "should create Endpoints and EndpointSlices for Pods
// matching a Service" reads both. orchestra wrote no Endpoints. Kubernetes:
// pkg/controller/endpoint/endpoints_controller.go syncService,
// addEndpointSubset; pkg/api/v1/endpoints/util.go RepackSubsets;
// test/e2e/network/endpointslice.go; kubernetes/kubernetes#130564 (the
// managed-by label).
func TestR11sSvcEndpointsOfSelectorService(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web, labels: {team: x}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}, {name: admin, port: 9000, targetPort: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: both}
spec:
  selector: {app: web}
  ports: [{name: a, port: 80, targetPort: 8080}, {name: b, port: 9000}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: web}}
spec: {nodeName: a, containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec: {nodeName: a, containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, labels: {app: web}, annotations: {sim.orchestra.dev/never-ready: "true"}}
spec: {nodeName: a, containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-3, labels: {app: web}}
spec: {nodeName: a, containers: [{name: c, image: i}]}`)
	advance(t, c, time.Minute)
	ep := r11sEndpoints(t, c, "web")
	if ep == nil {
		t.Fatal("no Endpoints web for a Service with a selector")
	}
	if ep.Labels["team"] != "x" || ep.Labels["endpoints.kubernetes.io/managed-by"] != "endpoint-controller" {
		t.Errorf("Endpoints labels %v", ep.Labels)
	}
	// web-3 lacks the named port http: it serves only admin, so the two
	// ports have different addresses and get a subset each.
	want := "web-0,web-1,web-3|web-2|admin:9000 web-0,web-1|web-2|http:8080"
	if got := r11sSubsets(ep); got != want {
		t.Errorf("subsets %s, want %s", got, want)
	}
	// Every pod serves both ports of Service both: one subset.
	if got, want := r11sSubsets(r11sEndpoints(t, c, "both")), "web-0,web-1,web-3|web-2|a:8080,b:9000"; got != want {
		t.Errorf("both: subsets %s, want %s", got, want)
	}

	// A pod being deleted (its 30 s grace period running) leaves; the
	// Service going takes the Endpoints.
	if err := c.DeletePod("default", "web-0", nil); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if p := pods(t, c, "app=web"); len(p) != 4 {
		t.Fatalf("%d pods, want web-0 still terminating", len(p))
	}
	if got := r11sSubsets(r11sEndpoints(t, c, "web")); strings.Contains(got, "web-0") {
		t.Errorf("a terminating pod is still in the Endpoints: %s", got)
	}
	if err := c.Delete("Service", "default", "web", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if r11sEndpoints(t, c, "web") != nil {
		t.Errorf("Endpoints web outlives its Service")
	}
}
