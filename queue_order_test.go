package orchestra_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Unschedulable pods tried again together (here when room is freed) are
// tried in kube-scheduler's active-queue order (PrioritySort): higher
// spec.priority first, then the pod that failed first; not by name.
func TestUnschedulablePodsRetriedInQueueOrder(t *testing.T) {
	c := newVirtualCluster(t)
	node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: "small"}}
	node.Status.Capacity = workload.ResourceList{workload.ResourceCPU: resource.MustParse("1")}
	if err := c.Fake().AddNode(node); err != nil {
		t.Fatal(err)
	}
	apply := func(name string, prio *int32) {
		t.Helper()
		p := &workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: name},
			Spec: workload.PodSpec{Priority: prio, Containers: []workload.Container{{Name: "c", Image: "nginx",
				Resources: workload.ResourceRequirements{Requests: workload.ResourceList{workload.ResourceCPU: resource.MustParse("1")}}}}},
		}
		if _, err := c.Apply(p); err != nil {
			t.Fatal(err)
		}
		if err := c.Advance(time.Second); err != nil {
			t.Fatal(err)
		}
	}
	nodeOf := func(name string) string {
		t.Helper()
		o, err := c.Get("Pod", "default", name)
		if err != nil {
			t.Fatal(err)
		}
		return o.(*workload.Pod).Spec.NodeName
	}
	free := func(name string) {
		t.Helper()
		if err := c.Delete("Pod", "default", name, ""); err != nil {
			t.Fatal(err)
		}
		if err := c.Advance(time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	apply("blocker", nil)
	apply("z-first", nil)
	apply("a-second", nil)
	if nodeOf("blocker") != "small" || nodeOf("z-first") != "" || nodeOf("a-second") != "" {
		t.Fatalf("blocker on %q, z-first on %q, a-second on %q: want only the blocker placed", nodeOf("blocker"), nodeOf("z-first"), nodeOf("a-second"))
	}
	free("blocker")
	if z, a := nodeOf("z-first"), nodeOf("a-second"); z != "small" || a != "" {
		t.Fatalf("room for one: z-first on %q, a-second on %q; want the pod that failed first, z-first", z, a)
	}
	high := int32(1000)
	apply("m-high", &high)
	free("z-first")
	if m, a := nodeOf("m-high"), nodeOf("a-second"); m != "small" || a != "" {
		t.Fatalf("room for one: m-high on %q, a-second on %q; want the higher priority, m-high", m, a)
	}
}
