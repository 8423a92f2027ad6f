package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// Graceful deletion: the API server sets deletionTimestamp to the time the
// pod is due to be gone, now + the grace period, not to the time of the
// request; a later delete may only shorten the grace period and moves
// deletionTimestamp back by the difference (never into the past).
// Source: k8s.io/apiserver/pkg/registry/rest/delete.go BeforeDelete;
// metav1.ObjectMeta.DeletionTimestamp ("RFC 3339 date and time at which
// this resource will be deleted ... may be shortened").
func TestR7PodDeletionTimestampIsDueTime(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  terminationGracePeriodSeconds: 45
  containers: [{name: c, image: x}]`)
	advance(t, c, time.Minute)
	if err := c.Delete("Pod", "default", "p", ""); err != nil {
		t.Fatal(err)
	}
	p := r7pod(t, c, "p")
	if got := since(p.DeletionTimestamp); got != "1m45s" {
		t.Errorf("deletionTimestamp %s, want 1m45s (deleted at 1m with grace 45s)", got)
	}
	advance(t, c, 5*time.Second)
	if err := c.DeletePod("default", "p", workload.Ptr[int64](10)); err != nil {
		t.Fatal(err)
	}
	p = r7pod(t, c, "p")
	if got := since(p.DeletionTimestamp); got != "1m10s" {
		t.Errorf("after shortening the grace to 10s at 1m5s: deletionTimestamp %s, want 1m10s", got)
	}
	if p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 10 {
		t.Errorf("deletionGracePeriodSeconds %v, want 10", p.DeletionGracePeriodSeconds)
	}
	if err := c.DeletePod("default", "p", workload.Ptr[int64](1)); err != nil {
		t.Fatal(err)
	}
	if got := since(r7pod(t, c, "p").DeletionTimestamp); got != "1m5s" {
		t.Errorf("after shortening the grace to 1s at 1m5s: deletionTimestamp %s, want 1m5s (never in the past)", got)
	}
}

// A pod that is not scheduled, or has finished, is deleted with a grace
// period of 0 whatever its terminationGracePeriodSeconds.
// Source: pkg/registry/core/pod/strategy.go CheckGracefulDelete ("if the
// pod is not scheduled, delete immediately"; "if the pod is already
// terminated, delete immediately").
func TestR7TerminalPodDeletedWithoutGrace(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "", neverPod, `{sim.orchestra.dev/run-for: "1s"}`))
	var pod string
	runUntil(t, c, time.Minute, "pod succeeded", func() bool {
		for _, p := range pods(t, c, "job-name=j") {
			if p.Status.Phase == workload.PodSucceeded {
				pod = p.Name
				return true
			}
		}
		return false
	})
	// The Job keeps its finished pods (and their tracking finalizer
	// until counted); delete this one.
	if err := c.Delete("Pod", "default", pod, ""); err != nil {
		t.Fatal(err)
	}
	o, err := c.Get("Pod", "default", pod)
	if err != nil {
		return // gone at once: nothing to check
	}
	p := o.(*workload.Pod)
	if p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 0 {
		t.Errorf("finished pod deleted with deletionGracePeriodSeconds %d, want 0", *p.DeletionGracePeriodSeconds)
	}
	if !p.DeletionTimestamp.Equal(c.Now()) {
		t.Errorf("finished pod's deletionTimestamp %s, want now (%s)", since(p.DeletionTimestamp), c.Now().Sub(t0))
	}
}
