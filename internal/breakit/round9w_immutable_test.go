package breakit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// r9wApply decodes one object and applies it, returning Apply's error.
func r9wApply(t *testing.T, c *orchestra.Cluster, y string) error {
	t.Helper()
	objs, _, err := workload.Decode([]byte(y), t.Name()+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply(objs[0])
	return err
}

// An update that leaves an immutable field semantically the same is no
// change: the API server compares immutable fields with
// apimachinery's equality.Semantic.DeepEqual (ValidateImmutableField,
// ValidateStatefulSetUpdate), under which quantities compare by value
// ("1000m" is "1", "1024Mi" is "1Gi") and a nil map or slice equals an
// empty one. Re-applying a Job whose container requests are written
// another way, or with `nodeSelector: {}`, is accepted; so is a
// StatefulSet whose volumeClaimTemplates ask for 1024Mi instead of 1Gi. A
// real change is refused, naming the object and the field, and changes
// nothing. Sources: staging/src/k8s.io/apimachinery/pkg/api/equality/
// semantic.go (Semantic: resource.Quantity a.Cmp(b) == 0);
// third_party/forked/golang/reflect/deep_equal.go ("An empty slice *is*
// equal to a nil slice"); pkg/apis/batch/validation/validation.go
// validatePodTemplateUpdate; pkg/apis/apps/validation/validation.go
// ValidateStatefulSetUpdate.
func TestR9wImmutableFieldsCompareSemantically(t *testing.T) {
	c := newCluster(t, "a")
	job := func(cpu, mem, extra string) string {
		return `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: 1h}}
    spec:
      restartPolicy: Never` + extra + `
      containers: [{name: c, image: x, resources: {requests: {cpu: "` + cpu + `", memory: ` + mem + `}}}]`
	}
	sts := func(size string) string {
		return `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: x}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: ` + size + `}}`
	}
	if err := r9wApply(t, c, job("1", "1Gi", "")); err != nil {
		t.Fatal(err)
	}
	if err := r9wApply(t, c, sts("1Gi")); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	jobPods := len(pods(t, c, "job-name=j"))

	for _, tc := range []struct{ what, y string }{
		{"Job requests 1000m and 1024Mi for 1 and 1Gi", job("1000m", "1024Mi", "")},
		{"Job with nodeSelector: {} for none", job("1", "1Gi", "\n      nodeSelector: {}")},
		{"StatefulSet claim of 1024Mi for 1Gi", sts("1024Mi")},
	} {
		if err := r9wApply(t, c, tc.y); err != nil {
			t.Errorf("%s: %v, want accepted (semantically the same)", tc.what, err)
		}
	}
	advance(t, c, time.Minute)
	if n := len(pods(t, c, "job-name=j")); n != jobPods {
		t.Errorf("Job pods %d after the no-op updates, want %d", n, jobPods)
	}

	for _, tc := range []struct{ what, y, ref, field string }{
		{"Job requests 2 cpus", job("2", "1Gi", ""), "Job/default/j", "spec.template"},
		{"StatefulSet claim of 2Gi", sts("2Gi"), "StatefulSet/default/db", "spec.volumeClaimTemplates"},
	} {
		err := r9wApply(t, c, tc.y)
		if err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), tc.ref) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v, want an invalid error naming %s and %s", tc.what, err, tc.ref, tc.field)
		}
	}
	o, err := c.Get("StatefulSet", "default", "db")
	if err != nil {
		t.Fatal(err)
	}
	q := o.(*workload.StatefulSet).Spec.VolumeClaimTemplates[0].Spec.Resources.Requests["storage"]
	if q.Cmp(resource.MustParse("1Gi")) != 0 {
		t.Errorf("claim template storage %s after a refused update, want 1Gi", q.String())
	}
	j := getJob(t, c, "j")
	if cpu := j.Spec.Template.Spec.Containers[0].Resources.Requests["cpu"]; cpu.Cmp(resource.MustParse("1")) != 0 {
		t.Errorf("Job cpu request %s after a refused update, want 1", cpu.String())
	}
}
