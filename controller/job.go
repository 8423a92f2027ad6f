package controller

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// orphanPodKeyPrefix marks queue keys naming a pod (not a Job) whose
// job-tracking finalizer may have to go: "pod:<namespace>/<name>".
const orphanPodKeyPrefix = "pod:"

// jobController is the Job controller; see NewJob.
//
// It keeps, as Kubernetes' informers do, a cache of the pods that Jobs
// control, filled from the store's watch (pointers to the watch's shared,
// read-only objects) and rebuilt by Start. Pods that finished, were counted
// and are not being deleted are dropped from it: they no longer matter to
// any decision, and a Job of 100,000 completions would otherwise copy
// them all on every sync. The Manager delivers every store change before it
// reconciles again, so the cache always holds this controller's own
// writes when it syncs a Job (the role of Kubernetes' expectations).
type jobController struct {
	deps Deps
	// pods: Job key ("ns/name" of the controller reference) -> pod name
	// -> pod.
	pods map[string]map[string]*workload.Pod
	// podJob: pod key -> the Job key it is cached under.
	podJob map[string]string
	// listedAt is the store version of the list that filled the cache;
	// older pod events are already in it.
	listedAt uint64
	// backoff: Job UID -> failure back-off state (memory only, as in
	// Kubernetes).
	backoff map[string]jobBackoffRecord
	// manual: namespace -> Job name -> selector of the Jobs with
	// spec.manualSelector, which adopt the orphans their selector
	// matches; an orphan pod's change wakes them.
	manual map[string]map[string]labels.Selector
	// batched: Job key -> the Job's batch period, after a sync that
	// wanted more than JobMaxPodChangesPerSync pod changes; see wake.
	batched map[string]jobBatch
}

// jobBatch is the batch period of a Job whose last sync hit
// JobMaxPodChangesPerSync: until the requeued sync at until, pod events and
// Job events of generation gen do not wake the Job (as Kubernetes' pod
// events and status updates re-queue it after syncJobBatchPeriod); a spec
// change does.
type jobBatch struct {
	until time.Time
	gen   int64
}

// NewJob returns the Job controller (batch/v1 Job), which runs pods until
// a number of them have succeeded, following Kubernetes'
// pkg/controller/job field by field:
//
//   - Selector and labels: unless spec.manualSelector is true, the first
//     sync sets spec.selector to batch.kubernetes.io/controller-uid=<uid>
//     (or adds that to a selector of the Job's own, which must match the
//     generated labels, as generateSelector and validateGeneratedSelector)
//     and adds batch.kubernetes.io/controller-uid,
//     batch.kubernetes.io/job-name, controller-uid and job-name to the pod
//     template (Kubernetes' API server does this on create, and so does
//     the cluster's store, through workload.GenerateJobSelector; the
//     controller does it with one Update for a Job stored without them);
//     a Job without labels gets its
//     template's, generated ones included, as the API server's defaulting
//     shows them (a CronJob's Jobs get their pod template's). Pods belong to the Job by their
//     controller reference, claimed as Kubernetes' ClaimPods does: a pod
//     whose labels stop matching the selector is released (its owner
//     reference removed), and a Job with manualSelector adopts the pods
//     without a controller that its selector matches (adding its controller
//     reference and the tracking finalizer). A generated selector names
//     the Job's own uid, so such a Job has no orphans to adopt.
//   - Pods: generateName "<job>-" ("<job>-<i>-" for Indexed Jobs), a
//     controller reference, and the finalizer batch.kubernetes.io/job-tracking.
//   - completions and parallelism: at most min(parallelism, completions -
//     succeeded) active pods; completions unset is a work-queue Job, done
//     once a pod succeeded and none is active, with no new pods after the
//     first success; parallelism 0 pauses. A sync that must both create
//     and delete only deletes, preferring unscheduled, then pending, then
//     not-ready pods (Kubernetes' ActivePods order). At most 500 creates
//     or deletes per sync (MaxPodCreateDeletePerSync; a suspended or
//     failing Job deletes all its active pods at once, as Kubernetes);
//     creates go in slow-start batches of 1, 2, 4, ..., and a batch with
//     a failed create is the sync's last. A sync that hit the 500 is
//     followed by the next one JobSyncBatchPeriod (1 s) later, its own pod
//     and status events not waking the Job sooner (only a spec change
//     does), so a Job of parallelism 2^31-1 grows by 500 pods a second
//     as in Kubernetes.
//   - Exact accounting: a finished pod is first recorded by UID in
//     status.uncountedTerminatedPods (UpdateStatus), then its finalizer
//     is removed, then it moves to status.succeeded or status.failed. As
//     the finalizer keeps a deleted pod in the store, every pod is seen in
//     its final state and counted once, even when it is deleted or
//     garbage-collected first (Kubernetes issue #78721) and across a
//     control-plane restart.
//   - backoffLimit: the Job fails (FailureTarget, then Failed, reason
//     BackoffLimitExceeded) on the failure that goes past the limit; under
//     restartPolicy OnFailure also when the container restarts of running
//     and pending pods reach it (any restart when it is 0). Replacements
//     of failed pods wait 10 s x 2^(k-1) after the k-th consecutive
//     failure, from that failure's end (container finishedAt, else the
//     Ready=False transition, else the deletion), capped at 10 minutes as
//     in Kubernetes' code (its docs say six); a success resets k. The
//     back-off state lives in memory, as in Kubernetes: a restarted
//     controller replaces failed pods at once.
//   - activeDeadlineSeconds, from status.startTime: DeadlineExceeded; it
//     is checked after backoffLimit, as in Kubernetes.
//   - suspend: active pods are deleted without counting as failures;
//     condition Suspended True (JobSuspended) and, on resume, False
//     (JobResumed), with startTime reset; events Suspended and Resumed.
//   - completionMode Indexed: the index in the annotation and label
//     batch.kubernetes.io/job-completion-index, in JOB_COMPLETION_INDEX
//     (a plain value here, where Kubernetes uses a field reference) and in
//     the hostname "<job>-<i>"; the first success of an index counts;
//     status.completedIndexes as "1,3-5". backoffLimitPerIndex counts
//     failures per index in batch.kubernetes.io/job-index-failure-count;
//     failed indexes go to status.failedIndexes and the Job fails
//     (FailedIndexes) once every index succeeded or failed, or early past
//     maxFailedIndexes (MaxFailedIndexesExceeded).
//   - podFailurePolicy: the first matching rule wins (FailJob, FailIndex,
//     Ignore, Count; onExitCodes In/NotIn with an optional container name,
//     never matching exit code 0; onPodConditions such as DisruptionTarget);
//     only failed pods are matched. successPolicy (Indexed):
//     SuccessCriteriaMet (SuccessPolicy), then Complete.
//   - podReplacementPolicy: TerminatingOrFailed replaces a pod once it is
//     being deleted (and counts it failed); Failed (forced by a
//     podFailurePolicy) waits until it is terminal. status.terminating
//     counts deleted pods that still run.
//   - Conditions: FailureTarget or SuccessCriteriaMet first; Failed or
//     Complete (with completionTime) only once every finished pod is
//     counted and no pod is terminating; never both. A failing Job deletes
//     its active pods. Events SuccessfulCreate, FailedCreate,
//     SuccessfulDelete, FailedDelete, Suspended, Resumed, Completed
//     (after a TooManySucceededPods warning when more pods succeeded than
//     completions), and the failure reason (BackoffLimitExceeded,
//     DeadlineExceeded, PodFailurePolicy, ...) as a warning.
//   - spec.managedBy other than kubernetes.io/job-controller: the Job is
//     left alone. A finished or deleted Job's remaining pods lose their
//     finalizer (and are not counted).
//
// Where orchestra differs: a deleted pod that the runtime has released (no
// orchestra.dev/runtime finalizer) counts as Failed, as the kubelet or the
// pod GC would have marked it in Kubernetes; the 1 s sync batching of
// pod events applies only after a sync that hit the 500 limit (other pod
// events sync the Job at once);
// bad specs (restartPolicy Always, Indexed without completions, ...) are
// refused by the controller with a warning event naming the field, where
// Kubernetes' API server rejects them. ttlSecondsAfterFinished is handled
// by the controller of NewTTLAfterFinished.
func NewJob(deps Deps) Controller {
	return &jobController{
		deps:    deps,
		pods:    map[string]map[string]*workload.Pod{},
		podJob:  map[string]string{},
		backoff: map[string]jobBackoffRecord{},
		manual:  map[string]map[string]labels.Selector{},
		batched: map[string]jobBatch{},
	}
}

// Name returns "job".
func (c *jobController) Name() string { return "job" }

// Start rebuilds the pod cache from the store and enqueues every Job, and
// every pod that carries the tracking finalizer without a Job controller.
func (c *jobController) Start(enqueue func(string)) {
	clear(c.pods)
	clear(c.podJob)
	clear(c.manual)
	clear(c.batched)
	jobs := c.deps.Store.List("Job", "", nil)
	for _, o := range jobs {
		c.trackManual(o.(*workload.Job), false)
	}
	pods, rv := c.deps.Store.ListWithVersion("Pod", "", nil)
	c.listedAt = rv
	for _, o := range pods {
		c.observePod(o.(*workload.Pod), workload.Key(o), false, enqueue)
	}
	for _, o := range jobs {
		enqueue(workload.Key(o))
	}
}

// trackManual keeps the selector of a Job with spec.manualSelector.
func (c *jobController) trackManual(j *workload.Job, deleted bool) {
	byName := c.manual[j.Namespace]
	if deleted || j.Spec.ManualSelector == nil || !*j.Spec.ManualSelector || j.Spec.Selector == nil {
		if byName != nil {
			delete(byName, j.Name)
			if len(byName) == 0 {
				delete(c.manual, j.Namespace)
			}
		}
		return
	}
	sel, err := j.Spec.Selector.AsSelector()
	if err != nil || sel.Empty() {
		return
	}
	if byName == nil {
		byName = map[string]labels.Selector{}
		c.manual[j.Namespace] = byName
	}
	byName[j.Name] = sel
}

// Handle keeps the pod cache and maps Job and pod changes to Job keys.
func (c *jobController) Handle(ev store.Event, enqueue func(string)) {
	switch o := ev.Object.(type) {
	case *workload.Job:
		c.trackManual(o, ev.Type == store.Deleted)
		jk := ev.ObjectKey()
		if b, ok := c.batched[jk]; ok && ev.Type != store.Deleted && o.Generation == b.gen {
			c.wake(jk, enqueue)
			return
		}
		enqueue(jk)
	case *workload.Pod:
		if ev.Version <= c.listedAt {
			return
		}
		c.observePod(o, ev.ObjectKey(), ev.Type == store.Deleted, enqueue)
	}
}

// observePod files p (shared, read-only) in the cache, or drops it, and
// enqueues what it concerns.
// observePod caches p, whose key is pk, with its Job.
func (c *jobController) observePod(p *workload.Pod, pk string, deleted bool, enqueue func(string)) {
	ref := workload.ControllerOf(p)
	jk := ""
	if ref != nil && ref.Kind == "Job" {
		jk = p.Namespace + "/" + ref.Name
	}
	if old, ok := c.podJob[pk]; ok && (old != jk || deleted) {
		c.uncache(old, p.Name, pk)
		c.wake(old, enqueue)
	}
	if jk == "" {
		if !deleted && jobHasFinalizer(&p.ObjectMeta, workload.JobTrackingFinalizer) {
			enqueue(orphanPodKeyPrefix + pk)
		}
		if !deleted && ref == nil && p.DeletionTimestamp == nil {
			for name, sel := range c.manual[p.Namespace] {
				if sel.Matches(labels.Set(p.Labels)) {
					c.wake(p.Namespace+"/"+name, enqueue)
				}
			}
		}
		return
	}
	c.wake(jk, enqueue)
	if deleted || (IsPodTerminal(p) && p.DeletionTimestamp == nil && !jobHasFinalizer(&p.ObjectMeta, workload.JobTrackingFinalizer)) {
		c.uncache(jk, p.Name, pk)
		return
	}
	m := c.pods[jk]
	if m == nil {
		m = map[string]*workload.Pod{}
		c.pods[jk] = m
	}
	m[p.Name] = p
	c.podJob[pk] = jk
}

// wake enqueues the Job key jk for a pod event, or a Job event that
// changed no spec, unless the Job is in its batch period: its sync is
// already requeued at the period's end.
func (c *jobController) wake(jk string, enqueue func(string)) {
	if len(c.batched) > 0 {
		if b, ok := c.batched[jk]; ok {
			if c.deps.Clock.Now().Before(b.until) {
				return
			}
			delete(c.batched, jk)
		}
	}
	enqueue(jk)
}

func (c *jobController) uncache(jk, name, pk string) {
	delete(c.podJob, pk)
	if m := c.pods[jk]; m != nil {
		delete(m, name)
		if len(m) == 0 {
			delete(c.pods, jk)
		}
	}
}

// cachedPods returns the cached pods of a Job key, sorted by name.
func (c *jobController) cachedPods(jk string) []*workload.Pod {
	m := c.pods[jk]
	out := make([]*workload.Pod, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *workload.Pod) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Reconcile syncs one Job (or releases one orphan pod).
func (c *jobController) Reconcile(ctx context.Context, key string) (Result, error) {
	if pk, ok := strings.CutPrefix(key, orphanPodKeyPrefix); ok {
		return Result{}, c.syncOrphanPod(pk)
	}
	ns, name, ok := strings.Cut(key, "/")
	if !ok || ns == "" || name == "" {
		return Result{}, fmt.Errorf("job: bad key %q (want namespace/name): %w", key, ErrPermanent)
	}
	delete(c.batched, key)
	pods := c.cachedPods(key)
	// The stored Job itself (read-only): the sync copies what it changes.
	o, err := c.deps.Store.Peek("Job", ns, name)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, c.releaseAll(pods)
	}
	if err != nil {
		return Result{}, err
	}
	job := o.(*workload.Job)
	if job.Spec.ManagedBy != nil && *job.Spec.ManagedBy != workload.JobControllerName {
		return Result{}, nil
	}
	// Pods of an earlier Job of the same name are orphans.
	own := pods[:0:0]
	var orphans []*workload.Pod
	for _, p := range pods {
		if ref := workload.ControllerOf(p); ref != nil && ref.UID == job.UID {
			own = append(own, p)
		} else {
			orphans = append(orphans, p)
		}
	}
	if err := c.releaseAll(orphans); err != nil {
		return Result{}, err
	}
	if jobFinished(job) != nil {
		delete(c.backoff, job.UID)
		return Result{}, c.releaseAll(own)
	}
	if err := validateJobForController(job); err != nil {
		c.deps.Events.Event(job, workload.EventTypeWarning, "InvalidJob", err.Error())
		return Result{}, fmt.Errorf("job %s: %w: %w", key, err, ErrPermanent)
	}
	if job, err = c.ensureSelector(job); err != nil {
		return Result{}, err
	}
	if changed, err := c.claim(job, own); changed || err != nil {
		// The claimed pods come back through the watch, and with them
		// another sync that counts them.
		return Result{}, err
	}
	plan := decideJob(jobInput{Job: job, Pods: own, Backoff: c.backoff[job.UID], Now: c.deps.Clock.Now()})
	return c.apply(job, plan)
}

// claim does what Kubernetes' ClaimPods does for a Job that is not being
// deleted: it releases the Job's pods whose labels no longer match its
// selector, and a Job with manualSelector adopts the pods without a
// controller that match it (controller reference and tracking finalizer
// added; pods being deleted are left alone). It reports whether it
// changed a pod.
func (c *jobController) claim(job *workload.Job, own []*workload.Pod) (bool, error) {
	if job.DeletionTimestamp != nil || job.Spec.Selector == nil {
		return false, nil
	}
	manual := job.Spec.ManualSelector != nil && *job.Spec.ManualSelector
	var sel labels.Selector
	matches := func(p *workload.Pod) bool { return p.Labels[workload.ControllerUIDLabel] == job.UID }
	if manual || len(job.Spec.Selector.MatchExpressions) > 0 || len(job.Spec.Selector.MatchLabels) != 1 {
		var err error
		if sel, err = job.Spec.Selector.AsSelector(); err != nil {
			return false, fmt.Errorf("job %s: spec.selector: %w: %w", workload.Key(job), err, ErrPermanent)
		}
		matches = func(p *workload.Pod) bool { return sel.Matches(labels.Set(p.Labels)) }
	}
	s := c.deps.Store
	changed := false
	var errs []error
	for _, p := range own {
		if matches(p) {
			continue
		}
		cp := p.DeepCopy()
		cp.OwnerReferences = slices.DeleteFunc(cp.OwnerReferences, func(r workload.OwnerReference) bool { return r.UID == job.UID })
		if _, err := s.Update(cp, store.NoResult); err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, fmt.Errorf("job %s: releasing pod %s: %w", workload.Key(job), p.Name, err))
			continue
		}
		changed = true
	}
	if manual {
		for _, o := range s.List("Pod", job.Namespace, sel) {
			p := o.(*workload.Pod)
			if workload.ControllerOf(p) != nil || p.DeletionTimestamp != nil {
				continue
			}
			p.OwnerReferences = append(p.OwnerReferences, workload.NewControllerRef(job))
			if !jobHasFinalizer(&p.ObjectMeta, workload.JobTrackingFinalizer) {
				p.Finalizers = append(p.Finalizers, workload.JobTrackingFinalizer)
			}
			if _, err := s.Update(p, store.NoResult); err != nil && !errors.Is(err, store.ErrNotFound) {
				errs = append(errs, fmt.Errorf("job %s: adopting pod %s: %w", workload.Key(job), p.Name, err))
				continue
			}
			changed = true
		}
	}
	return changed, errors.Join(errs...)
}

// ensureSelector sets the generated selector and labels once, unless
// spec.manualSelector is true, and gives a Job without labels its
// template's (see jobLabelsFromTemplate).
func (c *jobController) ensureSelector(job *workload.Job) (*workload.Job, error) {
	manual := job.Spec.ManualSelector != nil && *job.Spec.ManualSelector
	switch sel := job.Spec.Selector; {
	case manual && sel == nil:
		err := fmt.Errorf("spec.selector: required when spec.manualSelector is true")
		c.deps.Events.Eventf(job, workload.EventTypeWarning, "InvalidJob", "%v", err)
		return nil, fmt.Errorf("job %s: %w: %w", workload.Key(job), err, ErrPermanent)
	case !manual && sel != nil && !workload.JobSelectorMatchesGenerated(job):
		err := fmt.Errorf("spec.selector: set without spec.manualSelector true and not matching the generated labels (the controller generates it)")
		c.deps.Events.Event(job, workload.EventTypeWarning, "InvalidJob", err.Error())
		return nil, fmt.Errorf("job %s: %w: %w", workload.Key(job), err, ErrPermanent)
	}
	// A selector of the user's that matches the generated labels gets
	// controller-uid added, as Kubernetes' generateSelector does.
	generate := !manual && (job.Spec.Selector == nil || job.Spec.Selector.MatchLabels[workload.ControllerUIDLabel] == "")
	if !generate && (len(job.Labels) > 0 || len(job.Spec.Template.Labels) == 0) {
		return job, nil
	}
	j := job.DeepCopy()
	if !generate || !workload.GenerateJobSelector(j) {
		workload.JobLabelsFromTemplate(j)
	}
	out, err := c.deps.Store.Update(j)
	if err != nil {
		return nil, fmt.Errorf("job %s: setting spec.selector: %w", workload.Key(job), err)
	}
	return out.(*workload.Job), nil
}

// apply carries out a plan in the order the accounting needs.
func (c *jobController) apply(job *workload.Job, plan jobPlan) (Result, error) {
	s := c.deps.Store
	key := workload.Key(job)
	cur := job
	requeue := plan.RequeueAfter
	if plan.MorePods {
		// The rest waits for the next sync, a batch period on, which
		// this sync's own writes do not bring forward.
		c.batched[key] = jobBatch{until: c.deps.Clock.Now().Add(JobSyncBatchPeriod), gen: job.Generation}
		if requeue <= 0 || requeue > JobSyncBatchPeriod {
			requeue = JobSyncBatchPeriod
		}
	}
	// Finished pods are recorded first, with the pods active now; the
	// pods to create count once they are made, in the final write, so
	// that creates that fail write nothing (a write of the planned count
	// and another of the failed one's would wake the Job for the next
	// attempt at once, with no back-off).
	first := plan.Status
	first.Active -= int32(len(plan.Create))
	if !reflect.DeepEqual(first, job.Status) {
		j := *job
		j.Status = first
		if err := s.SetStatus(&j); err != nil {
			return Result{}, fmt.Errorf("job %s: recording finished pods: %w", key, err)
		}
		o, err := s.Peek("Job", job.Namespace, job.Name)
		if err != nil {
			return Result{}, fmt.Errorf("job %s: recording finished pods: %w", key, err)
		}
		cur = o.(*workload.Job)
	}
	c.backoff[job.UID] = plan.Backoff
	for _, ev := range plan.Events {
		c.deps.Events.Eventf(cur, ev.Type, ev.Reason, "%s", ev.Message)
	}

	var errs []error
	final := plan.Final
	active := plan.Status.Active
	for _, p := range plan.Delete {
		if err := DeletePod(s, p.Namespace, p.Name, nil); err != nil {
			final = nil
			errs = append(errs, err)
			c.deps.Events.Eventf(cur, workload.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
			continue
		}
		c.deps.Events.EventJoin(cur, workload.EventTypeNormal, "SuccessfulDelete", "Deleted pod: ", p.Name)
	}
	for _, p := range plan.Remove {
		err := c.releaseFinalizer(p)
		if err == nil {
			delete(plan.WithFinalizer, p.UID)
			err = DeletePod(s, p.Namespace, p.Name, nil)
		}
		if err != nil {
			active++
			errs = append(errs, err)
			c.deps.Events.Eventf(cur, workload.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
			continue
		}
		c.deps.Events.EventJoin(cur, workload.EventTypeNormal, "SuccessfulDelete", "Deleted pod: ", p.Name)
	}
	// Creations go in Kubernetes' slow-start batches (1, 2, 4, ...): a
	// batch with a failed create is the last, and the pods of the later
	// batches are not attempted (nor counted active).
	pods := jobPodMaker{job: cur}
	creates := plan.Create
	for _, n := range slowStartBatches(len(creates)) {
		failed := false
		for _, pc := range creates[:n] {
			out, err := s.Create(pods.make(pc), store.SharedResult)
			if err != nil {
				active--
				failed = true
				errs = append(errs, err)
				c.deps.Events.Eventf(cur, workload.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
				continue
			}
			c.deps.Events.EventJoin(cur, workload.EventTypeNormal, "SuccessfulCreate", "Created pod: ", out.GetObjectMeta().Name)
		}
		creates = creates[n:]
		if failed {
			active -= int32(len(creates))
			break
		}
	}
	for _, p := range plan.Release {
		if err := c.releaseFinalizer(p); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(plan.WithFinalizer, p.UID)
	}
	st := cur.Status
	st.Active = active
	st, finished := finishStatus(st, plan.WithFinalizer, final, plan.Terminating, plan.Capped, c.deps.Clock.Now())
	if !reflect.DeepEqual(st, cur.Status) {
		j := *cur
		j.Status = st
		if err := s.SetStatus(&j); err != nil {
			return Result{}, errors.Join(append(errs, fmt.Errorf("job %s: counting finished pods: %w", key, err))...)
		}
	}
	if finished {
		delete(c.backoff, job.UID)
		if final.Type == workload.JobComplete {
			if cs := job.Spec.Completions; cs != nil && st.Succeeded > *cs {
				c.deps.Events.Eventf(cur, workload.EventTypeWarning, "TooManySucceededPods", "Too many succeeded pods running after completion count reached")
			}
			c.deps.Events.Eventf(cur, workload.EventTypeNormal, "Completed", "Job completed")
		} else {
			c.deps.Events.Eventf(cur, workload.EventTypeWarning, final.Reason, "%s", final.Message)
		}
	}
	if len(errs) > 0 {
		return Result{}, fmt.Errorf("job %s: %w", key, errors.Join(errs...))
	}
	return Result{RequeueAfter: requeue}, nil
}

// newJobPod makes the pod of one creation.
func newJobPod(job *workload.Job, pc podCreate) *workload.Pod {
	p := NewPodFromTemplate(&job.Spec.Template, job, "", GenerateNamePrefix(job.Name))
	p.Finalizers = append(p.Finalizers, workload.JobTrackingFinalizer)
	if pc.Index != noCompletionIndex {
		ix := strconv.Itoa(pc.Index)
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Annotations[workload.JobCompletionIndexAnnotation] = ix
		p.Labels[workload.JobCompletionIndexAnnotation] = ix
		if pc.PerIndex {
			p.Annotations[workload.JobIndexFailureCountAnno] = strconv.Itoa(int(pc.FailureCount))
			if pc.IgnoredCount > 0 {
				p.Annotations[workload.JobIndexIgnoredFailureCount] = strconv.Itoa(int(pc.IgnoredCount))
			}
		}
		p.Spec.Hostname = job.Name + "-" + ix
		p.GenerateName = indexedGenerateName(job.Name, pc.Index)
		for _, cs := range [][]workload.Container{p.Spec.InitContainers, p.Spec.Containers} {
			for i := range cs {
				if !slices.ContainsFunc(cs[i].Env, func(e workload.EnvVar) bool { return e.Name == workload.JobCompletionIndexEnv }) {
					cs[i].Env = append(cs[i].Env, workload.EnvVar{Name: workload.JobCompletionIndexEnv, Value: ix})
				}
			}
		}
	}
	workload.DefaultPod(p)
	return p
}

// jobPodMaker makes the pods of one sync's creations, each as newJobPod
// would. The store copies what it creates, so one pod serves them all: the
// template is copied and defaulted once, and each creation changes only the
// fields that depend on its index.
type jobPodMaker struct {
	job *workload.Job
	pod *workload.Pod
	// env are the JOB_COMPLETION_INDEX variables newJobPod added (not
	// those the template set).
	env []*workload.EnvVar
	// The template's own index failure count annotations, restored when a
	// creation does not set them.
	failureCount, ignoredCount *string
}

// make returns the pod of one creation; it is valid until the next call.
func (m *jobPodMaker) make(pc podCreate) *workload.Pod {
	if m.pod == nil {
		m.pod = newJobPod(m.job, pc)
		if pc.Index == noCompletionIndex {
			return m.pod
		}
		t := &m.job.Spec.Template
		if v, ok := t.Annotations[workload.JobIndexFailureCountAnno]; ok {
			m.failureCount = &v
		}
		if v, ok := t.Annotations[workload.JobIndexIgnoredFailureCount]; ok {
			m.ignoredCount = &v
		}
		for k, cs := range [][]workload.Container{m.pod.Spec.InitContainers, m.pod.Spec.Containers} {
			tcs := t.Spec.InitContainers
			if k == 1 {
				tcs = t.Spec.Containers
			}
			for i := range cs {
				if !slices.ContainsFunc(tcs[i].Env, func(e workload.EnvVar) bool { return e.Name == workload.JobCompletionIndexEnv }) {
					m.env = append(m.env, &cs[i].Env[len(cs[i].Env)-1])
				}
			}
		}
		return m.pod
	}
	if pc.Index == noCompletionIndex {
		return m.pod // every pod of a NonIndexed Job is the same
	}
	p := m.pod
	ix := strconv.Itoa(pc.Index)
	p.Annotations[workload.JobCompletionIndexAnnotation] = ix
	p.Labels[workload.JobCompletionIndexAnnotation] = ix
	setOrRestore := func(key string, set bool, v int32, orig *string) {
		switch {
		case set:
			p.Annotations[key] = strconv.Itoa(int(v))
		case orig != nil:
			p.Annotations[key] = *orig
		default:
			delete(p.Annotations, key)
		}
	}
	setOrRestore(workload.JobIndexFailureCountAnno, pc.PerIndex, pc.FailureCount, m.failureCount)
	setOrRestore(workload.JobIndexIgnoredFailureCount, pc.PerIndex && pc.IgnoredCount > 0, pc.IgnoredCount, m.ignoredCount)
	p.Spec.Hostname = m.job.Name + "-" + ix
	p.GenerateName = indexedGenerateName(m.job.Name, pc.Index)
	for _, e := range m.env {
		e.Value = ix
	}
	return p
}

// indexedGenerateName is "<job>-<i>-", the job name cut so that the
// prefix fits in 58 characters.
func indexedGenerateName(job string, ix int) string {
	suffix := "-" + strconv.Itoa(ix) + "-"
	if len(job)+len(suffix) > 58 {
		job = job[:58-len(suffix)]
	}
	return job + suffix
}

// releaseFinalizer removes the job-tracking finalizer from a pod, retrying
// on conflicts with a fresh copy. A pod that is gone is released.
func (c *jobController) releaseFinalizer(p *workload.Pod) error {
	// A patch of metadata.finalizers, as Kubernetes' Job controller
	// sends: no version check, no copy of the pod.
	if err := c.deps.Store.RemoveFinalizer("Pod", p.Namespace, p.Name, p.UID, workload.JobTrackingFinalizer); err != nil {
		return fmt.Errorf("pod %s/%s: removing finalizer %s: %w", p.Namespace, p.Name, workload.JobTrackingFinalizer, err)
	}
	return nil
}

// releaseAll releases the finalizer of every pod that has it.
func (c *jobController) releaseAll(pods []*workload.Pod) error {
	var errs []error
	for _, p := range pods {
		if jobHasFinalizer(&p.ObjectMeta, workload.JobTrackingFinalizer) {
			if err := c.releaseFinalizer(p); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// syncOrphanPod releases the finalizer of a pod that no Job controls.
func (c *jobController) syncOrphanPod(pk string) error {
	ns, name, _ := strings.Cut(pk, "/")
	o, err := c.deps.Store.Peek("Pod", ns, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	p := o.(*workload.Pod)
	if ref := workload.ControllerOf(p); ref != nil && ref.Kind == "Job" {
		return nil // the Job's own sync decides
	}
	return c.releaseFinalizer(p)
}
