package breakit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// r6hasEvent reports whether an event about name has the reason.
func r6hasEvent(evs []string, reason string) bool {
	for _, e := range evs {
		if strings.HasPrefix(e, reason+":") {
			return true
		}
	}
	return false
}

// "@every 1h" (robfig's constant-delay schedule, which Kubernetes'
// validation accepts) fires every hour counted from the last scheduled
// slot: Kubernetes requeues at schedule.Next(mostRecentTime), so a sync at
// any other instant (here a control-plane restart at 1h31m) does not shift
// the slots. Source: kubernetes/kubernetes#104012 (a user's report:
// "@every 6h" Jobs drift after a kube-controller-manager restart), fixed by
// #109250; pkg/controller/cronjob/utils.go nextScheduleTimeDuration,
// mostRecentScheduleTime.
func TestR6CronEveryKeepsItsSlotsAfterRestart(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '@every 1h'\n  successfulJobsHistoryLimit: 10", ""))
	advance(t, c, 90*time.Minute)
	c.StopControlPlane()
	advance(t, c, time.Minute)
	if err := c.StartControlPlane(); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 3*time.Hour)
	js := cronJobs(t, c)
	if len(js) != 4 {
		t.Fatalf("jobs %v, want 4 (1h, 2h, 3h, 4h)", js)
	}
	for i, j := range js {
		slot := time.Duration(i+1) * time.Hour
		if j.name != minutesName("cj", t0.Add(slot)) || j.created != slot {
			t.Errorf("job %d: %v, want slot %v created on time", i, j, slot)
		}
	}
}

// "@every 1h" with startingDeadlineSeconds 60: each hourly slot is on
// time, so each starts. Kubernetes counts the constant-delay chain from
// now - startingDeadlineSeconds when the deadline cuts the window, so a
// deadline under the interval never finds a slot and the CronJob never
// runs: orchestra keeps the chain anchored at the last slot and lets the
// deadline only drop late slots (documented in NewCronJob).
func TestR6CronEveryWithDeadline(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '@every 1h'\n  startingDeadlineSeconds: 60\n  successfulJobsHistoryLimit: 10", ""))
	advance(t, c, 3*time.Hour+30*time.Minute)
	js := cronJobs(t, c)
	if len(js) != 3 {
		t.Fatalf("jobs %v, want 3 (1h, 2h, 3h)", js)
	}
	for i, j := range js {
		if slot := time.Duration(i+1) * time.Hour; j.created != slot {
			t.Errorf("job %d: %v, want created at %v", i, j, slot)
		}
	}
}

// Changing spec.schedule to a time between status.lastScheduleTime and now
// does not start a Job for that time: the new schedule applies from the
// change (kubernetes/kubernetes#63371, #65457, #57853, #123220). Kubernetes'
// updateCronJob requeues a schedule change at the new schedule's next
// slot instead of syncing at once, for this reason.
// Source: pkg/controller/cronjob/cronjob_controllerv2.go updateCronJob.
func TestR6CronScheduleChangeIsNotRetroactive(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '0 * * * *'\n  successfulJobsHistoryLimit: 10", ""))
	advance(t, c, 90*time.Minute) // the 1h slot ran
	cj := getCron(t, c, "cj")
	cj.Spec.Schedule = "15 * * * *" // 1h15m is in (lastScheduleTime, now]
	if _, err := c.Apply(cj); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 80*time.Minute) // past the old schedule's next slot (2h) and the new one's (2h15m)
	js := cronJobs(t, c)
	if len(js) != 2 || js[1].name != minutesName("cj", t0.Add(2*time.Hour+15*time.Minute)) || js[1].created != 2*time.Hour+15*time.Minute {
		t.Errorf("jobs %v, want the 1h one and the 2h15m one, on time", js)
	}
}

// A schedule that parses but never fires ("59 23 31 2 *", February 31st)
// raises Kubernetes' InvalidSchedule warning and creates nothing.
// Source: pkg/controller/cronjob/utils.go mostRecentScheduleTime ("time
// difference between two schedules is less than 1 second") and
// cronjob_controllerv2.go syncCronJob.
func TestR6CronScheduleThatNeverFires(t *testing.T) {
	c := newCluster(t, "a")
	objs, _, err := workload.Decode([]byte(cronYAML("cj", "  schedule: '59 23 31 2 *'", "")), "cj.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(objs[0]); err != nil {
		t.Fatal(err) // Kubernetes' validation only parses the schedule
	}
	advance(t, c, time.Hour)
	if js := cronJobs(t, c); len(js) != 0 {
		t.Errorf("jobs %v", js)
	}
	if evs := eventsFor(c, "cj"); !r6hasEvent(evs, "InvalidSchedule") {
		t.Errorf("events %v, want InvalidSchedule", evs)
	}
}

// Event messages are Kubernetes' word for word, for tools that match them:
// "Saw completed job: <job>, condition: Complete" and "too many missed start
// times. Set or decrease .spec.startingDeadlineSeconds or check clock
// skew". Source: pkg/controller/cronjob/cronjob_controllerv2.go
// syncCronJob, utils.go nextScheduleTime.
func TestR6CronEventMessages(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, cronYAML("cj", "  schedule: '*/1 * * * *'\n  suspend: true", ""))
	advance(t, c, 3*time.Hour)
	cj := getCron(t, c, "cj")
	cj.Spec.Suspend = workload.Ptr(false)
	if _, err := c.Apply(cj); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 30*time.Second)
	want := map[string]bool{
		"TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew": false,
		"SawCompletedJob: Saw completed job: " + minutesName("cj", t0.Add(3*time.Hour)) + ", condition: Complete":            false,
	}
	evs := eventsFor(c, "cj")
	for _, e := range evs {
		if _, ok := want[e]; ok {
			want[e] = true
		}
	}
	for m, seen := range want {
		if !seen {
			t.Errorf("no event %q in %v", m, evs)
		}
	}
}
