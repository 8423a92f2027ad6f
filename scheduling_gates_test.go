package orchestra_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A pod created with spec.schedulingGates is not scheduled while any gate
// is left: it stays Pending with PodScheduled False, reason
// SchedulingGated, "Scheduling is blocked due to non-empty scheduling
// gates" (the API server's applySchedulingGatedCondition) and no
// FailedScheduling event (kube-scheduler's SchedulingGates PreEnqueue);
// gates may only be removed, and once the last one is the pod is
// scheduled. A gated pod may not name its node (ValidatePodCreate).
func TestSchedulingGatesHoldPod(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	objs, warnings, err := workload.Decode([]byte(`
apiVersion: v1
kind: Pod
metadata: {name: gated}
spec:
  schedulingGates: [{name: example.com/quota}, {name: example.com/ready}]
  containers: [{name: c, image: nginx}]
`), "gated.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		if strings.Contains(w, "schedulingGates") {
			t.Errorf("decode warning %q: schedulingGates is modelled", w)
		}
	}
	if _, err := c.Apply(objs[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	get := func() *workload.Pod {
		t.Helper()
		o, err := c.Get("Pod", "default", "gated")
		if err != nil {
			t.Fatal(err)
		}
		return o.(*workload.Pod)
	}
	p := get()
	var cond *workload.PodCondition
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == workload.PodScheduled {
			cond = &p.Status.Conditions[i]
		}
	}
	if p.Spec.NodeName != "" || p.Status.Phase != workload.PodPending || cond == nil ||
		cond.Status != workload.ConditionFalse || cond.Reason != "SchedulingGated" || cond.Message != "Scheduling is blocked due to non-empty scheduling gates" ||
		!cond.LastTransitionTime.Equal(t0) {
		t.Fatalf("gated pod: node %q phase %s PodScheduled %+v, want Pending, unbound, False SchedulingGated", p.Spec.NodeName, p.Status.Phase, cond)
	}
	for _, e := range c.Events() {
		if e.InvolvedObject.Name == "gated" {
			t.Errorf("event %s %q for a gated pod", e.Reason, e.Message)
		}
	}

	// A gate may not be added.
	p.Spec.SchedulingGates = append(p.Spec.SchedulingGates, workload.PodSchedulingGate{Name: "example.com/more"})
	if _, err := c.Apply(p); err == nil || !strings.Contains(err.Error(), "spec.schedulingGates") || !strings.Contains(err.Error(), "only deletion is allowed") {
		t.Errorf("adding a gate: %v, want spec.schedulingGates: only deletion is allowed", err)
	}
	// One removed: still gated.
	p = get()
	p.Spec.SchedulingGates = p.Spec.SchedulingGates[1:]
	if _, err := c.Apply(p); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if n := get().Spec.NodeName; n != "" {
		t.Fatalf("with a gate left: bound to %q", n)
	}
	// The last one removed: scheduled.
	p = get()
	p.Spec.SchedulingGates = nil
	if _, err := c.Apply(p); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if p := get(); p.Spec.NodeName != "node-a" {
		t.Fatalf("gates removed: node %q, want node-a", p.Spec.NodeName)
	}

	for _, tc := range []struct {
		name, spec, want string
	}{
		{"bound", "nodeName: node-a\n  schedulingGates: [{name: g}]", "spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"},
		{"dup", "schedulingGates: [{name: g}, {name: g}]", "spec.schedulingGates[1]: Duplicate value"},
		{"badname", "schedulingGates: [{name: -g}]", "spec.schedulingGates[0]: Invalid value"},
	} {
		objs, _, err := workload.Decode([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: "+tc.name+"}\nspec:\n  "+tc.spec+"\n  containers: [{name: c, image: nginx}]\n"), tc.name+".yaml")
		if err == nil {
			_, err = c.Apply(objs[0])
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
