package controller

import (
	"testing"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/orchestra-go/orchestra/workload"
)

// TestParsedSelector checks that a kept parse is reused only for an equal
// selector and made again for any other: another label value, another
// expression, nil (selects nothing) against empty (selects everything),
// and a selector that does not parse.
func TestParsedSelector(t *testing.T) {
	web := &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	db := &workload.LabelSelector{MatchLabels: map[string]string{"app": "db"}}
	expr := &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"},
		MatchExpressions: []workload.LabelSelectorRequirement{{Key: "tier", Operator: workload.LabelSelectorOpIn, Values: []string{"a"}}}}
	exprB := &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"},
		MatchExpressions: []workload.LabelSelectorRequirement{{Key: "tier", Operator: workload.LabelSelectorOpIn, Values: []string{"b"}}}}
	bad := &workload.LabelSelector{MatchExpressions: []workload.LabelSelectorRequirement{{Key: "tier", Operator: "Near"}}}
	webPod := labels.Set{"app": "web", "tier": "a"}

	var p parsedSelector
	if p.holds(web) || p.holds(nil) {
		t.Fatal("the zero parsedSelector holds a selector")
	}
	for i, tc := range []struct {
		ls        *workload.LabelSelector
		match, ok bool
	}{
		{web, true, true},
		{&workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, true, true}, // equal, another pointer
		{db, false, true},
		{expr, true, true},
		{exprB, false, true},
		{nil, false, true},
		{&workload.LabelSelector{}, true, true},
		{bad, false, false},
		{web, true, true},
	} {
		sel, err := p.of(tc.ls)
		want, wantErr := tc.ls.AsSelector()
		if (err == nil) != tc.ok || (wantErr == nil) != tc.ok {
			t.Fatalf("%d: err %v, want ok=%v", i, err, tc.ok)
		}
		if !tc.ok {
			if sel != nil || !p.holds(tc.ls) {
				t.Fatalf("%d: a selector that does not parse: sel %v, holds %v", i, sel, p.holds(tc.ls))
			}
			continue
		}
		if sel.String() != want.String() || sel.Matches(webPod) != tc.match {
			t.Fatalf("%d: got %q (matches %v), want %q (matches %v)", i, sel, sel.Matches(webPod), want, tc.match)
		}
		if !p.holds(tc.ls) {
			t.Fatalf("%d: does not hold the selector it parsed", i)
		}
	}
}
