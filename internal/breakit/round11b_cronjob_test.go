package breakit_test

import (
	"strings"
	"testing"
	"time"
)

// A Job made by hand from a CronJob ("kubectl create job --from=cronjob/cj
// manual", which gives it the CronJob as controller) is not one of the
// CronJob's scheduled runs: the controller reports it (UnexpectedJob) but
// leaves it out of status.active, so a Forbid CronJob still starts its
// next slot while it runs, and no SawCompletedJob is reported when it
// ends. Its success still sets status.lastSuccessfulTime (issue #118276,
// fixed by PR #118530). Source: pkg/controller/cronjob/cronjob_controllerv2.go
// syncCronJob; https://github.com/kubernetes/kubernetes/issues/118276.
func TestR11bCronJobManualJobFromCronJob(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: CronJob
metadata: {name: cj}
spec:
  schedule: "*/5 * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: c, image: x}]}`)
	advance(t, c, time.Minute)
	cj := getCron(t, c, "cj")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata:
  name: manual
  annotations: {cronjob.kubernetes.io/instantiate: manual}
  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: cj, uid: `+cj.UID+`, controller: true, blockOwnerDeletion: true}]
spec:
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: 10m}}
    spec: {restartPolicy: Never, containers: [{name: c, image: x}]}`)
	advance(t, c, 10*time.Second)
	if cj := getCron(t, c, "cj"); len(cj.Status.Active) != 0 {
		t.Fatalf("status.active %v: a hand-made Job is not a scheduled run", cj.Status.Active)
	}
	if evs := strings.Join(eventsFor(c, "cj"), "\n"); !strings.Contains(evs, "UnexpectedJob: Saw a job that the controller did not create or forgot: manual") {
		t.Errorf("events\n%s\nwant UnexpectedJob for manual", evs)
	}
	// The 00:05 slot starts although manual runs until 00:11:00 (its Job
	// runs 10s: look at 00:05:05).
	advance(t, c, 3*time.Minute+55*time.Second)
	slot := minutesName("cj", t0.Add(5*time.Minute))
	if getJob(t, c, slot) == nil {
		t.Fatalf("no Job %s: Forbid must not count the hand-made Job", slot)
	}
	cj = getCron(t, c, "cj")
	if len(cj.Status.Active) != 1 || cj.Status.Active[0].Name != slot {
		t.Errorf("status.active %v, want only %s", cj.Status.Active, slot)
	}
	// manual succeeds at 00:11:00 (created at 00:01:00, runs 10m).
	advance(t, c, 6*time.Minute)
	cj = getCron(t, c, "cj")
	if got := since(cj.Status.LastSuccessfulTime); got != "11m0s" {
		t.Errorf("lastSuccessfulTime %s, want 11m0s (manual's completion)", got)
	}
	for _, e := range eventsFor(c, "cj") {
		if strings.HasPrefix(e, "SawCompletedJob") && strings.Contains(e, "job: manual,") {
			t.Errorf("event %q: manual was never in status.active", e)
		}
	}
}
