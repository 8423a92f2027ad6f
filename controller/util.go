package controller

import (
	"errors"

	"encoding/json"
	"fmt"
	"github.com/orchestra-go/orchestra/store"
	"hash/fnv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orchestra-go/orchestra/workload"
)

// IsPodActive reports whether a pod still counts as running for its
// controller: not Succeeded or Failed, and not being deleted.
func IsPodActive(p *workload.Pod) bool {
	return p.Status.Phase != workload.PodSucceeded && p.Status.Phase != workload.PodFailed &&
		p.DeletionTimestamp == nil
}

// IsPodTerminal reports whether the pod has finished (Succeeded or Failed).
func IsPodTerminal(p *workload.Pod) bool {
	return p.Status.Phase == workload.PodSucceeded || p.Status.Phase == workload.PodFailed
}

// PodCondition returns the pod's condition of type t, or nil.
func PodCondition(p *workload.Pod, t string) *workload.PodCondition {
	return FindPodCondition(p.Status.Conditions, t)
}

// FindPodCondition returns the condition of type t in conds, or nil.
func FindPodCondition(conds []workload.PodCondition, t string) *workload.PodCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// IsPodReady reports whether the pod's Ready condition is True.
func IsPodReady(p *workload.Pod) bool {
	c := PodCondition(p, workload.PodReady)
	return c != nil && c.Status == workload.ConditionTrue
}

// IsPodAvailable reports whether the pod has been Ready for at least
// minReadySeconds at now, as Kubernetes' podutil.IsPodAvailable.
func IsPodAvailable(p *workload.Pod, minReadySeconds int32, now time.Time) bool {
	c := PodCondition(p, workload.PodReady)
	if c == nil || c.Status != workload.ConditionTrue {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	d := time.Duration(minReadySeconds) * time.Second
	return !c.LastTransitionTime.IsZero() && !c.LastTransitionTime.Add(d).After(now)
}

// AvailableAt returns when a Ready pod becomes available given
// minReadySeconds (the zero time if it is not Ready).
func AvailableAt(p *workload.Pod, minReadySeconds int32) time.Time {
	c := PodCondition(p, workload.PodReady)
	if c == nil || c.Status != workload.ConditionTrue {
		return time.Time{}
	}
	return c.LastTransitionTime.Add(time.Duration(minReadySeconds) * time.Second)
}

// ScaledValue resolves an int-or-percent against total, as Kubernetes'
// intstr.GetScaledValueFromIntOrPercent: roundUp rounds percentages up
// (surge), otherwise down (unavailable). A nil value resolves to def.
func ScaledValue(v *intstr.IntOrString, total int, roundUp bool, def int) (int, error) {
	if v == nil {
		return def, nil
	}
	return intstr.GetScaledValueFromIntOrPercent(v, total, roundUp)
}

// FindCondition returns the condition of type t in conds, or nil.
func FindCondition(conds []workload.Condition, t string) *workload.Condition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// SetCondition sets c in conds, keeping lastTransitionTime when the status
// does not change, and returns the new slice.
func SetCondition(conds []workload.Condition, c workload.Condition) []workload.Condition {
	if old := FindCondition(conds, c.Type); old != nil {
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		*old = c
		return conds
	}
	return append(conds, c)
}

// RemoveCondition removes the condition of type t from conds.
func RemoveCondition(conds []workload.Condition, t string) []workload.Condition {
	out := conds[:0]
	for _, c := range conds {
		if c.Type != t {
			out = append(out, c)
		}
	}
	return out
}

// IsControlledBy reports whether obj's controller reference names the
// owner's uid.
func IsControlledBy(obj workload.Object, ownerUID string) bool {
	ref := workload.ControllerOf(obj)
	return ref != nil && ref.UID == ownerUID
}

// NewPodFromTemplate returns a pod made from template for owner, as
// Kubernetes controllers make them: the template's labels, annotations and
// spec, the owner's namespace, a controller reference to owner, and either
// name (when not empty) or generateName.
func NewPodFromTemplate(template *workload.PodTemplateSpec, owner workload.Object, name, generateName string) *workload.Pod {
	t := template.DeepCopy()
	om := owner.GetObjectMeta()
	p := &workload.Pod{
		TypeMeta: workload.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: workload.ObjectMeta{
			Name:            name,
			GenerateName:    generateName,
			Namespace:       om.Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			OwnerReferences: []workload.OwnerReference{workload.NewControllerRef(owner)},
		},
		Spec: t.Spec,
	}
	if name != "" {
		p.GenerateName = ""
	}
	return p
}

// GenerateNamePrefix returns the generateName prefix Kubernetes uses for
// pods of a controller: "<name>-", shortened so that the name and a
// five-character suffix fit in 63 characters.
func GenerateNamePrefix(name string) string {
	const max = 63 - 5
	p := name + "-"
	if len(p) > max {
		p = p[:max]
	}
	return p
}

// TemplateHash returns a short, stable hash of a pod template (with an
// optional collision count), in the alphabet Kubernetes uses for
// pod-template-hash and controller-revision-hash values.
func TemplateHash(template *workload.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	b, _ := json.Marshal(template)
	h.Write(b)
	if collisionCount != nil {
		fmt.Fprintf(h, "%d", *collisionCount)
	}
	return safeEncode(fmt.Sprint(h.Sum32()))
}

// safeEncode maps digits to Kubernetes' safe alphabet (no vowels, no
// confusable characters), as rand.SafeEncodeString.
func safeEncode(s string) string {
	const alphanums = "bcdfghjklmnpqrstvwxz2456789"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(alphanums[int(s[i])%len(alphanums)])
	}
	return b.String()
}

// RuntimeFinalizer is the finalizer the cluster puts on every pod it has
// started on the runtime: a deleted pod stays (terminating) until the
// runtime reports it gone.
const RuntimeFinalizer = "orchestra.dev/runtime"

// DeletePod deletes a pod the way a Kubernetes client does: a pod that
// runs on the runtime becomes terminating (deletionTimestamp set, with
// grace seconds, or its terminationGracePeriodSeconds when grace is nil)
// and goes once the runtime has stopped it; a pod that never started goes
// at once. As the API server's pod strategy (CheckGracefulDelete), a pod
// that is not scheduled or has finished gets a grace period of 0, and a
// negative grace period is 1. Deleting a pod that is gone is not an error.
func DeletePod(s *store.Store, namespace, name string, grace *int64) error {
	return DeletePodWithPolicy(s, namespace, name, grace, "")
}

// DeletePodWithPolicy is DeletePod with a propagation policy for the pod's
// own dependents (store.DeleteOptions.PropagationPolicy): the pod is
// deleted just as gracefully, as the API server's pod strategy decides
// the grace period whatever the policy.
func DeletePodWithPolicy(s *store.Store, namespace, name string, grace *int64, policy string) error {
	o, err := s.Get("Pod", namespace, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	p := o.(*workload.Pod)
	g := int64(30)
	if p.Spec.TerminationGracePeriodSeconds != nil {
		g = *p.Spec.TerminationGracePeriodSeconds
	}
	if grace != nil {
		g = *grace
	}
	switch {
	case p.Spec.NodeName == "" || IsPodTerminal(p):
		g = 0
	case g < 0:
		g = 1 // as CheckGracefulDelete: a negative period is one second
	}
	_, err = s.Delete("Pod", namespace, name, store.DeleteOptions{
		Preconditions:      store.Preconditions{UID: p.UID},
		PropagationPolicy:  policy,
		GracePeriodSeconds: &g,
		NoResult:           true,
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// DeploymentComplete reports whether a Deployment's rollout is complete,
// as Kubernetes' deploymentutil.DeploymentComplete judges it and `kubectl
// rollout status` waits for it: the latest generation observed
// (status.observedGeneration >= metadata.generation), and spec.replicas
// replicas updated and available with no old one left. It reads the
// Deployment's stored status, so it holds only once the controller has
// written it. A nil Deployment is not complete.
func DeploymentComplete(d *workload.Deployment) bool {
	return d != nil && deploymentComplete(d, &d.Status)
}

// JobFinished returns the Job's Complete or Failed condition when it is
// True (the Job has finished, as Kubernetes' IsJobFinished says), else nil.
// Its Reason tells why (CompletionsReached, BackoffLimitExceeded,
// DeadlineExceeded, PodFailurePolicy, ...).
func JobFinished(j *workload.Job) *workload.Condition {
	if j == nil {
		return nil
	}
	return jobFinished(j)
}

// parsedSelector keeps a label selector parsed (AsSelector) for as long as
// the selector it came from stays the same: a status write makes a new
// object whose selector is equal, and parsing it again would give the same
// result. The zero value holds nothing.
type parsedSelector struct {
	src *workload.LabelSelector // what sel came from; stored objects never change
	sel labels.Selector         // nil when src does not parse
	err error
	ok  bool // src, sel and err are set
}

// holds reports whether p holds the parse of a selector equal to ls.
func (p *parsedSelector) holds(ls *workload.LabelSelector) bool {
	return p.ok && (p.src == ls || workload.EqualSelectors(p.src, ls))
}

// of returns ls.AsSelector(), parsing ls only when it differs from the
// selector p holds, and holds ls from then on.
func (p *parsedSelector) of(ls *workload.LabelSelector) (labels.Selector, error) {
	if !p.holds(ls) {
		p.sel, p.err = ls.AsSelector()
		if p.err != nil {
			p.sel = nil
		}
		p.ok = true
	}
	p.src = ls
	return p.sel, p.err
}

// parse returns ls.AsSelector(): the parse p holds when it is of a
// selector equal to ls (p may be nil), else a new one, p left as it is.
func (p *parsedSelector) parse(ls *workload.LabelSelector) (labels.Selector, error) {
	if p != nil && p.holds(ls) {
		return p.sel, p.err
	}
	return ls.AsSelector()
}
