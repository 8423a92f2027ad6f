package breakit_test

import (
	"strings"
	"testing"

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
