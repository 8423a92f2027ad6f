package controller

import (
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
