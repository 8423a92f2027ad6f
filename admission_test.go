package orchestra_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestKubeletAdmission: a pod bound with spec.nodeName skips the scheduler,
// so the kubelet admits it (pkg/kubelet/lifecycle/predicate.go): a pod
// that does not fit fails with the kubelet's reason (a second after its
// creation, the kubelet's round trip) and never starts; one that fits
// runs.
func TestKubeletAdmission(t *testing.T) {
	c := newVirtualCluster(t, "node-a") // the fake's default node: cpu 4, pods 110
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-b"},
		Spec: workload.NodeSpec{Taints: []workload.Taint{{Key: "maint", Value: "yes", Effect: workload.TaintEffectNoExecute}}}}); err != nil {
		t.Fatal(err)
	}
	pinned := func(name string, mod func(*workload.Pod)) *workload.Pod {
		p := &workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: name},
			Spec:       workload.PodSpec{NodeName: "node-a", Containers: []workload.Container{{Name: "c", Image: "web"}}},
		}
		mod(p)
		return p
	}
	cpu := func(q string) func(*workload.Pod) {
		return func(p *workload.Pod) {
			p.Spec.Containers[0].Resources.Requests = workload.ResourceList{workload.ResourceCPU: resource.MustParse(q)}
		}
	}
	for _, p := range []*workload.Pod{
		pinned("fits", cpu("3")),
		pinned("hog", cpu("2")), // 3 of 4 cpu are admitted already
		pinned("elsewhere", func(p *workload.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} }),
		pinned("untolerated", func(p *workload.Pod) { p.Spec.NodeName = "node-b" }),
	} {
		if p.Spec.NodeName == "node-b" {
			// The taint eviction controller would delete it at once (it
			// does not tolerate the NoExecute taint), before the kubelet
			// rejects it a second after its creation: with the control
			// plane stopped, the kubelet alone acts, as it does when the
			// kubelet is the faster of the two.
			c.StopControlPlane()
		}
		if _, err := c.Apply(p); err != nil {
			t.Fatal(err)
		}
		if err := c.Advance(time.Second); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ pod, phase, reason, message string }{
		{"fits", workload.PodRunning, "", ""},
		{"hog", workload.PodFailed, "OutOfcpu", "Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 3000, capacity: 4000"},
		{"elsewhere", workload.PodFailed, "NodeAffinity", "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"},
		{"untolerated", workload.PodFailed, "TaintToleration", "Pod was rejected: Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate"},
	} {
		o, err := c.Get("Pod", "default", tc.pod)
		if err != nil && tc.pod == "untolerated" {
			// The taint manager deletes a pod bound to a node whose
			// NoExecute taint it does not tolerate, finished or not: the
			// kubelet's rejection shows in its event.
			found := false
			for _, e := range c.Events() {
				if e.InvolvedObject.Name == tc.pod && e.Reason == tc.reason && "Pod was rejected: "+e.Message == tc.message {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: gone without the kubelet's %s event", tc.pod, tc.reason)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		st := o.(*workload.Pod).Status
		if st.Phase != tc.phase || st.Reason != tc.reason || st.Message != tc.message {
			t.Errorf("%s: phase %s reason %q message %q; want %s %q %q", tc.pod, st.Phase, st.Reason, st.Message, tc.phase, tc.reason, tc.message)
		}
		if tc.phase == workload.PodFailed && len(st.ContainerStatuses) > 0 && st.ContainerStatuses[0].State.Running != nil {
			t.Errorf("%s: a rejected pod's container runs", tc.pod)
		}
	}
}
