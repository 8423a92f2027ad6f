package podstatus

import "github.com/orchestra-go/orchestra/workload"

// The decisions below are the kubelet's, shared by the runtimes that play
// it (package fake and internal/kubelet) so that they make them alike.

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
