package podstatus

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestPodPhase(t *testing.T) {
	running := workload.ContainerStatus{State: workload.ContainerState{Running: &workload.ContainerStateRunning{}}}
	waiting := workload.ContainerStatus{State: workload.ContainerState{Waiting: &workload.ContainerStateWaiting{}}}
	exited := func(code int32) workload.ContainerStatus {
		return workload.ContainerStatus{State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{ExitCode: code}}}
	}
	backoff := func(code int32) workload.ContainerStatus {
		s := waiting
		s.LastTerminationState.Terminated = &workload.ContainerStateTerminated{ExitCode: code}
		return s
	}
	type cs = []workload.ContainerStatus
	for _, tc := range []struct {
		name   string
		policy string
		init   cs
		ctrs   cs
		want   string
	}{
		{"all waiting", "Always", nil, cs{waiting}, workload.PodPending},
		{"one running one waiting", "Always", nil, cs{running, waiting}, workload.PodPending},
		{"running", "Always", nil, cs{running}, workload.PodRunning},
		{"init running", "Always", cs{running}, cs{waiting}, workload.PodPending},
		{"init failed, Never", "Never", cs{exited(1)}, cs{waiting}, workload.PodFailed},
		{"init failed, OnFailure retries", "OnFailure", cs{backoff(1)}, cs{waiting}, workload.PodPending},
		{"init done, containers waiting", "Never", cs{exited(0)}, cs{waiting}, workload.PodPending},
		{"Always, exited 0, back-off", "Always", nil, cs{backoff(0)}, workload.PodRunning},
		{"Never, all exited 0", "Never", nil, cs{exited(0), exited(0)}, workload.PodSucceeded},
		{"Never, one exited 1", "Never", nil, cs{exited(0), exited(1)}, workload.PodFailed},
		{"Never, one exited 1, one running", "Never", nil, cs{running, exited(1)}, workload.PodRunning},
		{"OnFailure, all exited 0", "OnFailure", nil, cs{exited(0)}, workload.PodSucceeded},
		{"OnFailure, one in back-off", "OnFailure", nil, cs{exited(0), backoff(1)}, workload.PodRunning},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Phase(tc.policy, tc.init, tc.ctrs); got != tc.want {
				t.Errorf("podPhase = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSetConditionMovesTransitionTimeOnlyOnChange(t *testing.T) {
	var st workload.PodStatus
	SetCondition(&st, workload.PodReady, false, "R", t0)
	SetCondition(&st, workload.PodReady, false, "R", t0.Add(time.Second))
	if got := st.Conditions[0].LastTransitionTime.Time; !got.Equal(t0) {
		t.Fatalf("unchanged condition moved its transition time to %v", got)
	}
	SetCondition(&st, workload.PodReady, true, "", t0.Add(2*time.Second))
	if c := st.Conditions[0]; c.Status != workload.ConditionTrue || !c.LastTransitionTime.Equal(t0.Add(2*time.Second)) || c.Reason != "" {
		t.Fatalf("after change: %+v", c)
	}
}

// TestConditionsOfTerminalPods: as the kubelet's generate.go, a terminal
// pod is not ready with reason PodCompleted (Succeeded) or PodFailed
// (Failed), and a Succeeded pod is Initialized with reason PodCompleted;
// a running pod's true conditions have no reason.
func TestConditionsOfTerminalPods(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	done := func(code int32) workload.ContainerStatus {
		return workload.ContainerStatus{Name: "c", State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{ExitCode: code}}}
	}
	for _, tc := range []struct {
		phase              string
		init, ctrs         []workload.ContainerStatus
		initialized, ready string // "True/reason" or "False/reason"
	}{
		{workload.PodSucceeded, nil, []workload.ContainerStatus{done(0)}, "True/PodCompleted", "False/PodCompleted"},
		{workload.PodSucceeded, []workload.ContainerStatus{done(0)}, []workload.ContainerStatus{done(0)}, "True/PodCompleted", "False/PodCompleted"},
		{workload.PodFailed, nil, []workload.ContainerStatus{done(1)}, "True/", "False/PodFailed"},
		{workload.PodFailed, []workload.ContainerStatus{done(1)}, []workload.ContainerStatus{{Name: "c"}}, "False/ContainersNotInitialized", "False/PodFailed"},
		{workload.PodRunning, []workload.ContainerStatus{done(0)}, []workload.ContainerStatus{{Name: "c", Ready: true}}, "True/", "True/"},
		{workload.PodRunning, nil, []workload.ContainerStatus{{Name: "c"}}, "True/", "False/ContainersNotReady"},
	} {
		st := &workload.PodStatus{Phase: tc.phase, InitContainerStatuses: tc.init, ContainerStatuses: tc.ctrs}
		Conditions(st, now)
		got := map[string]string{}
		for _, c := range st.Conditions {
			got[c.Type] = c.Status + "/" + c.Reason
		}
		if got[workload.PodInitialized] != tc.initialized || got[workload.PodReady] != tc.ready || got[workload.ContainersReady] != tc.ready {
			t.Errorf("%s pod (init %d): conditions %v, want Initialized %s, Ready and ContainersReady %s", tc.phase, len(tc.init), got, tc.initialized, tc.ready)
		}
	}
}
