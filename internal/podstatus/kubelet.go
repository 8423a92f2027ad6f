package podstatus

import (
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

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

// MinimumGrace is the least time the kubelet gives a container between
// SIGTERM and SIGKILL (kuberuntime's minimumGracePeriodInSeconds, which
// killContainer raises any shorter grace to): a pod deleted with a grace
// of 1 s, or past its deadline with terminationGracePeriodSeconds 0, is
// killed after 2 s, and a sidecar whose turn to stop comes once the grace
// period has passed still gets them.
const MinimumGrace = 2 * time.Second

// TurnGrace is the grace period of a sidecar whose turn to stop comes at
// now, in a pod whose termination began at start with grace, as the
// kubelet's killContainer gives it once waitForTurn returns: what is left
// of grace, less the whole seconds waited, at least MinimumGrace.
func TurnGrace(start time.Time, grace time.Duration, now time.Time) time.Duration {
	return max(grace-now.Sub(start).Truncate(time.Second), MinimumGrace)
}

// NewDeadline reports when a pod's new activeDeadlineSeconds ads (its
// value before the update: old) is passed, from now, counted from the
// pod's startTime (now if it has none), never before now; ok is false
// when there is no deadline to arm: none set, or the same as before.
func NewDeadline(ads, old *int64, startTime *workload.Time, now time.Time) (d time.Duration, ok bool) {
	if ads == nil || *ads <= 0 || old != nil && *old == *ads {
		return 0, false
	}
	start := now
	if startTime != nil {
		start = startTime.Time
	}
	return max(start.Add(time.Duration(*ads)*time.Second).Sub(now), 0), true
}
