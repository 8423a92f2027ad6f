package controller_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// Scenario tests of the DaemonSet controller through the whole cluster:
// the fake runtime, the scheduler, the kubelet bridge, the garbage
// collector and node lifecycle, on a virtual clock.

func newDSCluster(t *testing.T, nodes ...*workload.Node) *orchestra.Cluster {
	t.Helper()
	ctrls := orchestra.DefaultControllers()
	has := false
	for _, mk := range ctrls {
		if reflect.ValueOf(mk).Pointer() == reflect.ValueOf(controller.NewDaemonSet).Pointer() {
			has = true
		}
	}
	if !has {
		ctrls = append(ctrls, controller.NewDaemonSet)
	}
	c, err := orchestra.New(orchestra.Config{
		Clock:       vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		Seed:        1,
		Controllers: ctrls,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	for _, n := range nodes {
		if err := c.Fake().AddNode(n); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func dsScenarioNode(name string, labels map[string]string, taints ...workload.Taint) *workload.Node {
	return &workload.Node{ObjectMeta: workload.ObjectMeta{Name: name, Labels: labels}, Spec: workload.NodeSpec{Taints: taints}}
}

func dsApplyManifest(t *testing.T, c *orchestra.Cluster, path string) {
	t.Helper()
	objs, _, err := workload.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if _, err := c.Apply(o); err != nil {
			t.Fatal(err)
		}
	}
}

// runningPodsByNode returns, per node, the number of Running and Ready pods
// in ns.
func dsRunningPodsByNode(t *testing.T, c *orchestra.Cluster, ns string) map[string]int {
	t.Helper()
	pods, err := c.Pods(ns, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil && p.Status.Phase == workload.PodRunning && controller.IsPodReady(p) {
			out[p.Spec.NodeName]++
		}
	}
	return out
}

func TestDaemonSetScenarioSSDManifest(t *testing.T) {
	c := newDSCluster(t,
		dsScenarioNode("fast1", map[string]string{"ssd": "true"}),
		dsScenarioNode("fast2", map[string]string{"ssd": "true"}),
		dsScenarioNode("hdd", nil))
	dsApplyManifest(t, c, "../examples/manifests/k8s-daemonset-nodeselector-ssd.yaml")
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, want := dsRunningPodsByNode(t, c, "default"), map[string]int{"fast1": 1, "fast2": 1}; !cmp.Equal(got, want) {
		t.Fatalf("running pods per node %v, want %v", got, want)
	}
	// A node joins with the label, another loses it.
	if err := c.Fake().AddNode(dsScenarioNode("fast3", map[string]string{"ssd": "true"})); err != nil {
		t.Fatal(err)
	}
	if err := c.Fake().SetNodeLabels("fast1", map[string]*string{"ssd": nil}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, want := dsRunningPodsByNode(t, c, "default"), map[string]int{"fast2": 1, "fast3": 1}; !cmp.Equal(got, want) {
		t.Errorf("running pods per node %v, want %v", got, want)
	}
	o, err := c.Get("DaemonSet", "default", "nginx-ssd")
	if err != nil {
		t.Fatal(err)
	}
	st := o.(*workload.DaemonSet).Status
	if st.DesiredNumberScheduled != 2 || st.NumberAvailable != 2 || st.NumberReady != 2 || st.UpdatedNumberScheduled != 2 {
		t.Errorf("status %+v", st)
	}
}

func TestDaemonSetScenarioFluentdManifest(t *testing.T) {
	c := newDSCluster(t,
		dsScenarioNode("worker1", nil),
		dsScenarioNode("worker2", nil),
		dsScenarioNode("master", nil, workload.Taint{Key: "node-role.kubernetes.io/master", Effect: workload.TaintEffectNoSchedule}),
		dsScenarioNode("cp", nil, workload.Taint{Key: workload.TaintControlPlane, Effect: workload.TaintEffectNoSchedule}))
	dsApplyManifest(t, c, "../examples/manifests/k8s-fluentd-elasticsearch-daemonset.yaml")
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"worker1": 1, "worker2": 1, "master": 1}
	if got := dsRunningPodsByNode(t, c, "kube-system"); !cmp.Equal(got, want) {
		t.Fatalf("running pods per node %v, want %v", got, want)
	}
	// Cordoning a node keeps its daemon; a cordoned node that joins gets one.
	if err := c.Fake().Cordon("worker1"); err != nil {
		t.Fatal(err)
	}
	n := dsScenarioNode("worker3", nil)
	n.Spec.Unschedulable = true
	if err := c.Fake().AddNode(n); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	want["worker3"] = 1
	if got := dsRunningPodsByNode(t, c, "kube-system"); !cmp.Equal(got, want) {
		t.Errorf("after cordons: running pods per node %v, want %v", got, want)
	}
}

// TestDaemonSetScenarioNotReadyNode: a node that stops being ready keeps
// its daemon pod through node lifecycle's taints (daemon pods tolerate
// not-ready and unreachable NoExecute forever).
func TestDaemonSetScenarioNotReadyNode(t *testing.T) {
	c := newDSCluster(t, dsScenarioNode("n1", nil), dsScenarioNode("n2", nil))
	ds := &workload.DaemonSet{
		ObjectMeta: workload.ObjectMeta{Name: "agent", Namespace: "default"},
		Spec: workload.DaemonSetSpec{
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "agent"}},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "agent", Image: "agent:1"}}},
			},
		},
	}
	if _, err := c.Apply(ds); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	before, err := c.Pods("default", "app=agent")
	if err != nil || len(before) != 2 {
		t.Fatalf("pods %d, %v", len(before), err)
	}
	if err := c.Fake().SetNodeReady("n2", false); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(10 * time.Minute); err != nil {
		t.Fatal(err)
	}
	after, err := c.Pods("default", "app=agent")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range after {
		if p.DeletionTimestamp != nil {
			t.Errorf("pod %s is being deleted", p.Name)
		}
		names = append(names, p.Name)
	}
	if len(names) != 2 || names[0] != before[0].Name || names[1] != before[1].Name {
		t.Errorf("pods %v, want %s and %s kept", names, before[0].Name, before[1].Name)
	}
}
