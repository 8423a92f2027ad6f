package breakit_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/scenario"
)

// SCENARIO.md: the sim.orchestra.dev/* annotations take "values as above,
// as strings", and a bad duration or an unknown key is an error that names
// the line and the key. A pod (or a pod template) whose annotation says
// run-for "forever" was accepted by Parse and Play alike: the fake refused
// to create the pod and it stayed Pending, with nothing said. A typo in
// the key (run-forr) was ignored, and an exit code of 300, refused as a
// rule's exitCode, was taken from an annotation.
func TestR8cScenarioBadSimAnnotations(t *testing.T) {
	for name, tc := range map[string]struct{ src, want string }{
		"pod duration": {
			"nodes: [{name: a}]\nobjects:\n  - {apiVersion: v1, kind: Pod, metadata: {name: p, annotations: {sim.orchestra.dev/run-for: forever}}, spec: {containers: [{name: c, image: x}]}}\n",
			`bad.yaml:3: objects[0]: Pod/default/p: metadata.annotations[sim.orchestra.dev/run-for]: "forever"`,
		},
		"template duration": {
			"nodes: [{name: a}]\nobjects:\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: d}\n    spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}, annotations: {sim.orchestra.dev/ready-after: soon}}, spec: {containers: [{name: c, image: x}]}}}\n",
			`bad.yaml:3: objects[0]: Deployment/default/d: spec.template.metadata.annotations[sim.orchestra.dev/ready-after]: "soon"`,
		},
		"cronjob template in a step": {
			"nodes: [{name: a}]\nsteps:\n  - at: 1m\n    apply: {apiVersion: batch/v1, kind: CronJob, metadata: {name: c}, spec: {schedule: '* * * * *', jobTemplate: {spec: {template: {metadata: {annotations: {sim.orchestra.dev/exit-code: one}}, spec: {restartPolicy: Never, containers: [{name: c, image: x}]}}}}}}\n",
			`bad.yaml:4: steps[0].apply: CronJob/default/c: spec.jobTemplate.spec.template.metadata.annotations[sim.orchestra.dev/exit-code]: "one"`,
		},
		"unknown key": {
			"nodes: [{name: a}]\nobjects:\n  - {apiVersion: v1, kind: Pod, metadata: {name: p, annotations: {sim.orchestra.dev/run-forr: 5s}}, spec: {containers: [{name: c, image: x}]}}\n",
			`bad.yaml:3: objects[0]: Pod/default/p: metadata.annotations[sim.orchestra.dev/run-forr]: unknown key`,
		},
		"exit code range": {
			"nodes: [{name: a}]\nobjects:\n  - {apiVersion: v1, kind: Pod, metadata: {name: p, annotations: {sim.orchestra.dev/exit-code: '300'}}, spec: {containers: [{name: c, image: x}]}}\n",
			`bad.yaml:3: objects[0]: Pod/default/p: metadata.annotations[sim.orchestra.dev/exit-code]: want 0 to 255, got 300`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := scenario.Parse([]byte(tc.src), "bad.yaml")
			if err == nil {
				_, perr := scenario.Play(s, scenario.Options{})
				t.Fatalf("Parse accepted it (Play: %v)", perr)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
	// Good values still parse, and other annotations are nobody's business.
	ok := "nodes: [{name: a}]\nobjects:\n  - {apiVersion: v1, kind: Pod, metadata: {name: p, annotations: {sim.orchestra.dev/run-for: 5s, sim.orchestra.dev/exit-code: '3', example.com/x: whatever}}, spec: {restartPolicy: Never, containers: [{name: c, image: x}]}}\n"
	if _, err := scenario.Parse([]byte(ok), "ok.yaml"); err != nil {
		t.Errorf("good annotations: %v", err)
	}
}

// SCENARIO.md: same file, same seed, the same output, byte for byte.
// Every manifest the project ships plays on three nodes for two hours
// without error, and twice gives the same JSON document.
func TestR8cScenarioEveryManifestDeterministic(t *testing.T) {
	files, err := filepath.Glob("../../examples/manifests/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("manifests not found (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			abs, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			src := fmt.Sprintf("run: 2h\nnodes: [{count: 3, prefix: node-}]\nmanifests: [%q]\n", abs)
			var out [2][]byte
			for i := range out {
				s, err := scenario.Parse([]byte(src), "three-nodes.yaml")
				if err != nil {
					t.Fatal(err)
				}
				res, err := scenario.Play(s, scenario.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if out[i], err = json.Marshal(res); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(out[0], out[1]) {
				t.Errorf("two plays differ (%d and %d bytes)", len(out[0]), len(out[1]))
			}
		})
	}
}
