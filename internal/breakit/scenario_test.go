package breakit_test

import (
	"testing"

	"github.com/orchestra-go/orchestra/scenario"
)

// failPods picks pods by selector and kills their container; when a
// picked pod's container is not running (still starting, or in crash-loop
// back-off) the fake refuses and Play aborts the whole scenario with
// "container not running". A scenario author cannot know at which instant
// a crash-looping pod is between runs. The step should kill only running
// containers (or skip the others), not end the play. Cause: the failPods
// step in scenario/play.go returns the fake.KillContainer error.
func TestScenarioFailPodsAbortsPlayOnNonRunningContainer(t *testing.T) {
	src := `
run: 10m
nodes: [{name: a}]
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: up, labels: {app: x}}, spec: {containers: [{name: c, image: web}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: slow, labels: {app: x}, annotations: {sim.orchestra.dev/start-delay: 5m}}, spec: {containers: [{name: c, image: web}]}}
steps:
  - {at: 1m, failPods: {selector: app=x}}
`
	s, err := scenario.Parse([]byte(src), "failpods.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scenario.Play(s, scenario.Options{}); err != nil {
		t.Errorf("play: %v", err)
	}
}

// SCENARIO.md: a bad value is an error naming the line and the key. A node
// name that is not a DNS subdomain (Kubernetes refuses such a Node) is
// accepted by Parse and played; a behaviour rule's bad label selector and
// an invalid inline object are only found by Play, with no line.
func TestScenarioParseAcceptsBadValues(t *testing.T) {
	for name, src := range map[string]string{
		"node name":         "nodes: [{name: Bad_Name}]\n",
		"behavior selector": "behaviors: [{match: {labels: '!!!'}, runFor: 5s}]\n",
		"invalid object":    "nodes: [{name: a}]\nobjects:\n  - {apiVersion: v1, kind: Pod, metadata: {name: p}}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := scenario.Parse([]byte(src), "bad.yaml"); err == nil {
				t.Errorf("Parse accepted %q", src)
			}
		})
	}
}
