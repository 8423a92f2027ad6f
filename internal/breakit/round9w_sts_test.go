package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

func r9wStatefulSet(replicas string) string {
	return `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: ` + replicas + `
  minReadySeconds: 30
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {terminationGracePeriodSeconds: 5, containers: [{name: c, image: db}]}`
}

// OrderedReady scale-down waits for the pod it removes to be available:
// Kubernetes' processCondemned blocks on a condemned pod that is Running
// and Ready but not yet Ready for minReadySeconds, unless it is the first
// unhealthy pod, and "unhealthy" (isHealthy) means not Running and Ready or
// terminating: availability is no part of it. db-2 becomes Ready at 60s
// (available at 90s); scaling 3 -> 2 at 70s deletes it once it is
// available, not at once. (Kubernetes requeues the set minReadySeconds
// after the sync, 100s; orchestra wakes at the instant of availability.)
// Source: pkg/controller/statefulset/stateful_set_control.go
// processCondemned, isHealthy in stateful_set_utils.go.
func TestR9wStatefulSetScaleDownWaitsForAvailability(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, r9wStatefulSet("3"))
	advance(t, c, 70*time.Second)
	if p := r3get(t, c, "Pod", "default", "db-2"); p == nil || !r5ready(p.(*workload.Pod)) {
		t.Fatalf("db-2 not ready at 70s: %v", p)
	}
	applyYAML(t, c, r9wStatefulSet("2"))
	var deletedAt time.Duration
	runUntil(t, c, 5*time.Minute, "db-2 deleted", func() bool {
		p := r3get(t, c, "Pod", "default", "db-2")
		if p == nil || p.GetObjectMeta().DeletionTimestamp != nil {
			deletedAt = c.Now().Sub(t0)
			return true
		}
		return false
	})
	if deletedAt < 90*time.Second || deletedAt > 100*time.Second {
		t.Errorf("db-2 deleted for the scale-down at %v, want once it is available (90s; Kubernetes by 100s)", deletedAt)
	}
}
