package scenario_test

import (
	"fmt"
	"testing"

	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/workload"
)

// playSeed is play with the scenario's seed set to seed.
func playSeed(t *testing.T, src string, seed uint64) *scenario.Result {
	t.Helper()
	return play(t, fmt.Sprintf("seed: %d\n%s", seed, src))
}

// webDeployment is a Deployment called web of n replicas, with extra
// lines (indented for the pod spec) added to its pod spec.
func webDeployment(n int, spec string) string {
	return fmt.Sprintf(`objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: %d
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: nginx}]
%s`, n, spec)
}

// kube-scheduler spreads a Deployment's pods over zones by its system
// default constraints (podtopologyspread plugin.go
// systemDefaultConstraints: zone maxSkew 5, hostname maxSkew 3, both
// ScheduleAnyway): 3 replicas on 9 nodes in 3 zones land one per zone,
// whatever the seed. A per-node count alone put two in one zone with
// some seeds.
func TestScenarioDefaultSpreadZones(t *testing.T) {
	src := `run: 10m
nodes:
  - {count: 3, prefix: a-, labels: {topology.kubernetes.io/zone: za}}
  - {count: 3, prefix: b-, labels: {topology.kubernetes.io/zone: zb}}
  - {count: 3, prefix: c-, labels: {topology.kubernetes.io/zone: zc}}
` + webDeployment(3, "")
	for seed := uint64(1); seed <= 12; seed++ {
		res := playSeed(t, src, seed)
		zones := nodeZones(res)
		phases, nodes := appPods(res, "web-")
		perZone := map[string]int{}
		for _, n := range nodes {
			perZone[zones[n]]++
		}
		if phases[workload.PodRunning] != 3 || len(perZone) != 3 {
			t.Errorf("seed %d: phases %v, pods on %v: want 3 Running, one per zone", seed, phases, nodes)
		}
	}
}

// Six replicas on three nodes go two per node: the hostname constraint
// scores a node by its count of the Deployment's pods.
func TestScenarioDefaultSpreadNodes(t *testing.T) {
	src := "run: 10m\nnodes: [{count: 3, prefix: node-}]\n" + webDeployment(6, "")
	for seed := uint64(1); seed <= 6; seed++ {
		res := playSeed(t, src, seed)
		_, nodes := appPods(res, "web-")
		perNode := map[string]int{}
		for _, n := range nodes {
			perNode[n]++
		}
		if want := map[string]int{"node-1": 2, "node-2": 2, "node-3": 2}; fmt.Sprint(perNode) != fmt.Sprint(want) {
			t.Errorf("seed %d: pods per node %v, want %v", seed, perNode, want)
		}
	}
}

// A Deployment of 4 replicas with a weight-100 preferred pod affinity to
// its cache's zone, over 2 zones of 3 nodes: kube-scheduler keeps all four
// in the cache's zone. For the fourth, with one replica on each node of
// zone za, InterPodAffinity gives za's nodes 100 and zb's 0 (weight 2);
// the default spreading gives, over 6 feasible nodes (hostname weight
// log 8, zone weight log 4), za's nodes raw round(2.08+2 + 3*1.39+4) = 12
// and zb's 2+4 = 6, normalized 100*(12+6-s)/12: 50 and 100 (weight 2).
// za wins by 200-100. A per-node count gave za's nodes 0 and zb's 100,
// a tie that LeastAllocated broke toward the empty zone.
func TestScenarioDefaultSpreadPreferredAffinity(t *testing.T) {
	src := `run: 10m
nodes:
  - {count: 3, prefix: a-, labels: {topology.kubernetes.io/zone: za}}
  - {count: 3, prefix: b-, labels: {topology.kubernetes.io/zone: zb}}
` + webDeployment(4, `          affinity:
            podAffinity:
              preferredDuringSchedulingIgnoredDuringExecution:
                - weight: 100
                  podAffinityTerm:
                    labelSelector: {matchLabels: {app: cache}}
                    topologyKey: topology.kubernetes.io/zone
`) + `  - apiVersion: v1
    kind: Pod
    metadata: {name: cache, labels: {app: cache}}
    spec:
      nodeName: a-1
      containers: [{name: cache, image: redis}]
`
	for seed := uint64(1); seed <= 6; seed++ {
		res := playSeed(t, src, seed)
		zones := nodeZones(res)
		phases, nodes := appPods(res, "web-")
		if phases[workload.PodRunning] != 4 {
			t.Errorf("seed %d: phases %v, want 4 Running", seed, phases)
		}
		for _, n := range nodes {
			if zones[n] != "za" {
				t.Errorf("seed %d: web pods on %v, want all in the cache's zone za", seed, nodes)
				break
			}
		}
	}
}
