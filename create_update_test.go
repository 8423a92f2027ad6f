package orchestra_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

func cuDeployment(replicas int32) *workload.Deployment {
	labels := map[string]string{"app": "web"}
	return &workload.Deployment{
		ObjectMeta: workload.ObjectMeta{Name: "web", Labels: map[string]string{"tier": "front"}},
		Spec: workload.DeploymentSpec{
			Replicas: workload.Ptr(replicas),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: "web:1"}}},
			},
		},
	}
}

// Create stores a new object and refuses one whose name is taken, with
// store.ErrAlreadyExists naming it, leaving the stored one as it was.
func TestCreateRefusesExisting(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	out, err := c.Create(cuDeployment(2))
	if err != nil {
		t.Fatal(err)
	}
	if out.GetObjectMeta().UID == "" || out.GetObjectMeta().ResourceVersion == "" {
		t.Fatalf("created object has no uid or resourceVersion: %+v", out.GetObjectMeta())
	}
	_, err = c.Create(cuDeployment(5))
	if !errors.Is(err, store.ErrAlreadyExists) || !strings.Contains(err.Error(), "Deployment/default/web") {
		t.Fatalf("second Create: %v, want ErrAlreadyExists naming Deployment/default/web", err)
	}
	got, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if *got.Spec.Replicas != 2 {
		t.Errorf("replicas %d after a refused Create, want 2", *got.Spec.Replicas)
	}

	// generateName: two Creates make two objects.
	for range 2 {
		d := cuDeployment(1)
		d.Name, d.GenerateName = "", "gen-"
		o, err := c.Create(d)
		if err != nil {
			t.Fatal(err)
		}
		if n := o.GetObjectMeta().Name; !strings.HasPrefix(n, "gen-") || len(n) <= len("gen-") {
			t.Errorf("generated name %q", n)
		}
	}
	if ds, _ := orchestra.ListAs[*workload.Deployment](c, "default", ""); len(ds) != 3 {
		t.Errorf("%d Deployments, want 3", len(ds))
	}

	// An invalid object is refused and changes nothing.
	bad := cuDeployment(-1)
	bad.Name = "bad"
	if _, err := c.Create(bad); !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "spec.replicas") {
		t.Errorf("Create with replicas -1: %v, want ErrInvalid naming spec.replicas", err)
	}
	if _, err := c.Get("Deployment", "default", "bad"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("invalid Deployment stored: %v", err)
	}
}

// Update is an optimistic-concurrency write: a stale resourceVersion (the
// controllers wrote the status since the Get) is a conflict that changes
// nothing; the fresh one, or none, writes.
func TestUpdateConflictsOnStaleResourceVersion(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	if _, err := c.Create(cuDeployment(3)); err != nil {
		t.Fatal(err)
	}
	stale, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	stale.Spec.Replicas = workload.Ptr[int32](1)
	_, err := c.Update(stale)
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "Deployment/default/web") || !strings.Contains(err.Error(), "has been modified") {
		t.Fatalf("Update with a stale resourceVersion: %v, want ErrConflict naming the object", err)
	}
	got, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if *got.Spec.Replicas != 3 {
		t.Fatalf("replicas %d after a conflicting Update, want 3", *got.Spec.Replicas)
	}
	if got.Status.Replicas != 3 {
		t.Fatalf("status.replicas %d: the test needs the controllers to have written the status", got.Status.Replicas)
	}

	// The fresh version writes, and keeps the status.
	got.Spec.Replicas = workload.Ptr[int32](1)
	got.Status.Replicas = 42 // ignored: the status is the system's
	out, err := c.Update(got)
	if err != nil {
		t.Fatal(err)
	}
	if d := out.(*workload.Deployment); *d.Spec.Replicas != 1 || d.Status.Replicas != 3 || d.ResourceVersion == got.ResourceVersion {
		t.Errorf("after Update: replicas %d, status.replicas %d, resourceVersion %s (was %s)", *d.Spec.Replicas, d.Status.Replicas, d.ResourceVersion, got.ResourceVersion)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if pods, _ := c.Pods("default", "app=web"); len(pods) != 1 {
		t.Errorf("%d pods after the Update to 1 replica, want 1", len(pods))
	}

	// No resourceVersion: unconditional.
	free := cuDeployment(2)
	if _, err := c.Update(free); err != nil {
		t.Fatalf("Update with no resourceVersion: %v", err)
	}
	if d, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web"); *d.Spec.Replicas != 2 {
		t.Errorf("replicas %d after an unconditional Update, want 2", *d.Spec.Replicas)
	}
}

// Update replaces the metadata it is given (nil finalizers and labels
// clear them, where Apply keeps the stored finalizers), refuses an object
// that is not stored or has no name, and refuses an invalid change.
func TestUpdateReplacesAndRefuses(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	d := cuDeployment(1)
	d.Finalizers = []string{"example.com/keep"}
	if _, err := c.Create(d); err != nil {
		t.Fatal(err)
	}

	a := cuDeployment(1) // no finalizers: Apply keeps the stored ones
	if _, err := c.Apply(a); err != nil {
		t.Fatal(err)
	}
	if got, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web"); len(got.Finalizers) != 1 {
		t.Fatalf("finalizers %v after Apply without any, want kept", got.Finalizers)
	}
	u := cuDeployment(1)
	u.Labels = nil
	if _, err := c.Update(u); err != nil {
		t.Fatal(err)
	}
	got, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	if len(got.Finalizers) != 0 || len(got.Labels) != 0 {
		t.Errorf("after Update without finalizers and labels: finalizers %v, labels %v, want none", got.Finalizers, got.Labels)
	}

	missing := cuDeployment(1)
	missing.Name = "nope"
	if _, err := c.Update(missing); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "Deployment/default/nope") {
		t.Errorf("Update of a missing object: %v, want ErrNotFound naming it", err)
	}
	if _, err := c.Get("Deployment", "default", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Update created the missing object: %v", err)
	}
	unnamed := cuDeployment(1)
	unnamed.Name, unnamed.GenerateName = "", "x-"
	if _, err := c.Update(unnamed); !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "metadata.name") {
		t.Errorf("Update without a name: %v, want ErrInvalid naming metadata.name", err)
	}

	before, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web")
	sel := cuDeployment(1)
	sel.ResourceVersion = before.ResourceVersion
	sel.Spec.Selector = &workload.LabelSelector{MatchLabels: map[string]string{"app": "other"}}
	sel.Spec.Template.Labels = map[string]string{"app": "other"}
	if _, err := c.Update(sel); !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "spec.selector") {
		t.Errorf("Update of the selector: %v, want ErrInvalid naming spec.selector", err)
	}
	if after, _ := orchestra.GetAs[*workload.Deployment](c, "default", "web"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("a refused Update wrote the object: resourceVersion %s, was %s", after.ResourceVersion, before.ResourceVersion)
	}

	c.Close()
	if _, err := c.Create(cuDeployment(1)); !errors.Is(err, orchestra.ErrClosed) {
		t.Errorf("Create on a closed cluster: %v", err)
	}
	if _, err := c.Update(cuDeployment(1)); !errors.Is(err, orchestra.ErrClosed) {
		t.Errorf("Update on a closed cluster: %v", err)
	}
	if _, err := c.Update(nil); !errors.Is(err, workload.ErrInvalid) {
		t.Errorf("Update(nil): %v", err)
	}
}
