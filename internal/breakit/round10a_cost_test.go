package breakit_test

import (
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// controller.kubernetes.io/pod-deletion-cost must be a 32-bit integer
// written plainly (no plus sign, no leading zeros), on a pod and on a pod
// template: the API server refuses anything else ("must be a 32bit
// integer"), so a typo does not silently rank the pod as cost 0 at
// scale-down. Source: pkg/apis/core/validation ValidatePodSpecificAnnotations
// (called for pods and from ValidatePodTemplateSpec),
// pkg/apis/core/helper GetDeletionCostFromPodAnnotations (validFirstDigit);
// https://kubernetes.io/docs/reference/labels-annotations-taints/#pod-deletion-cost
func TestR10aPodDeletionCostValidated(t *testing.T) {
	c := newCluster(t, "a")
	pod := func(cost string) string {
		return `
apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {controller.kubernetes.io/pod-deletion-cost: "` + cost + `"}}
spec: {containers: [{name: c, image: x}]}`
	}
	deploy := func(cost string) string {
		return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}, annotations: {controller.kubernetes.io/pod-deletion-cost: "` + cost + `"}}
    spec: {containers: [{name: c, image: x}]}`
	}
	apply := func(y string) error {
		objs, _, err := workload.Decode([]byte(y), "t.yaml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Apply(objs[0])
		return err
	}
	for _, bad := range []string{"abc", "+10", "008", "", "2147483648", "1.5"} {
		err := apply(pod(bad))
		if err == nil || !strings.Contains(err.Error(), "metadata.annotations[controller.kubernetes.io/pod-deletion-cost]") ||
			!strings.Contains(err.Error(), "must be a 32bit integer") {
			t.Errorf("pod with deletion cost %q: %v, want refused naming the annotation", bad, err)
		}
		err = apply(deploy(bad))
		if err == nil || !strings.Contains(err.Error(), "spec.template.metadata.annotations[controller.kubernetes.io/pod-deletion-cost]") {
			t.Errorf("Deployment template with deletion cost %q: %v, want refused naming the annotation", bad, err)
		}
	}
	if got := pods(t, c, ""); len(got) != 0 {
		t.Fatalf("refused pods stored: %d", len(got))
	}
	for _, good := range []string{"-2147483648", "-5", "0", "100", "2147483647"} {
		if err := apply(pod(good)); err != nil {
			t.Errorf("pod with deletion cost %q: %v, want accepted", good, err)
		}
	}
	if err := apply(deploy("-7")); err != nil {
		t.Errorf("Deployment template with deletion cost -7: %v", err)
	}
	// Annotating a running pod with a bad cost is refused too.
	if err := apply(pod("x1")); err == nil {
		t.Errorf("pod updated to deletion cost x1: accepted")
	}
}
