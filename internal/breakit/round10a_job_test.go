package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A Job that ends with more succeeded pods than completions says so: a
// Warning TooManySucceededPods "Too many succeeded pods running after
// completion count reached" before Completed. Here a Job with a manual
// selector adopts two pods that already succeeded (a Job made again over
// the pods of an earlier one, as in the bug reports), for one completion.
// Source: pkg/controller/job/job_controller.go recordJobFinished.
func TestR10aJobTooManySucceededPods(t *testing.T) {
	c := newCluster(t, "a")
	for _, name := range []string{"w-1", "w-2"} {
		applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: `+name+`, labels: {app: w}, annotations: {sim.orchestra.dev/run-for: "1s"}}
spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}`)
	}
	advance(t, c, time.Minute)
	for _, p := range pods(t, c, "app=w") {
		if p.Status.Phase != workload.PodSucceeded {
			t.Fatalf("pod %s %s, want Succeeded", p.Name, p.Status.Phase)
		}
	}
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  manualSelector: true
  selector: {matchLabels: {app: w}}
  completions: 1
  template:
    metadata: {labels: {app: w}}
    spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}`)
	advance(t, c, time.Minute)
	j := getJob(t, c, "j")
	if jobCond(j, workload.JobComplete) == nil || j.Status.Succeeded != 2 {
		t.Fatalf("succeeded %d conditions %s, want 2 and Complete", j.Status.Succeeded, condSummary(j.Status.Conditions))
	}
	var got []string
	for _, e := range c.Events() {
		if e.InvolvedObject.Name == "j" && (e.Reason == "TooManySucceededPods" || e.Reason == "Completed") {
			got = append(got, e.Type+" "+e.Reason+": "+e.Message)
		}
	}
	want := []string{"Warning TooManySucceededPods: Too many succeeded pods running after completion count reached", "Normal Completed: Job completed"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("events %q, want %q", got, want)
	}
}
