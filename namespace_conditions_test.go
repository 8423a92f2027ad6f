package orchestra_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// TestNamespaceDeletionConditions: a Namespace being deleted carries the
// five conditions of Kubernetes' namespace deleter
// (pkg/controller/namespace/deletion/status_condition_utils.go):
// NamespaceContentRemaining and NamespaceFinalizersRemaining True, naming
// what is left ("pods. has 1 resource instances") and the finalizers
// holding it, the other three False with their ok reasons; the remaining
// content follows the deletions, pods first and the rest only once they
// are gone (ordered namespace deletion, KEP-5080, locked on since 1.34).
func TestNamespaceDeletionConditions(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	for _, o := range []workload.Object{
		&workload.Namespace{ObjectMeta: workload.ObjectMeta{Name: "team"}},
		&workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "team"},
			Spec: workload.PodSpec{
				TerminationGracePeriodSeconds: workload.Ptr[int64](30),
				Containers:                    []workload.Container{{Name: "main", Image: "nginx"}},
			},
		},
		&workload.Service{
			ObjectMeta: workload.ObjectMeta{Name: "held", Namespace: "team", Finalizers: []string{"example.com/hold"}},
			Spec:       workload.ServiceSpec{Ports: []workload.ServicePort{{Port: 80}}},
		},
	} {
		if _, err := c.Apply(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Advance(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Namespace", "", "team", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	type cond struct{ status, reason, message string }
	check := func(when string, want map[string]cond) {
		t.Helper()
		o, err := c.Get("Namespace", "", "team")
		if err != nil {
			t.Fatal(err)
		}
		got := o.(*workload.Namespace).Status.Conditions
		if len(got) != 5 {
			t.Errorf("%s: %d conditions %+v, want 5", when, len(got), got)
		}
		for _, g := range got {
			w, ok := want[g.Type]
			if !ok {
				t.Errorf("%s: unexpected condition %s", when, g.Type)
				continue
			}
			if (cond{g.Status, g.Reason, g.Message}) != w {
				t.Errorf("%s: %s = %s %s %q, want %s %s %q", when, g.Type, g.Status, g.Reason, g.Message, w.status, w.reason, w.message)
			}
			if g.LastTransitionTime.IsZero() {
				t.Errorf("%s: %s has no lastTransitionTime", when, g.Type)
			}
		}
	}
	ok := map[string]cond{
		workload.NamespaceDeletionDiscoveryFailure: {"False", "ResourcesDiscovered", "All resources successfully discovered"},
		workload.NamespaceDeletionGVParsingFailure: {"False", "ParsedGroupVersions", "All legacy kube types successfully parsed"},
		workload.NamespaceDeletionContentFailure:   {"False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
	}
	// Pods first (ordered namespace deletion): the Service is not
	// deleted, nor counted, while the pod terminates.
	want := map[string]cond{
		workload.NamespaceContentRemaining: {"True", "SomeResourcesRemain",
			"Some resources are remaining: pods. has 1 resource instances"},
		workload.NamespaceFinalizersRemaining: {"False", "ContentHasNoFinalizers", "All content-preserving finalizers finished"},
	}
	for k, v := range ok {
		want[k] = v
	}
	check("pod terminating", want)
	if s, err := c.Get("Service", "team", "held"); err != nil || s.GetObjectMeta().DeletionTimestamp != nil {
		t.Errorf("Service while the namespace's pod terminates: %v, want it there, not deleted yet", err)
	}

	if err := c.Advance(31 * time.Second); err != nil {
		t.Fatal(err)
	}
	want[workload.NamespaceContentRemaining] = cond{"True", "SomeResourcesRemain", "Some resources are remaining: services. has 1 resource instances"}
	want[workload.NamespaceFinalizersRemaining] = cond{"True", "SomeFinalizersRemain",
		"Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"}
	check("pod gone, service held", want)

	if err := c.Store().RemoveFinalizer("Service", "team", "held", "", "example.com/hold"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("Namespace", "", "team"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Namespace once its content went: %v, want not found", err)
	}
}

// TestNamespaceCreateDropsConditions: as the API server's namespace
// strategy (PrepareForCreate sets the whole status to Active), conditions a
// manifest brings are dropped on create.
func TestNamespaceCreateDropsConditions(t *testing.T) {
	c := newVirtualCluster(t)
	o, err := c.Apply(&workload.Namespace{
		ObjectMeta: workload.ObjectMeta{Name: "team"},
		Status: workload.NamespaceStatus{Conditions: []workload.NamespaceCondition{
			{Type: workload.NamespaceContentRemaining, Status: "True", Reason: "SomeResourcesRemain"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := o.(*workload.Namespace).Status; st.Phase != workload.NamespaceActive || len(st.Conditions) != 0 {
		t.Fatalf("created Namespace status %+v, want Active with no conditions", st)
	}
}

// TestNamespaceDeletedTwiceConflicts: deleting a Namespace that is already
// Terminating is a Conflict while its spec.finalizers remain, as the
// namespace registry's Delete answers (kubectl delete ns twice: "Operation
// cannot be fulfilled on namespaces ...: The system is ensuring all
// content is removed from this namespace...").
func TestNamespaceDeletedTwiceConflicts(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	for _, o := range []workload.Object{
		&workload.Namespace{ObjectMeta: workload.ObjectMeta{Name: "team"}},
		&workload.Service{
			ObjectMeta: workload.ObjectMeta{Name: "held", Namespace: "team", Finalizers: []string{"example.com/hold"}},
			Spec:       workload.ServiceSpec{Ports: []workload.ServicePort{{Port: 80}}},
		},
	} {
		if _, err := c.Apply(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Delete("Namespace", "", "team", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	err := c.Delete("Namespace", "", "team", "")
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), `Operation cannot be fulfilled on namespaces "team": The system is ensuring all content is removed from this namespace.`) {
		t.Fatalf("second delete of the Terminating Namespace: %v, want ErrConflict saying the system is ensuring all content is removed", err)
	}
	if _, err := c.Get("Namespace", "", "team"); err != nil {
		t.Fatalf("Namespace after the refused delete: %v", err)
	}
}
