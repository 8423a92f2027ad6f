package breakit_test

import (
	stdslices "slices"
	"testing"
	"time"
)

// A node that joins NotReady (tainted node.kubernetes.io/not-ready with
// NoSchedule and NoExecute) gets no daemon pod: the DaemonSet controller
// adds tolerations of not-ready and unreachable for NoExecute only, so the
// NoSchedule taint makes nodeShouldRunDaemonPod false, and the pod comes
// once the node is Ready. A DaemonSet that tolerates every taint (operator
// Exists, as CNI plugins' DaemonSets do to break that chicken-and-egg)
// gets its pod at once. Source: pkg/controller/daemon/daemon_controller.go
// NodeShouldRunDaemonPod, pkg/controller/daemon/util/daemonset_util.go
// AddOrUpdateDaemonPodTolerations.
func TestR11bDaemonSetWaitsForNotReadyNode(t *testing.T) {
	c := newCluster(t, "a")
	if err := c.Fake().SetNodeReady("a", false); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	applyYAML(t, c, dsYAML("", ""))
	applyYAML(t, c, `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: cni}
spec:
  selector: {matchLabels: {app: cni}}
  template:
    metadata: {labels: {app: cni}}
    spec:
      tolerations: [{operator: Exists}]
      containers: [{name: c, image: cni:1}]`)
	advance(t, c, time.Minute)
	if got := dsNodes(t, c); len(got) != 0 {
		t.Errorf("agent pods on %v while a is NotReady, want none", got)
	}
	if ps := pods(t, c, "app=cni"); len(ps) != 1 || ps[0].Spec.NodeName != "a" {
		t.Errorf("cni pods %d: want one on a (it tolerates every taint)", len(ps))
	}
	if err := c.Fake().SetNodeReady("a", true); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if got := dsNodes(t, c); !stdslices.Equal(got, []string{"a"}) {
		t.Errorf("agent pods on %v once a is Ready, want a", got)
	}
}
