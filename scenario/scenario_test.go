package scenario_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	yaml "sigs.k8s.io/yaml/goyaml.v3"

	"github.com/orchestra-go/orchestra/scenario"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func playJSON(t *testing.T, path string) []byte {
	t.Helper()
	s, err := scenario.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/<name>.golden, or rewrites it with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", name, diff)
	}
}

func TestEveryStepKindGolden(t *testing.T) {
	golden(t, "every-step.json", playJSON(t, "testdata/every-step.yaml"))
}

func TestDeterministic(t *testing.T) {
	a := playJSON(t, "testdata/every-step.yaml")
	b := playJSON(t, "testdata/every-step.yaml")
	if !bytes.Equal(a, b) {
		t.Fatal("two plays of the same scenario differ")
	}
	// The same scenario with every mapping's keys in another order.
	data, err := os.ReadFile("testdata/every-step.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reordered := reorderKeys(t, data)
	if bytes.Equal(reordered, data) {
		t.Fatal("reordering changed nothing")
	}
	s, err := scenario.Parse(reordered, "testdata/every-step.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(a), buf.String()); diff != "" {
		t.Fatalf("key order changed the play (-want +got):\n%s", diff)
	}
}

func TestErrorsNameLineAndKey(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unknown key", "nodes:\n  - name: a\n    colour: blue\n", ":3: nodes[0].colour: unknown key"},
		{"bad duration", "run: forever\n", ":1: run: bad duration"},
		{"step before previous", "nodes: [{name: a}]\nsteps:\n  - at: 10m\n    cordon: a\n  - at: 5m\n    uncordon: a\n", ":5: steps[1].at: 5m0s is before the previous step's 10m0s"},
		{"unknown node", "nodes: [{name: a}]\nsteps:\n  - at: 1m\n    cordon: b\n", ":4: steps[0].cordon: node \"b\" does not exist"},
		{"removed node", "nodes: [{name: a}]\nsteps:\n  - at: 1m\n    removeNode: a\n  - at: 2m\n    cordon: a\n", ":6: steps[1].cordon: node \"a\" does not exist"},
		{"two actions", "nodes: [{name: a}]\nsteps:\n  - at: 1m\n    cordon: a\n    uncordon: a\n", "steps[0].uncordon: a step has one action"},
		{"bad step duration", "steps:\n  - at: soon\n    stopControlPlane: true\n", ":2: steps[0].at: bad duration"},
		{"bad selector", "steps:\n  - at: 1m\n    deletePods: {selector: \"app in (\"}\n", ":3: steps[0].deletePods.selector"},
		{"bad kind", "objects:\n  - {apiVersion: apps/v1, kind: Deploymnet, metadata: {name: x}}\n", ":2: objects[0]"},
		{"bad propagation", "steps:\n  - at: 1m\n    delete: {kind: Job, name: x, propagation: Sideways}\n", ":3: steps[0].delete.propagation"},
		{"bad behavior", "behaviors:\n  - match: {image: nginx}\n    runFor: 1 minute\n", ":3: behaviors[0].runFor: bad duration"},
		{"a manifest", "apiVersion: apps/v1\nkind: Deployment\n", ":1: apiVersion: unknown key: this is a Kubernetes manifest, not a scenario; load it with LoadManifests, or list it under a scenario's manifests"},
		{"a manifest, kind first", "kind: Job\n", ":1: kind: unknown key: this is a Kubernetes manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenario.Parse([]byte(tc.src), "s.yaml")
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !errors.Is(err, scenario.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want ErrInvalid containing %q", err, tc.want)
			}
		})
	}
}

// reorderKeys reverses the order of the keys of every mapping in a YAML
// document.
func reorderKeys(t *testing.T, data []byte) []byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			var pairs [][2]*yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				pairs = append(pairs, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
			}
			n.Content = n.Content[:0]
			for i := len(pairs) - 1; i >= 0; i-- {
				n.Content = append(n.Content, pairs[i][0], pairs[i][1])
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStepMatchingNothingWarns(t *testing.T) {
	s, err := scenario.Parse([]byte("nodes: [{name: a}]\nsteps:\n  - at: 1m\n    deletePods: {selector: \"app=nope\"}\n"), "w.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `w.yaml:3: at 1m0s: deletePods: selector "app=nope" matches no running pod`) {
		t.Fatalf("warnings %q", res.Warnings)
	}
}

// A behaviour rule that no container matched by the end warns, naming the
// rule and its match; the rule that matched does not.
func TestBehaviorMatchingNothingWarns(t *testing.T) {
	src := `run: 1m
nodes: [{name: a}]
behaviors:
  - match: {labels: "app=wbe"}
    crashAfter: 5s
  - match: {image: "nginx*"}
    readyAfter: 1s
objects:
  - apiVersion: v1
    kind: Pod
    metadata: {name: web, labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
`
	s, err := scenario.Parse([]byte(src), "b.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`b.yaml: behaviors[0] (match labels "app=wbe") has matched no container`}
	if !slices.Equal(res.Warnings, want) {
		t.Errorf("warnings %q, want %q", res.Warnings, want)
	}
}

// TestProbesWarnAndReplay: the fake runtime does not run probes, so the
// player warns once per object and probe field; and a scenario can be
// played twice with the same result (the player does not consume it).
func TestProbesWarnAndReplay(t *testing.T) {
	src := `
run: 2m
nodes: [{name: a}]
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
          containers:
            - name: a
              image: web
              readinessProbe: {httpGet: {path: /, port: 80}}
            - name: b
              image: web
              readinessProbe: {tcpSocket: {port: 81}}
steps:
  - at: 1m
    addNode: {name: b}
`
	s, err := scenario.Parse([]byte(src), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var nodes []int
	for range 2 {
		res, err := scenario.Play(s, scenario.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var probes []string
		for _, w := range res.Warnings {
			if strings.Contains(w, "Probe") {
				probes = append(probes, w)
			}
		}
		if len(probes) != 1 || !strings.Contains(probes[0], "spec.template.spec.containers[].readinessProbe is not run") {
			t.Fatalf("probe warnings %q", probes)
		}
		nodes = append(nodes, len(res.Nodes))
	}
	if nodes[0] != 2 || nodes[1] != 2 {
		t.Fatalf("nodes after each play: %v, want 2 and 2 (the addNode step played both times)", nodes)
	}
}

// TestCommandWarns: the fake runtime does not run commands, so a Job
// whose command would exit 42 (Kubernetes' pod failure policy example)
// completes unless a behaviour rule says otherwise; the player warns once
// per object for command and for args, for init and app containers.
func TestCommandWarns(t *testing.T) {
	src := `
run: 2m
nodes: [{name: a}]
objects:
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: fail42}
    spec:
      template:
        spec:
          restartPolicy: Never
          initContainers:
            - {name: init, image: bash, command: [sh]}
          containers:
            - {name: main, image: bash, command: [bash], args: [-c, "exit 42"]}
            - {name: side, image: bash, command: [bash]}
`
	s, err := scenario.Parse([]byte(src), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range res.Warnings {
		if strings.Contains(w, "is not run by the simulator") {
			got = append(got, w)
		}
	}
	const why = " is not run by the simulator's fake runtime: a container runs and exits as its behaviour says (runFor, exitCode, exitCodes, failFirst)"
	want := []string{
		"Job/default/fail42: spec.template.spec.initContainers[].command" + why,
		"Job/default/fail42: spec.template.spec.containers[].command" + why,
		"Job/default/fail42: spec.template.spec.containers[].args" + why,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("warnings (-want +got):\n%s", diff)
	}
}

// TestBehaviorStopAfter: a behaviour's stopAfter (orchestra's extension)
// makes a deleted pod's container exit 0 that long after SIGTERM, so the
// pod goes then instead of at the end of its grace period.
func TestBehaviorStopAfter(t *testing.T) {
	src := `
run: 5m
nodes: [{name: a}]
behaviors:
  - match: {podName: "quick"}
    stopAfter: 2s
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: quick, labels: {app: x}}, spec: {containers: [{name: c, image: i}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: slow, labels: {app: x}}, spec: {containers: [{name: c, image: i}]}}
steps:
  - at: 1m
    deletePods: {selector: "app=x", gracePeriod: 30s}
`
	s, err := scenario.Parse([]byte(src), "stop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gone := map[string]time.Duration{}
	for _, c := range res.Timeline {
		if c.Change == "deleted" {
			gone[c.Object] = c.Time.Sub(res.Start)
		}
	}
	if gone["Pod/default/quick"] != time.Minute+2*time.Second || gone["Pod/default/slow"] != time.Minute+30*time.Second {
		t.Fatalf("pods deleted at %v, want quick at 1m2s and slow at 1m30s", gone)
	}
	if _, err := scenario.Parse([]byte("behaviors:\n  - stopAfter: soon\n"), "b.yaml"); err == nil || !strings.Contains(err.Error(), ":2: behaviors[0].stopAfter: bad duration") {
		t.Fatalf("bad stopAfter: %v", err)
	}
}
