package breakit_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// TestR12EventNamespaceMustMatchItsObject: Kubernetes' ValidateEventCreate
// (legacyValidateEvent, for a core/v1 Event without eventTime) refuses an
// Event whose involvedObject.namespace is not its own namespace, and one
// about a cluster-scoped object (no involvedObject.namespace) outside
// "default": "involvedObject.namespace: Invalid value: ...: does not match
// event.namespace". orchestra stored any Event as it came.
func TestR12EventNamespaceMustMatchItsObject(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		ok         bool
	}{
		{"other-namespace", `apiVersion: v1
kind: Event
metadata: {name: e, namespace: a}
involvedObject: {kind: Pod, name: p, namespace: b}
reason: Started
type: Normal
`, false},
		{"cluster-scoped-outside-default", `apiVersion: v1
kind: Event
metadata: {name: e, namespace: a}
involvedObject: {kind: Node, name: n1}
reason: Started
type: Normal
`, false},
		{"same-namespace", `apiVersion: v1
kind: Event
metadata: {name: e, namespace: a}
involvedObject: {kind: Pod, name: p, namespace: a}
reason: Started
type: Normal
`, true},
		{"cluster-scoped-in-default", `apiVersion: v1
kind: Event
metadata: {name: e}
involvedObject: {kind: Node, name: n1}
reason: Started
type: Normal
`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			objs, _, err := workload.Decode([]byte(tc.yaml), tc.name+".yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Apply(objs[0])
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "involvedObject.namespace") || !strings.Contains(err.Error(), "does not match event.namespace") {
				t.Fatalf("apply: %v; want workload.ErrInvalid naming involvedObject.namespace", err)
			}
			if evs, _ := c.List("Event", "", ""); len(evs) != 0 {
				t.Fatalf("%d Events stored after a refused apply", len(evs))
			}
		})
	}
}
