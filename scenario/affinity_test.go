package scenario_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/workload"
)

func play(t *testing.T, src string) *scenario.Result {
	t.Helper()
	s, err := scenario.Parse([]byte(src), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// podsOf returns the pods whose name starts with prefix, by phase, and
// the nodes of the ones that have one.
func podsOf(res *scenario.Result, prefix string) (phases map[string]int, nodes []string) {
	phases = map[string]int{}
	for _, p := range res.Pods {
		if !strings.HasPrefix(p.Name, prefix) {
			continue
		}
		phases[p.Status.Phase]++
		if p.Spec.NodeName != "" {
			nodes = append(nodes, p.Spec.NodeName)
		}
	}
	slices.Sort(nodes)
	return phases, nodes
}

func nodeZones(res *scenario.Result) map[string]string {
	z := map[string]string{}
	for _, n := range res.Nodes {
		z[n.Name] = n.Labels[workload.LabelZone]
	}
	return z
}

// A Deployment of 4 replicas with required anti-affinity on the hostname
// over 3 nodes: 3 run, one on each node, and the fourth stays Pending with
// kube-scheduler's FailedScheduling message.
func TestScenarioRequiredAntiAffinity(t *testing.T) {
	res := play(t, `
run: 10m
nodes: [{count: 3, prefix: node-}]
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 4
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          affinity:
            podAntiAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                - labelSelector: {matchLabels: {app: web}}
                  topologyKey: kubernetes.io/hostname
          containers: [{name: web, image: nginx}]
`)
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q", res.Warnings)
	}
	phases, nodes := podsOf(res, "web-")
	if phases[workload.PodRunning] != 3 || phases[workload.PodPending] != 1 {
		t.Errorf("phases %v, want 3 Running and 1 Pending", phases)
	}
	if want := []string{"node-1", "node-2", "node-3"}; !slices.Equal(nodes, want) {
		t.Errorf("bound to %v, want one on each of %v", nodes, want)
	}
	want := "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. " +
		"preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.."
	found := false
	for _, e := range res.Events {
		if e.Reason == "FailedScheduling" {
			found = true
			if e.Message != want || e.Type != workload.EventTypeWarning {
				t.Errorf("FailedScheduling %s %q, want Warning %q", e.Type, e.Message, want)
			}
		}
	}
	if !found {
		t.Error("no FailedScheduling event")
	}
}

// Pods with required affinity to another app's pods by zone go to that
// zone; and the first pod of an app that is affine to itself is not left
// Pending.
func TestScenarioPodAffinityByZone(t *testing.T) {
	res := play(t, `
run: 10m
nodes:
  - {count: 2, prefix: a-, labels: {topology.kubernetes.io/zone: za}}
  - {count: 2, prefix: b-, labels: {topology.kubernetes.io/zone: zb}}
  - {count: 2, prefix: c-, labels: {topology.kubernetes.io/zone: zc}}
objects:
  - apiVersion: v1
    kind: Pod
    metadata: {name: cache, labels: {app: cache}}
    spec:
      nodeSelector: {topology.kubernetes.io/zone: zb}
      containers: [{name: c, image: redis}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 6
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          affinity:
            podAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                - labelSelector: {matchLabels: {app: cache}}
                  topologyKey: topology.kubernetes.io/zone
          containers: [{name: web, image: nginx}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: self}
    spec:
      replicas: 3
      selector: {matchLabels: {app: self}}
      template:
        metadata: {labels: {app: self}}
        spec:
          affinity:
            podAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                - labelSelector: {matchLabels: {app: self}}
                  topologyKey: topology.kubernetes.io/zone
          containers: [{name: s, image: nginx}]
`)
	zones := nodeZones(res)
	phases, nodes := podsOf(res, "web-")
	if phases[workload.PodRunning] != 6 {
		t.Errorf("web phases %v, want 6 Running", phases)
	}
	for _, n := range nodes {
		if zones[n] != "zb" {
			t.Errorf("a web pod runs on %s in zone %q, want zone zb (the cache's)", n, zones[n])
		}
	}
	phases, nodes = podsOf(res, "self-")
	if phases[workload.PodRunning] != 3 || len(nodes) != 3 {
		t.Fatalf("self phases %v on %v, want 3 Running", phases, nodes)
	}
	for _, n := range nodes[1:] {
		if zones[n] != zones[nodes[0]] {
			t.Errorf("self pods in zones %q and %q, want one zone", zones[nodes[0]], zones[n])
		}
	}
}
