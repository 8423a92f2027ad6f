package workload

import (
	"encoding/json"
	"time"
)

// Object is implemented by every API object of this package (as a pointer):
// Node, Pod, DaemonSet, Job, CronJob, Deployment, ReplicaSet, StatefulSet,
// PersistentVolumeClaim, Service, EndpointSlice, ControllerRevision and Event.
type Object interface {
	// GetObjectMeta returns a pointer to the object's metadata, for reading
	// and, on a private copy, for writing.
	GetObjectMeta() *ObjectMeta
	// GetTypeMeta returns a pointer to the object's apiVersion and kind.
	GetTypeMeta() *TypeMeta
	// Kind returns the object's kind ("Pod", "Job", ...), whatever its
	// TypeMeta says.
	Kind() string
	// DeepCopyObject returns a copy that shares no memory with the receiver.
	DeepCopyObject() Object
}

// TypeMeta holds apiVersion and kind, as in every Kubernetes object.
type TypeMeta struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
}

// GetTypeMeta returns t itself.
func (t *TypeMeta) GetTypeMeta() *TypeMeta { return t }

// ObjectMeta is the metadata every object carries (metav1.ObjectMeta).
type ObjectMeta struct {
	Name                       string            `json:"name,omitempty"`
	GenerateName               string            `json:"generateName,omitempty"`
	Namespace                  string            `json:"namespace,omitempty"`
	UID                        string            `json:"uid,omitempty"`
	ResourceVersion            string            `json:"resourceVersion,omitempty"`
	Generation                 int64             `json:"generation,omitempty"`
	CreationTimestamp          Time              `json:"creationTimestamp,omitempty"`
	DeletionTimestamp          *Time             `json:"deletionTimestamp,omitempty"`
	DeletionGracePeriodSeconds *int64            `json:"deletionGracePeriodSeconds,omitempty"`
	Labels                     map[string]string `json:"labels,omitempty"`
	Annotations                map[string]string `json:"annotations,omitempty"`
	OwnerReferences            []OwnerReference  `json:"ownerReferences,omitempty"`
	Finalizers                 []string          `json:"finalizers,omitempty"`
}

// GetObjectMeta returns m itself.
func (m *ObjectMeta) GetObjectMeta() *ObjectMeta { return m }

// OwnerReference names an object that owns this one (metav1.OwnerReference).
type OwnerReference struct {
	APIVersion         string `json:"apiVersion"`
	Kind               string `json:"kind"`
	Name               string `json:"name"`
	UID                string `json:"uid"`
	Controller         *bool  `json:"controller,omitempty"`
	BlockOwnerDeletion *bool  `json:"blockOwnerDeletion,omitempty"`
}

// ControllerOf returns the owner reference with controller=true, or nil.
func ControllerOf(o Object) *OwnerReference {
	refs := o.GetObjectMeta().OwnerReferences
	for i := range refs {
		if refs[i].Controller != nil && *refs[i].Controller {
			return &refs[i]
		}
	}
	return nil
}

// NewControllerRef returns an owner reference to owner with controller and
// blockOwnerDeletion set, as Kubernetes controllers write them.
func NewControllerRef(owner Object) OwnerReference {
	t := true
	b := true
	m := owner.GetObjectMeta()
	return OwnerReference{
		APIVersion:         APIVersionOf(owner.Kind()),
		Kind:               owner.Kind(),
		Name:               m.Name,
		UID:                m.UID,
		Controller:         &t,
		BlockOwnerDeletion: &b,
	}
}

// APIVersionOf returns the preferred apiVersion of a kind this package
// models ("apps/v1" for "Deployment"), or "" for an unknown kind.
func APIVersionOf(kind string) string {
	switch kind {
	case "Node", "Pod", "Service", "PersistentVolumeClaim", "Event", "Namespace", "Endpoints":
		return "v1"
	case "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet", "ControllerRevision":
		return "apps/v1"
	case "Job", "CronJob":
		return "batch/v1"
	case "EndpointSlice":
		return "discovery.k8s.io/v1"
	}
	return ""
}

// Key returns "namespace/name" (or "name" for cluster-scoped objects), the
// key controllers queue.
func Key(o Object) string {
	m := o.GetObjectMeta()
	if m.Namespace == "" {
		return m.Name
	}
	return m.Namespace + "/" + m.Name
}

// Ref returns "Kind/namespace/name" (or "Kind/name" for cluster-scoped
// objects), the form events, logs and errors use.
func Ref(o Object) string {
	return o.Kind() + "/" + Key(o)
}

// Time is a timestamp that encodes as RFC 3339 in UTC with second
// precision, as metav1.Time does. The zero Time encodes as null.
type Time struct {
	time.Time
}

// NewTime wraps t.
func NewTime(t time.Time) Time { return Time{t} }

// NewTimePtr returns a pointer to a Time wrapping t.
func NewTimePtr(t time.Time) *Time { return &Time{t} }

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339))
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	pt, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return err
	}
	t.Time = pt.UTC()
	return nil
}

// Ptr returns a pointer to a copy of v; handy for optional fields.
func Ptr[T any](v T) *T { return &v }

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func copySlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s))
	copy(out, s)
	return out
}

// DeepCopyInto copies t into out; a Time holds no shared mutable state.
func (t *Time) DeepCopyInto(out *Time) { *out = *t }
