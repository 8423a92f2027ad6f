package breakit_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

// Job spec.template is immutable (except scheduling directives of a
// suspended Job that never started), and so is completions of a NonIndexed
// Job: re-applying an edited manifest is refused ("field is immutable").
// Source: pkg/apis/batch/validation/validation.go ValidateJobSpecUpdate.
func TestJobTemplateImmutable(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  completions: 3", neverPod, `{sim.orchestra.dev/run-for: "1h"}`))
	advance(t, c, time.Second)
	j := getJob(t, c, "j")
	j.Spec.Template.Spec.Containers[0].Image = "busybox:2"
	if _, err := c.Apply(j); err == nil {
		t.Errorf("Apply accepted a Job template change")
	}
	j = getJob(t, c, "j")
	j.Spec.Completions = workload.Ptr[int32](5)
	if _, err := c.Apply(j); err == nil {
		t.Errorf("Apply accepted a completions change on a NonIndexed Job")
	}
}

// Elastic Indexed Jobs: parallelism and completions may change together
// while equal; shrinking removes the pods of indexes >= completions.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#elastic-indexed-jobs
func TestJobElasticIndexed(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  completions: 4
  parallelism: 4
  completionMode: Indexed
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: "1m"}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]`)
	advance(t, c, time.Second)
	j := getJob(t, c, "j")
	j.Spec.Completions = workload.Ptr[int32](2)
	j.Spec.Parallelism = workload.Ptr[int32](2)
	if _, err := c.Apply(j); err != nil {
		t.Fatalf("elastic scale-down refused: %v", err)
	}
	advance(t, c, 2*time.Minute)
	j = getJob(t, c, "j")
	if jobCond(j, workload.JobComplete) == nil || j.Status.CompletedIndexes != "0,1" || j.Status.Succeeded != 2 {
		t.Errorf("completedIndexes %q succeeded %d conditions %s", j.Status.CompletedIndexes, j.Status.Succeeded, condSummary(j.Status.Conditions))
	}
}

// A Job created suspended has no startTime and no pods; its deadline does
// not run while suspended.
func TestJobCreatedSuspended(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  suspend: true\n  activeDeadlineSeconds: 60", neverPod, ""))
	advance(t, c, 5*time.Minute)
	j := getJob(t, c, "j")
	if j.Status.StartTime != nil || len(pods(t, c, "job-name=j")) != 0 || jobCond(j, workload.JobFailed) != nil {
		t.Errorf("suspended Job: startTime %s conditions %s", since(j.Status.StartTime), condSummary(j.Status.Conditions))
	}
	j.Spec.Suspend = workload.Ptr(false)
	if _, err := c.Apply(j); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 20*time.Second)
	j = getJob(t, c, "j")
	if jobCond(j, workload.JobComplete) == nil {
		t.Errorf("after resume: %s", condSummary(j.Status.Conditions))
	}
}

// CronJob names are limited to 52 characters (the Job name adds 11).
// Source: pkg/apis/batch/validation/validation.go ValidateCronJobCreate.
func TestCronJobNameTooLong(t *testing.T) {
	c := newCluster(t, "a")
	name := strings.Repeat("a", 53)
	objs, _, err := workload.Decode([]byte(cronYAML(name, "  schedule: '@hourly'", "")), "cj.yaml")
	if err != nil {
		return
	}
	if _, err := c.Apply(objs[0]); err == nil {
		t.Errorf("Apply accepted a 53-character CronJob name")
	}
}

// successfulJobsHistoryLimit 0: a finished Job is deleted at once.
func TestCronJobHistoryZero(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '*/5 * * * *'\n  successfulJobsHistoryLimit: 0", ""))
	advance(t, c, 6*time.Minute)
	if js := cronJobs(t, c); len(js) != 0 {
		t.Errorf("jobs %v", js)
	}
	if cj := getCron(t, c, "cj"); since(cj.Status.LastSuccessfulTime) != "5m10s" {
		t.Errorf("lastSuccessfulTime %s", since(cj.Status.LastSuccessfulTime))
	}
}

// DaemonSet rolling update: maxUnavailable as a percentage of
// desiredNumberScheduled rounds UP (10 nodes, 25% -> 3), unlike a
// Deployment. Source: pkg/controller/daemon/util/daemonset_util.go
// UnavailableCount (intstr.GetScaledValueFromIntOrPercent(..., true)).
func TestDaemonSetMaxUnavailablePercentRoundsUp(t *testing.T) {
	nodes := []string{"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"}
	c := newClusterB(t, brokenImage, nodes...)
	applyYAML(t, c, `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 25%}}
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: agent:1}]}`)
	advance(t, c, time.Minute)
	o, _ := c.Get("DaemonSet", "default", "agent")
	ds := o.(*workload.DaemonSet)
	ds.Spec.Template.Spec.Containers[0].Image = "broken:2"
	if _, err := c.Apply(ds); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Minute)
	var updated int
	for _, p := range pods(t, c, "app=agent") {
		if p.Spec.Containers[0].Image == "broken:2" {
			updated++
		}
	}
	if updated != 3 {
		t.Errorf("%d nodes updated to the broken image, want 3 (25%% of 10 rounded up)", updated)
	}
	o, _ = c.Get("DaemonSet", "default", "agent")
	st := o.(*workload.DaemonSet).Status
	if st.DesiredNumberScheduled != 10 || st.UpdatedNumberScheduled != 3 || st.NumberAvailable != 7 || st.NumberUnavailable != 3 {
		t.Errorf("status %+v", st)
	}
}

// DaemonSet OnDelete: a template change replaces a pod only once it is deleted.
func TestDaemonSetOnDelete(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, dsYAML("  updateStrategy: {type: OnDelete}", ""))
	advance(t, c, time.Minute)
	o, _ := c.Get("DaemonSet", "default", "agent")
	ds := o.(*workload.DaemonSet)
	ds.Spec.Template.Spec.Containers[0].Image = "agent:2"
	if _, err := c.Apply(ds); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	ps := pods(t, c, "app=agent")
	for _, p := range ps {
		if p.Spec.Containers[0].Image != "agent:1" {
			t.Errorf("pod %s updated without being deleted", p.Name)
		}
	}
	if err := c.DeletePod("default", ps[0].Name, workload.Ptr[int64](0)); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	var images []string
	for _, p := range pods(t, c, "app=agent") {
		images = append(images, p.Spec.Containers[0].Image)
	}
	sort.Strings(images)
	if len(images) != 2 || images[0] != "agent:1" || images[1] != "agent:2" {
		t.Errorf("images %v", images)
	}
}

// StatefulSet maxUnavailable (MaxUnavailableStatefulSet): a rolling update
// replaces up to maxUnavailable pods at a time.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#maximum-unavailable-pods
func TestStatefulSetMaxUnavailable(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "db*"}, ReadyAfter: 30 * time.Second}}, "a")
	applyYAML(t, c, stsYAML("db", "  replicas: 4\n  podManagementPolicy: Parallel\n  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 2}}", "db:1"))
	advance(t, c, 2*time.Minute)
	pt := recordPods(t, c)
	o, _ := c.Get("StatefulSet", "default", "db")
	set := o.(*workload.StatefulSet)
	set.Spec.Template.Spec.Containers[0].Image = "db:2"
	if _, err := c.Apply(set); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Second)
	if len(pt.delOrd) != 2 {
		t.Errorf("pods deleted in the first 5s: %v, want 2 (maxUnavailable 2)", pt.delOrd)
	}
}

// StatefulSet with whenDeleted Delete: the claims go with the set.
func TestStatefulSetPVCWhenDeletedDelete(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: db}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}`)
	advance(t, c, time.Minute)
	if err := c.Delete("StatefulSet", "default", "db", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Minute)
	objs, _ := c.List("PersistentVolumeClaim", "default", "")
	if len(objs) != 0 {
		t.Errorf("%d claims left after deleting the set (whenDeleted Delete)", len(objs))
	}
}

// Deployment maxSurge 0, maxUnavailable 1, replicas 1: the old pod goes
// first, then the new one is created.
func TestDeploymentMaxSurgeZero(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployYAML("web", "  replicas: 1\n  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}", "nginx:1"))
	advance(t, c, time.Minute)
	setImage(t, c, "web", "nginx:2", nil)
	advance(t, c, 2*time.Minute)
	ps := pods(t, c, "app=web")
	if len(ps) != 1 || ps[0].Spec.Containers[0].Image != "nginx:2" {
		t.Errorf("pods %d", len(ps))
	}
}

// Active pods are capped at min(parallelism, completions - succeeded);
// status.ready counts the ready active pods.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/job/#controlling-parallelism
func TestJobParallelismCap(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, jobYAML("j", "  completions: 3\n  parallelism: 5", neverPod, `{sim.orchestra.dev/run-for: "1m"}`))
	advance(t, c, time.Second)
	j := getJob(t, c, "j")
	if n := len(pods(t, c, "job-name=j")); n != 3 || j.Status.Active != 3 {
		t.Errorf("%d pods, active %d, want 3", n, j.Status.Active)
	}
	if j.Status.Ready == nil || *j.Status.Ready != 3 {
		t.Errorf("ready %v want 3", j.Status.Ready)
	}
}

// After a completed rolling update, currentRevision becomes updateRevision
// and currentReplicas = replicas.
// Source: pkg/controller/statefulset/stateful_set_control.go completeRollingUpdate.
func TestStatefulSetRevisionAfterUpdate(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, stsYAML("db", "  replicas: 3\n  minReadySeconds: 10", "db:1"))
	advance(t, c, 2*time.Minute)
	o, _ := c.Get("StatefulSet", "default", "db")
	set := o.(*workload.StatefulSet)
	if set.Status.AvailableReplicas != 3 {
		t.Errorf("availableReplicas %d", set.Status.AvailableReplicas)
	}
	set.Spec.Template.Spec.Containers[0].Image = "db:2"
	if _, err := c.Apply(set); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Minute)
	o, _ = c.Get("StatefulSet", "default", "db")
	st := o.(*workload.StatefulSet).Status
	if st.CurrentRevision != st.UpdateRevision || st.CurrentReplicas != 3 || st.UpdatedReplicas != 3 || st.AvailableReplicas != 3 {
		t.Errorf("status %+v", st)
	}
}
