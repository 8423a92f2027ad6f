package breakit_test

import (
	"strings"
	"testing"

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
