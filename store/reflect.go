package store

import (
	"bytes"
	"reflect"
	"sync"
	"time"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// typeInfo is what the store knows about the Go type of a kind, found once
// by reflection and cached.
type typeInfo struct {
	// status is the index of the field named Status, or -1.
	status int
	// content lists the fields whose change bumps metadata.generation:
	// every field but TypeMeta, ObjectMeta and Status. For the kinds with
	// a Spec that is just Spec.
	content []int
}

var (
	typeInfos      sync.Map // reflect.Type (pointer type) -> *typeInfo
	typeMetaType   = reflect.TypeFor[workload.TypeMeta]()
	objectMetaType = reflect.TypeFor[workload.ObjectMeta]()
	quantityType   = reflect.TypeFor[resource.Quantity]()
	wTimeType      = reflect.TypeFor[workload.Time]()
	timeType       = reflect.TypeFor[time.Time]()
)

// infoOf returns the cached typeInfo of obj's type, or nil when obj is not
// a non-nil pointer to a struct.
// Pods, the kind written most (every status a runtime reports), skip the
// cache.
func infoOf(obj workload.Object) (*typeInfo, reflect.Value) {
	if p, ok := obj.(*workload.Pod); ok && p != nil {
		return podInfo, reflect.ValueOf(p).Elem()
	}
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, reflect.Value{}
	}
	t := v.Type()
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo), v.Elem()
	}
	ti := buildInfo(t)
	typeInfos.Store(t, ti)
	return ti, v.Elem()
}

// podInfo is the typeInfo of *workload.Pod.
var podInfo = buildInfo(reflect.TypeFor[*workload.Pod]())

// buildInfo finds the typeInfo of t, a pointer to a struct.
func buildInfo(t reflect.Type) *typeInfo {
	st := t.Elem()
	ti := &typeInfo{status: -1}
	for i := range st.NumField() {
		f := st.Field(i)
		switch {
		case f.Type == typeMetaType || f.Type == objectMetaType:
		case f.Name == "Status":
			ti.status = i
		default:
			ti.content = append(ti.content, i)
		}
	}
	return ti
}

// nodeNameOf returns spec.nodeName of a Pod, or "" for any other object.
func nodeNameOf(obj workload.Object) string {
	if p, ok := obj.(*workload.Pod); ok {
		return p.Spec.NodeName
	}
	return ""
}

// contentEqual reports whether the generation-relevant fields of a and b
// (values of the same struct type) are semantically equal.
func (ti *typeInfo) contentEqual(a, b reflect.Value) bool {
	for _, i := range ti.content {
		if !semanticEqual(a.Field(i), b.Field(i)) {
			return false
		}
	}
	return true
}

// semanticEqual is reflect.DeepEqual with the equalities of Kubernetes'
// apimachinery Semantic.DeepEqual: a nil and an empty slice or map are
// equal, quantities compare by value ("1000m" == "1", whatever their
// cached string form), and times compare with time.Time.Equal.
func semanticEqual(a, b reflect.Value) bool {
	switch a.Type() {
	case quantityType:
		qa, qb := quantityOf(a), quantityOf(b)
		if qa == nil || qb == nil {
			break // unexported, unaddressable: compare structurally below
		}
		return qa.Cmp(*qb) == 0
	case wTimeType:
		// Through pointers when addressable: boxing a time allocates.
		if ta, tb := timeOf(a), timeOf(b); ta != nil && tb != nil {
			return ta.Equal(*tb)
		}
	case timeType:
		if ta, tb := timeOf(a), timeOf(b); ta != nil && tb != nil {
			return ta.Equal(*tb)
		}
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Pointer() == b.Pointer() {
			return true
		}
		return semanticEqual(a.Elem(), b.Elem())
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Elem().Type() != b.Elem().Type() {
			return false
		}
		return semanticEqual(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !semanticEqual(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		if a.Len() == 0 || a.Pointer() == b.Pointer() {
			return true
		}
		if a.Type().Elem().Kind() == reflect.Uint8 {
			return bytes.Equal(a.Bytes(), b.Bytes())
		}
		fallthrough
	case reflect.Array:
		for i := range a.Len() {
			if !semanticEqual(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		if a.Len() == 0 || a.Pointer() == b.Pointer() {
			return true
		}
		it := a.MapRange()
		for it.Next() {
			bv := b.MapIndex(it.Key())
			if !bv.IsValid() || !semanticEqual(it.Value(), bv) {
				return false
			}
		}
		return true
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	case reflect.Complex64, reflect.Complex128:
		return a.Complex() == b.Complex()
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return a.Pointer() == b.Pointer()
	}
	return false
}

// timeOf returns a pointer to the time.Time that v (a time.Time or a
// workload.Time) holds, without copying when v is addressable, or nil when
// it cannot be read.
func timeOf(v reflect.Value) *time.Time {
	if v.CanAddr() && v.Addr().CanInterface() {
		switch p := v.Addr().Interface().(type) {
		case *time.Time:
			return p
		case *workload.Time:
			return &p.Time
		}
	}
	if !v.CanInterface() {
		return nil
	}
	switch t := v.Interface().(type) {
	case time.Time:
		return &t
	case workload.Time:
		return &t.Time
	}
	return nil
}

// quantityOf returns a pointer to the quantity held by v without copying
// when v is addressable, or nil when it cannot be read as a whole.
func quantityOf(v reflect.Value) *resource.Quantity {
	if v.CanAddr() && v.Addr().CanInterface() {
		return v.Addr().Interface().(*resource.Quantity)
	}
	if v.CanInterface() {
		q := v.Interface().(resource.Quantity)
		return &q
	}
	return nil
}
