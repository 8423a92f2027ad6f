package store

import (
	"slices"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

func TestRemoveFinalizer(t *testing.T) {
	s := New(Config{})
	if _, err := s.Create(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "default", Finalizers: []string{"a", "b"}, Labels: map[string]string{"x": "y"}}}); err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch("Pod", s.ResourceVersion())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := s.RemoveFinalizer("Pod", "default", "p", "wrong-uid", "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveFinalizer("Pod", "default", "p", "", "a"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get("Pod", "default", "p")
	if f := got.GetObjectMeta().Finalizers; len(f) != 1 || f[0] != "b" || got.GetObjectMeta().Labels["x"] != "y" {
		t.Fatalf("finalizers %v labels %v, want [b] and the labels kept", f, got.GetObjectMeta().Labels)
	}
	if ev, ok := w.TryNext(); !ok || ev.Type != Modified {
		t.Fatalf("event %v %v, want one MODIFIED (the wrong uid changed nothing)", ev.Type, ok)
	}
	// Being deleted: the last finalizer's removal removes the object.
	if _, err := s.Delete("Pod", "default", "p", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveFinalizer("Pod", "default", "p", got.GetObjectMeta().UID, "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("Pod", "default", "p"); err == nil {
		t.Fatal("a deleted object kept after its last finalizer went")
	}
	// Gone or absent finalizer: not an error.
	if err := s.RemoveFinalizer("Pod", "default", "p", "", "b"); err != nil {
		t.Fatal(err)
	}
}

// A promised finalizer makes a Delete graceful as if it were there: the
// object is marked deleted and keeps it; other objects, and the object
// once the promises are forgotten, are removed at once.
func TestPromiseFinalizer(t *testing.T) {
	s := New(Config{})
	mk := func(name string) string {
		o, err := s.Create(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default"}})
		if err != nil {
			t.Fatal(err)
		}
		return o.GetObjectMeta().UID
	}
	grace := int64(20)
	del := func(name string) workload.Object {
		if _, err := s.Delete("Pod", "default", name, DeleteOptions{GracePeriodSeconds: &grace}); err != nil {
			t.Fatal(err)
		}
		o, _ := s.Get("Pod", "default", name)
		return o
	}
	s.PromiseFinalizer(mk("promised"), "x/runtime")
	mk("other")
	if o := del("promised"); o == nil || o.GetObjectMeta().DeletionTimestamp == nil ||
		len(o.GetObjectMeta().Finalizers) != 1 || o.GetObjectMeta().Finalizers[0] != "x/runtime" ||
		*o.GetObjectMeta().DeletionGracePeriodSeconds != 20 {
		t.Errorf("the promised pod after Delete: %+v, want it terminating with its promised finalizer and grace 20", o)
	}
	if o := del("other"); o != nil {
		t.Errorf("a pod with no finalizer, promised or not, is still there: %+v", o)
	}
	s.ForgetPromisedFinalizers()
	s.PromiseFinalizer("gone-uid", "x/runtime")
	s.ForgetPromisedFinalizers()
	mk("later")
	if o := del("later"); o != nil {
		t.Errorf("a pod deleted after the promises were forgotten is still there: %+v", o)
	}
}

// TestDeletePolicyReplacesGCFinalizer: as the API server's
// deletionFinalizersForGarbageCollection, an explicit propagation policy
// puts its own finalizer in place of the other garbage-collection one (the
// two are never both set), also on an object already being deleted with
// no grace period pending; Background removes both, and an object then
// held by none goes. With no policy the object's own finalizer stands.
func TestDeletePolicyReplacesGCFinalizer(t *testing.T) {
	s := New(Config{})
	mk := func(name string, fins ...string) {
		t.Helper()
		if _, err := s.Create(&workload.Service{ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", Finalizers: fins}}); err != nil {
			t.Fatal(err)
		}
	}
	fins := func(name string) []string {
		t.Helper()
		o, err := s.Get("Service", "default", name)
		if err != nil {
			return nil
		}
		return o.GetObjectMeta().Finalizers
	}
	del := func(name, policy string) {
		t.Helper()
		if _, err := s.Delete("Service", "default", name, DeleteOptions{PropagationPolicy: policy}); err != nil {
			t.Fatal(err)
		}
	}
	gone := func(name string) bool {
		_, err := s.Get("Service", "default", name)
		return err != nil
	}

	mk("a", FinalizerOrphan, "x")
	del("a", DeleteForeground)
	if got := fins("a"); !slices.Equal(got, []string{"x", FinalizerForeground}) {
		t.Errorf("orphan-finalized object deleted in the foreground: finalizers %v, want [x foregroundDeletion]", got)
	}
	del("a", DeleteOrphan) // already being deleted, no grace period
	if got := fins("a"); !slices.Equal(got, []string{"x", FinalizerOrphan}) {
		t.Errorf("then deleted again as Orphan: finalizers %v, want [x orphan]", got)
	}
	del("a", DeleteBackground)
	if got := fins("a"); !slices.Equal(got, []string{"x"}) || gone("a") {
		t.Errorf("then deleted again in the background: finalizers %v (gone %v), want [x] and kept", got, gone("a"))
	}

	mk("b")
	del("b", DeleteForeground)
	del("b", "")
	if got := fins("b"); !slices.Equal(got, []string{FinalizerForeground}) {
		t.Errorf("foreground deletion deleted again with no policy: finalizers %v, want [foregroundDeletion]", got)
	}
	del("b", DeleteBackground)
	if !gone("b") {
		t.Errorf("foreground deletion deleted again in the background: still there with %v, want gone", fins("b"))
	}

	mk("c", FinalizerOrphan)
	del("c", "")
	if got := fins("c"); !slices.Equal(got, []string{FinalizerOrphan}) {
		t.Errorf("orphan-finalized object deleted with no policy: finalizers %v, want [orphan]", got)
	}
	mk("d", FinalizerOrphan)
	del("d", DeleteBackground)
	if !gone("d") {
		t.Errorf("orphan-finalized object deleted in the background: still there with %v, want gone", fins("d"))
	}
}
