package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// cronJobController is the CronJob controller; see NewCronJob.
//
// Like Kubernetes' informers, it keeps a cache of the CronJobs and of the
// Jobs that CronJobs control, filled from the store's watch (pointers to
// the watch's shared, read-only objects) and rebuilt by Start. The Manager
// delivers every store change before it reconciles again, so the cache
// holds this controller's own writes when it syncs.
type cronJobController struct {
	deps Deps
	// scheds caches parsed schedules by schedule and zone (parsing and
	// loading a zone are the costly part of a sync).
	scheds map[schedKey]schedEntry
	// cronJobs: key -> CronJob. The entries hold their key, so that a
	// watch event finds and updates its entry with no key to allocate.
	cronJobs map[string]*cachedCronJob
	// jobs: CronJob key (namespace and the controller reference's name)
	// -> its Jobs.
	jobs map[string]*cachedJobs
	// jobOwner: Job key -> the key of the CronJob whose list in jobs
	// holds it, so that a Job released or moved to another controller
	// leaves its former CronJob's list.
	jobOwner map[string]string
	// created holds the UIDs of Jobs this controller created and has not
	// yet seen appear: their appearance needs no sync.
	created map[string]struct{}
	// Scratch space of Reconcile (the Manager runs it on one goroutine):
	// the CronJob's Jobs, and the arrays of a plan's lists.
	jobBuf  []*workload.Job
	planBuf cronPlan
}

type cachedCronJob struct {
	key string
	cj  *workload.CronJob
	// schedChangedAt is when spec.schedule or spec.timeZone last changed
	// (zero: not since this controller started).
	schedChangedAt time.Time
	// owners is the owner references of the CronJob's Jobs (a controller
	// reference to cj), shared by all of them: stored objects are never
	// changed. Rebuilt when the UID changes.
	owners []workload.OwnerReference
}

// jobOwners returns the owner references of the Jobs of e's CronJob.
func (e *cachedCronJob) jobOwners() []workload.OwnerReference {
	if len(e.owners) != 1 || e.owners[0].UID != e.cj.UID || e.owners[0].Name != e.cj.Name {
		e.owners = []workload.OwnerReference{workload.NewControllerRef(e.cj)}
	}
	return e.owners
}

type cachedJobs struct {
	key    string                   // the CronJob's key
	byName map[string]*workload.Job // Job name -> Job
}

type schedKey struct{ expr, zone string }

type schedEntry struct {
	sched *cronSchedule
	err   error
}

// maxCachedSchedules bounds the schedule cache (it is cleared when full).
const maxCachedSchedules = 4096

// NewCronJob returns the CronJob controller (batch/v1 CronJob), which
// creates a Job for each slot of a cron schedule, following Kubernetes'
// pkg/controller/cronjob (cronjob_controllerv2.go, utils.go) field by
// field. The Jobs are run by the Job controller (NewJob); this controller
// only creates and deletes Job objects and reads their status (a Complete
// or Failed condition with status True means finished).
//
//   - schedule: five fields or a macro (@yearly, @annually, @monthly,
//     @weekly, @daily, @midnight, @hourly), parsed with robfig/cron v3's
//     ParseStandard; "@every <duration>" fires every duration of real time
//     (as in Kubernetes, whose parser accepts it too), counted from the
//     last slot (or the creation), whenever the controller syncs; TZ= and
//     CRON_TZ= prefixes are refused with an UnparseableSchedule warning
//     event. A schedule that parses but never fires ("59 23 31 2 *")
//     raises Kubernetes' InvalidSchedule warning.
//   - A change of schedule or timeZone applies from the change: slots of
//     the new schedule between status.lastScheduleTime and the change are
//     not missed runs and do not start (users' reports
//     kubernetes/kubernetes#63371, #65457, #123220; Kubernetes' own
//     updateCronJob defers the sync to the new schedule's next slot for
//     this, but an earlier wake-up still starts such a slot late). The
//     controller remembers the change in memory only: after a
//     control-plane restart it falls back to Kubernetes' rule.
//   - timeZone: an IANA name. Unset means UTC (Kubernetes uses the
//     controller-manager's local zone, which a library cannot assume: a
//     deliberate difference). An unknown zone creates no Jobs and raises
//     an UnknownTimeZone warning event.
//   - Slots: a sync looks at the slots after the later of
//     status.lastScheduleTime (or the creation time) and now -
//     startingDeadlineSeconds, up to now, and starts only the latest. More
//     than 100 such slots raise a TooManyMissedTimes warning and the
//     latest still starts (Kubernetes since 1.21). The count stops at 101
//     and the latest slot is found by searching back from now, so a
//     CronJob suspended for a year on "* * * * *" costs about a hundred
//     steps, not half a million. When every slot since the last one is
//     past its deadline, nothing starts and a MissSchedule warning names
//     the latest missed slot (Kubernetes computes the same condition but,
//     having cut the window at the deadline first, never raises it). For
//     "@every" the deadline only drops late slots of the chain; Kubernetes
//     restarts the chain at now - startingDeadlineSeconds, so that a
//     deadline under the interval never finds a slot and the CronJob never
//     runs.
//   - concurrencyPolicy: Allow; Forbid (a slot while a Job is active is
//     skipped with a JobAlreadyActive event and status.lastScheduleTime
//     stays, so when the Job ends the latest missed slot still starts if
//     it is inside its deadline; the controller also wakes when that
//     deadline passes); Replace (the active Jobs are deleted with
//     Background propagation, then the new one is created).
//   - suspend: no new Jobs, running ones are unaffected; slots while
//     suspended count as missed, so resuming without a deadline starts one
//     Job at once for the latest missed slot.
//   - Jobs: named "<cronjob>-<slot in Unix minutes>", with the
//     jobTemplate's labels, annotations and spec, the annotation
//     batch.kubernetes.io/cronjob-scheduled-timestamp (the slot in RFC
//     3339, in the CronJob's zone) and a controller reference. The name is
//     the guard against running a slot twice: a Job of that name that
//     already exists (a control-plane restart between creating the Job
//     and writing the status) is taken as the slot's Job and
//     status.lastScheduleTime is recorded.
//   - status.active lists the unfinished Jobs: finished ones are removed
//     (SawCompletedJob), missing ones pruned (MissingJob).
//     status.lastScheduleTime is the slot, not the creation time;
//     status.lastSuccessfulTime is the latest completionTime of a
//     successful Job (of any Job the CronJob controls, also one made by
//     hand with "kubectl create job --from=cronjob/..."). An unfinished
//     Job controlled by the CronJob but not in status.active raises
//     UnexpectedJob and stays out of status.active, so that it neither
//     blocks Forbid nor is deleted by Replace; only the Job named for the
//     slot being started is added (Kubernetes' AlreadyExists path).
//   - History: beyond successfulJobsHistoryLimit (default 3) and
//     failedJobsHistoryLimit (default 1) the oldest finished Jobs (by
//     status.startTime, Jobs that never started last, then name) are
//     deleted with Background propagation (SuccessfulDelete).
//   - Timing: the controller wakes exactly at the next slot (Kubernetes
//     adds 100 ms against clock skew between its timer and the API
//     server; with one clock, virtual or real, that is not needed). It
//     never requeues in the past, and does not wake for a suspended
//     CronJob or an unusable schedule: a change to the spec wakes it.
//
// Daylight-saving time, a deliberate difference from Kubernetes (and from
// robfig/cron, whose walk through real time Kubernetes uses): slots are
// wall-clock times in the zone. A wall-clock time that does not exist
// (clocks go forward) runs at the first instant after the gap, not never
// ("30 2 * * *" runs at 03:00 CEST on the last Sunday of March in
// Europe/Berlin); several such times run once. A wall-clock time that
// happens twice (clocks go back) runs once, at its first occurrence, for
// schedules that name particular hours ("30 2 * * *", "0 */2 * * *").
// Schedules that fire every hour ("* * * * *", "*/5 * * * *", "0 * * * *")
// are periodic in real time and run in the repeated hour too, as ISC
// cron's wildcard jobs do, so that they never pause for an hour. Zones
// that shift by 30 minutes (Australia/Lord_Howe) follow the same rules,
// where robfig/cron loses whole days.
//
// Missed-run policy, an orchestra extension that is off by default (no
// peer has it): the annotation orchestra.dev/missed-runs
// (MissedRunsAnnotation) on the CronJob selects what happens to slots
// missed while the controller was down, the CronJob suspended, or a
// Forbid Job running:
//   - RunLatest (default, and when absent): Kubernetes' behaviour above.
//   - Skip: start nothing for missed slots; only a slot that is due now
//     starts (at most SkipGrace, 10 s, late, or startingDeadlineSeconds
//     when smaller). A missed one raises MissSchedule.
//   - RunAll: start every missed slot inside the deadline window, oldest
//     first, each as its own Job (at most MaxRunAllJobs, the latest ones,
//     with TooManyMissedTimes beyond). Under Forbid they run one after the
//     other, oldest first; under Replace only the latest runs.
//
// Any other value raises an InvalidMissedRunsPolicy warning naming the
// annotation and starts nothing.
func NewCronJob(deps Deps) Controller {
	return &cronJobController{
		deps:     deps,
		scheds:   map[schedKey]schedEntry{},
		cronJobs: map[string]*cachedCronJob{},
		jobs:     map[string]*cachedJobs{},
		jobOwner: map[string]string{},
		created:  map[string]struct{}{},
	}
}

// Name returns "cronjob".
func (c *cronJobController) Name() string { return "cronjob" }

// Start rebuilds the cache from the store and enqueues every CronJob.
func (c *cronJobController) Start(enqueue func(string)) {
	clear(c.cronJobs)
	clear(c.jobs)
	clear(c.jobOwner)
	clear(c.created)
	for _, o := range c.deps.Store.List("Job", "", nil) {
		c.observeJob(workload.Key(o), o.(*workload.Job), false)
	}
	for _, o := range c.deps.Store.List("CronJob", "", nil) {
		k := workload.Key(o)
		c.cronJobs[k] = &cachedCronJob{key: k, cj: o.(*workload.CronJob)}
		enqueue(k)
	}
}

// Handle keeps the cache and maps changes to CronJob keys: a CronJob's
// own changes, except those of its status alone (the controller's own
// writes); a Job that appears (unless this controller just created it),
// finishes, or goes while unfinished.
func (c *cronJobController) Handle(ev store.Event, enqueue func(string)) {
	switch o := ev.Object.(type) {
	case *workload.CronJob:
		k := ev.ObjectKey()
		e := c.cronJobs[k]
		if ev.Type == store.Deleted {
			if e != nil {
				delete(c.cronJobs, e.key)
			}
			return
		}
		if e == nil {
			c.cronJobs[k] = &cachedCronJob{key: k, cj: o}
			enqueue(k)
			return
		}
		old := e.cj
		e.cj = o
		if old.UID == o.UID && (old.Spec.Schedule != o.Spec.Schedule || deref(old.Spec.TimeZone) != deref(o.Spec.TimeZone)) {
			e.schedChangedAt = c.deps.Clock.Now()
		}
		if old.UID != o.UID || old.Generation != o.Generation ||
			old.Annotations[MissedRunsAnnotation] != o.Annotations[MissedRunsAnnotation] ||
			(old.DeletionTimestamp == nil) != (o.DeletionTimestamp == nil) {
			enqueue(e.key)
		}
	case *workload.Job:
		ck, old, released, ok := c.observeJob(ev.ObjectKey(), o, ev.Type == store.Deleted)
		if released != "" {
			// Kubernetes' updateJob syncs the former controller too.
			enqueue(released)
		}
		if !ok {
			return
		}
		done, _ := cronJobFinished(o)
		switch {
		case ev.Type == store.Deleted:
			if !done {
				enqueue(ck)
			}
		case old == nil:
			if _, mine := c.created[o.UID]; mine {
				delete(c.created, o.UID)
				return
			}
			enqueue(ck)
		default:
			if wasDone, _ := cronJobFinished(old); wasDone != done {
				enqueue(ck)
			}
		}
	}
}

// observeJob updates the Job cache with j, whose key is jk (removes it
// when gone) and returns the key of the CronJob that controls it and the
// Job as cached before; ok is false for Jobs no CronJob controls. A Job
// that was in another CronJob's list (its controller reference removed or
// changed) leaves it, and released is that CronJob's key.
func (c *cronJobController) observeJob(jk string, j *workload.Job, gone bool) (ck string, old *workload.Job, released string, ok bool) {
	ref := workload.ControllerOf(j)
	mine := ref != nil && ref.Kind == "CronJob"
	if prev, had := c.jobOwner[jk]; had {
		m := c.jobs[prev]
		if mine && !gone && m != nil && ref.Name == m.key[len(j.Namespace)+1:] {
			// Still the same CronJob's: update in place.
			old = m.byName[j.Name]
			m.byName[j.Name] = j
			return m.key, old, "", true
		}
		delete(c.jobOwner, jk)
		if m != nil {
			old = m.byName[j.Name]
			delete(m.byName, j.Name)
			if len(m.byName) == 0 {
				delete(c.jobs, m.key)
			}
		}
		if gone {
			return prev, old, "", true
		}
		released, old = prev, nil
	}
	if !mine {
		return "", nil, released, false
	}
	if gone {
		return j.Namespace + "/" + ref.Name, nil, released, true
	}
	ck = j.Namespace + "/" + ref.Name
	m := c.jobs[ck]
	if m == nil {
		m = &cachedJobs{key: ck, byName: map[string]*workload.Job{}}
		c.jobs[ck] = m
	}
	m.byName[j.Name] = j
	c.jobOwner[jk] = m.key
	return m.key, nil, released, true
}

// schedule returns the CronJob's parsed schedule in its zone, cached.
func (c *cronJobController) schedule(cj *workload.CronJob) (*cronSchedule, error) {
	k := schedKey{cj.Spec.Schedule, "UTC"}
	if cj.Spec.TimeZone != nil {
		k.zone = *cj.Spec.TimeZone
	}
	if e, ok := c.scheds[k]; ok {
		return e.sched, e.err
	}
	var e schedEntry
	loc, err := loadZone(k.zone)
	if err != nil {
		e.err = err
	} else {
		e.sched, e.err = parseCronSchedule(k.expr, loc)
	}
	if len(c.scheds) >= maxCachedSchedules {
		clear(c.scheds)
	}
	c.scheds[k] = e
	return e.sched, e.err
}

// loadZone loads an IANA zone. "Local" and "" are refused: they would
// make a CronJob's slots depend on the machine.
func loadZone(name string) (*time.Location, error) {
	if name == "" || strings.EqualFold(name, "Local") {
		return nil, fmt.Errorf("%w %q: must be an IANA time zone name", errUnknownTimeZone, name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", errUnknownTimeZone, name, err)
	}
	return loc, nil
}

// Reconcile syncs one CronJob: it decides with decideCronJob and applies
// the plan (deletes, creates, status).
func (c *cronJobController) Reconcile(_ context.Context, key string) (Result, error) {
	e := c.cronJobs[key]
	if e == nil {
		return Result{}, nil
	}
	cj := e.cj
	jobs := c.jobBuf[:0]
	var byName map[string]*workload.Job
	if m := c.jobs[key]; m != nil {
		byName = m.byName
	}
	for _, j := range byName {
		if IsControlledBy(j, cj.UID) {
			jobs = append(jobs, j)
		}
	}
	slices.SortFunc(jobs, func(a, b *workload.Job) int { return strings.Compare(a.Name, b.Name) })
	sched, serr := c.schedule(cj)
	plan := decideCronJob(cronInput{Now: c.deps.Clock.Now(), CronJob: cj, Jobs: jobs, Sched: sched, SchedErr: serr, ScheduleChangedAt: e.schedChangedAt, Scratch: &c.planBuf})
	clear(jobs) // keep no Job alive through the buffer
	c.jobBuf = jobs[:0]
	err := c.apply(e, plan)
	// Keep the lists' arrays, not what they hold.
	clear(plan.Events)
	clear(plan.Delete)
	clear(plan.Create)
	c.planBuf = cronPlan{Events: plan.Events[:0], Delete: plan.Delete[:0], Create: plan.Create[:0]}
	return Result{RequeueAfter: plan.RequeueAfter}, err
}

// apply carries out a plan: events, deletes, creates, then the status
// (only when it changed). The Job is created before the status that
// records it is written, as in Kubernetes: a restart in between finds the
// Job by its name.
func (c *cronJobController) apply(ce *cachedCronJob, plan cronPlan) error {
	cj := ce.cj
	ev := c.deps.Events
	for _, e := range plan.Events {
		ev.event(cj, e.Type, e.Reason, e.Msg)
	}
	st := plan.Status
	for _, d := range plan.Delete {
		_, err := c.deps.Store.Delete("Job", cj.Namespace, d.Name, store.DeleteOptions{
			Preconditions:     store.Preconditions{UID: d.UID},
			PropagationPolicy: store.DeleteBackground,
			NoResult:          true,
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			ev.Eventf(cj, workload.EventTypeWarning, CronReasonFailedDelete, "Deleted job: %v", err)
			return c.writeStatus(cj, st, fmt.Errorf("CronJob %s/%s: deleting Job %s: %w", cj.Namespace, cj.Name, d.Name, err))
		}
		st.Active = slices.DeleteFunc(st.Active, func(r workload.ObjectReference) bool { return r.UID == d.UID })
		if err == nil {
			ev.event(cj, workload.EventTypeNormal, CronReasonSuccessfulDelete, eventMsg{a: "Deleted job ", b: d.Name})
		}
	}
	for _, cr := range plan.Create {
		// The store adopts the Job, which shares its spec and labels with
		// the stored CronJob's template, and its owner references with
		// the CronJob's other Jobs: none of them is ever changed. No copy
		// out: the stored Job is read with Peek (read-only).
		j := new(workload.Job)
		fillJobFromCronTemplate(j, cj, cr.Slot, cr.Name, cr.Loc, ce.jobOwners())
		_, err := c.deps.Store.Create(j, store.Adopt, store.NoResult)
		var created workload.Object
		if err == nil {
			var perr error
			if created, perr = c.deps.Store.Peek("Job", cj.Namespace, cr.Name); perr == nil {
				c.created[created.GetObjectMeta().UID] = struct{}{}
			}
		}
		switch {
		case errors.Is(err, store.ErrAlreadyExists):
			// Someone created it since we looked: ours if it has our
			// controller reference.
			o, gerr := c.deps.Store.Peek("Job", cj.Namespace, cr.Name)
			if gerr != nil {
				return c.writeStatus(cj, st, gerr)
			}
			if !IsControlledBy(o, cj.UID) {
				ev.Eventf(cj, workload.EventTypeWarning, CronReasonFailedCreate, "Error creating job: %s exists and is not controlled by this CronJob", cr.Name)
				continue
			}
			created = o
		case err != nil:
			ev.Eventf(cj, workload.EventTypeWarning, CronReasonFailedCreate, "Error creating job: %v", err)
			return c.writeStatus(cj, st, fmt.Errorf("CronJob %s/%s: creating Job %s: %w", cj.Namespace, cj.Name, cr.Name, err))
		default:
			ev.event(cj, workload.EventTypeNormal, CronReasonSuccessfulCreate, eventMsg{a: "Created job ", b: cr.Name})
		}
		// created is nil only when the new Job went again before Peek (a
		// concurrent delete): the slot is recorded, nothing is active.
		if j, _ := created.(*workload.Job); j != nil && !slices.ContainsFunc(st.Active, func(r workload.ObjectReference) bool { return r.UID == j.UID }) {
			if done, _ := cronJobFinished(j); !done {
				st.Active = append(st.Active, jobRef(j))
			}
		}
		if st.LastScheduleTime == nil || cr.Slot.After(st.LastScheduleTime.Time) {
			st.LastScheduleTime = workload.NewTimePtr(cr.Slot)
		}
	}
	return c.writeStatus(cj, st, nil)
}

// writeStatus writes st as the CronJob's status when it differs, and
// returns cause (or the write's error). cj is the cache's, read-only. The
// store adopts the object written (a new one holding st, which the plan
// owns: its active list is decideCronJob's copy, its times are new or
// shared read-only with stored objects), so the status is not copied.
func (c *cronJobController) writeStatus(cj *workload.CronJob, st workload.CronJobStatus, cause error) error {
	if cronStatusEqual(&cj.Status, &st) {
		return cause
	}
	w := new(workload.CronJob)
	w.Namespace, w.Name, w.UID, w.ResourceVersion = cj.Namespace, cj.Name, cj.UID, cj.ResourceVersion
	w.Status = st
	err := c.deps.Store.SetStatus(w, store.Adopt)
	if err != nil && cause == nil {
		return fmt.Errorf("CronJob %s/%s: writing status: %w", cj.Namespace, cj.Name, err)
	}
	return cause
}

func cronStatusEqual(a, b *workload.CronJobStatus) bool {
	return slices.Equal(a.Active, b.Active) && timePtrEqual(a.LastScheduleTime, b.LastScheduleTime) &&
		timePtrEqual(a.LastSuccessfulTime, b.LastSuccessfulTime)
}

func timePtrEqual(a, b *workload.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b.Time)
}
