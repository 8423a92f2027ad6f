package breakit_test

import (
	"context"
	"testing"

	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR10pManyProbedPodsThenScaleToZero: sixty pods with startup,
// readiness and liveness probes start at once on one node, all become
// ready, and none restarts; scaled to zero while their probes run, every
// pod goes and its address is released; the cleanup (Run cancelled, the
// runtime shut down) leaves no goroutine.
func TestR10pManyProbedPodsThenScaleToZero(t *testing.T) {
	e := r5newInproc(t, inproc.Config{FirstPodCIDR: testPodCIDRAt(108)}, nil, func(rt *inproc.Runtime) {
		rt.Register("web", r5serveName)
	})
	dep := func(n string) string {
		return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: many}
spec:
  replicas: ` + n + `
  selector: {matchLabels: {app: many}}
  template:
    metadata: {labels: {app: many}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: web
        image: func://web
        ports: [{name: tcp, containerPort: 8080}]
        startupProbe: {tcpSocket: {port: tcp}, periodSeconds: 1, failureThreshold: 100}
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
        livenessProbe: {tcpSocket: {port: tcp}, periodSeconds: 1, failureThreshold: 3}
`
	}
	e.apply(dep("60"))
	all := func() []*workload.Pod { return pods(t, e.c, "app=many") }
	e.wait("60 pods ready", func() bool {
		ps := all()
		if len(ps) != 60 {
			return false
		}
		for _, p := range ps {
			if !r5ready(p) {
				return false
			}
		}
		return true
	})
	ips := map[string]bool{}
	for _, p := range all() {
		if ips[p.Status.PodIP] {
			t.Errorf("pod IP %s given twice", p.Status.PodIP)
		}
		ips[p.Status.PodIP] = true
		if rc := p.Status.ContainerStatuses[0].RestartCount; rc != 0 {
			t.Errorf("pod %s restarted %d times", p.Name, rc)
		}
	}
	e.apply(dep("0"))
	e.wait("every pod gone", func() bool { return len(all()) == 0 })
	_, rps, _, err := e.rt.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rps) != 0 {
		t.Errorf("the runtime still has %d pods", len(rps))
	}
}
