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
			if got := Phase(tc.policy, nil, tc.init, tc.ctrs); got != tc.want {
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
		Conditions(st, nil, now)
		got := map[string]string{}
		for _, c := range st.Conditions {
			got[c.Type] = c.Status + "/" + c.Reason
		}
		if got[workload.PodInitialized] != tc.initialized || got[workload.PodReady] != tc.ready || got[workload.ContainersReady] != tc.ready {
			t.Errorf("%s pod (init %d): conditions %v, want Initialized %s, Ready and ContainersReady %s", tc.phase, len(tc.init), got, tc.initialized, tc.ready)
		}
	}
}

// TestUpdatedConditionsAgreesWithConditions: for pods in every state, from
// no conditions, from the ones Conditions leaves and from stale ones,
// UpdatedConditions returns what Conditions would set (nil when that is
// nothing new) and leaves its input alone.
func TestUpdatedConditionsAgreesWithConditions(t *testing.T) {
	ready := workload.ContainerStatus{Ready: true, State: workload.ContainerState{Running: &workload.ContainerStateRunning{}}}
	notReady := workload.ContainerStatus{State: workload.ContainerState{Running: &workload.ContainerStateRunning{}}}
	initDone := workload.ContainerStatus{State: workload.ContainerState{Terminated: &workload.ContainerStateTerminated{}}}
	initRunning := notReady
	type cs = []workload.ContainerStatus
	for _, st := range []workload.PodStatus{
		{Phase: workload.PodRunning, ContainerStatuses: cs{ready}},
		{Phase: workload.PodRunning, ContainerStatuses: cs{ready, notReady}},
		{Phase: workload.PodPending, InitContainerStatuses: cs{initRunning}, ContainerStatuses: cs{notReady}},
		{Phase: workload.PodRunning, InitContainerStatuses: cs{initDone}, ContainerStatuses: cs{ready}},
		{Phase: workload.PodSucceeded, ContainerStatuses: cs{initDone}},
		{Phase: workload.PodFailed, ContainerStatuses: cs{ready}},
	} {
		for _, from := range []string{"none", "settled", "stale"} {
			in := st
			switch from {
			case "settled":
				Conditions(&in, nil, t0)
			case "stale":
				stale := st
				stale.Phase, stale.ContainerStatuses = workload.PodRunning, cs{notReady}
				if st.Phase == workload.PodRunning && len(st.InitContainerStatuses) == 0 && !st.ContainerStatuses[0].Ready {
					stale.ContainerStatuses = cs{ready}
				}
				Conditions(&stale, nil, t0)
				in.Conditions = stale.Conditions
			}
			before := append([]workload.PodCondition(nil), in.Conditions...)
			want := in
			want.Conditions = append([]workload.PodCondition(nil), in.Conditions...)
			Conditions(&want, nil, t0.Add(time.Second))
			got := UpdatedConditions(&in, nil, t0.Add(time.Second))
			changed := len(want.Conditions) != len(before)
			for i := 0; !changed && i < len(before); i++ {
				changed = want.Conditions[i] != before[i]
			}
			switch {
			case !changed && got != nil:
				t.Errorf("%s from %s: %v, want nil (nothing changes)", st.Phase, from, got)
			case changed && len(got) != len(want.Conditions):
				t.Errorf("%s from %s: %v, want %v", st.Phase, from, got, want.Conditions)
			case changed:
				for i := range got {
					if got[i] != want.Conditions[i] {
						t.Errorf("%s from %s: condition %d = %+v, want %+v", st.Phase, from, i, got[i], want.Conditions[i])
					}
				}
			}
			for i := range before {
				if in.Conditions[i] != before[i] {
					t.Fatalf("%s from %s: UpdatedConditions changed its input", st.Phase, from)
				}
			}
		}
	}
}

// TestReadyConditionsHaveNoReason: a true Ready, ContainersReady or
// Initialized condition carries no reason, as the kubelet writes them.
func TestReadyConditionsHaveNoReason(t *testing.T) {
	st := workload.PodStatus{Phase: workload.PodRunning, ContainerStatuses: []workload.ContainerStatus{{Ready: true}}}
	Conditions(&st, nil, t0)
	for _, c := range st.Conditions {
		if c.Status != workload.ConditionTrue || c.Reason != "" {
			t.Errorf("%s: status %s, reason %q; want True, no reason", c.Type, c.Status, c.Reason)
		}
	}
	if len(st.Conditions) != 3 {
		t.Fatalf("%d conditions, want Initialized, ContainersReady and Ready", len(st.Conditions))
	}
}

// TestUpdatedConditionsExactSize: the new list has room for exactly the
// conditions it holds, since it is kept (not appended to) until the next
// change.
func TestUpdatedConditionsExactSize(t *testing.T) {
	st := workload.PodStatus{Phase: workload.PodRunning, ContainerStatuses: []workload.ContainerStatus{{Ready: false}}}
	got := UpdatedConditions(&st, nil, t0)
	if len(got) != 3 || cap(got) != 3 {
		t.Fatalf("from none: len %d cap %d, want 3 and 3", len(got), cap(got))
	}
	st.Conditions = append(got, workload.PodCondition{Type: workload.PodScheduled, Status: workload.ConditionTrue})
	st.ContainerStatuses[0].Ready = true
	if got = UpdatedConditions(&st, nil, t0); len(got) != 4 || cap(got) != 4 {
		t.Fatalf("a change: len %d cap %d, want 4 and 4", len(got), cap(got))
	}
}

// TestMemoSharesOnlyWhatIsTheSame: a Memo gives the same list to statuses
// with the same conditions list that want the same conditions at the same
// instant, gives what UpdatedConditions gives, and makes a new list when
// the list, the wanted conditions or the time differ.
func TestMemoSharesOnlyWhatIsTheSame(t *testing.T) {
	running := func(ready bool) []workload.ContainerStatus {
		return []workload.ContainerStatus{{Ready: ready, State: workload.ContainerState{Running: &workload.ContainerStateRunning{}}}}
	}
	base := workload.PodStatus{Phase: workload.PodRunning, ContainerStatuses: running(false)}
	Conditions(&base, nil, t0)
	var m Memo
	at := t0.Add(time.Second)
	a := workload.PodStatus{Phase: workload.PodRunning, ContainerStatuses: running(true), Conditions: base.Conditions}
	b := a // another pod in lockstep: the same list, the same containers
	b.ContainerStatuses = running(true)
	ga, gb := m.UpdatedConditions(&a, nil, at), m.UpdatedConditions(&b, nil, at)
	if ga == nil || &ga[0] != &gb[0] {
		t.Fatal("two statuses in lockstep do not share their new conditions")
	}
	want := UpdatedConditions(&a, nil, at)
	if len(ga) != len(want) {
		t.Fatalf("Memo gives %v, want %v", ga, want)
	}
	for i := range want {
		if ga[i] != want[i] {
			t.Fatalf("Memo gives %v, want %v", ga, want)
		}
	}
	other := base.Conditions[:len(base.Conditions):len(base.Conditions)]
	copied := append([]workload.PodCondition(nil), other...)
	for name, st := range map[string]workload.PodStatus{
		"another list": {Phase: workload.PodRunning, ContainerStatuses: running(true), Conditions: copied},
		"not ready":    {Phase: workload.PodFailed, ContainerStatuses: running(false), Conditions: base.Conditions},
	} {
		if got := m.UpdatedConditions(&st, nil, at); got == nil || &got[0] == &ga[0] {
			t.Errorf("%s: shares the list made for another status", name)
		}
		m.UpdatedConditions(&a, nil, at) // remember a's again
	}
	later := at.Add(time.Second)
	got := m.UpdatedConditions(&b, nil, later)
	if got == nil || &got[0] == &ga[0] {
		t.Fatalf("a later instant shares the list made at %v", at)
	}
	for _, c := range got {
		if c.Type == workload.PodReady && !c.LastTransitionTime.Equal(later) {
			t.Errorf("a later instant: Ready moved at %v, want %v", c.LastTransitionTime, later)
		}
	}
	if got := m.UpdatedConditions(&base, nil, at); got != nil {
		t.Errorf("nothing to change: %v, want nil", got)
	}
}
