package workload

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

//go:generate go run k8s.io/code-generator/cmd/deepcopy-gen@v0.37.2 --output-file zz_generated.deepcopy.go --go-header-file /dev/null .

// Compile-time checks that every kind is an Object.
var (
	_ Object = (*Namespace)(nil)
	_ Object = (*Node)(nil)
	_ Object = (*Pod)(nil)
	_ Object = (*Service)(nil)
	_ Object = (*PersistentVolumeClaim)(nil)
	_ Object = (*Event)(nil)
	_ Object = (*DaemonSet)(nil)
	_ Object = (*Deployment)(nil)
	_ Object = (*ReplicaSet)(nil)
	_ Object = (*StatefulSet)(nil)
	_ Object = (*ControllerRevision)(nil)
	_ Object = (*Job)(nil)
	_ Object = (*CronJob)(nil)
	_ Object = (*EndpointSlice)(nil)
)

// DeepCopyObject implements Object.
func (o *Namespace) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *Node) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *Pod) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *Service) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *PersistentVolumeClaim) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *Event) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *DaemonSet) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *Deployment) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *ReplicaSet) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *StatefulSet) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *ControllerRevision) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *Job) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *CronJob) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *EndpointSlice) DeepCopyObject() Object { return o.DeepCopy() }

// DeepCopyObject implements Object.
func (o *Endpoints) DeepCopyObject() Object { return o.DeepCopy() }

// Kinds lists every kind this package models, sorted.
var Kinds = []string{
	"ControllerRevision", "CronJob", "DaemonSet", "Deployment", "EndpointSlice",
	"Endpoints", "Event", "Job", "Namespace", "Node", "PersistentVolumeClaim", "Pod",
	"ReplicaSet", "Service", "StatefulSet",
}

// New returns a new empty object of kind, or nil for a kind this package
// does not model.
func New(kind string) Object {
	switch kind {
	case "Namespace":
		return &Namespace{}
	case "Node":
		return &Node{}
	case "Pod":
		return &Pod{}
	case "Service":
		return &Service{}
	case "PersistentVolumeClaim":
		return &PersistentVolumeClaim{}
	case "Event":
		return &Event{}
	case "DaemonSet":
		return &DaemonSet{}
	case "Deployment":
		return &Deployment{}
	case "ReplicaSet":
		return &ReplicaSet{}
	case "StatefulSet":
		return &StatefulSet{}
	case "ControllerRevision":
		return &ControllerRevision{}
	case "Job":
		return &Job{}
	case "CronJob":
		return &CronJob{}
	case "EndpointSlice":
		return &EndpointSlice{}
	case "Endpoints":
		return &Endpoints{}
	}
	return nil
}

// IsClusterScoped reports whether objects of kind have no namespace.
func IsClusterScoped(kind string) bool {
	return kind == "Node" || kind == "Namespace"
}

// EqualSelectors reports whether a and b are the same selector, reading nil
// and empty matchLabels and matchExpressions alike. The order of the
// expressions and of their values counts, as in the stored object.
func EqualSelectors(a, b *LabelSelector) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if len(a.MatchLabels) != len(b.MatchLabels) || len(a.MatchExpressions) != len(b.MatchExpressions) {
		return false
	}
	for k, va := range a.MatchLabels {
		if vb, ok := b.MatchLabels[k]; !ok || va != vb {
			return false
		}
	}
	for i := range a.MatchExpressions {
		ea, eb := &a.MatchExpressions[i], &b.MatchExpressions[i]
		if ea.Key != eb.Key || ea.Operator != eb.Operator || !slices.Equal(ea.Values, eb.Values) {
			return false
		}
	}
	return true
}

// AsSelector converts ls to a labels.Selector, as
// metav1.LabelSelectorAsSelector does: a nil selector matches nothing, an
// empty one matches everything.
func (ls *LabelSelector) AsSelector() (labels.Selector, error) {
	if ls == nil {
		return labels.Nothing(), nil
	}
	if len(ls.MatchLabels)+len(ls.MatchExpressions) == 0 {
		return labels.Everything(), nil
	}
	reqs := make([]labels.Requirement, 0, len(ls.MatchLabels)+len(ls.MatchExpressions))
	keys := make([]string, 0, len(ls.MatchLabels))
	for k := range ls.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r, err := labels.NewRequirement(k, selection.Equals, []string{ls.MatchLabels[k]})
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, *r)
	}
	for _, e := range ls.MatchExpressions {
		var op selection.Operator
		switch e.Operator {
		case LabelSelectorOpIn:
			op = selection.In
		case LabelSelectorOpNotIn:
			op = selection.NotIn
		case LabelSelectorOpExists:
			op = selection.Exists
		case LabelSelectorOpDoesNotExist:
			op = selection.DoesNotExist
		default:
			return nil, fmt.Errorf("%q is not a valid label selector operator", e.Operator)
		}
		r, err := labels.NewRequirement(e.Key, op, append([]string(nil), e.Values...))
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, *r)
	}
	return labels.NewSelector().Add(reqs...), nil
}

// shortNames are kubectl's short names of the kinds.
var shortNames = map[string]string{
	"po": "Pod", "no": "Node", "svc": "Service", "pvc": "PersistentVolumeClaim", "ev": "Event",
	"ds": "DaemonSet", "deploy": "Deployment", "rs": "ReplicaSet", "sts": "StatefulSet",
	"cj": "CronJob", "ns": "Namespace", "ep": "Endpoints",
}

// KindFor resolves a kind as kubectl does: the Kind itself ("Job"), in any
// case ("job"), its plural ("jobs", "statefulsets", "endpointslices") or
// its short name ("deploy", "sts", "po"), each also qualified by the kind's
// API group, with or without its version ("deployments.apps",
// "cronjobs.v1.batch", "Deployment.apps"). It reports false for a name that
// is none of these.
func KindFor(name string) (string, bool) {
	lower := strings.ToLower(name)
	if k, ok := kindForResource(lower); ok {
		return k, true
	}
	res, qual, ok := strings.Cut(lower, ".")
	if !ok {
		return "", false
	}
	k, ok := kindForResource(res)
	if !ok {
		return "", false
	}
	group, version, ok := strings.Cut(APIVersionOf(k), "/")
	if ok && (qual == group || qual == version+"."+group) {
		return k, true
	}
	return "", false
}

// kindForResource resolves a lower-case Kind, plural or short name.
func kindForResource(lower string) (string, bool) {
	if k, ok := shortNames[lower]; ok {
		return k, true
	}
	for _, k := range Kinds {
		lk := strings.ToLower(k)
		plural := lk + "s"
		if strings.HasSuffix(lk, "s") { // endpoints
			plural = lk
		}
		if lower == lk || lower == plural {
			return k, true
		}
	}
	return "", false
}
