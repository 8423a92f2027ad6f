package breakit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A sidecar (or a plain init container) named like an app container is
// refused on the init container's name: Kubernetes' ValidatePodSpec
// validates spec.containers first, then spec.initContainers against the
// names taken (validateInitContainers: field.Duplicate on
// initContainers[i].name); the app container's name is valid. Two init
// containers, or two app containers, of one name are refused on the
// second. Source: pkg/apis/core/validation/validation.go ValidatePodSpec,
// validateInitContainers, validateContainers.
func TestR11kDuplicateContainerNamePath(t *testing.T) {
	for _, tc := range []struct {
		name, spec, want, notWant string
	}{
		{"sidecar named like the app container",
			"  initContainers: [{name: proxy, image: envoy, restartPolicy: Always}]\n  containers: [{name: proxy, image: nginx}]\n",
			`spec.initContainers[0].name: Duplicate value: "proxy"`, "spec.containers[0].name"},
		{"plain init container named like the second app container",
			"  initContainers: [{name: setup, image: busybox}, {name: web, image: busybox}]\n  containers: [{name: a, image: nginx}, {name: web, image: nginx}]\n",
			`spec.initContainers[1].name: Duplicate value: "web"`, "spec.containers[1].name"},
		{"two init containers",
			"  initContainers: [{name: x, image: busybox}, {name: x, image: envoy, restartPolicy: Always}]\n  containers: [{name: a, image: nginx}]\n",
			`spec.initContainers[1].name: Duplicate value: "x"`, "spec.initContainers[0].name"},
		{"two app containers",
			"  containers: [{name: a, image: nginx}, {name: a, image: nginx}]\n",
			`spec.containers[1].name: Duplicate value: "a"`, "spec.containers[0].name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, "a")
			objs, _, err := workload.Decode([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"+tc.spec), "p.yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Apply(objs[0])
			if err == nil {
				t.Fatal("applied")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.notWant) {
				t.Errorf("error %q, want %s and nothing on %s", err, tc.want, tc.notWant)
			}
		})
	}
}

// A Deployment whose spread constraint names app both in its labelSelector
// and in matchLabelKeys is accepted (a template gets no merge, and
// ValidateMatchLabelKeysAndMismatchLabelKeys flags a key only when a
// matchExpressions requirement names it a second time), but every pod its
// ReplicaSet creates is refused: the API server merges app In (web) into
// the pod's selector at creation (registry/core/pod/strategy.go
// applyMatchLabelKeys) and validation then finds app twice. The
// ReplicaSet reports FailedCreate and no pod exists. Likewise for a pod
// affinity term.
func TestR11kMatchLabelKeysTwiceRefusesControllerPods(t *testing.T) {
	for _, tc := range []struct{ name, extra, field string }{
		{"spread", `      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: web}}
        matchLabelKeys: [app]
`, "spec.topologySpreadConstraints[0].matchLabelKeys[0]"},
		{"anti-affinity", `      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector: {matchLabels: {app: web}}
              matchLabelKeys: [app]
              topologyKey: kubernetes.io/hostname
`, "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.matchLabelKeys[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, "a")
			applyYAML(t, c, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
`+tc.extra+`      containers: [{name: web, image: nginx}]
`)
			advance(t, c, time.Minute)
			if ps := pods(t, c, "app=web"); len(ps) != 0 {
				t.Fatalf("%d pods created; the API server refuses them", len(ps))
			}
			found := false
			for _, e := range c.Events() {
				if e.Reason == "FailedCreate" && e.InvolvedObject.Kind == "ReplicaSet" {
					found = true
					if !strings.Contains(e.Message, tc.field+`: Invalid value: "app": exists in both matchLabelKeys and labelSelector`) {
						t.Errorf("FailedCreate %q does not name %s", e.Message, tc.field)
					}
				}
			}
			if !found {
				t.Error("no FailedCreate event from the ReplicaSet")
			}
		})
	}
}
