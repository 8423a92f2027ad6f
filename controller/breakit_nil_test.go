package controller

import (
	"errors"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// TestEqualIgnoreHashNil: the exported EqualIgnoreHash takes pointers; a nil
// one is no template, equal only to another nil, not a panic.
func TestEqualIgnoreHashNil(t *testing.T) {
	tmpl := &workload.PodTemplateSpec{}
	if !EqualIgnoreHash(nil, nil) {
		t.Error("EqualIgnoreHash(nil, nil) = false, want true")
	}
	if EqualIgnoreHash(nil, tmpl) || EqualIgnoreHash(tmpl, nil) {
		t.Error("EqualIgnoreHash(nil, template) = true, want false")
	}
}

// TestRevisionNil: the exported Revision given a nil object returns an
// ErrInvalid error, not a panic.
func TestRevisionNil(t *testing.T) {
	var rs *workload.ReplicaSet
	for _, o := range []workload.Object{nil, rs} {
		if _, err := Revision(o); !errors.Is(err, workload.ErrInvalid) {
			t.Errorf("Revision(%#v) error %v, want ErrInvalid", o, err)
		}
	}
}
