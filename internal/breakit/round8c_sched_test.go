package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
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
	want := "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: db}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.."
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
	want := "0/3 nodes are available: 1 node(s) didn't satisfy plugin(s) [NodeAffinity], 2 Insufficient cpu." +
		" preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."
	if got := r4schedMsg(c, "q"); got != want {
		t.Errorf("q: FailedScheduling %q\nwant                %q", got, want)
	}
	// A term without a node name makes every node eligible: no PreFilter.
	want = "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 Insufficient cpu." +
		" preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."
	if got := r4schedMsg(c, "mixed"); got != want {
		t.Errorf("mixed: FailedScheduling %q\nwant                    %q", got, want)
	}
}

// A node whose Ready condition is False is tainted not-ready with effects
// NoSchedule and NoExecute (Unknown: unreachable), and only a pod that
// tolerates both may go there. Every pod tolerates the NoExecute ones for
// 300 s (DefaultTolerationSeconds admission), so the scheduler's own
// readiness check, meant to keep pods off a node that is not ready before
// the node lifecycle has tainted it, let every pod through: a pod created
// at the instant the only node went not ready (or stopped reporting) was
// bound to it. It now needs both effects tolerated, as TaintToleration on
// the tainted node does, and an unreachable node's reason names the
// unreachable taint. A pod that tolerates everything still goes there.
// Source: pkg/controller/nodelifecycle/node_lifecycle_controller.go
// (nodeConditionToTaintKeyStatusMap, doNoScheduleTaintingPass);
// plugin/pkg/admission/defaulttolerationseconds (NoExecute only);
// pkg/scheduler/framework/plugins/tainttoleration Filter (NoSchedule and
// NoExecute).
func TestR8cSchedNotReadyBeforeTainted(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		fail       func(c *orchestra.Cluster) error
	}{
		{"not ready", "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..",
			func(c *orchestra.Cluster) error { return c.Fake().SetNodeReady("a", false) }},
		{"unreachable", "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..",
			// A silent kubelet's node is Unknown once the node monitor
			// grace period (50 s) has passed: the pods come then.
			func(c *orchestra.Cluster) error {
				if err := c.Fake().FailNode("a"); err != nil {
					return err
				}
				return c.Advance(controller.DefaultNodeMonitorGracePeriod)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, "a")
			advance(t, c, time.Second)
			if err := tc.fail(c); err != nil {
				t.Fatal(err)
			}
			applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: all}
spec:
  tolerations: [{operator: Exists}]
  containers: [{name: c, image: x}]
`)
			advance(t, c, time.Minute)
			if n := r4podNode(t, c, "p"); n != "" {
				t.Errorf("p: bound to %q, which is not ready", n)
			}
			if got := r4schedMsg(c, "p"); got != tc.want {
				t.Errorf("p: FailedScheduling %q\nwant                %q", got, tc.want)
			}
			if n := r4podNode(t, c, "all"); n != "a" {
				t.Errorf("all (tolerates every taint): node %q, want a", n)
			}
		})
	}
}

// A required term whose matchFields name two different nodes
// (metadata.name In [a] and In [b], ANDed) names no node; when every term
// is such, kube-scheduler's NodeAffinity PreFilter fails before any node
// is looked at, and the message is its own: "0/3 nodes are available: pod
// affinity terms conflict." A conflicting term beside one that names a
// node leaves only that node.
// Source: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go
// PreFilter (errReasonConflict); pkg/scheduler/framework/types.go
// FitError.Error (PreFilterMsg).
func TestR8cSchedTermsConflict(t *testing.T) {
	c := newCluster(t, "a", "b", "c")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: conflict}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchFields: [{key: metadata.name, operator: In, values: [a]}, {key: metadata.name, operator: In, values: [b]}]
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: half}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchFields: [{key: metadata.name, operator: In, values: [a]}, {key: metadata.name, operator: In, values: [b]}]
        - matchFields: [{key: metadata.name, operator: In, values: [c]}]
  containers: [{name: c, image: x, resources: {requests: {cpu: "8"}}}]
`)
	advance(t, c, time.Minute)
	want := "0/3 nodes are available: pod affinity terms conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."
	if got := r4schedMsg(c, "conflict"); got != want {
		t.Errorf("conflict: FailedScheduling %q\nwant                       %q", got, want)
	}
	want = "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]." +
		" preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."
	if got := r4schedMsg(c, "half"); got != want {
		t.Errorf("half: FailedScheduling %q\nwant                   %q", got, want)
	}
}
