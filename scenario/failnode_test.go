package scenario_test

import (
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/workload"
)

// TestFailNodeStep: a failNode step silences the node's kubelet. The node
// lifecycle controller marks it Unknown (NodeStatusUnknown) after the node
// monitor grace period, 50 s, and its pod not ready then; the pod, with
// the default 300 s toleration of the unreachable taint, is evicted 350 s
// after the failure, when its Deployment replaces it on the other node.
func TestFailNodeStep(t *testing.T) {
	src := `
nodes: [{name: b}]
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: c, image: nginx}]}
steps:
  - at: 30s
    addNode: {name: a}
  - at: 1m
    failNode: b
run: 10m
`
	s, err := scenario.Parse([]byte(src), "fail.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range res.Timeline {
		if strings.HasPrefix(ch.Object, "Pod/") && ch.Time.Sub(res.Start) >= 60e9 {
			got = append(got, ch.Time.Sub(res.Start).String()+" "+ch.Node+" "+ch.Change)
		}
	}
	want := "1m50s b unready,6m50s  created,6m50s a scheduled,6m50s a running,6m50s a ready"
	if strings.Join(got, ",") != want {
		t.Errorf("pod timeline after the failure %q\nwant %q", strings.Join(got, ","), want)
	}
	for _, n := range res.Nodes {
		if n.Name != "b" {
			continue
		}
		for _, c := range n.Status.Conditions {
			if c.Type == workload.NodeReady && (c.Status != workload.ConditionUnknown || c.Reason != "NodeStatusUnknown" || c.LastTransitionTime.Sub(res.Start) != 110e9) {
				t.Errorf("node b Ready %s %s at %v; want Unknown NodeStatusUnknown at 1m50s", c.Status, c.Reason, c.LastTransitionTime.Sub(res.Start))
			}
		}
	}
	if _, err := scenario.Parse([]byte("nodes: [{name: a}]\nsteps:\n  - at: 1m\n    failNode: b\n"), "s.yaml"); err == nil || !strings.Contains(err.Error(), ":4: steps[0].failNode: node \"b\" does not exist") {
		t.Errorf("failNode of an unknown node: %v", err)
	}
}
