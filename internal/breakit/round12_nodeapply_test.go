package breakit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

// TestR12NodeApplyKeepsPodCIDR: a Node manifest applied to label a node
// (kubectl apply, a patch) leaves the fields it does not set, among them
// spec.podCIDR and spec.podCIDRs; and once set they may not change
// (Kubernetes' ValidateNodeUpdate: "node updates may not change podCIDR
// except from \"\" to valid"). orchestra's Apply cleared a runtime node's
// pod CIDRs from the API (for good: the runtime's reports did not bring
// them back) and took another CIDR than the one its pods get addresses
// from.
func TestR12NodeApplyKeepsPodCIDR(t *testing.T) {
	c := newCluster(t, "n1")
	advance(t, c, time.Second)
	n, err := orchestra.GetAs[*workload.Node](c, "", "n1")
	if err != nil {
		t.Fatal(err)
	}
	cidr := n.Spec.PodCIDR
	if cidr == "" {
		t.Fatal("the fake's node has no podCIDR")
	}
	applyYAML(t, c, "apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {team: blue}}\n")
	advance(t, c, time.Minute)
	n, _ = orchestra.GetAs[*workload.Node](c, "", "n1")
	if n.Labels["team"] != "blue" || n.Spec.PodCIDR != cidr || len(n.Spec.PodCIDRs) != 1 || n.Spec.PodCIDRs[0] != cidr {
		t.Fatalf("after applying a label: team=%q podCIDR %q podCIDRs %v; want team=blue and the pod CIDR %s kept", n.Labels["team"], n.Spec.PodCIDR, n.Spec.PodCIDRs, cidr)
	}
	objs, _, err := workload.Decode([]byte("apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.9.0.0/24}\n"), "node.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply(objs[0])
	if !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "spec.podCIDRs") {
		t.Fatalf("apply of another podCIDR: %v; want workload.ErrInvalid naming spec.podCIDRs", err)
	}
	n, _ = orchestra.GetAs[*workload.Node](c, "", "n1")
	if n.Spec.PodCIDR != cidr || n.Labels["team"] != "blue" {
		t.Fatalf("a refused apply changed the node: podCIDR %q labels %v", n.Spec.PodCIDR, n.Labels)
	}
	// An applied Node (no runtime) gets its podCIDR once, from none.
	applyYAML(t, c, "apiVersion: v1\nkind: Node\nmetadata: {name: nx}\n")
	applyYAML(t, c, "apiVersion: v1\nkind: Node\nmetadata: {name: nx}\nspec: {podCIDR: 10.8.0.0/24}\n")
	applyYAML(t, c, "apiVersion: v1\nkind: Node\nmetadata: {name: nx, labels: {a: b}}\n")
	nx, _ := orchestra.GetAs[*workload.Node](c, "", "nx")
	if nx.Spec.PodCIDR != "10.8.0.0/24" {
		t.Fatalf("applied node podCIDR %q, want 10.8.0.0/24 set from none and kept", nx.Spec.PodCIDR)
	}
}
