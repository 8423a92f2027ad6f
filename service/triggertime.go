package service

import (
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// AnnotationLastChangeTriggerTime is set by the Endpoints and
// EndpointSlice controllers on the objects they write: the time of the
// change (a pod's readiness, the Service's creation) that led to the
// write, as Kubernetes' endpoints.kubernetes.io/last-change-trigger-time
// (core/v1 EndpointsLastChangeTriggerTime), RFC 3339 with nanoseconds, in
// UTC.
const AnnotationLastChangeTriggerTime = "endpoints.kubernetes.io/last-change-trigger-time"

// triggerTimes is what one controller remembers of one Service to compute
// the last-change-trigger-time, as Kubernetes' TriggerTimeTracker: the
// trigger time of each selected pod (its Ready condition's
// lastTransitionTime) and of the Service (its creationTimestamp) as of the
// last sync, and the trigger time of the sync under way.
type triggerTimes struct {
	known bool
	svc   time.Time
	pods  map[string]time.Time // pod key -> trigger time; pods without one are absent
	cur   time.Time            // the earliest trigger time that moved in this sync
}

// podTriggerTime is the time of the last change of pod p that moves its
// endpoints: its Ready condition's lastTransitionTime (zero without one).
func podTriggerTime(p *workload.Pod) time.Time {
	for i := range p.Status.Conditions {
		if c := &p.Status.Conditions[i]; c.Type == workload.PodReady {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

// moved records trigger time t, newer than the one last synced, as one
// that moved in this sync.
func (tt *triggerTimes) moved(t time.Time) {
	if tt.cur.IsZero() || t.Before(tt.cur) {
		tt.cur = t
	}
}

// begin starts a sync of Service svc; pod is then called for each pod the
// sync looks at (every selected pod, or those that changed), and end
// returns the trigger time.
func (tt *triggerTimes) begin(svc *workload.Service) {
	tt.cur = time.Time{}
	if s := svc.CreationTimestamp.Time; s.After(tt.svc) {
		tt.moved(s)
	}
	tt.svc = svc.CreationTimestamp.Time
	if tt.pods == nil {
		tt.pods = map[string]time.Time{}
	}
}

// pod records the trigger time of the pod of key (p nil: no longer
// selected, or gone).
func (tt *triggerTimes) pod(key string, p *workload.Pod) {
	var t time.Time
	if p != nil {
		t = podTriggerTime(p)
	}
	if t.IsZero() {
		delete(tt.pods, key)
		return
	}
	if t.After(tt.pods[key]) {
		tt.moved(t)
	}
	tt.pods[key] = t
}

// all records the trigger times of every pod of members (the keys of the
// pods the Service selects; podOf returns the pod of a key, nil when it is
// gone), forgets those of pods no longer in members, and returns end(svc).
func (tt *triggerTimes) all(svc *workload.Service, members map[string]struct{}, podOf func(key string) *workload.Pod) time.Time {
	for pk := range members {
		tt.pod(pk, podOf(pk))
	}
	for pk := range tt.pods {
		if _, ok := members[pk]; !ok {
			delete(tt.pods, pk)
		}
	}
	return tt.end(svc)
}

// end finishes the sync of Service svc and returns the trigger time to
// write: the Service's creationTimestamp the first time the Service is
// synced, else the earliest trigger time that moved since the last sync
// (zero when none did: the annotation is removed).
func (tt *triggerTimes) end(svc *workload.Service) time.Time {
	if !tt.known {
		tt.known = true
		tt.cur = svc.CreationTimestamp.Time
	}
	return tt.cur
}

// setTriggerTime sets (or, for the zero time, removes) the
// last-change-trigger-time annotation in *ann.
func setTriggerTime(ann *map[string]string, t time.Time) {
	if t.IsZero() {
		delete(*ann, AnnotationLastChangeTriggerTime)
		return
	}
	if *ann == nil {
		*ann = map[string]string{}
	}
	(*ann)[AnnotationLastChangeTriggerTime] = t.UTC().Format(time.RFC3339Nano)
}
