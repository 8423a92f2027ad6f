package workload_test

import (
	"fmt"

	"github.com/orchestra-go/orchestra/workload"
)

// An init container with restartPolicy Always is a sidecar: it starts in
// its turn among the init containers and runs beside the app containers.
func ExampleIsSidecar() {
	spec := workload.PodSpec{
		InitContainers: []workload.Container{
			{Name: "migrate", Image: "migrate:1"},
			{Name: "proxy", Image: "envoy:1", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
		},
		Containers: []workload.Container{{Name: "web", Image: "nginx"}},
	}
	for i := range spec.InitContainers {
		fmt.Println(spec.InitContainers[i].Name, workload.IsSidecar(&spec.InitContainers[i]))
	}
	fmt.Println("has a sidecar:", workload.HasSidecar(spec.InitContainers))
	// Output:
	// migrate false
	// proxy true
	// has a sidecar: true
}
