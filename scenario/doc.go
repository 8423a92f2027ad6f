// Package scenario loads and plays SCENARIO.md scenarios: a virtual-time
// cluster on the fake runtime, its nodes, the objects applied at the
// start, the fake containers' behaviour rules, and timed steps (nodes
// joining and leaving, pods deleted or killed, objects applied and
// deleted, the control plane stopped and started). Playing reports what
// happened as SCENARIO.md's JSON document: nodes, objects and pods at the
// end, events, and a timeline of every change of every pod and Job. Same
// file, same seed: the same report, byte for byte.
//
// From a Go test:
//
//	s, err := scenario.Load("testdata/rollout.yaml")
//	if err != nil { t.Fatal(err) }
//	res, err := scenario.Play(s, scenario.Options{})
//	if err != nil { t.Fatal(err) }
//	for _, ch := range res.Timeline { ... }
//
// Or step by step with a Player, inspecting the cluster between steps.
//
// Load and Parse take scenarios only: a Kubernetes manifest is an error
// (its apiVersion is no scenario key). To play manifests as they are, as
// examples/simulate -f does, load them with LoadManifests, which wraps them
// in a scenario on so many nodes for so long:
//
//	s, err := scenario.LoadManifests(3, 2*time.Hour, "testdata/web.yaml")
//
// or list them under manifests in a scenario of your own (paths are
// relative to the scenario's directory), with behaviour rules and steps.
//
// A loaded Scenario is plain data, which a test may change before Play:
// to try a manifest with other replicas, a topology spread or an
// anti-affinity, zone labels on the nodes, or behaviour rules and steps of
// its own (see ExampleLoadManifests_spread). Objects are applied as they
// are given, defaulted and validated as Cluster.Apply does. A Scenario can
// also be written as a Go literal, with no file at all, for the timeline
// its play records (each change of each pod and Job, at its virtual time):
//
//	res, err := scenario.Play(&scenario.Scenario{
//		Nodes:     []*workload.Node{{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}},
//		Objects:   []workload.Object{job},
//		Behaviors: []fake.Behavior{{Match: fake.Match{Image: "backup*"}, ExitCodes: []int32{1, 0}}},
//		Run:       time.Hour, // Start: DefaultStart when zero
//	}, scenario.Options{})
package scenario
