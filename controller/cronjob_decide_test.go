package controller

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orchestra-go/orchestra/workload"
)

var decideT0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// cronPlanSummary is what the decision tests compare.
type cronPlanSummary struct {
	Create       []string
	Delete       []string
	Events       []string // reasons
	Active       []string
	LastSchedule string
	LastSuccess  string
	RequeueAfter time.Duration
}

func summarizeCronPlan(p cronPlan) cronPlanSummary {
	var s cronPlanSummary
	for _, c := range p.Create {
		s.Create = append(s.Create, c.Name)
	}
	for _, d := range p.Delete {
		s.Delete = append(s.Delete, d.Name)
	}
	for _, e := range p.Events {
		s.Events = append(s.Events, e.Reason)
	}
	for _, a := range p.Status.Active {
		s.Active = append(s.Active, a.Name)
	}
	if t := p.Status.LastScheduleTime; t != nil {
		s.LastSchedule = t.UTC().Format("15:04:05")
	}
	if t := p.Status.LastSuccessfulTime; t != nil {
		s.LastSuccess = t.UTC().Format("15:04:05")
	}
	s.RequeueAfter = p.RequeueAfter
	return s
}

type cronTestJob struct {
	slot      time.Duration // after decideT0
	state     string        // "", "Complete", "Failed"
	start     time.Duration
	end       time.Duration
	inActive  bool
	foreigner bool // not named for a slot
}

func cjn(d time.Duration) string { return cronJobName("cj", decideT0.Add(d)) }

func TestDecideCronJob(t *testing.T) {
	const m = time.Minute
	tests := []struct {
		name     string
		schedule string
		zone     string
		mutate   func(*workload.CronJob)
		created  time.Duration // creation time after decideT0 (negative: before)
		last     *time.Duration
		jobs     []cronTestJob
		now      time.Duration
		want     cronPlanSummary
	}{{
		name: "before the first slot: wait for it", schedule: "*/5 * * * *",
		created: 10 * time.Second, now: 30 * time.Second,
		want: cronPlanSummary{RequeueAfter: 4*m + 30*time.Second},
	}, {
		name: "at the slot: create it", schedule: "*/5 * * * *",
		created: -2 * m, now: 5 * m,
		want: cronPlanSummary{Create: []string{cjn(5 * m)}, RequeueAfter: 5 * m},
	}, {
		name: "slot done: nothing until the next", schedule: "*/5 * * * *",
		created: -2 * m, last: cronDur(5 * m), now: 5*m + 10*time.Second,
		jobs: []cronTestJob{{slot: 5 * m, inActive: true, start: 5 * m}},
		want: cronPlanSummary{Active: []string{cjn(5 * m)}, LastSchedule: "12:05:00", RequeueAfter: 4*m + 50*time.Second},
	}, {
		name: "a day missed: only the latest, with TooManyMissedTimes", schedule: "* * * * *",
		created: -24 * time.Hour, now: 30 * time.Second,
		want: cronPlanSummary{Create: []string{cjn(0)}, Events: []string{CronReasonTooManyMissedTimes}, RequeueAfter: 30 * time.Second},
	}, {
		name: "100 missed: no warning", schedule: "* * * * *",
		created: -100 * m, now: 0,
		want: cronPlanSummary{Create: []string{cjn(0)}, RequeueAfter: m},
	}, {
		name: "101 missed: warning", schedule: "* * * * *",
		created: -101 * m, now: 0,
		want: cronPlanSummary{Create: []string{cjn(0)}, Events: []string{CronReasonTooManyMissedTimes}, RequeueAfter: m},
	}, {
		name: "deadline keeps the window short: no warning", schedule: "* * * * *",
		mutate: cronDeadline(200), created: -24 * time.Hour, now: 0,
		want: cronPlanSummary{Create: []string{cjn(0)}, RequeueAfter: m},
	}, {
		name: "latest slot past its deadline: MissSchedule", schedule: "*/5 * * * *",
		mutate: cronDeadline(10), created: -2 * m, now: 20 * time.Second,
		want: cronPlanSummary{Events: []string{CronReasonMissSchedule}, RequeueAfter: 4*m + 40*time.Second},
	}, {
		name: "latest slot inside its deadline: runs late", schedule: "*/5 * * * *",
		mutate: cronDeadline(30), created: -2 * m, now: 20 * time.Second,
		want: cronPlanSummary{Create: []string{cjn(0)}, RequeueAfter: 4*m + 40*time.Second},
	}, {
		name: "suspended: nothing, no wake-up", schedule: "* * * * *",
		mutate: func(c *workload.CronJob) { c.Spec.Suspend = workload.Ptr(true) }, created: -10 * m, now: 0,
		want: cronPlanSummary{},
	}, {
		name: "Forbid with an active Job: skip, wake at the next slot", schedule: "* * * * *",
		mutate: cronPolicy(workload.ForbidConcurrent), created: -10 * m, last: cronDur(-m), now: 0,
		jobs: []cronTestJob{{slot: -m, inActive: true, start: -m}},
		want: cronPlanSummary{Events: []string{CronReasonJobAlreadyActive}, Active: []string{cjn(-m)}, LastSchedule: "11:59:00", RequeueAfter: m},
	}, {
		name: "Forbid with a deadline: also wake when the skipped slot expires", schedule: "*/10 * * * *",
		mutate: func(c *workload.CronJob) { cronPolicy(workload.ForbidConcurrent)(c); cronDeadline(30)(c) }, created: -20 * m, last: cronDur(-10 * m), now: 0,
		jobs: []cronTestJob{{slot: -10 * m, inActive: true, start: -10 * m}},
		want: cronPlanSummary{Events: []string{CronReasonJobAlreadyActive}, Active: []string{cjn(-10 * m)}, LastSchedule: "11:50:00", RequeueAfter: 31 * time.Second},
	}, {
		name: "Forbid, the Job just finished: the missed slot starts", schedule: "* * * * *",
		mutate: cronPolicy(workload.ForbidConcurrent), created: -10 * m, last: cronDur(-3 * m), now: 10 * time.Second,
		jobs: []cronTestJob{{slot: -3 * m, inActive: true, state: workload.JobComplete, start: -3 * m, end: 5 * time.Second}},
		want: cronPlanSummary{Create: []string{cjn(0)}, Events: []string{CronReasonSawCompletedJob}, LastSchedule: "11:57:00", LastSuccess: "12:00:05", RequeueAfter: 50 * time.Second},
	}, {
		name: "Replace: delete the active Job, create the new one", schedule: "* * * * *",
		mutate: cronPolicy(workload.ReplaceConcurrent), created: -10 * m, last: cronDur(-m), now: 0,
		jobs: []cronTestJob{{slot: -m, inActive: true, start: -m}},
		want: cronPlanSummary{Create: []string{cjn(0)}, Delete: []string{cjn(-m)}, Active: []string{cjn(-m)}, LastSchedule: "11:59:00", RequeueAfter: m},
	}, {
		name: "Allow: the active Job keeps running beside the new one", schedule: "* * * * *",
		created: -10 * m, last: cronDur(-m), now: 0,
		jobs: []cronTestJob{{slot: -m, inActive: true, start: -m}},
		want: cronPlanSummary{Create: []string{cjn(0)}, Active: []string{cjn(-m)}, LastSchedule: "11:59:00", RequeueAfter: m},
	}, {
		name: "the slot's Job exists (restart before the status write): record it", schedule: "* * * * *",
		created: -10 * m, last: cronDur(-m), now: 5 * time.Second,
		jobs: []cronTestJob{{slot: 0, start: 0}},
		want: cronPlanSummary{Events: []string{CronReasonUnexpectedJob}, Active: []string{cjn(0)}, LastSchedule: "12:00:00", RequeueAfter: 55 * time.Second},
	}, {
		name: "the slot's Job exists and already finished: record it, create nothing", schedule: "* * * * *",
		created: -10 * m, last: cronDur(-m), now: 50 * time.Second,
		jobs: []cronTestJob{{slot: 0, start: 0, end: 30 * time.Second, state: workload.JobComplete}},
		want: cronPlanSummary{LastSchedule: "12:00:00", LastSuccess: "12:00:30", RequeueAfter: 10 * time.Second},
	}, {
		name: "an active Job that went missing is pruned", schedule: "0 * * * *",
		created: m, now: 5 * m,
		mutate: func(c *workload.CronJob) {
			c.Status.Active = []workload.ObjectReference{{Kind: "Job", Name: "gone", UID: "uid-gone"}}
		},
		want: cronPlanSummary{Events: []string{CronReasonMissingJob}, RequeueAfter: 55 * m},
	}, {
		name: "history: the oldest finished beyond the limits go", schedule: "0 * * * *",
		mutate: func(c *workload.CronJob) {
			c.Spec.SuccessfulJobsHistoryLimit = workload.Ptr[int32](1)
			c.Spec.FailedJobsHistoryLimit = workload.Ptr[int32](1)
		},
		created: -10 * time.Hour, last: cronDur(0), now: 30 * m,
		jobs: []cronTestJob{
			{slot: -4 * time.Hour, state: workload.JobComplete, start: -4 * time.Hour, end: -4*time.Hour + m},
			{slot: -3 * time.Hour, state: workload.JobFailed, start: -3 * time.Hour},
			{slot: -2 * time.Hour, state: workload.JobComplete, start: -2 * time.Hour, end: -2*time.Hour + m},
			{slot: -1 * time.Hour, state: workload.JobFailed, start: -1 * time.Hour},
			{slot: 0, inActive: true, start: 0},
		},
		want: cronPlanSummary{Delete: []string{cjn(-4 * time.Hour), cjn(-3 * time.Hour)}, Active: []string{cjn(0)}, LastSchedule: "12:00:00", LastSuccess: "10:01:00", RequeueAfter: 30 * m},
	}, {
		name: "unknown time zone: warning, nothing else", schedule: "* * * * *", zone: "Nowhere/Land",
		created: -10 * m, now: 0,
		want: cronPlanSummary{Events: []string{CronReasonUnknownTimeZone}},
	}, {
		name: "Tokyo 09:00 daily: wake at 09:00 JST", schedule: "0 9 * * *", zone: "Asia/Tokyo",
		created: -10 * m, now: 0, // 21:00 JST
		want: cronPlanSummary{RequeueAfter: 12 * time.Hour},
	}, {
		name: "Skip: a slot due 5 s ago runs", schedule: "* * * * *", mutate: cronMissed(MissedRunsSkip),
		created: -10 * m, last: cronDur(-m), now: 5 * time.Second,
		want: cronPlanSummary{Create: []string{cjn(0)}, LastSchedule: "11:59:00", RequeueAfter: 55 * time.Second},
	}, {
		name: "Skip: a slot due 30 s ago does not", schedule: "* * * * *", mutate: cronMissed(MissedRunsSkip),
		created: -10 * m, last: cronDur(-5 * m), now: 30 * time.Second,
		want: cronPlanSummary{Events: []string{CronReasonMissSchedule}, LastSchedule: "11:55:00", RequeueAfter: 30 * time.Second},
	}, {
		name: "RunAll: every missed slot, oldest first", schedule: "* * * * *", mutate: cronMissed(MissedRunsRunAll),
		created: -10 * m, last: cronDur(-3 * m), now: 0,
		want: cronPlanSummary{Create: []string{cjn(-2 * m), cjn(-m), cjn(0)}, LastSchedule: "11:57:00", RequeueAfter: m},
	}, {
		name: "RunAll within the deadline", schedule: "* * * * *",
		mutate:  func(c *workload.CronJob) { cronMissed(MissedRunsRunAll)(c); cronDeadline(90)(c) },
		created: -10 * m, last: cronDur(-5 * m), now: 0,
		want: cronPlanSummary{Create: []string{cjn(-m), cjn(0)}, LastSchedule: "11:55:00", RequeueAfter: m},
	}, {
		name: "RunAll bounded to the latest 100", schedule: "* * * * *", mutate: cronMissed(MissedRunsRunAll),
		created: -300 * m, now: 0,
		want: cronPlanSummary{Create: runAllNames(100), Events: []string{CronReasonTooManyMissedTimes}, RequeueAfter: m},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cj := newCronJob("cj", tc.schedule, tc.mutate)
			workload.Default(cj)
			cj.UID = "uid-cj"
			cj.CreationTimestamp = workload.NewTime(decideT0.Add(tc.created))
			if tc.last != nil {
				cj.Status.LastScheduleTime = workload.NewTimePtr(decideT0.Add(*tc.last))
			}
			zone := "UTC"
			if tc.zone != "" {
				zone = tc.zone
				cj.Spec.TimeZone = workload.Ptr(zone)
			}
			var jobs []*workload.Job
			for i, tj := range tc.jobs {
				j := jobFromCronTemplate(cj, decideT0.Add(tj.slot), time.UTC)
				j.UID = fmt.Sprintf("uid-%d", i)
				j.Status.StartTime = workload.NewTimePtr(decideT0.Add(tj.start))
				if tj.state != "" {
					j.Status.Conditions = []workload.Condition{{Type: tj.state, Status: workload.ConditionTrue}}
					if tj.state == workload.JobComplete {
						j.Status.CompletionTime = workload.NewTimePtr(decideT0.Add(tj.end))
					}
				}
				if tj.inActive {
					cj.Status.Active = append(cj.Status.Active, jobRef(j))
				}
				jobs = append(jobs, j)
			}
			in := cronInput{Now: decideT0.Add(tc.now), CronJob: cj, Jobs: jobs}
			if loc, err := loadZone(zone); err != nil {
				in.SchedErr = err
			} else {
				in.Sched, in.SchedErr = parseCronSchedule(cj.Spec.Schedule, loc)
			}
			got := summarizeCronPlan(decideCronJob(in))
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func cronDur(d time.Duration) *time.Duration { return &d }

func cronDeadline(s int64) func(*workload.CronJob) {
	return func(c *workload.CronJob) { c.Spec.StartingDeadlineSeconds = workload.Ptr(s) }
}

func cronPolicy(p string) func(*workload.CronJob) {
	return func(c *workload.CronJob) { c.Spec.ConcurrencyPolicy = p }
}

func cronMissed(p string) func(*workload.CronJob) {
	return func(c *workload.CronJob) { c.Annotations = map[string]string{MissedRunsAnnotation: p} }
}

func runAllNames(n int) []string {
	var out []string
	for i := n - 1; i >= 0; i-- {
		out = append(out, cjn(-time.Duration(i)*time.Minute))
	}
	return out
}

// TestCronNextWake is the table of wake-ups: after a sync at now, the
// controller wakes exactly at the next slot (never at or before now),
// over schedules, zones and instants around clock changes.
func TestCronNextWake(t *testing.T) {
	tests := []struct {
		expr, zone, now, want string
	}{
		{"* * * * *", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"},
		{"* * * * *", "UTC", "2026-01-01T00:00:59.999Z", "2026-01-01T00:01:00Z"},
		{"*/15 * * * *", "UTC", "2026-01-01T00:14:00Z", "2026-01-01T00:15:00Z"},
		{"@hourly", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"},
		{"@daily", "Asia/Kolkata", "2026-01-01T00:00:00Z", "2026-01-01T18:30:00Z"},
		{"@weekly", "UTC", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"},
		{"@monthly", "America/New_York", "2026-01-15T00:00:00Z", "2026-02-01T05:00:00Z"},
		{"@yearly", "Pacific/Auckland", "2026-06-01T00:00:00Z", "2026-12-31T11:00:00Z"},
		{"0 9 * * 1-5", "Europe/Berlin", "2026-01-02T08:00:00Z", "2026-01-05T08:00:00Z"},
		{"30 2 * * *", "Europe/Berlin", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"},       // gap: 03:00 CEST
		{"30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},       // repeat skipped
		{"0 * * * *", "Europe/Berlin", "2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"},        // 02:00 CET, again
		{"30 2 * * *", "America/Los_Angeles", "2026-03-08T09:00:00Z", "2026-03-08T10:00:00Z"}, // 03:00 PDT
		{"30 1 * * *", "America/Los_Angeles", "2026-11-01T08:30:00Z", "2026-11-02T09:30:00Z"},
		{"0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"0 0 30 2 *", "UTC", "2026-01-01T00:00:00Z", ""}, // never: no wake-up
	}
	for _, tc := range tests {
		t.Run(tc.expr+" "+tc.zone+" "+tc.now, func(t *testing.T) {
			now, err := time.Parse(time.RFC3339Nano, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			cj := newCronJob("cj", tc.expr, func(c *workload.CronJob) { c.Spec.TimeZone = workload.Ptr(tc.zone) })
			workload.Default(cj)
			cj.CreationTimestamp = workload.NewTime(now)
			s := mustSchedule(t, tc.expr, tc.zone)
			p := decideCronJob(cronInput{Now: now, CronJob: cj, Sched: s})
			if tc.want == "" {
				if p.RequeueAfter != 0 {
					t.Errorf("RequeueAfter = %v, want none", p.RequeueAfter)
				}
				return
			}
			want, _ := time.Parse(time.RFC3339, tc.want)
			if p.RequeueAfter <= 0 {
				t.Fatalf("RequeueAfter = %v, want > 0", p.RequeueAfter)
			}
			if got := now.Add(p.RequeueAfter); !got.Equal(want) {
				t.Errorf("wakes at %v, want %v", got.UTC(), want)
			}
		})
	}
}
