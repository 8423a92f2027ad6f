// Package runtimetest is the conformance suite of the workload.Runtime
// seam: any runtime (the fake one, inproc, process, or one you write) runs
// it from a Go test to show it honours the contract the controllers rely
// on: pods created on named nodes, containers run to completion with their
// exit codes, restart policies with crash-loop back-off, graceful deletion
// with its grace period, status reports in order, list-then-watch of
// nodes and pods, and, when the harness can make sidecars
// (Harness.Sidecar), sidecar init containers: started first, restarted
// whatever the pod's restart policy, stopped once the app container is
// done without failing the pod.
//
//	func TestConformance(t *testing.T) {
//		runtimetest.Run(t, func(t *testing.T) *runtimetest.Harness {
//			rt := myruntime.New(...)
//			t.Cleanup(rt.Close)
//			return &runtimetest.Harness{
//				Runtime: rt,
//				Node:    "node-a",
//				Pod:     func(name, restart string, b runtimetest.Behavior) *workload.Pod { ... },
//				Tick:    50 * time.Millisecond,
//				BackoffBase: 100 * time.Millisecond,
//			}
//		})
//	}
//
// A virtual-time runtime sets Harness.Virtual: the suite then advances that
// clock itself and checks times exactly. A real-time runtime leaves it nil:
// the suite waits for the runtime's reports with generous deadlines, never
// with fixed sleeps, and checks times as lower bounds.
package runtimetest
