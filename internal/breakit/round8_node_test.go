package breakit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A cordoned node (spec.unschedulable) gets the taint
// node.kubernetes.io/unschedulable:NoSchedule from the node lifecycle
// controller, and loses it when uncordoned: `kubectl describe node` after
// `kubectl cordon` shows "Taints: node.kubernetes.io/unschedulable:NoSchedule".
// A pending pod still reads "node(s) were unschedulable" (the
// NodeUnschedulable filter runs before TaintToleration).
// Source: pkg/controller/nodelifecycle/node_lifecycle_controller.go
// doNoScheduleTaintingPass ("if node.Spec.Unschedulable { taints = append(...
// v1.TaintNodeUnschedulable, NoSchedule) }").
func TestR8CordonTaintsNode(t *testing.T) {
	c := newCluster(t, "a")
	advance(t, c, time.Second)
	taints := func() []workload.Taint {
		t.Helper()
		o, err := c.Get("Node", "", "a")
		if err != nil {
			t.Fatal(err)
		}
		return o.(*workload.Node).Spec.Taints
	}
	has := func(ts []workload.Taint) bool {
		for _, tn := range ts {
			if tn.Key == workload.TaintNodeUnschedulable && tn.Effect == workload.TaintEffectNoSchedule && tn.TimeAdded != nil {
				return true
			}
		}
		return false
	}
	if err := c.Fake().Cordon("a"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if ts := taints(); !has(ts) {
		t.Errorf("cordoned node's taints %+v, want node.kubernetes.io/unschedulable:NoSchedule", ts)
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: c, image: nginx}]}`)
	advance(t, c, time.Second)
	var msgs []string
	for _, e := range c.Events() {
		if e.InvolvedObject.Name == "p" && e.Reason == "FailedScheduling" {
			msgs = append(msgs, e.Message)
		}
	}
	if len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1], "1 node(s) were unschedulable") || strings.Contains(msgs[len(msgs)-1], "taint") {
		t.Errorf("FailedScheduling %q, want \"... 1 node(s) were unschedulable ...\"", msgs)
	}
	if err := c.Fake().Uncordon("a"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if ts := taints(); has(ts) || len(ts) != 0 {
		t.Errorf("uncordoned node's taints %+v, want none", ts)
	}
}
