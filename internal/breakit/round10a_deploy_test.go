package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// A ReplicaSet that cannot make its pods (ReplicaFailure True, reason
// FailedCreate: "exceeded quota" in the bug reports) shows it on its
// Deployment: `kubectl describe deployment` lists the condition
// ReplicaFailure True FailedCreate with the ReplicaSet's message, and it
// goes once the ReplicaSet's does. The ReplicaSet controller is left out
// here so that the test writes the ReplicaSet's condition itself.
// Source: pkg/controller/deployment/progress.go syncRolloutStatus
// (getReplicaFailures, ReplicaSetToDeploymentCondition; the new
// ReplicaSet's condition first).
func TestR10aDeploymentShowsReplicaFailure(t *testing.T) {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1,
		Controllers: []func(controller.Deps) controller.Controller{controller.NewDeployment}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	applyYAML(t, c, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}`)
	advance(t, c, time.Second)
	rss, err := c.List("ReplicaSet", "default", "")
	if err != nil || len(rss) != 1 {
		t.Fatalf("ReplicaSets %v (%v), want one", rss, err)
	}
	rs := rss[0].(*workload.ReplicaSet).DeepCopy()
	msg := `pods "web-7d4b9-x" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10`
	rs.Status.ObservedGeneration = rs.Generation
	rs.Status.Conditions = []workload.Condition{{Type: "ReplicaFailure", Status: workload.ConditionTrue,
		Reason: "FailedCreate", Message: msg, LastTransitionTime: workload.NewTime(c.Now())}}
	if _, err := c.Store().UpdateStatus(rs); err != nil {
		t.Fatal(err)
	}
	at := c.Now()
	advance(t, c, time.Second)
	d := r10aDeployment(t, c)
	cond := controller.FindCondition(d.Status.Conditions, "ReplicaFailure")
	if cond == nil || cond.Status != workload.ConditionTrue || cond.Reason != "FailedCreate" || cond.Message != msg ||
		!cond.LastTransitionTime.Equal(at) || !cond.LastUpdateTime.Equal(at) {
		t.Fatalf("Deployment conditions %+v: want ReplicaFailure True FailedCreate %q from the ReplicaSet, at %v", d.Status.Conditions, msg, at)
	}

	rs = r10aGetRS(t, c, rs.Name)
	rs.Status.Conditions = nil
	if _, err := c.Store().UpdateStatus(rs); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if cond := controller.FindCondition(r10aDeployment(t, c).Status.Conditions, "ReplicaFailure"); cond != nil {
		t.Errorf("ReplicaFailure %+v stays on the Deployment after the ReplicaSet's went", cond)
	}
}

func r10aDeployment(t *testing.T, c *orchestra.Cluster) *workload.Deployment {
	t.Helper()
	o, err := c.Get("Deployment", "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.Deployment)
}

func r10aGetRS(t *testing.T, c *orchestra.Cluster, name string) *workload.ReplicaSet {
	t.Helper()
	o, err := c.Get("ReplicaSet", "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.ReplicaSet).DeepCopy()
}
