package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

func jobYAML(name, extraSpec, podSpec, annotations string) string {
	if annotations == "" {
		annotations = "{}"
	}
	return `
apiVersion: batch/v1
kind: Job
metadata: {name: ` + name + `}
spec:
` + extraSpec + `
  template:
    metadata: {annotations: ` + annotations + `}
    spec:
` + podSpec
}

const neverPod = `      restartPolicy: Never
      containers: [{name: c, image: busybox}]`
const onFailurePod = `      restartPolicy: OnFailure
      containers: [{name: c, image: busybox}]`

// backoffLimit with restartPolicy Never: the Job fails once the number of
// failed pods exceeds backoffLimit, i.e. on the (N+1)th failed pod; the
// replacements wait 10s, 20s, ... after the previous failure. Conditions:
// FailureTarget then Failed, reason BackoffLimitExceeded.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy
// and pkg/controller/job/job_controller.go (exceedsBackoffLimit: failed > backoffLimit).
func TestJobBackoffLimitNever(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  backoffLimit: 2", neverPod, `{sim.orchestra.dev/exit-code: "1"}`))
	runUntil(t, c, time.Hour, "job failed", func() bool { return jobCond(getJob(t, c, "j"), workload.JobFailed) != nil })
	j := getJob(t, c, "j")
	if j.Status.Failed != 3 {
		t.Errorf("status.failed = %d, want 3 (backoffLimit 2 + 1)", j.Status.Failed)
	}
	f := jobCond(j, workload.JobFailed)
	if f.Reason != "BackoffLimitExceeded" {
		t.Errorf("Failed reason %q", f.Reason)
	}
	// pod 1 runs 0-10s, pod 2 20-30s, pod 3 50-60s.
	if got := f.LastTransitionTime.Sub(t0); got != 60*time.Second {
		t.Errorf("Failed at %v, want 60s; conditions %s", got, condSummary(j.Status.Conditions))
	}
	if ft := jobCond(j, workload.JobFailureTarget); ft == nil {
		t.Errorf("no FailureTarget condition: %s", condSummary(j.Status.Conditions))
	}
	if j.Status.CompletionTime != nil {
		t.Errorf("a failed Job has completionTime %v; Kubernetes sets it only on Complete", since(j.Status.CompletionTime))
	}
}

// backoffLimit with restartPolicy OnFailure: the pod is not replaced, its
// container restarts in place; the Job fails when the restarts reach
// backoffLimit (pastBackoffLimitOnFailure), reason BackoffLimitExceeded, and
// the running pod is terminated.
// Source: pkg/controller/job/job_controller.go pastBackoffLimitOnFailure;
// https://kubernetes.io/docs/concepts/workloads/controllers/job/#handling-pod-and-container-failures
func TestJobBackoffLimitOnFailure(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  backoffLimit: 2", onFailurePod, `{sim.orchestra.dev/exit-code: "1"}`))
	runUntil(t, c, time.Hour, "job failed", func() bool { return jobCond(getJob(t, c, "j"), workload.JobFailed) != nil })
	j := getJob(t, c, "j")
	if f := jobCond(j, workload.JobFailed); f.Reason != "BackoffLimitExceeded" {
		t.Errorf("Failed reason %q", f.Reason)
	}
	advance(t, c, time.Minute)
	ps := pods(t, c, "job-name=j")
	if len(ps) > 1 {
		t.Errorf("%d pods, want 1 (OnFailure restarts in place)", len(ps))
	}
	for _, p := range ps {
		if p.DeletionTimestamp == nil && (p.Status.Phase == workload.PodRunning || p.Status.Phase == workload.PodPending) {
			t.Errorf("pod %s still active after the Job failed", p.Name)
		}
	}
}

// activeDeadlineSeconds: counted from status.startTime; when it passes the
// Job fails with reason DeadlineExceeded and its running pods are
// terminated. Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup
func TestJobActiveDeadline(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  activeDeadlineSeconds: 30", neverPod, `{sim.orchestra.dev/run-for: "1h"}`))
	runUntil(t, c, time.Hour, "job failed", func() bool { return jobCond(getJob(t, c, "j"), workload.JobFailed) != nil })
	j := getJob(t, c, "j")
	f := jobCond(j, workload.JobFailed)
	if f.Reason != "DeadlineExceeded" {
		t.Errorf("Failed reason %q", f.Reason)
	}
	if got := f.LastTransitionTime.Sub(t0); got < 30*time.Second || got > 31*time.Second+30*time.Second {
		t.Errorf("Failed at %v, want about 30s (+ pod grace)", got)
	}
	if j.Status.Failed != 1 || j.Status.Active != 0 {
		t.Errorf("failed=%d active=%d, want 1 and 0", j.Status.Failed, j.Status.Active)
	}
}

// activeDeadlineSeconds beats a pending back-off: a Job waiting 10 min for
// its next retry fails at its deadline, not after the back-off.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup
// ("activeDeadlineSeconds takes precedence over backoffLimit").
func TestJobActiveDeadlineDuringBackoff(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  activeDeadlineSeconds: 100\n  backoffLimit: 100", neverPod, `{sim.orchestra.dev/exit-code: "1", sim.orchestra.dev/run-for: "1s"}`))
	runUntil(t, c, time.Hour, "job failed", func() bool { return jobCond(getJob(t, c, "j"), workload.JobFailed) != nil })
	f := jobCond(getJob(t, c, "j"), workload.JobFailed)
	if f.Reason != "DeadlineExceeded" {
		t.Errorf("Failed reason %q", f.Reason)
	}
	if got := f.LastTransitionTime.Sub(t0); got != 100*time.Second {
		t.Errorf("Failed at %v, want 100s", got)
	}
}

// Suspend then resume: on suspend the active pods are deleted and not
// counted as failed, the Suspended condition is True (reason JobSuspended);
// on resume startTime is reset to the resume time and the Suspended
// condition becomes False with reason JobResumed.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#suspending-a-job
func TestJobSuspendResume(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  suspend: false", neverPod, `{sim.orchestra.dev/run-for: "1h"}`))
	advance(t, c, time.Minute)
	j := getJob(t, c, "j")
	if since(j.Status.StartTime) != "0s" {
		t.Fatalf("startTime %s", since(j.Status.StartTime))
	}
	j.Spec.Suspend = workload.Ptr(true)
	if _, err := c.Apply(j); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 2*time.Minute)
	j = getJob(t, c, "j")
	if s := jobCond(j, workload.JobSuspended); s == nil || s.Status != "True" || s.Reason != "JobSuspended" {
		t.Errorf("suspended condition: %s", condSummary(j.Status.Conditions))
	}
	if j.Status.Failed != 0 || j.Status.Active != 0 {
		t.Errorf("after suspend failed=%d active=%d, want 0 0", j.Status.Failed, j.Status.Active)
	}
	j.Spec.Suspend = workload.Ptr(false)
	if _, err := c.Apply(j); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	j = getJob(t, c, "j")
	if s := jobCond(j, workload.JobSuspended); s == nil || s.Status != "False" || s.Reason != "JobResumed" {
		t.Errorf("resumed condition: %s", condSummary(j.Status.Conditions))
	}
	if got := since(j.Status.StartTime); got != "3m0s" {
		t.Errorf("startTime after resume at 3m: %s", got)
	}
	if j.Status.Active != 1 {
		t.Errorf("active %d after resume", j.Status.Active)
	}
}

// ttlSecondsAfterFinished: the Job (and its pods) is deleted N seconds after
// it finished. Source: https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/
func TestJobTTLAfterFinished(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  ttlSecondsAfterFinished: 60", neverPod, ""))
	advance(t, c, 10*time.Second+50*time.Second)
	if _, err := c.Get("Job", "default", "j"); err != nil {
		t.Fatalf("Job gone 50s after it completed at 10s: %v", err)
	}
	advance(t, c, 11*time.Second)
	if _, err := c.Get("Job", "default", "j"); err == nil {
		t.Errorf("Job still there 71s after it completed at 10s with ttl 60")
	}
	advance(t, c, time.Minute)
	if ps := pods(t, c, "job-name=j"); len(ps) != 0 {
		t.Errorf("%d pods left", len(ps))
	}
}

// Indexed completion: each pod gets JOB_COMPLETION_INDEX, the
// job-completion-index annotation and label, hostname <job>-<i>, name
// <job>-<i>-<suffix>; completedIndexes uses the compressed form.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode
func TestJobIndexedPods(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: ix}
spec:
  completions: 6
  parallelism: 6
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`)
	advance(t, c, time.Second)
	ps := pods(t, c, "job-name=ix")
	if len(ps) != 6 {
		t.Fatalf("%d pods", len(ps))
	}
	for _, p := range ps {
		ix := p.Annotations["batch.kubernetes.io/job-completion-index"]
		if p.Labels["batch.kubernetes.io/job-completion-index"] != ix {
			t.Errorf("pod %s: label %q annotation %q", p.Name, p.Labels["batch.kubernetes.io/job-completion-index"], ix)
		}
		if p.Spec.Hostname != "ix-"+ix {
			t.Errorf("pod %s hostname %q", p.Name, p.Spec.Hostname)
		}
		var env string
		for _, e := range p.Spec.Containers[0].Env {
			if e.Name == "JOB_COMPLETION_INDEX" {
				env = e.Value
			}
		}
		if env != ix {
			t.Errorf("pod %s env JOB_COMPLETION_INDEX=%q want %q", p.Name, env, ix)
		}
		if len(p.Name) < len("ix-"+ix+"-") || p.Name[:len("ix-"+ix+"-")] != "ix-"+ix+"-" {
			t.Errorf("pod name %q", p.Name)
		}
	}
	advance(t, c, time.Minute)
	if got := getJob(t, c, "ix").Status.CompletedIndexes; got != "0-5" {
		t.Errorf("completedIndexes %q want 0-5", got)
	}
}

// completedIndexes format when some indexes fail: "0,1,3-5" style.
// Two consecutive indexes are "0,1", three or more "3-5".
// Source: batch/v1 types.go JobStatus.CompletedIndexes.
func TestJobCompletedIndexesFormat(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: ix}
spec:
  completions: 6
  parallelism: 6
  completionMode: Indexed
  backoffLimitPerIndex: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`)
	// Make index 2 fail: kill its container.
	advance(t, c, time.Second)
	for _, p := range pods(t, c, "batch.kubernetes.io/job-completion-index=2") {
		if err := c.Fake().KillContainer(p.Namespace, p.Name, "c", 3); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, time.Minute)
	j := getJob(t, c, "ix")
	if j.Status.CompletedIndexes != "0,1,3-5" {
		t.Errorf("completedIndexes %q want 0,1,3-5", j.Status.CompletedIndexes)
	}
	if j.Status.FailedIndexes == nil || *j.Status.FailedIndexes != "2" {
		t.Errorf("failedIndexes %v want 2", j.Status.FailedIndexes)
	}
	f := jobCond(j, workload.JobFailed)
	if f == nil || f.Reason != "FailedIndexes" {
		t.Errorf("conditions %s, want Failed(FailedIndexes)", condSummary(j.Status.Conditions))
	}
	if j.Status.Succeeded != 5 || j.Status.Failed != 1 {
		t.Errorf("succeeded %d failed %d", j.Status.Succeeded, j.Status.Failed)
	}
}
