package store

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// fillValue sets every field reachable from v to a non-zero value: one-element
// lists, allocated pointers, strings "a", numbers 1, true, a fixed time.
func fillValue(v reflect.Value) {
	switch v.Type() {
	case wTimeType:
		v.Set(reflect.ValueOf(workload.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fillValue(v.Field(i))
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillValue(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillValue(v.Index(0))
	case reflect.String:
		v.SetString("a")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	default:
		panic("fill: unhandled kind " + v.Kind().String() + " at " + v.Type().String())
	}
}

// leaves calls visit with the path and value of every leaf under v (a
// filled value): strings, numbers, bools, times, and the pointers and
// lists themselves.
func leaves(path string, v reflect.Value, visit func(string, reflect.Value)) {
	if v.Type() == wTimeType {
		visit(path, v)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			leaves(path+"."+v.Type().Field(i).Name, v.Field(i), visit)
		}
	case reflect.Pointer:
		visit(path, v)
		leaves(path+"*", v.Elem(), visit)
	case reflect.Slice:
		visit(path, v)
		leaves(path+"[0]", v.Index(0), visit)
	default:
		visit(path, v)
	}
}

// TestPodStatusEqualMatchesSemanticEqual changes every field of a full pod
// status, one at a time and in each way that matters, and checks that the
// written-out comparison agrees with the reflective one: a field added to
// PodStatus and forgotten in podStatusEqual fails here.
func TestPodStatusEqualMatchesSemanticEqual(t *testing.T) {
	var base workload.PodStatus
	fillValue(reflect.ValueOf(&base).Elem())
	check := func(what string, a, b *workload.PodStatus) {
		t.Helper()
		want := semanticEqual(reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem())
		if got := podStatusEqual(a, b); got != want || podStatusEqual(b, a) != want {
			t.Errorf("%s: podStatusEqual = %v, semanticEqual = %v", what, got, want)
		}
	}
	check("same value", &base, &base)
	same := base.DeepCopy()
	check("deep copy", &base, same)
	n := 0
	leaves("status", reflect.ValueOf(same).Elem(), func(path string, _ reflect.Value) {
		// Each change on a fresh copy, found again by path.
		for _, how := range []string{"change", "zero"} {
			c := base.DeepCopy()
			var target reflect.Value
			leaves("status", reflect.ValueOf(c).Elem(), func(p string, v reflect.Value) {
				if p == path {
					target = v
				}
			})
			switch {
			case how == "zero":
				target.Set(reflect.Zero(target.Type()))
			case target.Type() == wTimeType:
				target.Set(reflect.ValueOf(workload.NewTime(time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC))))
			case target.Kind() == reflect.String:
				target.SetString("b")
			case target.Kind() == reflect.Bool:
				target.SetBool(false)
			case target.Kind() == reflect.Int32:
				target.SetInt(2)
			case target.Kind() == reflect.Slice:
				target.Set(reflect.Append(target, target.Index(0)))
			case target.Kind() == reflect.Pointer:
				continue // a pointer's change is its element's
			default:
				t.Fatalf("%s: no change for kind %s", path, target.Kind())
			}
			check(fmt.Sprintf("%s %s", how, path), &base, c)
			n++
		}
	})
	if n < 60 {
		t.Fatalf("only %d changes tried: the walk missed fields", n)
	}

	// Semantic equalities: nil and empty lists, one instant in two zones.
	a, b := base.DeepCopy(), base.DeepCopy()
	a.Conditions, b.Conditions = nil, []workload.PodCondition{}
	a.InitContainerStatuses, b.InitContainerStatuses = nil, []workload.ContainerStatus{}
	a.PodIPs, b.PodIPs = nil, []workload.PodIP{}
	check("nil and empty lists", a, b)
	b = base.DeepCopy()
	b.StartTime = workload.NewTimePtr(b.StartTime.In(time.FixedZone("x", 3600)))
	b.ContainerStatuses[0].State.Running.StartedAt = workload.NewTime(b.ContainerStatuses[0].State.Running.StartedAt.In(time.FixedZone("y", -3600)))
	check("one instant in two zones", &base, b)
	if !podStatusEqual(&base, b) {
		t.Error("one instant in two zones: not equal")
	}
}
