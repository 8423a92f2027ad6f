package scenario_test

import (
	"maps"
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

// appPods returns the pods whose name starts with prefix, by phase, and
// the nodes of the ones that have one.
func appPods(res *scenario.Result, prefix string) (phases map[string]int, nodes []string) {
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
	phases, nodes := appPods(res, "web-")
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
	phases, nodes := appPods(res, "web-")
	if phases[workload.PodRunning] != 6 {
		t.Errorf("web phases %v, want 6 Running", phases)
	}
	for _, n := range nodes {
		if zones[n] != "zb" {
			t.Errorf("a web pod runs on %s in zone %q, want zone zb (the cache's)", n, zones[n])
		}
	}
	phases, nodes = appPods(res, "self-")
	if phases[workload.PodRunning] != 3 || len(nodes) != 3 {
		t.Fatalf("self phases %v on %v, want 3 Running", phases, nodes)
	}
	for _, n := range nodes[1:] {
		if zones[n] != zones[nodes[0]] {
			t.Errorf("self pods in zones %q and %q, want one zone", zones[nodes[0]], zones[n])
		}
	}
}

func zoneCounts(res *scenario.Result, prefix string) map[string]int {
	zones := nodeZones(res)
	_, nodes := appPods(res, prefix)
	out := map[string]int{}
	for _, n := range nodes {
		out[zones[n]]++
	}
	return out
}

const spreadNodes = `
run: 10m
nodes:
  - {count: 4, prefix: a-, labels: {topology.kubernetes.io/zone: za}}
  - {count: 1, prefix: b-, labels: {topology.kubernetes.io/zone: zb}}
  - {count: 1, prefix: c-, labels: {topology.kubernetes.io/zone: zc}}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 6
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          topologySpreadConstraints:
            - maxSkew: 1
              topologyKey: topology.kubernetes.io/zone
              whenUnsatisfiable: WHEN
              labelSelector: {matchLabels: {app: web}}
          containers: [{name: web, image: nginx}]
`

// A spread constraint with maxSkew 1 over 3 zones spreads a Deployment
// evenly, although one zone has most of the nodes; ScheduleAnyway prefers
// the same balance. Without the constraint kube-scheduler's system
// default spreading (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway)
// scores them: one per zone first; the 4th and 5th go to empty nodes of
// za, whose zone count (weight log 5 = 1.61) costs less than b-1's and
// c-1's pod (weight log 8 = 2.08): raw 8 and 9 against 10; the 6th to b-1
// or c-1 (raw 10 against za's empty node 11): three in za, two and one.
func TestScenarioTopologySpread(t *testing.T) {
	for _, when := range []string{"DoNotSchedule", "ScheduleAnyway"} {
		res := play(t, strings.Replace(spreadNodes, "WHEN", when, 1))
		if len(res.Warnings) != 0 {
			t.Errorf("%s: warnings %q", when, res.Warnings)
		}
		if got, want := zoneCounts(res, "web-"), map[string]int{"za": 2, "zb": 2, "zc": 2}; !maps.Equal(got, want) {
			t.Errorf("%s: web pods per zone %v, want %v", when, got, want)
		}
	}
	none := strings.Replace(spreadNodes, "          topologySpreadConstraints:\n            - maxSkew: 1\n              topologyKey: topology.kubernetes.io/zone\n              whenUnsatisfiable: WHEN\n              labelSelector: {matchLabels: {app: web}}\n", "", 1)
	if got := zoneCounts(play(t, none), "web-"); got["za"] != 3 || got["zb"]+got["zc"] != 3 || got["zb"] == 0 || got["zc"] == 0 {
		t.Errorf("without constraints: web pods per zone %v, want 3 in za, 2 and 1 in zb and zc", got)
	}
}

// DoNotSchedule with a zone that has no node left keeps the extra pods
// Pending with kube-scheduler's message.
func TestScenarioTopologySpreadPending(t *testing.T) {
	src := strings.Replace(spreadNodes, "WHEN", "DoNotSchedule", 1)
	src = strings.Replace(src, "replicas: 6", "replicas: 8", 1)
	// One pod per node at most (a host port): zones b and c take one
	// each, so zone a may hold two.
	src = strings.Replace(src, "          containers: [{name: web, image: nginx}]",
		"          containers: [{name: web, image: nginx, ports: [{containerPort: 80, hostPort: 80}]}]", 1)
	res := play(t, src)
	phases, _ := appPods(res, "web-")
	if phases[workload.PodRunning] != 4 || phases[workload.PodPending] != 4 {
		t.Errorf("phases %v, want 4 Running and 4 Pending", phases)
	}
	// Two in zone a, one each in b and c: the two free nodes of zone a
	// would skew it to 3 against 1; the other four have the port taken
	// (NodePorts filters before PodTopologySpread).
	want := "0/6 nodes are available: 2 node(s) didn't match pod topology spread constraints, " +
		"4 node(s) didn't have free ports for the requested pod ports. " +
		"preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod.."
	found := false
	for _, e := range res.Events {
		if e.Reason == "FailedScheduling" {
			found = found || e.Message == want
		}
	}
	if !found {
		for _, e := range res.Events {
			if e.Reason == "FailedScheduling" {
				t.Logf("%s %q", e.Object, e.Message)
			}
		}
		t.Errorf("no FailedScheduling event %q", want)
	}
}

// Bad inter-pod affinity and spread constraints are refused with the
// field named, and nothing is created.
func TestScenarioAffinityValidation(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"topologySpreadConstraints: [{maxSkew: 0, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule}]",
			"spec.template.spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"},
		{"topologySpreadConstraints: [{maxSkew: 1, whenUnsatisfiable: DoNotSchedule}]",
			"spec.template.spec.topologySpreadConstraints[0].topologyKey: Required value: can not be empty"},
		{"topologySpreadConstraints: [{maxSkew: 1, topologyKey: k, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}]",
			"spec.template.spec.topologySpreadConstraints[0].minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway"},
		{"topologySpreadConstraints: [{maxSkew: 1, topologyKey: k, whenUnsatisfiable: DoNotSchedule}, {maxSkew: 2, topologyKey: k, whenUnsatisfiable: DoNotSchedule}]",
			"spec.template.spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: \"{k, DoNotSchedule}\""},
		{"affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 0, podAffinityTerm: {topologyKey: k}}]}}",
			"spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100"},
		{"affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: db}}}]}}",
			"spec.template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty"},
	} {
		src := `
nodes: [{name: a}]
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          ` + tc.spec + `
          containers: [{name: web, image: nginx}]
`
		s, err := scenario.Parse([]byte(src), "v.yaml")
		if err == nil {
			_, err = scenario.Play(s, scenario.Options{})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.spec, err, tc.want)
		}
	}
}

// Pods waiting for pods they are affine to are tried again as soon as such
// a pod is bound (kube-scheduler's InterPodAffinity requeues on a pod
// added), not after the five-minute flush.
func TestScenarioAffinityWaitsForItsPods(t *testing.T) {
	res := play(t, `
run: 3m
nodes:
  - {count: 2, prefix: a-, labels: {topology.kubernetes.io/zone: za}}
  - {count: 2, prefix: b-, labels: {topology.kubernetes.io/zone: zb}}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
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
steps:
  - at: 1m
    apply:
      apiVersion: v1
      kind: Pod
      metadata: {name: cache, labels: {app: cache}}
      spec:
        nodeSelector: {topology.kubernetes.io/zone: zb}
        containers: [{name: c, image: redis}]
`)
	zones := nodeZones(res)
	phases, nodes := appPods(res, "web-")
	if phases[workload.PodRunning] != 2 {
		t.Fatalf("web phases %v at 3m, want 2 Running", phases)
	}
	for _, n := range nodes {
		if zones[n] != "zb" {
			t.Errorf("a web pod runs in zone %q, want zb", zones[n])
		}
	}
}

// A namespaceSelector picks namespaces by the labels of their Namespace
// objects (kubernetes.io/metadata.name included).
func TestScenarioAffinityNamespaceSelector(t *testing.T) {
	res := play(t, `
run: 2m
nodes:
  - {count: 2, prefix: a-, labels: {topology.kubernetes.io/zone: za}}
  - {count: 2, prefix: b-, labels: {topology.kubernetes.io/zone: zb}}
objects:
  - apiVersion: v1
    kind: Namespace
    metadata: {name: data, labels: {team: storage}}
  - apiVersion: v1
    kind: Pod
    metadata: {name: db, namespace: data, labels: {app: db}}
    spec:
      nodeSelector: {topology.kubernetes.io/zone: zb}
      containers: [{name: c, image: postgres}]
  - apiVersion: v1
    kind: Pod
    metadata: {name: db, namespace: other, labels: {app: db}}
    spec:
      nodeSelector: {topology.kubernetes.io/zone: za}
      containers: [{name: c, image: postgres}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 3
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          affinity:
            podAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                - labelSelector: {matchLabels: {app: db}}
                  namespaceSelector: {matchLabels: {team: storage}}
                  topologyKey: topology.kubernetes.io/zone
          containers: [{name: web, image: nginx}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api}
    spec:
      replicas: 2
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec:
          affinity:
            podAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                - labelSelector: {matchLabels: {app: db}}
                  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: other}}
                  topologyKey: topology.kubernetes.io/zone
          containers: [{name: api, image: nginx}]
`)
	zones := nodeZones(res)
	for app, zone := range map[string]string{"web-": "zb", "api-": "za"} {
		phases, nodes := appPods(res, app)
		if len(nodes) == 0 || phases[workload.PodPending] != 0 {
			t.Errorf("%s phases %v", app, phases)
		}
		for _, n := range nodes {
			if zones[n] != zone {
				t.Errorf("a %s pod runs in zone %q, want %s", app, zones[n], zone)
			}
		}
	}
}

// The rolling update that matchLabelKeys [pod-template-hash] is made for:
// each revision's pods avoid one another only, so a surge pod may join a
// node that runs a pod of the old revision and the rollout completes. The
// stored pods show the key merged into their selector, as the API server
// writes it.
func TestScenarioAntiAffinityMatchLabelKeysRollout(t *testing.T) {
	src := `
run: 10m
nodes: [{count: 3, prefix: node-}]
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 3
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          affinity:
            podAntiAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                - labelSelector: {matchLabels: {app: web}}
                  MATCHKEYS
                  topologyKey: kubernetes.io/hostname
          containers: [{name: web, image: nginx:1}]
steps:
  - at: 1m
    apply:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 3
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            affinity:
              podAntiAffinity:
                requiredDuringSchedulingIgnoredDuringExecution:
                  - labelSelector: {matchLabels: {app: web}}
                    MATCHKEYS
                    topologyKey: kubernetes.io/hostname
            containers: [{name: web, image: nginx:2}]
`
	images := func(res *scenario.Result) map[string]int {
		out := map[string]int{}
		for _, p := range res.Pods {
			if p.Status.Phase == workload.PodRunning {
				out[p.Spec.Containers[0].Image]++
			}
		}
		return out
	}
	res := play(t, strings.ReplaceAll(src, "MATCHKEYS", "matchLabelKeys: [pod-template-hash]"))
	if got, want := images(res), map[string]int{"nginx:2": 3}; !maps.Equal(got, want) {
		t.Errorf("with matchLabelKeys: running images %v, want %v", got, want)
	}
	for _, p := range res.Pods {
		sel := p.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].LabelSelector
		want := []workload.LabelSelectorRequirement{{Key: "pod-template-hash", Operator: "In", Values: []string{p.Labels["pod-template-hash"]}}}
		if !slices.EqualFunc(sel.MatchExpressions, want, func(a, b workload.LabelSelectorRequirement) bool {
			return a.Key == b.Key && a.Operator == b.Operator && slices.Equal(a.Values, b.Values)
		}) {
			t.Errorf("pod %s: selector expressions %v, want %v", p.Name, sel.MatchExpressions, want)
		}
	}
	// Without it the surge pod finds every node taken and the rollout
	// stalls (maxUnavailable rounds down to 0 of 3).
	res = play(t, strings.ReplaceAll(src, "MATCHKEYS", ""))
	if got, want := images(res), map[string]int{"nginx:1": 3}; !maps.Equal(got, want) {
		t.Errorf("without matchLabelKeys: running images %v, want %v", got, want)
	}
}
