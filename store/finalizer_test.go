package store

import (
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
