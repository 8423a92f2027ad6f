package breakit_test

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

func cronYAML(name, spec, podAnn string) string {
	if podAnn == "" {
		podAnn = "{}"
	}
	return `
apiVersion: batch/v1
kind: CronJob
metadata: {name: ` + name + `}
spec:
` + spec + `
  jobTemplate:
    spec:
      template:
        metadata: {annotations: ` + podAnn + `}
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox}]`
}

type jobInfo struct {
	name    string
	created time.Duration
}

func cronJobs(t *testing.T, c *orchestra.Cluster) []jobInfo {
	t.Helper()
	objs, err := c.List("Job", "default", "")
	if err != nil {
		t.Fatal(err)
	}
	var out []jobInfo
	for _, o := range objs {
		j := o.(*workload.Job)
		out = append(out, jobInfo{j.Name, j.CreationTimestamp.Sub(t0)})
	}
	sort.Slice(out, func(i, k int) bool { return out[i].created < out[k].created })
	return out
}

func minutesName(cj string, at time.Time) string {
	return cj + "-" + strconv.FormatInt(at.Unix()/60, 10)
}

func getCron(t *testing.T, c *orchestra.Cluster, name string) *workload.CronJob {
	t.Helper()
	o, err := c.Get("CronJob", "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.CronJob)
}

// @hourly runs at the top of each hour; Jobs are named
// <cronjob>-<scheduled time in minutes since the epoch>; the Job carries the
// batch.kubernetes.io/cronjob-scheduled-timestamp annotation; status
// lastScheduleTime is the scheduled slot and lastSuccessfulTime the Job's
// completion time.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ ;
// pkg/controller/cronjob/utils.go getJobName.
func TestCronJobHourlyNaming(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '@hourly'", ""))
	advance(t, c, 2*time.Hour+30*time.Minute)
	js := cronJobs(t, c)
	if len(js) != 2 {
		t.Fatalf("jobs %v", js)
	}
	if js[0].name != minutesName("cj", t0.Add(time.Hour)) || js[0].created != time.Hour {
		t.Errorf("first job %v", js[0])
	}
	cj := getCron(t, c, "cj")
	if since(cj.Status.LastScheduleTime) != "2h0m0s" {
		t.Errorf("lastScheduleTime %s", since(cj.Status.LastScheduleTime))
	}
	if since(cj.Status.LastSuccessfulTime) != "2h0m10s" {
		t.Errorf("lastSuccessfulTime %s", since(cj.Status.LastSuccessfulTime))
	}
	j := getJob(t, c, js[0].name)
	if got := j.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]; got != t0.Add(time.Hour).Format(time.RFC3339) {
		t.Errorf("scheduled-timestamp %q", got)
	}
}

// spec.timeZone: "0 9 * * *" in America/New_York runs at 14:00 UTC in
// winter. Source: https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones
func TestCronJobTimeZone(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '0 9 * * *'\n  timeZone: America/New_York", ""))
	advance(t, c, 15*time.Hour)
	js := cronJobs(t, c)
	if len(js) != 1 || js[0].created != 14*time.Hour {
		t.Fatalf("jobs %v, want one at 14h", js)
	}
	j := getJob(t, c, js[0].name)
	if got := j.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]; got != "2026-03-01T09:00:00-05:00" {
		t.Errorf("scheduled-timestamp %q", got)
	}
}

// TZ= / CRON_TZ= in the schedule are rejected by validation since 1.29, and
// so is an unknown spec.timeZone.
// Source: pkg/apis/batch/validation/validation.go validateScheduleFormat,
// validateTimeZone; https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#unsupported-timezone-specification
func TestCronJobRejectsTZ(t *testing.T) {
	for name, spec := range map[string]string{
		"CRON_TZ":    "  schedule: 'CRON_TZ=UTC 0 * * * *'",
		"TZ":         "  schedule: 'TZ=UTC 0 * * * *'",
		"bad zone":   "  schedule: '0 * * * *'\n  timeZone: Mars/Olympus",
		"bad sched":  "  schedule: '61 * * * *'",
		"local zone": "  schedule: '0 * * * *'\n  timeZone: Local",
	} {
		t.Run(name, func(t *testing.T) {
			c := newCluster(t, "a")
			objs, _, err := workload.Decode([]byte(cronYAML("cj", spec, "")), "cj.yaml")
			if err != nil {
				return // refused at decode: fine
			}
			if _, err := c.Apply(objs[0]); err == nil {
				t.Errorf("Apply accepted %q", spec)
			}
		})
	}
}

// concurrencyPolicy Forbid: a slot is skipped while a Job is active; when
// that Job ends the latest missed slot starts (no startingDeadlineSeconds).
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#concurrency-policy ;
// pkg/controller/cronjob/cronjob_controllerv2.go syncCronJob.
func TestCronJobForbid(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '*/1 * * * *'\n  concurrencyPolicy: Forbid", `{sim.orchestra.dev/run-for: "150s"}`))
	advance(t, c, 5*time.Minute+30*time.Second)
	js := cronJobs(t, c)
	// 1m: job A runs to ~3m30s. 2m,3m skipped. At ~3m30s the latest missed
	// slot (3m) starts. 4m, 5m skipped.
	if len(js) != 2 {
		t.Fatalf("jobs %v", js)
	}
	if js[1].name != minutesName("cj", t0.Add(3*time.Minute)) {
		t.Errorf("second job %v, want the 3m slot", js[1])
	}
	if js[1].created < 3*time.Minute+30*time.Second || js[1].created > 3*time.Minute+32*time.Second {
		t.Errorf("second job created at %v, want when the first ended (3m30s)", js[1].created)
	}
}

// concurrencyPolicy Forbid with startingDeadlineSeconds: a missed slot that
// is past its deadline when the active Job ends is not started.
func TestCronJobForbidDeadline(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '*/5 * * * *'\n  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 60", `{sim.orchestra.dev/run-for: "7m"}`))
	advance(t, c, 14*time.Minute)
	js := cronJobs(t, c)
	// 5m: job runs to 12m. 10m slot: active, deadline 11m passes. 12m: no start.
	if len(js) != 1 {
		t.Errorf("jobs %v, want only the 5m one", js)
	}
	var miss bool
	for _, e := range eventsFor(c, "cj") {
		if strings.HasPrefix(e, "MissSchedule") {
			miss = true
		}
	}
	if !miss {
		t.Errorf("no MissSchedule event: %v", eventsFor(c, "cj"))
	}
}

// concurrencyPolicy Replace: the active Job is deleted and a new one created.
func TestCronJobReplace(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '*/1 * * * *'\n  concurrencyPolicy: Replace", `{sim.orchestra.dev/run-for: "150s"}`))
	advance(t, c, 2*time.Minute+10*time.Second)
	js := cronJobs(t, c)
	if len(js) != 1 || js[0].name != minutesName("cj", t0.Add(2*time.Minute)) {
		t.Errorf("jobs %v, want only the 2m one", js)
	}
	cj := getCron(t, c, "cj")
	if len(cj.Status.Active) != 1 || cj.Status.Active[0].Name != minutesName("cj", t0.Add(2*time.Minute)) {
		t.Errorf("active %v", cj.Status.Active)
	}
}

// suspend: no Jobs while suspended; on unsuspend (no deadline) the latest
// missed slot starts at once.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-suspension
func TestCronJobSuspendResume(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '0 * * * *'\n  suspend: true", ""))
	advance(t, c, 3*time.Hour+30*time.Minute)
	if js := cronJobs(t, c); len(js) != 0 {
		t.Fatalf("jobs while suspended: %v", js)
	}
	cj := getCron(t, c, "cj")
	cj.Spec.Suspend = workload.Ptr(false)
	if _, err := c.Apply(cj); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	js := cronJobs(t, c)
	if len(js) != 1 || js[0].name != minutesName("cj", t0.Add(3*time.Hour)) {
		t.Errorf("jobs %v, want one for the 3h slot at once", js)
	}
}

// History limits: successfulJobsHistoryLimit 3 and failedJobsHistoryLimit 1
// by default.
func TestCronJobHistoryLimits(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("ok", "  schedule: '*/1 * * * *'", ""))
	advance(t, c, 10*time.Minute+30*time.Second)
	var nok int
	for _, j := range cronJobs(t, c) {
		if strings.HasPrefix(j.name, "ok-") {
			nok++
		}
	}
	if nok != 3 {
		t.Errorf("%d successful Jobs kept, want 3: %v", nok, cronJobs(t, c))
	}
}

// Failed Jobs: default failedJobsHistoryLimit 1.
func TestCronJobFailedHistoryLimit(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, `
apiVersion: batch/v1
kind: CronJob
metadata: {name: bad}
spec:
  schedule: '*/5 * * * *'
  jobTemplate:
    spec:
      backoffLimit: 0
      template:
        metadata: {annotations: {sim.orchestra.dev/exit-code: "1"}}
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox}]`)
	advance(t, c, 31*time.Minute)
	if js := cronJobs(t, c); len(js) != 1 {
		t.Errorf("jobs %v, want 1 failed kept", js)
	}
	cj := getCron(t, c, "bad")
	if cj.Status.LastSuccessfulTime != nil {
		t.Errorf("lastSuccessfulTime %s for a CronJob whose Jobs all failed", since(cj.Status.LastSuccessfulTime))
	}
}

// More than 100 missed slots: since 1.21 the controller warns
// (TooManyMissedTimes) and still starts the latest one.
// Source: pkg/controller/cronjob/cronjob_controllerv2.go; https://github.com/kubernetes/website/issues/44525
func TestCronJobTooManyMissed(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '*/1 * * * *'\n  suspend: true", ""))
	advance(t, c, 3*time.Hour)
	cj := getCron(t, c, "cj")
	cj.Spec.Suspend = workload.Ptr(false)
	if _, err := c.Apply(cj); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	js := cronJobs(t, c)
	if len(js) != 1 || js[0].name != minutesName("cj", t0.Add(3*time.Hour)) {
		t.Errorf("jobs %v", js)
	}
	var warned bool
	for _, e := range eventsFor(c, "cj") {
		if strings.HasPrefix(e, "TooManyMissedTimes") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("events %v", eventsFor(c, "cj"))
	}
}
