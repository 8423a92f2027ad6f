package breakit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// A ReplicaSet or StatefulSet whose pods are pinned (spec.nodeName) to a
// node without room: the kubelet rejects each pod (OutOfcpu) and the
// controller makes another, as in Kubernetes, where the storm goes at the
// pace of the API and the kubelet. Here a rejection takes the kubelet a
// second: Advance returns, with about one rejected pod a second, rather
// than looping at one virtual instant until the hot-loop guard gives up
// (the StatefulSet) or for good (the ReplicaSet).
func TestR10lRejectedPinnedPodsDoNotHangTheCluster(t *testing.T) {
	for _, kind := range []string{"ReplicaSet", "StatefulSet"} {
		t.Run(kind, func(t *testing.T) {
			c := newCluster(t)
			n := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: "small"}}
			n.Status.Capacity = workload.ResourceList{"cpu": resource.MustParse("1"), "pods": resource.MustParse("110")}
			if err := c.Fake().AddNode(n); err != nil {
				t.Fatal(err)
			}
			extra := ""
			if kind == "StatefulSet" {
				extra = "\n  serviceName: big"
			}
			applyYAML(t, c, fmt.Sprintf(`
apiVersion: apps/v1
kind: %s
metadata: {name: big}
spec:
  replicas: 1%s
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec:
      nodeName: small
      containers: [{name: main, image: x, resources: {requests: {cpu: "2"}}}]
`, kind, extra))
			advance(t, c, time.Minute)
			rejected := 0
			for _, e := range c.Events() {
				if e.Reason == "OutOfcpu" {
					rejected += int(e.Count)
				}
			}
			if rejected < 30 || rejected > 120 {
				t.Fatalf("%d OutOfcpu rejections in a minute, want about one a second", rejected)
			}
		})
	}
}

// A pod bound to a node that does not exist has no kubelet: nothing
// records an event for it while it waits, Pending, for the node (the pod
// GC collects it after its 40 s quarantine).
func TestR10lPodOnMissingNodeRecordsNoKubeletEvent(t *testing.T) {
	c := newCluster(t, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: lost}
spec:
  nodeName: ghost
  containers: [{name: main, image: x}]
`)
	advance(t, c, 10*time.Second)
	for _, e := range c.Events() {
		if e.InvolvedObject.Name == "lost" {
			t.Errorf("event %s %q for a pod no kubelet has", e.Reason, e.Message)
		}
	}
	if ps := pods(t, c, ""); len(ps) != 1 || ps[0].Status.Phase != workload.PodPending {
		t.Fatalf("pods %d, want the pod Pending", len(ps))
	}
}
