package fake_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/runtimetest"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestConformance runs the runtime conformance suite on the fake runtime,
// in virtual time.
func TestConformance(t *testing.T) {
	runtimetest.Run(t, func(t *testing.T) *runtimetest.Harness {
		clock := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		// The suite's sidecars: "sidecar-stops" exits 0 as soon as it is
		// asked to stop; "sidecar-crashes" exits 1 after a second, each run.
		rt, err := fake.New(fake.Config{Clock: clock, Behaviors: []fake.Behavior{
			{Match: fake.Match{Image: "sidecar-stops"}, StopAfter: workload.Ptr(time.Duration(0))},
			{Match: fake.Match{Image: "sidecar-crashes"}, RunFor: workload.Ptr(time.Second), ExitCode: 1},
		}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(rt.Close)
		if err := rt.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
			t.Fatal(err)
		}
		return &runtimetest.Harness{
			Runtime:     rt,
			Node:        "node-a",
			Virtual:     clock,
			Tick:        time.Second,
			BackoffBase: 10 * time.Second,
			Sidecar: func(name string, b runtimetest.Behavior) workload.Container {
				if b.RunFor > 0 {
					return workload.Container{Name: name, Image: "sidecar-crashes"}
				}
				return workload.Container{Name: name, Image: "sidecar-stops"}
			},
			Pod: func(name, restart string, b runtimetest.Behavior) *workload.Pod {
				ann := map[string]string{}
				switch {
				case b.RunFor > 0:
					ann[fake.AnnotationRunFor] = b.RunFor.String()
					ann[fake.AnnotationExitCode] = strconv.Itoa(int(b.ExitCode))
				case restart == workload.RestartPolicyNever || restart == workload.RestartPolicyOnFailure:
					// Until stopped: longer than any test, where the
					// fake's default for these policies is 10 s.
					ann[fake.AnnotationRunFor] = "8760h"
				}
				// Fake containers never stop before their grace period
				// ends, so b.IgnoreStop needs nothing.
				return &workload.Pod{
					ObjectMeta: workload.ObjectMeta{Name: name, Annotations: ann},
					Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "test"}}},
				}
			},
		}
	})
}
