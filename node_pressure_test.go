package orchestra_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// A node whose MemoryPressure condition is True is tainted
// node.kubernetes.io/memory-pressure:NoSchedule by the node lifecycle
// (Kubernetes' doNoScheduleTaintingPass maps MemoryPressure, DiskPressure,
// PIDPressure and NetworkUnavailable True to their NoSchedule taints), so
// the scheduler keeps pods that do not tolerate it off the node: `kubectl
// describe pod` reads "1 node(s) had untolerated taint
// {node.kubernetes.io/memory-pressure: }".
func TestPressureConditionTaintsNode(t *testing.T) {
	c := newVirtualCluster(t)
	now := workload.NewTime(t0)
	node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: "hot"}}
	node.Status.Conditions = []workload.NodeCondition{
		{Type: workload.NodeMemoryPressure, Status: workload.ConditionTrue, LastHeartbeatTime: now, LastTransitionTime: now},
		{Type: workload.NodeDiskPressure, Status: workload.ConditionTrue, LastHeartbeatTime: now, LastTransitionTime: now},
		{Type: workload.NodePIDPressure, Status: workload.ConditionFalse, LastHeartbeatTime: now, LastTransitionTime: now},
	}
	if err := c.Fake().AddNode(node); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	o, err := c.Get("Node", "", "hot")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, tn := range o.(*workload.Node).Spec.Taints {
		keys = append(keys, tn.Key+":"+tn.Effect)
	}
	want := []string{workload.TaintNodeDiskPressure + ":NoSchedule", workload.TaintNodeMemoryPressure + ":NoSchedule"}
	if !slices.Equal(keys, want) {
		t.Fatalf("taints %v, want %v", keys, want)
	}
	pod := func(name string, tols ...workload.Toleration) *workload.Pod {
		return &workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: name},
			Spec:       workload.PodSpec{Tolerations: tols, Containers: []workload.Container{{Name: "c", Image: "nginx"}}},
		}
	}
	if _, err := c.Apply(pod("plain")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(pod("tolerant", workload.Toleration{Key: workload.TaintNodeMemoryPressure, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoSchedule},
		workload.Toleration{Key: workload.TaintNodeDiskPressure, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoSchedule})); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	for name, wantNode := range map[string]string{"plain": "", "tolerant": "hot"} {
		o, err := c.Get("Pod", "default", name)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.(*workload.Pod).Spec.NodeName; got != wantNode {
			t.Errorf("pod %s on %q, want %q", name, got, wantNode)
		}
	}
	found := false
	for _, e := range c.Events() {
		if e.Reason == "FailedScheduling" && e.InvolvedObject.Name == "plain" {
			found = strings.HasPrefix(e.Message, "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }.")
		}
	}
	if !found {
		t.Error("no FailedScheduling event naming the disk-pressure taint")
	}
}

// The kubelet's eviction manager admits no new pod that is not critical
// on a node with DiskPressure or PIDPressure, and under MemoryPressure
// alone no BestEffort pod unless it tolerates
// node.kubernetes.io/memory-pressure:NoSchedule (eviction_manager.go
// Admit): the pod fails, reason Evicted, "Pod was rejected: The node had
// condition: [DiskPressure]. ", whether it named its node or the
// scheduler placed it there.
func TestPressureConditionKubeletAdmission(t *testing.T) {
	c := newVirtualCluster(t)
	now := workload.NewTime(t0)
	for name, typ := range map[string]string{"disk": workload.NodeDiskPressure, "mem": workload.NodeMemoryPressure} {
		node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: name}}
		node.Status.Conditions = []workload.NodeCondition{{Type: typ, Status: workload.ConditionTrue, LastHeartbeatTime: now, LastTransitionTime: now}}
		if err := c.Fake().AddNode(node); err != nil {
			t.Fatal(err)
		}
	}
	memTol := workload.Toleration{Key: workload.TaintNodeMemoryPressure, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoSchedule}
	diskTol := workload.Toleration{Key: workload.TaintNodeDiskPressure, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoSchedule}
	pod := func(name, node string, requests bool, tols ...workload.Toleration) {
		p := &workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: name},
			Spec: workload.PodSpec{NodeName: node, Tolerations: tols, NodeSelector: map[string]string{workload.LabelHostname: "disk"},
				Containers: []workload.Container{{Name: "c", Image: "nginx"}}},
		}
		if node != "" {
			p.Spec.NodeSelector = nil
		}
		if requests {
			p.Spec.Containers[0].Resources.Requests = workload.ResourceList{workload.ResourceCPU: resource.MustParse("100m")}
		}
		if _, err := c.Apply(p); err != nil {
			t.Fatal(err)
		}
	}
	pod("on-disk", "disk", true)
	pod("scheduled-disk", "", true, diskTol) // tolerates the taint: placed, then rejected
	pod("mem-besteffort", "mem", false)
	pod("mem-burstable", "mem", true)
	pod("mem-tolerant", "mem", false, memTol)
	if err := c.Advance(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"on-disk":        "Failed Evicted Pod was rejected: The node had condition: [DiskPressure]. ",
		"scheduled-disk": "Failed Evicted Pod was rejected: The node had condition: [DiskPressure]. ",
		"mem-besteffort": "Failed Evicted Pod was rejected: The node had condition: [MemoryPressure]. ",
		"mem-burstable":  "Running  ",
		"mem-tolerant":   "Running  ",
	}
	for name, w := range want {
		o, err := c.Get("Pod", "default", name)
		if err != nil {
			t.Fatal(err)
		}
		p := o.(*workload.Pod)
		if got := p.Status.Phase + " " + p.Status.Reason + " " + p.Status.Message; got != w {
			t.Errorf("pod %s on %q: %q, want %q", name, p.Spec.NodeName, got, w)
		}
	}
}
