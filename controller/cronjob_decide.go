package controller

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// MissedRunsAnnotation selects a CronJob's missed-run policy, an orchestra
// extension: MissedRunsRunLatest (also when absent), MissedRunsSkip or
// MissedRunsRunAll. See NewCronJob.
const MissedRunsAnnotation = "orchestra.dev/missed-runs"

// Missed-run policies (values of MissedRunsAnnotation).
const (
	// MissedRunsRunLatest starts the latest missed slot within the
	// deadline, as Kubernetes does.
	MissedRunsRunLatest = "RunLatest"
	// MissedRunsSkip starts nothing for missed slots: only a slot that is
	// due now (at most SkipGrace late) starts.
	MissedRunsSkip = "Skip"
	// MissedRunsRunAll starts every missed slot within the deadline, oldest
	// first, each as its own Job (at most MaxRunAllJobs of them).
	MissedRunsRunAll = "RunAll"
)

// Limits of the missed-run policies.
const (
	// SkipGrace is how late a slot may start under MissedRunsSkip (less
	// when startingDeadlineSeconds is smaller).
	SkipGrace = 10 * time.Second
	// MaxRunAllJobs bounds the Jobs MissedRunsRunAll starts in one sync:
	// the latest ones when more slots were missed.
	MaxRunAllJobs = 100
)

// Event reasons of the CronJob controller (Kubernetes' names).
const (
	CronReasonSuccessfulCreate    = "SuccessfulCreate"
	CronReasonSuccessfulDelete    = "SuccessfulDelete"
	CronReasonSawCompletedJob     = "SawCompletedJob"
	CronReasonUnexpectedJob       = "UnexpectedJob"
	CronReasonMissingJob          = "MissingJob"
	CronReasonMissSchedule        = "MissSchedule"
	CronReasonTooManyMissedTimes  = "TooManyMissedTimes"
	CronReasonUnknownTimeZone     = "UnknownTimeZone"
	CronReasonUnparseableSchedule = "UnparseableSchedule"
	CronReasonInvalidSchedule     = "InvalidSchedule"
	CronReasonInvalidMissedRuns   = "InvalidMissedRunsPolicy"
	CronReasonJobAlreadyActive    = "JobAlreadyActive"
	CronReasonFailedCreate        = "FailedCreate"
	CronReasonFailedDelete        = "FailedDelete"
)

// cronInput is what one CronJob sync decides from.
type cronInput struct {
	Now     time.Time
	CronJob *workload.CronJob
	// Jobs are the Jobs whose controller reference is the CronJob, sorted
	// by name.
	Jobs []*workload.Job
	// Sched is the parsed schedule in the CronJob's zone, or nil with
	// SchedErr (wrapping errUnknownTimeZone or errBadSchedule).
	Sched    *cronSchedule
	SchedErr error
	// ScheduleChangedAt is when this controller saw spec.schedule or
	// spec.timeZone change (zero if it did not): slots before it are not
	// missed, they belong to the old schedule.
	ScheduleChangedAt time.Time
	// Scratch, when set, lends the plan the arrays of its Events, Delete
	// and Create slices (emptied) to append to.
	Scratch *cronPlan
}

// cronEvent is an event to record about the CronJob.
type cronEvent struct {
	Type, Reason string
	Msg          eventMsg
}

// Message returns the event's message.
func (e cronEvent) Message() string { return e.Msg.String() }

// cronCreate is a Job to create for a slot: the Job jobFromCronTemplate
// makes, named Name, with the slot's timestamp in the zone Loc.
type cronCreate struct {
	Slot time.Time
	Name string
	Loc  *time.Location
}

// cronDelete is a Job to delete (Background propagation).
type cronDelete struct {
	Name, UID string
}

// cronPlan is the decision of one sync: plain data, applied in order
// (deletes, then creates, then the status).
type cronPlan struct {
	Events []cronEvent
	// Delete: finished Jobs past the history limits, then the active Jobs
	// a Replace replaces. Applying a delete removes the Job from
	// status.active.
	Delete []cronDelete
	// Create: Jobs to create, oldest slot first. Applying a create adds
	// the Job to status.active and moves status.lastScheduleTime to its
	// slot.
	Create []cronCreate
	// Status is the CronJob status to write before the creates are
	// applied.
	Status workload.CronJobStatus
	// RequeueAfter is when to sync again (0: only on a change).
	RequeueAfter time.Duration
}

func (p *cronPlan) event(typ, reason, format string, args ...any) {
	p.Events = append(p.Events, cronEvent{typ, reason, eventMsg{a: fmt.Sprintf(format, args...)}})
}

// eventParts adds an event whose message is msg's parts (for the events
// of every sync, which a Sprintf would cost more).
func (p *cronPlan) eventParts(typ, reason string, msg eventMsg) {
	p.Events = append(p.Events, cronEvent{typ, reason, msg})
}

// cronJobFinished reports whether a Job has finished, and how: a Complete or
// Failed condition with status True.
func cronJobFinished(j *workload.Job) (bool, string) {
	for _, c := range j.Status.Conditions {
		if (c.Type == workload.JobComplete || c.Type == workload.JobFailed) && c.Status == workload.ConditionTrue {
			return true, c.Type
		}
	}
	return false, ""
}

// conditionSuffix ends the SawCompletedJob message.
func conditionSuffix(cond string) string {
	switch cond {
	case workload.JobComplete:
		return ", condition: " + workload.JobComplete
	case workload.JobFailed:
		return ", condition: " + workload.JobFailed
	}
	return ", condition: " + cond
}

// cronJobName is the name of the Job for a slot: the CronJob's name and
// the slot in Unix minutes, as Kubernetes names them. The name is the
// guard against running a slot twice.
func cronJobName(cronJob string, slot time.Time) string {
	var buf [64]byte
	b := append(append(buf[:0], cronJob...), '-')
	return string(strconv.AppendInt(b, slot.Unix()/60, 10))
}

// missedRunsPolicy returns the CronJob's missed-run policy.
func missedRunsPolicy(cj *workload.CronJob) (string, error) {
	v, ok := cj.Annotations[MissedRunsAnnotation]
	if !ok || v == "" {
		return MissedRunsRunLatest, nil
	}
	switch v {
	case MissedRunsRunLatest, MissedRunsSkip, MissedRunsRunAll:
		return v, nil
	}
	return "", fmt.Errorf("CronJob %s/%s: metadata.annotations[%s]: unsupported value %q: must be %s, %s or %s",
		cj.Namespace, cj.Name, MissedRunsAnnotation, v, MissedRunsRunLatest, MissedRunsSkip, MissedRunsRunAll)
}

// decideCronJob is the CronJob controller's decision: Kubernetes'
// syncCronJob and cleanupFinishedJobs as a pure function. See NewCronJob.
func decideCronJob(in cronInput) cronPlan {
	cj := in.CronJob
	now := in.Now
	var plan cronPlan
	if b := in.Scratch; b != nil {
		plan.Events, plan.Delete, plan.Create = b.Events[:0], b.Delete[:0], b.Create[:0]
	}
	// A shallow copy: the times are replaced, never written through, and
	// the active list is cloned (it is edited in place).
	st := &workload.CronJobStatus{}
	*st = cj.Status
	st.Active = slices.Clone(st.Active)

	// Active list: adopt running children it lacks, drop finished and
	// missing ones; lastSuccessfulTime from the children. The Jobs are
	// few (the history limits bound the finished ones), so they are
	// searched in place rather than put in maps.
	for _, j := range in.Jobs {
		finished, cond := cronJobFinished(j)
		active := slices.ContainsFunc(st.Active, func(r workload.ObjectReference) bool { return r.UID == j.UID })
		switch {
		case !finished && !active && j.DeletionTimestamp == nil:
			// Reported, not added to status.active (Kubernetes adds
			// only the Job of the slot being started, below): a Job
			// made by hand from the CronJob ("kubectl create job
			// --from=cronjob/...") neither blocks Forbid nor is
			// replaced by Replace.
			plan.event(workload.EventTypeWarning, CronReasonUnexpectedJob, "Saw a job that the controller did not create or forgot: %s", j.Name)
		case finished && active:
			st.Active = slices.DeleteFunc(st.Active, func(r workload.ObjectReference) bool { return r.UID == j.UID })
			plan.eventParts(workload.EventTypeNormal, CronReasonSawCompletedJob, eventMsg{a: "Saw completed job: ", b: j.Name, c: conditionSuffix(cond)})
		}
		if finished && cond == workload.JobComplete && j.Status.CompletionTime != nil {
			if st.LastSuccessfulTime == nil || j.Status.CompletionTime.After(st.LastSuccessfulTime.Time) {
				st.LastSuccessfulTime = j.Status.CompletionTime // shared, read-only
			}
		}
	}
	st.Active = slices.DeleteFunc(st.Active, func(r workload.ObjectReference) bool {
		if slices.ContainsFunc(in.Jobs, func(j *workload.Job) bool { return j.UID == r.UID }) {
			return false
		}
		plan.event(workload.EventTypeNormal, CronReasonMissingJob, "Active job went missing: %s", r.Name)
		return true
	})

	plan.Status = *st
	plan.Delete = historyDeletes(cj, in.Jobs, plan.Delete)
	if cj.DeletionTimestamp != nil {
		return plan
	}
	switch {
	case errors.Is(in.SchedErr, errUnknownTimeZone):
		plan.event(workload.EventTypeWarning, CronReasonUnknownTimeZone, "invalid timeZone: %q: %v", deref(cj.Spec.TimeZone), in.SchedErr)
		return plan
	case in.SchedErr != nil:
		plan.event(workload.EventTypeWarning, CronReasonUnparseableSchedule, "unparseable schedule: %q : %v", cj.Spec.Schedule, in.SchedErr)
		return plan
	}
	policy, err := missedRunsPolicy(cj)
	if err != nil {
		plan.event(workload.EventTypeWarning, CronReasonInvalidMissedRuns, "%v", err)
		return plan
	}
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		return plan
	}
	sched := in.Sched

	// The window of slots: after the last scheduled slot (or the
	// creation, or a change of the schedule this controller saw), and not
	// older than the deadline.
	earliest := cj.CreationTimestamp.Time
	if st.LastScheduleTime != nil {
		earliest = st.LastScheduleTime.Time
	}
	anchor := earliest // an @every chain counts from the last slot
	if in.ScheduleChangedAt.After(earliest) {
		earliest = in.ScheduleChangedAt
	}
	slotsIn := func(from, to time.Time, keep int) slotWindow {
		if sched.every != nil {
			return everySlots(sched, anchor, from, to, keep)
		}
		return missedSlots(sched, from, to, keep)
	}
	var next time.Time
	if sched.every != nil {
		next = everyNext(sched, anchor, now)
	} else {
		next = sched.Next(now)
	}
	if next.IsZero() {
		// Parses, never fires ("59 23 31 2 *"): Kubernetes'
		// InvalidSchedule.
		plan.event(workload.EventTypeWarning, CronReasonInvalidSchedule, "invalid schedule: %s : no time within five years matches it", cj.Spec.Schedule)
		return plan
	}
	plan.RequeueAfter = next.Sub(now)
	windowStart := earliest
	var deadline time.Duration
	hasDeadline := cj.Spec.StartingDeadlineSeconds != nil
	if hasDeadline {
		deadline = time.Duration(*cj.Spec.StartingDeadlineSeconds) * time.Second
		if d := now.Add(-deadline); d.After(windowStart) {
			windowStart = d
		}
	}
	keep := 0
	if policy == MissedRunsRunAll {
		keep = MaxRunAllJobs
	}
	win := slotsIn(windowStart, now, keep)
	if win.Count == 0 {
		// Nothing inside the deadline. A slot after the last one that
		// expired is reported (Kubernetes' MissSchedule), and woken for
		// never again.
		if hasDeadline && windowStart.After(earliest) {
			if l := slotsIn(earliest, windowStart, 0); l.Count > 0 {
				plan.event(workload.EventTypeWarning, CronReasonMissSchedule, "Missed scheduled time to start a job: %s", l.Latest.UTC().Format(time.RFC1123Z))
			}
		}
		return plan
	}

	slots := []time.Time{win.Latest}
	switch policy {
	case MissedRunsSkip:
		grace := SkipGrace
		if hasDeadline && deadline < grace {
			grace = deadline
		}
		if now.Sub(win.Latest) > grace {
			plan.event(workload.EventTypeWarning, CronReasonMissSchedule, "Missed scheduled time to start a job: %s (missed-runs policy Skip)", win.Latest.UTC().Format(time.RFC1123Z))
			return plan
		}
	case MissedRunsRunAll:
		switch cj.Spec.ConcurrencyPolicy {
		case workload.ForbidConcurrent:
			slots = win.Slots[:1] // one at a time, oldest first
		case workload.ReplaceConcurrent:
			// Each would replace the one before: only the latest runs.
		default:
			slots = win.Slots
		}
	}
	if win.Count >= maxMissedCount && policy != MissedRunsSkip {
		plan.eventParts(workload.EventTypeWarning, CronReasonTooManyMissedTimes, eventMsg{a: "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"})
	}

	// A slot whose Job exists was started already (maybe just before a
	// control-plane restart, its status never written): record it.
	todo := plan.Create[:0]
	for _, s := range slots {
		name := cronJobName(cj.Name, s)
		if i := slices.IndexFunc(in.Jobs, func(j *workload.Job) bool { return j.Name == name }); i >= 0 {
			// Kubernetes' AlreadyExists path: the slot's Job, controlled
			// by the CronJob, goes into status.active if it runs.
			j := in.Jobs[i]
			if done, _ := cronJobFinished(j); !done && j.DeletionTimestamp == nil &&
				!slices.ContainsFunc(st.Active, func(r workload.ObjectReference) bool { return r.UID == j.UID }) {
				st.Active = append(st.Active, jobRef(j))
			}
			if st.LastScheduleTime == nil || s.After(st.LastScheduleTime.Time) {
				st.LastScheduleTime = workload.NewTimePtr(s)
			}
			continue
		}
		if st.LastScheduleTime != nil && !s.After(st.LastScheduleTime.Time) {
			continue
		}
		todo = append(todo, cronCreate{Slot: s, Name: name, Loc: sched.loc})
	}
	plan.Status = *st
	if len(todo) == 0 {
		return plan
	}

	switch cj.Spec.ConcurrencyPolicy {
	case workload.ForbidConcurrent:
		if len(st.Active) > 0 {
			// The slot stays unscheduled: when the active Job ends, the
			// latest missed slot still starts if within the deadline.
			// Wake when that deadline passes, to report the miss.
			plan.event(workload.EventTypeNormal, CronReasonJobAlreadyActive, "Not starting job because prior execution is running and concurrency policy is Forbid")
			if hasDeadline {
				if exp := todo[len(todo)-1].Slot.Add(deadline + time.Second); exp.After(now) && (next.IsZero() || exp.Before(next)) {
					plan.RequeueAfter = exp.Sub(now)
				}
			}
			return plan
		}
	case workload.ReplaceConcurrent:
		for _, r := range st.Active {
			plan.Delete = append(plan.Delete, cronDelete{Name: r.Name, UID: r.UID})
		}
	}
	plan.Create = todo
	return plan
}

// historyDeletes returns the finished Jobs past the history limits, oldest
// (by start time, then name; Jobs that never started last) first, as
// Kubernetes' cleanupFinishedJobs, appended to out.
func historyDeletes(cj *workload.CronJob, jobs []*workload.Job, out []cronDelete) []cronDelete {
	// Count first: most syncs are within the limits and need no lists.
	var nOK, nFailed int
	for _, j := range jobs {
		if j.DeletionTimestamp != nil {
			continue
		}
		switch _, cond := cronJobFinished(j); cond {
		case workload.JobComplete:
			nOK++
		case workload.JobFailed:
			nFailed++
		}
	}
	over := func(n int, limit *int32) bool { return limit != nil && n > int(*limit) }
	if !over(nOK, cj.Spec.SuccessfulJobsHistoryLimit) && !over(nFailed, cj.Spec.FailedJobsHistoryLimit) {
		return out
	}
	ok := make([]*workload.Job, 0, nOK)
	failed := make([]*workload.Job, 0, nFailed)
	for _, j := range jobs {
		if j.DeletionTimestamp != nil {
			continue
		}
		switch _, cond := cronJobFinished(j); cond {
		case workload.JobComplete:
			ok = append(ok, j)
		case workload.JobFailed:
			failed = append(failed, j)
		}
	}
	trim := func(js []*workload.Job, limit *int32) {
		if limit == nil || len(js) <= int(*limit) {
			return
		}
		slices.SortStableFunc(js, byJobStartTime)
		for _, j := range js[:len(js)-int(*limit)] {
			out = append(out, cronDelete{Name: j.Name, UID: j.UID})
		}
	}
	trim(ok, cj.Spec.SuccessfulJobsHistoryLimit)
	trim(failed, cj.Spec.FailedJobsHistoryLimit)
	return out
}

// byJobStartTime orders Jobs by status.startTime (unset last), then name.
func byJobStartTime(a, b *workload.Job) int {
	switch {
	case a.Status.StartTime == nil && b.Status.StartTime == nil:
	case a.Status.StartTime == nil:
		return 1
	case b.Status.StartTime == nil:
		return -1
	default:
		if c := a.Status.StartTime.Compare(b.Status.StartTime.Time); c != 0 {
			return c
		}
	}
	return strings.Compare(a.Name, b.Name)
}

// jobFromCronTemplate makes the Job for a slot, as Kubernetes'
// getJobFromTemplate2: the template's labels, annotations and spec, the
// name for the slot, the scheduled-timestamp annotation (RFC 3339 in the
// CronJob's zone) and a controller reference to the CronJob.
func jobFromCronTemplate(cj *workload.CronJob, slot time.Time, loc *time.Location) *workload.Job {
	j := &workload.Job{}
	fillJobFromCronTemplate(j, cj, slot, cronJobName(cj.Name, slot), loc, nil)
	return j
}

// fillJobFromCronTemplate sets in j (a new Job) what jobFromCronTemplate
// makes, with the given name, and the owner references owners (nil: a
// controller reference to cj). Shallow: j shares the template's labels
// and spec, and owners, which none may change.
func fillJobFromCronTemplate(j *workload.Job, cj *workload.CronJob, slot time.Time, name string, loc *time.Location, owners []workload.OwnerReference) {
	t := &cj.Spec.JobTemplate
	ann := make(map[string]string, len(t.Annotations)+1)
	if len(t.Annotations) > 0 {
		for k, v := range t.Annotations {
			ann[k] = v
		}
	}
	ann[workload.CronJobScheduledTimestamp] = slot.In(loc).Format(time.RFC3339)
	if owners == nil {
		owners = []workload.OwnerReference{workload.NewControllerRef(cj)}
	}
	j.TypeMeta = workload.TypeMeta{APIVersion: "batch/v1", Kind: "Job"}
	j.Name, j.Namespace, j.Labels, j.Annotations = name, cj.Namespace, t.Labels, ann
	j.OwnerReferences = owners
	j.Spec = t.Spec
}

// jobRef is the reference status.active holds.
func jobRef(j *workload.Job) workload.ObjectReference {
	return workload.ObjectReference{
		Kind:       "Job",
		Namespace:  j.Namespace,
		Name:       j.Name,
		UID:        j.UID,
		APIVersion: "batch/v1",
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
