package controller

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// Harness tests of the Job controller: the test plays the kubelet (and,
// where it matters, the runtime's finalizer) with the helpers below.

func newJobHarness(t *testing.T) *harness {
	return newHarness(t, NewJob, NewTTLAfterFinished, NewGarbageCollector)
}

// newTestJob returns a Job with one container "main" and restartPolicy Never,
// changed by mut.
func newTestJob(name string, mut func(*workload.Job)) *workload.Job {
	j := &workload.Job{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default"},
		Spec: workload.JobSpec{
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: workload.PodSpec{
					RestartPolicy: workload.RestartPolicyNever,
					Containers:    []workload.Container{{Name: "main", Image: "busybox"}},
				},
			},
		},
	}
	if mut != nil {
		mut(j)
	}
	return j
}

func (h *harness) jobGet(name string) *workload.Job {
	h.t.Helper()
	return h.get("Job", "default", name).(*workload.Job)
}

// jobPods returns the pods the Job controls, sorted by name; with
// activeOnly, only the active ones.
func (h *harness) jobPods(name string, activeOnly bool) []*workload.Pod {
	h.t.Helper()
	j := h.jobGet(name)
	var out []*workload.Pod
	for _, o := range h.store.ListByOwner("Pod", j.UID) {
		p := o.(*workload.Pod)
		if !activeOnly || IsPodActive(p) {
			out = append(out, p)
		}
	}
	return out
}

func jobPodNames(ps []*workload.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// finishPod plays the kubelet: the pod's only container exits with code
// (0: Succeeded, else Failed), finishing now.
func (h *harness) jobFinishPod(name string, code int32) {
	h.t.Helper()
	p := h.get("Pod", "default", name).(*workload.Pod)
	now := workload.NewTime(h.clock.Now())
	p.Status.Phase = workload.PodSucceeded
	if code != 0 {
		p.Status.Phase = workload.PodFailed
	}
	p.Status.ContainerStatuses = []workload.ContainerStatus{{
		Name:  "main",
		State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{ExitCode: code, FinishedAt: now}},
	}}
	p.Status.Conditions = []workload.PodCondition{{Type: workload.PodReady, Status: workload.ConditionFalse, LastTransitionTime: now}}
	if _, err := h.store.UpdateStatus(p); err != nil {
		h.t.Fatal(err)
	}
}

// runPod plays the scheduler and the runtime: the pod is bound to node-1,
// holds the runtime finalizer and runs (ready when asked).
func (h *harness) jobRunPod(name string, ready bool) {
	h.t.Helper()
	p := h.get("Pod", "default", name).(*workload.Pod)
	p.Spec.NodeName = "node-1"
	p.Finalizers = append(p.Finalizers, RuntimeFinalizer)
	if _, err := h.store.Update(p); err != nil {
		h.t.Fatal(err)
	}
	h.setPodStatus("default", name, workload.PodRunning, ready)
}

// releaseRuntime plays the runtime stopping a deleted pod: phase as given
// (may be empty to keep it), runtime finalizer removed.
func (h *harness) jobReleaseRuntime(name, phase string) {
	h.t.Helper()
	p := h.get("Pod", "default", name).(*workload.Pod)
	if phase != "" {
		p.Status.Phase = phase
		if _, err := h.store.UpdateStatus(p); err != nil {
			h.t.Fatal(err)
		}
		p = h.get("Pod", "default", name).(*workload.Pod)
	}
	p.Finalizers = slices.DeleteFunc(p.Finalizers, func(f string) bool { return f == RuntimeFinalizer })
	if _, err := h.store.Update(p); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) jobDeletePod(name string) {
	h.t.Helper()
	if err := DeletePod(h.store, "default", name, nil); err != nil {
		h.t.Fatal(err)
	}
}

// jobConds returns the Job's conditions as "Type=Status/Reason".
func jobConds(j *workload.Job) []string {
	var out []string
	for _, c := range j.Status.Conditions {
		out = append(out, c.Type+"="+c.Status+"/"+c.Reason)
	}
	return out
}

// events returns the reasons of the events about the Job, in order.
func (h *harness) jobEvents(job string) []string {
	var evs []*workload.Event
	for _, e := range h.rec.Events() {
		if e.InvolvedObject.Kind == "Job" && e.InvolvedObject.Name == job {
			evs = append(evs, e)
		}
	}
	slices.SortStableFunc(evs, func(a, b *workload.Event) int {
		return strings.Compare(fmt.Sprintf("%020s", a.ResourceVersion), fmt.Sprintf("%020s", b.ResourceVersion))
	})
	var out []string
	for _, e := range evs {
		out = append(out, e.Reason)
	}
	return out
}

// jobEventCount sums the counts of the events about the Job with reason.
func (h *harness) jobEventCount(job, reason string) int32 {
	var n int32
	for _, e := range h.rec.Events() {
		if e.InvolvedObject.Kind == "Job" && e.InvolvedObject.Name == job && e.Reason == reason {
			n += e.Count
		}
	}
	return n
}

type jobCounters struct {
	Active, Succeeded, Failed, Ready, Terminating int32
	Uncounted                                     int
}

func jobCounts(j *workload.Job) jobCounters {
	c := jobCounters{Active: j.Status.Active, Succeeded: j.Status.Succeeded, Failed: j.Status.Failed}
	if j.Status.Ready != nil {
		c.Ready = *j.Status.Ready
	}
	if j.Status.Terminating != nil {
		c.Terminating = *j.Status.Terminating
	}
	if u := j.Status.UncountedTerminatedPods; u != nil {
		c.Uncounted = len(u.Succeeded) + len(u.Failed)
	}
	return c
}

func TestJobSetsSelectorLabelsAndMakesPods(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("pi", nil))
	h.settle()
	j := h.jobGet("pi")
	want := map[string]string{workload.ControllerUIDLabel: j.UID}
	if j.Spec.Selector == nil || !cmp.Equal(j.Spec.Selector.MatchLabels, want) {
		t.Fatalf("selector = %+v, want matchLabels %v", j.Spec.Selector, want)
	}
	wantLabels := map[string]string{
		"app": "pi", workload.ControllerUIDLabel: j.UID, workload.JobNameLabel: "pi",
		workload.LegacyControllerUIDLabel: j.UID, workload.LegacyJobNameLabel: "pi",
	}
	if d := cmp.Diff(wantLabels, j.Spec.Template.Labels); d != "" {
		t.Errorf("template labels (-want +got):\n%s", d)
	}
	pods := h.jobPods("pi", false)
	if len(pods) != 1 {
		t.Fatalf("pods = %v, want 1", jobPodNames(pods))
	}
	p := pods[0]
	if p.GenerateName != "pi-" || !strings.HasPrefix(p.Name, "pi-") {
		t.Errorf("name %q generateName %q, want pi-<rand>", p.Name, p.GenerateName)
	}
	if d := cmp.Diff(wantLabels, p.Labels); d != "" {
		t.Errorf("pod labels (-want +got):\n%s", d)
	}
	if !IsControlledBy(p, j.UID) {
		t.Errorf("pod not controlled by the job: %+v", p.OwnerReferences)
	}
	if !slices.Contains(p.Finalizers, workload.JobTrackingFinalizer) {
		t.Errorf("finalizers = %v, want %s", p.Finalizers, workload.JobTrackingFinalizer)
	}
	if j.Status.StartTime == nil || !j.Status.StartTime.Equal(harnessStart) {
		t.Errorf("startTime = %v, want %v", j.Status.StartTime, harnessStart)
	}
	if got := jobCounts(j); got != (jobCounters{Active: 1}) {
		t.Errorf("status = %+v, want active 1", got)
	}
	if got := h.jobEvents("pi"); !cmp.Equal(got, []string{"SuccessfulCreate"}) {
		t.Errorf("events = %v", got)
	}
	// The selector is set once: a second sync changes nothing.
	rv := j.ResourceVersion
	h.advance(time.Minute)
	if got := h.jobGet("pi").ResourceVersion; got != rv {
		t.Errorf("job rewritten without a change: rv %s -> %s", rv, got)
	}
}

func TestJobCompletionsAndParallelism(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("batch", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](5)
		j.Spec.Parallelism = workload.Ptr[int32](2)
	}))
	h.settle()
	for round := 0; ; round++ {
		active := h.jobPods("batch", true)
		j := h.jobGet("batch")
		wantActive := min(2, 5-int(j.Status.Succeeded))
		if len(active) != wantActive || j.Status.Active != int32(wantActive) {
			t.Fatalf("round %d: active pods %d, status.active %d, want %d", round, len(active), j.Status.Active, wantActive)
		}
		if wantActive == 0 {
			break
		}
		h.advance(5 * time.Second)
		h.jobFinishPod(active[0].Name, 0)
		h.settle()
	}
	j := h.jobGet("batch")
	if got := jobCounts(j); got != (jobCounters{Succeeded: 5}) {
		t.Errorf("status = %+v, want succeeded 5", got)
	}
	if got := jobConds(j); !cmp.Equal(got, []string{"SuccessCriteriaMet=True/CompletionsReached", "Complete=True/CompletionsReached"}) {
		t.Errorf("conditions = %v", got)
	}
	if j.Status.CompletionTime == nil || !j.Status.CompletionTime.Equal(h.clock.Now()) {
		t.Errorf("completionTime = %v, want %v", j.Status.CompletionTime, h.clock.Now())
	}
	for _, p := range h.jobPods("batch", false) {
		if slices.Contains(p.Finalizers, workload.JobTrackingFinalizer) {
			t.Errorf("pod %s still has the tracking finalizer", p.Name)
		}
	}
	if ev := h.jobEvents("batch"); ev[len(ev)-1] != "Completed" {
		t.Errorf("events = %v, want Completed last", ev)
	}
}

func TestJobWorkQueueMode(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("wq", func(j *workload.Job) { j.Spec.Parallelism = workload.Ptr[int32](3) }))
	h.settle()
	pods := h.jobPods("wq", true)
	if len(pods) != 3 {
		t.Fatalf("active pods = %d, want parallelism 3", len(pods))
	}
	h.jobFinishPod(pods[0].Name, 0)
	h.settle()
	// After the first success, no new pod; the Job waits for the others.
	if got := h.jobPods("wq", false); len(got) != 3 {
		t.Fatalf("pods after the first success = %v, want no new pod", jobPodNames(got))
	}
	j := h.jobGet("wq")
	if len(j.Status.Conditions) != 0 || j.Status.Active != 2 || j.Status.Succeeded != 1 {
		t.Fatalf("status after one success: active %d succeeded %d conditions %v", j.Status.Active, j.Status.Succeeded, jobConds(j))
	}
	// A failure after a success is counted but not replaced.
	h.jobFinishPod(pods[1].Name, 1)
	h.settle()
	if got := h.jobPods("wq", true); len(got) != 1 {
		t.Fatalf("active pods = %v, want 1", jobPodNames(got))
	}
	h.jobFinishPod(pods[2].Name, 0)
	h.settle()
	j = h.jobGet("wq")
	if got := jobCounts(j); got != (jobCounters{Succeeded: 2, Failed: 1}) {
		t.Errorf("status = %+v", got)
	}
	if got := jobConds(j); !cmp.Equal(got, []string{"SuccessCriteriaMet=True/CompletionsReached", "Complete=True/CompletionsReached"}) {
		t.Errorf("conditions = %v", got)
	}
}

func TestJobParallelismZeroPausesAndScalesDown(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("p", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](10)
		j.Spec.Parallelism = workload.Ptr[int32](3)
	}))
	h.settle()
	pods := h.jobPods("p", true)
	if len(pods) != 3 {
		t.Fatalf("active = %d, want 3", len(pods))
	}
	// Make pods differ: pods[0] ready on a node, pods[1] running not
	// ready, pods[2] unscheduled.
	h.jobRunPod(pods[0].Name, true)
	h.jobRunPod(pods[1].Name, false)
	h.settle()
	j := h.jobGet("p")
	j.Spec.Parallelism = workload.Ptr[int32](1)
	if _, err := h.store.Update(j); err != nil {
		t.Fatal(err)
	}
	h.settle()
	left := h.jobPods("p", true)
	if got := jobPodNames(left); !cmp.Equal(got, []string{pods[0].Name}) {
		t.Errorf("left after scale-down = %v, want the ready one %s", got, pods[0].Name)
	}
	if got := h.jobGet("p"); got.Status.Failed != 0 {
		t.Errorf("scale-down counted failures: %+v", jobCounts(got))
	}
	j = h.jobGet("p")
	j.Spec.Parallelism = workload.Ptr[int32](0)
	if _, err := h.store.Update(j); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Hour)
	if got := h.jobPods("p", true); len(got) != 0 {
		t.Errorf("parallelism 0: active pods %v, want none", jobPodNames(got))
	}
	if got := h.jobGet("p"); got.Status.Active != 0 || len(got.Status.Conditions) != 0 {
		t.Errorf("parallelism 0: status %+v conditions %v", jobCounts(got), jobConds(got))
	}
}

func TestJobCreatesAtMost500PerSync(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("big", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](1000)
		j.Spec.Parallelism = workload.Ptr[int32](700)
	}))
	h.mgr.Step(t.Context())
	if got := len(h.jobPods("big", false)); got != JobMaxPodChangesPerSync {
		t.Fatalf("pods after one sync = %d, want %d", got, JobMaxPodChangesPerSync)
	}
	// The rest follows a batch period (1 s) later, as in Kubernetes.
	h.settle()
	if got := len(h.jobPods("big", false)); got != JobMaxPodChangesPerSync {
		t.Fatalf("pods after settling = %d, want %d", got, JobMaxPodChangesPerSync)
	}
	h.advance(JobSyncBatchPeriod)
	if got := len(h.jobPods("big", false)); got != 700 {
		t.Fatalf("pods a batch period on = %d, want 700", got)
	}
}

// TestJobBackoffLimitFailOkFailOkFail: limit 2, outcomes fail, ok, fail,
// ok, fail: the third failure goes past the limit and fails the Job, with
// completions to spare (10), so that only the limit can end it.
func TestJobBackoffLimitFailOkFailOkFail(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("b", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](10)
		j.Spec.BackoffLimit = workload.Ptr[int32](2)
	}))
	h.settle()
	outcomes := []int32{1, 0, 1, 0, 1}
	for i, code := range outcomes {
		active := h.jobPods("b", true)
		if len(active) != 1 {
			t.Fatalf("step %d: active = %v, want 1 (status %+v, conditions %v)", i, jobPodNames(active), jobCounts(h.jobGet("b")), jobConds(h.jobGet("b")))
		}
		h.advance(3 * time.Second)
		h.jobFinishPod(active[0].Name, code)
		h.settle()
		j := h.jobGet("b")
		if i < len(outcomes)-1 && len(j.Status.Conditions) != 0 {
			t.Fatalf("step %d: job finished early: %v", i, jobConds(j))
		}
		if code != 0 {
			// The replacement waits 10 s: every failure follows a
			// success (or is the first), so k is 1 each time.
			if i < len(outcomes)-1 {
				if got := h.jobPods("b", true); len(got) != 0 {
					t.Fatalf("step %d: replacement created before the back-off: %v", i, jobPodNames(got))
				}
				h.advance(10*time.Second - time.Millisecond)
				if got := h.jobPods("b", true); len(got) != 0 {
					t.Fatalf("step %d: replacement created before 10 s", i)
				}
				h.advance(time.Millisecond)
			}
		}
	}
	j := h.jobGet("b")
	if got := jobCounts(j); got != (jobCounters{Succeeded: 2, Failed: 3}) {
		t.Errorf("status = %+v, want succeeded 2, failed 3", got)
	}
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/BackoffLimitExceeded", "Failed=True/BackoffLimitExceeded"}) {
		t.Errorf("conditions = %v", got)
	}
	if j.Status.CompletionTime != nil {
		t.Errorf("completionTime set on a failed job")
	}
	if ev := h.jobEvents("b"); ev[len(ev)-1] != "BackoffLimitExceeded" {
		t.Errorf("events = %v, want BackoffLimitExceeded last", ev)
	}
	h.advance(time.Hour)
	if got := len(h.jobPods("b", false)); got != 5 {
		t.Errorf("pods after failing = %d, want the 5 that ran", got)
	}
}

func TestJobParallelPodsFailingTogether(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("pf", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](6)
		j.Spec.Parallelism = workload.Ptr[int32](3)
		j.Spec.BackoffLimit = workload.Ptr[int32](3)
	}))
	h.settle()
	pods := h.jobPods("pf", true)
	for _, p := range pods {
		h.jobFinishPod(p.Name, 1)
	}
	h.settle()
	j := h.jobGet("pf")
	if got := jobCounts(j); got != (jobCounters{Failed: 3}) {
		t.Fatalf("after 3 simultaneous failures: %+v, want failed 3 and no pod yet", got)
	}
	// Three failures at once: k = 3, so the replacements wait 40 s.
	h.advance(40*time.Second - time.Millisecond)
	if got := h.jobPods("pf", true); len(got) != 0 {
		t.Fatalf("replacements before 40 s: %v", jobPodNames(got))
	}
	h.advance(time.Millisecond)
	pods = h.jobPods("pf", true)
	if len(pods) != 3 {
		t.Fatalf("replacements = %d, want 3", len(pods))
	}
	h.jobRunPod(pods[0].Name, true)
	h.jobFinishPod(pods[1].Name, 1)
	h.jobFinishPod(pods[2].Name, 1)
	h.settle()
	j = h.jobGet("pf")
	// 5 failures > 3: failure target, the running pod is deleted and
	// Failed waits for it to stop.
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/BackoffLimitExceeded"}) {
		t.Fatalf("conditions = %v, want FailureTarget only while a pod terminates", got)
	}
	if got := jobCounts(j); got != (jobCounters{Failed: 6, Terminating: 1}) {
		t.Errorf("status = %+v, want failed 6 (the deleted one counted), terminating 1", got)
	}
	h.jobReleaseRuntime(pods[0].Name, workload.PodFailed)
	h.settle()
	j = h.jobGet("pf")
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/BackoffLimitExceeded", "Failed=True/BackoffLimitExceeded"}) {
		t.Errorf("conditions = %v", got)
	}
	if got := jobCounts(j); got != (jobCounters{Failed: 6}) {
		t.Errorf("status = %+v, want failed 6", got)
	}
}

// TestJobBackoffDelaySequence: a pod that always fails is replaced after
// 10, 20, 40, 80, 160, 320 s, counted from each failure.
func TestJobBackoffDelaySequence(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("always", func(j *workload.Job) { j.Spec.BackoffLimit = workload.Ptr[int32](8) }))
	h.settle()
	var gaps []time.Duration
	for range 7 {
		active := h.jobPods("always", true)
		if len(active) != 1 {
			t.Fatalf("active = %v", jobPodNames(active))
		}
		h.advance(7 * time.Second) // runs 7 s
		h.jobFinishPod(active[0].Name, 1)
		failedAt := h.clock.Now()
		h.settle()
		for len(h.jobPods("always", true)) == 0 {
			next, ok := h.clock.Next()
			if !ok {
				t.Fatalf("no replacement and nothing scheduled after %d failures", len(gaps)+1)
			}
			h.clock.AdvanceTo(next)
			h.settle()
		}
		gaps = append(gaps, h.clock.Now().Sub(failedAt))
	}
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 320 * time.Second, 600 * time.Second}
	if !cmp.Equal(gaps, want) {
		t.Errorf("replacement delays = %v, want %v", gaps, want)
	}
}

func TestJobOnFailureRestartsCount(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("of", func(j *workload.Job) {
		j.Spec.Template.Spec.RestartPolicy = workload.RestartPolicyOnFailure
		j.Spec.BackoffLimit = workload.Ptr[int32](2)
	}))
	h.settle()
	p := h.jobPods("of", true)[0]
	h.jobRunPod(p.Name, true)
	setRestarts := func(n int32) {
		pod := h.get("Pod", "default", p.Name).(*workload.Pod)
		pod.Status.ContainerStatuses = []workload.ContainerStatus{{Name: "main", RestartCount: n}}
		if _, err := h.store.UpdateStatus(pod); err != nil {
			t.Fatal(err)
		}
		h.settle()
	}
	setRestarts(1)
	if got := jobConds(h.jobGet("of")); len(got) != 0 {
		t.Fatalf("1 restart < limit 2: conditions %v", got)
	}
	setRestarts(2)
	j := h.jobGet("of")
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/BackoffLimitExceeded"}) {
		t.Fatalf("2 restarts = limit 2: conditions %v", got)
	}
	if pod := h.get("Pod", "default", p.Name).(*workload.Pod); pod.DeletionTimestamp == nil {
		t.Errorf("the active pod of a failing job was not deleted")
	}
	h.jobReleaseRuntime(p.Name, "")
	h.settle()
	j = h.jobGet("of")
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/BackoffLimitExceeded", "Failed=True/BackoffLimitExceeded"}) {
		t.Errorf("conditions = %v", got)
	}
	if got := jobCounts(j); got != (jobCounters{Failed: 1}) {
		t.Errorf("status = %+v, want the deleted pod counted failed", got)
	}
}

func TestJobActiveDeadline(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("dl", func(j *workload.Job) {
		j.Spec.ActiveDeadlineSeconds = workload.Ptr[int64](60)
		j.Spec.BackoffLimit = workload.Ptr[int32](5)
	}))
	h.settle()
	// A failing pod puts the Job in back-off (k=1: 10 s, 2: 20 s, 3: 40 s).
	for range 3 {
		p := h.jobPods("dl", true)
		if len(p) != 1 {
			break
		}
		h.jobFinishPod(p[0].Name, 1)
		h.settle()
		for len(h.jobPods("dl", true)) == 0 && h.clock.Now().Sub(harnessStart) < 60*time.Second {
			next, _ := h.clock.Next()
			h.clock.AdvanceTo(next)
			h.settle()
		}
	}
	// At 60 s the deadline ends the Job though the limit is not reached.
	h.advance(harnessStart.Add(60 * time.Second).Sub(h.clock.Now()))
	j := h.jobGet("dl")
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/DeadlineExceeded", "Failed=True/DeadlineExceeded"}) {
		t.Fatalf("at the deadline: conditions %v (status %+v)", got, jobCounts(j))
	}
	if got := jobCounts(j); got.Failed > 5 || got.Active != 0 {
		t.Errorf("status = %+v", got)
	}
	if ev := h.jobEvents("dl"); ev[len(ev)-1] != "DeadlineExceeded" {
		t.Errorf("events = %v", ev)
	}
	h.advance(time.Hour)
	if got := h.jobPods("dl", true); len(got) != 0 {
		t.Errorf("pods after the deadline: %v", jobPodNames(got))
	}
}

func TestJobSuspendAndResume(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("s", func(j *workload.Job) {
		j.Spec.Suspend = workload.Ptr(true)
		j.Spec.Completions = workload.Ptr[int32](4)
		j.Spec.Parallelism = workload.Ptr[int32](2)
		j.Spec.ActiveDeadlineSeconds = workload.Ptr[int64](100)
	}))
	h.settle()
	j := h.jobGet("s")
	if len(h.jobPods("s", false)) != 0 || j.Status.StartTime != nil {
		t.Fatalf("suspended job: pods %d startTime %v", len(h.jobPods("s", false)), j.Status.StartTime)
	}
	if got := jobConds(j); !cmp.Equal(got, []string{"Suspended=True/JobSuspended"}) {
		t.Fatalf("conditions = %v", got)
	}
	h.advance(time.Hour) // the deadline does not run while suspended
	setSuspend := func(v bool) {
		j := h.jobGet("s")
		j.Spec.Suspend = workload.Ptr(v)
		if _, err := h.store.Update(j); err != nil {
			t.Fatal(err)
		}
		h.settle()
	}
	setSuspend(false)
	j = h.jobGet("s")
	if got := jobConds(j); !cmp.Equal(got, []string{"Suspended=False/JobResumed"}) {
		t.Fatalf("conditions after resume = %v", got)
	}
	if j.Status.StartTime == nil || !j.Status.StartTime.Equal(h.clock.Now()) {
		t.Errorf("startTime after resume = %v, want now %v", j.Status.StartTime, h.clock.Now())
	}
	pods := h.jobPods("s", true)
	if len(pods) != 2 {
		t.Fatalf("active after resume = %d", len(pods))
	}
	h.jobRunPod(pods[0].Name, true)
	h.jobFinishPod(pods[1].Name, 0)
	h.settle()
	h.advance(50 * time.Second)
	setSuspend(true)
	j = h.jobGet("s")
	if got := jobConds(j); !cmp.Equal(got, []string{"Suspended=True/JobSuspended"}) {
		t.Errorf("conditions after suspend = %v", got)
	}
	if got := jobCounts(j); got.Failed != 0 || got.Active != 0 || got.Succeeded != 1 {
		t.Errorf("suspending counted failures or kept pods: %+v", got)
	}
	for _, p := range h.jobPods("s", false) {
		if p.DeletionTimestamp == nil && IsPodActive(p) {
			t.Errorf("active pod %s not deleted on suspend", p.Name)
		}
	}
	h.advance(time.Hour)
	setSuspend(false)
	h.advance(99 * time.Second) // the deadline counts from the resume
	if got := jobConds(h.jobGet("s")); !cmp.Equal(got, []string{"Suspended=False/JobResumed"}) {
		t.Errorf("conditions 99 s after the second resume = %v", got)
	}
	// Identical events are folded into one with a count.
	for _, reason := range []string{"Suspended", "Resumed"} {
		if n := h.jobEventCount("s", reason); n != 2 {
			t.Errorf("%s events = %d, want 2", reason, n)
		}
	}
}

func TestJobTTLAfterFinished(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("ttl", func(j *workload.Job) { j.Spec.TTLSecondsAfterFinished = workload.Ptr[int32](100) }))
	h.settle()
	h.advance(5 * time.Second)
	h.jobFinishPod(h.jobPods("ttl", true)[0].Name, 0)
	h.settle()
	if got := jobConds(h.jobGet("ttl")); !slices.Contains(got, "Complete=True/CompletionsReached") {
		t.Fatalf("conditions = %v", got)
	}
	h.advance(100*time.Second - time.Millisecond)
	if _, err := h.store.Get("Job", "default", "ttl"); err != nil {
		t.Fatalf("job gone before its TTL: %v", err)
	}
	h.advance(time.Millisecond)
	if _, err := h.store.Get("Job", "default", "ttl"); err == nil {
		t.Fatalf("job still there after its TTL")
	}
}

func TestJobIndexed(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("ix", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](5)
		j.Spec.Parallelism = workload.Ptr[int32](3)
		j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion)
	}))
	h.settle()
	pods := h.jobPods("ix", true)
	byIx := map[int]*workload.Pod{}
	for _, p := range pods {
		i := completionIndex(p)
		byIx[i] = p
		is := fmt.Sprint(i)
		if p.Labels[workload.JobCompletionIndexAnnotation] != is || p.Spec.Hostname != "ix-"+is ||
			p.GenerateName != "ix-"+is+"-" || !strings.HasPrefix(p.Name, "ix-"+is+"-") {
			t.Errorf("pod %s: label %q hostname %q generateName %q", p.Name, p.Labels[workload.JobCompletionIndexAnnotation], p.Spec.Hostname, p.GenerateName)
		}
		if env := p.Spec.Containers[0].Env; !slices.Contains(env, workload.EnvVar{Name: workload.JobCompletionIndexEnv, Value: is}) {
			t.Errorf("pod %s env = %v", p.Name, env)
		}
	}
	if len(byIx) != 3 || byIx[0] == nil || byIx[1] == nil || byIx[2] == nil {
		t.Fatalf("indexes = %v, want 0,1,2", slices.Sorted(jobMapKeys(byIx)))
	}
	h.jobFinishPod(byIx[0].Name, 0)
	h.jobFinishPod(byIx[2].Name, 0)
	h.settle()
	j := h.jobGet("ix")
	if j.Status.CompletedIndexes != "0,2" || j.Status.Succeeded != 2 {
		t.Errorf("completedIndexes %q succeeded %d, want \"0,2\" 2", j.Status.CompletedIndexes, j.Status.Succeeded)
	}
	var next []int
	for _, p := range h.jobPods("ix", true) {
		next = append(next, completionIndex(p))
	}
	slices.Sort(next)
	if !cmp.Equal(next, []int{1, 3, 4}) {
		t.Errorf("active indexes = %v, want [1 3 4]", next)
	}
	// A failed pod of index 1 is replaced by a pod of index 1.
	h.jobFinishPod(byIx[1].Name, 1)
	h.advance(10 * time.Second)
	for _, p := range h.jobPods("ix", true) {
		h.jobFinishPod(p.Name, 0)
	}
	h.settle()
	j = h.jobGet("ix")
	if j.Status.CompletedIndexes != "0-4" || j.Status.Succeeded != 5 || j.Status.Failed != 1 {
		t.Errorf("completedIndexes %q succeeded %d failed %d", j.Status.CompletedIndexes, j.Status.Succeeded, j.Status.Failed)
	}
	if got := jobConds(j); !cmp.Equal(got, []string{"SuccessCriteriaMet=True/CompletionsReached", "Complete=True/CompletionsReached"}) {
		t.Errorf("conditions = %v", got)
	}
}

func jobMapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestJobIndexedDuplicateSuccessCountsOnce(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("dup", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](2)
		j.Spec.Parallelism = workload.Ptr[int32](1)
		j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion)
	}))
	h.settle()
	p := h.jobPods("dup", true)[0]
	// A second pod of index 0 (as after a lost update): the first success
	// counts; the duplicate is deleted while both are active.
	j := h.jobGet("dup")
	if _, err := h.store.Create(newJobPod(j, podCreate{Index: 0})); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if got := h.jobPods("dup", true); len(got) != 1 {
		t.Fatalf("duplicate index not removed: %v", jobPodNames(got))
	}
	h.jobFinishPod(h.jobPods("dup", true)[0].Name, 0)
	h.settle()
	_ = p
	j = h.jobGet("dup")
	if j.Status.Succeeded != 1 || j.Status.CompletedIndexes != "0" {
		t.Errorf("succeeded %d completedIndexes %q", j.Status.Succeeded, j.Status.CompletedIndexes)
	}
}

func TestJobBackoffLimitPerIndex(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("bpi", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](3)
		j.Spec.Parallelism = workload.Ptr[int32](3)
		j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion)
		j.Spec.BackoffLimitPerIndex = workload.Ptr[int32](1)
	}))
	h.settle()
	if j := h.jobGet("bpi"); *j.Spec.BackoffLimit != 1<<31-1 {
		t.Errorf("backoffLimit default with backoffLimitPerIndex = %d, want MaxInt32", *j.Spec.BackoffLimit)
	}
	podOf := func(ix int) *workload.Pod {
		for _, p := range h.jobPods("bpi", true) {
			if completionIndex(p) == ix {
				return p
			}
		}
		t.Fatalf("no active pod for index %d", ix)
		return nil
	}
	first := podOf(1)
	if first.Annotations[workload.JobIndexFailureCountAnno] != "0" {
		t.Errorf("failure count annotation = %q, want 0", first.Annotations[workload.JobIndexFailureCountAnno])
	}
	h.jobFinishPod(first.Name, 1)
	h.settle()
	// The failed pod keeps its finalizer until its replacement exists.
	if p := h.get("Pod", "default", first.Name).(*workload.Pod); !slices.Contains(p.Finalizers, workload.JobTrackingFinalizer) {
		t.Errorf("failed pod released before its replacement")
	}
	h.advance(10 * time.Second)
	second := podOf(1)
	if second.Annotations[workload.JobIndexFailureCountAnno] != "1" {
		t.Errorf("replacement failure count = %q, want 1", second.Annotations[workload.JobIndexFailureCountAnno])
	}
	h.settle()
	if p := h.get("Pod", "default", first.Name).(*workload.Pod); slices.Contains(p.Finalizers, workload.JobTrackingFinalizer) {
		t.Errorf("failed pod not released once replaced")
	}
	h.jobFinishPod(second.Name, 1)
	h.settle()
	j := h.jobGet("bpi")
	if j.Status.FailedIndexes == nil || *j.Status.FailedIndexes != "1" || len(j.Status.Conditions) != 0 {
		t.Fatalf("failedIndexes %v conditions %v", j.Status.FailedIndexes, jobConds(j))
	}
	h.advance(time.Hour)
	if got := h.jobPods("bpi", true); len(got) != 2 {
		t.Fatalf("failed index replaced: active %v", jobPodNames(got))
	}
	h.jobFinishPod(podOf(0).Name, 0)
	h.jobFinishPod(podOf(2).Name, 0)
	h.settle()
	j = h.jobGet("bpi")
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/FailedIndexes", "Failed=True/FailedIndexes"}) {
		t.Errorf("conditions = %v", got)
	}
	if j.Status.CompletedIndexes != "0,2" || j.Status.Failed != 2 {
		t.Errorf("completedIndexes %q failed %d", j.Status.CompletedIndexes, j.Status.Failed)
	}
}

func TestJobMaxFailedIndexes(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("mfi", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](4)
		j.Spec.Parallelism = workload.Ptr[int32](4)
		j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion)
		j.Spec.BackoffLimitPerIndex = workload.Ptr[int32](0)
		j.Spec.MaxFailedIndexes = workload.Ptr[int32](1)
	}))
	h.settle()
	pods := h.jobPods("mfi", true)
	h.jobFinishPod(pods[0].Name, 1)
	h.settle()
	if got := jobConds(h.jobGet("mfi")); len(got) != 0 {
		t.Fatalf("1 failed index = max 1: conditions %v", got)
	}
	h.jobFinishPod(pods[1].Name, 1)
	h.settle()
	j := h.jobGet("mfi")
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/MaxFailedIndexesExceeded", "Failed=True/MaxFailedIndexesExceeded"}) {
		t.Errorf("conditions = %v", got)
	}
	if got := *j.Status.FailedIndexes; got != "0,1" {
		t.Errorf("failedIndexes = %q", got)
	}
}

func TestJobPodFailurePolicyFailJob(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("pfp", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](12)
		j.Spec.Parallelism = workload.Ptr[int32](3)
		j.Spec.BackoffLimit = workload.Ptr[int32](6)
		j.Spec.PodFailurePolicy = &workload.PodFailurePolicy{Rules: []workload.PodFailurePolicyRule{
			{Action: workload.PodFailurePolicyActionFailJob, OnExitCodes: &workload.PodFailurePolicyOnExitCodesRequirement{
				ContainerName: workload.Ptr("main"), Operator: workload.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}},
			{Action: workload.PodFailurePolicyActionIgnore, OnPodConditions: []workload.PodFailurePolicyOnPodConditionsPattern{
				{Type: workload.DisruptionTarget}}},
		}}
	}))
	h.settle()
	pods := h.jobPods("pfp", true)
	h.jobFinishPod(pods[0].Name, 42)
	h.settle()
	j := h.jobGet("pfp")
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/PodFailurePolicy", "Failed=True/PodFailurePolicy"}) {
		t.Fatalf("conditions = %v", got)
	}
	want := fmt.Sprintf("Container main for pod default/%s failed with exit code 42 matching FailJob rule at index 0", pods[0].Name)
	if got := j.Status.Conditions[1].Message; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if got := jobCounts(j); got != (jobCounters{Failed: 3}) {
		t.Errorf("status = %+v, want the failed pod and the 2 deleted ones counted", got)
	}
}

func TestJobPodFailurePolicyIgnoresDisruption(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("dis", func(j *workload.Job) {
		j.Spec.BackoffLimit = workload.Ptr[int32](0)
		j.Spec.PodFailurePolicy = &workload.PodFailurePolicy{Rules: []workload.PodFailurePolicyRule{
			{Action: workload.PodFailurePolicyActionIgnore, OnPodConditions: []workload.PodFailurePolicyOnPodConditionsPattern{
				{Type: workload.DisruptionTarget}}},
		}}
	}))
	h.settle()
	p := h.jobPods("dis", true)[0]
	// Evicted: Failed with DisruptionTarget.
	pod := h.get("Pod", "default", p.Name).(*workload.Pod)
	pod.Status.Phase = workload.PodFailed
	pod.Status.Conditions = []workload.PodCondition{{Type: workload.DisruptionTarget, Status: workload.ConditionTrue}}
	if _, err := h.store.UpdateStatus(pod); err != nil {
		t.Fatal(err)
	}
	h.settle()
	// An ignored failure still counts for the back-off (as in
	// Kubernetes): the replacement comes after 10 s.
	h.advance(10 * time.Second)
	j := h.jobGet("dis")
	if got := jobCounts(j); got != (jobCounters{Active: 1}) || len(j.Status.Conditions) != 0 {
		t.Fatalf("ignored failure: status %+v conditions %v, want a replacement and no failure", got, jobConds(j))
	}
	if got := h.jobPods("dis", true); len(got) != 1 || got[0].Name == p.Name {
		t.Errorf("no replacement: %v", jobPodNames(got))
	}
}

func TestJobPodFailurePolicyFailIndex(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("fi", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](2)
		j.Spec.Parallelism = workload.Ptr[int32](2)
		j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion)
		j.Spec.BackoffLimitPerIndex = workload.Ptr[int32](5)
		j.Spec.PodFailurePolicy = &workload.PodFailurePolicy{Rules: []workload.PodFailurePolicyRule{
			{Action: workload.PodFailurePolicyActionFailIndex, OnExitCodes: &workload.PodFailurePolicyOnExitCodesRequirement{
				Operator: workload.PodFailurePolicyOnExitCodesOpIn, Values: []int32{3}}},
		}}
	}))
	h.settle()
	pods := h.jobPods("fi", true)
	h.jobFinishPod(pods[0].Name, 3)
	h.jobFinishPod(pods[1].Name, 0)
	h.settle()
	j := h.jobGet("fi")
	if j.Status.FailedIndexes == nil || *j.Status.FailedIndexes != fmt.Sprint(completionIndex(pods[0])) {
		t.Errorf("failedIndexes = %v", j.Status.FailedIndexes)
	}
	if got := jobConds(j); !cmp.Equal(got, []string{"FailureTarget=True/FailedIndexes", "Failed=True/FailedIndexes"}) {
		t.Errorf("conditions = %v", got)
	}
}

func TestJobSuccessPolicy(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("sp", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](4)
		j.Spec.Parallelism = workload.Ptr[int32](4)
		j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion)
		j.Spec.SuccessPolicy = &workload.SuccessPolicy{Rules: []workload.SuccessPolicyRule{{SucceededIndexes: workload.Ptr("0,2-3"), SucceededCount: workload.Ptr[int32](2)}}}
	}))
	h.settle()
	byIx := map[int]string{}
	for _, p := range h.jobPods("sp", true) {
		byIx[completionIndex(p)] = p.Name
		h.jobRunPod(p.Name, true)
	}
	h.jobFinishPod(byIx[1], 0) // not in the rule's indexes
	h.jobFinishPod(byIx[2], 0)
	h.settle()
	if got := jobConds(h.jobGet("sp")); len(got) != 0 {
		t.Fatalf("one of the rule's indexes: conditions %v", got)
	}
	h.jobFinishPod(byIx[3], 0)
	h.settle()
	j := h.jobGet("sp")
	if got := jobConds(j); !cmp.Equal(got, []string{"SuccessCriteriaMet=True/SuccessPolicy"}) {
		t.Fatalf("conditions = %v, want SuccessCriteriaMet while index 0 terminates", got)
	}
	if got := jobCounts(j); got != (jobCounters{Succeeded: 3, Terminating: 1}) {
		t.Errorf("status = %+v", got)
	}
	h.jobReleaseRuntime(byIx[0], workload.PodFailed)
	h.settle()
	j = h.jobGet("sp")
	if got := jobConds(j); !cmp.Equal(got, []string{"SuccessCriteriaMet=True/SuccessPolicy", "Complete=True/SuccessPolicy"}) {
		t.Errorf("conditions = %v", got)
	}
	if got := jobCounts(j); got != (jobCounters{Succeeded: 3}) {
		t.Errorf("status = %+v, want the lingering pod not counted as failed", got)
	}
}

func TestJobPodReplacementPolicy(t *testing.T) {
	for _, tc := range []struct {
		policy      string
		replaceNow  bool
		failedAtDel int32
	}{
		{workload.TerminatingOrFailed, true, 1},
		{workload.Failed, false, 0},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			h := newJobHarness(t)
			h.create(newTestJob("rp", func(j *workload.Job) { j.Spec.PodReplacementPolicy = workload.Ptr(tc.policy) }))
			h.settle()
			p := h.jobPods("rp", true)[0]
			h.jobRunPod(p.Name, true)
			h.jobDeletePod(p.Name)
			h.settle()
			j := h.jobGet("rp")
			if got := jobCounts(j); got.Terminating != 1 || got.Failed != tc.failedAtDel {
				t.Errorf("while terminating: %+v", got)
			}
			h.advance(time.Minute)
			if got := len(h.jobPods("rp", true)) == 1; got != tc.replaceNow {
				t.Errorf("replaced while terminating = %v, want %v", got, tc.replaceNow)
			}
			h.jobReleaseRuntime(p.Name, workload.PodFailed)
			h.advance(time.Minute)
			j = h.jobGet("rp")
			if got := jobCounts(j); got != (jobCounters{Active: 1, Failed: 1}) {
				t.Errorf("after the pod stopped: %+v, want failed 1 and a replacement", got)
			}
			if _, err := h.store.Get("Pod", "default", p.Name); err == nil {
				t.Errorf("stopped pod still in the store")
			}
		})
	}
}

// TestJobAccountingDeletedBeforeSeen: pods finish and are deleted before
// the controller runs (Kubernetes #78721): each is counted once.
func TestJobAccountingDeletedBeforeSeen(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("acc", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](3)
		j.Spec.Parallelism = workload.Ptr[int32](3)
	}))
	h.settle()
	pods := h.jobPods("acc", true)
	for _, p := range pods[:2] {
		h.jobFinishPod(p.Name, 0)
		h.jobDeletePod(p.Name) // e.g. the pod GC, before the controller saw it finish
	}
	h.settle()
	j := h.jobGet("acc")
	if got := jobCounts(j); got != (jobCounters{Active: 1, Succeeded: 2}) {
		t.Fatalf("status = %+v, want succeeded 2 and no replacement", got)
	}
	for _, p := range pods[:2] {
		if _, err := h.store.Get("Pod", "default", p.Name); err == nil {
			t.Errorf("counted pod %s not released", p.Name)
		}
	}
	h.jobFinishPod(pods[2].Name, 0)
	h.advance(time.Hour)
	j = h.jobGet("acc")
	if got := jobCounts(j); got != (jobCounters{Succeeded: 3}) {
		t.Errorf("status = %+v, want exactly 3", got)
	}
	if got := len(h.store.List("Pod", "default", nil)); got != 1 {
		t.Errorf("pods left = %d, want only the last (not deleted)", got)
	}
}

// TestJobAccountingAcrossRestart: the control plane stops after recording
// pods in uncountedTerminatedPods (one still holding its finalizer, one
// already released) and while other pods finish and are deleted; a new
// controller counts each once.
func TestJobAccountingAcrossRestart(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("rs", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](6)
		j.Spec.Parallelism = workload.Ptr[int32](6)
	}))
	h.settle()
	pods := h.jobPods("rs", true)
	h.mgr.Stop()

	// While the controller is down: pods 0 and 1 succeed and are
	// recorded as uncounted (as if the old controller crashed between
	// its two status writes); pod 1 was already released; pod 2 fails and
	// pod 3 succeeds and is deleted; pod 4 succeeds.
	for _, i := range []int{0, 1, 3, 4} {
		h.jobFinishPod(pods[i].Name, 0)
	}
	h.jobFinishPod(pods[2].Name, 1)
	j := h.jobGet("rs")
	j.Status.UncountedTerminatedPods = &workload.UncountedTerminatedPods{Succeeded: []string{pods[0].UID, pods[1].UID}}
	if _, err := h.store.UpdateStatus(j); err != nil {
		t.Fatal(err)
	}
	p1 := h.get("Pod", "default", pods[1].Name).(*workload.Pod)
	p1.Finalizers = nil
	if _, err := h.store.Update(p1); err != nil {
		t.Fatal(err)
	}
	h.jobDeletePod(pods[3].Name)

	// A new control plane: a new controller, a new Manager.
	h.mgr = NewManager(h.deps, NewJob(h.deps), NewTTLAfterFinished(h.deps))
	if err := h.mgr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.mgr.Stop)
	h.settle()
	j = h.jobGet("rs")
	// 4 successes, 1 failure, pod 5 still running, one replacement for
	// the failure (completions 6 - 4 = 2 wanted).
	if got := jobCounts(j); got != (jobCounters{Active: 2, Succeeded: 4, Failed: 1}) {
		t.Fatalf("after restart: %+v", got)
	}
	for _, p := range h.jobPods("rs", false) {
		if slices.Contains(p.Finalizers, workload.JobTrackingFinalizer) && !IsPodActive(p) {
			t.Errorf("finished pod %s not released", p.Name)
		}
	}
	for _, p := range h.jobPods("rs", true) {
		h.jobFinishPod(p.Name, 0)
	}
	h.advance(time.Hour)
	if got := jobCounts(h.jobGet("rs")); got != (jobCounters{Succeeded: 6, Failed: 1}) {
		t.Errorf("final: %+v", got)
	}
}

func TestJobManagedByOtherControllerIsSkipped(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("ext", func(j *workload.Job) { j.Spec.ManagedBy = workload.Ptr("example.com/mine") }))
	h.settle()
	j := h.jobGet("ext")
	if n := len(h.store.List("Pod", "default", nil)); n != 0 || j.Spec.Selector != nil || j.Status.StartTime != nil {
		t.Errorf("external job touched: pods %d selector %v startTime %v", n, j.Spec.Selector, j.Status.StartTime)
	}
}

func TestJobInvalidSpecIsRefused(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("bad", func(j *workload.Job) { j.Spec.Template.Spec.RestartPolicy = workload.RestartPolicyAlways }))
	h.settle()
	if n := len(h.store.List("Pod", "default", nil)); n != 0 {
		t.Errorf("invalid job made %d pods", n)
	}
	var msgs []string
	for _, e := range h.rec.Events() {
		if e.Reason == "InvalidJob" {
			msgs = append(msgs, e.Message)
		}
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "spec.template.spec.restartPolicy") {
		t.Errorf("InvalidJob events = %v, want one naming spec.template.spec.restartPolicy", msgs)
	}
}

func TestJobDeletedReleasesPodFinalizers(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("del", func(j *workload.Job) {
		j.Spec.Parallelism = workload.Ptr[int32](2)
		j.Spec.Completions = workload.Ptr[int32](2)
	}))
	h.settle()
	pods := h.jobPods("del", true)
	if _, err := h.store.Delete("Job", "default", "del", store.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// The garbage collector would delete them; here the test does.
	for _, p := range pods {
		h.jobDeletePod(p.Name)
	}
	h.settle()
	if n := len(h.store.List("Pod", "default", nil)); n != 0 {
		t.Errorf("pods of a deleted job stuck on the tracking finalizer: %d", n)
	}
}

func TestJobOrphanedPodReleased(t *testing.T) {
	h := newJobHarness(t)
	h.create(newTestJob("orph", nil))
	h.settle()
	p := h.jobPods("orph", true)[0]
	p.OwnerReferences = nil // orphaned (Orphan propagation)
	if _, err := h.store.Update(p); err != nil {
		t.Fatal(err)
	}
	h.settle()
	got := h.get("Pod", "default", p.Name).(*workload.Pod)
	if slices.Contains(got.Finalizers, workload.JobTrackingFinalizer) {
		t.Errorf("orphan pod keeps the tracking finalizer")
	}
}
