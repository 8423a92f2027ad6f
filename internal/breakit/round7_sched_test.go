package breakit_test

import (
	"testing"
	"time"
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
	want := "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."
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
