package podstatus

import (
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// Sidecars (init containers with restartPolicy Always) in the pod phase,
// as the kubelet's getPhase: pending until started, running keeps the pod
// Running, exited counts for nothing (so a Job pod whose app containers
// exited 0 and whose sidecar was stopped has Succeeded).
func TestPodPhaseWithSidecars(t *testing.T) {
	started, notStarted := true, false
	run := func(s *bool) workload.ContainerStatus {
		return workload.ContainerStatus{Started: s, State: workload.ContainerState{Running: &workload.ContainerStateRunning{}}}
	}
	waiting := workload.ContainerStatus{State: workload.ContainerState{Waiting: &workload.ContainerStateWaiting{}}}
	exited := func(code int32) workload.ContainerStatus {
		return workload.ContainerStatus{State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{ExitCode: code}}}
	}
	backoff := func(code int32) workload.ContainerStatus {
		s := waiting
		s.LastTerminationState.Terminated = &workload.ContainerStateTerminated{ExitCode: code}
		return s
	}
	side := workload.Container{Name: "side", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)}
	plain := workload.Container{Name: "init"}
	type cs = []workload.ContainerStatus
	for _, tc := range []struct {
		name   string
		policy string
		inits  []workload.Container
		init   cs
		ctrs   cs
		want   string
	}{
		{"sidecar waiting", "Never", []workload.Container{side}, cs{waiting}, cs{waiting}, workload.PodPending},
		{"sidecar running, not started", "Never", []workload.Container{side}, cs{run(&notStarted)}, cs{waiting}, workload.PodPending},
		{"sidecar started, app waiting", "Never", []workload.Container{side}, cs{run(&started)}, cs{waiting}, workload.PodPending},
		{"sidecar and app running", "Never", []workload.Container{side}, cs{run(&started)}, cs{run(&started)}, workload.PodRunning},
		{"app exited 0, sidecar still running", "Never", []workload.Container{side}, cs{run(&started)}, cs{exited(0)}, workload.PodRunning},
		{"app exited 0, sidecar stopped (137)", "Never", []workload.Container{side}, cs{exited(137)}, cs{exited(0)}, workload.PodSucceeded},
		{"app exited 1, sidecar stopped", "Never", []workload.Container{side}, cs{exited(0)}, cs{exited(1)}, workload.PodFailed},
		{"OnFailure, app exited 0, sidecar stopped", "OnFailure", []workload.Container{plain, side}, cs{exited(0), exited(137)}, cs{exited(0)}, workload.PodSucceeded},
		{"sidecar restarting after the app started", "Always", []workload.Container{side}, cs{run(&notStarted)}, cs{run(&started)}, workload.PodRunning},
		{"sidecar in back-off while the app runs", "Always", []workload.Container{side}, cs{backoff(1)}, cs{run(&started)}, workload.PodRunning},
		{"plain init after a sidecar running", "Always", []workload.Container{side, plain}, cs{run(&started), run(&started)}, cs{waiting}, workload.PodPending},
		{"plain init failed, Never, sidecar running", "Never", []workload.Container{side, plain}, cs{run(&started), exited(1)}, cs{waiting}, workload.PodFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Phase(tc.policy, tc.inits, tc.init, tc.ctrs); got != tc.want {
				t.Errorf("Phase = %s, want %s", got, tc.want)
			}
		})
	}
}

// Sidecars in the conditions, as the kubelet's generate.go: Initialized
// once the plain init containers succeeded and the sidecars started (or
// an app container has run); ContainersReady and Ready need the
// sidecars ready too, and their messages name the sidecars first.
func TestConditionsWithSidecars(t *testing.T) {
	started, notStarted := true, false
	inits := []workload.Container{
		{Name: "setup"},
		{Name: "proxy", RestartPolicy: workload.Ptr(workload.ContainerRestartPolicyAlways)},
	}
	done := workload.ContainerStatus{Name: "setup", Ready: true, State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{}}}
	proxy := func(s *bool, ready bool) workload.ContainerStatus {
		return workload.ContainerStatus{Name: "proxy", Started: s, Ready: ready, State: workload.ContainerState{Running: &workload.ContainerStateRunning{}}}
	}
	app := func(running, ready bool) workload.ContainerStatus {
		st := workload.ContainerStatus{Name: "app", Ready: ready, State: workload.ContainerState{Waiting: &workload.ContainerStateWaiting{}}}
		if running {
			st.State = workload.ContainerState{Running: &workload.ContainerStateRunning{}}
		}
		return st
	}
	for _, tc := range []struct {
		name               string
		init               []workload.ContainerStatus
		ctrs               []workload.ContainerStatus
		initialized, ready string
	}{
		{"sidecar not started", []workload.ContainerStatus{done, proxy(&notStarted, false)}, []workload.ContainerStatus{app(false, false)},
			"False containers with incomplete status: [proxy]", "False containers with unready status: [proxy app]"},
		{"sidecar started, not ready", []workload.ContainerStatus{done, proxy(&started, false)}, []workload.ContainerStatus{app(true, true)},
			"True ", "False containers with unready status: [proxy]"},
		{"all ready", []workload.ContainerStatus{done, proxy(&started, true)}, []workload.ContainerStatus{app(true, true)},
			"True ", "True "},
		{"sidecar restarting after the app ran", []workload.ContainerStatus{done, proxy(&notStarted, false)}, []workload.ContainerStatus{app(true, true)},
			"True ", "False containers with unready status: [proxy]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &workload.PodStatus{InitContainerStatuses: tc.init, ContainerStatuses: tc.ctrs}
			st.Phase = Phase(workload.RestartPolicyAlways, inits, st.InitContainerStatuses, st.ContainerStatuses)
			Conditions(st, inits, t0)
			got := map[string]string{}
			for _, c := range st.Conditions {
				got[c.Type] = c.Status + " " + c.Message
			}
			if got[workload.PodInitialized] != tc.initialized || got[workload.ContainersReady] != tc.ready || got[workload.PodReady] != tc.ready {
				t.Errorf("conditions %q, want Initialized %q, Ready %q", got, tc.initialized, tc.ready)
			}
			var m Memo
			if u := m.UpdatedConditions(&workload.PodStatus{Phase: st.Phase, InitContainerStatuses: tc.init, ContainerStatuses: tc.ctrs}, inits, t0); len(u) != 3 {
				t.Errorf("Memo.UpdatedConditions made %d conditions", len(u))
			}
		})
	}
}
