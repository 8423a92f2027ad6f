package breakit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// A container's resources are checked as the API server's
// validateResourceRequirements (pkg/apis/core/validation/validation.go)
// does: a request above its limit is an error on the requests field itself;
// an extended resource (a domain outside kubernetes.io, as a device plugin's
// nvidia.com/gpu) is whole, cannot be overcommitted (its request equals its
// limit) and needs a limit; a name without a domain must be a container
// resource (validateContainerResourceName). A Pod with only a limit gets
// the request from it, so it is valid.
func TestR10cPodResourcesValidatedAsTheAPIServer(t *testing.T) {
	pod := func(res string) string {
		return `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: nginx
    resources: ` + res + "\n"
	}
	cases := []struct {
		name, res string
		want      []string // each a line of the error; none: valid
	}{
		{"request above limit", `{requests: {cpu: "2"}, limits: {cpu: "1"}}`,
			[]string{`spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`}},
		{"extended request without limit", `{requests: {example.com/gpu: "1"}}`,
			[]string{`spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources`}},
		{"extended request below limit", `{requests: {example.com/gpu: "1"}, limits: {example.com/gpu: "2"}}`,
			[]string{`spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2`}},
		{"extended fraction", `{limits: {example.com/gpu: 500m}}`,
			[]string{`spec.containers[0].resources.limits[example.com/gpu]: Invalid value: "500m": must be an integer`,
				`spec.containers[0].resources.requests[example.com/gpu]: Invalid value: "500m": must be an integer`}},
		{"unknown bare name", `{requests: {gpu: "1"}}`,
			[]string{`spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified`,
				`spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers`}},
		{"pods is no container resource", `{limits: {pods: "1"}}`,
			[]string{`spec.containers[0].resources.limits[pods]: Invalid value: "pods": must be a standard resource for containers`,
				`spec.containers[0].resources.requests[pods]: Invalid value: "pods": must be a standard resource for containers`}},
		{"hugepages alone", `{limits: {hugepages-2Mi: 4Mi}}`,
			[]string{`spec.containers[0].resources: Forbidden: HugePages require cpu or memory`}},
		{"extended limit only", `{limits: {example.com/gpu: "2"}}`, nil},
		{"extended equal", `{requests: {example.com/gpu: "2", cpu: 100m}, limits: {example.com/gpu: "2"}}`, nil},
		{"native overcommit", `{requests: {cpu: 100m, memory: 1Gi, ephemeral-storage: 1Gi}, limits: {cpu: "1", memory: 2Gi}}`, nil},
		{"hugepages with memory", `{limits: {hugepages-2Mi: 4Mi, memory: 1Gi}}`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, "n1")
			objs, _, err := workload.Decode([]byte(pod(tc.res)), "p.yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Apply(objs[0])
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Apply: %v, want it accepted", err)
				}
				return
			}
			if !errors.Is(err, workload.ErrInvalid) {
				t.Fatalf("Apply: %v, want an error wrapping ErrInvalid", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n lacks %q", err, w)
				}
			}
			var ve *workload.ValidationError
			if errors.As(err, &ve) && len(ve.Errors) != len(tc.want) {
				t.Errorf("%d errors (%q), want %d", len(ve.Errors), err, len(tc.want))
			}
			if _, gerr := c.Get("Pod", "default", "p"); gerr == nil {
				t.Error("the invalid pod was stored")
			}
		})
	}
}

// A toleration written without an operator is stored without one, as the
// API server stores it (core/v1 has no defaulting for it: an empty
// operator means Equal where it is read), and it still tolerates the taint
// with its key and value.
func TestR10cTolerationOperatorNotDefaulted(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "db", nil, nil, workload.Taint{Key: "dedicated", Value: "db", Effect: workload.TaintEffectNoSchedule})
	applyYAML(t, c, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  tolerations: [{key: dedicated, value: db, effect: NoSchedule}]
  containers: [{name: c, image: x}]
`)
	advance(t, c, time.Second)
	p := r3getPod(t, c, "p")
	if op := p.Spec.Tolerations[0].Operator; op != "" {
		t.Errorf("stored toleration has operator %q, want none", op)
	}
	if p.Spec.NodeName != "db" {
		t.Errorf("pod on %q, want db: its toleration (no operator: Equal) tolerates the taint", p.Spec.NodeName)
	}
}
