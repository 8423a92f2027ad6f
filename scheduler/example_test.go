package scheduler_test

import (
	"errors"
	"fmt"

	"github.com/orchestra-go/orchestra/scheduler"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

func exampleNode(name string, labels map[string]string, taints ...workload.Taint) *workload.Node {
	return &workload.Node{
		ObjectMeta: workload.ObjectMeta{Name: name, Labels: labels},
		Spec:       workload.NodeSpec{Taints: taints},
		Status: workload.NodeStatus{
			Allocatable: workload.ResourceList{
				workload.ResourceCPU:    resource.MustParse("2"),
				workload.ResourceMemory: resource.MustParse("4Gi"),
				workload.ResourcePods:   resource.MustParse("110"),
			},
			Conditions: []workload.NodeCondition{{Type: workload.NodeReady, Status: workload.ConditionTrue}},
		},
	}
}

func examplePod(name string, selector map[string]string) *workload.Pod {
	return &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Namespace: "shop", Name: name, UID: "uid-" + name},
		Spec: workload.PodSpec{
			NodeSelector: selector,
			Containers: []workload.Container{{Name: "app", Resources: workload.ResourceRequirements{
				Requests: workload.ResourceList{workload.ResourceCPU: resource.MustParse("1500m")},
			}}},
		},
	}
}

func ExampleScheduler_Schedule() {
	snap, _ := scheduler.NewSnapshot([]*workload.Node{
		exampleNode("db-1", map[string]string{"tier": "web"}, workload.Taint{Key: "dedicated", Value: "db", Effect: workload.TaintEffectNoSchedule}),
		exampleNode("web-1", map[string]string{"tier": "web"}),
		exampleNode("batch-1", map[string]string{"tier": "batch"}),
	}, nil)
	sched := scheduler.New(scheduler.Config{Seed: 1})

	for _, name := range []string{"web-a", "web-b"} {
		pod := examplePod(name, map[string]string{"tier": "web"})
		res, err := sched.Schedule(pod, snap)
		var fit *scheduler.FitError
		if errors.As(err, &fit) {
			fmt.Printf("%s: %s\n", name, fit.Message())
			continue
		}
		fmt.Printf("%s: %s\n", name, scheduler.ScheduledMessage(pod, res.Node))
		pod.Spec.NodeName = res.Node
		_ = snap.AddPod(pod) // assume it, so the next pod sees the cpu it takes
	}
	// Output:
	// web-a: Successfully assigned shop/web-a to web-1
	// web-b: 0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: db}. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..
}

func ExampleSnapshot() {
	snap := &scheduler.Snapshot{} // the zero value is an empty snapshot
	_ = snap.AddNode(exampleNode("n1", nil))
	_ = snap.AddNode(exampleNode("n2", nil))

	pod := examplePod("api-0", nil)
	pod.Spec.NodeName = "n2"
	_ = snap.AddPod(pod) // a watch event: the pod is bound to n2

	for _, n := range snap.Nodes() {
		fmt.Printf("%s: %d pod(s), %dm cpu requested\n", n.Name(), len(n.Pods), n.Requested().MilliCPU)
	}
	snap.RemovePod(pod)
	fmt.Println("n2 after the pod is gone:", snap.Node("n2").Requested().MilliCPU)
	// Output:
	// n1: 0 pod(s), 0m cpu requested
	// n2: 1 pod(s), 1500m cpu requested
	// n2 after the pod is gone: 0
}

func ExampleFitError_Condition() {
	snap, _ := scheduler.NewSnapshot([]*workload.Node{exampleNode("n1", nil)}, nil)
	pod := examplePod("big", nil)
	pod.Spec.Containers[0].Resources.Requests[workload.ResourceCPU] = resource.MustParse("8")

	_, err := scheduler.New(scheduler.Config{}).Schedule(pod, snap)
	fmt.Println(errors.Is(err, scheduler.ErrNoNodeFits))
	var fit *scheduler.FitError
	if errors.As(err, &fit) {
		c := fit.Condition(workload.Time{})
		fmt.Println(c.Type, c.Status, c.Reason)
		fmt.Println(c.Message)
		fmt.Println(fit.Reasons)
	}
	// Output:
	// true
	// PodScheduled False Unschedulable
	// 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..
	// map[n1:Insufficient cpu]
}

func ExampleToleratesTaint() {
	taint := workload.Taint{Key: workload.TaintNodeNotReady, Effect: workload.TaintEffectNoExecute}
	for _, tol := range []workload.Toleration{
		{Key: workload.TaintNodeNotReady, Operator: workload.TolerationOpExists},
		{Operator: workload.TolerationOpExists},
		{Key: workload.TaintNodeNotReady, Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoSchedule},
	} {
		fmt.Println(scheduler.ToleratesTaint(&tol, &taint))
	}
	// Output:
	// true
	// true
	// false
}

func ExampleNewNodeInfo() {
	// Evaluate filters on one node outside a snapshot, as a DaemonSet
	// controller deciding whether a node should run its pod might.
	node, _ := scheduler.NewNodeInfo(exampleNode("n1", map[string]string{"tier": "web"},
		workload.Taint{Key: "dedicated", Value: "db", Effect: workload.TaintEffectNoSchedule}))
	pod, _ := scheduler.NewPodInfo(examplePod("agent", map[string]string{"tier": "web"}))
	for _, f := range []scheduler.Filter{scheduler.NodeSelectorFilter{}, scheduler.TaintFilter{}} {
		ok, reason := f.Filter(pod, node)
		fmt.Printf("%T: %v %q\n", f, ok, reason)
	}
	// Output:
	// scheduler.NodeSelectorFilter: true ""
	// scheduler.TaintFilter: false "node(s) had untolerated taint {dedicated: db}"
}

// Required anti-affinity by hostname keeps the replicas of one app on
// different nodes; a topology spread constraint keeps them even across
// zones.
func ExampleInterPodAffinityFilter() {
	nodes := []*workload.Node{
		exampleNode("a", map[string]string{workload.LabelHostname: "a", workload.LabelZone: "z1"}),
		exampleNode("b", map[string]string{workload.LabelHostname: "b", workload.LabelZone: "z1"}),
		exampleNode("c", map[string]string{workload.LabelHostname: "c", workload.LabelZone: "z2"}),
	}
	snap, _ := scheduler.NewSnapshot(nodes, nil)
	sched := scheduler.New(scheduler.Config{Seed: 1})
	web := &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	for i := range 4 {
		pod := &workload.Pod{
			ObjectMeta: workload.ObjectMeta{Namespace: "shop", Name: fmt.Sprintf("web-%d", i), Labels: map[string]string{"app": "web"}},
			Spec: workload.PodSpec{
				Containers: []workload.Container{{Name: "web"}},
				Affinity: &workload.Affinity{PodAntiAffinity: &workload.PodAntiAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution: []workload.PodAffinityTerm{{LabelSelector: web, TopologyKey: workload.LabelHostname}},
				}},
				TopologySpreadConstraints: []workload.TopologySpreadConstraint{{
					MaxSkew: 1, TopologyKey: workload.LabelZone, WhenUnsatisfiable: workload.DoNotSchedule, LabelSelector: web,
				}},
			},
		}
		res, err := sched.Schedule(pod, snap)
		var fit *scheduler.FitError
		if errors.As(err, &fit) {
			fmt.Printf("%s: %s\n", pod.Name, fit.Message())
			continue
		}
		fmt.Printf("%s: %s\n", pod.Name, res.Node)
		pod.Spec.NodeName = res.Node
		_ = snap.AddPod(pod)
	}
	// Zone z1 holds two when web-3 comes: on a or b it would be 3 to 1
	// (the spread filter runs first); c holds a web pod already.

	// Output:
	// web-0: c
	// web-1: a
	// web-2: b
	// web-3: 0/3 nodes are available: 1 node(s) didn't match pod anti-affinity rules, 2 node(s) didn't match pod topology spread constraints. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..
}
