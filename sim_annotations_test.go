package orchestra_test

import (
	"errors"
	"testing"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

// On the fake runtime, a workload whose pod template has a bad
// sim.orchestra.dev/* annotation (a typo in the key, a value the fake
// cannot read) is refused by Apply, naming the object and the field, and
// nothing is stored: before, a typo'd key was silently ignored and a bad
// value made every pod's creation fail on the runtime, over and over.
func TestApplyRefusesBadSimAnnotationsOnTheFake(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	deploy := func(ann map[string]string) *workload.Deployment {
		return &workload.Deployment{
			ObjectMeta: workload.ObjectMeta{Name: "web"},
			Spec: workload.DeploymentSpec{
				Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: workload.PodTemplateSpec{
					ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "web"}, Annotations: ann},
					Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "web", Image: "nginx"}}},
				},
			},
		}
	}
	for _, tc := range []struct {
		obj  workload.Object
		want string
	}{
		{deploy(map[string]string{"sim.orchestra.dev/runfor": "1s"}),
			"fake: invalid: Deployment/default/web: spec.template.metadata.annotations[sim.orchestra.dev/runfor]: unknown key"},
		{deploy(map[string]string{fake.AnnotationRunFor: "forever"}),
			`fake: invalid: Deployment/default/web: spec.template.metadata.annotations[sim.orchestra.dev/run-for]: "forever" is not a non-negative Go duration (like 45s)`},
		{&workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: "p", Annotations: map[string]string{fake.AnnotationExitCode: "300"}},
			Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "c", Image: "x"}}},
		}, "fake: invalid: Pod/default/p: metadata.annotations[sim.orchestra.dev/exit-code]: want 0 to 255, got 300"},
	} {
		_, err := c.Apply(tc.obj)
		if !errors.Is(err, workload.ErrInvalid) || err.Error() != tc.want {
			t.Errorf("Apply: %v\nwant an error wrapping workload.ErrInvalid: %s", err, tc.want)
		}
		if objs, _ := c.List(tc.obj.Kind(), "", ""); len(objs) != 0 {
			t.Errorf("%d %s stored after a refused Apply", len(objs), tc.obj.Kind())
		}
	}
	// Good values, and annotations of other prefixes, are applied.
	if _, err := c.Apply(deploy(map[string]string{fake.AnnotationRunFor: "5s", "example.com/x": "whatever"})); err != nil {
		t.Fatal(err)
	}
}
