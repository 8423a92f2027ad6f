package controller

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// A ReplicaSet whose pods cannot be created gets ReplicaFailure True
// (FailedCreate) with the first failure's message, which later failures
// do not overwrite, and loses it once a sync manages its replicas again,
// as Kubernetes' calculateStatus (pkg/controller/replicaset/
// replica_set_utils.go) sets the condition only when there is none.
func TestReplicaFailureKeepsTheFirstMessage(t *testing.T) {
	attempts, refuse := 0, true
	h := newHarnessWith(t, store.Config{Admit: func(o workload.Object) error {
		if _, ok := o.(*workload.Pod); ok && refuse {
			attempts++
			return fmt.Errorf("exceeded quota (attempt %d)", attempts)
		}
		return nil
	}}, NewReplicaSet)
	labels := map[string]string{"app": "web"}
	h.create(&workload.ReplicaSet{
		ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: workload.ReplicaSetSpec{
			Replicas: workload.Ptr[int32](1),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec: workload.PodSpec{Containers: []workload.Container{{Name: "c", Image: "i"}}}},
		},
	})
	h.settle()
	h.advance(5 * time.Minute) // the failed syncs retry with back-off
	rs := h.get("ReplicaSet", "default", "web").(*workload.ReplicaSet)
	cond := FindCondition(rs.Status.Conditions, ReplicaSetReplicaFailure)
	if attempts < 2 {
		t.Fatalf("%d attempts in 5 minutes, want retries", attempts)
	}
	if cond == nil || cond.Status != workload.ConditionTrue || cond.Reason != ReasonFailedCreate || !strings.Contains(cond.Message, "(attempt 1)") {
		t.Fatalf("after %d failed attempts: ReplicaFailure %+v, want True FailedCreate with the first failure's message", attempts, cond)
	}
	refuse = false
	h.advance(10 * time.Minute)
	rs = h.get("ReplicaSet", "default", "web").(*workload.ReplicaSet)
	if cond := FindCondition(rs.Status.Conditions, ReplicaSetReplicaFailure); cond != nil || len(h.pods("default")) != 1 {
		t.Fatalf("once creates succeed: ReplicaFailure %+v, %d pods; want no condition, 1 pod", cond, len(h.pods("default")))
	}
}
