package controller

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orchestra-go/orchestra/workload"
)

// Table tests of the Job controller's pure decisions.

var jobT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestIntervals(t *testing.T) {
	for _, tc := range []struct {
		in          string
		completions int
		add         []int
		want        string
		total       int
		has, hasNot []int
	}{
		{in: "", completions: 10, want: "", total: 0, hasNot: []int{0}},
		{in: "1,3-5", completions: 10, want: "1,3-5", total: 4, has: []int{1, 3, 4, 5}, hasNot: []int{0, 2, 6}},
		{in: "1,3-5", completions: 10, add: []int{2}, want: "1-5", total: 5},
		{in: "1,3-5", completions: 10, add: []int{0, 7, 8}, want: "0,1,3-5,7,8", total: 7, has: []int{0, 7, 8}, hasNot: []int{6, 9}},
		{in: "0,1", completions: 10, want: "0,1", total: 2},
		{in: "3-9", completions: 5, want: "3,4", total: 2},
		{in: "7", completions: 5, want: "", total: 0},
		{in: "x,2,y-3", completions: 5, want: "2", total: 1},
		{in: "", completions: 10, add: []int{4, 4, 5}, want: "4,5", total: 2},
	} {
		t.Run(tc.in+fmt.Sprint(tc.add), func(t *testing.T) {
			iv := parseIndexIntervals(tc.in, tc.completions).withIndexes(tc.add)
			if got := iv.String(); got != tc.want {
				t.Errorf("String = %q, want %q", got, tc.want)
			}
			if got := iv.total(); got != tc.total {
				t.Errorf("total = %d, want %d", got, tc.total)
			}
			for _, i := range tc.has {
				if !iv.has(i) {
					t.Errorf("has(%d) = false", i)
				}
			}
			for _, i := range tc.hasNot {
				if iv.has(i) {
					t.Errorf("has(%d) = true", i)
				}
			}
		})
	}
}

func TestValidIntervals(t *testing.T) {
	for in, ok := range map[string]bool{"0": true, "0,2-3": true, "1,3-5,7": true, "": false, "3-1": false, "2,1": false, "1-1": false, "a": false, "1,,2": false} {
		if err := validIndexIntervals(in); (err == nil) != ok {
			t.Errorf("validIntervals(%q) = %v, want ok %v", in, err, ok)
		}
	}
}

// TestBackoffDelay: 10 s x 2^(k-1), capped at 10 minutes.
func TestBackoffDelay(t *testing.T) {
	var got []time.Duration
	for k := int32(0); k <= 9; k++ {
		got = append(got, jobBackoffDelay(k))
	}
	s := time.Second
	want := []time.Duration{0, 10 * s, 20 * s, 40 * s, 80 * s, 160 * s, 320 * s, 600 * s, 600 * s, 600 * s}
	if !cmp.Equal(got, want) {
		t.Errorf("delays = %v, want %v", got, want)
	}
	if d := jobBackoffDelay(1 << 30); d != JobBackoffMax {
		t.Errorf("huge k: %v", d)
	}
}

func jobFinishedPod(name, phase string, at time.Time) *workload.Pod {
	return &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name, CreationTimestamp: workload.NewTime(jobT0)},
		Status: workload.PodStatus{Phase: phase, ContainerStatuses: []workload.ContainerStatus{{
			Name: "main", State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{FinishedAt: workload.NewTime(at)}},
		}}},
	}
}

func TestBackoffRecordUpdate(t *testing.T) {
	at := func(s int) time.Time { return jobT0.Add(time.Duration(s) * time.Second) }
	ok := func(s int) *workload.Pod { return jobFinishedPod(fmt.Sprint("ok", s), workload.PodSucceeded, at(s)) }
	fail := func(s int) *workload.Pod { return jobFinishedPod(fmt.Sprint("f", s), workload.PodFailed, at(s)) }
	for _, tc := range []struct {
		name      string
		old       jobBackoffRecord
		succeeded []*workload.Pod
		failed    []*workload.Pod
		want      jobBackoffRecord
		now       time.Time
		remaining time.Duration
	}{
		{name: "nothing new", old: jobBackoffRecord{2, at(5)}, want: jobBackoffRecord{2, at(5)}, now: at(10), remaining: 15 * time.Second},
		{name: "first failure", failed: []*workload.Pod{fail(3)}, want: jobBackoffRecord{1, at(3)}, now: at(3), remaining: 10 * time.Second},
		{name: "failures add up, last one counts", old: jobBackoffRecord{1, at(1)}, failed: []*workload.Pod{fail(9), fail(4)}, want: jobBackoffRecord{3, at(9)}, now: at(20), remaining: 29 * time.Second},
		{name: "success resets", old: jobBackoffRecord{4, at(1)}, succeeded: []*workload.Pod{ok(2)}, want: jobBackoffRecord{}, now: at(2), remaining: 0},
		{name: "failures after the success count", old: jobBackoffRecord{4, at(1)}, succeeded: []*workload.Pod{ok(5)}, failed: []*workload.Pod{fail(3), fail(6), fail(8)}, want: jobBackoffRecord{2, at(8)}, now: at(8), remaining: 20 * time.Second},
		{name: "back-off over", old: jobBackoffRecord{1, at(0)}, want: jobBackoffRecord{1, at(0)}, now: at(10), remaining: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.old.update(tc.succeeded, tc.failed)
			if got != tc.want {
				t.Errorf("update = %+v, want %+v", got, tc.want)
			}
			if r := got.remaining(tc.now); r != tc.remaining {
				t.Errorf("remaining = %v, want %v", r, tc.remaining)
			}
		})
	}
}

func TestPodFinishedAt(t *testing.T) {
	p := jobFinishedPod("a", workload.PodFailed, jobT0.Add(time.Minute))
	if got := jobPodFinishedAt(p); !got.Equal(jobT0.Add(time.Minute)) {
		t.Errorf("container finish: %v", got)
	}
	p.Status.ContainerStatuses[0].State.Terminated = nil
	p.Status.Conditions = []workload.PodCondition{{Type: workload.PodReady, Status: workload.ConditionFalse, LastTransitionTime: workload.NewTime(jobT0.Add(2 * time.Minute))}}
	if got := jobPodFinishedAt(p); !got.Equal(jobT0.Add(2 * time.Minute)) {
		t.Errorf("ready false: %v", got)
	}
	p.Status.Conditions = nil
	p.DeletionTimestamp = workload.NewTimePtr(jobT0.Add(time.Hour))
	p.DeletionGracePeriodSeconds = workload.Ptr[int64](30)
	if got := jobPodFinishedAt(p); !got.Equal(jobT0.Add(time.Hour - 30*time.Second)) {
		t.Errorf("deletion: %v", got)
	}
	p.DeletionTimestamp = nil
	if got := jobPodFinishedAt(p); !got.Equal(jobT0) {
		t.Errorf("creation: %v", got)
	}
}

func jobExitPod(codes map[string]int32, jobConds ...workload.PodCondition) *workload.Pod {
	p := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "ns"}}
	p.Status.Phase = workload.PodFailed
	for _, name := range []string{"main", "side"} {
		if c, ok := codes[name]; ok {
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, workload.ContainerStatus{
				Name: name, State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{ExitCode: c}}})
		}
	}
	if c, ok := codes["init"]; ok {
		p.Status.InitContainerStatuses = []workload.ContainerStatus{{Name: "init", State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{ExitCode: c}}}}
	}
	p.Status.Conditions = jobConds
	return p
}

func TestMatchPodFailurePolicy(t *testing.T) {
	in := func(action string, container *string, vals ...int32) workload.PodFailurePolicyRule {
		return workload.PodFailurePolicyRule{Action: action, OnExitCodes: &workload.PodFailurePolicyOnExitCodesRequirement{ContainerName: container, Operator: workload.PodFailurePolicyOnExitCodesOpIn, Values: vals}}
	}
	notIn := func(action string, vals ...int32) workload.PodFailurePolicyRule {
		return workload.PodFailurePolicyRule{Action: action, OnExitCodes: &workload.PodFailurePolicyOnExitCodesRequirement{Operator: workload.PodFailurePolicyOnExitCodesOpNotIn, Values: vals}}
	}
	onCond := func(action, typ, status string) workload.PodFailurePolicyRule {
		return workload.PodFailurePolicyRule{Action: action, OnPodConditions: []workload.PodFailurePolicyOnPodConditionsPattern{{Type: typ, Status: status}}}
	}
	disrupted := workload.PodCondition{Type: workload.DisruptionTarget, Status: workload.ConditionTrue}
	const (
		failJob   = workload.PodFailurePolicyActionFailJob
		ignore    = workload.PodFailurePolicyActionIgnore
		count     = workload.PodFailurePolicyActionCount
		failIndex = workload.PodFailurePolicyActionFailIndex
	)
	for _, tc := range []struct {
		name   string
		rules  []workload.PodFailurePolicyRule
		pod    *workload.Pod
		action string
		counts bool
		msg    string
	}{
		{name: "no policy rule matches", rules: []workload.PodFailurePolicyRule{in(failJob, nil, 1)}, pod: jobExitPod(map[string]int32{"main": 2}), counts: true},
		{name: "In matches", rules: []workload.PodFailurePolicyRule{in(failJob, nil, 42)}, pod: jobExitPod(map[string]int32{"main": 42}), action: failJob, counts: true,
			msg: "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 0"},
		{name: "container name must match", rules: []workload.PodFailurePolicyRule{in(failJob, workload.Ptr("side"), 42)}, pod: jobExitPod(map[string]int32{"main": 42, "side": 1}), counts: true},
		{name: "named container", rules: []workload.PodFailurePolicyRule{in(count, workload.Ptr("side"), 1)}, pod: jobExitPod(map[string]int32{"main": 42, "side": 1}), action: count, counts: true},
		{name: "NotIn matches other codes", rules: []workload.PodFailurePolicyRule{notIn(ignore, 1, 2)}, pod: jobExitPod(map[string]int32{"main": 3}), action: ignore, counts: false},
		{name: "NotIn never matches exit 0", rules: []workload.PodFailurePolicyRule{notIn(failJob, 1)}, pod: jobExitPod(map[string]int32{"main": 0}), counts: true},
		{name: "In 0 never matches", rules: []workload.PodFailurePolicyRule{in(failJob, nil, 0)}, pod: jobExitPod(map[string]int32{"main": 0}), counts: true},
		{name: "init containers too", rules: []workload.PodFailurePolicyRule{in(failIndex, nil, 7)}, pod: jobExitPod(map[string]int32{"init": 7}), action: failIndex, counts: true},
		{name: "first matching rule wins", rules: []workload.PodFailurePolicyRule{in(ignore, nil, 5), in(failJob, nil, 42), in(count, nil, 42)}, pod: jobExitPod(map[string]int32{"main": 42}), action: failJob, counts: true,
			msg: "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1"},
		{name: "pod condition", rules: []workload.PodFailurePolicyRule{in(failJob, nil, 42), onCond(ignore, workload.DisruptionTarget, "")}, pod: jobExitPod(map[string]int32{"main": 137}, disrupted), action: ignore, counts: false},
		{name: "pod condition status must match", rules: []workload.PodFailurePolicyRule{onCond(ignore, workload.DisruptionTarget, workload.ConditionFalse)}, pod: jobExitPod(nil, disrupted), counts: true},
		{name: "pod condition FailJob message", rules: []workload.PodFailurePolicyRule{onCond(failJob, workload.DisruptionTarget, workload.ConditionTrue)}, pod: jobExitPod(nil, disrupted), action: failJob, counts: true,
			msg: "Pod ns/p has condition DisruptionTarget matching FailJob rule at index 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := matchPodFailurePolicy(&workload.PodFailurePolicy{Rules: tc.rules}, tc.pod)
			want := podFailureMatch{Action: tc.action, Counts: tc.counts, Message: tc.msg}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
	if got := matchPodFailurePolicy(nil, jobExitPod(nil)); got != (podFailureMatch{Counts: true}) {
		t.Errorf("nil policy: %+v", got)
	}
}

func TestMatchSuccessPolicy(t *testing.T) {
	rule := func(ix string, n int32) workload.SuccessPolicyRule {
		var r workload.SuccessPolicyRule
		if ix != "" {
			r.SucceededIndexes = &ix
		}
		if n > 0 {
			r.SucceededCount = &n
		}
		return r
	}
	for _, tc := range []struct {
		rules     []workload.SuccessPolicyRule
		succeeded string
		want      string
	}{
		{rules: []workload.SuccessPolicyRule{rule("0,2-3", 0)}, succeeded: "0,2", want: ""},
		{rules: []workload.SuccessPolicyRule{rule("0,2-3", 0)}, succeeded: "0-3", want: "Matched rules at index 0"},
		{rules: []workload.SuccessPolicyRule{rule("0,2-3", 2)}, succeeded: "1,3,4", want: ""},
		{rules: []workload.SuccessPolicyRule{rule("0,2-3", 2)}, succeeded: "1-3", want: "Matched rules at index 0"},
		{rules: []workload.SuccessPolicyRule{rule("", 3)}, succeeded: "5,7", want: ""},
		{rules: []workload.SuccessPolicyRule{rule("9", 0), rule("", 3)}, succeeded: "5,7,8", want: "Matched rules at index 1"},
		{rules: []workload.SuccessPolicyRule{rule("", 1)}, succeeded: "", want: ""},
	} {
		msg, ok := matchSuccessPolicy(&workload.SuccessPolicy{Rules: tc.rules}, 10, parseIndexIntervals(tc.succeeded, 10))
		if msg != tc.want || ok != (tc.want != "") {
			t.Errorf("rules %+v succeeded %q: got %q %v, want %q", tc.rules, tc.succeeded, msg, ok, tc.want)
		}
	}
}

// jobActivePod builds an active pod: node "" is unscheduled.
func jobActivePod(name, node, phase string, ready bool, readySince, created time.Time, restarts int32) *workload.Pod {
	p := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: name, UID: "uid-" + name, CreationTimestamp: workload.NewTime(created)}}
	p.Spec.NodeName = node
	p.Status.Phase = phase
	st := workload.ConditionFalse
	if ready {
		st = workload.ConditionTrue
	}
	p.Status.Conditions = []workload.PodCondition{{Type: workload.PodReady, Status: st, LastTransitionTime: workload.NewTime(readySince)}}
	p.Status.ContainerStatuses = []workload.ContainerStatus{{Name: "main", RestartCount: restarts}}
	return p
}

func TestActivePodsForRemovalOrder(t *testing.T) {
	m := func(n int) time.Time { return jobT0.Add(time.Duration(n) * time.Minute) }
	pods := []*workload.Pod{
		jobActivePod("ready-old", "n", workload.PodRunning, true, m(1), m(0), 0),
		jobActivePod("ready-new", "n", workload.PodRunning, true, m(5), m(0), 0),
		jobActivePod("running-not-ready", "n", workload.PodRunning, false, m(0), m(0), 0),
		jobActivePod("running-not-ready-restarts", "n", workload.PodRunning, false, m(0), m(0), 3),
		jobActivePod("pending-scheduled", "n", workload.PodPending, false, m(0), m(0), 0),
		jobActivePod("unscheduled-old", "", workload.PodPending, false, m(0), m(0), 0),
		jobActivePod("unscheduled-new", "", workload.PodPending, false, m(0), m(2), 0),
	}
	job := newTestJob("j", nil)
	var got []string
	for _, p := range jobPodsForRemoval(job, pods, len(pods)) {
		got = append(got, p.Name)
	}
	want := []string{"unscheduled-new", "unscheduled-old", "pending-scheduled", "running-not-ready-restarts", "running-not-ready", "ready-new", "ready-old"}
	if !cmp.Equal(got, want) {
		t.Errorf("deletion order = %v\nwant %v", got, want)
	}
	if got := jobPodsForRemoval(job, pods, 2); len(got) != 2 || got[0].Name != "unscheduled-new" {
		t.Errorf("atLeast 2 = %v", jobPodNames(got))
	}
}

func jobIndexedPod(name string, ix int, ready bool) *workload.Pod {
	p := jobActivePod(name, "n", workload.PodRunning, ready, jobT0, jobT0, 0)
	if ix != noCompletionIndex {
		p.Annotations = map[string]string{workload.JobCompletionIndexAnnotation: fmt.Sprint(ix)}
	}
	return p
}

func TestActivePodsForRemovalIndexed(t *testing.T) {
	job := newTestJob("j", func(j *workload.Job) {
		j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion)
		j.Spec.Completions = workload.Ptr[int32](3)
	})
	pods := []*workload.Pod{
		jobIndexedPod("a0", 0, true), jobIndexedPod("b0", 0, false), jobIndexedPod("c1", 1, true),
		jobIndexedPod("d5", 5, true), jobIndexedPod("e-none", noCompletionIndex, true), jobIndexedPod("f2", 2, true),
	}
	got := jobPodNames(jobPodsForRemoval(job, pods, 0))
	want := []string{"e-none", "b0", "d5"}
	if !cmp.Equal(got, want) {
		t.Errorf("removal = %v, want %v (no index, the duplicate to lose, beyond completions)", got, want)
	}
}

func TestFirstPendingIndexes(t *testing.T) {
	active := []*workload.Pod{jobIndexedPod("a", 1, true), jobIndexedPod("b", 4, true)}
	terminating := []*workload.Pod{jobIndexedPod("t", 0, false)}
	for _, tc := range []struct {
		term             []*workload.Pod
		succeeded, faild string
		count            int
		want             []int
	}{
		{count: 3, want: []int{0, 2, 3}},
		{succeeded: "0,2", count: 3, want: []int{3, 5, 6}},
		{succeeded: "0,2", faild: "3", count: 10, want: []int{5, 6, 7}},
		{term: terminating, count: 2, want: []int{2, 3}},
		{count: 0, want: nil},
	} {
		got := firstPendingIndexes(active, tc.term, parseIndexIntervals(tc.succeeded, 8), parseIndexIntervals(tc.faild, 8), tc.count, 8)
		if !cmp.Equal(got, tc.want, cmp.Comparer(func(a, b []int) bool { return fmt.Sprint(a) == fmt.Sprint(b) })) {
			t.Errorf("succeeded %q failed %q count %d: got %v, want %v", tc.succeeded, tc.faild, tc.count, got, tc.want)
		}
	}
}

func TestPastBackoffLimitOnFailure(t *testing.T) {
	for _, tc := range []struct {
		limit    int32
		restarts []int32
		policy   string
		want     bool
	}{
		{limit: 0, restarts: []int32{0}, want: false},
		{limit: 0, restarts: []int32{1}, want: true},
		{limit: 3, restarts: []int32{1, 1}, want: false},
		{limit: 3, restarts: []int32{1, 2}, want: true},
		{limit: 3, restarts: []int32{5}, policy: workload.RestartPolicyNever, want: false},
	} {
		job := newTestJob("j", func(j *workload.Job) {
			j.Spec.BackoffLimit = &tc.limit
			j.Spec.Template.Spec.RestartPolicy = workload.RestartPolicyOnFailure
			if tc.policy != "" {
				j.Spec.Template.Spec.RestartPolicy = tc.policy
			}
		})
		var pods []*workload.Pod
		for i, r := range tc.restarts {
			pods = append(pods, jobActivePod(fmt.Sprint(i), "n", workload.PodRunning, true, jobT0, jobT0, r))
		}
		// Finished pods' restarts do not count.
		done := jobActivePod("done", "n", workload.PodFailed, false, jobT0, jobT0, 100)
		pods = append(pods, done)
		if got := pastBackoffLimitOnFailure(job, pods); got != tc.want {
			t.Errorf("limit %d restarts %v policy %q: got %v", tc.limit, tc.restarts, tc.policy, got)
		}
	}
}

func TestValidateJobForController(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mut   func(*workload.Job)
		field string
	}{
		{name: "ok", mut: func(*workload.Job) {}},
		{name: "always", mut: func(j *workload.Job) { j.Spec.Template.Spec.RestartPolicy = workload.RestartPolicyAlways }, field: "spec.template.spec.restartPolicy"},
		{name: "mode", mut: func(j *workload.Job) { j.Spec.CompletionMode = workload.Ptr("Weird") }, field: "spec.completionMode"},
		{name: "indexed needs completions", mut: func(j *workload.Job) { j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion) }, field: "spec.completions"},
		{name: "negative parallelism", mut: func(j *workload.Job) { j.Spec.Parallelism = workload.Ptr[int32](-1) }, field: "spec.parallelism"},
		{name: "per-index needs Indexed", mut: func(j *workload.Job) { j.Spec.BackoffLimitPerIndex = workload.Ptr[int32](1) }, field: "spec.backoffLimitPerIndex"},
		{name: "pod failure policy needs Never", mut: func(j *workload.Job) {
			j.Spec.Template.Spec.RestartPolicy = workload.RestartPolicyOnFailure
			j.Spec.PodFailurePolicy = &workload.PodFailurePolicy{}
		}, field: "spec.podFailurePolicy"},
		{name: "bad success indexes", mut: func(j *workload.Job) {
			j.Spec.CompletionMode = workload.Ptr(workload.IndexedCompletion)
			j.Spec.Completions = workload.Ptr[int32](3)
			j.Spec.SuccessPolicy = &workload.SuccessPolicy{Rules: []workload.SuccessPolicyRule{{SucceededIndexes: workload.Ptr("2,1")}}}
		}, field: "spec.successPolicy.rules[0].succeededIndexes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := validateJobForController(newTestJob("j", tc.mut))
			if tc.field == "" {
				if err != nil {
					t.Errorf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !jobHasFieldPrefix(err.Error(), tc.field) {
				t.Errorf("error %v, want one naming %s", err, tc.field)
			}
		})
	}
}

func jobHasFieldPrefix(msg, field string) bool {
	return len(msg) >= len(field) && msg[:len(field)] == field
}

// TestDecideJobCreates: how many pods a sync asks for.
func TestDecideJobCreates(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		completions, parallel  *int32
		succeeded              int32
		active                 int
		suspend                bool
		backoff                jobBackoffRecord
		wantCreate, wantRemove int
		wantRequeue            time.Duration
	}{
		{name: "min(parallelism, remaining)", completions: workload.Ptr[int32](5), parallel: workload.Ptr[int32](3), succeeded: 3, wantCreate: 2},
		{name: "parallelism caps", completions: workload.Ptr[int32](5), parallel: workload.Ptr[int32](3), active: 1, wantCreate: 2},
		{name: "too many active: delete only", completions: workload.Ptr[int32](5), parallel: workload.Ptr[int32](1), active: 3, wantRemove: 2},
		{name: "work queue before success", parallel: workload.Ptr[int32](4), active: 1, wantCreate: 3},
		{name: "work queue after success", parallel: workload.Ptr[int32](4), active: 1, succeeded: 1, wantCreate: 0},
		{name: "parallelism 0", completions: workload.Ptr[int32](5), parallel: workload.Ptr[int32](0), wantCreate: 0},
		{name: "suspended deletes all", completions: workload.Ptr[int32](5), parallel: workload.Ptr[int32](2), active: 2, suspend: true, wantRemove: 2},
		{name: "back-off waits", completions: workload.Ptr[int32](5), parallel: workload.Ptr[int32](2), backoff: jobBackoffRecord{2, jobT0.Add(-5 * time.Second)}, wantRequeue: 15 * time.Second},
		{name: "500 per sync", completions: workload.Ptr[int32](5000), parallel: workload.Ptr[int32](2000), wantCreate: JobMaxPodChangesPerSync},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := newTestJob("j", func(j *workload.Job) {
				j.UID = "job-uid"
				j.Spec.Completions, j.Spec.Parallelism = tc.completions, tc.parallel
				j.Spec.Suspend = &tc.suspend
				j.Spec.BackoffLimit = workload.Ptr[int32](6)
				j.Status.Succeeded = tc.succeeded
			})
			var pods []*workload.Pod
			for i := range tc.active {
				p := jobActivePod(fmt.Sprint("p", i), "n", workload.PodRunning, true, jobT0, jobT0, 0)
				p.Finalizers = []string{workload.JobTrackingFinalizer}
				pods = append(pods, p)
			}
			plan := decideJob(jobInput{Job: job, Pods: pods, Backoff: tc.backoff, Now: jobT0})
			if len(plan.Create) != tc.wantCreate || len(plan.Remove) != tc.wantRemove || plan.RequeueAfter != tc.wantRequeue {
				t.Errorf("create %d remove %d jobRequeue %v, want %d %d %v", len(plan.Create), len(plan.Remove), plan.RequeueAfter, tc.wantCreate, tc.wantRemove, tc.wantRequeue)
			}
			if len(plan.Delete) != 0 || plan.Final != nil {
				t.Errorf("unexpected finish: delete %d final %+v", len(plan.Delete), plan.Final)
			}
		})
	}
}

// TestDecideJobAccounting: finished pods go to uncountedTerminatedPods and
// are released; pods recorded earlier are counted once their finalizer is
// gone, never twice.
func TestDecideJobAccounting(t *testing.T) {
	fin := func(p *workload.Pod) *workload.Pod {
		p.Finalizers = []string{workload.JobTrackingFinalizer}
		return p
	}
	job := newTestJob("j", func(j *workload.Job) {
		j.Spec.Completions = workload.Ptr[int32](10)
		j.Spec.Parallelism = workload.Ptr[int32](0)
		j.Spec.BackoffLimit = workload.Ptr[int32](6)
		j.Status.Succeeded = 1
		j.Status.Failed = 1
		// uid-old was recorded and released (gone): counted now.
		// uid-rec was recorded and still has its finalizer: released,
		// not recorded again.
		j.Status.UncountedTerminatedPods = &workload.UncountedTerminatedPods{Succeeded: []string{"uid-old", "uid-rec"}}
	})
	pods := []*workload.Pod{
		fin(jobFinishedPod("new-ok", workload.PodSucceeded, jobT0)),
		fin(jobFinishedPod("new-fail", workload.PodFailed, jobT0)),
		fin(jobFinishedPod("rec", workload.PodSucceeded, jobT0)),
		jobFinishedPod("counted", workload.PodSucceeded, jobT0), // no finalizer: counted before
	}
	plan := decideJob(jobInput{Job: job, Pods: pods, Now: jobT0})
	wantUnc := &workload.UncountedTerminatedPods{Succeeded: []string{"uid-rec", "uid-new-ok"}, Failed: []string{"uid-new-fail"}}
	if d := cmp.Diff(wantUnc, plan.Status.UncountedTerminatedPods); d != "" {
		t.Errorf("uncounted (-want +got):\n%s", d)
	}
	if plan.Status.Succeeded != 2 || plan.Status.Failed != 1 {
		t.Errorf("counters before release: succeeded %d failed %d, want 2 1", plan.Status.Succeeded, plan.Status.Failed)
	}
	if got := jobPodNames(plan.Release); !cmp.Equal(got, []string{"new-ok", "new-fail", "rec"}) {
		t.Errorf("release = %v", got)
	}
	// After the releases: everything is counted, nothing twice.
	st, finished := finishStatus(plan.Status, map[string]bool{}, plan.Final, plan.Terminating, plan.Capped, jobT0)
	if st.Succeeded != 4 || st.Failed != 2 || len(st.UncountedTerminatedPods.Succeeded)+len(st.UncountedTerminatedPods.Failed) != 0 || finished {
		t.Errorf("after release: succeeded %d failed %d uncounted %+v finished %v", st.Succeeded, st.Failed, st.UncountedTerminatedPods, finished)
	}
	// A release that failed keeps the pod uncounted.
	st, _ = finishStatus(plan.Status, map[string]bool{"uid-new-fail": true}, nil, 0, false, jobT0)
	if st.Failed != 1 || !cmp.Equal(st.UncountedTerminatedPods.Failed, []string{"uid-new-fail"}) {
		t.Errorf("failed release: failed %d uncounted %+v", st.Failed, st.UncountedTerminatedPods)
	}
}

// TestFinishStatus: Complete or Failed only when nothing is uncounted or
// terminating.
func TestFinishStatus(t *testing.T) {
	complete := newJobCondition(workload.JobComplete, workload.ConditionTrue, workload.JobReasonCompletionsReached, "m", jobT0)
	base := workload.JobStatus{UncountedTerminatedPods: &workload.UncountedTerminatedPods{}}
	for _, tc := range []struct {
		name        string
		uncounted   []string
		withFin     map[string]bool
		terminating int32
		capped      bool
		want        bool
	}{
		{name: "done", want: true},
		{name: "terminating", terminating: 1},
		{name: "uncounted with finalizer", uncounted: []string{"u"}, withFin: map[string]bool{"u": true}},
		{name: "uncounted released", uncounted: []string{"u"}, want: true},
		{name: "capped", capped: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := *base.DeepCopy()
			st.UncountedTerminatedPods.Failed = tc.uncounted
			got, ok := finishStatus(st, tc.withFin, complete, tc.terminating, tc.capped, jobT0)
			if ok != tc.want {
				t.Fatalf("finished = %v, want %v", ok, tc.want)
			}
			if ok && (got.CompletionTime == nil || FindCondition(got.Conditions, workload.JobComplete) == nil) {
				t.Errorf("finished without Complete/completionTime: %+v", got)
			}
		})
	}
}

// A sidecar stops after the app containers: its finish counts, as
// Kubernetes' getFinishTimeFromContainers; a plain init container's does
// not.
func TestPodFinishedAtWithSidecar(t *testing.T) {
	p := jobFinishedPod("a", workload.PodFailed, jobT0.Add(time.Minute))
	p.Spec.InitContainers = []workload.Container{{Name: "setup"}, {Name: "proxy", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)}}
	p.Status.InitContainerStatuses = []workload.ContainerStatus{
		{Name: "setup", State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{FinishedAt: workload.NewTime(jobT0.Add(time.Hour))}}},
		{Name: "proxy", State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{FinishedAt: workload.NewTime(jobT0.Add(2 * time.Minute))}}},
	}
	if got := jobPodFinishedAt(p); !got.Equal(jobT0.Add(2 * time.Minute)) {
		t.Errorf("finished at %v, want the sidecar's finish", got)
	}
}
