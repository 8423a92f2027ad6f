package controller

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra/workload"
)

// Table tests of the DaemonSet controller's pure decisions.

func testDS(name string, mut ...func(*workload.DaemonSet)) *workload.DaemonSet {
	ds := &workload.DaemonSet{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name, Generation: 1},
		Spec: workload.DaemonSetSpec{
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: workload.PodSpec{
					Containers:    []workload.Container{{Name: "c", Image: "img:1"}},
					RestartPolicy: workload.RestartPolicyAlways,
				},
			},
			UpdateStrategy: workload.DaemonSetUpdateStrategy{Type: workload.RollingUpdateStrategy},
		},
	}
	for _, m := range mut {
		m(ds)
	}
	return ds
}

func dsNode(name string, mut ...func(*workload.Node)) *workload.Node {
	n := &workload.Node{
		ObjectMeta: workload.ObjectMeta{Name: name, Labels: map[string]string{workload.LabelHostname: name}},
		Status: workload.NodeStatus{Conditions: []workload.NodeCondition{
			{Type: workload.NodeReady, Status: workload.ConditionTrue},
		}},
	}
	for _, m := range mut {
		m(n)
	}
	return n
}

func dsWithLabel(k, v string) func(*workload.Node) {
	return func(n *workload.Node) { n.Labels[k] = v }
}

func dsWithTaint(key, effect string) func(*workload.Node) {
	return func(n *workload.Node) {
		n.Spec.Taints = append(n.Spec.Taints, workload.Taint{Key: key, Effect: effect})
	}
}

func dsWithToleration(t workload.Toleration) func(*workload.DaemonSet) {
	return func(ds *workload.DaemonSet) {
		ds.Spec.Template.Spec.Tolerations = append(ds.Spec.Template.Spec.Tolerations, t)
	}
}

func dsRequiredAffinity(reqs ...workload.NodeSelectorRequirement) func(*workload.DaemonSet) {
	return func(ds *workload.DaemonSet) {
		ds.Spec.Template.Spec.Affinity = &workload.Affinity{NodeAffinity: &workload.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &workload.NodeSelector{
				NodeSelectorTerms: []workload.NodeSelectorTerm{{MatchExpressions: reqs}},
			},
		}}
	}
}

func TestNodeShouldRunDaemonPod(t *testing.T) {
	type want struct{ Run, Continue bool }
	yes, keep, no := want{true, true}, want{false, true}, want{false, false}
	ssd := func(ds *workload.DaemonSet) { ds.Spec.Template.Spec.NodeSelector = map[string]string{"ssd": "true"} }
	hostNet := func(ds *workload.DaemonSet) { ds.Spec.Template.Spec.HostNetwork = true }
	tests := []struct {
		name string
		node *workload.Node
		ds   *workload.DaemonSet
		want want
	}{
		{"plain node", dsNode("n1"), testDS("d"), yes},
		{"nodeSelector matches", dsNode("n1", dsWithLabel("ssd", "true")), testDS("d", ssd), yes},
		{"nodeSelector label missing", dsNode("n1"), testDS("d", ssd), no},
		{"nodeSelector other value", dsNode("n1", dsWithLabel("ssd", "false")), testDS("d", ssd), no},
		{"template nodeName is the node", dsNode("n1"), testDS("d", func(ds *workload.DaemonSet) { ds.Spec.Template.Spec.NodeName = "n1" }), yes},
		{"template nodeName is another node", dsNode("n1"), testDS("d", func(ds *workload.DaemonSet) { ds.Spec.Template.Spec.NodeName = "n2" }), no},
		{"required affinity In matches", dsNode("n1", dsWithLabel("zone", "a")),
			testDS("d", dsRequiredAffinity(workload.NodeSelectorRequirement{Key: "zone", Operator: "In", Values: []string{"a", "b"}})), yes},
		{"required affinity In mismatch", dsNode("n1", dsWithLabel("zone", "c")),
			testDS("d", dsRequiredAffinity(workload.NodeSelectorRequirement{Key: "zone", Operator: "In", Values: []string{"a", "b"}})), no},
		{"required affinity DoesNotExist", dsNode("n1"),
			testDS("d", dsRequiredAffinity(workload.NodeSelectorRequirement{Key: "gpu", Operator: "DoesNotExist"})), yes},
		{"required affinity Gt", dsNode("n1", dsWithLabel("cores", "8")),
			testDS("d", dsRequiredAffinity(workload.NodeSelectorRequirement{Key: "cores", Operator: "Gt", Values: []string{"16"}})), no},
		{"untolerated NoSchedule keeps running pods", dsNode("n1", dsWithTaint("dedicated", "NoSchedule")), testDS("d"), keep},
		{"untolerated NoExecute evicts", dsNode("n1", dsWithTaint("dedicated", "NoExecute")), testDS("d"), no},
		{"NoExecute and NoSchedule: NoExecute wins", dsNode("n1", dsWithTaint("a", "NoSchedule"), dsWithTaint("b", "NoExecute")), testDS("d"), no},
		{"PreferNoSchedule is no obstacle", dsNode("n1", dsWithTaint("dedicated", "PreferNoSchedule")), testDS("d"), yes},
		{"tolerated NoSchedule", dsNode("n1", dsWithTaint("dedicated", "NoSchedule")),
			testDS("d", dsWithToleration(workload.Toleration{Key: "dedicated", Operator: "Exists"})), yes},
		{"NoExecute tolerated for a while still counts as tolerated", dsNode("n1", dsWithTaint("dedicated", "NoExecute")),
			testDS("d", dsWithToleration(workload.Toleration{Key: "dedicated", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: workload.Ptr[int64](30)})), yes},
		{"not-ready taint is tolerated", dsNode("n1", dsWithTaint(workload.TaintNodeNotReady, "NoExecute")), testDS("d"), yes},
		{"unreachable taint is tolerated", dsNode("n1", dsWithTaint(workload.TaintNodeUnreachable, "NoExecute")), testDS("d"), yes},
		{"not ready (condition only) still runs", dsNode("n1", func(n *workload.Node) { n.Status.Conditions[0].Status = workload.ConditionFalse }), testDS("d"), yes},
		{"cordoned (unschedulable taint) still runs", dsNode("n1", func(n *workload.Node) { n.Spec.Unschedulable = true },
			dsWithTaint(workload.TaintNodeUnschedulable, "NoSchedule")), testDS("d"), yes},
		{"disk pressure tolerated", dsNode("n1", dsWithTaint(workload.TaintNodeDiskPressure, "NoSchedule")), testDS("d"), yes},
		{"memory pressure tolerated", dsNode("n1", dsWithTaint(workload.TaintNodeMemoryPressure, "NoSchedule")), testDS("d"), yes},
		{"pid pressure tolerated", dsNode("n1", dsWithTaint(workload.TaintNodePIDPressure, "NoSchedule")), testDS("d"), yes},
		{"network unavailable without hostNetwork", dsNode("n1", dsWithTaint(workload.TaintNodeNetworkUnavailable, "NoSchedule")), testDS("d"), keep},
		{"network unavailable with hostNetwork", dsNode("n1", dsWithTaint(workload.TaintNodeNetworkUnavailable, "NoSchedule")), testDS("d", hostNet), yes},
		{"control-plane taint not tolerated by default", dsNode("cp", dsWithTaint(workload.TaintControlPlane, "NoSchedule")), testDS("d"), keep},
		{"control-plane taint tolerated by the template", dsNode("cp", dsWithTaint(workload.TaintControlPlane, "NoSchedule")),
			testDS("d", dsWithToleration(workload.Toleration{Key: workload.TaintControlPlane, Operator: "Exists", Effect: "NoSchedule"})), yes},
		{"fluentd: master toleration without operator tolerates the master taint", dsNode("m", dsWithTaint("node-role.kubernetes.io/master", "NoSchedule")),
			testDS("d", dsWithToleration(workload.Toleration{Key: "node-role.kubernetes.io/master", Effect: "NoSchedule"})), yes},
		{"fluentd: master toleration does not tolerate the control-plane taint", dsNode("cp", dsWithTaint(workload.TaintControlPlane, "NoSchedule")),
			testDS("d", dsWithToleration(workload.Toleration{Key: "node-role.kubernetes.io/master", Effect: "NoSchedule"})), keep},
		{"toleration with a different value", dsNode("n1", func(n *workload.Node) {
			n.Spec.Taints = []workload.Taint{{Key: "k", Value: "v1", Effect: "NoSchedule"}}
		}), testDS("d", dsWithToleration(workload.Toleration{Key: "k", Value: "v2", Effect: "NoSchedule"})), keep},
		{"resources are not checked", dsNode("n1", func(n *workload.Node) { n.Status.Allocatable = workload.ResourceList{} }),
			testDS("d", func(ds *workload.DaemonSet) {
				ds.Spec.Template.Spec.Containers[0].Resources.Requests = workload.ResourceList{"cpu": dsMustQuantity("64")}
			}), yes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, cont := nodeShouldRunDaemonPod(tt.node, tt.ds)
			if got := (want{run, cont}); got != tt.want {
				t.Errorf("nodeShouldRunDaemonPod = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAddDaemonTolerations(t *testing.T) {
	user := []workload.Toleration{
		{Key: "dedicated", Operator: "Exists"},
		{Key: workload.TaintNodeNotReady, Operator: "Exists", Effect: "NoExecute", TolerationSeconds: workload.Ptr[int64](300)},
	}
	got := addDaemonTolerations(user, false)
	want := []workload.Toleration{
		{Key: "dedicated", Operator: "Exists"},
		{Key: workload.TaintNodeNotReady, Operator: "Exists", Effect: "NoExecute"}, // unbounded now
		{Key: workload.TaintNodeUnreachable, Operator: "Exists", Effect: "NoExecute"},
		{Key: workload.TaintNodeDiskPressure, Operator: "Exists", Effect: "NoSchedule"},
		{Key: workload.TaintNodeMemoryPressure, Operator: "Exists", Effect: "NoSchedule"},
		{Key: workload.TaintNodePIDPressure, Operator: "Exists", Effect: "NoSchedule"},
		{Key: workload.TaintNodeUnschedulable, Operator: "Exists", Effect: "NoSchedule"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("tolerations (-want +got):\n%s", d)
	}
	if user[1].TolerationSeconds == nil {
		t.Error("the template's tolerations were modified")
	}
	got = addDaemonTolerations(nil, true)
	if last := got[len(got)-1]; last.Key != workload.TaintNodeNetworkUnavailable {
		t.Errorf("hostNetwork: last toleration %+v, want network-unavailable", last)
	}
}

func TestNewDaemonPodBindsByAffinity(t *testing.T) {
	ds := testDS("d", dsRequiredAffinity(workload.NodeSelectorRequirement{Key: "zone", Operator: "In", Values: []string{"a"}}),
		func(ds *workload.DaemonSet) {
			ds.Spec.Template.Spec.Affinity.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution = []workload.PreferredSchedulingTerm{
				{Weight: 1, Preference: workload.NodeSelectorTerm{MatchExpressions: []workload.NodeSelectorRequirement{{Key: "x", Operator: "Exists"}}}},
			}
		})
	p, err := compileDaemonSet(ds)
	if err != nil {
		t.Fatal(err)
	}
	pod := p.newDaemonPod("n7")
	if pod.Spec.NodeName != "" {
		t.Errorf("spec.nodeName = %q, want empty (the scheduler binds)", pod.Spec.NodeName)
	}
	wantReq := &workload.NodeSelector{NodeSelectorTerms: []workload.NodeSelectorTerm{{
		MatchFields: []workload.NodeSelectorRequirement{{Key: "metadata.name", Operator: "In", Values: []string{"n7"}}},
	}}}
	if d := cmp.Diff(wantReq, pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution); d != "" {
		t.Errorf("required affinity (-want +got):\n%s", d)
	}
	if n := len(pod.Spec.Affinity.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution); n != 1 {
		t.Errorf("preferred terms = %d, want 1 (kept)", n)
	}
	if got := targetNodeName(pod); got != "n7" {
		t.Errorf("targetNodeName = %q, want n7", got)
	}
	if pod.Labels[workload.ControllerRevisionHashLabel] != p.hash || pod.Labels["app"] != "d" {
		t.Errorf("labels = %v", pod.Labels)
	}
	if ref := workload.ControllerOf(pod); ref == nil || ref.UID != ds.UID || ref.Kind != "DaemonSet" {
		t.Errorf("controller ref = %+v", ref)
	}
	if pod.GenerateName != "d-" {
		t.Errorf("generateName = %q", pod.GenerateName)
	}
	// The template is untouched.
	if ds.Spec.Template.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchFields != nil {
		t.Error("template modified")
	}
	// Pods share the plan's pod read-only: a second pod neither changes
	// the first nor the plan's own affinity.
	before := p.pod.DeepCopy()
	other := p.newDaemonPod("n8")
	if got := targetNodeName(pod); got != "n7" {
		t.Errorf("after a second pod, the first targets %q, want n7", got)
	}
	if got := targetNodeName(other); got != "n8" {
		t.Errorf("second pod targets %q, want n8", got)
	}
	if d := cmp.Diff(before, p.pod); d != "" {
		t.Errorf("the plan's pod changed (-before +after):\n%s", d)
	}
}

func TestCompileDaemonSetErrors(t *testing.T) {
	tests := []struct {
		name  string
		mut   func(*workload.DaemonSet)
		field string
	}{
		{"no selector", func(ds *workload.DaemonSet) { ds.Spec.Selector = nil }, "spec.selector"},
		{"empty selector", func(ds *workload.DaemonSet) { ds.Spec.Selector = &workload.LabelSelector{} }, "spec.selector"},
		{"bad operator", func(ds *workload.DaemonSet) {
			ds.Spec.Selector.MatchExpressions = []workload.LabelSelectorRequirement{{Key: "a", Operator: "Near"}}
		}, "spec.selector"},
		{"selector does not match template", func(ds *workload.DaemonSet) { ds.Spec.Template.Labels = map[string]string{"app": "other"} }, "spec.template.metadata.labels"},
		{"bad maxUnavailable", func(ds *workload.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate = &workload.RollingUpdateDaemonSet{MaxUnavailable: workload.Ptr(intstr.FromString("ten"))}
		}, "spec.updateStrategy.rollingUpdate.maxUnavailable"},
		{"bad maxSurge", func(ds *workload.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate = &workload.RollingUpdateDaemonSet{MaxSurge: workload.Ptr(intstr.FromString("x%"))}
		}, "spec.updateStrategy.rollingUpdate.maxSurge"},
		{"bad strategy", func(ds *workload.DaemonSet) { ds.Spec.UpdateStrategy.Type = "Recreate" }, "spec.updateStrategy.type"},
		{"bad affinity", dsRequiredAffinity(workload.NodeSelectorRequirement{Key: "a", Operator: "Like", Values: []string{"x"}}), "spec.template.spec.affinity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compileDaemonSet(testDS("d", tt.mut))
			if err == nil {
				t.Fatal("no error")
			}
			if !dsErrorsIs(err, ErrPermanent) {
				t.Errorf("error %v does not wrap ErrPermanent", err)
			}
			if msg := err.Error(); !dsContains(msg, "DaemonSet default/d") || !dsContains(msg, tt.field) {
				t.Errorf("error %q does not name the object and %s", msg, tt.field)
			}
		})
	}
}

func TestDaemonSetRollingParams(t *testing.T) {
	i := func(v int) *intstr.IntOrString { return workload.Ptr(intstr.FromInt32(int32(v))) }
	s := func(v string) *intstr.IntOrString { return workload.Ptr(intstr.FromString(v)) }
	tests := []struct {
		name                string
		surge, unavail      *intstr.IntOrString
		desired             int
		wantSurge, wantUnav int
	}{
		{"defaults", nil, i(1), 10, 0, 1},
		{"ints", i(2), i(3), 10, 2, 3},
		{"unavailable percent rounds up", nil, s("10%"), 15, 0, 2},
		{"unavailable percent of few nodes is at least 1", nil, s("1%"), 3, 0, 1},
		{"surge percent rounds up", s("25%"), i(0), 10, 3, 0},
		{"both zero means unavailable 1", i(0), i(0), 5, 0, 1},
		{"both zero percent means unavailable 1", s("0%"), s("0%"), 5, 0, 1},
		{"nothing desired", nil, s("50%"), 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs, gu := dsRollingParams(tt.surge, tt.unavail, tt.desired)
			if gs != tt.wantSurge || gu != tt.wantUnav {
				t.Errorf("dsRollingParams = surge %d, unavailable %d; want %d, %d", gs, gu, tt.wantSurge, tt.wantUnav)
			}
		})
	}
}

var dsNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// dsPod is a daemon pod of plan p on node, with the given hash
// ("new" means p.hash), phase and readiness since readyFor.
func dsPod(p *dsPlan, name, node, hash, phase string, readyFor time.Duration, created time.Duration) *workload.Pod {
	if hash == "new" {
		hash = p.hash
	}
	pod := p.newDaemonPod(node).DeepCopy() // the plan's pod is shared
	pod.Name = name
	pod.UID = "uid-" + name
	pod.Spec.NodeName = node
	pod.Labels[workload.ControllerRevisionHashLabel] = hash
	pod.CreationTimestamp = workload.NewTime(dsNow.Add(-time.Hour + created))
	pod.Status.Phase = phase
	if readyFor >= 0 && phase == workload.PodRunning {
		pod.Status.Conditions = []workload.PodCondition{{Type: workload.PodReady, Status: workload.ConditionTrue,
			LastTransitionTime: workload.NewTime(dsNow.Add(-readyFor))}}
	}
	return pod
}

const dsNotReadyPod = -1

func dsMustPlan(t *testing.T, ds *workload.DaemonSet) *dsPlan {
	t.Helper()
	p, err := compileDaemonSet(ds)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func dsSurge(ds *workload.DaemonSet) {
	ds.Spec.UpdateStrategy.RollingUpdate = &workload.RollingUpdateDaemonSet{
		MaxUnavailable: workload.Ptr(intstr.FromInt32(0)), MaxSurge: workload.Ptr(intstr.FromInt32(1)),
	}
}

func TestManageNode(t *testing.T) {
	plain := dsMustPlan(t, testDS("d"))
	surge := dsMustPlan(t, testDS("d", dsSurge))
	node := dsNode("n1")
	run := eligibility{true, true}
	keep := eligibility{false, true}
	gone := eligibility{}
	terminating := func(p *workload.Pod) *workload.Pod {
		p.DeletionTimestamp = workload.NewTimePtr(dsNow)
		return p
	}
	unbound := func(p *workload.Pod) *workload.Pod { p.Spec.NodeName = ""; return p }
	type want struct {
		Create  bool
		Deletes []string
		Failed  []string
		Requeue time.Duration
		Backoff time.Duration
	}
	tests := []struct {
		name string
		p    *dsPlan
		node *workload.Node
		elig eligibility
		pods []*workload.Pod
		bo   podBackoff
		want want
	}{
		{"should run, none: create", plain, node, run, nil, podBackoff{}, want{Create: true}},
		{"should run, one running: nothing", plain, node, run,
			[]*workload.Pod{dsPod(plain, "a", "n1", "new", workload.PodRunning, time.Minute, 0)}, podBackoff{}, want{}},
		{"should run, one terminating: wait (never two)", plain, node, run,
			[]*workload.Pod{terminating(dsPod(plain, "a", "n1", "new", workload.PodRunning, time.Minute, 0))}, podBackoff{}, want{}},
		{"NoSchedule taint, none: no new pod", plain, node, keep, nil, podBackoff{}, want{}},
		{"NoSchedule taint, one running: keep it", plain, node, keep,
			[]*workload.Pod{dsPod(plain, "a", "n1", "new", workload.PodRunning, time.Minute, 0)}, podBackoff{}, want{}},
		{"not eligible: delete all but terminating", plain, node, gone,
			[]*workload.Pod{dsPod(plain, "a", "n1", "new", workload.PodRunning, time.Minute, 0),
				terminating(dsPod(plain, "b", "n1", "new", workload.PodRunning, time.Minute, 1))}, podBackoff{}, want{Deletes: []string{"a"}}},
		{"node gone: only unbound pods are deleted", plain, nil, gone,
			[]*workload.Pod{dsPod(plain, "a", "n1", "new", workload.PodRunning, time.Minute, 0),
				unbound(dsPod(plain, "b", "n1", "new", workload.PodPending, dsNotReadyPod, 1))}, podBackoff{}, want{Deletes: []string{"b"}}},
		{"two running, no surge: keep the oldest", plain, node, run,
			[]*workload.Pod{dsPod(plain, "a", "n1", "new", workload.PodRunning, time.Minute, 0),
				dsPod(plain, "b", "n1", "new", workload.PodRunning, time.Minute, 1)}, podBackoff{}, want{Deletes: []string{"b"}}},
		{"succeeded: delete", plain, node, run,
			[]*workload.Pod{dsPod(plain, "a", "n1", "new", workload.PodSucceeded, dsNotReadyPod, 0)}, podBackoff{}, want{Deletes: []string{"a"}}},
		{"failed, no back-off: delete, back-off 1s", plain, node, run,
			[]*workload.Pod{dsPod(plain, "a", "n1", "new", workload.PodFailed, dsNotReadyPod, 0)}, podBackoff{},
			want{Deletes: []string{"a"}, Failed: []string{"a"}, Backoff: time.Second}},
		{"failed in back-off: wait the rest", plain, node, run,
			[]*workload.Pod{dsPod(plain, "a", "n1", "new", workload.PodFailed, dsNotReadyPod, 0)},
			podBackoff{delay: 4 * time.Second, last: dsNow.Add(-time.Second)},
			want{Requeue: 3 * time.Second, Backoff: 4 * time.Second}},
		{"failed after back-off: delete, back-off doubles", plain, node, run,
			[]*workload.Pod{dsPod(plain, "a", "n1", "new", workload.PodFailed, dsNotReadyPod, 0)},
			podBackoff{delay: 4 * time.Second, last: dsNow.Add(-4 * time.Second)},
			want{Deletes: []string{"a"}, Failed: []string{"a"}, Backoff: 8 * time.Second}},
		{"failed, back-off capped at 15m", plain, node, run,
			[]*workload.Pod{dsPod(plain, "a", "n1", "new", workload.PodFailed, dsNotReadyPod, 0)},
			podBackoff{delay: 15 * time.Minute, last: dsNow.Add(-15 * time.Minute)},
			want{Deletes: []string{"a"}, Failed: []string{"a"}, Backoff: 15 * time.Minute}},
		{"failed long after: back-off starts over", plain, node, run,
			[]*workload.Pod{dsPod(plain, "a", "n1", "new", workload.PodFailed, dsNotReadyPod, 0)},
			podBackoff{delay: 15 * time.Minute, last: dsNow.Add(-31 * time.Minute)},
			want{Deletes: []string{"a"}, Failed: []string{"a"}, Backoff: time.Second}},
		{"surge: old ready, new not available: keep both", surge, node, run,
			[]*workload.Pod{dsPod(surge, "old", "n1", "h0", workload.PodRunning, time.Minute, 0),
				dsPod(surge, "new", "n1", "new", workload.PodRunning, dsNotReadyPod, 1)}, podBackoff{}, want{}},
		{"surge: new available: delete old", surge, node, run,
			[]*workload.Pod{dsPod(surge, "old", "n1", "h0", workload.PodRunning, time.Minute, 0),
				dsPod(surge, "new", "n1", "new", workload.PodRunning, time.Minute, 1)}, podBackoff{}, want{Deletes: []string{"old"}}},
		{"surge: old not ready: delete old", surge, node, run,
			[]*workload.Pod{dsPod(surge, "old", "n1", "h0", workload.PodRunning, dsNotReadyPod, 0),
				dsPod(surge, "new", "n1", "new", workload.PodRunning, dsNotReadyPod, 1)}, podBackoff{}, want{Deletes: []string{"old"}}},
		{"surge: two new: keep the oldest new", surge, node, run,
			[]*workload.Pod{dsPod(surge, "new1", "n1", "new", workload.PodRunning, dsNotReadyPod, 0),
				dsPod(surge, "new2", "n1", "new", workload.PodRunning, dsNotReadyPod, 1)}, podBackoff{}, want{Deletes: []string{"new2"}}},
		{"surge: only pod terminating: create its replacement at once", surge, node, run,
			[]*workload.Pod{terminating(dsPod(surge, "a", "n1", "new", workload.PodRunning, time.Minute, 0))}, podBackoff{}, want{Create: true}},
		{"surge: succeeded: delete and create at once", surge, node, run,
			[]*workload.Pod{dsPod(surge, "a", "n1", "new", workload.PodSucceeded, dsNotReadyPod, 0)}, podBackoff{},
			want{Create: true, Deletes: []string{"a"}}},
		{"surge: failed in back-off: no pod beside it (#124388)", surge, node, run,
			[]*workload.Pod{dsPod(surge, "a", "n1", "new", workload.PodFailed, dsNotReadyPod, 0)},
			podBackoff{delay: 4 * time.Second, last: dsNow.Add(-time.Second)},
			want{Requeue: 3 * time.Second, Backoff: 4 * time.Second}},
		{"surge: terminating, NoSchedule taint: no new pod", surge, node, keep,
			[]*workload.Pod{terminating(dsPod(surge, "a", "n1", "new", workload.PodRunning, time.Minute, 0))}, podBackoff{}, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &nodeView{name: "n1", node: tt.node, elig: tt.elig, pods: tt.pods}
			sortDaemonPods(v.pods)
			acts := manageNode(tt.p, v, dsNow, tt.bo)
			got := want{Create: acts.create, Deletes: dsPodNames(acts.deletes), Failed: dsPodNames(acts.failed),
				Requeue: acts.requeue, Backoff: acts.backoff.delay}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("manageNode (-want +got):\n%s", d)
			}
		})
	}
}

func dsPodNames(pods []*workload.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestSummarize(t *testing.T) {
	plain := dsMustPlan(t, testDS("d"))
	surge := dsMustPlan(t, testDS("d", dsSurge))
	minReady := dsMustPlan(t, testDS("d", func(ds *workload.DaemonSet) { ds.Spec.MinReadySeconds = 30 }))
	onDelete := dsMustPlan(t, testDS("d", func(ds *workload.DaemonSet) { ds.Spec.UpdateStrategy.Type = workload.OnDeleteStrategy }))
	node := dsNode("n1")
	run, keep := eligibility{true, true}, eligibility{false, true}
	tests := []struct {
		name       string
		p          *dsPlan
		node       *workload.Node
		elig       eligibility
		pods       func(p *dsPlan) []*workload.Pod
		wantClass  rolloutClass
		wantCounts dsCounts
		wantIn     time.Duration
	}{
		{"no pod yet", plain, node, run, nil, rolloutWaiting, dsCounts{desired: 1, waiting: 1}, 0},
		{"not desired, no pod", plain, node, keep, nil, rolloutNone, dsCounts{}, 0},
		{"new available", plain, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "new", workload.PodRunning, time.Minute, 0)}
		}, rolloutNone, dsCounts{desired: 1, current: 1, ready: 1, available: 1, updated: 1}, 0},
		{"new not ready", plain, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "new", workload.PodRunning, dsNotReadyPod, 0)}
		}, rolloutWaiting, dsCounts{desired: 1, current: 1, updated: 1, waiting: 1}, 0},
		{"old available: candidate", plain, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, time.Minute, 0)}
		}, rolloutCandidate, dsCounts{desired: 1, current: 1, ready: 1, available: 1}, 0},
		{"old unavailable: replace, and it counts (#123232)", plain, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, dsNotReadyPod, 0)}
		}, rolloutReplace, dsCounts{desired: 1, current: 1, waiting: 1}, 0},
		{"old and new: waiting", plain, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, time.Minute, 0),
				dsPod(p, "b", "n1", "new", workload.PodRunning, dsNotReadyPod, 1)}
		}, rolloutWaiting, dsCounts{desired: 1, current: 1, ready: 1, available: 1, waiting: 1}, 0},
		{"two old: excess, waiting", plain, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, time.Minute, 0),
				dsPod(p, "b", "n1", "h0", workload.PodRunning, time.Minute, 1)}
		}, rolloutWaiting, dsCounts{desired: 1, current: 1, ready: 1, available: 1, waiting: 1}, 0},
		{"misscheduled", plain, node, keep, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "new", workload.PodRunning, time.Minute, 0)}
		}, rolloutNone, dsCounts{misscheduled: 1}, 0},
		{"node gone: no status, rollout still sees the pod", plain, nil, eligibility{}, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, time.Minute, 0)}
		}, rolloutCandidate, dsCounts{}, 0},
		{"minReadySeconds: ready, not yet available", minReady, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "new", workload.PodRunning, 10*time.Second, 0)}
		}, rolloutWaiting, dsCounts{desired: 1, current: 1, ready: 1, updated: 1, waiting: 1}, 20 * time.Second},
		{"OnDelete: old pods stay, no class", onDelete, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, time.Minute, 0)}
		}, rolloutNone, dsCounts{desired: 1, current: 1, ready: 1, available: 1}, 0},
		{"surge: old available: candidate", surge, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, time.Minute, 0)}
		}, rolloutCandidate, dsCounts{desired: 1, current: 1, ready: 1, available: 1, surgeAvailable: 1}, 0},
		{"surge: old unavailable: replace at once", surge, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, dsNotReadyPod, 0)}
		}, rolloutReplace, dsCounts{desired: 1, current: 1}, 0},
		{"surge: new beside old, not available: counts against maxSurge", surge, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, time.Minute, 0),
				dsPod(p, "b", "n1", "new", workload.PodRunning, dsNotReadyPod, 1)}
		}, rolloutWaiting, dsCounts{desired: 1, current: 1, ready: 1, available: 1, surgeAvailable: 1, waiting: 1}, 0},
		{"surge: new beside old, available: retire old", surge, node, run, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, time.Minute, 0),
				dsPod(p, "b", "n1", "new", workload.PodRunning, time.Minute, 1)}
		}, rolloutRetire, dsCounts{desired: 1, current: 1, ready: 1, available: 1, surgeAvailable: 1}, 0},
		{"surge: old available where it should no longer run: sunset", surge, node, keep, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, time.Minute, 0)}
		}, rolloutSunset, dsCounts{misscheduled: 1, surgeAvailable: 1}, 0},
		{"surge: old unavailable where it should no longer run: retire", surge, node, keep, func(p *dsPlan) []*workload.Pod {
			return []*workload.Pod{dsPod(p, "a", "n1", "h0", workload.PodRunning, dsNotReadyPod, 0)}
		}, rolloutRetire, dsCounts{misscheduled: 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &nodeView{name: "n1", node: tt.node, elig: tt.elig}
			if tt.pods != nil {
				v.pods = tt.pods(tt.p)
			}
			sortDaemonPods(v.pods)
			s := summarize(tt.p, v, dsNow)
			if s.class != tt.wantClass {
				t.Errorf("class = %v, want %v", s.class, tt.wantClass)
			}
			if d := cmp.Diff(tt.wantCounts, s.counts, cmp.AllowUnexported(dsCounts{})); d != "" {
				t.Errorf("counts (-want +got):\n%s", d)
			}
			if s.availableIn != tt.wantIn {
				t.Errorf("availableIn = %v, want %v", s.availableIn, tt.wantIn)
			}
		})
	}
}

// TestRolloutPick plays the budget rule over a set of nodes: which
// candidates a rolling update may act on now.
func TestRolloutPick(t *testing.T) {
	type node struct {
		class rolloutClass
		avail bool // for surge: the node's pod counts as available
	}
	tests := []struct {
		name                   string
		surge                  bool
		maxSurge, maxUnavail   int
		nodes                  map[string]node
		wantCands, wantSunsets []string
	}{
		{"maxUnavailable 1, all candidates: the first by name", false, 0, 1,
			map[string]node{"n3": {rolloutCandidate, true}, "n1": {rolloutCandidate, true}, "n2": {rolloutCandidate, true}},
			[]string{"n1"}, nil},
		{"maxUnavailable 2", false, 0, 2,
			map[string]node{"n3": {rolloutCandidate, true}, "n1": {rolloutCandidate, true}, "n2": {rolloutCandidate, true}},
			[]string{"n1", "n2"}, nil},
		{"one new pod not ready yet uses the budget", false, 0, 1,
			map[string]node{"n1": {rolloutWaiting, false}, "n2": {rolloutCandidate, true}}, nil, nil},
		{"an unavailable old pod uses the budget (#123232)", false, 0, 1,
			map[string]node{"n1": {rolloutReplace, false}, "n2": {rolloutCandidate, true}, "n3": {rolloutCandidate, true}}, nil, nil},
		{"over budget: nothing, never negative", false, 0, 1,
			map[string]node{"n1": {rolloutWaiting, false}, "n2": {rolloutWaiting, false}, "n3": {rolloutCandidate, true}}, nil, nil},
		{"surge 1: one new pod beside an old one", true, 1, 0,
			map[string]node{"n1": {rolloutCandidate, true}, "n2": {rolloutCandidate, true}}, []string{"n1"}, nil},
		{"surge 1 used by a surging node", true, 1, 0,
			map[string]node{"n1": {rolloutWaiting, true}, "n2": {rolloutCandidate, true}}, nil, nil},
		{"surge: sunset only while more available than desired", true, 2, 0,
			map[string]node{"n1": {rolloutNone, true}, "n2": {rolloutSunset, true}, "n3": {rolloutSunset, true}, "n4": {rolloutNone, false}},
			nil, []string{"n2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRolloutState()
			for _, name := range dsSortedKeys(tt.nodes) {
				n := tt.nodes[name]
				s := nodeSummary{class: n.class}
				if n.class != rolloutSunset {
					s.counts.desired = 1
				}
				if n.class == rolloutWaiting || (!tt.surge && n.class == rolloutReplace) {
					s.counts.waiting = 1
				}
				if tt.surge && n.avail {
					s.counts.surgeAvailable = 1
				}
				r.set(name, s)
			}
			cands, sunsets := r.pick(tt.surge, tt.maxSurge, tt.maxUnavail)
			if d := cmp.Diff(tt.wantCands, cands); d != "" {
				t.Errorf("candidates (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantSunsets, sunsets); d != "" {
				t.Errorf("sunsets (-want +got):\n%s", d)
			}
		})
	}
}

// TestRolloutStateHeap checks that candidates leave and rejoin the heap
// as their class changes, and that sums follow every change.
func TestRolloutStateHeap(t *testing.T) {
	r := newRolloutState()
	cand := nodeSummary{class: rolloutCandidate, counts: dsCounts{desired: 1, available: 1}}
	wait := nodeSummary{class: rolloutWaiting, counts: dsCounts{desired: 1, waiting: 1}}
	for i := 9; i >= 0; i-- {
		r.set(fmt.Sprintf("n%d", i), cand)
	}
	r.set("n0", wait) // stale heap entry, skipped
	if got, _ := r.pick(false, 0, 3); !cmp.Equal(got, []string{"n1", "n2"}) {
		t.Fatalf("pick = %v, want [n1 n2]", got)
	}
	r.set("n1", wait)
	r.set("n2", cand) // its action failed: a candidate again
	if r.totals.waiting != 2 || r.totals.desired != 10 || r.totals.available != 8 {
		t.Fatalf("totals = %+v", r.totals)
	}
	if got, _ := r.pick(false, 0, 3); !cmp.Equal(got, []string{"n2"}) {
		t.Fatalf("pick = %v, want [n2]", got)
	}
	r.set("n5", nodeSummary{}) // node gone
	if _, ok := r.nodes["n5"]; !ok {
		t.Fatal("n5 dropped while still in the heap")
	}
	if r.totals.desired != 9 {
		t.Fatalf("desired = %d, want 9", r.totals.desired)
	}
	got, _ := r.pick(false, 0, 10)
	if !cmp.Equal(got, []string{"n3", "n4", "n6", "n7", "n8", "n9"}) {
		t.Fatalf("pick = %v", got)
	}
	if _, ok := r.nodes["n5"]; ok {
		t.Error("n5 kept after its stale heap entry was popped")
	}
}

func dsMustQuantity(s string) resource.Quantity { return resource.MustParse(s) }

func dsErrorsIs(err, target error) bool { return errors.Is(err, target) }

func dsContains(s, sub string) bool { return strings.Contains(s, sub) }

func dsSortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
