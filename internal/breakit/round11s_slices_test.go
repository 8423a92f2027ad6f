package breakit_test

import (
	"testing"
	"time"
)

// A Service deleted in the foreground goes with its EndpointSlices: the
// garbage collector deletes the slices (blocking dependents) and the
// endpoints controller does not create them again while the Service is
// being deleted, so the Service is gone soon after, with or without
// endpoints. Kubernetes: staging/src/k8s.io/endpointslice/reconciler.go
// finalize ("Don't create new EndpointSlices if the Service is pending
// deletion ... a potential race condition with the garbage collector").
func TestR11sSvcForegroundDeleteWithSlices(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: empty}
spec: {selector: {app: none}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: web}}
spec: {nodeName: a, containers: [{name: c, image: i}]}`)
	advance(t, c, time.Minute)
	for _, name := range []string{"web", "empty"} {
		if err := c.Delete("Service", "default", name, "Foreground"); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, time.Minute)
	for _, name := range []string{"web", "empty"} {
		if o, err := c.Get("Service", "default", name); err == nil {
			t.Errorf("Service %s still there a minute after a foreground delete (finalizers %v)", name, o.GetObjectMeta().Finalizers)
		}
		if n := len(slices(t, c, name)); n != 0 {
			t.Errorf("Service %s deleted, %d slices left", name, n)
		}
	}
}

// A Service with a selector that selects no pod still has one
// EndpointSlice, with no endpoints and no ports (kubectl get
// endpointslices shows it with <unset> ports and endpoints), labelled and
// owned as the others. Once the Service has endpoints the placeholder
// gives way to their slices; once it has none again the placeholder is
// back. orchestra left such a Service without any slice. Kubernetes:
// staging/src/k8s.io/endpointslice/reconciler.go reconcileByAddressType
// ("When no endpoint slices would usually exist, we need to add a
// placeholder").
func TestR11sSvcPlaceholderSlice(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web, labels: {team: x}}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}`)
	advance(t, c, time.Second)
	check := func(when string, wantEndpoints int) {
		t.Helper()
		ss := slices(t, c, "web")
		if wantEndpoints == 0 {
			if len(ss) != 1 {
				t.Fatalf("%s: %d slices, want 1 placeholder", when, len(ss))
			}
			s := ss[0]
			if len(s.Endpoints) != 0 || len(s.Ports) != 0 {
				t.Errorf("%s: placeholder has endpoints %v, ports %v; want none", when, s.Endpoints, s.Ports)
			}
			if s.Labels["endpointslice.kubernetes.io/managed-by"] != "endpointslice-controller.k8s.io" || s.Labels["team"] != "x" || s.AddressType != "IPv4" {
				t.Errorf("%s: placeholder labels %v, addressType %q", when, s.Labels, s.AddressType)
			}
			if refs := s.OwnerReferences; len(refs) != 1 || refs[0].Kind != "Service" || refs[0].Name != "web" {
				t.Errorf("%s: placeholder owners %v", when, refs)
			}
			return
		}
		n := 0
		for _, s := range ss {
			if len(s.Endpoints) == 0 {
				t.Errorf("%s: an empty slice %s beside the endpoints' slices", when, s.Name)
			}
			n += len(s.Endpoints)
		}
		if n != wantEndpoints {
			t.Errorf("%s: %d endpoints in the slices, want %d", when, n, wantEndpoints)
		}
	}
	check("no pods", 0)
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: web}}
spec: {nodeName: a, containers: [{name: c, image: i}]}`)
	advance(t, c, time.Minute)
	check("one pod", 1)
	if err := c.Delete("Pod", "default", "web-0", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	check("pod deleted", 0)
	if err := c.Delete("Service", "default", "web", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if n := len(slices(t, c, "web")); n != 0 {
		t.Errorf("Service deleted, %d slices left", n)
	}
}
