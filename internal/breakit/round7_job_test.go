package breakit_test

import (
	"sort"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A Job with manualSelector adopts the running orphans its selector
// matches, as the Kubernetes documentation's "Specifying your own Pod
// selector" walk-through relies on: Job old is deleted with
// --cascade=orphan, its pods run on, and Job new, whose selector is old's
// controller-uid label, takes them over instead of starting new ones.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#specifying-your-own-pod-selector ;
// pkg/controller/job/job_controller.go getPodsForJob (ClaimPods over every
// pod of the namespace, adopting with the tracking finalizer).
func TestR7JobManualSelectorAdoptsOrphans(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("old", "  parallelism: 2\n  completions: 2", neverPod, `{sim.orchestra.dev/run-for: "1h"}`))
	advance(t, c, 10*time.Second)
	old := getJob(t, c, "old")
	if err := c.Delete("Job", "default", "old", "Orphan"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Second)
	sel := "batch.kubernetes.io/controller-uid=" + old.UID
	var orphans []string
	for _, p := range pods(t, c, sel) {
		if workload.ControllerOf(p) != nil || p.DeletionTimestamp != nil {
			t.Fatalf("pod %s not an orphan after the Orphan delete: owners %v", p.Name, p.OwnerReferences)
		}
		orphans = append(orphans, p.Name)
	}
	if len(orphans) != 2 {
		t.Fatalf("%d orphans, want 2", len(orphans))
	}
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: new}
spec:
  manualSelector: true
  parallelism: 2
  completions: 2
  selector:
    matchLabels: {batch.kubernetes.io/controller-uid: `+old.UID+`}
  template:
    metadata:
      labels: {batch.kubernetes.io/controller-uid: `+old.UID+`}
      annotations: {sim.orchestra.dev/run-for: "1h"}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
`)
	advance(t, c, 10*time.Second)
	nj := getJob(t, c, "new")
	var mine []string
	for _, p := range pods(t, c, sel) {
		if ref := workload.ControllerOf(p); ref != nil && ref.UID == nj.UID {
			mine = append(mine, p.Name)
		}
	}
	sort.Strings(mine)
	sort.Strings(orphans)
	if len(mine) != 2 || mine[0] != orphans[0] || mine[1] != orphans[1] {
		t.Errorf("Job new controls %v, want the orphans %v (and no new pods)", mine, orphans)
	}
	if nj.Status.Active != 2 {
		t.Errorf("Job new: active %d, want 2", nj.Status.Active)
	}
}

// A Job pod whose labels stop matching the Job's selector is released:
// its owner reference (and tracking finalizer) goes, it runs on as an
// orphan, and the Job starts a replacement.
// Source: pkg/controller/controller_ref_manager.go ClaimObject (release
// an owned object whose labels no longer match), used by getPodsForJob.
func TestR7JobReleasesPodThatNoLongerMatches(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "", neverPod, `{sim.orchestra.dev/run-for: "1h"}`))
	advance(t, c, 10*time.Second)
	ps := pods(t, c, "job-name=j")
	if len(ps) != 1 {
		t.Fatalf("%d pods", len(ps))
	}
	p := ps[0]
	delete(p.Labels, workload.ControllerUIDLabel)
	if _, err := c.Apply(p); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Second)
	p = r7pod(t, c, p.Name)
	if ref := workload.ControllerOf(p); ref != nil || p.DeletionTimestamp != nil || p.Status.Phase != workload.PodRunning {
		t.Errorf("relabelled pod: controller %v deleting %v phase %s, want a running orphan", ref, p.DeletionTimestamp != nil, p.Status.Phase)
	}
	if jobHasTrackingFinalizer(p) {
		t.Errorf("released pod keeps the job-tracking finalizer")
	}
	j := getJob(t, c, "j")
	var mine int
	for _, q := range pods(t, c, "batch.kubernetes.io/controller-uid="+j.UID) {
		if ref := workload.ControllerOf(q); ref != nil && ref.UID == j.UID && q.DeletionTimestamp == nil {
			mine++
		}
	}
	if mine != 1 || j.Status.Active != 1 || j.Status.Failed != 0 {
		t.Errorf("Job: %d pods, active %d, failed %d; want a replacement, 1 active, none failed", mine, j.Status.Active, j.Status.Failed)
	}
}

func jobHasTrackingFinalizer(p *workload.Pod) bool {
	for _, f := range p.Finalizers {
		if f == workload.JobTrackingFinalizer {
			return true
		}
	}
	return false
}
