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
