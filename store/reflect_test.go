package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestSemanticEqual(t *testing.T) {
	type inner struct {
		Q resource.Quantity
		T workload.Time
	}
	type sample struct {
		S   []string
		M   map[string]string
		MQ  map[string]resource.Quantity
		P   *int
		I   any
		A   [2]int
		F   float64
		B   []byte
		In  inner
		Std time.Time
		u   uint8
	}
	one, alsoOne, two := 1, 1, 2
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		a, b sample
		want bool
	}{
		{"zero", sample{}, sample{}, true},
		{"nil and empty slice", sample{S: nil}, sample{S: []string{}}, true},
		{"nil and empty map", sample{M: nil}, sample{M: map[string]string{}}, true},
		{"slices differ", sample{S: []string{"a"}}, sample{S: []string{"b"}}, false},
		{"maps differ by key", sample{M: map[string]string{"a": "1"}}, sample{M: map[string]string{"b": "1"}}, false},
		{"maps equal", sample{M: map[string]string{"a": "1"}}, sample{M: map[string]string{"a": "1"}}, true},
		{"quantities in a map", sample{MQ: map[string]resource.Quantity{"cpu": resource.MustParse("1")}},
			sample{MQ: map[string]resource.Quantity{"cpu": resource.MustParse("1000m")}}, true},
		{"quantities differ", sample{In: inner{Q: resource.MustParse("1")}}, sample{In: inner{Q: resource.MustParse("2")}}, false},
		{"pointers to equal values", sample{P: &one}, sample{P: &alsoOne}, true},
		{"pointer and nil", sample{P: &one}, sample{}, false},
		{"pointers to different values", sample{P: &one}, sample{P: &two}, false},
		{"interfaces equal", sample{I: "x"}, sample{I: "x"}, true},
		{"interfaces of different types", sample{I: "1"}, sample{I: 1}, false},
		{"interface and nil", sample{I: 1}, sample{}, false},
		{"arrays differ", sample{A: [2]int{1, 2}}, sample{A: [2]int{1, 3}}, false},
		{"floats differ", sample{F: 1}, sample{F: 1.5}, false},
		{"bytes equal", sample{B: []byte("ab")}, sample{B: []byte("ab")}, true},
		{"bytes differ", sample{B: []byte("ab")}, sample{B: []byte("ac")}, false},
		{"same instant, other zone", sample{In: inner{T: workload.NewTime(epoch)}}, sample{In: inner{T: workload.NewTime(epoch.In(cet))}}, true},
		{"std time, other zone", sample{Std: epoch}, sample{Std: epoch.In(cet)}, true},
		{"times differ", sample{Std: epoch}, sample{Std: epoch.Add(time.Second)}, false},
		{"unexported field", sample{u: 1}, sample{u: 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.a, tt.b
			if got := semanticEqual(reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem()); got != tt.want {
				t.Errorf("semanticEqual = %v, want %v", got, tt.want)
			}
			if got := semanticEqual(reflect.ValueOf(b), reflect.ValueOf(a)); got != tt.want {
				t.Errorf("semanticEqual (swapped, unaddressable) = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSemanticEqualTimesDoNotAllocate: times are compared through
// pointers, not boxed into interfaces (an allocation each).
func TestSemanticEqualTimesDoNotAllocate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &workload.JobStatus{StartTime: workload.NewTimePtr(now), Conditions: []workload.Condition{{Type: "Complete", LastTransitionTime: workload.NewTime(now)}}}
	b := a.DeepCopy()
	av, bv := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	if !semanticEqual(av, bv) {
		t.Fatal("equal statuses compare unequal")
	}
	if n := testing.AllocsPerRun(100, func() { semanticEqual(av, bv) }); n != 0 {
		t.Fatalf("semanticEqual of two job statuses: %v allocations, want 0", n)
	}
}
