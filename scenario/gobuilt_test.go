package scenario_test

import (
	"errors"
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

// A Scenario built in Go can hold what no file can; NewPlayer refuses it,
// naming the field, instead of panicking (a typed nil object), failing with
// a message about the cluster's clock (a negative Run, steps out of order)
// or silently doing nothing (a step with no action) or only one of two
// actions.
func TestScenarioBuiltInGoRefusesBadFields(t *testing.T) {
	var nilDeploy *workload.Deployment
	node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}
	for _, tc := range []struct {
		name, want string
		s          scenario.Scenario
	}{
		{"negative run", "Run: -1m0s is negative", scenario.Scenario{Run: -time.Minute}},
		{"nil node", "Nodes[1]: nil node", scenario.Scenario{Nodes: []*workload.Node{node, nil}}},
		{"typed nil object", "Objects[0]: nil object", scenario.Scenario{Objects: []workload.Object{nilDeploy}}},
		{"negative at", "Steps[0].At: -1s is negative", scenario.Scenario{Steps: []scenario.Step{{At: -time.Second, Cordon: "node-a"}}}},
		{"out of order", "Steps[1].At: 5m0s is before the previous step's 10m0s", scenario.Scenario{
			Steps: []scenario.Step{{At: 10 * time.Minute, Cordon: "node-a"}, {At: 5 * time.Minute, Uncordon: "node-a"}}}},
		{"no action", "Steps[0]: want exactly one action, got 0 []", scenario.Scenario{Steps: []scenario.Step{{At: time.Minute}}}},
		{"two actions", "Steps[0]: want exactly one action, got 2 [Cordon StopControlPlane]", scenario.Scenario{
			Steps: []scenario.Step{{At: time.Minute, Cordon: "node-a", StopControlPlane: true}}}},
		{"nil applied object", "Steps[0].Apply[0]: nil object", scenario.Scenario{
			Steps: []scenario.Step{{At: time.Minute, Apply: []workload.Object{nilDeploy}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Play panicked: %v", r)
					}
				}()
				_, err = scenario.Play(&tc.s, scenario.Options{})
			}()
			if !errors.Is(err, scenario.ErrInvalid) || !strings.Contains(err.Error(), "scenario built in Go: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one wrapping scenario.ErrInvalid that names the scenario built in Go and says %q", err, tc.want)
			}
		})
	}
}
