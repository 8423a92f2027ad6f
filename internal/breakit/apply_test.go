package breakit_test

import (
	"errors"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// kubectl apply of an unchanged manifest is a no-op. Cluster.Apply of an
// unchanged Pod manifest fails once the pod is scheduled: the manifest has
// no spec.nodeName, the stored pod has one, and ValidateUpdate refuses the
// "change". Cause: Cluster.Apply (cluster.go, keepSystemFields) carries over
// system-set fields for Jobs only, not a Pod's spec.nodeName.
func TestReapplyUnchangedPodFailsAfterScheduling(t *testing.T) {
	c := newCluster(t, "a")
	const pod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}`
	applyYAML(t, c, pod)
	advance(t, c, time.Minute)
	objs, _, err := workload.Decode([]byte(pod), "pod.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(objs[0]); err != nil {
		t.Fatalf("re-applying the unchanged manifest: %v", err)
	}
	got, err := c.Get("Pod", "default", "p")
	if err != nil {
		t.Fatal(err)
	}
	if p := got.(*workload.Pod); p.Spec.NodeName != "a" || p.Status.Phase != workload.PodRunning {
		t.Errorf("after re-apply: node %q phase %s, want a Running", p.Spec.NodeName, p.Status.Phase)
	}
}

// Kubernetes ignores the status of an object on create (the status
// subresource is reset by the registry's PrepareForCreate), so a manifest
// saved with `kubectl get -o yaml` runs again when applied. Cluster.Apply
// stores the status as given: a Job applied with a Complete condition
// never creates a pod, and a Pod applied with phase Succeeded is bound and
// reported Succeeded without ever running.
func TestApplyKeepsStatusOnCreate(t *testing.T) {
	t.Run("Job", func(t *testing.T) {
		c := newCluster(t, "a")
		applyYAML(t, c, `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},
			"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]}}},
			"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}`)
		advance(t, c, time.Hour)
		if ps := pods(t, c, "job-name=j"); len(ps) == 0 {
			o, _ := c.Get("Job", "default", "j")
			t.Errorf("the Job never ran a pod; its status as applied was kept: %+v", o.(*workload.Job).Status)
		}
	})
	t.Run("Pod", func(t *testing.T) {
		c := newCluster(t, "a")
		applyYAML(t, c, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
			"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]},
			"status":{"phase":"Succeeded"}}`)
		o, err := c.Get("Pod", "default", "p")
		if err != nil {
			t.Fatal(err)
		}
		if ph := o.(*workload.Pod).Status.Phase; ph != workload.PodPending && ph != "" {
			t.Errorf("a new pod's phase is %q as applied, want Pending", ph)
		}
	})
}

// The CronJob controller refuses "@every" schedules (controller/
// cronjob_schedule.go: no wall-clock slots) with only a warning event,
// while workload.Validate accepts them, so Apply succeeds and the CronJob
// silently never runs. Either Validate must refuse it (bad input gets a
// clear error naming the field, DESIGN.md) or the controller must run it
// as Kubernetes does (robfig's ConstantDelaySchedule: every 90 s from the
// last run).
func TestApplyAcceptsEveryScheduleThatNeverRuns(t *testing.T) {
	c := newCluster(t, "a")
	objs, _, err := workload.Decode([]byte(`{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"cj"},
		"spec":{"schedule":"@every 90s","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]}}}}}}`), "cj.json")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply(objs[0])
	if err != nil {
		if !errors.Is(err, workload.ErrInvalid) {
			t.Fatalf("apply: %v, want an error wrapping workload.ErrInvalid", err)
		}
		return // refused clearly: fine
	}
	advance(t, c, 10*time.Minute)
	jobs, err := c.List("Job", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) == 0 {
		t.Error("Apply accepted schedule \"@every 90s\" but no Job ran in 10 minutes")
	}
}
