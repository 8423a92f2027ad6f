package scenario_test

import (
	"fmt"
	"time"

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

// A Player plays a scenario step by step, so that a test can inspect the
// cluster between steps: here, a Deployment's pods before and after their
// node is removed.
func ExampleNewPlayer() {
	s, err := scenario.Parse([]byte(`
nodes: [{name: node-a}, {name: node-b}]
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: nginx}]}
steps:
  - at: 10m
    removeNode: node-a
`), "example.yaml")
	if err != nil {
		panic(err)
	}
	p, err := scenario.NewPlayer(s, scenario.Options{})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	show := func() {
		pods, _ := p.Cluster().Pods("default", "app=web")
		for _, pod := range pods {
			fmt.Printf("%s  %s on %s: %s\n", p.Cluster().Now().Format("15:04"), pod.Name, pod.Spec.NodeName, pod.Status.Phase)
		}
	}
	if err := p.PlayTo(5 * time.Minute); err != nil {
		panic(err)
	}
	show()
	if err := p.PlayTo(15 * time.Minute); err != nil {
		panic(err)
	}
	show()
	// Output:
	// 00:05  web-74456c49cd-6ctr2 on node-b: Running
	// 00:05  web-74456c49cd-7rsvx on node-a: Running
	// 00:15  web-74456c49cd-6ctr2 on node-b: Running
	// 00:15  web-74456c49cd-vp9df on node-b: Running
}

// Real Kubernetes manifests played as they are, from a Go test: the pi Job
// of the Kubernetes docs on three nodes. The fake runtime runs no
// commands: a Job's container runs 10 s and exits 0 unless a behaviour
// rule says otherwise.
func ExampleLoadManifests() {
	s, err := scenario.LoadManifests(3, time.Minute, "../examples/manifests/k8s-pi-job.yaml")
	if err != nil {
		panic(err)
	}
	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		panic(err)
	}
	for _, ch := range res.Timeline {
		if ch.Object == "Job/default/pi" {
			fmt.Println(ch.Time.Sub(res.Start), ch.Object, ch.Change)
		}
	}
	fmt.Println(len(res.Nodes), "nodes,", len(res.Warnings) > 0, "warnings (the command it does not run)")
	// Output:
	// 0s Job/default/pi created
	// 10s Job/default/pi complete
	// 3 nodes, true warnings (the command it does not run)
}
