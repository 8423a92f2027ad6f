package scenario_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/workload"
)

// TestScenarioBuiltInGo: a Scenario written as a Go literal, with no Start,
// plays from DefaultStart as a file without start does (not from year 1,
// where every timestamp would be the zero time that Kubernetes' code reads
// as unset), and its errors name it.
func TestScenarioBuiltInGo(t *testing.T) {
	s := &scenario.Scenario{
		Nodes: []*workload.Node{{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}},
		Objects: []workload.Object{&workload.Job{
			ObjectMeta: workload.ObjectMeta{Name: "backup"},
			Spec: workload.JobSpec{Template: workload.PodTemplateSpec{Spec: workload.PodSpec{
				RestartPolicy: workload.RestartPolicyNever,
				Containers:    []workload.Container{{Name: "b", Image: "backup:1"}},
			}}},
		}},
		Behaviors: []fake.Behavior{{Match: fake.Match{Image: "backup*"}, RunFor: workload.Ptr(30 * time.Second)}},
		Run:       time.Hour,
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Start.Equal(scenario.DefaultStart) || !res.End.Equal(scenario.DefaultStart.Add(time.Hour)) {
		t.Errorf("played from %v to %v, want from DefaultStart %v for an hour", res.Start, res.End, scenario.DefaultStart)
	}
	if !s.Start.IsZero() {
		t.Errorf("Play changed the caller's Scenario: Start %v", s.Start)
	}
	var got []string
	for _, ch := range res.Timeline {
		if ch.Object == "Job/default/backup" {
			got = append(got, ch.Time.Sub(res.Start).String()+" "+ch.Change)
		}
	}
	if want := "0s created,30s complete"; strings.Join(got, ",") != want {
		t.Errorf("Job timeline %q, want %q", strings.Join(got, ","), want)
	}
	for _, o := range res.Objects {
		if j, ok := o.(*workload.Job); ok && (j.Status.StartTime == nil || !j.Status.StartTime.Time.Equal(scenario.DefaultStart)) {
			t.Errorf("Job startTime %v, want %v", j.Status.StartTime, scenario.DefaultStart)
		}
	}

	s.Objects = append(s.Objects, &workload.Deployment{ObjectMeta: workload.ObjectMeta{Name: "web"}})
	if _, err := scenario.Play(s, scenario.Options{}); err == nil || !strings.HasPrefix(err.Error(), "scenario: scenario built in Go: ") {
		t.Errorf("bad object: error %v, want one naming the scenario built in Go", err)
	}
}
