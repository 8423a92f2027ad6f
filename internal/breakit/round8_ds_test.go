package breakit_test

import (
	"errors"
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

// A DaemonSet's rolling update takes exactly one of maxSurge and
// maxUnavailable non-zero (after defaulting: maxUnavailable 1, maxSurge 0),
// and neither may be more than 100%. `maxSurge: 1` alone is refused, as
// users meet it: "spec.updateStrategy.rollingUpdate.maxSurge: Invalid
// value: 1: may not be set when maxUnavailable is non-zero"; both zero is
// "maxUnavailable: Required value: cannot be 0 when maxSurge is 0". The
// Deployment's rules differ (both may be set; maxSurge may pass 100%).
// Source: pkg/apis/apps/validation/validation.go ValidateRollingUpdateDaemonSet.
func TestR8DaemonSetSurgeValidation(t *testing.T) {
	for _, tc := range []struct {
		rollingUpdate string
		want          string // "" = valid
	}{
		{"{maxSurge: 1}", "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero"},
		{"{maxSurge: '10%', maxUnavailable: '10%'}", "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: \"10%\": may not be set when maxUnavailable is non-zero"},
		{"{maxSurge: 0, maxUnavailable: 0}", "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"},
		{"{maxSurge: '0%', maxUnavailable: '0%'}", "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"},
		{"{maxSurge: '150%', maxUnavailable: 0}", "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: \"150%\": must not be greater than 100%"},
		{"{maxSurge: 1, maxUnavailable: 0}", ""},
		{"{maxSurge: '100%', maxUnavailable: 0}", ""},
		{"{maxUnavailable: 2}", ""},
		{"{maxUnavailable: '50%', maxSurge: 0}", ""},
	} {
		c := newCluster(t, "a")
		objs, _, err := workload.Decode([]byte(`
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  updateStrategy: {type: RollingUpdate, rollingUpdate: `+tc.rollingUpdate+`}
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: agent}]}`), "ds.yaml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Apply(objs[0])
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("rollingUpdate %s: %v, want it accepted", tc.rollingUpdate, err)
		case tc.want != "" && (err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "DaemonSet/default/agent: "+tc.want)):
			t.Errorf("rollingUpdate %s: %v, want %q", tc.rollingUpdate, err, tc.want)
		}
	}
}

// Bad workload specs get Kubernetes' kind-specific words: an empty
// selector "is invalid for deployment" (a ReplicaSet's says "deployment"
// too, as Kubernetes' does), "for daemonset", "for statefulset"; a pod
// template's activeDeadlineSeconds is "not Supported" "in ReplicaSet" (a
// Deployment's template is checked as a ReplicaSet's), "in DaemonSet", "in
// StatefulSet".
// Source: pkg/apis/apps/validation/validation.go ValidateDeploymentSpec,
// ValidateReplicaSetSpec, ValidateDaemonSetSpec, ValidateStatefulSetSpec,
// ValidatePodTemplateSpecForReplicaSet.
func TestR8WorkloadValidationWords(t *testing.T) {
	for _, kind := range []struct{ kind, apiVersion, selectorWord, deadlineWord string }{
		{"Deployment", "apps/v1", "deployment", "ReplicaSet"},
		{"ReplicaSet", "apps/v1", "deployment", "ReplicaSet"},
		{"DaemonSet", "apps/v1", "daemonset", "DaemonSet"},
		{"StatefulSet", "apps/v1", "statefulset", "StatefulSet"},
	} {
		c := newCluster(t, "a")
		for _, tc := range []struct{ spec, want string }{
			{"  selector: {}\n  template: {metadata: {labels: {app: x}}, spec: {containers: [{name: c, image: x}]}}",
				"spec.selector: Invalid value: \"\": empty selector is invalid for " + kind.selectorWord},
			{"  selector: {matchLabels: {app: x}}\n  template: {metadata: {labels: {app: x}}, spec: {activeDeadlineSeconds: 5, containers: [{name: c, image: x}]}}",
				"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in " + kind.deadlineWord + " is not Supported"},
		} {
			objs, _, err := workload.Decode([]byte("apiVersion: "+kind.apiVersion+"\nkind: "+kind.kind+"\nmetadata: {name: w}\nspec:\n"+tc.spec), "w.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Apply(objs[0]); err == nil || !strings.Contains(err.Error(), kind.kind+"/default/w: "+tc.want) {
				t.Errorf("%s: %v, want %q", kind.kind, err, tc.want)
			}
		}
	}
}
