package controller

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra/workload"
)

// Annotations the Deployment controller keeps on its ReplicaSets, as
// Kubernetes'.
const (
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	MaxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
)

// EventScalingReplicaSet is the reason of the Deployment controller's
// scaling events ("Scaled up replica set web-5d8f from 0 to 3").
const EventScalingReplicaSet = "ScalingReplicaSet"

// noProgressDeadline is the progressDeadlineSeconds that means none.
const noProgressDeadline = math.MaxInt32

// resolveFenceposts resolves maxSurge (rounded up) and maxUnavailable
// (rounded down) against desired, as Kubernetes' ResolveFenceposts: when
// both come to 0, maxUnavailable is 1.
func resolveFenceposts(maxSurge, maxUnavailable *intstr.IntOrString, desired int32) (surge, unavailable int32, err error) {
	s, err := ScaledValue(maxSurge, int(desired), true, 0)
	if err != nil {
		return 0, 0, fmt.Errorf("spec.strategy.rollingUpdate.maxSurge: %w", err)
	}
	u, err := ScaledValue(maxUnavailable, int(desired), false, 0)
	if err != nil {
		return 0, 0, fmt.Errorf("spec.strategy.rollingUpdate.maxUnavailable: %w", err)
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(u), nil
}

func isRollingUpdate(d *workload.Deployment) bool {
	return d.Spec.Strategy.Type != workload.RecreateStrategy
}

func rollingParams(d *workload.Deployment) (surge, unavailable *intstr.IntOrString) {
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		return ru.MaxSurge, ru.MaxUnavailable
	}
	p := intstr.FromString("25%")
	return &p, &p
}

// deploymentMaxUnavailable is Kubernetes' MaxUnavailable: 0 for Recreate
// or 0 replicas, else the resolved value capped at replicas.
func deploymentMaxUnavailable(d *workload.Deployment) int32 {
	r := replicasOf(d.Spec.Replicas)
	if !isRollingUpdate(d) || r == 0 {
		return 0
	}
	s, u := rollingParams(d)
	_, mu, err := resolveFenceposts(s, u, r)
	if err != nil {
		return 0
	}
	return min(mu, r)
}

// deploymentMaxSurge is Kubernetes' MaxSurge: 0 for Recreate.
func deploymentMaxSurge(d *workload.Deployment) int32 {
	if !isRollingUpdate(d) {
		return 0
	}
	s, u := rollingParams(d)
	ms, _, err := resolveFenceposts(s, u, replicasOf(d.Spec.Replicas))
	if err != nil {
		return 0
	}
	return ms
}

func specReplicas(rss []*workload.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += replicasOf(rs.Spec.Replicas)
		}
	}
	return n
}

// newRSNewReplicas is Kubernetes' NewRSNewReplicas: how far the new
// ReplicaSet may grow now. Rolling: up to replicas + maxSurge pods in all
// ReplicaSets (by spec), never beyond replicas. Recreate: replicas.
func newRSNewReplicas(d *workload.Deployment, all []*workload.ReplicaSet, newRS *workload.ReplicaSet) int32 {
	want := replicasOf(d.Spec.Replicas)
	if !isRollingUpdate(d) {
		return want
	}
	cur := replicasOf(newRS.Spec.Replicas)
	maxTotal := want + deploymentMaxSurge(d)
	total := specReplicas(all)
	if total >= maxTotal {
		return cur
	}
	return cur + max(0, min(maxTotal-total, want-cur))
}

// EqualIgnoreHash reports whether two pod templates are equal apart from
// the pod-template-hash label, on either side (Kubernetes'
// EqualIgnoreHash, in the deployment controller and in kubectl rollout
// undo). It compares the templates' JSON forms, so nil and empty are the
// same. A nil template is equal only to another nil one.
func EqualIgnoreHash(a, b *workload.PodTemplateSpec) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return bytes.Equal(templateKey(a), templateKey(b))
}

// templateKey is the JSON of a template without the pod-template-hash
// label.
func templateKey(t *workload.PodTemplateSpec) []byte {
	c := *t
	if _, ok := c.Labels[workload.PodTemplateHashLabel]; ok {
		c.Labels = maps.Clone(c.Labels)
		delete(c.Labels, workload.PodTemplateHashLabel)
	}
	b, _ := json.Marshal(&c)
	return b
}

// Revision reads an object's revision annotation
// (workload.RevisionAnnotation), as Kubernetes' deploymentutil.Revision:
// 0 when it has none, an error naming the annotation when it is not an
// integer. A nil object is an ErrInvalid error.
func Revision(o workload.Object) (int64, error) {
	if workload.IsNil(o) {
		return 0, fmt.Errorf("revision: nil object: %w", workload.ErrInvalid)
	}
	m := o.GetObjectMeta()
	v, ok := m.Annotations[workload.RevisionAnnotation]
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: metadata.annotations[%s]: %q is not a revision: %w", workload.Ref(o), workload.RevisionAnnotation, v, workload.ErrInvalid)
	}
	return n, nil
}

// revisionOf reads a ReplicaSet's revision annotation (0 if absent or bad).
func revisionOf(o workload.Object) int64 {
	v, _ := Revision(o)
	return v
}

func annotationInt(rs *workload.ReplicaSet, key string) (int32, bool) {
	v, ok := rs.Annotations[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}

// compareByCreation orders ReplicaSets oldest first, then by name.
func compareByCreation(a, b *workload.ReplicaSet) int {
	if !a.CreationTimestamp.Equal(b.CreationTimestamp.Time) {
		if a.CreationTimestamp.Before(b.CreationTimestamp.Time) {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.Name, b.Name)
}

// compareByRevision orders ReplicaSets by revision, as Kubernetes'
// ReplicaSetsByRevision: by creation (compareByCreation) when the
// revisions are equal or either is not an integer.
func compareByRevision(a, b *workload.ReplicaSet) int {
	ra, errA := Revision(a)
	rb, errB := Revision(b)
	if errA != nil || errB != nil || ra == rb {
		return compareByCreation(a, b)
	}
	return cmp.Compare(ra, rb)
}

// deployEvent is an event a plan records on the Deployment.
type deployEvent struct {
	Type, Reason, Message string
}

// deployPlan is what one sync of a Deployment does: plain data.
type deployPlan struct {
	// Create is a new ReplicaSet to create (name "<deploy>-<hash>"), or
	// nil.
	Create *workload.ReplicaSet
	// Update are the ReplicaSets whose spec.replicas, minReadySeconds or
	// annotations change, as they should be written.
	Update []*workload.ReplicaSet
	// Delete are old ReplicaSets beyond revisionHistoryLimit.
	Delete []*workload.ReplicaSet
	// Events are recorded on the Deployment.
	Events []deployEvent
	// Status is the Deployment's new status.
	Status workload.DeploymentStatus
	// Revision is the revision annotation the Deployment should carry, or
	// "" to leave it.
	Revision string
	// RequeueAfter is when to check the progress deadline again, or 0.
	RequeueAfter time.Duration
}

// deployObserved is what the Deployment controller observes besides the
// Deployment.
type deployObserved struct {
	// ReplicaSets are the ReplicaSets the Deployment controls.
	ReplicaSets []*workload.ReplicaSet
	// OldPods counts, per ReplicaSet uid, its pods that are not
	// Succeeded or Failed (being deleted or not). Only Recreate reads it.
	OldPods map[string]int
}

// planDeployment is the Deployment controller's decision: the sync of
// Kubernetes' deployment controller (sync.go, rolling.go, recreate.go,
// progress.go) on data. The ReplicaSets in obs are not modified.
func planDeployment(d *workload.Deployment, obs deployObserved, now time.Time) deployPlan {
	p := &deployPlanner{d: d, now: now, obs: obs}
	for _, rs := range obs.ReplicaSets {
		p.rss = append(p.rss, rs.DeepCopy())
	}
	slices.SortFunc(p.rss, compareByCreation)
	p.status = *d.Status.DeepCopy()
	p.run()
	return p.plan
}

type deployPlanner struct {
	d      *workload.Deployment
	now    time.Time
	obs    deployObserved
	rss    []*workload.ReplicaSet // working copies, oldest first
	status workload.DeploymentStatus
	plan   deployPlan

	created *workload.ReplicaSet
	changed []*workload.ReplicaSet
}

func (p *deployPlanner) run() {
	d := p.d
	defer p.finish()
	if d.DeletionTimestamp != nil {
		newRS, old := p.split()
		p.syncStatus(append(old, newRS), newRS)
		return
	}
	p.checkPausedConditions()
	if d.Spec.Paused || p.isScalingEvent() {
		p.sync()
		return
	}
	if d.Spec.Strategy.Type == workload.RecreateStrategy {
		p.rolloutRecreate()
		return
	}
	p.rolloutRolling()
}

// finish collects the changed ReplicaSets into the plan.
func (p *deployPlanner) finish() {
	p.plan.Create = p.created
	for _, rs := range p.changed {
		if rs != p.created {
			p.plan.Update = append(p.plan.Update, rs)
		}
	}
}

func (p *deployPlanner) markChanged(rs *workload.ReplicaSet) {
	if !slices.Contains(p.changed, rs) {
		p.changed = append(p.changed, rs)
	}
}

func (p *deployPlanner) event(typ, reason, format string, args ...any) {
	p.plan.Events = append(p.plan.Events, deployEvent{typ, reason, fmt.Sprintf(format, args...)})
}

// split returns the new ReplicaSet (the oldest whose template equals the
// Deployment's, ignoring the hash label) and the others.
func (p *deployPlanner) split() (*workload.ReplicaSet, []*workload.ReplicaSet) {
	want := templateKey(&p.d.Spec.Template)
	var newRS *workload.ReplicaSet
	var old []*workload.ReplicaSet
	for _, rs := range p.rss {
		if newRS == nil && bytes.Equal(templateKey(&rs.Spec.Template), want) {
			newRS = rs
			continue
		}
		old = append(old, rs)
	}
	return newRS, old
}

func nonNil(rss []*workload.ReplicaSet) []*workload.ReplicaSet {
	return slices.DeleteFunc(slices.Clone(rss), func(rs *workload.ReplicaSet) bool { return rs == nil })
}

func activeRSs(rss []*workload.ReplicaSet) []*workload.ReplicaSet {
	return slices.DeleteFunc(slices.Clone(rss), func(rs *workload.ReplicaSet) bool {
		return rs == nil || replicasOf(rs.Spec.Replicas) <= 0
	})
}

func hasProgressDeadline(d *workload.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != noProgressDeadline
}

// setDeployCondition is Kubernetes' SetDeploymentCondition: a condition
// with the same status and reason as the current one changes nothing; a
// new status moves lastTransitionTime.
func setDeployCondition(st *workload.DeploymentStatus, c workload.Condition) {
	cur := FindCondition(st.Conditions, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	st.Conditions = append(RemoveCondition(st.Conditions, c.Type), c)
}

func (p *deployPlanner) condition(typ, status, reason, msg string) workload.Condition {
	t := workload.NewTime(p.now)
	return workload.Condition{Type: typ, Status: status, Reason: reason, Message: msg, LastUpdateTime: t, LastTransitionTime: t}
}

// checkPausedConditions sets Progressing Unknown with DeploymentPaused or
// DeploymentResumed when the paused state changes.
func (p *deployPlanner) checkPausedConditions() {
	if !hasProgressDeadline(p.d) {
		return
	}
	cond := FindCondition(p.status.Conditions, workload.DeploymentProgressing)
	if cond != nil && cond.Reason == workload.ReasonProgressDeadlineExceeded {
		return
	}
	paused := cond != nil && cond.Reason == workload.ReasonDeploymentPaused
	switch {
	case p.d.Spec.Paused && !paused:
		setDeployCondition(&p.status, p.condition(workload.DeploymentProgressing, workload.ConditionUnknown,
			workload.ReasonDeploymentPaused, "Deployment is paused"))
	case !p.d.Spec.Paused && paused:
		setDeployCondition(&p.status, p.condition(workload.DeploymentProgressing, workload.ConditionUnknown,
			workload.ReasonDeploymentResumed, "Deployment is resumed"))
	}
}

// syncRevision finds the new ReplicaSet and brings its revision up to
// max(old)+1 (a rollback gives the old ReplicaSet a new revision); with
// create it makes the new ReplicaSet if there is none.
func (p *deployPlanner) syncRevision(create bool) (*workload.ReplicaSet, []*workload.ReplicaSet) {
	d := p.d
	newRS, old := p.split()
	var maxOld int64
	for _, rs := range old {
		maxOld = max(maxOld, revisionOf(rs))
	}
	next := maxOld + 1
	nextStr := strconv.FormatInt(next, 10)
	if newRS != nil {
		// Kubernetes' SetNewReplicaSetAnnotations gives up on a
		// ReplicaSet whose revision is there but not an integer: its
		// revision stays, and the annotations below are written only with
		// a minReadySeconds change.
		oldRev, hadRev := newRS.Annotations[workload.RevisionAnnotation]
		cur, err := strconv.ParseInt(oldRev, 10, 64)
		badRev := err != nil && oldRev != ""
		// The Deployment's annotations follow to its new ReplicaSet on
		// every sync (added or changed ones; Kubernetes'
		// copyDeploymentAnnotationsToReplicaSet), so that a change-cause
		// set after the ReplicaSet was made still reaches it.
		if !badRev || newRS.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
			for k, v := range d.Annotations {
				if have, ok := newRS.Annotations[k]; !skippedAnnotations[k] && (!ok || have != v) {
					setAnnotation(&newRS.ObjectMeta, k, v)
					p.markChanged(newRS)
				}
			}
		}
		if !badRev && cur < next {
			if hadRev {
				// A rollback: keep the revisions the ReplicaSet had.
				addRevisionHistory(&newRS.ObjectMeta, oldRev)
			}
			setAnnotation(&newRS.ObjectMeta, workload.RevisionAnnotation, nextStr)
			p.markChanged(newRS)
		}
		if newRS.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
			newRS.Spec.MinReadySeconds = d.Spec.MinReadySeconds
			p.markChanged(newRS)
		}
		p.plan.Revision = newRS.Annotations[workload.RevisionAnnotation]
		if hasProgressDeadline(d) && FindCondition(p.status.Conditions, workload.DeploymentProgressing) == nil {
			setDeployCondition(&p.status, p.condition(workload.DeploymentProgressing, workload.ConditionTrue,
				workload.ReasonFoundNewReplicaSet, fmt.Sprintf("Found new replica set %q", newRS.Name)))
		}
		return newRS, old
	}
	if !create {
		return nil, old
	}
	newRS = p.newReplicaSet(nextStr)
	newRS.Spec.Replicas = workload.Ptr(newRSNewReplicas(d, append(slices.Clone(old), newRS), newRS))
	p.created = newRS
	p.rss = append(p.rss, newRS)
	if n := *newRS.Spec.Replicas; n > 0 {
		p.event(workload.EventTypeNormal, EventScalingReplicaSet, "Scaled up replica set %s from 0 to %d", newRS.Name, n)
	}
	if hasProgressDeadline(d) {
		setDeployCondition(&p.status, p.condition(workload.DeploymentProgressing, workload.ConditionTrue,
			workload.ReasonNewReplicaSetCreated, fmt.Sprintf("Created new replica set %q", newRS.Name)))
	}
	p.plan.Revision = nextStr
	return newRS, old
}

// maxRevisionHistoryChars bounds the revision-history annotation, as the
// deployment controller's maxRevHistoryLengthInChars.
const maxRevisionHistoryChars = 2000

// addRevisionHistory appends old to the revision-history annotation (a
// comma-separated list, oldest first), dropping the oldest entries to stay
// within maxRevisionHistoryChars, as Kubernetes'
// SetNewReplicaSetAnnotations.
func addRevisionHistory(m *workload.ObjectMeta, old string) {
	hist := m.Annotations[workload.RevisionHistoryAnnotation]
	if hist == "" {
		setAnnotation(m, workload.RevisionHistoryAnnotation, old)
		return
	}
	revs := strings.Split(hist, ",")
	total := len(hist) + len(old) + 1
	start := 0
	for total > maxRevisionHistoryChars && start < len(revs) {
		total -= len(revs[start]) + 1
		start++
	}
	if total <= maxRevisionHistoryChars {
		setAnnotation(m, workload.RevisionHistoryAnnotation, strings.Join(append(revs[start:], old), ","))
	}
}

func setAnnotation(m *workload.ObjectMeta, k, v string) {
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[k] = v
}

// skippedAnnotations are Deployment annotations not copied to its
// ReplicaSets.
var skippedAnnotations = map[string]bool{
	"kubectl.kubernetes.io/last-applied-configuration": true,
	workload.RevisionAnnotation:                        true,
	workload.RevisionHistoryAnnotation:                 true,
	DesiredReplicasAnnotation:                          true,
	MaxReplicasAnnotation:                              true,
	workload.DeprecatedRollbackTo:                      true,
}

// newReplicaSet builds the new ReplicaSet of the Deployment's template:
// name "<deploy>-<hash>", the hash as pod-template-hash on its labels,
// selector and template, the Deployment's annotations with the revision
// and replica annotations, and a controller reference.
func (p *deployPlanner) newReplicaSet(revision string) *workload.ReplicaSet {
	d := p.d
	hash := TemplateHash(&d.Spec.Template, p.status.CollisionCount)
	tmpl := d.Spec.Template.DeepCopy()
	tmpl.Labels = maps.Clone(tmpl.Labels)
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[workload.PodTemplateHashLabel] = hash
	sel := d.Spec.Selector.DeepCopy()
	if sel == nil {
		sel = &workload.LabelSelector{}
	}
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[workload.PodTemplateHashLabel] = hash
	ann := map[string]string{}
	for k, v := range d.Annotations {
		if !skippedAnnotations[k] {
			ann[k] = v
		}
	}
	ann[workload.RevisionAnnotation] = revision
	want := replicasOf(d.Spec.Replicas)
	ann[DesiredReplicasAnnotation] = strconv.Itoa(int(want))
	ann[MaxReplicasAnnotation] = strconv.Itoa(int(want + deploymentMaxSurge(d)))
	return &workload.ReplicaSet{
		TypeMeta: workload.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: workload.ObjectMeta{
			Name:              d.Name + "-" + hash,
			Namespace:         d.Namespace,
			Labels:            maps.Clone(tmpl.Labels),
			Annotations:       ann,
			OwnerReferences:   []workload.OwnerReference{workload.NewControllerRef(d)},
			CreationTimestamp: workload.NewTime(p.now),
		},
		Spec: workload.ReplicaSetSpec{
			Replicas:        workload.Ptr[int32](0),
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        sel,
			Template:        *tmpl,
		},
	}
}

// scaleRS sets a ReplicaSet's size and its replica annotations
// (Kubernetes' scaleReplicaSet); it reports whether the size changed.
func (p *deployPlanner) scaleRS(rs *workload.ReplicaSet, size int32) bool {
	d := p.d
	want := replicasOf(d.Spec.Replicas)
	desired, maxr := strconv.Itoa(int(want)), strconv.Itoa(int(want+deploymentMaxSurge(d)))
	sizeChanged := replicasOf(rs.Spec.Replicas) != size
	if !sizeChanged && rs.Annotations[DesiredReplicasAnnotation] == desired && rs.Annotations[MaxReplicasAnnotation] == maxr {
		return false
	}
	old := replicasOf(rs.Spec.Replicas)
	rs.Spec.Replicas = workload.Ptr(size)
	setAnnotation(&rs.ObjectMeta, DesiredReplicasAnnotation, desired)
	setAnnotation(&rs.ObjectMeta, MaxReplicasAnnotation, maxr)
	p.markChanged(rs)
	if sizeChanged {
		dir := "up"
		if size < old {
			dir = "down"
		}
		p.event(workload.EventTypeNormal, EventScalingReplicaSet, "Scaled %s replica set %s from %d to %d", dir, rs.Name, old, size)
	}
	return sizeChanged
}

// scaleRSIfNeeded is Kubernetes' scaleReplicaSetAndRecordEvent: nothing
// at all when the size is already right.
func (p *deployPlanner) scaleRSIfNeeded(rs *workload.ReplicaSet, size int32) bool {
	if replicasOf(rs.Spec.Replicas) == size {
		return false
	}
	return p.scaleRS(rs, size)
}

// isScalingEvent reports whether an active ReplicaSet was sized for
// another replica count than the Deployment's.
func (p *deployPlanner) isScalingEvent() bool {
	newRS, old := p.split()
	want := replicasOf(p.d.Spec.Replicas)
	for _, rs := range activeRSs(append(old, newRS)) {
		if n, ok := annotationInt(rs, DesiredReplicasAnnotation); ok && n != want {
			return true
		}
	}
	return false
}

// sync is the paused and scaling path: proportional scaling, history
// cleanup when paused, status without progress changes.
func (p *deployPlanner) sync() {
	newRS, old := p.syncRevision(false)
	p.scale(newRS, old)
	if p.d.Spec.Paused {
		p.cleanup(old)
	}
	all := append(slices.Clone(old), newRS)
	p.plan.Status = p.calculateStatus(all, newRS)
}

// scale is Kubernetes' proportional scaling (sync.go scale).
func (p *deployPlanner) scale(newRS *workload.ReplicaSet, old []*workload.ReplicaSet) {
	d := p.d
	want := replicasOf(d.Spec.Replicas)
	if rs := findActiveOrLatest(newRS, old); rs != nil {
		if replicasOf(rs.Spec.Replicas) != want {
			p.scaleRS(rs, want)
		}
		return
	}
	if isSaturated(d, newRS) {
		for _, rs := range activeRSs(old) {
			p.scaleRS(rs, 0)
		}
		return
	}
	if !isRollingUpdate(d) {
		return
	}
	all := activeRSs(append(slices.Clone(old), newRS))
	allowed := int32(0)
	if want > 0 {
		allowed = want + deploymentMaxSurge(d)
	}
	toAdd := allowed - specReplicas(all)
	switch {
	case toAdd > 0: // larger first, newer first among equals
		slices.SortStableFunc(all, func(a, b *workload.ReplicaSet) int {
			if c := cmp.Compare(replicasOf(b.Spec.Replicas), replicasOf(a.Spec.Replicas)); c != 0 {
				return c
			}
			return -compareByCreation(a, b)
		})
	case toAdd < 0: // larger first, older first among equals
		slices.SortStableFunc(all, func(a, b *workload.ReplicaSet) int {
			if c := cmp.Compare(replicasOf(b.Spec.Replicas), replicasOf(a.Spec.Replicas)); c != 0 {
				return c
			}
			return compareByCreation(a, b)
		})
	}
	sizes := make([]int32, len(all))
	var added int32
	for i, rs := range all {
		sizes[i] = replicasOf(rs.Spec.Replicas)
		if toAdd != 0 {
			prop := proportion(rs, d, toAdd, added)
			sizes[i] += prop
			added += prop
		}
	}
	if toAdd != 0 && len(all) > 0 {
		sizes[0] = max(0, sizes[0]+toAdd-added)
	}
	for i, rs := range all {
		p.scaleRS(rs, sizes[i])
	}
}

// findActiveOrLatest returns the only active ReplicaSet, or, when none is
// active, the new one or the newest old one; nil when several are active.
func findActiveOrLatest(newRS *workload.ReplicaSet, old []*workload.ReplicaSet) *workload.ReplicaSet {
	if newRS == nil && len(old) == 0 {
		return nil
	}
	active := activeRSs(append(slices.Clone(old), newRS))
	switch len(active) {
	case 0:
		if newRS != nil {
			return newRS
		}
		return slices.MaxFunc(old, compareByCreation)
	case 1:
		return active[0]
	}
	return nil
}

func isSaturated(d *workload.Deployment, rs *workload.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	want := replicasOf(d.Spec.Replicas)
	desired, ok := annotationInt(rs, DesiredReplicasAnnotation)
	return ok && replicasOf(rs.Spec.Replicas) == want && desired == want && rs.Status.AvailableReplicas == want
}

// proportion is Kubernetes' GetProportion: rs's share of toAdd, by the
// size it had against the max-replicas annotation.
func proportion(rs *workload.ReplicaSet, d *workload.Deployment, toAdd, added int32) int32 {
	if rs == nil || replicasOf(rs.Spec.Replicas) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	frac := rsFraction(rs, d)
	allowed := toAdd - added
	if toAdd > 0 {
		return min(frac, allowed)
	}
	return max(frac, allowed)
}

func rsFraction(rs *workload.ReplicaSet, d *workload.Deployment) int32 {
	cur := replicasOf(rs.Spec.Replicas)
	want := replicasOf(d.Spec.Replicas)
	if want == 0 {
		return -cur
	}
	total := want + deploymentMaxSurge(d)
	annotated, ok := annotationInt(rs, MaxReplicasAnnotation)
	if !ok || annotated == 0 {
		annotated = d.Status.Replicas
	}
	if annotated == 0 {
		return 0
	}
	size := float64(cur*total) / float64(annotated)
	return int32(math.Round(size)) - cur
}

// rolloutRolling is Kubernetes' rolloutRolling.
func (p *deployPlanner) rolloutRolling() {
	newRS, old := p.syncRevision(true)
	all := append(slices.Clone(old), newRS)
	if p.reconcileNewRS(all, newRS) {
		p.syncRolloutStatus(all, newRS)
		return
	}
	if p.reconcileOldRSs(all, activeRSs(old), newRS) {
		p.syncRolloutStatus(all, newRS)
		return
	}
	if deploymentComplete(p.d, &p.d.Status) {
		p.cleanup(old)
	}
	p.syncRolloutStatus(all, newRS)
}

func (p *deployPlanner) reconcileNewRS(all []*workload.ReplicaSet, newRS *workload.ReplicaSet) bool {
	want := replicasOf(p.d.Spec.Replicas)
	cur := replicasOf(newRS.Spec.Replicas)
	switch {
	case cur == want:
		return false
	case cur > want:
		return p.scaleRSIfNeeded(newRS, want)
	}
	return p.scaleRSIfNeeded(newRS, newRSNewReplicas(p.d, all, newRS))
}

// reconcileOldRSs scales old ReplicaSets down as far as the availability
// floor (replicas - maxUnavailable) allows: first their unhealthy pods,
// then available ones, oldest ReplicaSet first.
func (p *deployPlanner) reconcileOldRSs(all, old []*workload.ReplicaSet, newRS *workload.ReplicaSet) bool {
	if specReplicas(old) == 0 {
		return false
	}
	want := replicasOf(p.d.Spec.Replicas)
	minAvailable := want - deploymentMaxUnavailable(p.d)
	newUnavailable := replicasOf(newRS.Spec.Replicas) - newRS.Status.AvailableReplicas
	maxScaledDown := specReplicas(all) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false
	}
	slices.SortFunc(old, compareByCreation)
	var cleaned int32
	for _, rs := range old {
		if cleaned >= maxScaledDown {
			break
		}
		cur := replicasOf(rs.Spec.Replicas)
		if cur == 0 || cur == rs.Status.AvailableReplicas {
			continue
		}
		n := min(maxScaledDown-cleaned, cur-rs.Status.AvailableReplicas)
		if n <= 0 {
			continue
		}
		p.scaleRSIfNeeded(rs, cur-n)
		cleaned += n
	}
	var available int32
	for _, rs := range nonNil(all) {
		available += rs.Status.AvailableReplicas
	}
	var scaled int32
	if available > minAvailable {
		total := available - minAvailable
		for _, rs := range old {
			if scaled >= total {
				break
			}
			cur := replicasOf(rs.Spec.Replicas)
			if cur == 0 {
				continue
			}
			n := min(cur, total-scaled)
			p.scaleRSIfNeeded(rs, cur-n)
			scaled += n
		}
	}
	return cleaned+scaled > 0
}

// rolloutRecreate is Kubernetes' rolloutRecreate: old ReplicaSets to 0,
// wait until none of their pods is left, then the new one to replicas.
func (p *deployPlanner) rolloutRecreate() {
	newRS, old := p.syncRevision(false)
	all := append(slices.Clone(old), newRS)
	scaled := false
	for _, rs := range activeRSs(old) {
		if p.scaleRSIfNeeded(rs, 0) {
			scaled = true
		}
	}
	if scaled {
		p.syncRolloutStatus(all, newRS)
		return
	}
	if p.oldPodsRunning(newRS, old) {
		p.syncRolloutStatus(all, newRS)
		return
	}
	if newRS == nil {
		newRS, old = p.syncRevision(true)
		all = append(slices.Clone(old), newRS)
	}
	p.scaleRSIfNeeded(newRS, replicasOf(p.d.Spec.Replicas))
	if deploymentComplete(p.d, &p.d.Status) {
		p.cleanup(old)
	}
	p.syncRolloutStatus(all, newRS)
}

func (p *deployPlanner) oldPodsRunning(newRS *workload.ReplicaSet, old []*workload.ReplicaSet) bool {
	for _, rs := range old {
		if rs.Status.Replicas > 0 || p.obs.OldPods[rs.UID] > 0 {
			return true
		}
	}
	return false
}

// cleanup deletes the oldest old ReplicaSets (compareByRevision) beyond
// revisionHistoryLimit that have no pods and are fully observed.
func (p *deployPlanner) cleanup(old []*workload.ReplicaSet) {
	lim := p.d.Spec.RevisionHistoryLimit
	if lim == nil {
		return
	}
	alive := slices.DeleteFunc(nonNil(old), func(rs *workload.ReplicaSet) bool { return rs.DeletionTimestamp != nil })
	diff := len(alive) - int(*lim)
	if diff <= 0 {
		return
	}
	slices.SortStableFunc(alive, compareByRevision)
	for _, rs := range alive[:diff] {
		if rs.Status.Replicas != 0 || replicasOf(rs.Spec.Replicas) != 0 || rs.Generation > rs.Status.ObservedGeneration ||
			slices.Contains(p.changed, rs) {
			continue
		}
		p.plan.Delete = append(p.plan.Delete, rs)
	}
}

// calculateStatus is Kubernetes' calculateStatus with the Available
// condition.
func (p *deployPlanner) calculateStatus(all []*workload.ReplicaSet, newRS *workload.ReplicaSet) workload.DeploymentStatus {
	d := p.d
	all = nonNil(all)
	st := workload.DeploymentStatus{
		ObservedGeneration: d.Generation,
		CollisionCount:     p.status.CollisionCount,
		Conditions:         slices.Clone(p.status.Conditions),
	}
	var total int32 // the ReplicaSets' desired replicas
	for _, rs := range all {
		total += replicasOf(rs.Spec.Replicas)
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
		st.AvailableReplicas += rs.Status.AvailableReplicas
	}
	if newRS != nil {
		st.UpdatedReplicas = newRS.Status.Replicas
	}
	st.TerminatingReplicas = terminatingReplicas(all)
	// As Kubernetes: the ReplicaSets' desired total, surge included, less
	// the available; 0 when more are available (scaling down).
	st.UnavailableReplicas = max(0, total-st.AvailableReplicas)
	if st.AvailableReplicas >= replicasOf(d.Spec.Replicas)-deploymentMaxUnavailable(d) {
		setDeployCondition(&st, p.condition(workload.DeploymentAvailable, workload.ConditionTrue,
			workload.ReasonMinimumReplicasAvailable, "Deployment has minimum availability."))
	} else {
		setDeployCondition(&st, p.condition(workload.DeploymentAvailable, workload.ConditionFalse,
			workload.ReasonMinimumReplicasUnavailable, "Deployment does not have minimum availability."))
	}
	return st
}

// terminatingReplicas sums the ReplicaSets' status.terminatingReplicas, as
// Kubernetes' GetTerminatingReplicaCountForReplicaSets: a ReplicaSet never
// synced (observedGeneration 0) without the count adds nothing; a synced
// one without it makes the sum unknown (nil).
func terminatingReplicas(rss []*workload.ReplicaSet) *int32 {
	var n int32
	for _, rs := range rss {
		switch t := rs.Status.TerminatingReplicas; {
		case t != nil:
			n += *t
		case rs.Status.ObservedGeneration != 0:
			return nil
		}
	}
	return &n
}

// deploymentComplete: every replica updated and available, and the
// latest generation observed.
func deploymentComplete(d *workload.Deployment, st *workload.DeploymentStatus) bool {
	want := replicasOf(d.Spec.Replicas)
	return st.UpdatedReplicas == want && st.Replicas == want && st.AvailableReplicas == want &&
		st.ObservedGeneration >= d.Generation
}

// deploymentProgressing: more updated, ready or available replicas, or
// fewer old ones, than the stored status says.
func deploymentProgressing(d *workload.Deployment, st *workload.DeploymentStatus) bool {
	old := d.Status
	return st.UpdatedReplicas > old.UpdatedReplicas ||
		st.Replicas-st.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		st.ReadyReplicas > old.ReadyReplicas ||
		st.AvailableReplicas > old.AvailableReplicas
}

// progressDeadline returns when the Progressing condition's last update
// plus progressDeadlineSeconds runs out (zero when it cannot).
func progressDeadline(d *workload.Deployment, st *workload.DeploymentStatus) time.Time {
	if !hasProgressDeadline(d) {
		return time.Time{}
	}
	c := FindCondition(st.Conditions, workload.DeploymentProgressing)
	if c == nil || c.Reason == workload.ReasonNewRSAvailable || c.Reason == workload.ReasonProgressDeadlineExceeded ||
		c.Reason == workload.ReasonDeploymentPaused {
		return time.Time{}
	}
	return c.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second)
}

// syncRolloutStatus is Kubernetes' syncRolloutStatus: status, the
// Progressing condition (NewReplicaSetAvailable, ReplicaSetUpdated on
// progress, ProgressDeadlineExceeded once the deadline has passed with no
// progress), and the requeue at the deadline.
func (p *deployPlanner) syncRolloutStatus(all []*workload.ReplicaSet, newRS *workload.ReplicaSet) {
	d := p.d
	st := p.calculateStatus(all, newRS)
	if !hasProgressDeadline(d) {
		st.Conditions = RemoveCondition(st.Conditions, workload.DeploymentProgressing)
	}
	cur := FindCondition(st.Conditions, workload.DeploymentProgressing)
	complete := st.Replicas == st.UpdatedReplicas && cur != nil && cur.Reason == workload.ReasonNewRSAvailable
	if hasProgressDeadline(d) && !complete {
		name := func(what string) string {
			if newRS != nil {
				return fmt.Sprintf("ReplicaSet %q %s.", newRS.Name, what)
			}
			return fmt.Sprintf("Deployment %q %s.", d.Name, what)
		}
		switch {
		case deploymentComplete(d, &st):
			setDeployCondition(&st, p.condition(workload.DeploymentProgressing, workload.ConditionTrue,
				workload.ReasonNewRSAvailable, name("has successfully progressed")))
		case deploymentProgressing(d, &st):
			c := p.condition(workload.DeploymentProgressing, workload.ConditionTrue,
				workload.ReasonReplicaSetUpdated, name("is progressing"))
			if cur != nil {
				if cur.Status == workload.ConditionTrue {
					c.LastTransitionTime = cur.LastTransitionTime
				}
				st.Conditions = RemoveCondition(st.Conditions, workload.DeploymentProgressing)
			}
			setDeployCondition(&st, c)
		default:
			// Timed out only once the deadline has passed (Kubernetes'
			// DeploymentTimedOut: from.Add(delta).Before(now)).
			if dl := progressDeadline(d, &st); !dl.IsZero() && dl.Before(p.now) {
				setDeployCondition(&st, p.condition(workload.DeploymentProgressing, workload.ConditionFalse,
					workload.ReasonProgressDeadlineExceeded, name("has timed out progressing")))
			}
		}
	}
	// The ReplicaSets' ReplicaFailure (pods they cannot create or
	// delete) shows on the Deployment: the new one's first.
	if c := replicaFailure(all, newRS); c != nil {
		setDeployCondition(&st, *c)
	} else {
		st.Conditions = RemoveCondition(st.Conditions, workload.DeploymentReplicaFailure)
	}
	if len(st.Conditions) == 0 {
		st.Conditions = nil
	}
	p.plan.Status = st
	if !deploymentComplete(d, &st) {
		// requeueStuckDeployment: a second past the deadline ("to avoid
		// milliseconds skew"), or, under a second from it, a rate-limited
		// requeue (the work queue's first delay, 5 ms).
		if dl := progressDeadline(d, &st); !dl.IsZero() && !dl.Before(p.now) {
			if after := dl.Sub(p.now); after < time.Second {
				p.plan.RequeueAfter = after + 5*time.Millisecond
			} else {
				p.plan.RequeueAfter = after + time.Second
			}
		}
	}
}

// replicaFailure is Kubernetes' getReplicaFailures: the ReplicaFailure
// condition of the new ReplicaSet, else of the first ReplicaSet (oldest
// first) that has one, as a Deployment condition (lastUpdateTime its
// lastTransitionTime); nil when none has one.
func replicaFailure(all []*workload.ReplicaSet, newRS *workload.ReplicaSet) *workload.Condition {
	for _, rs := range append([]*workload.ReplicaSet{newRS}, all...) {
		if rs == nil {
			continue
		}
		if c := FindCondition(rs.Status.Conditions, ReplicaSetReplicaFailure); c != nil {
			out := *c
			out.LastUpdateTime = c.LastTransitionTime
			return &out
		}
	}
	return nil
}

// syncStatus writes the status only (a Deployment being deleted).
func (p *deployPlanner) syncStatus(all []*workload.ReplicaSet, newRS *workload.ReplicaSet) {
	p.plan.Status = p.calculateStatus(all, newRS)
}
