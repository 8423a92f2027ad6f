package controller

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// TestJobHugeParallelismGrowsPerBatchPeriod: a Job of parallelism 2^31-1
// grows as in Kubernetes, by MaxPodCreateDeletePerSync (500) pods a sync,
// one sync every syncJobBatchPeriod (1 s): the pod and status events of a
// capped sync do not wake the Job sooner. Virtual time goes on (before,
// Advance never returned: every sync's pod events woke the Job again at
// the same instant).
func TestJobHugeParallelismGrowsPerBatchPeriod(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("huge", func(j *workload.Job) {
		j.Spec.Parallelism = workload.Ptr[int32](math.MaxInt32)
	}))
	check := func(when string, want int) {
		t.Helper()
		if got := len(h.jobPods("huge", false)); got != want {
			t.Fatalf("%s: %d pods, want %d", when, got, want)
		}
		if got := h.jobGet("huge").Status.Active; got != int32(want) {
			t.Fatalf("%s: status.active %d, want %d", when, got, want)
		}
	}
	h.settle()
	check("at creation", 500)
	// A pod event inside the batch period does not bring the sync forward.
	h.advance(500 * time.Millisecond)
	h.jobRunPod(h.jobPods("huge", false)[0].Name, true)
	h.settle()
	check("0.5 s on, after a pod event", 500)
	h.advance(500 * time.Millisecond)
	check("1 s on", 1000)
	h.advance(2 * time.Second)
	check("3 s on", 2000)
}

// TestJobSpecChangeEndsBatchPeriod: a spec change wakes a Job in its batch
// period at once, as Kubernetes' updateJob syncs at once on a new
// generation.
func TestJobSpecChangeEndsBatchPeriod(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("huge", func(j *workload.Job) {
		j.Spec.Parallelism = workload.Ptr[int32](math.MaxInt32)
	}))
	h.settle()
	j := h.jobGet("huge")
	j.Spec.Parallelism = workload.Ptr[int32](600)
	if _, err := h.store.Update(j); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if got := len(h.jobPods("huge", false)); got != 600 {
		t.Fatalf("after the spec change: %d pods, want 600 at once", got)
	}
}

// TestJobDeletesAtMost500PerBatchPeriod: excess active pods go 500 a sync,
// a sync a second (Kubernetes caps the deletions of a scale-down at
// MaxPodCreateDeletePerSync; the deleted pods' events re-queue the Job
// after syncJobBatchPeriod).
func TestJobDeletesAtMost500PerBatchPeriod(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("big", func(j *workload.Job) {
		j.Spec.Parallelism = workload.Ptr[int32](1200)
	}))
	h.advance(2 * time.Second)
	if got := len(h.jobPods("big", true)); got != 1200 {
		t.Fatalf("%d active pods, want 1200", got)
	}
	j := h.jobGet("big")
	j.Spec.Parallelism = workload.Ptr[int32](0)
	if _, err := h.store.Update(j); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{700, 200, 0} {
		h.settle()
		if got := len(h.jobPods("big", true)); got != want {
			t.Fatalf("%d active pods, want %d", got, want)
		}
		h.advance(time.Second)
	}
}

// TestJobSlowStartStopsAtFirstFailure: creations go in batches of 1, 2,
// 4, ...; the batch with a failed create is the last of the sync (its
// other creates still go), as Kubernetes' manageJob. The 5th create of 20
// is refused: the sync makes 1 + 2 + 3 pods and counts 6 active.
func TestJobSlowStartStopsAtFirstFailure(t *testing.T) {
	n := 0
	h := newHarnessWith(t, store.Config{Admit: func(o workload.Object) error {
		if _, ok := o.(*workload.Pod); ok {
			n++
			if n == 5 {
				return fmt.Errorf("refused (%d)", n)
			}
		}
		return nil
	}}, NewJob)
	h.create(newTestJob("s", func(j *workload.Job) {
		j.Spec.Parallelism = workload.Ptr[int32](20)
	}))
	h.mgr.Step(t.Context())
	if n != 7 {
		t.Errorf("%d creates attempted, want 7 (batches 1, 2, 4)", n)
	}
	if got := len(h.jobPods("s", false)); got != 6 {
		t.Errorf("%d pods, want 6", got)
	}
	if got := h.jobGet("s").Status.Active; got != 6 {
		t.Errorf("status.active %d, want 6", got)
	}
	if got := h.jobEventCount("s", "FailedCreate"); got != 1 {
		t.Errorf("%d FailedCreate events, want 1", got)
	}
	h.advance(time.Minute)
	if got := len(h.jobPods("s", false)); got != 20 {
		t.Errorf("after the retry: %d pods, want 20", got)
	}
}
