package breakit_test

import (
	"testing"
	"time"
)

// A pod whose Node object is gone is left out of the EndpointSlices (and
// so of the pickers) unless the Service publishes not-ready addresses,
// rather than served until the pod garbage collector removes it 40 s
// later; the Node coming back brings it back. Kubernetes:
// staging/src/k8s.io/endpointslice/reconciler.go reconcileByAddressType
// ("skipping Pod for Service, Node not found"; "if the
// service.Spec.PublishNotReadyAddresses is set we just add the Pod").
func TestR10sSvcPodOfDeletedNodeLeavesEndpoints(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-all}
spec: {selector: {app: web}, publishNotReadyAddresses: true, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: pa, labels: {app: web}}
spec: {nodeName: a, containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: pb, labels: {app: web}}
spec: {nodeName: b, containers: [{name: c, image: i}]}`)
	advance(t, c, time.Minute)
	node, err := c.Get("Node", "", "b")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Node", "", "b", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Second)
	if e, _ := endpointOf(t, c, "web", "pb"); e != nil {
		t.Errorf("pb, on deleted node b, still an endpoint of web")
	}
	pk, err := c.Services().Picker("default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := r10sPicks(t, pk); got != "pa" {
		t.Errorf("web picks %s, want pa only", got)
	}
	if e, _ := endpointOf(t, c, "web-all", "pb"); e == nil {
		t.Errorf("pb left out of web-all, which publishes not-ready addresses")
	}

	// The Node object comes back (its kubelet registers again).
	node.GetObjectMeta().ResourceVersion, node.GetObjectMeta().UID = "", ""
	if _, err := c.Apply(node); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Second)
	if e, _ := endpointOf(t, c, "web", "pb"); e == nil {
		t.Errorf("pb not back in web once node b is back")
	}
}
