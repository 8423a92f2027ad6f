//go:build linux

package breakit_test

import (
	"context"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/process"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR10pGraceZeroKillsAtOnce: a pod whose terminationGracePeriodSeconds
// is 0 is stopped "immediately via the kill signal (no opportunity to shut
// down)", as the field's API documentation says: its process, which
// ignores SIGTERM, ends by SIGKILL (exit 137, signal 9) and the pod is
// gone, without waiting any grace period.
func TestR10pGraceZeroKillsAtOnce(t *testing.T) {
	c, rt, wait := r10pProcessCluster(t, process.Config{FirstPodCIDR: testPodCIDRAt(110)}, "sleep 8768")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: g0}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - {name: s, image: sh, command: [sh, -c, "trap '' TERM; echo trapped; sleep 8768 & wait"]}
`)
	wait("SIGTERM ignored", func() bool { // polled on the helper's slow tick: the log has no notification
		b, err := rt.Logs(context.Background(), "default", "g0", "s", false)
		return err == nil && string(b) == "trapped\n"
	})
	w, err := rt.Watch(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := c.Delete("Pod", "default", "g0", ""); err != nil {
		t.Fatal(err)
	}
	var last *workload.ContainerStateTerminated
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		ev, err := w.Next(ctx)
		if err != nil {
			t.Fatalf("the pod did not go: %v", err)
		}
		p, ok := ev.Object.(*workload.Pod)
		if !ok {
			continue
		}
		if term := p.Status.ContainerStatuses[0].State.Terminated; term != nil {
			last = term
		}
		if ev.Type == workload.Deleted {
			break
		}
	}
	if last == nil || last.ExitCode != 137 || last.Signal != 9 {
		t.Errorf("last state %+v, want killed: 137, signal 9", last)
	}
	wait("gone from the store", func() bool { _, err := c.Get("Pod", "default", "g0"); return err != nil })
}
