package scheduler

import (
	"testing"

	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// sidecar appends an init container with restartPolicy Always.
func sidecar(cpu, mem string) podOpt {
	return func(p *workload.Pod) {
		p.Spec.InitContainers = append(p.Spec.InitContainers, workload.Container{Name: "side", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways),
			Resources: workload.ResourceRequirements{Requests: rl(cpu, mem)}})
	}
}

// A pod's effective request counts its sidecars as Kubernetes' PodRequests
// does (KEP-753 "Exposing Pod Resource requirements"): max(containers +
// sidecars, each other init container + the sidecars declared before it).
func TestPodRequestsWithSidecars(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []podOpt
		want Resources
	}{
		{"sidecars add to the containers", []podOpt{requests("500m", "100Mi"), sidecar("200m", "50Mi"), sidecar("100m", "")},
			Resources{MilliCPU: 800, Memory: 150 << 20}},
		{"an init container after a sidecar runs beside it", []podOpt{requests("100m", ""), sidecar("300m", ""), initContainer("500m", "")},
			Resources{MilliCPU: 800}},
		{"an init container before a sidecar does not", []podOpt{requests("100m", ""), initContainer("500m", ""), sidecar("300m", "")},
			Resources{MilliCPU: 500}},
		{"the sum wins when larger", []podOpt{requests("900m", ""), sidecar("300m", ""), initContainer("500m", "")},
			Resources{MilliCPU: 1200}},
		{"plain init containers: max", []podOpt{requests("100m", ""), initContainer("500m", ""), initContainer("300m", "")},
			Resources{MilliCPU: 500}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := podRequests(&mkPod("p", tc.opts...).Spec)
			if got != tc.want {
				t.Fatalf("podRequests = %+v, want %+v", got, tc.want)
			}
		})
	}
	// Extended resources the same way.
	p := mkPod("p", sidecar("", ""), initContainer("", ""))
	p.Spec.InitContainers[0].Resources.Requests = workload.ResourceList{"example.com/gpu": *resource.NewQuantity(1, resource.DecimalSI)}
	p.Spec.InitContainers[1].Resources.Requests = workload.ResourceList{"example.com/gpu": *resource.NewQuantity(2, resource.DecimalSI)}
	if got := scalarRequests(&p.Spec)["example.com/gpu"]; got != 3 {
		t.Fatalf("scalar request = %d, want 3 (the init container's 2 beside the sidecar's 1)", got)
	}
}

// On a node of 1 cpu: a pod of 600m with a 300m sidecar fits (900m), one
// with a 500m sidecar does not (1100m, where the old max(sum, max init)
// said 600m); an init container of 800m after a 300m sidecar does not fit
// (1100m) where it did (800m).
func TestResourcesFilterSidecars(t *testing.T) {
	small := func() *workload.Node { return mkNode("a", alloc("1", "1Gi", "10")) }
	runFilterCases(t, ResourcesFilter{}, []filterCase{
		{name: "sidecar fits", node: small(), pod: mkPod("p", requests("600m", ""), sidecar("300m", ""))},
		{name: "sidecar summed with the containers", node: small(), pod: mkPod("p", requests("600m", ""), sidecar("500m", "")), reason: ReasonInsufficientCPU},
		{name: "init container beside an earlier sidecar", node: small(), pod: mkPod("p", requests("100m", ""), sidecar("300m", ""), initContainer("800m", "")), reason: ReasonInsufficientCPU},
		{name: "init container before a sidecar", node: small(), pod: mkPod("p", requests("100m", ""), initContainer("800m", ""), sidecar("300m", ""))},
		{name: "a running pod's sidecar counts", node: small(), existing: []*workload.Pod{mkPod("e", requests("500m", ""), sidecar("400m", ""))}, pod: mkPod("p", requests("200m", "")), reason: ReasonInsufficientCPU},
	})
}

// A sidecar's host ports count, as kube-scheduler's NodePorts since
// kubernetes/kubernetes#132040; a plain init container's do not.
func TestHostPortsFilterSidecars(t *testing.T) {
	n := func() *workload.Node { return mkNode("a") }
	sidecarPort := func(port int32) podOpt {
		return func(p *workload.Pod) {
			p.Spec.InitContainers = append(p.Spec.InitContainers, workload.Container{Name: "side", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways),
				Ports: []workload.ContainerPort{{ContainerPort: port, HostPort: port}}})
		}
	}
	runFilterCases(t, HostPortsFilter{}, []filterCase{
		{name: "a sidecar's port conflicts", node: n(), existing: []*workload.Pod{mkPod("used", hostPort(80, "TCP", ""))}, pod: mkPod("p", sidecarPort(80)), reason: ReasonHostPorts},
		{name: "a running pod's sidecar holds its port", node: n(), existing: []*workload.Pod{mkPod("used", sidecarPort(80))}, pod: mkPod("p", hostPort(80, "TCP", "")), reason: ReasonHostPorts},
		{name: "a sidecar's other port", node: n(), existing: []*workload.Pod{mkPod("used", sidecarPort(81))}, pod: mkPod("p", hostPort(80, "TCP", ""))},
	})
}
