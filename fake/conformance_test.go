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
		rt, err := fake.New(fake.Config{Clock: clock})
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
			Pod: func(name, restart string, b runtimetest.Behavior) *workload.Pod {
				ann := map[string]string{}
				if b.RunFor > 0 { // else: the fake's default for the restart policy
					ann[fake.AnnotationRunFor] = b.RunFor.String()
					ann[fake.AnnotationExitCode] = strconv.Itoa(int(b.ExitCode))
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
