package breakit_test

import (
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/scenario"
)

// A step after the end of the run is never played; the scenario said
// nothing about it. Now it is a warning naming its line.
func TestR9cScenarioStepAfterRunWarns(t *testing.T) {
	s, err := scenario.Parse([]byte(`nodes: [{name: a}]
run: 1h
steps:
  - at: 30m
    cordon: a
  - at: 1h
    uncordon: a
  - at: 2h
    stopControlPlane: true
`), "late.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := "late.yaml:8: at 2h0m0s: after the end of the run (1h0m0s): never played"
	if strings.Join(s.Warnings, "\n") != want {
		t.Errorf("warnings %q, want just %q", s.Warnings, want)
	}
	r, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), want) {
		t.Errorf("report warnings %q lack %q", r.Warnings, want)
	}
}

// An error of playing a step names the line and the key of its action, as
// SCENARIO.md says of every error; it named only the line of the step.
func TestR9cScenarioPlayErrorNamesKey(t *testing.T) {
	s, err := scenario.Parse([]byte(`nodes: [{name: a}]
steps:
  - at: 1m
    delete: {kind: Job, name: missing}
`), "del.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = scenario.Play(s, scenario.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "scenario: del.yaml:4: steps[0].delete: ") || !strings.Contains(err.Error(), "Job/default/missing") {
		t.Errorf("error %v, want it to start with %q and name Job/default/missing", err, "scenario: del.yaml:4: steps[0].delete: ")
	}
}
