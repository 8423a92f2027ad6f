package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// podFailurePolicy FailJob: a pod that exits with a listed code fails the
// Job at once (no retries), reason PodFailurePolicy; FailureTarget is added
// first, Failed once the pods are terminal.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-failure-policy
func TestJobPodFailurePolicyFailJob(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  backoffLimit: 6
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes: {containerName: c, operator: In, values: [42]}
  template:
    metadata: {annotations: {sim.orchestra.dev/exit-code: "42"}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`)
	advance(t, c, 5*time.Minute)
	j := getJob(t, c, "j")
	f := jobCond(j, workload.JobFailed)
	if f == nil || f.Reason != "PodFailurePolicy" {
		t.Fatalf("conditions %s, want Failed(PodFailurePolicy)", condSummary(j.Status.Conditions))
	}
	if ft := jobCond(j, workload.JobFailureTarget); ft == nil || ft.Reason != "PodFailurePolicy" {
		t.Errorf("conditions %s, want FailureTarget(PodFailurePolicy)", condSummary(j.Status.Conditions))
	}
	if j.Status.Failed != 1 {
		t.Errorf("failed %d, want 1 (no retry)", j.Status.Failed)
	}
	if n := len(pods(t, c, "job-name=j")); n != 1 {
		t.Errorf("%d pods, want 1", n)
	}
}

// podFailurePolicy Ignore on DisruptionTarget: a pod whose node goes away
// (pod GC marks it Failed with DisruptionTarget, reason DeletionByPodGC)
// does not count towards backoffLimit, so a Job with backoffLimit 0
// replaces it and completes.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-failure-policy
// (example "ignore pod disruptions"); https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-conditions
func TestJobPodFailurePolicyIgnoreDisruption(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  backoffLimit: 0
  podFailurePolicy:
    rules:
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: "2m"}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`)
	advance(t, c, 10*time.Second)
	ps := pods(t, c, "job-name=j")
	if len(ps) != 1 {
		t.Fatalf("%d pods", len(ps))
	}
	if err := c.Fake().RemoveNode(ps[0].Spec.NodeName); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Minute)
	j := getJob(t, c, "j")
	if jobCond(j, workload.JobComplete) == nil {
		t.Errorf("conditions %s, want Complete (the disruption is ignored)", condSummary(j.Status.Conditions))
	}
	if j.Status.Failed != 0 {
		t.Errorf("failed %d, want 0 (ignored failures are not counted)", j.Status.Failed)
	}
}

// podFailurePolicy Ignore on DisruptionTarget, when the node fails and the
// taint manager evicts the pod after its 300 s toleration (DisruptionTarget
// reason DeletionByTaintManager). The evicted pod stays Terminating while
// its node is unreachable, and a podFailurePolicy implies
// podReplacementPolicy Failed: no replacement until the kubelet comes back
// and the pod is gone; the eviction is never counted.
// Source: https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-conditions ;
// https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-replacement-policy
func TestJobPodFailurePolicyIgnoreTaintEviction(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  backoffLimit: 0
  podFailurePolicy:
    rules:
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: "20m"}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`)
	advance(t, c, 10*time.Second)
	ps := pods(t, c, "job-name=j")
	if len(ps) != 1 {
		t.Fatalf("%d pods", len(ps))
	}
	if err := c.Fake().FailNode(ps[0].Spec.NodeName); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 15*time.Minute)
	j := getJob(t, c, "j")
	if j.Status.Active != 0 || j.Status.Terminating == nil || *j.Status.Terminating != 1 {
		t.Errorf("while the node is down: active %d terminating %v, want 0 and 1 (the evicted pod)", j.Status.Active, j.Status.Terminating)
	}
	if err := c.Fake().SetNodeReady(ps[0].Spec.NodeName, true); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	j = getJob(t, c, "j")
	if jobCond(j, workload.JobFailed) != nil {
		t.Errorf("conditions %s: the eviction was counted", condSummary(j.Status.Conditions))
	}
	if j.Status.Failed != 0 {
		t.Errorf("failed %d, want 0", j.Status.Failed)
	}
	if j.Status.Active != 1 {
		t.Errorf("active %d, want a replacement", j.Status.Active)
	}
}

// backoffLimitPerIndex with podFailurePolicy FailIndex: the index fails at
// once, the other indexes go on; the Job ends Failed (FailedIndexes).
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#backoff-limit-per-index
func TestJobFailIndex(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  completions: 3
  parallelism: 3
  completionMode: Indexed
  backoffLimitPerIndex: 5
  podFailurePolicy:
    rules:
    - action: FailIndex
      onExitCodes: {operator: In, values: [42]}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`)
	advance(t, c, time.Second)
	for _, p := range pods(t, c, "batch.kubernetes.io/job-completion-index=1") {
		if err := c.Fake().KillContainer(p.Namespace, p.Name, "c", 42); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, 5*time.Minute)
	j := getJob(t, c, "j")
	if j.Status.FailedIndexes == nil || *j.Status.FailedIndexes != "1" {
		t.Errorf("failedIndexes %v", j.Status.FailedIndexes)
	}
	if j.Status.CompletedIndexes != "0,2" {
		t.Errorf("completedIndexes %q want 0,2", j.Status.CompletedIndexes)
	}
	if f := jobCond(j, workload.JobFailed); f == nil || f.Reason != "FailedIndexes" {
		t.Errorf("conditions %s", condSummary(j.Status.Conditions))
	}
	if n := len(pods(t, c, "batch.kubernetes.io/job-completion-index=1")); n != 1 {
		t.Errorf("index 1 had %d pods, want 1 (FailIndex: no retry)", n)
	}
}

// maxFailedIndexes: when the failed indexes exceed it the Job fails at once
// (MaxFailedIndexesExceeded) and its running pods are terminated.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#backoff-limit-per-index
func TestJobMaxFailedIndexes(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  completions: 4
  parallelism: 4
  completionMode: Indexed
  backoffLimitPerIndex: 0
  maxFailedIndexes: 1
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: "1h"}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`)
	advance(t, c, time.Second)
	for _, ix := range []string{"0", "1"} {
		for _, p := range pods(t, c, "batch.kubernetes.io/job-completion-index="+ix) {
			if err := c.Fake().KillContainer(p.Namespace, p.Name, "c", 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	advance(t, c, 2*time.Minute)
	j := getJob(t, c, "j")
	if f := jobCond(j, workload.JobFailed); f == nil || f.Reason != "MaxFailedIndexesExceeded" {
		t.Errorf("conditions %s", condSummary(j.Status.Conditions))
	}
	if j.Status.Active != 0 {
		t.Errorf("active %d", j.Status.Active)
	}
	if j.Status.Failed != 4 {
		t.Errorf("failed %d, want 4 (2 failed + 2 terminated)", j.Status.Failed)
	}
}

// successPolicy: once index 0 succeeded the Job gets SuccessCriteriaMet
// (reason SuccessPolicy), its other pods are terminated, then Complete.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#success-policy
func TestJobSuccessPolicy(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  completions: 3
  parallelism: 3
  completionMode: Indexed
  successPolicy:
    rules: [{succeededIndexes: "0"}]
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: "1h"}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`)
	advance(t, c, time.Second)
	for _, p := range pods(t, c, "batch.kubernetes.io/job-completion-index=0") {
		if err := c.Fake().KillContainer(p.Namespace, p.Name, "c", 0); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, 2*time.Minute)
	j := getJob(t, c, "j")
	if s := jobCond(j, workload.JobSuccessCriteriaMet); s == nil || s.Reason != "SuccessPolicy" {
		t.Errorf("conditions %s", condSummary(j.Status.Conditions))
	}
	if cc := jobCond(j, workload.JobComplete); cc == nil || cc.Reason != "SuccessPolicy" {
		t.Errorf("conditions %s", condSummary(j.Status.Conditions))
	}
	if j.Status.CompletedIndexes != "0" || j.Status.Succeeded != 1 {
		t.Errorf("completedIndexes %q succeeded %d", j.Status.CompletedIndexes, j.Status.Succeeded)
	}
	if j.Status.Active != 0 {
		t.Errorf("active %d", j.Status.Active)
	}
}

// Exponential back-off, 10 s doubling, capped (the code caps at 10 min):
// the k-th replacement starts 10s*2^(k-1) after the k-th failure.
// Source: pkg/controller/job/backoff_utils.go, job_controller.go
// (DefaultJobPodFailureBackOff 10s, MaxJobPodFailureBackOff 10m).
func TestJobBackoffSchedule(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  backoffLimit: 9", neverPod, `{sim.orchestra.dev/exit-code: "1", sim.orchestra.dev/run-for: "0s"}`))
	runUntil(t, c, 3*time.Hour, "job failed", func() bool { return jobCond(getJob(t, c, "j"), workload.JobFailed) != nil })
	ps := pods(t, c, "job-name=j")
	var starts []time.Duration
	for _, p := range ps {
		starts = append(starts, p.CreationTimestamp.Sub(t0))
	}
	// sort
	for i := range starts {
		for k := i + 1; k < len(starts); k++ {
			if starts[k] < starts[i] {
				starts[i], starts[k] = starts[k], starts[i]
			}
		}
	}
	want := []time.Duration{0, 10 * time.Second, 30 * time.Second, 70 * time.Second, 150 * time.Second, 310 * time.Second, 630 * time.Second, 1230 * time.Second, 1830 * time.Second, 2430 * time.Second}
	if len(starts) != len(want) {
		t.Fatalf("pod creation times %v, want %v", starts, want)
	}
	for i := range want {
		if starts[i] != want[i] {
			t.Errorf("pod creation times %v, want %v", starts, want)
			break
		}
	}
}

// A Job pod deleted by the user (kubectl delete pod) counts as failed and is
// replaced; with backoffLimit 0 the Job fails.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#handling-pod-and-container-failures
// (pkg/controller/job isPodFailed: a pod with deletionTimestamp that is not
// Succeeded counts as failed under podReplacementPolicy TerminatingOrFailed).
func TestJobDeletedPodCountsAsFailed(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  backoffLimit: 1", neverPod, `{sim.orchestra.dev/run-for: "1m"}`))
	advance(t, c, 10*time.Second)
	ps := pods(t, c, "job-name=j")
	if err := c.DeletePod("default", ps[0].Name, nil); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	j := getJob(t, c, "j")
	if j.Status.Failed != 1 {
		t.Errorf("failed %d want 1", j.Status.Failed)
	}
	runUntil(t, c, time.Hour, "complete", func() bool { return jobCond(getJob(t, c, "j"), workload.JobComplete) != nil })
}

// Pod replacement policy Failed: a replacement waits until the deleted pod is
// terminal; status.terminating counts it meanwhile.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-replacement-policy
func TestJobPodReplacementPolicyFailed(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  podReplacementPolicy: Failed
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: "1h"}}
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 60
      containers: [{name: c, image: busybox}]`)
	advance(t, c, 10*time.Second)
	ps := pods(t, c, "job-name=j")
	if err := c.DeletePod("default", ps[0].Name, nil); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 30*time.Second)
	j := getJob(t, c, "j")
	if n := len(pods(t, c, "job-name=j")); n != 1 {
		t.Errorf("%d pods while the first terminates, want 1 (Failed policy)", n)
	}
	if j.Status.Terminating == nil || *j.Status.Terminating != 1 {
		t.Errorf("terminating %v want 1", j.Status.Terminating)
	}
	advance(t, c, 2*time.Minute)
	j = getJob(t, c, "j")
	if j.Status.Active != 1 || j.Status.Failed != 1 {
		t.Errorf("after grace: active %d failed %d, want 1 1", j.Status.Active, j.Status.Failed)
	}
}

// Default policy TerminatingOrFailed: the replacement is created as soon as
// the pod has a deletionTimestamp.
func TestJobPodReplacementPolicyDefault(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: "1h"}}
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 60
      containers: [{name: c, image: busybox}]`)
	advance(t, c, 10*time.Second)
	ps := pods(t, c, "job-name=j")
	if err := c.DeletePod("default", ps[0].Name, nil); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 30*time.Second)
	if n := len(pods(t, c, "job-name=j")); n != 2 {
		t.Errorf("%d pods, want 2 (the replacement beside the terminating pod)", n)
	}
}
