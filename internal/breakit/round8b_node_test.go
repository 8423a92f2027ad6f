package breakit_test

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/inproc"
	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/workload"
)

// A Node is validated as the API server validates one (ValidateNode,
// pkg/apis/core/validation/validation.go): its name, labels and taints,
// and status.capacity / status.allocatable non-negative, pods and
// extended resources whole (ValidateResourceQuantityValue). Adding or
// changing a node on the fake or a real runtime with a bad one fails,
// naming the node and the field, and changes nothing; a scenario with one
// is refused at parse, naming the line and the key. They used to be
// accepted: a node "A_B", a label "bad key!", capacity cpu -2, a taint
// effect "Bogus", duplicate taints.
func TestR8bNodeValidated(t *testing.T) {
	bad := map[string]struct {
		node  *workload.Node
		field string
	}{
		"name":     {&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "A_B"}}, "metadata.name"},
		"label":    {&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "x", Labels: map[string]string{"bad key!": "v"}}}, "metadata.labels"},
		"capacity": {&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "x"}, Status: workload.NodeStatus{Capacity: workload.ResourceList{"cpu": resource.MustParse("-2")}}}, "status.capacity[cpu]"},
		"pods":     {&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "x"}, Status: workload.NodeStatus{Capacity: workload.ResourceList{"pods": resource.MustParse("1.5")}}}, "status.capacity[pods]"},
		"taint":    {&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "x"}, Spec: workload.NodeSpec{Taints: []workload.Taint{{Key: "k", Effect: "Bogus"}}}}, "spec.taints[0].effect"},
	}
	c := newCluster(t)
	f := c.Fake()
	rt, err := inproc.New(inproc.Config{FirstPodCIDR: testPodCIDR})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for name, tc := range bad {
		for rtName, add := range map[string]func(*workload.Node) error{"fake": f.AddNode, "inproc": rt.AddNode} {
			err := add(tc.node)
			if err == nil || !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "Node/"+tc.node.Name) {
				t.Errorf("%s.AddNode (%s): err %v, want one naming Node/%s and %s", rtName, name, err, tc.node.Name, tc.field)
			}
		}
	}
	if _, err := f.GetNode("x"); err == nil {
		t.Error("a refused AddNode left node x on the fake")
	}
	if _, err := rt.GetNode("x"); err == nil {
		t.Error("a refused AddNode left node x on inproc")
	}

	// Changing a node: refused, and the node stays as it was.
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "a"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetNodeLabels("a", map[string]*string{"bad key!": workload.Ptr("v")}); !errors.Is(err, fake.ErrInvalid) || !strings.Contains(err.Error(), "metadata.labels") {
		t.Errorf("SetNodeLabels with a bad key: %v", err)
	}
	dup := []workload.Taint{{Key: "k", Effect: workload.TaintEffectNoSchedule}, {Key: "k", Effect: workload.TaintEffectNoSchedule}}
	if err := f.SetNodeTaints("a", dup); !errors.Is(err, fake.ErrInvalid) || !strings.Contains(err.Error(), "spec.taints[1]") {
		t.Errorf("SetNodeTaints with a duplicate: %v", err)
	}
	n, err := f.GetNode("a")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := n.Labels["bad key!"]; ok || len(n.Spec.Taints) != 0 {
		t.Errorf("refused changes reached node a: labels %v, taints %v", n.Labels, n.Spec.Taints)
	}

	for name, tc := range map[string]struct{ y, key string }{
		"label":        {"nodes: [{name: a, labels: {\"bad key!\": v}}]\n", "nodes[0].labels"},
		"capacity":     {"nodes: [{name: a, capacity: {cpu: \"-1\"}}]\n", "nodes[0].capacity[cpu]"},
		"count label":  {"nodes: [{count: 2, prefix: w-, labels: {k: \"bad value!\"}}]\n", "nodes[0].labels"},
		"addNode":      {"nodes: [{name: a}]\nsteps: [{at: 1m, addNode: {name: b, capacity: {memory: \"-1Gi\"}}}]\n", "steps[0].addNode.capacity[memory]"},
		"setNodeLabel": {"nodes: [{name: a}]\nsteps: [{at: 1m, setNodeLabels: {name: a, labels: {k: \"-bad-\"}}}]\n", "steps[0].setNodeLabels.labels[k]"},
		"setNodeTaint": {"nodes: [{name: a}]\nsteps: [{at: 1m, setNodeTaints: {name: a, taints: [{key: k, effect: NoSchedule}, {key: k, effect: NoSchedule}]}}]\n", "steps[0].setNodeTaints.taints[1]"},
	} {
		_, err := scenario.Parse([]byte(tc.y), "s.yaml")
		if err == nil || !errors.Is(err, scenario.ErrInvalid) || !strings.Contains(err.Error(), "s.yaml:") || !strings.Contains(err.Error(), tc.key+":") {
			t.Errorf("scenario %s: err %v, want one naming the line and %s", name, err, tc.key)
		}
	}
}
