package breakit_test

import (
	"sort"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

func dsYAML(spec, podSpecExtra string) string {
	return `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
` + spec + `
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
` + podSpecExtra + `
      containers: [{name: c, image: agent:1}]`
}

func dsNodes(t *testing.T, c *orchestra.Cluster) []string {
	t.Helper()
	var out []string
	for _, p := range pods(t, c, "app=agent") {
		if p.DeletionTimestamp == nil {
			out = append(out, p.Spec.NodeName)
		}
	}
	sort.Strings(out)
	return out
}

// The DaemonSet controller adds tolerations (operator Exists, no
// tolerationSeconds): NoExecute not-ready and unreachable; NoSchedule
// disk-pressure, memory-pressure, pid-pressure, unschedulable;
// network-unavailable only for hostNetwork pods.
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/#taints-and-tolerations ;
// pkg/controller/daemon/util/daemonset_util.go AddOrUpdateDaemonPodTolerations.
func TestDaemonSetTolerations(t *testing.T) {
	for _, hostNet := range []bool{false, true} {
		c := newCluster(t, "a")
		extra := ""
		if hostNet {
			extra = "      hostNetwork: true"
		}
		applyYAML(t, c, dsYAML("", extra))
		advance(t, c, time.Second)
		ps := pods(t, c, "app=agent")
		if len(ps) != 1 {
			t.Fatalf("%d pods", len(ps))
		}
		type tk struct{ key, effect string }
		got := map[tk]workload.Toleration{}
		for _, tol := range ps[0].Spec.Tolerations {
			got[tk{tol.Key, string(tol.Effect)}] = tol
		}
		want := []tk{
			{"node.kubernetes.io/not-ready", "NoExecute"},
			{"node.kubernetes.io/unreachable", "NoExecute"},
			{"node.kubernetes.io/disk-pressure", "NoSchedule"},
			{"node.kubernetes.io/memory-pressure", "NoSchedule"},
			{"node.kubernetes.io/pid-pressure", "NoSchedule"},
			{"node.kubernetes.io/unschedulable", "NoSchedule"},
		}
		if hostNet {
			want = append(want, tk{"node.kubernetes.io/network-unavailable", "NoSchedule"})
		}
		for _, w := range want {
			tol, ok := got[w]
			if !ok {
				t.Errorf("hostNetwork=%v: no toleration %v; have %+v", hostNet, w, ps[0].Spec.Tolerations)
				continue
			}
			if tol.Operator != "Exists" || tol.TolerationSeconds != nil {
				t.Errorf("toleration %+v", tol)
			}
		}
		if _, ok := got[tk{"node.kubernetes.io/network-unavailable", "NoSchedule"}]; ok && !hostNet {
			t.Errorf("network-unavailable toleration on a pod without hostNetwork")
		}
		var aff bool
		if a := ps[0].Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
			for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
				for _, f := range term.MatchFields {
					if f.Key == "metadata.name" && len(f.Values) == 1 && f.Values[0] == "a" {
						aff = true
					}
				}
			}
		}
		if !aff {
			t.Errorf("no matchFields metadata.name affinity: %+v", ps[0].Spec.Affinity)
		}
	}
}

// A cordoned node still gets its daemon pod; a node NotReady keeps it (the
// not-ready toleration has no tolerationSeconds).
func TestDaemonSetCordonedAndNotReady(t *testing.T) {
	c := newCluster(t, "a", "b")
	if err := c.Fake().Cordon("b"); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, dsYAML("", ""))
	advance(t, c, time.Minute)
	if got := dsNodes(t, c); len(got) != 2 {
		t.Fatalf("daemon pods on %v, want a and b (cordoned)", got)
	}
	if err := c.Fake().SetNodeReady("a", false); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Minute)
	if got := dsNodes(t, c); len(got) != 2 {
		t.Errorf("daemon pods on %v after a went NotReady for 10m, want a and b", got)
	}
}

// Taints: an untolerated NoSchedule taint added to a node keeps the running
// daemon pod (shouldContinueRunning); an untolerated NoExecute taint deletes
// it; a new node with an untolerated NoSchedule taint gets no pod.
// Source: pkg/controller/daemon/daemon_controller.go NodeShouldRunDaemonPod.
func TestDaemonSetTaints(t *testing.T) {
	c := newCluster(t, "a", "b")
	applyYAML(t, c, dsYAML("", ""))
	advance(t, c, time.Minute)
	if err := c.Fake().SetNodeTaints("a", []workload.Taint{{Key: "k", Value: "v", Effect: "NoSchedule"}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if got := dsNodes(t, c); len(got) != 2 {
		t.Errorf("after NoSchedule taint on a: pods on %v, want a b", got)
	}
	if err := c.Fake().SetNodeTaints("b", []workload.Taint{{Key: "k", Value: "v", Effect: "NoExecute"}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if got := dsNodes(t, c); len(got) != 1 || got[0] != "a" {
		t.Errorf("after NoExecute taint on b: pods on %v, want a", got)
	}
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "d"}, Spec: workload.NodeSpec{Taints: []workload.Taint{{Key: "k", Value: "v", Effect: "NoSchedule"}}}}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if got := dsNodes(t, c); len(got) != 1 {
		t.Errorf("new tainted node d: pods on %v, want a", got)
	}
}

// Node labels or the DaemonSet's nodeSelector changing so that a node no
// longer matches: its daemon pod is deleted (even though node affinity is
// "IgnoredDuringExecution").
// Source: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/#how-daemon-pods-are-scheduled ;
// NodeShouldRunDaemonPod returns (false, false) on a selector mismatch.
func TestDaemonSetNodeSelectorChanges(t *testing.T) {
	c := newCluster(t, "a", "b")
	for _, n := range []string{"a", "b"} {
		if err := c.Fake().SetNodeLabels(n, map[string]*string{"disk": workload.Ptr("ssd")}); err != nil {
			t.Fatal(err)
		}
	}
	applyYAML(t, c, dsYAML("", "      nodeSelector: {disk: ssd}"))
	advance(t, c, time.Minute)
	if got := dsNodes(t, c); len(got) != 2 {
		t.Fatalf("pods on %v", got)
	}
	if err := c.Fake().SetNodeLabels("b", map[string]*string{"disk": nil}); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if got := dsNodes(t, c); len(got) != 1 || got[0] != "a" {
		t.Errorf("after b lost the label: pods on %v, want a", got)
	}
	o, _ := c.Get("DaemonSet", "default", "agent")
	ds := o.(*workload.DaemonSet)
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "hdd"}
	if _, err := c.Apply(ds); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if got := dsNodes(t, c); len(got) != 0 {
		t.Errorf("after the selector changed to disk=hdd: pods on %v, want none", got)
	}
	ds.Spec.Template.Spec.NodeSelector = nil
	ds.Spec.Template.Spec.Affinity = &workload.Affinity{NodeAffinity: &workload.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &workload.NodeSelector{NodeSelectorTerms: []workload.NodeSelectorTerm{{
			MatchExpressions: []workload.NodeSelectorRequirement{{Key: "disk", Operator: "In", Values: []string{"ssd"}}}}}}}}
	o, _ = c.Get("DaemonSet", "default", "agent")
	ds.ResourceVersion = o.GetObjectMeta().ResourceVersion
	if _, err := c.Apply(ds); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	if got := dsNodes(t, c); len(got) != 1 || got[0] != "a" {
		t.Errorf("with required node affinity disk In [ssd]: pods on %v, want a", got)
	}
}

// Rolling update with maxSurge 1, maxUnavailable 0: the new pod starts
// beside the old one, and the old one is deleted once the new one is
// available (never fewer than one ready pod per node).
// Source: https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/ ; KEP-1591.
func TestDaemonSetSurge(t *testing.T) {
	c := newClusterB(t, []fake.Behavior{{Match: fake.Match{Image: "agent*"}, ReadyAfter: 20 * time.Second}}, "a")
	applyYAML(t, c, dsYAML("  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}", ""))
	advance(t, c, time.Minute)
	o, _ := c.Get("DaemonSet", "default", "agent")
	ds := o.(*workload.DaemonSet)
	ds.Spec.Template.Spec.Containers[0].Image = "agent:2"
	if _, err := c.Apply(ds); err != nil {
		t.Fatal(err)
	}
	var sawTwo bool
	for i := 0; i < 60; i++ {
		advance(t, c, time.Second)
		var ready int
		ps := pods(t, c, "app=agent")
		if len(ps) == 2 {
			sawTwo = true
		}
		for _, p := range ps {
			if p.DeletionTimestamp == nil {
				for _, cd := range p.Status.Conditions {
					if cd.Type == "Ready" && cd.Status == "True" {
						ready++
					}
				}
			}
		}
		if ready == 0 {
			t.Fatalf("at %v no ready daemon pod on the node", c.Now().Sub(t0))
		}
	}
	if !sawTwo {
		t.Errorf("never two pods on the node: surge not used")
	}
	ps := pods(t, c, "app=agent")
	if len(ps) != 1 || ps[0].Spec.Containers[0].Image != "agent:2" {
		t.Errorf("pods after the update: %d", len(ps))
	}
}
