package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// Every pod gets status.qosClass when it is created, as the API server's
// pod strategy (PrepareForCreate: qos.GetPodQOS) computes it over the
// containers and init containers, cpu and memory only: Guaranteed when
// every container has cpu and memory limits and the requests equal them
// (a limit alone defaults the request), BestEffort when no container
// requests or limits either, else Burstable. It stays through the kubelet's
// status updates. pkg/apis/core/helper/qos/qos.go ComputePodQOS.
func TestR10cPodQOSClass(t *testing.T) {
	cases := []struct {
		name, containers, want string
	}{
		{"no resources", `[{name: c, image: x}]`, "BestEffort"},
		{"limits only", `[{name: c, image: x, resources: {limits: {cpu: 500m, memory: 1Gi}}}]`, "Guaranteed"},
		{"requests equal limits", `[{name: c, image: x, resources: {requests: {cpu: "1", memory: 1Gi}, limits: {cpu: "1", memory: 1Gi}}}]`, "Guaranteed"},
		{"request below limit", `[{name: c, image: x, resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: "1", memory: 1Gi}}}]`, "Burstable"},
		{"memory limit only", `[{name: c, image: x, resources: {limits: {memory: 1Gi}}}]`, "Burstable"},
		{"one container without", `[{name: c, image: x, resources: {limits: {cpu: "1", memory: 1Gi}}}, {name: d, image: x}]`, "Burstable"},
		{"extended resource only", `[{name: c, image: x, resources: {limits: {example.com/gpu: "1"}}}]`, "BestEffort"},
		{"zero requests", `[{name: c, image: x, resources: {requests: {cpu: "0"}}}]`, "BestEffort"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, "a")
			applyYAML(t, c, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: "+tc.containers+"\n")
			if got := r3getPod(t, c, "p").Status.QOSClass; got != tc.want {
				t.Errorf("qosClass %q at creation, want %q", got, tc.want)
			}
			advance(t, c, time.Minute)
			p := r3getPod(t, c, "p")
			if p.Status.QOSClass != tc.want {
				t.Errorf("a minute later (phase %s): qosClass %q, want %q", p.Status.Phase, p.Status.QOSClass, tc.want)
			}
			if p.Status.Phase != workload.PodRunning && tc.name != "extended resource only" { // no node has the gpu
				t.Errorf("phase %s, want Running", p.Status.Phase)
			}
		})
	}
	// An init container without limits makes a pod Burstable.
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers: [{name: i, image: x}]
  containers: [{name: c, image: x, resources: {limits: {cpu: "1", memory: 1Gi}}}]
`)
	if got := r3getPod(t, c, "p").Status.QOSClass; got != "Burstable" {
		t.Errorf("init container without limits: qosClass %q, want Burstable", got)
	}
}
