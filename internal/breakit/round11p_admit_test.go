package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestR11pAdmissionOrder: a pod bound with spec.nodeName that fails
// several of the kubelet's admission checks is rejected with the first
// in the kubelet's order, and resources come first: predicate.go's
// generalFilter runs scheduler.AdmissionCheck (noderesources.Fits, then
// required node affinity, the node name, host ports) and only then the
// NoExecute taints, and Admit reports reasons[0]. A pod asking for more
// cpu than the node has and selecting a label the node lacks is OutOfcpu,
// not NodeAffinity; one that selects a missing label and wants a taken
// host port is NodeAffinity. An untolerated NoExecute taint reads as the
// TaintToleration plugin's ErrReasonNotMatch, "node(s) had taints that
// the pod didn't tolerate" (the scheduler's filter names the taint, the
// kubelet does not).
func TestR11pAdmissionOrder(t *testing.T) {
	c := newCluster(t, "n1")
	if err := c.Fake().SetNodeTaints("n1", nil); err != nil {
		t.Fatal(err)
	}
	c.StopControlPlane() // the taint manager would delete the pod that does not tolerate the taint before the kubelet rejects it
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: port}
spec:
  nodeName: n1
  containers:
  - {name: app, image: nginx, ports: [{containerPort: 80, hostPort: 8080}]}
`)
	advance(t, c, 2*time.Second)
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: big-elsewhere}
spec:
  nodeName: n1
  nodeSelector: {disk: ssd}
  containers:
  - {name: app, image: nginx, resources: {requests: {cpu: "8"}}}
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere-port}
spec:
  nodeName: n1
  nodeSelector: {disk: ssd}
  containers:
  - {name: app, image: nginx, ports: [{containerPort: 80, hostPort: 8080}]}
`)
	advance(t, c, 2*time.Second)
	if err := c.Fake().SetNodeTaints("n1", []workload.Taint{{Key: "maint", Value: "yes", Effect: workload.TaintEffectNoExecute}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: untolerated}
spec:
  nodeName: n1
  containers:
  - {name: app, image: nginx}
`)
	advance(t, c, 2*time.Second)
	for _, tc := range []struct{ pod, reason, message string }{
		{"big-elsewhere", "OutOfcpu", "Pod was rejected: Node didn't have enough resource: cpu, requested: 8000, used: 0, capacity: 4000"},
		{"elsewhere-port", "NodeAffinity", "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"},
		{"untolerated", "TaintToleration", "Pod was rejected: Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate"},
	} {
		o, err := c.Get("Pod", "default", tc.pod)
		if err != nil {
			t.Fatal(err)
		}
		st := o.(*workload.Pod).Status
		if st.Phase != workload.PodFailed || st.Reason != tc.reason || st.Message != tc.message {
			t.Errorf("%s: %s %s %q, want Failed %s %q", tc.pod, st.Phase, st.Reason, st.Message, tc.reason, tc.message)
		}
	}
}

// TestR11pAdmissionIgnoresUnknownExtendedResources: the kubelet admits a
// pod bound with spec.nodeName that requests an extended resource its
// node does not list at all, as predicate.go's Admit first removes the
// requests of extended resources missing from the node
// (removeMissingExtendedResources: they may be cluster-level resources);
// one the node lists, but too little of, is still OutOf<name>, and so are
// hugepages, a native resource.
func TestR11pAdmissionIgnoresUnknownExtendedResources(t *testing.T) {
	c := newCluster(t)
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n1"},
		Status: workload.NodeStatus{Capacity: workload.ResourceList{"example.com/gpu": resource.MustParse("1")}}}); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: cluster-level}
spec:
  nodeName: n1
  containers:
  - {name: app, image: nginx, resources: {requests: {example.com/licence: "1"}, limits: {example.com/licence: "1"}}}
---
apiVersion: v1
kind: Pod
metadata: {name: two-gpus}
spec:
  nodeName: n1
  containers:
  - {name: app, image: nginx, resources: {requests: {example.com/gpu: "2"}, limits: {example.com/gpu: "2"}}}
---
apiVersion: v1
kind: Pod
metadata: {name: huge}
spec:
  nodeName: n1
  containers:
  - {name: app, image: nginx, resources: {requests: {hugepages-2Mi: 2Mi, memory: 1Mi}, limits: {hugepages-2Mi: 2Mi, memory: 1Mi}}}
`)
	advance(t, c, 2*time.Second)
	for _, tc := range []struct{ pod, phase, reason string }{
		{"cluster-level", workload.PodRunning, ""},
		{"two-gpus", workload.PodFailed, "OutOfexample.com/gpu"},
		{"huge", workload.PodFailed, "OutOfhugepages-2Mi"},
	} {
		o, err := c.Get("Pod", "default", tc.pod)
		if err != nil {
			t.Fatal(err)
		}
		st := o.(*workload.Pod).Status
		if st.Phase != tc.phase || st.Reason != tc.reason {
			t.Errorf("%s: %s %s %q, want %s %s", tc.pod, st.Phase, st.Reason, st.Message, tc.phase, tc.reason)
		}
	}
}
