package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// Kubernetes accepts a Job without manualSelector whose own selector
// matches the labels the API server generates: generateSelector
// (pkg/registry/batch/job/strategy.go) adds
// batch.kubernetes.io/controller-uid=<uid> to the selector's matchLabels
// and the job-name and controller-uid labels, in both spellings, to the
// template where absent; validateGeneratedSelector
// (pkg/apis/batch/validation/validation.go) then only asks that the
// selector match those labels ("`selector` not auto-generated" otherwise).
// A selector on job-name is therefore valid, and the Job runs. orchestra
// (eeebeb3) accepted only the generated selector itself and refused this
// Job on Apply.
func TestR10rJobSelectorOnGeneratedLabelsAccepted(t *testing.T) {
	c := newCluster(t, "a")
	y := `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  selector: {matchLabels: {batch.kubernetes.io/job-name: j}}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: x}]
`
	applyYAML(t, c, y)
	advance(t, c, time.Minute)
	o := r3get(t, c, "Job", "default", "j")
	if o == nil {
		t.Fatal("Job j not stored")
	}
	j := o.(*workload.Job)
	if sel := j.Spec.Selector; sel == nil || sel.MatchLabels[workload.JobNameLabel] != "j" || sel.MatchLabels[workload.ControllerUIDLabel] != j.UID {
		t.Errorf("selector %+v, want job-name=j and the generated controller-uid=%s", sel, j.UID)
	}
	if j.Status.Succeeded != 1 {
		t.Errorf("succeeded %d, want 1", j.Status.Succeeded)
	}
	// Applied again (kubectl apply keeps what the API server added), and
	// read back and applied.
	applyYAML(t, c, y)
	if _, err := c.Apply(r3get(t, c, "Job", "default", "j")); err != nil {
		t.Errorf("the Job read back and applied: %v", err)
	}
	// A selector expression on the generated labels is valid too.
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: e}
spec:
  selector:
    matchExpressions:
    - {key: job-name, operator: In, values: [e]}
    - {key: controller-uid, operator: Exists}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: x}]
`)
	advance(t, c, time.Minute)
	if e := r3get(t, c, "Job", "default", "e").(*workload.Job); e.Status.Succeeded != 1 || e.Spec.Selector.MatchLabels[workload.ControllerUIDLabel] != e.UID {
		t.Errorf("Job e: succeeded %d, selector %+v; want 1 and controller-uid=%s added", e.Status.Succeeded, e.Spec.Selector, e.UID)
	}
	// A selector that the generated labels do not match is refused.
	objs, _, err := workload.Decode([]byte(`
apiVersion: batch/v1
kind: Job
metadata: {name: k}
spec:
  selector: {matchLabels: {app: k}}
  template:
    metadata: {labels: {app: k}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: x}]
`), "k.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply(objs[0])
	want := "workload: invalid object Job/default/k: spec.selector: Invalid value: \"app=k\": `selector` not auto-generated"
	if err == nil || err.Error() != want {
		t.Errorf("a Job selecting app=k without manualSelector: %v, want %s", err, want)
	}
}
