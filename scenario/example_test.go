package scenario_test

import (
	"fmt"

	"github.com/orchestra-go/orchestra/scenario"
)

// A scenario played from Go: a pod whose container runs 45 s; the
// timeline says what happened when.
func ExamplePlay() {
	s, err := scenario.Parse([]byte(`
start: 2026-03-01T00:00:00Z
nodes: [{name: node-a}]
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: once},
     spec: {restartPolicy: Never, containers: [{name: main, image: busybox}]}}
behaviors:
  - {match: {image: busybox}, runFor: 45s}
run: 1m
`), "example.yaml")
	if err != nil {
		panic(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		panic(err)
	}
	for _, ch := range res.Timeline {
		fmt.Println(ch.Time.Format("15:04:05"), ch.Object, ch.Change)
	}
	// Output:
	// 00:00:00 Pod/default/once created
	// 00:00:00 Pod/default/once scheduled
	// 00:00:00 Pod/default/once running
	// 00:00:00 Pod/default/once ready
	// 00:00:45 Pod/default/once succeeded
	// 00:00:45 Pod/default/once unready
}
