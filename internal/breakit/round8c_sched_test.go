package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A pod that fits nowhere and is then changed (here: a toleration added,
// which the API server allows on a pending pod) is tried again at once,
// not only when a node changes or the five-minute flush comes: kube-
// scheduler's PriorityQueue.Update moves an unschedulable pod whose spec
// or metadata changed (isPodUpdated: everything but the status) back to
// the active queue.
// Source: pkg/scheduler/backend/queue/scheduling_queue.go (Update,
// isPodUpdated); pkg/scheduler/eventhandlers.go updatePodInSchedulingQueue.
func TestR8cSchedPodUpdateRetriesUnschedulable(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "a", nil, nil, workload.Taint{Key: "dedicated", Value: "db", Effect: workload.TaintEffectNoSchedule})
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: x}]
`)
	advance(t, c, time.Minute)
	want := "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: db}."
	if got := r4schedMsg(c, "p"); got != want {
		t.Fatalf("FailedScheduling %q, want %q", got, want)
	}
	p := r3getPod(t, c, "p")
	p.Spec.Tolerations = append(p.Spec.Tolerations, workload.Toleration{Key: "dedicated", Operator: workload.TolerationOpExists})
	if _, err := c.Apply(p); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Second)
	if n := r4podNode(t, c, "p"); n != "a" {
		t.Errorf("10s after the toleration was added: node %q, want a", n)
	}
}
