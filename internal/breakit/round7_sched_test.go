package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// Gt and Lt take an integer, but the API server does not check it
// (ValidateNodeSelectorRequirement only wants one value): a pod whose
// required node affinity says Gt "150.1" is created and stays Pending, its
// node affinity matching no node ("didn't match Pod's node affinity/
// selector"), since the scheduler ignores the term's parse error
// (nodeaffinity Filter: "Ignore parsing errors for backwards
// compatibility"); another term of the same affinity still matches.
// Source: kubernetes/kubernetes#86488 (Gt "150.1", pod Pending);
// pkg/apis/core/validation/validation.go ValidateNodeSelectorRequirement;
// pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go Filter;
// k8s.io/component-helpers/scheduling/corev1/nodeaffinity LazyErrorNodeSelector.
func TestR7SchedGtWithoutAnIntegerMatchesNothing(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "a", nil, map[string]string{"appVersion": "500"})
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: float}
spec:
  restartPolicy: Never
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: appVersion, operator: Gt, values: ["150.1"]}]
  containers: [{name: c, image: ubuntu}]
---
apiVersion: v1
kind: Pod
metadata: {name: either}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: appVersion, operator: Lt, values: [abc]}]
        - matchExpressions: [{key: appVersion, operator: Gt, values: ["150"]}]
  containers: [{name: c, image: ubuntu}]
`)
	advance(t, c, time.Minute)
	want := "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.."
	p := r3getPod(t, c, "float")
	if p.Spec.NodeName != "" {
		t.Errorf("float: bound to %q", p.Spec.NodeName)
	}
	if cd := r3cond(p, "PodScheduled"); cd == nil || cd.Status != "False" || cd.Reason != "Unschedulable" || cd.Message != want {
		t.Errorf("float: PodScheduled %+v, want False Unschedulable %q", cd, want)
	}
	if got := r4schedMsg(c, "float"); got != want {
		t.Errorf("float: FailedScheduling %q, want %q", got, want)
	}
	if n := r4podNode(t, c, "either"); n != "a" {
		t.Errorf("either: node %q, want a (its second term matches)", n)
	}
}

// A DaemonSet pod is pinned to its node by a required matchFields
// metadata.name term; kube-scheduler's NodeAffinity PreFilter leaves every
// other node out, and the FailedScheduling message counts those as
// "node(s) didn't satisfy plugin(s) [NodeAffinity]": "0/3 nodes are
// available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s)
// [NodeAffinity]." (as users report it for DaemonSet pods and EKS add-ons).
// Source: pkg/scheduler/schedule_one.go findNodesThatFitPod
// (SetAbsentNodesStatus "node(s) didn't satisfy plugin(s) %v");
// pkg/scheduler/framework/plugins/nodeaffinity PreFilter.
func TestR7SchedDaemonPodMessage(t *testing.T) {
	c := newCluster(t, "a", "b", "c")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  nodeName: b
  containers: [{name: c, image: x, resources: {requests: {cpu: "3"}}}]
`)
	advance(t, c, time.Second)
	applyYAML(t, c, `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: c, image: agent:1, resources: {requests: {cpu: "2"}}}]
`)
	advance(t, c, time.Minute)
	var pending *workload.Pod
	for _, p := range pods(t, c, "app=agent") {
		if p.Spec.NodeName == "" {
			pending = p
		}
	}
	if pending == nil {
		t.Fatalf("no pending daemon pod; nodes %v", dsNodes(t, c))
	}
	want := "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]." +
		" preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.."
	if got := r4schedMsg(c, pending.Name); got != want {
		t.Errorf("FailedScheduling %q\nwant             %q", got, want)
	}
}
