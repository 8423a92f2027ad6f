package scheduler

import (
	"testing"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Builders for test nodes and pods.

type nodeOpt func(*workload.Node)

// mkNode returns a Ready node with 4 cpu, 8Gi memory and room for 110 pods.
func mkNode(name string, opts ...nodeOpt) *workload.Node {
	n := &workload.Node{
		ObjectMeta: workload.ObjectMeta{Name: name, Labels: map[string]string{workload.LabelHostname: name}},
		Status: workload.NodeStatus{
			Allocatable: workload.ResourceList{
				workload.ResourceCPU:    resource.MustParse("4"),
				workload.ResourceMemory: resource.MustParse("8Gi"),
				workload.ResourcePods:   resource.MustParse("110"),
			},
			Conditions: []workload.NodeCondition{{Type: workload.NodeReady, Status: workload.ConditionTrue}},
		},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func labels(kv ...string) nodeOpt {
	return func(n *workload.Node) {
		for i := 0; i+1 < len(kv); i += 2 {
			n.Labels[kv[i]] = kv[i+1]
		}
	}
}

func taint(key, value, effect string) nodeOpt {
	return func(n *workload.Node) {
		n.Spec.Taints = append(n.Spec.Taints, workload.Taint{Key: key, Value: value, Effect: effect})
	}
}

func cordoned(n *workload.Node) { n.Spec.Unschedulable = true }

// scalar adds n of a scalar resource to the node's allocatable.
func scalar(name string, n int64) nodeOpt {
	return func(node *workload.Node) {
		if node.Status.Allocatable == nil {
			node.Status.Allocatable = workload.ResourceList{}
		}
		node.Status.Allocatable[name] = *resource.NewQuantity(n, resource.DecimalSI)
	}
}

func readyStatus(status string) nodeOpt {
	return func(n *workload.Node) {
		if status == "" {
			n.Status.Conditions = nil
			return
		}
		n.Status.Conditions = []workload.NodeCondition{{Type: workload.NodeReady, Status: status}}
	}
}

// alloc sets allocatable; an empty string leaves that resource out.
func alloc(cpu, mem, pods string) nodeOpt {
	return func(n *workload.Node) {
		n.Status.Allocatable = rl(cpu, mem)
		if pods != "" {
			n.Status.Allocatable[workload.ResourcePods] = resource.MustParse(pods)
		}
	}
}

func rl(cpu, mem string) workload.ResourceList {
	l := workload.ResourceList{}
	if cpu != "" {
		l[workload.ResourceCPU] = resource.MustParse(cpu)
	}
	if mem != "" {
		l[workload.ResourceMemory] = resource.MustParse(mem)
	}
	return l
}

type podOpt func(*workload.Pod)

// mkPod returns a pod in namespace "default" with uid "uid-<name>" and one
// container that requests nothing.
func mkPod(name string, opts ...podOpt) *workload.Pod {
	p := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name},
		Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "c", Image: "img"}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func requests(cpu, mem string) podOpt {
	return func(p *workload.Pod) { p.Spec.Containers[0].Resources.Requests = rl(cpu, mem) }
}

// scalarRequest makes the first container request n of a scalar resource.
func scalarRequest(name string, n int64) podOpt {
	return func(p *workload.Pod) {
		c := &p.Spec.Containers[0]
		if c.Resources.Requests == nil {
			c.Resources.Requests = workload.ResourceList{}
		}
		c.Resources.Requests[name] = *resource.NewQuantity(n, resource.DecimalSI)
	}
}

func container(cpu, mem string) podOpt {
	return func(p *workload.Pod) {
		p.Spec.Containers = append(p.Spec.Containers, workload.Container{Name: "c" + string(rune('0'+len(p.Spec.Containers))), Resources: workload.ResourceRequirements{Requests: rl(cpu, mem)}})
	}
}

func initContainer(cpu, mem string) podOpt {
	return func(p *workload.Pod) {
		p.Spec.InitContainers = append(p.Spec.InitContainers, workload.Container{Name: "init", Resources: workload.ResourceRequirements{Requests: rl(cpu, mem)}})
	}
}

func onNode(name string) podOpt { return func(p *workload.Pod) { p.Spec.NodeName = name } }

func ownedBy(uid string) podOpt {
	return func(p *workload.Pod) {
		p.OwnerReferences = append(p.OwnerReferences, workload.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs-" + uid, UID: uid, Controller: workload.Ptr(true)})
	}
}

func terminating(p *workload.Pod) { p.DeletionTimestamp = &workload.Time{} }

func phase(ph string) podOpt { return func(p *workload.Pod) { p.Status.Phase = ph } }

func tol(key, op, value, effect string) podOpt {
	return func(p *workload.Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, workload.Toleration{Key: key, Operator: op, Value: value, Effect: effect})
	}
}

// tolSecs is an Exists toleration of key with effect for secs seconds.
func tolSecs(key, effect string, secs int64) podOpt {
	return func(p *workload.Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, workload.Toleration{Key: key, Operator: workload.TolerationOpExists, Effect: effect, TolerationSeconds: &secs})
	}
}

func hostPort(port int32, proto, ip string) podOpt {
	return func(p *workload.Pod) {
		c := &p.Spec.Containers[0]
		c.Ports = append(c.Ports, workload.ContainerPort{ContainerPort: 8080, HostPort: port, Protocol: proto, HostIP: ip})
	}
}

func selector(kv ...string) podOpt {
	return func(p *workload.Pod) {
		p.Spec.NodeSelector = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Spec.NodeSelector[kv[i]] = kv[i+1]
		}
	}
}

func nodeAffinity(p *workload.Pod) *workload.NodeAffinity {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &workload.Affinity{}
	}
	if p.Spec.Affinity.NodeAffinity == nil {
		p.Spec.Affinity.NodeAffinity = &workload.NodeAffinity{}
	}
	return p.Spec.Affinity.NodeAffinity
}

// required sets the required node affinity to terms (nil terms: an empty
// selector).
func required(terms ...workload.NodeSelectorTerm) podOpt {
	return func(p *workload.Pod) {
		nodeAffinity(p).RequiredDuringSchedulingIgnoredDuringExecution = &workload.NodeSelector{NodeSelectorTerms: terms}
	}
}

func preferred(weight int32, term workload.NodeSelectorTerm) podOpt {
	return func(p *workload.Pod) {
		na := nodeAffinity(p)
		na.PreferredDuringSchedulingIgnoredDuringExecution = append(na.PreferredDuringSchedulingIgnoredDuringExecution,
			workload.PreferredSchedulingTerm{Weight: weight, Preference: term})
	}
}

func expr(key, op string, values ...string) workload.NodeSelectorRequirement {
	return workload.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
}

func term(reqs ...workload.NodeSelectorRequirement) workload.NodeSelectorTerm {
	return workload.NodeSelectorTerm{MatchExpressions: reqs}
}

func fieldTerm(op string, values ...string) workload.NodeSelectorTerm {
	return workload.NodeSelectorTerm{MatchFields: []workload.NodeSelectorRequirement{{Key: "metadata.name", Operator: op, Values: values}}}
}

// nodeWith returns the NodeInfo of node with pods bound to it.
func nodeWith(t testing.TB, node *workload.Node, pods ...*workload.Pod) *NodeInfo {
	t.Helper()
	for _, p := range pods {
		p.Spec.NodeName = node.Name
	}
	snap, err := NewSnapshot([]*workload.Node{node}, pods)
	if err != nil {
		t.Fatal(err)
	}
	return snap.Node(node.Name)
}

func podInfo(t testing.TB, p *workload.Pod) *PodInfo {
	t.Helper()
	pi, err := NewPodInfo(p)
	if err != nil {
		t.Fatal(err)
	}
	return pi
}
