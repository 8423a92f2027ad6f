package main

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orchestra-go/orchestra/internal/leakcheck"
)

// TestAgentsFollowNodes runs the story and checks that the DaemonSet
// followed the nodes: one agent per node, each seeing its own node and
// address; the agents on the nodes that stay are the same pods throughout;
// a new agent on the node that joined; none left on the node that went.
// Nothing it started is left running.
func TestAgentsFollowNodes(t *testing.T) {
	snap := leakcheck.Take()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out strings.Builder
	steps, err := run(ctx, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(steps) != 3 {
		t.Fatalf("%d steps, want 3\n%s", len(steps), out.String())
	}
	wantNodes := [][]string{{"node-1", "node-2"}, {"node-1", "node-2", "node-3"}, {"node-2", "node-3"}}
	for i, s := range steps {
		if diff := cmp.Diff(wantNodes[i], s.nodes); diff != "" {
			t.Errorf("step %q: nodes (-want +got):\n%s", s.title, diff)
		}
		var agentNodes []string
		ips := map[string]bool{}
		for node, seen := range s.agents {
			agentNodes = append(agentNodes, node)
			if seen.node != node || seen.pod == "" || seen.podIP == "" || ips[seen.podIP] {
				t.Errorf("step %q: the agent on %s saw %+v, want its own node, pod and a distinct address", s.title, node, seen)
			}
			ips[seen.podIP] = true
		}
		sort.Strings(agentNodes)
		if diff := cmp.Diff(wantNodes[i], agentNodes); diff != "" {
			t.Errorf("step %q: nodes with an agent (-want +got):\n%s", s.title, diff)
		}
	}
	two, three, after := steps[0].agents, steps[1].agents, steps[2].agents
	for _, node := range []string{"node-1", "node-2"} {
		if three[node] != two[node] {
			t.Errorf("node-3 joining changed %s's agent: %+v, then %+v", node, two[node], three[node])
		}
	}
	for _, node := range []string{"node-2", "node-3"} {
		if after[node] != three[node] {
			t.Errorf("node-1 leaving changed %s's agent: %+v, then %+v", node, three[node], after[node])
		}
	}
	if three["node-3"].pod == two["node-1"].pod || three["node-3"].pod == two["node-2"].pod {
		t.Errorf("node-3's agent %s is not a new pod", three["node-3"].pod)
	}
	for _, want := range []string{"<- new", three["node-1"].pod + " stopped with its node", "2 desired, 2 ready", "3 desired, 3 ready"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the narrative lacks %q:\n%s", want, out.String())
		}
	}
	snap.Check(t, 10*time.Second)
}
