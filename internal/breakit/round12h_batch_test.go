package breakit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A successPolicy range must name at least two indexes: Kubernetes'
// parseIndexInterval (pkg/apis/batch/validation) refuses "1-1" with
// "non-increasing order", so the API server rejects the Job. orchestra's
// controller refused it too (InvalidJob), but only after Apply had
// accepted it: the Job sat there and never ran.
func TestR12hJobSuccessPolicySingleIndexRangeRefused(t *testing.T) {
	c := newCluster(t, "a")
	objs, _, err := workload.Decode([]byte(`
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  completions: 3
  parallelism: 3
  completionMode: Indexed
  successPolicy: {rules: [{succeededIndexes: "0,2-2"}]}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`), "j.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply(objs[0])
	if err == nil || !strings.Contains(err.Error(), "spec.successPolicy.rules[0].succeededIndexes") {
		t.Fatalf("Apply = %v, want an error naming spec.successPolicy.rules[0].succeededIndexes", err)
	}
	if _, err := c.Get("Job", "default", "j"); err == nil {
		t.Errorf("the refused Job was stored")
	}
}

// Elastic Indexed Jobs: completions may change when it equals the new
// parallelism, whatever the two were before (Kubernetes'
// validateCompletions, pkg/apis/batch/validation, checks only the new
// spec). A Job made with completions 6 and parallelism 2 may become 3 and
// 3; it then needs indexes 0-2 only. orchestra refused the change unless
// the old completions had equalled the old parallelism too.
func TestR12hJobElasticFromUnequal(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  completions: 6
  parallelism: 2
  completionMode: Indexed
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: "1m"}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`)
	advance(t, c, time.Second)
	j := getJob(t, c, "j")
	j.Spec.Completions = workload.Ptr[int32](3)
	j.Spec.Parallelism = workload.Ptr[int32](3)
	if _, err := c.Apply(j); err != nil {
		t.Fatalf("completions 6/parallelism 2 -> 3/3 refused: %v", err)
	}
	advance(t, c, 5*time.Minute)
	j = getJob(t, c, "j")
	if jobCond(j, workload.JobComplete) == nil || j.Status.CompletedIndexes != "0-2" || j.Status.Succeeded != 3 {
		t.Errorf("completedIndexes %q succeeded %d conditions %s, want Complete with 0-2 and 3", j.Status.CompletedIndexes, j.Status.Succeeded, condSummary(j.Status.Conditions))
	}
}
