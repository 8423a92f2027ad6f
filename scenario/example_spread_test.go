package scenario_test

import (
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra/scenario"
	"github.com/orchestra-go/orchestra/workload"
)

// A real manifest, changed in Go before it plays: LoadManifests returns the
// scenario with its nodes and objects, which a test may edit. Here the
// nginx Deployment gets 5 replicas, a topology spread over two zones and a
// required pod anti-affinity per node; the 4 nodes get zone labels. Four
// pods spread two and two, one per node; the fifth fits nowhere and stays
// Pending, as the scheduler's event says.
func ExampleLoadManifests_spread() {
	s, err := scenario.LoadManifests(4, 10*time.Minute, "../examples/manifests/k8s-nginx-deployment.yaml")
	if err != nil {
		panic(err)
	}
	for i, n := range s.Nodes { // the kubelet's labels (hostname, os, arch) come when they join
		n.Labels = map[string]string{"topology.kubernetes.io/zone": []string{"zone-a", "zone-b"}[i%2]}
	}
	d := s.Objects[0].(*workload.Deployment)
	d.Spec.Replicas = workload.Ptr[int32](5)
	sel := d.Spec.Selector // the pods of this Deployment
	d.Spec.Template.Spec.TopologySpreadConstraints = []workload.TopologySpreadConstraint{{
		MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: workload.DoNotSchedule, LabelSelector: sel,
	}}
	d.Spec.Template.Spec.Affinity = &workload.Affinity{PodAntiAffinity: &workload.PodAntiAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []workload.PodAffinityTerm{{LabelSelector: sel, TopologyKey: workload.LabelHostname}},
	}}

	res, err := scenario.Play(s, scenario.Options{})
	if err != nil {
		panic(err)
	}
	perNode := map[string]int{}
	for _, p := range res.Pods {
		perNode[p.Spec.NodeName]++
	}
	fmt.Println("pods per node:", perNode) // "" is the pod never scheduled
	for _, e := range res.Events {
		if e.Reason == "FailedScheduling" {
			fmt.Println(e.Reason+":", e.Message)
		}
	}
	// Output:
	// pods per node: map[:1 node-1:1 node-2:1 node-3:1 node-4:1]
	// FailedScheduling: 0/4 nodes are available: 4 node(s) didn't match pod anti-affinity rules. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod..
}
