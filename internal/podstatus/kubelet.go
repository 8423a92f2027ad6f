package podstatus

import "github.com/orchestra-go/orchestra/workload"

// The decisions below are the kubelet's, shared by the runtimes that play
// it (package fake and internal/kubelet) so that they make them alike.

// SameContainers reports whether a and b are containers of the same
// names, in the same order, and of the same kind (sidecar or not): the
// only pod spec updates a kubelet syncs keep them so, and the conditions'
// messages, which name an unready sidecar, are alike for such specs.
func SameContainers(a, b []workload.Container) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || workload.IsSidecar(&a[i]) != workload.IsSidecar(&b[i]) {
			return false
		}
	}
	return true
}

// ProbeKillMessage is the message of the Normal Killing event the kubelet
// records when it kills a container whose probe of kind ("liveness",
// "startup") failed, as computePodActions words it: "Container <name>
// failed liveness probe, will be restarted", without ", will be
// restarted" under restartPolicy Never, and "Init container <name> failed
// liveness probe" for a sidecar.
func ProbeKillMessage(name, kind string, sidecar bool, restartPolicy string) string {
	switch {
	case sidecar:
		return "Init container " + name + " failed " + kind + " probe"
	case restartPolicy != workload.RestartPolicyNever:
		return "Container " + name + " failed " + kind + " probe, will be restarted"
	}
	return "Container " + name + " failed " + kind + " probe"
}
