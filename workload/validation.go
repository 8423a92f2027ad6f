package workload

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // CronJob timeZone must validate the same on every machine.

	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// ErrInvalid is matched (errors.Is) by every error Validate and
// ValidateUpdate return: the object breaks a rule of its kind. The error is
// a *ValidationError that lists each broken rule with its field path.
var ErrInvalid = errors.New("workload: invalid object")

// ErrorType says how a field is wrong. The values are Kubernetes'
// field.ErrorType strings.
type ErrorType string

// Error types.
const (
	ErrorTypeRequired     ErrorType = "Required value"
	ErrorTypeInvalid      ErrorType = "Invalid value"
	ErrorTypeNotSupported ErrorType = "Unsupported value"
	ErrorTypeDuplicate    ErrorType = "Duplicate value"
	ErrorTypeForbidden    ErrorType = "Forbidden"
	ErrorTypeTooLong      ErrorType = "Too long"
	ErrorTypeTooMany      ErrorType = "Too many"
)

// FieldError is one broken rule: the field's path in JSON names
// ("spec.template.spec.containers[0].image"; map keys in brackets, as in
// "metadata.labels[app]"), how it is wrong, the offending value where one
// helps, and a sentence saying why.
type FieldError struct {
	Path   string
	Type   ErrorType
	Value  any
	Detail string
}

// Error formats e as Kubernetes does: "path: Type: value: detail".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(string(e.Type))
	switch e.Type {
	case ErrorTypeInvalid, ErrorTypeNotSupported, ErrorTypeDuplicate:
		if e.Value == nil {
			break
		}
		b.WriteString(": ")
		b.WriteString(formatValue(e.Value))
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case *string:
		if x == nil {
			return "null"
		}
		return strconv.Quote(*x)
	case *int32:
		if x == nil {
			return "null"
		}
		return strconv.Itoa(int(*x))
	case *int64:
		if x == nil {
			return "null"
		}
		return strconv.FormatInt(*x, 10)
	case intstr.IntOrString:
		if x.Type == intstr.String {
			return strconv.Quote(x.StrVal)
		}
		return strconv.Itoa(int(x.IntVal))
	case *intstr.IntOrString:
		if x == nil {
			return "null"
		}
		return formatValue(*x)
	case []string:
		// field.Error prints other values with %#v: []string{"a"}.
		return fmt.Sprintf("%#v", x)
	}
	return fmt.Sprintf("%v", v)
}

// ErrorList is every broken rule of one object, in the order the fields
// were checked.
type ErrorList []*FieldError

// Paths returns the path of each error, in order.
func (l ErrorList) Paths() []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.Path
	}
	return out
}

// ValidationError is what Validate and ValidateUpdate return: the object
// (kind, namespace, name) and all its broken rules. It matches ErrInvalid
// under errors.Is.
type ValidationError struct {
	Kind      string
	Namespace string
	Name      string
	Errors    ErrorList
}

// Error lists every broken rule after the object's reference:
// "workload: invalid object Deployment/default/web: spec.replicas: Invalid
// value: -1: must be greater than or equal to 0; ...".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(ErrInvalid.Error())
	b.WriteString(" ")
	b.WriteString(e.Kind)
	if e.Namespace != "" {
		b.WriteString("/")
		b.WriteString(e.Namespace)
	}
	b.WriteString("/")
	b.WriteString(e.Name)
	for i, fe := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Limits Kubernetes enforces, which orchestra enforces the same way.
const (
	// MaxCronJobNameLength leaves room for the 11-character suffix of the
	// Jobs a CronJob creates ("-" and the scheduled time in minutes).
	MaxCronJobNameLength = 52
	// TotalAnnotationSizeLimit is the size limit of an object's
	// annotations, keys and values together (256 KiB).
	TotalAnnotationSizeLimit = 256 << 10
	// MaxIndexedJobParallelism bounds parallelism of an Indexed Job.
	MaxIndexedJobParallelism = 100000
	// MaxFailedIndexes bounds maxFailedIndexes and, with
	// backoffLimitPerIndex, completions beyond which parallelism must stay
	// at MaxParallelismForHighCompletions.
	MaxFailedIndexes                 = 100000
	MaxParallelismForHighCompletions = 10000
	// MaxFailedIndexesForHighCompletions bounds maxFailedIndexes of such a
	// Job (more than MaxFailedIndexes completions, backoffLimitPerIndex).
	MaxFailedIndexesForHighCompletions = 10000
	// MaxPodFailurePolicyRules, MaxPodFailurePolicyExitCodes,
	// MaxPodFailurePolicyConditions and MaxSuccessPolicyRules are the list
	// sizes batch/v1 allows.
	MaxPodFailurePolicyRules      = 20
	MaxPodFailurePolicyExitCodes  = 255
	MaxPodFailurePolicyConditions = 20
	MaxSuccessPolicyRules         = 20
	// MaxClientIPServiceAffinitySeconds bounds a Service's ClientIP
	// session affinity timeout (one day).
	MaxClientIPServiceAffinitySeconds = 86400
)

// Validate checks obj against the rules of its kind, as the Kubernetes API
// server does on create, and returns nil or a *ValidationError listing
// every broken rule at once (errors.Is(err, ErrInvalid)). It expects a
// defaulted object (see Default) but also accepts an undefaulted one: an
// unset field is read as its default where the rule depends on it (an
// empty restartPolicy is Always). It never panics and never changes obj.
//
// Differences from Kubernetes: Service names are DNS-1035 labels as in
// Kubernetes; a Job without manualSelector may have no selector yet, or
// one of its own without controller-uid (the Job controller generates or
// completes it, where Kubernetes' API server does), and a selector it has
// must match the generated labels; status
// is not validated, except a Node's capacity and allocatable (each
// quantity non-negative, pods and extended resources whole), as
// ValidateNode does; an EndpointSlice or Endpoints may hold loopback
// addresses, which Kubernetes' ValidateEndpointIP refuses, as the real
// runtimes' pods have them.
func Validate(obj Object) error {
	if IsNil(obj) {
		return &ValidationError{Kind: "<nil>", Errors: ErrorList{{Path: "", Type: ErrorTypeRequired, Detail: "object is nil"}}}
	}
	v := &validator{}
	v.object(obj)
	return v.result(obj)
}

// ValidateObjectMeta checks only obj's metadata as Validate does: its name
// (or generateName) by its kind's rule, namespace, labels, annotations,
// owner references and finalizers. It is the check the API server's
// ValidateObjectMeta makes of every object, whoever creates it; orchestra's
// cluster applies it to each object its controllers create (a ReplicaSet
// named "<deployment>-<hash>", a pod labelled with its StatefulSet pod name),
// whose spec comes from an already validated template. It returns nil or a
// *ValidationError (errors.Is(err, ErrInvalid)) and never panics.
func ValidateObjectMeta(obj Object) error {
	if IsNil(obj) {
		return Validate(obj)
	}
	v := &validator{}
	v.objectMeta(obj.Kind(), obj.GetObjectMeta())
	return v.result(obj)
}

// ValidateUpdate checks newObj as Validate does, and that the update from
// oldObj changes no field Kubernetes makes immutable: metadata name,
// namespace, uid and creationTimestamp; the selectors of DaemonSets,
// Deployments, ReplicaSets, StatefulSets and Jobs (a Job without
// manualSelector whose selector is not generated yet may get it once, or
// get controller-uid added to its own, with labels added to its template:
// orchestra's Job controller generates it, where Kubernetes' API server
// does); a Job's template (except
// scheduling fields and template labels and annotations while the Job is
// suspended and has never started), completionMode, backoffLimitPerIndex,
// podFailurePolicy, successPolicy, managedBy and completions (except an
// Indexed Job whose completions change together with parallelism to the
// same value); every StatefulSet field except replicas, ordinals, template,
// updateStrategy, persistentVolumeClaimRetentionPolicy, minReadySeconds and
// revisionHistoryLimit; a Service's clusterIP once set (unless the type
// becomes or was ExternalName); a Pod's spec except container and init
// container images, activeDeadlineSeconds (set or lowered), added
// tolerations and a nodeName set for the first time (binding); a claim's
// spec except its resources; a ControllerRevision's data and revision; an
// EndpointSlice's addressType. Fields compare as the API server's
// equality.Semantic does: quantities by value ("1000m" is "1"), a nil and
// an empty map or slice alike. A forbidden pod spec change is an error on
// "spec" (as Kubernetes') whose detail names the fields that changed
// ("changed: spec.containers[0].command").
func ValidateUpdate(newObj, oldObj Object) error {
	if IsNil(newObj) {
		return Validate(newObj)
	}
	v := &validator{}
	if op, ok := oldObj.(*Pod); ok && op != nil {
		_, bad := PodDeletionCost(op.Annotations)
		v.badDeletionCostOK = bad != nil
	}
	v.object(newObj)
	if IsNil(oldObj) {
		v.add("", ErrorTypeRequired, nil, "old object is nil")
		return v.result(newObj)
	}
	if newObj.Kind() != oldObj.Kind() {
		v.add("kind", ErrorTypeInvalid, newObj.Kind(), "kind may not change (was "+oldObj.Kind()+")")
		return v.result(newObj)
	}
	v.metaUpdate(newObj.GetObjectMeta(), oldObj.GetObjectMeta())
	switch n := newObj.(type) {
	case *DaemonSet:
		o := oldObj.(*DaemonSet)
		v.immutableSelector("spec.selector", n.Spec.Selector, o.Spec.Selector)
	case *Deployment:
		o := oldObj.(*Deployment)
		v.immutableSelector("spec.selector", n.Spec.Selector, o.Spec.Selector)
	case *ReplicaSet:
		o := oldObj.(*ReplicaSet)
		v.immutableSelector("spec.selector", n.Spec.Selector, o.Spec.Selector)
	case *StatefulSet:
		v.statefulSetUpdate(n, oldObj.(*StatefulSet))
	case *Job:
		v.jobUpdate(n, oldObj.(*Job))
	case *Service:
		v.serviceUpdate(n, oldObj.(*Service))
	case *Pod:
		v.podUpdate(n, oldObj.(*Pod))
	case *PersistentVolumeClaim:
		o := oldObj.(*PersistentVolumeClaim)
		ns, os := n.Spec, o.Spec
		ns.Resources, os.Resources = ResourceRequirements{}, ResourceRequirements{}
		if !semanticEqual(ns, os) {
			v.add("spec", ErrorTypeForbidden, nil, "spec is immutable after creation except resources")
		}
	case *ControllerRevision:
		o := oldObj.(*ControllerRevision)
		if string(n.Data) != string(o.Data) {
			v.immutable("data", nil)
		}
		if n.Revision != o.Revision {
			v.immutable("revision", n.Revision)
		}
	case *Node:
		// ValidateNodeUpdate: the pod CIDRs are set once.
		if oc := nodePodCIDRs(oldObj.(*Node)); len(oc) > 0 && !slices.Equal(oc, nodePodCIDRs(n)) {
			v.forbidden("spec.podCIDRs", `node updates may not change podCIDR except from "" to valid`)
		}
	case *EndpointSlice:
		o := oldObj.(*EndpointSlice)
		if n.AddressType != o.AddressType {
			v.immutable("addressType", n.AddressType)
		}
	}
	return v.result(newObj)
}

// ValidatePodLabelKeys checks what merging a pod's matchLabelKeys into
// its selectors (DefaultPod, as the API server when it creates a pod) can
// break in a pod made from a valid template: a matchLabelKeys key of an
// inter-pod affinity term or a topology spread constraint that the merged
// labelSelector now names twice (the key was in the template's
// labelSelector too). Kubernetes' validation refuses such a pod
// (ValidateMatchLabelKeysAndMismatchLabelKeys after
// registry/core/pod/strategy.go's merge), so the controllers' pods are
// refused at creation although the template was accepted. The cluster's
// admission runs it on every pod; Validate checks the same for an applied
// pod. A pod without matchLabelKeys costs nothing.
func ValidatePodLabelKeys(p *Pod) error {
	if p == nil || !hasMatchLabelKeys(p) {
		return nil
	}
	v := &validator{kind: "Pod"}
	if a := p.Spec.Affinity; a != nil {
		for _, pa := range []struct {
			path      string
			required  []PodAffinityTerm
			preferred []WeightedPodAffinityTerm
		}{
			{"spec.affinity.podAffinity", podAffinityRequired(a.PodAffinity), podAffinityPreferred(a.PodAffinity)},
			{"spec.affinity.podAntiAffinity", podAntiAffinityRequired(a.PodAntiAffinity), podAntiAffinityPreferred(a.PodAntiAffinity)},
		} {
			for i := range pa.required {
				t := &pa.required[i]
				v.labelKeysTwice(child(index(child(pa.path, "requiredDuringSchedulingIgnoredDuringExecution"), i), "matchLabelKeys"), t.MatchLabelKeys, t.LabelSelector)
			}
			for i := range pa.preferred {
				t := &pa.preferred[i].PodAffinityTerm
				v.labelKeysTwice(child(child(index(child(pa.path, "preferredDuringSchedulingIgnoredDuringExecution"), i), "podAffinityTerm"), "matchLabelKeys"), t.MatchLabelKeys, t.LabelSelector)
			}
		}
	}
	for i := range p.Spec.TopologySpreadConstraints {
		c := &p.Spec.TopologySpreadConstraints[i]
		v.labelKeysTwice(child(index("spec.topologySpreadConstraints", i), "matchLabelKeys"), c.MatchLabelKeys, c.LabelSelector)
	}
	return v.result(p)
}

// hasMatchLabelKeys reports whether any inter-pod affinity term or
// spread constraint of p has matchLabelKeys.
func hasMatchLabelKeys(p *Pod) bool {
	for i := range p.Spec.TopologySpreadConstraints {
		if len(p.Spec.TopologySpreadConstraints[i].MatchLabelKeys) > 0 {
			return true
		}
	}
	a := p.Spec.Affinity
	if a == nil {
		return false
	}
	for _, ts := range [][]PodAffinityTerm{podAffinityRequired(a.PodAffinity), podAntiAffinityRequired(a.PodAntiAffinity)} {
		for i := range ts {
			if len(ts[i].MatchLabelKeys) > 0 {
				return true
			}
		}
	}
	for _, ts := range [][]WeightedPodAffinityTerm{podAffinityPreferred(a.PodAffinity), podAntiAffinityPreferred(a.PodAntiAffinity)} {
		for i := range ts {
			if len(ts[i].PodAffinityTerm.MatchLabelKeys) > 0 {
				return true
			}
		}
	}
	return false
}

func podAffinityRequired(a *PodAffinity) []PodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.RequiredDuringSchedulingIgnoredDuringExecution
}

func podAffinityPreferred(a *PodAffinity) []WeightedPodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.PreferredDuringSchedulingIgnoredDuringExecution
}

func podAntiAffinityRequired(a *PodAntiAffinity) []PodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.RequiredDuringSchedulingIgnoredDuringExecution
}

func podAntiAffinityPreferred(a *PodAntiAffinity) []WeightedPodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.PreferredDuringSchedulingIgnoredDuringExecution
}

// validator accumulates the errors of one object.
type validator struct {
	errs ErrorList
	kind string // the kind of the object being validated
	// badDeletionCostOK lets an update keep a pod's invalid
	// pod-deletion-cost that the old pod already had (Kubernetes'
	// AllowInvalidPodDeletionCost).
	badDeletionCostOK bool
}

func (v *validator) result(obj Object) error {
	if len(v.errs) == 0 {
		return nil
	}
	m := obj.GetObjectMeta()
	name := m.Name
	switch {
	case name == "" && m.GenerateName != "":
		name = m.GenerateName + "*"
	case name == "":
		name = "<unnamed>"
	}
	return &ValidationError{Kind: obj.Kind(), Namespace: m.Namespace, Name: name, Errors: v.errs}
}

func (v *validator) add(path string, t ErrorType, value any, detail string) {
	v.errs = append(v.errs, &FieldError{Path: path, Type: t, Value: value, Detail: detail})
}

func (v *validator) required(path, detail string) { v.add(path, ErrorTypeRequired, nil, detail) }
func (v *validator) invalid(path string, value any, detail string) {
	v.add(path, ErrorTypeInvalid, value, detail)
}
func (v *validator) forbidden(path, detail string) { v.add(path, ErrorTypeForbidden, nil, detail) }
func (v *validator) immutable(path string, value any) {
	v.add(path, ErrorTypeInvalid, value, "field is immutable")
}

func (v *validator) notSupported(path string, value any, allowed ...string) {
	q := make([]string, len(allowed))
	for i, a := range allowed {
		q[i] = strconv.Quote(a)
	}
	v.add(path, ErrorTypeNotSupported, value, "supported values: "+strings.Join(q, ", "))
}

func (v *validator) msgs(path string, value any, msgs []string) {
	if len(msgs) > 0 {
		v.invalid(path, value, strings.Join(msgs, "; "))
	}
}

func (v *validator) nonNegative32(path string, p *int32) {
	if p != nil && *p < 0 {
		v.invalid(path, *p, "must be greater than or equal to 0")
	}
}

func (v *validator) nonNegative64(path string, p *int64) {
	if p != nil && *p < 0 {
		v.invalid(path, *p, "must be greater than or equal to 0")
	}
}

func (v *validator) oneOf(path, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.notSupported(path, value, allowed...)
}

func child(p, name string) string {
	if p == "" {
		return name
	}
	return p + "." + name
}

func index(p string, i int) string { return p + "[" + strconv.Itoa(i) + "]" }
func key(p, k string) string       { return p + "[" + k + "]" }

// nameRule returns the check a kind's metadata.name must pass.
func nameRule(kind string) func(string) []string {
	switch kind {
	case "Service":
		return validation.IsDNS1035Label
	case "Namespace":
		return validation.IsDNS1123Label
	case "StatefulSet":
		// Its pods are "<name>-<ordinal>", hostname included
		// (ValidateStatefulSetName: NameIsDNSLabel).
		return validation.IsDNS1123Label
	}
	return validation.IsDNS1123Subdomain
}

func (v *validator) object(obj Object) {
	kind := obj.Kind()
	v.kind = kind
	m := obj.GetObjectMeta()
	v.objectMeta(kind, m)
	switch o := obj.(type) {
	case *Namespace:
		// ValidateNamespace: each spec finalizer a qualified name, one
		// without a prefix a standard one (validateKubeFinalizerName).
		for i, f := range o.Spec.Finalizers {
			p := index("spec.finalizers", i)
			v.msgs(p, f, validation.IsQualifiedName(f))
			if !strings.Contains(f, "/") && f != FinalizerKubernetes && f != "orphan" && f != "foregroundDeletion" {
				v.invalid(p, f, "name is neither a standard finalizer name nor is it fully qualified")
			}
		}
	case *Node:
		v.node(o)
	case *Pod:
		v.podAnnotations("metadata.annotations", m.Annotations)
		v.podSpec("spec", &o.Spec, podRules{pod: true})
		if len(o.Spec.SchedulingGates) > 0 && o.Spec.NodeName != "" {
			// As ValidatePodCreate: a gated pod is not bound.
			v.forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared")
		}
	case *Service:
		v.service(o)
	case *PersistentVolumeClaim:
		v.pvcSpec("spec", &o.Spec)
	case *DaemonSet:
		v.daemonSet(o)
	case *Deployment:
		v.deployment(o)
	case *ReplicaSet:
		v.replicaSet(o)
	case *StatefulSet:
		v.statefulSet(o)
	case *Job:
		v.job(o)
	case *CronJob:
		v.cronJob(o)
	case *EndpointSlice:
		v.endpointSlice(o)
	case *Endpoints:
		v.endpoints(o)
	case *Event:
		// legacyValidateEvent (an Event without eventTime, as every
		// core/v1 Event here): it is about an object of its own
		// namespace, or, in "default", about a cluster-scoped one.
		if ns := o.InvolvedObject.Namespace; (ns == "" && m.Namespace != "" && m.Namespace != "default") || (ns != "" && ns != m.Namespace) {
			v.invalid("involvedObject.namespace", ns, "does not match event.namespace")
		}
	case *ControllerRevision:
		if o.Revision < 0 {
			v.invalid("revision", o.Revision, "must be greater than or equal to 0")
		}
	}
}

func (v *validator) objectMeta(kind string, m *ObjectMeta) {
	if !objectMetaOK(kind, m) {
		v.objectMetaFull(kind, m)
	}
}

// objectMetaFull is objectMeta without the fast path: it names each error.
func (v *validator) objectMetaFull(kind string, m *ObjectMeta) {
	rule := nameRule(kind)
	switch {
	case m.Name == "" && m.GenerateName == "":
		v.required("metadata.name", "name or generateName is required")
	case m.Name != "":
		v.msgs("metadata.name", m.Name, rule(m.Name))
	}
	if m.GenerateName != "" {
		// A prefix may end in "-": check it with a letter in place of it.
		p := strings.TrimSuffix(m.GenerateName, "-")
		if p != m.GenerateName {
			p += "a"
		}
		v.msgs("metadata.generateName", m.GenerateName, rule(p))
	}
	if IsClusterScoped(kind) {
		if m.Namespace != "" {
			v.forbidden("metadata.namespace", "not allowed on this type")
		}
	} else if m.Namespace != "" {
		v.msgs("metadata.namespace", m.Namespace, validation.IsDNS1123Label(m.Namespace))
	}
	if kind == "CronJob" {
		switch {
		case len(m.Name) > MaxCronJobNameLength:
			v.invalid("metadata.name", m.Name, "must be no more than 52 characters")
		case m.Name == "" && m.GenerateName != "" && len(generatedNameStandIn(m.GenerateName)) > MaxCronJobNameLength:
			// Checked on the name the API server generates before it
			// validates (BeforeCreate).
			v.invalid("metadata.generateName", m.GenerateName, fmt.Sprintf(
				"the name generated from it (%d characters) must be no more than 52 characters", len(generatedNameStandIn(m.GenerateName))))
		}
	}
	if m.Generation < 0 {
		v.invalid("metadata.generation", m.Generation, "must be greater than or equal to 0")
	}
	v.nonNegative64("metadata.deletionGracePeriodSeconds", m.DeletionGracePeriodSeconds)
	v.labels("metadata.labels", m.Labels)
	v.annotations("metadata.annotations", m.Annotations)
	controllers := 0
	for i, r := range m.OwnerReferences {
		p := index("metadata.ownerReferences", i)
		if r.APIVersion == "" {
			v.required(child(p, "apiVersion"), "apiVersion must not be empty")
		}
		if r.Kind == "" {
			v.required(child(p, "kind"), "kind must not be empty")
		}
		if r.Name == "" {
			v.required(child(p, "name"), "name must not be empty")
		}
		if r.UID == "" {
			v.required(child(p, "uid"), "uid must not be empty")
		}
		if r.Controller != nil && *r.Controller {
			controllers++
		}
	}
	if controllers > 1 {
		v.invalid("metadata.ownerReferences", controllers, "only one reference can have Controller set to true")
	}
	for i, f := range m.Finalizers {
		v.msgs(index("metadata.finalizers", i), f, validation.IsQualifiedName(f))
	}
	// As apimachinery's ValidateFinalizers: the two propagation
	// finalizers contradict each other.
	if slices.Contains(m.Finalizers, "orphan") && slices.Contains(m.Finalizers, "foregroundDeletion") {
		v.invalid("metadata.finalizers", m.Finalizers, "finalizer orphan and foregroundDeletion cannot be both set")
	}
}

// templateMeta checks the metadata of a pod, job or claim template: labels
// and annotations only (a template's name is ignored, as in Kubernetes).
func (v *validator) templateMeta(p string, m *ObjectMeta) {
	v.labels(child(p, "labels"), m.Labels)
	v.annotations(child(p, "annotations"), m.Annotations)
}

func (v *validator) labels(p string, ls map[string]string) {
	for _, k := range sortedKeys(ls) {
		v.msgs(p, k, validation.IsQualifiedName(k))
		v.msgs(key(p, k), ls[k], validation.IsValidLabelValue(ls[k]))
	}
}

func (v *validator) annotations(p string, as map[string]string) {
	total := 0
	for _, k := range sortedKeys(as) {
		v.msgs(p, k, validation.IsQualifiedName(strings.ToLower(k)))
		total += len(k) + len(as[k])
	}
	if total > TotalAnnotationSizeLimit {
		v.add(p, ErrorTypeTooLong, nil, fmt.Sprintf("must have at most %d bytes", TotalAnnotationSizeLimit))
	}
}

// PodDeletionCostAnnotation is the pod annotation that ranks pods for a
// ReplicaSet's scale-down: the lower cost goes first.
const PodDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

// PodDeletionCost reads a pod's PodDeletionCostAnnotation as Kubernetes'
// GetDeletionCostFromPodAnnotations: 0 when absent; a 32-bit integer with
// no plus sign and no leading zeros ("-5", "0", "100"), else 0 and an
// error.
func PodDeletionCost(annotations map[string]string) (int32, error) {
	s, ok := annotations[PodDeletionCostAnnotation]
	if !ok {
		return 0, nil
	}
	if s == "" || !(s[0] == '-' || s == "0" || (s[0] >= '1' && s[0] <= '9')) {
		return 0, fmt.Errorf("invalid value %q", s)
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, err
	}
	return int32(n), nil
}

// podAnnotations checks the annotations Kubernetes validates on pods and
// pod templates (ValidatePodSpecificAnnotations): the pod deletion cost.
func (v *validator) podAnnotations(p string, as map[string]string) {
	if _, err := PodDeletionCost(as); err != nil && !v.badDeletionCostOK {
		v.invalid(key(p, PodDeletionCostAnnotation), as[PodDeletionCostAnnotation], "must be a 32bit integer")
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// labelSelector checks a selector's syntax and returns it as a
// labels.Selector, or nil when it is broken.
func (v *validator) labelSelector(p string, s *LabelSelector) labels.Selector {
	before := len(v.errs)
	v.labels(child(p, "matchLabels"), s.MatchLabels)
	for i, e := range s.MatchExpressions {
		ep := index(child(p, "matchExpressions"), i)
		v.msgs(child(ep, "key"), e.Key, validation.IsQualifiedName(e.Key))
		switch e.Operator {
		case LabelSelectorOpIn, LabelSelectorOpNotIn:
			if len(e.Values) == 0 {
				v.required(child(ep, "values"), "must be specified when `operator` is 'In' or 'NotIn'")
			}
		case LabelSelectorOpExists, LabelSelectorOpDoesNotExist:
			if len(e.Values) > 0 {
				v.forbidden(child(ep, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
			}
		default:
			v.notSupported(child(ep, "operator"), e.Operator, LabelSelectorOpIn, LabelSelectorOpNotIn, LabelSelectorOpExists, LabelSelectorOpDoesNotExist)
		}
		for j, val := range e.Values {
			v.msgs(index(child(ep, "values"), j), val, validation.IsValidLabelValue(val))
		}
	}
	if len(v.errs) > before {
		return nil
	}
	sel, err := s.AsSelector()
	if err != nil {
		v.invalid(p, nil, err.Error())
		return nil
	}
	return sel
}

// workloadSelector checks the required, non-empty selector of a controller
// and that it matches the template's labels.
func (v *validator) workloadSelector(specPath string, s *LabelSelector, t *PodTemplateSpec) {
	sp := child(specPath, "selector")
	if s == nil {
		v.required(sp, "")
		return
	}
	sel := v.labelSelector(sp, s)
	if sel == nil {
		return
	}
	if sel.Empty() {
		v.invalid(sp, "", "empty selector is invalid for "+kindWords[v.kind].selector)
		return
	}
	if !sel.Matches(labels.Set(t.Labels)) {
		v.invalid(child(specPath, "template.metadata.labels"), labels.Set(t.Labels).String(), "`selector` does not match template `labels`")
	}
}

// kindWords are the words Kubernetes' messages use for a workload kind:
// its empty-selector error ("invalid for deployment"; a ReplicaSet's says
// deployment too) and its template's activeDeadlineSeconds error ("in
// ReplicaSet", a Deployment's template being checked as a ReplicaSet's).
var kindWords = map[string]struct{ selector, template string }{
	"Deployment":  {"deployment", "ReplicaSet"},
	"ReplicaSet":  {"deployment", "ReplicaSet"},
	"DaemonSet":   {"daemonset", "DaemonSet"},
	"StatefulSet": {"statefulset", "StatefulSet"},
	"Job":         {"job", "Job"},
	"CronJob":     {"cronjob", "CronJob"},
}

// podRules says which restart policies a pod spec may have and whether it
// is a bare Pod.
type podRules struct {
	pod     bool
	allowed []string // restart policies; nil means all three
}

var (
	alwaysOnly   = podRules{allowed: []string{RestartPolicyAlways}}
	jobTemplates = podRules{allowed: []string{RestartPolicyOnFailure, RestartPolicyNever}}
)

func (v *validator) podTemplate(p string, t *PodTemplateSpec, r podRules) {
	v.templateMeta(child(p, "metadata"), &t.ObjectMeta)
	v.podAnnotations(child(p, "metadata.annotations"), t.Annotations)
	v.podSpec(child(p, "spec"), &t.Spec, r)
	if len(r.allowed) == 1 && r.allowed[0] == RestartPolicyAlways && t.Spec.ActiveDeadlineSeconds != nil {
		v.forbidden(child(p, "spec.activeDeadlineSeconds"), "activeDeadlineSeconds in "+kindWords[v.kind].template+" is not Supported")
	}
}

func restartPolicyOf(s *PodSpec) string {
	if s.RestartPolicy == "" {
		return RestartPolicyAlways
	}
	return s.RestartPolicy
}

func (v *validator) podSpec(p string, s *PodSpec, r podRules) {
	rp := restartPolicyOf(s)
	allowed := r.allowed
	if allowed == nil {
		allowed = []string{RestartPolicyAlways, RestartPolicyOnFailure, RestartPolicyNever}
	}
	if r.allowed != nil && rp == RestartPolicyAlways && !slices.Contains(r.allowed, rp) {
		// A Job's template: Kubernetes' validateJobSpec reports the
		// defaulted Always (or an unset policy) as missing.
		q := make([]string, len(r.allowed))
		for i, a := range r.allowed {
			q[i] = strconv.Quote(a)
		}
		v.required(child(p, "restartPolicy"), "valid values: "+strings.Join(q, ", "))
	} else {
		v.oneOf(child(p, "restartPolicy"), rp, allowed...)
	}
	if len(s.Containers) == 0 {
		v.required(child(p, "containers"), "at least one container is required")
	}
	// The app containers first, then the init containers against the
	// names they took, as Kubernetes' ValidatePodSpec: an init container
	// (a sidecar) named like an app container is the duplicate.
	names := map[string]bool{}
	v.containers(child(p, "containers"), s.Containers, names, false)
	v.containers(child(p, "initContainers"), s.InitContainers, names, true)
	grace := int64(DefaultTerminationGracePeriodSeconds)
	if s.TerminationGracePeriodSeconds != nil {
		grace = *s.TerminationGracePeriodSeconds
	}
	for _, list := range []struct {
		path string
		cs   []Container
	}{{"containers", s.Containers}, {"initContainers", s.InitContainers}} {
		for i := range list.cs {
			if lc := list.cs[i].Lifecycle; lc != nil && (list.path == "containers" || IsSidecar(&list.cs[i])) {
				v.lifecycleHandler(child(index(child(p, list.path), i), "lifecycle.preStop"), lc.PreStop, grace)
			}
		}
	}
	v.hostPorts(child(p, "containers"), s, r.pod)
	// A negative terminationGracePeriodSeconds is accepted, as Kubernetes
	// accepts it (with a warning, see Decode) and treats it as 1 in a pod
	// (DefaultPod).
	if s.ActiveDeadlineSeconds != nil && (*s.ActiveDeadlineSeconds <= 0 || *s.ActiveDeadlineSeconds > math.MaxInt32) {
		// As ValidatePodSpec: the range is Kubernetes' (its deadline is
		// then no overflow of a time.Duration either).
		v.invalid(child(p, "activeDeadlineSeconds"), *s.ActiveDeadlineSeconds, "must be between 1 and 2147483647, inclusive")
	}
	v.labels(child(p, "nodeSelector"), s.NodeSelector)
	if s.NodeName != "" {
		v.msgs(child(p, "nodeName"), s.NodeName, validation.IsDNS1123Subdomain(s.NodeName))
	}
	if s.Hostname != "" {
		v.msgs(child(p, "hostname"), s.Hostname, validation.IsDNS1123Label(s.Hostname))
	}
	if s.Subdomain != "" {
		v.msgs(child(p, "subdomain"), s.Subdomain, validation.IsDNS1123Label(s.Subdomain))
	}
	if s.SchedulerName != "" {
		v.msgs(child(p, "schedulerName"), s.SchedulerName, validation.IsDNS1123Subdomain(s.SchedulerName))
	}
	if s.Affinity != nil && s.Affinity.NodeAffinity != nil {
		v.nodeAffinity(child(p, "affinity.nodeAffinity"), s.Affinity.NodeAffinity)
	}
	if s.Affinity != nil && s.Affinity.PodAffinity != nil {
		pa := s.Affinity.PodAffinity
		v.podAffinity(child(p, "affinity.podAffinity"), pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	if s.Affinity != nil && s.Affinity.PodAntiAffinity != nil {
		pa := s.Affinity.PodAntiAffinity
		v.podAffinity(child(p, "affinity.podAntiAffinity"), pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	v.tolerations(child(p, "tolerations"), s.Tolerations)
	v.topologySpreadConstraints(child(p, "topologySpreadConstraints"), s.TopologySpreadConstraints)
	for i, g := range s.ReadinessGates {
		v.msgs(child(index(child(p, "readinessGates"), i), "conditionType"), g.ConditionType, validation.IsQualifiedName(g.ConditionType))
	}
	seenGates := map[string]bool{}
	for i, g := range s.SchedulingGates {
		gp := index(child(p, "schedulingGates"), i)
		v.msgs(gp, g.Name, validation.IsQualifiedName(g.Name))
		if seenGates[g.Name] {
			v.add(gp, ErrorTypeDuplicate, g.Name, "")
		}
		seenGates[g.Name] = true
	}
}

// containers validates the init containers (init) or the app containers
// of a pod spec, as Kubernetes' validateInitContainers and
// validateContainers: an init container's restartPolicy may only be
// Always (a sidecar), an app container's not be set; an init container
// that is not a sidecar may have no lifecycle and no probes.
func (v *validator) containers(p string, cs []Container, names map[string]bool, init bool) {
	for i := range cs {
		c := &cs[i]
		cp := index(p, i)
		plainInit := init && !IsSidecar(c)
		switch {
		case c.RestartPolicy == nil:
		case !init:
			v.forbidden(child(cp, "restartPolicy"), "may not be set for non-init containers")
		case *c.RestartPolicy != ContainerRestartPolicyAlways:
			v.notSupported(child(cp, "restartPolicy"), *c.RestartPolicy, ContainerRestartPolicyAlways)
		}
		if plainInit {
			for _, f := range []struct {
				name string
				set  bool
			}{{"lifecycle", c.Lifecycle != nil}, {"livenessProbe", c.LivenessProbe != nil}, {"readinessProbe", c.ReadinessProbe != nil}, {"startupProbe", c.StartupProbe != nil}} {
				if f.set {
					v.forbidden(child(cp, f.name), "may not be set for init containers without restartPolicy=Always")
				}
			}
		}
		switch {
		case c.Name == "":
			v.required(child(cp, "name"), "")
		case names[c.Name]:
			v.add(child(cp, "name"), ErrorTypeDuplicate, c.Name, "")
		default:
			v.msgs(child(cp, "name"), c.Name, validation.IsDNS1123Label(c.Name))
		}
		names[c.Name] = true
		if strings.TrimSpace(c.Image) == "" {
			v.required(child(cp, "image"), "")
		} else if c.Image != strings.TrimSpace(c.Image) {
			v.invalid(child(cp, "image"), c.Image, "must not have leading or trailing whitespace")
		}
		v.containerPorts(child(cp, "ports"), c.Ports)
		for j, e := range c.Env {
			ep := index(child(cp, "env"), j)
			if e.Name == "" {
				v.required(child(ep, "name"), "")
			} else {
				v.msgs(child(ep, "name"), e.Name, validation.IsRelaxedEnvVarName(e.Name))
			}
			v.envValueFrom(child(ep, "valueFrom"), &e)
		}
		v.resources(child(cp, "resources"), &c.Resources)
		if !plainInit {
			v.probe(child(cp, "livenessProbe"), c.LivenessProbe, true)
			v.probe(child(cp, "readinessProbe"), c.ReadinessProbe, false)
			v.probe(child(cp, "startupProbe"), c.StartupProbe, true)
		}
	}
}

// The pod fields an environment variable may take (valueFrom.fieldRef),
// as Kubernetes' validEnvDownwardAPIFieldPathExpressions; labels and
// annotations are taken one key at a time: metadata.labels['KEY'].
var envFieldPaths = []string{
	"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
	"status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
}

// The container resources an environment variable may take
// (valueFrom.resourceFieldRef), and their divisors.
var (
	envResources    = []string{"limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"}
	cpuDivisors     = []string{"1m", "1"}
	storageDivisors = []string{"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"}
)

// SplitFieldPath splits a subscripted downward API field path,
// metadata.labels['KEY'], into its path and key; ok is false for a path
// without a subscript.
func SplitFieldPath(fieldPath string) (path, subscript string, ok bool) {
	s, found := strings.CutSuffix(fieldPath, "']")
	if !found {
		return fieldPath, "", false
	}
	path, subscript, found = strings.Cut(s, "['")
	if !found || path == "" {
		return fieldPath, "", false
	}
	return path, subscript, true
}

// envValueFrom validates an environment variable's valueFrom as
// Kubernetes' validateEnvVarValueFrom, for the sources orchestra models
// (one with none of them came from an unmodelled source, which decoding
// warned about).
func (v *validator) envValueFrom(p string, e *EnvVar) {
	src := e.ValueFrom
	if src == nil {
		return
	}
	n := 0
	if fs := src.FieldRef; fs != nil {
		n++
		fp := child(p, "fieldRef")
		switch {
		case fs.APIVersion != "" && fs.APIVersion != "v1":
			v.invalid(child(fp, "apiVersion"), fs.APIVersion, "must be v1")
		case fs.FieldPath == "":
			v.required(child(fp, "fieldPath"), "")
		default:
			if path, sub, ok := SplitFieldPath(fs.FieldPath); ok {
				switch path {
				case "metadata.annotations":
					v.msgs(fp, sub, validation.IsQualifiedName(strings.ToLower(sub)))
				case "metadata.labels":
					v.msgs(fp, sub, validation.IsQualifiedName(sub))
				default:
					v.invalid(fp, path, "does not support subscript")
				}
			} else if !slices.Contains(envFieldPaths, path) {
				v.notSupported(child(fp, "fieldPath"), path, envFieldPaths...)
			}
		}
	}
	if fs := src.ResourceFieldRef; fs != nil {
		n++
		fp := child(p, "resourceFieldRef")
		if fs.ContainerName != "" {
			v.msgs(child(fp, "containerName"), fs.ContainerName, validation.IsDNS1123Label(fs.ContainerName))
		}
		switch {
		case fs.Resource == "":
			v.required(child(fp, "resource"), "")
		case !slices.Contains(envResources, fs.Resource):
			v.notSupported(child(fp, "resource"), fs.Resource, envResources...)
		case !fs.Divisor.IsZero():
			allowed := storageDivisors
			if strings.HasSuffix(fs.Resource, ".cpu") {
				allowed = cpuDivisors
			}
			ok := false
			for _, d := range allowed {
				ok = ok || fs.Divisor.Cmp(resource.MustParse(d)) == 0
			}
			if !ok {
				v.invalid(child(fp, "divisor"), fs.Divisor.String(), "must be one of "+strings.Join(allowed, ", "))
			}
		}
	}
	switch {
	case n > 0 && e.Value != "":
		v.invalid(p, "", "may not be specified when `value` is not empty")
	case n > 1:
		v.invalid(p, "", "may not have more than one field specified at a time")
	}
}

var protocols = []string{ProtocolTCP, ProtocolUDP, ProtocolSCTP}

func (v *validator) protocol(p, proto string) {
	if proto != "" {
		v.oneOf(p, proto, protocols...)
	}
}

func (v *validator) containerPorts(p string, ports []ContainerPort) {
	seen := map[string]bool{}
	for i, port := range ports {
		pp := index(p, i)
		if port.Name != "" {
			if seen[port.Name] {
				v.add(child(pp, "name"), ErrorTypeDuplicate, port.Name, "")
			} else {
				v.msgs(child(pp, "name"), port.Name, validation.IsValidPortName(port.Name))
			}
			seen[port.Name] = true
		}
		if port.ContainerPort == 0 {
			v.required(child(pp, "containerPort"), "")
		} else {
			v.msgs(child(pp, "containerPort"), port.ContainerPort, validation.IsValidPortNum(int(port.ContainerPort)))
		}
		if port.HostPort != 0 {
			v.msgs(child(pp, "hostPort"), port.HostPort, validation.IsValidPortNum(int(port.HostPort)))
		}
		v.protocol(child(pp, "protocol"), port.Protocol)
		if port.HostIP != "" && net.ParseIP(port.HostIP) == nil {
			v.invalid(child(pp, "hostIP"), port.HostIP, "must be a valid IP address")
		}
	}
}

// hostPorts checks the host ports of a pod's containers as Kubernetes'
// checkHostPortConflicts and validateHostNetwork do: no two ports with the
// same protocol, host IP and host port ("TCP//8080" is the duplicate
// value), and with hostNetwork every hostPort equal to its containerPort
// (in a template an unset hostPort may stay 0: the pod's defaulting sets
// it).
func (v *validator) hostPorts(p string, s *PodSpec, pod bool) {
	seen := map[string]bool{}
	for i := range s.Containers {
		for j, port := range s.Containers[i].Ports {
			pp := child(index(child(index(p, i), "ports"), j), "hostPort")
			if s.HostNetwork && (pod || port.HostPort != 0) && port.HostPort != port.ContainerPort {
				v.invalid(pp, port.HostPort, "must match `containerPort` when `hostNetwork` is true")
			}
			if port.HostPort == 0 {
				continue
			}
			k := port.Protocol + "/" + port.HostIP + "/" + strconv.Itoa(int(port.HostPort))
			if seen[k] {
				v.add(pp, ErrorTypeDuplicate, k, "")
			}
			seen[k] = true
		}
	}
}

// resources checks a container's requests and limits as Kubernetes'
// validateResourceRequirements and validateContainerResourceName
// (pkg/apis/core/validation/validation.go) do: every name a container
// resource (cpu, memory, ephemeral-storage, hugepages-*) or a
// domain-prefixed one, every quantity non-negative and whole for an
// extended resource, a request no more than its limit (reported on the
// requests field itself), and an extended or hugepages resource, which
// cannot be overcommitted, with a limit its request equals.
func (v *validator) resources(p string, r *ResourceRequirements) {
	limPath, reqPath := child(p, "limits"), child(p, "requests")
	cpuOrMemory, hugePages := false, false
	for _, k := range sortedKeys(r.Limits) {
		fp := key(limPath, k)
		v.containerResourceName(fp, k)
		v.resourceQuantity(fp, k, r.Limits[k])
		hugePages = hugePages || strings.HasPrefix(k, hugePagesPrefix)
		cpuOrMemory = cpuOrMemory || k == ResourceCPU || k == ResourceMemory
	}
	for _, k := range sortedKeys(r.Requests) {
		fp := key(reqPath, k)
		req := r.Requests[k]
		v.containerResourceName(fp, k)
		v.resourceQuantity(fp, k, req)
		if lim, ok := r.Limits[k]; ok {
			if req.Cmp(lim) != 0 && !overcommitAllowed(k) {
				v.invalid(reqPath, req.String(), "must be equal to "+k+" limit of "+lim.String())
			} else if req.Cmp(lim) > 0 {
				v.invalid(reqPath, req.String(), "must be less than or equal to "+k+" limit of "+lim.String())
			}
		} else if !overcommitAllowed(k) {
			v.required(limPath, "Limit must be set for non overcommitable resources")
		}
		hugePages = hugePages || strings.HasPrefix(k, hugePagesPrefix)
		cpuOrMemory = cpuOrMemory || k == ResourceCPU || k == ResourceMemory
	}
	if hugePages && !cpuOrMemory {
		v.forbidden(p, "HugePages require cpu or memory")
	}
}

// resourceQuantity checks a quantity of resource name as Kubernetes'
// ValidateResourceQuantityValue: not negative, and whole for an integer
// resource.
func (v *validator) resourceQuantity(p, name string, q resource.Quantity) {
	if q.Sign() < 0 {
		v.invalid(p, q.String(), "must be greater than or equal to 0")
	}
	if integerResource(name) && q.MilliValue()%1000 != 0 {
		v.invalid(p, q.String(), "must be an integer")
	}
}

// containerResourceName checks a resource name in a container's requests
// or limits as Kubernetes' validateContainerResourceName: a qualified name;
// without a domain, a standard resource (validateResourceName) and one a
// container may ask for; with one, a native (kubernetes.io) or extended
// resource.
func (v *validator) containerResourceName(p, name string) {
	if msgs := validation.IsQualifiedName(name); len(msgs) > 0 {
		v.msgs(p, name, msgs)
		return
	}
	if !strings.Contains(name, "/") {
		if !standardResourceNames[name] && !strings.HasPrefix(name, hugePagesPrefix) && !strings.HasPrefix(name, "requests."+hugePagesPrefix) {
			v.invalid(p, name, "must be a standard resource type or fully qualified")
		}
		if name != ResourceCPU && name != ResourceMemory && name != "ephemeral-storage" && !strings.HasPrefix(name, hugePagesPrefix) {
			v.invalid(p, name, "must be a standard resource for containers")
		}
		return
	}
	if !nativeResource(name) && !extendedResource(name) {
		v.invalid(p, name, "doesn't follow extended resource name standard")
	}
}

const hugePagesPrefix = "hugepages-"

// standardResourceNames are the resource names without a domain that
// Kubernetes knows (helper.IsStandardResourceName, hugepages aside).
var standardResourceNames = map[string]bool{
	"cpu": true, "memory": true, "ephemeral-storage": true, "requests.cpu": true,
	"requests.memory": true, "requests.ephemeral-storage": true, "limits.cpu": true,
	"limits.memory": true, "limits.ephemeral-storage": true, "pods": true,
	"resourcequotas": true, "services": true, "replicationcontrollers": true, "secrets": true,
	"configmaps": true, "persistentvolumeclaims": true, "storage": true,
	"requests.storage": true, "services.nodeports": true, "services.loadbalancers": true,
}

// nativeResource reports whether a resource name is Kubernetes' own
// (helper.IsNativeResource): no domain, or a kubernetes.io one.
func nativeResource(name string) bool {
	return !strings.Contains(name, "/") || strings.Contains(name, "kubernetes.io/")
}

// extendedResource reports whether a resource name is an extended
// resource (helper.IsExtendedResourceName): not native, not a quota's
// "requests." name, and a qualified name with "requests." before it.
func extendedResource(name string) bool {
	if nativeResource(name) || strings.HasPrefix(name, "requests.") {
		return false
	}
	return len(validation.IsQualifiedName("requests."+name)) == 0
}

// overcommitAllowed reports whether a resource's request may be below its
// limit (helper.IsOvercommitAllowed): a native resource other than
// hugepages.
func overcommitAllowed(name string) bool {
	return nativeResource(name) && !strings.HasPrefix(name, hugePagesPrefix)
}

func (v *validator) probe(p string, pr *Probe, oneSuccess bool) {
	if pr == nil {
		return
	}
	handlers := v.execAndHTTPGet(p, pr.Exec, pr.HTTPGet)
	if pr.TCPSocket != nil {
		handlers++
		v.probePort(child(p, "tcpSocket.port"), pr.TCPSocket.Port)
	}
	switch {
	case handlers == 0:
		v.required(p, "must specify a handler type")
	case handlers > 1:
		v.forbidden(p, "may not specify more than 1 handler type")
	}
	for _, f := range []struct {
		name string
		val  int32
	}{
		{"initialDelaySeconds", pr.InitialDelaySeconds}, {"timeoutSeconds", pr.TimeoutSeconds},
		{"periodSeconds", pr.PeriodSeconds}, {"successThreshold", pr.SuccessThreshold},
		{"failureThreshold", pr.FailureThreshold},
	} {
		if f.val < 0 {
			v.invalid(child(p, f.name), f.val, "must be greater than or equal to 0")
		}
	}
	if oneSuccess && pr.SuccessThreshold > 1 {
		v.invalid(child(p, "successThreshold"), pr.SuccessThreshold, "must be 1")
	}
	if g := pr.TerminationGracePeriodSeconds; g != nil {
		switch {
		case !oneSuccess:
			v.invalid(child(p, "terminationGracePeriodSeconds"), *g, "must not be set for readinessProbes")
		case *g <= 0:
			v.invalid(child(p, "terminationGracePeriodSeconds"), *g, "must be greater than 0")
		}
	}
}

// execAndHTTPGet validates the exec and httpGet handlers of a probe or a
// lifecycle hook (either may be nil) and returns how many are set.
func (v *validator) execAndHTTPGet(p string, exec *ExecAction, get *HTTPGetAction) int {
	n := 0
	if exec != nil {
		n++
		if len(exec.Command) == 0 {
			v.required(child(p, "exec.command"), "")
		}
	}
	if get != nil {
		n++
		v.probePort(child(p, "httpGet.port"), get.Port)
		if s := get.Scheme; s != "" && s != "HTTP" && s != "HTTPS" {
			v.notSupported(child(p, "httpGet.scheme"), s, "HTTP", "HTTPS")
		}
	}
	return n
}

// lifecycleHandler validates a lifecycle hook as Kubernetes'
// validateLifecycleHandler: one handler; a sleep of 0 up to the pod's
// terminationGracePeriodSeconds.
func (v *validator) lifecycleHandler(p string, h *LifecycleHandler, grace int64) {
	if h == nil {
		return
	}
	n := v.execAndHTTPGet(p, h.Exec, h.HTTPGet)
	if h.Sleep != nil {
		n++
		if h.Sleep.Seconds < 0 || h.Sleep.Seconds > grace {
			v.invalid(child(p, "sleep"), h.Sleep.Seconds, fmt.Sprintf("must be non-negative and less than terminationGracePeriodSeconds (%d)", grace))
		}
	}
	switch {
	case n == 0:
		v.required(p, "must specify a handler type")
	case n > 1:
		v.forbidden(p, "may not specify more than 1 handler type")
	}
}

func (v *validator) probePort(p string, port intstr.IntOrString) {
	if port.Type == intstr.String {
		v.msgs(p, port.StrVal, validation.IsValidPortName(port.StrVal))
		return
	}
	v.msgs(p, port.IntVal, validation.IsValidPortNum(int(port.IntVal)))
}

func (v *validator) nodeAffinity(p string, na *NodeAffinity) {
	if req := na.RequiredDuringSchedulingIgnoredDuringExecution; req != nil {
		rp := child(p, "requiredDuringSchedulingIgnoredDuringExecution")
		if len(req.NodeSelectorTerms) == 0 {
			v.required(child(rp, "nodeSelectorTerms"), "must have at least one node selector term")
		}
		for i := range req.NodeSelectorTerms {
			v.nodeSelectorTerm(index(child(rp, "nodeSelectorTerms"), i), &req.NodeSelectorTerms[i])
		}
	}
	for i := range na.PreferredDuringSchedulingIgnoredDuringExecution {
		t := &na.PreferredDuringSchedulingIgnoredDuringExecution[i]
		tp := index(child(p, "preferredDuringSchedulingIgnoredDuringExecution"), i)
		if t.Weight < 1 || t.Weight > 100 {
			v.invalid(child(tp, "weight"), t.Weight, "must be in the range 1-100")
		}
		v.nodeSelectorTerm(child(tp, "preference"), &t.Preference)
	}
}

// podAffinity checks the terms of a podAffinity or podAntiAffinity, as
// Kubernetes' validatePodAffinity and validatePodAntiAffinity.
func (v *validator) podAffinity(p string, required []PodAffinityTerm, preferred []WeightedPodAffinityTerm) {
	for i := range required {
		v.podAffinityTerm(index(child(p, "requiredDuringSchedulingIgnoredDuringExecution"), i), &required[i])
	}
	for i := range preferred {
		tp := index(child(p, "preferredDuringSchedulingIgnoredDuringExecution"), i)
		if w := preferred[i].Weight; w < 1 || w > 100 {
			v.invalid(child(tp, "weight"), w, "must be in the range 1-100")
		}
		v.podAffinityTerm(child(tp, "podAffinityTerm"), &preferred[i].PodAffinityTerm)
	}
}

// podAffinityTerm checks one term as Kubernetes' validatePodAffinityTerm:
// its selectors, namespaces (reported under "namespace", as Kubernetes
// does), matchLabelKeys and mismatchLabelKeys (label names, only with a
// labelSelector, no key in both lists, no matchLabelKeys key the merged
// labelSelector names twice), and a topologyKey that is a label name.
func (v *validator) podAffinityTerm(p string, t *PodAffinityTerm) {
	if t.LabelSelector != nil {
		v.labelSelector(child(p, "labelSelector"), t.LabelSelector)
	}
	if t.NamespaceSelector != nil {
		v.labelSelector(child(p, "namespaceSelector"), t.NamespaceSelector)
	}
	for _, ns := range t.Namespaces {
		v.msgs(child(p, "namespace"), ns, validation.IsDNS1123Label(ns))
	}
	v.labelKeys(child(p, "matchLabelKeys"), t.MatchLabelKeys, t.LabelSelector)
	v.labelKeys(child(p, "mismatchLabelKeys"), t.MismatchLabelKeys, t.LabelSelector)
	v.labelKeysTwice(child(p, "matchLabelKeys"), t.MatchLabelKeys, t.LabelSelector)
	for i, k := range t.MatchLabelKeys {
		if slices.Contains(t.MismatchLabelKeys, k) {
			v.invalid(index(child(p, "matchLabelKeys"), i), k, "exists in both matchLabelKeys and mismatchLabelKeys")
		}
	}
	if t.TopologyKey == "" {
		v.required(child(p, "topologyKey"), "can not be empty")
	}
	v.msgs(child(p, "topologyKey"), t.TopologyKey, validation.IsQualifiedName(t.TopologyKey))
}

// topologySpreadConstraints checks the constraints as Kubernetes'
// validateTopologySpreadConstraints: maxSkew above zero, a topologyKey,
// whenUnsatisfiable DoNotSchedule or ScheduleAnyway, no two constraints
// with the same {topologyKey, whenUnsatisfiable}, minDomains above zero and
// only with DoNotSchedule, the node inclusion policies Honor or Ignore,
// matchLabelKeys (label names, only with a labelSelector, none the merged
// labelSelector names twice: Kubernetes' rule with
// MatchLabelKeysInPodTopologySpreadSelectorMerge, on by default), and the
// labelSelector.
func (v *validator) topologySpreadConstraints(p string, cs []TopologySpreadConstraint) {
	for i := range cs {
		c := &cs[i]
		cp := index(p, i)
		if c.MaxSkew <= 0 {
			v.invalid(child(cp, "maxSkew"), c.MaxSkew, "must be greater than zero")
		}
		if c.TopologyKey == "" {
			v.required(child(cp, "topologyKey"), "can not be empty")
		}
		v.oneOf(child(cp, "whenUnsatisfiable"), c.WhenUnsatisfiable, DoNotSchedule, ScheduleAnyway)
		for _, o := range cs[i+1:] {
			if o.TopologyKey == c.TopologyKey && o.WhenUnsatisfiable == c.WhenUnsatisfiable {
				v.add(child(cp, "{topologyKey, whenUnsatisfiable}"), ErrorTypeDuplicate, "{"+c.TopologyKey+", "+c.WhenUnsatisfiable+"}", "")
				break
			}
		}
		if c.MinDomains != nil {
			if *c.MinDomains <= 0 {
				v.invalid(child(cp, "minDomains"), *c.MinDomains, "must be greater than zero")
			}
			if c.WhenUnsatisfiable != DoNotSchedule {
				v.invalid(child(cp, "minDomains"), *c.MinDomains, "can only use minDomains if whenUnsatisfiable="+DoNotSchedule+", not "+c.WhenUnsatisfiable)
			}
		}
		for _, pol := range []struct {
			name string
			val  *string
		}{{"nodeAffinityPolicy", c.NodeAffinityPolicy}, {"nodeTaintsPolicy", c.NodeTaintsPolicy}} {
			if pol.val != nil {
				v.oneOf(child(cp, pol.name), *pol.val, NodeInclusionPolicyHonor, NodeInclusionPolicyIgnore)
			}
		}
		v.labelKeys(child(cp, "matchLabelKeys"), c.MatchLabelKeys, c.LabelSelector)
		v.labelKeysTwice(child(cp, "matchLabelKeys"), c.MatchLabelKeys, c.LabelSelector)
		if c.LabelSelector != nil {
			v.labelSelector(child(cp, "labelSelector"), c.LabelSelector)
		}
	}
}

// labelKeys checks matchLabelKeys or mismatchLabelKeys: label names, and
// only beside a labelSelector.
func (v *validator) labelKeys(p string, keys []string, sel *LabelSelector) {
	if len(keys) == 0 {
		return
	}
	if sel == nil {
		v.forbidden(p, "must not be specified when labelSelector is not set")
		return
	}
	for i, k := range keys {
		v.msgs(index(p, i), k, validation.IsQualifiedName(k))
	}
}

// labelKeysTwice refuses a matchLabelKeys key that the label selector
// names twice, as Kubernetes' ValidateMatchLabelKeysAndMismatchLabelKeys
// does after the API server merged the keys into the selector (DefaultPod
// does here): a requirement of the merge on top of the user's own on that
// key.
func (v *validator) labelKeysTwice(p string, keys []string, sel *LabelSelector) {
	if sel == nil || len(keys) == 0 {
		return
	}
	seen := map[string]bool{}
	for k := range sel.MatchLabels {
		seen[k] = true
	}
	for _, e := range sel.MatchExpressions {
		if i := slices.Index(keys, e.Key); i >= 0 && seen[e.Key] {
			v.invalid(index(p, i), e.Key, "exists in both matchLabelKeys and labelSelector")
		}
		seen[e.Key] = true
	}
}

func (v *validator) nodeSelectorTerm(p string, t *NodeSelectorTerm) {
	for i, r := range t.MatchExpressions {
		rp := index(child(p, "matchExpressions"), i)
		v.msgs(child(rp, "key"), r.Key, validation.IsQualifiedName(r.Key))
		switch r.Operator {
		case NodeSelectorOpIn, NodeSelectorOpNotIn:
			if len(r.Values) == 0 {
				v.required(child(rp, "values"), "must be specified when `operator` is 'In' or 'NotIn'")
			}
		case NodeSelectorOpExists, NodeSelectorOpDoesNotExist:
			if len(r.Values) > 0 {
				v.forbidden(child(rp, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
			}
		case NodeSelectorOpGt, NodeSelectorOpLt:
			// As the API server, only the count is checked: a value
			// that is not an integer is accepted, and the scheduler's
			// term then matches no node (kubernetes/kubernetes#86488).
			if len(r.Values) != 1 {
				v.required(child(rp, "values"), "must be specified single value when `operator` is 'Lt' or 'Gt'")
			}
		default:
			v.notSupported(child(rp, "operator"), r.Operator, NodeSelectorOpIn, NodeSelectorOpNotIn, NodeSelectorOpExists, NodeSelectorOpDoesNotExist, NodeSelectorOpGt, NodeSelectorOpLt)
		}
	}
	for i, r := range t.MatchFields {
		rp := index(child(p, "matchFields"), i)
		if r.Key != "metadata.name" {
			v.notSupported(child(rp, "key"), r.Key, "metadata.name")
		}
		switch r.Operator {
		case NodeSelectorOpIn, NodeSelectorOpNotIn:
			if len(r.Values) != 1 {
				v.required(child(rp, "values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector")
			}
		default:
			v.notSupported(child(rp, "operator"), r.Operator, NodeSelectorOpIn, NodeSelectorOpNotIn)
		}
	}
}

var taintEffects = []string{TaintEffectNoSchedule, TaintEffectPreferNoSchedule, TaintEffectNoExecute}

func (v *validator) tolerations(p string, ts []Toleration) {
	for i, t := range ts {
		tp := index(p, i)
		if t.Key != "" {
			v.msgs(child(tp, "key"), t.Key, validation.IsQualifiedName(t.Key))
		}
		op := t.Operator
		if op == "" {
			op = TolerationOpEqual
		}
		if t.Key == "" && op != TolerationOpExists {
			v.invalid(child(tp, "operator"), t.Operator, "operator must be Exists when `key` is empty, which means \"match all values and all keys\"")
		}
		switch op {
		case TolerationOpEqual:
			v.msgs(child(tp, "value"), t.Value, validation.IsValidLabelValue(t.Value))
		case TolerationOpExists:
			if t.Value != "" {
				v.invalid(child(tp, "operator"), t.Value, "value must be empty when `operator` is 'Exists'")
			}
		default:
			v.notSupported(child(tp, "operator"), t.Operator, TolerationOpEqual, TolerationOpExists)
		}
		if t.Effect != "" {
			v.oneOf(child(tp, "effect"), t.Effect, taintEffects...)
		}
		if t.TolerationSeconds != nil && t.Effect != TaintEffectNoExecute {
			v.invalid(child(tp, "effect"), t.Effect, "effect must be 'NoExecute' when `tolerationSeconds` is set")
		}
	}
}

// nodePodCIDRs is the node's pod CIDRs as the API server holds them: a
// v1 Node's podCIDR alone is podCIDRs[0] (its v1 conversion).
func nodePodCIDRs(n *Node) []string {
	if len(n.Spec.PodCIDRs) == 0 && n.Spec.PodCIDR != "" {
		return []string{n.Spec.PodCIDR}
	}
	return n.Spec.PodCIDRs
}

func (v *validator) node(n *Node) {
	for _, l := range []struct {
		path string
		rl   ResourceList
	}{{"status.capacity", n.Status.Capacity}, {"status.allocatable", n.Status.Allocatable}} {
		for _, k := range sortedKeys(l.rl) {
			q := l.rl[k]
			switch {
			case q.Sign() < 0:
				v.invalid(key(l.path, k), q.String(), "must be greater than or equal to 0")
			case integerResource(k) && q.MilliValue()%1000 != 0:
				v.invalid(key(l.path, k), q.String(), "must be an integer")
			}
		}
	}
	// ValidateNode checks the pod CIDRs as the API server holds them.
	cidrs := nodePodCIDRs(n)
	v4, v6, valid := 0, 0, true
	for i, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		switch {
		case err != nil:
			v.invalid(index("spec.podCIDRs", i), c, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")
			valid = false
		case p.Addr().Is4():
			v4++
		default:
			v6++
		}
	}
	if valid && (v4 > 1 || v6 > 1) {
		v.invalid("spec.podCIDRs", cidrs, "may specify no more than one CIDR for each IP family")
	}
	seen := map[string]bool{}
	for i, t := range n.Spec.Taints {
		tp := index("spec.taints", i)
		if t.Key == "" {
			v.required(child(tp, "key"), "")
		} else {
			v.msgs(child(tp, "key"), t.Key, validation.IsQualifiedName(t.Key))
		}
		v.msgs(child(tp, "value"), t.Value, validation.IsValidLabelValue(t.Value))
		if t.Effect == "" {
			v.required(child(tp, "effect"), "")
		} else {
			v.oneOf(child(tp, "effect"), t.Effect, taintEffects...)
		}
		k := t.Key + ":" + t.Effect
		if seen[k] {
			v.add(tp, ErrorTypeDuplicate, k, "taints must be unique by key and effect pair")
		}
		seen[k] = true
	}
}

func (v *validator) service(s *Service) {
	// The two names of the topology-aware routing annotation must agree
	// when both are given.
	const modeKey, hintsKey = "service.kubernetes.io/topology-mode", "service.kubernetes.io/topology-aware-hints"
	if mode, ok := s.Annotations[modeKey]; ok {
		if hints, ok := s.Annotations[hintsKey]; ok && hints != mode {
			v.invalid("metadata.annotations["+modeKey+"]", mode, "must match annotations["+hintsKey+"] when both are specified")
		}
	}
	sp := &s.Spec
	typ := sp.Type
	if typ == "" {
		typ = ServiceTypeClusterIP
	}
	v.oneOf("spec.type", typ, ServiceTypeClusterIP, ServiceTypeNodePort, ServiceTypeLoadBalancer, ServiceTypeExternalName)
	headless := sp.ClusterIP == ClusterIPNone
	switch {
	case typ == ServiceTypeExternalName:
		if sp.ClusterIP != "" {
			v.forbidden("spec.clusterIP", "may not be set for ExternalName services")
		}
		if sp.ExternalName == "" {
			v.required("spec.externalName", "")
		} else {
			v.msgs("spec.externalName", sp.ExternalName, validation.IsDNS1123Subdomain(strings.TrimSuffix(sp.ExternalName, ".")))
		}
	case sp.ClusterIP != "" && !headless && net.ParseIP(sp.ClusterIP) == nil:
		v.invalid("spec.clusterIP", sp.ClusterIP, "must be empty, 'None', or a valid IP address")
	}
	v.clusterIPs(sp, typ)
	// validateServiceExternalTrafficPolicy: a health check node port only
	// for a LoadBalancer with externalTrafficPolicy Local (which gets one
	// allocated when it asks for none).
	if hc := sp.HealthCheckNodePort; hc != 0 {
		if typ != ServiceTypeLoadBalancer || sp.ExternalTrafficPolicy != TrafficPolicyLocal {
			v.invalid("spec.healthCheckNodePort", hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'")
		} else {
			v.msgs("spec.healthCheckNodePort", hc, validation.IsValidPortNum(int(hc)))
		}
	}
	// validateIPFamilies / ValidateServiceClusterIPsRelatedFields: known
	// values, no family twice, at most two.
	if sp.IPFamilyPolicy != nil {
		v.oneOf("spec.ipFamilyPolicy", *sp.IPFamilyPolicy, IPFamilyPolicySingleStack, IPFamilyPolicyPreferDualStack, IPFamilyPolicyRequireDualStack)
	}
	seenFamily := map[string]bool{}
	for i, f := range sp.IPFamilies {
		p := index("spec.ipFamilies", i)
		switch {
		case f != IPv4Protocol && f != IPv6Protocol:
			v.notSupported(p, f, IPv4Protocol, IPv6Protocol)
		case seenFamily[f]:
			v.add(p, ErrorTypeDuplicate, f, "")
		}
		seenFamily[f] = true
	}
	if len(sp.IPFamilies) > 2 {
		v.invalid("spec.ipFamilies", sp.IPFamilies, "may specify no more than one IP for each IP family, i.e 2 (dual-stack)")
	}
	if headless && (typ == ServiceTypeNodePort || typ == ServiceTypeLoadBalancer) {
		// As ValidateService, which reads it from clusterIPs (the
		// strategy copies clusterIP there).
		v.invalid("spec.clusterIPs[0]", sp.ClusterIP, "may not be set to 'None' for "+typ+" services")
	}
	if len(sp.Ports) == 0 && typ != ServiceTypeExternalName && !headless {
		v.required("spec.ports", "")
	}
	names := map[string]bool{}
	nodePorts := map[string]bool{}
	ports := map[string]bool{} // protocol/port: at most one Service port each
	for i, port := range sp.Ports {
		pp := index("spec.ports", i)
		proto := port.Protocol
		if proto == "" {
			proto = ProtocolTCP
		}
		if k := proto + "/" + strconv.Itoa(int(port.Port)); ports[k] {
			v.add(pp, ErrorTypeDuplicate, k, "")
		} else {
			ports[k] = true
		}
		if len(sp.Ports) > 1 && port.Name == "" {
			v.required(child(pp, "name"), "must be specified when there is more than one port")
		} else if port.Name != "" {
			if names[port.Name] {
				v.add(child(pp, "name"), ErrorTypeDuplicate, port.Name, "")
			} else {
				v.msgs(child(pp, "name"), port.Name, validation.IsDNS1123Label(port.Name))
			}
			names[port.Name] = true
		}
		v.msgs(child(pp, "port"), port.Port, validation.IsValidPortNum(int(port.Port)))
		v.protocol(child(pp, "protocol"), port.Protocol)
		if port.AppProtocol != nil {
			v.msgs(child(pp, "appProtocol"), *port.AppProtocol, validation.IsQualifiedName(*port.AppProtocol))
		}
		switch tp := port.TargetPort; {
		case tp.Type == intstr.String && tp.StrVal != "":
			v.msgs(child(pp, "targetPort"), tp.StrVal, validation.IsValidPortName(tp.StrVal))
		case tp.Type == intstr.Int && tp.IntVal != 0:
			v.msgs(child(pp, "targetPort"), tp.IntVal, validation.IsValidPortNum(int(tp.IntVal)))
		}
		if port.NodePort != 0 {
			if typ != ServiceTypeNodePort && typ != ServiceTypeLoadBalancer {
				v.forbidden(child(pp, "nodePort"), "may not be used when `type` is '"+typ+"'")
			} else {
				v.msgs(child(pp, "nodePort"), port.NodePort, validation.IsValidPortNum(int(port.NodePort)))
			}
			k := proto + "/" + strconv.Itoa(int(port.NodePort))
			if nodePorts[k] {
				v.add(child(pp, "nodePort"), ErrorTypeDuplicate, port.NodePort, "")
			}
			nodePorts[k] = true
		}
	}
	v.labels("spec.selector", sp.Selector)
	aff := sp.SessionAffinity
	if aff == "" {
		aff = SessionAffinityNone
	}
	v.oneOf("spec.sessionAffinity", aff, SessionAffinityNone, SessionAffinityClientIP)
	if aff == SessionAffinityNone && sp.SessionAffinityConfig != nil {
		v.forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None")
	}
	if c := sp.SessionAffinityConfig; aff == SessionAffinityClientIP && c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
		if t := *c.ClientIP.TimeoutSeconds; t <= 0 || t > MaxClientIPServiceAffinitySeconds {
			v.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", t, "must be greater than 0 and less than or equal to 86400")
		}
	}
	if sp.ExternalTrafficPolicy != "" {
		if typ != ServiceTypeNodePort && typ != ServiceTypeLoadBalancer {
			v.invalid("spec.externalTrafficPolicy", sp.ExternalTrafficPolicy, "may only be set for externally-accessible services")
		} else {
			v.oneOf("spec.externalTrafficPolicy", sp.ExternalTrafficPolicy, TrafficPolicyCluster, TrafficPolicyLocal)
		}
	}
	if sp.InternalTrafficPolicy != nil {
		v.oneOf("spec.internalTrafficPolicy", *sp.InternalTrafficPolicy, TrafficPolicyCluster, TrafficPolicyLocal)
	}
	if td := sp.TrafficDistribution; td != nil {
		v.oneOf("spec.trafficDistribution", *td, TrafficDistributionPreferClose, TrafficDistributionPreferSameZone, TrafficDistributionPreferSameNode)
	}
	if sp.AllocateLoadBalancerNodePorts != nil && typ != ServiceTypeLoadBalancer {
		v.forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'")
	}
}

// clusterIPs checks spec.clusterIPs against spec.clusterIP, as
// ValidateServiceClusterIPsRelatedFields: its first value is clusterIP
// (DefaultService sets it so when only clusterIP is given), it is empty
// when clusterIP is, it holds valid IPs ('None' only as its one value) and
// at most two; an ExternalName Service has none.
func (v *validator) clusterIPs(sp *ServiceSpec, typ string) {
	ips := sp.ClusterIPs
	if typ == ServiceTypeExternalName {
		if len(ips) > 0 && sp.ClusterIP == "" { // a clusterIP is refused already
			v.forbidden("spec.clusterIPs", "may not be set for ExternalName services")
		}
		return
	}
	switch {
	case sp.ClusterIP != "" && len(ips) > 0 && ips[0] != sp.ClusterIP:
		v.invalid("spec.clusterIPs", ips, "first value must match `clusterIP`")
	case sp.ClusterIP == "" && len(ips) > 0:
		v.invalid("spec.clusterIPs", ips, "must be empty when `clusterIP` is not specified")
	}
	for i, ip := range ips {
		if i == 0 && ip == ClusterIPNone {
			if len(ips) > 1 {
				v.invalid("spec.clusterIPs", ips, "'None' must be the first and only value")
			}
			continue
		}
		if net.ParseIP(ip) == nil {
			v.invalid(index("spec.clusterIPs", i), ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
		}
	}
	if len(ips) > 2 {
		v.invalid("spec.clusterIPs", ips, "may only hold up to 2 values")
	}
}

// integerResource reports whether quantities of resource name must be
// whole, as Kubernetes' IsIntegerResourceName: pods and the quota's object
// counts, and extended resources (a domain other than kubernetes.io, such
// as nvidia.com/gpu).
func integerResource(name string) bool {
	switch name {
	case ResourcePods, "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps",
		"persistentvolumeclaims", "services.nodeports", "services.loadbalancers":
		return true
	}
	return extendedResource(name)
}

var accessModes = []string{"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"}

func (v *validator) pvcSpec(p string, s *PersistentVolumeClaimSpec) {
	if len(s.AccessModes) == 0 {
		v.required(child(p, "accessModes"), "at least 1 access mode is required")
	}
	for i, m := range s.AccessModes {
		v.oneOf(index(child(p, "accessModes"), i), m, accessModes...)
	}
	q, ok := s.Resources.Requests[ResourceStorage]
	switch {
	case !ok:
		v.required(key(child(p, "resources.requests"), ResourceStorage), "")
	case q.Sign() <= 0:
		v.invalid(key(child(p, "resources.requests"), ResourceStorage), q.String(), "must be greater than zero")
	}
	if m := s.VolumeMode; m != nil {
		v.oneOf(child(p, "volumeMode"), *m, PersistentVolumeFilesystem, "Block")
	}
}

// intOrPercent checks a maxUnavailable/maxSurge value: a non-negative
// integer or a percent string, at most 100% when max100 is set.
func (v *validator) intOrPercent(p string, x *intstr.IntOrString, max100 bool) {
	if x == nil {
		return
	}
	switch x.Type {
	case intstr.String:
		if msgs := validation.IsValidPercent(x.StrVal); len(msgs) > 0 {
			v.invalid(p, x.StrVal, "must be an integer or percentage (e.g '5%')")
			return
		}
		if n, _ := strconv.Atoi(strings.TrimSuffix(x.StrVal, "%")); max100 && n > 100 {
			v.invalid(p, x.StrVal, "must not be greater than 100%")
		}
	default:
		if x.IntVal < 0 {
			v.invalid(p, x.IntVal, "must be greater than or equal to 0")
		}
	}
}

// intOrPercentValue is Kubernetes' getIntOrPercentValue: a percentage's
// number, else the integer (a string that is neither reads as its integer
// value, 0 if none).
func intOrPercentValue(x *intstr.IntOrString) int {
	if x == nil {
		return 0
	}
	if x.Type != intstr.String {
		return int(x.IntVal)
	}
	if len(validation.IsValidPercent(x.StrVal)) == 0 {
		n, _ := strconv.Atoi(strings.TrimSuffix(x.StrVal, "%"))
		return n
	}
	n, _ := strconv.Atoi(x.StrVal)
	return n
}

// intOrPercentBadValue is how an error shows an int-or-percent value.
func intOrPercentBadValue(x *intstr.IntOrString) any {
	if x.Type == intstr.String {
		return x.StrVal
	}
	return x.IntVal
}

func isZero(x *intstr.IntOrString) bool {
	if x == nil {
		return false
	}
	if x.Type == intstr.String {
		n, err := strconv.Atoi(strings.TrimSuffix(x.StrVal, "%"))
		return err == nil && strings.HasSuffix(x.StrVal, "%") && n == 0
	}
	return x.IntVal == 0
}

func (v *validator) surgeAndUnavailable(p string, maxUnavailable, maxSurge *intstr.IntOrString) {
	v.intOrPercent(child(p, "maxUnavailable"), maxUnavailable, true)
	v.intOrPercent(child(p, "maxSurge"), maxSurge, false)
	// Callers fill an unset half with its default when the other is set;
	// an unset pair is defaulted to non-zero values.
	if maxUnavailable != nil && maxSurge != nil && isZero(maxUnavailable) && isZero(maxSurge) {
		v.invalid(child(p, "maxUnavailable"), maxUnavailable, "may not be 0 when `maxSurge` is 0")
	}
}

func (v *validator) daemonSet(d *DaemonSet) {
	sp := &d.Spec
	v.workloadSelector("spec", sp.Selector, &sp.Template)
	v.podTemplate("spec.template", &sp.Template, alwaysOnly)
	us := &sp.UpdateStrategy
	typ := us.Type
	if typ == "" {
		typ = RollingUpdateStrategy
	}
	v.oneOf("spec.updateStrategy.type", typ, RollingUpdateStrategy, OnDeleteStrategy)
	if ru := us.RollingUpdate; ru != nil {
		if typ == OnDeleteStrategy {
			v.forbidden("spec.updateStrategy.rollingUpdate", "may not be specified when strategy `type` is 'OnDelete'")
		} else {
			mu := ru.MaxUnavailable
			if mu == nil && ru.MaxSurge != nil {
				mu = Ptr(intstr.FromInt32(1))
			}
			ms := ru.MaxSurge
			if ms == nil && ru.MaxUnavailable != nil {
				ms = Ptr(intstr.FromInt32(0))
			}
			// Kubernetes' ValidateRollingUpdateDaemonSet: neither above
			// 100%, and exactly one of them non-zero.
			const p = "spec.updateStrategy.rollingUpdate"
			v.intOrPercent(child(p, "maxUnavailable"), mu, true)
			v.intOrPercent(child(p, "maxSurge"), ms, true)
			hasUnavailable, hasSurge := intOrPercentValue(mu) != 0, intOrPercentValue(ms) != 0
			switch {
			case hasUnavailable && hasSurge:
				v.invalid(child(p, "maxSurge"), intOrPercentBadValue(ms), "may not be set when maxUnavailable is non-zero")
			case !hasUnavailable && !hasSurge:
				v.required(child(p, "maxUnavailable"), "cannot be 0 when maxSurge is 0")
			}
		}
	}
	if sp.MinReadySeconds < 0 {
		v.invalid("spec.minReadySeconds", sp.MinReadySeconds, "must be greater than or equal to 0")
	}
	v.nonNegative32("spec.revisionHistoryLimit", sp.RevisionHistoryLimit)
}

func (v *validator) deployment(d *Deployment) {
	sp := &d.Spec
	v.nonNegative32("spec.replicas", sp.Replicas)
	v.workloadSelector("spec", sp.Selector, &sp.Template)
	v.podTemplate("spec.template", &sp.Template, alwaysOnly)
	typ := sp.Strategy.Type
	if typ == "" {
		typ = RollingUpdateStrategy
	}
	v.oneOf("spec.strategy.type", typ, RollingUpdateStrategy, RecreateStrategy)
	if ru := sp.Strategy.RollingUpdate; ru != nil {
		if typ == RecreateStrategy {
			v.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")
		} else {
			mu, ms := ru.MaxUnavailable, ru.MaxSurge
			if mu == nil && ms != nil {
				mu = Ptr(intstr.FromString("25%"))
			}
			if ms == nil && mu != nil {
				ms = Ptr(intstr.FromString("25%"))
			}
			v.surgeAndUnavailable("spec.strategy.rollingUpdate", mu, ms)
		}
	}
	if sp.MinReadySeconds < 0 {
		v.invalid("spec.minReadySeconds", sp.MinReadySeconds, "must be greater than or equal to 0")
	}
	v.nonNegative32("spec.revisionHistoryLimit", sp.RevisionHistoryLimit)
	if pd := sp.ProgressDeadlineSeconds; pd != nil {
		if *pd < 0 {
			v.invalid("spec.progressDeadlineSeconds", *pd, "must be greater than or equal to 0")
		} else if *pd <= sp.MinReadySeconds {
			v.invalid("spec.progressDeadlineSeconds", *pd, "must be greater than minReadySeconds")
		}
	}
}

func (v *validator) replicaSet(r *ReplicaSet) {
	sp := &r.Spec
	v.nonNegative32("spec.replicas", sp.Replicas)
	v.workloadSelector("spec", sp.Selector, &sp.Template)
	v.podTemplate("spec.template", &sp.Template, alwaysOnly)
	if sp.MinReadySeconds < 0 {
		v.invalid("spec.minReadySeconds", sp.MinReadySeconds, "must be greater than or equal to 0")
	}
}

func (v *validator) statefulSet(s *StatefulSet) {
	sp := &s.Spec
	v.nonNegative32("spec.replicas", sp.Replicas)
	v.workloadSelector("spec", sp.Selector, &sp.Template)
	v.podTemplate("spec.template", &sp.Template, alwaysOnly)
	if sp.ServiceName != "" {
		// Pods get it as their subdomain, which must be a DNS label.
		v.msgs("spec.serviceName", sp.ServiceName, validation.IsDNS1123Label(sp.ServiceName))
	}
	if sp.PodManagementPolicy != "" {
		v.oneOf("spec.podManagementPolicy", sp.PodManagementPolicy, OrderedReadyPodManagement, ParallelPodManagement)
	}
	us := &sp.UpdateStrategy
	typ := us.Type
	if typ == "" {
		typ = RollingUpdateStrategy
	}
	v.oneOf("spec.updateStrategy.type", typ, RollingUpdateStrategy, OnDeleteStrategy)
	if ru := us.RollingUpdate; ru != nil {
		if typ == OnDeleteStrategy {
			v.forbidden("spec.updateStrategy.rollingUpdate", "only allowed for updateStrategy 'RollingUpdate'")
		} else {
			v.nonNegative32("spec.updateStrategy.rollingUpdate.partition", ru.Partition)
			if mu := ru.MaxUnavailable; mu != nil {
				v.intOrPercent("spec.updateStrategy.rollingUpdate.maxUnavailable", mu, true)
				if isZero(mu) {
					v.invalid("spec.updateStrategy.rollingUpdate.maxUnavailable", mu, "must be greater than 0")
				}
			}
		}
	}
	v.nonNegative32("spec.revisionHistoryLimit", sp.RevisionHistoryLimit)
	if sp.MinReadySeconds < 0 {
		v.invalid("spec.minReadySeconds", sp.MinReadySeconds, "must be greater than or equal to 0")
	}
	if o := sp.Ordinals; o != nil && o.Start < 0 {
		v.invalid("spec.ordinals.start", o.Start, "must be greater than or equal to 0")
	}
	if rp := sp.PersistentVolumeClaimRetentionPolicy; rp != nil {
		for _, f := range []struct{ name, val string }{{"whenDeleted", rp.WhenDeleted}, {"whenScaled", rp.WhenScaled}} {
			if f.val != "" {
				v.oneOf(child("spec.persistentVolumeClaimRetentionPolicy", f.name), f.val,
					RetainPersistentVolumeClaimRetentionPolicyType, DeletePersistentVolumeClaimRetentionPolicyType)
			}
		}
	}
	claims := map[string]bool{}
	for i := range sp.VolumeClaimTemplates {
		c := &sp.VolumeClaimTemplates[i]
		cp := index("spec.volumeClaimTemplates", i)
		switch {
		case c.Name == "":
			v.required(child(cp, "metadata.name"), "")
		case claims[c.Name]:
			v.add(child(cp, "metadata.name"), ErrorTypeDuplicate, c.Name, "")
		default:
			v.msgs(child(cp, "metadata.name"), c.Name, validation.IsDNS1123Label(c.Name))
		}
		claims[c.Name] = true
		v.templateMeta(child(cp, "metadata"), &c.ObjectMeta)
		v.pvcSpec(child(cp, "spec"), &c.Spec)
	}
}

func (v *validator) job(j *Job) {
	s := &j.Spec
	var gen map[string]string
	if (s.ManualSelector == nil || !*s.ManualSelector) && s.Selector != nil {
		gen = jobGeneratedLabels(j)
	}
	v.jobSpec("spec", s, gen)
	if s.ManualSelector == nil || !*s.ManualSelector {
		if j.Name != "" {
			// The generated selector puts job-name=<name> on the pod
			// template (Kubernetes' generateSelector), and a label value
			// is at most 63 characters: the API server's template check
			// refuses a longer name.
			v.msgs("spec.template.labels", j.Name, validation.IsValidLabelValue(j.Name))
		}
		v.generatedSelector(j)
	}
	name := j.Name
	if name == "" && j.GenerateName != "" {
		// The API server generates the name before it validates
		// (BeforeCreate), and only its length matters here.
		name = generatedNameStandIn(j.GenerateName)
	}
	if s.CompletionMode != nil && *s.CompletionMode == IndexedCompletion && s.Completions != nil && *s.Completions > 0 && name != "" {
		// Pods of an Indexed Job are named "<job>-<index>" as hostname.
		host := fmt.Sprintf("%s-%d", name, *s.Completions-1)
		if msgs := validation.IsDNS1123Label(host); len(msgs) > 0 {
			if j.Name == "" {
				v.invalid("metadata.generateName", j.GenerateName, fmt.Sprintf(
					"the name generated from it (%d characters) will not be able to create pod with invalid DNS label of %d characters", len(name), len(host)))
			} else {
				v.invalid("metadata.name", j.Name, "will not be able to create pod with invalid DNS label: "+host)
			}
		}
	}
}

// GeneratedNamePrefixMax and GeneratedNameSuffixLength shape a name made
// from metadata.generateName, as Kubernetes' SimpleNameGenerator: the
// prefix cut to 58 characters (maxGeneratedNameLength = 63-5) and 5
// random characters, so that the name fits in 63.
const (
	GeneratedNamePrefixMax    = 58
	GeneratedNameSuffixLength = 5
)

// generatedNameStandIn stands for the name the store will generate from
// prefix, of its length.
func generatedNameStandIn(prefix string) string {
	if len(prefix) > GeneratedNamePrefixMax {
		prefix = prefix[:GeneratedNamePrefixMax]
	}
	return prefix + strings.Repeat("x", GeneratedNameSuffixLength)
}

// newJobUID stands for the uid of a Job not yet created: a new one, which
// no selector of a manifest can name (it is not a label value).
const newJobUID = "<new uid>"

// jobGeneratedLabels returns the labels Kubernetes' generateSelector
// (pkg/registry/batch/job/strategy.go) gives the pod template of a Job
// without manualSelector: job-name and controller-uid, in both spellings
// (newJobUID for a Job not yet created).
func jobGeneratedLabels(j *Job) map[string]string {
	uid := j.UID
	if uid == "" {
		uid = newJobUID
	}
	return map[string]string{JobNameLabel: j.Name, LegacyJobNameLabel: j.Name, ControllerUIDLabel: uid, LegacyControllerUIDLabel: uid}
}

// generatedSelector is Kubernetes' validateGeneratedSelector for a Job
// without manualSelector: the selector, when set, matches the generated
// labels (generateSelector adds controller-uid=<uid> to a selector of
// the user's, so it may select on job-name, say, but not on another
// Job's uid), and the template's job-name and controller-uid labels, in
// either spelling, when set, are the Job's name and uid.
func (v *validator) generatedSelector(j *Job) {
	s := &j.Spec
	if sel := s.Selector; sel != nil {
		if ls, err := sel.AsSelector(); err == nil && !ls.Matches(labels.Set(jobGeneratedLabels(j))) {
			v.invalid("spec.selector", selectorString(sel), "`selector` not auto-generated")
		}
	}
	for _, l := range []struct{ key, want, what string }{
		{LegacyControllerUIDLabel, j.UID, "uid"}, {LegacyJobNameLabel, j.Name, "name"},
		{ControllerUIDLabel, j.UID, "uid"}, {JobNameLabel, j.Name, "name"},
	} {
		if have, ok := s.Template.Labels[l.key]; ok && have != l.want {
			detail := "must be '" + l.want + "'"
			if l.want == "" {
				detail = "must be the Job's " + l.what + ", which it gets when it is created"
			}
			v.invalid(key("spec.template.metadata.labels", l.key), have, detail)
		}
	}
}

// jobSpec validates a Job's spec, or a CronJob's jobTemplate's. gen holds
// the labels the API server adds to the template of a Job whose selector
// it completes (generateSelector) where absent: the selector must match
// the template with them.
func (v *validator) jobSpec(p string, s *JobSpec, gen map[string]string) {
	v.nonNegative32(child(p, "parallelism"), s.Parallelism)
	v.nonNegative32(child(p, "completions"), s.Completions)
	v.nonNegative32(child(p, "backoffLimit"), s.BackoffLimit)
	v.nonNegative32(child(p, "backoffLimitPerIndex"), s.BackoffLimitPerIndex)
	v.nonNegative32(child(p, "maxFailedIndexes"), s.MaxFailedIndexes)
	v.nonNegative32(child(p, "ttlSecondsAfterFinished"), s.TTLSecondsAfterFinished)
	// 0 is allowed (ValidateNonnegativeField): the Job is past its
	// deadline at once.
	v.nonNegative64(child(p, "activeDeadlineSeconds"), s.ActiveDeadlineSeconds)
	manual := s.ManualSelector != nil && *s.ManualSelector
	if manual || s.Selector != nil {
		t := &s.Template
		if len(gen) > 0 {
			tc := *t
			tc.Labels = make(map[string]string, len(t.Labels)+len(gen))
			maps.Copy(tc.Labels, gen)
			maps.Copy(tc.Labels, t.Labels)
			t = &tc
		}
		v.workloadSelector(p, s.Selector, t)
	}
	v.podTemplate(child(p, "template"), &s.Template, jobTemplates)

	mode := NonIndexedCompletion
	if s.CompletionMode != nil {
		mode = *s.CompletionMode
		v.oneOf(child(p, "completionMode"), mode, NonIndexedCompletion, IndexedCompletion)
	}
	indexed := mode == IndexedCompletion
	if indexed {
		if s.Completions == nil {
			v.required(child(p, "completions"), "when completion mode is Indexed")
		}
		if s.Parallelism != nil && *s.Parallelism > MaxIndexedJobParallelism {
			v.invalid(child(p, "parallelism"), *s.Parallelism, fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", MaxIndexedJobParallelism))
		}
	}
	if s.BackoffLimitPerIndex != nil {
		if !indexed {
			v.invalid(child(p, "backoffLimitPerIndex"), *s.BackoffLimitPerIndex, "requires indexed completion mode")
		}
		if indexed && s.Completions != nil && *s.Completions > MaxFailedIndexes {
			// Kubernetes' completionsSoftLimit: the failed indexes must fit
			// in the status.
			if s.MaxFailedIndexes == nil {
				v.required(child(p, "maxFailedIndexes"), fmt.Sprintf("must be specified when completions is above %d", MaxFailedIndexes))
			}
			if s.Parallelism != nil && *s.Parallelism > MaxParallelismForHighCompletions {
				v.invalid(child(p, "parallelism"), *s.Parallelism, fmt.Sprintf("must be less than or equal to %d when completions are above %d and used with backoff limit per index", MaxParallelismForHighCompletions, MaxFailedIndexes))
			}
			if mfi := s.MaxFailedIndexes; mfi != nil && *mfi > MaxFailedIndexesForHighCompletions {
				v.invalid(child(p, "maxFailedIndexes"), *mfi, fmt.Sprintf("must be less than or equal to %d when completions are above %d and used with backoff limit per index", MaxFailedIndexesForHighCompletions, MaxFailedIndexes))
			}
		}
	}
	if mfi := s.MaxFailedIndexes; mfi != nil {
		switch {
		case s.BackoffLimitPerIndex == nil:
			v.required(child(p, "backoffLimitPerIndex"), "when maxFailedIndexes is specified")
		case *mfi > MaxFailedIndexes:
			v.invalid(child(p, "maxFailedIndexes"), *mfi, fmt.Sprintf("must be less than or equal to %d", MaxFailedIndexes))
		case s.Completions != nil && *mfi > *s.Completions:
			v.invalid(child(p, "maxFailedIndexes"), *mfi, "must be less than or equal to completions")
		}
	}
	if s.PodFailurePolicy != nil {
		v.podFailurePolicy(p, s)
	}
	if s.SuccessPolicy != nil {
		v.successPolicy(p, s, indexed)
	}
	if rp := s.PodReplacementPolicy; rp != nil {
		if s.PodFailurePolicy != nil {
			v.oneOf(child(p, "podReplacementPolicy"), *rp, Failed)
		} else {
			v.oneOf(child(p, "podReplacementPolicy"), *rp, TerminatingOrFailed, Failed)
		}
	}
	if mb := s.ManagedBy; mb != nil {
		v.domainPrefixedPath(child(p, "managedBy"), *mb)
		if len(*mb) > maxManagedByLength {
			v.add(child(p, "managedBy"), ErrorTypeTooLong, nil, fmt.Sprintf("may not be more than %d bytes", maxManagedByLength))
		}
	}
}

// maxManagedByLength bounds a Job's spec.managedBy, as Kubernetes'.
const maxManagedByLength = 63

// httpPath is what the path part of a domain-prefixed path may hold
// (apimachinery's httpPathFmt).
var httpPath = regexp.MustCompile(`^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$`)

// domainPrefixedPath checks a "<DNS subdomain>/<path>" value, as
// apimachinery's IsDomainPrefixedPath.
func (v *validator) domainPrefixedPath(p, s string) {
	if s == "" {
		v.required(p, "")
		return
	}
	host, path, ok := strings.Cut(s, "/")
	if !ok || host == "" || path == "" {
		v.invalid(p, s, "must be a domain-prefixed path (such as \"acme.io/foo\")")
		return
	}
	for _, m := range validation.IsDNS1123Subdomain(host) {
		v.invalid(p, host, m)
	}
	if !httpPath.MatchString(path) {
		v.invalid(p, path, "Invalid path: must match the regex [A-Za-z0-9/\\-._~%!$&'()*+,;=:]+")
	}
}

var podConditionStatuses = []string{ConditionTrue, ConditionFalse, ConditionUnknown}

func (v *validator) podFailurePolicy(p string, s *JobSpec) {
	pp := child(p, "podFailurePolicy")
	if rp := restartPolicyOf(&s.Template.Spec); rp != RestartPolicyNever {
		v.invalid(child(p, "template.spec.restartPolicy"), rp, "only \"Never\" is supported when podFailurePolicy is specified")
	}
	rules := s.PodFailurePolicy.Rules
	if len(rules) > MaxPodFailurePolicyRules {
		v.add(child(pp, "rules"), ErrorTypeTooMany, len(rules), fmt.Sprintf("must have at most %d items", MaxPodFailurePolicyRules))
	}
	containers := map[string]bool{}
	for _, c := range s.Template.Spec.InitContainers {
		containers[c.Name] = true
	}
	for _, c := range s.Template.Spec.Containers {
		containers[c.Name] = true
	}
	for i, r := range rules {
		rp := index(child(pp, "rules"), i)
		switch r.Action {
		case PodFailurePolicyActionFailJob, PodFailurePolicyActionIgnore, PodFailurePolicyActionCount:
		case PodFailurePolicyActionFailIndex:
			if s.BackoffLimitPerIndex == nil {
				v.invalid(child(rp, "action"), r.Action, "requires the backoffLimitPerIndex to be set")
			}
		default:
			v.notSupported(child(rp, "action"), r.Action, PodFailurePolicyActionCount, PodFailurePolicyActionFailIndex, PodFailurePolicyActionFailJob, PodFailurePolicyActionIgnore)
		}
		switch {
		case r.OnExitCodes == nil && len(r.OnPodConditions) == 0:
			v.invalid(rp, nil, "specifying one of OnExitCodes and OnPodConditions is required")
		case r.OnExitCodes != nil && len(r.OnPodConditions) > 0:
			v.invalid(rp, nil, "specifying both OnExitCodes and OnPodConditions is not supported")
		}
		if ec := r.OnExitCodes; ec != nil {
			ep := child(rp, "onExitCodes")
			if ec.ContainerName != nil && !containers[*ec.ContainerName] {
				v.invalid(child(ep, "containerName"), *ec.ContainerName, "must be one of the container or initContainer names in the pod template")
			}
			v.oneOf(child(ep, "operator"), ec.Operator, PodFailurePolicyOnExitCodesOpIn, PodFailurePolicyOnExitCodesOpNotIn)
			switch {
			case len(ec.Values) == 0:
				v.required(child(ep, "values"), "at least one value is required")
			case len(ec.Values) > MaxPodFailurePolicyExitCodes:
				v.add(child(ep, "values"), ErrorTypeTooMany, len(ec.Values), fmt.Sprintf("must have at most %d items", MaxPodFailurePolicyExitCodes))
			}
			seen := map[int32]bool{}
			for j, val := range ec.Values {
				vp := index(child(ep, "values"), j)
				switch {
				case seen[val]:
					v.add(vp, ErrorTypeDuplicate, val, "")
				case j > 0 && ec.Values[j-1] > val:
					v.invalid(vp, val, "must be ordered")
				}
				if ec.Operator == PodFailurePolicyOnExitCodesOpIn && val == 0 {
					v.invalid(vp, val, "must not be 0 for the In operator")
				}
				seen[val] = true
			}
		}
		if len(r.OnPodConditions) > MaxPodFailurePolicyConditions {
			v.add(child(rp, "onPodConditions"), ErrorTypeTooMany, len(r.OnPodConditions), fmt.Sprintf("must have at most %d items", MaxPodFailurePolicyConditions))
		}
		for j, pc := range r.OnPodConditions {
			cp := index(child(rp, "onPodConditions"), j)
			if pc.Type == "" {
				v.required(child(cp, "type"), "")
			} else {
				v.msgs(child(cp, "type"), pc.Type, validation.IsQualifiedName(pc.Type))
			}
			if pc.Status != "" {
				v.oneOf(child(cp, "status"), pc.Status, podConditionStatuses...)
			}
		}
	}
}

func (v *validator) successPolicy(p string, s *JobSpec, indexed bool) {
	sp := child(p, "successPolicy")
	if !indexed {
		v.invalid(sp, nil, "requires indexed completion mode")
		return
	}
	rules := s.SuccessPolicy.Rules
	switch {
	case len(rules) == 0:
		v.required(child(sp, "rules"), "at least one rule is required")
	case len(rules) > MaxSuccessPolicyRules:
		v.add(child(sp, "rules"), ErrorTypeTooMany, len(rules), fmt.Sprintf("must have at most %d items", MaxSuccessPolicyRules))
	}
	completions := int32(0)
	if s.Completions != nil {
		completions = *s.Completions
	}
	for i, r := range rules {
		rp := index(child(sp, "rules"), i)
		if r.SucceededIndexes == nil && r.SucceededCount == nil {
			v.required(rp, "at least one of succeededCount or succeededIndexes must be specified")
			continue
		}
		size := int64(-1)
		if r.SucceededIndexes != nil {
			n, err := ParseIndexSet(*r.SucceededIndexes, completions)
			if err != nil {
				v.invalid(child(rp, "succeededIndexes"), *r.SucceededIndexes, err.Error())
			} else {
				size = n
			}
		}
		if c := r.SucceededCount; c != nil {
			switch {
			case *c < 0:
				v.invalid(child(rp, "succeededCount"), *c, "must be greater than or equal to 0")
			case *c > completions:
				v.invalid(child(rp, "succeededCount"), *c, fmt.Sprintf("must be less than or equal to %d (the number of completions)", completions))
			case size >= 0 && int64(*c) > size:
				v.invalid(child(rp, "succeededCount"), *c, fmt.Sprintf("must be less than or equal to %d (the number of indexes in the specified succeededIndexes field)", size))
			}
		}
	}
}

// ParseIndexSet checks an index set such as "0,2-3,7" (the format of a
// Job's successPolicy succeededIndexes and its status completedIndexes:
// comma-separated indexes and inclusive ranges, ascending and
// non-overlapping, each below completions) and returns how many indexes it
// holds.
func ParseIndexSet(s string, completions int32) (int64, error) {
	if s == "" {
		return 0, errors.New("must not be empty")
	}
	var total int64
	prev := int64(-1)
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.ParseInt(lo, 10, 32)
		if err != nil || first < 0 {
			return 0, fmt.Errorf("cannot convert %q to an index", lo)
		}
		last := first
		if isRange {
			if last, err = strconv.ParseInt(hi, 10, 32); err != nil || last < 0 {
				return 0, fmt.Errorf("cannot convert %q to an index", hi)
			}
			if last <= first {
				// Kubernetes' parseIndexInterval: a range names at least
				// two indexes ("2-2" is written "2").
				return 0, fmt.Errorf("non-increasing order, previous: %d, current: %d", first, last)
			}
		}
		if first <= prev {
			return 0, errors.New("values must be sorted in ascending order and not overlap")
		}
		if last >= int64(completions) {
			return 0, fmt.Errorf("index %d must be less than completions (%d)", last, completions)
		}
		total += last - first + 1
		prev = last
	}
	return total, nil
}

func (v *validator) cronJob(c *CronJob) {
	sp := &c.Spec
	switch {
	case sp.Schedule == "":
		v.required("spec.schedule", "")
	case strings.Contains(sp.Schedule, "TZ"):
		v.invalid("spec.schedule", sp.Schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
	default:
		if _, err := cron.ParseStandard(sp.Schedule); err != nil {
			v.invalid("spec.schedule", sp.Schedule, err.Error())
		}
	}
	if tz := sp.TimeZone; tz != nil {
		if msg := checkTimeZone(*tz); msg != "" {
			v.invalid("spec.timeZone", *tz, msg)
		}
	}
	v.nonNegative64("spec.startingDeadlineSeconds", sp.StartingDeadlineSeconds)
	if sp.ConcurrencyPolicy != "" {
		v.oneOf("spec.concurrencyPolicy", sp.ConcurrencyPolicy, AllowConcurrent, ForbidConcurrent, ReplaceConcurrent)
	}
	v.nonNegative32("spec.successfulJobsHistoryLimit", sp.SuccessfulJobsHistoryLimit)
	v.nonNegative32("spec.failedJobsHistoryLimit", sp.FailedJobsHistoryLimit)
	v.templateMeta("spec.jobTemplate.metadata", &sp.JobTemplate.ObjectMeta)
	v.jobSpec("spec.jobTemplate.spec", &sp.JobTemplate.Spec, nil)
	// The selector of every Job made from the template is generated
	// (Kubernetes' ValidateJobTemplateSpec).
	if js := &sp.JobTemplate.Spec; js.Selector != nil {
		v.invalid("spec.jobTemplate.spec.selector", selectorString(js.Selector), "`selector` will be auto-generated")
	}
	if ms := sp.JobTemplate.Spec.ManualSelector; ms != nil && *ms {
		v.notSupported("spec.jobTemplate.spec.manualSelector", true, "nil", "false")
	}
}

// checkTimeZone returns why tz is not a usable CronJob timeZone, or "".
func checkTimeZone(tz string) string {
	switch {
	case tz == "":
		return "timeZone must be nil or non-empty string"
	case strings.EqualFold(tz, "Local"):
		return "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
	}
	for _, part := range strings.Split(tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || strings.ContainsAny(part, " \\") {
			return "unknown time zone " + tz
		}
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return "unknown time zone " + tz
	}
	return ""
}

func (v *validator) endpointSlice(e *EndpointSlice) {
	v.oneOf("addressType", e.AddressType, AddressTypeIPv4, AddressTypeIPv6, AddressTypeFQDN)
	if len(e.Endpoints) > 1000 {
		v.add("endpoints", ErrorTypeTooMany, len(e.Endpoints), "must have at most 1000 items")
	}
	for i, ep := range e.Endpoints {
		p := index("endpoints", i)
		if len(ep.Addresses) == 0 || len(ep.Addresses) > 100 {
			v.invalid(child(p, "addresses"), len(ep.Addresses), "must have between 1 and 100 addresses")
		}
		for j, a := range ep.Addresses {
			ap := index(child(p, "addresses"), j)
			ip, err := netip.ParseAddr(a)
			switch e.AddressType {
			case AddressTypeIPv4:
				if err != nil || !ip.Is4() {
					v.invalid(ap, a, "must be a valid IPv4 address")
				}
			case AddressTypeIPv6:
				if err != nil || !ip.Is6() || ip.Is4In6() {
					v.invalid(ap, a, "must be a valid IPv6 address")
				}
			case AddressTypeFQDN:
				// IsFullyQualifiedDomainName: a DNS subdomain of at
				// least two labels, a trailing dot allowed.
				n := strings.TrimSuffix(a, ".")
				if msgs := validation.IsDNS1123Subdomain(n); len(msgs) > 0 {
					v.msgs(ap, a, msgs)
				} else if !strings.Contains(n, ".") {
					v.invalid(ap, a, "should be a domain with at least two segments separated by dots")
				}
			}
		}
		if ep.Hostname != nil {
			v.msgs(child(p, "hostname"), *ep.Hostname, validation.IsDNS1123Label(*ep.Hostname))
		}
		if ep.NodeName != nil {
			v.msgs(child(p, "nodeName"), *ep.NodeName, validation.IsDNS1123Subdomain(*ep.NodeName))
		}
		if h := ep.Hints; h != nil {
			v.endpointHints(child(p, "hints"), h)
		}
	}
	names := map[string]bool{}
	for i, port := range e.Ports {
		p := index("ports", i)
		name := ""
		if port.Name != nil {
			name = *port.Name
		}
		if name != "" {
			v.msgs(child(p, "name"), name, validation.IsDNS1123Label(name))
		}
		if names[name] {
			v.add(child(p, "name"), ErrorTypeDuplicate, name, "")
		}
		names[name] = true
		if port.Port != nil {
			v.msgs(child(p, "port"), *port.Port, validation.IsValidPortNum(int(*port.Port)))
		}
		if port.Protocol != nil {
			v.protocol(child(p, "protocol"), *port.Protocol)
		}
		if port.AppProtocol != nil {
			v.msgs(child(p, "appProtocol"), *port.AppProtocol, validation.IsQualifiedName(*port.AppProtocol))
		}
	}
}

// endpoints checks an Endpoints object as ValidateEndpoints
// (validateEndpointSubsets, validateEndpointAddress, validateEndpointPort):
// each subset has an address, each address a valid IP that is not
// unspecified, link-local or link-local multicast (loopback addresses
// are allowed, as for EndpointSlices), a DNS label hostname, a valid node
// name; each port a valid number and protocol, and a DNS label name, which
// is required when the subset has more than one port.
func (v *validator) endpoints(e *Endpoints) {
	for i := range e.Subsets {
		ss := &e.Subsets[i]
		p := index("subsets", i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			v.required(p, "must specify `addresses` or `notReadyAddresses`")
		}
		for j := range ss.Addresses {
			v.endpointAddress(index(child(p, "addresses"), j), &ss.Addresses[j])
		}
		for j := range ss.NotReadyAddresses {
			v.endpointAddress(index(child(p, "notReadyAddresses"), j), &ss.NotReadyAddresses[j])
		}
		for j, port := range ss.Ports {
			pp := index(child(p, "ports"), j)
			switch {
			case port.Name == "" && len(ss.Ports) > 1:
				v.required(child(pp, "name"), "")
			case port.Name != "":
				v.msgs(child(pp, "name"), port.Name, validation.IsDNS1123Label(port.Name))
			}
			v.msgs(child(pp, "port"), port.Port, validation.IsValidPortNum(int(port.Port)))
			if port.Protocol == "" {
				v.required(child(pp, "protocol"), "")
			} else {
				v.protocol(child(pp, "protocol"), port.Protocol)
			}
			if port.AppProtocol != nil {
				v.msgs(child(pp, "appProtocol"), *port.AppProtocol, validation.IsQualifiedName(*port.AppProtocol))
			}
		}
	}
}

func (v *validator) endpointAddress(p string, a *EndpointAddress) {
	ip, err := netip.ParseAddr(a.IP)
	switch {
	case err != nil || ip.Zone() != "":
		v.invalid(child(p, "ip"), a.IP, "must be a valid IP address")
	case ip.IsUnspecified():
		v.invalid(child(p, "ip"), a.IP, "may not be unspecified (0.0.0.0)")
	case ip.IsLinkLocalUnicast():
		v.invalid(child(p, "ip"), a.IP, "may not be in the link-local range (169.254.0.0/16, fe80::/10)")
	case ip.IsLinkLocalMulticast():
		v.invalid(child(p, "ip"), a.IP, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")
	}
	if a.Hostname != "" {
		v.msgs(child(p, "hostname"), a.Hostname, validation.IsDNS1123Label(a.Hostname))
	}
	if a.NodeName != nil {
		v.msgs(child(p, "nodeName"), *a.NodeName, validation.IsDNS1123Subdomain(*a.NodeName))
	}
}

// endpointHints checks an endpoint's hints as discovery's validateHints:
// at most 8 zones and 8 nodes, no name twice, zones valid label values,
// nodes valid node names.
func (v *validator) endpointHints(p string, h *EndpointHints) {
	zones := make([]string, len(h.ForZones))
	for i, z := range h.ForZones {
		zones[i] = z.Name
	}
	nodes := make([]string, len(h.ForNodes))
	for i, n := range h.ForNodes {
		nodes[i] = n.Name
	}
	v.hintNames(child(p, "forZones"), zones, validation.IsValidLabelValue)
	v.hintNames(child(p, "forNodes"), nodes, validation.IsDNS1123Subdomain)
}

// hintNames checks the names of one list of an endpoint's hints: at most
// 8, none twice, each valid.
func (v *validator) hintNames(p string, names []string, valid func(string) []string) {
	const maxHints = 8
	if len(names) > maxHints {
		v.add(p, ErrorTypeTooMany, len(names), "must have at most 8 items")
		return
	}
	seen := map[string]bool{}
	for i, n := range names {
		np := child(index(p, i), "name")
		if seen[n] {
			v.add(np, ErrorTypeDuplicate, n, "")
		}
		seen[n] = true
		v.msgs(np, n, valid(n))
	}
}

// ---- updates ----

func (v *validator) metaUpdate(n, o *ObjectMeta) {
	if n.Name != o.Name {
		v.immutable("metadata.name", n.Name)
	}
	if n.Namespace != o.Namespace {
		v.immutable("metadata.namespace", n.Namespace)
	}
	if o.UID != "" && n.UID != o.UID {
		v.immutable("metadata.uid", n.UID)
	}
	if !o.CreationTimestamp.IsZero() && !n.CreationTimestamp.Equal(o.CreationTimestamp.Time) {
		v.immutable("metadata.creationTimestamp", n.CreationTimestamp.UTC().Format(time.RFC3339))
	}
}

func selectorString(s *LabelSelector) string {
	sel, err := s.AsSelector()
	if err != nil {
		return "<invalid selector>"
	}
	return sel.String()
}

func (v *validator) immutableSelector(p string, n, o *LabelSelector) {
	if !EqualSelectors(n, o) {
		v.immutable(p, selectorString(n))
	}
}

func (v *validator) statefulSetUpdate(n, o *StatefulSet) {
	// Kubernetes' ValidateStatefulSetUpdate reports these under "spec";
	// here each names its field, with the same words.
	const detail = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
	v.immutableSelector("spec.selector", n.Spec.Selector, o.Spec.Selector)
	if n.Spec.ServiceName != o.Spec.ServiceName {
		v.forbidden("spec.serviceName", detail)
	}
	if n.Spec.PodManagementPolicy != o.Spec.PodManagementPolicy {
		v.forbidden("spec.podManagementPolicy", detail)
	}
	if !semanticEqual(n.Spec.VolumeClaimTemplates, o.Spec.VolumeClaimTemplates) {
		v.forbidden("spec.volumeClaimTemplates", detail)
	}
}

func (v *validator) jobUpdate(n, o *Job) {
	ns, os := &n.Spec, &o.Spec
	// The Job controller, not the API, generates the selector and the
	// template labels it selects: a Job created without a selector, or
	// with one of its own that lacks controller-uid, gets it once, with
	// labels added to its template.
	generating := (os.ManualSelector == nil || !*os.ManualSelector) && (os.Selector == nil || os.Selector.MatchLabels[ControllerUIDLabel] == "")
	switch {
	case !generating:
		v.immutableSelector("spec.selector", ns.Selector, os.Selector)
	case os.Selector != nil:
		// Only controller-uid may be added.
		sel := ns.Selector.DeepCopy()
		if sel != nil {
			delete(sel.MatchLabels, ControllerUIDLabel)
		}
		v.immutableSelector("spec.selector", sel, os.Selector)
	}
	if !equalPtr(ns.ManualSelector, os.ManualSelector) {
		v.immutable("spec.manualSelector", nil)
	}
	if !equalPtr(ns.CompletionMode, os.CompletionMode) {
		v.immutable("spec.completionMode", ns.CompletionMode)
	}
	if !equalPtr(ns.BackoffLimitPerIndex, os.BackoffLimitPerIndex) {
		v.immutable("spec.backoffLimitPerIndex", ns.BackoffLimitPerIndex)
	}
	if !semanticEqual(ns.PodFailurePolicy, os.PodFailurePolicy) {
		v.immutable("spec.podFailurePolicy", nil)
	}
	if !semanticEqual(ns.SuccessPolicy, os.SuccessPolicy) {
		v.immutable("spec.successPolicy", nil)
	}
	if !equalPtr(ns.ManagedBy, os.ManagedBy) {
		v.immutable("spec.managedBy", ns.ManagedBy)
	}
	if !equalPtr(ns.Completions, os.Completions) {
		// Elastic Indexed Jobs: completions may change when the new
		// completions equal the new parallelism, whatever the old ones
		// were (Kubernetes' validateCompletions looks at the new spec).
		elastic := ns.CompletionMode != nil && *ns.CompletionMode == IndexedCompletion &&
			ns.Completions != nil && ns.Parallelism != nil && *ns.Completions == *ns.Parallelism
		if !elastic {
			v.immutable("spec.completions", ns.Completions)
		}
	}
	nt, ot := ns.Template.DeepCopy(), os.Template.DeepCopy()
	neverStarted := os.Suspend != nil && *os.Suspend && o.Status.StartTime == nil
	if generating {
		for k, val := range ot.Labels {
			if nv, ok := nt.Labels[k]; !ok || nv != val {
				v.forbidden(key("spec.template.metadata.labels", k), "labels may be added but not changed while the selector is generated")
			}
		}
		nt.Labels, ot.Labels = nil, nil
	}
	if neverStarted {
		// A suspended Job that never ran may change where its pods go:
		// labels, annotations, nodeSelector, tolerations and node
		// affinity, not pod (anti-)affinity (Kubernetes'
		// validatePodTemplateUpdate, AllowMutableSchedulingDirectives).
		for _, t := range []*PodTemplateSpec{nt, ot} {
			t.Labels, t.Annotations = nil, nil
			t.Spec.NodeSelector, t.Spec.Tolerations = nil, nil
			if a := t.Spec.Affinity; a != nil {
				a.NodeAffinity = nil
				if *a == (Affinity{}) {
					t.Spec.Affinity = nil
				}
			}
		}
	}
	if !semanticEqual(nt, ot) {
		v.immutable("spec.template", nil)
	}
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// serviceUpdate refuses a change of the allocated ClusterIPs, as
// validateUpgradeDowngradeClusterIPs (single-stack: no secondary to add
// or release): not for a type change from or to ExternalName, nor between
// headless versions.
func (v *validator) serviceUpdate(n, o *Service) {
	if n.Spec.Type == ServiceTypeExternalName || o.Spec.Type == ServiceTypeExternalName {
		return
	}
	if n.Spec.ClusterIP == ClusterIPNone && o.Spec.ClusterIP == ClusterIPNone {
		return
	}
	ips := func(s *Service) []string {
		if len(s.Spec.ClusterIPs) == 0 && s.Spec.ClusterIP != "" {
			return []string{s.Spec.ClusterIP}
		}
		return s.Spec.ClusterIPs
	}
	nips, oips := ips(n), ips(o)
	switch {
	case len(oips) == len(nips):
		for i, ip := range oips {
			if ip != nips[i] {
				v.invalid(index("spec.clusterIPs", i), nips, "may not change once set")
			}
		}
	case len(nips) == 0:
		v.invalid("spec.clusterIPs[0]", nips, "primary clusterIP can not be unset")
	case len(oips) > 0 && nips[0] != oips[0]:
		v.invalid("spec.clusterIPs[0]", nips, "may not change once set")
	}
}

func (v *validator) podUpdate(n, o *Pod) {
	if len(n.Spec.Containers) != len(o.Spec.Containers) || len(n.Spec.InitContainers) != len(o.Spec.InitContainers) {
		v.forbidden("spec", "pod updates may not add or remove containers")
		return
	}
	ns, os := n.Spec.DeepCopy(), o.Spec.DeepCopy()
	for i := range ns.Containers {
		ns.Containers[i].Image = os.Containers[i].Image
	}
	for i := range ns.InitContainers {
		ns.InitContainers[i].Image = os.InitContainers[i].Image
	}
	if ad := ns.ActiveDeadlineSeconds; ad != nil {
		if os.ActiveDeadlineSeconds != nil && *ad > *os.ActiveDeadlineSeconds {
			v.invalid("spec.activeDeadlineSeconds", *ad, "must be less than or equal to previous value")
		}
		ns.ActiveDeadlineSeconds = os.ActiveDeadlineSeconds
	} else if os.ActiveDeadlineSeconds != nil {
		v.invalid("spec.activeDeadlineSeconds", nil, "must not update from a positive integer to nil value")
		ns.ActiveDeadlineSeconds = os.ActiveDeadlineSeconds
	}
	if os.NodeName == "" {
		ns.NodeName = ""
	}
	// Tolerations may only be added, and existing ones change only their
	// tolerationSeconds (ValidateTolerationsInPodUpdate, which stops at the
	// first one missing).
	for _, ot := range os.Tolerations {
		found := false
		for _, nt := range ns.Tolerations {
			ot.TolerationSeconds = nt.TolerationSeconds
			if semanticEqual(ot, nt) {
				found = true
				break
			}
		}
		if !found {
			v.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")
			break
		}
	}
	ns.Tolerations, os.Tolerations = nil, nil
	// Scheduling gates may only be removed (validateSchedulingGates on
	// update: "only deletion is allowed").
	for _, g := range ns.SchedulingGates {
		if !slices.Contains(os.SchedulingGates, g) {
			v.forbidden("spec.schedulingGates", "only deletion is allowed, but found new scheduling gate '"+g.Name+"'")
			break
		}
	}
	ns.SchedulingGates, os.SchedulingGates = nil, nil
	if !semanticEqual(ns, os) {
		v.forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) and `spec.nodeName` (only to bind an unbound pod); changed: "+
			strings.Join(changedPodFields(ns, os), ", "))
	}
}

// maxChangedFields bounds the fields an error about a forbidden pod update
// names.
const maxChangedFields = 5

// changedPodFields names the fields that differ between two pod specs
// (semantically, as ValidateUpdate compares them), at most
// maxChangedFields, "..." after them if there are more: spec fields by
// their JSON names, and the fields of the containers and init containers
// one by one ("spec.containers[0].command"), as Kubernetes' error for a
// forbidden pod update shows the difference.
func changedPodFields(a, b *PodSpec) []string {
	var out []string
	more := false
	note := func(path string) {
		if len(out) < maxChangedFields {
			out = append(out, path)
		} else {
			more = true
		}
	}
	fields := func(p string, av, bv reflect.Value, deep func(name string, af, bf reflect.Value) bool) {
		t := av.Type()
		for i := range t.NumField() {
			af, bf := av.Field(i), bv.Field(i)
			if semanticValue(af, bf) {
				continue
			}
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				name = t.Field(i).Name
			}
			if deep == nil || !deep(name, af, bf) {
				note(child(p, name))
			}
		}
	}
	fields("spec", reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem(), func(name string, af, bf reflect.Value) bool {
		if name != "containers" && name != "initContainers" || af.Len() != bf.Len() {
			return false
		}
		for i := range af.Len() {
			fields(index(child("spec", name), i), af.Index(i), bf.Index(i), nil)
		}
		return true
	})
	if more {
		out = append(out, "...")
	}
	return out
}
