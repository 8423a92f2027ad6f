package breakit_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// A CronJob's jobTemplate may set neither spec.selector nor
// spec.manualSelector true: the selector of every Job it makes is
// generated. Kubernetes' API server rejects such a CronJob ("`selector`
// will be auto-generated"; manualSelector: Unsupported value, supported
// values "nil", "false"); accepted, its Jobs would each be refused. The
// error names the CronJob and the field, and nothing is stored.
// Source: pkg/apis/batch/validation/validation.go ValidateJobTemplateSpec.
func TestR8CronJobTemplateSelectorRejected(t *testing.T) {
	for _, tc := range []struct{ name, jobSpec, field string }{
		{"selector", "selector: {matchLabels: {a: b}}, ", "spec.jobTemplate.spec.selector"},
		{"manualSelector", "manualSelector: true, selector: {matchLabels: {a: b}}, ", "spec.jobTemplate.spec.manualSelector"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, "a")
			objs, _, err := workload.Decode([]byte(`
apiVersion: batch/v1
kind: CronJob
metadata: {name: cj}
spec:
  schedule: "* * * * *"
  jobTemplate: {spec: {`+tc.jobSpec+`template: {metadata: {labels: {a: b}}, spec: {restartPolicy: Never, containers: [{name: c, image: x}]}}}}`), "cj.yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Apply(objs[0])
			if err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "CronJob/default/cj") || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("Apply: %v, want an invalid-object error naming CronJob/default/cj and %s", err, tc.field)
			}
			if _, err := c.Get("CronJob", "default", "cj"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get after the refused Apply: %v, want not found", err)
			}
		})
	}
}
