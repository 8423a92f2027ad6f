package controller

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// Pure helpers of the Job controller: completion-index intervals, pod
// finish times, the failure back-off, the pod failure policy, the success
// policy and the order in which active pods are deleted. Everything here
// is a function of its arguments (no store, no clock).

// Job controller constants, as in Kubernetes' pkg/controller/job.
const (
	// JobBackoffBase is the delay before the replacement of the first
	// failed pod of a Job (Kubernetes' DefaultJobPodFailureBackOff).
	JobBackoffBase = 10 * time.Second
	// JobBackoffMax caps the replacement delay. Kubernetes' code caps it
	// at 10 minutes (MaxJobPodFailureBackOff); its documentation says six
	// minutes. orchestra follows the code.
	JobBackoffMax = 10 * time.Minute
	// JobMaxPodChangesPerSync bounds the pods one sync of a Job creates or
	// deletes (Kubernetes' MaxPodCreateDeletePerSync).
	JobMaxPodChangesPerSync = 500
	// JobSyncBatchPeriod is how long after a sync that hit
	// JobMaxPodChangesPerSync the Job is synced again; the pod and status
	// events of that sync do not wake it sooner (Kubernetes'
	// syncJobBatchPeriod, by which its pod events re-queue a Job). A Job
	// that lacks a million pods thus grows by 500 a second, as in
	// Kubernetes, instead of making every pod at one virtual instant.
	JobSyncBatchPeriod = time.Second
	// JobMaxUncountedPods bounds the pods one sync moves into
	// status.uncountedTerminatedPods (Kubernetes' MaxUncountedPods).
	JobMaxUncountedPods = 500
)

// noCompletionIndex is the completion index of a pod that has none (or a bad one).
const noCompletionIndex = -1

// indexInterval is a closed range of completion indexes.
type indexInterval struct{ first, last int }

// indexIntervals is an ordered list of disjoint, non-adjacent intervals: the
// compressed form of status.completedIndexes ("1,3-5").
type indexIntervals []indexInterval

// parseIndexIntervals parses "1,3-5" keeping indexes below completions;
// malformed parts are skipped (as Kubernetes does with a corrupted status).
func parseIndexIntervals(s string, completions int) indexIntervals {
	if s == "" {
		return nil
	}
	var out indexIntervals
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || first < 0 {
			continue
		}
		if first >= completions {
			break
		}
		last := first
		if isRange {
			last, err = strconv.Atoi(strings.TrimSpace(hi))
			if err != nil || last < first {
				continue
			}
			last = min(last, completions-1)
		}
		out = out.merge(indexIntervals{{first, last}})
	}
	return out
}

// validIndexIntervals reports whether s is a well-formed, strictly increasing
// list of indexes and ranges ("0,2-3"), as Kubernetes validates
// successPolicy.rules[].succeededIndexes.
func validIndexIntervals(s string) error {
	if s == "" {
		return fmt.Errorf("empty")
	}
	prev := -1
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.Atoi(lo)
		if err != nil || first < 0 {
			return fmt.Errorf("bad index %q", lo)
		}
		last := first
		if isRange {
			last, err = strconv.Atoi(hi)
			if err != nil || last <= first {
				return fmt.Errorf("bad range %q", part)
			}
		}
		if first <= prev {
			return fmt.Errorf("%q is not in increasing order", part)
		}
		prev = last
	}
	return nil
}

// withIndexes returns iv plus the indexes in ix (sorted, may repeat).
func (iv indexIntervals) withIndexes(ix []int) indexIntervals {
	if len(ix) == 0 {
		return iv
	}
	add := make(indexIntervals, 0, len(ix))
	for _, i := range ix {
		add = append(add, indexInterval{i, i})
	}
	return iv.merge(add)
}

// merge returns the union of two ordered interval lists.
func (iv indexIntervals) merge(o indexIntervals) indexIntervals {
	if len(o) == 0 {
		return iv
	}
	out := make(indexIntervals, 0, len(iv)+len(o))
	push := func(x indexInterval) {
		if n := len(out); n > 0 && x.first <= out[n-1].last+1 {
			out[n-1].last = max(out[n-1].last, x.last)
			return
		}
		out = append(out, x)
	}
	i, j := 0, 0
	for i < len(iv) && j < len(o) {
		if iv[i].first <= o[j].first {
			push(iv[i])
			i++
		} else {
			push(o[j])
			j++
		}
	}
	for ; i < len(iv); i++ {
		push(iv[i])
	}
	for ; j < len(o); j++ {
		push(o[j])
	}
	return out
}

// total is the number of indexes in iv.
func (iv indexIntervals) total() int {
	n := 0
	for _, x := range iv {
		n += x.last - x.first + 1
	}
	return n
}

// has reports whether index i is in iv.
func (iv indexIntervals) has(i int) bool {
	k, _ := slices.BinarySearchFunc(iv, i, func(x indexInterval, t int) int { return cmp.Compare(x.last, t) })
	return k < len(iv) && iv[k].first <= i
}

// String is Kubernetes' compressed form: "1,3-5"; a two-index interval is
// written "1,2".
func (iv indexIntervals) String() string {
	var b strings.Builder
	for _, x := range iv {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(x.first))
		switch {
		case x.last == x.first+1:
			b.WriteByte(',')
			b.WriteString(strconv.Itoa(x.last))
		case x.last > x.first:
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(x.last))
		}
	}
	return b.String()
}

// completionIndex returns the pod's completion index from its annotation, or
// noCompletionIndex.
func completionIndex(p *workload.Pod) int {
	v, ok := p.Annotations[workload.JobCompletionIndexAnnotation]
	if !ok {
		return noCompletionIndex
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return noCompletionIndex
	}
	return i
}

// indexAnnotationCount reads a non-negative int32 annotation (0 when absent or
// bad), as Kubernetes reads the index failure counts.
func indexAnnotationCount(p *workload.Pod, key string) int32 {
	v, ok := p.Annotations[key]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 0 {
		return 0
	}
	return int32(n)
}

// jobPodFinishedAt estimates when a finished pod finished, as Kubernetes'
// getFinishedTime: the latest container finishedAt when every container
// and sidecar (which stops after them: getFinishTimeFromContainers) has
// terminated; else the last transition of Ready to False; else the
// deletion time minus the grace period; else the creation time.
func jobPodFinishedAt(p *workload.Pod) time.Time {
	var latest time.Time
	all := len(p.Status.ContainerStatuses) > 0
	note := func(cs *workload.ContainerStatus) {
		t := cs.State.Terminated
		if t == nil || t.FinishedAt.IsZero() {
			all = false
		} else if t.FinishedAt.After(latest) {
			latest = t.FinishedAt.Time
		}
	}
	for i := range p.Status.ContainerStatuses {
		note(&p.Status.ContainerStatuses[i])
	}
	if inits := p.Spec.InitContainers; all && workload.HasSidecar(inits) {
		for i := range p.Status.InitContainerStatuses {
			if cs := &p.Status.InitContainerStatuses[i]; i < len(inits) && inits[i].Name == cs.Name && workload.IsSidecar(&inits[i]) {
				note(cs)
			}
		}
	}
	if all {
		return latest
	}
	if c := PodCondition(p, workload.PodReady); c != nil && c.Status == workload.ConditionFalse && !c.LastTransitionTime.IsZero() {
		return c.LastTransitionTime.Time
	}
	if p.DeletionTimestamp != nil {
		var grace int64
		if p.DeletionGracePeriodSeconds != nil {
			grace = *p.DeletionGracePeriodSeconds
		}
		return p.DeletionTimestamp.Add(-time.Duration(grace) * time.Second)
	}
	return p.CreationTimestamp.Time
}

// jobBackoffDelay is the wait before a replacement after failures
// consecutive failures: 10 s x 2^(failures-1), capped at JobBackoffMax;
// zero when failures is zero.
func jobBackoffDelay(failures int32) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := JobBackoffBase
	for i := int32(1); i < failures; i++ {
		d *= 2
		if d >= JobBackoffMax {
			return JobBackoffMax
		}
	}
	return d
}

// jobBackoffRecord is the failure back-off state of one Job: the failures
// since the last success and when the last of them finished. Like
// Kubernetes', it lives in the controller's memory only.
type jobBackoffRecord struct {
	failures    int32
	lastFailure time.Time
}

// update folds the pods that finished since the last sync into b, as
// Kubernetes' newBackoffRecord: failures after the latest success count;
// a success resets the count.
func (b jobBackoffRecord) update(succeeded, failed []*workload.Pod) jobBackoffRecord {
	if len(succeeded) == 0 && len(failed) == 0 {
		return b
	}
	failTimes := make([]time.Time, len(failed))
	for i, p := range failed {
		failTimes[i] = jobPodFinishedAt(p)
	}
	slices.SortFunc(failTimes, func(a, b time.Time) int { return a.Compare(b) })
	if len(succeeded) == 0 {
		b.failures += int32(len(failed))
		b.lastFailure = failTimes[len(failTimes)-1]
		return b
	}
	var lastSuccess time.Time
	for _, p := range succeeded {
		if t := jobPodFinishedAt(p); t.After(lastSuccess) {
			lastSuccess = t
		}
	}
	out := jobBackoffRecord{}
	for i := len(failTimes) - 1; i >= 0; i-- {
		if !failTimes[i].After(lastSuccess) {
			break
		}
		if out.failures == 0 {
			out.lastFailure = failTimes[i]
		}
		out.failures++
	}
	return out
}

// remaining is how long a replacement must still wait at now.
func (b jobBackoffRecord) remaining(now time.Time) time.Duration {
	return jobRemainingBackoff(b.failures, b.lastFailure, now)
}

func jobRemainingBackoff(failures int32, last time.Time, now time.Time) time.Duration {
	d := jobBackoffDelay(failures)
	if d == 0 {
		return 0
	}
	if elapsed := now.Sub(last); elapsed < d {
		return d - elapsed
	}
	return 0
}

// podFailureMatch is the outcome of matching a failed pod against a Job's
// pod failure policy.
type podFailureMatch struct {
	// Action is the action of the first matching rule, or "".
	Action string
	// Counts reports whether the failure counts towards backoffLimit
	// (false only for Ignore).
	Counts bool
	// Message explains a FailJob match.
	Message string
}

// matchPodFailurePolicy matches a failed pod against the rules in order;
// the first match wins. onExitCodes looks at terminated containers (then
// init containers), optionally of one name, and never matches exit code
// 0; onPodConditions matches a pod condition of that type and status
// (status "True" when empty). Rules with unknown actions are skipped.
func matchPodFailurePolicy(policy *workload.PodFailurePolicy, p *workload.Pod) podFailureMatch {
	if policy == nil {
		return podFailureMatch{Counts: true}
	}
	for i, r := range policy.Rules {
		var msg string
		matched := false
		switch {
		case r.OnExitCodes != nil:
			if cs := matchExitCodes(p, r.OnExitCodes); cs != nil {
				matched = true
				msg = fmt.Sprintf("Container %s for pod %s/%s failed with exit code %d matching %s rule at index %d",
					cs.Name, p.Namespace, p.Name, cs.State.Terminated.ExitCode, r.Action, i)
			}
		case len(r.OnPodConditions) > 0:
			if c := matchPodConditions(p, r.OnPodConditions); c != nil {
				matched = true
				msg = fmt.Sprintf("Pod %s/%s has condition %s matching %s rule at index %d",
					p.Namespace, p.Name, c.Type, r.Action, i)
			}
		}
		if !matched {
			continue
		}
		switch r.Action {
		case workload.PodFailurePolicyActionIgnore:
			return podFailureMatch{Action: r.Action}
		case workload.PodFailurePolicyActionCount, workload.PodFailurePolicyActionFailIndex:
			return podFailureMatch{Action: r.Action, Counts: true}
		case workload.PodFailurePolicyActionFailJob:
			return podFailureMatch{Action: r.Action, Counts: true, Message: msg}
		}
	}
	return podFailureMatch{Counts: true}
}

func matchExitCodes(p *workload.Pod, req *workload.PodFailurePolicyOnExitCodesRequirement) *workload.ContainerStatus {
	for _, list := range [][]workload.ContainerStatus{p.Status.ContainerStatuses, p.Status.InitContainerStatuses} {
		for i := range list {
			cs := &list[i]
			t := cs.State.Terminated
			if t == nil || t.ExitCode == 0 {
				continue
			}
			if req.ContainerName != nil && *req.ContainerName != cs.Name {
				continue
			}
			in := slices.Contains(req.Values, t.ExitCode)
			switch req.Operator {
			case workload.PodFailurePolicyOnExitCodesOpIn:
				if in {
					return cs
				}
			case workload.PodFailurePolicyOnExitCodesOpNotIn:
				if !in {
					return cs
				}
			}
		}
	}
	return nil
}

func matchPodConditions(p *workload.Pod, pats []workload.PodFailurePolicyOnPodConditionsPattern) *workload.PodCondition {
	for i := range p.Status.Conditions {
		c := &p.Status.Conditions[i]
		for _, pat := range pats {
			status := pat.Status
			if status == "" {
				status = workload.ConditionTrue
			}
			if c.Type == pat.Type && c.Status == status {
				return c
			}
		}
	}
	return nil
}

// matchSuccessPolicy reports whether the succeeded indexes meet a rule of
// the success policy, and which: a rule with succeededIndexes needs all of
// them (or succeededCount of them when both are set); a rule with only
// succeededCount needs that many succeeded indexes.
func matchSuccessPolicy(policy *workload.SuccessPolicy, completions int, succeeded indexIntervals) (string, bool) {
	if policy == nil || len(succeeded) == 0 {
		return "", false
	}
	for i, r := range policy.Rules {
		if r.SucceededIndexes != nil {
			want := parseIndexIntervals(*r.SucceededIndexes, completions)
			if len(want) == 0 {
				continue
			}
			have := indexOverlap(want, succeeded)
			if have == want.total() || (r.SucceededCount != nil && have >= int(*r.SucceededCount)) {
				return fmt.Sprintf("Matched rules at index %d", i), true
			}
		} else if r.SucceededCount != nil && succeeded.total() >= int(*r.SucceededCount) {
			return fmt.Sprintf("Matched rules at index %d", i), true
		}
	}
	return "", false
}

// indexOverlap counts the indexes in both a and b.
func indexOverlap(a, b indexIntervals) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		if o := min(a[i].last, b[j].last) - max(a[i].first, b[j].first) + 1; o > 0 {
			n += o
		}
		if a[i].last < b[j].last {
			i++
		} else {
			j++
		}
	}
	return n
}

// jobDeletionOrder orders active pods so that the ones to delete first
// come first, as Kubernetes' controller.ActivePods: unscheduled before
// scheduled, Pending before Unknown before Running, not ready before ready,
// ready for less time before ready for longer, more restarts before fewer,
// newer before older; then by name, for determinism.
func jobDeletionOrder(a, b *workload.Pod) int {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		if a.Spec.NodeName == "" {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(jobPhaseRank(a.Status.Phase), jobPhaseRank(b.Status.Phase)); c != 0 {
		return c
	}
	ra, rb := IsPodReady(a), IsPodReady(b)
	if ra != rb {
		if !ra {
			return -1
		}
		return 1
	}
	if ra {
		ta, tb := PodCondition(a, workload.PodReady).LastTransitionTime.Time, PodCondition(b, workload.PodReady).LastTransitionTime.Time
		if !ta.Equal(tb) {
			return -jobCmpTimeZeroLast(ta, tb)
		}
	}
	if c := cmp.Compare(jobMaxRestarts(b), jobMaxRestarts(a)); c != 0 {
		return c
	}
	if ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time; !ta.Equal(tb) {
		return -jobCmpTimeZeroLast(ta, tb)
	}
	return cmp.Compare(a.Name, b.Name)
}

// jobCmpTimeZeroLast compares times with the zero time as the latest.
func jobCmpTimeZeroLast(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

func jobPhaseRank(phase string) int {
	switch phase {
	case workload.PodPending, "":
		return 0
	case workload.PodUnknown:
		return 1
	case workload.PodRunning:
		return 2
	}
	return 3
}

func jobMaxRestarts(p *workload.Pod) int32 {
	var n int32
	for _, cs := range p.Status.ContainerStatuses {
		n = max(n, cs.RestartCount)
	}
	return n
}
