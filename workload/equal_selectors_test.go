package workload_test

import (
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

func TestEqualSelectors(t *testing.T) {
	sel := func(labels map[string]string, exprs ...workload.LabelSelectorRequirement) *workload.LabelSelector {
		return &workload.LabelSelector{MatchLabels: labels, MatchExpressions: exprs}
	}
	in := func(key string, values ...string) workload.LabelSelectorRequirement {
		return workload.LabelSelectorRequirement{Key: key, Operator: workload.LabelSelectorOpIn, Values: values}
	}
	for _, tc := range []struct {
		name string
		a, b *workload.LabelSelector
		want bool
	}{
		{"both nil", nil, nil, true},
		{"nil and empty", nil, sel(nil), false},
		{"nil and empty maps", sel(nil), sel(map[string]string{}), true},
		{"same labels", sel(map[string]string{"app": "web"}), sel(map[string]string{"app": "web"}), true},
		{"other value", sel(map[string]string{"app": "web"}), sel(map[string]string{"app": "db"}), false},
		{"other key", sel(map[string]string{"app": "web"}), sel(map[string]string{"tier": "web"}), false},
		{"same expression", sel(nil, in("app", "a", "b")), sel(nil, in("app", "a", "b")), true},
		{"expression values differ", sel(nil, in("app", "a", "b")), sel(nil, in("app", "a", "c")), false},
		{"expression operator differs", sel(nil, in("app", "a")),
			sel(nil, workload.LabelSelectorRequirement{Key: "app", Operator: workload.LabelSelectorOpNotIn, Values: []string{"a"}}), false},
		{"one more expression", sel(nil, in("app", "a")), sel(nil, in("app", "a"), in("tier", "b")), false},
	} {
		if got := workload.EqualSelectors(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: EqualSelectors = %v, want %v", tc.name, got, tc.want)
		}
		if got := workload.EqualSelectors(tc.b, tc.a); got != tc.want {
			t.Errorf("%s (swapped): EqualSelectors = %v, want %v", tc.name, got, tc.want)
		}
	}
}
