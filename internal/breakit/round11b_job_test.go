package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
)

// While the replacement of a failed pod waits out the Job's back-off, the
// Job's status.active is the number of its pods that still run (here 1),
// never 0 with ready 1: Kubernetes' manageJob returned a hard-coded 0
// during the back-off, which the API server refuses (ready may not exceed
// active) and which left pods stuck Terminating (issue #139428, fixed by
// PR #139457). The replacement comes 10 s after the failure.
// Source: https://github.com/kubernetes/kubernetes/issues/139428,
// pkg/controller/job/job_controller.go manageJob.
func TestR11bJobActiveDuringBackoff(t *testing.T) {
	d := time.Hour
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "worker"}, RunFor: &d}}, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  completions: 4
  parallelism: 2
  template:
    spec: {restartPolicy: Never, containers: [{name: c, image: worker}]}`)
	advance(t, c, 4*time.Second)
	ps := pods(t, c, "")
	if len(ps) != 2 {
		t.Fatalf("%d pods at 4s, want 2", len(ps))
	}
	if err := c.Fake().KillContainer("default", ps[0].Name, "c", 1); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Duration{5 * time.Second, 9 * time.Second, 13 * time.Second} {
		advance(t, c, t0.Add(at).Sub(c.Now()))
		j := getJob(t, c, "j")
		if j.Status.Active != 1 || j.Status.Ready == nil || *j.Status.Ready != 1 || j.Status.Failed != 1 {
			t.Fatalf("at %v (back-off until 14s): active %d ready %v failed %d, want active 1, ready 1, failed 1",
				at, j.Status.Active, j.Status.Ready, j.Status.Failed)
		}
	}
	advance(t, c, t0.Add(15*time.Second).Sub(c.Now()))
	if j := getJob(t, c, "j"); j.Status.Active != 2 {
		t.Errorf("at 15s: active %d, want 2 (the replacement, 10 s after the failure at 4s)", j.Status.Active)
	}
}
