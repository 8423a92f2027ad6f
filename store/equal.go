package store

import "github.com/orchestra-go/orchestra/workload"

// podStatusEqual is semanticEqual for pod statuses, written out for the
// type: the runtime reports a pod's status on every container start and
// exit, and the reflective walk costs ten times more.
// TestPodStatusEqualMatchesSemanticEqual keeps the two in agreement field
// by field. As semanticEqual, nil and empty lists are equal and times
// compare with Equal. Cheap fields first, then the container statuses,
// which change most often.
func podStatusEqual(a, b *workload.PodStatus) bool {
	if a.Phase != b.Phase || a.Reason != b.Reason || a.Message != b.Message ||
		a.HostIP != b.HostIP || a.PodIP != b.PodIP || !timePtrEqual(a.StartTime, b.StartTime) ||
		a.QOSClass != b.QOSClass {
		return false
	}
	if !containerStatusesEqual(a.ContainerStatuses, b.ContainerStatuses) ||
		!containerStatusesEqual(a.InitContainerStatuses, b.InitContainerStatuses) {
		return false
	}
	if len(a.Conditions) != len(b.Conditions) || len(a.PodIPs) != len(b.PodIPs) || len(a.HostIPs) != len(b.HostIPs) {
		return false
	}
	if len(a.Conditions) > 0 && &a.Conditions[0] != &b.Conditions[0] {
		for i := range a.Conditions {
			x, y := &a.Conditions[i], &b.Conditions[i]
			if x.Type != y.Type || x.Status != y.Status || x.Reason != y.Reason || x.Message != y.Message ||
				!x.LastTransitionTime.Equal(y.LastTransitionTime.Time) || !x.LastProbeTime.Equal(y.LastProbeTime.Time) {
				return false
			}
		}
	}
	for i := range a.PodIPs {
		if a.PodIPs[i] != b.PodIPs[i] {
			return false
		}
	}
	for i := range a.HostIPs {
		if a.HostIPs[i] != b.HostIPs[i] {
			return false
		}
	}
	return true
}

func containerStatusesEqual(a, b []workload.ContainerStatus) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.Name != y.Name || x.Ready != y.Ready || x.RestartCount != y.RestartCount ||
			x.Image != y.Image || x.ContainerID != y.ContainerID ||
			(x.Started == nil) != (y.Started == nil) || x.Started != nil && *x.Started != *y.Started ||
			!containerStateEqual(&x.State, &y.State) || !containerStateEqual(&x.LastTerminationState, &y.LastTerminationState) {
			return false
		}
	}
	return true
}

func containerStateEqual(a, b *workload.ContainerState) bool {
	if (a.Waiting == nil) != (b.Waiting == nil) || (a.Running == nil) != (b.Running == nil) ||
		(a.Terminated == nil) != (b.Terminated == nil) {
		return false
	}
	if a.Waiting != b.Waiting && a.Waiting != nil && *a.Waiting != *b.Waiting {
		return false
	}
	if a.Running != b.Running && a.Running != nil && !a.Running.StartedAt.Equal(b.Running.StartedAt.Time) {
		return false
	}
	if x, y := a.Terminated, b.Terminated; x != y && x != nil {
		if x.ExitCode != y.ExitCode || x.Signal != y.Signal || x.Reason != y.Reason || x.Message != y.Message ||
			x.ContainerID != y.ContainerID || !x.StartedAt.Equal(y.StartedAt.Time) || !x.FinishedAt.Equal(y.FinishedAt.Time) {
			return false
		}
	}
	return true
}

func timePtrEqual(a, b *workload.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a == b || a.Equal(b.Time)
}
