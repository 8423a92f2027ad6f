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

// Required node affinity whose terms each name a node (matchFields
// metadata.name In [x], ORed) is kube-scheduler's NodeAffinity PreFilter
// case: only the union of the named nodes goes through the filters, and
// every other node counts as "node(s) didn't satisfy plugin(s)
// [NodeAffinity]", whatever else it lacks. Here node a (tainted) is not
// named: "0/3 nodes are available: 1 node(s) didn't satisfy plugin(s)
// [NodeAffinity], 2 Insufficient cpu.", not "1 node(s) had untolerated
// taint".
// Source: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go
// PreFilter (nodeNames = union of each term's metadata.name In values);
// pkg/scheduler/schedule_one.go findNodesThatFitPod (SetAbsentNodesStatus).
func TestR8cSchedTermsNamingNodesPreFilter(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "a", nil, nil, workload.Taint{Key: "dedicated", Value: "db", Effect: workload.TaintEffectNoSchedule})
	r4node(t, c, "b", map[string]string{"cpu": "1"}, nil)
	r4node(t, c, "c", map[string]string{"cpu": "1"}, nil)
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: q}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchFields: [{key: metadata.name, operator: In, values: [b]}]
        - matchFields: [{key: metadata.name, operator: In, values: [c]}]
        - matchFields: [{key: metadata.name, operator: In, values: [gone]}]
  containers: [{name: c, image: x, resources: {requests: {cpu: "2"}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: mixed}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchFields: [{key: metadata.name, operator: In, values: [b]}]
        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [c]}]
  containers: [{name: c, image: x, resources: {requests: {cpu: "2"}}}]
`)
	advance(t, c, time.Minute)
	want := "0/3 nodes are available: 1 node(s) didn't satisfy plugin(s) [NodeAffinity], 2 Insufficient cpu."
	if got := r4schedMsg(c, "q"); got != want {
		t.Errorf("q: FailedScheduling %q\nwant                %q", got, want)
	}
	// A term without a node name makes every node eligible: no PreFilter.
	want = "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 Insufficient cpu."
	if got := r4schedMsg(c, "mixed"); got != want {
		t.Errorf("mixed: FailedScheduling %q\nwant                    %q", got, want)
	}
}
