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

// An ExternalName Service that aliases a Service of the cluster (the
// usual way to reach a Service of another namespace under a local name)
// resolves to that Service's addresses: the cluster DNS answers the CNAME
// and, the target being in its own zone, the target's records with it.
// An external target stays a name for the system resolver; a loop of
// aliases is an error, not a hang. orchestra answered the alias's
// target name as if it were an address. Kubernetes DNS: CoreDNS
// plugin/backend_lookup.go A (CNAME chased within the zone, at most 8
// deep); https://kubernetes.io/docs/concepts/services-networking/service/#externalname
func TestR10sSvcExternalNameAliasResolves(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: prod}
spec: {clusterIP: 10.96.0.40, ports: [{port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: app}
spec: {type: ExternalName, externalName: db.prod.svc.cluster.local.}
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: app}
spec: {type: ExternalName, externalName: db.example.com}
---
apiVersion: v1
kind: Service
metadata: {name: loop1, namespace: app}
spec: {type: ExternalName, externalName: loop2.app.svc.cluster.local}
---
apiVersion: v1
kind: Service
metadata: {name: loop2, namespace: app}
spec: {type: ExternalName, externalName: loop1.app.svc.cluster.local}`)
	advance(t, c, time.Second)
	r := c.Resolver()
	if got, err := r.LookupHost("app", "db"); err != nil || len(got) != 1 || got[0] != "10.96.0.40" {
		t.Errorf("app/db (alias of prod/db) resolves to %v, %v; want [10.96.0.40]", got, err)
	}
	if got, err := r.LookupHost("app", "ext"); err != nil || len(got) != 1 || got[0] != "db.example.com" {
		t.Errorf("app/ext resolves to %v, %v; want its external name", got, err)
	}
	if got, err := r.LookupHost("app", "loop1"); err == nil {
		t.Errorf("a loop of ExternalName aliases resolves to %v", got)
	}
}
