package controller

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// TestRefusedCreatesSettle: a controller whose creates the API server
// refuses, each time with another message (the generated name), retries
// with back-off and does not spin at one instant: every workload
// controller, over a store whose admission refuses every object a
// controller makes (pods; a Deployment's ReplicaSets, a CronJob's Jobs).
func TestRefusedCreatesSettle(t *testing.T) {
	labels := map[string]string{"app": "x"}
	tmpl := workload.PodTemplateSpec{ObjectMeta: workload.ObjectMeta{Labels: labels},
		Spec: workload.PodSpec{Containers: []workload.Container{{Name: "c", Image: "i"}}}}
	job := tmpl.DeepCopy()
	job.Spec.RestartPolicy = workload.RestartPolicyNever
	job.Labels = nil
	for _, tc := range []struct {
		name string
		mk   func(Deps) Controller
		obj  workload.Object
	}{
		{"ReplicaSet", NewReplicaSet, &workload.ReplicaSet{ObjectMeta: workload.ObjectMeta{Name: "x", Namespace: "default"},
			Spec: workload.ReplicaSetSpec{Replicas: workload.Ptr[int32](2), Selector: &workload.LabelSelector{MatchLabels: labels}, Template: tmpl}}},
		{"Deployment", NewDeployment, &workload.Deployment{ObjectMeta: workload.ObjectMeta{Name: "x", Namespace: "default"},
			Spec: workload.DeploymentSpec{Replicas: workload.Ptr[int32](2), Selector: &workload.LabelSelector{MatchLabels: labels}, Template: tmpl}}},
		{"StatefulSet", NewStatefulSet, &workload.StatefulSet{ObjectMeta: workload.ObjectMeta{Name: "x", Namespace: "default"},
			Spec: workload.StatefulSetSpec{Replicas: workload.Ptr[int32](2), ServiceName: "x", Selector: &workload.LabelSelector{MatchLabels: labels}, Template: tmpl}}},
		{"DaemonSet", NewDaemonSet, &workload.DaemonSet{ObjectMeta: workload.ObjectMeta{Name: "x", Namespace: "default"},
			Spec: workload.DaemonSetSpec{Selector: &workload.LabelSelector{MatchLabels: labels}, Template: tmpl}}},
		{"Job", NewJob, &workload.Job{ObjectMeta: workload.ObjectMeta{Name: "x", Namespace: "default"},
			Spec: workload.JobSpec{Template: *job}}},
		{"CronJob", NewCronJob, &workload.CronJob{ObjectMeta: workload.ObjectMeta{Name: "x", Namespace: "default"},
			Spec: workload.CronJobSpec{Schedule: "* * * * *", JobTemplate: workload.JobTemplateSpec{Spec: workload.JobSpec{Template: *job}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			h := newHarnessWith(t, store.Config{Admit: func(o workload.Object) error {
				if len(o.GetObjectMeta().OwnerReferences) > 0 { // what a controller makes
					n++
					return fmt.Errorf("refused (%d)", n)
				}
				return nil
			}}, tc.mk)
			if tc.name == "DaemonSet" {
				h.create(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n1"}, Status: workload.NodeStatus{
					Conditions: []workload.NodeCondition{{Type: workload.NodeReady, Status: workload.ConditionTrue}}}})
			}
			workload.Default(tc.obj)
			h.create(tc.obj)
			h.settle()
			h.advance(10 * time.Minute)
			if n == 0 {
				t.Fatal("no create was attempted")
			}
			if n > 400 {
				t.Fatalf("%d refused creates in 10 minutes: no back-off", n)
			}
		})
	}
}

// A new ReplicaSet the API server refuses shows on its Deployment as
// Kubernetes' getNewReplicaSet reports it (pkg/controller/deployment/
// sync.go): Progressing False with reason ReplicaSetCreateError and the
// message "Failed to create new replica set ...", and a Warning event of
// that reason; a later create that succeeds makes it NewReplicaSetCreated.
func TestDeploymentReplicaSetCreateError(t *testing.T) {
	refuse := true
	h := newHarnessWith(t, store.Config{Admit: func(o workload.Object) error {
		if _, ok := o.(*workload.ReplicaSet); ok && refuse {
			return fmt.Errorf("quota exceeded")
		}
		return nil
	}}, NewDeployment)
	labels := map[string]string{"app": "x"}
	d := &workload.Deployment{ObjectMeta: workload.ObjectMeta{Name: "x", Namespace: "default"},
		Spec: workload.DeploymentSpec{Replicas: workload.Ptr[int32](2), Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec: workload.PodSpec{Containers: []workload.Container{{Name: "c", Image: "i"}}}}}}
	workload.Default(d)
	h.create(d)
	h.settle()
	progressing := func() *workload.Condition {
		return FindCondition(h.get("Deployment", "default", "x").(*workload.Deployment).Status.Conditions, workload.DeploymentProgressing)
	}
	pr := progressing()
	if pr == nil || pr.Status != workload.ConditionFalse || pr.Reason != workload.ReasonReplicaSetCreateError ||
		!strings.HasPrefix(pr.Message, `Failed to create new replica set "x-`) || !strings.Contains(pr.Message, "quota exceeded") {
		t.Fatalf("Progressing = %+v, want False ReplicaSetCreateError", pr)
	}
	found := false
	for _, e := range h.rec.Events() {
		if e.Reason == workload.ReasonReplicaSetCreateError && e.Type == workload.EventTypeWarning && e.InvolvedObject.Name == "x" {
			found = true
		}
	}
	if !found {
		t.Error("no Warning ReplicaSetCreateError event")
	}
	refuse = false
	h.advance(10 * time.Minute)
	if pr := progressing(); pr == nil || pr.Status != workload.ConditionTrue {
		t.Errorf("after the create succeeds, Progressing = %+v", pr)
	}
}
