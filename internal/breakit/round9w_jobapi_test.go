package breakit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// A Job without manualSelector gets its selector and the labels it
// selects from the system; a Job that brings its own is refused when it is
// created, as the API server's ValidateGeneratedSelector refuses it: a
// selector that is not the generated one ("`selector` not auto-generated"),
// or a template label job-name or controller-uid (either spelling) with
// another value than the Job's name or uid ("must be 'j'"). Apply used to
// accept such a Job, whose controller then refused it with a warning
// event, leaving a Job that never runs; or it overwrote the user's
// job-name label. The object and the field are named and nothing is
// stored. A Job read back from the cluster, generated selector and labels
// included, applies again unchanged; applied once its Job is gone, it is
// a new Job with a new uid, and its old selector is refused as in
// Kubernetes. Source: pkg/apis/batch/validation/validation.go
// ValidateGeneratedSelector, ValidateHasLabel in
// pkg/apis/core/validation; pkg/registry/batch/job/strategy.go
// generateSelector.
func TestR9wJobOwnSelectorWithoutManualSelectorRefused(t *testing.T) {
	c := newCluster(t, "a")
	job := func(extra, labels string) string {
		return `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:` + extra + `
  template:
    metadata: {labels: ` + labels + `}
    spec: {restartPolicy: Never, containers: [{name: c, image: x}]}`
	}
	for _, tc := range []struct{ what, y, field, detail string }{
		{"a selector of its own", job("\n  selector: {matchLabels: {app: x}}", "{app: x}"), "spec.selector", "`selector` not auto-generated"},
		{"job-name of another Job", job("", "{job-name: other}"), "spec.template.metadata.labels[job-name]", "must be 'j'"},
		{"batch.kubernetes.io/job-name of another Job", job("", "{batch.kubernetes.io/job-name: other}"), "spec.template.metadata.labels[batch.kubernetes.io/job-name]", "must be 'j'"},
		{"a controller-uid of its own", job("", "{batch.kubernetes.io/controller-uid: abc}"), "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]", ""},
	} {
		err := r9wApply(t, c, tc.y)
		if err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "Job/default/j") ||
			!strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), tc.detail) {
			t.Errorf("%s: %v, want invalid naming Job/default/j, %s and %q", tc.what, err, tc.field, tc.detail)
		}
		if _, err := c.Get("Job", "default", "j"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: a refused Job was stored (%v)", tc.what, err)
		}
	}

	// Its own name as job-name is what the system sets anyway: fine.
	if err := r9wApply(t, c, job("", "{job-name: j, app: x}")); err != nil {
		t.Fatal(err)
	}
	runUntil(t, c, time.Hour, "Job complete", func() bool { return jobCond(getJob(t, c, "j"), workload.JobComplete) != nil })
	dump := getJob(t, c, "j")
	if _, err := c.Apply(dump.DeepCopy()); err != nil {
		t.Errorf("applying the Job as read back: %v", err)
	}
	if err := c.Delete("Job", "default", "j", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	fresh := dump.DeepCopy()
	fresh.ResourceVersion = ""
	_, err := c.Apply(fresh)
	if err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "spec.selector") {
		t.Errorf("creating a Job from another Job's dump (its uid and generated selector): %v, want spec.selector refused", err)
	}
}
