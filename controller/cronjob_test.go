package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// jobFinisher is a test controller that plays the Job controller: it
// starts every Job when it appears and finishes it after run(job) (a
// negative duration: never), Complete or (fail) Failed.
type jobFinisher struct {
	deps Deps
	run  func(j *workload.Job) (d time.Duration, fail bool)
}

func (f *jobFinisher) Name() string { return "finisher" }
func (f *jobFinisher) Start(enqueue func(string)) {
	for _, o := range f.deps.Store.List("Job", "", nil) {
		enqueue(workload.Key(o))
	}
}
func (f *jobFinisher) Handle(ev store.Event, enqueue func(string)) {
	if _, ok := ev.Object.(*workload.Job); ok && ev.Type == store.Added {
		enqueue(ev.ObjectKey())
	}
}
func (f *jobFinisher) Reconcile(_ context.Context, key string) (Result, error) {
	ns, name, _ := strings.Cut(key, "/")
	// Peek: the stored Job is read, never modified.
	o, err := f.deps.Store.Peek("Job", ns, name)
	if err != nil {
		return Result{}, nil
	}
	j := o.(*workload.Job)
	if done, _ := cronJobFinished(j); done {
		return Result{}, nil
	}
	now := f.deps.Clock.Now()
	d, fail := time.Duration(0), false
	if f.run != nil {
		d, fail = f.run(j)
	}
	// The Job started when it was created; it is written once, when it
	// ends (and once at the start for Jobs that never end, so that they
	// have a start time).
	start := j.CreationTimestamp.Time
	if j.Status.StartTime != nil {
		start = j.Status.StartTime.Time
	}
	end := start.Add(d)
	switch {
	case d < 0 && j.Status.StartTime != nil:
		return Result{}, nil
	case d >= 0 && end.After(now):
		return Result{RequeueAfter: end.Sub(now)}, nil
	}
	// A new Job holding the new status, which the store adopts: its
	// conditions are a new list, the rest is shared read-only with the
	// stored Job or new.
	w := new(workload.Job)
	w.Namespace, w.Name, w.UID, w.ResourceVersion = j.Namespace, j.Name, j.UID, j.ResourceVersion
	w.Status = j.Status
	if d >= 0 {
		typ := workload.JobComplete
		if fail {
			typ = workload.JobFailed
		} else {
			w.Status.CompletionTime = workload.NewTimePtr(now)
			w.Status.Succeeded = 1
		}
		w.Status.Conditions = append(slices.Clip(j.Status.Conditions), workload.Condition{Type: typ, Status: workload.ConditionTrue, LastTransitionTime: workload.NewTime(now)})
	}
	w.Status.StartTime = workload.NewTimePtr(start)
	return Result{}, f.deps.Store.SetStatus(w, store.Adopt)
}

// cronHarness is the harness with the CronJob controller and a finisher.
type cronHarness struct {
	*harness
	run func(j *workload.Job) (time.Duration, bool)
	// created records every Job the CronJob controller created, in order,
	// with the time it appeared.
	created []createdJob
	// maxActive is the most unfinished Jobs seen at once.
	maxActive int
	watch     *store.Watcher
	active    map[string]bool
}

type createdJob struct {
	name string
	at   time.Time
}

func newCronHarness(t *testing.T, run func(j *workload.Job) (time.Duration, bool)) *cronHarness {
	t.Helper()
	ch := &cronHarness{run: run, active: map[string]bool{}}
	ch.harness = newHarness(t, NewCronJob, func(d Deps) Controller { return &jobFinisher{deps: d, run: ch.runFor} })
	w, err := ch.store.Watch("Job", 0)
	if err != nil {
		t.Fatal(err)
	}
	ch.watch = w
	t.Cleanup(w.Stop)
	return ch
}

func (ch *cronHarness) runFor(j *workload.Job) (time.Duration, bool) {
	if ch.run == nil {
		return 0, false
	}
	return ch.run(j)
}

// observe drains the Job watch into created, active and maxActive.
func (ch *cronHarness) observe() {
	for {
		ev, ok := ch.watch.TryNext()
		if !ok {
			return
		}
		j := ev.Object.(*workload.Job)
		done, _ := cronJobFinished(j)
		switch {
		case ev.Type == store.Added:
			ch.created = append(ch.created, createdJob{j.Name, ch.clock.Now()})
			ch.active[j.Name] = !done
		case ev.Type == store.Deleted || done:
			delete(ch.active, j.Name)
		}
		n := 0
		for _, a := range ch.active {
			if a {
				n++
			}
		}
		ch.maxActive = max(ch.maxActive, n)
	}
}

// step advances virtual time by d, deadline by deadline, observing the
// Jobs at every instant.
func (ch *cronHarness) step(d time.Duration) {
	ch.t.Helper()
	end := ch.clock.Now().Add(d)
	ch.settle()
	ch.observe()
	for {
		next, ok := ch.clock.Next()
		if !ok || next.After(end) {
			break
		}
		ch.clock.AdvanceTo(next)
		ch.settle()
		ch.observe()
	}
	ch.clock.AdvanceTo(end)
	ch.settle()
	ch.observe()
}

// restart stops the control plane, lets down pass, and starts a new one
// (new controller instances, as a restarted process).
func (ch *cronHarness) restart(down time.Duration) {
	ch.t.Helper()
	ch.mgr.Stop()
	ch.clock.AdvanceTo(ch.clock.Now().Add(down))
	ch.observe()
	ch.mgr = NewManager(ch.deps, NewCronJob(ch.deps), &jobFinisher{deps: ch.deps, run: ch.runFor})
	if err := ch.mgr.Start(); err != nil {
		ch.t.Fatal(err)
	}
	ch.t.Cleanup(ch.mgr.Stop)
	ch.settle()
	ch.observe()
}

func (ch *cronHarness) cronJob(name string) *workload.CronJob {
	ch.t.Helper()
	return ch.get("CronJob", "default", name).(*workload.CronJob)
}

func (ch *cronHarness) jobs() []*workload.Job {
	var out []*workload.Job
	for _, o := range ch.store.List("Job", "default", nil) {
		out = append(out, o.(*workload.Job))
	}
	return out
}

func (ch *cronHarness) jobNames() []string {
	var out []string
	for _, j := range ch.jobs() {
		out = append(out, j.Name)
	}
	return out
}

func (ch *cronHarness) createdNames() []string {
	var out []string
	for _, c := range ch.created {
		out = append(out, c.name)
	}
	return out
}

// events returns "Reason: message" of the events about the CronJob, oldest
// first, with their counts when above 1.
func (ch *cronHarness) events(reason string) []string {
	var out []string
	for _, e := range ch.rec.Events() {
		if e.InvolvedObject.Kind == "CronJob" && (reason == "" || e.Reason == reason) {
			out = append(out, e.Reason+": "+e.Message)
		}
	}
	return out
}

func newCronJob(name, schedule string, mutate ...func(*workload.CronJob)) *workload.CronJob {
	cj := &workload.CronJob{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default"},
		Spec: workload.CronJobSpec{
			Schedule: schedule,
			JobTemplate: workload.JobTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": name}, Annotations: map[string]string{"note": "x"}},
				Spec: workload.JobSpec{Template: workload.PodTemplateSpec{
					Spec: workload.PodSpec{
						RestartPolicy: workload.RestartPolicyOnFailure,
						Containers:    []workload.Container{{Name: "c", Image: "busybox"}},
					},
				}},
			},
		},
	}
	for _, m := range mutate {
		if m != nil {
			m(cj)
		}
	}
	return cj
}

// slotName is the Job name for a slot.
func slotName(cj string, t time.Time) string { return cronJobName(cj, t) }

// TestCronJobEveryMinute: one Job per minute, created exactly at the slot,
// with the name, labels, annotations and owner Kubernetes gives it;
// history kept to 3; status as Kubernetes writes it.
func TestCronJobEveryMinute(t *testing.T) {
	ch := newCronHarness(t, func(*workload.Job) (time.Duration, bool) { return 20 * time.Second, false })
	ch.create(newCronJob("hello", "* * * * *"))
	ch.step(10*time.Minute + 30*time.Second)

	var want []createdJob
	for i := 1; i <= 10; i++ {
		s := harnessStart.Add(time.Duration(i) * time.Minute)
		want = append(want, createdJob{slotName("hello", s), s})
	}
	if diff := cmp.Diff(want, ch.created, cmp.AllowUnexported(createdJob{})); diff != "" {
		t.Errorf("created Jobs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{slotName("hello", harnessStart.Add(8*time.Minute)), slotName("hello", harnessStart.Add(9*time.Minute)), slotName("hello", harnessStart.Add(10*time.Minute))}, ch.jobNames()); diff != "" {
		t.Errorf("kept Jobs (-want +got):\n%s", diff)
	}
	cj := ch.cronJob("hello")
	j := ch.jobs()[2]
	if got, want := j.Annotations[workload.CronJobScheduledTimestamp], "2026-01-01T00:10:00Z"; got != want {
		t.Errorf("scheduled-timestamp annotation = %q, want %q", got, want)
	}
	if j.Labels["app"] != "hello" || j.Annotations["note"] != "x" {
		t.Errorf("Job metadata %v %v lacks the template's", j.Labels, j.Annotations)
	}
	if !IsControlledBy(j, cj.UID) {
		t.Errorf("Job %s not controlled by the CronJob", j.Name)
	}
	if len(cj.Status.Active) != 0 {
		t.Errorf("active = %v, want none (the last Job finished)", cj.Status.Active)
	}
	if got, want := cj.Status.LastScheduleTime.Time, harnessStart.Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("lastScheduleTime = %v, want %v", got, want)
	}
	if got, want := cj.Status.LastSuccessfulTime.Time, harnessStart.Add(10*time.Minute+20*time.Second); !got.Equal(want) {
		t.Errorf("lastSuccessfulTime = %v, want %v", got, want)
	}
	if n := len(ch.events(CronReasonSuccessfulDelete)); n != 7 {
		t.Errorf("%d SuccessfulDelete events, want 7", n)
	}
	// It waits for the next slot, exactly.
	if next, ok := ch.clock.Next(); !ok || !next.Equal(harnessStart.Add(11*time.Minute)) {
		t.Errorf("next wake-up %v (%v), want the next slot %v", next, ok, harnessStart.Add(11*time.Minute))
	}
}

// TestCronJobRecreatedControlsItsNewJobs: a CronJob deleted and created
// again under the same name (a new UID) gives its new Jobs a controller
// reference to the new CronJob, not the old one.
func TestCronJobRecreatedControlsItsNewJobs(t *testing.T) {
	ch := newCronHarness(t, func(*workload.Job) (time.Duration, bool) { return 10 * time.Second, false })
	ch.create(newCronJob("hello", "* * * * *"))
	ch.step(time.Minute + 30*time.Second)
	old := ch.cronJob("hello")
	if _, err := ch.store.Delete("CronJob", "default", "hello", store.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ch.settle()
	ch.create(newCronJob("hello", "* * * * *"))
	ch.step(time.Minute)
	cj := ch.cronJob("hello")
	if cj.UID == old.UID {
		t.Fatalf("recreated CronJob kept UID %s", cj.UID)
	}
	j := ch.get("Job", "default", slotName("hello", harnessStart.Add(2*time.Minute))).(*workload.Job)
	if ref := workload.ControllerOf(j); ref == nil || ref.UID != cj.UID || !IsControlledBy(j, cj.UID) {
		t.Fatalf("Job %s controller %+v, want the new CronJob %s", j.Name, ref, cj.UID)
	}
	if len(cj.Status.Active) != 0 || cj.Status.LastSuccessfulTime == nil {
		t.Fatalf("new CronJob status %+v: want its Job seen to completion", cj.Status)
	}
}

// TestCronJobControllerDownTwoHours: after two hours down on an
// every-minute schedule, exactly one Job starts, for the latest slot, with
// TooManyMissedTimes.
func TestCronJobControllerDownTwoHours(t *testing.T) {
	ch := newCronHarness(t, nil)
	ch.create(newCronJob("hello", "* * * * *"))
	ch.step(5 * time.Minute)
	before := len(ch.created)
	ch.restart(2*time.Hour + 30*time.Second)
	got := ch.createdNames()[before:]
	latest := harnessStart.Add(2*time.Hour + 5*time.Minute)
	if diff := cmp.Diff([]string{slotName("hello", latest)}, got); diff != "" {
		t.Errorf("Jobs after restart (-want +got):\n%s", diff)
	}
	if got := ch.events(CronReasonTooManyMissedTimes); len(got) != 1 {
		t.Errorf("TooManyMissedTimes events %v, want one", got)
	}
	if got := ch.cronJob("hello").Status.LastScheduleTime.Time; !got.Equal(latest) {
		t.Errorf("lastScheduleTime %v, want %v", got, latest)
	}
	ch.step(time.Minute)
	if got := ch.createdNames()[before:]; len(got) != 2 || got[1] != slotName("hello", latest.Add(time.Minute)) {
		t.Errorf("after one more minute: %v", got)
	}
}

// TestCronJobSuspendResume: a year suspended, then resumed: without a
// deadline one Job starts at once for the latest slot; with a deadline
// that the latest slot is past, none starts until the next slot.
func TestCronJobSuspendResume(t *testing.T) {
	for _, tc := range []struct {
		name     string
		deadline *int64
		wantNow  bool
	}{
		{"no deadline", nil, true},
		{"deadline 30s", workload.Ptr[int64](30), false},
		{"deadline 60s", workload.Ptr[int64](60), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := newCronHarness(t, func(*workload.Job) (time.Duration, bool) { return 10 * time.Minute, false })
			ch.create(newCronJob("hello", "* * * * *", func(c *workload.CronJob) { c.Spec.StartingDeadlineSeconds = tc.deadline }))
			ch.step(90 * time.Second) // one Job, running for 10 minutes
			cj := ch.cronJob("hello")
			cj.Spec.Suspend = workload.Ptr(true)
			if _, err := ch.store.Update(cj); err != nil {
				t.Fatal(err)
			}
			ch.step(365*24*time.Hour + 15*time.Second) // 45 s after a slot
			if got := ch.createdNames(); len(got) != 1 {
				t.Fatalf("Jobs while suspended: %v, want only the first", got)
			}
			if d, _ := cronJobFinished(ch.jobs()[0]); !d {
				t.Errorf("the running Job did not finish while suspended")
			}
			resumeAt := ch.clock.Now()
			cj = ch.cronJob("hello")
			cj.Spec.Suspend = workload.Ptr(false)
			if _, err := ch.store.Update(cj); err != nil {
				t.Fatal(err)
			}
			ch.step(0)
			latest := resumeAt.Truncate(time.Minute)
			var want []string
			if tc.wantNow {
				want = append(want, slotName("hello", latest))
			}
			if diff := cmp.Diff(want, ch.createdNames()[1:], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Jobs at resume (-want +got):\n%s", diff)
			}
			if !tc.wantNow && len(ch.events(CronReasonMissSchedule)) != 1 {
				t.Errorf("MissSchedule events %v, want one", ch.events(CronReasonMissSchedule))
			}
			ch.step(time.Minute)
			if got := ch.created[len(ch.created)-1]; got.name != slotName("hello", latest.Add(time.Minute)) || !got.at.Equal(latest.Add(time.Minute)) {
				t.Errorf("next Job %v, want the next slot %v", got, latest.Add(time.Minute))
			}
		})
	}
}

// TestCronJobForbidOverrun: a Job that runs 150 s on an every-minute
// schedule: never two active; the slots it overran are skipped, and when
// it ends the latest missed slot starts at once.
func TestCronJobForbidOverrun(t *testing.T) {
	ch := newCronHarness(t, func(*workload.Job) (time.Duration, bool) { return 150 * time.Second, false })
	ch.create(newCronJob("f", "* * * * *", func(c *workload.CronJob) { c.Spec.ConcurrencyPolicy = workload.ForbidConcurrent }))
	ch.step(10 * time.Minute)
	if ch.maxActive != 1 {
		t.Errorf("at most %d Jobs active at once, want 1", ch.maxActive)
	}
	var got []string
	for _, c := range ch.created {
		got = append(got, fmt.Sprintf("%s@%s", c.name, c.at.Sub(harnessStart)))
	}
	// Job of slot 1m runs to 3m30s; then slot 3m starts at once, runs to
	// 6m; slot 6m starts at 6m, runs to 8m30s; slot 8m starts then.
	want := []string{
		slotName("f", harnessStart.Add(1*time.Minute)) + "@1m0s",
		slotName("f", harnessStart.Add(3*time.Minute)) + "@3m30s",
		slotName("f", harnessStart.Add(6*time.Minute)) + "@6m0s",
		slotName("f", harnessStart.Add(8*time.Minute)) + "@8m30s",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	if len(ch.events(CronReasonJobAlreadyActive)) == 0 {
		t.Errorf("no JobAlreadyActive event")
	}
}

// TestCronJobForbidDeadline: under Forbid with a deadline, a slot skipped
// while a Job runs starts when the Job ends only if still inside its
// deadline; past it, MissSchedule is reported when the deadline passes.
func TestCronJobForbidDeadline(t *testing.T) {
	ch := newCronHarness(t, func(j *workload.Job) (time.Duration, bool) {
		ts, _ := time.Parse(time.RFC3339, j.Annotations[workload.CronJobScheduledTimestamp])
		switch ts.Sub(harnessStart) {
		case 15 * time.Minute:
			return 5*time.Minute + 10*time.Second, false // to 20m10s: slot 20m still within 20 s
		case 20 * time.Minute:
			return 5*time.Minute + 30*time.Second, false // from 20m10s to 25m40s: slot 25m expires
		}
		return time.Minute, false
	})
	ch.create(newCronJob("f", "*/5 * * * *", func(c *workload.CronJob) {
		c.Spec.ConcurrencyPolicy = workload.ForbidConcurrent
		c.Spec.StartingDeadlineSeconds = workload.Ptr[int64](20)
	}))
	ch.step(25*time.Minute + 30*time.Second)
	if got := ch.events(CronReasonMissSchedule); len(got) != 1 || !strings.Contains(got[0], "00:25:00") {
		t.Errorf("MissSchedule events at 25m30s: %v, want one for 00:25", got)
	}
	ch.step(5 * time.Minute)
	var got []string
	for _, c := range ch.created {
		got = append(got, fmt.Sprintf("%s@%s", c.name, c.at.Sub(harnessStart)))
	}
	want := []string{
		slotName("f", harnessStart.Add(5*time.Minute)) + "@5m0s",
		slotName("f", harnessStart.Add(10*time.Minute)) + "@10m0s",
		slotName("f", harnessStart.Add(15*time.Minute)) + "@15m0s",
		slotName("f", harnessStart.Add(20*time.Minute)) + "@20m10s",
		slotName("f", harnessStart.Add(30*time.Minute)) + "@30m0s",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	if ch.maxActive != 1 {
		t.Errorf("at most %d Jobs active at once, want 1", ch.maxActive)
	}
}

// TestCronJobReplace: each slot deletes the running Job (Background) and
// starts its own.
func TestCronJobReplace(t *testing.T) {
	ch := newCronHarness(t, func(*workload.Job) (time.Duration, bool) { return -1, false })
	ch.create(newCronJob("r", "* * * * *", func(c *workload.CronJob) { c.Spec.ConcurrencyPolicy = workload.ReplaceConcurrent }))
	ch.step(5*time.Minute + time.Second)
	if diff := cmp.Diff([]string{slotName("r", harnessStart.Add(5*time.Minute))}, ch.jobNames()); diff != "" {
		t.Errorf("Jobs (-want +got):\n%s", diff)
	}
	if len(ch.created) != 5 || ch.maxActive != 1 {
		t.Errorf("created %d Jobs, at most %d active; want 5 and 1", len(ch.created), ch.maxActive)
	}
	cj := ch.cronJob("r")
	if len(cj.Status.Active) != 1 || cj.Status.Active[0].Name != slotName("r", harnessStart.Add(5*time.Minute)) {
		t.Errorf("active = %v", cj.Status.Active)
	}
	if n := len(ch.events(CronReasonSuccessfulDelete)); n != 4 {
		t.Errorf("%d SuccessfulDelete events, want 4", n)
	}
}

// TestCronJobSmallDeadlineDropsSlot: the controller is down across a slot
// and back after its 10 s deadline: that slot never runs (MissSchedule);
// the next one does.
func TestCronJobSmallDeadlineDropsSlot(t *testing.T) {
	ch := newCronHarness(t, nil)
	ch.create(newCronJob("d", "*/5 * * * *", func(c *workload.CronJob) { c.Spec.StartingDeadlineSeconds = workload.Ptr[int64](10) }))
	ch.step(6 * time.Minute) // slot 5m ran
	ch.restart(4*time.Minute + 15*time.Second)
	if got := len(ch.created); got != 1 {
		t.Errorf("slot 10m ran %v after its deadline", ch.createdNames())
	}
	if got := ch.events(CronReasonMissSchedule); len(got) != 1 || !strings.Contains(got[0], "00:10:00") {
		t.Errorf("MissSchedule events %v, want one for 00:10", got)
	}
	ch.step(5 * time.Minute)
	if diff := cmp.Diff([]string{slotName("d", harnessStart.Add(5*time.Minute)), slotName("d", harnessStart.Add(15*time.Minute))}, ch.createdNames()); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	// Back within the deadline: the slot runs late.
	ch.restart(4*time.Minute + 50*time.Second) // 5 s after slot 20m
	if got := ch.created[len(ch.created)-1]; got.name != slotName("d", harnessStart.Add(20*time.Minute)) {
		t.Errorf("slot 20m did not start within its deadline: %v", ch.createdNames())
	}
}

// TestCronJobDST plays the 2026 clock changes of Europe/Berlin and
// America/Los_Angeles through the controller: a nonexistent time runs
// after the gap, a repeated time runs once, an every-minute schedule
// neither doubles nor pauses.
func TestCronJobDST(t *testing.T) {
	tests := []struct {
		zone, schedule string
		from           time.Time
		span           time.Duration
		want           []string // scheduled-timestamp annotations
	}{{
		zone: "Europe/Berlin", schedule: "30 2 * * *",
		from: time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC), span: 3 * 24 * time.Hour,
		want: []string{"2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"},
	}, {
		zone: "Europe/Berlin", schedule: "30 2 * * *",
		from: time.Date(2026, 10, 23, 12, 0, 0, 0, time.UTC), span: 3 * 24 * time.Hour,
		want: []string{"2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"},
	}, {
		zone: "America/Los_Angeles", schedule: "30 2 * * *",
		from: time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), span: 3 * 24 * time.Hour,
		want: []string{"2026-03-07T02:30:00-08:00", "2026-03-08T03:00:00-07:00", "2026-03-09T02:30:00-07:00"},
	}, {
		zone: "America/Los_Angeles", schedule: "30 1 * * *",
		from: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC), span: 3 * 24 * time.Hour,
		want: []string{"2026-10-31T01:30:00-07:00", "2026-11-01T01:30:00-07:00", "2026-11-02T01:30:00-08:00"},
	}}
	for _, tc := range tests {
		t.Run(tc.zone+" "+tc.from.Format("Jan"), func(t *testing.T) {
			ch := newCronHarness(t, nil)
			ch.clock.AdvanceTo(tc.from)
			ch.create(newCronJob("dst", tc.schedule, func(c *workload.CronJob) {
				c.Spec.TimeZone = workload.Ptr(tc.zone)
				c.Spec.SuccessfulJobsHistoryLimit = workload.Ptr[int32](10)
			}))
			ch.step(tc.span)
			var got []string
			for _, j := range ch.jobs() {
				got = append(got, j.Annotations[workload.CronJobScheduledTimestamp])
				ts, _ := time.Parse(time.RFC3339, j.Annotations[workload.CronJobScheduledTimestamp])
				if c := slices.IndexFunc(ch.created, func(c createdJob) bool { return c.name == j.Name }); c < 0 || !ch.created[c].at.Equal(ts) {
					t.Errorf("Job %s not created at its slot %v", j.Name, ts)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("slots (-want +got):\n%s", diff)
			}
		})
	}
	// Every minute across the Berlin autumn change: one Job per minute of
	// real time, 60 extra minutes of wall clock, none doubled or lost.
	t.Run("every minute", func(t *testing.T) {
		ch := newCronHarness(t, nil)
		ch.clock.AdvanceTo(time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC)) // 01:30 CEST
		ch.create(newCronJob("m", "* * * * *", func(c *workload.CronJob) { c.Spec.TimeZone = workload.Ptr("Europe/Berlin") }))
		ch.step(2 * time.Hour)
		if len(ch.created) != 120 {
			t.Errorf("%d Jobs in two hours, want 120", len(ch.created))
		}
		for i, c := range ch.created {
			if want := time.Date(2026, 10, 24, 23, 31+i, 0, 0, time.UTC); !c.at.Equal(want) {
				t.Fatalf("Job %d at %v, want %v", i, c.at, want)
			}
		}
	})
}

// TestCronJobHistoryLimits: the oldest finished Jobs beyond 3 successful
// and 1 failed are deleted; unfinished ones are never.
func TestCronJobHistoryLimits(t *testing.T) {
	ch := newCronHarness(t, func(j *workload.Job) (time.Duration, bool) {
		// Jobs of odd minutes fail; slot 9m never finishes.
		ts, _ := time.Parse(time.RFC3339, j.Annotations[workload.CronJobScheduledTimestamp])
		m := int(ts.Sub(harnessStart) / time.Minute)
		if m == 9 {
			return -1, false
		}
		return 10 * time.Second, m%2 == 1
	})
	ch.create(newCronJob("h", "* * * * *"))
	ch.step(12*time.Minute + 30*time.Second)
	// Successful 2, 4, ..., 12: the latest 3 stay; failed 1, 3, ..., 11:
	// the latest stays; 9 runs.
	var want []string
	for _, m := range []int{8, 9, 10, 11, 12} {
		want = append(want, slotName("h", harnessStart.Add(time.Duration(m)*time.Minute)))
	}
	if diff := cmp.Diff(want, ch.jobNames()); diff != "" {
		t.Errorf("kept Jobs (-want +got):\n%s", diff)
	}
	cj := ch.cronJob("h")
	if len(cj.Status.Active) != 1 || cj.Status.Active[0].Name != slotName("h", harnessStart.Add(9*time.Minute)) {
		t.Errorf("active = %v, want the Job of slot 9m", cj.Status.Active)
	}
	// Zero limits keep nothing finished.
	cj.Spec.SuccessfulJobsHistoryLimit = workload.Ptr[int32](0)
	cj.Spec.FailedJobsHistoryLimit = workload.Ptr[int32](0)
	if _, err := ch.store.Update(cj); err != nil {
		t.Fatal(err)
	}
	ch.step(0)
	if diff := cmp.Diff([]string{slotName("h", harnessStart.Add(9*time.Minute))}, ch.jobNames()); diff != "" {
		t.Errorf("with limits 0 (-want +got):\n%s", diff)
	}
}

// TestCronJobRestartBetweenCreateAndStatus: the controller created the
// Job of a slot and went down before writing the status; the restarted
// controller finds the Job by name, creates no second one, and records
// the slot and the Job.
func TestCronJobRestartBetweenCreateAndStatus(t *testing.T) {
	for _, late := range []time.Duration{0, 20 * time.Second} {
		t.Run(fmt.Sprint("restart after ", late), func(t *testing.T) {
			ch := newCronHarness(t, func(*workload.Job) (time.Duration, bool) { return 5 * time.Minute, false })
			cj := ch.create(newCronJob("x", "*/10 * * * *", func(c *workload.CronJob) { c.Spec.ConcurrencyPolicy = workload.ForbidConcurrent })).(*workload.CronJob)
			ch.mgr.Stop()
			slot := harnessStart.Add(10 * time.Minute)
			ch.clock.AdvanceTo(slot)
			// What the crashed sync did: create the Job, nothing else.
			if _, err := ch.store.Create(jobFromCronTemplate(cj, slot, time.UTC)); err != nil {
				t.Fatal(err)
			}
			ch.observe()
			ch.restart(late)
			if diff := cmp.Diff([]string{slotName("x", slot)}, ch.createdNames()); diff != "" {
				t.Errorf("Jobs (-want +got):\n%s", diff)
			}
			st := ch.cronJob("x").Status
			if st.LastScheduleTime == nil || !st.LastScheduleTime.Equal(slot) {
				t.Errorf("lastScheduleTime = %v, want %v", st.LastScheduleTime, slot)
			}
			if len(st.Active) != 1 || st.Active[0].Name != slotName("x", slot) {
				t.Errorf("active = %v, want the slot's Job", st.Active)
			}
			ch.step(15 * time.Minute)
			if diff := cmp.Diff([]string{slotName("x", slot), slotName("x", slot.Add(10*time.Minute))}, ch.createdNames()); diff != "" {
				t.Errorf("Jobs later (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCronJobMissedRunsPolicies: Skip starts nothing for missed slots;
// RunAll starts every missed slot inside the deadline, oldest first, each
// its own Job; an invalid value is reported.
func TestCronJobMissedRunsPolicies(t *testing.T) {
	withPolicy := func(p string, deadline *int64, cp string) func(*workload.CronJob) {
		return func(c *workload.CronJob) {
			c.Annotations = map[string]string{MissedRunsAnnotation: p}
			c.Spec.StartingDeadlineSeconds = deadline
			c.Spec.ConcurrencyPolicy = cp
			c.Spec.SuccessfulJobsHistoryLimit = workload.Ptr[int32](1000)
		}
	}
	t.Run("Skip", func(t *testing.T) {
		ch := newCronHarness(t, nil)
		ch.create(newCronJob("s", "*/5 * * * *", withPolicy(MissedRunsSkip, nil, "")))
		ch.step(6 * time.Minute)
		ch.restart(12 * time.Minute) // down over 10m and 15m
		if got := ch.createdNames(); len(got) != 1 {
			t.Errorf("Skip started missed slots: %v", got)
		}
		if len(ch.events(CronReasonMissSchedule)) != 1 {
			t.Errorf("MissSchedule events: %v", ch.events(""))
		}
		ch.step(2 * time.Minute)
		if diff := cmp.Diff([]string{slotName("s", harnessStart.Add(5*time.Minute)), slotName("s", harnessStart.Add(20*time.Minute))}, ch.createdNames()); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		// A restart within SkipGrace of a slot still runs it.
		ch.restart(5*time.Minute + 5*time.Second)
		if got := ch.createdNames(); got[len(got)-1] != slotName("s", harnessStart.Add(25*time.Minute)) {
			t.Errorf("slot due 5s ago did not run under Skip: %v", got)
		}
	})
	t.Run("RunAll", func(t *testing.T) {
		ch := newCronHarness(t, nil)
		ch.create(newCronJob("a", "*/5 * * * *", withPolicy(MissedRunsRunAll, workload.Ptr[int64](16*60), "")))
		ch.step(6 * time.Minute)
		ch.restart(25 * time.Minute) // now 31m: missed 10..30; deadline window from 15m
		want := []string{slotName("a", harnessStart.Add(5*time.Minute))}
		for _, m := range []int{20, 25, 30} {
			want = append(want, slotName("a", harnessStart.Add(time.Duration(m)*time.Minute)))
		}
		if diff := cmp.Diff(want, ch.createdNames()); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		if got := ch.cronJob("a").Status.LastScheduleTime.Time; !got.Equal(harnessStart.Add(30 * time.Minute)) {
			t.Errorf("lastScheduleTime %v", got)
		}
	})
	t.Run("RunAll Forbid runs the backlog one by one", func(t *testing.T) {
		ch := newCronHarness(t, func(*workload.Job) (time.Duration, bool) { return time.Minute, false })
		ch.create(newCronJob("b", "*/5 * * * *", withPolicy(MissedRunsRunAll, nil, workload.ForbidConcurrent)))
		ch.step(6 * time.Minute)
		ch.restart(15 * time.Minute) // now 21m: missed 10, 15, 20
		ch.step(3*time.Minute + 30*time.Second)
		var got []string
		for _, c := range ch.created {
			got = append(got, fmt.Sprintf("%s@%s", c.name, c.at.Sub(harnessStart)))
		}
		want := []string{
			slotName("b", harnessStart.Add(5*time.Minute)) + "@5m0s",
			slotName("b", harnessStart.Add(10*time.Minute)) + "@21m0s",
			slotName("b", harnessStart.Add(15*time.Minute)) + "@22m0s",
			slotName("b", harnessStart.Add(20*time.Minute)) + "@23m0s",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		if ch.maxActive != 1 {
			t.Errorf("max active %d", ch.maxActive)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		ch := newCronHarness(t, nil)
		ch.create(newCronJob("i", "* * * * *", withPolicy("Sometimes", nil, "")))
		ch.step(3 * time.Minute)
		if len(ch.created) != 0 {
			t.Errorf("created %v", ch.createdNames())
		}
		ev := ch.events(CronReasonInvalidMissedRuns)
		if len(ev) != 1 || !strings.Contains(ev[0], "metadata.annotations[orchestra.dev/missed-runs]") {
			t.Errorf("events %v", ev)
		}
	})
}

// TestCronJobBadSchedule: an unknown zone or an unparseable schedule
// creates nothing, raises one warning, and does not spin.
func TestCronJobBadSchedule(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*workload.CronJob)
		reason string
	}{
		{"unknown zone", func(c *workload.CronJob) { c.Spec.TimeZone = workload.Ptr("Mars/Olympus_Mons") }, CronReasonUnknownTimeZone},
		{"Local zone", func(c *workload.CronJob) { c.Spec.TimeZone = workload.Ptr("Local") }, CronReasonUnknownTimeZone},
		{"bad schedule", func(c *workload.CronJob) { c.Spec.Schedule = "every day" }, CronReasonUnparseableSchedule},
		{"TZ prefix", func(c *workload.CronJob) { c.Spec.Schedule = "TZ=UTC * * * * *" }, CronReasonUnparseableSchedule},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := newCronHarness(t, nil)
			ch.create(newCronJob("bad", "* * * * *", tc.mutate))
			ch.step(time.Hour)
			if len(ch.created) != 0 {
				t.Errorf("created %v", ch.createdNames())
			}
			if got := ch.events(tc.reason); len(got) != 1 {
				t.Errorf("%s events: %v", tc.reason, ch.events(""))
			}
			if _, ok := ch.clock.Next(); ok {
				t.Errorf("a wake-up is pending for a CronJob that cannot run")
			}
		})
	}
}

// TestCronJobMissingAndUnexpectedJobs: an active Job deleted by someone
// else is pruned (MissingJob); a running Job of the CronJob that status
// lacks (one made by hand) raises UnexpectedJob but is not added to
// status.active, so Forbid still starts the next slot, as in Kubernetes'
// syncCronJob (pkg/controller/cronjob/cronjob_controllerv2.go).
func TestCronJobMissingAndUnexpectedJobs(t *testing.T) {
	ch := newCronHarness(t, func(*workload.Job) (time.Duration, bool) { return -1, false })
	cj := ch.create(newCronJob("m", "0 * * * *", func(c *workload.CronJob) { c.Spec.ConcurrencyPolicy = workload.ForbidConcurrent })).(*workload.CronJob)
	ch.step(61 * time.Minute)
	name := slotName("m", harnessStart.Add(time.Hour))
	if _, err := ch.store.Delete("Job", "default", name, store.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ch.step(0)
	if st := ch.cronJob("m").Status; len(st.Active) != 0 || len(ch.events(CronReasonMissingJob)) != 1 {
		t.Errorf("active %v, events %v", st.Active, ch.events(""))
	}
	j := jobFromCronTemplate(cj, harnessStart.Add(90*time.Minute), time.UTC)
	j.Name = "m-manual"
	if _, err := ch.store.Create(j); err != nil {
		t.Fatal(err)
	}
	ch.step(0)
	if st := ch.cronJob("m").Status; len(st.Active) != 0 || len(ch.events(CronReasonUnexpectedJob)) != 1 {
		t.Errorf("active %v, events %v", st.Active, ch.events(""))
	}
	// Forbid does not see it: slot 2h starts.
	ch.step(time.Hour)
	if got := ch.createdNames(); !slices.Contains(got, slotName("m", harnessStart.Add(2*time.Hour))) {
		t.Errorf("Forbid did not start slot 2h beside the hand-made m-manual: %v", got)
	}
}

// TestCronJobOrphanedJobKept: a finished Job released from the CronJob
// (its owner reference removed, as users do to keep one from history
// cleanup) is no longer the CronJob's: Kubernetes lists a CronJob's Jobs
// by controller reference, so the history limit neither counts nor
// deletes it.
func TestCronJobOrphanedJobKept(t *testing.T) {
	ch := newCronHarness(t, func(*workload.Job) (time.Duration, bool) { return 10 * time.Second, false })
	ch.create(newCronJob("h", "* * * * *"))
	ch.step(time.Minute + 30*time.Second)
	kept := slotName("h", harnessStart.Add(time.Minute))
	j := ch.get("Job", "default", kept).(*workload.Job)
	if done, _ := cronJobFinished(j); !done {
		t.Fatalf("Job %s not finished", kept)
	}
	j.OwnerReferences = nil
	if _, err := ch.store.Update(j); err != nil {
		t.Fatal(err)
	}
	ch.step(5 * time.Minute)
	var want []string
	for _, m := range []int{1, 4, 5, 6} {
		want = append(want, slotName("h", harnessStart.Add(time.Duration(m)*time.Minute)))
	}
	if diff := cmp.Diff(want, ch.jobNames()); diff != "" {
		t.Errorf("Jobs (-want +got):\n%s", diff)
	}
}
