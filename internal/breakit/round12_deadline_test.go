package breakit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// TestR12PodActiveDeadlineAboveInt32Refused: Kubernetes' ValidatePodSpec
// takes a pod's activeDeadlineSeconds between 1 and math.MaxInt32
// (InclusiveRangeError(1, MaxInt32)), in a pod and in a Job's pod
// template. orchestra refused only values below 1: a pod with
// activeDeadlineSeconds 2^63-1 was accepted, and the deadline overflowed
// time.Duration so that the pod was failed (DeadlineExceeded) at once
// instead of never.
func TestR12PodActiveDeadlineAboveInt32Refused(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, field string
	}{
		{"pod", `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  activeDeadlineSeconds: 9223372036854775807
  restartPolicy: Never
  containers: [{name: c, image: busybox}]
`, "spec.activeDeadlineSeconds"},
		{"pod-int32+1", `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  activeDeadlineSeconds: 2147483648
  restartPolicy: Never
  containers: [{name: c, image: busybox}]
`, "spec.activeDeadlineSeconds"},
		{"job-template", `apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      activeDeadlineSeconds: 9223372036854775807
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
`, "spec.template.spec.activeDeadlineSeconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, "n1")
			objs, _, err := workload.Decode([]byte(tc.yaml), tc.name+".yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Apply(objs[0])
			if err == nil {
				advance(t, c, time.Minute)
				for _, p := range pods(t, c, "") {
					t.Logf("pod %s: phase %s reason %q", p.Name, p.Status.Phase, p.Status.Reason)
				}
				t.Fatalf("apply accepted activeDeadlineSeconds above 2147483647; want an error naming %s", tc.field)
			}
			if !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "2147483647") {
				t.Fatalf("error %v: want workload.ErrInvalid naming %s and the limit", err, tc.field)
			}
			if n := len(pods(t, c, "")); n != 0 {
				t.Fatalf("%d pods after a refused apply", n)
			}
		})
	}
	// The limit itself is valid.
	c := newCluster(t, "n1")
	applyYAML(t, c, `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  activeDeadlineSeconds: 2147483647
  restartPolicy: Never
  containers: [{name: c, image: busybox}]
`)
}
