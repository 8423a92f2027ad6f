package controller

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// jobInput is what one sync of a Job looks at.
type jobInput struct {
	// Job is the Job as stored (read-only).
	Job *workload.Job
	// Pods are the pods the Job controls (read-only), sorted by name.
	Pods []*workload.Pod
	// Backoff is the Job's failure back-off state.
	Backoff jobBackoffRecord
	// Now is the time of the sync.
	Now time.Time
}

// podCreate is one pod the sync asks for.
type podCreate struct {
	// Index is the completion index (noCompletionIndex for NonIndexed Jobs).
	Index int
	// FailureCount and IgnoredCount go to the pod's index failure count
	// annotations (Jobs with backoffLimitPerIndex only).
	FailureCount, IgnoredCount int32
	// PerIndex reports whether the annotations are set.
	PerIndex bool
}

// jobEvent is an event the sync records about the Job.
type jobEvent struct{ Type, Reason, Message string }

// jobPlan is the decision of one sync, applied in this order: write Status
// (the newly finished pods are recorded in uncountedTerminatedPods before
// anything else), delete and create pods, release the finalizers of the
// pods in Release, then finishStatus moves the released pods into the
// counters and, when Final is set and nothing is left uncounted or
// terminating, adds the Complete or Failed condition.
type jobPlan struct {
	Status workload.JobStatus
	// Delete are active pods to delete keeping their finalizer: the Job
	// is finishing, and they are counted (as failed) once gone.
	Delete []*workload.Pod
	// Remove are active pods the Job does not want (suspend, too many):
	// their finalizer goes first, then the pod; never counted.
	Remove []*workload.Pod
	// Create are the pods to create.
	Create []podCreate
	// Release are the pods whose job-tracking finalizer goes once Status
	// is stored.
	Release []*workload.Pod
	// WithFinalizer holds the UIDs of the Job's pods that carry the
	// job-tracking finalizer now.
	WithFinalizer map[string]bool
	// Final is the Complete or Failed condition to add once every
	// finished pod is counted and none is terminating.
	Final *workload.Condition
	// Terminating is status.terminating after the deletions.
	Terminating int32
	// Capped reports that more pods finished than one sync counts.
	Capped bool
	// MorePods reports that the Job wants more pods created or deleted
	// than the JobMaxPodChangesPerSync of this sync.
	MorePods bool
	// Backoff is the back-off state after this sync.
	Backoff jobBackoffRecord
	// RequeueAfter asks for another sync (deadline, back-off); 0: none.
	RequeueAfter time.Duration
	// Events are recorded about the Job.
	Events []jobEvent
}

func isIndexedJob(j *workload.Job) bool {
	return j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == workload.IndexedCompletion
}

func hasBackoffLimitPerIndex(j *workload.Job) bool {
	return isIndexedJob(j) && j.Spec.BackoffLimitPerIndex != nil
}

func jobSuspended(j *workload.Job) bool { return j.Spec.Suspend != nil && *j.Spec.Suspend }

// onlyReplaceFailedPods reports whether a deleted pod is replaced only once
// it is terminal: podReplacementPolicy Failed, forced by a podFailurePolicy.
func onlyReplaceFailedPods(j *workload.Job) bool {
	return (j.Spec.PodReplacementPolicy != nil && *j.Spec.PodReplacementPolicy == workload.Failed) ||
		j.Spec.PodFailurePolicy != nil
}

func jobHasFinalizer(o *workload.ObjectMeta, f string) bool { return slices.Contains(o.Finalizers, f) }

// jobPodGone reports whether a deleted pod no longer runs: the runtime has
// released it (no RuntimeFinalizer). The kubelet and the pod GC would
// have marked it Failed in Kubernetes; orphaned here, it counts as Failed.
func jobPodGone(p *workload.Pod) bool {
	return p.DeletionTimestamp != nil && !jobHasFinalizer(&p.ObjectMeta, RuntimeFinalizer)
}

// isJobPodFailed reports whether the pod counts as failed for the Job:
// phase Failed; or deleted and not Succeeded, once the runtime released it
// or, under podReplacementPolicy TerminatingOrFailed, at once (as
// Kubernetes' isPodFailed).
func isJobPodFailed(p *workload.Pod, j *workload.Job) bool {
	switch {
	case p.Status.Phase == workload.PodFailed:
		return true
	case p.Status.Phase == workload.PodSucceeded || p.DeletionTimestamp == nil:
		return false
	case jobPodGone(p):
		return true
	}
	return !onlyReplaceFailedPods(j)
}

// isJobPodTerminating reports whether a deleted pod still runs.
func isJobPodTerminating(p *workload.Pod) bool {
	return p.DeletionTimestamp != nil && !IsPodTerminal(p) && !jobPodGone(p)
}

// jobFinished returns the Job's Complete or Failed condition when it is
// True, else nil.
func jobFinished(j *workload.Job) *workload.Condition {
	for i := range j.Status.Conditions {
		c := &j.Status.Conditions[i]
		if (c.Type == workload.JobComplete || c.Type == workload.JobFailed) && c.Status == workload.ConditionTrue {
			return c
		}
	}
	return nil
}

func trueJobCondition(jobConds []workload.Condition, t string) *workload.Condition {
	if c := FindCondition(jobConds, t); c != nil && c.Status == workload.ConditionTrue {
		return c
	}
	return nil
}

func newJobCondition(t, status, reason, msg string, now time.Time) *workload.Condition {
	ts := workload.NewTime(now)
	return &workload.Condition{Type: t, Status: status, Reason: reason, Message: msg, LastProbeTime: ts, LastTransitionTime: ts}
}

// ensureJobCondition sets a condition as Kubernetes' ensureJobConditionStatus:
// a changed status, reason or message replaces it (stamped now); a False
// condition is never added where there was none. It reports a change.
func ensureJobCondition(jobConds []workload.Condition, t, status, reason, msg string, now time.Time) ([]workload.Condition, bool) {
	if c := FindCondition(jobConds, t); c != nil {
		if c.Status != status || c.Reason != reason || c.Message != msg {
			*c = *newJobCondition(t, status, reason, msg, now)
			return jobConds, true
		}
		return jobConds, false
	}
	if status == workload.ConditionFalse {
		return jobConds, false
	}
	return append(jobConds, *newJobCondition(t, status, reason, msg, now)), true
}

// pastBackoffLimitOnFailure reports, for restartPolicy OnFailure, whether
// the container restarts of the running and pending pods reach
// backoffLimit (any restart when the limit is 0).
func pastBackoffLimitOnFailure(j *workload.Job, pods []*workload.Pod) bool {
	if j.Spec.Template.Spec.RestartPolicy != workload.RestartPolicyOnFailure {
		return false
	}
	var n int32
	for _, p := range pods {
		if p.Status.Phase != workload.PodRunning && p.Status.Phase != workload.PodPending {
			continue
		}
		for _, cs := range p.Status.InitContainerStatuses {
			n += cs.RestartCount
		}
		for _, cs := range p.Status.ContainerStatuses {
			n += cs.RestartCount
		}
	}
	limit := backoffLimit(j)
	if limit == 0 {
		return n > 0
	}
	return n >= limit
}

func backoffLimit(j *workload.Job) int32 {
	if j.Spec.BackoffLimit != nil {
		return *j.Spec.BackoffLimit
	}
	if j.Spec.BackoffLimitPerIndex != nil {
		return math.MaxInt32
	}
	return workload.DefaultBackoffLimit
}

// isIndexFailed reports whether a failed pod fails its index: a FailIndex
// rule matched, or the index used up backoffLimitPerIndex.
func isIndexFailed(j *workload.Job, p *workload.Pod) bool {
	if !isJobPodFailed(p, j) {
		return false
	}
	jobCounters := true
	if j.Spec.PodFailurePolicy != nil {
		m := matchPodFailurePolicy(j.Spec.PodFailurePolicy, p)
		if m.Action == workload.PodFailurePolicyActionFailIndex {
			return true
		}
		jobCounters = m.Counts
	}
	return jobCounters && indexAnnotationCount(p, workload.JobIndexFailureCountAnno) >= *j.Spec.BackoffLimitPerIndex
}

// jobRequeue keeps the earliest positive delay.
type jobRequeue time.Duration

func (r *jobRequeue) at(d time.Duration) {
	if d > 0 && (*r == 0 || d < time.Duration(*r)) {
		*r = jobRequeue(d)
	}
}

// decideJob is the Job controller's decision for one sync of a Job that is
// not finished, following Kubernetes' syncJob, manageJob and
// trackJobStatusAndRemoveFinalizers.
func decideJob(in jobInput) jobPlan {
	job, now := in.Job, in.Now
	spec := &job.Spec
	indexed := isIndexedJob(job)
	perIndex := hasBackoffLimitPerIndex(job)
	completions := -1
	if spec.Completions != nil {
		completions = int(*spec.Completions)
	}
	validIndex := func(p *workload.Pod) bool {
		ix := completionIndex(p)
		return ix != noCompletionIndex && ix < completions
	}

	var plan jobPlan
	st := *job.Status.DeepCopy()
	if st.UncountedTerminatedPods == nil {
		st.UncountedTerminatedPods = &workload.UncountedTerminatedPods{}
	}
	unc := st.UncountedTerminatedPods
	uncSucceeded := jobUIDSet(unc.Succeeded)
	uncFailed := jobUIDSet(unc.Failed)

	withFin := make(map[string]bool, len(in.Pods))
	var active, newSucceeded, newFailed []*workload.Pod
	var ready, terminating int32
	for _, p := range in.Pods {
		fin := jobHasFinalizer(&p.ObjectMeta, workload.JobTrackingFinalizer)
		if fin {
			withFin[p.UID] = true
		}
		if IsPodActive(p) {
			active = append(active, p)
			if IsPodReady(p) {
				ready++
			}
		}
		if isJobPodTerminating(p) {
			terminating++
		}
		if !fin || uncSucceeded[p.UID] || uncFailed[p.UID] || (indexed && !validIndex(p)) {
			continue
		}
		if p.Status.Phase == workload.PodSucceeded {
			newSucceeded = append(newSucceeded, p)
		} else if isJobPodFailed(p, job) {
			newFailed = append(newFailed, p)
		}
	}
	succeeded := st.Succeeded + int32(len(newSucceeded)+len(uncSucceeded))
	failed := st.Failed + int32(len(uncFailed))
	for _, p := range newFailed {
		if matchPodFailurePolicy(spec.PodFailurePolicy, p).Counts {
			failed++
		}
	}

	if st.StartTime == nil && !jobSuspended(job) {
		st.StartTime = workload.NewTimePtr(now)
	}
	plan.Backoff = in.Backoff.update(newSucceeded, newFailed)
	var rq jobRequeue

	// The finished condition: success criteria met earlier, a failure
	// target set earlier, the pod failure policy, the back-off limit, the
	// deadline.
	var finished *workload.Condition
	if c := trueJobCondition(st.Conditions, workload.JobSuccessCriteriaMet); c != nil {
		finished = c
	}
	if finished == nil {
		if c := trueJobCondition(st.Conditions, workload.JobFailureTarget); c != nil {
			finished = newJobCondition(workload.JobFailed, workload.ConditionTrue, c.Reason, c.Message, now)
		} else if msg := failJobMessage(job, in.Pods); msg != "" {
			finished = newJobCondition(workload.JobFailureTarget, workload.ConditionTrue, workload.JobReasonPodFailurePolicy, msg, now)
		}
	}
	if finished == nil {
		switch {
		case failed > backoffLimit(job) || pastBackoffLimitOnFailure(job, in.Pods):
			finished = newJobCondition(workload.JobFailureTarget, workload.ConditionTrue, workload.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit", now)
		case pastActiveDeadline(job, st.StartTime, now):
			finished = newJobCondition(workload.JobFailureTarget, workload.ConditionTrue, workload.JobReasonDeadlineExceeded, "Job was active longer than specified deadline", now)
		case spec.ActiveDeadlineSeconds != nil && !jobSuspended(job) && st.StartTime != nil:
			rq.at(st.StartTime.Add(time.Duration(*spec.ActiveDeadlineSeconds) * time.Second).Sub(now))
		}
	}

	var prevSucceededIx, succeededIx, failedIx indexIntervals
	var delayed map[int]*workload.Pod
	if indexed {
		prevSucceededIx = parseIndexIntervals(st.CompletedIndexes, completions)
		var ix []int
		for _, p := range in.Pods {
			if p.Status.Phase == workload.PodSucceeded && validIndex(p) && withFin[p.UID] {
				ix = append(ix, completionIndex(p))
			}
		}
		slices.Sort(ix)
		succeededIx = prevSucceededIx.withIndexes(ix)
		succeeded = int32(succeededIx.total())
		if perIndex {
			if st.FailedIndexes != nil {
				failedIx = parseIndexIntervals(*st.FailedIndexes, completions)
			}
			ix = ix[:0]
			for _, p := range in.Pods {
				if validIndex(p) && withFin[p.UID] && isIndexFailed(job, p) {
					ix = append(ix, completionIndex(p))
				}
			}
			slices.Sort(ix)
			failedIx = failedIx.withIndexes(ix)
			if finished == nil {
				nf := failedIx.total()
				switch {
				case spec.MaxFailedIndexes != nil && nf > int(*spec.MaxFailedIndexes):
					finished = newJobCondition(workload.JobFailureTarget, workload.ConditionTrue, workload.JobReasonMaxFailedIndexesExceeded, "Job has exceeded the specified maximal number of failed indexes", now)
				case nf > 0 && nf+succeededIx.total() >= completions:
					finished = newJobCondition(workload.JobFailureTarget, workload.ConditionTrue, workload.JobReasonFailedIndexes, "Job has failed indexes", now)
				}
			}
			delayed = podsWithDelayedDeletion(job, in.Pods, active, withFin, succeededIx, failedIx)
		}
		if finished == nil {
			if msg, ok := matchSuccessPolicy(spec.SuccessPolicy, completions, succeededIx); ok {
				finished = newJobCondition(workload.JobSuccessCriteriaMet, workload.ConditionTrue, workload.JobReasonSuccessPolicy, msg, now)
			}
		}
	}

	nActive := int32(len(active))
	if finished != nil {
		// Finishing: every active pod goes, keeping its finalizer so
		// that it is counted.
		plan.Delete = active
		terminating += nActive
		ready = 0
		nActive = 0
	} else {
		manage := job.DeletionTimestamp == nil
		if manage {
			m := manageJob(job, in.Pods, active, succeeded, succeededIx, failedIx, delayed, terminating, plan.Backoff, now)
			plan.Create, plan.Remove, plan.MorePods = m.create, m.remove, m.more
			rq.at(m.requeue)
			nActive += int32(len(m.create)) - int32(len(m.remove))
			terminating += int32(len(m.remove))
			for _, p := range m.remove {
				if IsPodReady(p) {
					ready--
				}
			}
		}
		var complete bool
		if spec.Completions == nil {
			complete = succeeded > 0 && nActive == 0
		} else {
			complete = succeeded >= *spec.Completions && nActive == 0
		}
		if complete {
			finished = newJobCondition(workload.JobSuccessCriteriaMet, workload.ConditionTrue, workload.JobReasonCompletionsReached, "Reached expected number of succeeded pods", now)
		} else if manage {
			var changed bool
			if jobSuspended(job) {
				// The deadline counts time continuously active: it
				// restarts from the resume.
				st.StartTime = nil
				st.Conditions, changed = ensureJobCondition(st.Conditions, workload.JobSuspended, workload.ConditionTrue, workload.JobReasonSuspended, "Job suspended", now)
				if changed {
					plan.Events = append(plan.Events, jobEvent{workload.EventTypeNormal, "Suspended", "Job suspended"})
				}
			} else {
				st.Conditions, changed = ensureJobCondition(st.Conditions, workload.JobSuspended, workload.ConditionFalse, workload.JobReasonResumed, "Job resumed", now)
				if changed {
					plan.Events = append(plan.Events, jobEvent{workload.EventTypeNormal, "Resumed", "Job resumed"})
					st.StartTime = workload.NewTimePtr(now)
				}
			}
		}
	}
	st.Active = nActive
	st.Ready = &ready
	st.Terminating = &terminating

	// Record the newly finished pods in uncountedTerminatedPods and pick
	// the finalizers to release.
	pods := in.Pods
	if indexed {
		pods = sortByCompletionIndex(pods)
	}
	newIx := 0
	for _, p := range pods {
		if !withFin[p.UID] {
			continue
		}
		considerFailed := isJobPodFailed(p, job)
		if !canReleaseFinalizer(job, p, finished, considerFailed, delayed) {
			continue
		}
		plan.Release = append(plan.Release, p)
		switch {
		case p.Status.Phase == workload.PodSucceeded && !uncFailed[p.UID]:
			if indexed {
				if validIndex(p) && !prevSucceededIx.has(completionIndex(p)) {
					newIx++
				}
			} else if !uncSucceeded[p.UID] {
				unc.Succeeded = append(unc.Succeeded, p.UID)
				uncSucceeded[p.UID] = true
			}
		case considerFailed || (finished != nil && finished.Type != workload.JobSuccessCriteriaMet):
			if !uncFailed[p.UID] && (!indexed || validIndex(p)) && matchPodFailurePolicy(spec.PodFailurePolicy, p).Counts {
				unc.Failed = append(unc.Failed, p.UID)
				uncFailed[p.UID] = true
			}
		}
		if newIx+len(unc.Succeeded)+len(unc.Failed) >= JobMaxUncountedPods {
			plan.Capped = true
			break
		}
	}
	if indexed {
		st.CompletedIndexes = succeededIx.String()
		st.Succeeded = int32(succeededIx.total())
		st.FailedIndexes = nil
		if perIndex {
			s := failedIx.String()
			st.FailedIndexes = &s
		}
	}
	switch {
	case finished == nil:
	case finished.Type == workload.JobFailureTarget:
		st.Conditions = append(st.Conditions, *finished)
		finished = newJobCondition(workload.JobFailed, workload.ConditionTrue, finished.Reason, finished.Message, now)
	case finished.Type == workload.JobSuccessCriteriaMet:
		if trueJobCondition(st.Conditions, workload.JobSuccessCriteriaMet) == nil {
			st.Conditions = append(st.Conditions, *finished)
		}
		finished = newJobCondition(workload.JobComplete, workload.ConditionTrue, finished.Reason, finished.Message, now)
	}
	countReleased(&st, withFin)
	plan.Status = st
	plan.WithFinalizer = withFin
	plan.Final = finished
	plan.Terminating = terminating
	plan.RequeueAfter = time.Duration(rq)
	return plan
}

// finishStatus is the end of a sync, after the finalizers were released:
// uncounted pods whose finalizer is gone move to the counters, and the
// final condition is added once nothing is left uncounted or terminating
// (Complete also sets completionTime). It reports whether the Job
// finished.
func finishStatus(in workload.JobStatus, withFin map[string]bool, final *workload.Condition, terminating int32, capped bool, now time.Time) (workload.JobStatus, bool) {
	st := *in.DeepCopy()
	countReleased(&st, withFin)
	if final == nil || capped {
		return st, false
	}
	if u := st.UncountedTerminatedPods; u != nil && len(u.Succeeded)+len(u.Failed) > 0 {
		return st, false
	}
	if terminating > 0 {
		return st, false
	}
	st.Conditions, _ = ensureJobCondition(st.Conditions, final.Type, final.Status, final.Reason, final.Message, now)
	if final.Type == workload.JobComplete {
		st.CompletionTime = workload.NewTimePtr(now)
	}
	return st, true
}

// countReleased moves the uncounted pods that no longer carry the
// finalizer (or are gone) into the succeeded and failed counters.
func countReleased(st *workload.JobStatus, withFin map[string]bool) {
	u := st.UncountedTerminatedPods
	if u == nil {
		return
	}
	keep := func(uids []string) ([]string, int32) {
		var out []string
		for _, uid := range uids {
			if withFin[uid] {
				out = append(out, uid)
			}
		}
		return out, int32(len(uids) - len(out))
	}
	var n int32
	u.Succeeded, n = keep(u.Succeeded)
	st.Succeeded += n
	u.Failed, n = keep(u.Failed)
	st.Failed += n
}

// canReleaseFinalizer reports whether a pod's tracking finalizer may go:
// the Job is being deleted or finishing, the pod succeeded, or it failed
// (unless, under backoffLimitPerIndex, it waits for its replacement to
// inherit its failure count).
func canReleaseFinalizer(j *workload.Job, p *workload.Pod, finished *workload.Condition, considerFailed bool, delayed map[int]*workload.Pod) bool {
	if j.DeletionTimestamp != nil || finished != nil || p.Status.Phase == workload.PodSucceeded {
		return true
	}
	if !considerFailed {
		return false
	}
	if d, ok := delayed[completionIndex(p)]; ok && d.UID == p.UID {
		return false
	}
	return true
}

func jobUIDSet(uids []string) map[string]bool {
	m := make(map[string]bool, len(uids))
	for _, u := range uids {
		m[u] = true
	}
	return m
}

func pastActiveDeadline(j *workload.Job, start *workload.Time, now time.Time) bool {
	if j.Spec.ActiveDeadlineSeconds == nil || start == nil || jobSuspended(j) {
		return false
	}
	return now.Sub(start.Time) >= time.Duration(*j.Spec.ActiveDeadlineSeconds)*time.Second
}

// failJobMessage returns the message of the first failed pod that matches a
// FailJob rule, or "".
func failJobMessage(j *workload.Job, pods []*workload.Pod) string {
	if j.Spec.PodFailurePolicy == nil {
		return ""
	}
	for _, p := range pods {
		if !isJobPodFailed(p, j) {
			continue
		}
		if m := matchPodFailurePolicy(j.Spec.PodFailurePolicy, p); m.Action == workload.PodFailurePolicyActionFailJob {
			return m.Message
		}
	}
	return ""
}

// podsWithDelayedDeletion returns, per index, the last failed pod whose
// finalizer stays until its replacement exists (backoffLimitPerIndex:
// the replacement inherits its failure count).
func podsWithDelayedDeletion(j *workload.Job, pods, active []*workload.Pod, withFin map[string]bool, succeeded, failed indexIntervals) map[int]*workload.Pod {
	activeIx := make(map[int]bool, len(active))
	for _, p := range active {
		activeIx[completionIndex(p)] = true
	}
	completions := int(*j.Spec.Completions)
	out := map[int]*workload.Pod{}
	for _, p := range pods {
		ix := completionIndex(p)
		if !withFin[p.UID] || ix == noCompletionIndex || ix >= completions || !isJobPodFailed(p, j) {
			continue
		}
		if succeeded.has(ix) || failed.has(ix) || activeIx[ix] {
			continue
		}
		if last, ok := out[ix]; ok {
			lc := indexAnnotationCount(last, workload.JobIndexFailureCountAnno) + indexAnnotationCount(last, workload.JobIndexIgnoredFailureCount)
			pc := indexAnnotationCount(p, workload.JobIndexFailureCountAnno) + indexAnnotationCount(p, workload.JobIndexIgnoredFailureCount)
			if lc <= pc && !jobPodFinishedAt(p).Before(jobPodFinishedAt(last)) {
				out[ix] = p
			}
			continue
		}
		out[ix] = p
	}
	return out
}

type jobManageResult struct {
	create  []podCreate
	remove  []*workload.Pod
	requeue time.Duration
	// more: the Job wants more changes than JobMaxPodChangesPerSync.
	more bool
}

// manageJob decides the pods to create or delete, as Kubernetes'
// manageJob: a suspended Job deletes every active pod; otherwise the
// active pods go to min(parallelism, completions - succeeded) (work-queue
// Jobs: parallelism until the first success, then no new pods); a sync
// that must delete only deletes; creations wait for the back-off; at most
// JobMaxPodChangesPerSync changes.
func manageJob(job *workload.Job, pods, active []*workload.Pod, succeeded int32, succeededIx, failedIx indexIntervals,
	delayed map[int]*workload.Pod, terminating int32, backoff jobBackoffRecord, now time.Time) jobManageResult {
	spec := &job.Spec
	nActive := int32(len(active))
	if jobSuspended(job) {
		return jobManageResult{remove: jobPodsForRemoval(job, active, len(active))}
	}
	var parallelism int32
	if spec.Parallelism != nil {
		parallelism = max(*spec.Parallelism, 0)
	}
	var want int32
	if spec.Completions == nil {
		want = parallelism
		if succeeded > 0 {
			want = nActive
		}
	} else {
		want = max(min(*spec.Completions-succeeded, parallelism), 0)
	}
	if rm := jobPodsForRemoval(job, active, int(max(nActive-want, 0))); len(rm) > 0 {
		more := len(rm) > JobMaxPodChangesPerSync
		if more {
			rm = rm[:JobMaxPodChangesPerSync]
		}
		return jobManageResult{remove: rm, more: more}
	}
	var term int32
	if onlyReplaceFailedPods(job) {
		term = terminating
	}
	diff := want - term - nActive
	if diff <= 0 {
		return jobManageResult{}
	}
	perIndex := hasBackoffLimitPerIndex(job)
	if !perIndex {
		if wait := backoff.remaining(now); wait > 0 {
			return jobManageResult{requeue: wait}
		}
	}
	more := diff > JobMaxPodChangesPerSync
	diff = min(diff, JobMaxPodChangesPerSync)
	if !isIndexedJob(job) {
		out := make([]podCreate, diff)
		for i := range out {
			out[i] = podCreate{Index: noCompletionIndex}
		}
		return jobManageResult{create: out, more: more}
	}
	var terminatingPods []*workload.Pod
	if onlyReplaceFailedPods(job) {
		for _, p := range pods {
			if isJobPodTerminating(p) {
				terminatingPods = append(terminatingPods, p)
			}
		}
	}
	ix := firstPendingIndexes(active, terminatingPods, succeededIx, failedIx, int(diff), int(*spec.Completions))
	res := jobManageResult{more: more}
	if perIndex {
		var minWait time.Duration
		now := now
		ready := ix[:0:0]
		for _, i := range ix {
			wait := time.Duration(0)
			if last := delayed[i]; last != nil {
				n := indexAnnotationCount(last, workload.JobIndexFailureCountAnno) + indexAnnotationCount(last, workload.JobIndexIgnoredFailureCount) + 1
				wait = jobRemainingBackoff(n, jobPodFinishedAt(last), now)
			}
			if wait == 0 {
				ready = append(ready, i)
			} else if minWait == 0 || wait < minWait {
				minWait = wait
			}
		}
		if len(ready) == 0 {
			return jobManageResult{requeue: minWait}
		}
		ix = ready
	}
	for _, i := range ix {
		pc := podCreate{Index: i}
		if perIndex {
			pc.PerIndex = true
			if last := delayed[i]; last != nil {
				pc.FailureCount = indexAnnotationCount(last, workload.JobIndexFailureCountAnno)
				pc.IgnoredCount = indexAnnotationCount(last, workload.JobIndexIgnoredFailureCount)
				if matchPodFailurePolicy(spec.PodFailurePolicy, last).Counts {
					pc.FailureCount++
				} else {
					pc.IgnoredCount++
				}
			}
		}
		res.create = append(res.create, pc)
	}
	return res
}

// sortByCompletionIndex returns a copy of pods sorted by completion index (stable),
// parsing each index once.
func sortByCompletionIndex(pods []*workload.Pod) []*workload.Pod {
	type ixPod struct {
		ix int
		p  *workload.Pod
	}
	tmp := make([]ixPod, len(pods))
	for i, p := range pods {
		tmp[i] = ixPod{completionIndex(p), p}
	}
	slices.SortStableFunc(tmp, func(a, b ixPod) int { return a.ix - b.ix })
	out := make([]*workload.Pod, len(pods))
	for i := range tmp {
		out[i] = tmp[i].p
	}
	return out
}

// firstPendingIndexes returns up to count indexes below completions that no
// active (or, under podReplacementPolicy Failed, terminating) pod holds and
// that have neither succeeded nor failed, lowest first.
func firstPendingIndexes(active, terminating []*workload.Pod, succeeded, failed indexIntervals, count, completions int) []int {
	if count <= 0 {
		return nil
	}
	var held []int
	for _, ps := range [][]*workload.Pod{active, terminating} {
		for _, p := range ps {
			if ix := completionIndex(p); ix != noCompletionIndex {
				held = append(held, ix)
			}
		}
	}
	slices.Sort(held)
	busy := succeeded.withIndexes(held).merge(failed)
	out := make([]int, 0, count)
	next := 0
	for _, iv := range busy {
		for ; next < completions && len(out) < count && next < iv.first; next++ {
			out = append(out, next)
		}
		next = max(next, iv.last+1)
	}
	for ; next < completions && len(out) < count; next++ {
		out = append(out, next)
	}
	return out
}

// jobPodsForRemoval returns the active pods to delete: for Indexed
// Jobs every pod without a valid index, beyond completions or duplicating
// an index (keeping the one to delete last); then, to reach atLeast, the
// remaining pods in jobDeletionOrder order.
func jobPodsForRemoval(job *workload.Job, active []*workload.Pod, atLeast int) []*workload.Pod {
	var rm []*workload.Pod
	left := active
	if isIndexedJob(job) {
		completions := int(*job.Spec.Completions)
		byIx := sortByCompletionIndex(active)
		left = nil
		for i := 0; i < len(byIx); {
			ix := completionIndex(byIx[i])
			j := i
			for j < len(byIx) && completionIndex(byIx[j]) == ix {
				j++
			}
			group := byIx[i:j] // byIx is a copy: sorting in place is fine
			if len(group) > 1 {
				slices.SortFunc(group, jobDeletionOrder)
			}
			switch {
			case ix == noCompletionIndex || ix >= completions:
				rm = append(rm, group...)
			default:
				rm = append(rm, group[:len(group)-1]...)
				left = append(left, group[len(group)-1])
			}
			i = j
		}
	}
	if len(rm) < atLeast {
		left = slices.Clone(left)
		slices.SortFunc(left, jobDeletionOrder)
		rm = append(rm, left[:min(atLeast-len(rm), len(left))]...)
	}
	return rm
}

// validateJobForController checks what the controller relies on, naming
// the field: restartPolicy Never or OnFailure, a known completion mode,
// completions for Indexed Jobs, non-negative counts, backoffLimitPerIndex
// only for Indexed Jobs, well-formed successPolicy indexes.
func validateJobForController(j *workload.Job) error {
	s := &j.Spec
	switch rp := s.Template.Spec.RestartPolicy; rp {
	case workload.RestartPolicyNever, workload.RestartPolicyOnFailure:
	default:
		return fmt.Errorf("spec.template.spec.restartPolicy: %q not supported (want Never or OnFailure)", rp)
	}
	if s.CompletionMode != nil && *s.CompletionMode != workload.IndexedCompletion && *s.CompletionMode != workload.NonIndexedCompletion {
		return fmt.Errorf("spec.completionMode: %q not supported (want NonIndexed or Indexed)", *s.CompletionMode)
	}
	for _, f := range []struct {
		name string
		v    *int32
	}{{"spec.parallelism", s.Parallelism}, {"spec.completions", s.Completions}, {"spec.backoffLimit", s.BackoffLimit},
		{"spec.backoffLimitPerIndex", s.BackoffLimitPerIndex}, {"spec.maxFailedIndexes", s.MaxFailedIndexes}} {
		if f.v != nil && *f.v < 0 {
			return fmt.Errorf("%s: must be >= 0, got %d", f.name, *f.v)
		}
	}
	if s.ActiveDeadlineSeconds != nil && *s.ActiveDeadlineSeconds < 0 {
		return fmt.Errorf("spec.activeDeadlineSeconds: must be >= 0, got %d", *s.ActiveDeadlineSeconds)
	}
	if isIndexedJob(j) && s.Completions == nil {
		return fmt.Errorf("spec.completions: required when spec.completionMode is Indexed")
	}
	if !isIndexedJob(j) {
		switch {
		case s.BackoffLimitPerIndex != nil:
			return fmt.Errorf("spec.backoffLimitPerIndex: requires spec.completionMode Indexed")
		case s.SuccessPolicy != nil:
			return fmt.Errorf("spec.successPolicy: requires spec.completionMode Indexed")
		}
	}
	if s.SuccessPolicy != nil {
		for i, r := range s.SuccessPolicy.Rules {
			if r.SucceededIndexes == nil && r.SucceededCount == nil {
				return fmt.Errorf("spec.successPolicy.rules[%d]: needs succeededIndexes or succeededCount", i)
			}
			if r.SucceededIndexes != nil {
				if err := validIndexIntervals(*r.SucceededIndexes); err != nil {
					return fmt.Errorf("spec.successPolicy.rules[%d].succeededIndexes: %v", i, err)
				}
			}
		}
	}
	if s.PodFailurePolicy != nil {
		if s.Template.Spec.RestartPolicy != workload.RestartPolicyNever {
			return fmt.Errorf("spec.podFailurePolicy: requires spec.template.spec.restartPolicy Never")
		}
		for i, r := range s.PodFailurePolicy.Rules {
			switch r.Action {
			case workload.PodFailurePolicyActionFailJob, workload.PodFailurePolicyActionIgnore, workload.PodFailurePolicyActionCount:
			case workload.PodFailurePolicyActionFailIndex:
				if s.BackoffLimitPerIndex == nil {
					return fmt.Errorf("spec.podFailurePolicy.rules[%d].action: FailIndex requires spec.backoffLimitPerIndex", i)
				}
			default:
				return fmt.Errorf("spec.podFailurePolicy.rules[%d].action: %q not supported", i, r.Action)
			}
			if (r.OnExitCodes == nil) == (len(r.OnPodConditions) == 0) {
				return fmt.Errorf("spec.podFailurePolicy.rules[%d]: needs exactly one of onExitCodes and onPodConditions", i)
			}
			if e := r.OnExitCodes; e != nil && e.Operator != workload.PodFailurePolicyOnExitCodesOpIn && e.Operator != workload.PodFailurePolicyOnExitCodesOpNotIn {
				return fmt.Errorf("spec.podFailurePolicy.rules[%d].onExitCodes.operator: %q not supported (want In or NotIn)", i, e.Operator)
			}
		}
	}
	return nil
}
