package breakit_test

import (
	"testing"
	"time"
)

// A Service's named targetPort is also looked up among the ports of the
// pod's native sidecars (init containers with restartPolicy Always), which
// serve for the pod's whole life: a proxy sidecar's "https" port is an
// endpoint port like an app container's. A plain init container's port is
// not (it has exited before the pod serves). orchestra looked only at
// spec.containers and left the pod out of the port's endpoints.
// Kubernetes: pkg/api/v1/pod/util.go FindPort (sidecar loop added by
// https://github.com/kubernetes/kubernetes/pull/127976, fixing
// https://github.com/kubernetes/kubernetes/issues/127958).
func TestR11sSvcNamedPortOfSidecar(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: https, port: 443, targetPort: https}
  - {name: setup, port: 9000, targetPort: setup}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: web}}
spec:
  nodeName: a
  initContainers:
  - {name: init, image: busybox, ports: [{name: setup, containerPort: 9000}]}
  - name: tls
    image: envoy
    restartPolicy: Always
    ports: [{name: https, containerPort: 9443}]
  containers:
  - {name: app, image: app, ports: [{name: http, containerPort: 8080}]}`)
	advance(t, c, time.Minute)
	e, s := endpointOf(t, c, "web", "web-0")
	if e == nil {
		t.Fatal("web-0 is no endpoint of web")
	}
	got := map[string]int32{}
	for _, p := range s.Ports {
		got[*p.Name] = *p.Port
	}
	if got["http"] != 8080 || got["https"] != 9443 || len(got) != 2 {
		t.Errorf("slice ports %v, want http 8080 and https 9443 (the sidecar's), no setup (a plain init container's)", got)
	}
	pk, err := c.Services().Picker("default", "web", "https")
	if err != nil {
		t.Fatal(err)
	}
	if ep, err := pk.Pick(); err != nil || ep.PodName != "web-0" || ep.Port != 9443 {
		t.Errorf("web https picks %+v, %v; want web-0:9443", ep, err)
	}
}
