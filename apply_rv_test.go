package orchestra_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// Apply is last-write-wins, as its doc says: an object read with Get,
// changed and applied after the controllers have written the stored one
// (a stale resourceVersion) replaces the spec, with no conflict; one read
// before the object was deleted and created again (another uid) is refused.
func TestApplyIgnoresStaleResourceVersion(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	labels := map[string]string{"app": "web"}
	d := &workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr[int32](3),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: "web:1"}}},
			},
		},
	}
	if _, err := c.Apply(d); err != nil {
		t.Fatal(err)
	}
	stale, err := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil { // the controllers write the status
		t.Fatal(err)
	}
	now, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if now.ResourceVersion == stale.ResourceVersion {
		t.Fatalf("resourceVersion %s unchanged after a minute: the test needs a stale one", now.ResourceVersion)
	}
	stale.Spec.Replicas = workload.Ptr[int32](1)
	if _, err := c.Apply(stale); err != nil {
		t.Fatalf("Apply with a stale resourceVersion: %v, want it applied", err)
	}
	if got, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web"); *got.Spec.Replicas != 1 {
		t.Errorf("replicas %d after the Apply, want 1", *got.Spec.Replicas)
	}

	if err := c.Delete("Deployment", "default", "web", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(d); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(stale); err == nil {
		t.Error("Apply of an object with the uid of a deleted incarnation succeeded, want metadata.uid refused")
	}
}
