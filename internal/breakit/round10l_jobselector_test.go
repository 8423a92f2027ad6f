package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// A Job is stored with its generated selector and labels from its
// creation, as Kubernetes' API server makes them on create (the Job
// strategy's generateSelector): Apply returns them, and the Job controller
// does not write the spec again, so the Job stays at generation 1. A
// CronJob's Jobs get them the same way.
func TestR10lJobSelectorGeneratedOnCreate(t *testing.T) {
	c := newCluster(t, "n1")
	out, err := c.Apply(&workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: "backup"},
		Spec: workload.JobSpec{Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
			RestartPolicy: workload.RestartPolicyNever, Containers: []workload.Container{{Name: "main", Image: "busybox"}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	j := out.(*workload.Job)
	uid := j.UID
	if j.Spec.Selector == nil || len(j.Spec.Selector.MatchLabels) != 1 || j.Spec.Selector.MatchLabels[workload.ControllerUIDLabel] != uid {
		t.Fatalf("Apply returned selector %+v, want controller-uid=%s", j.Spec.Selector, uid)
	}
	for k, v := range map[string]string{workload.ControllerUIDLabel: uid, workload.LegacyControllerUIDLabel: uid, workload.JobNameLabel: "backup", workload.LegacyJobNameLabel: "backup"} {
		if j.Spec.Template.Labels[k] != v || j.Labels[k] != v {
			t.Errorf("label %s: template %q, job %q; want %q", k, j.Spec.Template.Labels[k], j.Labels[k], v)
		}
	}
	advance(t, c, time.Minute)
	j, err = orchestra.GetAs[*workload.Job](c, "default", "backup")
	if err != nil {
		t.Fatal(err)
	}
	if j.Generation != 1 || !jobComplete(j) {
		t.Fatalf("after its run: generation %d, conditions %+v; want 1 and Complete", j.Generation, j.Status.Conditions)
	}

	applyYAML(t, c, `
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: main, image: busybox}]
`)
	advance(t, c, 90*time.Second)
	jobs, err := orchestra.ListAs[*workload.Job](c, "default", "")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range jobs {
		if r := workload.ControllerOf(j); r == nil || r.Kind != "CronJob" {
			continue
		}
		n++
		if j.Generation != 1 || j.Spec.Selector == nil || j.Spec.Selector.MatchLabels[workload.ControllerUIDLabel] != j.UID {
			t.Errorf("CronJob's Job %s: generation %d, selector %+v", j.Name, j.Generation, j.Spec.Selector)
		}
	}
	if n == 0 {
		t.Fatal("the CronJob made no Job")
	}
}

func jobComplete(j *workload.Job) bool {
	for _, cd := range j.Status.Conditions {
		if cd.Type == workload.JobComplete && cd.Status == workload.ConditionTrue {
			return true
		}
	}
	return false
}
