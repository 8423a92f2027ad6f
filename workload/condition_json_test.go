package workload

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A condition shows only the times its kind has: Kubernetes'
// JobCondition has lastProbeTime and no lastUpdateTime,
// DeploymentCondition lastUpdateTime and no lastProbeTime, and the
// DaemonSet, StatefulSet and ReplicaSet conditions neither. The shared
// Condition leaves out a time that is not set, rather than writing it as
// null as a field of the kind would be.
func TestConditionJSONLeavesOutUnsetTimes(t *testing.T) {
	at := NewTime(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name      string
		c         Condition
		has, hasn []string
	}{
		{"job", Condition{Type: JobComplete, Status: ConditionTrue, LastProbeTime: at, LastTransitionTime: at},
			[]string{`"lastProbeTime":"2026-03-01T00:00:00Z"`, `"lastTransitionTime"`}, []string{"lastUpdateTime"}},
		{"deployment", Condition{Type: DeploymentProgressing, Status: ConditionTrue, LastUpdateTime: at, LastTransitionTime: at},
			[]string{`"lastUpdateTime":"2026-03-01T00:00:00Z"`, `"lastTransitionTime"`}, []string{"lastProbeTime"}},
		{"statefulset", Condition{Type: "Example", Status: ConditionFalse, LastTransitionTime: at},
			[]string{`"lastTransitionTime"`}, []string{"lastProbeTime", "lastUpdateTime"}},
	} {
		b, err := json.Marshal(tc.c)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for _, want := range tc.has {
			if !strings.Contains(s, want) {
				t.Errorf("%s: %s lacks %s", tc.name, s, want)
			}
		}
		for _, not := range tc.hasn {
			if strings.Contains(s, not) {
				t.Errorf("%s: %s has %s", tc.name, s, not)
			}
		}
	}
}
