package breakit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A DaemonSet's template generation: the API server keeps
// spec.templateGeneration, shown in apps/v1 as the annotation
// deprecated.daemonset.template.generation, 1 at creation and one more on
// each change of spec.template (and only then: metadata.generation counts
// every spec change). The DaemonSet controller labels every pod it creates
// pod-template-generation=<that number> besides controller-revision-hash,
// as `kubectl get pods --show-labels` shows on every cluster.
// Source: pkg/registry/apps/daemonset/strategy.go PrepareForCreate and
// PrepareForUpdate (TemplateGeneration); pkg/apis/apps/v1/conversion.go
// (DeprecatedTemplateGeneration); pkg/controller/daemon/util
// CreatePodTemplate (DaemonSetTemplateGenerationKey).
func TestR8DaemonSetTemplateGeneration(t *testing.T) {
	c := newCluster(t, "a", "b")
	const ds = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  minReadySeconds: MRS
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: IMAGE}]}`
	apply := func(image, minReady string) {
		t.Helper()
		y := ds
		for _, r := range [][2]string{{"IMAGE", image}, {"MRS", minReady}} {
			y = strings.ReplaceAll(y, r[0], r[1])
		}
		applyYAML(t, c, y)
		advance(t, c, 2*time.Minute)
	}
	check := func(when, want string) {
		t.Helper()
		o, err := c.Get("DaemonSet", "default", "agent")
		if err != nil {
			t.Fatal(err)
		}
		if got := o.GetObjectMeta().Annotations["deprecated.daemonset.template.generation"]; got != want {
			t.Errorf("%s: annotation deprecated.daemonset.template.generation %q, want %q", when, got, want)
		}
		ps := pods(t, c, "app=agent")
		if len(ps) != 2 {
			t.Fatalf("%s: %d pods, want 2", when, len(ps))
		}
		for _, p := range ps {
			if got := p.Labels["pod-template-generation"]; got != want {
				t.Errorf("%s: pod %s label pod-template-generation %q, want %q", when, p.Name, got, want)
			}
		}
	}
	apply("agent:1", "0")
	check("created", "1")
	apply("agent:1", "0")
	check("applied unchanged", "1")
	apply("agent:2", "0")
	check("image changed", "2")
	apply("agent:2", "5")
	check("minReadySeconds changed", "2")
	if g := getDS(t, c, "agent").Generation; g != 3 {
		t.Errorf("metadata.generation %d, want 3 (every spec change)", g)
	}
}

func getDS(t *testing.T, c interface {
	Get(kind, namespace, name string) (workload.Object, error)
}, name string) *workload.DaemonSet {
	t.Helper()
	o, err := c.Get("DaemonSet", "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.DaemonSet)
}
