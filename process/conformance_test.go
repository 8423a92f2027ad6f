//go:build linux

package process_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/internal/leakcheck"
	"github.com/orchestra-go/orchestra/process"
	"github.com/orchestra-go/orchestra/runtimetest"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestConformance runs the runtime conformance suite on process in real
// time, with the helper program as the container.
func TestConformance(t *testing.T) {
	runtimetest.Run(t, func(t *testing.T) *runtimetest.Harness {
		snap := leakcheck.Take()
		rt, err := process.New(process.Config{Nodes: []string{"node-a"}, FirstPodCIDR: testPodCIDR, BackoffBase: 100 * time.Millisecond,
			ProbeSecond: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { snap.Check(t, 10*time.Second) })
		t.Cleanup(rt.Close)
		return &runtimetest.Harness{
			Runtime:     rt,
			Node:        "node-a",
			Tick:        50 * time.Millisecond,
			BackoffBase: 100 * time.Millisecond,
			Timeout:     20 * time.Second,
			Sidecar: func(name string, b runtimetest.Behavior) workload.Container {
				steps := []string{helper, "sleep", "forever"}
				if b.RunFor > 0 {
					steps = []string{helper, "sleep", b.RunFor.String(), "exit", strconv.Itoa(int(b.ExitCode))}
				}
				return workload.Container{Name: name, Image: "helper", Command: steps}
			},
			Pod: func(name, restart string, b runtimetest.Behavior) *workload.Pod {
				steps := []string{helper}
				var ready *workload.Probe
				if b.IgnoreStop {
					// A real process can only ignore SIGTERM once it runs:
					// it is ready (listening) only after it does, so that a
					// SIGTERM sent once it is ready is ignored.
					steps = append(steps, "ignore-term", "tcp", "7000")
					ready = &workload.Probe{PeriodSeconds: 1,
						ProbeHandler: workload.ProbeHandler{TCPSocket: &workload.TCPSocketAction{Port: intstr.FromInt32(7000)}}}
				}
				if b.RunFor > 0 {
					steps = append(steps, "sleep", b.RunFor.String(), "exit", strconv.Itoa(int(b.ExitCode)))
				} else {
					steps = append(steps, "sleep", "forever")
				}
				return &workload.Pod{
					ObjectMeta: workload.ObjectMeta{Name: name},
					Spec: workload.PodSpec{Containers: []workload.Container{{
						Name: "main", Image: "helper", Command: steps, ReadinessProbe: ready,
					}}},
				}
			},
		}
	})
}
