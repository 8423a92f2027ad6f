package controller

import (
	"slices"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// TestTolerationTime: the taint manager's reckoning. Each NoExecute taint
// is matched by the pod's first toleration that tolerates it; the pod may
// stay for the shortest bounded tolerationSeconds among those, forever if
// none is bounded, not at all if a taint is not tolerated.
func TestTolerationTime(t *testing.T) {
	secs := func(n int64) *int64 { return &n }
	maint := workload.Taint{Key: "maint", Effect: workload.TaintEffectNoExecute}
	notReady := workload.Taint{Key: workload.TaintNodeNotReady, Effect: workload.TaintEffectNoExecute}
	for _, tc := range []struct {
		name    string
		tols    []workload.Toleration
		taints  []workload.Taint
		d       time.Duration
		forever bool
	}{
		{"untolerated", nil, []workload.Taint{maint}, 0, false},
		{"forever", []workload.Toleration{{Operator: workload.TolerationOpExists}}, []workload.Taint{maint}, 0, true},
		{"bounded", []workload.Toleration{{Key: "maint", Operator: workload.TolerationOpExists, TolerationSeconds: secs(120)}}, []workload.Taint{maint}, 2 * time.Minute, false},
		{"first match wins", []workload.Toleration{
			{Key: "maint", Operator: workload.TolerationOpExists, Effect: workload.TaintEffectNoExecute, TolerationSeconds: secs(60)},
			{Operator: workload.TolerationOpExists},
		}, []workload.Taint{maint}, time.Minute, false},
		{"first match wins, unbounded first", []workload.Toleration{
			{Operator: workload.TolerationOpExists},
			{Key: "maint", Operator: workload.TolerationOpExists, TolerationSeconds: secs(60)},
		}, []workload.Taint{maint}, 0, true},
		{"shortest of the taints", []workload.Toleration{
			{Key: "maint", Operator: workload.TolerationOpExists, TolerationSeconds: secs(600)},
			{Key: workload.TaintNodeNotReady, Operator: workload.TolerationOpExists, TolerationSeconds: secs(300)},
		}, []workload.Taint{maint, notReady}, 5 * time.Minute, false},
		{"one untolerated of two", []workload.Toleration{
			{Key: "maint", Operator: workload.TolerationOpExists},
		}, []workload.Taint{maint, notReady}, 0, false},
		{"negative is zero", []workload.Toleration{{Key: "maint", Operator: workload.TolerationOpExists, TolerationSeconds: secs(-5)}}, []workload.Taint{maint}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &workload.Pod{Spec: workload.PodSpec{Tolerations: tc.tols}}
			d, forever := TolerationTime(p, tc.taints)
			if d != tc.d || forever != tc.forever {
				t.Fatalf("TolerationTime = %v, %v; want %v, %v", d, forever, tc.d, tc.forever)
			}
		})
	}
}

// TestPressureTaints: the conditions MemoryPressure, DiskPressure,
// PIDPressure and NetworkUnavailable taint their node NoSchedule while
// True, and the taint goes when the condition no longer is; a taint of
// those keys with another effect is not the controller's and stays
// (doNoScheduleTaintingPass compares only NoSchedule taints).
func TestPressureTaints(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	node := &workload.Node{}
	node.Status.Conditions = []workload.NodeCondition{
		{Type: workload.NodeReady, Status: workload.ConditionTrue},
		{Type: workload.NodeMemoryPressure, Status: workload.ConditionTrue},
		{Type: workload.NodeDiskPressure, Status: workload.ConditionUnknown},
		{Type: workload.NodePIDPressure, Status: workload.ConditionTrue},
		{Type: workload.NodeNetworkUnavailable, Status: workload.ConditionTrue},
	}
	node.Spec.Taints = []workload.Taint{{Key: workload.TaintNodeMemoryPressure, Effect: workload.TaintEffectNoExecute}}
	taints, changed := reconcileConditionTaints(node.Spec.Taints, conditionTaints(node), now)
	var got []string
	for _, tn := range taints {
		got = append(got, tn.Key+":"+tn.Effect)
	}
	want := []string{
		workload.TaintNodeMemoryPressure + ":NoExecute", workload.TaintNodeMemoryPressure + ":NoSchedule",
		workload.TaintNodeNetworkUnavailable + ":NoSchedule", workload.TaintNodePIDPressure + ":NoSchedule",
	}
	if !changed || !slices.Equal(got, want) {
		t.Fatalf("taints %v (changed %v), want %v", got, changed, want)
	}
	node.Spec.Taints = taints
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type != workload.NodeReady {
			node.Status.Conditions[i].Status = workload.ConditionFalse
		}
	}
	taints, changed = reconcileConditionTaints(node.Spec.Taints, conditionTaints(node), now)
	got = got[:0]
	for _, tn := range taints {
		got = append(got, tn.Key+":"+tn.Effect)
	}
	if want := []string{workload.TaintNodeMemoryPressure + ":NoExecute"}; !changed || !slices.Equal(got, want) {
		t.Fatalf("after the pressure ended: taints %v (changed %v), want %v", got, changed, want)
	}
}
