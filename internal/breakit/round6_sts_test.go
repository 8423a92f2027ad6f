package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

func r6editSTS(t *testing.T, c interface {
	Get(kind, ns, name string) (workload.Object, error)
	Apply(workload.Object) (workload.Object, error)
}, name, image string) {
	t.Helper()
	o, err := c.Get("StatefulSet", "default", name)
	if err != nil {
		t.Fatal(err)
	}
	set := o.(*workload.StatefulSet)
	set.Spec.Template.Spec.Containers[0].Image = image
	if _, err := c.Apply(set); err != nil {
		t.Fatal(err)
	}
}

// A Parallel StatefulSet whose first revision never becomes available is
// fixed by a new template: the broken pods of the old revision are
// replaced, though they already use up the maxUnavailable budget (they
// are unavailable whatever the controller does).
// Source: kubernetes/kubernetes#137409 (a user's report: "pods are left
// crashlooping if the first revision is faulty") and its fix #137666,
// pkg/controller/statefulset/stateful_set_control.go
// updateStatefulSetAfterInvariantEstablished.
func TestR6STSParallelReplacesBrokenOldPods(t *testing.T) {
	for _, n := range []int{1, 3} {
		c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "broken*"}, NeverReady: true}}, "a")
		applyYAML(t, c, stsYAML("db", "  replicas: "+string(rune('0'+n))+"\n  podManagementPolicy: Parallel", "broken:1"))
		advance(t, c, time.Minute)
		r6editSTS(t, c, "db", "db:2")
		advance(t, c, 5*time.Minute)
		ps := pods(t, c, "app=db")
		if len(ps) != n {
			t.Fatalf("replicas %d: %d pods", n, len(ps))
		}
		for _, p := range ps {
			if p.Spec.Containers[0].Image != "db:2" || !r5ready(p) {
				t.Errorf("replicas %d: pod %s image %s ready %v, want db:2 and ready", n, p.Name, p.Spec.Containers[0].Image, r5ready(p))
			}
		}
		o, _ := c.Get("StatefulSet", "default", "db")
		if st := o.(*workload.StatefulSet).Status; st.CurrentRevision != st.UpdateRevision || st.UpdatedReplicas != int32(n) {
			t.Errorf("replicas %d: status %+v", n, st)
		}
	}
}

// The budget still holds for available pods: Parallel, 4 replicas,
// maxUnavailable 1, pod db-0 broken on the old revision. The update
// replaces db-0 (already unavailable) at once, and the available ones one
// at a time, highest ordinal first: never two available pods down at once
// on top of the broken one.
func TestR6STSParallelBudgetForAvailablePods(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "broken*"}, NeverReady: true}}, "a")
	applyYAML(t, c, stsYAML("db", "  replicas: 4\n  podManagementPolicy: Parallel", "db:1"))
	advance(t, c, time.Minute)
	// Break db-0 only: OnDelete lets one pod take a broken template.
	o, _ := c.Get("StatefulSet", "default", "db")
	set := o.(*workload.StatefulSet)
	set.Spec.UpdateStrategy = workload.StatefulSetUpdateStrategy{Type: workload.OnDeleteStrategy}
	set.Spec.Template.Spec.Containers[0].Image = "broken:1"
	if _, err := c.Apply(set); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if err := c.DeletePod("default", "db-0", workload.Ptr[int64](0)); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	pt := recordPods(t, c)
	o, _ = c.Get("StatefulSet", "default", "db")
	set = o.(*workload.StatefulSet)
	set.Spec.UpdateStrategy = workload.StatefulSetUpdateStrategy{Type: workload.RollingUpdateStrategy,
		RollingUpdate: &workload.RollingUpdateStatefulSetStrategy{Partition: workload.Ptr[int32](0)}}
	set.Spec.Template.Spec.Containers[0].Image = "db:2"
	if _, err := c.Apply(set); err != nil {
		t.Fatal(err)
	}
	maxDown := 0
	runUntil(t, c, 10*time.Minute, "all pods on db:2 and ready", func() bool {
		down, done := 0, 0
		for _, p := range pods(t, c, "app=db") {
			if p.Name != "db-0" && (!r5ready(p) || p.DeletionTimestamp != nil) {
				down++
			}
			if p.Spec.Containers[0].Image == "db:2" && r5ready(p) && p.DeletionTimestamp == nil {
				done++
			}
		}
		maxDown = max(maxDown, down)
		return done == 4
	})
	if maxDown > 1 {
		t.Errorf("%d available pods down at once, want at most 1 (maxUnavailable)", maxDown)
	}
	if len(pt.delOrd) < 4 || pt.delOrd[0] != "db-0" || pt.delOrd[1] != "db-3" {
		t.Errorf("deletions %v, want db-0 (broken) first, then db-3, db-2, db-1", pt.delOrd)
	}
}

// With updateStrategy {type: RollingUpdate} and no rollingUpdate (which
// apps/v1 leaves unset), a recreated pod whose ordinal is below
// status.currentReplicas comes back at the current revision: replacing a
// broken old pod there would delete and recreate it for ever. The
// controller leaves it (the cluster settles), as before the fix above.
func TestR6STSParallelNoChurnWithoutRollingUpdateParams(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "broken*"}, NeverReady: true}}, "a")
	applyYAML(t, c, stsYAML("db", "  replicas: 3\n  podManagementPolicy: Parallel\n  updateStrategy: {type: OnDelete}", "db:1"))
	advance(t, c, time.Minute)
	r6editSTS(t, c, "db", "broken:1")
	if err := c.DeletePod("default", "db-0", workload.Ptr[int64](0)); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	pt := recordPods(t, c)
	o, _ := c.Get("StatefulSet", "default", "db")
	set := o.(*workload.StatefulSet)
	set.Spec.UpdateStrategy = workload.StatefulSetUpdateStrategy{Type: workload.RollingUpdateStrategy}
	set.Spec.Template.Spec.Containers[0].Image = "db:2"
	if _, err := c.Apply(set); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Minute) // fails on a hot loop
	if n := len(pt.order); n > 3 {
		t.Errorf("%d pod creations in 5 minutes (%v): churn", n, pt.order)
	}
}
